/* condition.h: the contract between the condition parser's three parts, the
   lexer (cond_lex.re), the lemon grammar (cond_parse.y, whose %include takes
   this header) and condition.c, which defines the grammar's actions and
   drives the lexer and the parser. Internal to sigma/. */
#ifndef SIGVM_CONDITION_H
#define SIGVM_CONDITION_H

#include <stdbool.h>
#include <stddef.h>

#include "sigma.h"

/* A token: where it lies in the condition text. */
typedef struct sg_cond_tok {
    size_t off, len;
} sg_cond_tok;
typedef struct sg_cond_parse sg_cond_parse; /* defined in condition.c */
typedef struct sg_cond_list sg_cond_list;   /* defined in condition.c */

/* The lexer (cond_lex.re): scans the token at *cursor. */
int sg_cond_lex(const char **cursor, const char **start, char *err, size_t errlen);

/* The parser lemon generates (cond_parse.y). */
void *sg_cond_parserAlloc(void *(*alloc)(size_t));
void sg_cond_parser(void *parser, int major, sg_cond_tok minor, sg_cond_parse *ps);
void sg_cond_parserFree(void *parser, void (*release)(void *));

/* The grammar's actions (condition.c). */
sg_cond_list *sg_cond_list_add(sg_cond_parse *ps, sg_cond_list *list, sg_node *node);
sg_node *sg_cond_list_node(sg_cond_parse *ps, sg_node_kind kind, sg_cond_list *list);
sg_node *sg_cond_not(sg_cond_parse *ps, sg_node *operand);
sg_node *sg_cond_ident(sg_cond_parse *ps, sg_cond_tok name);
sg_node *sg_cond_of(sg_cond_parse *ps, sg_node_kind kind, sg_cond_tok pattern, bool them);
void sg_cond_accept(sg_cond_parse *ps, sg_node *tree);
void sg_cond_fail(sg_cond_parse *ps, size_t off, const char *msg);
void sg_cond_syntax_error(sg_cond_parse *ps, int major, sg_cond_tok tok);
void sg_cond_too_deep(sg_cond_parse *ps);

#endif
