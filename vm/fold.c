/* fold.c: Unicode case folding of event and rule text.
   Event text is whatever the logs hold, so folding never fails: valid UTF-8
   is folded character by character and every byte that does not start a
   valid sequence is copied as it is. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "match.h"

size_t sv_utf8_char_len(const char *s, size_t n) {
    if (!((unsigned char)*s & 0x80)) return 1;
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &cp);
    return len > 0 ? (size_t)len : 1;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

size_t sv_lower_ascii(const char *s, size_t n, char *out) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & HIGHS) break;
        /* A byte's high bit: at least 'A', and not above 'Z'. */
        uint64_t upper = (w + ONES * (0x80 - 'A')) & ~(w + ONES * (0x80 - 'Z' - 1)) & HIGHS;
        w |= upper >> 2; /* 0x80 >> 2 is the case bit, 0x20 */
        memcpy(out + i, &w, 8);
    }
    for (; i < n && !((unsigned char)s[i] & 0x80); i++)
        out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + ('a' - 'A') : s[i]);
    return i;
}

size_t sv_casefold_into(const char *s, size_t n, char *out, size_t cap) {
    size_t i = 0, o = 0;
    for (;;) {
        size_t run = sv_lower_ascii(s + i, n - i < cap - o ? n - i : cap - o, out + o);
        i += run;
        o += run;
        if (i == n) return o;
        if (!((unsigned char)s[i] & 0x80) || o == cap) return SIZE_MAX;
        utf8proc_int32_t cp, folded[8];
        utf8proc_ssize_t len =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
        if (len <= 0) { /* not UTF-8: the byte as it is */
            out[o++] = s[i++];
            continue;
        }
        /* One code point folds to a few (utf8proc's longest case folding is
           three); one that would fold to more than 8 is kept as it is. */
        int boundclass = UTF8PROC_BOUNDCLASS_START;
        utf8proc_ssize_t k = utf8proc_decompose_char(cp, folded, 8, UTF8PROC_CASEFOLD, &boundclass);
        if (k < 0 || k > 8) {
            folded[0] = cp;
            k = 1;
        }
        size_t need = 0;
        for (utf8proc_ssize_t j = 0; j < k; j++)
            need += folded[j] < 0x80 ? 1 : folded[j] < 0x800 ? 2 : folded[j] < 0x10000 ? 3 : 4;
        if (cap - o < need) return SIZE_MAX;
        for (utf8proc_ssize_t j = 0; j < k; j++)
            o += (size_t)utf8proc_encode_char(folded[j], (utf8proc_uint8_t *)out + o);
        i += (size_t)len;
    }
}

/* How many bytes at the start of s (n bytes) are ASCII. */
static size_t ascii_prefix(const char *s, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & HIGHS) break;
    }
    while (i < n && !((unsigned char)s[i] & 0x80))
        i++;
    return i;
}

/* Of the characters of two UTF-8 bytes (U+0080 .. U+07FF), those whose
   case folding holds an ASCII character: ß, İ, ŉ, ſ and ǰ (to "ss", "i̇",
   "ʼn", "s" and "ǰ"), as utf8proc folds them (test_vm_matchers checks
   every one against the folding). Most non-ASCII text in logs is of this
   range (®, é, ü), and a lookup here spares utf8proc. */
static bool two_bytes_fold_to_ascii(uint32_t cp) {
    return cp == 0xDF || cp == 0x130 || cp == 0x149 || cp == 0x17F || cp == 0x1F0;
}

bool sv_fold_keeps_ascii_apart(const char *s, size_t n) {
    for (size_t i = ascii_prefix(s, n); i < n; i += ascii_prefix(s + i, n - i)) {
        unsigned char lead = (unsigned char)s[i];
        if (lead >= 0xC2 && lead <= 0xDF && i + 1 < n && ((unsigned char)s[i + 1] & 0xC0) == 0x80) {
            if (two_bytes_fold_to_ascii((uint32_t)(lead & 0x1F) << 6 |
                                        ((unsigned char)s[i + 1] & 0x3F)))
                return false;
            i += 2;
            continue;
        }
        utf8proc_int32_t cp, folded[8];
        utf8proc_ssize_t len =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
        if (len <= 0) { /* not UTF-8: folding copies the byte */
            i++;
            continue;
        }
        /* sv_casefold_into keeps a character that folds to more than 8 */
        int boundclass = UTF8PROC_BOUNDCLASS_START;
        utf8proc_ssize_t k = utf8proc_decompose_char(cp, folded, 8, UTF8PROC_CASEFOLD, &boundclass);
        for (utf8proc_ssize_t j = 0; k <= 8 && j < k; j++)
            if (folded[j] < 0x80) return false;
        i += (size_t)len;
    }
    return true;
}

char *sv_casefold(const char *s, size_t n, size_t *outlen) {
    for (size_t cap = n + n / 2 + 16;; cap *= 2) {
        char *out = malloc(cap + 1);
        if (!out) abort();
        size_t len = sv_casefold_into(s, n, out, cap);
        if (len != SIZE_MAX) {
            out[len] = '\0';
            *outlen = len;
            return out;
        }
        free(out);
    }
}
