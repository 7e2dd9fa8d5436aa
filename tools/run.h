/*
 * run.h: the parts of `sigvm run`.
 *
 *   cmd_run.c   options, the list of inputs, the summary and exit status
 *   replay.c    one input through the rules: framing, profile, filters
 *   ordered.c   inputs on a pool of threads, their output in input order
 *   progress.c  the progress line on a terminal, and stderr around it
 *   stats.c     the per-rule summary of --stats
 */
#ifndef SIGVM_RUN_H
#define SIGVM_RUN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "runtime/runtime.h"

/* What a run was asked to do. */
typedef struct run_config {
    rule_opts opt;
    const char *const *rules; /* from -r */
    size_t nrules;
    sv_pack *const *packs; /* from -p, loaded */
    size_t npacks;
    bool auto_profile; /* choose a profile for -r rules per input */
    rt_input_opts input;
    rt_format format;
    const char *const *fields; /* NULL: the format's defaults */
    size_t nfields;
    bool with_event;
    bool has_since, has_until; /* [since, until), in ms since 1970 UTC */
    int64_t since, until;
    bool stats;
    bool no_shortcuts; /* every rule on every event, test by test (a check) */
    int64_t lateness;  /* correlations: ms an event may come after later ones */
    size_t max_groups; /* correlations: live groups at most */
    size_t max_refs;   /* correlations: event references per match */
    unsigned jobs;     /* threads (with one, no input is shared) */
} run_config;

/* One input and what became of it. read = evaluated + skipped + filtered. */
typedef struct run_input {
    const char *name;
    const char *walk_error; /* a directory that could not be read: why */
    bool owned;             /* name and walk_error were found by a walk */
    uint64_t read, evaluated, skipped, filtered, matches;
    const char *damage; /* why the input could not be read to its end, or NULL */
    bool unopened;      /* ... not even opened */
    char damage_text[512];
} run_input;

/* ---- ordered.c ---- */

/* Where one input's matches and diagnostics go: straight out while every
   input before it is finished, held back until then otherwise. */
typedef struct sink sink;
FILE *sink_out(sink *s);
/* Ends what was written to sink_out for one event: on a terminal, matches
   are written a whole event at a time, the progress line taken away first. */
void sink_flush(sink *s);
void sink_say(sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef struct pool_work {
    void *(*start)(void *arg);                          /* a thread's state */
    void (*input)(void *state, run_input *in, sink *s); /* one input */
    void (*help)(void *state, void *job);               /* part of an input on offer */
    void (*stop)(void *state);
    void *arg;
} pool_work;

/* Runs work over inputs on jobs threads; out gets the matches of input 0,
   then those of input 1, and so on, whatever order the threads finish in. */
void pool_run(run_input *inputs, size_t n, unsigned jobs, FILE *out, const pool_work *work);
/* From work->input: threads with nothing else to do may now call
   work->help(state, job) for this input. */
void pool_offer(sink *s, void *job);
/* Ends the offer and waits until no thread is inside work->help for it. */
void pool_withdraw(sink *s);

/* ---- replay.c ---- */

typedef struct replay replay;
replay *replay_new(const run_config *cfg);
/* Whether some -r rule was refused while compiling for a profile. */
bool replay_refused(const replay *r);
/* Regex matches that gave up at PCRE2's limits, over every thread. */
uint64_t replay_regex_give_ups(const replay *r);
/* The per-rule summary collected so far (--stats). */
void replay_print_stats(const replay *r, FILE *out);
void replay_free(replay *r);
/* After every input: evaluates the correlation windows left, writes their
   matches to out and their counts to stderr; returns how many were
   written. */
uint64_t replay_finish(replay *r, FILE *out, bool quiet);
/* Threads of pool_run for this replay. */
pool_work replay_work(replay *r);

/* ---- progress.c ---- */

typedef struct progress_counts {
    atomic_uint_fast64_t bytes, events, matches;
    int64_t size; /* of all inputs, -1 when some size is unknown (a pipe) */
} progress_counts;

extern progress_counts progress;

/* Shows progress on stderr every so often, if stderr is a terminal. */
void progress_start(void);
/* Draws the last state, then clears the line. */
void progress_stop(void);
/* Writes to stderr without breaking the progress line. */
void term_write(const char *s, size_t n);
/* The same for out, when it is the terminal too (matches as a table). */
void term_out(FILE *out, const char *s, size_t n);
/* Holds stderr, progress line erased, for writers that print on their
   own (the rule compiler's diagnostics). */
void term_hold(void);
void term_release(void);

/* ---- stats.c ---- */

typedef struct rule_stat {
    const char *id, *title, *level; /* in the pack, which outlives the stats */
    size_t id_len, title_len, level_len;
    uint64_t matches;
    bool has_time;
    int64_t first, last;
} rule_stat;

typedef struct stats {
    rule_stat *v;
    size_t n, cap;
} stats;

void stats_add(stats *s, const rule_stat *r);
/* Merges entries of the same rule (rules compiled for several profiles
   appear once per profile), then prints the most frequent first. */
void stats_print(stats *s, FILE *out);
void stats_free(stats *s);

#endif
