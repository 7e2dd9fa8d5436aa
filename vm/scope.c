/* scope.c: the values a test sees inside an EACH body (see scope.h). */
#include "scope.h"

/* i itself or the first value after it inside s, or -1. */
static int32_t inside(const sv_scope *s, const sv_event *ev, int32_t i) {
    if (!s) return i;
    for (; i >= 0; i = ev->vals[i].next) {
        const sv_value *v = &ev->vals[i];
        if (v->p >= s->lo && v->p + v->len <= s->hi) return i;
        /* A value starting past the element ends past it, and every value
           chained after it ends later still: none of them is inside. */
        if (v->p >= s->hi) return -1;
    }
    return -1;
}

int32_t sv_scope_first(sv_scope *s, sv_event *ev, uint32_t slot) {
    int32_t i = sv_event_first(ev, slot);
    if (!s) return i;
    unsigned c = 0;
    while (c < s->ncur && s->cur[c].slot != slot)
        c++;
    if (c < s->ncur) i = s->cur[c].at;
    while (i >= 0 && ev->vals[i].p < s->lo)
        i = ev->vals[i].next;
    if (c == s->ncur && c < SV_SCOPE_CURSORS) s->cur[s->ncur++].slot = slot;
    if (c < SV_SCOPE_CURSORS) s->cur[c].at = i;
    return inside(s, ev, i);
}

int32_t sv_scope_next(const sv_scope *s, const sv_event *ev, int32_t i) {
    return inside(s, ev, ev->vals[i].next);
}
