/* exec.c: the interpreter. Every rule is a short function over registers;
   the tests it calls are shared by all rules and memoized per event, so a
   test asked by a thousand rules runs once. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "match.h"
#include "pack.h"

/* Bounds a regex's work per value: a catastrophic pattern ends as a
   non-match instead of a hang. */
enum { RE_MATCH_LIMIT = 1000000, RE_DEPTH_LIMIT = 10000 };

struct sv_exec {
    const sv_pack *p;
    uint32_t gen;   /* this event's stamp */
    uint32_t *memo; /* per test: gen << 1 | result, valid when the stamp is current */
    uint8_t reg[256];
    pcre2_match_data *md;
    pcre2_match_context *mc;
};

sv_exec *sv_exec_new(const sv_pack *p) {
    sv_exec *x = calloc(1, sizeof *x);
    if (!x) abort();
    x->p = p;
    x->memo = calloc(p->ntests ? p->ntests : 1, sizeof *x->memo);
    x->md = pcre2_match_data_create(1, NULL);
    x->mc = pcre2_match_context_create(NULL);
    if (!x->memo || !x->md || !x->mc) abort();
    pcre2_set_match_limit(x->mc, RE_MATCH_LIMIT);
    pcre2_set_depth_limit(x->mc, RE_DEPTH_LIMIT);
    return x;
}

void sv_exec_free(sv_exec *x) {
    if (!x) return;
    free(x->memo);
    pcre2_match_data_free(x->md);
    pcre2_match_context_free(x->mc);
    free(x);
}

static bool str_cmp(unsigned how, const char *s, size_t n, const char *k, size_t kn) {
    switch (how) {
    case SV_T_EQ: return n == kn && memcmp(s, k, n) == 0;
    case SV_T_PREFIX: return n >= kn && memcmp(s, k, kn) == 0;
    case SV_T_SUFFIX: return n >= kn && memcmp(s + n - kn, k, kn) == 0;
    case SV_T_CONTAINS: return kn == 0 || (n >= kn && memmem(s, n, k, kn) != NULL);
    default: return false;
    }
}

/* The text a string test compares: folded unless the test is case-sensitive. */
static bool test_text(sv_event *ev, sv_value *v, bool cased, const char **s, size_t *n) {
    return cased ? sv_value_text(ev, v, s, n) : sv_value_folded(ev, v, s, n);
}

static bool match_regex(sv_exec *x, const sv_prepared *pr, const char *s, size_t n) {
    int rc = pcre2_match(pr->re, (PCRE2_SPTR)s, n, 0, 0, x->md, x->mc);
    return rc >= 0; /* no match, limits hit and bad input all count as no match */
}

static bool value_number(sv_event *ev, sv_value *v, double *d) {
    if (v->type == SV_V_NUM) return sv_parse_number(v->p, v->len, d);
    const char *s;
    size_t n;
    return v->type == SV_V_STR && sv_value_text(ev, v, &s, &n) && sv_parse_number(s, n, d);
}

static bool num_cmp(unsigned kind, double a, double b) {
    switch (kind) {
    case SV_T_NUM_EQ: return a == b;
    case SV_T_NUM_GT: return a > b;
    case SV_T_NUM_GTE: return a >= b;
    case SV_T_NUM_LT: return a < b;
    default: return a <= b;
    }
}

static bool value_bool(sv_event *ev, sv_value *v, bool want) {
    if (v->type == SV_V_TRUE || v->type == SV_V_FALSE) return (v->type == SV_V_TRUE) == want;
    const char *s;
    size_t n;
    return v->type == SV_V_STR && sv_value_folded(ev, v, &s, &n) &&
           str_cmp(SV_T_EQ, s, n, want ? "true" : "false", want ? 4 : 5);
}

static bool fieldref_one(sv_event *ev, const sv_test *t, sv_value *v) {
    bool cased = t->flags & SV_F_CASED;
    const char *s, *r;
    size_t n, rn;
    if (!test_text(ev, v, cased, &s, &n)) return false;
    for (int32_t j = sv_event_first(ev, t->k); j >= 0; j = ev->vals[j].next)
        if (test_text(ev, &ev->vals[j], cased, &r, &rn) && str_cmp(t->cmp, s, n, r, rn))
            return true;
    return false;
}

/* Whether one value satisfies test t. */
static bool value_matches(sv_exec *x, sv_event *ev, uint32_t ti, sv_value *v) {
    const sv_test *t = &x->p->tests[ti];
    const sv_prepared *pr = &x->p->prep[ti];
    const char *s;
    size_t n;
    double d;
    int part;
    uint8_t ip[16];
    switch (t->kind) {
    case SV_T_EQ:
    case SV_T_PREFIX:
    case SV_T_SUFFIX:
    case SV_T_CONTAINS:
        return test_text(ev, v, t->flags & SV_F_CASED, &s, &n) &&
               str_cmp(t->kind, s, n, pr->lit, pr->lit_len);
    case SV_T_GLOB:
        return test_text(ev, v, t->flags & SV_F_CASED, &s, &n) &&
               sv_glob_match(pr->lit, pr->lit_len, s, n);
    case SV_T_REGEX: return sv_value_text(ev, v, &s, &n) && match_regex(x, pr, s, n);
    case SV_T_CIDR:
        return sv_value_text(ev, v, &s, &n) && sv_parse_ip(s, n, ip) &&
               sv_ip_in_net(ip, pr->addr, pr->prefix);
    case SV_T_NUM_EQ:
    case SV_T_NUM_GT:
    case SV_T_NUM_GTE:
    case SV_T_NUM_LT:
    case SV_T_NUM_LTE: return value_number(ev, v, &d) && num_cmp(t->kind, d, t->num);
    case SV_T_BOOL: return value_bool(ev, v, t->num != 0);
    case SV_T_FIELDREF: return fieldref_one(ev, t, v);
    case SV_T_TIMEPART:
        return sv_value_text(ev, v, &s, &n) && sv_time_part(s, n, t->part, &part) && part == t->num;
    default: return false;
    }
}

/* A test over a field holds when any of its values satisfies it (a path
   through an array has one value per element). */
static bool run_test(sv_exec *x, sv_event *ev, uint32_t ti) {
    const sv_test *t = &x->p->tests[ti];
    int32_t i = sv_event_first(ev, t->slot);
    switch (t->kind) {
    case SV_T_EXISTS: return i >= 0;
    case SV_T_NULL:
        if (i < 0) return true;
        for (; i >= 0; i = ev->vals[i].next)
            if (ev->vals[i].type == SV_V_NULL) return true;
        return false;
    default:
        for (; i >= 0; i = ev->vals[i].next)
            if (value_matches(x, ev, ti, &ev->vals[i])) return true;
        return false;
    }
}

static bool test(sv_exec *x, sv_event *ev, uint32_t ti) {
    uint32_t m = x->memo[ti];
    if (m >> 1 == x->gen) return m & 1;
    bool r = run_test(x, ev, ti);
    x->memo[ti] = x->gen << 1 | r;
    return r;
}

static bool run_rule(sv_exec *x, sv_event *ev, const sv_rule *r) {
    const sv_ins *code = x->p->code;
    uint8_t *R = x->reg;
    for (uint32_t pc = r->code_start;;) {
        const sv_ins *i = &code[pc++];
        switch (i->op) {
        case SV_OP_TEST: R[i->a] = test(x, ev, i->c); break;
        case SV_OP_NOT: R[i->a] = !R[i->a]; break;
        case SV_OP_JMPF:
            if (!R[i->a]) pc = i->c;
            break;
        case SV_OP_JMPT:
            if (R[i->a]) pc = i->c;
            break;
        case SV_OP_SET: R[i->a] = (uint8_t)i->c; break;
        case SV_OP_RET: return R[i->a];
        default: return false; /* the verifier admits no other opcode */
        }
    }
}

size_t sv_exec_run(sv_exec *x, sv_event *ev, uint32_t *out) {
    /* Stamps are 31 bits wide; on wrap-around old memo entries could look current. */
    if (++x->gen >= 1u << 31) {
        memset(x->memo, 0, x->p->ntests * sizeof *x->memo);
        x->gen = 1;
    }
    size_t n = 0;
    for (uint32_t r = 0; r < x->p->nrules; r++)
        if (run_rule(x, ev, &x->p->rules[r])) out[n++] = r;
    return n;
}
