/* runs.h: skipping the plain bytes of JSON strings, sixteen at a time with
   SSE2 (every x86-64 has it) and eight at a time elsewhere, and marking the
   bytes of 64-byte blocks that matter to where a document ends. Most of an
   event is string text, and both the reader (cutting documents) and the
   scanner (validating them) cross it; they differ in which bytes stop them.
   (runtime/ only.) */
#ifndef SIGVM_RUNS_H
#define SIGVM_RUNS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define RT_ONES 0x0101010101010101ull
#define RT_HIGHS 0x8080808080808080ull

/* The high bit of each byte of w equal to c (exact as a whole, not per
   byte: a word with a hit is then looked at byte by byte). */
static inline uint64_t rt_has_byte(uint64_t w, unsigned char c) {
    uint64_t x = w ^ (RT_ONES * c);
    return (x - RT_ONES) & ~x & RT_HIGHS;
}

/* The eight bytes at p, the first in the low bits. */
static inline uint64_t rt_load8(const char *p) {
    uint64_t w;
    memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

/* Whether a and b (n bytes each) are the same, never reading past either:
   keys are short, and a call to memcmp per key found costs more than
   comparing them here. */
static inline bool rt_same_bytes(const char *a, const char *b, size_t n) {
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8)
            if (rt_load8(a + i) != rt_load8(b + i)) return false;
        return rt_load8(a + n - 8) == rt_load8(b + n - 8);
    }
    uint32_t x, y;
    if (n >= 4) {
        uint32_t u, v;
        memcpy(&x, a, 4), memcpy(&y, b, 4), memcpy(&u, a + n - 4, 4), memcpy(&v, b + n - 4, 4);
        return x == y && u == v;
    }
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return false;
    return true;
}

/* The high bit of each byte of w equal to c, exactly byte by byte. */
static inline uint64_t rt_bytes_equal(uint64_t w, unsigned char c) {
    uint64_t x = w ^ (RT_ONES * c);
    return ~(((x & ~RT_HIGHS) + ~RT_HIGHS) | x) & RT_HIGHS;
}

/* The high bits of the eight bytes of w as the low eight bits, byte 0 in
   bit 0 (the multiplication moves each to its place without carries). */
static inline uint64_t rt_high_bits(uint64_t highs) {
    return ((highs >> 7) * 0x0102040810204080ull) >> 56;
}

/* Bit i set when byte i of the 16 at p is '"', '\\', a control character
   or not ASCII (the scanner checks UTF-8 itself). */
static inline unsigned rt_string_stops(const char *p) {
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                  space = _mm_set1_epi8(0x20);
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    /* As signed bytes, those from 0x80 up are negative: below 0x20 too. */
    __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                             _mm_cmplt_epi8(v, space));
    return (unsigned)_mm_movemask_epi8(m);
#else
    unsigned bits = 0;
    for (int i = 0; i < 2; i++) {
        uint64_t w = rt_load8(p + 8 * i);
        /* Below 0x20 the low seven bits plus 0x60 stay below 0x80. */
        uint64_t control_or_high = (~((w & ~RT_HIGHS) + RT_ONES * 0x60) | w) & RT_HIGHS;
        bits |= (unsigned)rt_high_bits(rt_bytes_equal(w, '"') | rt_bytes_equal(w, '\\') |
                                       control_or_high)
                << 8 * i;
    }
    return bits;
#endif
}

/* The first byte of [p, end) that is one of those, or end. */
static inline const char *rt_string_stop(const char *p, const char *end) {
    for (; end - p >= 16; p += 16) {
        unsigned bits = rt_string_stops(p);
        if (bits) return p + __builtin_ctz(bits);
    }
    while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20 &&
           (unsigned char)*p < 0x80)
        p++;
    return p;
}

/* The first byte of [p, end) that is '"', '\\' or a newline, or end. */
static inline const char *rt_line_string_stop(const char *p, const char *end) {
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                  newline = _mm_set1_epi8('\n');
    for (; end - p >= 16; p += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i m =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                         _mm_cmpeq_epi8(v, newline));
        int bits = _mm_movemask_epi8(m);
        if (bits) return p + __builtin_ctz((unsigned)bits);
    }
#else
    for (; end - p >= 8; p += 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        if (rt_has_byte(w, '"') | rt_has_byte(w, '\\') | rt_has_byte(w, '\n')) break;
    }
#endif
    while (p < end && *p != '"' && *p != '\\' && *p != '\n')
        p++;
    return p;
}

/* ---- 64-byte blocks: bit i of a mask stands for byte i ---- */

typedef struct rt_block {
    uint64_t quote, backslash;
    uint64_t special; /* brackets and newlines */
} rt_block;

#ifdef __SSE2__
/* The masks of the 16 bytes at p, in bits 16 * i and up. */
static inline void rt_block_part(rt_block *b, const char *p, int i) {
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                  newline = _mm_set1_epi8('\n'), bit5 = _mm_set1_epi8(0x20),
                  opener = _mm_set1_epi8('{'), closer = _mm_set1_epi8('}');
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
    /* '[' and ']' are '{' and '}' without bit 5. */
    __m128i v5 = _mm_or_si128(v, bit5);
    __m128i s = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v5, opener), _mm_cmpeq_epi8(v5, closer)),
                             _mm_cmpeq_epi8(v, newline));
    b->quote |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)) << 16 * i;
    b->backslash |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, backslash)) << 16 * i;
    b->special |= (uint64_t)(unsigned)_mm_movemask_epi8(s) << 16 * i;
}
#endif

/* The masks of the 64 bytes at p. */
static inline rt_block rt_block_at(const char *p) {
    rt_block b = {0, 0, 0};
#ifdef __SSE2__
    /* Spelled out: a loop would shift by a variable. */
    rt_block_part(&b, p, 0);
    rt_block_part(&b, p, 1);
    rt_block_part(&b, p, 2);
    rt_block_part(&b, p, 3);
#else
    for (int i = 0; i < 8; i++) {
        uint64_t w = rt_load8(p + 8 * i);
        uint64_t w5 = w | RT_ONES * 0x20;
        b.quote |= rt_high_bits(rt_bytes_equal(w, '"')) << 8 * i;
        b.backslash |= rt_high_bits(rt_bytes_equal(w, '\\')) << 8 * i;
        b.special |= rt_high_bits(rt_bytes_equal(w5, '{') | rt_bytes_equal(w5, '}') |
                                  rt_bytes_equal(w, '\n'))
                     << 8 * i;
    }
#endif
    return b;
}

/* The bytes of a 64-byte block that a backslash escapes, given its
   backslashes and whether its first byte is escaped (*escape), which is
   then set for the block after it. */
static inline uint64_t rt_escaped(uint64_t backslash, bool *escape) {
    if (!(backslash | *escape)) return 0;
    const uint64_t even = 0x5555555555555555ull;
    backslash &= ~(uint64_t)*escape; /* an escaped one escapes nothing */
    uint64_t follows = backslash << 1 | (uint64_t)*escape;
    /* A byte after a run of backslashes is escaped when the run is odd.
       Adding the starts of runs that begin on odd bits clears those runs
       (the carry ripples to their end), so that counting from even bits
       gives each byte's parity in its run; the carry out of bit 63 says
       the next block starts escaped. */
    uint64_t odd_starts = backslash & ~even & ~follows, runs;
    *escape = __builtin_add_overflow(odd_starts, backslash, &runs);
    return (even ^ runs << 1) & follows;
}

/*
 * Which bytes of block b lie inside strings (an opening quote counts as
 * inside, a closing one does not), given whether its first byte does
 * (*in_string) and is escaped (*escape); both are then set for the block
 * after it. Escapes come from the parity of backslash runs and strings from
 * a running XOR of the unescaped quotes, which is the byte-by-byte rule
 * only while every backslash lies inside a string (as in JSON): outside
 * one a backslash escapes nothing. When one does not, the answer is false
 * and nothing is set, for the caller to go byte by byte.
 */
static inline bool rt_block_strings(const rt_block *b, bool *in_string, bool *escape,
                                    uint64_t *inside) {
    bool carry = *escape;
    uint64_t escaped = rt_escaped(b->backslash, &carry);
    /* Bit i: the parity of the unescaped quotes up to byte i. */
    uint64_t x = b->quote & ~escaped;
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x ^= -(uint64_t)*in_string;
    if (b->backslash & ~x) return false;
    *inside = x;
    *in_string = x >> 63;
    *escape = carry;
    return true;
}

#endif
