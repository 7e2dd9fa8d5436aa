/* panther_key.c: Panther key specifiers to paths (see panther.h).
   Key names one key as it is; DeepKey a list of keys and list indices;
   KeyPath a dotted path where a segment may end in [n] or [*]; Enrichment
   a field of a lookup table's match, kept under p_enrichment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panther.h"

typedef struct builder {
    char buf[1024];
    size_t n;
} builder;

static bool append(const px *c, const yt_node *at, builder *b, const char *seg, size_t n) {
    size_t dot = b->n > 0;
    if (b->n + dot + n >= sizeof b->buf)
        return sg_error(c->rs, c->file, at->line, at->col, "key longer than %zu bytes",
                        sizeof b->buf - 1),
               false;
    if (dot) b->buf[b->n++] = '.';
    memcpy(b->buf + b->n, seg, n);
    b->n += n;
    b->buf[b->n] = '\0';
    return true;
}

/* The path as the scanner takes it: '~' asks for keys whatever their case,
   since Panther looks keys up case-insensitively. */
static char *case_free(const px *c, const builder *b) {
    char *p = sg_alloc(c->rs->arena, b->n + 2);
    p[0] = '~';
    memcpy(p + 1, b->buf, b->n + 1);
    return p;
}

static bool add_index(const px *c, const yt_node *at, px_key *k, const builder *b, double v) {
    if (b->n == 0)
        return sg_error(c->rs, c->file, at->line, at->col, "an index must follow a key"), false;
    if (v < 0 || v > SG_MAX_INDEX || v != (uint32_t)v)
        return sg_error(c->rs, c->file, at->line, at->col, "list index %g out of range (0..%d)", v,
                        SG_MAX_INDEX),
               false;
    if (k->nidx == PX_MAX_INDICES)
        return sg_error(c->rs, c->file, at->line, at->col, "more than %d list indices in one key",
                        PX_MAX_INDICES),
               false;
    k->idx[k->nidx].array = case_free(c, b);
    k->idx[k->nidx++].index = (uint32_t)v;
    return true;
}

/* "a.b[0].c[*]": segments split at dots, each a name and any number of
   [n] or [*]. */
static bool keypath(const px *c, const yt_node *at, const char *s, px_key *k, builder *b) {
    for (size_t i = 0, len = strlen(s);;) {
        size_t start = i;
        while (i < len && s[i] != '.' && s[i] != '[')
            i++;
        if (i == start)
            return sg_error(c->rs, c->file, at->line, at->col,
                            "KeyPath '%s' has an empty key at offset %zu", s, start),
                   false;
        if (!append(c, at, b, s + start, i - start)) return false;
        while (i < len && s[i] == '[') {
            const char *close = strchr(s + i, ']');
            if (!close)
                return sg_error(c->rs, c->file, at->line, at->col,
                                "KeyPath '%s' has an unclosed '['", s),
                       false;
            size_t n = (size_t)(close - s) - i - 1;
            bool star = n == 1 && s[i + 1] == '*';
            bool digits = n > 0 && n <= 9 && strspn(s + i + 1, "0123456789") >= n;
            if (!star && !digits)
                return sg_error(c->rs, c->file, at->line, at->col,
                                "KeyPath '%s': '[%.*s]' is neither an index nor [*]", s, (int)n,
                                s + i + 1),
                       false;
            if (digits && !add_index(c, at, k, b, strtod(s + i + 1, NULL))) return false;
            i = (size_t)(close - s) + 1;
        }
        if (i == len) return true;
        if (s[i] != '.')
            return sg_error(c->rs, c->file, at->line, at->col,
                            "KeyPath '%s': expected '.' or '[' at offset %zu", s, i),
                   false;
        i++;
    }
}

static bool deepkey(const px *c, const yt_node *v, px_key *k, builder *b) {
    if (v->kind != YT_SEQ || v->n == 0)
        return sg_error(c->rs, c->file, v->line, v->col,
                        "DeepKey is a list of keys and list indices, like [detail, 0, name]"),
               false;
    for (size_t i = 0; i < v->n; i++) {
        const yt_node *it = v->items[i];
        double num;
        if (it->kind != YT_SCALAR)
            return sg_error(c->rs, c->file, it->line, it->col,
                            "a DeepKey item is a key or a list index"),
                   false;
        bool ok = yt_core_type(it, &num) == YT_T_INT ? add_index(c, it, k, b, num)
                                                     : append(c, it, b, it->text, it->len);
        if (!ok) return false;
    }
    return true;
}

static bool enrichment(const px *c, const yt_node *v, px_key *k, builder *b) {
    static const char *const parts[] = {"Table", "Selector", "FieldPath"};
    if (v->kind != YT_MAP || v->n != 3)
        return sg_error(c->rs, c->file, v->line, v->col,
                        "Enrichment is a map of Table, Selector and FieldPath"),
               false;
    if (!append(c, v, b, "p_enrichment", 12)) return false;
    for (size_t i = 0; i < 3; i++) {
        const yt_node *p = yt_get(v, parts[i]);
        if (!p || p->kind != YT_SCALAR || !p->len)
            return sg_error(c->rs, c->file, v->line, v->col, "Enrichment has no %s", parts[i]),
                   false;
        bool ok = i < 2 ? append(c, p, b, p->text, p->len) : keypath(c, p, p->text, k, b);
        if (!ok) return false;
    }
    return true;
}

static const char *const specifiers[] = {"Key", "DeepKey", "KeyPath", "Enrichment"};

/* The key as the rule writes it, on one line: "DeepKey [a, 0, b]". */
static const char *key_text(const px *c, size_t which, const yt_node *v) {
    char text[512];
    size_t n = (size_t)snprintf(text, sizeof text, "%s ", specifiers[which]);
    yt_node *const *items = v->items;
    size_t count = v->kind == YT_SEQ ? v->n : v->kind == YT_MAP ? 3 : 1;
    static const char *const parts[] = {"Table", "Selector", "FieldPath"};
    if (v->kind == YT_SEQ) n += (size_t)snprintf(text + n, sizeof text - n, "[");
    for (size_t i = 0; i < count && n < sizeof text; i++) {
        const yt_node *it = v->kind == YT_SEQ   ? items[i]
                            : v->kind == YT_MAP ? yt_get(v, parts[i])
                                                : v;
        const char *sep = i == 0 ? "" : v->kind == YT_SEQ ? ", " : ".";
        n += (size_t)snprintf(text + n, sizeof text - n, "%s%s", sep, it->text);
    }
    if (v->kind == YT_SEQ && n < sizeof text) snprintf(text + n, sizeof text - n, "]");
    return sg_strndup(c->rs->arena, text, strlen(text));
}

bool px_read_key(const px *c, const yt_node *e, px_key *k, bool *found) {
    const yt_node *v = NULL;
    size_t which = 0, n = 0;
    for (size_t i = 0; i < 4; i++)
        if (yt_get(e, specifiers[i])) v = yt_get(e, specifiers[which = i]), n++;
    *found = n > 0;
    *k = (px_key){0};
    if (n == 0) return true;
    if (n > 1)
        return sg_error(c->rs, c->file, e->line, e->col,
                        "a match expression names one key (Key, DeepKey, KeyPath or Enrichment)"),
               false;
    builder b = {.n = 0};
    if (c->base) append(c, e, &b, c->base + 1, strlen(c->base + 1)); /* without its '~' */
    bool ok;
    switch (which) {
    case 0: ok = v->kind == YT_SCALAR && v->len ? append(c, v, &b, v->text, v->len) : false; break;
    case 1: ok = deepkey(c, v, k, &b); break;
    case 2: ok = v->kind == YT_SCALAR && v->len ? keypath(c, v, v->text, k, &b) : false; break;
    default: ok = enrichment(c, v, k, &b); break;
    }
    if (!ok && (which == 0 || which == 2) && (v->kind != YT_SCALAR || !v->len))
        sg_error(c->rs, c->file, v->line, v->col, "%s is a non-empty string", specifiers[which]);
    if (!ok) return false;
    k->path = case_free(c, &b);
    k->text = key_text(c, which, v);
    return true;
}

bool px_is_key_map(const yt_node *n) {
    if (n->kind != YT_MAP || n->n != 1) return false;
    for (size_t i = 0; i < 4; i++)
        if (yt_get(n, specifiers[i])) return true;
    return false;
}

sg_node *px_at_indices(const px *c, const px_key *k, sg_node *t) {
    for (size_t i = k->nidx; i-- > 0;) {
        sg_node *e = sg_node_new(c->rs->arena, SG_N_EACH, 1);
        e->kids[0] = t;
        e->path = k->idx[i].array;
        e->quant = SG_AT;
        e->index = k->idx[i].index;
        t = e;
    }
    return t;
}
