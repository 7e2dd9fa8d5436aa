/* correlations.c: the rule AST's correlations as a run needs them, and
   correlation matches as JSON lines. */
#include <stdlib.h>
#include <string.h>

#include "correlations.h"
#include "runtime/runtime.h"

static void *own(corr_plan *p, size_t n) {
    if (p->nowned == p->capowned) {
        p->capowned = p->capowned ? 2 * p->capowned : 64;
        p->owned = realloc(p->owned, p->capowned * sizeof *p->owned);
        if (!p->owned) abort();
    }
    void **slot = &p->owned[p->nowned++];
    *slot = calloc(1, n ? n : 1);
    if (!*slot) abort();
    return *slot;
}

static char *own_str(corr_plan *p, const char *s) {
    return strcpy(own(p, strlen(s) + 1), s);
}

/* The path's index in the plan's paths, added if new. */
static uint32_t intern(corr_plan *p, const char *path, size_t cap) {
    for (size_t i = 0; i < p->npaths; i++)
        if (!strcmp(p->paths[i], path)) return (uint32_t)i;
    if (p->npaths == cap) abort(); /* cap counts every path a feed can read */
    p->paths[p->npaths] = own_str(p, path);
    return (uint32_t)p->npaths++;
}

static size_t index_of(const sg_ruleset *rs, const sg_correlation *k) {
    size_t i = 0;
    while (sg_correlation_at(rs, i) != k)
        i++;
    return i;
}

/* Correlation k as the correlator and the writer see it. */
static void define(corr_plan *p, const sg_ruleset *rs, size_t i) {
    const sg_correlation *k = sg_correlation_at(rs, i);
    rt_corr_def *d = &p->defs[i];
    struct corr_out *o = &p->out[i];
    /* The two enums list the kinds and comparisons in the same order. */
    d->kind = (rt_corr_kind)k->type;
    d->timespan = k->timespan_ms;
    d->ops = k->ops;
    memcpy(d->cmp, k->cmp, sizeof d->cmp);
    d->percentile = k->percentile;
    d->ngroup = k->by_title ? 1 : k->group_by.n;
    d->ninputs = k->nrefs;
    o->id = own_str(p, k->id ? k->id : k->name ? k->name : k->title);
    o->title = own_str(p, k->title);
    o->level = k->level ? own_str(p, k->level) : NULL;
    o->type = own_str(p, sg_correlation_type_name(k->type));
    o->group = own(p, (d->ngroup + 1) * sizeof *o->group);
    for (size_t g = 0; g < d->ngroup; g++) /* Panther's "~" only says how keys are looked up */
        o->group[g] =
            own_str(p, k->by_title ? "title" : k->group_by.v[g] + (*k->group_by.v[g] == '~'));
    o->inputs = own(p, k->nrefs * sizeof *o->inputs);
    for (size_t j = 0; j < k->nrefs; j++)
        o->inputs[j] = own_str(p, k->refs[j].ref);
}

/* A correlation that k refers to feeds k: with its group-by values, picked
   by name. */
static void link_child(corr_plan *p, const sg_ruleset *rs, size_t i, size_t j) {
    const sg_correlation *k = sg_correlation_at(rs, i);
    const sg_corr_ref *r = &k->refs[j];
    size_t child = index_of(rs, r->corr);
    int *map = own(p, (k->group_by.n + 1) * sizeof *map);
    for (size_t g = 0; g < k->group_by.n; g++) {
        map[g] = -1;
        for (size_t h = 0; h < r->corr->group_by.n; h++)
            if (r->fields[g] && !strcmp(r->fields[g], r->corr->group_by.v[h])) map[g] = (int)h;
    }
    p->defs[child].parent = (int)i;
    p->defs[child].parent_input = (uint32_t)j;
    p->defs[child].parent_group = map;
}

corr_plan *corr_plan_new(const sg_ruleset *rs) {
    size_t n = sg_correlation_count(rs), nfeeds = 0, npaths = 0;
    if (!n) return NULL;
    corr_plan *p = calloc(1, sizeof *p);
    if (!p) abort();
    for (size_t i = 0; i < n; i++) {
        const sg_correlation *k = sg_correlation_at(rs, i);
        nfeeds += k->nrefs;
        npaths += k->nrefs * (k->group_by.n + 1);
    }
    p->ndefs = n;
    p->defs = own(p, n * sizeof *p->defs);
    p->out = own(p, n * sizeof *p->out);
    p->feeds = own(p, nfeeds * sizeof *p->feeds);
    p->paths = own(p, npaths * sizeof *p->paths);
    for (size_t i = 0; i < n; i++) {
        p->defs[i].parent = -1;
        define(p, rs, i);
    }
    for (size_t i = 0; i < n; i++) {
        const sg_correlation *k = sg_correlation_at(rs, i);
        for (size_t j = 0; j < k->nrefs; j++) {
            const sg_corr_ref *r = &k->refs[j];
            if (r->corr) {
                link_child(p, rs, i, j);
                continue;
            }
            corr_feed *f = &p->feeds[p->nfeeds++];
            /* The ruleset goes before the run starts: the plan keeps copies. */
            *f = (corr_feed){.rule_id = r->rule->id ? own_str(p, r->rule->id) : NULL,
                             .rule_name = r->rule->name ? own_str(p, r->rule->name) : NULL,
                             .corr = (uint32_t)i,
                             .input = (uint32_t)j,
                             .generate = k->generate,
                             .by_title = k->by_title,
                             .value_path = k->field ? (int)intern(p, k->field, npaths) : -1};
            f->group_paths = own(p, (k->group_by.n + 1) * sizeof *f->group_paths);
            for (size_t g = 0; g < k->group_by.n; g++)
                f->group_paths[g] = intern(p, r->fields[g], npaths);
        }
    }
    /* A correlation that feeds another is reported when that one generates
       what it refers to (known once every correlation is linked). */
    for (size_t i = 0; i < n; i++)
        p->out[i].print =
            p->defs[i].parent < 0 || sg_correlation_at(rs, (size_t)p->defs[i].parent)->generate;
    return p;
}

void corr_plan_free(corr_plan *p) {
    if (!p) return;
    for (size_t i = 0; i < p->nowned; i++)
        free(p->owned[i]);
    free(p->owned);
    free(p);
}

/* ---- per pack ---- */

static bool same(const sv_pack *pack, uint32_t k, const char *s) {
    size_t n;
    const char *t = sv_pack_string(pack, k, &n);
    return s && n == strlen(s) && !memcmp(t, s, n);
}

static bool feeds_rule(const corr_feed *f, const sv_pack *pack, const sv_rule *r) {
    return f->rule_id ? same(pack, r->id, f->rule_id) : same(pack, r->name, f->rule_name);
}

void corr_links_init(corr_links *l, const corr_plan *p, const sv_pack *pack) {
    size_t nr = sv_pack_rule_count(pack), total = 0;
    l->start = calloc(nr + 1, sizeof *l->start);
    l->print = calloc(nr + 1, sizeof *l->print);
    if (!l->start || !l->print) abort();
    for (int pass = 0; pass < 2; pass++) {
        total = 0;
        for (size_t i = 0; i < nr; i++) {
            const sv_rule *r = sv_pack_rule(pack, i);
            bool fed = false, generate = false;
            l->start[i] = (uint32_t)total;
            for (size_t f = 0; f < p->nfeeds; f++) {
                if (!feeds_rule(&p->feeds[f], pack, r)) continue;
                if (pass) l->feeds[total] = (uint32_t)f;
                total++;
                fed = true;
                generate |= p->feeds[f].generate;
            }
            l->print[i] = !fed || generate;
        }
        l->start[nr] = (uint32_t)total;
        if (!pass && !(l->feeds = calloc(total + 1, sizeof *l->feeds))) abort();
    }
}

void corr_links_free(corr_links *l) {
    free(l->start);
    free(l->feeds);
    free(l->print);
    *l = (corr_links){0};
}

/* ---- output ---- */

static void string_field(FILE *out, const char *name, const char *s) {
    fprintf(out, "\"%s\":", name);
    if (s)
        rt_json_string(out, s, strlen(s));
    else
        fputs("null", out);
}

void corr_write_match(FILE *out, const corr_plan *p, const rt_corr_match *m) {
    const struct corr_out *o = &p->out[m->corr];
    char start[RT_TIME_LEN], end[RT_TIME_LEN], t[RT_TIME_LEN];
    rt_format_time(m->start, start);
    rt_format_time(m->end, end);
    putc('{', out);
    string_field(out, "rule_id", o->id);
    putc(',', out);
    string_field(out, "title", o->title);
    putc(',', out);
    string_field(out, "level", o->level);
    putc(',', out);
    string_field(out, "correlation", o->type);
    fputs(",\"group\":{", out);
    for (size_t g = 0; g < p->defs[m->corr].ngroup; g++) {
        fprintf(out, "%s", g ? "," : "");
        rt_json_string(out, o->group[g], strlen(o->group[g]));
        putc(':', out);
        rt_json_string(out, m->group[g], m->group_len[g]);
    }
    fprintf(out,
            "},\"window_start\":\"%s\",\"window_end\":\"%s\",\"value\":%.15g,\"events\":%zu,"
            "\"refs\":[",
            start, end, m->value, m->nevents);
    for (size_t i = 0; i < m->nrefs; i++) {
        const rt_corr_ref *r = &m->refs[i];
        rt_format_time(r->time, t);
        fputs(i ? ",{" : "{", out);
        string_field(out, "rule", o->inputs[r->rule]);
        putc(',', out);
        string_field(out, "input", r->input);
        fprintf(out, ",\"record\":%llu,\"time\":\"%s\"}", (unsigned long long)r->record, t);
    }
    fprintf(out, "],\"refs_truncated\":%s}\n", m->nrefs < m->nevents ? "true" : "false");
}
