/* cmd_run.c: `sigvm run`: every rule over every event of every input. */
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
    "options:\n"
    "  -r, --rules PATH        rule file or directory (repeatable)\n"
    "  -p, --pack PACK         compiled pack from `sigvm compile -o` (repeatable)\n"
    "  -P, --placeholders FILE YAML map of placeholder names to values, for |expand\n"
    "  -k, --keep-going        run the rules that compiled despite bad ones\n"
    "  -o, --output FILE       write matches to FILE instead of stdout\n"
    "  -q, --quiet             no summary and no warnings (errors are still shown)\n"
    "  -h, --help              this text\n"
    "\n"
    "exit status: 0 success; 1 some input was unreadable or some events were\n"
    "skipped; 2 bad command line; 3 a rule or pack was refused.\n";

/* Bad lines reported per input before the rest are only counted. */
enum { MAX_REPORTED = 100 };

typedef struct engine {
    sv_pack *pack;
    rt_scanner *scan;
    sv_event *ev;
    sv_exec *x;
} engine;

typedef struct run {
    engine *eng;
    size_t neng;
    uint32_t *hits;
    FILE *out;
    unsigned long long events, matches, skipped, unreadable;
} run;

static void add_engine(run *r, sv_pack *p) {
    r->eng = realloc(r->eng, (r->neng + 1) * sizeof *r->eng);
    if (!r->eng) abort();
    size_t np = sv_pack_path_count(p);
    const char **paths = malloc((np ? np : 1) * sizeof *paths);
    if (!paths) abort();
    for (size_t i = 0; i < np; i++)
        paths[i] = sv_pack_path(p, i);
    r->eng[r->neng++] = (engine){p, rt_scanner_new(paths, np, sv_pack_wants_any(p)),
                                 sv_event_new(np), sv_exec_new(p)};
    free(paths);
}

static void free_engines(run *r) {
    for (size_t i = 0; i < r->neng; i++) {
        rt_scanner_free(r->eng[i].scan);
        sv_event_free(r->eng[i].ev);
        sv_exec_free(r->eng[i].x);
        sv_pack_free(r->eng[i].pack);
    }
    free(r->eng);
}

static void bad_line(run *r, const char *name, uint64_t line, unsigned long long *reported,
                     const char *fmt, const char *what, size_t off) {
    r->skipped++;
    if (++*reported > MAX_REPORTED) return;
    fprintf(stderr, "%s:%llu: ", name, (unsigned long long)line);
    fprintf(stderr, fmt, what, off + 1);
    fputc('\n', stderr);
    if (*reported == MAX_REPORTED)
        fprintf(stderr, "%s: further bad lines are counted, not shown\n", name);
}

/* Scans the document once per pack (each has its own path table) and runs it. */
static bool eval_line(run *r, const char *name, uint64_t record, uint64_t lineno, const char *doc,
                      size_t len, const char **err, size_t *off) {
    for (size_t e = 0; e < r->neng; e++) {
        engine *g = &r->eng[e];
        if (!rt_scan(g->scan, doc, len, g->ev, err, off)) return false;
        size_t n = sv_exec_run(g->x, g->ev, r->hits);
        for (size_t i = 0; i < n; i++)
            rt_write_match(r->out, g->pack, r->hits[i], name, record, lineno, doc, len);
        r->matches += n;
    }
    return true;
}

static void run_input(run *r, const char *path) {
    char err[512];
    rt_input *in = rt_input_open(path, err, sizeof err);
    if (!in) {
        fprintf(stderr, "%s\n", err);
        r->unreadable++;
        return;
    }
    uint64_t record = 0, lineno;
    unsigned long long reported = 0;
    const char *doc;
    size_t len;
    for (rt_read st; (st = rt_input_next(in, &doc, &len, &lineno)) != RT_EOF;) {
        if (st == RT_ERROR) {
            fprintf(stderr, "%s: after line %llu: %s\n", path, (unsigned long long)lineno,
                    rt_input_error(in));
            r->unreadable++;
            break;
        }
        if (st == RT_TOO_LONG) {
            bad_line(r, path, lineno, &reported, "line longer than %s bytes (at byte %zu)",
                     "67108864", 0);
            continue;
        }
        const char *why;
        size_t off;
        if (eval_line(r, path, record + 1, lineno, doc, len, &why, &off)) {
            record++;
            r->events++;
        } else {
            bad_line(r, path, lineno, &reported, "%s at byte %zu; line skipped", why, off);
        }
    }
    rt_input_close(in);
}

int cmd_run(int argc, char **argv) {
    static const struct option longs[] = {{"rules", required_argument, 0, 'r'},
                                          {"pack", required_argument, 0, 'p'},
                                          {"placeholders", required_argument, 0, 'P'},
                                          {"keep-going", no_argument, 0, 'k'},
                                          {"output", required_argument, 0, 'o'},
                                          {"quiet", no_argument, 0, 'q'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
    rule_opts o = {0};
    const char **rules = calloc((size_t)argc, sizeof *rules),
               **packs = calloc((size_t)argc, sizeof *packs);
    size_t nrules = 0, npacks = 0;
    const char *outpath = NULL;
    int rc = EXIT_OK;
    run r = {0};
    if (!rules || !packs) abort();
    for (int c; (c = getopt_long(argc, argv, "r:p:P:ko:qh", longs, NULL)) != -1;) {
        switch (c) {
        case 'r': rules[nrules++] = optarg; break;
        case 'p': packs[npacks++] = optarg; break;
        case 'P': o.placeholders = optarg; break;
        case 'k': o.keep_going = true; break;
        case 'o': outpath = optarg; break;
        case 'q': o.quiet = true; break;
        case 'h': fputs(help, stdout); goto done;
        default:
            fputs(help, stderr);
            rc = EXIT_USAGE;
            goto done;
        }
    }
    if (!nrules && !npacks) {
        fprintf(stderr, "sigvm run: give rules with -r or a pack with -p\n\n%s", help);
        rc = EXIT_USAGE;
        goto done;
    }
    if (nrules) {
        size_t refused, len;
        unsigned char *image = NULL;
        cp_stats st;
        sv_pack *p = cli_compile(rules, nrules, &o, &refused, &image, &len, &st);
        free(image);
        if (refused) rc = EXIT_RULES;
        if (!p) goto done;
        add_engine(&r, p);
    }
    for (size_t i = 0; i < npacks; i++) {
        sv_pack *p = cli_load_pack(packs[i]);
        if (!p) {
            rc = EXIT_RULES;
            goto done;
        }
        add_engine(&r, p);
    }
    size_t most = 0;
    for (size_t i = 0; i < r.neng; i++)
        if (sv_pack_rule_count(r.eng[i].pack) > most) most = sv_pack_rule_count(r.eng[i].pack);
    r.hits = malloc((most ? most : 1) * sizeof *r.hits);
    r.out = outpath ? fopen(outpath, "w") : stdout;
    if (!r.hits) abort();
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
    if (!o.quiet)
        fprintf(stderr,
                "sigvm run: %llu events, %llu matches, %llu lines skipped, %llu inputs "
                "unreadable\n",
                r.events, r.matches, r.skipped, r.unreadable);
    if (rc == EXIT_OK && (r.skipped || r.unreadable)) rc = EXIT_DATA;
done:
    free_engines(&r);
    free(r.hits);
    free(rules);
    free(packs);
    return rc;
}
