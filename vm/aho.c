/* aho.c: Aho-Corasick over bytes, compiled to a compact DFA.
 *
 * Bytes that occur in no pattern all behave alike, so the alphabet is first
 * reduced to the classes that matter (one per distinct pattern byte, plus
 * class 0 for everything else). States near the root, and states where
 * patterns branch, get a dense row of transitions; the long single-child
 * tails of patterns, the bulk of the states, keep only their one edge and a
 * failure link, followed when the edge does not fit. That keeps the tables
 * small for thousands of long literals.
 *
 * A transition is the target's number with two flag bits: TAIL (the target
 * has no row) and OUT (patterns end there). The dense rows are stored by
 * column, one column per class, and each byte value points at its class's
 * column, so while the scan stays among dense states without outputs a text
 * byte costs one load that depends on the previous one: column[byte][state].
 * Each state with outputs lists the patterns that end there, its own and
 * those of its failure chain, so a scan reports without walking links.
 *
 * The build sorts the patterns and grows the trie from them level by level,
 * with no edge lookups and its states numbered breadth-first, then fills
 * the tables in one pass over the states in that order: a dense row starts
 * as a copy of the row of the nearest dense state on the failure chain,
 * patched with the tail edges met before it and with the state's own
 * children.
 */
#include <stdlib.h>
#include <string.h>

#include "aho.h"

/* States this shallow always get a dense row: the text byte loop spends
   most of its time in them. On the SigmaHQ pack, 4 scans ~5% slower and
   deeper rows cost memory without scanning faster. */
enum { DENSE_DEPTH = 5 };
#define NONE UINT32_MAX
#define TAIL 0x80000000u
#define OUT 0x40000000u
#define NUM (OUT - 1)

typedef struct pattern {
    uint32_t id, len;
} pattern;

/* A state without a row: its one edge (cls NONE: a leaf), where the edge
   leads, its failure state, and its output set if it has OUT. Tails are
   numbered pattern by pattern, so walking one follows memory. */
typedef struct tail {
    uint32_t cls, to, fail, outs;
} tail;

struct sv_aho {
    uint16_t cls[256];         /* byte -> class; class 0 is "in no pattern" */
    const uint32_t *col[256];  /* byte -> its class's column of cells */
    uint32_t nclasses, ndense; /* dense states are numbered 0 .. ndense - 1 */
    uint32_t nstates;
    uint32_t *cells;   /* cells[class * ndense + dense state] */
    uint32_t *row_out; /* a dense state's output set, if it has OUT */
    tail *tails;
    uint32_t *out_start; /* output set k: out[out_start[k] .. out_start[k + 1]) */
    pattern *out;
    /* Until built: the patterns, their bytes at text + pats[i].at. */
    struct {
        uint32_t id, len;
        size_t at;
    } * pats;
    size_t npats, pats_cap;
    uint8_t *text;
    size_t text_len, text_cap;
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
    free(a->pats);
    free(a->text);
    a->pats = NULL;
    a->text = NULL;
}

void sv_aho_free(sv_aho *a) {
    if (!a) return;
    free_building(a);
    free(a->cells);
    free(a->row_out);
    free(a->tails);
    free(a->out_start);
    free(a->out);
    free(a);
}

void sv_aho_add(sv_aho *a, const char *pat, size_t n, uint32_t id) {
    if (a->npats == a->pats_cap) {
        a->pats_cap = a->pats_cap ? a->pats_cap * 2 : 16;
        a->pats = xrealloc(a->pats, a->pats_cap * sizeof *a->pats);
    }
    if (a->text_len + n > a->text_cap) {
        a->text_cap = a->text_cap ? a->text_cap * 2 : 256;
        while (a->text_cap < a->text_len + n)
            a->text_cap *= 2;
        a->text = xrealloc(a->text, a->text_cap);
    }
    memcpy(a->text + a->text_len, pat, n);
    a->pats[a->npats].id = id;
    a->pats[a->npats].len = (uint32_t)n;
    a->pats[a->npats++].at = a->text_len;
    a->text_len += n;
    for (size_t i = 0; i < n; i++)
        a->cls[(uint8_t)pat[i]] = 1; /* numbered in sv_aho_build */
}

/* ---- the trie ---- */

typedef struct sorted {
    const uint8_t *p;
    uint32_t len, id;
} sorted;

/* Equal patterns keep the order they were added in (their bytes were
   appended in that order), which is the order they are reported in. */
static int by_bytes(const void *x, const void *y) {
    const sorted *a = x, *b = y;
    int d = memcmp(a->p, b->p, a->len < b->len ? a->len : b->len);
    if (d) return d;
    if (a->len != b->len) return a->len < b->len ? -1 : 1;
    return (a->p > b->p) - (a->p < b->p);
}

/* The trie while building, its states numbered breadth-first: a state's
   children are consecutive and follow those of the states before it, and
   every pass below is sequential. */
typedef struct trie {
    uint16_t *nkid;    /* number of children */
    uint16_t *cls;     /* of the edge into a state */
    uint32_t *own;     /* first of the sorted patterns ending here ... */
    uint32_t *nown;    /* ... and how many */
    uint32_t *num;     /* a state's transition value: number and flags (until
                          numbered: the first sorted pattern through it) */
    uint32_t *fail;    /* ... and its failure state's */
    uint32_t nshallow; /* states shallower than DENSE_DEPTH come first */
    uint32_t *chain;   /* tail states along a failure chain */
} trie;

/* Level by level: the sorted patterns still long enough are walked in
   order, and one whose prefix differs from the previous one's (their
   common prefix is shorter than the level) starts a new state. */
static void build_trie(sv_aho *a, trie *t, sorted *sp) {
    size_t np = a->npats;
    /* act: the sorted patterns long enough for the level; lcp: the common
       prefix of each with the one before it in act; cur: its state so far. */
    uint32_t *act = xrealloc(NULL, 3 * (np ? np : 1) * sizeof *act);
    uint32_t *lcp = act + np, *cur = act + 2 * np, maxlen = 0;
    for (size_t i = 0; i < np; i++) {
        sp[i] = (sorted){a->text + a->pats[i].at, a->pats[i].len, a->pats[i].id};
        if (sp[i].len > maxlen) maxlen = sp[i].len;
    }
    qsort(sp, np, sizeof *sp, by_bytes);
    for (size_t i = 0; i < np; i++) {
        uint32_t l = 0;
        while (i && l < sp[i].len && l < sp[i - 1].len && sp[i].p[l] == sp[i - 1].p[l])
            l++;
        act[i] = (uint32_t)i, lcp[i] = l, cur[i] = 0;
    }
    t->chain = xrealloc(NULL, ((size_t)maxlen + 1) * sizeof *t->chain);
    t->nkid[0] = 0, t->own[0] = NONE, t->nown[0] = 0, t->cls[0] = 0;
    t->nshallow = NONE;
    uint32_t n = 1;
    for (uint32_t d = 1, na = (uint32_t)np; na; d++) {
        if (d == DENSE_DEPTH) t->nshallow = n;
        uint32_t kept = 0, m = NONE, s = 0;
        for (uint32_t j = 0; j < na; j++) {
            const sorted *q = &sp[act[j]];
            if (!j || lcp[j] < d) {
                s = n++;
                t->nkid[cur[j]]++;
                t->nkid[s] = 0, t->own[s] = NONE, t->nown[s] = 0;
                t->cls[s] = a->cls[q->p[d - 1]];
                t->num[s] = act[j];
            }
            if (q->len == d && !t->nown[s]++) t->own[s] = act[j];
            m = lcp[j] < m ? lcp[j] : m;
            if (q->len > d) {
                act[kept] = act[j], lcp[kept] = m, cur[kept] = s;
                kept++, m = NONE;
            }
        }
        na = kept;
    }
    if (t->nshallow == NONE) t->nshallow = n;
    a->nstates = n;
    free(act);
}

/* ---- the automaton ---- */

/* Where state s (a transition value) goes on class c. */
static inline uint32_t step(const sv_aho *a, uint32_t s, uint32_t c) {
    while (s & TAIL) {
        const tail *t = &a->tails[s & NUM];
        if (t->cls == c) return t->to;
        s = t->fail;
    }
    return a->cells[(size_t)c * a->ndense + (s & NUM)];
}

static uint32_t out_set(const sv_aho *a, uint32_t s) {
    return s & TAIL ? a->tails[s & NUM].outs : a->row_out[s & NUM];
}

static bool is_dense(const trie *t, uint32_t s) {
    return s < t->nshallow || t->nkid[s] > 1;
}

/* Dense states are numbered breadth-first, so the shallow ones the scan
   lives in are packed together; tails by their first pattern, then depth,
   so a pattern's run of tails is contiguous. */
static void number(sv_aho *a, trie *t, uint32_t *ndense, uint32_t *ntails) {
    uint32_t dense = 0, *next = calloc(a->npats + 1, sizeof *next);
    if (!next) abort();
    for (uint32_t s = 0; s < a->nstates; s++)
        if (!is_dense(t, s)) next[t->num[s] + 1]++;
    for (size_t i = 0; i < a->npats; i++)
        next[i + 1] += next[i];
    *ntails = next[a->npats];
    for (uint32_t s = 0; s < a->nstates; s++)
        t->num[s] = is_dense(t, s) ? dense++ : TAIL | next[t->num[s]]++;
    *ndense = dense;
    free(next);
}

/* Breadth-first: a state's children get their failure states and flags
   (failure states are shallower, so theirs are final), then the state its
   row or tail and its output set. */
static void build_links(sv_aho *a, trie *t, const sorted *sp) {
    uint32_t ntails;
    number(a, t, &a->ndense, &ntails);
    size_t C = a->nclasses, D = a->ndense;
    a->cells = xrealloc(NULL, C * D * sizeof *a->cells);
    a->row_out = xrealloc(NULL, D * sizeof *a->row_out);
    for (int b = 0; b < 256; b++)
        a->col[b] = a->cells + a->cls[b] * D;
    a->tails = xrealloc(NULL, (ntails ? ntails : 1) * sizeof *a->tails);
    size_t nout = 0, out_cap = a->npats + 16, nsets = 0, sets_cap = 64;
    a->out = xrealloc(NULL, out_cap * sizeof *a->out);
    a->out_start = xrealloc(NULL, sets_cap * sizeof *a->out_start);
    a->out_start[0] = 0;
    t->fail[0] = 0;
    for (uint32_t s = 0, kid = 1; s < a->nstates; kid += t->nkid[s++]) {
        uint32_t f = t->fail[s], kids_end = kid + t->nkid[s];
        for (uint32_t k = kid; k < kids_end; k++) {
            t->fail[k] = s ? step(a, f, t->cls[k]) : 0;
            if (t->nown[k] || t->fail[k] & OUT) t->num[k] |= OUT;
        }
        uint32_t set = 0;
        if (t->num[s] & OUT) {
            uint32_t from = f & OUT ? out_set(a, f) : 0;
            size_t more = t->nown[s] + (f & OUT ? a->out_start[from + 1] - a->out_start[from] : 0);
            if (nout + more > out_cap) {
                while (nout + more > out_cap)
                    out_cap *= 2;
                a->out = xrealloc(a->out, out_cap * sizeof *a->out);
            }
            if (nsets + 2 > sets_cap) {
                sets_cap *= 2;
                a->out_start = xrealloc(a->out_start, sets_cap * sizeof *a->out_start);
            }
            for (uint32_t j = t->own[s]; j < t->own[s] + t->nown[s]; j++)
                a->out[nout++] = (pattern){sp[j].id, sp[j].len};
            if (f & OUT) {
                memcpy(&a->out[nout], &a->out[a->out_start[from]],
                       (more - t->nown[s]) * sizeof *a->out);
                nout += more - t->nown[s];
            }
            set = (uint32_t)nsets++;
            a->out_start[nsets] = (uint32_t)nout;
        }
        if (t->num[s] & TAIL) {
            a->tails[t->num[s] & NUM] =
                t->nkid[s] ? (tail){t->cls[kid], t->num[kid], f, set} : (tail){NONE, 0, f, set};
            continue;
        }
        /* The row is a stride-D slice of the columns. */
        uint32_t *row = &a->cells[t->num[s] & NUM];
        if (s) {
            /* A missing edge leads where the failure state's would: the
               tail edges on the chain, nearest first, then the first row. */
            uint32_t n = 0;
            for (; f & TAIL; f = a->tails[f & NUM].fail)
                t->chain[n++] = f & NUM;
            const uint32_t *from = &a->cells[f & NUM];
            for (size_t c = 0; c < C; c++)
                row[c * D] = from[c * D];
            while (n--) {
                const tail *e = &a->tails[t->chain[n]];
                if (e->cls != NONE) row[e->cls * D] = e->to;
            }
        } else {
            for (size_t c = 0; c < C; c++)
                row[c * D] = 0;
        }
        for (uint32_t k = kid; k < kids_end; k++)
            row[t->cls[k] * D] = t->num[k];
        a->row_out[t->num[s] & NUM] = set;
    }
}

void sv_aho_build(sv_aho *a) {
    uint32_t nclasses = 1;
    for (int b = 0; b < 256; b++)
        a->cls[b] = a->cls[b] ? (uint16_t)nclasses++ : 0;
    a->nclasses = nclasses;
    /* Every pattern byte makes at most one state. */
    size_t cap = a->text_len + 1;
    if (cap > NUM) abort();
    trie t;
    uint32_t *u32 = xrealloc(NULL, cap * 4 * sizeof *u32);
    uint16_t *u16 = xrealloc(NULL, cap * 2 * sizeof *u16);
    t.own = u32, t.nown = u32 + cap, t.num = u32 + 2 * cap, t.fail = u32 + 3 * cap;
    t.nkid = u16, t.cls = u16 + cap;
    sorted *sp = xrealloc(NULL, a->npats * sizeof *sp);
    build_trie(a, &t, sp);
    build_links(a, &t, sp);
    free(u32);
    free(u16);
    free(t.chain);
    free(sp);
    free_building(a);
}

size_t sv_aho_states(const sv_aho *a) {
    return a->nstates;
}

void sv_aho_scan(const sv_aho *a, const char *text, size_t n, sv_aho_hit hit, void *ctx) {
    const uint8_t *p = (const uint8_t *)text, *end = p + n;
    uint32_t s = 0, t;
    while (p < end) {
        if (s & TAIL) {
            t = step(a, s, a->cls[*p++]);
        } else {
            /* The hot loop: dense states, nothing to report. */
            for (;;) {
                t = a->col[*p++][s];
                if (t & (TAIL | OUT)) break;
                s = t;
                if (p == end) return;
            }
        }
        if (t & OUT) {
            uint32_t k = out_set(a, t);
            size_t at = (size_t)(p - (const uint8_t *)text);
            for (const pattern *o = &a->out[a->out_start[k]], *e = &a->out[a->out_start[k + 1]];
                 o < e; o++)
                if (!hit(ctx, o->id, at - o->len, at)) return;
        }
        s = t & ~OUT;
    }
}
