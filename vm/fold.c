/* fold.c: Unicode case folding of event and rule text.
   Event text is whatever the logs hold, so folding never fails: valid UTF-8
   is folded character by character and every byte that does not start a
   valid sequence is copied as it is. */
#include <stdlib.h>
#include <utf8proc.h>

#include "match.h"

size_t sv_utf8_char_len(const char *s, size_t n) {
    if (!((unsigned char)*s & 0x80)) return 1;
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &cp);
    return len > 0 ? (size_t)len : 1;
}

static char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}

static char *fold_ascii(const char *s, size_t n, size_t *outlen) {
    char *out = malloc(n + 1);
    if (!out) abort();
    for (size_t i = 0; i < n; i++)
        out[i] = ascii_lower(s[i]);
    out[n] = '\0';
    *outlen = n;
    return out;
}

/* A growable output buffer; folding can lengthen text ("ß" -> "ss"). */
typedef struct fold_buf {
    char *p;
    size_t len, cap;
} fold_buf;

static void reserve(fold_buf *b, size_t more) {
    if (b->len + more <= b->cap) return;
    b->cap = 2 * (b->len + more);
    b->p = realloc(b->p, b->cap);
    if (!b->p) abort();
}

/* Appends the folding of code point cp. One code point folds to at most a
   few (utf8proc's longest case-fold sequence is 3), 8 leaves room. */
static void fold_code_point(fold_buf *b, utf8proc_int32_t cp) {
    utf8proc_int32_t folded[8];
    int boundclass = UTF8PROC_BOUNDCLASS_START;
    utf8proc_ssize_t k = utf8proc_decompose_char(cp, folded, 8, UTF8PROC_CASEFOLD, &boundclass);
    if (k < 0 || k > 8) { /* a longer folding than utf8proc has today: keep the character */
        folded[0] = cp;
        k = 1;
    }
    reserve(b, 4 * (size_t)k);
    for (utf8proc_ssize_t j = 0; j < k; j++)
        b->len += (size_t)utf8proc_encode_char(folded[j], (utf8proc_uint8_t *)b->p + b->len);
}

static char *fold_unicode(const char *s, size_t n, size_t *outlen) {
    fold_buf b = {NULL, 0, 0};
    reserve(&b, n + n / 4 + 8);
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        utf8proc_int32_t cp;
        utf8proc_ssize_t len;
        if (c < 0x80) { /* ASCII needs no table */
            reserve(&b, 1);
            b.p[b.len++] = ascii_lower((char)c);
            i++;
        } else if ((len = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                           (utf8proc_ssize_t)(n - i), &cp)) > 0) {
            fold_code_point(&b, cp);
            i += (size_t)len;
        } else {
            reserve(&b, 1);
            b.p[b.len++] = (char)c;
            i++;
        }
    }
    reserve(&b, 1);
    b.p[b.len] = '\0';
    *outlen = b.len;
    return b.p;
}

char *sv_casefold(const char *s, size_t n, size_t *outlen) {
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] & 0x80) return fold_unicode(s, n, outlen);
    return fold_ascii(s, n, outlen);
}
