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
/* The grammar's side of its contract with condition.c, which defines the
   actions and feeds the parser. */
#include "condition.h"
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
