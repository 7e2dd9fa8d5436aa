/* scope.h: which values of a slot a test sees (vm/ only).

   Outside any EACH body a test sees every value of its slot. Inside one it
   sees only the values that lie within the current element's text, so that
   "action == ADD and member == allUsers" is asked of one element at a time.
   A slot's values are chained in the order their text ends (a container
   when it closes), so a slot's values inside one element are consecutive
   in the chain as far as that element is concerned: the walk may stop at
   the first value that starts past the element. Elements are visited in
   document order, so each slot remembers where its walk got to in the
   previous element (a cursor), which keeps a loop over a large array
   linear instead of quadratic. */
#ifndef SIGVM_SCOPE_H
#define SIGVM_SCOPE_H

#include "event.h"

enum { SV_SCOPE_CURSORS = 8 };

typedef struct sv_scope {
    const char *lo, *hi; /* the element's text */
    uint32_t slot;       /* the slot it is an element of, at level */
    unsigned level;
    struct {
        uint32_t slot;
        int32_t at; /* no value of slot before it lies in this or a later element */
    } cur[SV_SCOPE_CURSORS];
    unsigned ncur;
} sv_scope;

/* The first value of slot that s lets a test see (s NULL: every value). */
int32_t sv_scope_first(sv_scope *s, sv_event *ev, uint32_t slot);
/* The value after i that s lets a test see, or -1. */
int32_t sv_scope_next(const sv_scope *s, const sv_event *ev, int32_t i);

#endif
