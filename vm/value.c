/* value.c: the text of an event value, unescaped and case-folded on first
   use and cached on the value, so that a field read by a hundred tests is
   decoded once per event and a field read by none is never decoded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "event.h"
#include "match.h"
#include "vm.h"

static int hex4(const char *p) {
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

static size_t put_utf8(char *o, uint32_t cp) {
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes a \uXXXX escape (and its low surrogate, if one follows) at s[i];
   returns the code point and advances *i past what it used. An unpaired
   surrogate cannot be UTF-8, so it becomes U+FFFD. */
static uint32_t unicode_escape(const char *s, size_t n, size_t *i) {
    int hi = *i + 6 <= n ? hex4(s + *i + 2) : -1;
    if (hi < 0) return 0xFFFD; /* the scanner has validated; defensive only */
    *i += 6;
    if (hi < 0xD800 || hi > 0xDFFF) return (uint32_t)hi;
    if (hi <= 0xDBFF && *i + 6 <= n && s[*i] == '\\' && s[*i + 1] == 'u') {
        int lo = hex4(s + *i + 2);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            *i += 6;
            return 0x10000 + (((uint32_t)hi - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
        }
    }
    return 0xFFFD;
}

/* Decodes the escapes of s into out, lower-casing the ASCII letters of the
   runs between them if lower (text whose escapes are all of two bytes:
   they decode to no letter); SIZE_MAX if lower and a run is not ASCII. */
static size_t unescape(const char *s, size_t n, char *out, bool lower) {
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        /* Runs between escapes are copied whole: Windows paths are mostly
           runs with a "\\\\" between them. */
        const char *bs = memchr(s + i, '\\', n - i);
        size_t run = bs ? (size_t)(bs - s) - i : n - i;
        if (!lower)
            memcpy(out + o, s + i, run);
        else if (sv_lower_ascii(s + i, run, out + o) < run)
            return SIZE_MAX;
        o += run;
        i += run;
        if (i + 1 >= n) {
            if (i < n) out[o++] = s[i++]; /* a lone final backslash, kept */
            continue;
        }
        switch (s[i + 1]) {
        case 'u': o += put_utf8(out + o, unicode_escape(s, n, &i)); continue;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        default: out[o++] = s[i + 1]; /* \" \\ \/ stand for themselves */
        }
        i += 2;
    }
    return o;
}

/* unescape(s, n, out, true), sixteen bytes a step while the text lasts:
   each step lower-cases them all and stores them, and keeps those before
   its first backslash, whose two-byte escape is then decoded. A Windows
   path holds one every few bytes; a call per run between them cost more
   than the run. */
static size_t unescape_lower(const char *s, size_t n, char *out) {
    size_t i = 0, o = 0;
#ifdef __SSE2__
    const __m128i backslash = _mm_set1_epi8('\\'), before_a = _mm_set1_epi8('A' - 1),
                  after_z = _mm_set1_epi8('Z' + 1), case_bit = _mm_set1_epi8(0x20);
    while (i + 16 <= n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        if (_mm_movemask_epi8(v)) break; /* not ASCII: the plain loop says so */
        __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(v, before_a), _mm_cmpgt_epi8(after_z, v));
        _mm_storeu_si128((__m128i *)(void *)(out + o),
                         _mm_or_si128(v, _mm_and_si128(upper, case_bit)));
        unsigned stops = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, backslash));
        if (!stops) {
            i += 16;
            o += 16;
            continue;
        }
        unsigned k = (unsigned)__builtin_ctz(stops);
        i += k;
        o += k;
        if (i + 1 >= n || s[i + 1] == 'u') break;
        out[o++] = s[i + 1] == 'b'   ? '\b'
                   : s[i + 1] == 'f' ? '\f'
                   : s[i + 1] == 'n' ? '\n'
                   : s[i + 1] == 'r' ? '\r'
                   : s[i + 1] == 't' ? '\t'
                                     : s[i + 1];
        i += 2;
    }
#endif
    size_t rest = unescape(s + i, n - i, out + o, true);
    return rest == SIZE_MAX ? SIZE_MAX : o + rest;
}

size_t sv_json_unescape(const char *s, size_t n, char *out) {
    return unescape(s, n, out, false);
}

bool sv_value_text(sv_event *ev, sv_value *v, const char **s, size_t *n) {
    switch (v->type) {
    case SV_V_STR:
        if (!(v->escaped & SV_ESC_SOME)) break;
        if (!v->raw) {
            /* An escape never decodes to more bytes than it occupies. */
            char *out = sv_scratch_alloc(&ev->scratch, v->len + 1);
            v->raw_len = (uint32_t)sv_json_unescape(v->p, v->len, out);
            out[v->raw_len] = '\0';
            v->raw = out;
        }
        *s = v->raw;
        *n = v->raw_len;
        return true;
    case SV_V_NUM:
    case SV_V_TRUE:
    case SV_V_FALSE: break;
    default: return false;
    }
    *s = v->p;
    *n = v->len;
    return true;
}

bool sv_value_folded(sv_event *ev, sv_value *v, const char **s, size_t *n) {
    if (!v->folded) {
        size_t on = SIZE_MAX;
        char *out = NULL;
        if (v->type == SV_V_STR && (v->escaped & (SV_ESC_SOME | SV_ESC_WIDE)) == SV_ESC_SOME &&
            !v->raw) {
            /* ASCII with two-byte escapes: decoded and lower-cased in one pass. */
            out = sv_scratch_alloc(&ev->scratch, v->len + 1);
            on = unescape_lower(v->p, v->len, out);
        }
        if (on == SIZE_MAX) {
            const char *t;
            size_t tn;
            if (!sv_value_text(ev, v, &t, &tn)) return false;
            /* Room for any folding seen in practice; more is asked for
               (the first try staying allocated) if ever needed. */
            for (size_t cap = tn + tn / 2 + 16; on == SIZE_MAX; cap *= 2) {
                out = sv_scratch_alloc(&ev->scratch, cap + 1);
                on = sv_casefold_into(t, tn, out, cap);
            }
        }
        out[on] = '\0';
        v->folded = out;
        v->folded_len = (uint32_t)on;
    }
    *s = v->folded;
    *n = v->folded_len;
    return true;
}
