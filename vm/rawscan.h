/* rawscan.h: keyword literals looked for in JSON text as written, so that
   the values that cannot hold one are neither decoded nor folded (vm/
   only; prefilter.c's keyword groups). */
#ifndef SIGVM_RAWSCAN_H
#define SIGVM_RAWSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lits.h"
#include "pack.h"

typedef struct sv_raw sv_raw;

/* How often each folded pair of bytes occurs in (a sample of) the pack's
   literals, which look much like the text of events: what tells common
   pairs from rare ones (free it). */
uint32_t *sv_raw_pair_counts(const sv_pack *p);
/* How often the pair (a, b), ASCII case aside, occurs by those counts. */
uint32_t sv_raw_pair_count(const uint32_t *pair_counts, unsigned char a, unsigned char b);
/* A filter for n folded literals: literal k is lit[k] (len[k] bytes) and
   holds as how[k]; pair_counts from sv_raw_pair_counts. NULL when some
   literal has no piece worth looking for. */
sv_raw *sv_raw_new(const uint32_t *pair_counts, const char *const *lit, const uint32_t *len,
                   const sv_lit_how *how, uint32_t n);
void sv_raw_free(sv_raw *r);
/* No piece is shorter than this: nor is any text that holds one. */
uint32_t sv_raw_shortest(const sv_raw *r);

/* Calls found(ctx, k) for each literal k whose piece occurs in s, ASCII
   case aside (more than once if it occurs more than once). s is a value's
   text as written: when its escapes are all two bytes long and its bytes
   ASCII (a number, a boolean, a string without SV_ESC_WIDE), or its other
   characters all fold to text without ASCII (sv_fold_keeps_ascii_apart), a
   literal whose piece is not found is not in its decoded, folded text
   either. */
void sv_raw_find(const sv_raw *r, const char *s, size_t n, void (*found)(void *ctx, uint32_t k),
                 void *ctx);
/* False only if no text that s (n bytes) holds holds a piece: a look at a
   whole document before its values are looked at one by one. */
bool sv_raw_may_hold(const sv_raw *r, const char *s, size_t n);
/* Whether literal k holds of decoded, folded text s. */
bool sv_raw_holds(const sv_raw *r, uint32_t k, const char *s, size_t n);

#endif
