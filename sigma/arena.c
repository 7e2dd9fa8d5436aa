/* arena.c: one allocation region per ruleset; AST nodes and strings live
   until the ruleset is freed, so the tree never needs its own destructor. */
#include <stdlib.h>
#include <string.h>

#include "sigma_int.h"

enum { CHUNK = 64 * 1024 };

struct chunk {
    struct chunk *prev;
    size_t used, cap;
    max_align_t data[];
};

struct sg_arena {
    struct chunk *top;
};

sg_arena *sg_arena_new(void) {
    sg_arena *a = calloc(1, sizeof *a);
    if (!a) abort();
    return a;
}

void sg_arena_free(sg_arena *a) {
    if (!a) return;
    for (struct chunk *c = a->top, *p; c; c = p) {
        p = c->prev;
        free(c);
    }
    free(a);
}

void *sg_alloc(sg_arena *a, size_t n) {
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    struct chunk *c = a->top;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > CHUNK ? n : CHUNK;
        c = malloc(sizeof *c + cap);
        if (!c) abort();
        c->prev = a->top;
        c->used = 0;
        c->cap = cap;
        a->top = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *sg_strndup(sg_arena *a, const char *s, size_t n) {
    char *d = sg_alloc(a, n + 1);
    if (n) memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

sg_node *sg_node_new(sg_arena *a, sg_node_kind kind, size_t nkids) {
    sg_node *n = sg_alloc(a, sizeof *n);
    n->kind = kind;
    n->nkids = nkids;
    if (nkids) n->kids = sg_alloc(a, nkids * sizeof *n->kids);
    return n;
}
