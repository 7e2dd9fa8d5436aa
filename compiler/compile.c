/* compile.c: rule expressions to register code.
 *
 * A rule's tree becomes a chain of TEST instructions joined by short-circuit
 * jumps. Everything lives in one register: AND jumps to its end as soon as
 * R0 is false, OR as soon as it is true, so the value left in R0 at the end
 * of a chain is the chain's value. Nested AND-in-AND and OR-in-OR are
 * spliced into their parent's chain, so `a and (b and c)` costs what
 * `a and b and c` costs. Field tests go into the pack's shared test table,
 * where identical tests from different rules become one.
 *
 * "Exactly one of" counts in a second register, one per nesting level of
 * such nodes: it is set on the first kid that holds and a second one jumps
 * to false. An element test (SG_N_EACH) is its body between EACH and END,
 * which the interpreter runs once per element. A rule with dynamic
 * severities ends by trying their conditions in order once it has matched,
 * and returns 2 + the index of the first that holds (1 when none does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atom.h"
#include "compiler.h"
#include "guard.h"
#include "vm/vm.h"

/* sg_op and sv_test_kind list the same operations; this table is the one
   place that relies on it. */
static const uint8_t kind_of[SG_OP_COUNT] = {
    [SG_EQ] = SV_T_EQ,
    [SG_PREFIX] = SV_T_PREFIX,
    [SG_SUFFIX] = SV_T_SUFFIX,
    [SG_CONTAINS] = SV_T_CONTAINS,
    [SG_GLOB] = SV_T_GLOB,
    [SG_REGEX] = SV_T_REGEX,
    [SG_CIDR] = SV_T_CIDR,
    [SG_NUM_EQ] = SV_T_NUM_EQ,
    [SG_NUM_GT] = SV_T_NUM_GT,
    [SG_NUM_GTE] = SV_T_NUM_GTE,
    [SG_NUM_LT] = SV_T_NUM_LT,
    [SG_NUM_LTE] = SV_T_NUM_LTE,
    [SG_BOOL] = SV_T_BOOL,
    [SG_EXISTS] = SV_T_EXISTS,
    [SG_NULL] = SV_T_NULL,
    [SG_FIELDREF] = SV_T_FIELDREF,
    [SG_TIMEPART] = SV_T_TIMEPART,
    [SG_IP] = SV_T_IP,
    [SG_EMPTY] = SV_T_EMPTY,
    [SG_NET_HAS] = SV_T_NET_HAS,
};

/* ... as do sg_ipclass and SV_IP_*, and the limits on element tests. */
_Static_assert((int)SG_IP_PUBLIC == (int)SV_IP_PUBLIC && (int)SG_IP_ANY == (int)SV_IP_ANY,
               "address classes");
_Static_assert(SG_MAX_EACH_DEPTH == SV_MAX_EACH_DEPTH, "element test nesting");
_Static_assert(SV_Q_AT + SG_MAX_INDEX <= UINT16_MAX, "a list index fits EACH's operand");

static const uint16_t quantifier_of[] = {[SG_SOME] = SV_Q_SOME,
                                         [SG_EVERY] = SV_Q_EVERY,
                                         [SG_ONLY_ONE] = SV_Q_ONE,
                                         [SG_NO] = SV_Q_NONE,
                                         [SG_AT] = SV_Q_AT};

static bool takes_string(sg_op op) {
    return op <= SG_CIDR || op == SG_NET_HAS;
}

typedef struct ctx {
    sv_pack_builder *b;
    size_t test_refs;
    unsigned ones;  /* SG_N_ONE nodes open around the node being compiled */
    uint32_t nregs; /* registers the current rule needs */
    uint32_t rule;  /* 1 + the index of the rule being compiled */
    /* Per test: how many rules ask it, and the last one (1 + index) that did. */
    uint32_t *askers, *last_asker;
    size_t nasked;
} ctx;

/* t's index in the shared test table. */
static uint32_t test_index(ctx *c, const sg_test *t) {
    sv_test v = {0};
    v.kind = kind_of[t->op];
    v.slot = t->field ? sv_builder_path(c->b, t->field) : SV_ANY_SLOT;
    if (t->cased) v.flags |= SV_F_CASED;
    if (t->op == SG_REGEX) {
        if (t->flags & SG_RE_I) v.flags |= SV_F_RE_I;
        if (t->flags & SG_RE_M) v.flags |= SV_F_RE_M;
        if (t->flags & SG_RE_S) v.flags |= SV_F_RE_S;
        /* Case folding does not apply to a regex: |i decides. */
        v.flags &= (uint8_t)~SV_F_CASED;
    }
    if (takes_string(t->op)) v.k = sv_builder_string(c->b, t->str, t->str_len);
    if (t->op == SG_FIELDREF) {
        v.k = sv_builder_path(c->b, t->str);
        v.cmp = kind_of[t->cmp];
    }
    if (t->op == SG_TIMEPART || t->op == SG_IP) v.part = t->part;
    if (!takes_string(t->op)) v.num = t->num;
    return sv_builder_test(c->b, &v);
}

/* The same for a test the rule's code asks, counting the rules that ask
   each test: the literal guards avoid the literals many rules share. */
static uint32_t intern_test(ctx *c, const sg_test *t) {
    uint32_t i = test_index(c, t);
    c->test_refs++;
    if (i >= c->nasked) {
        size_t n = c->nasked ? c->nasked * 2 : 1024;
        while (n <= i)
            n *= 2;
        c->askers = realloc(c->askers, n * sizeof *c->askers);
        c->last_asker = realloc(c->last_asker, n * sizeof *c->last_asker);
        if (!c->askers || !c->last_asker) abort();
        memset(c->askers + c->nasked, 0, (n - c->nasked) * sizeof *c->askers);
        memset(c->last_asker + c->nasked, 0, (n - c->nasked) * sizeof *c->last_asker);
        c->nasked = n;
    }
    if (c->last_asker[i] != c->rule) {
        c->last_asker[i] = c->rule;
        c->askers[i]++;
    }
    return i;
}

/* Appends an instruction on register a; returns its position. */
static uint32_t emit_on(ctx *c, uint8_t op, uint8_t a, uint32_t arg) {
    return sv_builder_code(c->b, (sv_ins){.op = op, .a = a, .c = arg});
}

static uint32_t emit(ctx *c, uint8_t op, uint32_t arg) {
    return emit_on(c, op, 0, arg);
}

/* Points the jumps at[0..n) to the next instruction. */
static void land(ctx *c, const uint32_t *at, size_t n) {
    for (size_t i = 0; i < n; i++)
        sv_builder_patch(c->b, at[i], sv_builder_code_len(c->b));
}

static void gen(ctx *c, const sg_node *n);
static uint32_t joined(ctx *c, const sg_strlist *l);

/* Appends n's kids to out, splicing in the kids of same-kind children. */
static void flatten(const sg_node *n, sg_node_kind kind, const sg_node ***out, size_t *len,
                    size_t *cap) {
    for (size_t i = 0; i < n->nkids; i++) {
        const sg_node *k = n->kids[i];
        if (k->kind == kind) {
            flatten(k, kind, out, len, cap);
            continue;
        }
        if (*len == *cap) {
            *cap = *cap ? *cap * 2 : 8;
            *out = realloc(*out, *cap * sizeof **out);
            if (!*out) abort();
        }
        (*out)[(*len)++] = k;
    }
}

static void gen_chain(ctx *c, const sg_node *n) {
    const sg_node **kids = NULL;
    size_t nk = 0, cap = 0;
    flatten(n, n->kind, &kids, &nk, &cap);
    uint8_t jump = n->kind == SG_N_AND ? SV_OP_JMPF : SV_OP_JMPT;
    uint32_t *patch = malloc((nk ? nk : 1) * sizeof *patch);
    if (!patch) abort();
    for (size_t i = 0; i < nk; i++) {
        gen(c, kids[i]);
        if (i + 1 < nk) {
            patch[i] = sv_builder_code_len(c->b);
            emit(c, jump, 0);
        }
    }
    uint32_t end = sv_builder_code_len(c->b);
    for (size_t i = 0; i + 1 < nk; i++)
        sv_builder_patch(c->b, patch[i], end);
    free(patch);
    free(kids);
}

/* Exactly one kid holds: register `seen` notes the first that does, and a
   second one jumps straight to false. */
static void gen_one(ctx *c, const sg_node *n) {
    uint8_t seen = (uint8_t)(1 + c->ones++);
    if (seen + 1u > c->nregs) c->nregs = seen + 1u;
    uint32_t *to_false = malloc((n->nkids + 1) * sizeof *to_false);
    size_t nf = 0;
    if (!to_false) abort();
    emit_on(c, SV_OP_SET, seen, 0);
    for (size_t i = 0; i < n->nkids; i++) {
        gen(c, n->kids[i]);
        uint32_t next = emit(c, SV_OP_JMPF, 0);
        if (i) to_false[nf++] = emit_on(c, SV_OP_JMPT, seen, 0);
        emit_on(c, SV_OP_SET, seen, 1);
        land(c, &next, 1);
    }
    to_false[nf++] = emit_on(c, SV_OP_JMPF, seen, 0);
    emit(c, SV_OP_SET, 1);
    uint32_t to_end = emit_on(c, SV_OP_JMPT, seen, 0); /* seen is set here: always taken */
    land(c, to_false, nf);
    emit(c, SV_OP_SET, 0);
    land(c, &to_end, 1);
    free(to_false);
    c->ones--;
}

static void gen_each(ctx *c, const sg_node *n) {
    uint16_t q = (uint16_t)(quantifier_of[n->quant] + (n->quant == SG_AT ? n->index : 0));
    sv_builder_code(c->b, (sv_ins){.op = SV_OP_EACH, .b = q, .c = sv_builder_path(c->b, n->path)});
    gen(c, n->kids[0]);
    emit(c, SV_OP_END, 0);
}

/* Runs shorter than this are in most texts. */
enum { MIN_EXACT_RUN = 2 };

/* A regex test whose every match holds a run without letters (atom.c) is
   asked only after a case-sensitive contains test of that run, which
   memmem answers in a fraction of the regex's time: "(?i)(set).*&&\s?set
   .*&&.*\"" ran over every PowerShell module event's Payload for
   thousands of cycles, the text seldom holding "&&". The two together hold
   exactly when the regex does. */
static void gen_test(ctx *c, const sg_test *t) {
    char *run = t->op == SG_REGEX ? malloc(t->str_len + 1) : NULL;
    size_t n = run ? cp_regex_exact_run(t->str, t->str_len, run) : 0;
    if (n >= MIN_EXACT_RUN) {
        sg_test pre = {
            .op = SG_CONTAINS, .field = t->field, .str = run, .str_len = n, .cased = true};
        emit(c, SV_OP_TEST, intern_test(c, &pre));
        uint32_t skip = emit(c, SV_OP_JMPF, 0);
        emit(c, SV_OP_TEST, intern_test(c, t));
        land(c, &skip, 1);
    } else {
        emit(c, SV_OP_TEST, intern_test(c, t));
    }
    free(run);
}

static void gen(ctx *c, const sg_node *n) {
    switch (n->kind) {
    case SG_N_TEST: gen_test(c, &n->test); break;
    case SG_N_NOT:
        gen(c, n->kids[0]);
        emit(c, SV_OP_NOT, 0);
        break;
    case SG_N_AND:
    case SG_N_OR: gen_chain(c, n); break;
    case SG_N_TRUE: emit(c, SV_OP_SET, 1); break;
    case SG_N_FALSE: emit(c, SV_OP_SET, 0); break;
    case SG_N_ONE: gen_one(c, n); break;
    case SG_N_EACH: gen_each(c, n); break;
    }
}

/* The rule's value: its expression (after its filter, if any), then, once it
   has matched, the number of the first dynamic severity that holds. */
static void gen_rule(ctx *c, const sg_rule *r) {
    sg_node *both[2] = {r->filter, r->expr};
    sg_node guarded = {.kind = SG_N_AND, .nkids = 2, .kids = both};
    gen(c, r->filter ? &guarded : r->expr);
    if (!r->nseverities) return;
    uint32_t *to_end = malloc((r->nseverities + 1) * sizeof *to_end);
    if (!to_end) abort();
    to_end[0] = emit(c, SV_OP_JMPF, 0);
    for (size_t k = 0; k < r->nseverities; k++) {
        gen(c, r->severities[k].expr);
        uint32_t next = emit(c, SV_OP_JMPF, 0);
        emit(c, SV_OP_SET, (uint32_t)(2 + k));
        to_end[k + 1] = emit(c, SV_OP_JMPT, 0);
        land(c, &next, 1);
    }
    emit(c, SV_OP_SET, 1);
    land(c, to_end, r->nseverities + 1);
    free(to_end);
}

/* Every {path} of an alert title is interned, so that the scanner records
   what the title shows. */
static void intern_title_paths(ctx *c, const char *tpl) {
    for (const char *s = tpl ? strchr(tpl, '{') : NULL; s; s = strchr(s + 1, '{')) {
        const char *close = strchr(s, '}');
        if (!close) break;
        char path[512];
        snprintf(path, sizeof path, "%.*s", (int)(close - s - 1), s + 1);
        sv_builder_path(c->b, path);
    }
}

static uint32_t levels(ctx *c, const sg_rule *r) {
    sg_strlist l = {r->nseverities, malloc((r->nseverities + 1) * sizeof(char *))};
    if (!l.v) abort();
    for (size_t k = 0; k < r->nseverities; k++)
        l.v[k] = r->severities[k].level;
    uint32_t s = joined(c, &l);
    free(l.v);
    return s;
}

static uint32_t str_or_empty(ctx *c, const char *s) {
    return sv_builder_string(c->b, s ? s : "", s ? strlen(s) : 0);
}

static uint32_t joined(ctx *c, const sg_strlist *l) {
    size_t len = 0;
    for (size_t i = 0; i < l->n; i++)
        len += strlen(l->v[i]) + 1;
    char *s = malloc(len + 1), *p = s;
    if (!s) abort();
    for (size_t i = 0; i < l->n; i++)
        p += sprintf(p, "%s%s", i ? "\n" : "", l->v[i]);
    *p = '\0';
    uint32_t k = sv_builder_string(c->b, s, (size_t)(p - s));
    free(s);
    return k;
}

/* The rule's guard (guard.c), as indices into the shared test table. */
static void add_guard(ctx *c, const sg_rule *r, sv_rule *out) {
    const sg_test *t[CP_GUARD_MAX];
    uint32_t ids[CP_GUARD_MAX];
    size_t n = cp_guard(r->expr, t);
    out->guard_len = SV_NO_GUARD;
    if (n == SIZE_MAX) return;
    for (size_t i = 0; i < n; i++)
        ids[i] = test_index(c, t[i]);
    out->guard_start = sv_builder_guard(c->b, ids, (uint32_t)n);
    out->guard_len = (uint32_t)n;
}

static unsigned askers_of(const sg_test *t, void *c) {
    return ((ctx *)c)->askers[test_index(c, t)];
}

/* The index of the literal test that stands for guard test t: t itself,
   or for a glob or a regex the contains test of the literal it needs. */
static uint32_t literal_test_index(ctx *c, const sg_test *t) {
    if (t->op != SG_GLOB && t->op != SG_REGEX) return test_index(c, t);
    char *lit = malloc(t->str_len ? t->str_len : 1);
    if (!lit) abort();
    sg_test contains = {.op = SG_CONTAINS,
                        .field = t->field,
                        .str = lit,
                        .str_len = cp_needed_literal(t, lit),
                        .cased = t->op == SG_GLOB && t->cased};
    uint32_t id = test_index(c, &contains);
    free(lit);
    return id;
}

/* The rule's literal guards, once every rule has said which tests it asks.
   The logsources of a mapped rule repeat its literals under other names
   and sometimes the same: each test is listed once. */
static void add_literal_guards(ctx *c, const sg_rule *r, sv_rule *out) {
    const sg_test *t[CP_LITERAL_GUARDS * CP_LITERAL_GUARD_MAX];
    uint32_t ids[CP_LITERAL_GUARD_MAX];
    size_t len[CP_LITERAL_GUARDS], nguards = cp_literal_guards(r->expr, askers_of, c, t, len);
    uint32_t *start[] = {&out->lit_guard_start, &out->lit_guard2_start};
    uint32_t *count[] = {&out->lit_guard_len, &out->lit_guard2_len};
    const sg_test **at = t;
    for (size_t k = 0; k < nguards; at += len[k++]) {
        uint32_t n = 0;
        for (size_t i = 0; i < len[k]; i++) {
            uint32_t id = literal_test_index(c, at[i]), j = 0;
            while (j < n && ids[j] != id)
                j++;
            if (j == n) ids[n++] = id;
        }
        if (!n) break; /* the rule never matches: its first guard says so */
        *start[k] = sv_builder_guard(c->b, ids, n);
        *count[k] = n;
    }
}

/* Everything but the literal guard, which needs the whole pack's tests. */
static void compile_rule(ctx *c, const sg_rule *r, sv_rule *out) {
    *out = (sv_rule){.code_start = sv_builder_code_len(c->b)};
    add_guard(c, r, out);
    c->nregs = 1;
    gen_rule(c, r);
    emit(c, SV_OP_RET, 0);
    out->code_len = sv_builder_code_len(c->b) - out->code_start;
    out->nregs = c->nregs;
    intern_title_paths(c, r->alert_title);
    out->runbook = str_or_empty(c, r->runbook);
    out->alert_title = str_or_empty(c, r->alert_title);
    out->severities = levels(c, r);
    /* clang-format cannot settle on a layout for these macro runs. */
    // clang-format off
#define STR(f) out->f = str_or_empty(c, r->f);
    STR(id) STR(name) STR(title) STR(status) STR(level) STR(description)
    STR(author) STR(date) STR(modified)
#undef STR
#define LIST(f) out->f = joined(c, &r->f);
    LIST(references) LIST(tags) LIST(falsepositives) LIST(fields) LIST(related)
#undef LIST
    out->product = str_or_empty(c, r->log_product);
    // clang-format on
    out->category = str_or_empty(c, r->log_category);
    out->service = str_or_empty(c, r->log_service);
    char src[1200];
    snprintf(src, sizeof src, "%s:%d", r->pos.file ? r->pos.file : "", r->pos.line);
    out->source = str_or_empty(c, src);
}

int cp_compile_rules(const sg_rule *const *rules, size_t n, unsigned char **image, size_t *len,
                     cp_stats *stats, char *err, size_t errlen) {
    ctx c = {.b = sv_builder_new()};
    sv_rule *out = malloc((n ? n : 1) * sizeof *out);
    if (!out) abort();
    for (size_t i = 0; i < n; i++) {
        c.rule = (uint32_t)i + 1;
        compile_rule(&c, rules[i], &out[i]);
    }
    for (size_t i = 0; i < n; i++) {
        add_literal_guards(&c, rules[i], &out[i]);
        sv_builder_rule(c.b, &out[i]);
    }
    free(out);
    free(c.askers);
    free(c.last_asker);
    if (stats) {
        *stats = (cp_stats){.rules = n,
                            .tests = sv_builder_test_count(c.b),
                            .test_refs = c.test_refs,
                            .instructions = sv_builder_code_len(c.b)};
    }
    int rc = sv_builder_finish(c.b, image, len);
    sv_builder_free(c.b);
    if (rc != 0) snprintf(err, errlen, "pack larger than the limit of %u bytes", SV_PACK_MAX_SIZE);
    return rc;
}

int cp_compile(const sg_ruleset *rs, unsigned char **image, size_t *len, cp_stats *stats, char *err,
               size_t errlen) {
    size_t n = sg_rule_count(rs);
    const sg_rule **rules = malloc((n ? n : 1) * sizeof *rules);
    if (!rules) abort();
    for (size_t i = 0; i < n; i++)
        rules[i] = sg_rule_at(rs, i);
    int rc = cp_compile_rules(rules, n, image, len, stats, err, errlen);
    free(rules);
    return rc;
}
