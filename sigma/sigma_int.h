/* sigma_int.h: what the files of sigma/ share among themselves. */
#ifndef SIGVM_SIGMA_INT_H
#define SIGVM_SIGMA_INT_H

#include "sigma.h"

sg_arena *sg_arena_new(void);
void sg_arena_free(sg_arena *a);

/* A growable array of pointers (heap-allocated, unlike arena data). */
typedef struct sg_vec {
    void **v;
    size_t n, cap;
} sg_vec;
void sg_vec_push(sg_vec *v, void *p);
void sg_vec_free(sg_vec *v);

/* A Sigma meta filter: extra condition ANDed onto the rules it names. */
typedef struct sg_filter {
    sg_strlist rules; /* ids or names; empty: every rule of the logsource */
    char *log_product, *log_category, *log_service;
    sg_node *expr;
    sg_pos pos;
} sg_filter;

struct sg_ruleset {
    sg_arena *arena;
    sg_options opt;
    sg_vec rules;               /* sg_rule * */
    sg_vec diags;               /* sg_diag * */
    size_t nerrors;             /* diags that are errors */
    sg_vec filters;             /* sg_filter * */
    sg_vec correlations;        /* sg_correlation * */
    struct sg_mapping *mapping; /* NULL: fields are used as named */
    size_t unmapped;
    struct yt_node *placeholders; /* the placeholder file's map, once read */
    bool placeholders_read;
};

/* Adds an error at file:line:col; always returns NULL for tail calls. */
void *sg_error(sg_ruleset *rs, const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Adds a warning: reported, refuses nothing. */
void sg_warning(sg_ruleset *rs, const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Errors so far (warnings excluded). */
size_t sg_error_count(const sg_ruleset *rs);

/* Reads a whole file (at most 16 MiB) into a malloc'd, NUL-terminated
   buffer; NULL with a message on failure. */
char *sg_read_file(const char *path, size_t *len, char *err, size_t errlen);

/* The placeholder map for |expand, read on first use; NULL if none was
   given (or it could not be read, which was reported). */
struct yt_node *sg_placeholders(sg_ruleset *rs);
/* Reads the placeholder map from a buffer instead (name is used in
   diagnostics); later |expand values use it. */
struct yt_node *sg_placeholders_load_buffer(sg_ruleset *rs, const char *name, const char *buf,
                                            size_t len);

/* Builds the tree of one search identifier's value (a map, a list of maps,
   or keywords), as used by detections and mapping conditions. */
sg_node *sg_search(sg_ruleset *rs, const char *file, const struct yt_node *v);

/* Whether a scalar is an IP address or network ("addr/len"), v4 or v6. */
bool sg_valid_cidr(const struct yt_node *v);

/* Reads a Panther-style document (AnalysisType / Detection) into a rule
   (panther.c). */
void sg_read_panther(sg_ruleset *rs, const char *file, const struct yt_node *doc);

/* Adds a Sigma rule's SigmaHQ regression tests (its regression_tests_path)
   to its samples (regression.c). */
void sg_read_regression(sg_ruleset *rs, const char *file, const struct yt_node *doc, sg_rule *r);

/* Reads a correlation document (correlation.c). */
void sg_read_correlation(sg_ruleset *rs, const char *file, const struct yt_node *doc);
/* Resolves every correlation's references and group-by fields; errors for
   what cannot be resolved (correlation.c). */
void sg_resolve_correlations(sg_ruleset *rs);

/* Rewrites every rule through the ruleset's mapping (mapping.c). */
void sg_apply_mapping(sg_ruleset *rs);
/* Frees what of a mapping is not in the arena. */
void sg_mapping_free(struct sg_mapping *m);

/* Builds a rule's expression from its detection map (detection.c); a filter's
   map also holds "rules:", which is not a search. */
struct yt_node;
sg_node *sg_detection(sg_ruleset *rs, const char *file, const struct yt_node *detection,
                      bool is_filter);

#endif
