/* rule.c: rule files to sg_rule. Reads files and directories, splits YAML
   streams into documents, takes each document's metadata and hands its
   detection to detection.c; meta filters are kept until sg_finish. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "yaml_tree.h"

/* Rule files larger than this are refused rather than read. */
#define MAX_RULE_FILE (16u << 20)

void sg_vec_push(sg_vec *v, void *p) {
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 16;
        v->v = realloc(v->v, v->cap * sizeof *v->v);
        if (!v->v) abort();
    }
    v->v[v->n++] = p;
}

void sg_vec_free(sg_vec *v) {
    free(v->v);
    *v = (sg_vec){0};
}

static void add_diag(sg_ruleset *rs, bool warning, const char *file, int line, int col,
                     const char *fmt, va_list ap) {
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    sg_diag *d = sg_alloc(rs->arena, sizeof *d);
    d->pos = (sg_pos){file, line, col};
    d->msg = sg_strndup(rs->arena, msg, strlen(msg));
    d->warning = warning;
    sg_vec_push(&rs->diags, d);
    if (!warning) rs->nerrors++;
}

void *sg_error(sg_ruleset *rs, const char *file, int line, int col, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    add_diag(rs, false, file, line, col, fmt, ap);
    va_end(ap);
    return NULL;
}

void sg_warning(sg_ruleset *rs, const char *file, int line, int col, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    add_diag(rs, true, file, line, col, fmt, ap);
    va_end(ap);
}

size_t sg_error_count(const sg_ruleset *rs) {
    return rs->nerrors;
}

sg_ruleset *sg_ruleset_new(const sg_options *opt) {
    sg_ruleset *rs = calloc(1, sizeof *rs);
    if (!rs) abort();
    rs->arena = sg_arena_new();
    if (opt) rs->opt = *opt;
    return rs;
}

void sg_ruleset_free(sg_ruleset *rs) {
    if (!rs) return;
    sg_vec_free(&rs->rules);
    sg_vec_free(&rs->diags);
    sg_vec_free(&rs->filters);
    sg_vec_free(&rs->correlations);
    sg_mapping_free(rs->mapping);
    sg_arena_free(rs->arena);
    free(rs);
}

size_t sg_rule_count(const sg_ruleset *rs) {
    return rs->rules.n;
}
const sg_rule *sg_rule_at(const sg_ruleset *rs, size_t i) {
    return rs->rules.v[i];
}
size_t sg_diag_count(const sg_ruleset *rs) {
    return rs->diags.n;
}
const sg_diag *sg_diag_at(const sg_ruleset *rs, size_t i) {
    return rs->diags.v[i];
}

char *sg_read_file(const char *path, size_t *len, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
        n += got;
        if (n > MAX_RULE_FILE) {
            snprintf(err, errlen, "file larger than %u bytes", MAX_RULE_FILE);
            goto fail;
        }
        if (cap - n - 1 == 0) buf = realloc(buf, cap *= 2);
    }
    if (!buf) abort();
    if (ferror(f)) {
        snprintf(err, errlen, "read error: %s", strerror(errno));
        goto fail;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
fail:
    fclose(f);
    free(buf);
    return NULL;
}

/* ---- metadata ---- */

static char *scalar(sg_ruleset *rs, const yt_node *doc, const char *key) {
    const yt_node *n = yt_get(doc, key);
    return n && n->kind == YT_SCALAR && !yt_is_null(n) ? sg_strndup(rs->arena, n->text, n->len)
                                                       : NULL;
}

static sg_strlist strlist(sg_ruleset *rs, const yt_node *n) {
    sg_strlist l = {0};
    if (!n) return l;
    if (n->kind == YT_SCALAR) {
        if (yt_is_null(n)) return l;
        l.v = sg_alloc(rs->arena, sizeof *l.v);
        l.v[l.n++] = n->text;
        return l;
    }
    l.v = sg_alloc(rs->arena, (n->n ? n->n : 1) * sizeof *l.v);
    for (size_t i = 0; i < n->n; i++) {
        const yt_node *it = n->kind == YT_SEQ ? n->items[i] : n->items[2 * i];
        if (it->kind == YT_SCALAR) l.v[l.n++] = it->text;
    }
    return l;
}

/* related: a list of {id, type}; kept as "type:id". */
static sg_strlist related(sg_ruleset *rs, const yt_node *n) {
    sg_strlist l = {0};
    if (!n || n->kind != YT_SEQ) return l;
    l.v = sg_alloc(rs->arena, (n->n ? n->n : 1) * sizeof *l.v);
    for (size_t i = 0; i < n->n; i++) {
        char *id = scalar(rs, n->items[i], "id"), *type = scalar(rs, n->items[i], "type");
        if (!id) continue;
        size_t len = strlen(id) + (type ? strlen(type) : 0) + 2;
        char *s = sg_alloc(rs->arena, len);
        snprintf(s, len, "%s:%s", type ? type : "", id);
        l.v[l.n++] = s;
    }
    return l;
}

static void logsource(sg_ruleset *rs, const yt_node *doc, char **product, char **category,
                      char **service) {
    const yt_node *ls = yt_get(doc, "logsource");
    *product = scalar(rs, ls, "product");
    *category = scalar(rs, ls, "category");
    *service = scalar(rs, ls, "service");
}

static void read_rule(sg_ruleset *rs, const char *file, const yt_node *doc) {
    const yt_node *det = yt_get(doc, "detection");
    if (!yt_get(doc, "title")) {
        sg_error(rs, file, doc->line, doc->col, "rule has no 'title'");
        return;
    }
    if (det->kind != YT_MAP) {
        sg_error(rs, file, det->line, det->col, "'detection' must be a map");
        return;
    }
    sg_node *expr = sg_detection(rs, file, det, false);
    if (!expr) return;
    sg_rule *r = sg_alloc(rs->arena, sizeof *r);
    r->expr = expr;
    r->pos = (sg_pos){file, doc->line, doc->col};
    /* clang-format cannot settle on a layout for these macro runs. */
    // clang-format off
#define META(f) r->f = scalar(rs, doc, #f);
    META(id) META(name) META(title) META(status) META(level) META(description)
    META(author) META(date) META(modified)
#undef META
#define LIST(f) r->f = strlist(rs, yt_get(doc, #f));
    LIST(references) LIST(tags) LIST(falsepositives) LIST(fields)
#undef LIST
    r->related = related(rs, yt_get(doc, "related"));
    // clang-format on
    logsource(rs, doc, &r->log_product, &r->log_category, &r->log_service);
    if (rs->opt.read_tests) sg_read_regression(rs, file, doc, r);
    sg_vec_push(&rs->rules, r);
}

/* A meta filter document: "filter:" holds rules:, its searches and condition. */
static void read_filter(sg_ruleset *rs, const char *file, const yt_node *doc) {
    const yt_node *f = yt_get(doc, "filter");
    if (f->kind != YT_MAP) {
        sg_error(rs, file, f->line, f->col, "'filter' must be a map");
        return;
    }
    sg_node *expr = sg_detection(rs, file, f, true);
    if (!expr) return;
    sg_filter *flt = sg_alloc(rs->arena, sizeof *flt);
    flt->rules = strlist(rs, yt_get(f, "rules"));
    flt->expr = expr;
    flt->pos = (sg_pos){file, doc->line, doc->col};
    logsource(rs, doc, &flt->log_product, &flt->log_category, &flt->log_service);
    sg_vec_push(&rs->filters, flt);
}

static void read_document(sg_ruleset *rs, const char *file, const yt_node *doc) {
    if (yt_get(doc, "correlation")) {
        sg_read_correlation(rs, file, doc);
        return;
    }
    bool filter = yt_get(doc, "filter") && !yt_get(doc, "detection");
    if (filter ? rs->filters.n >= SG_MAX_FILTERS : rs->rules.n >= SG_MAX_RULES)
        sg_error(rs, file, doc->line, doc->col, "more than %d %s in one rule set",
                 filter ? SG_MAX_FILTERS : SG_MAX_RULES, filter ? "meta filters" : "rules");
    else if (filter)
        read_filter(rs, file, doc);
    else if (yt_get(doc, "AnalysisType") || yt_get(doc, "Detection"))
        sg_read_panther(rs, file, doc);
    else if (!yt_get(doc, "detection") &&
             (yt_get(doc, "fields") || yt_get(doc, "logsources") || yt_get(doc, "transformations")))
        /* A mapping kept beside the rules (corpus/mappings): a directory of
           both still loads. */
        sg_warning(rs, file, doc->line, doc->col,
                   "a field mapping, not a rule: skipped (give it with --mapping)");
    else if (yt_get(doc, "detection"))
        read_rule(rs, file, doc);
    else
        sg_error(rs, file, doc->line, doc->col, "document has no 'detection' (nor 'filter')");
}

/* A map with b's keys laid over a's, recursively (Sigma v1 "action: global"). */
static yt_node *overlay(sg_arena *ar, yt_node *a, yt_node *b) {
    if (!a || a->kind != YT_MAP || b->kind != YT_MAP) return b;
    yt_node *m = sg_alloc(ar, sizeof *m);
    *m = *b;
    m->items = sg_alloc(ar, 2 * (a->n + b->n) * sizeof *m->items);
    m->n = 0;
    for (size_t i = 0; i < a->n; i++) {
        yt_node *k = a->items[2 * i], *over = yt_get(b, k->text);
        m->items[2 * m->n] = k;
        m->items[2 * m->n++ + 1] =
            over ? overlay(ar, a->items[2 * i + 1], over) : a->items[2 * i + 1];
    }
    for (size_t i = 0; i < b->n; i++)
        if (!yt_get(a, b->items[2 * i]->text)) {
            m->items[2 * m->n] = b->items[2 * i];
            m->items[2 * m->n++ + 1] = b->items[2 * i + 1];
        }
    return m;
}

/* Sigma v1 collections: "action: global" is laid under every later document
   of the file, "action: reset" forgets it, "action: repeat" lays a document
   over the one before it. */
static void read_stream(sg_ruleset *rs, const char *file, const yt_stream *st) {
    yt_node *global = NULL, *prev = NULL;
    for (size_t i = 0; i < st->ndocs; i++) {
        yt_node *doc = st->docs[i];
        if (doc->kind != YT_MAP) {
            sg_error(rs, file, doc->line, doc->col, "a rule document must be a YAML map");
            continue;
        }
        const yt_node *action = yt_get(doc, "action");
        const char *a = action && action->kind == YT_SCALAR ? action->text : NULL;
        if (a && !strcmp(a, "global")) {
            global = doc;
            continue;
        }
        if (a && !strcmp(a, "reset")) {
            global = NULL;
            continue;
        }
        if (a && strcmp(a, "repeat")) {
            sg_error(rs, file, action->line, action->col, "unknown action '%s'", a);
            continue;
        }
        doc = overlay(rs->arena, a ? prev : global, doc);
        prev = doc;
        read_document(rs, file, doc);
    }
}

int sg_load_buffer(sg_ruleset *rs, const char *name, const char *buf, size_t len) {
    size_t before = rs->nerrors;
    const char *file = sg_strndup(rs->arena, name, strlen(name));
    yt_stream st;
    char err[512];
    int line, col;
    if (!yt_parse(rs->arena, buf, len, &st, err, sizeof err, &line, &col)) {
        sg_error(rs, file, line, col, "%s", err);
        return (int)(rs->nerrors - before);
    }
    if (st.ndocs == 0) sg_error(rs, file, 1, 1, "no YAML document in file");
    read_stream(rs, file, &st);
    return (int)(rs->nerrors - before);
}

static bool is_rule_file(const char *name) {
    size_t n = strlen(name);
    return name[0] != '.' &&
           ((n > 4 && !strcmp(name + n - 4, ".yml")) || (n > 5 && !strcmp(name + n - 5, ".yaml")));
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walks a directory in sorted order, so a pack's rule order is stable. */
static int load_dir(sg_ruleset *rs, const char *path, int depth) {
    if (depth > 64) return sg_error(rs, path, 0, 0, "directories nested too deeply"), 1;
    DIR *d = opendir(path);
    if (!d) return sg_error(rs, path, 0, 0, "cannot open directory: %s", strerror(errno)), 1;
    sg_vec names = {0};
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.') sg_vec_push(&names, strdup(e->d_name));
    closedir(d);
    if (names.n) qsort(names.v, names.n, sizeof *names.v, cmp_names);
    int errors = 0;
    for (size_t i = 0; i < names.n; i++) {
        char *name = names.v[i];
        size_t len = strlen(path) + strlen(name) + 2;
        char *child = malloc(len);
        if (!child) abort();
        snprintf(child, len, "%s/%s", path, name);
        struct stat st;
        if (stat(child, &st) == 0 && S_ISDIR(st.st_mode))
            errors += load_dir(rs, child, depth + 1);
        else if (is_rule_file(name))
            errors += sg_load_path(rs, child);
        free(child);
        free(name);
    }
    sg_vec_free(&names);
    return errors;
}

int sg_load_path(sg_ruleset *rs, const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return sg_error(rs, path, 0, 0, "%s", strerror(errno)), 1;
    if (S_ISDIR(st.st_mode)) return load_dir(rs, path, 0);
    char err[256];
    size_t len;
    char *buf = sg_read_file(path, &len, err, sizeof err);
    if (!buf) return sg_error(rs, path, 0, 0, "%s", err), 1;
    int errors = sg_load_buffer(rs, path, buf, len);
    free(buf);
    return errors;
}

/* ---- meta filters ---- */

static bool same_source(const char *want, const char *have) {
    return !want || (have && !strcmp(want, have));
}

static bool filter_applies(const sg_filter *f, const sg_rule *r) {
    if (!same_source(f->log_product, r->log_product) ||
        !same_source(f->log_category, r->log_category) ||
        !same_source(f->log_service, r->log_service))
        return false;
    if (f->rules.n == 0) return true;
    for (size_t i = 0; i < f->rules.n; i++)
        if ((r->id && !strcmp(f->rules.v[i], r->id)) ||
            (r->name && !strcmp(f->rules.v[i], r->name)))
            return true;
    return false;
}

int sg_finish(sg_ruleset *rs) {
    size_t before = rs->nerrors;
    for (size_t i = 0; i < rs->filters.n; i++) {
        const sg_filter *f = rs->filters.v[i];
        size_t used = 0;
        for (size_t j = 0; j < rs->rules.n; j++) {
            sg_rule *r = rs->rules.v[j];
            if (!filter_applies(f, r)) continue;
            sg_node *both = sg_node_new(rs->arena, SG_N_AND, 2);
            both->kids[0] = r->expr;
            both->kids[1] = f->expr;
            r->expr = both;
            used++;
        }
        if (!used)
            sg_warning(rs, f->pos.file, f->pos.line, f->pos.col,
                       "filter applies to no loaded rule (check its 'rules:' and 'logsource:')");
    }
    sg_apply_mapping(rs);
    sg_resolve_correlations(rs);
    return (int)(rs->nerrors - before);
}
