/* aho.c: Aho-Corasick over bytes, compiled to a DFA.
 *
 * Bytes that occur in no pattern all behave alike, so the alphabet is first
 * reduced to the classes that matter (one per distinct pattern byte, plus
 * one for everything else); the DFA is then a dense table of states x
 * classes, one load per text byte, and stays small because real pattern
 * sets (file names, command-line fragments) use few distinct bytes. Each
 * state lists the patterns that end there, its own and those reached by
 * following failure links, so a scan never walks the links at run time.
 */
#include <stdlib.h>
#include <string.h>

#include "aho.h"

typedef struct pattern {
    uint32_t id, len;
} pattern;

struct sv_aho {
    uint8_t cls[256]; /* byte -> class; class 0 is "in no pattern" */
    uint32_t nclasses;
    /* The trie while patterns are added, then the DFA: next[s * nclasses + c]. */
    uint32_t *next;
    uint32_t nstates, cap;
    uint32_t *fail;
    /* Outputs of state s: out[out_start[s] .. out_start[s + 1]). */
    uint32_t *out_start;
    pattern *out;
    /* Patterns as added: the state each ends in. */
    struct {
        uint32_t state;
        pattern p;
    } * ends;
    size_t nends, ends_cap;
    char **texts; /* copies of the patterns, freed once built */
    bool built;
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

void sv_aho_free(sv_aho *a) {
    if (!a) return;
    for (size_t i = 0; a->texts && i < a->nends; i++)
        free(a->texts[i]);
    free(a->texts);
    free(a->next);
    free(a->fail);
    free(a->out_start);
    free(a->out);
    free(a->ends);
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

static uint32_t new_state(sv_aho *a) {
    if (a->nstates == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 64;
        a->next = xrealloc(a->next, (size_t)a->cap * a->nclasses * sizeof *a->next);
    }
    uint32_t s = a->nstates++;
    memset(&a->next[(size_t)s * a->nclasses], 0, a->nclasses * sizeof *a->next);
    return s;
}

/* The trie: state 0 is the root; 0 in next[] means "no edge" until the DFA
   is completed (no edge can lead back to the root in a trie). */
static void build_trie(sv_aho *a) {
    new_state(a);
    for (size_t i = 0; i < a->nends; i++) {
        uint32_t s = 0;
        for (uint32_t j = 0; j < a->ends[i].p.len; j++) {
            uint32_t *t = &a->next[(size_t)s * a->nclasses + a->cls[(uint8_t)a->texts[i][j]]];
            if (!*t) {
                uint32_t n = new_state(a);
                t = &a->next[(size_t)s * a->nclasses + a->cls[(uint8_t)a->texts[i][j]]];
                *t = n;
            }
            s = *t;
        }
        a->ends[i].state = s;
    }
}

/* Breadth-first: failure links, then every missing edge becomes the edge of
   the failure state, which makes the trie a DFA. */
static void build_dfa(sv_aho *a, uint32_t *order) {
    size_t head = 0, tail = 0;
    uint32_t C = a->nclasses;
    a->fail = xrealloc(NULL, a->nstates * sizeof *a->fail);
    a->fail[0] = 0;
    for (uint32_t c = 0; c < C; c++) {
        uint32_t t = a->next[c];
        if (t) {
            a->fail[t] = 0;
            order[tail++] = t;
        }
    }
    while (head < tail) {
        uint32_t s = order[head++];
        for (uint32_t c = 0; c < C; c++) {
            uint32_t *t = &a->next[(size_t)s * C + c];
            uint32_t via_fail = a->next[(size_t)a->fail[s] * C + c];
            if (*t) {
                a->fail[*t] = via_fail;
                order[tail++] = *t;
            } else {
                *t = via_fail;
            }
        }
    }
}

/* Each state's outputs: the patterns ending in it, then its failure state's
   (already complete, since failure states are shallower). */
static void build_outputs(sv_aho *a, const uint32_t *order) {
    uint32_t *own = calloc(a->nstates + 1, sizeof *own);
    a->out_start = calloc(a->nstates + 1, sizeof *a->out_start);
    if (!own || !a->out_start) abort();
    for (size_t i = 0; i < a->nends; i++)
        own[a->ends[i].state]++;
    uint32_t *count = calloc(a->nstates, sizeof *count);
    if (!count) abort();
    count[0] = own[0];
    for (uint32_t k = 0; k + 1 < a->nstates; k++) {
        uint32_t s = order[k];
        count[s] = own[s] + count[a->fail[s]];
    }
    size_t total = 0;
    for (uint32_t s = 0; s < a->nstates; s++) {
        a->out_start[s] = (uint32_t)total;
        total += count[s];
    }
    a->out_start[a->nstates] = (uint32_t)total;
    a->out = xrealloc(NULL, total * sizeof *a->out);
    uint32_t *fill = calloc(a->nstates, sizeof *fill);
    if (!fill) abort();
    for (size_t i = 0; i < a->nends; i++) {
        uint32_t s = a->ends[i].state;
        a->out[a->out_start[s] + fill[s]++] = a->ends[i].p;
    }
    for (uint32_t k = 0; k + 1 < a->nstates; k++) {
        uint32_t s = order[k], f = a->fail[s];
        memcpy(&a->out[a->out_start[s] + fill[s]], &a->out[a->out_start[f]],
               count[f] * sizeof *a->out);
    }
    free(own);
    free(count);
    free(fill);
}

void sv_aho_build(sv_aho *a) {
    a->nclasses = 1;
    for (int b = 0; b < 256; b++)
        a->cls[b] = a->cls[b] ? (uint8_t)a->nclasses++ : 0;
    build_trie(a);
    uint32_t *order = xrealloc(NULL, a->nstates * sizeof *order);
    build_dfa(a, order);
    build_outputs(a, order);
    free(order);
    for (size_t i = 0; i < a->nends; i++)
        free(a->texts[i]);
    free(a->texts);
    a->texts = NULL;
    a->built = true;
}

size_t sv_aho_states(const sv_aho *a) {
    return a->nstates;
}

void sv_aho_scan(const sv_aho *a, const char *text, size_t n, sv_aho_hit hit, void *ctx) {
    uint32_t s = 0, C = a->nclasses;
    for (size_t i = 0; i < n; i++) {
        s = a->next[(size_t)s * C + a->cls[(uint8_t)text[i]]];
        for (uint32_t k = a->out_start[s]; k < a->out_start[s + 1]; k++)
            if (!hit(ctx, a->out[k].id, i + 1 - a->out[k].len, i + 1)) return;
    }
}
