/*
 * replay.c: one input through the rules, on one thread of the pool.
 *
 * Rules given with -r are compiled once per log layout: with --profile, for
 * that profile; by default, for the profile that fits the first events of
 * each input (a pack of one detector rule per profile decides), so a
 * directory of mixed CloudTrail and Windows logs needs no flags. Packs given
 * with -p were mapped when they were compiled and run as they are. Packs are
 * shared by the threads; each thread has its own scanners, event slots and
 * interpreter state for them (an engine), made on first use.
 *
 * Every document the reader hands out is counted once, as evaluated,
 * skipped (with a message) or filtered by --since/--until.
 *
 * An input is shared by every thread that has nothing else to do (see
 * "one input" below): a single large file keeps all of them busy, and what
 * is written does not depend on how many there were.
 *
 * Correlation rules among the -r rules: every match of a rule they refer to
 * is fed, with the event's time and the values of the group-by fields (read
 * by a second scanner over the plan's paths, only for such events), to the
 * one correlator of the run, under the replay's lock, whatever the thread.
 * Its matches are held in a temporary file and written after every input's
 * matches, by replay_finish.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "correlations.h"
#include "run.h"

/* Bad documents reported per input before the rest are only counted. */
enum { MAX_REPORTED = 100 };
/* Events read from the start of an input to choose its profile. */
enum { SNIFF_EVENTS = 32 };
enum { MAX_PACKS = 16, MAX_PROFILES = 32 };

typedef struct mapped {
    const char *profile;
    sv_pack *pack; /* NULL when its rules could not be compiled */
} mapped;

struct replay {
    const run_config *cfg;
    pthread_mutex_t mu; /* over what follows */
    mapped mapped[MAX_PROFILES];
    size_t nmapped;
    sv_pack *detect; /* one rule per profile, titled with its name */
    bool refused;
    stats stats;
    uint64_t give_ups;
    corr_plan *plan; /* NULL: no correlations */
    rt_correlator *corr;
    FILE *corr_out;
    uint64_t corr_printed;
    atomic_uint_fast64_t corr_untimed;
};

typedef struct engine {
    const sv_pack *pack;
    rt_scanner *scan;
    sv_event *ev;
    sv_exec *x;
    uint32_t time_slot; /* the first of rt_time_paths in ev */
    rule_stat *stats;   /* per rule, with --stats */
    corr_links links;   /* with correlations: what each rule feeds */
    rt_scanner *corr_scan;
    sv_event *corr_ev;
    uint64_t recounted; /* regex give-ups of documents screened, then evaluated again */
} engine;

typedef struct worker {
    replay *r;
    engine packs[MAX_PACKS];
    engine mapped[MAX_PROFILES];
    engine detect;
    engine plain; /* no rules: checks a document and finds its time */
    uint32_t *hits;
    size_t nhits;
    rt_output *out;
} worker;

/* Scanner paths: the pack's, then where event times are. */
static void engine_init(engine *g, const sv_pack *p, bool with_stats) {
    size_t np = p ? sv_pack_path_count(p) : 0, nt = rt_time_path_count;
    const char **paths = malloc((np + nt) * sizeof *paths);
    if (!paths) abort();
    for (size_t i = 0; i < np; i++)
        paths[i] = sv_pack_path(p, i);
    memcpy(paths + np, rt_time_paths, nt * sizeof *paths);
    *g = (engine){.pack = p,
                  .scan = rt_scanner_new(paths, np + nt, rt_any_of(p)),
                  .ev = sv_event_new(np + nt),
                  .x = p ? sv_exec_new(p) : NULL,
                  .time_slot = (uint32_t)np};
    free(paths);
    if (!p || !with_stats) return;
    g->stats = calloc(sv_pack_rule_count(p) + 1, sizeof *g->stats);
    if (!g->stats) abort();
}

/* Hands the engine's counts to the run, then frees it. */
static void engine_stop(engine *g, replay *r) {
    if (!g->scan) return;
    pthread_mutex_lock(&r->mu);
    if (g->x) r->give_ups += sv_exec_regex_limit_hits(g->x) - g->recounted;
    for (size_t i = 0; g->stats && i < sv_pack_rule_count(g->pack); i++)
        if (g->stats[i].matches) stats_add(&r->stats, &g->stats[i]);
    pthread_mutex_unlock(&r->mu);
    rt_scanner_free(g->scan);
    sv_event_free(g->ev);
    sv_exec_free(g->x);
    free(g->stats);
    corr_links_free(&g->links);
    rt_scanner_free(g->corr_scan);
    sv_event_free(g->corr_ev);
}

static engine *engine_for(worker *w, engine *g, const sv_pack *p) {
    if (!g->scan) {
        engine_init(g, p, w->r->cfg->stats);
        /* Another thread's first compile may be setting the plan. */
        pthread_mutex_lock(&w->r->mu);
        const corr_plan *plan = w->r->plan;
        pthread_mutex_unlock(&w->r->mu);
        if (plan && p != w->r->detect) {
            corr_links_init(&g->links, plan, p);
            g->corr_scan = rt_scanner_new(plan->paths, plan->npaths, false);
            g->corr_ev = sv_event_new(plan->npaths);
        }
        sv_exec_set_shortcuts(g->x, !w->r->cfg->no_shortcuts);
        size_t n = sv_pack_rule_count(p) + 1;
        if (n > w->nhits) {
            w->hits = realloc(w->hits, n * sizeof *w->hits);
            if (!w->hits) abort();
            w->nhits = n;
        }
    }
    return g;
}

/* ---- correlations ---- */

static void emit(void *arg, const rt_corr_match *m) {
    replay *r = arg;
    if (!r->plan->out[m->corr].print) return;
    corr_write_match(r->corr_out, r->plan, m);
    r->corr_printed++;
}

static void start_correlations(replay *r, corr_plan *plan) {
    const run_config *cfg = r->cfg;
    rt_corr_opts o = {.lateness = cfg->lateness,
                      .max_groups = cfg->max_groups,
                      .max_refs = cfg->max_refs,
                      .emit = emit,
                      .arg = r};
    if (!(r->corr_out = tmpfile())) {
        perror("sigvm run: temporary file for correlation matches");
        abort();
    }
    r->plan = plan;
    r->corr = rt_corr_new(plan->defs, plan->ndefs, &o);
}

/* The first text at path slot k of the correlation scan, or NULL. */
static const char *value_at(engine *g, int k, size_t *len) {
    const char *s = NULL;
    sv_value *v = k < 0 ? NULL : sv_event_get(g->corr_ev, (uint32_t)k);
    return v && sv_value_text(g->corr_ev, v, &s, len) ? s : NULL;
}

/* Feeds a match of rule to the correlations it is referred to by. */
static void feed(replay *r, engine *g, uint32_t rule, const rt_doc *d, bool *scanned,
                 const rt_corr_event *base) {
    const corr_plan *plan = r->plan;
    for (uint32_t i = g->links.start[rule]; i < g->links.start[rule + 1]; i++) {
        const corr_feed *f = &plan->feeds[g->links.feeds[i]];
        size_t ngroup = plan->defs[f->corr].ngroup;
        const char *vals[ngroup + 1];
        size_t lens[ngroup + 1];
        char *title = NULL;
        if (!*scanned) {
            const char *err;
            size_t off;
            rt_scan(g->corr_scan, d->text, d->len, g->corr_ev, &err, &off);
            *scanned = true;
        }
        for (size_t k = 0; k < ngroup; k++)
            vals[k] = f->by_title ? (title = sv_render_title(g->pack, rule, g->ev, &lens[k]))
                                  : value_at(g, (int)f->group_paths[k], &lens[k]);
        rt_corr_event e = *base;
        e.group = vals;
        e.group_len = lens;
        e.value = value_at(g, f->value_path, &e.value_len);
        pthread_mutex_lock(&r->mu);
        rt_corr_feed(r->corr, f->corr, f->input, &e);
        pthread_mutex_unlock(&r->mu);
        free(title);
    }
}

uint64_t replay_finish(replay *r, FILE *out, bool quiet) {
    if (!r->corr) return 0;
    rt_corr_finish(r->corr);
    rewind(r->corr_out);
    char buf[1 << 16];
    for (size_t n; (n = fread(buf, 1, sizeof buf, r->corr_out)) > 0;)
        fwrite(buf, 1, n, out);
    rt_corr_stats st = rt_corr_get_stats(r->corr);
    if (!quiet || st.late || st.refused)
        fprintf(stderr,
                "sigvm run: correlations: %llu matches fed, %llu correlation matches (%llu "
                "reported); %llu late, %llu without a time, %llu without group-by values, "
                "%llu refused at the live-group limit; at most %zu groups live\n",
                (unsigned long long)st.fed, (unsigned long long)st.matches,
                (unsigned long long)r->corr_printed, (unsigned long long)st.late,
                (unsigned long long)r->corr_untimed, (unsigned long long)st.ungrouped,
                (unsigned long long)st.refused, st.peak_groups);
    if (st.late)
        fprintf(stderr,
                "sigvm run: %llu matches came more than --lateness before the latest event "
                "time and were not correlated\n",
                (unsigned long long)st.late);
    if (st.refused)
        fprintf(stderr,
                "sigvm run: %llu matches were not correlated: %zu groups live at once "
                "(--max-groups)\n",
                (unsigned long long)st.refused, r->cfg->max_groups);
    return r->corr_printed;
}

/* ---- packs ---- */

/* The pack of the -r rules mapped through profile, compiled on first use;
   its index in r->mapped, or -1 when its rules could not be compiled. */
static int mapped_pack(replay *r, const char *profile) {
    pthread_mutex_lock(&r->mu);
    size_t i = 0;
    while (i < r->nmapped && strcmp(r->mapped[i].profile, profile))
        i++;
    if (i == MAX_PROFILES) i = 0;
    if (i == r->nmapped) {
        rule_opts o = r->cfg->opt;
        o.profile = profile;
        size_t refused, len;
        unsigned char *image = NULL;
        cp_stats st;
        term_hold();
        corr_plan *plan = NULL;
        sv_pack *p =
            cli_compile(r->cfg->rules, r->cfg->nrules, &o, &refused, &image, &len, &st, &plan);
        term_release();
        free(image);
        /* Every profile has the same correlations: the first compile's serve. */
        if (p && plan && !r->plan)
            start_correlations(r, plan);
        else
            corr_plan_free(plan);
        r->refused |= refused > 0;
        r->mapped[i] = (mapped){profile, p};
        r->nmapped++;
    }
    int k = r->mapped[i].pack ? (int)i : -1;
    pthread_mutex_unlock(&r->mu);
    return k;
}

static sv_pack *detector_pack(void) {
    sg_ruleset *rs = sg_ruleset_new(NULL);
    sg_load_profile_detectors(rs);
    unsigned char *img;
    size_t len;
    char err[256];
    sv_pack *p = NULL;
    if (cp_compile(rs, &img, &len, NULL, err, sizeof err) == 0) {
        p = sv_pack_load(img, len, err, sizeof err);
        free(img);
    }
    sg_ruleset_free(rs);
    if (!p) fprintf(stderr, "sigvm: internal error: profile detectors: %s\n", err);
    return p;
}

replay *replay_new(const run_config *cfg) {
    replay *r = calloc(1, sizeof *r);
    if (!r) abort();
    r->cfg = cfg;
    pthread_mutex_init(&r->mu, NULL);
    bool ok = true;
    if (cfg->nrules && cfg->auto_profile)
        ok = (r->detect = detector_pack()) != NULL;
    else if (cfg->nrules)
        ok = mapped_pack(r, cfg->opt.profile ? cfg->opt.profile : "none") >= 0;
    if (!ok) {
        replay_free(r);
        return NULL;
    }
    return r;
}

bool replay_refused(const replay *r) {
    return r->refused;
}

uint64_t replay_regex_give_ups(const replay *r) {
    return r->give_ups;
}

void replay_print_stats(const replay *r, FILE *out) {
    stats_print((stats *)&r->stats, out);
}

void replay_free(replay *r) {
    if (!r) return;
    for (size_t i = 0; i < r->nmapped; i++)
        sv_pack_free(r->mapped[i].pack);
    sv_pack_free(r->detect);
    stats_free(&r->stats);
    rt_corr_free(r->corr);
    corr_plan_free(r->plan);
    if (r->corr_out) fclose(r->corr_out);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

/* ---- one input ---- */

/* An input is read a batch at a time, under its lock; any thread screens
   a batch (scan and rules, nothing written), and one thread at a time
   commits the screened batches in input order: counts, record and line
   numbers, and for the few documents that matched or are bad, the whole
   evaluation again, writing as a single thread would. Output therefore does
   not depend on how many threads shared the input. A ring of two batches
   per thread bounds how far reading runs ahead of committing.

   Where the reader can (runtime.h, spans), a batch is a span of whole
   lines, read under the lock and cut into documents by the thread that
   screens it, so that cutting is shared too; otherwise it is documents the
   reader cut, copied. A span is cut from where the reader was, if it knew,
   or from a guess, checked when the span is committed. */
enum { BATCH_DOCS = 1024, BATCH_BYTES = 1 << 20 };

/* What screening found out about a document. */
typedef enum verdict {
    V_QUIET,    /* a valid event that no rule matched */
    V_FILTERED, /* a valid event outside --since/--until */
    V_LOUD      /* a match, a bad document, an error: committed the long way */
} verdict;

typedef struct batch {
    bool is_span;
    rt_span span;             /* its text; the buffer stays with the batch */
    rt_frame from;            /* where cutting it started ... */
    bool from_known;          /* ... the reader's frame, or else a guess */
    rt_frame end;             /* where it ended */
    uint64_t screen_give_ups; /* regex give-ups while it was screened */
    size_t n, cap;
    rt_read *kind;
    rt_doc *doc;
    size_t *at; /* where the document's text (or error) starts in text */
    /* (a span's documents are in span; only their errors are in text) */
    uint8_t *verdict;
    size_t *found; /* where matches lists the rules that matched (screen_doc) */
    uint32_t *matches;
    size_t nmatches, matches_cap;
    char *text;
    size_t len, text_cap;
    bool done; /* screened, waiting to be committed */
} batch;

/* Which engine of a thread serves an input: that of -p pack i, or that of
   the -r rules mapped for profile i. */
typedef struct engine_ref {
    bool mapped;
    size_t i;
} engine_ref;

/* An input being read, shared by the threads working on it. */
typedef struct input_job {
    run_input *in;
    sink *sink;
    rt_input *ri;
    engine_ref refs[MAX_PACKS + 1];
    size_t nrefs;
    pthread_mutex_t mu;   /* over reading and the ring */
    pthread_cond_t moved; /* a batch was committed */
    uint64_t last_line;   /* of the last document read */
    uint64_t offset;      /* input bytes already counted in progress */
    bool ended;           /* the reader said RT_EOF or RT_ERROR */
    batch *ring;
    size_t nring;
    uint64_t nread, ncommitted; /* batches */
    bool committing;            /* some thread is committing batches */
    bool spans_out;             /* spans were read since the reader last knew its frame */
    bool settling;              /* ... and no more can be: waiting for them to be committed */
    /* The committing thread's: */
    uint64_t record; /* valid events so far */
    uint64_t reported;
    rt_frame frame;          /* where the last span committed ended */
    uint64_t span_last_line; /* of its last document */
} input_job;

/* One thread's hold on an input: its own engines for the input's packs. */
typedef struct cursor {
    worker *w;
    input_job *j;
    engine *use[MAX_PACKS + 1];
    size_t nuse;
} cursor;

static engine *engine_of(worker *w, engine_ref ref) {
    if (ref.mapped) return engine_for(w, &w->mapped[ref.i], w->r->mapped[ref.i].pack);
    return engine_for(w, &w->packs[ref.i], w->r->cfg->packs[ref.i]);
}

static void cursor_init(cursor *c, worker *w, input_job *j) {
    *c = (cursor){.w = w, .j = j};
    for (size_t i = 0; i < j->nrefs; i++)
        c->use[c->nuse++] = engine_of(w, j->refs[i]);
}

static void use_engine(cursor *c, engine_ref ref) {
    c->j->refs[c->j->nrefs++] = ref;
    c->use[c->nuse++] = engine_of(c->w, ref);
}

static void skip(cursor *c, const rt_doc *d, const char *why, size_t at) {
    run_input *in = c->j->in;
    in->skipped++;
    if (++c->j->reported > MAX_REPORTED) return;
    char where[64] = "", byte[32] = "";
    if (d->element) snprintf(where, sizeof where, "element %llu: ", (unsigned long long)d->element);
    if (d->tuple)
        snprintf(where + strlen(where), sizeof where - strlen(where),
                 "flow tuple %llu: ", (unsigned long long)d->tuple);
    if (at != SIZE_MAX) snprintf(byte, sizeof byte, " at byte %zu", at + 1);
    /* "line skipped" for a top-level document, as NDJSON users know it */
    sink_say(c->j->sink, "%s:%llu: %s%s%s; %sskipped\n", in->name, (unsigned long long)d->line,
             where, why, byte, where[0] ? "" : "line ");
    if (c->j->reported == MAX_REPORTED)
        sink_say(c->j->sink, "%s: further bad events are counted, not shown\n", in->name);
}

static void note_match(engine *g, uint32_t rule, bool has_time, int64_t t) {
    rule_stat *s = &g->stats[rule];
    if (!s->matches) {
        const sv_rule *r = sv_pack_rule(g->pack, rule);
        s->id = sv_pack_string(g->pack, r->id, &s->id_len);
        s->title = sv_pack_string(g->pack, r->title, &s->title_len);
        s->level = sv_pack_string(g->pack, r->level, &s->level_len);
    }
    s->matches++;
    if (!has_time) return;
    if (!s->has_time || t < s->first) s->first = t;
    if (!s->has_time || t > s->last) s->last = t;
    s->has_time = true;
}

/* The engine that validates documents and finds their time. */
static engine *first_engine(cursor *c) {
    return c->nuse ? c->use[0] : &c->w->plain;
}

/* Lets reader in scan objects on one line with c's first engine as it cuts them. */
static void scan_objects_with(cursor *c, rt_input *in) {
    engine *first = first_engine(c);
    rt_input_scan_with(in, first->scan, first->ev);
}

/* Scans d with the first engine, unless the reader did: false with err
   and off for a document that is not a valid event. */
static bool scan_first(cursor *c, const rt_doc *d, const char **err, size_t *off) {
    engine *first = first_engine(c);
    return d->scanned || rt_scan(first->scan, d->text, d->len, first->ev, err, off);
}

/* The time of the event the first engine scanned, found when first asked
   for: most events match no rule and no window of time filters them, and
   finding it parses a timestamp. */
typedef struct event_time {
    bool looked, has;
    int64_t t;
} event_time;

static bool time_of(cursor *c, event_time *et) {
    if (!et->looked) {
        engine *first = first_engine(c);
        et->has = rt_event_time(first->ev, first->time_slot, &et->t);
        et->looked = true;
    }
    return et->has;
}

static bool outside(cursor *c, event_time *et) {
    const run_config *cfg = c->w->r->cfg;
    if (!cfg->has_since && !cfg->has_until) return false;
    return !time_of(c, et) || (cfg->has_since && et->t < cfg->since) ||
           (cfg->has_until && et->t >= cfg->until);
}

/* The rules known to be the only ones that may match a document evaluated
   again (those that matched when it was screened), or every rule. */
typedef struct known {
    const uint32_t *rules; /* NULL: every rule */
    size_t n;
} known;

/* Runs engine e over d, scanned by scan_first: the rules that match go to
   the worker's hits; returns how many. */
static size_t run_engine(cursor *c, size_t e, const rt_doc *d, known k) {
    engine *g = c->use[e];
    const char *err;
    size_t off;
    /* The first scan validated the document; the others only fill slots. */
    if (e > 0) rt_scan(g->scan, d->text, d->len, g->ev, &err, &off);
    return k.rules ? sv_exec_run_rules(g->x, g->ev, k.rules, k.n, c->w->hits)
                   : sv_exec_run(g->x, g->ev, c->w->hits);
}

static const known EVERY_RULE = {NULL, 0};
enum { NOT_FOUND = SIZE_MAX };

static void evaluate(cursor *c, const rt_doc *d, known k) {
    worker *w = c->w;
    run_input *in = c->j->in;
    const char *err;
    size_t off;
    event_time et = {0};
    if (!scan_first(c, d, &err, &off)) {
        skip(c, d, err, off);
        return;
    }
    uint64_t record = ++c->j->record;
    if (outside(c, &et)) {
        in->filtered++;
        return;
    }
    for (size_t e = 0; e < c->nuse; e++) {
        engine *g = c->use[e];
        size_t n = run_engine(c, e, d, k), shown = 0;
        /* The other engines scan into events of their own. */
        bool scanned = false, has_time = n && time_of(c, &et);
        int64_t t = et.t;
        rt_corr_event base = {.time = t, .input = in->name, .record = record};
        for (size_t i = 0; i < n; i++) {
            uint32_t rule = w->hits[i];
            if (g->stats) note_match(g, rule, has_time, t);
            if (g->corr_scan && g->links.start[rule] < g->links.start[rule + 1]) {
                if (has_time)
                    feed(w->r, g, rule, d, &scanned, &base);
                else
                    atomic_fetch_add(&w->r->corr_untimed, 1);
                if (!g->links.print[rule]) continue;
            }
            rt_match m = {g->pack, g->x,    g->ev,  rule,     in->name, record,
                          d->line, d->text, d->len, has_time, t};
            rt_output_match(w->out, sink_out(c->j->sink), &m);
            shown++;
        }
        in->matches += shown;
        atomic_fetch_add(&progress.matches, shown);
    }
    sink_flush(c->j->sink);
    in->evaluated++;
}

/* One thing the reader handed out, the long way. */
static void handle(cursor *c, rt_read kind, const rt_doc *d, known k) {
    run_input *in = c->j->in;
    switch (kind) {
    case RT_DOC:
        in->read++;
        evaluate(c, d, k);
        break;
    case RT_BAD:
        in->read++;
        skip(c, d, d->error, SIZE_MAX);
        break;
    case RT_ERROR:
        snprintf(in->damage_text, sizeof in->damage_text, "%s", d->error);
        in->damage = in->damage_text;
        sink_say(c->j->sink, "%s: after line %llu: %s\n", in->name, (unsigned long long)d->line,
                 in->damage);
        break;
    case RT_EOF: break;
    }
    atomic_fetch_add(&progress.events, kind == RT_DOC || kind == RT_BAD);
}

static void count_bytes(input_job *j) {
    uint64_t at = rt_input_offset(j->ri);
    atomic_fetch_add(&progress.bytes, at - j->offset);
    j->offset = at;
}

/* Reads the next thing (caller holds j->mu, or is alone with j). An error
   takes the line of the last document, and its text from the reader. */
static rt_read next(input_job *j, rt_doc *d) {
    rt_read k = rt_input_next(j->ri, d);
    if (k == RT_ERROR) {
        d->line = j->last_line;
        d->error = rt_input_error(j->ri);
    }
    j->last_line = d->line;
    j->ended |= k == RT_EOF || k == RT_ERROR;
    count_bytes(j);
    return k;
}

/* ---- batches ---- */

static void *xrealloc(void *p, size_t n) {
    if (!(p = realloc(p, n))) abort();
    return p;
}

/* Makes room in b for one more document of len bytes. */
static void batch_room(batch *b, size_t len) {
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 64;
        b->kind = xrealloc(b->kind, b->cap * sizeof *b->kind);
        b->doc = xrealloc(b->doc, b->cap * sizeof *b->doc);
        b->at = xrealloc(b->at, b->cap * sizeof *b->at);
        b->verdict = xrealloc(b->verdict, b->cap * sizeof *b->verdict);
        b->found = xrealloc(b->found, b->cap * sizeof *b->found);
    }
    if (b->len + len >= b->text_cap) {
        while (b->len + len >= b->text_cap)
            b->text_cap = b->text_cap ? 2 * b->text_cap : BATCH_BYTES;
        b->text = xrealloc(b->text, b->text_cap);
    }
}

/* Adds a document of kind k to b: a span's in place, another's copied
   (an error is always copied; pointers into text are set by point_into). */
static void batch_add(batch *b, rt_read k, const rt_doc *d) {
    const char *src = k == RT_DOC ? d->text : d->error;
    size_t len = k == RT_DOC ? (b->is_span ? 0 : d->len) : strlen(d->error) + 1;
    batch_room(b, len);
    memcpy(b->text + b->len, src, len);
    b->kind[b->n] = k;
    b->doc[b->n] = *d;
    b->doc[b->n].scanned = false; /* by whichever thread; committing scans again */
    b->at[b->n++] = b->len;
    b->len += len;
}

/* The text may have moved while it grew: point into it only now. */
static void point_into(batch *b) {
    for (size_t i = 0; i < b->n; i++) {
        if (b->kind[i] != RT_DOC)
            b->doc[i].error = b->text + b->at[i];
        else if (!b->is_span)
            b->doc[i].text = b->text + b->at[i];
    }
}

/* Copies the next documents of j into b (caller holds j->mu); false when
   there were none. */
static bool read_batch(input_job *j, batch *b) {
    b->n = b->len = 0;
    b->is_span = false;
    while (!j->ended && b->n < BATCH_DOCS && b->len < BATCH_BYTES) {
        rt_doc d;
        rt_read k = next(j, &d);
        if (k == RT_EOF) break;
        batch_add(b, k, &d);
    }
    point_into(b);
    return b->n > 0;
}

typedef enum taken { TAKEN, WAIT, NOTHING } taken;

/* Fills b with the next span of j, or else the next documents (caller
   holds j->mu). After spans, documents are read only once every span read
   has been committed and the reader told where it is: until then, WAIT. */
static taken take(input_job *j, batch *b) {
    if (!j->settling) {
        rt_frame here = rt_input_frame(j->ri);
        if (rt_input_span(j->ri, &b->span)) {
            b->is_span = true;
            b->from_known = !j->spans_out;
            b->from = b->from_known ? here : (rt_frame){.line = 1};
            j->spans_out = true;
            count_bytes(j);
            return TAKEN;
        }
        j->settling = j->spans_out;
    }
    if (j->settling) {
        if (j->ncommitted < j->nread) return WAIT;
        rt_input_resume(j->ri, &j->frame);
        j->last_line = j->span_last_line;
        j->spans_out = j->settling = false;
    }
    return read_batch(j, b) ? TAKEN : NOTHING;
}

/* *nhits: how many rules of the engine that matched did, if one did. */
static verdict screen(cursor *c, rt_read kind, const rt_doc *d, size_t *nhits) {
    const char *err;
    size_t off;
    event_time et = {0};
    if (kind != RT_DOC || !scan_first(c, d, &err, &off)) return V_LOUD;
    if (outside(c, &et)) return V_FILTERED;
    for (size_t e = 0; e < c->nuse; e++)
        if ((*nhits = run_engine(c, e, d, EVERY_RULE))) return V_LOUD;
    return V_QUIET;
}

/* Regex give-ups so far of c's engines. */
static uint64_t give_ups(const cursor *c) {
    uint64_t n = 0;
    for (size_t e = 0; e < c->nuse; e++)
        n += sv_exec_regex_limit_hits(c->use[e]->x);
    return n;
}

/* Screens document i of b, d (the reader's, which may have been scanned as
   it was cut, unlike b's copy). Committing evaluates a document that matched
   again, and then, when one engine serves the input and no regex gave up
   on the document (which would have spared the regexes of later rules),
   runs only the rules that matched: their answers are the same, at a
   fraction of the cost. */
static void screen_doc(cursor *c, batch *b, size_t i, const rt_doc *d) {
    uint64_t before = give_ups(c);
    size_t n = 0;
    b->verdict[i] = (uint8_t)screen(c, b->kind[i], d, &n);
    b->found[i] = NOT_FOUND;
    if (!n || c->nuse != 1 || give_ups(c) != before) return;
    if (b->nmatches + n + 1 > b->matches_cap) {
        b->matches_cap = 2 * (b->nmatches + n + 1);
        b->matches = xrealloc(b->matches, b->matches_cap * sizeof *b->matches);
    }
    b->found[i] = b->nmatches;
    b->matches[b->nmatches++] = (uint32_t)n;
    memcpy(b->matches + b->nmatches, c->w->hits, n * sizeof *b->matches);
    b->nmatches += n;
}

/* Cuts span batch b into documents and screens each as it comes. */
static void screen_span(cursor *c, batch *b) {
    rt_input *in = rt_input_over(&b->span, &b->from, &c->w->r->cfg->input);
    scan_objects_with(c, in);
    b->n = b->len = 0;
    uint64_t before = give_ups(c);
    rt_doc d;
    for (rt_read k; (k = rt_input_next(in, &d)) != RT_EOF;) {
        batch_add(b, k, &d);
        screen_doc(c, b, b->n - 1, &d);
    }
    b->screen_give_ups = give_ups(c) - before;
    point_into(b);
    b->end = rt_input_frame(in);
    rt_input_close(in);
}

static void commit(cursor *c, const batch *b) {
    run_input *in = c->j->in;
    uint64_t quiet = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->verdict[i] == V_LOUD) {
            /* Screening counted this document's regex give-ups already. */
            uint64_t before[MAX_PACKS + 1] = {0};
            for (size_t e = 0; e < c->nuse; e++)
                before[e] = sv_exec_regex_limit_hits(c->use[e]->x);
            const uint32_t *found = b->found[i] == NOT_FOUND ? NULL : b->matches + b->found[i];
            handle(c, b->kind[i], &b->doc[i], found ? (known){found + 1, *found} : EVERY_RULE);
            for (size_t e = 0; e < c->nuse; e++)
                c->use[e]->recounted += sv_exec_regex_limit_hits(c->use[e]->x) - before[e];
            continue;
        }
        if (b->verdict[i] == V_FILTERED)
            in->filtered++;
        else
            in->evaluated++;
        in->read++;
        c->j->record++;
        quiet++;
    }
    atomic_fetch_add(&progress.events, quiet);
}

/* Commits a span: its lines moved to where it really starts; cut again,
   the long way, if it was cut from a wrong guess. */
static void commit_span(cursor *c, batch *b) {
    input_job *j = c->j;
    if (!b->from_known && !rt_frame_same_place(&b->from, &j->frame)) {
        /* What screening gave up on were documents cut wrongly. */
        if (c->nuse) c->use[0]->recounted += b->screen_give_ups;
        rt_input *in = rt_input_over(&b->span, &j->frame, &c->w->r->cfg->input);
        rt_doc d;
        for (rt_read k; (k = rt_input_next(in, &d)) != RT_EOF; j->span_last_line = d.line)
            handle(c, k, &d, EVERY_RULE);
        j->frame = rt_input_frame(in);
        rt_input_close(in);
        return;
    }
    uint64_t shift = b->from_known ? 0 : j->frame.line - b->from.line;
    for (size_t i = 0; i < b->n; i++)
        b->doc[i].line += shift;
    j->frame = b->end;
    j->frame.line += shift;
    if (b->n) j->span_last_line = b->doc[b->n - 1].line;
    commit(c, b);
}

/* Reads, screens and commits batches of c's input until it has ended. */
static void work_on(cursor *c) {
    input_job *j = c->j;
    pthread_mutex_lock(&j->mu);
    for (;;) {
        while (!j->ended && j->nread - j->ncommitted >= j->nring)
            pthread_cond_wait(&j->moved, &j->mu);
        batch *b = &j->ring[j->nread % j->nring];
        taken t = j->ended ? NOTHING : take(j, b);
        if (t == NOTHING) break;
        if (t == WAIT) {
            pthread_cond_wait(&j->moved, &j->mu);
            continue;
        }
        j->nread++;
        pthread_mutex_unlock(&j->mu);
        b->nmatches = 0;
        if (b->is_span)
            screen_span(c, b);
        else
            for (size_t i = 0; i < b->n; i++)
                screen_doc(c, b, i, &b->doc[i]);
        pthread_mutex_lock(&j->mu);
        b->done = true;
        if (j->committing) continue;
        /* Commit every screened batch that is next in line; one marked done
           meanwhile is seen here, or its thread becomes the committer. */
        j->committing = true;
        for (batch *h;
             j->ncommitted < j->nread && (h = &j->ring[j->ncommitted % j->nring])->done;) {
            pthread_mutex_unlock(&j->mu);
            if (h->is_span)
                commit_span(c, h);
            else
                commit(c, h);
            pthread_mutex_lock(&j->mu);
            h->done = false;
            j->ncommitted++;
            pthread_cond_broadcast(&j->moved);
        }
        j->committing = false;
    }
    pthread_mutex_unlock(&j->mu);
}

/* Alone with the input, documents go from the reader's buffer straight to
   evaluation: nothing is copied, nothing evaluated twice. */
static void read_alone(cursor *c) {
    input_job *j = c->j;
    while (!j->ended) {
        rt_doc d;
        rt_read k = next(j, &d);
        if (k == RT_EOF) break;
        handle(c, k, &d, EVERY_RULE);
    }
}

static void job_free(input_job *j) {
    for (size_t i = 0; i < j->nring; i++) {
        batch *b = &j->ring[i];
        free(b->kind);
        free(b->doc);
        free(b->at);
        free(b->verdict);
        free(b->found);
        free(b->matches);
        free(b->text);
        free(b->span.buf);
    }
    free(j->ring);
    pthread_cond_destroy(&j->moved);
    pthread_mutex_destroy(&j->mu);
    free(j);
}

/* ---- the start of an input ---- */

/* A copy of what the reader handed out while the profile is chosen. */
typedef struct held {
    rt_read kind;
    rt_doc doc;
    char *text;
} held;

/* The profile that the most sampled events fit ("none" when none does). */
static const char *choose_profile(cursor *c, const held *h, size_t n) {
    worker *w = c->w;
    engine *g = engine_for(w, &w->detect, w->r->detect);
    size_t nprof = sv_pack_rule_count(g->pack), best = SIZE_MAX, votes[64] = {0}, sampled = 0;
    for (size_t i = 0; i < n; i++) {
        const char *err;
        size_t off;
        if (h[i].kind != RT_DOC ||
            !rt_scan(g->scan, h[i].doc.text, h[i].doc.len, g->ev, &err, &off))
            continue;
        sampled++;
        size_t k = sv_exec_run(g->x, g->ev, w->hits);
        for (size_t j = 0; j < k; j++)
            if (w->hits[j] < 64) votes[w->hits[j]]++;
    }
    for (size_t j = 0; j < nprof && j < 64; j++)
        if (votes[j] && (best == SIZE_MAX || votes[j] > votes[best])) best = j;
    size_t len;
    const char *profile = best == SIZE_MAX
                              ? "none"
                              : sv_pack_string(g->pack, sv_pack_rule(g->pack, best)->title, &len);
    if (!w->r->cfg->opt.quiet)
        sink_say(c->j->sink, "sigvm run: %s: profile %s (%zu of %zu sampled events fit)\n",
                 c->j->in->name, profile, best == SIZE_MAX ? 0 : votes[best], sampled);
    return profile;
}

/* Chooses the profile from copies of the first events, then handles them. */
static void start_auto(cursor *c) {
    held h[SNIFF_EVENTS * 2];
    size_t n = 0, docs = 0;
    while (docs < SNIFF_EVENTS && n < sizeof h / sizeof *h) {
        rt_read k = next(c->j, &h[n].doc);
        if (k == RT_EOF) break;
        h[n].kind = k;
        h[n].text = NULL;
        if (k == RT_DOC) {
            h[n].text = malloc(h[n].doc.len ? h[n].doc.len : 1);
            if (!h[n].text) abort();
            memcpy(h[n].text, h[n].doc.text, h[n].doc.len);
            h[n].doc.text = h[n].text;
            docs++;
        } else if (k == RT_BAD) {
            if (!(h[n].text = strdup(h[n].doc.error))) abort();
            h[n].doc.error = h[n].text;
        }
        n++;
        if (k == RT_ERROR) break;
    }
    int i = mapped_pack(c->w->r, choose_profile(c, h, n));
    if (i >= 0) use_engine(c, (engine_ref){true, (size_t)i});
    for (size_t j = 0; j < n; j++) {
        handle(c, h[j].kind, &h[j].doc, EVERY_RULE);
        free(h[j].text);
    }
}

static void replay_input(void *state, run_input *in, sink *s) {
    worker *w = state;
    const run_config *cfg = w->r->cfg;
    if (in->walk_error) {
        in->damage = in->walk_error;
        in->unopened = true;
        sink_say(s, "%s: %s\n", in->name, in->walk_error);
        return;
    }
    char err[512];
    rt_input *ri = rt_input_open(in->name, &cfg->input, err, sizeof err);
    if (!ri) {
        size_t skip = strncmp(err, in->name, strlen(in->name)) ? 0 : strlen(in->name) + 2;
        snprintf(in->damage_text, sizeof in->damage_text, "%s", err + skip);
        in->damage = in->damage_text;
        in->unopened = true;
        sink_say(s, "%s\n", err);
        return;
    }
    input_job *j = calloc(1, sizeof *j);
    if (!j) abort();
    *j = (input_job){.in = in, .sink = s, .ri = ri, .nring = cfg->jobs > 1 ? 2 * cfg->jobs : 0};
    if (j->nring && !(j->ring = calloc(j->nring, sizeof *j->ring))) abort();
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->moved, NULL);
    cursor c;
    cursor_init(&c, w, j);
    for (size_t i = 0; i < cfg->npacks; i++)
        use_engine(&c, (engine_ref){false, i});
    if (cfg->nrules && cfg->auto_profile) {
        start_auto(&c);
    } else if (cfg->nrules) {
        int i = mapped_pack(w->r, cfg->opt.profile ? cfg->opt.profile : "none");
        if (i >= 0) use_engine(&c, (engine_ref){true, (size_t)i});
    }
    if (cfg->jobs == 1) {
        scan_objects_with(&c, ri);
        read_alone(&c);
    } else {
        pool_offer(s, j);
        work_on(&c);
        /* Once no helper is left, every batch read has been committed. */
        pool_withdraw(s);
    }
    rt_input_close(ri);
    job_free(j);
}

static void replay_help(void *state, void *job) {
    cursor c;
    cursor_init(&c, state, job);
    work_on(&c);
}

static void *worker_start(void *arg) {
    worker *w = calloc(1, sizeof *w);
    if (!w) abort();
    w->r = arg;
    engine_init(&w->plain, NULL, false);
    w->out = rt_output_new(w->r->cfg->format, w->r->cfg->fields, w->r->cfg->nfields,
                           w->r->cfg->with_event);
    return w;
}

static void worker_stop(void *state) {
    worker *w = state;
    for (size_t i = 0; i < MAX_PACKS; i++)
        engine_stop(&w->packs[i], w->r);
    for (size_t i = 0; i < MAX_PROFILES; i++)
        engine_stop(&w->mapped[i], w->r);
    engine_stop(&w->detect, w->r);
    engine_stop(&w->plain, w->r);
    rt_output_free(w->out);
    free(w->hits);
    free(w);
}

pool_work replay_work(replay *r) {
    return (pool_work){worker_start, replay_input, replay_help, worker_stop, r};
}
