/*
 * compiler.h: rule AST to a verified-format pack image.
 *
 * The one public header of the compiler/ layer. Each rule's expression tree
 * is simplified (constant folding, flattening of nested AND / OR), its field
 * tests are interned into the shared test table (one entry per distinct
 * test across the whole pack) and its boolean structure becomes short-circuit
 * register code. The result is a pack image in the format of vm/vm.h.
 *
 * This layer knows nothing of YAML or events.
 */
#ifndef SIGVM_COMPILER_H
#define SIGVM_COMPILER_H

#include <stddef.h>

#include "sigma/sigma.h"

typedef struct cp_stats {
    size_t rules, tests, test_refs, instructions; /* test_refs: before sharing */
} cp_stats;

/* Compiles every rule of rs. Returns 0 and a malloc'd image, or -1 with a
   message. stats may be NULL. */
int cp_compile(const sg_ruleset *rs, unsigned char **image, size_t *len, cp_stats *stats, char *err,
               size_t errlen);
/* The same for rules given one by one (rule i of the pack is rules[i]):
   explain traces compile parts of a rule as rules of their own. */
int cp_compile_rules(const sg_rule *const *rules, size_t n, unsigned char **image, size_t *len,
                     cp_stats *stats, char *err, size_t errlen);

#endif
