/* aho.c: Aho-Corasick over bytes, compiled to a compact DFA.
 *
 * Bytes that occur in no pattern all behave alike, so the alphabet is first
 * reduced to the classes that matter (one per distinct pattern byte, plus
 * class 0 for everything else). States near the root, and states where
 * patterns branch, get a dense row of transitions (one load per text byte);
 * the long single-child tails of patterns, the bulk of the states, keep only
 * their one edge and a failure link, followed when the edge does not fit.
 * That keeps the tables small for thousands of long literals. Each state
 * lists the patterns that end there, its own and those of its failure
 * chain, so a scan reports without walking links.
 */
#include <stdlib.h>
#include <string.h>

#include "aho.h"

/* States this shallow always get a dense row: the text byte loop spends
   most of its time in them. */
enum { DENSE_DEPTH = 5 };
#define NONE UINT32_MAX

typedef struct pattern {
    uint32_t id, len;
} pattern;

/* A trie edge while building: (state, class) -> child, in a hash table. */
typedef struct edge {
    uint32_t from, to; /* to == 0: free (no edge leads back to the root) */
    uint16_t cls;
} edge;

struct sv_aho {
    uint16_t cls[256]; /* byte -> class; class 0 is "in no pattern" */
    uint32_t nclasses;
    uint32_t nstates;
    uint32_t *fail;
    uint32_t *row_of;    /* dense row index of a state, or NONE */
    uint32_t *rows;      /* rows[row * nclasses + class] */
    uint16_t *tail_cls;  /* a tail state's one edge: its class (0: none) */
    uint32_t *tail_to;   /* ... and where it leads */
    uint32_t *out_start; /* outputs of s: out[out_start[s] .. out_start[s + 1]) */
    pattern *out;
    /* While building: */
    struct {
        uint32_t state;
        pattern p;
    } * ends;
    size_t nends, ends_cap;
    char **texts;
    edge *edges;
    uint32_t edge_mask, nedges;
    uint32_t *depth, *nkids;
    uint32_t cap;
};

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p) abort();
    return p;
}

sv_aho *sv_aho_new(void) {
    sv_aho *a = calloc(1, sizeof *a);
    if (!a) abort();
    return a;
}

static void free_building(sv_aho *a) {
    for (size_t i = 0; a->texts && i < a->nends; i++)
        free(a->texts[i]);
    free(a->texts);
    free(a->edges);
    free(a->depth);
    free(a->nkids);
    free(a->ends);
    a->texts = NULL;
    a->edges = NULL;
    a->depth = a->nkids = NULL;
    a->ends = NULL;
}

void sv_aho_free(sv_aho *a) {
    if (!a) return;
    free_building(a);
    free(a->fail);
    free(a->row_of);
    free(a->rows);
    free(a->tail_cls);
    free(a->tail_to);
    free(a->out_start);
    free(a->out);
    free(a);
}

void sv_aho_add(sv_aho *a, const char *pat, size_t n, uint32_t id) {
    if (a->nends == a->ends_cap) {
        a->ends_cap = a->ends_cap ? a->ends_cap * 2 : 16;
        a->ends = xrealloc(a->ends, a->ends_cap * sizeof *a->ends);
        a->texts = xrealloc(a->texts, a->ends_cap * sizeof *a->texts);
    }
    a->texts[a->nends] = xrealloc(NULL, n);
    memcpy(a->texts[a->nends], pat, n);
    a->ends[a->nends].p = (pattern){id, (uint32_t)n};
    a->nends++;
    for (size_t i = 0; i < n; i++)
        a->cls[(uint8_t)pat[i]] = 1; /* numbered in sv_aho_build */
}

/* ---- the trie ---- */

static uint32_t edge_slot(const sv_aho *a, uint32_t from, uint16_t c) {
    uint32_t h = (from * 2654435761u) ^ (c * 40503u);
    for (uint32_t i = h & a->edge_mask;; i = (i + 1) & a->edge_mask)
        if (!a->edges[i].to || (a->edges[i].from == from && a->edges[i].cls == c)) return i;
}

/* The trie child of s by class c, or 0. */
static uint32_t child(const sv_aho *a, uint32_t s, uint16_t c) {
    return a->edges[edge_slot(a, s, c)].to;
}

static uint32_t new_state(sv_aho *a, uint32_t depth) {
    if (a->nstates == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 64;
        a->depth = xrealloc(a->depth, a->cap * sizeof *a->depth);
        a->nkids = xrealloc(a->nkids, a->cap * sizeof *a->nkids);
    }
    a->depth[a->nstates] = depth;
    a->nkids[a->nstates] = 0;
    return a->nstates++;
}

static void build_trie(sv_aho *a) {
    size_t bytes = 0;
    for (size_t i = 0; i < a->nends; i++)
        bytes += a->ends[i].p.len;
    uint32_t cap = 16;
    while (cap < 2 * bytes + 16)
        cap *= 2;
    a->edges = calloc(cap, sizeof *a->edges);
    if (!a->edges) abort();
    a->edge_mask = cap - 1;
    new_state(a, 0);
    for (size_t i = 0; i < a->nends; i++) {
        uint32_t s = 0;
        for (uint32_t j = 0; j < a->ends[i].p.len; j++) {
            uint16_t c = a->cls[(uint8_t)a->texts[i][j]];
            uint32_t k = edge_slot(a, s, c);
            if (!a->edges[k].to) {
                uint32_t t = new_state(a, a->depth[s] + 1);
                a->edges[k] = (edge){s, t, c};
                a->nkids[s]++;
            }
            s = a->edges[k].to;
        }
        a->ends[i].state = s;
    }
}

/* ---- the automaton ---- */

/* Where s goes on class c: its dense row, or its one tail edge, or the same
   question asked of its failure state (which is shallower, so this ends). */
static inline uint32_t step(const sv_aho *a, uint32_t s, uint16_t c) {
    for (;;) {
        uint32_t row = a->row_of[s];
        if (row != NONE) return a->rows[(size_t)row * a->nclasses + c];
        if (a->tail_cls[s] == c && c) return a->tail_to[s];
        s = a->fail[s];
    }
}

static bool is_dense(const sv_aho *a, uint32_t s) {
    return a->depth[s] < DENSE_DEPTH || a->nkids[s] > 1;
}

/* Breadth-first: failure links, then each dense row in full (a missing
   edge leads where the failure state's would). Failure states are
   shallower, so their answers are ready when a state needs them. */
static void build_links(sv_aho *a, uint32_t *order) {
    uint32_t C = a->nclasses, ndense = 0;
    a->fail = xrealloc(NULL, a->nstates * sizeof *a->fail);
    a->row_of = xrealloc(NULL, a->nstates * sizeof *a->row_of);
    a->tail_cls = calloc(a->nstates, sizeof *a->tail_cls);
    a->tail_to = calloc(a->nstates, sizeof *a->tail_to);
    if (!a->tail_cls || !a->tail_to) abort();
    for (uint32_t s = 0; s < a->nstates; s++)
        a->row_of[s] = is_dense(a, s) ? ndense++ : NONE;
    a->rows = xrealloc(NULL, (size_t)ndense * C * sizeof *a->rows);
    a->fail[0] = 0;
    size_t head = 0, tail = 0;
    order[tail++] = 0;
    while (head < tail) {
        uint32_t s = order[head++];
        for (uint32_t c = 1; c < C; c++) {
            uint32_t t = child(a, s, (uint16_t)c);
            if (!t) continue;
            a->fail[t] = s ? step(a, a->fail[s], (uint16_t)c) : 0;
            order[tail++] = t;
            if (a->row_of[s] == NONE) {
                a->tail_cls[s] = (uint16_t)c;
                a->tail_to[s] = t;
            }
        }
        if (a->row_of[s] == NONE) continue;
        uint32_t *row = &a->rows[(size_t)a->row_of[s] * C];
        for (uint32_t c = 0; c < C; c++) {
            uint32_t t = c ? child(a, s, (uint16_t)c) : 0;
            row[c] = t ? t : s ? step(a, a->fail[s], (uint16_t)c) : 0;
        }
    }
}

/* Each state's outputs: its own patterns, then its failure state's. */
static void build_outputs(sv_aho *a, const uint32_t *order) {
    uint32_t *count = calloc(a->nstates, sizeof *count), *fill = calloc(a->nstates, sizeof *fill);
    a->out_start = calloc(a->nstates + 1, sizeof *a->out_start);
    if (!count || !fill || !a->out_start) abort();
    for (size_t i = 0; i < a->nends; i++)
        count[a->ends[i].state]++;
    for (uint32_t k = 1; k < a->nstates; k++) /* order[0] is the root */
        count[order[k]] += count[a->fail[order[k]]];
    for (uint32_t s = 0; s < a->nstates; s++)
        a->out_start[s + 1] = a->out_start[s] + count[s];
    a->out = xrealloc(NULL, a->out_start[a->nstates] * sizeof *a->out);
    for (size_t i = 0; i < a->nends; i++) {
        uint32_t s = a->ends[i].state;
        a->out[a->out_start[s] + fill[s]++] = a->ends[i].p;
    }
    for (uint32_t k = 1; k < a->nstates; k++) {
        uint32_t s = order[k], f = a->fail[s];
        memcpy(&a->out[a->out_start[s] + fill[s]], &a->out[a->out_start[f]],
               (a->out_start[f + 1] - a->out_start[f]) * sizeof *a->out);
    }
    free(count);
    free(fill);
}

void sv_aho_build(sv_aho *a) {
    a->nclasses = 1;
    for (int b = 0; b < 256; b++)
        a->cls[b] = a->cls[b] ? (uint16_t)a->nclasses++ : 0;
    build_trie(a);
    uint32_t *order = xrealloc(NULL, a->nstates * sizeof *order);
    build_links(a, order);
    build_outputs(a, order);
    free(order);
    free_building(a);
}

size_t sv_aho_states(const sv_aho *a) {
    return a->nstates;
}

void sv_aho_scan(const sv_aho *a, const char *text, size_t n, sv_aho_hit hit, void *ctx) {
    uint32_t s = 0;
    for (size_t i = 0; i < n; i++) {
        s = step(a, s, a->cls[(uint8_t)text[i]]);
        for (uint32_t k = a->out_start[s]; k < a->out_start[s + 1]; k++)
            if (!hit(ctx, a->out[k].id, i + 1 - a->out[k].len, i + 1)) return;
    }
}
