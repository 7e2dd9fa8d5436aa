/* naive_lits.h: whether a literal test holds, the slow and obvious way,
   for tests of the literal sets (vm/lits.c) to be held against. */
#ifndef SIGVM_TESTS_NAIVE_LITS_H
#define SIGVM_TESTS_NAIVE_LITS_H

#include <ctype.h>
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

/* Whether lit (lower case) occurs in text, ASCII case aside: what the
   keyword pre-search (vm/rawscan.c) and its screen (vm/screen.c) must
   never miss. */
static inline bool naive_occurs_folded(const void *text, size_t n, const void *lit, size_t len) {
    const unsigned char *t = text, *p = lit;
    for (size_t i = 0; i + len <= n; i++) {
        size_t j = 0;
        while (j < len && tolower(t[i + j]) == p[j])
            j++;
        if (j == len) return true;
    }
    return false;
}

#endif
