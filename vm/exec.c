/* exec.c: the interpreter. Every rule is a short function over registers;
   the tests it calls are shared by all rules and memoized per event, so a
   test asked by a thousand rules runs once. Inside an EACH body a test is
   asked of one array element at a time (scope.h) and is not memoized.

   Before any rule runs, the event picks the rules that may match it: those
   whose guard and literal guard (dispatch.c) both hold. Both come mostly
   from the prefilter groups that hold their tests, each scanned once, whose
   hits mark the rules they guard; the other guard tests are asked one by
   one. The rules then run in rule order, as they do without these
   shortcuts. A wildcard test whose needed piece the scan of its field did
   not find does not hold, without matching it.

   A group of tests that guard no rule is asked only by the rules that run,
   which often want one or two of its literals (a filter's): the first
   ASKS_BEFORE_SCAN tests asked of it in an event are answered one by one,
   and only a further one has the group scanned. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "lits.h"
#include "match.h"
#include "pack.h"
#include "scope.h"

/* Bounds a regex's work per value: a catastrophic pattern ends as a
   non-match instead of a hang, within milliseconds. The heap limit (KiB)
   caps the backtracking frames PCRE2 allocates. The JIT stack (bytes) is
   larger than PCRE2's 32 KiB default, which long command lines exhaust
   with patterns that are not pathological at all. An event with many
   values could still pay the match limit per value, so after
   RE_GIVE_UPS_PER_EVENT of them its remaining regex tests give up at once. */
enum {
    RE_MATCH_LIMIT = 1000000,
    RE_DEPTH_LIMIT = 10000,
    RE_HEAP_LIMIT = 64 * 1024,
    RE_JIT_STACK = 1024 * 1024,
    RE_GIVE_UPS_PER_EVENT = 8
};
enum { ASKS_BEFORE_SCAN = 8 };

/* A test's answer for the event stamped gen: gen << 1 | result (valid when
   the stamp is current), next to the prefilter group that answers it
   (copied from the pack, so that one cache line tells both). */
typedef struct test_memo {
    uint32_t stamped;
    int32_t group;
} test_memo;

/* How many tests of a group were answered one by one in the event stamped
   gen. */
struct asks {
    uint32_t gen, n;
};

struct sv_exec {
    const sv_pack *p;
    uint32_t gen;    /* this event's stamp */
    test_memo *memo; /* per test and pseudo-test */
    uint8_t reg[256];
    pcre2_match_data *md;
    pcre2_match_context *mc;
    pcre2_jit_stack *js;
    unsigned event_give_ups;     /* regex matches abandoned in this event */
    uint64_t regex_limit_hits;   /* ... and in every event so far */
    sv_scope *scope;             /* the element an EACH body is looking at, or NULL */
    uint8_t *result;             /* per rule: what it returned for the last event */
    uint32_t *matched, nmatched; /* the rules whose result is not 0 */
    bool shortcuts;     /* guards and the literal prefilter (off: every rule, test by test) */
    uint8_t *seen;      /* the prefilter's scratch */
    uint32_t *hits;     /* which tests of a prefilter group hold */
    uint32_t *scanned;  /* per prefilter group: the stamp of the event it was scanned for */
    struct asks *asks;  /* per prefilter group whose tests guard no rule */
    uint64_t *reach;    /* per rule: its guard holds for this event */
    uint64_t *lit_hits; /* per rule: its literal guard holds for this event; then its second */
    sv_recall *recall;  /* the prefilter's answers for values seen before */
};

sv_exec *sv_exec_new(const sv_pack *p) {
    sv_exec *x = calloc(1, sizeof *x);
    if (!x) abort();
    x->p = p;
    x->memo = calloc(p->ntests + p->npieces + 1, sizeof *x->memo);
    for (uint32_t t = 0; x->memo && t < p->ntests + p->npieces; t++)
        x->memo[t].group = p->group_of[t];
    x->result = calloc(p->nrules ? p->nrules : 1, sizeof *x->result);
    x->matched = calloc(p->nrules ? p->nrules : 1, sizeof *x->matched);
    x->seen = calloc(p->max_group ? p->max_group : 1, 1);
    x->hits = calloc(p->max_group ? p->max_group : 1, sizeof *x->hits);
    x->scanned = calloc(p->ngroups ? p->ngroups : 1, sizeof *x->scanned);
    x->asks = calloc(p->ngroups ? p->ngroups : 1, sizeof *x->asks);
    x->reach = calloc(p->nrules / 64 + 1, sizeof *x->reach);
    x->lit_hits = calloc(2 * (p->nrules / 64 + 1), sizeof *x->lit_hits);
    x->recall = sv_recall_new(2 * p->ngroups); /* values, then segments (prefilter.c) */
    x->shortcuts = true;
    if (!x->seen || !x->hits || !x->scanned || !x->asks || !x->reach || !x->lit_hits) abort();
    x->md = pcre2_match_data_create(1, NULL);
    x->mc = pcre2_match_context_create(NULL);
    x->js = pcre2_jit_stack_create(32 * 1024, RE_JIT_STACK, NULL);
    if (!x->memo || !x->result || !x->matched || !x->md || !x->mc || !x->js) abort();
    pcre2_jit_stack_assign(x->mc, NULL, x->js);
    pcre2_set_match_limit(x->mc, RE_MATCH_LIMIT);
    pcre2_set_depth_limit(x->mc, RE_DEPTH_LIMIT);
    pcre2_set_heap_limit(x->mc, RE_HEAP_LIMIT);
    return x;
}

uint64_t sv_exec_regex_limit_hits(const sv_exec *x) {
    return x->regex_limit_hits;
}

void sv_exec_free(sv_exec *x) {
    if (!x) return;
    free(x->memo);
    free(x->seen);
    free(x->hits);
    free(x->scanned);
    free(x->asks);
    free(x->reach);
    free(x->lit_hits);
    sv_recall_free(x->recall);
    free(x->result);
    free(x->matched);
    pcre2_match_data_free(x->md);
    pcre2_match_context_free(x->mc);
    pcre2_jit_stack_free(x->js);
    free(x);
}

static bool str_cmp(unsigned how, const char *s, size_t n, const char *k, size_t kn) {
    switch (how) {
    case SV_T_EQ: return n == kn && memcmp(s, k, n) == 0;
    case SV_T_PREFIX: return n >= kn && memcmp(s, k, kn) == 0;
    case SV_T_SUFFIX: return n >= kn && memcmp(s + n - kn, k, kn) == 0;
    case SV_T_CONTAINS: return sv_find(s, n, k, kn) != NULL;
    default: return false;
    }
}

/* The text a string test compares: folded unless the test is case-sensitive. */
static bool test_text(sv_event *ev, sv_value *v, bool cased, const char **s, size_t *n) {
    return cased ? sv_value_text(ev, v, s, n) : sv_value_folded(ev, v, s, n);
}

static bool match_regex(sv_exec *x, const sv_prepared *pr, const char *s, size_t n) {
    int rc = x->event_give_ups < RE_GIVE_UPS_PER_EVENT
                 ? pcre2_match(pr->re, (PCRE2_SPTR)s, n, 0, 0, x->md, x->mc)
                 : PCRE2_ERROR_MATCHLIMIT;
    switch (rc) {
    case PCRE2_ERROR_MATCHLIMIT:
    case PCRE2_ERROR_DEPTHLIMIT:
    case PCRE2_ERROR_HEAPLIMIT:
    case PCRE2_ERROR_JIT_STACKLIMIT:
    case PCRE2_ERROR_NOMEMORY:
        x->event_give_ups++;
        x->regex_limit_hits++;
        return false;
    default: return rc >= 0; /* no match and bad input count as no match */
    }
}

/* Parses what most numbers in events are, small unsigned integers (event
   IDs), without strtod: at most 15 digits are exact in a double. Anything
   else, a leading zero included, is left to sv_parse_number. */
static bool small_integer(const char *s, size_t n, double *d) {
    if (n == 0 || n > 15 || (s[0] == '0' && n > 1)) return false;
    uint64_t u = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned digit = (unsigned char)s[i] - (unsigned)'0';
        if (digit > 9) return false;
        u = u * 10 + digit;
    }
    *d = (double)u;
    return true;
}

static bool parse_number(const char *s, size_t n, double *d) {
    return small_integer(s, n, d) || sv_parse_number(s, n, d);
}

bool sv_value_number(sv_event *ev, sv_value *v, double *d) {
    if (!v->num_state) {
        const char *s;
        size_t n;
        bool ok = v->type == SV_V_NUM ? parse_number(v->p, v->len, &v->num)
                                      : v->type == SV_V_STR && sv_value_text(ev, v, &s, &n) &&
                                            parse_number(s, n, &v->num);
        v->num_state = ok ? 1 : 2;
    }
    *d = v->num;
    return v->num_state == 1;
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

static bool fieldref_one(sv_exec *x, sv_event *ev, const sv_test *t, sv_value *v) {
    bool cased = t->flags & SV_F_CASED, numeric = t->cmp >= SV_T_NUM_EQ;
    const char *s, *r;
    size_t n, rn;
    double a, b;
    if (numeric ? !sv_value_number(ev, v, &a) : !test_text(ev, v, cased, &s, &n)) return false;
    for (int32_t j = sv_scope_first(x->scope, ev, t->k); j >= 0;
         j = sv_scope_next(x->scope, ev, j)) {
        sv_value *w = &ev->vals[j];
        if (numeric ? sv_value_number(ev, w, &b) && num_cmp(t->cmp, a, b)
                    : test_text(ev, w, cased, &r, &rn) && str_cmp(t->cmp, s, n, r, rn))
            return true;
    }
    return false;
}

/* null, false, 0, "", [] or {} (blanks inside the brackets allowed): what
   Python, and so Panther, takes for false. */
static bool value_empty(sv_event *ev, sv_value *v) {
    double d;
    switch (v->type) {
    case SV_V_NULL:
    case SV_V_FALSE: return true;
    case SV_V_NUM: return sv_value_number(ev, v, &d) && d == 0;
    case SV_V_STR: return v->len == 0;
    case SV_V_OBJ:
    case SV_V_ARR:
        for (uint32_t i = 1; i + 1 < v->len; i++)
            if (v->p[i] != ' ' && v->p[i] != '\t' && v->p[i] != '\n' && v->p[i] != '\r')
                return false;
        return true;
    default: return false;
    }
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
    case SV_T_NUM_LTE: return sv_value_number(ev, v, &d) && num_cmp(t->kind, d, t->num);
    case SV_T_BOOL: return value_bool(ev, v, t->num != 0);
    case SV_T_FIELDREF: return fieldref_one(x, ev, t, v);
    case SV_T_TIMEPART:
        return sv_value_text(ev, v, &s, &n) && sv_time_part(s, n, t->part, &part) && part == t->num;
    case SV_T_IP:
        return v->type == SV_V_STR && sv_value_text(ev, v, &s, &n) && sv_ip_class(s, n, t->part);
    case SV_T_NET_HAS: {
        uint8_t net[16];
        unsigned prefix;
        return v->type == SV_V_STR && sv_value_text(ev, v, &s, &n) &&
               sv_parse_cidr(s, n, net, &prefix) && sv_ip_in_net(pr->addr, net, prefix);
    }
    default: return false;
    }
}

/* A test over a field holds when any of its values satisfies it (a path
   through an array has one value per element). */
static bool run_test(sv_exec *x, sv_event *ev, uint32_t ti) {
    const sv_test *t = &x->p->tests[ti];
    sv_scope *s = x->scope;
    int32_t i = sv_scope_first(s, ev, t->slot);
    switch (t->kind) {
    case SV_T_EXISTS: return i >= 0;
    case SV_T_NULL:
        if (i < 0) return true;
        for (; i >= 0; i = sv_scope_next(s, ev, i))
            if (ev->vals[i].type == SV_V_NULL) return true;
        return false;
    case SV_T_EMPTY: {
        /* The field's own values: the elements of a list do not make it
           empty, but inside "l[0]" the element is the field's value. */
        unsigned own = s && s->slot == t->slot ? s->level : 0;
        if (i < 0) return true;
        for (; i >= 0; i = sv_scope_next(s, ev, i))
            if (ev->vals[i].element == own && value_empty(ev, &ev->vals[i])) return true;
        return false;
    }
    default:
        for (; i >= 0; i = sv_scope_next(s, ev, i))
            if (value_matches(x, ev, ti, &ev->vals[i])) return true;
        return false;
    }
}

static void mark(uint64_t *bits, const uint32_t *rules, uint32_t from, uint32_t to) {
    for (uint32_t i = from; i < to; i++)
        bits[rules[i] / 64] |= 1ull << (rules[i] % 64);
}

/* Answers every test of prefilter group g at once (prefilter.c): the memo
   holds the tests that hold, and the stamp in scanned says that the others
   do not. The rules whose literal guards list a test that holds are marked
   here, whoever asked for the scan. Returns how many hold: the tests at
   x->hits[0 .. n) of the group's list. */
static uint32_t run_group(sv_exec *x, sv_event *ev, uint32_t g) {
    const sv_pack *p = x->p;
    uint32_t n;
    const uint32_t *tests = sv_prefilter_tests(p, g, &n);
    uint32_t nhits = sv_prefilter_run(p, g, ev, x->seen, x->hits, x->recall);
    for (uint32_t k = 0; k < nhits; k++) {
        uint32_t t = tests[x->hits[k]];
        x->memo[t].stamped = x->gen << 1 | 1;
        mark(x->lit_hits, p->lrules, p->lstart[t], p->lstart[t + 1]);
    }
    x->scanned[g] = x->gen;
    return nhits;
}

/* Whether a test of group g is to be answered by the group's scan (else on
   its own): once the group is scanned for this event, or when it guards
   rules, or when enough of its tests have been asked. */
static bool scan_for(sv_exec *x, uint32_t g) {
    if (x->scanned[g] == x->gen || !sv_prefilter_asked(x->p, g)) return true;
    struct asks *a = &x->asks[g];
    if (a->gen != x->gen) *a = (struct asks){x->gen, 0};
    return a->n++ == ASKS_BEFORE_SCAN;
}

/* Whether test or pseudo-test t, of group g, holds: by the group's scan. */
static bool by_group(sv_exec *x, sv_event *ev, uint32_t t, uint32_t g) {
    if (x->scanned[g] != x->gen) run_group(x, ev, g);
    return x->memo[t].stamped >> 1 == x->gen;
}

static bool test(sv_exec *x, sv_event *ev, uint32_t ti) {
    if (x->scope) return run_test(x, ev, ti);
    uint32_t m = x->memo[ti].stamped;
    if (m >> 1 == x->gen) return m & 1;
    if (x->shortcuts) {
        const sv_pack *p = x->p;
        int32_t g = x->memo[ti].group;
        if (g >= 0 && scan_for(x, (uint32_t)g)) return by_group(x, ev, ti, (uint32_t)g);
        uint32_t piece = p->prep[ti].piece;
        if (piece && scan_for(x, (uint32_t)x->memo[piece].group) &&
            !by_group(x, ev, piece, (uint32_t)x->memo[piece].group)) {
            x->memo[ti].stamped = x->gen << 1;
            return false;
        }
    }
    bool r = run_test(x, ev, ti);
    x->memo[ti].stamped = x->gen << 1 | r;
    return r;
}

static uint8_t run_code(sv_exec *x, sv_event *ev, uint32_t pc);

/* Runs chain ch (chain.c) into *r; returns the pc to go on at. Once the
   chain's group is scanned, the memos tell which tests hold (a test the
   scan did not find does not); before, and inside an element's scope, the
   tests are asked in turn, as the instructions would. (Without shortcuts
   the instructions run themselves.) */
static uint32_t any_of(sv_exec *x, sv_event *ev, const sv_chain *ch, uint8_t *r) {
    const uint32_t *t = x->p->chain_tests + ch->first;
    uint32_t k = 0;
    if (!x->scope && x->scanned[ch->group] == x->gen) {
        uint32_t hit = x->gen << 1 | 1;
        while (k < ch->n && x->memo[t[k]].stamped != hit)
            k++;
    } else {
        while (k < ch->n && !test(x, ev, t[k]))
            k++;
    }
    *r = k < ch->n;
    return k + 1 < ch->n || (k + 1 == ch->n && ch->last_jumps) ? ch->jump : ch->after;
}

/* What quantifier q yields once the body held (or not) for one more
   element, held being how many it held for so far; -1 while still open. */
static int settle(unsigned q, bool body, unsigned held) {
    switch (q) {
    case SV_Q_EVERY: return body ? -1 : 0;
    case SV_Q_ONE: return held == 2 ? 0 : -1;
    case SV_Q_NONE: return body ? 0 : -1;
    default: return body ? 1 : -1; /* some, or the element at the index */
    }
}

/* What quantifier q yields when no element settled it. */
static uint8_t unsettled(unsigned q, unsigned seen, unsigned held) {
    switch (q) {
    case SV_Q_EVERY: return seen > 0;
    case SV_Q_ONE: return held == 1;
    case SV_Q_NONE: return 1;
    default: return 0;
    }
}

/* An EACH at pc: its body, from pc + 1, over the elements of slot in->c that
   the enclosing scope sees: one level below the scope's own element when that
   is an element of the same slot ("m[0][1]"), else the outermost. Elements
   of each array are numbered from 0; an array's own value comes after its
   elements and starts the count again. */
static uint8_t each(sv_exec *x, sv_event *ev, const sv_ins *in, uint32_t pc) {
    sv_scope *outer = x->scope;
    unsigned level = outer && outer->slot == in->c ? outer->level + 1 : 1;
    sv_scope inner = {.slot = in->c, .level = level};
    unsigned q = in->b, held = 0, seen = 0, index = 0;
    for (int32_t i = sv_scope_first(outer, ev, in->c); i >= 0; i = sv_scope_next(outer, ev, i)) {
        const sv_value *v = &ev->vals[i];
        if (v->element != level) {
            if (v->element < level) index = 0;
            continue;
        }
        if (q >= SV_Q_AT && index++ != q - SV_Q_AT) continue;
        inner.lo = v->p;
        inner.hi = v->p + v->len;
        x->scope = &inner;
        bool body = run_code(x, ev, pc + 1) != 0;
        x->scope = outer;
        seen++;
        held += body;
        int out = settle(q, body, held);
        if (out >= 0) return (uint8_t)out;
    }
    return unsettled(q, seen, held);
}

/* Runs code from pc to its RET (a rule) or END (an EACH body) and returns
   that instruction's register. */
static uint8_t run_code(sv_exec *x, sv_event *ev, uint32_t pc) {
    const sv_ins *code = x->p->code;
    uint8_t *R = x->reg;
    for (;;) {
        const sv_ins *i = &code[pc++];
        switch (i->op) {
        case SV_OP_TEST:
            if (i->b && x->shortcuts)
                pc = any_of(x, ev, &x->p->chains[i->b - 1], &R[i->a]);
            else
                R[i->a] = test(x, ev, i->c);
            break;
        case SV_OP_NOT: R[i->a] = !R[i->a]; break;
        case SV_OP_JMPF:
            if (!R[i->a]) pc = i->c;
            break;
        case SV_OP_JMPT:
            if (R[i->a]) pc = i->c;
            break;
        case SV_OP_SET: R[i->a] = (uint8_t)i->c; break;
        case SV_OP_EACH:
            R[i->a] = each(x, ev, i, pc - 1);
            pc = x->p->body_end[pc - 1] + 1;
            break;
        case SV_OP_RET:
        case SV_OP_END: return R[i->a];
        default: return 0; /* the verifier admits no other opcode */
        }
    }
}

static void mark_bits(uint64_t *bits, const sv_rule_bits *from, const sv_rule_bits *to) {
    for (; from < to; from++)
        bits[from->word] |= from->bits;
}

static bool reaches_some(const uint64_t *bits, const sv_rule_bits *from, const sv_rule_bits *to) {
    for (; from < to; from++)
        if (bits[from->word] & from->bits) return true;
    return false;
}

/* Asks the literal guard tests on the field at slot s (npaths: keyword
   tests) that may let through a rule that passed its first guard: the
   groups that hold some, scanned, and the others one by one. */
static void lit_guards_of(sv_exec *x, sv_event *ev, uint32_t s) {
    const sv_pack *p = x->p;
    for (uint32_t i = p->lgroups_at[s]; i < p->lgroups_at[s + 1]; i++) {
        const sv_lit_group *lg = &p->lgroups[i];
        if (x->scanned[lg->group] != x->gen &&
            reaches_some(x->reach, p->lbits + lg->first, p->lbits + lg->end))
            run_group(x, ev, lg->group);
    }
    for (uint32_t i = p->lloose_at[s]; i < p->lloose_at[s + 1]; i++) {
        const sv_lit_loose *ll = &p->lloose[i];
        if (reaches_some(x->reach, p->lbits + ll->first, p->lbits + ll->end) &&
            test(x, ev, ll->test))
            mark(x->lit_hits, p->lrules, p->lstart[ll->test], p->lstart[ll->test + 1]);
    }
}

/* Marks in x->reach the rules whose guards both hold for the event. The
   literal guards are asked only for rules that passed the first guard. */
static void reach(sv_exec *x, sv_event *ev) {
    const sv_pack *p = x->p;
    size_t words = p->nrules / 64 + 1;
    memcpy(x->reach, p->always, words * sizeof *x->reach);
    memset(x->lit_hits, 0, 2 * words * sizeof *x->lit_hits);
    for (uint32_t i = 0; i < p->nggroups; i++) {
        uint32_t g = p->ggroups[i], n;
        const uint32_t *tests = sv_prefilter_tests(p, g, &n);
        for (uint32_t k = 0, nhits = run_group(x, ev, g); k < nhits; k++) {
            uint32_t t = tests[x->hits[k]];
            mark_bits(x->reach, p->gbits + p->gstart[t], p->gbits + p->gstart[t + 1]);
        }
    }
    for (uint32_t i = 0; i < p->ngloose; i++) {
        uint32_t t = p->gloose[i];
        if (test(x, ev, t))
            mark_bits(x->reach, p->gbits + p->gstart[t], p->gbits + p->gstart[t + 1]);
    }
    /* A literal test on a field the event lacks does not hold. Of the
       fields it has, those no literal guard reads are passed over here,
       not in a call each. */
    for (uint32_t i = 0, s; i < ev->npresent; i++)
        if ((s = ev->present[i]) < p->npaths &&
            (p->lgroups_at[s] < p->lgroups_at[s + 1] || p->lloose_at[s] < p->lloose_at[s + 1]))
            lit_guards_of(x, ev, s);
    if (ev->any_head >= 0 || ev->any_deferred) lit_guards_of(x, ev, p->npaths);
    for (size_t w = 0; w < words; w++)
        x->reach[w] &=
            (x->lit_hits[w] | p->no_lit_guard[w]) & (x->lit_hits[words + w] | p->no_lit_guard2[w]);
}

/* Runs rule r; a match is noted in result and in the list of matches. */
static void run_rule(sv_exec *x, sv_event *ev, uint32_t r) {
    uint8_t v = run_code(x, ev, x->p->rules[r].code_start);
    if (v) {
        x->result[r] = v;
        x->matched[x->nmatched++] = r;
    }
}

/* A new event: a new stamp, and no rule's result kept. */
static void begin_event(sv_exec *x) {
    /* Stamps are 31 bits wide; on wrap-around old memo entries could look current. */
    if (++x->gen >= 1u << 31) {
        for (uint32_t t = 0; t < x->p->ntests + x->p->npieces; t++)
            x->memo[t].stamped = 0;
        memset(x->scanned, 0, x->p->ngroups * sizeof *x->scanned);
        memset(x->asks, 0, x->p->ngroups * sizeof *x->asks);
        x->gen = 1;
    }
    x->event_give_ups = 0;
    for (uint32_t i = 0; i < x->nmatched; i++)
        x->result[x->matched[i]] = 0;
    x->nmatched = 0;
}

size_t sv_exec_run_rules(sv_exec *x, sv_event *ev, const uint32_t *rules, size_t n, uint32_t *out) {
    begin_event(x);
    for (size_t i = 0; i < n; i++)
        if (rules[i] < x->p->nrules) run_rule(x, ev, rules[i]);
    memcpy(out, x->matched, x->nmatched * sizeof *out);
    return x->nmatched;
}

size_t sv_exec_run(sv_exec *x, sv_event *ev, uint32_t *out) {
    const sv_pack *p = x->p;
    begin_event(x);
    if (!x->shortcuts) {
        for (uint32_t r = 0; r < p->nrules; r++)
            run_rule(x, ev, r);
    } else {
        /* Run the rules that may match in rule order, so that matches come
           out in the same order either way. */
        reach(x, ev);
        for (uint32_t w = 0; w <= p->nrules / 64; w++)
            for (uint64_t bits = x->reach[w]; bits; bits &= bits - 1)
                run_rule(x, ev, w * 64 + (uint32_t)__builtin_ctzll(bits));
    }
    memcpy(out, x->matched, x->nmatched * sizeof *out);
    return x->nmatched;
}

void sv_exec_set_shortcuts(sv_exec *x, bool on) {
    x->shortcuts = on;
}

unsigned sv_exec_result(const sv_exec *x, uint32_t rule) {
    return rule < x->p->nrules ? x->result[rule] : 0;
}
