/* rawscan.c: keyword literals looked for in text as written.
 *
 * A keyword group reads every value of every event, almost none of which
 * holds any of its literals. Decoding, folding and scanning all that text
 * only to find nothing is what a keyword rule without a logsource guard
 * would cost every event. So each literal is represented by a piece, its
 * longest run of bytes that the text as written holds wherever the decoded,
 * folded text does (raw_safe), and pieces are looked for in the text as
 * written. Only a value where some piece occurs is decoded, and then only
 * the literals whose pieces it holds are checked.
 *
 * Pieces are found by a search that skips most of the text (Wu-Manber: a
 * window of the shortest piece's length slides along, by as much as the
 * pair of bytes at its end allows), in long texts only once a screen
 * (screen.c) found a factor of some piece in them.
 */
#include <stdlib.h>
#include <string.h>

#include "rawscan.h"
#include "screen.h"

/* Shorter pieces occur in too many values to tell anything. */
enum { MIN_PIECE = 3 };
/* A window longer than this would slide little further: few pieces are
   that long, and the shortest decides how far windows slide. */
enum { MAX_WINDOW = 32 };
/* Bytes of literals sampled for how common pairs of bytes are. */
enum { PAIR_SAMPLE = 1 << 17 };

/* A piece of a literal, with the window of it that the search looks for. */
typedef struct piece {
    uint32_t at, len; /* its bytes, in sv_raw.bytes */
    uint32_t win;     /* where its window ends in it */
    uint32_t before;  /* the byte before the window's last two */
    uint32_t lit;     /* whose */
} piece;

/* Every piece is at least m bytes long and has a window of m of its
   bytes. A window slides along the text; the pair of bytes at its end
   says how far it may move before it could hold the window of some piece
   (0: it may hold one now, so the pieces whose windows end with that pair
   are checked). */
struct sv_raw {
    uint32_t m;
    uint8_t shift[1 << 16];        /* by the pair as written (pair_at) */
    uint32_t first[(1 << 14) + 1]; /* by the pair folded: cand[first[b] .. first[b+1]) */
    piece *cand;
    char *bytes;
    /* per literal: its bytes, in lits, and how it holds */
    char *lits;
    uint32_t *lit_at, *lit_len;
    sv_lit_how *how;
    sv_screen *screen; /* of long texts, or NULL */
};

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) abort();
    return p;
}

/* A byte that text as written holds wherever decoded, folded text holds it:
   printable ASCII that no JSON escape other than \uXXXX stands for ('"',
   '\\', '/') and that ASCII folding leaves alone (not 'A'-'Z': folded
   literals hold none, but should one, it would never match the text
   lower-cased). Take a value whose text as written is ASCII and whose
   escapes are all of two bytes (no SV_ESC_WIDE): they decode to '"', '\\',
   '/' or control bytes, each other byte is copied, and folding lower-cases
   ASCII letters only. A run of such bytes in the decoded, folded text was
   therefore copied from one run between escapes of the text as written,
   lower-cased. So it is when the text also holds characters outside ASCII
   none of which folds to text with ASCII in it: their folds lie between
   such runs, as they themselves do. */
static bool raw_safe(unsigned char c) {
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '/' && !(c >= 'A' && c <= 'Z');
}

/* The longest run of raw_safe bytes of s: its start and length. */
static uint32_t raw_piece(const char *s, uint32_t n, uint32_t *at) {
    uint32_t best = 0, run = 0;
    *at = 0;
    for (uint32_t i = 0; i < n; i++) {
        run = raw_safe((unsigned char)s[i]) ? run + 1 : 0;
        if (run > best) {
            best = run;
            *at = i + 1 - run;
        }
    }
    return best;
}

static unsigned lower(unsigned c) {
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* A pair of ASCII bytes, folded. */
static unsigned folded_pair(unsigned a, unsigned b) {
    return (lower(a) & 0x7f) << 7 | (lower(b) & 0x7f);
}

uint32_t sv_raw_pair_count(const uint32_t *pair_counts, unsigned char a, unsigned char b) {
    return pair_counts[folded_pair(a, b)];
}

uint32_t *sv_raw_pair_counts(const sv_pack *p) {
    uint32_t *seen = calloc(1 << 14, sizeof *seen);
    if (!seen) abort();
    size_t total = 0;
    for (uint32_t i = 0; i < p->ntests; i++)
        total += p->prep[i].lit_len;
    /* A sample of PAIR_SAMPLE bytes tells common pairs from rare ones. */
    uint32_t stride = (uint32_t)(total / PAIR_SAMPLE + 1);
    for (uint32_t i = 0; i < p->ntests; i += stride) {
        const unsigned char *lit = (const unsigned char *)p->prep[i].lit;
        for (uint32_t j = 1; j < p->prep[i].lit_len; j++)
            seen[folded_pair(lit[j - 1], lit[j])]++;
    }
    return seen;
}

/* Where the window of a piece of len bytes at s ends (the last of its m
   bytes): where its pairs are rarest in the pack's literals, which look
   much like the text of events, its last pair above all. */
static uint32_t window_end(const uint32_t *seen, const char *s, uint32_t len, uint32_t m) {
    uint32_t best = m - 1;
    uint64_t best_cost = UINT64_MAX;
    for (uint32_t end = m - 1; end < len; end++) {
        uint64_t cost = 0;
        for (uint32_t j = end + 1 - m; j < end; j++)
            cost += (uint64_t)seen[folded_pair((unsigned char)s[j], (unsigned char)s[j + 1])] *
                    (j + 1 == end ? 4 : 1);
        if (cost < best_cost) {
            best_cost = cost;
            best = end;
        }
    }
    return best;
}

/* The two bytes at t as one number, read as the machine reads them. */
static unsigned pair_at(const unsigned char *t) {
    uint16_t v;
    memcpy(&v, t, 2);
    return v;
}

/* Lets the pair (a, b) of a window, and its case variants, slide at most
   sh. */
static void limit_shift(sv_raw *r, unsigned char a, unsigned char b, uint32_t sh) {
    unsigned char as[2] = {a, (unsigned char)(a >= 'a' && a <= 'z' ? a - 32 : a)};
    unsigned char bs[2] = {b, (unsigned char)(b >= 'a' && b <= 'z' ? b - 32 : b)};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            uint8_t *at = &r->shift[pair_at((const unsigned char[]){as[i], bs[j]})];
            if (sh < *at) *at = (uint8_t)sh;
        }
}

static void keep_literals(sv_raw *r, const char *const *lit, const uint32_t *len,
                          const sv_lit_how *how, uint32_t n) {
    uint32_t total = 0;
    r->lit_at = xmalloc(n * sizeof *r->lit_at);
    r->lit_len = xmalloc(n * sizeof *r->lit_len);
    r->how = xmalloc(n * sizeof *r->how);
    for (uint32_t k = 0; k < n; k++) {
        r->lit_at[k] = total;
        r->lit_len[k] = len[k];
        r->how[k] = how[k];
        total += len[k];
    }
    r->lits = xmalloc(total);
    for (uint32_t k = 0; k < n; k++)
        memcpy(r->lits + r->lit_at[k], lit[k], len[k]);
}

/* Sets up the windows of pieces pcs[0, n) (m: the shortest). */
static void build_windows(sv_raw *r, piece *pcs, uint32_t n, const uint32_t *seen) {
    uint32_t m = r->m;
    memset(r->shift, (int)m - 1, sizeof r->shift);
    for (uint32_t k = 0; k < n; k++) {
        piece *pk = &pcs[k];
        pk->win = window_end(seen, r->bytes + pk->at, pk->len, m);
        const unsigned char *w = (const unsigned char *)r->bytes + pk->at + pk->win + 1 - m;
        for (uint32_t j = 0; j + 1 < m; j++)
            limit_shift(r, w[j], w[j + 1], m - 2 - j);
        pk->before = w[m - 3];
        r->first[folded_pair(w[m - 2], w[m - 1]) + 1]++;
    }
    for (unsigned b = 0; b < 1 << 14; b++)
        r->first[b + 1] += r->first[b];
    uint32_t *fill = xmalloc((1 << 14) * sizeof *fill);
    memcpy(fill, r->first, (1 << 14) * sizeof *fill);
    r->cand = xmalloc(n * sizeof *r->cand);
    for (uint32_t k = 0; k < n; k++) {
        const unsigned char *e = (const unsigned char *)r->bytes + pcs[k].at + pcs[k].win;
        r->cand[fill[folded_pair(e[-1], e[0])]++] = pcs[k];
    }
    free(fill);
}

static sv_screen *screen_of(const sv_raw *r, const piece *pcs, uint32_t n, const uint32_t *seen) {
    const char **bytes = xmalloc(n * sizeof *bytes);
    uint32_t *len = xmalloc(n * sizeof *len);
    for (uint32_t k = 0; k < n; k++) {
        bytes[k] = r->bytes + pcs[k].at;
        len[k] = pcs[k].len;
    }
    sv_screen *s = sv_screen_new(bytes, len, n, seen);
    free(bytes);
    free(len);
    return s;
}

sv_raw *sv_raw_new(const uint32_t *seen, const char *const *lit, const uint32_t *len,
                   const sv_lit_how *how, uint32_t n) {
    uint32_t total = 0, shortest = UINT32_MAX;
    piece *pcs = xmalloc((n ? n : 1) * sizeof *pcs);
    for (uint32_t k = 0; k < n; k++) {
        pcs[k].len = raw_piece(lit[k], len[k], &pcs[k].at);
        pcs[k].lit = k;
        total += pcs[k].len;
        if (pcs[k].len < shortest) shortest = pcs[k].len;
    }
    if (!n || shortest < MIN_PIECE) {
        free(pcs);
        return NULL;
    }
    sv_raw *r = calloc(1, sizeof *r);
    if (!r) abort();
    r->bytes = xmalloc(total);
    keep_literals(r, lit, len, how, n);
    total = 0;
    for (uint32_t k = 0; k < n; k++) {
        memcpy(r->bytes + total, lit[k] + pcs[k].at, pcs[k].len);
        pcs[k].at = total;
        total += pcs[k].len;
    }
    r->m = shortest > MAX_WINDOW ? MAX_WINDOW : shortest;
    build_windows(r, pcs, n, seen);
    r->screen = screen_of(r, pcs, n, seen);
    free(pcs);
    return r;
}

void sv_raw_free(sv_raw *r) {
    if (!r) return;
    sv_screen_free(r->screen);
    free(r->cand);
    free(r->bytes);
    free(r->lits);
    free(r->lit_at);
    free(r->lit_len);
    free(r->how);
    free(r);
}

uint32_t sv_raw_shortest(const sv_raw *r) {
    return r->m;
}

bool sv_raw_holds(const sv_raw *r, uint32_t k, const char *s, size_t n) {
    return sv_lit_holds(r->how[k], s, n, r->lits + r->lit_at[k], r->lit_len[k]);
}

/* ---- finding pieces ---- */

typedef struct finder {
    const sv_raw *r;
    const unsigned char *t;
    size_t n;
    void (*found)(void *ctx, uint32_t k);
    void *ctx;
} finder;

/* Whether piece c, ASCII case aside, starts at text offset at. */
static bool piece_at(const finder *f, const piece *c, size_t at) {
    if (f->n - at < c->len) return false;
    const unsigned char *t = f->t + at, *bytes = (const unsigned char *)f->r->bytes + c->at;
    uint32_t i = 0;
    while (i < c->len && lower(t[i]) == bytes[i])
        i++;
    return i == c->len;
}

/* Reports the long pieces that end at e, where a window may end. */
static void pieces_end(const finder *f, const unsigned char *e) {
    const sv_raw *r = f->r;
    unsigned b = folded_pair(e[-1], e[0]), before = lower(e[-2]);
    size_t end = (size_t)(e - f->t);
    for (const piece *c = &r->cand[r->first[b]], *last = &r->cand[r->first[b + 1]]; c < last; c++)
        /* The byte before the pair tells most windows apart. */
        if (c->before == before && end >= c->win && piece_at(f, c, end - c->win))
            f->found(f->ctx, c->lit);
}

/* Slides a window from e to stop. */
static void slide(const finder *f, const unsigned char *e, const unsigned char *stop) {
    while (e < stop) {
        unsigned sh = f->r->shift[pair_at(e - 1)];
        if (!sh) {
            pieces_end(f, e);
            sh = 1;
        }
        e += sh;
    }
}

/* Each step of a window waits for its table lookup, so two windows slide
   at once, one over each half of the text. */
static void find_pieces(const finder *f) {
    size_t m = f->r->m, n = f->n;
    if (n < m) return;
    const unsigned char *e = f->t + m - 1; /* the first window's last byte */
    const unsigned char *half = e + (n - m) / 2, *e2 = half, *stop = f->t + n;
    while (e < half && e2 < stop) {
        unsigned sh = f->r->shift[pair_at(e - 1)], sh2 = f->r->shift[pair_at(e2 - 1)];
        if (!sh) {
            pieces_end(f, e);
            sh = 1;
        }
        if (!sh2) {
            pieces_end(f, e2);
            sh2 = 1;
        }
        e += sh;
        e2 += sh2;
    }
    slide(f, e, half);
    slide(f, e2, stop);
}

bool sv_raw_may_hold(const sv_raw *r, const char *s, size_t n) {
    return !r->screen || sv_screen_may_hold(r->screen, s, n);
}

void sv_raw_find(const sv_raw *r, const char *s, size_t n, void (*found)(void *ctx, uint32_t k),
                 void *ctx) {
    if (r->screen && !sv_screen_may_hold(r->screen, s, n)) return;
    finder f = {r, (const unsigned char *)s, n, found, ctx};
    find_pieces(&f);
}
