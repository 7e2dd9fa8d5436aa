/* guard.c: cheap necessary conditions for each rule.
 *
 * A rule's guard is a short list of its field tests of which at least one
 * must hold whenever the rule matches: a test is its own guard, an AND may
 * take the guard of any one of its operands (the cheapest), an OR needs the
 * guards of all of its operands together. Per event the interpreter asks
 * each distinct guard test once and runs only the rules whose guard holds,
 * so a Sysmon registry event never reaches the process-creation rules, whose
 * guards are their logsource's event IDs. A rule with no useful guard (it
 * starts with a NOT, say) always runs.
 *
 * The event ID lets through every process creation to a thousand rules, of
 * which the event concerns a handful: those whose literals ("-enc",
 * "\\rundll32.exe") it contains. So a rule has a second guard, made the
 * same way of its literal tests only, which the interpreter answers from
 * the prefilter's one pass over each field; the rule runs when both hold.
 * There an AND takes the operand whose literals are least likely to hold:
 * few of them, asked by few rules, and long. The condition a logsource maps
 * to is never taken: its channel name holds on almost every event that
 * passed the first guard, so such a rule would run on all of them.
 *
 * That guess is blind to the events: the literal asked by fewest rules may
 * still be in every event ("C:\Windows\System32\ntdll.dll+" starts
 * nearly every CallTrace), and then the rule runs on every event of its
 * logsource. So a rule gets a second literal guard, from another operand
 * of its top-level AND on other fields, and runs only when both hold: a
 * HandleKatz rule guarded by that prefix and by GrantedAccess 0x1440 runs
 * where the access mask is right, not on every process access. A rule
 * whose top is an OR has one such operand only; its second literal guard
 * then goes through the same OR, taking other operands in the ANDs below.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "atom.h"
#include "guard.h"

/* Which tests a guard may hold and what each costs. */
typedef struct policy {
    size_t max;
    /* a test's cost, lower for one that holds on fewer events; < 0: unusable */
    double (*cost)(const struct policy *pol, const sg_test *t);
    cp_askers *askers;
    void *ctx;
    bool literal; /* a literal guard: not from a logsource's condition */
} policy;

/* What a node's guard would be: how many tests, at what cost. */
typedef struct summary {
    size_t n;
    double cost;
    bool none; /* no usable guard: the rule must always run */
} summary;

/* An exact event ID splits Windows logs finer than a channel name does:
   a channel logs a dozen kinds of events or more, so even a logsource of
   four event IDs is better guarded by them than by its channel. */
static double weight(const policy *pol, const sg_test *t) {
    (void)pol;
    switch (t->op) {
    case SG_NUM_EQ: return 1;
    case SG_EQ: return 5;
    case SG_PREFIX:
    case SG_SUFFIX: return 6;
    case SG_CONTAINS: return 7;
    default: return 8;
    }
}

/* A glob or a regex guards by the literal it cannot match without
   (atom.c), looked for as a contains literal. */
static double literal_cost(const policy *pol, const sg_test *t) {
    size_t len = cp_needed_literal(t, NULL);
    if (len == 0) return -1;
    return pol->askers(t, pol->ctx) * (1.0 + 8.0 / (double)len);
}

static summary of(const policy *pol, const sg_node *n, int depth);

/* The operand of an AND whose guard costs least (-1: none has one). */
static long cheapest(const policy *pol, const sg_node *n, int depth, summary *best) {
    long at = -1;
    *best = (summary){.none = true};
    for (size_t i = 0; i < n->nkids; i++) {
        summary k = of(pol, n->kids[i], depth + 1);
        if (!k.none && (best->none || k.cost < best->cost)) {
            *best = k;
            at = (long)i;
        }
    }
    return at;
}

static summary of_or(const policy *pol, const sg_node *n, int depth) {
    summary s = {0};
    for (size_t i = 0; i < n->nkids; i++) {
        summary k = of(pol, n->kids[i], depth + 1);
        if (k.none || s.n + k.n > pol->max) return (summary){.none = true};
        s.n += k.n;
        s.cost += k.cost;
    }
    return s;
}

static summary of(const policy *pol, const sg_node *n, int depth) {
    /* A deeper tree is no cheap guard anyway. */
    summary s = {.none = depth > 64 || (pol->literal && n->logsource)};
    if (s.none) return s;
    switch (n->kind) {
    case SG_N_TEST:
        s.cost = pol->cost(pol, &n->test);
        s.none = s.cost < 0;
        s.n = 1;
        return s;
    case SG_N_AND: cheapest(pol, n, depth, &s); return s;
    case SG_N_OR: return of_or(pol, n, depth);
    case SG_N_FALSE: return s;               /* never true: an empty guard never holds */
    default: return (summary){.none = true}; /* NOT, TRUE, exactly one of, array elements */
    }
}

/* Writes the tests of the guard that of() found for n from out on; returns
   the end of what it wrote. */
static const sg_test **collect(const policy *pol, const sg_node *n, int depth,
                               const sg_test **out) {
    summary s;
    switch (n->kind) {
    case SG_N_TEST: *out++ = &n->test; break;
    case SG_N_AND: out = collect(pol, n->kids[cheapest(pol, n, depth, &s)], depth + 1, out); break;
    case SG_N_OR:
        for (size_t i = 0; i < n->nkids; i++)
            out = collect(pol, n->kids[i], depth + 1, out);
        break;
    default: break; /* FALSE */
    }
    return out;
}

static size_t guard_of(const policy *pol, const sg_node *expr, const sg_test **out) {
    if (of(pol, expr, 0).none) return SIZE_MAX;
    return (size_t)(collect(pol, expr, 0, out) - out);
}

size_t cp_guard(const sg_node *expr, const sg_test **out) {
    const policy pol = {.max = CP_GUARD_MAX, .cost = weight};
    return guard_of(&pol, expr, out);
}

/* Lists the operands of the ANDs at the top of n (an AND of ANDs is one
   AND; a logsource's condition is one operand) into ops from k on, up to
   max; returns where the list ends. */
static size_t and_operands(const sg_node *n, const sg_node **ops, size_t k, size_t max, int depth) {
    if (n->kind != SG_N_AND || n->logsource || depth > 64) {
        if (k < max) ops[k++] = n;
        return k;
    }
    for (size_t i = 0; i < n->nkids; i++)
        k = and_operands(n->kids[i], ops, k, max, depth + 1);
    return k;
}

static bool same_field(const sg_test *a, const sg_test *b) {
    if (!a->field || !b->field) return !a->field && !b->field;
    return !strcmp(a->field, b->field);
}

/* Whether the prefilter answers tests t[0 .. n) as a second guard at
   little cost: a contains literal shorter than 4 bytes would have every
   position of its field's values looked at, for every event the first
   guards let through, where otherwise only the events that run the rule
   ask it. */
static bool cheap_to_add(const sg_test *const *t, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (t[i]->op == SG_CONTAINS && t[i]->str_len < 4) return false;
    return true;
}

/* Whether none of the tests of b is on a field that one of a is on. */
static bool other_fields(const sg_test *const *a, size_t na, const sg_test *const *b, size_t nb) {
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            if (same_field(a[i], b[j])) return false;
    return true;
}

/* Whether the guards of a and b, which both have one, share a field. */
static bool guards_meet(const policy *pol, const sg_node *a, const sg_node *b, int depth) {
    size_t na = of(pol, a, depth).n, nb = of(pol, b, depth).n;
    const sg_test **t = malloc((na + nb + 1) * sizeof *t);
    if (!t) abort();
    collect(pol, a, depth, t);
    collect(pol, b, depth, t + na);
    bool meet = !other_fields(t, na, t + na, nb);
    free(t);
    return meet;
}

/* Writes a guard of n (which has one) from out on, as collect does, but
   one that takes in each AND, where it can, another operand than collect's:
   the cheapest whose guard is on other fields. *other says whether some
   AND did. Returns the end of what it wrote, NULL past room tests. Inside
   an OR at the top (the SysmonEnte rule: a selection AND NOT a filter, OR
   a CallTrace), collect takes the access mask that most process accesses
   share, this the target image that few have. */
static const sg_test **collect_other(const policy *pol, const sg_node *n, int depth,
                                     const sg_test **out, size_t room, bool *other) {
    if (n->kind == SG_N_OR) {
        for (size_t i = 0; i < n->nkids && out; i++) {
            const sg_test **end = collect_other(pol, n->kids[i], depth + 1, out, room, other);
            if (end) room -= (size_t)(end - out);
            out = end;
        }
        return out;
    }
    if (n->kind != SG_N_AND) return of(pol, n, depth).n > room ? NULL : collect(pol, n, depth, out);
    summary s, best_s = {.none = true};
    long first = cheapest(pol, n, depth, &s), best = -1;
    for (size_t i = 0; i < n->nkids; i++) {
        summary k = of(pol, n->kids[i], depth + 1);
        if ((long)i == first || k.none || (!best_s.none && k.cost >= best_s.cost) ||
            guards_meet(pol, n->kids[first], n->kids[i], depth + 1))
            continue;
        best = (long)i, best_s = k;
    }
    if (best < 0) return collect_other(pol, n->kids[first], depth + 1, out, room, other);
    if (best_s.n > room) return NULL;
    *other = true;
    return collect(pol, n->kids[best], depth + 1, out);
}

enum { MAX_OPERANDS = 64 };

size_t cp_literal_guards(const sg_node *expr, cp_askers *askers, void *ctx, const sg_test **out,
                         size_t *len) {
    const policy pol = {.max = CP_LITERAL_GUARD_MAX,
                        .cost = literal_cost,
                        .askers = askers,
                        .ctx = ctx,
                        .literal = true};
    const sg_node *ops[MAX_OPERANDS];
    size_t nops = and_operands(expr, ops, 0, MAX_OPERANDS, 0), nguards = 0;
    bool taken[MAX_OPERANDS] = {0};
    const sg_test **at = out;
    long first = -1;
    while (nguards < CP_LITERAL_GUARDS) {
        long best = -1;
        summary bs = {.none = true};
        for (size_t i = 0; i < nops; i++) {
            if (taken[i]) continue;
            summary s = of(&pol, ops[i], 1);
            if (s.none || (!bs.none && s.cost >= bs.cost)) continue;
            /* Tests on the field of another guard tell little more. */
            const sg_test *t[CP_LITERAL_GUARD_MAX];
            size_t n = (size_t)(collect(&pol, ops[i], 1, t) - t);
            if (at > out && (!other_fields(out, (size_t)(at - out), t, n) || !cheap_to_add(t, n)))
                continue;
            best = (long)i, bs = s;
        }
        if (best < 0) break;
        taken[best] = true;
        if (first < 0) first = best;
        len[nguards++] = (size_t)(collect(&pol, ops[best], 1, at) - at);
        at += len[nguards - 1];
    }
    /* No other operand: the first guard's, the other way through its ANDs. */
    if (nguards == 1 && nguards < CP_LITERAL_GUARDS) {
        bool other = false;
        const sg_test **end = collect_other(&pol, ops[first], 1, at, CP_LITERAL_GUARD_MAX, &other);
        if (end && other && cheap_to_add(at, (size_t)(end - at)))
            len[nguards++] = (size_t)(end - at);
    }
    return nguards;
}
