/* atom.c: the literal a regular expression cannot match without.
 *
 * Rules that test a field by regex alone have no literal guard, and so ran
 * on every event of their logsource (ten PowerShell-module rules on every
 * module event, each regex over a 5 KB Payload). Yet most of those
 * patterns spell out a word every match holds: "cmd.{0,5}(?:/c|/r).+
 * powershell.+" cannot match a text without "powershell". That word,
 * looked for case aside, is a necessary condition as good as a contains
 * test, so the compiler guards the rule with one.
 *
 * The pattern is read at its top level only, left to right, as a sequence
 * of items: a literal character extends the current run; a class, a group,
 * an anchor or any escape for more than one character ends it; a
 * quantifier that allows none of its item takes that item back off the
 * run, one that asks for at least one keeps it but ends the run. An
 * alternative at the top level means no run is certain, and any syntax not
 * read here (quoting, comments, callouts, POSIX classes, escapes with
 * arguments, extended mode, a verb that accepts a match early) gives up:
 * no atom is always a safe answer.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "atom.h"
#include "vm/vm.h"

typedef struct reader {
    const char *re, *end;
    char *out;          /* the longest run so far at out[0, best) ... */
    size_t best, start; /* ... and the current one at out[start, start + len) */
    size_t len;
} reader;

static void end_run(reader *r) {
    if (r->len > r->best) {
        memmove(r->out, r->out + r->start, r->len);
        r->best = r->len;
    }
    r->start = r->best;
    r->len = 0;
}

/* Past the group or class that opens at p (its '(' or '['), or NULL. */
static const char *past_bracket(const char *p, const char *end) {
    int depth = 0;
    bool in_class = false;
    for (; p < end; p++) {
        if (*p == '\\') {
            if (++p == end) return NULL;
        } else if (in_class) {
            if (*p == ']') {
                in_class = false;
                if (!depth) return p + 1;
            }
        } else if (*p == '[') {
            in_class = true;
            if (p + 1 < end && p[1] == '^') p++;
            if (p + 1 < end && p[1] == ']') p++; /* a ']' first is a member */
        } else if (*p == '(') {
            depth++;
        } else if (*p == ')' && --depth == 0) {
            return p + 1;
        }
    }
    return NULL;
}

/* A quantifier at p: how many of its item it asks for at least (0 or 1,
   as far as a run is concerned); p moves past it. -1: none there. */
static int quantifier(const char **p, const char *end) {
    const char *q = *p;
    int at_least;
    if (q == end) return -1;
    if (*q == '*' || *q == '?') {
        at_least = 0;
        q++;
    } else if (*q == '+') {
        at_least = 1;
        q++;
    } else if (*q == '{') {
        /* {n}, {n,}, {n,m} or {,m}; anything else PCRE2 reads as text */
        const char *r = q + 1;
        bool digits = false, comma = false;
        for (; r < end && *r != '}'; r++) {
            if (*r == ',' && !comma)
                comma = true;
            else if (*r >= '0' && *r <= '9')
                digits = true;
            else
                return -1;
        }
        if (r == end || !digits) return -1;
        at_least = q[1] >= '1' && q[1] <= '9';
        q = r + 1;
    } else {
        return -1;
    }
    if (q < end && (*q == '?' || *q == '+')) q++; /* lazy, possessive */
    *p = q;
    return at_least;
}

/* Whether the group at p ("(?...") sets extended mode ("(?x)", "(?^x)",
   "(?i-x:") or is a callout, which change how the rest reads. */
static bool unreadable_group(const char *p, const char *end) {
    if (p + 2 >= end || p[1] != '?') return false;
    if (p[2] == 'C') return true;
    for (p += 2; p < end && (((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') || *p == '-' || *p == '^');
         p++)
        if (*p == 'x') return true;
    return false;
}

/* Escapes of one character class or assertion that consume nothing more. */
static bool simple_escape(char c) {
    return c && strchr("dDsSwWbBAZzGhHvVRXKnrtfea", c);
}

/* Syntax anywhere in a pattern that changes how brackets and the rest
   read, which past_bracket does not follow: quoting (\Q...\E, "[\E]o]"
   is a class of ']' and 'o'), comments (which may hold brackets), POSIX
   classes inside a class ("[[:alpha:]]" ends at its second ']'), and
   (*ACCEPT), which ends a match where it stands, even deep in a group, so
   that what the pattern spells after it may never be read. */
static bool unreadable(const char *re, size_t n) {
    static const char *const marks[] = {"(?#", "[:", "[.", "[=", "(*ACCEPT"};
    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
        if (memmem(re, n, marks[i], strlen(marks[i]))) return true;
    for (size_t i = 0; i + 1 < n; i++)
        if (re[i] == '\\' && (re[++i] == 'Q' || re[i] == 'E')) return true;
    return false;
}

static bool ascii_letter(char c) {
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

/* The longest run; without letters, ASCII letters end runs as classes do. */
static size_t longest_run(const char *re, size_t n, char *out, bool letters) {
    if (unreadable(re, n)) return 0;
    reader r = {.re = re, .end = re + n, .out = out};
    const char *p = re;
    while (p < r.end) {
        char c = *p;
        bool literal = false;
        if (c == '\\') {
            if (p + 1 == r.end) return 0;
            c = p[1];
            p += 2;
            if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) {
                if (!simple_escape(c)) return 0;
                end_run(&r);
            } else if ((unsigned char)c < 0x80) {
                literal = true; /* an escaped punctuation byte is itself */
            } else {
                end_run(&r);
            }
        } else if (c == '(' || c == '[') {
            if (c == '(' && unreadable_group(p, r.end)) return 0;
            end_run(&r);
            if (!(p = past_bracket(p, r.end))) return 0;
        } else if (c == '|' || c == ')') {
            return 0;
        } else if (c == '.' || c == '^' || c == '$') {
            end_run(&r);
            p++;
        } else if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f) {
            end_run(&r);
            p++;
        } else if (!letters && ascii_letter(c)) {
            end_run(&r);
            p++;
        } else {
            literal = true;
            p++;
        }
        if (literal) r.out[r.start + r.len++] = c;
        int at_least = quantifier(&p, r.end);
        if (at_least < 0) continue;
        /* A quantified literal is the last byte of the run: kept once if
           it must occur, else taken back; either way the run ends. */
        if (literal && at_least == 0) r.len--;
        end_run(&r);
    }
    end_run(&r);
    return r.best;
}

size_t cp_regex_atom(const char *re, size_t n, char *out) {
    return longest_run(re, n, out, true);
}

size_t cp_regex_exact_run(const char *re, size_t n, char *out) {
    return longest_run(re, n, out, false);
}

size_t cp_needed_literal(const sg_test *t, char *out) {
    switch (t->op) {
    case SG_EQ:
    case SG_PREFIX:
    case SG_SUFFIX:
    case SG_CONTAINS:
        if (out && t->str_len) memcpy(out, t->str, t->str_len);
        return t->str_len;
    case SG_GLOB:
    case SG_REGEX: break;
    default: return 0;
    }
    char *scratch = out ? out : malloc(t->str_len ? t->str_len : 1);
    if (!scratch) abort();
    size_t n = t->op == SG_GLOB ? sv_glob_piece(t->str, (uint32_t)t->str_len, scratch)
                                : cp_regex_atom(t->str, t->str_len, scratch);
    if (!out) free(scratch);
    return n >= CP_MIN_ATOM ? n : 0;
}
