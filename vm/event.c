/* event.c: the slots of one event. Values are chained per slot through an
   array reused from one event to the next; a generation stamp per slot makes
   reset O(1) instead of clearing every slot. */
#include <stdlib.h>
#include <string.h>

#include "event.h"

sv_event *sv_event_new(size_t nslots) {
    sv_event *ev = calloc(1, sizeof *ev);
    if (!ev) abort();
    ev->nslots = nslots;
    ev->head = calloc(nslots ? nslots : 1, sizeof *ev->head);
    ev->gen = calloc(nslots ? nslots : 1, sizeof *ev->gen);
    ev->present = calloc(nslots ? nslots : 1, sizeof *ev->present);
    if (!ev->head || !ev->gen || !ev->present) abort();
    ev->cur_gen = 1;
    ev->any_head = -1;
    return ev;
}

void sv_event_free(sv_event *ev) {
    if (!ev) return;
    free(ev->head);
    free(ev->gen);
    free(ev->present);
    free(ev->vals);
    sv_scratch_free(&ev->scratch);
    free(ev);
}

void sv_event_reset(sv_event *ev) {
    ev->nvals = ev->npresent = 0;
    ev->any_head = ev->any_tail = -1;
    ev->any_deferred = false;
    sv_scratch_reset(&ev->scratch);
    if (++ev->cur_gen == 0) { /* wrapped: stamps from 2^32 events ago would look current */
        memset(ev->gen, 0, ev->nslots * sizeof *ev->gen);
        ev->cur_gen = 1;
    }
}

/* Built in place: a value is a few stores, as the scanner records every
   field a large pack reads (and every scalar, for keyword searches). There
   must be room for it. */
static inline void put_value(sv_event *ev, uint32_t slot, sv_vtype type, const char *p, size_t len,
                             unsigned escaped, unsigned level) {
    int32_t *head, *tail;
    if (slot == SV_ANY_SLOT) {
        head = &ev->any_head;
        tail = &ev->any_tail;
    } else {
        if (slot >= ev->nslots) return;
        if (ev->gen[slot] != ev->cur_gen) {
            ev->gen[slot] = ev->cur_gen;
            ev->head[slot].first = ev->head[slot].last = -1;
            ev->present[ev->npresent++] = slot;
        }
        head = &ev->head[slot].first;
        tail = &ev->head[slot].last;
    }
    int32_t i = (int32_t)ev->nvals++;
    ev->vals[i] = (sv_value){.p = p,
                             .len = (uint32_t)len,
                             .type = (uint8_t)type,
                             .escaped = (uint8_t)escaped,
                             .element = (uint8_t)(level > UINT8_MAX ? UINT8_MAX : level),
                             .next = -1};
    /* Appended at the tail, so that a slot lists its values in document order. */
    if (*tail < 0)
        *head = i;
    else
        ev->vals[*tail].next = i;
    *tail = i;
}

/* Out of line, so that the common case saves no registers around a call. */
__attribute__((noinline)) static void put_grown(sv_event *ev, uint32_t slot, sv_vtype type,
                                                const char *p, size_t len, unsigned escaped,
                                                unsigned level) {
    ev->cap = ev->cap ? ev->cap * 2 : 64;
    ev->vals = realloc(ev->vals, ev->cap * sizeof *ev->vals);
    if (!ev->vals) abort();
    put_value(ev, slot, type, p, len, escaped, level);
}

static inline void add_value(sv_event *ev, uint32_t slot, sv_vtype type, const char *p, size_t len,
                             unsigned escaped, unsigned level) {
    if (ev->nvals == ev->cap)
        put_grown(ev, slot, type, p, len, escaped, level);
    else
        put_value(ev, slot, type, p, len, escaped, level);
}

void sv_event_add(sv_event *ev, uint32_t slot, sv_vtype type, const char *p, size_t len,
                  unsigned escaped) {
    add_value(ev, slot, type, p, len, escaped, 0);
}

void sv_event_add_element(sv_event *ev, uint32_t slot, sv_vtype type, const char *p, size_t len,
                          unsigned escaped, unsigned level) {
    add_value(ev, slot, type, p, len, escaped, level);
}

void sv_event_defer_any(sv_event *ev, const char *text, size_t len, sv_any_filler *fill,
                        void *ctx) {
    ev->any_deferred = true;
    ev->text = text;
    ev->text_len = len;
    ev->fill = fill;
    ev->fill_ctx = ctx;
}

void sv_event_fill_any(sv_event *ev) {
    ev->any_deferred = false;
    ev->any_head = ev->any_tail = -1;
    ev->fill(ev->fill_ctx, ev, ev->text, ev->text_len);
}

sv_value *sv_event_get(sv_event *ev, uint32_t slot) {
    int32_t i = sv_event_first(ev, slot);
    return i < 0 ? NULL : &ev->vals[i];
}

sv_value *sv_event_next(sv_event *ev, const sv_value *v) {
    return v->next < 0 ? NULL : &ev->vals[v->next];
}

/* ---- scratch memory for unescaped and folded strings, freed per event ---- */

enum { SCRATCH_BLOCK = 64 * 1024 };

struct sv_scratch_block {
    struct sv_scratch_block *prev;
    size_t used, cap;
    char data[];
};

char *sv_scratch_alloc(sv_scratch *s, size_t n) {
    struct sv_scratch_block *b = s->top;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > SCRATCH_BLOCK ? n : SCRATCH_BLOCK;
        b = malloc(sizeof *b + cap);
        if (!b) abort();
        b->prev = s->top;
        b->used = 0;
        b->cap = cap;
        s->top = b;
    }
    char *p = b->data + b->used;
    b->used += n;
    return p;
}

void sv_scratch_reset(sv_scratch *s) {
    /* Keep the newest block for the next event; large one-off blocks go. */
    struct sv_scratch_block *b = s->top;
    if (!b) return;
    for (struct sv_scratch_block *p = b->prev, *q; p; p = q) {
        q = p->prev;
        free(p);
    }
    b->prev = NULL;
    b->used = 0;
    if (b->cap > SCRATCH_BLOCK) {
        free(b);
        s->top = NULL;
    }
}

void sv_scratch_free(sv_scratch *s) {
    for (struct sv_scratch_block *b = s->top, *p; b; b = p) {
        p = b->prev;
        free(b);
    }
    s->top = NULL;
}
