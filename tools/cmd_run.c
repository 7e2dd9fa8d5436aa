/* cmd_run.c: `sigvm run`: every rule over every event of every input.
 *
 * Rules given with -r are compiled once per log layout: with --profile, for
 * that profile; by default, for the profile that fits the first events of
 * each input (a pack of one detector rule per profile decides), so a
 * directory of mixed CloudTrail and Windows logs needs no flags. Packs given
 * with -p were mapped when they were compiled and run as they are.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "runtime/runtime.h"

static const char help[] =
    "usage: sigvm run (-r RULE_PATH | -p PACK)... [options] [INPUT...]\n"
    "\n"
    "Matches rules against newline-delimited JSON events (one object per line;\n"
    "gzip-compressed input is recognised by content). INPUT '-' or no INPUT reads\n"
    "standard input. Writes one JSON object per (rule, event) match to stdout:\n"
    "  rule_id, title, level, input, record (1-based event number within the\n"
    "  input), line (its line number), event (the event, verbatim).\n"
    "A line that is not a JSON object is reported on stderr as INPUT:LINE: reason,\n"
    "counted and skipped; a summary on stderr ends the run.\n"
    "\n"
    "Rules from -r are mapped through a profile (see `sigvm profiles`): by default\n"
    "the one that fits the first events of each input, said on stderr;\n"
    "--profile NAME forces one, --profile none uses field names as written.\n"
    "\n"
    "options:\n"
    "  -r, --rules PATH        rule file or directory (repeatable)\n"
    "  -p, --pack PACK         compiled pack from `sigvm compile -o` (repeatable)\n"
    "  -o, --output FILE       write matches to FILE instead of stdout\n"
    "  -h, --help              this text\n"
    "%s"
    "\n"
    "exit status: 0 success; 1 some input was unreadable or some events were\n"
    "skipped; 2 bad command line; 3 a rule or pack was refused.\n";

/* Bad lines reported per input before the rest are only counted. */
enum { MAX_REPORTED = 100 };
/* Lines read from the start of an input to choose its profile. */
enum { SNIFF_LINES = 32 };

typedef struct engine {
    const char *profile; /* for rules from -r; NULL for a pack from -p */
    sv_pack *pack;
    rt_scanner *scan;
    sv_event *ev;
    sv_exec *x;
} engine;

typedef struct run {
    const char *const *rules;
    size_t nrules;
    rule_opts opt;
    bool auto_profile;
    engine packs[16]; /* from -p */
    size_t npacks;
    engine mapped[32]; /* from -r, one per profile used so far */
    size_t nmapped;
    engine detect; /* one rule per profile, for choosing */
    bool refused;  /* some rule was refused */
    uint32_t *hits;
    size_t nhits;
    FILE *out;
    unsigned long long events, matches, skipped, unreadable;
} run;

static bool engine_init(engine *g, sv_pack *p, const char *profile) {
    if (!p) return false;
    size_t np = sv_pack_path_count(p);
    const char **paths = malloc((np ? np : 1) * sizeof *paths);
    if (!paths) abort();
    for (size_t i = 0; i < np; i++)
        paths[i] = sv_pack_path(p, i);
    *g = (engine){profile, p, rt_scanner_new(paths, np, sv_pack_wants_any(p)), sv_event_new(np),
                  sv_exec_new(p)};
    free(paths);
    return true;
}

static void engine_free(engine *g) {
    rt_scanner_free(g->scan);
    sv_event_free(g->ev);
    sv_exec_free(g->x);
    sv_pack_free(g->pack);
}

/* Scans doc with g's path table and runs g's rules over it. */
static size_t engine_eval(engine *g, const char *doc, size_t len, uint32_t *hits, const char **err,
                          size_t *off) {
    if (!rt_scan(g->scan, doc, len, g->ev, err, off)) return SIZE_MAX;
    return sv_exec_run(g->x, g->ev, hits);
}

static void grow_hits(run *r, const sv_pack *p) {
    size_t n = sv_pack_rule_count(p) + 1;
    if (n <= r->nhits) return;
    r->hits = realloc(r->hits, n * sizeof *r->hits);
    if (!r->hits) abort();
    r->nhits = n;
}

/* The engine for rules mapped through profile, compiled on first use. */
static engine *mapped_engine(run *r, const char *profile) {
    for (size_t i = 0; i < r->nmapped; i++)
        if (!strcmp(r->mapped[i].profile, profile)) return &r->mapped[i];
    if (r->nmapped == sizeof r->mapped / sizeof *r->mapped) return &r->mapped[0];
    rule_opts o = r->opt;
    o.profile = profile;
    size_t refused, len;
    unsigned char *image = NULL;
    cp_stats st;
    sv_pack *p = cli_compile(r->rules, r->nrules, &o, &refused, &image, &len, &st);
    free(image);
    r->refused |= refused > 0;
    engine *g = &r->mapped[r->nmapped];
    if (!engine_init(g, p, profile)) return NULL;
    r->nmapped++;
    grow_hits(r, p);
    return g;
}

static bool detector_init(run *r) {
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
    if (p) grow_hits(r, p);
    return engine_init(&r->detect, p, NULL);
}

/* The profile that the most sampled lines fit ("none" when none does). */
static const char *choose_profile(run *r, const char *name, char **lines, size_t *lens, size_t n) {
    size_t nprof = sv_pack_rule_count(r->detect.pack), best = SIZE_MAX, votes[64] = {0};
    for (size_t i = 0; i < n; i++) {
        const char *err;
        size_t off, k = engine_eval(&r->detect, lines[i], lens[i], r->hits, &err, &off);
        for (size_t j = 0; k != SIZE_MAX && j < k; j++)
            if (r->hits[j] < 64) votes[r->hits[j]]++;
    }
    for (size_t j = 0; j < nprof && j < 64; j++)
        if (votes[j] && (best == SIZE_MAX || votes[j] > votes[best])) best = j;
    size_t slen;
    const char *profile =
        best == SIZE_MAX
            ? "none"
            : sv_pack_string(r->detect.pack, sv_pack_rule(r->detect.pack, best)->title, &slen);
    if (!r->opt.quiet)
        fprintf(stderr, "sigvm run: %s: profile %s (%zu of %zu sampled lines fit)\n", name, profile,
                best == SIZE_MAX ? 0 : votes[best], n);
    return profile;
}

static void bad_line(run *r, const char *name, uint64_t line, unsigned long long *reported,
                     const char *what, size_t off) {
    r->skipped++;
    if (++*reported > MAX_REPORTED) return;
    fprintf(stderr, "%s:%llu: %s at byte %zu; line skipped\n", name, (unsigned long long)line, what,
            off + 1);
    if (*reported == MAX_REPORTED)
        fprintf(stderr, "%s: further bad lines are counted, not shown\n", name);
}

/* One input: the engines that apply to it, and where it stands. */
typedef struct cursor {
    const char *name;
    engine *use[17];
    size_t nuse;
    uint64_t record;
    unsigned long long reported;
} cursor;

static void eval_line(run *r, cursor *c, const char *doc, size_t len, uint64_t lineno) {
    const char *err = NULL;
    size_t off = 0;
    for (size_t e = 0; e < c->nuse; e++) {
        size_t n = engine_eval(c->use[e], doc, len, r->hits, &err, &off);
        if (n == SIZE_MAX) {
            bad_line(r, c->name, lineno, &c->reported, err, off);
            return;
        }
        for (size_t i = 0; i < n; i++)
            rt_write_match(r->out, c->use[e]->pack, r->hits[i], c->name, c->record + 1, lineno, doc,
                           len);
        r->matches += n;
    }
    if (c->nuse == 0) { /* nothing to run, but the line must still be valid */
        sv_event *ev = sv_event_new(0);
        rt_scanner *s = rt_scanner_new(NULL, 0, false);
        bool ok = rt_scan(s, doc, len, ev, &err, &off);
        rt_scanner_free(s);
        sv_event_free(ev);
        if (!ok) {
            bad_line(r, c->name, lineno, &c->reported, err, off);
            return;
        }
    }
    c->record++;
    r->events++;
}

/* The next line of an input; reports over-long lines and read errors on the
   way. False at the end (or on a read error). */
static bool next_line(run *r, cursor *c, rt_input *in, const char **doc, size_t *len,
                      uint64_t *lineno) {
    for (;;) {
        switch (rt_input_next(in, doc, len, lineno)) {
        case RT_LINE: return true;
        case RT_EOF: return false;
        case RT_TOO_LONG:
            bad_line(r, c->name, *lineno, &c->reported, "line longer than the limit", 0);
            continue;
        case RT_ERROR:
            fprintf(stderr, "%s: after line %llu: %s\n", c->name, (unsigned long long)*lineno,
                    rt_input_error(in));
            r->unreadable++;
            return false;
        }
    }
}

/* Chooses the profile from copies of the first lines, then runs them. */
static bool start_auto(run *r, cursor *c, rt_input *in) {
    char *lines[SNIFF_LINES];
    size_t lens[SNIFF_LINES], n = 0;
    uint64_t linenos[SNIFF_LINES];
    const char *doc;
    bool more = true;
    while (n < SNIFF_LINES && (more = next_line(r, c, in, &doc, &lens[n], &linenos[n]))) {
        lines[n] = malloc(lens[n] ? lens[n] : 1);
        if (!lines[n]) abort();
        memcpy(lines[n], doc, lens[n]);
        n++;
    }
    engine *g = mapped_engine(r, choose_profile(r, c->name, lines, lens, n));
    if (g) c->use[c->nuse++] = g;
    for (size_t i = 0; i < n; i++) {
        eval_line(r, c, lines[i], lens[i], linenos[i]);
        free(lines[i]);
    }
    return more;
}

static void run_input(run *r, const char *path) {
    char err[512];
    rt_input *in = rt_input_open(path, err, sizeof err);
    if (!in) {
        fprintf(stderr, "%s\n", err);
        r->unreadable++;
        return;
    }
    cursor c = {.name = path};
    for (size_t i = 0; i < r->npacks; i++)
        c.use[c.nuse++] = &r->packs[i];
    bool more = true;
    if (r->nrules && r->auto_profile) {
        more = start_auto(r, &c, in);
    } else if (r->nrules) {
        engine *g = mapped_engine(r, r->opt.profile ? r->opt.profile : "none");
        if (g) c.use[c.nuse++] = g;
    }
    const char *doc;
    size_t len;
    uint64_t lineno;
    while (more && next_line(r, &c, in, &doc, &len, &lineno))
        eval_line(r, &c, doc, len, lineno);
    rt_input_close(in);
}

int cmd_run(int argc, char **argv) {
    static const struct option longs[] = {{"rules", required_argument, 0, 'r'},
                                          {"pack", required_argument, 0, 'p'},
                                          {"output", required_argument, 0, 'o'},
                                          {"help", no_argument, 0, 'h'},
                                          CLI_RULE_OPTIONS,
                                          {0}};
    run r = {0};
    const char **rules = calloc((size_t)argc, sizeof *rules), *outpath = NULL;
    int rc = EXIT_OK;
    if (!rules) abort();
    for (int c; (c = getopt_long(argc, argv, "r:p:o:h" CLI_RULE_SHORT, longs, NULL)) != -1;) {
        int k = cli_rule_option(c, optarg, &r.opt);
        if (k < 0) {
            rc = EXIT_USAGE;
            goto done;
        }
        if (k) continue;
        switch (c) {
        case 'r': rules[r.nrules++] = optarg; break;
        case 'p':
            if (r.npacks == sizeof r.packs / sizeof *r.packs) {
                fprintf(stderr, "sigvm run: at most %zu packs\n", r.npacks);
                rc = EXIT_USAGE;
                goto done;
            }
            if (!engine_init(&r.packs[r.npacks], cli_load_pack(optarg), NULL)) {
                rc = EXIT_RULES;
                goto done;
            }
            grow_hits(&r, r.packs[r.npacks++].pack);
            break;
        case 'o': outpath = optarg; break;
        case 'h': printf(help, cli_rule_help); goto done;
        default:
            fprintf(stderr, help, cli_rule_help);
            rc = EXIT_USAGE;
            goto done;
        }
    }
    r.rules = rules;
    if (!r.nrules && !r.npacks) {
        fputs("sigvm run: give rules with -r or a pack with -p\n\n", stderr);
        fprintf(stderr, help, cli_rule_help);
        rc = EXIT_USAGE;
        goto done;
    }
    r.auto_profile = r.nrules && (!r.opt.profile || !strcmp(r.opt.profile, "auto"));
    if (r.auto_profile && !detector_init(&r)) {
        rc = EXIT_RULES;
        goto done;
    }
    if (r.nrules && !r.auto_profile && !mapped_engine(&r, r.opt.profile)) {
        rc = EXIT_RULES;
        goto done;
    }
    r.out = outpath ? fopen(outpath, "w") : stdout;
    if (!r.out) {
        perror(outpath);
        rc = EXIT_USAGE;
        goto done;
    }
    if (optind == argc) run_input(&r, "-");
    for (int i = optind; i < argc; i++)
        run_input(&r, argv[i]);
    if (fflush(r.out) != 0 || ferror(r.out)) {
        perror("sigvm run: writing matches");
        rc = EXIT_DATA;
    }
    if (outpath) fclose(r.out);
    if (!r.opt.quiet)
        fprintf(stderr,
                "sigvm run: %llu events, %llu matches, %llu lines skipped, %llu inputs "
                "unreadable\n",
                r.events, r.matches, r.skipped, r.unreadable);
    if (r.refused)
        rc = EXIT_RULES;
    else if (r.skipped || r.unreadable)
        rc = EXIT_DATA;
done:
    for (size_t i = 0; i < r.npacks; i++)
        engine_free(&r.packs[i]);
    for (size_t i = 0; i < r.nmapped; i++)
        engine_free(&r.mapped[i]);
    if (r.detect.pack) engine_free(&r.detect);
    free(r.hits);
    free(rules);
    return rc;
}
