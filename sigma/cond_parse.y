/* cond_parse.y: the grammar of a Sigma detection condition (lemon).

   Precedence, loosest to tightest: 'or', 'and', 'not', then the primaries
   ('x of pattern', a search identifier, parentheses). Each level has its
   own nonterminal rather than %left/%right declarations, so that a run of
   'a or b or c' is collected into one list and becomes a single n-ary node:
   a left-deep binary tree would grow as deep as the run is long, and every
   later pass over the tree recurses on depth.

   The actions only say what to build; condition.c resolves names and
   allocates nodes. The parser stack is fixed (%stack_size): nesting beyond
   it is reported, not grown, which also bounds the depth of the tree. */

%name sg_cond_parser
%token_prefix TK_
%token_type {sg_cond_tok}
%extra_argument {sg_cond_parse *ps}
%stack_size 1000

%include {
#include <stdbool.h>
#include <stddef.h>

#include "sigma.h"

/* The grammar's side of its contract with condition.c, which defines all of
   this (the token type too) and feeds the parser. */
typedef struct sg_cond_tok {
    size_t off, len; /* where the token lies in the condition text */
} sg_cond_tok;
typedef struct sg_cond_parse sg_cond_parse;
typedef struct sg_cond_list sg_cond_list;

sg_cond_list *sg_cond_list_add(sg_cond_parse *ps, sg_cond_list *list, sg_node *node);
sg_node *sg_cond_list_node(sg_cond_parse *ps, sg_node_kind kind, sg_cond_list *list);
sg_node *sg_cond_not(sg_cond_parse *ps, sg_node *node);
sg_node *sg_cond_ident(sg_cond_parse *ps, sg_cond_tok name);
sg_node *sg_cond_of(sg_cond_parse *ps, sg_node_kind kind, sg_cond_tok pattern, bool them);
void sg_cond_accept(sg_cond_parse *ps, sg_node *tree);
void sg_cond_fail(sg_cond_parse *ps, size_t off, const char *msg);
void sg_cond_syntax_error(sg_cond_parse *ps, int major, sg_cond_tok tok);
void sg_cond_too_deep(sg_cond_parse *ps);
}

%syntax_error { sg_cond_syntax_error(ps, yymajor, TOKEN); }
%stack_overflow { sg_cond_too_deep(ps); }

/* Fixes the token codes in the order a reader expects them. */
%token OR AND NOT LP RP OF THEM ALL ANY ONE NUMBER IDENT.

%type or_list {sg_cond_list *}
%type and_list {sg_cond_list *}
%type term {sg_node *}
%type quantifier {sg_node_kind}

condition ::= or_list(L).  { sg_cond_accept(ps, sg_cond_list_node(ps, SG_N_OR, L)); }

or_list(A) ::= and_list(L).  { A = sg_cond_list_add(ps, NULL, sg_cond_list_node(ps, SG_N_AND, L)); }
or_list(A) ::= or_list(B) OR and_list(L).  {
    A = sg_cond_list_add(ps, B, sg_cond_list_node(ps, SG_N_AND, L));
}

and_list(A) ::= term(T).  { A = sg_cond_list_add(ps, NULL, T); }
and_list(A) ::= and_list(B) AND term(T).  { A = sg_cond_list_add(ps, B, T); }

term(A) ::= NOT term(T).  { A = sg_cond_not(ps, T); }
term(A) ::= LP or_list(L) RP.  { A = sg_cond_list_node(ps, SG_N_OR, L); }
term(A) ::= IDENT(N).  { A = sg_cond_ident(ps, N); }
term(A) ::= quantifier(Q) OF IDENT(P).  { A = sg_cond_of(ps, Q, P, false); }
term(A) ::= quantifier(Q) OF THEM(P).  { A = sg_cond_of(ps, Q, P, true); }

quantifier(A) ::= ONE.  { A = SG_N_OR; }
quantifier(A) ::= ANY.  { A = SG_N_OR; }
quantifier(A) ::= ALL.  { A = SG_N_AND; }
quantifier(A) ::= NUMBER(N).  {
    A = SG_N_OR;
    sg_cond_fail(ps, N.off, "only '1 of' is defined by Sigma");
}
