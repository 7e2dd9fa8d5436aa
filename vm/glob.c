/* glob.c: canonical glob matching. The compiler rewrites Sigma wildcards into
   this form, where a backslash escapes whatever byte follows it, so the
   matcher has a single escaping rule. */
#include <string.h>

#include "lits.h"
#include "match.h"

/* Matches the one pattern item at pat[*p] (not a star) against the character
   at s[*i], i < n; on success advances both past it. */
static bool match_item(const char *pat, size_t plen, size_t *p, const char *s, size_t n,
                       size_t *i) {
    char lit = pat[*p];
    size_t width = 1;
    if (lit == '?') {
        *i += sv_utf8_char_len(s + *i, n - *i);
        *p += 1;
        return true;
    }
    if (lit == '\\' && *p + 1 < plen) { /* a trailing lone backslash stands for itself */
        lit = pat[*p + 1];
        width = 2;
    }
    if (s[*i] != lit) return false;
    *i += 1;
    *p += width;
    return true;
}

/* The ASCII byte that the pattern item at pat[p] (p < plen) must match, or
   -1 when it is a wildcard or not ASCII. */
static int ascii_item(const char *pat, size_t plen, size_t p) {
    if (pat[p] == '?' || pat[p] == '*') return -1;
    unsigned char c = (unsigned char)pat[p == plen - 1 || pat[p] != '\\' ? p : p + 1];
    return c < 0x80 ? c : -1;
}

/* How many bytes from pat[p] on are plain literal ones (no wildcard, no
   escape), if the first is ASCII. */
static size_t plain_run(const char *pat, size_t plen, size_t p) {
    size_t q = p;
    while (q < plen && pat[q] != '*' && pat[q] != '?' && pat[q] != '\\')
        q++;
    return q > p && (unsigned char)pat[p] < 0x80 ? q - p : 0;
}

/* Greedy with a single backtrack point: on a mismatch, only the most recent
   star takes one more character. Earlier stars never need to, because any
   text they could give up the latest star can absorb, so the cost is
   O(plen * n) at worst rather than exponential. */
bool sv_glob_match(const char *pat, size_t plen, const char *s, size_t n) {
    size_t p = 0, i = 0;
    size_t star_p = SIZE_MAX, star_i = 0; /* pattern after the last star, where it began */
    int next = -1;                        /* the ASCII byte the item after that star needs, or -1 */
    size_t run = 0;                       /* plain bytes that follow that star */
    while (i < n) {
        if (p < plen && pat[p] == '*') {
            star_p = ++p;
            star_i = i;
            /* A star that ends the pattern takes the rest of the text. */
            if (star_p == plen) return true;
            next = ascii_item(pat, plen, star_p);
            run = plain_run(pat, plen, star_p);
            continue;
        }
        if (p < plen && match_item(pat, plen, &p, s, n, &i)) continue;
        if (star_p == SIZE_MAX) return false;
        /* A star takes whole characters, so that '?' after it never counts
           the tail of a split multi-byte sequence. */
        star_i += sv_utf8_char_len(s + star_i, n - star_i);
        if (next >= 0 && star_i < n) {
            /* The star takes at least up to the next byte the item after it
               can match (up to where the plain bytes after it occur). An
               ASCII byte never lies inside a character, so taking whole
               characters reaches it. */
            const char *at = run > 1 ? sv_find(s + star_i, n - star_i, pat + star_p, run)
                                     : memchr(s + star_i, next, n - star_i);
            star_i = at ? (size_t)(at - s) : n;
        }
        p = star_p;
        i = star_i;
    }
    /* Text used up: only stars, matching nothing, may remain. */
    while (p < plen && pat[p] == '*')
        p++;
    return p == plen;
}

uint32_t sv_glob_piece(const char *pat, uint32_t plen, char *out) {
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
