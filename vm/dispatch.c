/* dispatch.c: which rules an event reaches.
 *
 * Each rule carries a guard (tests of which one must hold for the rule to
 * match, chosen by the compiler). Here the guards are turned around: for
 * every test that guards some rule, the list of rules it guards. Per event
 * the interpreter asks each guard test once and marks the rules listed
 * under the tests that hold, plus the few rules without a guard; so the cost
 * of an event follows the rules that concern it, not the size of the pack.
 *
 * A rule's literal guard is turned around the same way, test by test, and
 * its tests are sorted by who answers them: the prefilter groups that hold
 * some, whose scans report the tests that hold (and so the rules to mark),
 * and the few that no group holds, asked one by one. A rule runs when both
 * of its guards hold; the rules without a literal guard form a bitset that
 * stands in for the second. Each group also knows the rules it may let
 * through, so that an event scans it only when one of those passed its
 * first guard: a keyword group, which reads every value of every event,
 * would otherwise cost every event a pass over all of its text.
 */
#include <stdlib.h>
#include <string.h>

#include "pack.h"

static void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size);
    if (!p) abort();
    return p;
}

/* The groups that hold literal guard tests, each with the rules whose
   literal guards list those tests, as the nonzero words of a bitset (in no
   particular order). Only the words a group touches are visited, so that
   the work is that of the lists, however many rules and groups there are. */
static void lit_groups(sv_pack *p) {
    uint64_t *set = xcalloc(p->nrules / 64 + 1, sizeof *set);
    uint32_t *touched = xcalloc(p->nrules / 64 + 1, sizeof *touched);
    size_t nbits = 0, cap = 0;
    p->lgroups = xcalloc(p->ngroups, sizeof *p->lgroups);
    for (uint32_t g = 0; g < p->ngroups; g++) {
        uint32_t n, ntouched = 0;
        const uint32_t *tests = sv_prefilter_tests(p, g, &n);
        for (uint32_t k = 0; k < n; k++)
            for (uint32_t i = p->lstart[tests[k]]; i < p->lstart[tests[k] + 1]; i++) {
                uint32_t w = p->lrules[i] / 64;
                if (!set[w]) touched[ntouched++] = w;
                set[w] |= 1ull << (p->lrules[i] % 64);
            }
        if (!ntouched) continue;
        if (nbits + ntouched > cap) {
            cap = 2 * (nbits + ntouched);
            p->lbits = realloc(p->lbits, cap * sizeof *p->lbits);
            if (!p->lbits) abort();
        }
        p->lgroups[p->nlgroups++] = (sv_lit_group){.group = g,
                                                   .slot = p->tests[tests[0]].slot,
                                                   .first = (uint32_t)nbits,
                                                   .end = (uint32_t)(nbits + ntouched)};
        for (uint32_t j = 0; j < ntouched; j++) {
            p->lbits[nbits++] = (sv_rule_bits){touched[j], set[touched[j]]};
            set[touched[j]] = 0;
        }
    }
    free(set);
    free(touched);
}

static void by_literal_guard(sv_pack *p) {
    p->lstart = xcalloc(p->ntests + 1, sizeof *p->lstart);
    p->no_lit_guard = xcalloc(p->nrules / 64 + 1, sizeof *p->no_lit_guard);
    for (uint32_t r = 0; r < p->nrules; r++) {
        const sv_rule *ru = &p->rules[r];
        if (!ru->lit_guard_len) p->no_lit_guard[r / 64] |= 1ull << (r % 64);
        for (uint32_t g = 0; g < ru->lit_guard_len; g++)
            p->lstart[p->guards[ru->lit_guard_start + g] + 1]++;
    }
    for (uint32_t t = 0; t < p->ntests; t++)
        p->lstart[t + 1] += p->lstart[t];
    p->lrules = xcalloc(p->lstart[p->ntests], sizeof *p->lrules);
    uint32_t *fill = xcalloc(p->ntests, sizeof *fill);
    memcpy(fill, p->lstart, p->ntests * sizeof *fill);
    for (uint32_t r = 0; r < p->nrules; r++) {
        const sv_rule *ru = &p->rules[r];
        for (uint32_t g = 0; g < ru->lit_guard_len; g++)
            p->lrules[fill[p->guards[ru->lit_guard_start + g]]++] = r;
    }
    free(fill);
    p->lloose = xcalloc(p->ntests, sizeof *p->lloose);
    for (uint32_t t = 0; t < p->ntests; t++)
        if (p->lstart[t] < p->lstart[t + 1] && p->group_of[t] < 0) p->lloose[p->nlloose++] = t;
    lit_groups(p);
}

void sv_dispatch_build(sv_pack *p) {
    /* slot_of[t]: position of test t among the guard tests, or UINT32_MAX. */
    uint32_t *slot_of = xcalloc(p->ntests, sizeof *slot_of);
    memset(slot_of, 0xff, p->ntests * sizeof *slot_of);
    uint32_t *count = xcalloc(p->nguards + 1, sizeof *count);
    p->always = xcalloc(p->nrules, sizeof *p->always);
    p->gtest = xcalloc(p->nguards, sizeof *p->gtest);
    for (uint32_t r = 0; r < p->nrules; r++) {
        const sv_rule *ru = &p->rules[r];
        if (ru->guard_len == SV_NO_GUARD) {
            p->always[p->nalways++] = r;
            continue;
        }
        for (uint32_t g = 0; g < ru->guard_len; g++) {
            uint32_t t = p->guards[ru->guard_start + g];
            if (slot_of[t] == UINT32_MAX) {
                slot_of[t] = p->ngtest;
                p->gtest[p->ngtest++] = t;
            }
            count[slot_of[t]]++;
        }
    }
    p->gstart = xcalloc(p->ngtest + 1, sizeof *p->gstart);
    for (uint32_t k = 0; k < p->ngtest; k++)
        p->gstart[k + 1] = p->gstart[k] + count[k];
    p->grules = xcalloc(p->gstart[p->ngtest], sizeof *p->grules);
    memset(count, 0, (p->nguards + 1) * sizeof *count);
    for (uint32_t r = 0; r < p->nrules; r++) {
        const sv_rule *ru = &p->rules[r];
        if (ru->guard_len == SV_NO_GUARD) continue;
        for (uint32_t g = 0; g < ru->guard_len; g++) {
            uint32_t k = slot_of[p->guards[ru->guard_start + g]];
            p->grules[p->gstart[k] + count[k]++] = r;
        }
    }
    free(slot_of);
    free(count);
    by_literal_guard(p);
}

void sv_dispatch_free(sv_pack *p) {
    free(p->always);
    free(p->gtest);
    free(p->gstart);
    free(p->grules);
    free(p->lstart);
    free(p->lrules);
    free(p->lgroups);
    free(p->lbits);
    free(p->lloose);
    free(p->no_lit_guard);
    p->always = p->gtest = p->gstart = p->grules = NULL;
    p->lstart = p->lrules = p->lloose = NULL;
    p->lgroups = NULL;
    p->lbits = NULL;
    p->no_lit_guard = NULL;
    p->nalways = p->ngtest = p->nlgroups = p->nlloose = 0;
}
