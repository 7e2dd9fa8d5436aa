/* dispatch.c: which rules an event reaches.
 *
 * Each rule carries a guard (tests of which one must hold for the rule to
 * match, chosen by the compiler). Here the guards are turned around: for
 * every test that guards some rule, the list of rules it guards. Per event
 * the interpreter marks the rules listed under the guard tests that hold,
 * plus the few rules without a guard; so the cost of an event follows the
 * rules that concern it, not the size of the pack. Most guard tests are a
 * logsource's `EventID == n` or channel name, which prefilter groups hold:
 * one scan of the group's field (a lookup of the event's ID among all
 * those of the pack) yields the guard tests that hold, and only their
 * rules are visited. The few guard tests no group holds are asked one by
 * one.
 *
 * A rule's literal guards are turned around the same way, test by test,
 * and their tests are sorted by who answers them: the prefilter groups that hold
 * some, whose scans report the tests that hold (and so the rules to mark),
 * and the few that no group holds, asked one by one. A rule runs when both
 * of its guards hold; the rules without a literal guard (or without a
 * second) form a bitset that stands in for it. Each group also knows the rules it may let
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

/* Where the groups of slot s are listed: keyword groups after the paths'. */
static uint32_t slot_index(const sv_pack *p, uint32_t s) {
    return s == SV_ANY_SLOT ? p->npaths : s;
}

/* The literal groups of each slot together, so that an event visits
   those of the fields it has, not all. */
static void by_slot(sv_pack *p) {
    uint32_t n = p->npaths + 1, *at = xcalloc(n + 1, sizeof *at);
    for (uint32_t i = 0; i < p->nlgroups; i++)
        at[slot_index(p, p->lgroups[i].slot) + 1]++;
    for (uint32_t s = 0; s < n; s++)
        at[s + 1] += at[s];
    sv_lit_group *sorted = xcalloc(p->nlgroups, sizeof *sorted);
    uint32_t *fill = xcalloc(n, sizeof *fill);
    memcpy(fill, at, n * sizeof *fill);
    for (uint32_t i = 0; i < p->nlgroups; i++)
        sorted[fill[slot_index(p, p->lgroups[i].slot)]++] = p->lgroups[i];
    free(fill);
    free(p->lgroups);
    p->lgroups = sorted;
    p->lgroups_at = at;
}

/* The rules of some literal guard lists as the nonzero words of a bitset
   (in no particular order), appended to the pack's lbits. Only the words
   a list touches are visited, so that the work is that of the lists,
   however many rules and groups there are. */
typedef struct bit_lists {
    uint64_t *set;     /* per word of rules: the bits of the list being built */
    uint32_t *touched; /* the words it set, ntouched of them */
    uint32_t ntouched;
    size_t nbits, cap; /* lbits in use, allocated */
} bit_lists;

/* Adds the rules whose literal guards list test t to the list being built. */
static void add_rules(sv_pack *p, bit_lists *b, uint32_t t) {
    for (uint32_t i = p->lstart[t]; i < p->lstart[t + 1]; i++) {
        uint32_t r = p->lrules[i] % sv_lit_stride(p), w = r / 64;
        if (!b->set[w]) b->touched[b->ntouched++] = w;
        b->set[w] |= 1ull << (r % 64);
    }
}

/* Ends the list being built: its words at lbits[*first, *end). */
static void end_list(sv_pack *p, bit_lists *b, uint32_t *first, uint32_t *end) {
    if (b->nbits + b->ntouched > b->cap) {
        b->cap = 2 * (b->nbits + b->ntouched);
        p->lbits = realloc(p->lbits, b->cap * sizeof *p->lbits);
        if (!p->lbits) abort();
    }
    *first = (uint32_t)b->nbits;
    for (uint32_t j = 0; j < b->ntouched; j++) {
        p->lbits[b->nbits++] = (sv_rule_bits){b->touched[j], b->set[b->touched[j]]};
        b->set[b->touched[j]] = 0;
    }
    *end = (uint32_t)b->nbits;
    b->ntouched = 0;
}

/* The groups that hold literal guard tests, each with the rules whose
   literal guards list those tests; and the rules of each loose test. */
static void lit_groups(sv_pack *p) {
    bit_lists b = {.set = xcalloc(p->nrules / 64 + 1, sizeof *b.set),
                   .touched = xcalloc(p->nrules / 64 + 1, sizeof *b.touched)};
    p->lgroups = xcalloc(p->ngroups, sizeof *p->lgroups);
    for (uint32_t g = 0; g < p->ngroups; g++) {
        uint32_t n;
        const uint32_t *tests = sv_prefilter_tests(p, g, &n);
        for (uint32_t k = 0; k < n; k++)
            add_rules(p, &b, tests[k]);
        if (!b.ntouched) continue;
        sv_lit_group *lg = &p->lgroups[p->nlgroups++];
        *lg = (sv_lit_group){.group = g, .slot = sv_prefilter_slot(p, g)};
        end_list(p, &b, &lg->first, &lg->end);
    }
    for (uint32_t i = 0; i < p->lloose_at[p->npaths + 1]; i++) {
        add_rules(p, &b, p->lloose[i].test);
        end_list(p, &b, &p->lloose[i].first, &p->lloose[i].end);
    }
    free(b.set);
    free(b.touched);
    by_slot(p);
}

/* For each test and pseudo-test t, the rules that list it in their guards
   first .. last - 1, (*rules)[(*start)[t] .. (*start)[t+1]): rule r's guard
   first + k as r + k * sv_lit_stride(p). */
static void by_test(sv_pack *p, uint32_t **start, uint32_t **rules, unsigned first, unsigned last) {
    uint32_t nt = p->ntests + p->npieces;
    uint32_t *st = xcalloc(nt + 1, sizeof *st);
    for (uint32_t r = 0, from, len; r < p->nrules; r++)
        for (unsigned k = first; k < last; k++)
            if ((len = sv_rule_guard(&p->rules[r], k, &from)) != SV_NO_GUARD)
                for (uint32_t g = 0; g < len; g++)
                    st[p->guards[from + g] + 1]++;
    for (uint32_t t = 0; t < nt; t++)
        st[t + 1] += st[t];
    uint32_t *rl = xcalloc(st[nt], sizeof *rl);
    uint32_t *fill = xcalloc(nt, sizeof *fill);
    memcpy(fill, st, nt * sizeof *fill);
    for (uint32_t r = 0, from, len; r < p->nrules; r++)
        for (unsigned k = first; k < last; k++)
            if ((len = sv_rule_guard(&p->rules[r], k, &from)) != SV_NO_GUARD)
                for (uint32_t g = 0; g < len; g++)
                    rl[fill[p->guards[from + g]]++] = r + (k - first) * sv_lit_stride(p);
    free(fill);
    *start = st;
    *rules = rl;
}

static void by_literal_guard(sv_pack *p) {
    by_test(p, &p->lstart, &p->lrules, SV_GUARD_LIT, SV_GUARDS);
    p->no_lit_guard = xcalloc(p->nrules / 64 + 1, sizeof *p->no_lit_guard);
    p->no_lit_guard2 = xcalloc(p->nrules / 64 + 1, sizeof *p->no_lit_guard2);
    for (uint32_t r = 0; r < p->nrules; r++) {
        if (!p->rules[r].lit_guard_len) p->no_lit_guard[r / 64] |= 1ull << (r % 64);
        if (!p->rules[r].lit_guard2_len) p->no_lit_guard2[r / 64] |= 1ull << (r % 64);
    }
    /* The tests no group holds, by slot as the groups are. */
    uint32_t n = p->npaths + 1;
    p->lloose = xcalloc(p->ntests, sizeof *p->lloose);
    p->lloose_at = xcalloc(n + 1, sizeof *p->lloose_at);
    for (uint32_t t = 0; t < p->ntests; t++)
        if (p->lstart[t] < p->lstart[t + 1] && p->group_of[t] < 0)
            p->lloose_at[slot_index(p, p->tests[t].slot) + 1]++;
    for (uint32_t s = 0; s < n; s++)
        p->lloose_at[s + 1] += p->lloose_at[s];
    uint32_t *fill = xcalloc(n, sizeof *fill);
    memcpy(fill, p->lloose_at, n * sizeof *fill);
    for (uint32_t t = 0; t < p->ntests; t++)
        if (p->lstart[t] < p->lstart[t + 1] && p->group_of[t] < 0)
            p->lloose[fill[slot_index(p, p->tests[t].slot)]++].test = t;
    free(fill);
    lit_groups(p);
}

/* The rules of each test's list as the pieces of a bitset: a logsource's
   event ID guards a thousand rules, a few dozen words to mark. The
   lists are in rule order, so a word's rules are consecutive. */
static void to_bits(sv_pack *p, uint32_t *start, const uint32_t *rules, sv_rule_bits **out) {
    uint32_t nt = p->ntests + p->npieces, n = 0;
    sv_rule_bits *bits = xcalloc(start[nt], sizeof *bits);
    for (uint32_t t = 0; t < nt; t++) {
        uint32_t from = start[t], to = start[t + 1];
        start[t] = n;
        for (uint32_t i = from; i < to; i++) {
            uint32_t w = rules[i] / 64;
            if (n == start[t] || bits[n - 1].word != w) bits[n++] = (sv_rule_bits){w, 0};
            bits[n - 1].bits |= 1ull << (rules[i] % 64);
        }
    }
    start[nt] = n;
    *out = bits;
}

/* The guard tests a prefilter group holds are answered by its scan, once
   per event, and their hits mark the rules; the others are asked one by
   one. */
static void by_guard(sv_pack *p) {
    uint32_t *rules;
    by_test(p, &p->gstart, &rules, SV_GUARD_FIRST, SV_GUARD_FIRST + 1);
    to_bits(p, p->gstart, rules, &p->gbits);
    free(rules);
    p->always = xcalloc(p->nrules / 64 + 1, sizeof *p->always);
    for (uint32_t r = 0; r < p->nrules; r++)
        if (p->rules[r].guard_len == SV_NO_GUARD) p->always[r / 64] |= 1ull << (r % 64);
    bool *listed = xcalloc(p->ngroups, sizeof *listed);
    p->ggroups = xcalloc(p->ngroups, sizeof *p->ggroups);
    p->gloose = xcalloc(p->ntests, sizeof *p->gloose);
    for (uint32_t t = 0; t < p->ntests; t++) {
        if (p->gstart[t] == p->gstart[t + 1]) continue;
        int32_t g = p->group_of[t];
        if (g < 0)
            p->gloose[p->ngloose++] = t;
        else if (!listed[g]) {
            listed[g] = true;
            p->ggroups[p->nggroups++] = (uint32_t)g;
        }
    }
    free(listed);
}

void sv_dispatch_build(sv_pack *p) {
    by_guard(p);
    by_literal_guard(p);
}

void sv_dispatch_free(sv_pack *p) {
    free(p->always);
    free(p->gstart);
    free(p->gbits);
    free(p->ggroups);
    free(p->gloose);
    free(p->lstart);
    free(p->lrules);
    free(p->lgroups);
    free(p->lgroups_at);
    free(p->lbits);
    free(p->lloose);
    free(p->lloose_at);
    free(p->no_lit_guard);
    free(p->no_lit_guard2);
    p->gstart = p->ggroups = p->gloose = NULL;
    p->lstart = p->lrules = NULL;
    p->lloose = NULL;
    p->gbits = p->lbits = NULL;
    p->always = p->no_lit_guard = p->no_lit_guard2 = NULL;
    p->lgroups = NULL;
    p->lgroups_at = p->lloose_at = NULL;
    p->nggroups = p->ngloose = p->nlgroups = 0;
}
