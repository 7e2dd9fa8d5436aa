/* prefilter.c: every literal test on a field answered in one pass.
 *
 * Thousands of rules test the same few fields (CommandLine, Image,
 * TargetFilename) against literals: contains, startswith, endswith, equals.
 * Tests on one field with the same case rule form a group; its literals go
 * into one literal set (lits.c). The first time an event asks any test of
 * a group, the field's value is looked at once and the answer of every test
 * of the group is memoized. A thousand memmem calls become one look at the
 * start and end of the value and one sampling pass over it for the
 * contains literals. The scan lists the tests that hold,
 * so that what follows (memoizing, the rules' literal guards) costs what
 * the event contains, not what the group holds.
 *
 * The numeric equalities of a field (every EventID == n of a pack) form a
 * group too: its constants sorted, each value of the field is parsed once
 * and looked up by binary search.
 *
 * A wildcard pattern's longest literal piece must occur in any value it
 * matches. The piece joins the literal group of its field as a pseudo-test
 * (numbered after the pack's tests), so that the scan the group makes
 * anyway tells whether the pattern can match at all.
 *
 * A keyword group reads every value of every event, almost none of which
 * holds any of its literals, and whose text no other test reads. Decoding,
 * folding and scanning all that text only to find nothing is what a
 * keyword rule without a logsource guard costs every event. So the group
 * first looks for a piece of each literal in the value as written, with a
 * search that skips most of the text (Wu-Manber: a window of the pieces'
 * length slides along, by as much as the pair of bytes at its end allows);
 * only a value where a piece occurs is decoded, and only the literals whose
 * pieces it holds are looked for in it. See raw_safe for why a piece
 * missing there is missing after decoding too.
 */
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "event.h"
#include "lits.h"
#include "match.h"
#include "pack.h"

/* What a group answers: literal tests on folded text, on the text as it
   is (cased), or numeric equalities. */
enum { K_FOLDED, K_CASED, K_NUMBER, NKINDS };

typedef struct sv_prefilter_group {
    uint32_t slot;
    uint8_t kind;
    sv_lits *lits;            /* literal groups: every literal, id = position in tests */
    struct piece_filter *raw; /* keyword groups: a piece of each literal, see scan_plain */
    double *nums;             /* number groups: the constants in ascending order ... */
    uint32_t *num_at;         /* ... and the position in tests of each */
    uint32_t *tests;          /* the group's tests and pseudo-tests */
    uint32_t ntests;
} sv_prefilter_group;

/* Groups worth an automaton: one literal is as fast through memmem. */
enum { MIN_GROUP = 2 };
/* Shorter pieces occur in too many values to tell anything. */
enum { MIN_PIECE = 3 };
/* A window longer than this would slide little further: few pieces are
   that long, and the shortest decides how far windows slide. */
enum { MAX_WINDOW = 32 };
/* Bytes of literals sampled for how common pairs of bytes are. */
enum { PAIR_SAMPLE = 1 << 17 };

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) abort();
    return p;
}

/* The longest run of literal bytes of canonical glob pat (escapes
   removed), into out (room for plen bytes); returns its length. */
static uint32_t glob_piece(const char *pat, uint32_t plen, char *out) {
    uint32_t best = 0, n = 0, start = 0;
    for (uint32_t i = 0; i <= plen; i++) {
        if (i == plen || pat[i] == '*' || pat[i] == '?') {
            if (n > best) {
                memmove(out, out + start, n);
                best = n;
            }
            start = best;
            n = 0;
            continue;
        }
        if (pat[i] == '\\' && i + 1 < plen) i++;
        out[start + n++] = pat[i];
    }
    return best;
}

/* The kind of group test i belongs in, or -1. A wildcard pattern belongs
   in its field's literal group through its piece, written to piece. */
static int kind_of(const sv_pack *p, uint32_t i, char *piece, uint32_t *piece_len) {
    const sv_test *t = &p->tests[i];
    const sv_prepared *pr = &p->prep[i];
    int text_kind = t->flags & SV_F_CASED ? K_CASED : K_FOLDED;
    switch (t->kind) {
    case SV_T_EQ:
    case SV_T_PREFIX:
    case SV_T_SUFFIX:
    case SV_T_CONTAINS: return pr->lit_len > 0 ? text_kind : -1;
    case SV_T_NUM_EQ: return K_NUMBER;
    case SV_T_GLOB:
        *piece_len = glob_piece(pr->lit, pr->lit_len, piece);
        return *piece_len >= MIN_PIECE ? text_kind : -1;
    default: return -1;
    }
}

/* A byte that text as written holds wherever decoded, folded text holds it:
   printable ASCII that no JSON escape other than \uXXXX stands for ('"',
   '\\', '/') and that ASCII folding leaves alone (not 'A'-'Z': folded
   literals hold none, but should one, it would never match the text
   lower-cased). Take a value whose text as written is ASCII and whose
   escapes are all of two bytes (plain_ascii): they decode to '"', '\\', '/'
   or control bytes, each other byte is copied, and folding lower-cases
   ASCII letters only. A run of such bytes in the decoded, folded text was
   therefore copied from one run between escapes of the text as written,
   lower-cased. */
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

/* Pieces of pseudo-tests, while building. */
typedef struct pieces {
    char *bytes;
    size_t len, cap;
    uint32_t *at, *n, *test; /* per piece: where, how long, whose */
    uint32_t count, max;
} pieces;

static void add_piece(pieces *pc, uint32_t test, const char *s, uint32_t n) {
    if (pc->len + n > pc->cap) {
        pc->cap = 2 * (pc->len + n) + 256;
        pc->bytes = realloc(pc->bytes, pc->cap);
        if (!pc->bytes) abort();
    }
    if (pc->count == pc->max) {
        pc->max = pc->max ? 2 * pc->max : 64;
        pc->at = realloc(pc->at, pc->max * sizeof *pc->at);
        pc->n = realloc(pc->n, pc->max * sizeof *pc->n);
        pc->test = realloc(pc->test, pc->max * sizeof *pc->test);
        if (!pc->at || !pc->n || !pc->test) abort();
    }
    memcpy(pc->bytes + pc->len, s, n);
    pc->at[pc->count] = (uint32_t)pc->len;
    pc->n[pc->count] = n;
    pc->test[pc->count++] = test;
    pc->len += n;
}

/* The literal of test or pseudo-test t of a group being built. */
static const char *literal(const sv_pack *p, const pieces *pc, uint32_t t, uint32_t *n) {
    if (t < p->ntests) {
        *n = p->prep[t].lit_len;
        return p->prep[t].lit;
    }
    *n = pc->n[t - p->ntests];
    return pc->bytes + pc->at[t - p->ntests];
}

/* A piece of a literal, with the window of it that the filter looks for. */
typedef struct piece {
    uint32_t at, len; /* its bytes, in piece_filter.bytes */
    uint32_t win;     /* where its window ends in it */
    uint32_t before;  /* the byte before the window's last two */
    uint32_t test;    /* whose: its position in the group */
} piece;

/* Pieces of a keyword group's literals, found in text as written. Every
   piece is at least m bytes long, and has a window of m of its bytes. A
   window slides along the text; the pair of bytes at its end says how far
   it may move before it could hold the window of some piece (0: it may
   hold one now, so the pieces whose windows end with that pair are
   checked). */
typedef struct piece_filter {
    uint32_t m;
    uint8_t shift[1 << 16];        /* by the pair as written (pair_at) */
    uint32_t first[(1 << 14) + 1]; /* by the pair folded: cand[first[b] .. first[b+1]) */
    piece *cand;
    char *bytes;
    /* per test of the group: its whole literal, in lits, and how it holds */
    char *lits;
    uint32_t *lit_at, *lit_len;
    uint8_t *how;
} piece_filter;

static unsigned lower(unsigned c) {
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* A pair of ASCII bytes, folded. */
static unsigned folded_pair(unsigned a, unsigned b) {
    return (lower(a) & 0x7f) << 7 | (lower(b) & 0x7f);
}

/* How often each folded pair of bytes occurs in (a sample of) the pack's
   literals. */
static uint32_t *pair_counts(const sv_pack *p) {
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
static void limit_shift(piece_filter *f, unsigned char a, unsigned char b, uint32_t sh) {
    unsigned char as[2] = {a, (unsigned char)(a >= 'a' && a <= 'z' ? a - 32 : a)};
    unsigned char bs[2] = {b, (unsigned char)(b >= 'a' && b <= 'z' ? b - 32 : b)};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            uint8_t *at = &f->shift[pair_at((const unsigned char[]){as[i], bs[j]})];
            if (sh < *at) *at = (uint8_t)sh;
        }
}

/* Where the literal of test or pseudo-test t must occur: a wildcard
   pattern's piece, anywhere. */
static sv_lit_how how_of(const sv_pack *p, uint32_t t) {
    switch (t < p->ntests ? p->tests[t].kind : SV_T_CONTAINS) {
    case SV_T_EQ: return SV_LIT_EQ;
    case SV_T_PREFIX: return SV_LIT_PREFIX;
    case SV_T_SUFFIX: return SV_LIT_SUFFIX;
    default: return SV_LIT_CONTAINS;
    }
}

/* Copies the group's literals into f, to check those whose pieces a value
   holds. */
static void keep_literals(const sv_pack *p, const pieces *pc, const sv_prefilter_group *grp,
                          piece_filter *f) {
    uint32_t n = grp->ntests, total = 0;
    f->lit_at = xmalloc(n * sizeof *f->lit_at);
    f->lit_len = xmalloc(n * sizeof *f->lit_len);
    f->how = xmalloc(n);
    for (uint32_t k = 0; k < n; k++) {
        literal(p, pc, grp->tests[k], &f->lit_len[k]);
        f->lit_at[k] = total;
        total += f->lit_len[k];
        f->how[k] = (uint8_t)how_of(p, grp->tests[k]);
    }
    f->lits = xmalloc(total);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t len;
        const char *lit = literal(p, pc, grp->tests[k], &len);
        memcpy(f->lits + f->lit_at[k], lit, len);
    }
}

/* The keyword group's piece filter; none when some literal has no piece
   long enough to be worth it. */
static piece_filter *piece_filter_new(const sv_pack *p, const pieces *pc,
                                      const sv_prefilter_group *grp) {
    uint32_t n = grp->ntests, total = 0, m = UINT32_MAX;
    piece *pcs = xmalloc(n * sizeof *pcs);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t ln;
        const char *s = literal(p, pc, grp->tests[k], &ln);
        pcs[k].len = raw_piece(s, ln, &pcs[k].at);
        total += pcs[k].len;
        if (pcs[k].len < m) m = pcs[k].len;
    }
    if (m > MAX_WINDOW) m = MAX_WINDOW;
    if (m < MIN_PIECE) {
        free(pcs);
        return NULL;
    }
    piece_filter *f = calloc(1, sizeof *f);
    if (!f) abort();
    f->m = m;
    f->bytes = xmalloc(total);
    f->cand = xmalloc(n * sizeof *f->cand);
    keep_literals(p, pc, grp, f);
    memset(f->shift, (int)m - 1, sizeof f->shift);
    uint32_t *seen = pair_counts(p);
    total = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t ln;
        const char *s = literal(p, pc, grp->tests[k], &ln);
        piece *pk = &pcs[k];
        memcpy(f->bytes + total, s + pk->at, pk->len);
        pk->at = total;
        total += pk->len;
        pk->win = window_end(seen, f->bytes + pk->at, pk->len, m);
        const unsigned char *w = (const unsigned char *)f->bytes + pk->at + pk->win + 1 - m;
        for (uint32_t j = 0; j + 1 < m; j++)
            limit_shift(f, w[j], w[j + 1], m - 2 - j);
        pk->before = w[m - 3];
        pk->test = k;
        f->first[folded_pair(w[m - 2], w[m - 1]) + 1]++;
    }
    for (unsigned b = 0; b < 1 << 14; b++)
        f->first[b + 1] += f->first[b];
    uint32_t *fill = xmalloc((1 << 14) * sizeof *fill);
    memcpy(fill, f->first, (1 << 14) * sizeof *fill);
    for (uint32_t k = 0; k < n; k++) {
        const unsigned char *e = (const unsigned char *)f->bytes + pcs[k].at + pcs[k].win;
        f->cand[fill[folded_pair(e[-1], e[0])]++] = pcs[k];
    }
    free(fill);
    free(pcs);
    free(seen);
    return f;
}

static void piece_filter_free(piece_filter *f) {
    if (!f) return;
    free(f->cand);
    free(f->bytes);
    free(f->lits);
    free(f->lit_at);
    free(f->lit_len);
    free(f->how);
    free(f);
}

static int by_num(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static void build_numbers(const sv_pack *p, sv_prefilter_group *grp) {
    /* Sorted as (constant, position) pairs, then split. */
    struct pair {
        double num;
        uint32_t at;
    } *pairs = xmalloc(grp->ntests * sizeof *pairs);
    for (uint32_t k = 0; k < grp->ntests; k++)
        pairs[k] = (struct pair){p->tests[grp->tests[k]].num, k};
    qsort(pairs, grp->ntests, sizeof *pairs, by_num);
    grp->nums = xmalloc(grp->ntests * sizeof *grp->nums);
    grp->num_at = xmalloc(grp->ntests * sizeof *grp->num_at);
    for (uint32_t k = 0; k < grp->ntests; k++) {
        grp->nums[k] = pairs[k].num;
        grp->num_at[k] = pairs[k].at;
    }
    free(pairs);
}

static void build_group(sv_pack *p, const pieces *pc, sv_prefilter_group *grp) {
    if (grp->kind == K_NUMBER) {
        build_numbers(p, grp);
        return;
    }
    grp->lits = sv_lits_new();
    for (uint32_t k = 0; k < grp->ntests; k++) {
        uint32_t n, t = grp->tests[k];
        const char *s = literal(p, pc, t, &n);
        sv_lits_add(grp->lits, s, n, how_of(p, t), k);
    }
    sv_lits_build(grp->lits);
    if (grp->slot == SV_ANY_SLOT && grp->kind == K_FOLDED) grp->raw = piece_filter_new(p, pc, grp);
}

void sv_prefilter_build(sv_pack *p) {
    /* Groups are found by (slot, kind) in a table: the keyword slot last. */
    uint32_t nkeys = (p->npaths + 1) * NKINDS;
    uint32_t *count = calloc(nkeys, sizeof *count);
    int32_t *key_of = xmalloc((p->ntests ? p->ntests : 1) * sizeof *key_of);
    int32_t *group_at = xmalloc(nkeys * sizeof *group_at);
    if (!count) abort();
    uint32_t max_lit = 0;
    for (uint32_t i = 0; i < p->ntests; i++)
        if (p->tests[i].kind == SV_T_GLOB && p->prep[i].lit_len > max_lit)
            max_lit = p->prep[i].lit_len;
    char *piece = xmalloc(max_lit);
    pieces pc = {0};
    for (uint32_t i = 0; i < p->ntests; i++) {
        uint32_t piece_len = 0;
        int kind = kind_of(p, i, piece, &piece_len);
        key_of[i] = -1;
        if (kind < 0) continue;
        uint32_t slot = p->tests[i].slot;
        key_of[i] = (int32_t)((slot == SV_ANY_SLOT ? p->npaths : slot) * NKINDS + (uint32_t)kind);
        count[key_of[i]]++;
        if (p->tests[i].kind == SV_T_GLOB) add_piece(&pc, i, piece, piece_len);
    }
    free(piece);
    p->ngroups = 0;
    for (uint32_t key = 0; key < nkeys; key++)
        group_at[key] = count[key] >= MIN_GROUP ? (int32_t)p->ngroups++ : -1;
    p->groups = calloc(p->ngroups ? p->ngroups : 1, sizeof *p->groups);
    if (!p->groups) abort();
    for (uint32_t key = 0; key < nkeys; key++) {
        if (group_at[key] < 0) continue;
        uint32_t slot = key / NKINDS;
        p->groups[group_at[key]] =
            (sv_prefilter_group){.slot = slot == p->npaths ? SV_ANY_SLOT : slot,
                                 .kind = (uint8_t)(key % NKINDS),
                                 .tests = xmalloc(count[key] * sizeof(uint32_t))};
    }
    /* Pseudo-tests are numbered in the order of their patterns' tests. */
    uint32_t npieces = 0;
    for (uint32_t j = 0; j < pc.count; j++)
        npieces += group_at[key_of[pc.test[j]]] >= 0;
    p->npieces = npieces;
    p->group_of = xmalloc((p->ntests + npieces) * sizeof *p->group_of);
    for (uint32_t i = 0; i < p->ntests; i++) {
        int32_t g = key_of[i] < 0 ? -1 : group_at[key_of[i]];
        p->group_of[i] = -1;
        if (g < 0 || p->tests[i].kind == SV_T_GLOB) continue;
        p->group_of[i] = g;
        p->groups[g].tests[p->groups[g].ntests++] = i;
    }
    uint32_t pseudo = p->ntests;
    for (uint32_t j = 0; j < pc.count; j++) {
        int32_t g = group_at[key_of[pc.test[j]]];
        if (g < 0) continue;
        /* Keep the piece where literal() finds it by pseudo-test number. */
        pc.at[pseudo - p->ntests] = pc.at[j];
        pc.n[pseudo - p->ntests] = pc.n[j];
        p->prep[pc.test[j]].piece = pseudo;
        p->group_of[pseudo] = g;
        p->groups[g].tests[p->groups[g].ntests++] = pseudo++;
    }
    for (uint32_t g = 0; g < p->ngroups; g++) {
        build_group(p, &pc, &p->groups[g]);
        if (p->groups[g].ntests > p->max_group) p->max_group = p->groups[g].ntests;
    }
    free(pc.bytes);
    free(pc.at);
    free(pc.n);
    free(pc.test);
    free(count);
    free(key_of);
    free(group_at);
}

void sv_prefilter_free(sv_pack *p) {
    for (uint32_t g = 0; g < p->ngroups; g++) {
        sv_lits_free(p->groups[g].lits);
        piece_filter_free(p->groups[g].raw);
        free(p->groups[g].nums);
        free(p->groups[g].num_at);
        free(p->groups[g].tests);
    }
    free(p->groups);
    free(p->group_of);
    p->groups = NULL;
    p->group_of = NULL;
    p->ngroups = p->max_group = p->npieces = 0;
}

const uint32_t *sv_prefilter_tests(const sv_pack *p, uint32_t g, uint32_t *n) {
    *n = p->groups[g].ntests;
    return p->groups[g].tests;
}

uint32_t sv_prefilter_slot(const sv_pack *p, uint32_t g) {
    return p->groups[g].slot;
}

/* Pieces found in one value whose literals are checked one by one; a
   value holding more is scanned in full. */
enum { MAX_CANDIDATES = 64 };
/* What seen says of a group's test. */
enum { HELD = 1, CANDIDATE = 2 };

typedef struct scan_ctx {
    const sv_prefilter_group *grp;
    uint8_t *seen; /* per group test: HELD, CANDIDATE */
    uint32_t *hits, nhits;
    uint32_t cands[MAX_CANDIDATES], ncands; /* tests whose pieces a value holds */
    bool too_many;
} scan_ctx;

static void holds(void *ctx, uint32_t k) {
    scan_ctx *c = ctx;
    if (c->seen[k] & HELD) return;
    c->seen[k] |= HELD;
    c->hits[c->nhits++] = k;
}

static void candidate(scan_ctx *c, uint32_t k) {
    if (c->seen[k] & (HELD | CANDIDATE)) return;
    if (c->ncands == MAX_CANDIDATES) {
        c->too_many = true;
        return;
    }
    c->seen[k] |= CANDIDATE;
    c->cands[c->ncands++] = k;
}

/* The escapes that stand for one byte that raw_safe excludes: all but
   \uXXXX and those the scanner refuses. */
static const bool short_escapes[256] = {['"'] = true, ['\\'] = true, ['/'] = true, ['b'] = true,
                                        ['f'] = true, ['n'] = true,  ['r'] = true, ['t'] = true};

/* Whether the escape at s[j] (a backslash) is short. */
static bool short_escape(const char *s, size_t n, size_t j) {
    return j + 1 == n /* a lone final backslash stays one */ ||
           short_escapes[(unsigned char)s[j + 1]];
}

/* Whether text as written is ASCII with short escapes only, so that its
   pieces are those of its decoded, folded text (see raw_safe). Windows
   paths hold a backslash every few bytes: sixteen bytes are tested at once
   and then only their backslashes, each of which starts an escape unless
   the one before it did. */
static bool plain_ascii(const char *s, size_t n) {
    size_t i = 0, next = 0; /* where the next escape may start */
#ifdef __SSE2__
    const __m128i backslash = _mm_set1_epi8('\\');
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        if (_mm_movemask_epi8(x)) return false;
        for (unsigned b = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, backslash)); b;
             b &= b - 1) {
            size_t j = i + (size_t)__builtin_ctz(b);
            if (j < next) continue;
            if (!short_escape(s, n, j)) return false;
            next = j + 2;
        }
    }
#endif
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c & 0x80) return false;
        if (c == '\\' && i >= next) {
            if (!short_escape(s, n, i)) return false;
            next = i + 2;
        }
    }
    return true;
}

/* Notes as candidates the tests whose pieces, ASCII case aside, end at e
   in text t (n bytes), where a window may end. */
static void pieces_end(const piece_filter *f, const unsigned char *t, size_t n,
                       const unsigned char *e, scan_ctx *sc) {
    unsigned b = folded_pair(e[-1], e[0]), before = lower(e[-2]);
    size_t end = (size_t)(e - t);
    for (const piece *c = &f->cand[f->first[b]], *last = &f->cand[f->first[b + 1]]; c < last; c++) {
        /* The byte before the pair tells most windows apart. */
        if (c->before != before || end < c->win || n - (end - c->win) < c->len) continue;
        const unsigned char *at = e - c->win, *bytes = (const unsigned char *)f->bytes + c->at;
        uint32_t i = 0;
        while (i < c->len && lower(at[i]) == bytes[i])
            i++;
        if (i == c->len) candidate(sc, c->test);
    }
}

/* Slides a window from e to stop, noting the pieces it finds. */
static void slide(const piece_filter *f, const unsigned char *t, size_t n, const unsigned char *e,
                  const unsigned char *stop, scan_ctx *sc) {
    while (e < stop) {
        unsigned sh = f->shift[pair_at(e - 1)];
        if (!sh) {
            pieces_end(f, t, n, e, sc);
            sh = 1;
        }
        e += sh;
    }
}

/* Notes the tests whose pieces ASCII text s holds, ASCII case aside. Each
   step of a window waits for its table lookup, so two windows slide at
   once, one over each half of the text. */
static void find_pieces(const piece_filter *f, const char *s, size_t n, scan_ctx *sc) {
    if (n < f->m) return;
    const unsigned char *t = (const unsigned char *)s, *stop = t + n;
    const unsigned char *e = t + f->m - 1; /* the first window's last byte */
    const unsigned char *half = e + (n - f->m) / 2, *e2 = half;
    while (e < half && e2 < stop) {
        unsigned sh = f->shift[pair_at(e - 1)], sh2 = f->shift[pair_at(e2 - 1)];
        if (!sh) {
            pieces_end(f, t, n, e, sc);
            sh = 1;
        }
        if (!sh2) {
            pieces_end(f, t, n, e2, sc);
            sh2 = 1;
        }
        e += sh;
        e2 += sh2;
    }
    slide(f, t, n, e, half, sc);
    slide(f, t, n, e2, stop, sc);
}

/* Whether a keyword group can tell from value v's text as written which
   of its literals v may hold (see raw_safe). */
static bool plain_text(const sv_value *v) {
    switch (v->type) {
    case SV_V_STR:
    case SV_V_NUM:
    case SV_V_TRUE:
    case SV_V_FALSE: return plain_ascii(v->p, v->len);
    default: return false; /* no text: the real scan skips it */
    }
}

/* Asks a keyword group's literals of plain value v: only those whose
   pieces its text holds, unless too many do. */
static void scan_plain(const sv_prefilter_group *grp, sv_event *ev, sv_value *v, scan_ctx *c) {
    const piece_filter *f = grp->raw;
    c->ncands = 0;
    c->too_many = false;
    find_pieces(f, v->p, v->len, c);
    const char *s;
    size_t n;
    bool ok = (c->ncands || c->too_many) && sv_value_folded(ev, v, &s, &n);
    for (uint32_t i = 0; i < c->ncands; i++) {
        uint32_t k = c->cands[i];
        c->seen[k] &= (uint8_t)~CANDIDATE;
        if (ok && !c->too_many &&
            sv_lit_holds(f->how[k], s, n, f->lits + f->lit_at[k], f->lit_len[k]))
            holds(c, k);
    }
    if (ok && c->too_many) sv_lits_scan(grp->lits, s, n, holds, c);
}

static void scan_numbers(scan_ctx *c, sv_event *ev) {
    const sv_prefilter_group *grp = c->grp;
    for (int32_t i = sv_event_first(ev, grp->slot); i >= 0; i = ev->vals[i].next) {
        double d;
        if (!sv_value_number(ev, &ev->vals[i], &d)) continue;
        uint32_t lo = 0, hi = grp->ntests;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (grp->nums[mid] < d)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (; lo < grp->ntests && grp->nums[lo] == d; lo++)
            holds(c, grp->num_at[lo]);
    }
}

uint32_t sv_prefilter_run(const sv_pack *p, uint32_t g, sv_event *ev, uint8_t *seen,
                          uint32_t *hits) {
    const sv_prefilter_group *grp = &p->groups[g];
    scan_ctx c = {.grp = grp, .seen = seen, .hits = hits};
    if (grp->kind == K_NUMBER) {
        scan_numbers(&c, ev);
    } else {
        for (int32_t i = sv_event_first(ev, grp->slot); i >= 0; i = ev->vals[i].next) {
            sv_value *v = &ev->vals[i];
            const char *s;
            size_t n;
            if (grp->raw && plain_text(v)) {
                scan_plain(grp, ev, v, &c);
                continue;
            }
            bool ok = grp->kind == K_CASED ? sv_value_text(ev, v, &s, &n)
                                           : sv_value_folded(ev, v, &s, &n);
            if (!ok) continue;
            sv_lits_scan(grp->lits, s, n, holds, &c);
        }
    }
    for (uint32_t i = 0; i < c.nhits; i++)
        seen[hits[i]] = 0;
    return c.nhits;
}
