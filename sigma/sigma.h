/*
 * sigma.h: reading detection rules into the rule AST.
 *
 * The one public header of the sigma/ layer. A rule file (Sigma, later
 * Panther-style YAML) becomes a list of sg_rule, each carrying its metadata
 * and one boolean expression tree whose leaves are field tests with every
 * Sigma modifier already applied: encoders have produced their byte
 * patterns, wildcards have been classified, placeholders expanded. What is
 * left for the compiler is a tree of AND / OR / NOT over sg_test leaves.
 *
 * This layer knows nothing of bytecode or events.
 */
#ifndef SIGVM_SIGMA_H
#define SIGVM_SIGMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A position in a rule file, for file:line:col diagnostics (1-based). */
typedef struct sg_pos {
    const char *file; /* owned by the sg_ruleset that produced it */
    int line, col;
} sg_pos;

/* What a leaf test asks of a field's value(s). */
typedef enum sg_op {
    SG_EQ,       /* whole value equals str */
    SG_PREFIX,   /* value starts with str */
    SG_SUFFIX,   /* value ends with str */
    SG_CONTAINS, /* value contains str */
    SG_GLOB,     /* value matches str, a pattern in canonical glob form */
    SG_REGEX,    /* PCRE2 pattern str finds a match (unanchored) */
    SG_CIDR,     /* value is an IP address inside network str (v4 or v6) */
    SG_NUM_EQ,   /* numeric value (JSON number or numeric string) == num */
    SG_NUM_GT,
    SG_NUM_GTE,
    SG_NUM_LT,
    SG_NUM_LTE,
    SG_BOOL,     /* JSON true/false (or the string "true"/"false") == num != 0 */
    SG_EXISTS,   /* field is present (any value, including null) */
    SG_NULL,     /* field is absent or JSON null */
    SG_FIELDREF, /* value compares with the value of field str; cmp says how */
    SG_TIMEPART, /* a part of the timestamp value == num; part says which */
    SG_OP_COUNT
} sg_op;

/* Parts of a timestamp for SG_TIMEPART (Sigma's minute..year modifiers). */
typedef enum sg_timepart { SG_MINUTE, SG_HOUR, SG_DAY, SG_WEEK, SG_MONTH, SG_YEAR } sg_timepart;

/* Regex flags for SG_REGEX (Sigma's re|i, re|m, re|s). */
enum { SG_RE_I = 1, SG_RE_M = 2, SG_RE_S = 4 };

/*
 * Canonical glob form (SG_GLOB): '*' matches any run of characters, '?'
 * exactly one character, and a backslash always escapes the next byte, so
 * a literal '*', '?' or '\' is written "\*", "\?", "\\". Unlike Sigma's
 * source form, the canonical form has no ambiguous backslashes.
 */

typedef struct sg_test {
    sg_op op;
    char *field; /* dotted field path; NULL means every value of the event
                    (a keyword search) */
    char *str;   /* literal, glob, regex, CIDR or referenced field; may hold
                    NUL bytes (utf16 encoders), hence str_len */
    size_t str_len;
    double num;    /* for NUM_*, BOOL, TIMEPART */
    bool cased;    /* string ops: case-sensitive (|cased, or encoded bytes) */
    uint8_t flags; /* SG_RE_* for SG_REGEX */
    uint8_t cmp;   /* SG_FIELDREF: SG_EQ, SG_PREFIX, SG_SUFFIX or SG_CONTAINS */
    uint8_t part;  /* SG_TIMEPART: an sg_timepart */
    sg_pos pos;
} sg_test;

typedef enum sg_node_kind {
    SG_N_AND,
    SG_N_OR,
    SG_N_NOT,
    SG_N_TRUE,
    SG_N_FALSE,
    SG_N_TEST
} sg_node_kind;

typedef struct sg_node sg_node;
struct sg_node {
    sg_node_kind kind;
    size_t nkids;
    sg_node **kids; /* AND / OR: nkids >= 1; NOT: exactly 1 */
    sg_test test;   /* SG_N_TEST */
};

/* Metadata every rule format maps onto (Sigma names; Panther fills what it has). */
typedef struct sg_strlist {
    size_t n;
    char **v;
} sg_strlist;

typedef struct sg_rule {
    char *id, *name, *title, *status, *level, *description, *author, *date, *modified;
    sg_strlist references, tags, falsepositives, fields;
    sg_strlist related;                             /* "type:id" pairs */
    char *log_product, *log_category, *log_service; /* logsource */
    sg_node *expr;                                  /* when the rule matches */
    sg_pos pos;                                     /* the document's start */
} sg_rule;

/* One diagnostic: file:line:col: message. */
typedef struct sg_diag {
    sg_pos pos;
    char *msg;
    bool warning; /* reported, but nothing was refused */
} sg_diag;

/* Options that change how rules are read. */
typedef struct sg_options {
    const char *placeholder_file; /* YAML name -> value(s), for |expand */
    bool run_unmapped; /* keep rules whose logsource the mapping does not know */
} sg_options;

/*
 * A set of rules read from one or more files, and every diagnostic met on
 * the way. A rule with an error is not added; reading goes on with the next
 * rule so that one call reports every problem.
 */
typedef struct sg_ruleset sg_ruleset;

sg_ruleset *sg_ruleset_new(const sg_options *opt);
void sg_ruleset_free(sg_ruleset *rs);

/* Reads a rule file or, recursively, every *.yml / *.yaml below a directory.
   Returns the number of errors added (0 = everything read; warnings do not
   count). */
int sg_load_path(sg_ruleset *rs, const char *path);
/* Reads rules from a buffer; name is used in diagnostics. */
int sg_load_buffer(sg_ruleset *rs, const char *name, const char *buf, size_t len);
/* Applies meta filters (filter: documents) to the rules they name; call once
   after loading everything. Returns the number of errors added. */
int sg_finish(sg_ruleset *rs);

/* ---- Field mappings and log-source profiles (mapping.c) ----
 * A mapping says, for one log layout, where each Sigma field is in the events
 * and which events each logsource is. sg_finish rewrites every rule through
 * it: fields renamed to event paths, and the logsource's condition ANDed in
 * front of the detection, so it costs what any other test costs. A rule whose
 * logsource the mapping does not know is dropped (counted) unless
 * opt.run_unmapped. */

/* Built-in profiles, NULL-terminated, and the description of one. */
const char *const *sg_profile_names(void);
const char *sg_profile_description(const char *name);
/* Maps the ruleset's rules through a built-in profile; "none" maps nothing.
   Returns the number of errors added (an unknown name is one). */
int sg_use_profile(sg_ruleset *rs, const char *name);
/* Lays a mapping file over the profile (ours, or a pySigma pipeline's
   field_name_mapping / add_condition items). Returns errors added. */
int sg_add_mapping(sg_ruleset *rs, const char *path);
/* Adds one rule per built-in profile, titled with the profile's name, that
   matches events in that profile's layout (for choosing a profile). */
int sg_load_profile_detectors(sg_ruleset *rs);
/* After sg_finish: rules whose logsource the mapping did not know. */
size_t sg_unmapped_count(const sg_ruleset *rs);

size_t sg_rule_count(const sg_ruleset *rs);
const sg_rule *sg_rule_at(const sg_ruleset *rs, size_t i);
size_t sg_diag_count(const sg_ruleset *rs);
const sg_diag *sg_diag_at(const sg_ruleset *rs, size_t i);

/* ---- pieces shared inside sigma/ and with its unit tests ---- */

/* Builds AST nodes; the ruleset's arena owns them. */
typedef struct sg_arena sg_arena;
void *sg_alloc(sg_arena *a, size_t n); /* zeroed */
char *sg_strndup(sg_arena *a, const char *s, size_t n);
sg_node *sg_node_new(sg_arena *a, sg_node_kind kind, size_t nkids);

/*
 * Parses a condition string into a tree. Identifiers are resolved through
 * lookup (exact names) and list (all names, for "1 of x*", "all of them").
 * On error returns NULL and writes a message and the 0-based byte offset of
 * the problem into err / err_off.
 */
typedef struct sg_cond_env {
    sg_arena *arena;
    size_t nidents;
    const char *const *idents; /* the detection's search identifiers */
    sg_node *const *searches;  /* their trees, same order */
} sg_cond_env;

sg_node *sg_parse_condition(const sg_cond_env *env, const char *text, char *err, size_t errlen,
                            size_t *err_off);

#endif
