/* rule_harness.h: compile a rule from text and run it on one JSON event,
   the whole path from YAML to opcode, for table-driven semantic tests. */
#ifndef SIGVM_RULE_HARNESS_H
#define SIGVM_RULE_HARNESS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"
#include "runtime/runtime.h"

/* Result of one rule on one event: 1 match, 0 no match, -1 the rule was
   refused (its first diagnostic is copied into diag). With records, the match
   records are written there as `sigvm run` writes them. */
static inline int harness_run(const char *rule_yaml, const char *event, const char *placeholders,
                              char *diag, size_t diaglen, FILE *records) {
    sg_options opt = {.placeholder_file = placeholders};
    sg_ruleset *rs = sg_ruleset_new(&opt);
    int errors = sg_load_buffer(rs, "rule.yml", rule_yaml, strlen(rule_yaml));
    errors += sg_finish(rs);
    if (diag && diaglen) diag[0] = '\0';
    if (errors || sg_rule_count(rs) == 0) {
        if (diag && sg_diag_count(rs)) {
            const sg_diag *d = sg_diag_at(rs, 0);
            snprintf(diag, diaglen, "%s:%d:%d: %s", d->pos.file, d->pos.line, d->pos.col, d->msg);
        }
        sg_ruleset_free(rs);
        return -1;
    }
    unsigned char *img;
    size_t len;
    char err[256];
    int rc = -1;
    if (cp_compile(rs, &img, &len, NULL, err, sizeof err) != 0) goto out;
    sv_pack *p = sv_pack_load(img, len, err, sizeof err);
    free(img);
    if (!p) {
        if (diag) snprintf(diag, diaglen, "load: %s", err);
        goto out;
    }
    size_t np = sv_pack_path_count(p);
    const char **paths = calloc(np + 1, sizeof *paths);
    for (size_t i = 0; i < np; i++)
        paths[i] = sv_pack_path(p, i);
    rt_scanner *sc = rt_scanner_new(paths, np, rt_any_of(p));
    sv_event *ev = sv_event_new(np);
    sv_exec *x = sv_exec_new(p);
    const char *why;
    size_t off;
    uint32_t *hits = calloc(sv_pack_rule_count(p) + 1, sizeof *hits);
    if (rt_scan(sc, event, strlen(event), ev, &why, &off)) {
        size_t n = sv_exec_run(x, ev, hits);
        for (size_t i = 0; records && i < n; i++)
            rt_write_match(records, p, x, ev, hits[i], "-", 1, 1, event, strlen(event));
        rc = n > 0;
    } else if (diag)
        snprintf(diag, diaglen, "event: %s at %zu", why, off);
    free(hits);
    sv_exec_free(x);
    sv_event_free(ev);
    rt_scanner_free(sc);
    free(paths);
    sv_pack_free(p);
out:
    sg_ruleset_free(rs);
    return rc;
}

static inline int harness_eval(const char *rule_yaml, const char *event, const char *placeholders,
                               char *diag, size_t diaglen) {
    return harness_run(rule_yaml, event, placeholders, diag, diaglen, NULL);
}

/* The match records of one rule on one event, into out (NUL-terminated). */
static inline int harness_output(const char *rule_yaml, const char *event, char *out, size_t cap) {
    FILE *f = fmemopen(out, cap, "w");
    int rc = harness_run(rule_yaml, event, NULL, NULL, 0, f);
    fclose(f);
    return rc;
}

/* One table row: a piece of rule text, an event, the expected answer
   (1 match, 0 no match). */
typedef struct row {
    const char *body;
    const char *event;
    int expect;
} row;

/* Makes a rule of a row's body and evaluates it (as harness_eval). */
typedef int harness_wrap(const char *body, const char *event, char *diag, size_t diaglen);

/* Runs every row through wrap and fails the test once, listing each row
   whose answer differs (cmocka must be included before this header). */
static inline void harness_rows(const row *rows, size_t n, harness_wrap *wrap) {
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        char diag[512];
        int got = wrap(rows[i].body, rows[i].event, diag, sizeof diag);
        if (got != rows[i].expect) {
            print_error("row %zu: expected %d got %d (%s)\n  rule text:\n%s\n  event: %s\n", i,
                        rows[i].expect, got, diag, rows[i].body, rows[i].event);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

#endif
