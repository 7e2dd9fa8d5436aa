/* screen.c: a few short factors that every keyword piece holds.
 *
 * Most keyword literals of a pack share short strings: fifteen of the
 * twenty of the mimikatz rule hold "::", the others "kiwi" or "mimi". A
 * text that holds none of those factors holds no piece, and that is told
 * by comparing 32 positions at a time with each factor's bytes, which costs
 * a fraction of sliding windows along the text (each step of a window
 * waits for a table lookup). Factors are of four bytes, or of two
 * punctuation bytes ("::"); shorter or plainer ones occur in most long
 * texts, and a screen that lets every text through only costs.
 *
 * Case: text bytes are or-ed with 0x20 and compared with the factor's
 * bytes or-ed with 0x20, which lets through each letter in either case and
 * each other byte along with the one that differs from it in bit 5 only: a
 * superset, as a screen may be. Where the machine can look 64 bytes up in
 * a table at once, tables of the factors' bytes replace the comparisons.
 */
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SV_SCREEN_AVX2 1
#endif

#include "rawscan.h"
#include "screen.h"

/* At most this many factors of two and of four bytes, and in all. */
enum { MAX_TWO = 2, MAX_FOUR = 3, MAX_FACTORS = 4 };

struct sv_screen {
    uint32_t ntwo, nfour;
    bool avx512; /* the machine compares 64 bytes at once into masks ... */
    bool vbmi;   /* ... and looks 64 bytes up at once in a table of 64 */
    /* per factor, per byte: 32 copies of it or-ed with 0x20 */
    uint8_t two[MAX_TWO][2][32];
    uint8_t four[MAX_FOUR][4][32];
    /* per byte of a factor, by the low 6 bits of a text byte: the factors
       (bit f) whose byte it may be, ASCII case aside; all of them past a
       factor's last byte */
    uint8_t table[4][64];
};

static bool punctuation(unsigned char c) {
    return !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ');
}

/* Whether the f bytes at x may be a factor. */
static bool factor_like(const char *x, uint32_t f) {
    return f == 4 || (punctuation((unsigned char)x[0]) && punctuation((unsigned char)x[1]));
}

static bool piece_holds(const char *piece, uint32_t len, const char *x, uint32_t f) {
    return len >= f && memmem(piece, len, x, f) != NULL;
}

static void add_factor(sv_screen *s, const char *x, uint32_t f) {
    uint8_t bit = (uint8_t)(1u << (s->ntwo + s->nfour));
    uint8_t(*bytes)[32] = f == 2 ? s->two[s->ntwo++] : s->four[s->nfour++];
    for (uint32_t j = 0; j < f; j++)
        memset(bytes[j], (unsigned char)x[j] | 0x20, 32);
    for (uint32_t j = 0; j < 4; j++)
        for (unsigned c = 0; c < 128; c++)
            if (j >= f || (c | 0x20) == ((unsigned char)x[j] | 0x20)) s->table[j][c & 63] |= bit;
}

/* Picks factors greedily: any cover has one in the first piece not yet
   covered, so among that piece's candidates the one that most uncovered
   pieces hold is taken (of equals, the one whose byte pairs are rarest in
   the pack's literals). False when the pieces need more than the screen
   has room for. */
static bool choose(sv_screen *s, const char *const *piece, const uint32_t *len, uint32_t n,
                   const uint32_t *pair_counts) {
    bool *covered = calloc(n ? n : 1, sizeof *covered), ok = true;
    if (!covered) abort();
    for (uint32_t first = 0;; first++) {
        while (first < n && covered[first])
            first++;
        if (first == n) break;
        const char *best = NULL;
        uint32_t best_f = 0, best_count = 0;
        uint64_t best_cost = 0;
        for (uint32_t f = 2; f <= 4; f += 2) {
            if (f == 2 ? s->ntwo == MAX_TWO : s->nfour == MAX_FOUR) continue;
            for (uint32_t o = 0; o + f <= len[first]; o++) {
                const char *x = piece[first] + o;
                if (!factor_like(x, f)) continue;
                uint32_t count = 0;
                for (uint32_t k = first; k < n; k++)
                    count += !covered[k] && piece_holds(piece[k], len[k], x, f);
                uint64_t cost = 0;
                for (uint32_t j = 0; j + 1 < f; j++)
                    cost += sv_raw_pair_count(pair_counts, (unsigned char)x[j],
                                              (unsigned char)x[j + 1]);
                if (count > best_count || (count == best_count && cost < best_cost)) {
                    best = x, best_f = f, best_count = count, best_cost = cost;
                }
            }
        }
        if (!best || s->ntwo + s->nfour == MAX_FACTORS) {
            ok = false;
            break;
        }
        add_factor(s, best, best_f);
        for (uint32_t k = first; k < n; k++)
            covered[k] |= piece_holds(piece[k], len[k], best, best_f);
    }
    free(covered);
    return ok;
}

sv_screen *sv_screen_new(const char *const *piece, const uint32_t *len, uint32_t n,
                         const uint32_t *pair_counts) {
#ifdef SV_SCREEN_AVX2
    if (!n || !__builtin_cpu_supports("avx2")) return NULL;
    sv_screen *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->avx512 = __builtin_cpu_supports("avx512bw");
    s->vbmi = s->avx512 && __builtin_cpu_supports("avx512vbmi");
    if (choose(s, piece, len, n, pair_counts)) return s;
    free(s);
#else
    (void)piece, (void)len, (void)n, (void)pair_counts;
#endif
    return NULL;
}

void sv_screen_free(sv_screen *s) {
    free(s);
}

#ifdef SV_SCREEN_AVX2
static inline __attribute__((target("avx2"))) __m256i at(const uint8_t *bytes) {
    return _mm256_loadu_si256((const __m256i *)(const void *)bytes);
}

/* Whether a factor of two bytes starts at t. */
static bool two_at(const sv_screen *s, const unsigned char *t) {
    for (uint32_t f = 0; f < s->ntwo; f++)
        if ((t[0] | 0x20) == s->two[f][0][0] && (t[1] | 0x20) == s->two[f][1][0]) return true;
    return false;
}

/* The 32 bytes at t, or-ed with 0x20. */
static inline __attribute__((target("avx2"))) __m256i text_at(const unsigned char *t) {
    return _mm256_or_si256(at(t), _mm256_set1_epi8(0x20));
}

/* Whether the factor of two bytes fa starts at each position. */
static inline __attribute__((target("avx2"))) __m256i two_hits(const uint8_t (*fa)[32], __m256i v0,
                                                               __m256i v1) {
    return _mm256_and_si256(_mm256_cmpeq_epi8(v0, at(fa[0])), _mm256_cmpeq_epi8(v1, at(fa[1])));
}

/* Whether the factor of four bytes fa starts at each position. */
static inline __attribute__((target("avx2"))) __m256i
four_hits(const uint8_t (*fa)[32], __m256i v0, __m256i v1, __m256i v2, __m256i v3) {
    return _mm256_and_si256(two_hits(fa, v0, v1), two_hits(fa + 2, v2, v3));
}

/* The screen, 32 positions a step; the last step is moved back so that
   it reads no byte past the text, and the two positions it leaves where
   only a factor of two bytes fits are looked at one by one. Spelled out
   for the compiler to keep the text in registers. */
__attribute__((target("avx2"))) static bool may_hold_avx2(const sv_screen *s,
                                                          const unsigned char *t, size_t n) {
    size_t last = n - 32 - 3;
    for (size_t i = 0;; i += 32) {
        if (i > last) i = last;
        __m256i v0 = text_at(t + i), v1 = text_at(t + i + 1), v2 = text_at(t + i + 2),
                v3 = text_at(t + i + 3), hit = _mm256_setzero_si256();
        if (s->ntwo > 0) hit = two_hits(s->two[0], v0, v1);
        if (s->ntwo > 1) hit = _mm256_or_si256(hit, two_hits(s->two[1], v0, v1));
        if (s->nfour > 0) hit = _mm256_or_si256(hit, four_hits(s->four[0], v0, v1, v2, v3));
        if (s->nfour > 1) hit = _mm256_or_si256(hit, four_hits(s->four[1], v0, v1, v2, v3));
        if (s->nfour > 2) hit = _mm256_or_si256(hit, four_hits(s->four[2], v0, v1, v2, v3));
        if (_mm256_movemask_epi8(hit)) return true;
        if (i == last) return two_at(s, t + n - 3) || two_at(s, t + n - 2);
    }
}

/* The same, 64 positions a step where the machine has AVX-512 (BW): a
   compare gives a mask, which the next compare of the factor takes as
   its own, so a factor of four bytes costs four instructions a step. */
__attribute__((target("avx512bw"))) static inline __mmask64
four_mask(__mmask64 m, __m512i v1, __m512i v2, __m512i v3, const __m512i *b) {
    m = _mm512_mask_cmpeq_epi8_mask(m, v1, b[1]);
    m = _mm512_mask_cmpeq_epi8_mask(m, v2, b[2]);
    return _mm512_mask_cmpeq_epi8_mask(m, v3, b[3]);
}

__attribute__((target("avx512bw"))) static bool may_hold_avx512(const sv_screen *s,
                                                                const unsigned char *t, size_t n) {
    size_t last = n - 64 - 3;
    const __m512i case_bit = _mm512_set1_epi8(0x20);
    __m512i two[MAX_TWO][2], four[MAX_FOUR][4];
    for (uint32_t f = 0; f < MAX_TWO; f++)
        for (int j = 0; j < 2; j++)
            two[f][j] = _mm512_set1_epi8((char)s->two[f][j][0]);
    for (uint32_t f = 0; f < MAX_FOUR; f++)
        for (int j = 0; j < 4; j++)
            four[f][j] = _mm512_set1_epi8((char)s->four[f][j][0]);
    for (size_t i = 0;; i += 64) {
        if (i > last) i = last;
        __m512i v0 = _mm512_or_si512(_mm512_loadu_si512(t + i), case_bit),
                v1 = _mm512_or_si512(_mm512_loadu_si512(t + i + 1), case_bit),
                v2 = _mm512_or_si512(_mm512_loadu_si512(t + i + 2), case_bit),
                v3 = _mm512_or_si512(_mm512_loadu_si512(t + i + 3), case_bit);
        __mmask64 hit = 0;
        if (s->ntwo > 0)
            hit |=
                _mm512_mask_cmpeq_epi8_mask(_mm512_cmpeq_epi8_mask(v0, two[0][0]), v1, two[0][1]);
        if (s->ntwo > 1)
            hit |=
                _mm512_mask_cmpeq_epi8_mask(_mm512_cmpeq_epi8_mask(v0, two[1][0]), v1, two[1][1]);
        if (s->nfour > 0)
            hit |= four_mask(_mm512_cmpeq_epi8_mask(v0, four[0][0]), v1, v2, v3, four[0]);
        if (s->nfour > 1)
            hit |= four_mask(_mm512_cmpeq_epi8_mask(v0, four[1][0]), v1, v2, v3, four[1]);
        if (s->nfour > 2)
            hit |= four_mask(_mm512_cmpeq_epi8_mask(v0, four[2][0]), v1, v2, v3, four[2]);
        if (hit) return true;
        if (i == last) return two_at(s, t + n - 3) || two_at(s, t + n - 2);
    }
}

/* The same by table where the machine has AVX-512 VBMI: each of the four
   bytes from a position, looked up by its low 6 bits, gives the factors
   it may be a byte of; a factor may start where all four say so. Four
   lookups a step whatever the factors, where comparing took ten. Bytes
   alike in their low 6 bits look alike (':' and 'z', 'k' and '+'): a
   superset still, and one that real text seldom enlarges. */
__attribute__((target("avx512bw,avx512vbmi"))) static bool
may_hold_vbmi(const sv_screen *s, const unsigned char *t, size_t n) {
    size_t last = n - 64 - 3;
    /* Spelled out, for the tables to stay in registers. */
    const __m512i t0 = _mm512_loadu_si512((const void *)s->table[0]),
                  t1 = _mm512_loadu_si512((const void *)s->table[1]),
                  t2 = _mm512_loadu_si512((const void *)s->table[2]),
                  t3 = _mm512_loadu_si512((const void *)s->table[3]);
    for (size_t i = 0;; i += 64) {
        if (i > last) i = last;
        __m512i m01 = _mm512_and_si512(_mm512_permutexvar_epi8(_mm512_loadu_si512(t + i), t0),
                                       _mm512_permutexvar_epi8(_mm512_loadu_si512(t + i + 1), t1));
        __m512i m23 = _mm512_and_si512(_mm512_permutexvar_epi8(_mm512_loadu_si512(t + i + 2), t2),
                                       _mm512_permutexvar_epi8(_mm512_loadu_si512(t + i + 3), t3));
        __m512i m = _mm512_and_si512(m01, m23);
        if (_mm512_test_epi8_mask(m, m)) return true;
        if (i == last) return two_at(s, t + n - 3) || two_at(s, t + n - 2);
    }
}
#endif

bool sv_screen_may_hold(const sv_screen *s, const char *t, size_t n) {
#ifdef SV_SCREEN_AVX2
    if (s->vbmi && n >= 2 * SV_SCREEN_MIN) return may_hold_vbmi(s, (const unsigned char *)t, n);
    if (s->avx512 && n >= 2 * SV_SCREEN_MIN) return may_hold_avx512(s, (const unsigned char *)t, n);
    return n < SV_SCREEN_MIN || may_hold_avx2(s, (const unsigned char *)t, n);
#else
    (void)s, (void)t, (void)n;
    return true;
#endif
}
