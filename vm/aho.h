/* aho.h: a multi-pattern matcher (Aho-Corasick, built into a DFA), used by
   the interpreter to answer every literal test on one field in one pass over
   the field's value (vm/ only). */
#ifndef SIGVM_AHO_H
#define SIGVM_AHO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sv_aho sv_aho;

sv_aho *sv_aho_new(void);
void sv_aho_free(sv_aho *a);
/* Adds a pattern (n > 0 bytes) known to the caller as id. */
void sv_aho_add(sv_aho *a, const char *pat, size_t n, uint32_t id);
/* Builds the automaton; no pattern may be added afterwards. */
void sv_aho_build(sv_aho *a);
size_t sv_aho_states(const sv_aho *a);

/* Called for every occurrence of a pattern in the text: its id and the
   offsets [start, end) where it occurs. Returning false stops the scan. */
typedef bool (*sv_aho_hit)(void *ctx, uint32_t id, size_t start, size_t end);
/* Reports every occurrence of every pattern in text, in order of end offset. */
void sv_aho_scan(const sv_aho *a, const char *text, size_t n, sv_aho_hit hit, void *ctx);

#endif
