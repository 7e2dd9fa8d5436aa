/* lits.c: every literal test on a field, answered in one look at a value.
 *
 * Anchored literals never need the whole value. Those that must start it
 * (equals, startswith) are kept sorted, and so are those that must end it
 * (endswith), reversed: a walk from the value's first (last) byte narrows
 * the range of literals that agree with the bytes seen so far by binary
 * search, jumps over the bytes the whole range shares, and reports the
 * literals it passes the end of. It stops at the first byte no literal
 * agrees with, a few bytes in for most values.
 *
 * Contains literals need the whole value, but not every position of it. A
 * literal of at least 4 bytes is found by its 4-byte grams: every position
 * of the text sampled at stride s holds a gram looked up in a bitmap (one
 * load, no dependence between positions, unlike an automaton's state
 * chain), and only a gram whose bit is set is looked up for real and the
 * literals it belongs to compared in full. Each literal lists s grams at
 * consecutive offsets, so one of them starts at a sampled position of any
 * occurrence; s is as large as the shortest literal allows (and the bitmap
 * stays sparse), and each literal lists the grams of its rarest stretch,
 * rarity judged by how often their byte pairs occur in the set's literals.
 * Literals of 2 or 3 bytes are found the same way by their first two
 * bytes, at every position, and single bytes by memchr.
 */
#include <stdlib.h>
#include <string.h>

#include "lits.h"

enum {
    GRAM = 4,           /* bytes in a gram */
    MAX_STRIDE = 8,     /* the texts are short: a longer stride saves little */
    GRAM_BUDGET = 8192, /* grams listed at most: an eighth of the bitmap's bits */
    PAIR_COUNTS = 4096  /* buckets that byte pairs are counted in */
};

/* A literal as the scan compares it. */
typedef struct entry {
    const uint8_t *p;
    uint32_t len, id;
    bool eq; /* must be the whole text (anchored at the start only) */
} entry;

/* A gram (or a pair) of a literal: where it is in the literal. */
typedef struct gram {
    uint32_t bytes; /* as load_gram (load_pair) reads them */
    uint32_t off, lit;
} gram;

/* Grams found by bitmap, then by bucket: gram index h of a bit that is
   set lists grams[start[h & mask] .. start[(h & mask) + 1]). */
typedef struct gram_index {
    uint64_t bits[1 << 10]; /* 2^16 bits */
    uint32_t mask, *start;
    gram *grams;
} gram_index;

struct sv_lits {
    entry *start_lits, *end_lits; /* sorted; end_lits reversed */
    uint32_t nstart, nend;
    entry *contains;
    uint32_t ncontains;
    uint32_t stride;
    gram_index *grams; /* of the literals of 4 bytes or more */
    gram_index *pairs; /* of those of 2 or 3 */
    entry *singles;    /* of one byte */
    uint32_t nsingles;
    uint8_t *bytes; /* every literal's bytes (those at the end reversed) */
    /* Until built: the literals, their bytes at bytes + at. */
    struct pending {
        size_t at;
        uint32_t len, id;
        sv_lit_how how;
    } * pending;
    size_t npending, pending_cap, nbytes, bytes_cap;
};

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p) abort();
    return p;
}

sv_lits *sv_lits_new(void) {
    sv_lits *l = calloc(1, sizeof *l);
    if (!l) abort();
    return l;
}

static void free_index(gram_index *x) {
    if (!x) return;
    free(x->start);
    free(x->grams);
    free(x);
}

void sv_lits_free(sv_lits *l) {
    if (!l) return;
    free(l->start_lits);
    free(l->end_lits);
    free(l->contains);
    free(l->singles);
    free_index(l->grams);
    free_index(l->pairs);
    free(l->bytes);
    free(l->pending);
    free(l);
}

void sv_lits_add(sv_lits *l, const char *s, size_t n, sv_lit_how how, uint32_t id) {
    if (l->npending == l->pending_cap) {
        l->pending_cap = l->pending_cap ? 2 * l->pending_cap : 16;
        l->pending = xrealloc(l->pending, l->pending_cap * sizeof *l->pending);
    }
    if (l->nbytes + n > l->bytes_cap) {
        l->bytes_cap = 2 * (l->nbytes + n) + 64;
        l->bytes = xrealloc(l->bytes, l->bytes_cap);
    }
    uint8_t *to = l->bytes + l->nbytes;
    if (how == SV_LIT_SUFFIX)
        for (size_t i = 0; i < n; i++)
            to[i] = (uint8_t)s[n - 1 - i];
    else
        memcpy(to, s, n);
    l->pending[l->npending++] = (struct pending){l->nbytes, (uint32_t)n, id, how};
    l->nbytes += n;
}

static uint32_t load_gram(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint32_t load_pair(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static uint32_t hash16(uint32_t v) {
    return (v * 0x9E3779B1u) >> 16;
}

static bool has_bit(const gram_index *x, uint32_t h) {
    return x->bits[h >> 6] >> (h & 63) & 1;
}

/* ---- building ---- */

/* Shorter first among literals one of which starts the other, so that a
   walk meets the literals it passes the end of first in its range. */
static int by_bytes(const void *x, const void *y) {
    const entry *a = x, *b = y;
    int d = memcmp(a->p, b->p, a->len < b->len ? a->len : b->len);
    if (d) return d;
    return (a->len > b->len) - (a->len < b->len);
}

static uint32_t pair_bucket(const uint8_t *p) {
    return hash16(load_pair(p)) % PAIR_COUNTS;
}

/* Where the s grams of literal e that the scan looks for start: the
   stretch whose byte pairs are least common among the set's literals. */
static uint32_t rarest_stretch(const entry *e, uint32_t s, const uint32_t *pair_count) {
    uint32_t best = 0;
    uint64_t best_cost = UINT64_MAX;
    for (uint32_t k = 0; k + s + GRAM - 1 <= e->len; k++) {
        uint64_t cost = 0;
        for (uint32_t j = k; j + 1 < k + s + GRAM - 1; j++)
            cost += pair_count[pair_bucket(e->p + j)];
        if (cost < best_cost) best_cost = cost, best = k;
    }
    return best;
}

/* Indexes grams[0 .. n) into a new index, which takes them over. */
static gram_index *index_grams(gram *grams, uint32_t n) {
    gram_index *x = calloc(1, sizeof *x);
    if (!x) abort();
    uint32_t nb = 16;
    while (nb < n)
        nb *= 2;
    x->mask = nb - 1;
    x->start = calloc(nb + 1, sizeof *x->start);
    if (!x->start) abort();
    for (uint32_t i = 0; i < n; i++) {
        uint32_t h = hash16(grams[i].bytes);
        x->bits[h >> 6] |= 1ull << (h & 63);
        x->start[(h & x->mask) + 1]++;
    }
    for (uint32_t b = 0; b < nb; b++)
        x->start[b + 1] += x->start[b];
    x->grams = xrealloc(NULL, n * sizeof *x->grams);
    uint32_t *fill = xrealloc(NULL, nb * sizeof *fill);
    memcpy(fill, x->start, nb * sizeof *fill);
    for (uint32_t i = 0; i < n; i++)
        x->grams[fill[hash16(grams[i].bytes) & x->mask]++] = grams[i];
    free(fill);
    free(grams);
    return x;
}

/* Splits the contains literals by length and indexes them. */
static void build_contains(sv_lits *l) {
    uint32_t nlong = 0, ntiny = 0, shortest = UINT32_MAX;
    for (uint32_t i = 0; i < l->ncontains; i++) {
        uint32_t len = l->contains[i].len;
        if (len >= GRAM) {
            nlong++;
            if (len < shortest) shortest = len;
        } else if (len > 1) {
            ntiny++;
        } else {
            l->nsingles++;
        }
    }
    l->singles = xrealloc(NULL, l->nsingles * sizeof *l->singles);
    l->nsingles = 0;
    if (ntiny) {
        gram *pairs = xrealloc(NULL, ntiny * sizeof *pairs);
        ntiny = 0;
        for (uint32_t i = 0; i < l->ncontains; i++) {
            const entry *e = &l->contains[i];
            if (e->len == 1) l->singles[l->nsingles++] = *e;
            if (e->len > 1 && e->len < GRAM) pairs[ntiny++] = (gram){load_pair(e->p), 0, i};
        }
        l->pairs = index_grams(pairs, ntiny);
    } else {
        for (uint32_t i = 0; i < l->ncontains; i++)
            if (l->contains[i].len == 1) l->singles[l->nsingles++] = l->contains[i];
    }
    if (!nlong) return;
    uint32_t s = shortest - GRAM + 1;
    if (s > MAX_STRIDE) s = MAX_STRIDE;
    if (s * nlong > GRAM_BUDGET) s = GRAM_BUDGET / nlong ? GRAM_BUDGET / nlong : 1;
    l->stride = s;
    uint32_t *pair_count = calloc(PAIR_COUNTS, sizeof *pair_count);
    if (!pair_count) abort();
    for (uint32_t i = 0; i < l->ncontains; i++)
        for (uint32_t j = 0; j + 1 < l->contains[i].len; j++)
            pair_count[pair_bucket(l->contains[i].p + j)]++;
    gram *grams = xrealloc(NULL, (size_t)s * nlong * sizeof *grams);
    uint32_t ng = 0;
    for (uint32_t i = 0; i < l->ncontains; i++) {
        const entry *e = &l->contains[i];
        if (e->len < GRAM) continue;
        uint32_t k = rarest_stretch(e, s, pair_count);
        for (uint32_t j = k; j < k + s; j++)
            grams[ng++] = (gram){load_gram(e->p + j), j, i};
    }
    free(pair_count);
    l->grams = index_grams(grams, ng);
}

void sv_lits_build(sv_lits *l) {
    uint32_t n[4] = {0};
    for (size_t i = 0; i < l->npending; i++)
        n[l->pending[i].how]++;
    l->start_lits = xrealloc(NULL, (n[SV_LIT_EQ] + n[SV_LIT_PREFIX]) * sizeof *l->start_lits);
    l->end_lits = xrealloc(NULL, n[SV_LIT_SUFFIX] * sizeof *l->end_lits);
    l->contains = xrealloc(NULL, n[SV_LIT_CONTAINS] * sizeof *l->contains);
    for (size_t i = 0; i < l->npending; i++) {
        const struct pending *q = &l->pending[i];
        entry e = {l->bytes + q->at, q->len, q->id, q->how == SV_LIT_EQ};
        switch (q->how) {
        case SV_LIT_SUFFIX: l->end_lits[l->nend++] = e; break;
        case SV_LIT_CONTAINS: l->contains[l->ncontains++] = e; break;
        default: l->start_lits[l->nstart++] = e;
        }
    }
    qsort(l->start_lits, l->nstart, sizeof *l->start_lits, by_bytes);
    qsort(l->end_lits, l->nend, sizeof *l->end_lits, by_bytes);
    build_contains(l);
    free(l->pending);
    l->pending = NULL;
}

/* ---- scanning ---- */

bool sv_lit_holds(sv_lit_how how, const char *s, size_t n, const char *lit, size_t len) {
    if (len > n) return false;
    switch (how) {
    case SV_LIT_EQ: return n == len && !memcmp(s, lit, len);
    case SV_LIT_PREFIX: return !memcmp(s, lit, len);
    case SV_LIT_SUFFIX: return !memcmp(s + n - len, lit, len);
    default: return len == 0 || memmem(s, n, lit, len) != NULL;
    }
}

/* The i-th byte of text t (n bytes) from its start, or from its end. */
static uint8_t byte_at(const uint8_t *t, size_t n, size_t i, bool from_end) {
    return from_end ? t[n - 1 - i] : t[i];
}

/* The first in v[lo, hi) whose byte i is above c (above: false) or not
   below it (above: true). */
static uint32_t bound(const entry *v, uint32_t lo, uint32_t hi, size_t i, uint8_t c, bool above) {
    while (lo < hi) {
        uint32_t m = lo + (hi - lo) / 2;
        if (v[m].p[i] < c || (above && v[m].p[i] == c))
            lo = m + 1;
        else
            hi = m;
    }
    return lo;
}

/* Reports the literals of sorted v[0, nv) that the text starts with (ends
   with, read backwards). v[lo, hi) holds those that agree with the text's
   first i bytes; all are at least i long, and the ones exactly i long come
   first. */
static void walk(const entry *v, uint32_t nv, const uint8_t *t, size_t n, bool from_end,
                 sv_lits_hit hit, void *ctx) {
    uint32_t lo = 0, hi = nv;
    size_t i = 0;
    for (;;) {
        for (; lo < hi && v[lo].len == i; lo++)
            if (!v[lo].eq || n == i) hit(ctx, v[lo].id);
        if (lo == hi || i == n) return;
        uint8_t c = byte_at(t, n, i, from_end);
        lo = bound(v, lo, hi, i, c, false);
        hi = bound(v, lo, hi, i, c, true);
        if (lo == hi) return;
        /* The range shares what its first and last literals share. */
        const entry *a = &v[lo], *b = &v[hi - 1];
        size_t common = a->len < b->len ? a->len : b->len;
        for (i++; i < common && a->p[i] == b->p[i]; i++)
            if (i == n || byte_at(t, n, i, from_end) != a->p[i]) return;
    }
}

/* Reports the contains literals that gram index x lists for gram g, read
   at position i of text t (n bytes). */
static void check(const sv_lits *l, const gram_index *x, uint32_t g, const uint8_t *t, size_t n,
                  size_t i, sv_lits_hit hit, void *ctx) {
    uint32_t b = hash16(g) & x->mask;
    for (const gram *c = &x->grams[x->start[b]], *e = &x->grams[x->start[b + 1]]; c < e; c++) {
        if (c->bytes != g || c->off > i) continue;
        const entry *lit = &l->contains[c->lit];
        size_t at = i - c->off;
        if (n - at >= lit->len && !memcmp(t + at, lit->p, lit->len)) hit(ctx, lit->id);
    }
}

static void scan_contains(const sv_lits *l, const uint8_t *t, size_t n, sv_lits_hit hit,
                          void *ctx) {
    const gram_index *x = l->grams;
    if (x)
        for (size_t i = 0, s = l->stride; i + GRAM <= n; i += s) {
            uint32_t g = load_gram(t + i), h = hash16(g);
            if (has_bit(x, h)) check(l, x, g, t, n, i, hit, ctx);
        }
    if ((x = l->pairs))
        for (size_t i = 0; i + 2 <= n; i++) {
            uint32_t g = load_pair(t + i), h = hash16(g);
            if (has_bit(x, h)) check(l, x, g, t, n, i, hit, ctx);
        }
    for (uint32_t k = 0; k < l->nsingles; k++)
        if (memchr(t, l->singles[k].p[0], n)) hit(ctx, l->singles[k].id);
}

void sv_lits_scan(const sv_lits *l, const char *text, size_t n, sv_lits_hit hit, void *ctx) {
    const uint8_t *t = (const uint8_t *)text;
    if (l->nstart) walk(l->start_lits, l->nstart, t, n, false, hit, ctx);
    if (l->nend) walk(l->end_lits, l->nend, t, n, true, hit, ctx);
    if (l->ncontains && n) scan_contains(l, t, n, hit, ctx);
}
