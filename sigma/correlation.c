/* correlation.c: Sigma correlation documents (spec v2.1) to sg_correlation,
   and, once every file is read, what their rules: entries refer to. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_tree.h"

size_t sg_correlation_count(const sg_ruleset *rs) {
    return rs->correlations.n;
}
const sg_correlation *sg_correlation_at(const sg_ruleset *rs, size_t i) {
    return rs->correlations.v[i];
}

bool sg_parse_timespan(const char *s, int64_t *ms) {
    /* Months and years have no fixed length: 30 and 365 days stand for them. */
    static const char units[] = "smhdwMy";
    static const int64_t secs[] = {1, 60, 3600, 86400, 7 * 86400, 30 * 86400, 365 * 86400};
    char *end;
    long long n = strtoll(s, &end, 10);
    const char *u = *end ? strchr(units, *end) : NULL;
    if (end == s || !u || end[1] || n <= 0 || n > 100000 || *s == '+' || *s == ' ') return false;
    *ms = n * secs[u - units] * 1000;
    return true;
}

static const char *const type_names[] = {"event_count",      "value_count", "temporal",
                                         "temporal_ordered", "value_sum",   "value_avg",
                                         "value_percentile"};
const char *sg_correlation_type_name(sg_corr_type t) {
    return type_names[t];
}

static const char *const cmp_names[SG_CMPS] = {"gt", "gte", "lt", "lte", "eq", "neq"};

static char *text_of(const yt_node *n) {
    return n && n->kind == YT_SCALAR && !yt_is_null(n) ? n->text : NULL;
}

static bool number(const yt_node *n, double *out) {
    char *end;
    if (!text_of(n)) return false;
    *out = strtod(n->text, &end);
    return end != n->text && !*end && isfinite(*out);
}

/* The condition map: comparisons, and for value_* types field (and percentile). */
static bool condition(sg_ruleset *rs, const char *file, const yt_node *c, sg_correlation *k) {
    bool temporal = k->type == SG_TEMPORAL || k->type == SG_TEMPORAL_ORDERED;
    if (!c) {
        if (temporal) return true; /* every referenced rule, set by sg_finish */
        return sg_error(rs, file, k->pos.line, k->pos.col, "correlation has no 'condition'"), false;
    }
    if (c->kind != YT_MAP)
        return sg_error(rs, file, c->line, c->col, "'condition' must be a map (gte: 10 ...)"),
               false;
    for (size_t i = 0; i < c->n; i++) {
        const yt_node *key = c->items[2 * i], *v = c->items[2 * i + 1];
        const char *name = text_of(key) ? key->text : "?";
        if (!strcmp(name, "field")) {
            k->field = text_of(v);
            continue;
        }
        if (!strcmp(name, "percentile")) {
            if (!number(v, &k->percentile) || k->percentile < 0 || k->percentile > 100)
                return sg_error(rs, file, v->line, v->col, "percentile is a number 0-100"), false;
            continue;
        }
        size_t op = 0;
        while (op < SG_CMPS && strcmp(name, cmp_names[op]))
            op++;
        if (op == SG_CMPS)
            return sg_error(rs, file, key->line, key->col,
                            "unknown condition '%s' (gt gte lt lte eq neq, field, percentile)",
                            name),
                   false;
        if (!number(v, &k->cmp[op]))
            return sg_error(rs, file, v->line, v->col, "'%s' takes a number", name), false;
        k->ops |= 1u << op;
    }
    bool valued = k->type == SG_VALUE_COUNT || k->type >= SG_VALUE_SUM;
    if (valued && !k->field)
        return sg_error(rs, file, c->line, c->col, "%s needs 'field' in its condition",
                        type_names[k->type]),
               false;
    if (!k->ops && !temporal)
        return sg_error(rs, file, c->line, c->col, "condition has no comparison (gte: 10 ...)"),
               false;
    return true;
}

void sg_read_correlation(sg_ruleset *rs, const char *file, const yt_node *doc) {
    const yt_node *c = yt_get(doc, "correlation");
    if (c->kind != YT_MAP) {
        sg_error(rs, file, c->line, c->col, "'correlation' must be a map");
        return;
    }
    sg_correlation *k = sg_alloc(rs->arena, sizeof *k);
    k->pos = (sg_pos){file, doc->line, doc->col};
    k->id = text_of(yt_get(doc, "id"));
    k->name = text_of(yt_get(doc, "name"));
    k->title = text_of(yt_get(doc, "title"));
    k->level = text_of(yt_get(doc, "level"));
    k->percentile = 50;
    if (!k->title) {
        sg_error(rs, file, doc->line, doc->col, "correlation has no 'title'");
        return;
    }
    const yt_node *type = yt_get(c, "type"), *rules = yt_get(c, "rules"),
                  *span = yt_get(c, "timespan"), *group = yt_get(c, "group-by"),
                  *gen = yt_get(c, "generate");
    if (!gen) gen = yt_get(doc, "generate"); /* v2.0 put it beside level */
    size_t t = 0;
    while (text_of(type) && t < sizeof type_names / sizeof *type_names &&
           strcmp(type->text, type_names[t]))
        t++;
    if (!text_of(type) || t == sizeof type_names / sizeof *type_names) {
        const yt_node *at = type ? type : c;
        sg_error(rs, file, at->line, at->col,
                 "correlation type must be event_count, value_count, temporal, temporal_ordered, "
                 "value_sum, value_avg or value_percentile");
        return;
    }
    k->type = (sg_corr_type)t;
    if (!rules || !(rules->kind == YT_SEQ ? rules->n : text_of(rules) != NULL)) {
        const yt_node *at = rules ? rules : c;
        sg_error(rs, file, at->line, at->col, "correlation needs 'rules' (ids or names)");
        return;
    }
    size_t n = rules->kind == YT_SEQ ? rules->n : 1;
    k->refs = sg_alloc(rs->arena, n * sizeof *k->refs);
    for (size_t i = 0; i < n; i++) {
        const yt_node *r = rules->kind == YT_SEQ ? rules->items[i] : rules;
        if (!text_of(r)) {
            sg_error(rs, file, r->line, r->col, "a rules entry is a rule's id or name");
            return;
        }
        k->refs[k->nrefs++] = (sg_corr_ref){.ref = r->text, .pos = {file, r->line, r->col}};
    }
    if (!text_of(span) || !sg_parse_timespan(span->text, &k->timespan_ms)) {
        const yt_node *at = span ? span : c;
        sg_error(rs, file, at->line, at->col,
                 "bad timespan '%s': a number and one of s m h d w M y (10m, 1h)",
                 text_of(span) ? span->text : "");
        return;
    }
    for (size_t i = 0; group && group->kind == YT_SEQ && i < group->n; i++)
        if (!text_of(group->items[i])) group = NULL;
    if (group && group->kind == YT_SEQ) {
        k->group_by.n = group->n;
        k->group_by.v = sg_alloc(rs->arena, (group->n ? group->n : 1) * sizeof(char *));
        for (size_t i = 0; i < group->n; i++)
            k->group_by.v[i] = group->items[i]->text;
    } else if (group && text_of(group)) {
        k->group_by.n = 1;
        k->group_by.v = sg_alloc(rs->arena, sizeof(char *));
        k->group_by.v[0] = group->text;
    } else if (group || k->type == SG_VALUE_COUNT) {
        const yt_node *at = group ? group : c;
        sg_error(rs, file, at->line, at->col, "'group-by' must be a list of field names%s",
                 group ? "" : " (value_count needs one)");
        return;
    }
    if (k->group_by.n > SG_MAX_GROUP_BY) {
        sg_error(rs, file, group->line, group->col, "more than %d group-by fields",
                 SG_MAX_GROUP_BY);
        return;
    }
    double g = 0;
    if (gen && yt_core_type(gen, &g) != YT_T_BOOL) {
        sg_error(rs, file, gen->line, gen->col, "'generate' is true or false");
        return;
    }
    k->generate = g != 0;
    k->aliases = yt_get(c, "aliases");
    if (k->aliases && k->aliases->kind != YT_MAP) {
        sg_error(rs, file, k->aliases->line, k->aliases->col,
                 "'aliases' maps an alias to {rule name: field}");
        return;
    }
    if (!condition(rs, file, yt_get(c, "condition"), k)) return;
    sg_vec_push(&rs->correlations, k);
}

/* ---- resolution ---- */

static bool names(const char *ref, const char *id, const char *name) {
    return (id && !strcmp(ref, id)) || (name && !strcmp(ref, name));
}

/* The field group-by name g has in the events of ref: its alias for that
   rule (keyed by the rule's name or id, or as the rules entry says), else g. */
static const char *field_for(sg_ruleset *rs, const sg_correlation *k, const sg_corr_ref *ref,
                             const char *g) {
    const yt_node *alias = k->aliases ? yt_get(k->aliases, g) : NULL;
    if (!alias) return g;
    const char *id = ref->rule ? ref->rule->id : ref->corr->id;
    const char *name = ref->rule ? ref->rule->name : ref->corr->name;
    for (size_t i = 0; alias->kind == YT_MAP && i < alias->n; i++) {
        const char *key = text_of(alias->items[2 * i]), *f = text_of(alias->items[2 * i + 1]);
        if (key && f && (!strcmp(key, ref->ref) || names(key, id, name))) return f;
    }
    sg_error(rs, k->pos.file, alias->line, alias->col, "alias '%s' gives no field for rule '%s'", g,
             ref->ref);
    return NULL;
}

static bool listed(const sg_strlist *l, const char *s) {
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], s)) return true;
    return false;
}

/* Whether k reaches itself through its references (a cycle). */
static bool reaches(const sg_correlation *from, const sg_correlation *k, size_t depth) {
    if (depth > 64) return true;
    for (size_t i = 0; i < from->nrefs; i++)
        if (from->refs[i].corr == k ||
            (from->refs[i].corr && reaches(from->refs[i].corr, k, depth + 1)))
            return true;
    return false;
}

void sg_resolve_correlations(sg_ruleset *rs) {
    for (size_t c = 0; c < rs->correlations.n; c++) {
        sg_correlation *k = rs->correlations.v[c];
        for (size_t i = 0; i < k->nrefs; i++) {
            sg_corr_ref *r = &k->refs[i];
            for (size_t j = 0; j < rs->rules.n && !r->rule && !r->corr; j++) {
                const sg_rule *b = rs->rules.v[j];
                if (names(r->ref, b->id, b->name)) r->rule = b;
            }
            for (size_t j = 0; j < rs->correlations.n && !r->rule && !r->corr; j++) {
                const sg_correlation *o = rs->correlations.v[j];
                if (names(r->ref, o->id, o->name)) r->corr = o;
            }
            if (!r->rule && !r->corr)
                sg_error(rs, r->pos.file, r->pos.line, r->pos.col,
                         "correlation refers to '%s', which is no loaded rule or correlation "
                         "(by id or name)",
                         r->ref);
        }
    }
    for (size_t c = 0; c < rs->correlations.n; c++) {
        sg_correlation *k = rs->correlations.v[c];
        if (reaches(k, k, 0)) {
            sg_error(rs, k->pos.file, k->pos.line, k->pos.col,
                     "correlation '%s' refers to itself through its rules", k->title);
            continue;
        }
        if ((k->type == SG_TEMPORAL || k->type == SG_TEMPORAL_ORDERED) && !k->ops) {
            k->ops = 1u << SG_CMP_GTE;
            k->cmp[SG_CMP_GTE] = (double)k->nrefs;
        }
        for (size_t i = 0; i < k->nrefs; i++) {
            sg_corr_ref *r = &k->refs[i];
            if (!r->rule && !r->corr) continue;
            r->fields = sg_alloc(rs->arena, (k->group_by.n + 1) * sizeof *r->fields);
            for (size_t g = 0; g < k->group_by.n; g++) {
                r->fields[g] = field_for(rs, k, r, k->group_by.v[g]);
                if (r->corr && r->fields[g] && !listed(&r->corr->group_by, r->fields[g]))
                    sg_error(rs, r->pos.file, r->pos.line, r->pos.col,
                             "group-by '%s' is not a group-by field of correlation '%s'",
                             r->fields[g], r->ref);
            }
            for (size_t o = 0; r->corr && o < c; o++) {
                const sg_correlation *other = rs->correlations.v[o];
                for (size_t j = 0; j < other->nrefs; j++)
                    if (other->refs[j].corr == r->corr)
                        sg_error(rs, r->pos.file, r->pos.line, r->pos.col,
                                 "correlation '%s' already feeds correlation '%s': a correlation "
                                 "can feed only one other",
                                 r->ref, other->title);
            }
        }
    }
}
