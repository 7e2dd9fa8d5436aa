/* placeholders.h: |expand (sigma/ only). */
#ifndef SIGVM_PLACEHOLDERS_H
#define SIGVM_PLACEHOLDERS_H

#include "values.h"

/* Expands every %name% of src into the values the placeholder file gives
   it (all combinations). On failure returns a message to follow the
   placeholder's name, which is written into name. */
const char *sg_expand(sg_ruleset *rs, const char *src, size_t n, sg_blist *out, char *name,
                      size_t namelen);

#endif
