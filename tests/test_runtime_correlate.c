/* Unit tests of the correlator: every kind and every comparison on matches
   crafted for it, window boundaries (exactly at the threshold, one second
   outside), out-of-order and late arrival, chains, and the live-group
   limit. Times are in seconds here; the correlator works in ms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/correlate.h"

enum { MAX_SEEN = 64 };

/* What the correlator reported. */
typedef struct seen {
    size_t n;
    struct {
        uint32_t corr;
        char group[64];
        double value;
        size_t nevents, nrefs;
        int64_t start;
    } m[MAX_SEEN];
} seen;

static void collect(void *arg, const rt_corr_match *m) {
    seen *s = arg;
    assert_true(s->n < MAX_SEEN);
    s->m[s->n].corr = m->corr;
    snprintf(s->m[s->n].group, sizeof s->m[s->n].group, "%.*s", m->group ? (int)m->group_len[0] : 0,
             m->group ? m->group[0] : "");
    s->m[s->n].value = m->value;
    s->m[s->n].nevents = m->nevents;
    s->m[s->n].nrefs = m->nrefs;
    s->m[s->n].start = m->start;
    s->n++;
}

static rt_corr_def def(rt_corr_kind kind, int64_t span_s, unsigned op, double v) {
    rt_corr_def d = {.kind = kind,
                     .timespan = span_s * 1000,
                     .ngroup = 1,
                     .ninputs = 1,
                     .parent = -1,
                     .ops = 1u << op,
                     .percentile = 50};
    d.cmp[op] = v;
    return d;
}

static rt_correlator *make(const rt_corr_def *defs, size_t n, seen *s, int64_t lateness_s) {
    memset(s, 0, sizeof *s);
    rt_corr_opts o = {
        .lateness = lateness_s * 1000, .max_groups = 100, .max_refs = 4, .emit = collect, .arg = s};
    return rt_corr_new(defs, n, &o);
}

/* Feeds one match of input `input` at second t for group `who`, with value v. */
static void feed(rt_correlator *c, uint32_t corr, uint32_t input, int64_t t, const char *who,
                 const char *v) {
    const char *g[1] = {who};
    size_t len[1] = {who ? strlen(who) : 0};
    rt_corr_event e = {.time = t * 1000,
                       .group = g,
                       .group_len = len,
                       .value = v,
                       .value_len = v ? strlen(v) : 0,
                       .input = "in",
                       .record = (uint64_t)t};
    rt_corr_feed(c, corr, input, &e);
}

/* Runs one correlation over (time, value) matches of group "u" and returns
   how many matches it reported. */
static size_t run(rt_corr_def d, const int64_t *t, const char *const *v, size_t n, seen *s) {
    rt_correlator *c = make(&d, 1, s, 3600);
    for (size_t i = 0; i < n; i++)
        feed(c, 0, 0, t[i], "u", v ? v[i] : NULL);
    rt_corr_finish(c);
    rt_corr_free(c);
    return s->n;
}

static void event_count_boundaries(void **state) {
    (void)state;
    seen s;
    const int64_t three[] = {0, 100, 300}; /* the last exactly at the window's end */
    assert_int_equal(run(def(RT_EVENT_COUNT, 300, RT_CMP_GTE, 3), three, NULL, 3, &s), 1);
    assert_int_equal(s.m[0].value, 3);
    assert_int_equal(s.m[0].start, 0);
    const int64_t outside[] = {0, 100, 301}; /* one second outside */
    assert_int_equal(run(def(RT_EVENT_COUNT, 300, RT_CMP_GTE, 3), outside, NULL, 3, &s), 0);
    const int64_t two[] = {0, 100}; /* one below the threshold */
    assert_int_equal(run(def(RT_EVENT_COUNT, 300, RT_CMP_GTE, 3), two, NULL, 2, &s), 0);
    /* The window slides: the first match is too early, the next three fit. */
    const int64_t slide[] = {0, 250, 310, 320};
    assert_int_equal(run(def(RT_EVENT_COUNT, 300, RT_CMP_GTE, 3), slide, NULL, 4, &s), 1);
    assert_int_equal(s.m[0].start, 250 * 1000);
}

static void every_comparison(void **state) {
    (void)state;
    seen s;
    const int64_t t[] = {0, 10, 20}; /* three in one window */
    struct {
        unsigned op;
        double v;
        size_t want;
    } cases[] = {{RT_CMP_GT, 2, 1}, {RT_CMP_GT, 3, 0}, {RT_CMP_GTE, 3, 1}, {RT_CMP_GTE, 4, 0},
                 {RT_CMP_LT, 4, 1}, {RT_CMP_LT, 3, 0}, {RT_CMP_LTE, 3, 1}, {RT_CMP_LTE, 2, 0},
                 {RT_CMP_EQ, 3, 1}, {RT_CMP_EQ, 2, 0}, {RT_CMP_NEQ, 2, 1}, {RT_CMP_NEQ, 3, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t got = run(def(RT_EVENT_COUNT, 60, cases[i].op, cases[i].v), t, NULL, 3, &s);
        if (got != cases[i].want)
            fail_msg("op %u value %g: %zu matches", cases[i].op, cases[i].v, got);
    }
    /* A range: gt 2 and lte 3 holds for 3, not for 4. */
    rt_corr_def range = def(RT_EVENT_COUNT, 60, RT_CMP_GT, 2);
    range.ops |= 1u << RT_CMP_LTE;
    range.cmp[RT_CMP_LTE] = 3;
    assert_int_equal(run(range, t, NULL, 3, &s), 1);
    const int64_t four[] = {0, 10, 20, 30};
    assert_int_equal(run(range, four, NULL, 4, &s), 0);
}

static void value_kinds(void **state) {
    (void)state;
    seen s;
    const int64_t t[] = {0, 10, 20, 30};
    const char *const users[] = {"a", "b", "a", "c"};
    assert_int_equal(run(def(RT_VALUE_COUNT, 60, RT_CMP_GTE, 3), t, users, 4, &s), 1);
    assert_int_equal(s.m[0].value, 3);
    assert_int_equal(run(def(RT_VALUE_COUNT, 60, RT_CMP_GTE, 4), t, users, 4, &s), 0);
    const char *const bytes[] = {"10", "20", "30", "100"};
    assert_int_equal(run(def(RT_VALUE_SUM, 60, RT_CMP_EQ, 160), t, bytes, 4, &s), 1);
    assert_int_equal(run(def(RT_VALUE_SUM, 60, RT_CMP_GT, 160), t, bytes, 4, &s), 0);
    assert_int_equal(run(def(RT_VALUE_AVG, 60, RT_CMP_EQ, 40), t, bytes, 4, &s), 1);
    assert_int_equal(run(def(RT_VALUE_AVG, 60, RT_CMP_LT, 40), t, bytes, 4, &s), 0);
    rt_corr_def p = def(RT_VALUE_PERCENTILE, 60, RT_CMP_EQ, 30);
    p.percentile = 75; /* nearest rank: the 3rd of 4 */
    assert_int_equal(run(p, t, bytes, 4, &s), 1);
    p.percentile = 100;
    assert_int_equal(run(p, t, bytes, 4, &s), 0);
    /* A value that is not a number is not aggregated. */
    const char *const junk[] = {"10", "x", "30", "100"};
    assert_int_equal(run(def(RT_VALUE_SUM, 60, RT_CMP_EQ, 140), t, junk, 4, &s), 1);
}

/* Temporal kinds: inputs 0, 1, 2 in some order, grouped by "u". */
static size_t temporal(rt_corr_kind kind, const int64_t *t, const uint32_t *input, size_t n,
                       seen *s) {
    rt_corr_def d = def(kind, 300, RT_CMP_GTE, 3);
    d.ninputs = 3;
    rt_correlator *c = make(&d, 1, s, 3600);
    for (size_t i = 0; i < n; i++)
        feed(c, 0, input[i], t[i], "u", NULL);
    rt_corr_finish(c);
    rt_corr_free(c);
    return s->n;
}

static void temporal_kinds(void **state) {
    (void)state;
    seen s;
    const int64_t t[] = {0, 60, 120};
    const uint32_t in_order[] = {0, 1, 2}, shuffled[] = {2, 0, 1}, missing[] = {0, 0, 1};
    assert_int_equal(temporal(RT_TEMPORAL, t, in_order, 3, &s), 1);
    assert_int_equal(temporal(RT_TEMPORAL, t, shuffled, 3, &s), 1);
    assert_int_equal(temporal(RT_TEMPORAL, t, missing, 3, &s), 0);
    assert_int_equal(temporal(RT_TEMPORAL_ORDERED, t, in_order, 3, &s), 1);
    assert_int_equal(temporal(RT_TEMPORAL_ORDERED, t, shuffled, 3, &s), 0);
    const int64_t late[] = {0, 60, 301}; /* the third one second outside */
    assert_int_equal(temporal(RT_TEMPORAL, late, in_order, 3, &s), 0);
    /* Fed out of order, the events are still ordered by their times. */
    const int64_t backwards[] = {120, 60, 0};
    const uint32_t rev[] = {2, 1, 0};
    assert_int_equal(temporal(RT_TEMPORAL_ORDERED, backwards, rev, 3, &s), 1);
}

static void out_of_order_and_late(void **state) {
    (void)state;
    seen s;
    rt_corr_def d = def(RT_EVENT_COUNT, 300, RT_CMP_GTE, 3);
    rt_correlator *c = make(&d, 1, &s, 600);
    feed(c, 0, 0, 1000, "u", NULL);
    feed(c, 0, 0, 900, "u", NULL); /* earlier, within the lateness */
    feed(c, 0, 0, 1100, "u", NULL);
    feed(c, 0, 0, 399, "u", NULL);   /* 701 s before the latest: late */
    feed(c, 0, 0, 1000, NULL, NULL); /* no group value */
    rt_corr_finish(c);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.m[0].start, 900 * 1000);
    assert_int_equal(s.m[0].nevents, 3);
    rt_corr_stats st = rt_corr_get_stats(c);
    assert_int_equal(st.late, 1);
    assert_int_equal(st.ungrouped, 1);
    rt_corr_free(c);
}

static void groups_apart_and_refs_bounded(void **state) {
    (void)state;
    seen s;
    rt_corr_def d = def(RT_EVENT_COUNT, 60, RT_CMP_GTE, 2);
    rt_correlator *c = make(&d, 1, &s, 3600);
    for (int i = 0; i < 6; i++)
        feed(c, 0, 0, i, "a", NULL);
    feed(c, 0, 0, 0, "b", NULL);
    rt_corr_finish(c);
    assert_int_equal(s.n, 1); /* b has one match only; a's six are one window */
    assert_string_equal(s.m[0].group, "a");
    assert_int_equal(s.m[0].nevents, 6);
    assert_int_equal(s.m[0].nrefs, 4);
    rt_corr_free(c);
}

static void chains(void **state) {
    (void)state;
    seen s;
    /* 0: two failures per user in 60 s; 1: temporal_ordered of 0 then a
       success (input 1) in 300 s, by user. */
    static const int same_user[] = {0};
    rt_corr_def d[2] = {def(RT_EVENT_COUNT, 60, RT_CMP_GTE, 2),
                        def(RT_TEMPORAL_ORDERED, 300, RT_CMP_GTE, 2)};
    d[0].parent = 1;
    d[0].parent_input = 0;
    d[0].parent_group = same_user;
    d[1].ninputs = 2;
    rt_correlator *c = make(d, 2, &s, 3600);
    feed(c, 0, 0, 0, "u", NULL);
    feed(c, 0, 0, 30, "u", NULL);
    feed(c, 1, 1, 200, "u", NULL); /* the success */
    feed(c, 1, 1, 10, "v", NULL);  /* another user's success alone */
    rt_corr_finish(c);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.m[0].corr, 0);
    assert_int_equal(s.m[1].corr, 1);
    assert_string_equal(s.m[1].group, "u");
    rt_corr_free(c);
}

static void group_limit_reported(void **state) {
    (void)state;
    seen s;
    rt_corr_def d = def(RT_EVENT_COUNT, 60, RT_CMP_GTE, 1);
    rt_corr_opts o = {
        .lateness = 3600000, .max_groups = 3, .max_refs = 1, .emit = collect, .arg = &s};
    memset(&s, 0, sizeof s);
    rt_correlator *c = rt_corr_new(&d, 1, &o);
    const char *who[] = {"a", "b", "c", "d", "e"};
    for (int i = 0; i < 5; i++)
        feed(c, 0, 0, i, who[i], NULL);
    rt_corr_finish(c);
    rt_corr_stats st = rt_corr_get_stats(c);
    assert_int_equal(st.refused, 2);
    assert_int_equal(st.peak_groups, 3);
    assert_int_equal(s.n, 3);
    rt_corr_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(event_count_boundaries),
        cmocka_unit_test(every_comparison),
        cmocka_unit_test(value_kinds),
        cmocka_unit_test(temporal_kinds),
        cmocka_unit_test(out_of_order_and_late),
        cmocka_unit_test(groups_apart_and_refs_bounded),
        cmocka_unit_test(chains),
        cmocka_unit_test(group_limit_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
