/* recall.h: what a prefilter group's scan found in values it saw before
   (vm/ only; one table per thread, kept by sv_exec). */
#ifndef SIGVM_RECALL_H
#define SIGVM_RECALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sv_recall sv_recall;

enum {
    SV_RECALL_MAX_TEXT = 8192,  /* a long line of a value recalled in segments (prefilter.c) */
    SV_RECALL_MAX_HITS = 256,   /* a value holding more tests is scanned every time */
    SV_RECALL_TRIAL = 1024,     /* values per trial of a group: ... */
    SV_RECALL_MIN_FINDS = 128,  /* ... if fewer of them are found, it rests ... */
    SV_RECALL_REST = 16 * 1024, /* ... for this many values, not looking */
};

sv_recall *sv_recall_new(uint32_t ngroups);
void sv_recall_free(sv_recall *r);

/* Where a value that was not recalled is to be kept once scanned. */
typedef struct sv_recall_ticket {
    uint64_t hash;
    uint32_t at; /* entry + 1; 0: not to be kept */
} sv_recall_ticket;

/* The tests of group g (positions in the group's list) that a value of
   type `type` whose text as written is s (n bytes) held when last
   scanned, *nhits of them; NULL when the table does not know, and then
   *tk says where sv_recall_keep is to keep the scan's answer. */
const uint32_t *sv_recall_find(sv_recall *r, uint32_t g, uint8_t type, const char *s, size_t n,
                               uint32_t *nhits, sv_recall_ticket *tk);
/* Keeps the tests hits[0 .. nhits) that the value of ticket tk (the same
   group, type and text as asked) holds: all of them, each once. */
void sv_recall_keep(sv_recall *r, const sv_recall_ticket *tk, uint32_t g, uint8_t type,
                    const char *s, size_t n, const uint32_t *hits, uint32_t nhits);

#endif
