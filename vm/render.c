/* render.c: what a match reports beyond the rule's fixed metadata: the title
   rendered from an alert-title template with the event's values, and the
   level chosen by the dynamic severity that held. */
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "pack.h"

typedef struct text {
    char *p;
    size_t n, cap;
} text;

static void put(text *t, const char *s, size_t n) {
    if (t->n + n + 1 > t->cap) {
        while (t->n + n + 1 > t->cap)
            t->cap = t->cap ? t->cap * 2 : 128;
        t->p = realloc(t->p, t->cap);
        if (!t->p) abort();
    }
    if (n) memcpy(t->p + t->n, s, n);
    t->n += n;
    t->p[t->n] = '\0';
}

static int32_t slot_of(const sv_pack *p, const char *path, size_t n) {
    for (uint32_t i = 0; i < p->npaths; i++)
        if (p->str_len[p->paths[i]] == n && !memcmp(p->str[p->paths[i]], path, n))
            return (int32_t)i;
    return -1;
}

/* The first value at path, as text: strings unescaped, anything else as
   its JSON; nothing when the event has no value there. */
static void put_value(text *t, const sv_pack *p, sv_event *ev, const char *path, size_t n) {
    int32_t slot = slot_of(p, path, n), i = slot < 0 ? -1 : sv_event_first(ev, (uint32_t)slot);
    if (i < 0) return;
    sv_value *v = &ev->vals[i];
    const char *s;
    size_t len;
    if (sv_value_text(ev, v, &s, &len))
        put(t, s, len);
    else
        put(t, v->p, v->len);
}

char *sv_render_title(const sv_pack *p, uint32_t rule, sv_event *ev, size_t *len) {
    const sv_rule *r = &p->rules[rule];
    const char *tpl = p->str[r->alert_title], *end = tpl + p->str_len[r->alert_title];
    text t = {0};
    if (tpl == end) {
        put(&t, p->str[r->title], p->str_len[r->title]);
    } else {
        for (const char *s = tpl; s < end;) {
            const char *open = memchr(s, '{', (size_t)(end - s));
            const char *close = open ? memchr(open, '}', (size_t)(end - open)) : NULL;
            if (!close) {
                put(&t, s, (size_t)(end - s));
                break;
            }
            put(&t, s, (size_t)(open - s));
            put_value(&t, p, ev, open + 1, (size_t)(close - open - 1));
            s = close + 1;
        }
    }
    if (!t.p) put(&t, "", 0);
    *len = t.n;
    return t.p;
}

const char *sv_rule_level(const sv_pack *p, uint32_t rule, unsigned result, size_t *len) {
    const sv_rule *r = &p->rules[rule];
    const char *s = p->str[r->severities], *end = s + p->str_len[r->severities];
    /* severities lists the dynamic levels one per line, in rule order. */
    for (unsigned k = 2; result >= 2 && s < end; k++) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        if (k == result) {
            *len = (size_t)((nl ? nl : end) - s);
            return s;
        }
        if (!nl) break;
        s = nl + 1;
    }
    *len = p->str_len[r->level];
    return p->str[r->level];
}
