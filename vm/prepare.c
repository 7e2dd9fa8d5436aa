/* prepare.c: turning a verified pack's tests into ready-to-run matchers.
   Work that depends only on the constant happens here, once per pack, so
   the per-event path never folds a constant or compiles a regex. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>

#include "match.h"
#include "pack.h"

static bool prepare_regex(sv_prepared *pr, const sv_test *t, const char *pat, size_t len, char *err,
                          size_t errlen) {
    uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    if (t->flags & SV_F_RE_I) opts |= PCRE2_CASELESS;
    if (t->flags & SV_F_RE_M) opts |= PCRE2_MULTILINE;
    if (t->flags & SV_F_RE_S) opts |= PCRE2_DOTALL;
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, len, opts, &code, &off, NULL);
    if (!re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        snprintf(err, errlen, "regex /%.*s/ at offset %zu: %s", (int)(len > 200 ? 200 : len), pat,
                 (size_t)off, (char *)msg);
        return false;
    }
    /* JIT is an optimisation: a pattern it cannot handle still runs interpreted. */
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    pr->re = re;
    return true;
}

/* Folds an ASCII constant into *arena; false (nothing written) for one
   that needs Unicode folding. */
static bool fold_ascii(const char *s, size_t n, char **arena) {
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] & 0x80) return false;
    char *out = *arena;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + ('a' - 'A') : s[i]);
    out[n] = '\0';
    *arena += n + 1;
    return true;
}

static bool prepare_one(sv_pack *p, uint32_t i, char **arena, char *err, size_t errlen) {
    const sv_test *t = &p->tests[i];
    sv_prepared *pr = &p->prep[i];
    if (!sv_kind_takes_string(t->kind)) return true;
    const char *s = p->str[t->k];
    size_t n = p->str_len[t->k];
    switch (t->kind) {
    case SV_T_REGEX: return prepare_regex(pr, t, s, n, err, errlen);
    case SV_T_CIDR:
        if (!sv_parse_cidr(s, n, pr->addr, &pr->prefix)) {
            snprintf(err, errlen, "test %u: '%.*s' is not a network address", i,
                     (int)(n > 100 ? 100 : n), s);
            return false;
        }
        return true;
    case SV_T_NET_HAS:
        if (!sv_parse_ip(s, n, pr->addr)) {
            snprintf(err, errlen, "test %u: '%.*s' is not an IP address", i,
                     (int)(n > 100 ? 100 : n), s);
            return false;
        }
        return true;
    default:
        if (t->flags & SV_F_CASED) {
            pr->lit = s;
            pr->lit_len = (uint32_t)n;
        } else if (fold_ascii(s, n, arena)) {
            pr->lit = *arena - n - 1;
            pr->lit_len = (uint32_t)n;
        } else {
            size_t fl;
            pr->lit = sv_casefold(s, n, &fl);
            pr->lit_len = (uint32_t)fl;
            pr->lit_owned = true;
        }
        return true;
    }
}

/* Whether test t compares a constant folded, as prepare_one folds it. */
static bool folds(const sv_test *t) {
    return sv_kind_takes_string(t->kind) && t->kind != SV_T_REGEX && t->kind != SV_T_CIDR &&
           t->kind != SV_T_NET_HAS && !(t->flags & SV_F_CASED);
}

bool sv_pack_prepare(sv_pack *p, char *err, size_t errlen) {
    p->prep = calloc(p->ntests ? p->ntests : 1, sizeof *p->prep);
    if (!p->prep) abort();
    /* The folded ASCII constants, thousands of short literals, share one
       allocation. */
    size_t room = 1;
    for (uint32_t i = 0; i < p->ntests; i++)
        if (folds(&p->tests[i])) room += p->str_len[p->tests[i].k] + 1;
    char *arena = p->folded = malloc(room);
    if (!arena) abort();
    for (uint32_t i = 0; i < p->ntests; i++)
        if (!prepare_one(p, i, &arena, err, errlen)) return false;
    sv_prefilter_build(p);
    sv_dispatch_build(p);
    sv_chains_build(p);
    return true;
}

void sv_pack_unprepare(sv_pack *p) {
    if (!p->prep) return;
    for (uint32_t i = 0; i < p->ntests; i++) {
        if (p->prep[i].lit_owned) free((char *)p->prep[i].lit);
        pcre2_code_free(p->prep[i].re);
    }
    free(p->prep);
    free(p->folded);
    p->prep = NULL;
    p->folded = NULL;
    sv_chains_free(p);
    sv_prefilter_free(p);
    sv_dispatch_free(p);
}
