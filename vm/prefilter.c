/* prefilter.c: every literal test on a field answered in one pass.
 *
 * Thousands of rules test the same few fields (CommandLine, Image,
 * TargetFilename) against literals: contains, startswith, endswith, equals.
 * Tests on one field with the same case rule form a group; its literals go
 * into one Aho-Corasick automaton. The first time an event asks any test of
 * a group, the field's value is scanned once and the answer of every test of
 * the group is memoized: an occurrence at offset 0 satisfies startswith, one
 * ending at the end endswith, both equals, any contains. A thousand memmem
 * calls become one pass over the value. The scan lists the tests that hold,
 * so that what follows (memoizing, the rules' literal guards) costs what
 * the event contains, not what the group holds.
 */
#include <stdlib.h>
#include <string.h>

#include "aho.h"
#include "event.h"
#include "pack.h"

typedef struct sv_prefilter_group {
    uint32_t slot;
    bool cased;
    sv_aho *aho;
    uint32_t *tests; /* the group's tests */
    uint32_t ntests;
} sv_prefilter_group;

static bool is_literal(const sv_test *t, uint32_t len) {
    return len > 0 && (t->kind == SV_T_EQ || t->kind == SV_T_PREFIX || t->kind == SV_T_SUFFIX ||
                       t->kind == SV_T_CONTAINS);
}

/* Groups worth an automaton: one literal is as fast through memmem. */
enum { MIN_GROUP = 2 };

static int32_t find_group(const sv_pack *p, uint32_t slot, bool cased) {
    for (uint32_t g = 0; g < p->ngroups; g++)
        if (p->groups[g].slot == slot && p->groups[g].cased == cased) return (int32_t)g;
    return -1;
}

void sv_prefilter_build(sv_pack *p) {
    p->group_of = malloc((p->ntests ? p->ntests : 1) * sizeof *p->group_of);
    if (!p->group_of) abort();
    /* First pass: count literal tests per (slot, cased). */
    uint32_t *count = NULL, *gslot = NULL;
    bool *gcased = NULL;
    uint32_t n = 0;
    for (uint32_t i = 0; i < p->ntests; i++) {
        const sv_test *t = &p->tests[i];
        p->group_of[i] = -1;
        if (!is_literal(t, p->prep[i].lit_len)) continue;
        bool cased = t->flags & SV_F_CASED;
        uint32_t g = 0;
        while (g < n && !(gslot[g] == t->slot && gcased[g] == cased))
            g++;
        if (g == n) {
            count = realloc(count, (n + 1) * sizeof *count);
            gslot = realloc(gslot, (n + 1) * sizeof *gslot);
            gcased = realloc(gcased, (n + 1) * sizeof *gcased);
            if (!count || !gslot || !gcased) abort();
            count[n] = 0;
            gslot[n] = t->slot;
            gcased[n++] = cased;
        }
        count[g]++;
    }
    p->groups = calloc(n ? n : 1, sizeof *p->groups);
    if (!p->groups) abort();
    for (uint32_t g = 0; g < n; g++) {
        if (count[g] < MIN_GROUP) continue;
        sv_prefilter_group *grp = &p->groups[p->ngroups++];
        *grp = (sv_prefilter_group){.slot = gslot[g], .cased = gcased[g], .aho = sv_aho_new()};
        grp->tests = malloc(count[g] * sizeof *grp->tests);
        if (!grp->tests) abort();
    }
    for (uint32_t i = 0; i < p->ntests; i++) {
        const sv_test *t = &p->tests[i];
        if (!is_literal(t, p->prep[i].lit_len)) continue;
        int32_t g = find_group(p, t->slot, t->flags & SV_F_CASED);
        if (g < 0) continue;
        sv_prefilter_group *grp = &p->groups[g];
        sv_aho_add(grp->aho, p->prep[i].lit, p->prep[i].lit_len, grp->ntests);
        grp->tests[grp->ntests++] = i;
        p->group_of[i] = g;
    }
    for (uint32_t g = 0; g < p->ngroups; g++) {
        sv_aho_build(p->groups[g].aho);
        if (p->groups[g].ntests > p->max_group) p->max_group = p->groups[g].ntests;
    }
    free(count);
    free(gslot);
    free(gcased);
}

void sv_prefilter_free(sv_pack *p) {
    for (uint32_t g = 0; g < p->ngroups; g++) {
        sv_aho_free(p->groups[g].aho);
        free(p->groups[g].tests);
    }
    free(p->groups);
    free(p->group_of);
    p->groups = NULL;
    p->group_of = NULL;
    p->ngroups = p->max_group = 0;
}

const uint32_t *sv_prefilter_tests(const sv_pack *p, uint32_t g, uint32_t *n) {
    *n = p->groups[g].ntests;
    return p->groups[g].tests;
}

typedef struct scan_ctx {
    const sv_pack *p;
    const sv_prefilter_group *grp;
    uint8_t *seen; /* per group test: already among the hits */
    uint32_t *hits, nhits;
    size_t len; /* of the value scanned */
} scan_ctx;

static bool on_hit(void *ctx, uint32_t k, size_t start, size_t end) {
    scan_ctx *c = ctx;
    if (c->seen[k]) return true;
    bool holds;
    switch (c->p->tests[c->grp->tests[k]].kind) {
    case SV_T_EQ: holds = start == 0 && end == c->len; break;
    case SV_T_PREFIX: holds = start == 0; break;
    case SV_T_SUFFIX: holds = end == c->len; break;
    default: holds = true;
    }
    if (holds) {
        c->seen[k] = 1;
        c->hits[c->nhits++] = k;
    }
    return true;
}

uint32_t sv_prefilter_run(const sv_pack *p, uint32_t g, sv_event *ev, uint8_t *seen,
                          uint32_t *hits) {
    const sv_prefilter_group *grp = &p->groups[g];
    scan_ctx c = {.p = p, .grp = grp, .seen = seen, .hits = hits};
    for (int32_t i = sv_event_first(ev, grp->slot); i >= 0; i = ev->vals[i].next) {
        const char *s;
        size_t n;
        bool ok = grp->cased ? sv_value_text(ev, &ev->vals[i], &s, &n)
                             : sv_value_folded(ev, &ev->vals[i], &s, &n);
        if (!ok) continue;
        c.len = n;
        sv_aho_scan(grp->aho, s, n, on_hit, &c);
    }
    for (uint32_t i = 0; i < c.nhits; i++)
        seen[hits[i]] = 0;
    return c.nhits;
}
