/* runs.h: skipping the plain bytes of JSON strings, sixteen at a time with
   SSE2 (every x86-64 has it) and eight at a time elsewhere. Most of an
   event is string text, and both the reader (cutting documents) and the
   scanner (validating them) cross it; they differ in which bytes stop them.
   (runtime/ only.) */
#ifndef SIGVM_RUNS_H
#define SIGVM_RUNS_H

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

/* The first byte of [p, end) that is '"', '\\', a control character or not
   ASCII (the scanner checks UTF-8 itself), or end. */
static inline const char *rt_string_stop(const char *p, const char *end) {
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                  space = _mm_set1_epi8(0x20);
    for (; end - p >= 16; p += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* As signed bytes, those from 0x80 up are negative: below 0x20 too. */
        __m128i m =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                         _mm_cmplt_epi8(v, space));
        int bits = _mm_movemask_epi8(m);
        if (bits) return p + __builtin_ctz((unsigned)bits);
    }
#else
    for (; end - p >= 8; p += 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        if ((rt_has_byte(w, '"') | rt_has_byte(w, '\\') | ((w - RT_ONES * 0x20) & ~w) | w) &
            RT_HIGHS)
            break;
    }
#endif
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

#endif
