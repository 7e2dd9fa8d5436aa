/* lits.c: every literal test on a field, answered in one look at a value.
 *
 * Anchored literals never need the whole value. Those that must start it
 * (equals, startswith) form a radix tree, and so do those that must end it
 * (endswith), reversed: a walk from the value's first (last) byte compares
 * the bytes a node's literals share, reports the literals that end there,
 * and takes the edge of the next byte. It stops at the first byte no
 * literal agrees with, a few bytes in for most values.
 *
 * Contains literals need the whole value, but not every position of it. A
 * literal of at least 4 bytes is found by its 4-byte grams: the text is
 * sampled at stride s, and at each sampled position a bitmap indexed by
 * the next two bytes says whether any gram starts with them (one load, no
 * hash, no dependence between positions, unlike an automaton's state
 * chain); only then is the gram hashed into a second bitmap, and only a
 * gram whose bit is set there is looked up for real and the literals it
 * belongs to compared in full. Each literal lists s grams at consecutive
 * offsets, so one of them starts at a sampled position of any occurrence;
 * s is as large as the shortest literal allows, the second bitmap has room
 * for 16 bits per gram listed, and each literal lists the grams of its
 * rarest stretch, rarity judged by how often their byte pairs occur in the
 * set's literals. Literals of 2 or 3 bytes are found the same way by their
 * first two bytes, at every position, and single bytes by memchr. A
 * literal found once is not compared again in the same text.
 */
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SV_LITS_AVX2 1
#endif

#include "lits.h"

enum {
    GRAM = 4,           /* bytes in a gram */
    MAX_STRIDE = 8,     /* the texts are short: a longer stride saves little */
    BITS_PER_GRAM = 16, /* a bitmap this sparse lets few positions through ... */
    MIN_BITS_LOG = 9,   /* ... and a small one stays in the closest cache */
    MAX_BITS_LOG = 21,  /* 256 KiB */
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

/* Grams found by bitmap, then by bucket: a gram hashes to bit h
   (hash(g, shift)); if that is set, grams[start[h & mask] .. start[(h &
   mask) + 1]) are those it may be. The bitmap grows with the grams, so
   that a set bit stays rare. */
typedef struct gram_index {
    uint64_t *bits;
    uint32_t shift, mask, *start;
    gram *grams;
} gram_index;

/* A node of a radix tree over sorted literals v[]: the literals below it
   share the bytes [depth, shared) after those of the path to it; those
   that end there are v[out, out + nout), and the others go on through the
   edges edge_byte/edge_node[edges, edges + nedges), by their byte at
   shared. */
typedef struct node {
    const uint8_t *bytes; /* the shared bytes: bytes[depth, shared) (a literal's) */
    uint32_t depth, shared;
    uint32_t out, nout;
    uint32_t edges, nedges;
    uint32_t wide; /* a node of many edges: its table of them (1-based), else 0 */
} node;

/* A node with more edges than this finds the next by a table of 256
   entries (the root of a large tree has one per first byte), not by
   looking through its edges. */
enum { WIDE_EDGES = 8 };

typedef struct tree {
    entry *v;
    node *nodes; /* nodes[0]: the root */
    uint8_t *edge_byte;
    uint32_t *edge_node;
    uint32_t *wide; /* per wide node, by byte: the node it leads to + 1, or 0 */
} tree;

struct sv_lits {
    tree start, end; /* the literals that start (end) the text; end's reversed */
    uint32_t nstart, nend;
    entry *contains;
    uint32_t ncontains;
    uint32_t stride;
    bool inside_lines; /* no contains literal holds a newline */
    /* The first two bytes of every gram and pair, as load_pair reads them:
       most positions cost one look at this bitmap, without a hash. */
    uint64_t *lead;
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

static void free_tree(tree *t) {
    free(t->wide);
    free(t->v);
    free(t->nodes);
    free(t->edge_byte);
    free(t->edge_node);
}

sv_lits *sv_lits_new(void) {
    sv_lits *l = calloc(1, sizeof *l);
    if (!l) abort();
    return l;
}

static void free_index(gram_index *x) {
    if (!x) return;
    free(x->bits);
    free(x->start);
    free(x->grams);
    free(x);
}

void sv_lits_free(sv_lits *l) {
    if (!l) return;
    free_tree(&l->start);
    free_tree(&l->end);
    free(l->contains);
    free(l->singles);
    free_index(l->grams);
    free(l->lead);
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

/* The top 32 - shift bits of a multiplicative hash. */
static uint32_t hash(uint32_t v, uint32_t shift) {
    return (v * 0x9E3779B1u) >> shift;
}

static bool bit_set(const uint64_t *bits, uint32_t h) {
    return bits[h >> 6] >> (h & 63) & 1;
}

/* ---- building ---- */

/* Shorter first among literals one of which starts the other: the
   literals that end at a node come first among those below it. */
static int by_bytes(const void *x, const void *y) {
    const entry *a = x, *b = y;
    int d = memcmp(a->p, b->p, a->len < b->len ? a->len : b->len);
    if (d) return d;
    return (a->len > b->len) - (a->len < b->len);
}

static uint32_t pair_bucket(const uint8_t *p) {
    return hash(load_pair(p), 16) % PAIR_COUNTS;
}

/* Where the s grams of literal e that the scan looks for start: the
   stretch whose byte pairs are least common among the set's literals. */
static uint32_t rarest_stretch(const entry *e, uint32_t s, const uint32_t *pair_count) {
    /* A stretch of s grams spans w = s + GRAM - 1 bytes, w - 1 pairs: their
       cost is kept as the window slides. */
    uint32_t w = s + GRAM - 1, best = 0;
    uint64_t cost = 0, best_cost;
    for (uint32_t j = 0; j + 1 < w; j++)
        cost += pair_count[pair_bucket(e->p + j)];
    best_cost = cost;
    for (uint32_t k = 1; k + w <= e->len; k++) {
        cost += pair_count[pair_bucket(e->p + k + w - 2)];
        cost -= pair_count[pair_bucket(e->p + k - 1)];
        if (cost < best_cost) best_cost = cost, best = k;
    }
    return best;
}

/* Indexes grams[0 .. n) into a new index, which takes them over. */
static gram_index *index_grams(gram *grams, uint32_t n) {
    gram_index *x = calloc(1, sizeof *x);
    if (!x) abort();
    uint32_t log = MIN_BITS_LOG, nb = 16;
    while (log < MAX_BITS_LOG && (1ull << log) < (uint64_t)n * BITS_PER_GRAM)
        log++;
    while (nb < n)
        nb *= 2;
    x->shift = 32 - log;
    x->bits = calloc((size_t)1 << (log - 6), sizeof *x->bits);
    x->mask = nb - 1;
    x->start = calloc(nb + 1, sizeof *x->start);
    if (!x->bits || !x->start) abort();
    for (uint32_t i = 0; i < n; i++) {
        uint32_t h = hash(grams[i].bytes, x->shift);
        x->bits[h >> 6] |= 1ull << (h & 63);
        x->start[(h & x->mask) + 1]++;
    }
    for (uint32_t b = 0; b < nb; b++)
        x->start[b + 1] += x->start[b];
    x->grams = xrealloc(NULL, n * sizeof *x->grams);
    uint32_t *fill = xrealloc(NULL, nb * sizeof *fill);
    memcpy(fill, x->start, nb * sizeof *fill);
    for (uint32_t i = 0; i < n; i++)
        x->grams[fill[hash(grams[i].bytes, x->shift) & x->mask]++] = grams[i];
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

static void set_bit(uint64_t *bits, uint32_t h) {
    bits[h >> 6] |= 1ull << (h & 63);
}

static void lead_of(const sv_lits *l, const gram_index *x) {
    for (uint32_t k = 0; k < x->start[x->mask + 1]; k++)
        set_bit(l->lead, load_pair(l->contains[x->grams[k].lit].p + x->grams[k].off));
}

static void build_lead(sv_lits *l) {
    if (!l->pairs && !l->grams) return;
    l->lead = calloc(1u << 10, sizeof *l->lead);
    if (!l->lead) abort();
    if (l->pairs) lead_of(l, l->pairs);
    if (l->grams) lead_of(l, l->grams);
}

/* The bytes v[a] and v[b] share from byte d on: where they part. */
static uint32_t part(const entry *v, uint32_t a, uint32_t b, uint32_t d) {
    uint32_t end = v[a].len < v[b].len ? v[a].len : v[b].len;
    while (d < end && v[a].p[d] == v[b].p[d])
        d++;
    return d;
}

/* Builds the radix tree of v[0, n) (sorted), which it takes over. Nodes
   are made breadth-first, from a queue of ranges of v (node k's is
   v[first[k], first[k] + count[k])), so that a node's children are
   consecutive and no literal, however long, deepens the stack. */
static void index_wide_nodes(tree *t, uint32_t nnodes) {
    uint32_t nwide = 0;
    for (uint32_t k = 0; k < nnodes; k++)
        if (t->nodes[k].nedges > WIDE_EDGES) t->nodes[k].wide = ++nwide;
    if (!nwide) return;
    t->wide = calloc((size_t)nwide * 256, sizeof *t->wide);
    if (!t->wide) abort();
    for (uint32_t k = 0; k < nnodes; k++) {
        const node *x = &t->nodes[k];
        for (uint32_t e = x->edges; x->wide && e < x->edges + x->nedges; e++)
            t->wide[(size_t)(x->wide - 1) * 256 + t->edge_byte[e]] = t->edge_node[e] + 1;
    }
}

static void build_tree(tree *t, entry *v, uint32_t n) {
    t->v = v;
    t->nodes = xrealloc(NULL, (2 * (size_t)n + 1) * sizeof *t->nodes);
    t->edge_byte = xrealloc(NULL, 2 * (size_t)n + 1);
    t->edge_node = xrealloc(NULL, (2 * (size_t)n + 1) * sizeof *t->edge_node);
    uint32_t *first = xrealloc(NULL, 2 * (2 * (size_t)n + 1) * sizeof *first);
    uint32_t *count = first + 2 * (size_t)n + 1;
    uint32_t nnodes = 1, nedges = 0;
    t->nodes[0] = (node){.depth = 0};
    first[0] = 0, count[0] = n;
    for (uint32_t k = 0; k < nnodes; k++) {
        node *x = &t->nodes[k];
        uint32_t lo = first[k], hi = lo + count[k];
        x->bytes = n ? v[lo].p : NULL;
        x->shared = n ? part(v, lo, hi - 1, x->depth) : 0;
        x->out = lo;
        while (lo < hi && v[lo].len == x->shared)
            lo++;
        x->nout = lo - x->out;
        x->edges = nedges;
        for (uint32_t a = lo; a < hi;) {
            uint8_t c = v[a].p[x->shared];
            uint32_t b = a + 1;
            while (b < hi && v[b].p[x->shared] == c)
                b++;
            t->edge_byte[nedges] = c;
            t->edge_node[nedges++] = nnodes;
            t->nodes[nnodes] = (node){.depth = x->shared + 1};
            first[nnodes] = a, count[nnodes++] = b - a;
            a = b;
        }
        x->nedges = nedges - x->edges;
    }
    free(first);
    index_wide_nodes(t, nnodes);
}

void sv_lits_build(sv_lits *l) {
    uint32_t n[4] = {0};
    for (size_t i = 0; i < l->npending; i++)
        n[l->pending[i].how]++;
    entry *start = xrealloc(NULL, (n[SV_LIT_EQ] + n[SV_LIT_PREFIX]) * sizeof *start);
    entry *end = xrealloc(NULL, n[SV_LIT_SUFFIX] * sizeof *end);
    l->contains = xrealloc(NULL, n[SV_LIT_CONTAINS] * sizeof *l->contains);
    l->inside_lines = true;
    for (size_t i = 0; i < l->npending; i++) {
        const struct pending *q = &l->pending[i];
        entry e = {l->bytes + q->at, q->len, q->id, q->how == SV_LIT_EQ};
        if (q->how == SV_LIT_CONTAINS && memchr(e.p, '\n', e.len)) l->inside_lines = false;
        switch (q->how) {
        case SV_LIT_SUFFIX: end[l->nend++] = e; break;
        case SV_LIT_CONTAINS: l->contains[l->ncontains++] = e; break;
        default: start[l->nstart++] = e;
        }
    }
    qsort(start, l->nstart, sizeof *start, by_bytes);
    qsort(end, l->nend, sizeof *end, by_bytes);
    build_tree(&l->start, start, l->nstart);
    build_tree(&l->end, end, l->nend);
    build_contains(l);
    build_lead(l);
    free(l->pending);
    l->pending = NULL;
}

/* ---- scanning ---- */

#ifdef SV_LITS_AVX2
/* sv_find's search, 32 positions at a time: where it stopped in *at. */
__attribute__((target("avx2"))) static const char *find_avx2(const char *s, size_t n, const char *k,
                                                             size_t kn, size_t *at) {
    const __m256i first = _mm256_set1_epi8(k[0]), last = _mm256_set1_epi8(k[kn - 1]);
    size_t i = 0;
    for (; i + kn - 1 + 32 <= n; i += 32) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(s + i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(s + i + kn - 1));
        unsigned m = (unsigned)_mm256_movemask_epi8(
            _mm256_and_si256(_mm256_cmpeq_epi8(a, first), _mm256_cmpeq_epi8(b, last)));
        for (; m; m &= m - 1) {
            const char *p = s + i + (unsigned)__builtin_ctz(m);
            if (!memcmp(p + 1, k + 1, kn - 2)) return p;
        }
    }
    *at = i;
    return NULL;
}
#endif

#ifdef __SSE2__
/* The first of the 16 positions from s where k (kn bytes, at least 2) may
   start, by its first and last bytes, and does. */
static inline const char *find_in_16(const char *s, const char *k, size_t kn, __m128i first,
                                     __m128i last) {
    __m128i a = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + kn - 1));
    unsigned m = (unsigned)_mm_movemask_epi8(
        _mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last)));
    for (; m; m &= m - 1) {
        const char *at = s + (unsigned)__builtin_ctz(m);
        if (!memcmp(at + 1, k + 1, kn - 2)) return at;
    }
    return NULL;
}
#endif

const char *sv_find(const char *s, size_t n, const char *k, size_t kn) {
    if (kn > n) return NULL;
    if (kn < 2) return kn ? memchr(s, k[0], n) : s;
    size_t i = 0, starts = n - kn + 1; /* positions where k may start */
#ifdef SV_LITS_AVX2
    if (n >= 64 && __builtin_cpu_supports("avx2")) {
        const char *p = find_avx2(s, n, k, kn, &i);
        if (p) return p;
    }
#endif
#ifdef __SSE2__
    if (starts >= 16) {
        const __m128i first = _mm_set1_epi8(k[0]), last = _mm_set1_epi8(k[kn - 1]);
        for (; i + 16 <= starts; i += 16) {
            const char *p = find_in_16(s + i, k, kn, first, last);
            if (p) return p;
        }
        /* The last positions, in 16 that end with them: those before
           held no match. */
        return i < starts ? find_in_16(s + starts - 16, k, kn, first, last) : NULL;
    }
#endif
    for (; i < starts; i++)
        if (s[i] == k[0] && s[i + kn - 1] == k[kn - 1] && !memcmp(s + i + 1, k + 1, kn - 2))
            return s + i;
    return NULL;
}

bool sv_lit_holds(sv_lit_how how, const char *s, size_t n, const char *lit, size_t len) {
    if (len > n) return false;
    switch (how) {
    case SV_LIT_EQ: return n == len && !memcmp(s, lit, len);
    case SV_LIT_PREFIX: return !memcmp(s, lit, len);
    case SV_LIT_SUFFIX: return !memcmp(s + n - len, lit, len);
    default: return sv_find(s, n, lit, len) != NULL;
    }
}

/* The i-th byte of text t (n bytes) from its start, or from its end. */
static uint8_t byte_at(const uint8_t *t, size_t n, size_t i, bool from_end) {
    return from_end ? t[n - 1 - i] : t[i];
}

/* The node that x's edge of byte c leads to, or NULL. */
static const node *child(const tree *t, const node *x, uint8_t c) {
    if (x->wide) {
        uint32_t k = t->wide[(size_t)(x->wide - 1) * 256 + c];
        return k ? &t->nodes[k - 1] : NULL;
    }
    const uint8_t *b = &t->edge_byte[x->edges], *stop = b + x->nedges;
    while (b < stop && *b < c)
        b++;
    return b < stop && *b == c ? &t->nodes[t->edge_node[b - t->edge_byte]] : NULL;
}

/* Reports the literals of tree t that the text starts with (ends with,
   read backwards). Inlined twice, so that from_end costs no test per
   byte. */
__attribute__((always_inline)) static inline void walk(const tree *t, const uint8_t *text, size_t n,
                                                       bool from_end, sv_lits_hit hit, void *ctx) {
    for (const node *x = t->nodes; x; x = child(t, x, byte_at(text, n, x->shared, from_end))) {
        if (n < x->shared) return;
        for (size_t i = x->depth; i < x->shared; i++)
            if (byte_at(text, n, i, from_end) != x->bytes[i]) return;
        for (const entry *e = &t->v[x->out], *last = e + x->nout; e < last; e++)
            if (!e->eq || n == x->shared) hit(ctx, e->id);
        if (n == x->shared) return;
    }
}

/* Reports the contains literals that gram index x lists for gram g, read
   at position i of text t (n bytes). */
static void check(const sv_lits *l, const gram_index *x, uint32_t g, const uint8_t *t, size_t n,
                  size_t i, const uint8_t *known, sv_lits_hit hit, void *ctx) {
    uint32_t b = hash(g, x->shift) & x->mask;
    for (const gram *c = &x->grams[x->start[b]], *e = &x->grams[x->start[b + 1]]; c < e; c++) {
        if (c->bytes != g || c->off > i) continue;
        const entry *lit = &l->contains[c->lit];
        if (known && known[lit->id]) continue;
        size_t at = i - c->off;
        if (n - at >= lit->len && !memcmp(t + at, lit->p, lit->len)) hit(ctx, lit->id);
    }
}

/* At stride s: the lead pair, then the gram. */
static void scan_grams(const sv_lits *l, const uint8_t *t, size_t n, const uint8_t *known,
                       sv_lits_hit hit, void *ctx) {
    const gram_index *x = l->grams;
    const uint64_t *lead = l->lead;
    for (size_t i = 0, s = l->stride; i + GRAM <= n; i += s) {
        if (!bit_set(lead, load_pair(t + i))) continue;
        uint32_t g = load_gram(t + i);
        if (bit_set(x->bits, hash(g, x->shift))) check(l, x, g, t, n, i, known, hit, ctx);
    }
}

/* Position by position: pairs, and grams if the stride is 1. */
static void scan_led(const sv_lits *l, const uint8_t *t, size_t n, const uint8_t *known,
                     sv_lits_hit hit, void *ctx) {
    const gram_index *x = l->stride == 1 ? l->grams : NULL, *y = l->pairs;
    const uint64_t *lead = l->lead;
    for (size_t i = 0; i + 2 <= n; i++) {
        uint32_t pg = load_pair(t + i);
        if (!bit_set(lead, pg)) continue;
        if (x && i + GRAM <= n) {
            uint32_t g = load_gram(t + i);
            if (bit_set(x->bits, hash(g, x->shift))) check(l, x, g, t, n, i, known, hit, ctx);
        }
        if (y && bit_set(y->bits, hash(pg, y->shift))) check(l, y, pg, t, n, i, known, hit, ctx);
    }
}

static void scan_contains(const sv_lits *l, const uint8_t *t, size_t n, const uint8_t *known,
                          sv_lits_hit hit, void *ctx) {
    if (l->grams && l->stride > 1) scan_grams(l, t, n, known, hit, ctx);
    if (l->pairs || (l->grams && l->stride == 1)) scan_led(l, t, n, known, hit, ctx);
    for (uint32_t k = 0; k < l->nsingles; k++)
        if (memchr(t, l->singles[k].p[0], n)) hit(ctx, l->singles[k].id);
}

void sv_lits_scan_ends(const sv_lits *l, const char *text, size_t n, sv_lits_hit hit, void *ctx) {
    const uint8_t *t = (const uint8_t *)text;
    if (l->nstart) walk(&l->start, t, n, false, hit, ctx);
    if (l->nend) walk(&l->end, t, n, true, hit, ctx);
}

void sv_lits_scan_inside(const sv_lits *l, const char *text, size_t n, const uint8_t *known,
                         sv_lits_hit hit, void *ctx) {
    if (l->ncontains && n) scan_contains(l, (const uint8_t *)text, n, known, hit, ctx);
}

void sv_lits_scan(const sv_lits *l, const char *text, size_t n, const uint8_t *known,
                  sv_lits_hit hit, void *ctx) {
    sv_lits_scan_ends(l, text, n, hit, ctx);
    sv_lits_scan_inside(l, text, n, known, hit, ctx);
}

bool sv_lits_inside_lines(const sv_lits *l) {
    return l->inside_lines;
}
