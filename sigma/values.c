/* values.c: Sigma string values and their modifiers, down to byte patterns.
   The semantics follow the Sigma specification v2.1 and, where it is
   silent, pySigma (the reference implementation SigmaHQ tests its rules
   with). */
#include <stdio.h>
#include <string.h>

#include "values.h"

static const char *too_many(sg_arena *a, const char *modifier) {
    char *msg = sg_alloc(a, 64);
    snprintf(msg, 64, "%s: more than %d alternatives", modifier, SG_VARIANTS_MAX);
    return msg;
}

static sg_bytes bytes_new(sg_arena *a, size_t n) {
    return (sg_bytes){sg_alloc(a, n + 1), 0};
}

static sg_blist blist_new(sg_arena *a, size_t n) {
    return (sg_blist){sg_alloc(a, n * sizeof(sg_bytes)), n};
}

sg_blist sg_blist_one(sg_arena *a, const char *s, size_t n) {
    sg_blist l = blist_new(a, 1);
    l.v[0] = (sg_bytes){sg_strndup(a, s, n), n};
    return l;
}

/* ---- UTF-8 ---- */

/* Decodes the character at s[*i] and moves past it. Strict (no overlong
   forms, surrogates or code points past U+10FFFF): such bytes have no UTF-16
   form, and refusing them beats guessing one the events will never hold. */
static bool utf8_next(const unsigned char *s, size_t n, size_t *i, uint32_t *cp) {
    unsigned char c = s[*i];
    size_t len;
    uint32_t min;
    if (c < 0x80) {
        *cp = c;
        *i += 1;
        return true;
    } else if (c >= 0xC2 && c <= 0xDF) {
        len = 2, min = 0x80, *cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, min = 0x800, *cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, min = 0x10000, *cp = c & 0x07;
    } else {
        return false;
    }
    if (n - *i < len) return false;
    for (size_t k = 1; k < len; k++) {
        if ((s[*i + k] & 0xC0) != 0x80) return false;
        *cp = *cp << 6 | (s[*i + k] & 0x3F);
    }
    if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return false;
    *i += len;
    return true;
}

/* ---- encoders ---- */

static void put16(char *d, uint16_t u, bool be) {
    d[be ? 1 : 0] = (char)(u & 0xFF);
    d[be ? 0 : 1] = (char)(u >> 8);
}

static const char *utf16(sg_arena *a, const sg_bytes *in, bool be, bool bom, sg_bytes *out) {
    /* Every UTF-8 sequence is at least as long as half its UTF-16 form. */
    sg_bytes o = bytes_new(a, 2 * in->n + 2);
    if (bom) {
        put16(o.p, 0xFEFF, be);
        o.n = 2;
    }
    const unsigned char *s = (const unsigned char *)in->p;
    for (size_t i = 0; i < in->n;) {
        uint32_t cp;
        if (!utf8_next(s, in->n, &i, &cp))
            return "value is not valid UTF-8, cannot encode it as UTF-16";
        if (cp >= 0x10000) {
            cp -= 0x10000;
            put16(o.p + o.n, (uint16_t)(0xD800 | cp >> 10), be);
            put16(o.p + o.n + 2, (uint16_t)(0xDC00 | (cp & 0x3FF)), be);
            o.n += 4;
        } else {
            put16(o.p + o.n, (uint16_t)cp, be);
            o.n += 2;
        }
    }
    *out = o;
    return NULL;
}

static size_t b64_encode(const unsigned char *s, size_t n, char *d) {
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16;
        if (i + 1 < n) v |= (uint32_t)s[i + 1] << 8;
        if (i + 2 < n) v |= s[i + 2];
        d[o++] = abc[v >> 18 & 63];
        d[o++] = abc[v >> 12 & 63];
        d[o++] = i + 1 < n ? abc[v >> 6 & 63] : '=';
        d[o++] = i + 2 < n ? abc[v & 63] : '=';
    }
    return o;
}

static sg_bytes base64(sg_arena *a, const sg_bytes *in) {
    sg_bytes o = bytes_new(a, (in->n + 2) / 3 * 4);
    o.n = b64_encode((const unsigned char *)in->p, in->n, o.p);
    return o;
}

/*
 * A value inside a longer base64 text starts at byte offset 0, 1 or 2 of a
 * 3-byte group. For each shift, encode the value behind that many filler
 * bytes and keep only the characters that depend on the value alone: the
 * first 0, 2 or 3 characters also carry filler bits, and unless the value
 * ends a group, the last 2 or 3 characters carry bits of whatever follows
 * (or padding). This is pySigma's (start 0,2,3; end trim by (len+shift)%3
 * as none,3,2).
 */
static const char *base64offset(sg_arena *a, const sg_bytes *in, sg_bytes out[3]) {
    static const size_t skip[3] = {0, 2, 3}, trim[3] = {0, 3, 2};
    if (in->n < 2) return "base64offset needs a value of at least 2 bytes";
    unsigned char *buf = sg_alloc(a, in->n + 2);
    char *enc = sg_alloc(a, (in->n + 4) / 3 * 4);
    for (size_t shift = 0; shift < 3; shift++) {
        memset(buf, ' ', shift);
        memcpy(buf + shift, in->p, in->n);
        size_t len = b64_encode(buf, in->n + shift, enc);
        size_t from = skip[shift], to = len - trim[(in->n + shift) % 3];
        out[shift] = (sg_bytes){sg_strndup(a, enc + from, to - from), to - from};
    }
    return NULL;
}

bool sg_encoding_by_name(const char *name, sg_encoding *enc) {
    static const struct {
        const char *name;
        sg_encoding enc;
    } names[] = {
        {"wide", SG_ENC_UTF16LE},    {"utf16le", SG_ENC_UTF16LE},
        {"utf16be", SG_ENC_UTF16BE}, {"utf16", SG_ENC_UTF16},
        {"base64", SG_ENC_BASE64},   {"base64offset", SG_ENC_BASE64OFFSET},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(name, names[i].name)) {
            *enc = names[i].enc;
            return true;
        }
    return false;
}

const char *sg_encode(sg_arena *a, sg_encoding enc, const sg_blist *in, sg_blist *out) {
    size_t per = enc == SG_ENC_BASE64OFFSET ? 3 : 1;
    if (per > 1 && in->n > SG_VARIANTS_MAX / per) return too_many(a, "base64offset");
    sg_blist o = blist_new(a, in->n * per);
    for (size_t i = 0; i < in->n; i++) {
        const sg_bytes *v = &in->v[i];
        const char *err = NULL;
        switch (enc) {
        case SG_ENC_UTF16LE: err = utf16(a, v, false, false, &o.v[i]); break;
        case SG_ENC_UTF16BE: err = utf16(a, v, true, false, &o.v[i]); break;
        case SG_ENC_UTF16: err = utf16(a, v, false, true, &o.v[i]); break;
        case SG_ENC_BASE64: o.v[i] = base64(a, v); break;
        case SG_ENC_BASE64OFFSET: err = base64offset(a, v, &o.v[3 * i]); break;
        }
        if (err) return err;
    }
    *out = o;
    return NULL;
}

/* ---- windash ---- */

/* Python's \w, which pySigma's windash regex uses, is Unicode-aware. Exact
   tables would be overkill for the character before or after a command-line
   flag: letters are what matters, and the symbols an author may put around
   a flag (NBSP, quotes, dashes) sit in two small blocks. */
static bool is_word(uint32_t cp) {
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
               cp == '_';
    if (cp <= 0xBF) /* Latin-1 symbols, but for its letters and numbers */
        return cp == 0xAA || cp == 0xB2 || cp == 0xB3 || cp == 0xB5 || cp == 0xB9 || cp == 0xBA ||
               (cp >= 0xBC && cp <= 0xBE);
    return cp != 0xD7 && cp != 0xF7 && !(cp >= 0x2000 && cp <= 0x206F);
}

static bool word_after(const unsigned char *s, size_t n, size_t i) {
    uint32_t cp;
    return i < n && utf8_next(s, n, &i, &cp) && is_word(cp);
}

static bool word_before(const unsigned char *s, size_t i) {
    if (i == 0) return false;
    size_t j = i - 1;
    while (j > 0 && (s[j] & 0xC0) == 0x80)
        j--;
    uint32_t cp;
    size_t k = j;
    return utf8_next(s, i, &k, &cp) && k == i && is_word(cp);
}

static bool is_flag_dash(const unsigned char *s, size_t n, size_t i) {
    return (s[i] == '-' || s[i] == '/') && !word_before(s, i) && word_after(s, n, i + 1);
}

/* The five spellings, in pySigma's order. */
static const char *const dashes[5] = {"-", "/", "\u2013", "\u2014", "\u2015"};

/* A value has at most 4 flags then, which sizes the odometer below. */
_Static_assert(SG_VARIANTS_MAX < 5 * 5 * 5 * 5 * 5, "windash odometer holds 4 flags");

const char *sg_windash(sg_arena *a, const sg_blist *in, sg_blist *out) {
    size_t total = 0;
    for (size_t i = 0; i < in->n; i++) {
        const unsigned char *s = (const unsigned char *)in->v[i].p;
        size_t count = 1;
        for (size_t j = 0; j < in->v[i].n; j++)
            if (is_flag_dash(s, in->v[i].n, j) && (count *= 5) > SG_VARIANTS_MAX)
                return too_many(a, "windash");
        if ((total += count) > SG_VARIANTS_MAX) return too_many(a, "windash");
    }
    sg_blist o = blist_new(a, total);
    size_t k = 0;
    for (size_t i = 0; i < in->n; i++) {
        const sg_bytes *v = &in->v[i];
        const unsigned char *s = (const unsigned char *)v->p;
        size_t pos[4], nflags = 0;
        for (size_t j = 0; j < v->n; j++)
            if (is_flag_dash(s, v->n, j)) pos[nflags++] = j;
        /* An odometer over the flags, the first one turning slowest. */
        unsigned digit[4] = {0};
        for (;;) {
            sg_bytes w = bytes_new(a, v->n + 2 * nflags);
            size_t from = 0;
            for (size_t f = 0; f < nflags; f++) {
                memcpy(w.p + w.n, v->p + from, pos[f] - from);
                w.n += pos[f] - from;
                size_t dl = strlen(dashes[digit[f]]);
                memcpy(w.p + w.n, dashes[digit[f]], dl);
                w.n += dl;
                from = pos[f] + 1;
            }
            memcpy(w.p + w.n, v->p + from, v->n - from);
            w.n += v->n - from;
            o.v[k++] = w;
            size_t f = nflags;
            while (f > 0 && ++digit[f - 1] == 5)
                digit[--f] = 0;
            if (f == 0) break;
        }
    }
    *out = o;
    return NULL;
}

/* ---- wildcards ---- */

sg_bytes sg_pattern(sg_arena *a, const char *src, size_t n) {
    sg_bytes o = bytes_new(a, 2 * n);
    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        if (c == '\\') {
            char next = i + 1 < n ? src[i + 1] : 0;
            o.p[o.n++] = '\\';
            if (next == '*' || next == '?' || next == '\\') {
                o.p[o.n++] = next;
                i++;
            } else {
                o.p[o.n++] = '\\'; /* a backslash before anything else is itself */
            }
        } else {
            o.p[o.n++] = c;
        }
    }
    return o;
}

static size_t put_escaped(char *d, unsigned char c) {
    size_t n = 0;
    if (c == '*' || c == '?' || c == '\\') d[n++] = '\\';
    d[n++] = (char)c;
    return n;
}

sg_bytes sg_escape(sg_arena *a, const char *raw, size_t n) {
    sg_bytes o = bytes_new(a, 2 * n);
    for (size_t i = 0; i < n; i++)
        o.n += put_escaped(o.p + o.n, (unsigned char)raw[i]);
    return o;
}

/* One element of a canonical pattern: a literal byte or one of these. */
enum { T_STAR = 256, T_ONE };

/* The element at p[i]; *next gets the offset after it. A lone backslash at
   the end stands for itself, as in the VM's matcher. */
static int tok_at(const char *p, size_t n, size_t i, size_t *next) {
    unsigned char c = (unsigned char)p[i];
    if (c == '\\' && i + 1 < n) {
        *next = i + 2;
        return (unsigned char)p[i + 1];
    }
    *next = i + 1;
    return c == '*' ? T_STAR : c == '?' ? T_ONE : c;
}

/* The literal bytes of p[from..to), which holds no wildcard. */
static sg_bytes unescape(sg_arena *a, const char *p, size_t from, size_t to) {
    sg_bytes o = bytes_new(a, to - from);
    for (size_t i = from, next; i < to; i = next)
        o.p[o.n++] = (char)tok_at(p, to, i, &next);
    return o;
}

const char *sg_literal(sg_arena *a, const sg_bytes *pat, sg_bytes *out) {
    for (size_t i = 0, next; i < pat->n; i = next)
        if (tok_at(pat->p, pat->n, i, &next) >= T_STAR)
            return "a value with wildcards cannot be encoded (write \\* or \\? for the character)";
    *out = unescape(a, pat->p, 0, pat->n);
    return NULL;
}

sg_strtest sg_classify(sg_arena *a, const sg_bytes *pat, sg_anchor anchor) {
    /* Split the pattern into leading '*', a body from its first to its last
       non-'*' element, and trailing '*'; only the body's content decides
       between a literal op and a glob. */
    size_t from = 0, to = 0;
    bool body = false, lead = false, pending = false, inner = false;
    for (size_t i = 0, next; i < pat->n; i = next) {
        int t = tok_at(pat->p, pat->n, i, &next);
        if (t == T_STAR) {
            if (body)
                pending = true;
            else
                lead = true;
            continue;
        }
        if (!body) {
            body = true;
            from = i;
        }
        inner |= pending || t == T_ONE;
        pending = false;
        to = next;
    }
    bool before = lead || anchor == SG_ANCHOR_CONTAINS || anchor == SG_ANCHOR_ENDSWITH;
    bool after = pending || anchor == SG_ANCHOR_CONTAINS || anchor == SG_ANCHOR_STARTSWITH;
    if (!body && !before && !after) return (sg_strtest){SG_EQ, bytes_new(a, 0)};
    if (!body) return (sg_strtest){SG_GLOB, {sg_strndup(a, "*", 1), 1}};
    if (!inner) {
        static const sg_op ops[2][2] = {{SG_EQ, SG_PREFIX}, {SG_SUFFIX, SG_CONTAINS}};
        return (sg_strtest){ops[before][after], unescape(a, pat->p, from, to)};
    }
    sg_bytes g = bytes_new(a, 2 * (to - from) + 2);
    bool star = before;
    if (before) g.p[g.n++] = '*';
    for (size_t i = from, next; i < to; i = next) {
        int t = tok_at(pat->p, to, i, &next);
        if (t == T_STAR) {
            /* Adjacent stars match what one does and only cost backtracking. */
            if (!star) g.p[g.n++] = '*';
            star = true;
            continue;
        }
        if (t == T_ONE)
            g.p[g.n++] = '?';
        else
            g.n += put_escaped(g.p + g.n, (unsigned char)t);
        star = false;
    }
    if (after) g.p[g.n++] = '*';
    return (sg_strtest){SG_GLOB, g};
}

/* ---- the whole chain ---- */

const char *sg_string_tests(sg_arena *a, const char *src, size_t n, const sg_strmods *m,
                            sg_strtest **out, size_t *nout) {
    const char *err;
    sg_blist l = sg_blist_one(a, src, n);
    if (m->windash && (err = sg_windash(a, &l, &l))) return err;
    for (size_t i = 0; i < l.n; i++)
        l.v[i] = sg_pattern(a, l.v[i].p, l.v[i].n);
    if (m->nenc) {
        for (size_t i = 0; i < l.n; i++)
            if ((err = sg_literal(a, &l.v[i], &l.v[i]))) return err;
        for (size_t e = 0; e < m->nenc; e++)
            if ((err = sg_encode(a, m->enc[e], &l, &l))) return err;
        for (size_t i = 0; i < l.n; i++)
            l.v[i] = sg_escape(a, l.v[i].p, l.v[i].n);
    }
    sg_strtest *t = sg_alloc(a, l.n * sizeof *t);
    for (size_t i = 0; i < l.n; i++)
        t[i] = sg_classify(a, &l.v[i], m->anchor);
    *out = t;
    *nout = l.n;
    return NULL;
}
