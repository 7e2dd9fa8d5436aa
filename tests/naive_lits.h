/* naive_lits.h: whether a literal test holds, the slow and obvious way,
   for tests of the literal sets (vm/lits.c) to be held against. */
#ifndef SIGVM_TESTS_NAIVE_LITS_H
#define SIGVM_TESTS_NAIVE_LITS_H

#include <stdbool.h>
#include <string.h>

#include "vm/lits.h"

static inline bool naive_holds(sv_lit_how how, const void *text, size_t n, const void *lit,
                               size_t len) {
    const char *t = text, *p = lit;
    if (len > n) return false;
    switch (how) {
    case SV_LIT_EQ: return n == len && !memcmp(t, p, n);
    case SV_LIT_PREFIX: return !memcmp(t, p, len);
    case SV_LIT_SUFFIX: return !memcmp(t + n - len, p, len);
    default:
        for (size_t i = 0; i + len <= n; i++)
            if (!memcmp(t + i, p, len)) return true;
        return false;
    }
}

#endif
