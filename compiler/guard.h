/* guard.h: rule guards (compiler/ only). */
#ifndef SIGVM_GUARD_H
#define SIGVM_GUARD_H

#include "sigma/sigma.h"

/* Most tests in one guard: a longer disjunction costs more than it saves. */
#define CP_GUARD_MAX 16

/* Writes into out (room for CP_GUARD_MAX) tests of expr of which one holds
   whenever expr does, and returns how many; SIZE_MAX when there is no such
   short list. */
size_t cp_guard(const sg_node *expr, const sg_test **out);

#endif
