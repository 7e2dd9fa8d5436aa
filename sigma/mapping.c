/* mapping.c: log-source profiles and field mappings.
 *
 * A mapping document (built-in profile or file) reads:
 *
 *   name: windows-flat
 *   description: ...
 *   detect: {sel: {EventID|exists: true}, condition: sel}   # recognises the layout
 *   fields:                        # Sigma field -> event path(s); '*' is any
 *       Provider_Name: Event.System.Provider.#attributes.Name    # other field,
 *       '*': [Event.EventData.{field}, Event.System.{field}]     # {field} its name
 *   logsources:
 *       - product: windows
 *         category: process_creation
 *         conditions: {Channel: Security, EventID: 4688}   # a Sigma search
 *         fields: {Image: NewProcessName}                   # only for these events
 *
 * A logsource may have several entries (Sysmon and Security both log process
 * creation); a rule is then the OR over them of (conditions AND the rule with
 * that entry's fields). pySigma processing pipelines are read too: their
 * field_name_mapping and add_condition items, global or under a logsource
 * rule condition.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profiles.h"
#include "yaml_tree.h"

typedef struct fieldmap {
    const char *name; /* Sigma field, or "*" */
    sg_strlist targets;
} fieldmap;

typedef struct entry {
    char *product, *category, *service;
    sg_node *cond; /* NULL: every event of the layout */
    sg_vec fields; /* fieldmap * */
} entry;

/* A stack of mapping documents; later ones override earlier ones. */
typedef struct sg_mapping {
    sg_vec docs; /* struct doc * */
} sg_mapping;

typedef struct doc {
    sg_vec fields;  /* fieldmap * */
    sg_vec entries; /* entry * */
} doc;

/* The vectors are on the heap, unlike everything else of a mapping. */
static void doc_free(doc *d) {
    for (size_t i = 0; i < d->entries.n; i++)
        sg_vec_free(&((entry *)d->entries.v[i])->fields);
    sg_vec_free(&d->entries);
    sg_vec_free(&d->fields);
}

void sg_mapping_free(sg_mapping *m) {
    if (!m) return;
    for (size_t i = 0; i < m->docs.n; i++)
        doc_free(m->docs.v[i]);
    sg_vec_free(&m->docs);
}

/* ---- reading ---- */

static sg_strlist targets_of(sg_ruleset *rs, const yt_node *v) {
    sg_strlist l = {0};
    size_t n = v->kind == YT_SEQ ? v->n : 1;
    l.v = sg_alloc(rs->arena, n * sizeof *l.v);
    for (size_t i = 0; i < n; i++) {
        const yt_node *t = v->kind == YT_SEQ ? v->items[i] : v;
        if (t->kind == YT_SCALAR) l.v[l.n++] = t->text;
    }
    return l;
}

static bool read_fields(sg_ruleset *rs, const char *file, const yt_node *map, sg_vec *out) {
    if (!map) return true;
    if (map->kind != YT_MAP) return sg_error(rs, file, map->line, map->col, "fields: a map"), false;
    for (size_t i = 0; i < map->n; i++) {
        const yt_node *k = map->items[2 * i], *v = map->items[2 * i + 1];
        if (k->kind != YT_SCALAR || v->kind == YT_MAP)
            return sg_error(rs, file, v->line, v->col, "a field maps to a path or a list of paths"),
                   false;
        fieldmap *f = sg_alloc(rs->arena, sizeof *f);
        f->name = k->text;
        f->targets = targets_of(rs, v);
        sg_vec_push(out, f);
    }
    return true;
}

static char *scalar_at(sg_ruleset *rs, const yt_node *map, const char *key) {
    const yt_node *v = yt_get(map, key);
    return v && v->kind == YT_SCALAR && !yt_is_null(v) ? sg_strndup(rs->arena, v->text, v->len)
                                                       : NULL;
}

static entry *new_entry(sg_ruleset *rs, doc *d, const yt_node *ls) {
    entry *e = sg_alloc(rs->arena, sizeof *e);
    e->product = scalar_at(rs, ls, "product");
    e->category = scalar_at(rs, ls, "category");
    e->service = scalar_at(rs, ls, "service");
    sg_vec_push(&d->entries, e);
    return e;
}

static bool read_entries(sg_ruleset *rs, const char *file, const yt_node *list, doc *d) {
    if (!list) return true;
    if (list->kind != YT_SEQ)
        return sg_error(rs, file, list->line, list->col, "logsources: a list"), false;
    for (size_t i = 0; i < list->n; i++) {
        const yt_node *ls = list->items[i];
        if (ls->kind != YT_MAP)
            return sg_error(rs, file, ls->line, ls->col, "a logsource entry is a map"), false;
        entry *e = new_entry(rs, d, ls);
        const yt_node *c = yt_get(ls, "conditions");
        if (c && !(e->cond = sg_search(rs, file, c))) return false;
        if (!read_fields(rs, file, yt_get(ls, "fields"), &e->fields)) return false;
    }
    return true;
}

/* The logsource a pySigma item is limited to, or NULL for every rule. */
static const yt_node *pipeline_logsource(const yt_node *item) {
    const yt_node *conds = yt_get(item, "rule_conditions");
    for (size_t i = 0; conds && conds->kind == YT_SEQ && i < conds->n; i++) {
        const yt_node *t = yt_get(conds->items[i], "type");
        if (t && t->kind == YT_SCALAR && !strcmp(t->text, "logsource")) return conds->items[i];
    }
    return NULL;
}

static bool same_text(const char *a, const char *b) {
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static entry *entry_for(sg_ruleset *rs, doc *d, const yt_node *ls) {
    char *p = scalar_at(rs, ls, "product"), *c = scalar_at(rs, ls, "category"),
         *s = scalar_at(rs, ls, "service");
    for (size_t i = 0; i < d->entries.n; i++) {
        entry *e = d->entries.v[i];
        if (same_text(e->product, p) && same_text(e->category, c) && same_text(e->service, s))
            return e;
    }
    return new_entry(rs, d, ls);
}

static bool read_pipeline(sg_ruleset *rs, const char *file, const yt_node *items, doc *d) {
    for (size_t i = 0; items->kind == YT_SEQ && i < items->n; i++) {
        const yt_node *it = items->items[i], *type = yt_get(it, "type");
        const char *t = type && type->kind == YT_SCALAR ? type->text : "";
        const yt_node *ls = pipeline_logsource(it);
        entry *e = ls ? entry_for(rs, d, ls) : NULL;
        if (!strcmp(t, "field_name_mapping")) {
            if (!read_fields(rs, file, yt_get(it, "mapping"), e ? &e->fields : &d->fields))
                return false;
        } else if (!strcmp(t, "add_condition") && e) {
            const yt_node *conds = yt_get(it, "conditions");
            if (!conds)
                return sg_error(rs, file, it->line, it->col, "add_condition without 'conditions'"),
                       false;
            sg_node *c = sg_search(rs, file, conds);
            if (!c) return false;
            if (e->cond) {
                sg_node *both = sg_node_new(rs->arena, SG_N_AND, 2);
                both->kids[0] = e->cond;
                both->kids[1] = c;
                c = both;
            }
            e->cond = c;
        } else {
            sg_warning(rs, file, it->line, it->col,
                       "pipeline item of type '%s' is not supported and was ignored", t);
        }
    }
    return true;
}

static const sg_profile_src *profile(const char *name);
static int read_mapping(sg_ruleset *rs, const char *file, const char *text, size_t len, int depth);

/* "include: NAME" (or a list) reads built-in documents first, so that the
   Windows layouts share one list of Windows logsources. */
static bool read_includes(sg_ruleset *rs, const char *file, const yt_node *inc, int depth) {
    size_t n = inc->kind == YT_SEQ ? inc->n : 1;
    for (size_t i = 0; i < n; i++) {
        const yt_node *v = inc->kind == YT_SEQ ? inc->items[i] : inc;
        const sg_profile_src *p = v->kind == YT_SCALAR ? profile(v->text) : NULL;
        if (!p)
            return sg_error(rs, file, v->line, v->col, "include: no built-in mapping '%s'",
                            v->kind == YT_SCALAR ? v->text : "?"),
                   false;
        if (depth > 4)
            return sg_error(rs, file, v->line, v->col, "includes nested too deeply"), false;
        if (read_mapping(rs, p->name, p->text, strlen(p->text), depth + 1)) return false;
    }
    return true;
}

static int read_mapping(sg_ruleset *rs, const char *file, const char *text, size_t len, int depth) {
    size_t before = sg_error_count(rs);
    yt_stream st;
    char err[512];
    int line, col;
    if (!yt_parse(rs->arena, text, len, &st, err, sizeof err, &line, &col))
        return sg_error(rs, file, line, col, "%s", err), 1;
    const yt_node *m = st.ndocs ? st.docs[0] : NULL;
    if (!m || m->kind != YT_MAP) return sg_error(rs, file, 1, 1, "a mapping is a YAML map"), 1;
    const yt_node *inc = yt_get(m, "include");
    if (inc && !read_includes(rs, file, inc, depth)) return (int)(sg_error_count(rs) - before);
    doc *d = sg_alloc(rs->arena, sizeof *d);
    const yt_node *items = yt_get(m, "transformations");
    bool ok = items ? read_pipeline(rs, file, items, d)
                    : read_fields(rs, file, yt_get(m, "fields"), &d->fields) &&
                          read_entries(rs, file, yt_get(m, "logsources"), d);
    if (ok) {
        if (!rs->mapping) rs->mapping = sg_alloc(rs->arena, sizeof *rs->mapping);
        sg_vec_push(&rs->mapping->docs, d);
    } else {
        doc_free(d);
    }
    return (int)(sg_error_count(rs) - before);
}

/* ---- built-in profiles ---- */

/* Names starting with '_' are building blocks for includes, not profiles. */
static bool is_profile(const sg_profile_src *p) {
    return p->name[0] != '_';
}

const char *const *sg_profile_names(void) {
    static const char *names[SG_PROFILE_COUNT + 1];
    size_t n = 0;
    for (size_t i = 0; i < SG_PROFILE_COUNT; i++)
        if (is_profile(&sg_profiles[i])) names[n++] = sg_profiles[i].name;
    return names;
}

static const sg_profile_src *profile(const char *name) {
    for (size_t i = 0; i < SG_PROFILE_COUNT; i++)
        if (!strcmp(sg_profiles[i].name, name)) return &sg_profiles[i];
    return NULL;
}

const char *sg_profile_description(const char *name) {
    const sg_profile_src *p = profile(name);
    return p ? p->description : NULL;
}

int sg_use_profile(sg_ruleset *rs, const char *name) {
    if (!name || !strcmp(name, "none")) return 0;
    const sg_profile_src *p = profile(name);
    if (!p || !is_profile(p))
        return sg_error(rs, name, 0, 0, "unknown profile (see `sigvm profiles`)"), 1;
    return read_mapping(rs, p->name, p->text, strlen(p->text), 0);
}

int sg_add_mapping(sg_ruleset *rs, const char *path) {
    char err[256];
    size_t len;
    char *text = sg_read_file(path, &len, err, sizeof err);
    if (!text) return sg_error(rs, path, 0, 0, "%s", err), 1;
    const char *file = sg_strndup(rs->arena, path, strlen(path));
    int errors = read_mapping(rs, file, text, len, 0);
    free(text);
    return errors;
}

int sg_load_profile_detectors(sg_ruleset *rs) {
    size_t before = sg_error_count(rs);
    for (size_t i = 0; i < SG_PROFILE_COUNT; i++) {
        yt_stream st;
        char err[256];
        int line, col;
        const char *name = sg_profiles[i].name, *text = sg_profiles[i].text;
        if (!is_profile(&sg_profiles[i])) continue;
        if (!yt_parse(rs->arena, text, strlen(text), &st, err, sizeof err, &line, &col)) {
            sg_error(rs, name, line, col, "%s", err);
            continue;
        }
        const yt_node *det = st.ndocs ? yt_get(st.docs[0], "detect") : NULL;
        sg_node *expr = det ? sg_detection(rs, name, det, false) : NULL;
        if (!expr) continue;
        sg_rule *r = sg_alloc(rs->arena, sizeof *r);
        r->title = r->id = (char *)name;
        r->expr = expr;
        r->pos = (sg_pos){name, det->line, det->col};
        sg_vec_push(&rs->rules, r);
    }
    return (int)(sg_error_count(rs) - before);
}

size_t sg_unmapped_count(const sg_ruleset *rs) {
    return rs->unmapped;
}

/* ---- rewriting rules ---- */

static const fieldmap *find_field(const sg_vec *fields, const char *name) {
    for (size_t i = fields->n; i-- > 0;) {
        const fieldmap *f = fields->v[i];
        if (!strcmp(f->name, name)) return f;
    }
    return NULL;
}

/* The event paths of a Sigma field under entry e (may be NULL), one per
   line: the entry's own mapping, else the latest document's, else '*'. */
static char *resolve(sg_ruleset *rs, const entry *e, const char *field) {
    const sg_vec *docs = &rs->mapping->docs;
    const fieldmap *f = e ? find_field(&e->fields, field) : NULL;
    for (size_t i = docs->n; !f && i-- > 0;)
        f = find_field(&((doc *)docs->v[i])->fields, field);
    for (size_t i = docs->n; !f && i-- > 0;)
        f = find_field(&((doc *)docs->v[i])->fields, "*");
    if (!f || !f->targets.n) return (char *)field;
    size_t cap = 1, flen = strlen(field);
    for (size_t i = 0; i < f->targets.n; i++)
        cap += strlen(f->targets.v[i]) + 1 + 4 * flen;
    char *out = sg_alloc(rs->arena, cap), *o = out;
    for (size_t i = 0; i < f->targets.n; i++) {
        if (i) *o++ = '\n';
        for (const char *t = f->targets.v[i]; *t;) {
            if (!strncmp(t, "{field}", 7)) {
                memcpy(o, field, flen);
                o += flen;
                t += 7;
            } else {
                *o++ = *t++;
            }
        }
    }
    *o = '\0';
    return out;
}

/* A copy of n with every field resolved under e. Keyword tests (no field)
   stay as they are. */
static sg_node *renamed(sg_ruleset *rs, const entry *e, const sg_node *n) {
    sg_node *c = sg_node_new(rs->arena, n->kind, n->nkids);
    sg_node **kids = c->kids;
    *c = *n; /* the test, and the label explain traces show */
    c->kids = kids;
    for (size_t i = 0; i < n->nkids; i++)
        c->kids[i] = renamed(rs, e, n->kids[i]);
    if (n->kind == SG_N_TEST && n->test.field) c->test.field = resolve(rs, e, n->test.field);
    if (n->kind == SG_N_TEST && n->test.op == SG_FIELDREF) {
        c->test.str = resolve(rs, e, n->test.str);
        c->test.str_len = strlen(c->test.str);
    }
    return c;
}

/* An entry serves a rule when they name the same product, category and
   service (each present in both with the same value, or in neither). */
static bool serves(const entry *e, const sg_rule *r) {
    return same_text(e->product, r->log_product) && same_text(e->category, r->log_category) &&
           same_text(e->service, r->log_service);
}

/* The entries of the latest document that knows the rule's logsource. */
static const sg_vec *entries_for(const sg_mapping *m, const sg_rule *r) {
    for (size_t i = m->docs.n; i-- > 0;) {
        const sg_vec *es = &((doc *)m->docs.v[i])->entries;
        for (size_t j = 0; j < es->n; j++)
            if (serves(es->v[j], r)) return es;
    }
    return NULL;
}

static sg_node *guarded(sg_ruleset *rs, const entry *e, const sg_rule *r) {
    sg_node *body = renamed(rs, e, r->expr);
    if (!e->cond) return body;
    sg_node *n = sg_node_new(rs->arena, SG_N_AND, 2);
    n->kids[0] = renamed(rs, e, e->cond); /* first, so other logsources stop here */
    n->kids[0]->logsource = true;
    n->kids[1] = body;
    return n;
}

static sg_node *map_rule(sg_ruleset *rs, const sg_rule *r, const sg_vec *es) {
    size_t n = 0;
    for (size_t i = 0; i < es->n; i++)
        n += serves(es->v[i], r);
    sg_node *any = sg_node_new(rs->arena, SG_N_OR, n);
    n = 0;
    for (size_t i = 0; i < es->n; i++)
        if (serves(es->v[i], r)) any->kids[n++] = guarded(rs, es->v[i], r);
    return n == 1 ? any->kids[0] : any;
}

static bool has_logsource(const sg_rule *r) {
    return r->log_product || r->log_category || r->log_service;
}

void sg_apply_mapping(sg_ruleset *rs) {
    if (!rs->mapping) return;
    size_t kept = 0;
    for (size_t i = 0; i < rs->rules.n; i++) {
        sg_rule *r = rs->rules.v[i];
        if (r->native) { /* written against the events' own layout (Panther) */
            rs->rules.v[kept++] = r;
            continue;
        }
        const sg_vec *es = entries_for(rs->mapping, r);
        if (es) {
            r->expr = map_rule(rs, r, es);
        } else if (!has_logsource(r) || rs->opt.run_unmapped) {
            r->expr = renamed(rs, NULL, r->expr);
            rs->unmapped += has_logsource(r);
        } else {
            rs->unmapped++;
            continue;
        }
        rs->rules.v[kept++] = r;
    }
    rs->rules.n = kept;
}
