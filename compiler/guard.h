/* guard.h: rule guards (compiler/ only). */
#ifndef SIGVM_GUARD_H
#define SIGVM_GUARD_H

#include "sigma/sigma.h"

/* Most tests in one guard: a longer disjunction costs more than it saves. */
#define CP_GUARD_MAX 16
/* Most tests in one literal guard. Only the literals an event contains cost
   anything at run time, so even a long list of them is worth it (a rule of
   430 DLL names would otherwise run for every image load, one of some 2,000
   emoji for every process creation). */
#define CP_LITERAL_GUARD_MAX 4096

/* Writes into out (room for CP_GUARD_MAX) tests of expr of which one holds
   whenever expr does, and returns how many; SIZE_MAX when there is no such
   short list. */
size_t cp_guard(const sg_node *expr, const sg_test **out);

/* How many rules of the pack ask test t (at least the one being guarded). */
typedef unsigned cp_askers(const sg_test *t, void *ctx);

/* Most literal guards of one rule, each of which must hold. */
#define CP_LITERAL_GUARDS 2

/* The same for literal tests only (equals, startswith, endswith, contains
   with a non-empty string: what the prefilter answers in one pass), up to
   CP_LITERAL_GUARDS such lists, each from another operand of the top-level
   AND and on other fields than those before it (or, when there is no such
   operand, the first guard's operand again with other operands taken in
   the ANDs inside it), each of which holds whenever expr does: the tests
   of guard k, len[k] of them, follow those of guard k-1 in out (room for
   CP_LITERAL_GUARDS * CP_LITERAL_GUARD_MAX).
   Returns how many guards. askers tells the literals that whole
   logsources share (a channel name), which hold on most events, from those
   of one detection, which rarely do. */
size_t cp_literal_guards(const sg_node *expr, cp_askers *askers, void *ctx, const sg_test **out,
                         size_t *len);

#endif
