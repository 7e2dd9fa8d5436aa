/* dispatch.c: which rules an event reaches.
 *
 * Each rule carries a guard (tests of which one must hold for the rule to
 * match, chosen by the compiler). Here the guards are turned around: for
 * every test that guards some rule, the list of rules it guards. Per event
 * the interpreter asks each guard test once and runs only the rules listed
 * under the tests that hold, plus the few rules without a guard; so the cost
 * of an event follows the rules that concern it, not the size of the pack.
 */
#include <stdlib.h>
#include <string.h>

#include "pack.h"

static void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size);
    if (!p) abort();
    return p;
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
}

void sv_dispatch_free(sv_pack *p) {
    free(p->always);
    free(p->gtest);
    free(p->gstart);
    free(p->grules);
    p->always = p->gtest = p->gstart = p->grules = NULL;
    p->nalways = p->ngtest = 0;
}
