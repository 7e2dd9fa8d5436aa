/* yaml_tree.h: a YAML stream as a small tree with positions (sigma/ only).
   libyaml's event API is turned into nodes once; the rule readers walk the
   tree and cite node positions in their diagnostics. */
#ifndef SIGVM_YAML_TREE_H
#define SIGVM_YAML_TREE_H

#include "sigma_int.h"

typedef enum yt_kind { YT_SCALAR, YT_SEQ, YT_MAP } yt_kind;

typedef struct yt_node yt_node;
struct yt_node {
    yt_kind kind;
    int line, col;   /* 1-based */
    bool plain;      /* SCALAR written without quotes (so 123 may be a number) */
    char *text;      /* SCALAR */
    size_t len;      /* SCALAR byte length (may contain NUL via escapes) */
    size_t n;        /* SEQ items / MAP pairs */
    yt_node **items; /* SEQ: n items; MAP: 2n, key then value */
    size_t weight;   /* nodes in the subtree with aliases expanded */
};

/* Aliases are shared, not copied; this many alias uses per stream at most,
   so that a nest of aliases cannot make a walker's work explode. */
#define YT_MAX_ALIASES 10000
/* Largest subtree, aliases expanded: a "billion laughs" nest of aliases
   is refused instead of being walked. */
#define YT_MAX_WEIGHT 1000000
/* Deepest nesting of collections a rule file may have. */
#define YT_MAX_DEPTH 64

typedef struct yt_stream {
    size_t ndocs;
    yt_node **docs;
} yt_stream;

/* Parses buf into documents allocated in arena a. On a syntax error returns
   false with a message and its position. */
bool yt_parse(sg_arena *a, const char *buf, size_t len, yt_stream *out, char *err, size_t errlen,
              int *line, int *col);

/* MAP lookup by key text; NULL when absent. */
yt_node *yt_get(const yt_node *map, const char *key);
/* Whether a scalar is YAML null: plain "", "~", "null", "Null", "NULL". */
bool yt_is_null(const yt_node *n);

/* ---- YAML 1.2 core schema (yaml_json.c), for Panther-style documents ----
 * A plain scalar is null (null Null NULL ~ or nothing), a boolean (true True
 * TRUE false False FALSE: "yes" and "on" stay strings), an integer (decimal,
 * leading zeros allowed and still decimal; 0o octal; 0x hex), a float, or a
 * string; a quoted scalar is always a string. Sigma rules keep their own,
 * older reading (detection.c). */
typedef enum yt_type { YT_T_NULL, YT_T_BOOL, YT_T_INT, YT_T_FLOAT, YT_T_STR } yt_type;

/* The type of a scalar; *num gets the value of a number or boolean. */
yt_type yt_core_type(const yt_node *n, double *num);
/* A node as JSON text in the arena (*len its length); NULL when it cannot be
   one (a key that is not a scalar), with *bad the node at fault. */
char *yt_to_json(sg_arena *a, const yt_node *n, size_t *len, const yt_node **bad);

#endif
