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
    SG_IP,       /* value is an IP address of class part (an sg_ipclass) */
    SG_EMPTY,    /* field is absent, or null, false, 0, "", [] or {} (Python's false) */
    SG_NET_HAS,  /* value is a network ("addr/len") containing address str */
    SG_OP_COUNT
} sg_op;

/* Address classes for SG_IP. Private: RFC 1918, 100.64/10, loopback,
   link-local, fc00::/7; public: other unicast outside reserved blocks. */
typedef enum sg_ipclass { SG_IP_ANY, SG_IP_V4, SG_IP_V6, SG_IP_PRIVATE, SG_IP_PUBLIC } sg_ipclass;

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
                    (a keyword search); a leading '~' matches keys whatever
                    their case (Panther rules) */
    char *str;   /* literal, glob, regex, CIDR or referenced field; may hold
                    NUL bytes (utf16 encoders), hence str_len */
    size_t str_len;
    double num;    /* for NUM_*, BOOL, TIMEPART */
    bool cased;    /* string ops: case-sensitive (|cased, or encoded bytes) */
    uint8_t flags; /* SG_RE_* for SG_REGEX */
    uint8_t cmp;   /* SG_FIELDREF: SG_EQ, SG_PREFIX, SG_SUFFIX, SG_CONTAINS, or
                      SG_NUM_EQ..SG_NUM_LTE to compare as numbers */
    uint8_t part;  /* SG_TIMEPART: an sg_timepart; SG_IP: an sg_ipclass */
    sg_pos pos;
} sg_test;

typedef enum sg_node_kind {
    SG_N_AND,
    SG_N_OR,
    SG_N_NOT,
    SG_N_TRUE,
    SG_N_FALSE,
    SG_N_TEST,
    SG_N_ONE, /* exactly one of the kids holds */
    SG_N_EACH /* kids[0], asked of each element of the arrays at path, by quant */
} sg_node_kind;

/* How SG_N_EACH combines its elements' answers: some, every (and there is
   at least one element), exactly one, none, or the element at index. */
typedef enum sg_quant { SG_SOME, SG_EVERY, SG_ONLY_ONE, SG_NO, SG_AT } sg_quant;

/* Deepest nesting of SG_N_EACH a rule may have, and the largest index. */
#define SG_MAX_EACH_DEPTH 16
#define SG_MAX_INDEX 65000

/*
 * In an SG_N_EACH body, tests name full paths ("list.action" for the field
 * action of the elements of "list") and see only the values inside the
 * element at hand; nested bodies narrow that further.
 */
typedef struct sg_node sg_node;
struct sg_node {
    sg_node_kind kind;
    size_t nkids;
    sg_node **kids; /* AND / OR / ONE: nkids >= 1; NOT, EACH: exactly 1 */
    sg_test test;   /* SG_N_TEST */
    char *path;     /* SG_N_EACH: the array(s) */
    sg_quant quant; /* SG_N_EACH */
    uint32_t index; /* SG_N_EACH with SG_AT */
    /* For explain traces: what the subtree is in the rule (a Sigma search
       identifier, a Panther match expression) and where; NULL for structure
       the rule does not name. */
    const char *label;
    sg_pos pos;
    /* The condition the rule's logsource maps to (mapping.c): it holds on
       most events the rule's first guard lets through, so a literal guard
       never takes its channel name. */
    bool logsource;
};

/* Metadata every rule format maps onto (Sigma names; Panther fills what it has). */
typedef struct sg_strlist {
    size_t n;
    char **v;
} sg_strlist;

/* A level that replaces the rule's own when expr holds (Panther's
   DynamicSeverities; the first that holds wins). */
typedef struct sg_severity {
    char *level;
    sg_node *expr;
} sg_severity;

/* A sample event with the verdict a rule owes it. */
typedef enum sg_sample_kind {
    SG_SAMPLE_EVENT,     /* json holds the event; expect is 1 (match) or 0 */
    SG_SAMPLE_REGRESSION /* file holds SigmaHQ regression events (evtx_dump JSON, one
                            document after another); expect is how many at least
                            must match, -1 for one */
} sg_sample_kind;

typedef struct sg_sample {
    sg_sample_kind kind;
    char *name;
    char *json; /* SG_SAMPLE_EVENT: a JSON object */
    size_t json_len;
    char *file; /* SG_SAMPLE_REGRESSION */
    int expect;
    sg_pos pos;
} sg_sample;

typedef struct sg_rule {
    char *id, *name, *title, *status, *level, *description, *author, *date, *modified;
    sg_strlist references, tags, falsepositives, fields;
    sg_strlist related;                             /* "type:id" pairs */
    char *log_product, *log_category, *log_service; /* logsource */
    char *runbook;
    char *alert_title; /* a title template: {path} (a path as in sg_test.field)
                          stands for the event's value there */
    sg_node *expr;     /* when the rule matches */
    sg_node *filter;   /* must hold too (Panther InlineFilters); NULL: none. Tests judge
                          expr alone: a filter tunes a detection, its tests prove it */
    sg_severity *severities;
    size_t nseverities;
    bool native;        /* fields are event paths as written (Panther): no mapping applies */
    sg_sample *samples; /* read with sg_options.read_tests */
    size_t nsamples;
    sg_pos pos; /* the document's start */
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
    bool run_unmapped;            /* keep rules whose logsource the mapping does not know */
    bool read_tests;              /* read rules' test samples too (Panther Tests:, SigmaHQ
                                     regression_tests_path) */
} sg_options;

/* Most rules, and most meta filters, one sg_ruleset holds; each document
   past that is an error. Far above SigmaHQ's 3,780 rules; fewer filters,
   since every filter is checked against every rule. */
#define SG_MAX_RULES 100000
#define SG_MAX_FILTERS 1000

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

/* ---- Correlation rules (correlation.c) ----
 * A Sigma correlation document (spec v2.1), or a Panther rule's Threshold,
 * relates matches of other rules over time. sg_finish resolves what each
 * correlation refers to and the field each group-by name has in each
 * referenced rule's events (aliases applied). */
typedef enum sg_corr_type {
    SG_EVENT_COUNT,
    SG_VALUE_COUNT,
    SG_TEMPORAL,
    SG_TEMPORAL_ORDERED,
    SG_VALUE_SUM,
    SG_VALUE_AVG,
    SG_VALUE_PERCENTILE
} sg_corr_type;

/* Most group-by fields a correlation may have. */
#define SG_MAX_GROUP_BY 32

/* The comparisons of a condition, as bits (1 << SG_CMP_x) of sg_correlation.ops;
   several together must all hold (a range). */
enum { SG_CMP_GT, SG_CMP_GTE, SG_CMP_LT, SG_CMP_LTE, SG_CMP_EQ, SG_CMP_NEQ, SG_CMPS };

struct sg_correlation;

/* One entry of a correlation's rules: a rule or another correlation. */
typedef struct sg_corr_ref {
    const char *ref;                   /* the id or name as written */
    const sg_rule *rule;               /* resolved by sg_finish: this ... */
    const struct sg_correlation *corr; /* ... or this */
    const char **fields;               /* per group-by name, the field in its events */
    sg_pos pos;
} sg_corr_ref;

typedef struct sg_correlation {
    char *id, *name, *title, *level;
    sg_corr_type type;
    size_t nrefs;
    sg_corr_ref *refs;
    sg_strlist group_by;
    const struct yt_node *aliases; /* until sg_finish resolves them */
    int64_t timespan_ms;
    char *field;       /* value_* types: the field whose values count */
    double percentile; /* value_percentile: which one (0-100) */
    unsigned ops;
    double cmp[SG_CMPS];
    bool generate; /* the referenced rules' own matches are reported too */
    bool by_title; /* Panther without GroupBy: grouped by the rendered AlertTitle */
    sg_pos pos;
} sg_correlation;

/* Parses a timespan (a positive whole number and one of s m h d w M y:
   "10m"; a month is 30 days, a year 365) into ms. */
bool sg_parse_timespan(const char *s, int64_t *ms);
/* "event_count" ... as the specification spells it. */
const char *sg_correlation_type_name(sg_corr_type t);
size_t sg_correlation_count(const sg_ruleset *rs);
const sg_correlation *sg_correlation_at(const sg_ruleset *rs, size_t i);

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
