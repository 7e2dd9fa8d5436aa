/* atom.h: literals that any text a pattern matches must hold (compiler/
   only; guard.c turns them into literal guards). */
#ifndef SIGVM_ATOM_H
#define SIGVM_ATOM_H

#include <stddef.h>

#include "sigma/sigma.h"

/* The longest run of ASCII that every match of PCRE2 pattern re (n bytes)
   holds, ASCII case aside, into out (room for n bytes): its length, 0 when
   the pattern is beyond this reading (an alternative at the top, escapes
   that are not single characters, extended syntax) or has no such run. */
size_t cp_regex_atom(const char *re, size_t n, char *out);

/* The same without ASCII letters: the longest run of other bytes that
   every match holds byte for byte, whatever the pattern's case flags (a
   letter ends a run). */
size_t cp_regex_exact_run(const char *re, size_t n, char *out);

/* Shorter atoms of a pattern tell too little to guard a rule. */
#define CP_MIN_ATOM 4

/* The literal that test t cannot hold without: its own for equals,
   startswith, endswith and contains; for a glob its longest piece, for a
   regex its atom, as a contains literal (of CP_MIN_ATOM bytes at least).
   Written to out (room for t->str_len bytes; NULL: only its length is
   wanted); returns its length, 0 when there is none. */
size_t cp_needed_literal(const sg_test *t, char *out);

#endif
