/* cmd_run.c: `sigvm run`: every rule over every event of every input.
 *
 * This file reads the command line, lists the inputs (walking directories),
 * and ends the run with its summary and exit status; replay.c reads each
 * input through the rules, ordered.c spreads the inputs over threads.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run.h"

static const char help[] =
    "usage: sigvm run (-r RULE_PATH | -p PACK)... [options] [INPUT...]\n"
    "\n"
    "Matches rules against JSON events. INPUT is a file, a directory (read\n"
    "recursively, in name order) or '-' for standard input (also the default).\n"
    "Each input may be gzip- or zstd-compressed (recognised by content) and hold\n"
    "NDJSON, pretty-printed JSON objects, a JSON array of events, or a CloudTrail\n"
    "{\"Records\":[...]} / Azure {\"records\":[...]} document, whose elements are\n"
    "streamed as events. Azure VNet flow-log records become one event per flow\n"
    "tuple (see --expand). An uncompressed file is read through a memory mapping,\n"
    "as it was when opened: one that another process cuts short meanwhile ends\n"
    "the run with a bus error (pipe such a file in through '-').\n"
    "\n"
    "Each (rule, event) match is written to stdout. JSONL (the default when stdout\n"
    "is not a terminal): rule_id, title, level, input, record (1-based event number\n"
    "within the input), line (where the event starts), event (verbatim). A document\n"
    "that cannot be an event is reported on stderr as INPUT:LINE: [element N:]\n"
    "reason, counted and skipped; a summary on stderr ends the run, with for each\n"
    "input that skipped events or failed: read = evaluated + skipped + filtered.\n"
    "\n"
    "Inputs are read on several threads; the output is the same as with one:\n"
    "matches of the first input, then of the second, and so on (an input's\n"
    "matches are held back, in a temporary file, until those before it are out).\n"
    "\n"
    "Rules from -r are mapped through a profile (see `sigvm profiles`): by default\n"
    "the one that fits the first events of each input, said on stderr;\n"
    "--profile NAME forces one, --profile none uses field names as written.\n"
    "\n"
    "options:\n"
    "  -r, --rules PATH        rule file or directory (repeatable)\n"
    "  -p, --pack PACK         compiled pack from `sigvm compile -o` (repeatable)\n"
    "  -o, --output FILE       write matches to FILE instead of stdout\n"
    "  -f, --format FORMAT     jsonl, csv, or table (the default on a terminal)\n"
    "      --fields A,B,...    CSV and table columns: rule_id, title, level, input,\n"
    "                          record, line, event_time, or a dotted event path\n"
    "      --no-event          JSONL records without the event\n"
    "      --since TIME        only events at or after TIME (ISO-8601 or epoch)\n"
    "      --until TIME        only events before TIME; events outside, or without a\n"
    "                          recognised time, are counted as filtered\n"
    "      --stats             per-rule summary (matches, first and last event time)\n"
    "                          and per-input counts on stderr at the end\n"
    "      --expand MODE       auto (default): Azure VNet flow-log records become one\n"
    "                          event per flow tuple when an input's first event is\n"
    "                          one; vnet-flow: always; none: never\n"
    "      --include GLOB      in directories, read only files matching GLOB (a glob\n"
    "                          with '/' matches the path under the directory, else\n"
    "                          the name; repeatable)\n"
    "      --exclude GLOB      in directories, skip files and folders matching GLOB\n"
    "  -j, --jobs N            threads (default: one per CPU); inputs are read in\n"
    "                          parallel and a large one is shared among them; the\n"
    "                          output is the same for any N\n"
    "      --lateness SPAN     correlations: how far (10m, 1h, 0s) an event's time\n"
    "                          may lag the latest one seen before it is late:\n"
    "                          counted, not correlated (default 1h)\n"
    "      --max-groups N      correlations: live groups at most (default 1000000);\n"
    "                          matches past it are counted, not correlated\n"
    "      --correlation-refs N  event references per correlation match (default 10)\n"
    "      --no-shortcuts      run every rule on every event, test by test, without\n"
    "                          rule guards or the literal prefilter (a slow check:\n"
    "                          the matches are the same)\n"
    "  -h, --help              this text\n"
    "%s"
    "\n"
    "Event times are read from eventTime, Event.System.TimeCreated.#attributes.\n"
    "SystemTime, TimeCreated, EventTime, @timestamp, timestamp, time, published,\n"
    "created_at, ... (the first present). An event larger than 64 MiB, or nested\n"
    "deeper than 512, is reported and skipped. On a terminal, stderr shows progress.\n"
    "\n"
    "Correlation rules among the -r rules (Sigma correlation documents, Panther\n"
    "Threshold) write one JSON line per correlation match after the rule matches:\n"
    "rule_id, title, level, correlation, group, window_start, window_end, value,\n"
    "events, refs (rule, input, record, time), refs_truncated.\n"
    "\n"
    "exit status: 0 every event of every input was evaluated (or filtered);\n"
    "1 the run finished, but some input was unreadable or damaged, or some events\n"
    "were skipped; 2 bad command line; 3 a rule or pack was refused.\n";

enum {
    OPT_FIELDS = 300,
    OPT_NO_EVENT,
    OPT_SINCE,
    OPT_UNTIL,
    OPT_STATS,
    OPT_EXPAND,
    OPT_INCLUDE,
    OPT_EXCLUDE,
    OPT_NO_SHORTCUTS,
    OPT_LATENESS,
    OPT_MAX_GROUPS,
    OPT_CORR_REFS
};
enum { MAX_JOBS = 64 };

typedef struct input_list {
    run_input *v;
    size_t n, cap;
} input_list;

static void add_input(input_list *l, const char *name, const char *walk_error) {
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        if (!l->v) abort();
    }
    l->v[l->n++] = (run_input){.name = name, .walk_error = walk_error};
}

/* rt_walk's callback: a file, or a directory that could not be read. */
static bool found(const char *path, const char *error, void *arg) {
    input_list *l = arg;
    char *name = strdup(path), *why = error ? strdup(error) : NULL;
    if (!name || (error && !why)) abort();
    add_input(l, name, why);
    l->v[l->n - 1].owned = true;
    return true;
}

typedef struct globs {
    const char **v;
    size_t n;
} globs;

static void list_inputs(input_list *l, char **args, int n, const globs *inc, const globs *exc) {
    if (n == 0) add_input(l, "-", NULL);
    for (int i = 0; i < n; i++) {
        struct stat st;
        size_t before = l->n;
        if (!strcmp(args[i], "-") || stat(args[i], &st) != 0 || !S_ISDIR(st.st_mode)) {
            add_input(l, args[i], NULL);
            continue;
        }
        rt_walk(args[i], inc->v, inc->n, exc->v, exc->n, found, l);
        if (l->n == before) fprintf(stderr, "sigvm run: %s: no files to read here\n", args[i]);
    }
}

/* The bytes of every input, or -1 when one has no known size (a pipe). */
static int64_t total_size(const input_list *l) {
    int64_t total = 0;
    for (size_t i = 0; i < l->n; i++) {
        struct stat st;
        bool is_stdin = !strcmp(l->v[i].name, "-");
        int rc = is_stdin ? fstat(STDIN_FILENO, &st) : stat(l->v[i].name, &st);
        if (rc == 0 && !S_ISREG(st.st_mode) && !l->v[i].walk_error) return -1;
        if (rc == 0 && S_ISREG(st.st_mode)) total += st.st_size;
    }
    return total;
}

static bool parse_time(const char *opt, const char *arg, int64_t *ms) {
    if (sv_parse_time(arg, strlen(arg), ms)) return true;
    fprintf(stderr,
            "sigvm run: %s takes an ISO-8601 time (2024-03-04, 2024-03-04T05:06:07Z) or epoch "
            "seconds, not '%s'\n",
            opt, arg);
    return false;
}

/* "a,b,c" into fields (pointing into the copy *text). */
static bool parse_fields(const char *arg, char **text, const char ***fields, size_t *n) {
    free(*text);
    free(*fields);
    if (!(*text = strdup(arg))) abort();
    size_t cap = 1;
    for (const char *p = arg; *p; p++)
        cap += *p == ',';
    if (!(*fields = calloc(cap, sizeof **fields))) abort();
    *n = 0;
    for (char *save = NULL, *f = strtok_r(*text, ",", &save); f; f = strtok_r(NULL, ",", &save))
        (*fields)[(*n)++] = f;
    if (*n) return true;
    fprintf(stderr, "sigvm run: --fields takes a comma-separated list of fields\n");
    return false;
}

static bool add_glob(globs *g, const char *arg) {
    const char **v = realloc(g->v, (g->n + 1) * sizeof *v);
    if (!v) abort();
    g->v = v;
    g->v[g->n++] = arg;
    return true;
}

static int pick(const char *opt, const char *arg, const char *const *names, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(arg, names[i])) return (int)i;
    fprintf(stderr, "sigvm run: %s takes", opt);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "%s %s", i ? (i + 1 == n ? " or" : ",") : "", names[i]);
    fprintf(stderr, ", not '%s'\n", arg);
    return -1;
}

static void summary(const run_config *cfg, const replay *rp, const input_list *l) {
    unsigned long long read = 0, evaluated = 0, skipped = 0, filtered = 0, matches = 0, bad = 0;
    for (size_t i = 0; i < l->n; i++) {
        const run_input *in = &l->v[i];
        read += in->read;
        evaluated += in->evaluated;
        skipped += in->skipped;
        filtered += in->filtered;
        matches += in->matches;
        bad += in->damage != NULL;
        if (!cfg->stats && !in->skipped && !in->damage) continue;
        fprintf(stderr,
                "sigvm run: %s: %llu events read = %llu evaluated + %llu skipped + %llu filtered; "
                "%llu matches%s%s\n",
                in->name, (unsigned long long)in->read, (unsigned long long)in->evaluated,
                (unsigned long long)in->skipped, (unsigned long long)in->filtered,
                (unsigned long long)in->matches,
                !in->damage    ? ""
                : in->unopened ? "; not read: "
                               : "; not read to the end: ",
                in->damage ? in->damage : "");
    }
    fprintf(stderr,
            "sigvm run: %llu events read = %llu evaluated + %llu skipped + %llu filtered; %llu "
            "matches; %llu of %zu inputs unreadable or damaged\n",
            read, evaluated, skipped, filtered, matches, bad, l->n);
    if (replay_regex_give_ups(rp))
        fprintf(stderr, "sigvm run: %llu regex matches gave up at the PCRE2 limits (non-matches)\n",
                (unsigned long long)replay_regex_give_ups(rp));
    if (cfg->stats) replay_print_stats(rp, stderr);
}

int cmd_run(int argc, char **argv) {
    static const struct option longs[] = {{"rules", required_argument, 0, 'r'},
                                          {"pack", required_argument, 0, 'p'},
                                          {"output", required_argument, 0, 'o'},
                                          {"format", required_argument, 0, 'f'},
                                          {"fields", required_argument, 0, OPT_FIELDS},
                                          {"no-event", no_argument, 0, OPT_NO_EVENT},
                                          {"since", required_argument, 0, OPT_SINCE},
                                          {"until", required_argument, 0, OPT_UNTIL},
                                          {"stats", no_argument, 0, OPT_STATS},
                                          {"expand", required_argument, 0, OPT_EXPAND},
                                          {"include", required_argument, 0, OPT_INCLUDE},
                                          {"exclude", required_argument, 0, OPT_EXCLUDE},
                                          {"jobs", required_argument, 0, 'j'},
                                          {"no-shortcuts", no_argument, 0, OPT_NO_SHORTCUTS},
                                          {"lateness", required_argument, 0, OPT_LATENESS},
                                          {"max-groups", required_argument, 0, OPT_MAX_GROUPS},
                                          {"correlation-refs", required_argument, 0, OPT_CORR_REFS},
                                          {"help", no_argument, 0, 'h'},
                                          CLI_RULE_OPTIONS,
                                          {0}};
    static const char *const formats[] = {"jsonl", "csv", "table"};
    static const char *const expands[] = {"auto", "none", "vnet-flow"};
    run_config cfg = {
        .with_event = true, .lateness = 3600000, .max_groups = 1000000, .max_refs = 10};
    const char **rules = calloc((size_t)argc, sizeof *rules), *outpath = NULL;
    sv_pack **packs = calloc((size_t)argc, sizeof *packs);
    char *fields_text = NULL;
    const char **fields = NULL;
    globs inc = {0}, exc = {0};
    input_list inputs = {0};
    replay *rp = NULL;
    FILE *out = NULL;
    int format = -1, rc = EXIT_OK;
    long jobs = 0;
    if (!rules || !packs) abort();
    for (int c; (c = getopt_long(argc, argv, "r:p:o:f:j:h" CLI_RULE_SHORT, longs, NULL)) != -1;) {
        int k = cli_rule_option(c, optarg, &cfg.opt);
        bool ok = k >= 0;
        if (k) goto checked;
        switch (c) {
        case 'r': rules[cfg.nrules++] = optarg; break;
        case 'p':
            if (!(packs[cfg.npacks] = cli_load_pack(optarg))) {
                rc = EXIT_RULES;
                goto done;
            }
            ok = ++cfg.npacks <= 16;
            if (!ok) fprintf(stderr, "sigvm run: at most 16 packs\n");
            break;
        case 'o': outpath = optarg; break;
        case 'f': ok = (format = pick("--format", optarg, formats, 3)) >= 0; break;
        case OPT_FIELDS: ok = parse_fields(optarg, &fields_text, &fields, &cfg.nfields); break;
        case OPT_NO_EVENT: cfg.with_event = false; break;
        case OPT_SINCE: ok = cfg.has_since = parse_time("--since", optarg, &cfg.since); break;
        case OPT_UNTIL: ok = cfg.has_until = parse_time("--until", optarg, &cfg.until); break;
        case OPT_STATS: cfg.stats = true; break;
        case OPT_NO_SHORTCUTS: cfg.no_shortcuts = true; break;
        case OPT_LATENESS:
            if (!strcmp(optarg, "0"))
                cfg.lateness = 0;
            else
                ok = sg_parse_timespan(optarg, &cfg.lateness);
            if (!ok) fprintf(stderr, "sigvm run: --lateness takes 0 or a span (30s, 10m, 1h)\n");
            break;
        case OPT_MAX_GROUPS:
        case OPT_CORR_REFS: {
            char *end;
            long long v = strtoll(optarg, &end, 10);
            ok = end != optarg && !*end && v >= (c == OPT_MAX_GROUPS) && v <= 1000000000;
            if (!ok)
                fprintf(stderr, "sigvm run: %s takes a number, not '%s'\n",
                        c == OPT_MAX_GROUPS ? "--max-groups" : "--correlation-refs", optarg);
            if (c == OPT_MAX_GROUPS)
                cfg.max_groups = (size_t)v;
            else
                cfg.max_refs = (size_t)v;
            break;
        }
        case OPT_EXPAND: {
            int e = pick("--expand", optarg, expands, 3);
            ok = e >= 0;
            cfg.input.expand = (rt_expand)(e == 1   ? RT_EXPAND_NONE
                                           : e == 2 ? RT_EXPAND_VNET
                                                    : RT_EXPAND_AUTO);
            break;
        }
        case OPT_INCLUDE: ok = add_glob(&inc, optarg); break;
        case OPT_EXCLUDE: ok = add_glob(&exc, optarg); break;
        case 'j':
            jobs = strtol(optarg, NULL, 10);
            ok = jobs >= 1 && jobs <= MAX_JOBS;
            if (!ok) fprintf(stderr, "sigvm run: --jobs takes 1 to %d\n", MAX_JOBS);
            break;
        case 'h': printf(help, cli_rule_help); goto done;
        default: fprintf(stderr, help, cli_rule_help); ok = false;
        }
    checked:
        if (!ok) {
            rc = EXIT_USAGE;
            goto done;
        }
    }
    if (!cfg.nrules && !cfg.npacks) {
        fputs("sigvm run: give rules with -r or a pack with -p\n\n", stderr);
        fprintf(stderr, help, cli_rule_help);
        rc = EXIT_USAGE;
        goto done;
    }
    /* Rules are compiled when the first input needs them (for its profile);
       a path that is not there is refused before any input is read. */
    for (size_t i = 0; i < cfg.nrules; i++)
        if (access(rules[i], R_OK) != 0) {
            fprintf(stderr, "%s: %s\n", rules[i], strerror(errno));
            rc = EXIT_RULES;
            goto done;
        }
    if (cfg.nfields && format == RT_FORMAT_JSONL)
        fputs("sigvm run: --fields applies to --format csv and table; JSONL has every field\n",
              stderr);
    cfg.rules = rules;
    cfg.packs = packs;
    cfg.fields = fields;
    cfg.auto_profile = cfg.nrules && (!cfg.opt.profile || !strcmp(cfg.opt.profile, "auto"));
    if (!(rp = replay_new(&cfg))) {
        rc = EXIT_RULES;
        goto done;
    }
    out = outpath ? fopen(outpath, "w") : stdout;
    if (!out) {
        perror(outpath);
        rc = EXIT_USAGE;
        goto done;
    }
    if (format < 0) format = !outpath && isatty(STDOUT_FILENO) ? RT_FORMAT_TABLE : RT_FORMAT_JSONL;
    cfg.format = (rt_format)format;
    if (cfg.format != RT_FORMAT_TABLE) setvbuf(out, NULL, _IOFBF, 1 << 20);
    list_inputs(&inputs, argv + optind, argc - optind, &inc, &exc);
    if (!jobs) jobs = sysconf(_SC_NPROCESSORS_ONLN);
    if (jobs < 1) jobs = 1;
    if (jobs > MAX_JOBS) jobs = MAX_JOBS;
    cfg.jobs = (unsigned)jobs;

    rt_output *header = rt_output_new(cfg.format, cfg.fields, cfg.nfields, cfg.with_event);
    rt_output_header(header, out);
    rt_output_free(header);
    progress.size = total_size(&inputs);
    if (!cfg.opt.quiet) progress_start();
    pool_work work = replay_work(rp);
    pool_run(inputs.v, inputs.n, (unsigned)jobs, out, &work);
    progress_stop();
    replay_finish(rp, out, cfg.opt.quiet);
    if (fflush(out) != 0 || ferror(out)) {
        perror("sigvm run: writing matches");
        rc = EXIT_DATA;
    }
    if (!cfg.opt.quiet) summary(&cfg, rp, &inputs);
    if (replay_refused(rp)) {
        rc = EXIT_RULES;
    } else {
        for (size_t i = 0; i < inputs.n; i++)
            if (inputs.v[i].skipped || inputs.v[i].damage) rc = EXIT_DATA;
    }
done:
    if (out && outpath) fclose(out);
    replay_free(rp);
    for (size_t i = 0; i < cfg.npacks; i++)
        sv_pack_free(packs[i]);
    for (size_t i = 0; i < inputs.n; i++)
        if (inputs.v[i].owned) {
            free((char *)inputs.v[i].name);
            free((char *)inputs.v[i].walk_error);
        }
    free(inputs.v);
    free(inc.v);
    free(exc.v);
    free(fields);
    free(fields_text);
    free(packs);
    free(rules);
    return rc;
}
