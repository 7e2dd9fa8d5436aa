/* test_vm_shortcuts.c: the load-time shortcuts of the interpreter give the
   answers the tests give one by one (--no-shortcuts):
   - numeric equalities of a field answered by one lookup per value, as a
     guard or inside a rule (event IDs as numbers, strings, escapes, arrays);
   - keyword groups, one per guard of the rules asking them, that first
     look for pieces of their literals in the text as written (case, every JSON escape, non-ASCII
   text that folds to ASCII, escapes a scanner would refuse, pieces longer than a window, literals
   without a piece worth looking for);
   - wildcard patterns answered false when their field's group did not find
     their longest literal piece;
   - the tests that guard no rule, asked one by one until a group scan pays;
   - the glob matcher's fast paths, against a plain backtracking matcher.
   Each event runs through both an interpreter with shortcuts and one
   without, rule by rule, and the matches are also spelled out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "build_pack.h"
#include "vm/pack.h"
#include "vm/vm.h"

#define INS(o, a_, c_) ((sv_ins){.op = SV_OP_##o, .a = (a_), .c = (c_)})

typedef struct spec {
    sv_test t;
    const char *k; /* the string constant, if the kind takes one */
} spec;

enum { GUARD = 1, LIT = 2 }; /* which guards of its rule list the test */

/* A pack with one rule per test, which returns the test's answer. */
static sv_pack *pack_of(const char *const *paths, size_t npaths, const spec *tests, size_t n,
                        unsigned guards) {
    sv_pack_builder *b = sv_builder_new();
    uint32_t empty = sv_builder_string(b, "", 0);
    for (size_t i = 0; i < npaths; i++)
        assert_int_equal(sv_builder_path(b, paths[i]), i);
    for (size_t i = 0; i < n; i++) {
        sv_test t = tests[i].t;
        if (tests[i].k) t.k = sv_builder_string(b, tests[i].k, strlen(tests[i].k));
        assert_int_equal(sv_builder_test(b, &t), i);
    }
    for (uint32_t i = 0; i < n; i++) {
        sv_rule r = {.code_start = sv_builder_code_len(b), .nregs = 1, .guard_len = SV_NO_GUARD};
        sv_builder_code(b, INS(TEST, 0, i));
        sv_builder_code(b, INS(RET, 0, 0));
        r.code_len = 2;
        if (guards & GUARD) {
            r.guard_start = sv_builder_guard(b, &i, 1);
            r.guard_len = 1;
        }
        if (guards & LIT) {
            r.lit_guard_start = sv_builder_guard(b, &i, 1);
            r.lit_guard_len = 1;
        }
        add_unnamed_rule(b, &r, empty);
    }
    return load_built(b);
}

typedef struct value {
    uint32_t slot;
    sv_vtype type;
    const char *text; /* as the scanner records it: escaped, without quotes */
} value;

enum { MAX_VALUES = 4 };

typedef struct event {
    value v[MAX_VALUES]; /* up to one without text */
    const char *want;    /* the rules that match, in order */
} event;

/* What the scanner would say of string s's escapes (of those it refuses
   too: all but the two-byte escapes are wide, and only \u as such). */
static unsigned escapes_of(const char *s) {
    unsigned esc = 0;
    for (; *s; s++) {
        if ((unsigned char)*s >= 0x80) esc |= SV_ESC_WIDE | SV_ESC_UTF8;
        if (*s != '\\' || !s[1]) continue;
        esc |= SV_ESC_SOME;
        if (*++s == 'u')
            esc |= SV_ESC_WIDE | SV_ESC_U;
        else if (!strchr("\"\\/bfnrt", *s))
            esc |= SV_ESC_WIDE;
    }
    return esc;
}

static void fill(sv_event *ev, const value *v) {
    sv_event_reset(ev);
    for (size_t i = 0; i < MAX_VALUES && v[i].text; i++)
        sv_event_add(ev, v[i].slot, v[i].type, v[i].text, strlen(v[i].text), escapes_of(v[i].text));
}

/* Runs every event through both interpreters, twice over, so that nothing
   an event memoized or scanned leaks into the next; and through a third
   that runs only the rules that matched (as a document that matched is
   evaluated again when committed), then only all but the first of them. */
static void check(const sv_pack *p, size_t nslots, const event *events, size_t nevents) {
    sv_event *ev = sv_event_new(nslots);
    sv_exec *fast = sv_exec_new(p), *slow = sv_exec_new(p), *again = sv_exec_new(p);
    sv_exec_set_shortcuts(slow, false);
    size_t nrules = sv_pack_rule_count(p);
    uint32_t *hits = calloc(3 * nrules + 1, sizeof *hits), *slow_hits = hits + nrules,
             *again_hits = slow_hits + nrules;
    assert_non_null(hits);
    for (int round = 0; round < 2; round++)
        for (size_t e = 0; e < nevents; e++) {
            fill(ev, events[e].v);
            size_t n = sv_exec_run(fast, ev, hits);
            size_t slow_n = sv_exec_run(slow, ev, slow_hits);
            assert_int_equal(n, slow_n);
            assert_memory_equal(hits, slow_hits, n * sizeof *hits);
            assert_int_equal(sv_exec_run_rules(again, ev, hits, n, again_hits), n);
            assert_memory_equal(hits, again_hits, n * sizeof *hits);
            for (size_t i = 0; i < n; i++)
                assert_int_equal(sv_exec_result(again, hits[i]), sv_exec_result(fast, hits[i]));
            if (n) {
                assert_int_equal(sv_exec_run_rules(again, ev, hits + 1, n - 1, again_hits), n - 1);
                assert_memory_equal(hits + 1, again_hits, (n - 1) * sizeof *hits);
                assert_int_equal(sv_exec_result(again, hits[0]), 0);
            }
            char got[256] = "";
            for (size_t i = 0; i < n; i++)
                snprintf(got + strlen(got), sizeof got - strlen(got), "%s%u", i ? " " : "",
                         hits[i]);
            for (uint32_t r = 0; r < nrules; r++)
                if (sv_exec_result(fast, r) != sv_exec_result(slow, r))
                    fail_msg("event %zu (%s): rule %u gives %u with shortcuts, %u without", e,
                             events[e].v[0].text, r, sv_exec_result(fast, r),
                             sv_exec_result(slow, r));
            if (strcmp(got, events[e].want) != 0)
                fail_msg("event %zu (%s): rules \"%s\", expected \"%s\"", e, events[e].v[0].text,
                         got, events[e].want);
        }
    free(hits);
    sv_exec_free(fast);
    sv_exec_free(slow);
    sv_exec_free(again);
    sv_event_free(ev);
}

/* check() over a pack of its own, one slot per path. */
static void check_pack(const char *const *paths, size_t npaths, const spec *tests, size_t ntests,
                       unsigned guards, const event *events, size_t nevents) {
    sv_pack *p = pack_of(paths, npaths, tests, ntests, guards);
    check(p, npaths, events, nevents);
    sv_pack_free(p);
}

/* ---- numeric equalities ---- */

enum { P_ID, P_OTHER, NUM_PATHS };
static const char *const num_paths[] = {"EventID", "Other"};

#define NUM_EQ(slot_, n)                                                                           \
    { {.kind = SV_T_NUM_EQ, .slot = (slot_), .num = (n)}, NULL }
static const spec num_tests[] = {
    NUM_EQ(P_ID, 1),       /* r0 */
    NUM_EQ(P_ID, 4688),    /* r1 */
    NUM_EQ(P_ID, 4104),    /* r2 */
    NUM_EQ(P_ID, 0),       /* r3 */
    NUM_EQ(P_ID, -0.0),    /* r4: equal to 0 all the same */
    NUM_EQ(P_ID, 1e300),   /* r5 */
    NUM_EQ(P_ID, -12.5),   /* r6 */
    NUM_EQ(P_ID, 4688.25), /* r7 */
    NUM_EQ(P_OTHER, 4688), /* r8: alone on its field */
};

#define ID(type, text)                                                                             \
    { P_ID, SV_V_##type, text }
static const event num_events[] = {
    {{ID(NUM, "4688")}, "1"},
    {{ID(STR, "4688")}, "1"},
    {{ID(NUM, "4688.0")}, "1"},
    {{ID(NUM, "4.688e3")}, "1"},
    {{ID(NUM, "4688.25")}, "7"},
    {{ID(STR, "\\u00346\\u00388")}, "1"}, /* "4688" spelled with escapes */
    {{ID(STR, " 4688")}, ""},             /* not a number */
    {{ID(STR, "04688")}, ""},             /* not a JSON number either */
    {{ID(STR, "4688x")}, ""},
    {{ID(TRUE, "true")}, ""},
    {{ID(NULL, "null")}, ""},
    {{ID(NUM, "1"), ID(NUM, "4104")}, "0 2"}, /* an array of IDs */
    {{ID(STR, "x"), ID(NUM, "4104"), ID(NUM, "4104")}, "2"},
    {{ID(NUM, "0")}, "3 4"},
    {{ID(NUM, "-0")}, "3 4"},
    {{ID(NUM, "0.0e5")}, "3 4"},
    {{ID(NUM, "1e300")}, "5"},
    {{ID(NUM, "1e999")}, ""}, /* overflows to infinity */
    {{ID(NUM, "-12.5")}, "6"},
    {{ID(NUM, "12345678901234567890")}, ""},
    {{ID(NUM, "4687"), {P_OTHER, SV_V_NUM, "4688"}}, "8"},
    {{{P_OTHER, SV_V_NUM, "1"}}, ""},
};

/* Many constants: every event ID from -1 to 301 against the multiples of
   3 from 0 to 297, each the test of its own rule. */
static void numbers_many(void **state) {
    (void)state;
    enum { NCONST = 100, FROM = -1, TO = 301 };
    spec tests[NCONST];
    for (int i = 0; i < NCONST; i++)
        tests[i] = (spec){{.kind = SV_T_NUM_EQ, .slot = P_ID, .num = 3 * i}, NULL};
    event *events = calloc(TO - FROM + 1, sizeof *events);
    char(*text)[16] = calloc(TO - FROM + 1, sizeof *text), (*want)[16] = calloc(TO - FROM + 1, 16);
    assert_true(events && text && want);
    for (int v = FROM; v <= TO; v++) {
        event *e = &events[v - FROM];
        snprintf(text[v - FROM], 16, "%d", v);
        if (v >= 0 && v % 3 == 0 && v / 3 < NCONST) snprintf(want[v - FROM], 16, "%d", v / 3);
        e->v[0] = (value){P_ID, SV_V_NUM, text[v - FROM]};
        e->want = want[v - FROM];
    }
    for (unsigned guards = 0; guards <= GUARD; guards += GUARD) {
        sv_pack *p = pack_of(num_paths, NUM_PATHS, tests, NCONST, guards);
        check(p, NUM_PATHS, events, TO - FROM + 1);
        sv_pack_free(p);
    }
    free(events);
    free(text);
    free(want);
}

static void numbers_as_guards(void **state) {
    (void)state;
    size_t n = sizeof num_tests / sizeof *num_tests;
    sv_pack *p = pack_of(num_paths, NUM_PATHS, num_tests, n, GUARD);
    check(p, NUM_PATHS, num_events, sizeof num_events / sizeof *num_events);
    sv_pack_free(p);
}

static void numbers_in_code(void **state) {
    (void)state;
    size_t n = sizeof num_tests / sizeof *num_tests;
    sv_pack *p = pack_of(num_paths, NUM_PATHS, num_tests, n, 0);
    check(p, NUM_PATHS, num_events, sizeof num_events / sizeof *num_events);
    sv_pack_free(p);
}

/* ---- keywords ---- */

#define KW(text)                                                                                   \
    { {.kind = SV_T_CONTAINS, .slot = SV_ANY_SLOT}, text }
static const spec kw_tests[] = {
    KW("mimikatz"),          /* r0 */
    KW("\\\\localhost\\C$"), /* r1: piece "localhost" */
    KW("sb://"),             /* r2: piece "sb:", a '/' may be written "\/" */
    KW("ATK/"),              /* r3 */
    KW("\"unsafe\"};"),      /* r4 */
    KW("kali"),              /* r5 */
    KW(" -User "),           /* r6 */
    {{.kind = SV_T_EQ, .slot = SV_ANY_SLOT}, "4104"},           /* r7 */
    {{.kind = SV_T_PREFIX, .slot = SV_ANY_SLOT}, "cmd"},        /* r8 */
    {{.kind = SV_T_GLOB, .slot = SV_ANY_SLOT}, "*sekurlsa::*"}, /* r9: a piece in the group */
    KW("tab\there"), /* r10: a control byte, written as an escape */
};

#define ANY(type, text)                                                                            \
    { SV_ANY_SLOT, SV_V_##type, text }
static const event kw_events[] = {
    {{ANY(STR, "MIMIKATZ")}, "0"},
    {{ANY(STR, "x mImIkAtZ y")}, "0"},
    {{ANY(STR, "mimikat")}, ""},
    {{ANY(STR, "mimi\\u006batz")}, "0"},          /* 'k' as an escape */
    {{ANY(STR, "mimi\\u004Batz")}, "0"},          /* 'K' as an escape */
    {{ANY(STR, "mimi\\katz")}, "0"},              /* an escape no scanner lets through */
    {{ANY(STR, "mimikat\\z")}, "0"},              /* ... at the end */
    {{ANY(STR, "\\\\\\\\localhost\\\\c$")}, "1"}, /* \\localhost\c$ */
    {{ANY(STR, "\\\\localhost\\\\c$")}, ""},      /* \localhost\c$ */
    {{ANY(STR, "sb:\\/\\/x")}, "2"},
    {{ANY(STR, "sb:/\\/x")}, "2"},
    {{ANY(STR, "sb:/x")}, ""},
    {{ANY(STR, "ATK\\/x")}, "3"},
    {{ANY(STR, "atk\\\\x")}, ""},
    {{ANY(STR, "{\\\"UNSAFE\\\"};")}, "4"},
    {{ANY(STR, "\"unsafe\"};")}, "4"}, /* a quote as written: not JSON, but decoded all the same */
    {{ANY(STR, "\xe2\x84\xaa"
               "ali")},
     "5"},                             /* the Kelvin sign folds to 'k' */
    {{ANY(STR, "\\u212aali")}, "5"},   /* ... also as an escape */
    {{ANY(STR, "\xc3\xa9kali")}, "5"}, /* non-ASCII elsewhere */
    {{ANY(STR, "ka\\u200bli")}, ""},   /* a zero-width space between */
    {{ANY(STR, "net user x -usery")}, ""},
    {{ANY(STR, "net user x -USER y")}, "6"},
    {{ANY(STR, "net user x -user\\ty")}, ""}, /* a tab is no space */
    {{ANY(STR, "a\\n -uSer \\nb")}, "6"},
    {{ANY(NUM, "4104")}, "7"},
    {{ANY(STR, "4104")}, "7"},
    {{ANY(STR, "41\\u00304")}, "7"},
    {{ANY(STR, "x4104")}, ""},
    {{ANY(STR, "CMD.exe /c")}, "8"},
    {{ANY(STR, "x cmd")}, ""},
    {{ANY(STR, "SEKURLSA::logonpasswords")}, "9"},
    {{ANY(STR, "sekurlsa:")}, ""},
    {{ANY(STR, "sekurlsa\\u003a:")}, "9"},
    {{ANY(STR, "Tab\\tHere")}, "10"},
    {{ANY(STR, "tab\\u0009here")}, "10"},
    {{ANY(STR, "tab here")}, ""},
    /* Long values cross the sixteen-byte blocks of the escape scan: an
       escaped backslash before a 'u' is no \u escape, and escapes that
       straddle a block boundary still pair up. */
    {{ANY(STR, "C:\\\\Users\\\\x\\\\AppData\\\\Local\\\\Temp\\\\mimikatz.exe")}, "0"},
    {{ANY(STR, "C:\\\\users\\\\x\\\\appdata\\\\local\\\\temp\\\\mimikat.exe")}, ""},
    {{ANY(STR, "0123456789abcde\\\\u006bali and more text to scan")}, ""},
    {{ANY(STR, "0123456789abcd\\\\\\u006bali and more text to scan")}, "5"},
    {{ANY(STR, "0123456789abcdef0123456789ab\\u004bALI")}, "5"},
    {{ANY(STR, "0123456789abcdef0123456789abc\\")}, ""}, /* a lone final backslash */
    {{ANY(STR, "0123456789\xe2\x84\xaa"
               "ali 0123456789abcdef")},
     "5"},
    /* Text outside ASCII that folds to none ("Microsoft®" in every Sysmon
       image load) is looked for as written; text that folds to ASCII, or
       \u escapes, are decoded first. */
    {{ANY(STR, "Microsoft\xc2\xae mimikatz")}, "0"},
    {{ANY(STR, "Microsoft\xc2\xae mimikat")}, ""},
    {{ANY(STR, "Microsoft\xc2\xae mimi\xe2\x84\xaa"
               "atz")},
     "0"},
    {{ANY(STR, "\xc2\xae \xc5\xbf"
               "ekurlsa::x")},
     "9"},
    {{ANY(STR, "\xc2\xae\\u006bali")}, "5"},
    {{ANY(STR, "File version: 10.0 Description: Microsoft\xc2\xae Windows\xc2\xae Operating "
               "System  Product: x Company: gentilkiwi MIMIKATZ")},
     "0"},
    {{ANY(STR, "File version: 10.0 Description: Microsoft\xc2\xae Windows\xc2\xae Operating "
               "System  Product: x Company: gentilkiwi mimi\xe2\x84\xaa"
               "atz")},
     "0"},
    {{ANY(STR, "File version: 10.0 Description: Microsoft\xc2\xae Windows\xc2\xae Operating "
               "System  Product: x Company: gentilkiwi mimi_katz")},
     ""},
    {{ANY(STR, "x"), ANY(STR, "y"), ANY(STR, "Kali"), ANY(NUM, "4104")}, "5 7"},
    {{ANY(STR, "x"), ANY(NUM, "1"), ANY(STR, "")}, ""},
};

static void keyword_pieces(void **state) {
    (void)state;
    size_t n = sizeof kw_tests / sizeof *kw_tests;
    /* As keyword rules without a logsource: no guard, a literal guard. */
    sv_pack *p = pack_of(NULL, 0, kw_tests, n, LIT);
    check(p, 0, kw_events, sizeof kw_events / sizeof *kw_events);
    sv_pack_free(p);
    p = pack_of(NULL, 0, kw_tests, n, 0);
    check(p, 0, kw_events, sizeof kw_events / sizeof *kw_events);
    sv_pack_free(p);
    /* Each rule guarded by its own test: a keyword group per rule. */
    p = pack_of(NULL, 0, kw_tests, n, GUARD | LIT);
    check(p, 0, kw_events, sizeof kw_events / sizeof *kw_events);
    sv_pack_free(p);
}

/* Keyword tests are grouped by the guard of the rules that ask them: the
   literals of rules without a guard together, those of each guard apart,
   even one alone. */
static void keyword_groups_by_guard(void **state) {
    (void)state;
    size_t n = sizeof kw_tests / sizeof *kw_tests;
    sv_pack *p = pack_of(NULL, 0, kw_tests, n, LIT);
    assert_int_equal(p->ngroups, 1);
    uint32_t ntests;
    sv_prefilter_tests(p, 0, &ntests);
    assert_int_equal(ntests, n); /* the glob counts by its piece */
    sv_pack_free(p);
    p = pack_of(NULL, 0, kw_tests, n, GUARD | LIT);
    assert_int_equal(p->ngroups, n);
    for (uint32_t g = 0; g < p->ngroups; g++) {
        sv_prefilter_tests(p, g, &ntests);
        assert_int_equal(ntests, 1);
    }
    sv_pack_free(p);
}

/* Pieces longer than a window, and a group one of whose literals has no
   piece worth looking for (so that every value is scanned for real). */
static const spec long_kw_tests[] = {
    KW("the print spooler failed to load a plug-in module"),  /* r0 */
    KW("File submitted to Symantec for analysis: \\\\x.dll"), /* r1 */
};
static const spec short_kw_tests[] = {
    KW("mimikatz"), /* r0 */
    KW("\\c$"),     /* r1: piece "c$" */
};

static const event long_kw_events[] = {
    {{ANY(STR, "x The Print Spooler failed to load a plug-in module y")}, "0"},
    {{ANY(STR, "The print spooler failed to load a plug-in modul")}, ""},
    {{ANY(STR, "he print spooler failed to load a plug-in module")}, ""},
    {{ANY(STR, "the print spooler failed\\u0020to load a plug-in module")}, "0"},
    {{ANY(STR, "File submitted to Symantec for analysis: \\\\\\\\x.dll")}, "1"},
    {{ANY(STR, "File submitted to Symantec for analysis: \\\\x.dll")}, ""},
};

static const event short_kw_events[] = {
    {{ANY(STR, "\\\\\\\\host\\\\C$")}, "1"},
    {{ANY(STR, "\\\\\\\\host\\\\D$")}, ""},
    {{ANY(STR, "MimiKatz")}, "0"},
    {{ANY(STR, "mimi\\u006batz")}, "0"},
};

static void keyword_windows(void **state) {
    (void)state;
    check_pack(NULL, 0, long_kw_tests, 2, LIT, long_kw_events,
               sizeof long_kw_events / sizeof *long_kw_events);
    check_pack(NULL, 0, short_kw_tests, 2, LIT, short_kw_events,
               sizeof short_kw_events / sizeof *short_kw_events);
}

/* A literal at every place of texts of every length: the text is searched
   from both ends of it at once, so a piece may lie on either side of the
   middle or across it. */
static void keyword_everywhere(void **state) {
    (void)state;
    sv_pack *p = pack_of(NULL, 0, kw_tests, sizeof kw_tests / sizeof *kw_tests, LIT);
    sv_event *ev = sv_event_new(0);
    sv_exec *x = sv_exec_new(p);
    uint32_t hits[sizeof kw_tests / sizeof *kw_tests];
    char text[80];
    for (size_t len = 0; len < 48; len++)
        for (size_t at = 0; at + 8 <= len || (at == 0 && len < 8); at++) {
            memset(text, 'i', len);
            if (len >= 8) memcpy(text + at, "MimiKatz", 8);
            sv_event_reset(ev);
            sv_event_add(ev, SV_ANY_SLOT, SV_V_STR, text, len, false);
            size_t n = sv_exec_run(x, ev, hits);
            if (n != (len >= 8) || (n && hits[0] != 0))
                fail_msg("\"%.*s\": %zu matches", (int)len, text, n);
        }
    sv_exec_free(x);
    sv_event_free(ev);
    sv_pack_free(p);
}

/* ---- wildcard patterns ---- */

enum { P_CMD, P_CTX, P_PATH, GLOB_PATHS };
static const char *const glob_paths[] = {"CommandLine", "ContextInfo", "Path"};

#define GLOB(slot_, flags_, pat)                                                                   \
    { {.kind = SV_T_GLOB, .slot = (slot_), .flags = (flags_)}, pat }
static const spec glob_tests[] = {
    {{.kind = SV_T_CONTAINS, .slot = P_CMD}, "-enc"},                      /* r0 */
    {{.kind = SV_T_CONTAINS, .slot = P_CMD}, "bypass"},                    /* r1 */
    GLOB(P_CMD, 0, "*Compress-Archive -Path*-DestinationPath $env:TEMP*"), /* r2 */
    GLOB(P_CMD, 0, "*c:\\\\windows\\\\temp\\\\*.ps1"), /* r3: escaped backslashes */
    GLOB(P_CMD, SV_F_CASED, "*Invoke-Mimikatz*"),      /* r4: cased */
    GLOB(P_CMD, 0, "a?c"),                             /* r5: no piece */
    GLOB(P_CMD, 0, "*"),                               /* r6 */
    GLOB(P_CMD, 0, "*foo*bar*"),                       /* r7 */
    GLOB(P_CMD, 0, "*\\*star\\?*"),                    /* r8: escaped wildcards */
    GLOB(P_CTX, 0, "*caf\xc3\xa9*x"),                  /* r9: globs alone on a field */
    GLOB(P_CTX, 0, "*hostapplication = *powershell*"), /* r10 */
    GLOB(P_PATH, 0, "*\\\\evil.exe"),                  /* r11: alone */
};

#define CMD(text)                                                                                  \
    { P_CMD, SV_V_STR, text }
#define CTX(text)                                                                                  \
    { P_CTX, SV_V_STR, text }
static const event glob_events[] = {
    {{CMD("Compress-Archive -Path x -DestinationPath $env:TEMP\\\\y")}, "2 6"},
    {{CMD("COMPRESS-ARCHIVE -PATH x -DESTINATIONPATH $ENV:TEMP")}, "2 6"},
    {{CMD("Compress-Archive -Path x -DestinationPath C:\\\\Temp")}, "6"},
    {{CMD("-DestinationPath $env:TEMP Compress-Archive -Path")}, "6"},
    {{CMD("powershell -enc C:\\\\Windows\\\\Temp\\\\a.ps1")}, "0 3 6"},
    {{CMD("C:\\\\Windows\\\\Temp\\\\a.ps1.txt")}, "6"},
    {{CMD("c:/windows/temp/a.ps1")}, "6"},
    {{CMD("Invoke-Mimikatz -DumpCreds")}, "4 6"},
    {{CMD("invoke-mimikatz -DumpCreds")}, "6"},
    {{CMD("abc")}, "5 6"},
    {{CMD("a\xc3\xa9"
          "c")},
     "5 6"},
    {{CMD("")}, "6"},
    {{CMD("bar foo")}, "6"},
    {{CMD("foo bar")}, "6 7"},
    {{CMD("x *star? y")}, "6 8"},
    {{CMD("x *starx y")}, "6"},
    {{CMD("one"), CMD("foo and bar")}, "6 7"},
    {{CMD("BYPASS"), CMD("two")}, "1 6"},
    {{CTX("Caf\xc3\x89 x")}, "9"},
    {{CTX("cafe x")}, ""},
    {{CTX("HostApplication = C:\\\\x\\\\PowerShell.exe")}, "10"},
    {{CTX("HostApplication = cmd")}, ""},
    {{{P_PATH, SV_V_STR, "C:\\\\x\\\\EVIL.EXE"}}, "11"},
    {{{P_PATH, SV_V_STR, "C:\\\\x\\\\evil.exe.bak"}}, ""},
};

static void glob_pieces(void **state) {
    (void)state;
    size_t n = sizeof glob_tests / sizeof *glob_tests;
    sv_pack *p = pack_of(glob_paths, GLOB_PATHS, glob_tests, n, 0);
    check(p, GLOB_PATHS, glob_events, sizeof glob_events / sizeof *glob_events);
    sv_pack_free(p);
}

/* ---- values seen before ---- */

#define TEXT(kind_, k)                                                                             \
    { {.kind = SV_T_##kind_, .slot = 0}, k }

/* A group's answer for a value is recalled in later events (recall.c), so
   it must be all the value holds: not less because an earlier value of
   the same event held some of it already. */
static const spec recall_tests[] = {
    TEXT(CONTAINS, "abc"), /* r0 */
    TEXT(CONTAINS, "xyz"), /* r1 */
    TEXT(SUFFIX, "def"),   /* r2 */
};
#define IMAGE(text)                                                                                \
    { 0, SV_V_STR, text }
static const event recall_events[] = {
    {{IMAGE("abc def"), IMAGE("abc xyz")}, "0 1 2"},
    {{IMAGE("abc xyz")}, "0 1"},
    {{IMAGE("ABC XYZ")}, "0 1"},
    {{IMAGE("abc xyz"), IMAGE("abc def")}, "0 1 2"},
    {{IMAGE("abc def")}, "0 2"},
    {{IMAGE("abc xyz"), IMAGE("ABC XYZ")}, "0 1"},
    {{IMAGE("ABC XYZ")}, "0 1"},
    {{{0, SV_V_NUM, "12"}, IMAGE("xyz")}, "1"},
};

static void recalled_values(void **state) {
    (void)state;
    static const char *const image[] = {"Image"};
    for (unsigned guards = 0; guards <= (GUARD | LIT); guards += LIT) {
        check_pack(image, 1, recall_tests, 3, guards, recall_events,
                   sizeof recall_events / sizeof *recall_events);
    }
}

/* ---- long values, segment by segment ---- */

/* A long value is scanned in segments of whole lines, each recalled on
   its own (prefilter.c), when no contains literal of the group holds a
   newline; with one that does, it is scanned whole. Either way a literal
   is found in any segment, in the short rest, or (anchored) at the ends,
   and one with a newline across two lines. */
static const spec long_tests[] = {
    TEXT(CONTAINS, "alpha"),       /* r0 */
    TEXT(CONTAINS, "beta gamma"),  /* r1 */
    TEXT(PREFIX, "head"),          /* r2 */
    TEXT(SUFFIX, "tail"),          /* r3 */
    TEXT(EQ, "head"),              /* r4: the whole text only */
    TEXT(CONTAINS, "beta\ngamma"), /* r5: across lines (only in the second pack) */
};

enum { LINE = 300, LONG_VALUES = 6 };

/* Lines of LINE bytes with the given words at their ends, each ended with
   an escaped newline; last without one. */
static char *long_text(const char *first, const char *const *words, size_t nwords,
                       const char *last) {
    size_t cap = strlen(first) + nwords * (LINE + 64) + strlen(last) + 1;
    char *t = malloc(cap);
    assert_non_null(t);
    strcpy(t, first);
    for (size_t i = 0; i < nwords; i++) {
        size_t at = strlen(t);
        memset(t + at, 'a' + (char)(i % 3), LINE);
        t[at + LINE] = '\0';
        strcat(t, words[i]);
        strcat(t, "\\n");
    }
    strcat(t, last);
    return t;
}

static void segmented_values(void **state) {
    (void)state;
    static const char *const text[] = {"Text"};
    const char *plain[] = {"x", "y", "z", "w"};
    const char *found[] = {"x", "alpha", "y", "z"};
    const char *split[] = {"x beta\\ngamma y", "z", "w", "v"};
    char *v[LONG_VALUES] = {
        long_text("head ", plain, 4, "short rest"),             /* r2 */
        long_text("", found, 4, "ends in tail"),                /* r0 r3 */
        long_text("", plain, 4, "beta gamma in the rest"),      /* r1 */
        long_text("", split, 4, "HEAD"),                        /* r5 */
        long_text("", plain, 3, "alpha\\nand beta gamma tail"), /* r0 r1 r3 */
        long_text("", found, 4, "another tail"),                /* segments of the second */
    };
    const event events[] = {
        {{IMAGE(v[0])}, "2"},   {{IMAGE(v[1])}, "0 3"},   {{IMAGE(v[2])}, "1"},
        {{IMAGE(v[3])}, "5"},   {{IMAGE(v[4])}, "0 1 3"}, {{IMAGE(v[5]), IMAGE("head")}, "0 2 3 4"},
        {{IMAGE(v[1])}, "0 3"}, /* recalled */
    };
    const event inside[] = {
        {{IMAGE(v[0])}, "2"},   {{IMAGE(v[1])}, "0 3"},   {{IMAGE(v[2])}, "1"},
        {{IMAGE(v[3])}, ""},    {{IMAGE(v[4])}, "0 1 3"}, {{IMAGE(v[5]), IMAGE("head")}, "0 2 3 4"},
        {{IMAGE(v[1])}, "0 3"},
    };
    for (unsigned guards = 0; guards <= (GUARD | LIT); guards += LIT) {
        /* Without r5 the groups are segmented, with it not. */
        check_pack(text, 1, long_tests, 5, guards, inside, sizeof inside / sizeof *inside);
        check_pack(text, 1, long_tests, 6, guards, events, sizeof events / sizeof *events);
    }
    for (size_t i = 0; i < LONG_VALUES; i++)
        free(v[i]);
}

/* ---- tests that guard no rule ---- */

static const spec asked_tests[] = {
    TEXT(CONTAINS, "guarded"), /* t0: rule 0's literal guard */
    /* t1 .. t12: rule 1 asks them in turn, more than are answered alone */
    TEXT(CONTAINS, "w01"), TEXT(CONTAINS, "w02"), TEXT(CONTAINS, "w03"), TEXT(CONTAINS, "w04"),
    TEXT(CONTAINS, "w05"), TEXT(CONTAINS, "w06"), TEXT(CONTAINS, "w07"), TEXT(CONTAINS, "w08"),
    TEXT(CONTAINS, "w09"), TEXT(CONTAINS, "w10"), TEXT(PREFIX, "p11"), TEXT(EQ, "e12"),
    TEXT(GLOB, "*eight*x"), /* t13: rule 2's, with a piece */
};
enum { ASKED_TESTS = sizeof asked_tests / sizeof *asked_tests, CHAIN = ASKED_TESTS - 2 };

/* Rule 0 is guarded by t0, rule 1 holds if any of t1 .. t12 does (asked
   until one holds), rule 2 holds if t13 does and t0 does not. */
static sv_pack *asked_pack(void) {
    sv_pack_builder *b = sv_builder_new();
    uint32_t empty = sv_builder_string(b, "", 0), t0 = 0;
    assert_int_equal(sv_builder_path(b, "Text"), 0);
    for (size_t i = 0; i < ASKED_TESTS; i++) {
        sv_test t = asked_tests[i].t;
        t.k = sv_builder_string(b, asked_tests[i].k, strlen(asked_tests[i].k));
        assert_int_equal(sv_builder_test(b, &t), i);
    }
    sv_rule r = {.code_start = sv_builder_code_len(b), .code_len = 2, .nregs = 1};
    r.guard_len = SV_NO_GUARD;
    r.lit_guard_start = sv_builder_guard(b, &t0, 1);
    r.lit_guard_len = 1;
    sv_builder_code(b, INS(TEST, 0, 0));
    sv_builder_code(b, INS(RET, 0, 0));
    add_unnamed_rule(b, &r, empty);
    r = (sv_rule){.code_start = sv_builder_code_len(b), .nregs = 1, .guard_len = SV_NO_GUARD};
    uint32_t ret = r.code_start + 2 * CHAIN - 1;
    for (uint32_t t = 1; t <= CHAIN; t++) {
        sv_builder_code(b, INS(TEST, 0, t));
        if (t < CHAIN) sv_builder_code(b, INS(JMPT, 0, ret));
    }
    sv_builder_code(b, INS(RET, 0, 0));
    r.code_len = sv_builder_code_len(b) - r.code_start;
    add_unnamed_rule(b, &r, empty);
    r = (sv_rule){.code_start = sv_builder_code_len(b), .nregs = 1, .guard_len = SV_NO_GUARD};
    sv_builder_code(b, INS(TEST, 0, 0));
    sv_builder_code(b, INS(JMPT, 0, r.code_start + 4));
    sv_builder_code(b, INS(TEST, 0, CHAIN + 1));
    sv_builder_code(b, INS(RET, 0, 0));
    sv_builder_code(b, INS(SET, 0, 0));
    sv_builder_code(b, INS(RET, 0, 0));
    r.code_len = sv_builder_code_len(b) - r.code_start;
    add_unnamed_rule(b, &r, empty);
    return load_built(b);
}

#define T(text)                                                                                    \
    { 0, SV_V_STR, text }
static const event asked_events[] = {
    {{T("nothing at all")}, ""},
    {{T("w01")}, "1"},             /* the first ask holds */
    {{T("x W04 y")}, "1"},         /* the fourth */
    {{T("w08 and more")}, "1"},    /* the eighth */
    {{T("w09 and more")}, "1"},    /* the ninth: the group is scanned */
    {{T("it ends in w10")}, "1"},  /* ... and answers the tenth */
    {{T("p11 starts it")}, "1"},   /* ... the eleventh */
    {{T("x p11")}, ""},            /* (not a prefix) */
    {{T("e12")}, "1"},             /* ... and the twelfth */
    {{T("e12 "), T("E12")}, "1"},  /* any value of the field */
    {{T("a guarded w09")}, "0 1"}, /* asked before and after the guard */
    {{T("eight then x")}, "2"},    /* the piece found, the glob holds */
    {{T("eight then y")}, ""},     /* the piece found, the glob does not */
    {{T("guarded eight x")}, "0"}, /* rule 2 is not asked t13 */
    {{T("e12"), T("the eight, w10 x")}, "1 2"},
    {{T("eight, w12 x")}, "2"}, /* the group scanned, then the piece */
};

/* A field's tests that guard no rule form a group of their own (asked), so
   that an event scans up front only those that do; asked one by one or by
   the group's scan, they answer the same. */
static void asked_groups(void **state) {
    (void)state;
    sv_pack *p = asked_pack();
    assert_int_equal(p->ngroups, 1); /* t0 alone is asked as itself */
    uint32_t n;
    const uint32_t *tests = sv_prefilter_tests(p, 0, &n);
    assert_true(sv_prefilter_asked(p, 0));
    assert_int_equal(n, CHAIN + 1); /* t1 .. t12 and t13's piece */
    for (uint32_t k = 0; k + 1 < n; k++)
        assert_int_equal(tests[k], k + 1);
    check(p, 1, asked_events, sizeof asked_events / sizeof *asked_events);
    sv_pack_free(p);
    /* Guarding rules, the same literals form a group that is not asked. */
    p = pack_of((const char *const[]){"Text"}, 1, asked_tests, ASKED_TESTS, LIT);
    assert_int_equal(p->ngroups, 1);
    sv_prefilter_tests(p, 0, &n);
    assert_int_equal(n, ASKED_TESTS); /* the glob counts by its piece */
    assert_false(sv_prefilter_asked(p, 0));
    sv_pack_free(p);
}

/* ---- the glob matcher ---- */

static size_t char_len(const char *s, size_t n) {
    unsigned char c = (unsigned char)*s;
    size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    if (len > n) return 1;
    for (size_t i = 1; i < len; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80) return 1;
    return len;
}

/* Every way to match, tried one after the other. */
static bool naive(const char *p, size_t pn, const char *s, size_t n) {
    if (pn == 0) return n == 0;
    if (*p == '*') {
        for (size_t i = 0;; i += char_len(s + i, n - i)) {
            if (naive(p + 1, pn - 1, s + i, n - i)) return true;
            if (i >= n) return false;
        }
    }
    if (n == 0) return false;
    if (*p == '?') {
        size_t l = char_len(s, n);
        return naive(p + 1, pn - 1, s + l, n - l);
    }
    size_t w = *p == '\\' && pn > 1 ? 2 : 1;
    return s[0] == p[w - 1] && naive(p + w, pn - w, s + 1, n - 1);
}

static void glob_matcher(void **state) {
    (void)state;
    static const char *const alphabet[] = {"a",    "b",    "c", "\xc3\xa9", "\xe2\x82\xac",
                                           "\xc3", "\xa9", "*", "?",        "\\"};
    static const char *const text_alphabet[] = {
        "a", "b", "c", "\xc3\xa9", "\xe2\x82\xac", "\xc3", "\xa9", "*", "?", "\\", "\x80"};
    unsigned seed = 12345;
    for (int round = 0; round < 20000; round++) {
        char pat[64] = "", text[64] = "";
        int plen = (int)((seed = seed * 1103515245 + 12345) >> 16) % 7;
        for (int i = 0; i < plen; i++) {
            seed = seed * 1103515245 + 12345;
            strcat(pat, alphabet[(seed >> 16) % (sizeof alphabet / sizeof *alphabet)]);
        }
        int tlen = (int)((seed = seed * 1103515245 + 12345) >> 16) % 9;
        for (int i = 0; i < tlen; i++) {
            seed = seed * 1103515245 + 12345;
            strcat(text,
                   text_alphabet[(seed >> 16) % (sizeof text_alphabet / sizeof *text_alphabet)]);
        }
        bool want = naive(pat, strlen(pat), text, strlen(text));
        bool got = sv_glob_match(pat, strlen(pat), text, strlen(text));
        if (got != want) fail_msg("glob \"%s\" on \"%s\": %d, expected %d", pat, text, got, want);
    }
}

int main(void) {
    const struct CMUnitTest t[] = {
        cmocka_unit_test(numbers_as_guards),
        cmocka_unit_test(numbers_in_code),
        cmocka_unit_test(numbers_many),
        cmocka_unit_test(keyword_pieces),
        cmocka_unit_test(keyword_groups_by_guard),
        cmocka_unit_test(keyword_windows),
        cmocka_unit_test(keyword_everywhere),
        cmocka_unit_test(glob_pieces),
        cmocka_unit_test(glob_matcher),
        cmocka_unit_test(asked_groups),
        cmocka_unit_test(recalled_values),
        cmocka_unit_test(segmented_values),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
