/* event.h: the layout of sv_event, shared by event.c and the interpreter. */
#ifndef SIGVM_EVENT_H
#define SIGVM_EVENT_H

#include "vm.h"

typedef struct sv_scratch {
    struct sv_scratch_block *top;
} sv_scratch;

char *sv_scratch_alloc(sv_scratch *s, size_t n);
void sv_scratch_reset(sv_scratch *s);
void sv_scratch_free(sv_scratch *s);

struct sv_event {
    size_t nslots;
    struct {
        int32_t first, last;
    } * head;
    uint32_t *gen; /* head[i] is valid only when gen[i] == cur_gen */
    uint32_t cur_gen;
    uint32_t *present, npresent; /* the slots with values, in the order of their first */
    sv_value *vals;
    size_t nvals, cap;
    int32_t any_head, any_tail;
    /* Keyword values put off (sv_event_defer_any): those recorded at
       SV_ANY_SLOT are the strings with wide text only, the others lie in
       text; fill records them all. */
    bool any_deferred;
    const char *text;
    size_t text_len;
    sv_any_filler *fill;
    void *fill_ctx;
    sv_scratch scratch;
};

/* Records every keyword value of a deferred event (and forgets those
   recorded before, which it records again). It may move ev->vals: hold
   indices of values, not pointers, across an sv_event_first of
   SV_ANY_SLOT. */
void sv_event_fill_any(sv_event *ev);

/* First value recorded at slot in this event, or -1. Inline: the
   interpreter asks it of every field a group of the pack reads. */
static inline int32_t sv_event_first(sv_event *ev, uint32_t slot) {
    if (slot == SV_ANY_SLOT) {
        if (ev->any_deferred) sv_event_fill_any(ev);
        return ev->any_head;
    }
    if (slot >= ev->nslots || ev->gen[slot] != ev->cur_gen) return -1;
    return ev->head[slot].first;
}

/* The same, case-folded. */
bool sv_value_folded(sv_event *ev, sv_value *v, const char **s, size_t *n);
/* Decodes the JSON escapes of s (n bytes) into out (room for n bytes);
   returns the decoded length. */
size_t sv_json_unescape(const char *s, size_t n, char *out);

#endif
