/* compile.c: rule expressions to register code.
 *
 * A rule's tree becomes a chain of TEST instructions joined by short-circuit
 * jumps. Everything lives in one register: AND jumps to its end as soon as
 * R0 is false, OR as soon as it is true, so the value left in R0 at the end
 * of a chain is the chain's value. Nested AND-in-AND and OR-in-OR are
 * spliced into their parent's chain, so `a and (b and c)` costs what
 * `a and b and c` costs. Field tests go into the pack's shared test table,
 * where identical tests from different rules become one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
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
};

static bool takes_string(sg_op op) {
    return op <= SG_CIDR;
}

typedef struct ctx {
    sv_pack_builder *b;
    size_t test_refs;
} ctx;

static uint32_t intern_test(ctx *c, const sg_test *t) {
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
    if (t->op == SG_TIMEPART) v.part = t->part;
    if (!takes_string(t->op)) v.num = t->num;
    c->test_refs++;
    return sv_builder_test(c->b, &v);
}

static void emit(ctx *c, uint8_t op, uint32_t arg) {
    sv_builder_code(c->b, (sv_ins){.op = op, .a = 0, .c = arg});
}

static void gen(ctx *c, const sg_node *n);

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

static void gen(ctx *c, const sg_node *n) {
    switch (n->kind) {
    case SG_N_TEST: emit(c, SV_OP_TEST, intern_test(c, &n->test)); break;
    case SG_N_NOT:
        gen(c, n->kids[0]);
        emit(c, SV_OP_NOT, 0);
        break;
    case SG_N_AND:
    case SG_N_OR: gen_chain(c, n); break;
    case SG_N_TRUE: emit(c, SV_OP_SET, 1); break;
    case SG_N_FALSE: emit(c, SV_OP_SET, 0); break;
    }
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

static void compile_rule(ctx *c, const sg_rule *r) {
    sv_rule out = {.code_start = sv_builder_code_len(c->b), .nregs = 1};
    gen(c, r->expr);
    emit(c, SV_OP_RET, 0);
    out.code_len = sv_builder_code_len(c->b) - out.code_start;
    /* clang-format cannot settle on a layout for these macro runs. */
    // clang-format off
#define STR(f) out.f = str_or_empty(c, r->f);
    STR(id) STR(name) STR(title) STR(status) STR(level) STR(description)
    STR(author) STR(date) STR(modified)
#undef STR
#define LIST(f) out.f = joined(c, &r->f);
    LIST(references) LIST(tags) LIST(falsepositives) LIST(fields) LIST(related)
#undef LIST
    out.product = str_or_empty(c, r->log_product);
    // clang-format on
    out.category = str_or_empty(c, r->log_category);
    out.service = str_or_empty(c, r->log_service);
    char src[1200];
    snprintf(src, sizeof src, "%s:%d", r->pos.file ? r->pos.file : "", r->pos.line);
    out.source = str_or_empty(c, src);
    sv_builder_rule(c->b, &out);
}

int cp_compile(const sg_ruleset *rs, unsigned char **image, size_t *len, cp_stats *stats, char *err,
               size_t errlen) {
    ctx c = {.b = sv_builder_new()};
    size_t n = sg_rule_count(rs);
    for (size_t i = 0; i < n; i++)
        compile_rule(&c, sg_rule_at(rs, i));
    if (stats) {
        *stats = (cp_stats){.rules = n,
                            .tests = sv_builder_test_count(c.b),
                            .test_refs = c.test_refs,
                            .instructions = sv_builder_code_len(c.b)};
    }
    int rc = sv_builder_finish(c.b, image, len);
    sv_builder_free(c.b);
    if (rc != 0) snprintf(err, errlen, "pack larger than the format allows");
    return rc;
}
