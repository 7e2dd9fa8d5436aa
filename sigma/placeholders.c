/* placeholders.c: the |expand modifier. A value such as "%Admins%" stands
   for every value the placeholder file gives that name; the file is a YAML
   map of names to a value or a list (a pySigma pipeline's "vars:" map is
   accepted too, since rule authors already keep them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "placeholders.h"
#include "yaml_tree.h"

yt_node *sg_placeholders_load_buffer(sg_ruleset *rs, const char *name, const char *buf,
                                     size_t len) {
    rs->placeholders_read = true;
    char err[512];
    yt_stream st;
    int line, col;
    if (!yt_parse(rs->arena, buf, len, &st, err, sizeof err, &line, &col))
        return sg_error(rs, name, line, col, "%s", err);
    yt_node *map = st.ndocs ? st.docs[0] : NULL;
    if (yt_get(map, "vars")) map = yt_get(map, "vars");
    if (!map || map->kind != YT_MAP)
        return sg_error(rs, name, 1, 1, "placeholder file must be a map of names to values");
    rs->placeholders = map;
    return map;
}

yt_node *sg_placeholders(sg_ruleset *rs) {
    if (rs->placeholders_read) return rs->placeholders;
    rs->placeholders_read = true;
    const char *path = rs->opt.placeholder_file;
    if (!path) return NULL;
    char err[512];
    size_t len;
    char *buf = sg_read_file(path, &len, err, sizeof err);
    if (!buf) return sg_error(rs, path, 0, 0, "placeholder file: %s", err);
    yt_node *map = sg_placeholders_load_buffer(rs, path, buf, len);
    free(buf);
    return map;
}

/* The name of the placeholder at s[i] ("%name%"), or 0 when there is none. */
static size_t placeholder_at(const char *s, size_t n, size_t i) {
    if (s[i] != '%') return 0;
    size_t j = i + 1;
    while (j < n && s[j] != '%' && s[j] != ' ' && s[j] != '\\')
        j++;
    return j < n && s[j] == '%' && j > i + 1 ? j - i - 1 : 0;
}

static const char *lookup(sg_ruleset *rs, const char *name, size_t len, const yt_node **vals) {
    const yt_node *map = sg_placeholders(rs);
    if (!map)
        return rs->opt.placeholder_file ? "placeholder file could not be read"
                                        : "needs a placeholder file (--placeholders FILE)";
    for (size_t i = 0; i < map->n; i++) {
        const yt_node *k = map->items[2 * i];
        if (k->kind == YT_SCALAR && k->len == len && !memcmp(k->text, name, len)) {
            *vals = map->items[2 * i + 1];
            return NULL;
        }
    }
    return "is not defined in the placeholder file";
}

/* Most bytes all the variants of one value may take together. A value that
   names its own placeholder grows at every step, and each step copies and
   rescans it: without this bound, a few steps short of the step limit cost
   gigabytes and minutes. */
enum { EXPAND_MAX_BYTES = 1 << 20 };

/* Replaces the first placeholder of each variant by each of its values,
   until none is left; every combination is kept. */
const char *sg_expand(sg_ruleset *rs, const char *src, size_t n, sg_blist *out, char *name,
                      size_t namelen) {
    sg_vec todo = {0}, done = {0};
    sg_bytes *first = sg_alloc(rs->arena, sizeof *first);
    *first = (sg_bytes){sg_strndup(rs->arena, src, n), n};
    sg_vec_push(&todo, first);
    const char *err = NULL;
    size_t steps = 0, bytes = n; /* a value that names its own placeholder must not loop */
    while (todo.n && !err) {
        if (++steps > 4 * SG_VARIANTS_MAX) {
            err = "expands to too many values (or refers to itself)";
            break;
        }
        sg_bytes *b = todo.v[--todo.n];
        size_t at = 0, len = 0;
        while (at < b->n && !(len = placeholder_at(b->p, b->n, at)))
            at++;
        if (!len) {
            sg_vec_push(&done, b);
            continue;
        }
        snprintf(name, namelen, "%.*s", (int)len, b->p + at + 1);
        const yt_node *vals;
        if ((err = lookup(rs, b->p + at + 1, len, &vals))) break;
        size_t nv = vals->kind == YT_SEQ ? vals->n : 1;
        for (size_t i = 0; i < nv && !err; i++) {
            const yt_node *v = vals->kind == YT_SEQ ? vals->items[i] : vals;
            if (v->kind != YT_SCALAR) {
                err = "has a value that is not a string";
                break;
            }
            if (todo.n + done.n >= SG_VARIANTS_MAX) {
                err = "expands to too many values";
                break;
            }
            size_t m = b->n - len - 2 + v->len;
            if ((bytes += m) > EXPAND_MAX_BYTES) {
                err = "expands to more than 1 MiB of values (or refers to itself)";
                break;
            }
            sg_bytes *e = sg_alloc(rs->arena, sizeof *e);
            e->p = sg_alloc(rs->arena, m + 1);
            e->n = m;
            memcpy(e->p, b->p, at);
            memcpy(e->p + at, v->text, v->len);
            memcpy(e->p + at + v->len, b->p + at + len + 2, b->n - at - len - 2);
            sg_vec_push(&todo, e);
        }
    }
    if (!err) {
        out->n = done.n;
        out->v = sg_alloc(rs->arena, (done.n ? done.n : 1) * sizeof *out->v);
        for (size_t i = 0; i < done.n; i++)
            out->v[i] = *(sg_bytes *)done.v[i];
    }
    sg_vec_free(&todo);
    sg_vec_free(&done);
    return err;
}
