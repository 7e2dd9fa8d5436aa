/* test_compiler_atom.c: the literal a regex cannot match without: runs of
   literal characters at the top level, cut by classes, groups, anchors and
   escapes, shortened by quantifiers that allow none; nothing for an
   alternative at the top, escapes with arguments, quoting or extended
   syntax; and the longest run without letters, which holds the same under
   any case flag. Every atom and run is checked against PCRE2: the pattern
   matches a text built around it, and fails on that text with it broken. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compiler/atom.h"

static const struct {
    const char *re, *atom;
} cases[] = {
    /* SigmaHQ's PowerShell-module rules */
    {"cmd.{0,5}(?:/c|/r).+powershell.+(?:\\$\\{?input\\}?|noexit).+\"", "powershell"},
    {"(?i)&&set.*(\\{\\d\\}){2,}\\\\\"\\s+?-f.*&&.*cmd.*/c", "&&set"},
    {"\\$PSHome\\[\\s*\\d{1,3}\\s*\\]\\s*\\+\\s*\\$PSHome\\[", "$PSHome["},
    {"\\\\AppData\\\\Local\\\\Temp\\\\dat[0-9A-Z]{4}\\.tmp", "\\AppData\\Local\\Temp\\dat"},
    /* quantifiers */
    {"abcd?efg", "abc"},
    {"abcde+fg", "abcde"},
    {"abcde*fg", "abcd"},
    {"ab{2}cdef", "cdef"},
    {"abcdefg{1,3}hi", "abcdefg"},
    {"abcdefg{0,3}hi", "abcdef"},
    {"abcdefg{,3}hi", "abcdef"},
    {"abcdef+?gh", "abcdef"},
    {"abcdef*+gh", "abcde"},
    {"a{x}bcde", "a{x}bcde"}, /* a brace that starts no quantifier is itself */
    /* what cuts a run */
    {"x\\dyyyy", "yyyy"},
    {"[abc]defg", "defg"},
    {"[]abc]defgh", "defgh"},
    {"[^]x]defgh", "defgh"},
    {"[a\\]b]defgh", "defgh"},
    {"a(bcd)efgh", "efgh"},
    {"a(b(c)d)+efgh", "efgh"},
    {"^abcd$", "abcd"},
    {"abcd.efg", "abcd"},
    {"\\.exe\\b", ".exe"},
    {"ab\\\\cd", "ab\\cd"},
    {"caf\xc3\xa9s", "caf"},
    {"(?i)(?s)Invoke-Mimikatz", "Invoke-Mimikatz"},
    /* nothing certain, or not read */
    {"abcdef|ghijkl", ""},
    {"(abcdef|ghijkl)", ""},
    {"\\x41bcdefg", ""},
    {"\\101bcdefg", ""},
    {"\\Qabcdef\\E", ""},
    {"(?x)a b c d e f", ""},
    {"(?ix)abcdef", ""},
    {"(?#note)abcdef", ""},
    /* extended mode after "^", and a match accepted early (found by fuzz_atom) */
    {"(?^x)ab cdef", ""},
    {"(?i-x)abcdef", ""},
    {"ab(*ACCEPT)efgh", ""},
    {"abcd(x(*ACCEPT:n))efgh", ""},
    /* quoting inside a class, and POSIX classes (found by fuzz_atom) */
    {"[\\E]o]abcdef", ""},
    {"\\\\Explorer", "\\Explorer"}, /* an escaped backslash before an E */
    {"[[:alpha:]]abcd", ""},
    {"x(a(?#[)b)cdefg", ""},
    {"abc)defg", ""},
    {"abcd(efg", ""},
    /* braces that are no quantifier hide no alternative (found by fuzz_atom) */
    {"m{.{,.{,3|}", ""},
    {"abcd{x|y}", ""},
    {"", ""},
};

/* Runs without letters, which hold the same under any case flag. */
static const struct {
    const char *re, *run;
} exact_cases[] = {
    {"(?i)(set).*&&\\s?set.*(environment|invoke|\\$?\\{?input).*&&.*\"", "&&"},
    {"cmd.{0,5}(?:/c|/r).+clip(?:\\.exe)?.{0,4}&&.+clipboard]::\\(\\s", "]::("},
    {"abc-12x", "-12"},
    {"a\\.\\.b", ".."},
    {"ab-?cd", ""}, /* the '-' may be absent */
    {"a--|b--", ""},
    {"WhoAmI", ""},
};

static pcre2_code *compile(const char *re) {
    int code;
    PCRE2_SIZE off;
    pcre2_code *c =
        pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code, &off, NULL);
    if (!c) fail_msg("%s: refused by PCRE2", re);
    return c;
}

static bool matches(pcre2_code *c, const char *text) {
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    int rc = pcre2_match(c, (PCRE2_SPTR)text, strlen(text), 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return rc >= 0;
}

static void atoms(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *re = cases[i].re;
        char out[256];
        size_t n = cp_regex_atom(re, strlen(re), out);
        if (n != strlen(cases[i].atom) || memcmp(out, cases[i].atom, n))
            fail_msg("%s: atom \"%.*s\", expected \"%s\"", re, (int)n, out, cases[i].atom);
    }
}

static void exact_runs(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof exact_cases / sizeof *exact_cases; i++) {
        const char *re = exact_cases[i].re;
        char out[256];
        size_t n = cp_regex_exact_run(re, strlen(re), out);
        if (n != strlen(exact_cases[i].run) || memcmp(out, exact_cases[i].run, n))
            fail_msg("%s: exact run \"%.*s\", expected \"%s\"", re, (int)n, out,
                     exact_cases[i].run);
    }
}

/* A text a pattern matches, from the cases above, and the same text with
   its atom's last byte changed: the pattern matches the first and not the
   second, which it could not without the atom. */
static const struct {
    const char *re, *text;
} witnesses[] = {
    {"cmd.{0,5}(?:/c|/r).+powershell.+(?:\\$\\{?input\\}?|noexit).+\"",
     "cmd /c x powershell -noexit \""},
    {"\\$PSHome\\[\\s*\\d{1,3}\\s*\\]\\s*\\+\\s*\\$PSHome\\[", "$PSHome[ 21 ] + $PSHome["},
    {"\\\\AppData\\\\Local\\\\Temp\\\\dat[0-9A-Z]{4}\\.tmp",
     "C:\\AppData\\Local\\Temp\\datAB12.tmp"},
    {"abcd?efg", "abcefg"},
    {"abcde+fg", "abcdeeefg"},
    {"abcdefg{0,3}hi", "abcdefhi"},
    {"a{x}bcde", "a{x}bcde"},
    {"[]abc]defgh", "]defgh"},
    {"(?i)(?s)Invoke-Mimikatz", "invoke-mimikatz"},
};

/* The same for runs without letters, found byte for byte (case kept:
   the pattern is compiled caseless where it says so itself). */
static const struct {
    const char *re, *text;
} exact_witnesses[] = {
    {"(?i)(set).*&&\\s?set.*(environment|invoke|\\$?\\{?input).*&&.*\"",
     "SET a && set INPUT && \""},
    {"abc-12x", "abc-12x"},
    {"a\\.\\.b", "a..b"},
};

/* Checks that pattern re matches text and no longer does once the first
   occurrence of needed (n bytes; ASCII case aside if caseless) has its
   last byte changed. */
static void needed_in(const char *re, const char *witness, const char *needed, size_t n,
                      bool caseless) {
    char text[256];
    pcre2_code *c = compile(re);
    snprintf(text, sizeof text, "%s", witness);
    if (!matches(c, text)) fail_msg("%s does not match %s", re, text);
    char *at = NULL;
    for (char *p = text; *p && !at; p++)
        if (caseless ? !strncasecmp(p, needed, n) : !strncmp(p, needed, n)) at = p;
    if (!at) fail_msg("%s matches %s, which lacks %.*s", re, text, (int)n, needed);
    at[n - 1] = at[n - 1] == '#' ? '%' : '#';
    if (matches(c, text)) fail_msg("%s matches %s without %.*s", re, text, (int)n, needed);
    pcre2_code_free(c);
}

static void exact_runs_are_needed(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof exact_witnesses / sizeof *exact_witnesses; i++) {
        const char *re = exact_witnesses[i].re;
        char run[256];
        size_t n = cp_regex_exact_run(re, strlen(re), run);
        assert_true(n >= 2);
        needed_in(re, exact_witnesses[i].text, run, n, false);
    }
}

static void atoms_are_needed(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof witnesses / sizeof *witnesses; i++) {
        const char *re = witnesses[i].re;
        char atom[256];
        size_t n = cp_regex_atom(re, strlen(re), atom);
        assert_true(n > 0);
        needed_in(re, witnesses[i].text, atom, n, true); /* ASCII case aside */
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(atoms),
        cmocka_unit_test(atoms_are_needed),
        cmocka_unit_test(exact_runs),
        cmocka_unit_test(exact_runs_are_needed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
