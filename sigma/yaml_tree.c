/* yaml_tree.c: libyaml events to yt_node trees. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "yaml_tree.h"

typedef struct anchor {
    const char *name;
    yt_node *node;
} anchor;

typedef struct builder {
    sg_arena *a;
    yaml_parser_t parser;
    anchor *anchors;
    size_t nanchors;
    size_t aliases;
    char *err;
    size_t errlen;
    int line, col;
} builder;

/* Growable list of child pointers, moved into the arena when complete. */
typedef struct kids {
    yt_node **v;
    size_t n, cap;
} kids;

static void kids_push(kids *k, yt_node *n) {
    if (k->n == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 8;
        k->v = realloc(k->v, k->cap * sizeof *k->v);
        if (!k->v) abort();
    }
    k->v[k->n++] = n;
}

static bool fail(builder *b, const yaml_mark_t *m, const char *msg) {
    snprintf(b->err, b->errlen, "%s", msg);
    b->line = (int)m->line + 1;
    b->col = (int)m->column + 1;
    return false;
}

static bool next_event(builder *b, yaml_event_t *ev) {
    if (yaml_parser_parse(&b->parser, ev)) return true;
    const yaml_parser_t *p = &b->parser;
    snprintf(b->err, b->errlen, "YAML: %s%s%s", p->problem ? p->problem : "syntax error",
             p->context ? " " : "", p->context ? p->context : "");
    b->line = (int)p->problem_mark.line + 1;
    b->col = (int)p->problem_mark.column + 1;
    return false;
}

static void remember(builder *b, const yaml_char_t *name, yt_node *n) {
    if (!name) return;
    b->anchors = realloc(b->anchors, (b->nanchors + 1) * sizeof *b->anchors);
    if (!b->anchors) abort();
    b->anchors[b->nanchors++] =
        (anchor){sg_strndup(b->a, (const char *)name, strlen((const char *)name)), n};
}

static yt_node *new_node(builder *b, yt_kind kind, const yaml_mark_t *m) {
    yt_node *n = sg_alloc(b->a, sizeof *n);
    n->kind = kind;
    n->line = (int)m->line + 1;
    n->col = (int)m->column + 1;
    n->weight = 1;
    return n;
}

static bool parse_node(builder *b, yaml_event_t *ev, int depth, yt_node **out);

/* Reads children until the collection's end event. */
static bool parse_children(builder *b, yt_node *n, yaml_event_type_t end, int depth) {
    kids k = {0};
    for (;;) {
        yaml_event_t ev;
        if (!next_event(b, &ev)) goto fail;
        if (ev.type == end) {
            yaml_event_delete(&ev);
            break;
        }
        yt_node *child;
        bool ok = parse_node(b, &ev, depth + 1, &child);
        yaml_event_delete(&ev);
        if (!ok) goto fail;
        kids_push(&k, child);
    }
    n->n = n->kind == YT_MAP ? k.n / 2 : k.n;
    n->weight = 1;
    for (size_t i = 0; i < k.n; i++)
        n->weight += k.v[i]->weight;
    if (n->weight > YT_MAX_WEIGHT) {
        free(k.v);
        snprintf(b->err, b->errlen, "YAML aliases expand to more than %d nodes", YT_MAX_WEIGHT);
        b->line = n->line;
        b->col = n->col;
        return false;
    }
    n->items = sg_alloc(b->a, (k.n ? k.n : 1) * sizeof *n->items);
    if (k.n) memcpy(n->items, k.v, k.n * sizeof *k.v);
    free(k.v);
    return true;
fail:
    free(k.v);
    return false;
}

static bool parse_alias(builder *b, yaml_event_t *ev, yt_node **out) {
    if (++b->aliases > YT_MAX_ALIASES)
        return fail(b, &ev->start_mark, "too many YAML aliases (limit 10000)");
    const char *name = (const char *)ev->data.alias.anchor;
    for (size_t i = b->nanchors; i-- > 0;)
        if (strcmp(b->anchors[i].name, name) == 0) {
            *out = b->anchors[i].node;
            return true;
        }
    return fail(b, &ev->start_mark, "YAML alias to an unknown anchor");
}

static bool parse_node(builder *b, yaml_event_t *ev, int depth, yt_node **out) {
    if (depth > YT_MAX_DEPTH) return fail(b, &ev->start_mark, "YAML nested too deeply");
    yt_node *n;
    switch (ev->type) {
    case YAML_ALIAS_EVENT: return parse_alias(b, ev, out);
    case YAML_SCALAR_EVENT:
        n = new_node(b, YT_SCALAR, &ev->start_mark);
        n->text = sg_strndup(b->a, (const char *)ev->data.scalar.value, ev->data.scalar.length);
        n->len = ev->data.scalar.length;
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        remember(b, ev->data.scalar.anchor, n);
        break;
    case YAML_SEQUENCE_START_EVENT:
        /* Anchored only once complete, so an alias cannot point into its
           own collection and make a cycle. */
        n = new_node(b, YT_SEQ, &ev->start_mark);
        if (!parse_children(b, n, YAML_SEQUENCE_END_EVENT, depth)) return false;
        remember(b, ev->data.sequence_start.anchor, n);
        break;
    case YAML_MAPPING_START_EVENT:
        n = new_node(b, YT_MAP, &ev->start_mark);
        if (!parse_children(b, n, YAML_MAPPING_END_EVENT, depth)) return false;
        remember(b, ev->data.mapping_start.anchor, n);
        break;
    default: return fail(b, &ev->start_mark, "unexpected YAML event");
    }
    *out = n;
    return true;
}

/* Reads the next document; *doc is NULL at the end of the stream. */
static bool parse_document(builder *b, yt_node **doc) {
    yaml_event_t ev;
    *doc = NULL;
    if (!next_event(b, &ev)) return false;
    if (ev.type == YAML_STREAM_START_EVENT) {
        yaml_event_delete(&ev);
        if (!next_event(b, &ev)) return false;
    }
    if (ev.type == YAML_STREAM_END_EVENT) {
        yaml_event_delete(&ev);
        return true;
    }
    yaml_event_delete(&ev); /* DOCUMENT-START */
    if (!next_event(b, &ev)) return false;
    bool ok = parse_node(b, &ev, 0, doc);
    yaml_event_delete(&ev);
    if (!ok) return false;
    if (!next_event(b, &ev)) return false; /* DOCUMENT-END */
    yaml_event_delete(&ev);
    return true;
}

bool yt_parse(sg_arena *a, const char *buf, size_t len, yt_stream *out, char *err, size_t errlen,
              int *line, int *col) {
    builder b = {.a = a, .err = err, .errlen = errlen};
    if (!yaml_parser_initialize(&b.parser)) abort();
    yaml_parser_set_input_string(&b.parser, (const unsigned char *)buf, len);
    kids docs = {0};
    bool ok = true;
    for (;;) {
        yt_node *doc;
        if (!(ok = parse_document(&b, &doc))) break;
        if (!doc) break;
        kids_push(&docs, doc);
    }
    yaml_parser_delete(&b.parser);
    free(b.anchors);
    if (!ok) {
        *line = b.line;
        *col = b.col;
        free(docs.v);
        return false;
    }
    out->ndocs = docs.n;
    out->docs = sg_alloc(a, (docs.n ? docs.n : 1) * sizeof *out->docs);
    if (docs.n) memcpy(out->docs, docs.v, docs.n * sizeof *docs.v);
    free(docs.v);
    return true;
}

yt_node *yt_get(const yt_node *map, const char *key) {
    if (!map || map->kind != YT_MAP || !key) return NULL;
    for (size_t i = 0; i < map->n; i++) {
        const yt_node *k = map->items[2 * i];
        if (k->kind == YT_SCALAR && strcmp(k->text, key) == 0) return map->items[2 * i + 1];
    }
    return NULL;
}

bool yt_is_null(const yt_node *n) {
    if (n->kind != YT_SCALAR || !n->plain) return false;
    return n->len == 0 || !strcmp(n->text, "~") || !strcmp(n->text, "null") ||
           !strcmp(n->text, "Null") || !strcmp(n->text, "NULL");
}
