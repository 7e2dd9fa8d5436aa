/* guard.c: a cheap necessary condition for each rule.
 *
 * A rule's guard is a short list of its field tests of which at least one
 * must hold whenever the rule matches: a test is its own guard, an AND may
 * take the guard of any one of its operands (the cheapest), an OR needs the
 * guards of all of its operands together. Per event the interpreter asks
 * each distinct guard test once and runs only the rules whose guard holds,
 * so a Sysmon registry event never reaches the process-creation rules, whose
 * guards are their logsource's event IDs. A rule with no useful guard (it
 * starts with a NOT, say) always runs.
 */
#include <stddef.h>

#include "guard.h"

/* How much a test narrows the events, lowest first: an exact event ID
   splits Windows logs finer than a channel name does. */
static unsigned weight(const sg_test *t) {
    switch (t->op) {
    case SG_NUM_EQ: return 1;
    case SG_EQ: return 2;
    case SG_PREFIX:
    case SG_SUFFIX: return 3;
    case SG_CONTAINS: return 4;
    default: return 8;
    }
}

typedef struct guard {
    const sg_test *t[CP_GUARD_MAX];
    size_t n;
    bool none; /* no usable guard: the rule must always run */
} guard;

static unsigned cost(const guard *g) {
    unsigned c = 0;
    for (size_t i = 0; i < g->n; i++)
        c += weight(g->t[i]);
    return c;
}

static void of(const sg_node *n, guard *g, int depth);

static void of_and(const sg_node *n, guard *g, int depth) {
    g->none = true;
    for (size_t i = 0; i < n->nkids; i++) {
        guard k = {0};
        of(n->kids[i], &k, depth + 1);
        if (!k.none && (g->none || cost(&k) < cost(g))) *g = k;
    }
}

static void of_or(const sg_node *n, guard *g, int depth) {
    g->n = 0;
    g->none = false;
    for (size_t i = 0; i < n->nkids && !g->none; i++) {
        guard k = {0};
        of(n->kids[i], &k, depth + 1);
        if (k.none || g->n + k.n > CP_GUARD_MAX) {
            g->none = true;
            return;
        }
        for (size_t j = 0; j < k.n; j++)
            g->t[g->n++] = k.t[j];
    }
}

static void of(const sg_node *n, guard *g, int depth) {
    g->n = 0;
    g->none = depth > 64; /* a deeper tree is no cheap guard anyway */
    if (g->none) return;
    switch (n->kind) {
    case SG_N_TEST: g->t[g->n++] = &n->test; break;
    case SG_N_AND: of_and(n, g, depth); break;
    case SG_N_OR: of_or(n, g, depth); break;
    case SG_N_FALSE: break;  /* never true: an empty guard never holds */
    default: g->none = true; /* NOT, TRUE */
    }
}

size_t cp_guard(const sg_node *expr, const sg_test **out) {
    guard g = {0};
    of(expr, &g, 0);
    if (g.none) return SIZE_MAX;
    for (size_t i = 0; i < g.n; i++)
        out[i] = g.t[i];
    return g.n;
}
