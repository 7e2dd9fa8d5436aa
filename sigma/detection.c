/* detection.c: a Sigma detection map to an expression tree.
 *
 * Each search identifier becomes a subtree: a map is the AND of its field
 * entries, a list of maps the OR of those, a list of plain values a keyword
 * search. A field entry "Field|mod|mod: value(s)" becomes one test per value
 * (ORed, or ANDed under |all), each value expanded by its modifiers into the
 * tests it stands for. The condition string then combines the subtrees.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "placeholders.h"
#include "yaml_tree.h"

typedef struct dctx {
    sg_ruleset *rs;
    const char *file;
} dctx;

/* Everything a field's modifier chain says. */
typedef struct mods {
    sg_anchor anchor;
    bool all, cased, exists, expand, fieldref, neq, windash, cidr, re;
    uint8_t re_flags;
    int cmp;      /* SG_NUM_GT.. or -1 */
    int timepart; /* sg_timepart or -1 */
    sg_encoding enc[8];
    size_t nenc;
} mods;

static void *fail(dctx *d, const yt_node *at, const char *fmt, const char *arg) {
    return sg_error(d->rs, d->file, at->line, at->col, fmt, arg);
}

static sg_node *test_node(dctx *d, const yt_node *at, const char *field, sg_op op) {
    sg_node *n = sg_node_new(d->rs->arena, SG_N_TEST, 0);
    n->test.op = op;
    n->test.field = field ? sg_strndup(d->rs->arena, field, strlen(field)) : NULL;
    n->test.pos = (sg_pos){d->file, at->line, at->col};
    return n;
}

static sg_node *wrap_not(dctx *d, sg_node *n) {
    sg_node *x = sg_node_new(d->rs->arena, SG_N_NOT, 1);
    x->kids[0] = n;
    return x;
}

/* One node for a list of alternatives: itself when alone. */
static sg_node *combine(dctx *d, sg_node_kind kind, sg_node **v, size_t n) {
    if (n == 1) return v[0];
    sg_node *x = sg_node_new(d->rs->arena, kind, n);
    memcpy(x->kids, v, n * sizeof *v);
    return x;
}

/* ---- modifiers ---- */

static const struct {
    const char *name;
    sg_op op;
} comparisons[] = {{"gt", SG_NUM_GT}, {"gte", SG_NUM_GTE}, {"lt", SG_NUM_LT}, {"lte", SG_NUM_LTE}};
static const char *const timeparts[] = {"minute", "hour", "day", "week", "month", "year"};

/* Reads one modifier name into m; false for a name Sigma does not define. */
static bool read_modifier(mods *m, const char *name, bool *clash) {
    sg_encoding enc;
    *clash = false;
    if (!strcmp(name, "contains"))
        m->anchor = SG_ANCHOR_CONTAINS; /* two different anchors: chain_clash */
    else if (!strcmp(name, "startswith"))
        m->anchor = SG_ANCHOR_STARTSWITH; /* two different anchors: chain_clash */
    else if (!strcmp(name, "endswith"))
        m->anchor = SG_ANCHOR_ENDSWITH; /* two different anchors: chain_clash */
    else if (!strcmp(name, "all"))
        m->all = true;
    else if (!strcmp(name, "cased"))
        m->cased = true;
    else if (!strcmp(name, "exists"))
        m->exists = true;
    else if (!strcmp(name, "expand"))
        m->expand = true;
    else if (!strcmp(name, "fieldref"))
        m->fieldref = true;
    else if (!strcmp(name, "neq"))
        m->neq = true;
    else if (!strcmp(name, "windash"))
        m->windash = true;
    else if (!strcmp(name, "cidr"))
        m->cidr = true;
    else if (!strcmp(name, "re"))
        m->re = true;
    else if (!strcmp(name, "i") || !strcmp(name, "m") || !strcmp(name, "s")) {
        *clash = !m->re; /* only meaningful right after re */
        m->re_flags |= name[0] == 'i' ? SG_RE_I : name[0] == 'm' ? SG_RE_M : SG_RE_S;
    } else if (sg_encoding_by_name(name, &enc)) {
        *clash = m->nenc == sizeof m->enc / sizeof *m->enc;
        if (!*clash) m->enc[m->nenc++] = enc;
    } else {
        for (size_t i = 0; i < sizeof comparisons / sizeof *comparisons; i++)
            if (!strcmp(name, comparisons[i].name)) {
                *clash = m->cmp >= 0;
                m->cmp = (int)comparisons[i].op;
                return true;
            }
        for (int i = 0; i < 6; i++)
            if (!strcmp(name, timeparts[i])) {
                *clash = m->timepart >= 0;
                m->timepart = i;
                return true;
            }
        return false;
    }
    return true;
}

/* Modifier families, for deciding which modifiers may share a chain. */
enum {
    F_RE = 1 << 0,       /* re */
    F_REFLAG = 1 << 1,   /* i m s */
    F_CIDR = 1 << 2,     /* cidr */
    F_EXISTS = 1 << 3,   /* exists */
    F_CMP = 1 << 4,      /* gt gte lt lte */
    F_TIME = 1 << 5,     /* minute .. year */
    F_FIELDREF = 1 << 6, /* fieldref */
    F_ANCHOR = 1 << 7,   /* contains startswith endswith */
    F_ENCODE = 1 << 8,   /* base64* utf16* wide windash */
    F_EXPAND = 1 << 9,   /* expand */
    F_ALL = 1 << 10,     /* all */
    F_NEQ = 1 << 11,     /* neq */
    F_CASED = 1 << 12,   /* cased */
};

static unsigned family(const char *name) {
    static const struct {
        const char *name;
        unsigned fam;
    } fams[] = {{"re", F_RE},
                {"i", F_REFLAG},
                {"m", F_REFLAG},
                {"s", F_REFLAG},
                {"cidr", F_CIDR},
                {"exists", F_EXISTS},
                {"gt", F_CMP},
                {"gte", F_CMP},
                {"lt", F_CMP},
                {"lte", F_CMP},
                {"minute", F_TIME},
                {"hour", F_TIME},
                {"day", F_TIME},
                {"week", F_TIME},
                {"month", F_TIME},
                {"year", F_TIME},
                {"fieldref", F_FIELDREF},
                {"contains", F_ANCHOR},
                {"startswith", F_ANCHOR},
                {"endswith", F_ANCHOR},
                {"expand", F_EXPAND},
                {"all", F_ALL},
                {"neq", F_NEQ},
                {"cased", F_CASED}};
    for (size_t i = 0; i < sizeof fams / sizeof *fams; i++)
        if (!strcmp(name, fams[i].name)) return fams[i].fam;
    return F_ENCODE;
}

/* The families each family may be chained with. */
static unsigned companions(unsigned fam) {
    const unsigned strings = F_ANCHOR | F_ENCODE | F_EXPAND | F_ALL | F_NEQ | F_CASED;
    switch (fam) {
    case F_RE: return F_REFLAG | F_ALL | F_NEQ;
    case F_REFLAG: return F_RE | F_REFLAG | F_ALL | F_NEQ;
    case F_CIDR: return F_ALL | F_NEQ;
    case F_EXISTS: return 0;
    case F_CMP: return F_ALL;
    case F_TIME: return F_ALL | F_NEQ;
    case F_FIELDREF: return F_ANCHOR | F_CASED | F_ALL | F_NEQ;
    case F_ALL: return ~(unsigned)F_EXISTS;
    case F_NEQ: return ~(unsigned)(F_EXISTS | F_CMP);
    default: return strings | (fam == F_ANCHOR || fam == F_CASED ? F_FIELDREF : 0);
    }
}

/* The first pair of modifiers that cannot share a chain, as a message. */
static char *chain_clash(dctx *d, char *const *names, size_t n) {
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            unsigned a = family(names[i]), b = family(names[j]);
            bool two_anchors = a == F_ANCHOR && b == F_ANCHOR && strcmp(names[i], names[j]);
            if (!(companions(a) & b) || two_anchors) {
                char msg[160];
                snprintf(msg, sizeof msg, "modifiers '%s' and '%s' cannot be combined", names[i],
                         names[j]);
                return sg_strndup(d->rs->arena, msg, strlen(msg));
            }
        }
    return NULL;
}

/* Splits "Field|mod|mod" into the field name and its modifiers. */
static bool parse_key(dctx *d, const yt_node *key, char **field, mods *m) {
    *m = (mods){.cmp = -1, .timepart = -1};
    const char *bar = memchr(key->text, '|', key->len);
    size_t flen = bar ? (size_t)(bar - key->text) : key->len;
    *field = flen ? sg_strndup(d->rs->arena, key->text, flen) : NULL;
    char *names[16];
    size_t n = 0;
    while (bar) {
        const char *name = bar + 1, *end = strchr(name, '|');
        size_t len = end ? (size_t)(end - name) : strlen(name);
        char *mod = sg_strndup(d->rs->arena, name, len);
        bool clash;
        if (!read_modifier(m, mod, &clash))
            return fail(d, key, "unknown modifier '%s'", mod), false;
        if (clash || n == sizeof names / sizeof *names)
            return fail(d, key, "modifier '%s' cannot be used here", mod), false;
        names[n++] = mod;
        bar = end;
    }
    char *why = chain_clash(d, names, n);
    if (why) return fail(d, key, "%s", why), false;
    return true;
}

/* ---- values ---- */

static bool plain_bool(const yt_node *v, bool *b) {
    if (!v->plain) return false;
    if (!strcasecmp(v->text, "true")) return *b = true;
    if (!strcasecmp(v->text, "false")) return !(*b = false);
    return false;
}

/* A plain scalar written as a number (JSON syntax; YAML's octal and hex
   forms are left as strings, as a detection engineer would expect). */
static bool plain_number(const yt_node *v, double *out) {
    if (!v->plain || !v->len) return false;
    const char *s = v->text;
    size_t i = s[0] == '-';
    if (i == v->len || s[i] < '0' || s[i] > '9') return false;
    if (s[i] == '0' && i + 1 < v->len && s[i + 1] >= '0' && s[i + 1] <= '9') return false;
    char *end;
    *out = strtod(s, &end);
    return end == s + v->len;
}

static sg_node *regex_test(dctx *d, const yt_node *v, const char *field, const mods *m) {
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)v->text, v->len, PCRE2_UTF, &code, &off, NULL);
    if (!re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        return fail(d, v, "invalid regular expression: %s", (char *)msg);
    }
    pcre2_code_free(re);
    sg_node *t = test_node(d, v, field, SG_REGEX);
    t->test.str = sg_strndup(d->rs->arena, v->text, v->len);
    t->test.str_len = v->len;
    t->test.flags = m->re_flags;
    return t;
}

/* Accepts what the vm's CIDR parser accepts (or less), so that a compiled
   pack is never refused: a prefix length is plain decimal, without sign,
   blanks or leading zero, and no NUL may hide a tail. */
bool sg_valid_cidr(const yt_node *v) {
    const char *s = v->text;
    if (memchr(s, '\0', v->len)) return false;
    char addr[64];
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    if (alen >= sizeof addr) return false;
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    unsigned char buf[16];
    bool v6 = strchr(addr, ':') != NULL;
    if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, buf) != 1) return false;
    if (!slash) return true;
    const char *bits = slash + 1;
    size_t nbits = strlen(bits);
    if (nbits == 0 || nbits > 3 || strspn(bits, "0123456789") != nbits ||
        (nbits > 1 && bits[0] == '0'))
        return false;
    return atoi(bits) <= (v6 ? 128 : 32);
}

/* A value that decides the whole test (re, cidr, exists, comparisons, time
   parts, fieldref); NULL with *handled false when it is an ordinary value. */
static sg_node *whole_value_test(dctx *d, const yt_node *v, const char *field, const mods *m,
                                 bool *handled) {
    *handled = true;
    double num;
    bool b;
    if (m->exists) {
        if (!plain_bool(v, &b)) return fail(d, v, "%s", "exists takes true or false");
        sg_node *t = test_node(d, v, field, SG_EXISTS);
        return b ? t : wrap_not(d, t);
    }
    if (m->re) return regex_test(d, v, field, m);
    if (m->cidr) {
        if (!sg_valid_cidr(v)) return fail(d, v, "'%s' is not a network (CIDR)", v->text);
        sg_node *t = test_node(d, v, field, SG_CIDR);
        t->test.str = sg_strndup(d->rs->arena, v->text, v->len);
        t->test.str_len = v->len;
        return t;
    }
    if (m->cmp >= 0 || m->timepart >= 0) {
        if (!plain_number(v, &num) && !(sscanf(v->text, "%lf", &num) == 1 && v->len))
            return fail(d, v, "'%s' is not a number", v->text);
        sg_node *t = test_node(d, v, field, m->cmp >= 0 ? (sg_op)m->cmp : SG_TIMEPART);
        t->test.num = num;
        t->test.part = (uint8_t)(m->timepart >= 0 ? m->timepart : 0);
        return t;
    }
    if (m->fieldref) {
        sg_node *t = test_node(d, v, field, SG_FIELDREF);
        t->test.str = sg_strndup(d->rs->arena, v->text, v->len);
        t->test.str_len = v->len;
        t->test.cmp = m->anchor == SG_ANCHOR_CONTAINS     ? SG_CONTAINS
                      : m->anchor == SG_ANCHOR_STARTSWITH ? SG_PREFIX
                      : m->anchor == SG_ANCHOR_ENDSWITH   ? SG_SUFFIX
                                                          : SG_EQ;
        t->test.cased = m->cased;
        return t;
    }
    *handled = false;
    return NULL;
}

/* The tests a Sigma string stands for: windash, encoders and anchor applied. */
static sg_node *string_tests(dctx *d, const yt_node *at, const char *field, const mods *m,
                             const char *src, size_t n) {
    sg_strmods sm = {.windash = m->windash, .enc = m->enc, .nenc = m->nenc, .anchor = m->anchor};
    if (!field && sm.anchor == SG_ANCHOR_NONE) sm.anchor = SG_ANCHOR_CONTAINS;
    sg_strtest *st;
    size_t nst;
    const char *err = sg_string_tests(d->rs->arena, src, n, &sm, &st, &nst);
    if (err) return fail(d, at, "%s", err);
    sg_node **alts = sg_alloc(d->rs->arena, (nst ? nst : 1) * sizeof *alts);
    for (size_t i = 0; i < nst; i++) {
        sg_node *t = alts[i] = test_node(d, at, field, st[i].op);
        t->test.str = st[i].str.p;
        t->test.str_len = st[i].str.n;
        /* Encoded bytes are exact: folding base64 would match other bytes. */
        t->test.cased = m->cased || m->nenc;
    }
    return nst ? combine(d, SG_N_OR, alts, nst) : sg_node_new(d->rs->arena, SG_N_FALSE, 0);
}

/* The tests one scalar stands for under the modifiers m. */
static sg_node *value_test(dctx *d, const yt_node *v, const char *field, const mods *m) {
    bool handled, b;
    double num;
    sg_node *t = whole_value_test(d, v, field, m, &handled);
    if (handled) return t;
    bool shaped = m->anchor != SG_ANCHOR_NONE || m->nenc || m->windash || m->expand || !field;
    if (yt_is_null(v)) {
        if (shaped || m->cased) return fail(d, v, "%s", "null takes no string modifier");
        t = test_node(d, v, field, SG_NULL);
    } else if (!shaped && !m->cased && plain_bool(v, &b)) {
        t = test_node(d, v, field, SG_BOOL);
        t->test.num = b;
    } else if (!shaped && !m->cased && plain_number(v, &num)) {
        t = test_node(d, v, field, SG_NUM_EQ);
        t->test.num = num;
    } else if (m->expand) {
        sg_blist vals;
        char name[256] = "";
        const char *err = sg_expand(d->rs, v->text, v->len, &vals, name, sizeof name);
        if (err)
            return sg_error(d->rs, d->file, v->line, v->col, "placeholder %%%s%% %s", name, err);
        sg_node **alts = sg_alloc(d->rs->arena, (vals.n ? vals.n : 1) * sizeof *alts);
        for (size_t i = 0; i < vals.n; i++)
            if (!(alts[i] = string_tests(d, v, field, m, vals.v[i].p, vals.v[i].n))) return NULL;
        t = vals.n ? combine(d, SG_N_OR, alts, vals.n) : sg_node_new(d->rs->arena, SG_N_FALSE, 0);
    } else {
        t = string_tests(d, v, field, m, v->text, v->len);
    }
    return t && m->neq ? wrap_not(d, t) : t;
}

/* "Field|mods: value or list": one test per value, ORed (ANDed under |all). */
static sg_node *field_entry(dctx *d, const yt_node *key, const yt_node *val) {
    char *field;
    mods m;
    if (key->kind != YT_SCALAR) return fail(d, key, "%s", "a field name must be a string");
    if (!parse_key(d, key, &field, &m)) return NULL;
    if (val->kind == YT_MAP)
        return fail(d, val, "the value of '%s' must be a value or a list of values", key->text);
    size_t n = val->kind == YT_SEQ ? val->n : 1;
    if (n == 0) return fail(d, val, "'%s' has an empty list of values", key->text);
    sg_node **kids = sg_alloc(d->rs->arena, n * sizeof *kids);
    for (size_t i = 0; i < n; i++) {
        const yt_node *v = val->kind == YT_SEQ ? val->items[i] : val;
        if (v->kind != YT_SCALAR)
            return fail(d, v, "the values of '%s' must be scalars", key->text);
        if (!(kids[i] = value_test(d, v, field, &m))) return NULL;
    }
    return combine(d, m.all ? SG_N_AND : SG_N_OR, kids, n);
}

static sg_node *search_map(dctx *d, const yt_node *map) {
    if (map->n == 0) return fail(d, map, "%s", "empty search map");
    sg_node **kids = sg_alloc(d->rs->arena, map->n * sizeof *kids);
    bool ok = true;
    for (size_t i = 0; i < map->n; i++)
        ok &= (kids[i] = field_entry(d, map->items[2 * i], map->items[2 * i + 1])) != NULL;
    return ok ? combine(d, SG_N_AND, kids, map->n) : NULL;
}

/* A list of bare values: a keyword search over every value of the event. */
static sg_node *keywords(dctx *d, const yt_node *list) {
    static const mods plain = {.cmp = -1, .timepart = -1};
    size_t n = list->kind == YT_SEQ ? list->n : 1;
    sg_node **kids = sg_alloc(d->rs->arena, (n ? n : 1) * sizeof *kids);
    for (size_t i = 0; i < n; i++) {
        const yt_node *v = list->kind == YT_SEQ ? list->items[i] : list;
        if (v->kind != YT_SCALAR || yt_is_null(v))
            return fail(d, v, "%s", "a keyword list holds only strings (or only maps)");
        if (!(kids[i] = value_test(d, v, NULL, &plain))) return NULL;
    }
    return combine(d, SG_N_OR, kids, n);
}

static sg_node *search(dctx *d, const yt_node *v) {
    if (v->kind == YT_MAP) return search_map(d, v);
    if (v->kind == YT_SCALAR) {
        if (yt_is_null(v)) return fail(d, v, "%s", "empty search identifier");
        return keywords(d, v);
    }
    if (v->n == 0) return fail(d, v, "%s", "empty search list");
    if (v->items[0]->kind != YT_MAP) return keywords(d, v);
    sg_node **kids = sg_alloc(d->rs->arena, v->n * sizeof *kids);
    for (size_t i = 0; i < v->n; i++) {
        if (v->items[i]->kind != YT_MAP)
            return fail(d, v->items[i], "%s", "a list of maps cannot also hold values");
        if (!(kids[i] = search_map(d, v->items[i]))) return NULL;
    }
    return combine(d, SG_N_OR, kids, v->n);
}

sg_node *sg_search(sg_ruleset *rs, const char *file, const yt_node *v) {
    dctx d = {rs, file};
    return search(&d, v);
}

/* ---- condition ---- */

static bool is_search_key(const char *k, bool is_filter) {
    return strcmp(k, "condition") && strcmp(k, "timeframe") && !(is_filter && !strcmp(k, "rules"));
}

static sg_node *one_condition(dctx *d, const sg_cond_env *env, const yt_node *c) {
    if (c->kind != YT_SCALAR || yt_is_null(c))
        return fail(d, c, "%s", "a condition must be a string");
    /* The parser reads a C string: whatever followed a NUL would be ignored. */
    if (memchr(c->text, '\0', c->len))
        return fail(d, c, "%s", "a condition cannot hold a NUL byte");
    char err[256];
    size_t off = 0;
    sg_node *n = sg_parse_condition(env, c->text, err, sizeof err, &off);
    if (!n) sg_error(d->rs, d->file, c->line, c->col + (int)off + !c->plain, "condition: %s", err);
    return n;
}

static sg_node *condition(dctx *d, const yt_node *det, const sg_cond_env *env) {
    const yt_node *c = yt_get(det, "condition");
    if (!c) return fail(d, det, "%s", "detection has no 'condition'");
    if (c->kind != YT_SEQ) return one_condition(d, env, c);
    if (c->n == 0) return fail(d, c, "%s", "empty condition list");
    sg_node **kids = sg_alloc(d->rs->arena, c->n * sizeof *kids);
    for (size_t i = 0; i < c->n; i++)
        if (!(kids[i] = one_condition(d, env, c->items[i]))) return NULL;
    return combine(d, SG_N_OR, kids, c->n);
}

sg_node *sg_detection(sg_ruleset *rs, const char *file, const yt_node *det, bool is_filter) {
    dctx d = {rs, file};
    const char **names = sg_alloc(rs->arena, (det->n ? det->n : 1) * sizeof *names);
    sg_node **trees = sg_alloc(rs->arena, (det->n ? det->n : 1) * sizeof *trees);
    size_t n = 0;
    bool ok = true;
    for (size_t i = 0; i < det->n; i++) {
        const yt_node *k = det->items[2 * i];
        if (k->kind != YT_SCALAR) {
            ok = fail(&d, k, "%s", "a search identifier must be a string");
            continue;
        }
        if (!is_search_key(k->text, is_filter)) continue;
        names[n] = k->text;
        sg_node *t = trees[n++] = search(&d, det->items[2 * i + 1]);
        ok &= t != NULL;
        if (t) t->label = k->text; /* explain traces name each search */
        if (t) t->pos = (sg_pos){file, k->line, k->col};
    }
    if (!ok) return NULL;
    sg_cond_env env = {.arena = rs->arena, .nidents = n, .idents = names, .searches = trees};
    return condition(&d, det, &env);
}
