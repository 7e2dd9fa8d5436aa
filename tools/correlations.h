/*
 * correlations.h: correlation rules in `sigvm run` (tools/ only).
 *
 * A plan is what a run needs from the rule AST's correlations: the
 * correlator's definitions, and for each rule a correlation refers to, the
 * event paths of its group-by values and aggregated value. Rules are known
 * to the plan by id (or name, for rules without one), as the pack keeps
 * them. Correlations are not stored in packs: they run with -r rules only.
 */
#ifndef SIGVM_CORRELATIONS_H
#define SIGVM_CORRELATIONS_H

#include <stdio.h>

#include "runtime/correlate.h"
#include "sigma/sigma.h"
#include "vm/vm.h"

/* One (rule, correlation) pair: matches of the rule feed the correlation. */
typedef struct corr_feed {
    const char *rule_id, *rule_name; /* the rule: by id when it has one */
    uint32_t corr, input;
    bool generate;         /* the rule's own matches are reported too */
    bool by_title;         /* the group value is the rule's rendered title */
    uint32_t *group_paths; /* per group value, its index in the plan's paths */
    int value_path;        /* the value's index, or -1 */
} corr_feed;

typedef struct corr_plan corr_plan;
struct corr_plan {
    rt_corr_def *defs;
    size_t ndefs;
    struct corr_out {
        char *id, *title, *level, *type;
        char **group;  /* group-by names */
        char **inputs; /* the rules: entries, as written */
        bool print;    /* its matches are reported (not only fed to another) */
    } * out;
    corr_feed *feeds;
    size_t nfeeds;
    const char **paths; /* every path a feed reads, once */
    size_t npaths;
    void **owned; /* everything above, to free */
    size_t nowned, capowned;
};

/* The plan of rs's correlations; NULL when it has none. */
corr_plan *corr_plan_new(const sg_ruleset *rs);
void corr_plan_free(corr_plan *p);

/* What of a plan applies to one pack: per pack rule, the feeds it has
   (feeds[start[i] .. start[i + 1]) index the plan's) and whether its own
   matches are reported. */
typedef struct corr_links {
    uint32_t *start, *feeds;
    bool *print;
} corr_links;
void corr_links_init(corr_links *l, const corr_plan *p, const sv_pack *pack);
void corr_links_free(corr_links *l);

/* Writes one correlation match as a JSON line. */
void corr_write_match(FILE *out, const corr_plan *p, const rt_corr_match *m);

#endif
