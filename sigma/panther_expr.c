/* panther_expr.c: Panther match expressions to expression trees.
 *
 * An expression is a combinator (All, Any, OnlyOne, None over a list), an
 * element comprehension (a key, AnyElement / AllElements / OnlyOneElement /
 * NoElement, and Expressions about each element), a multi-key comparison
 * (a condition and Values holding two keys), or a key, a condition and its
 * Value or Values. Plain conditions compare case-sensitively, their
 * I-prefixed twins case-insensitively. A negated condition (DoesNotEqual,
 * IsNotIn ...) holds when the positive one does not, so also when the key is
 * absent. Scalars are read as YAML 1.2: 123 is a number, true a boolean.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panther.h"

typedef enum form {
    F_STRING,   /* Value (or Values, any of them) compared as a string */
    F_COMPARE,  /* Value, a number */
    F_IN,       /* Values, any of them equal */
    F_UNARY,    /* nothing more */
    F_IP,       /* an address class; Value true (default) or false */
    F_CIDR,     /* Value or Values: networks the address lies in */
    F_NET_HAS,  /* Value or Values: addresses the network contains */
    F_ALWAYS,   /* no key */
    F_ELEMENTS, /* Expressions about each element */
} form;

typedef struct cond {
    const char *name;
    form form;
    int op; /* sg_op of the test; F_IP: sg_ipclass; F_ELEMENTS: sg_quant; F_ALWAYS: 0/1 */
    bool cased, negate;
} cond;

static const cond conds[] = {
    {"Equals", F_STRING, SG_EQ, true, false},
    {"DoesNotEqual", F_STRING, SG_EQ, true, true},
    {"IEquals", F_STRING, SG_EQ, false, false},
    {"IDoesNotEqual", F_STRING, SG_EQ, false, true},
    {"StartsWith", F_STRING, SG_PREFIX, true, false},
    {"DoesNotStartWith", F_STRING, SG_PREFIX, true, true},
    {"IStartsWith", F_STRING, SG_PREFIX, false, false},
    {"IDoesNotStartWith", F_STRING, SG_PREFIX, false, true},
    {"EndsWith", F_STRING, SG_SUFFIX, true, false},
    {"DoesNotEndWith", F_STRING, SG_SUFFIX, true, true},
    {"IEndsWith", F_STRING, SG_SUFFIX, false, false},
    {"IDoesNotEndWith", F_STRING, SG_SUFFIX, false, true},
    {"Contains", F_STRING, SG_CONTAINS, true, false},
    {"DoesNotContain", F_STRING, SG_CONTAINS, true, true},
    {"IContains", F_STRING, SG_CONTAINS, false, false},
    {"IDoesNotContain", F_STRING, SG_CONTAINS, false, true},
    /* Panther's older names for Contains, still in its fixtures. */
    {"Has", F_STRING, SG_CONTAINS, true, false},
    {"DoesNotHave", F_STRING, SG_CONTAINS, true, true},
    {"IsGreaterThan", F_COMPARE, SG_NUM_GT, false, false},
    {"IsGreaterThanOrEquals", F_COMPARE, SG_NUM_GTE, false, false},
    {"IsGreaterThanOrEqual", F_COMPARE, SG_NUM_GTE, false, false},
    {"IsGreaterThanOrEqualTo", F_COMPARE, SG_NUM_GTE, false, false},
    {"IsLessThan", F_COMPARE, SG_NUM_LT, false, false},
    {"IsLessThanOrEquals", F_COMPARE, SG_NUM_LTE, false, false},
    {"IsLessThanOrEqual", F_COMPARE, SG_NUM_LTE, false, false},
    {"IsLessThanOrEqualTo", F_COMPARE, SG_NUM_LTE, false, false},
    {"Exists", F_UNARY, SG_EXISTS, false, false},
    {"DoesNotExist", F_UNARY, SG_EXISTS, false, true},
    {"IsNull", F_UNARY, SG_NULL, false, false},
    {"IsNotNull", F_UNARY, SG_NULL, false, true},
    {"IsNullOrEmpty", F_UNARY, SG_EMPTY, false, false},
    {"IsNotNullOrEmpty", F_UNARY, SG_EMPTY, false, true},
    {"IsIn", F_IN, SG_EQ, true, false},
    {"IsNotIn", F_IN, SG_EQ, true, true},
    {"IsIPAddress", F_IP, SG_IP_ANY, false, false},
    {"IsIPv4Address", F_IP, SG_IP_V4, false, false},
    {"IsIPv6Address", F_IP, SG_IP_V6, false, false},
    {"IsIPAddressPublic", F_IP, SG_IP_PUBLIC, false, false},
    {"IsIPAddressPrivate", F_IP, SG_IP_PRIVATE, false, false},
    {"IsIPAddressInCIDR", F_CIDR, SG_CIDR, false, false},
    {"IsIPAddressNotInCIDR", F_CIDR, SG_CIDR, false, true},
    {"CIDRContainsIPAddresses", F_NET_HAS, SG_NET_HAS, false, false},
    {"CIDRDoesNotContainIPAddresses", F_NET_HAS, SG_NET_HAS, false, true},
    {"AlwaysTrue", F_ALWAYS, 1, false, false},
    {"AlwaysFalse", F_ALWAYS, 0, false, false},
    {"AnyElement", F_ELEMENTS, SG_SOME, false, false},
    {"AllElements", F_ELEMENTS, SG_EVERY, false, false},
    {"OnlyOneElement", F_ELEMENTS, SG_ONLY_ONE, false, false},
    {"NoElement", F_ELEMENTS, SG_NO, false, false},
};

static const char *const expression_keys[] = {"Key",       "DeepKey", "KeyPath", "Enrichment",
                                              "Condition", "Value",   "Values",  "Expressions",
                                              "All",       "Any",     "OnlyOne", "None"};
static const char *const combinators[] = {"All", "Any", "OnlyOne", "None"};

#define STR_(x) #x
#define STR(x) STR_(x)

/* Integers past this many digits are compared as text: a double would
   round them, and two IDs that differ in their last digit must differ. */
enum { EXACT_DIGITS = 15 };

static void *fail(const px *c, const yt_node *at, const char *fmt, const char *arg) {
    return sg_error(c->rs, c->file, at->line, at->col, fmt, arg);
}

static sg_node *node(const px *c, sg_node_kind kind, size_t nkids) {
    return sg_node_new(c->rs->arena, kind, nkids);
}

static sg_node *negate(const px *c, sg_node *n) {
    sg_node *x = node(c, SG_N_NOT, 1);
    x->kids[0] = n;
    return x;
}

static sg_node *either(const px *c, sg_node *a, sg_node *b) {
    sg_node *x = node(c, SG_N_OR, 2);
    x->kids[0] = a;
    x->kids[1] = b;
    return x;
}

static sg_node *leaf(const px *c, const yt_node *at, const char *path, sg_op op) {
    sg_node *n = node(c, SG_N_TEST, 0);
    n->test.op = op;
    n->test.field = (char *)path;
    n->test.pos = (sg_pos){c->file, at->line, at->col};
    return n;
}

static sg_node *string_leaf(const px *c, const yt_node *v, const char *path, sg_op op, bool cased) {
    sg_node *n = leaf(c, v, path, op);
    n->test.str = v->text;
    n->test.str_len = v->len;
    n->test.cased = cased;
    return n;
}

/* The values of an expression: Value (kept in *one), or the scalars of
   Values; *n how many. */
static const yt_node *const *values(const px *c, const yt_node *e, const cond *cd, size_t *n,
                                    const yt_node **one) {
    const yt_node *list = yt_get(e, "Values");
    *one = yt_get(e, "Value");
    if (*one && list) return fail(c, e, "%s", "give Value or Values, not both");
    if (!*one && !list) return fail(c, e, "Condition %s needs a Value (or Values)", cd->name);
    if (list && (list->kind != YT_SEQ || list->n == 0))
        return fail(c, list, "%s", "Values is a non-empty list");
    const yt_node *const *v = list ? (const yt_node *const *)list->items : one;
    *n = list ? list->n : 1;
    for (size_t i = 0; i < *n; i++)
        if (v[i]->kind != YT_SCALAR) return fail(c, v[i], "%s", "a Value is a single scalar");
    return v;
}

static bool long_integer(const yt_node *v) {
    return strspn(v->text + (v->text[0] == '-'), "0123456789") > EXACT_DIGITS;
}

/* One value of Equals, IsIn ...: a number compares as a number (4688 is
   also "4688"), true and false as booleans, null as absent or null. */
static sg_node *equals(const px *c, const yt_node *v, const char *path, const cond *cd) {
    double num;
    yt_type t = cd->op == SG_EQ ? yt_core_type(v, &num) : YT_T_STR;
    sg_node *n;
    if (t == YT_T_NULL) return leaf(c, v, path, SG_NULL);
    if (t == YT_T_BOOL) {
        n = leaf(c, v, path, SG_BOOL);
    } else if ((t == YT_T_INT || t == YT_T_FLOAT) && isfinite(num) && !long_integer(v)) {
        n = leaf(c, v, path, SG_NUM_EQ);
    } else {
        return string_leaf(c, v, path, (sg_op)cd->op, cd->cased);
    }
    n->test.num = num;
    return n;
}

/* A finite number: YAML's, or a quoted one ("10"). */
static bool number_of(const yt_node *v, double *num) {
    yt_type t = yt_core_type(v, num);
    char *end = NULL;
    if (t != YT_T_INT && t != YT_T_FLOAT) *num = strtod(v->text, &end);
    return (!end || (v->len && end == v->text + v->len)) && isfinite(*num);
}

/* The OR of one test per value (Values: any of them). */
static sg_node *any_value(const px *c, const yt_node *e, const cond *cd, const char *path) {
    size_t n = 0;
    const yt_node *one;
    const yt_node *const *v = values(c, e, cd, &n, &one);
    if (!v) return NULL;
    sg_node *any = node(c, SG_N_OR, n);
    for (size_t i = 0; i < n; i++) {
        double num;
        switch (cd->form) {
        case F_COMPARE:
            if (!number_of(v[i], &num))
                return fail(c, v[i], "'%s' is not a number to compare with", v[i]->text);
            any->kids[i] = leaf(c, v[i], path, (sg_op)cd->op);
            any->kids[i]->test.num = num;
            break;
        case F_CIDR:
        case F_NET_HAS:
            if (!sg_valid_cidr(v[i]) || (cd->form == F_NET_HAS && strchr(v[i]->text, '/')))
                return fail(c, v[i],
                            cd->form == F_CIDR ? "'%s' is not a network (CIDR)"
                                               : "'%s' is not an IP address",
                            v[i]->text);
            any->kids[i] = string_leaf(c, v[i], path, (sg_op)cd->op, true);
            break;
        default: any->kids[i] = equals(c, v[i], path, cd);
        }
    }
    /* A network must contain every address listed. */
    if (cd->form == F_NET_HAS) any->kind = SG_N_AND;
    return any;
}

/* An address class: Value true (or none) asks for it, false against it. */
static sg_node *ip_class(const px *c, const yt_node *e, const cond *cd, const char *path,
                         bool *negated) {
    const yt_node *v = yt_get(e, "Value");
    double b = 1;
    if (yt_get(e, "Values") || (v && yt_core_type(v, &b) != YT_T_BOOL))
        return fail(c, v ? v : e, "Condition %s takes no Value but true or false", cd->name);
    sg_node *t = leaf(c, e, path, SG_IP);
    t->test.part = (uint8_t)cd->op;
    *negated = !b;
    return t;
}

/* The test(s) an expression with a key asks of that key's value; *negated
   says whether the expression holds when they do not (applied outside any
   element the key selects: "l[2] DoesNotExist" holds for a list of two). */
static sg_node *keyed(const px *c, const yt_node *e, const cond *cd, const px_key *k,
                      bool *negated) {
    const char *path = k->path;
    sg_node *t;
    *negated = cd->negate;
    switch (cd->form) {
    case F_UNARY:
        if (yt_get(e, "Value") || yt_get(e, "Values"))
            return fail(c, e, "Condition %s takes no Value", cd->name);
        t = leaf(c, e, path, (sg_op)cd->op);
        break;
    case F_IN:
        if (yt_get(e, "Value")) return fail(c, e, "Condition %s takes Values, a list", cd->name);
        t = any_value(c, e, cd, path);
        break;
    case F_IP: return ip_class(c, e, cd, path, negated); /* negated by its Value */
    default: t = any_value(c, e, cd, path);
    }
    if (t && cd->form == F_CIDR && cd->negate) { /* an address, and outside every network */
        sg_node *ip = leaf(c, e, path, SG_IP), *both = node(c, SG_N_AND, 2);
        both->kids[0] = ip;
        both->kids[1] = negate(c, t);
        *negated = false;
        return both;
    }
    return t;
}

/* Condition with Values holding two keys: the values of the first key
   compared with those of the second. */
static sg_node *two_keys(const px *c, const yt_node *e, const cond *cd) {
    const yt_node *list = yt_get(e, "Values");
    if (cd->form != F_STRING && cd->form != F_COMPARE)
        return fail(c, e, "Condition %s does not compare two keys", cd->name);
    if (list->n != 2) return fail(c, list, "%s", "a multi-key comparison has exactly two Values");
    px_key k[2];
    for (int i = 0; i < 2; i++) {
        bool found;
        if (!px_is_key_map(list->items[i]))
            return fail(c, list->items[i], "%s",
                        "each of the two Values is a key (Key, DeepKey, KeyPath or Enrichment)");
        if (!px_read_key(c, list->items[i], &k[i], &found)) return NULL;
        if (k[i].nidx) return fail(c, list->items[i], "%s", "compared keys take no [n] index");
    }
    sg_node *t = leaf(c, e, k[0].path, SG_FIELDREF);
    t->test.str = k[1].path;
    t->test.str_len = strlen(k[1].path);
    t->test.cmp = (uint8_t)cd->op;
    t->test.cased = cd->cased;
    return cd->negate ? negate(c, t) : t;
}

static sg_node *expression(const px *c, const yt_node *e);

static sg_node *list_of(const px *c, const yt_node *list, sg_node_kind kind, const char *what) {
    if (list->kind != YT_SEQ || list->n == 0)
        return fail(c, list, "%s is a non-empty list of match expressions", what);
    sg_node *n = node(c, kind, list->n);
    bool ok = true;
    for (size_t i = 0; i < list->n; i++)
        ok &= (n->kids[i] = expression(c, list->items[i])) != NULL;
    return ok ? n : NULL;
}

static sg_node *combinator(const px *c, const yt_node *e, size_t which) {
    static const sg_node_kind kinds[] = {SG_N_AND, SG_N_OR, SG_N_ONE, SG_N_OR};
    if (e->n != 1) return fail(c, e, "%s takes no other key beside it", combinators[which]);
    if (c->filter && which > 1)
        return fail(c, e, "InlineFilters combine with All and Any, not %s", combinators[which]);
    sg_node *n = list_of(c, yt_get(e, combinators[which]), kinds[which], combinators[which]);
    return n && which == 3 ? negate(c, n) : n;
}

/* AnyElement ...: the Expressions, with keys inside the element, asked of
   each element of the list at k. */
static sg_node *elements(const px *c, const yt_node *e, const cond *cd, const px_key *k) {
    const yt_node *exprs = yt_get(e, "Expressions");
    if (c->filter) return fail(c, e, "InlineFilters cannot use %s", cd->name);
    if (!exprs) return fail(c, e, "Condition %s needs Expressions", cd->name);
    if (yt_get(e, "Value") || yt_get(e, "Values"))
        return fail(c, e, "Condition %s takes Expressions, not Value", cd->name);
    px inner = *c;
    inner.base = k->path;
    inner.depth = c->depth + (unsigned)k->nidx + 1;
    if (inner.depth > SG_MAX_EACH_DEPTH)
        return fail(c, e, "element tests nested deeper than %s", STR(SG_MAX_EACH_DEPTH));
    sg_node *body = list_of(&inner, exprs, SG_N_AND, "Expressions");
    if (!body) return NULL;
    sg_node *each = node(c, SG_N_EACH, 1);
    each->kids[0] = body;
    each->path = k->path;
    each->quant = (sg_quant)cd->op;
    return each;
}

static const cond *find_cond(const px *c, const yt_node *e) {
    const yt_node *v = yt_get(e, "Condition");
    if (!v) return fail(c, e, "%s", "a match expression needs a Condition");
    if (v->kind != YT_SCALAR) return fail(c, v, "%s", "Condition is a name, like Equals");
    for (size_t i = 0; i < sizeof conds / sizeof *conds; i++)
        if (!strcmp(v->text, conds[i].name)) return &conds[i];
    return fail(c, v, "unknown condition '%s'", v->text);
}

static bool known_keys(const px *c, const yt_node *e) {
    bool ok = true;
    for (size_t i = 0; i < e->n; i++) {
        const yt_node *k = e->items[2 * i];
        bool known = false;
        for (size_t j = 0; j < sizeof expression_keys / sizeof *expression_keys; j++)
            known |= k->kind == YT_SCALAR && !strcmp(k->text, expression_keys[j]);
        if (!known)
            ok = fail(c, k, "unknown key '%s' in a match expression",
                      k->kind == YT_SCALAR ? k->text : "?");
    }
    return ok;
}

/* "Key x Equals y", for explain traces. */
static const char *label(const px *c, const yt_node *e, const char *key, const char *cond) {
    char text[200];
    const yt_node *v = yt_get(e, "Value"), *vs = yt_get(e, "Values");
    size_t n = (size_t)snprintf(text, sizeof text, "%s%s%s", key ? key : "", key ? " " : "", cond);
    if (v && v->kind == YT_SCALAR) n += (size_t)snprintf(text + n, sizeof text - n, " %s", v->text);
    for (size_t i = 0; vs && vs->kind == YT_SEQ && i < vs->n && n < sizeof text; i++) {
        const yt_node *it = vs->items[i], *key = it->kind == YT_MAP && it->n ? it->items[0] : NULL;
        const yt_node *val = key ? it->items[1] : NULL;
        char item[100];
        if (it->kind == YT_SCALAR)
            snprintf(item, sizeof item, "%s", it->text);
        else if (key && key->kind == YT_SCALAR && val->kind == YT_SCALAR)
            snprintf(item, sizeof item, "%s %s", key->text, val->text);
        else
            snprintf(item, sizeof item, "{...}");
        n += (size_t)snprintf(text + n, sizeof text - n, "%s%s%s", i ? ", " : " [", item,
                              i + 1 == vs->n ? "]" : "");
    }
    if (n >= sizeof text) memcpy(text + sizeof text - 4, "...", 4);
    return sg_strndup(c->rs->arena, text, strlen(text));
}

static sg_node *expression(const px *c, const yt_node *e) {
    if (e->kind != YT_MAP || e->n == 0)
        return fail(c, e, "%s", "a match expression is a map (Key, Condition, Value ...)");
    bool keys_ok = known_keys(c, e); /* the rest is checked too, to report all at once */
    for (size_t i = 0; i < 4; i++)
        if (yt_get(e, combinators[i])) {
            sg_node *n = combinator(c, e, i);
            if (n) n->label = combinators[i];
            if (n) n->pos = (sg_pos){c->file, e->line, e->col};
            return keys_ok ? n : NULL;
        }
    const cond *cd = find_cond(c, e);
    if (!cd) return NULL;
    if (c->filter && (yt_get(e, "Key") || yt_get(e, "DeepKey")))
        return fail(c, e, "%s", "InlineFilters name fields with KeyPath or Enrichment");
    px_key k;
    bool has_key;
    if (!px_read_key(c, e, &k, &has_key)) return NULL;
    const yt_node *vs = yt_get(e, "Values");
    bool multi = !has_key && vs && vs->kind == YT_SEQ && vs->n && px_is_key_map(vs->items[0]);
    sg_node *n;
    if (cd->form == F_ALWAYS) {
        if (has_key || e->n != 1) return fail(c, e, "%s takes nothing but its Condition", cd->name);
        n = node(c, cd->op ? SG_N_TRUE : SG_N_FALSE, 0);
    } else if (multi) {
        if (c->filter) return fail(c, e, "%s", "InlineFilters cannot compare two keys");
        n = two_keys(c, e, cd);
    } else if (!has_key) {
        return fail(c, e, "Condition %s needs a key (Key, DeepKey, KeyPath or Enrichment)",
                    cd->name);
    } else if (c->depth + k.nidx > SG_MAX_EACH_DEPTH) {
        return fail(c, e, "element tests nested deeper than %s", STR(SG_MAX_EACH_DEPTH));
    } else {
        bool negated = false;
        n = cd->form == F_ELEMENTS ? elements(c, e, cd, &k) : keyed(c, e, cd, &k, &negated);
        n = n ? px_at_indices(c, &k, n) : NULL;
        if (n && negated) n = negate(c, n);
        /* In a filter an absent field lets the event through. */
        if (n && c->filter)
            n = either(c, negate(c, px_at_indices(c, &k, leaf(c, e, k.path, SG_EXISTS))), n);
    }
    if (!n || !keys_ok) return NULL;
    n->label = label(c, e, has_key ? k.text : NULL, cd->name);
    n->pos = (sg_pos){c->file, e->line, e->col};
    return n;
}

sg_node *px_all(const px *c, const yt_node *list, const char *what) {
    sg_node *n = list_of(c, list, SG_N_AND, what);
    if (n) n->label = what;
    if (n) n->pos = (sg_pos){c->file, list->line, list->col};
    return n;
}
