/* cmd_test.c: `sigvm test`: the sample events that come with rules, run.
 *
 * Three sources of tests: a Panther rule's Tests: (each Log an event and its
 * ExpectedResult), a sidecar next to any rule file (RULE.match.ndjson holds
 * events the file's rules must match, RULE.nomatch.ndjson events they must
 * not, one JSON object per line), and SigmaHQ regression data (a rule's
 * regression_tests_path: evtx_dump JSON of which at least match_count
 * events must match, judged through the evtx-json profile, the layout
 * those events have). A test judges the rule's detection (a Panther InlineFilter tunes a
 * detection; its tests prove the detection). Each failure comes with an
 * explain trace; a rule file that cannot be read counts as a failed test.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "explain.h"
#include "junit.h"
#include "runtime/runtime.h"

static const char help[] =
    "usage: sigvm test [options] RULE_PATH...\n"
    "\n"
    "Runs the tests that come with rules and prints every failure with an explain\n"
    "trace (which parts of the detection held for the event, which did not):\n"
    "  - Panther Tests: blocks (Name, ExpectedResult, Log);\n"
    "  - sidecar samples next to a rule file RULE.yml: RULE.match.ndjson, events the\n"
    "    rule must match, and RULE.nomatch.ndjson, events it must not (one JSON\n"
    "    object per line);\n"
    "  - SigmaHQ regression data: a rule's regression_tests_path, resolved against\n"
    "    the root of its rule repository, of whose events at least match_count must\n"
    "    match (evtx_dump JSON, read through the evtx-json profile).\n"
    "The last line says N passed, M failed. A rule file with errors counts as a\n"
    "failed test.\n"
    "\n"
    "options:\n"
    "      --junit FILE        also write the results as JUnit XML\n"
    "  -v, --verbose           name every test, not only those that fail\n"
    "  -h, --help              this text\n"
    "%s"
    "\n"
    "exit status: 0 every test passed; 1 some test failed; 2 bad command line;\n"
    "3 a rule file was refused.\n";

/* The layout of SigmaHQ's regression events. */
#define REGRESSION_PROFILE "evtx-json"

enum { OPT_JUNIT = 300 };

typedef struct session {
    rule_opts opt;
    bool verbose;
    test_case *cases;
    size_t ncases, cap;
    unsigned passed, failed;
} session;

static char *copy(const char *s) {
    char *d = strdup(s);
    if (!d) abort();
    return d;
}

static const char *rule_name(const sg_rule *r) {
    return r->title ? r->title : r->id ? r->id : "(untitled rule)";
}

/* Records one result; failure (malloc'd, may be NULL) is printed and kept. */
static void result(session *s, const char *file, const sg_rule *r, const char *name,
                   char *failure) {
    if (s->ncases == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->cases = realloc(s->cases, s->cap * sizeof *s->cases);
        if (!s->cases) abort();
    }
    /* Copies: the report outlives the rule sets. */
    s->cases[s->ncases++] = (test_case){copy(file), copy(r ? (r->id ? r->id : rule_name(r)) : file),
                                        copy(name), failure};
    if (failure) {
        s->failed++;
        if (r)
            printf("FAIL %s: %s: %s\n%s", file, rule_name(r), name, failure);
        else
            printf("FAIL %s: %s\n%s", file, name, failure);
    } else {
        s->passed++;
        if (s->verbose) printf("ok   %s: %s: %s\n", file, rule_name(r), name);
    }
}

/* Builds a failure text: the message, then (if doc) the explain trace. */
static char *failure(const sg_rule *r, const char *doc, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static char *failure(const sg_rule *r, const char *doc, size_t len, const char *fmt, ...) {
    char *text = NULL;
    size_t n;
    FILE *f = open_memstream(&text, &n);
    if (!f) abort();
    va_list ap;
    va_start(ap, fmt);
    fputs("    ", f);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    if (doc) cli_explain(f, r, doc, len);
    fclose(f);
    return text;
}

/* 1 when rule i of g matches doc, 0 when not, -1 when doc is not JSON. */
static int verdict(cli_engine *g, uint32_t i, const char *doc, size_t len, const char **err,
                   size_t *off) {
    size_t n = cli_engine_eval(g, doc, len, err, off);
    if (n == SIZE_MAX) return -1;
    for (size_t k = 0; k < n; k++)
        if (g->hits[k] == i) return 1;
    return 0;
}

static void check_event(session *s, cli_engine *g, uint32_t i, const sg_rule *r, const char *file,
                        const char *name, const char *doc, size_t len, bool expect) {
    const char *err;
    size_t off;
    int v = verdict(g, i, doc, len, &err, &off);
    char *why = NULL;
    if (v < 0)
        why = failure(r, NULL, 0, "the event is not a JSON object: %s at byte %zu", err, off + 1);
    else if (v != expect)
        why = failure(r, doc, len, "expected %s, got %s", expect ? "a match" : "no match",
                      v ? "a match" : "none");
    result(s, file, r, name, why);
}

/* Opens an event file: its documents come through rt_input, which cuts
   NDJSON and evtx_dump's pretty-printed objects alike. NULL after a failed
   test that says why. */
static rt_input *open_events(session *s, const sg_rule *r, const char *path, const char *name) {
    char err[512];
    rt_input *in = rt_input_open(path, NULL, err, sizeof err);
    if (!in) result(s, r->pos.file, r, name, failure(r, NULL, 0, "%s", err));
    return in;
}

/* RULE.match.ndjson / RULE.nomatch.ndjson next to the rule's file: one test
   per event. */
static void sidecar(session *s, cli_engine *g, uint32_t i, const sg_rule *r, bool expect) {
    const char *file = r->pos.file, *dot = strrchr(file, '.');
    char path[4096], name[4200];
    int base = dot && (!strcmp(dot, ".yml") || !strcmp(dot, ".yaml")) ? (int)(dot - file)
                                                                      : (int)strlen(file);
    snprintf(path, sizeof path, "%.*s.%s.ndjson", base, file, expect ? "match" : "nomatch");
    struct stat st;
    rt_input *in = stat(path, &st) == 0 ? open_events(s, r, path, path) : NULL;
    rt_doc d;
    for (rt_read got; in && (got = rt_input_next(in, &d)) != RT_EOF;) {
        snprintf(name, sizeof name, "%s:%llu", path, (unsigned long long)d.line);
        if (got == RT_DOC)
            check_event(s, g, i, r, file, name, d.text, d.len, expect);
        else
            result(s, file, r, name,
                   failure(r, NULL, 0, "%s", got == RT_BAD ? d.error : rt_input_error(in)));
    }
    rt_input_close(in);
}

typedef struct tally {
    size_t events, hits;
    char *miss; /* the first event not matched, for the trace */
    size_t miss_len;
} tally;

static char *keep(const char *doc, size_t len) {
    char *p = malloc(len + 1);
    if (!p) abort();
    memcpy(p, doc, len);
    p[len] = '\0';
    return p;
}

/* A SigmaHQ regression test: rule i must match at least match_count of the
   file's events (at least one when it has none). At least, not exactly:
   SigmaHQ counts some tests low (the AnyDesk artefact rule rightly matches
   three of its five events; its match_count says 1). */
static void regression(session *s, cli_engine *g, uint32_t i, const sg_rule *r,
                       const sg_sample *t) {
    char name[4200], *why = NULL;
    snprintf(name, sizeof name, "%s (%s)", t->name, t->file);
    rt_input *in = open_events(s, r, t->file, name);
    if (!in) return;
    tally n = {0};
    rt_doc d;
    const char *err;
    size_t off;
    for (rt_read got; !why && (got = rt_input_next(in, &d)) != RT_EOF;) {
        int v = got == RT_DOC ? verdict(g, i, d.text, d.len, &err, &off) : -1;
        if (v < 0)
            why = failure(r, NULL, 0, "%s:%llu: %s", t->file, (unsigned long long)d.line,
                          got == RT_DOC   ? err
                          : got == RT_BAD ? d.error
                                          : rt_input_error(in));
        n.events += v >= 0;
        n.hits += v > 0;
        if (v == 0 && !n.miss) n.miss = keep(d.text, n.miss_len = d.len);
    }
    rt_input_close(in);
    if (!why && n.hits < (t->expect < 0 ? 1 : (size_t)t->expect))
        why = failure(r, n.miss, n.miss_len,
                      "expected at least %d of %zu events to match, got %zu (trace of the first "
                      "miss)",
                      t->expect < 0 ? 1 : t->expect, n.events, n.hits);
    result(s, r->pos.file, r, name, why);
    free(n.miss);
}

/* Copies of the rules as tests judge them: without filters or dynamic
   severities. */
static bool test_engine(cli_engine *g, const sg_ruleset *rs) {
    size_t n = sg_rule_count(rs);
    sg_rule *copies = calloc(n ? n : 1, sizeof *copies);
    const sg_rule **ptrs = calloc(n ? n : 1, sizeof *ptrs);
    if (!copies || !ptrs) abort();
    for (size_t i = 0; i < n; i++) {
        copies[i] = *sg_rule_at(rs, i);
        copies[i].filter = NULL;
        copies[i].nseverities = 0;
        ptrs[i] = &copies[i];
    }
    bool ok = cli_engine_compile(g, ptrs, n);
    free(copies);
    free(ptrs);
    return ok;
}

static sg_ruleset *load(const session *s, const char *const *paths, size_t n, const char *profile) {
    sg_options so = {
        .placeholder_file = s->opt.placeholders, .run_unmapped = true, .read_tests = true};
    sg_ruleset *rs = sg_ruleset_new(&so);
    sg_use_profile(rs, profile);
    for (size_t i = 0; i < s->opt.nmappings; i++)
        sg_add_mapping(rs, s->opt.mappings[i]);
    for (size_t i = 0; i < n; i++)
        sg_load_path(rs, paths[i]);
    sg_finish(rs);
    return rs;
}

/* Each file with errors is one failed test, its messages the failure. */
static bool refused_files(session *s, const sg_ruleset *rs) {
    size_t before = s->ncases;
    for (size_t i = 0; i < sg_diag_count(rs); i++) {
        const char *file = sg_diag_at(rs, i)->pos.file;
        bool again = sg_diag_at(rs, i)->warning;
        for (size_t k = before; k < s->ncases && !again; k++)
            again = !strcmp(s->cases[k].suite, file);
        if (again) continue;
        char *text = NULL;
        size_t len;
        FILE *f = open_memstream(&text, &len);
        if (!f) abort();
        for (size_t j = i; j < sg_diag_count(rs); j++) {
            const sg_diag *d = sg_diag_at(rs, j);
            if (!d->warning && !strcmp(d->pos.file, file))
                fprintf(f, "    %s:%d:%d: %s\n", d->pos.file, d->pos.line, d->pos.col, d->msg);
        }
        fclose(f);
        result(s, file, NULL, "rule file refused", text);
    }
    return s->ncases > before;
}

static void run_tests(session *s, const sg_ruleset *rs, bool regression_only) {
    cli_engine g;
    if (!test_engine(&g, rs)) return;
    for (uint32_t i = 0; i < sg_rule_count(rs); i++) {
        const sg_rule *r = sg_rule_at(rs, i);
        for (size_t k = 0; k < r->nsamples; k++) {
            const sg_sample *t = &r->samples[k];
            if (t->kind == SG_SAMPLE_REGRESSION && regression_only)
                regression(s, &g, i, r, t);
            else if (t->kind == SG_SAMPLE_EVENT && !regression_only)
                check_event(s, &g, i, r, r->pos.file, t->name, t->json, t->json_len, t->expect);
        }
        if (!regression_only) sidecar(s, &g, i, r, true);
        if (!regression_only) sidecar(s, &g, i, r, false);
    }
    cli_engine_free(&g);
}

/* The files of the rules that have regression tests, to be read again
   through the layout of their events. */
static void run_regression(session *s, const sg_ruleset *rs) {
    const char **files = calloc(sg_rule_count(rs) + 1, sizeof *files);
    size_t n = 0;
    if (!files) abort();
    for (size_t i = 0; i < sg_rule_count(rs); i++) {
        const sg_rule *r = sg_rule_at(rs, i);
        bool has = false;
        for (size_t k = 0; k < r->nsamples; k++)
            has |= r->samples[k].kind == SG_SAMPLE_REGRESSION;
        if (has && (n == 0 || strcmp(files[n - 1], r->pos.file))) files[n++] = r->pos.file;
    }
    if (n) {
        sg_ruleset *mapped = load(s, files, n, REGRESSION_PROFILE);
        run_tests(s, mapped, true);
        sg_ruleset_free(mapped);
    }
    free(files);
}

int cmd_test(int argc, char **argv) {
    static const struct option longs[] = {{"junit", required_argument, 0, OPT_JUNIT},
                                          {"verbose", no_argument, 0, 'v'},
                                          {"help", no_argument, 0, 'h'},
                                          CLI_RULE_OPTIONS,
                                          {0}};
    session s = {0};
    const char *junit = NULL;
    for (int c; (c = getopt_long(argc, argv, "vh" CLI_RULE_SHORT, longs, NULL)) != -1;) {
        int k = cli_rule_option(c, optarg, &s.opt);
        if (k < 0) return EXIT_USAGE;
        if (k) continue;
        switch (c) {
        case OPT_JUNIT: junit = optarg; break;
        case 'v': s.verbose = true; break;
        case 'h': printf(help, cli_rule_help); return EXIT_OK;
        default: fprintf(stderr, help, cli_rule_help); return EXIT_USAGE;
        }
    }
    if (optind == argc) {
        fprintf(stderr, "sigvm test: no rule path given\n\n");
        fprintf(stderr, help, cli_rule_help);
        return EXIT_USAGE;
    }
    sg_ruleset *rs =
        load(&s, (const char *const *)argv + optind, (size_t)(argc - optind), s.opt.profile);
    cli_print_diags(rs, s.opt.quiet);
    bool refused = refused_files(&s, rs);
    run_tests(&s, rs, false);
    run_regression(&s, rs);
    sg_ruleset_free(rs);
    printf("%u passed, %u failed\n", s.passed, s.failed);
    int rc = refused ? EXIT_RULES : s.failed ? EXIT_DATA : EXIT_OK;
    if (junit && !junit_write(junit, s.cases, s.ncases)) {
        perror(junit);
        rc = EXIT_USAGE;
    }
    for (size_t i = 0; i < s.ncases; i++) {
        free(s.cases[i].suite);
        free(s.cases[i].rule);
        free(s.cases[i].name);
        free(s.cases[i].failure);
    }
    free(s.cases);
    return rc;
}
