/*
 * panther.h: Panther-style YAML detections (sigma/ only).
 *
 * panther.c reads a document (metadata, InlineFilters, Detection,
 * DynamicSeverities, AlertTitle, Tests); panther_expr.c turns lists of match
 * expressions into expression trees; panther_key.c resolves key specifiers
 * (Key, DeepKey, KeyPath, Enrichment) into paths.
 *
 * A key that picks array elements by index ("a[0].b", DeepKey [a, 0, b])
 * becomes an SG_N_EACH that selects that element around the test; "[*]"
 * needs nothing, since a path through an array already holds when any
 * element satisfies it. An element comprehension (AnyElement ...) is an
 * SG_N_EACH over the list whose Expressions name keys inside the element.
 */
#ifndef SIGVM_PANTHER_H
#define SIGVM_PANTHER_H

#include "yaml_tree.h"

/* Most [n] indices one key may hold. */
enum { PX_MAX_INDICES = 8 };

/* Where match expressions are being read. */
typedef struct px {
    sg_ruleset *rs;
    const char *file;
    const char *base; /* inside an element comprehension: the list's path, else NULL */
    unsigned depth;   /* element tests around the expressions (comprehensions, [n]) */
    bool filter;      /* InlineFilters: a test on an absent field passes */
} px;

/* A key specifier, resolved. */
typedef struct px_key {
    char *path;       /* the full dotted path of the value, indices left out */
    const char *text; /* as written, for explain traces */
    size_t nidx;
    struct {
        char *array; /* the path of the array the index applies to */
        uint32_t index;
    } idx[PX_MAX_INDICES];
} px_key;

/* Reads the key specifier of expression map e (Key, DeepKey, KeyPath or
   Enrichment); *found tells whether it has one. False after an error. */
bool px_read_key(const px *c, const yt_node *e, px_key *k, bool *found);
/* Whether a node is a map holding one key specifier and nothing else (the
   two Values of a multi-key comparison). */
bool px_is_key_map(const yt_node *n);
/* t wrapped in the SG_N_EACH nodes that select k's indexed elements. */
sg_node *px_at_indices(const px *c, const px_key *k, sg_node *t);

/* A list of match expressions that must all hold (Detection, InlineFilters,
   a dynamic severity's Conditions), labelled what for explain traces; NULL
   after an error. */
sg_node *px_all(const px *c, const yt_node *list, const char *what);

#endif
