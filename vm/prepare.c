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

static bool prepare_one(sv_pack *p, uint32_t i, char *err, size_t errlen) {
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
        } else {
            size_t fl;
            pr->lit = sv_casefold(s, n, &fl);
            pr->lit_len = (uint32_t)fl;
            pr->lit_owned = true;
        }
        return true;
    }
}

bool sv_pack_prepare(sv_pack *p, char *err, size_t errlen) {
    p->prep = calloc(p->ntests ? p->ntests : 1, sizeof *p->prep);
    if (!p->prep) abort();
    for (uint32_t i = 0; i < p->ntests; i++)
        if (!prepare_one(p, i, err, errlen)) return false;
    sv_prefilter_build(p);
    sv_dispatch_build(p);
    return true;
}

void sv_pack_unprepare(sv_pack *p) {
    if (!p->prep) return;
    for (uint32_t i = 0; i < p->ntests; i++) {
        if (p->prep[i].lit_owned) free((char *)p->prep[i].lit);
        pcre2_code_free(p->prep[i].re);
    }
    free(p->prep);
    p->prep = NULL;
    sv_prefilter_free(p);
    sv_dispatch_free(p);
}
