/* lits.h: a set of literal tests answered together over one text (vm/ only).
   The prefilter keeps one per field: every equals, startswith, endswith and
   contains literal of the pack on that field, asked of each value once. */
#ifndef SIGVM_LITS_H
#define SIGVM_LITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sv_lits sv_lits;

/* Where a literal must occur in the text for its test to hold. */
typedef enum sv_lit_how { SV_LIT_EQ, SV_LIT_PREFIX, SV_LIT_SUFFIX, SV_LIT_CONTAINS } sv_lit_how;

sv_lits *sv_lits_new(void);
void sv_lits_free(sv_lits *l);
/* Adds a literal (n > 0 bytes, compared byte for byte) known to the caller
   as id. */
void sv_lits_add(sv_lits *l, const char *s, size_t n, sv_lit_how how, uint32_t id);
/* Makes the set ready to scan; no literal may be added afterwards. */
void sv_lits_build(sv_lits *l);

/* Where k (kn bytes) first occurs in s (n bytes), or NULL: memmem, with
   the positions whose first and last bytes agree with k's found sixteen
   at a time (with SSE2), so that a long text costs little per byte. */
const char *sv_find(const char *s, size_t n, const char *k, size_t kn);

/* Whether one literal's test holds of text s. */
bool sv_lit_holds(sv_lit_how how, const char *s, size_t n, const char *lit, size_t len);

/* Called with the id of a literal whose test holds; an id may come more
   than once (a literal that occurs twice). */
typedef void (*sv_lits_hit)(void *ctx, uint32_t id);
/* Reports every literal of the set whose test holds of text. Literals
   whose known[id] is nonzero (known may be NULL) are not looked at again:
   a caller that notes there what it was told sees a literal that occurs
   many times compared once. */
void sv_lits_scan(const sv_lits *l, const char *text, size_t n, const uint8_t *known,
                  sv_lits_hit hit, void *ctx);
/* The two halves of that scan: the literals that must be at an end of the
   text (equals, startswith, endswith), and those that may be anywhere. */
void sv_lits_scan_ends(const sv_lits *l, const char *text, size_t n, sv_lits_hit hit, void *ctx);
void sv_lits_scan_inside(const sv_lits *l, const char *text, size_t n, const uint8_t *known,
                         sv_lits_hit hit, void *ctx);
/* Whether no literal that may be anywhere holds a newline: then one
   occurs in a text only inside one of its lines. */
bool sv_lits_inside_lines(const sv_lits *l);

#endif
