/*
 * correlate.h: correlation state over rule matches (part of the runtime/
 * layer's public interface, beside runtime.h).
 *
 * A correlator is told, for every match of a rule a correlation refers to,
 * the event's time, its group-by values and (for value_* kinds) its value.
 * It keeps, per (correlation, group-by values), the matches of the group's
 * open windows, in time order.
 *
 * Windows: the group's earliest held match anchors a window [t, t +
 * timespan] (both ends included). Once no match can still arrive inside it
 * (see lateness) the window is evaluated over the matches it holds: if the
 * condition holds, one correlation match is reported and every match of the
 * window is used up. If not, and the condition has only lower bounds (gt,
 * gte), only the anchor is dropped and the next match anchors the next
 * window: windows slide from match to match. A condition with an upper
 * bound (lt, lte, eq, neq) would hold on the tail of any window, so there a
 * window that fails is dropped whole. Reported windows never share a match.
 *
 * Input need not be sorted. The watermark is the latest event time fed,
 * less the allowed lateness: a match older than the watermark is late, and
 * counted rather than used; a window is evaluated once its end is below the
 * watermark, or at rt_corr_finish. A correlation fed by another (a chain)
 * waits as much longer as its feeders' windows span.
 *
 * Memory: one group per (correlation, values) with matches in an open
 * window, each holding those matches. Groups past max_groups are refused
 * and counted (rt_corr_stats), never dropped silently.
 *
 * Not thread-safe: callers serialise feeds.
 */
#ifndef SIGVM_CORRELATE_H
#define SIGVM_CORRELATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum rt_corr_kind {
    RT_EVENT_COUNT,
    RT_VALUE_COUNT,
    RT_TEMPORAL,
    RT_TEMPORAL_ORDERED,
    RT_VALUE_SUM,
    RT_VALUE_AVG,
    RT_VALUE_PERCENTILE
} rt_corr_kind;

/* Comparisons of a condition, as bits (1 << RT_CMP_x); all must hold. */
enum { RT_CMP_GT, RT_CMP_GTE, RT_CMP_LT, RT_CMP_LTE, RT_CMP_EQ, RT_CMP_NEQ, RT_CMPS };

typedef struct rt_corr_def {
    rt_corr_kind kind;
    int64_t timespan; /* ms */
    unsigned ops;
    double cmp[RT_CMPS];
    double percentile;       /* RT_VALUE_PERCENTILE */
    size_t ngroup;           /* group-by values per match */
    size_t ninputs;          /* the rules it refers to (temporal kinds count them) */
    int parent;              /* the correlation this one feeds, or -1 */
    uint32_t parent_input;   /* ... as which of its inputs */
    const int *parent_group; /* per group value of the parent, which of ours (-1: none) */
} rt_corr_def;

/* A match of an input, as fed. */
typedef struct rt_corr_event {
    int64_t time;
    const char *const *group; /* ngroup values; a NULL value: the field is absent */
    const size_t *group_len;
    const char *value; /* for value_* kinds; NULL: absent */
    size_t value_len;
    const char *input; /* where the event is: must outlive the correlator */
    uint64_t record;
} rt_corr_event;

typedef struct rt_corr_ref {
    const char *input;
    uint64_t record;
    uint32_t rule; /* which of the correlation's inputs matched */
    int64_t time;
} rt_corr_ref;

/* A correlation match. */
typedef struct rt_corr_match {
    uint32_t corr;
    const char *const *group; /* ngroup values */
    const size_t *group_len;
    int64_t start, end;      /* the window: its anchor and anchor + timespan */
    double value;            /* the count, sum ... the condition held for */
    size_t nevents;          /* matches in the window */
    const rt_corr_ref *refs; /* the first nrefs of them, in time order */
    size_t nrefs;
} rt_corr_match;

typedef struct rt_corr_opts {
    int64_t lateness;  /* ms */
    size_t max_groups; /* live groups at most */
    size_t max_refs;   /* references per reported match */
    void (*emit)(void *arg, const rt_corr_match *m);
    void *arg;
} rt_corr_opts;

typedef struct rt_corr_stats {
    uint64_t fed, late, refused, ungrouped, matches;
    size_t peak_groups;
} rt_corr_stats;

typedef struct rt_correlator rt_correlator;

/* defs stays the caller's and must outlive the correlator. */
rt_correlator *rt_corr_new(const rt_corr_def *defs, size_t ndefs, const rt_corr_opts *opt);
void rt_corr_free(rt_correlator *c);
/* A match of input `input` of correlation corr. */
void rt_corr_feed(rt_correlator *c, uint32_t corr, uint32_t input, const rt_corr_event *e);
/* All input is read: evaluates every window left. */
void rt_corr_finish(rt_correlator *c);
rt_corr_stats rt_corr_get_stats(const rt_correlator *c);

#endif
