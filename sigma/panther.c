/* panther.c: a Panther-style YAML detection (AnalysisType: rule) to a rule.
 *
 * Metadata maps onto the rule's: RuleID is the id, DisplayName the title,
 * Severity the level (Info is "informational"), Reference and Tags as they
 * are, Reports as "framework:technique" tags, LogTypes as the logsource
 * product (informative: Panther rules name event fields as the logs write
 * them, so no mapping applies). Detection is the rule's expression,
 * InlineFilters a filter that must hold as well, DynamicSeverities levels
 * that replace Severity when their Conditions hold, AlertTitle a title
 * template. Tests become samples when the ruleset reads tests. A Threshold
 * above 1 makes the rule an event_count correlation of itself: Threshold
 * matches within DedupPeriodMinutes (default 60) per GroupBy values, or per
 * rendered AlertTitle when there is no GroupBy; its own matches are then
 * not reported. Keys the schema allows but sigvm has no use for
 * (AlertContext ...) are accepted and ignored, as unknown top-level keys are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panther.h"

typedef struct reader {
    sg_ruleset *rs;
    const char *file;
    bool ok;
} reader;

static bool error_at(reader *r, const yt_node *at, const char *fmt, const char *arg) {
    sg_error(r->rs, r->file, at->line, at->col, fmt, arg);
    return r->ok = false;
}

/* A string-valued key, NULL when absent (an error when not a scalar). */
static char *text(reader *r, const yt_node *doc, const char *key) {
    const yt_node *v = yt_get(doc, key);
    if (!v || yt_is_null(v)) return NULL;
    if (v->kind != YT_SCALAR) return error_at(r, v, "%s is a string", key), NULL;
    return v->text;
}

static sg_strlist text_list(reader *r, const yt_node *doc, const char *key) {
    const yt_node *v = yt_get(doc, key);
    sg_strlist l = {0};
    if (!v || yt_is_null(v)) return l;
    if (v->kind != YT_SEQ) return error_at(r, v, "%s is a list of strings", key), l;
    l.v = sg_alloc(r->rs->arena, (v->n ? v->n : 1) * sizeof *l.v);
    for (size_t i = 0; i < v->n; i++) {
        if (v->items[i]->kind != YT_SCALAR)
            return error_at(r, v->items[i], "%s is a list of strings", key), l;
        l.v[l.n++] = v->items[i]->text;
    }
    return l;
}

/* Reports: {framework: [technique ...]} kept as "framework:technique". */
static void reports(reader *r, const yt_node *doc, sg_strlist *tags) {
    const yt_node *m = yt_get(doc, "Reports");
    if (!m) return;
    if (m->kind != YT_MAP) {
        error_at(r, m, "%s", "Reports maps a framework to a list");
        return;
    }
    size_t n = tags->n;
    for (size_t i = 0; i < m->n; i++)
        n += m->items[2 * i + 1]->kind == YT_SEQ ? m->items[2 * i + 1]->n : 0;
    char **v = sg_alloc(r->rs->arena, (n ? n : 1) * sizeof *v);
    if (tags->n) memcpy(v, tags->v, tags->n * sizeof *v);
    for (size_t i = 0; i < m->n; i++) {
        const yt_node *k = m->items[2 * i], *list = m->items[2 * i + 1];
        for (size_t j = 0; list->kind == YT_SEQ && j < list->n; j++) {
            const yt_node *it = list->items[j];
            if (k->kind != YT_SCALAR || it->kind != YT_SCALAR) continue;
            size_t len = k->len + it->len + 2;
            v[tags->n] = sg_alloc(r->rs->arena, len);
            snprintf(v[tags->n++], len, "%s:%s", k->text, it->text);
        }
    }
    tags->v = v;
}

/* Severity names as Panther spells them, and the level each reports. */
static char *level(reader *r, const yt_node *v) {
    static const char *const names[][2] = {
        {"Info", "informational"}, {"INFO", "informational"}, {"Low", "low"},   {"LOW", "low"},
        {"Medium", "medium"},      {"MEDIUM", "medium"},      {"High", "high"}, {"HIGH", "high"},
        {"Critical", "critical"},  {"CRITICAL", "critical"}};
    if (v->kind == YT_SCALAR)
        for (size_t i = 0; i < sizeof names / sizeof *names; i++)
            if (!strcmp(v->text, names[i][0])) return (char *)names[i][1];
    error_at(r, v, "unknown severity '%s' (Info, Low, Medium, High or Critical)",
             v->kind == YT_SCALAR ? v->text : "?");
    return NULL;
}

/* The template with each {path} written {~path}: paths of Panther rules
   match keys whatever their case (see panther_key.c). */
static char *case_free_placeholders(sg_ruleset *rs, const char *tpl) {
    size_t n = strlen(tpl), braces = 0;
    for (size_t i = 0; i < n; i++)
        braces += tpl[i] == '{';
    char *out = sg_alloc(rs->arena, n + braces + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        *o++ = tpl[i];
        if (tpl[i] == '{') *o++ = '~';
    }
    *o = '\0';
    return out;
}

/* Each {...} of an AlertTitle names a dotted path to render. */
static void alert_title(reader *r, const yt_node *doc, sg_rule *rule) {
    const yt_node *v = yt_get(doc, "AlertTitle");
    if (!v) return;
    if (v->kind != YT_SCALAR) {
        error_at(r, v, "%s", "AlertTitle is a string");
        return;
    }
    for (const char *s = strchr(v->text, '{'); s; s = strchr(s + 1, '{')) {
        size_t n = strcspn(s + 1, "}");
        bool ok =
            s[1 + n] == '}' && n > 0 && strcspn(s + 1, "{[] ") >= n && s[1] != '.' && s[n] != '.';
        if (!ok) {
            error_at(r, v, "AlertTitle: '%s' is not a {key.path} placeholder", s);
            return;
        }
    }
    rule->alert_title = case_free_placeholders(r->rs, v->text);
}

static void severities(reader *r, const yt_node *doc, sg_rule *rule) {
    const yt_node *list = yt_get(doc, "DynamicSeverities");
    if (!list) return;
    if (list->kind != YT_SEQ) {
        error_at(r, list, "%s", "DynamicSeverities is a list of {ChangeTo, Conditions}");
        return;
    }
    rule->severities = sg_alloc(r->rs->arena, (list->n ? list->n : 1) * sizeof *rule->severities);
    px c = {.rs = r->rs, .file = r->file};
    for (size_t i = 0; i < list->n; i++) {
        const yt_node *d = list->items[i], *to = yt_get(d, "ChangeTo"),
                      *when = yt_get(d, "Conditions");
        if (d->kind != YT_MAP || d->n != 2 || !to || !when) {
            error_at(r, d, "%s", "a dynamic severity is a map of ChangeTo and Conditions");
            return;
        }
        sg_severity *s = &rule->severities[rule->nseverities++];
        s->level = level(r, to);
        s->expr = px_all(&c, when, "Conditions");
        r->ok &= s->level && s->expr;
    }
}

/* ---- tests ---- */

static const char *const test_keys[] = {
    "Name", "ExpectedResult", "LogType", "ResourceType", "Mocks", "Log", "Resource", "RuleOutputs"};

static bool test_keys_known(reader *r, const yt_node *t) {
    for (size_t i = 0; i < t->n; i++) {
        const yt_node *k = t->items[2 * i];
        bool known = false;
        for (size_t j = 0; j < sizeof test_keys / sizeof *test_keys; j++)
            known |= k->kind == YT_SCALAR && !strcmp(k->text, test_keys[j]);
        if (!known) return error_at(r, k, "unknown key '%s' in a test", k->text), false;
    }
    return true;
}

static void read_test(reader *r, const yt_node *t, sg_sample *s) {
    if (t->kind != YT_MAP) {
        error_at(r, t, "%s", "a test is a map (Name, ExpectedResult, Log)");
        return;
    }
    if (!test_keys_known(r, t)) return;
    const yt_node *name = yt_get(t, "Name"), *expect = yt_get(t, "ExpectedResult"),
                  *log = yt_get(t, "Log"), *bad = NULL;
    double b;
    if (!name || name->kind != YT_SCALAR) {
        error_at(r, t, "%s", "a test needs a Name");
        return;
    }
    if (!expect || yt_core_type(expect, &b) != YT_T_BOOL) {
        error_at(r, expect ? expect : t, "test '%s': ExpectedResult is true or false", name->text);
        return;
    }
    if (!log || log->kind != YT_MAP) {
        error_at(r, log ? log : t, "test '%s': Log is the event, a map", name->text);
        return;
    }
    *s = (sg_sample){.kind = SG_SAMPLE_EVENT,
                     .name = name->text,
                     .expect = b != 0,
                     .pos = {r->file, t->line, t->col}};
    s->json = yt_to_json(r->rs->arena, log, &s->json_len, &bad);
    if (!s->json) error_at(r, bad, "test '%s': a key of the Log is not a string", name->text);
}

static void tests(reader *r, const yt_node *doc, sg_rule *rule) {
    const yt_node *list = yt_get(doc, "Tests");
    if (!list || !r->rs->opt.read_tests) return;
    if (list->kind != YT_SEQ) {
        error_at(r, list, "%s", "Tests is a list of tests");
        return;
    }
    rule->samples = sg_alloc(r->rs->arena, (list->n ? list->n : 1) * sizeof *rule->samples);
    for (size_t i = 0; i < list->n; i++)
        read_test(r, list->items[i], &rule->samples[rule->nsamples++]);
}

/* ---- Threshold ---- */

/* GroupBy: key specifiers (Key, KeyPath, DeepKey) or plain paths, as paths
   whose keys match whatever their case, as in detections. */
static sg_strlist group_by(reader *r, const yt_node *list) {
    sg_strlist l = {0};
    if (!list || yt_is_null(list)) return l;
    if (list->kind != YT_SEQ || list->n > SG_MAX_GROUP_BY) {
        sg_error(r->rs, r->file, list->line, list->col, "GroupBy is a list of at most %d keys",
                 SG_MAX_GROUP_BY);
        r->ok = false;
        return l;
    }
    l.v = sg_alloc(r->rs->arena, (list->n ? list->n : 1) * sizeof *l.v);
    px c = {.rs = r->rs, .file = r->file};
    for (size_t i = 0; i < list->n; i++) {
        const yt_node *it = list->items[i];
        px_key k = {0};
        bool found = false;
        const char *path = it->kind == YT_SCALAR ? it->text : NULL;
        /* A resolved key's path has its '~' already: it is put back below. */
        if (it->kind == YT_MAP && px_read_key(&c, it, &k, &found) && found) path = k.path + 1;
        if (!path) return error_at(r, it, "%s", "a GroupBy entry is a key (Key: name)"), l;
        size_t len = strlen(path) + 2;
        l.v[l.n] = sg_alloc(r->rs->arena, len);
        snprintf(l.v[l.n++], len, "~%s", path);
    }
    return l;
}

static void threshold(reader *r, const yt_node *doc, sg_rule *rule) {
    const yt_node *t = yt_get(doc, "Threshold"), *dedup = yt_get(doc, "DedupPeriodMinutes");
    double n = 1, minutes = 60;
    if (t && (yt_core_type(t, &n) != YT_T_INT || n < 1)) {
        error_at(r, t, "%s", "Threshold is a whole number, 1 or more");
        return;
    }
    if (dedup && (yt_core_type(dedup, &minutes) != YT_T_INT || minutes < 1)) {
        error_at(r, dedup, "%s", "DedupPeriodMinutes is a whole number of minutes, 1 or more");
        return;
    }
    sg_strlist by = group_by(r, yt_get(doc, "GroupBy"));
    if (n <= 1 || !r->ok) return;
    sg_correlation *k = sg_alloc(r->rs->arena, sizeof *k);
    *k = (sg_correlation){.id = rule->id,
                          .title = rule->title,
                          .level = rule->level,
                          .type = SG_EVENT_COUNT,
                          .nrefs = 1,
                          .refs = sg_alloc(r->rs->arena, sizeof *k->refs),
                          .group_by = by,
                          .timespan_ms = (int64_t)minutes * 60000,
                          .ops = 1u << SG_CMP_GTE,
                          .by_title = by.n == 0,
                          .pos = rule->pos};
    k->cmp[SG_CMP_GTE] = n;
    k->refs[0] = (sg_corr_ref){.ref = rule->id, .pos = rule->pos};
    sg_vec_push(&r->rs->correlations, k);
}

/* ---- the document ---- */

/* Whether the document is a rule sigvm runs; reports why not otherwise. */
static bool is_rule(reader *r, const yt_node *doc) {
    static const char *const elsewhere[] = {"datamodel",       "global",          "pack",
                                            "policy",          "lookup_table",    "saved_query",
                                            "scheduled_query", "scheduled_prompt"};
    const yt_node *t = yt_get(doc, "AnalysisType");
    if (!t) return error_at(r, doc, "%s", "Panther document without AnalysisType"), false;
    if (t->kind == YT_SCALAR && (!strcmp(t->text, "rule") || !strcmp(t->text, "scheduled_rule")))
        return true;
    if (t->kind == YT_SCALAR && !strcmp(t->text, "correlation_rule"))
        return error_at(r, t, "%s", "Panther correlation rules are not supported"), false;
    for (size_t i = 0; t->kind == YT_SCALAR && i < sizeof elsewhere / sizeof *elsewhere; i++)
        if (!strcmp(t->text, elsewhere[i])) {
            sg_warning(r->rs, r->file, t->line, t->col,
                       "AnalysisType '%s' is not a rule sigvm runs; skipped", t->text);
            return false;
        }
    return error_at(r, t, "unknown AnalysisType '%s'", t->kind == YT_SCALAR ? t->text : "?"), false;
}

static void metadata(reader *r, const yt_node *doc, sg_rule *rule) {
    const yt_node *sev = yt_get(doc, "Severity"), *enabled = yt_get(doc, "Enabled");
    double on = 1;
    rule->id = text(r, doc, "RuleID");
    rule->title = text(r, doc, "DisplayName");
    if (!rule->title) rule->title = rule->id;
    if (!rule->id) error_at(r, doc, "%s", "rule has no RuleID");
    rule->level = sev ? level(r, sev) : NULL;
    rule->description = text(r, doc, "Description");
    rule->runbook = text(r, doc, "Runbook");
    rule->status = text(r, doc, "Status");
    if (enabled && yt_core_type(enabled, &on) != YT_T_BOOL)
        error_at(r, enabled, "%s", "Enabled is true or false");
    if (!on && !rule->status) rule->status = "disabled";
    char *ref = text(r, doc, "Reference");
    if (ref) rule->references = (sg_strlist){1, sg_alloc(r->rs->arena, sizeof(char *))};
    if (ref) rule->references.v[0] = ref;
    rule->tags = text_list(r, doc, "Tags");
    reports(r, doc, &rule->tags);
    sg_strlist types = text_list(r, doc, "LogTypes");
    rule->log_product = types.n ? types.v[0] : NULL;
}

void sg_read_panther(sg_ruleset *rs, const char *file, const yt_node *doc) {
    reader r = {rs, file, true};
    if (!is_rule(&r, doc)) return;
    const yt_node *det = yt_get(doc, "Detection"), *py = yt_get(doc, "Filename"),
                  *filters = yt_get(doc, "InlineFilters");
    if (det && py) {
        error_at(&r, py, "%s", "a rule has a Detection (YAML) or a Filename (Python), not both");
        return;
    }
    if (py) {
        error_at(&r, py, "Python detections (Filename: %s) are not supported",
                 py->kind == YT_SCALAR ? py->text : "?");
        return;
    }
    if (!det) {
        error_at(&r, doc, "%s", "rule has no Detection");
        return;
    }
    sg_rule *rule = sg_alloc(rs->arena, sizeof *rule);
    rule->native = true;
    rule->pos = (sg_pos){file, doc->line, doc->col};
    metadata(&r, doc, rule);
    px c = {.rs = rs, .file = file}, f = {.rs = rs, .file = file, .filter = true};
    rule->expr = px_all(&c, det, "Detection");
    rule->filter = filters ? px_all(&f, filters, "InlineFilters") : NULL;
    r.ok &= rule->expr && (!filters || rule->filter);
    alert_title(&r, doc, rule);
    severities(&r, doc, rule);
    tests(&r, doc, rule);
    threshold(&r, doc, rule);
    if (r.ok) sg_vec_push(&rs->rules, rule);
}
