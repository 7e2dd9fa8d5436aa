/*
 * values.h: the value layer of Sigma string modifiers (sigma/ only).
 *
 * One YAML scalar plus its modifiers becomes one or more (op, bytes) tests.
 * The steps, in the order sg_string_tests applies them:
 *
 *   Sigma source --sg_windash--> Sigma sources --sg_pattern--> canonical
 *   [with encoders: --sg_literal--> raw bytes --sg_encode...--> raw bytes
 *    --sg_escape--> canonical] --sg_classify(anchor)--> SG_EQ / SG_PREFIX /
 *   SG_SUFFIX / SG_CONTAINS / SG_GLOB
 *
 * windash rewrites the source text, so wildcards keep working in every
 * variant; encoders see the value as a literal (a wildcard cannot survive
 * base64), and their output is escaped so that a '*' byte they produce is
 * never taken for a wildcard. Everything returned lives in the arena. A
 * function that can fail returns NULL on success or a message (static or in
 * the arena) to which the caller adds file:line:col.
 */
#ifndef SIGVM_VALUES_H
#define SIGVM_VALUES_H

#include "sigma_int.h"

/* A byte string; p is NUL-terminated for convenience, but n counts and the
   bytes may hold NULs (UTF-16 output). */
typedef struct sg_bytes {
    char *p;
    size_t n;
} sg_bytes;

/* The alternatives one value stands for; Sigma ORs them. */
typedef struct sg_blist {
    sg_bytes *v;
    size_t n;
} sg_blist;

/* Most alternatives one value may expand to (windash, base64offset): four
   windash flags (625) fit, a fifth is refused rather than compiled into
   thousands of tests. */
enum { SG_VARIANTS_MAX = 1024 };

/* A list of one element: a copy of s[0..n). */
sg_blist sg_blist_one(sg_arena *a, const char *s, size_t n);

/* ---- encoders: raw bytes to raw bytes ---- */

typedef enum sg_encoding {
    SG_ENC_UTF16LE,     /* utf16le, wide: UTF-8 to UTF-16LE, no BOM */
    SG_ENC_UTF16BE,     /* utf16be: UTF-8 to UTF-16BE, no BOM */
    SG_ENC_UTF16,       /* utf16: BOM FF FE, then UTF-16LE */
    SG_ENC_BASE64,      /* base64: standard alphabet, '=' padded */
    SG_ENC_BASE64OFFSET /* base64offset: the 3 position-independent variants */
} sg_encoding;

/* The encoder a modifier name stands for ("wide" is utf16le); false when the
   name is not an encoder. */
bool sg_encoding_by_name(const char *name, sg_encoding *enc);

/* Encodes every element of in; out has as many elements (three times as many
   for base64offset, variants of one input adjacent, shift 0, 1, 2). Fails on
   invalid UTF-8 (utf16*), on a value too short for base64offset to leave
   anything of it (under 2 bytes), or beyond SG_VARIANTS_MAX. in and out may
   be the same list. */
const char *sg_encode(sg_arena *a, sg_encoding enc, const sg_blist *in, sg_blist *out);

/* ---- windash: Sigma source to Sigma source ---- */

/* Every '-' or '/' that starts a flag (pySigma's \B[-/]\b: no word character
   before it, a word character after it) becomes each of - / U+2013 U+2014
   U+2015; out holds every combination (5^k per input of k flags, the input's
   own spelling among them). Wildcards and backslashes count as non-word
   characters; non-ASCII characters count as word characters except Latin-1
   and General Punctuation symbols. Fails beyond SG_VARIANTS_MAX. in and out
   may be the same list. */
const char *sg_windash(sg_arena *a, const sg_blist *in, sg_blist *out);

/* ---- wildcards: Sigma source, canonical glob form, raw literals ---- */

/* Sigma source to canonical glob form (sigma.h): '*' and '?' are wildcards;
   a backslash escapes '*', '?' or '\' and stands for itself before anything
   else or at the end. So "C:\Windows" is itself, "C:\Windows\*" ends in a
   literal star, "C:\Windows\\*" in a backslash then a wildcard, "\\\*" is
   a backslash then a star. */
sg_bytes sg_pattern(sg_arena *a, const char *src, size_t n);

/* Raw bytes to canonical form: escapes every '*', '?' and '\'. */
sg_bytes sg_escape(sg_arena *a, const char *raw, size_t n);

/* Canonical form to the raw bytes it matches exactly; fails when the pattern
   has a wildcard, since an encoder has no way to carry one. */
const char *sg_literal(sg_arena *a, const sg_bytes *pat, sg_bytes *out);

/* The '*' a contains / startswith / endswith modifier adds to a value. */
typedef enum sg_anchor {
    SG_ANCHOR_NONE,
    SG_ANCHOR_CONTAINS,   /* '*' on both sides */
    SG_ANCHOR_STARTSWITH, /* '*' after */
    SG_ANCHOR_ENDSWITH    /* '*' before */
} sg_anchor;

/* A string test: op is SG_EQ, SG_PREFIX, SG_SUFFIX, SG_CONTAINS (str is a
   raw literal) or SG_GLOB (str is canonical). */
typedef struct sg_strtest {
    sg_op op;
    sg_bytes str;
} sg_strtest;

/* Classifies a canonical pattern once the anchor's '*' are added (none is
   added where the pattern already has one, as pySigma does). When its only
   wildcards are '*' runs at the ends, the answer is a literal op on the
   unescaped middle: "foo" EQ, "foo*" PREFIX, "*foo" SUFFIX, "*foo*"
   CONTAINS; "" without anchor is EQ "". A pattern of nothing but '*' (also
   "" with an anchor) is SG_GLOB "*": any string value, which the caller may
   fold into a type test. Anything else ('?', an inner '*') is SG_GLOB with
   the anchored pattern, runs of '*' collapsed to one. */
sg_strtest sg_classify(sg_arena *a, const sg_bytes *pat, sg_anchor anchor);

/* ---- the whole chain ---- */

/* The modifiers that shape one string value. */
typedef struct sg_strmods {
    bool windash;
    const sg_encoding *enc; /* applied in this order (the rule's order) */
    size_t nenc;
    sg_anchor anchor;
} sg_strmods;

/* Turns the Sigma source src[0..n) into the tests it stands for (ORed):
   windash, then parsing, then the encoders on the literal, then the anchor.
   Fails on wildcards under an encoder and on every sg_encode / sg_windash
   error. */
const char *sg_string_tests(sg_arena *a, const char *src, size_t n, const sg_strmods *m,
                            sg_strtest **out, size_t *nout);

#endif
