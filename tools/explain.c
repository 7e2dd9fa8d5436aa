/* explain.c: why a rule did or did not match one event.
 *
 * Every named part of the rule's expression (a Sigma search identifier, a
 * Panther match expression, the Detection and InlineFilters lists) is
 * compiled as a rule of its own and run over the event, so the trace says
 * exactly what the VM decided for each part, indented by nesting. An element
 * test is shown whole: the parts inside it are about one element at a time.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "explain.h"

/* Parts shown at most; a rule with more is cut short. */
enum { MAX_PARTS = 256 };

typedef struct part {
    const sg_node *n;
    const char *label;
    int depth;
} part;

typedef struct parts {
    part v[MAX_PARTS];
    size_t n;
} parts;

static bool seen(const parts *ps, const sg_node *n) {
    for (size_t i = 0; i < ps->n; i++)
        if (ps->v[i].n == n) return true;
    return false;
}

/* Adds the named nodes below n (not n itself), depth-first. */
static void collect(parts *ps, const sg_node *n, int depth) {
    if (n->kind == SG_N_EACH) return;
    for (size_t i = 0; i < n->nkids && ps->n < MAX_PARTS; i++) {
        const sg_node *k = n->kids[i];
        bool named = k->label && !seen(ps, k);
        if (named) ps->v[ps->n++] = (part){k, k->label, depth};
        collect(ps, k, depth + named);
    }
}

static void add_tree(parts *ps, const sg_node *root, const char *name) {
    if (!root || ps->n == MAX_PARTS) return;
    ps->v[ps->n++] = (part){root, root->label ? root->label : name, 0};
    collect(ps, root, 1);
}

void cli_explain(FILE *out, const sg_rule *r, const char *doc, size_t len) {
    parts *ps = calloc(1, sizeof *ps);
    sg_rule *rules = calloc(MAX_PARTS, sizeof *rules);
    const sg_rule **ptrs = calloc(MAX_PARTS, sizeof *ptrs);
    bool *held = calloc(MAX_PARTS, sizeof *held);
    if (!ps || !rules || !ptrs || !held) abort();
    add_tree(ps, r->expr, "condition");
    add_tree(ps, r->filter, "InlineFilters");
    for (size_t i = 0; i < ps->n; i++) {
        rules[i] = (sg_rule){.title = (char *)ps->v[i].label, .expr = (sg_node *)ps->v[i].n};
        ptrs[i] = &rules[i];
    }
    cli_engine g;
    const char *err = NULL;
    size_t off = 0, n = 0;
    if (cli_engine_compile(&g, ptrs, ps->n)) {
        n = cli_engine_eval(&g, doc, len, &err, &off);
        for (size_t i = 0; n != SIZE_MAX && i < n; i++)
            held[g.hits[i]] = true;
        cli_engine_free(&g);
    }
    if (n == SIZE_MAX)
        fprintf(out, "    the event is not a JSON object: %s at byte %zu\n", err, off + 1);
    for (size_t i = 0; n != SIZE_MAX && i < ps->n; i++) {
        const part *p = &ps->v[i];
        fprintf(out, "    %*s%s", 2 * p->depth, "", p->label);
        if (p->n->pos.line) fprintf(out, " (line %d)", p->n->pos.line);
        fprintf(out, ": %s%s\n", held[i] ? "true" : "false",
                p->n == r->filter
                    ? " (InlineFilters: applied by sigvm run; tests judge the Detection)"
                    : "");
    }
    if (ps->n == MAX_PARTS) fprintf(out, "    ... (the first %d parts)\n", MAX_PARTS);
    free(ps);
    free(rules);
    free(ptrs);
    free(held);
}
