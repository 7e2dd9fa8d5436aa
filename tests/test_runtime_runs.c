/* test_runtime_runs.c: the portable (eight bytes at a time) string skipping
   of runs.h against a byte loop; the SSE2 one is what every other runtime
   test runs on x86-64. */
#undef __SSE2__
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/runs.h"

static const char *naive_string_stop(const char *p, const char *end) {
    while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20 &&
           (unsigned char)*p < 0x80)
        p++;
    return p;
}

static const char *naive_line_stop(const char *p, const char *end) {
    while (p < end && *p != '"' && *p != '\\' && *p != '\n')
        p++;
    return p;
}

/* Every byte value at every position of a 40-byte run of plain text, from
   every start. */
static void every_byte_everywhere(void **state) {
    (void)state;
    char text[40];
    for (int b = 0; b < 256; b++)
        for (size_t at = 0; at < sizeof text; at++) {
            memset(text, 'a', sizeof text);
            text[at] = (char)b;
            for (size_t from = 0; from <= sizeof text; from++) {
                const char *end = text + sizeof text;
                assert_ptr_equal(rt_string_stop(text + from, end),
                                 naive_string_stop(text + from, end));
                assert_ptr_equal(rt_line_string_stop(text + from, end),
                                 naive_line_stop(text + from, end));
            }
        }
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(every_byte_everywhere)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
