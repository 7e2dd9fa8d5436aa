/* condition.c: turns a Sigma condition into a tree over the detection's
   searches.

   The lexer (cond_lex.re) cuts the text into tokens and the lemon grammar
   (cond_parse.y) decides the shape; the functions here are the grammar's
   actions, which resolve names against the sg_cond_env and build nodes,
   and sg_parse_condition, which drives the two. All state lives in one
   sg_cond_parse on the caller's stack, so parses may run in parallel. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cond_parse.h"
#include "condition.h"
#include "sigma.h"

struct sg_cond_parse {
    const sg_cond_env *env;
    const char *text;
    char *err;
    size_t errlen;
    size_t err_off;
    bool failed;     /* the first error is the one reported */
    size_t at;       /* offset of the token being fed, for a stack overflow */
    size_t ntokens;  /* tokens fed so far: none means an empty condition */
    size_t depth;    /* '(' fed and not yet closed */
    sg_node *result; /* set when the grammar accepts */
};

/* An or_list / and_list under construction, newest operand first; each cell
   knows the length up to itself, so the finished node is sized at once. */
struct sg_cond_list {
    sg_node *node;
    sg_cond_list *prev;
    size_t n;
};

/* Names in messages are cut short so that a runaway token cannot push the
   rest of the message out of the caller's buffer. */
static int shown(size_t len) {
    return len > 64 ? 64 : (int)len;
}

static void failf(sg_cond_parse *ps, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void failf(sg_cond_parse *ps, size_t off, const char *fmt, ...) {
    if (ps->failed) return;
    ps->failed = true;
    ps->err_off = off;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err, ps->errlen, fmt, ap);
    va_end(ap);
}

void sg_cond_fail(sg_cond_parse *ps, size_t off, const char *msg) {
    failf(ps, off, "%s", msg);
}

void sg_cond_syntax_error(sg_cond_parse *ps, int major, sg_cond_tok tok) {
    if (major == 0 && ps->ntokens == 0)
        failf(ps, tok.off, "condition is empty");
    else if (major == 0)
        failf(ps, tok.off, "condition ends too early%s", ps->depth ? ": missing ')'" : "");
    else if (major == TK_RP && ps->depth == 0)
        failf(ps, tok.off, "unmatched ')'");
    else
        failf(ps, tok.off, "unexpected '%.*s'", shown(tok.len), ps->text + tok.off);
}

void sg_cond_too_deep(sg_cond_parse *ps) {
    failf(ps, ps->at, "condition nested too deeply");
}

void sg_cond_accept(sg_cond_parse *ps, sg_node *tree) {
    ps->result = tree;
}

sg_cond_list *sg_cond_list_add(sg_cond_parse *ps, sg_cond_list *list, sg_node *node) {
    sg_cond_list *cell = sg_alloc(ps->env->arena, sizeof *cell);
    cell->node = node;
    cell->prev = list;
    cell->n = list ? list->n + 1 : 1;
    return cell;
}

/* A one-operand list is its operand: no 1-kid AND / OR in the tree. */
sg_node *sg_cond_list_node(sg_cond_parse *ps, sg_node_kind kind, sg_cond_list *list) {
    if (list->n == 1) return list->node;
    sg_node *node = sg_node_new(ps->env->arena, kind, list->n);
    for (size_t i = list->n; i-- > 0; list = list->prev)
        node->kids[i] = list->node;
    return node;
}

sg_node *sg_cond_not(sg_cond_parse *ps, sg_node *operand) {
    sg_node *node = sg_node_new(ps->env->arena, SG_N_NOT, 1);
    node->kids[0] = operand;
    return node;
}

sg_node *sg_cond_ident(sg_cond_parse *ps, sg_cond_tok name) {
    const sg_cond_env *env = ps->env;
    const char *s = ps->text + name.off;
    for (size_t i = 0; i < env->nidents; i++)
        if (strncmp(env->idents[i], s, name.len) == 0 && env->idents[i][name.len] == '\0')
            return env->searches[i];
    int n = shown(name.len);
    const char *after = s + name.len;
    while (*after == ' ' || *after == '\t')
        after++;
    if (*after == '(')
        failf(ps, name.off,
              "legacy aggregation '%.*s(...)' is not supported; use a Sigma correlation rule", n,
              s);
    else if (memchr(s, '*', name.len) || memchr(s, '?', name.len))
        failf(ps, name.off, "'%.*s' is a pattern; write '1 of %.*s' or 'all of %.*s'", n, s, n, s,
              n, s);
    else
        failf(ps, name.off, "unknown identifier '%.*s'", n, s);
    return NULL;
}

/* '*' matches any run and '?' one byte. On a mismatch only the latest '*'
   needs to take one more byte: earlier ones could not do better. */
static bool glob_match(const char *pat, const char *pat_end, const char *s) {
    const char *star = NULL, *star_s = NULL;
    while (*s) {
        if (pat < pat_end && *pat == '*') {
            star = ++pat;
            star_s = s;
        } else if (pat < pat_end && (*pat == '?' || *pat == *s)) {
            pat++;
            s++;
        } else if (star) {
            pat = star;
            s = ++star_s;
        } else {
            return false;
        }
    }
    while (pat < pat_end && *pat == '*')
        pat++;
    return pat == pat_end;
}

/* Counts the searches the pattern selects and, given room, stores them in
   the order of the detection. 'them' leaves out names starting with '_',
   which Sigma reserves for helpers; a pattern may still name them. */
static size_t select_searches(const sg_cond_parse *ps, sg_cond_tok pattern, bool them,
                              sg_node **out) {
    const sg_cond_env *env = ps->env;
    const char *pat = ps->text + pattern.off;
    size_t n = 0;
    for (size_t i = 0; i < env->nidents; i++) {
        const char *id = env->idents[i];
        if (them ? id[0] == '_' : !glob_match(pat, pat + pattern.len, id)) continue;
        if (out) out[n] = env->searches[i];
        n++;
    }
    return n;
}

sg_node *sg_cond_of(sg_cond_parse *ps, sg_node_kind kind, sg_cond_tok pattern, bool them) {
    size_t n = select_searches(ps, pattern, them, NULL);
    if (n == 0) {
        failf(ps, pattern.off, "no search identifier matches '%.*s'", shown(pattern.len),
              ps->text + pattern.off);
        return NULL;
    }
    sg_node *one;
    if (n == 1) {
        select_searches(ps, pattern, them, &one);
        return one;
    }
    sg_node *node = sg_node_new(ps->env->arena, kind, n);
    select_searches(ps, pattern, them, node->kids);
    return node;
}

sg_node *sg_parse_condition(const sg_cond_env *env, const char *text, char *err, size_t errlen,
                            size_t *err_off) {
    sg_cond_parse ps = {.env = env, .text = text, .err = err, .errlen = errlen};
    void *parser = sg_cond_parserAlloc(malloc);
    if (!parser) abort();
    const char *cursor = text, *start;
    int code;
    do {
        code = sg_cond_lex(&cursor, &start, err, errlen);
        if (code < 0) {
            ps.failed = true;
            ps.err_off = (size_t)(start - text);
            break;
        }
        sg_cond_tok tok = {(size_t)(start - text), (size_t)(cursor - start)};
        ps.at = tok.off;
        sg_cond_parser(parser, code, tok, &ps);
        ps.ntokens++;
        if (code == TK_LP) ps.depth++;
        if (code == TK_RP && ps.depth > 0) ps.depth--;
    } while (code != 0 && !ps.failed);
    sg_cond_parserFree(parser, free);
    if (ps.failed) {
        if (err_off) *err_off = ps.err_off;
        return NULL;
    }
    return ps.result;
}
