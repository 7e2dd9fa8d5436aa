/* test_runtime_runs_sse2.c: the tests of test_runtime_runs.c on the SSE2
   code of runs.h (where the compiler has it; elsewhere the portable code
   again). */
#define RUNS_KEEP_SSE2
#include "test_runtime_runs.c"
