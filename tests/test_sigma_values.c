/* Unit tests for sigma/values.c: Sigma string modifiers down to byte patterns.
   Expected encodings come from the Sigma specification, from pySigma's
   algorithm and from precomputed values that SigmaHQ rules spell out next to
   the modifier they replace. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "sigma/values.h"

/* A string literal as pointer and length, embedded NULs included. */
#define S(lit) lit, sizeof(lit) - 1

static void assert_bytes(sg_bytes b, const char *p, size_t n) {
    assert_int_equal(b.n, n);
    assert_memory_equal(b.p, p, n);
    assert_int_equal(b.p[n], '\0');
}
#define ASSERT_BYTES(b, lit) assert_bytes((b), S(lit))

static int setup(void **state) {
    *state = sg_arena_new();
    return 0;
}

static int teardown(void **state) {
    sg_arena_free(*state);
    return 0;
}

static sg_blist encode(sg_arena *a, sg_encoding enc, const char *s, size_t n) {
    sg_blist l = sg_blist_one(a, s, n);
    assert_null(sg_encode(a, enc, &l, &l));
    return l;
}

static const char *encode_err(sg_arena *a, sg_encoding enc, const char *s, size_t n) {
    sg_blist l = sg_blist_one(a, s, n), out = {0};
    const char *err = sg_encode(a, enc, &l, &out);
    assert_non_null(err);
    assert_null(out.v);
    return err;
}

/* ---- encoders ---- */

static void test_base64(void **state) {
    sg_arena *a = *state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"", ""},
        {"a", "YQ=="},
        {"ab", "YWI="},
        {"abc", "YWJj"},
        {"ping", "cGluZw=="},
        {"/bin/bash", "L2Jpbi9iYXNo"},
        {"\xfb\xff", "+/8="},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sg_blist l = encode(a, SG_ENC_BASE64, cases[i].in, strlen(cases[i].in));
        assert_int_equal(l.n, 1);
        assert_bytes(l.v[0], cases[i].out, strlen(cases[i].out));
    }
    sg_blist l = encode(a, SG_ENC_BASE64, S("\0\xff\xfe"));
    ASSERT_BYTES(l.v[0], "AP/+");
}

static void test_base64offset_spec(void **state) {
    sg_arena *a = *state;
    sg_blist l = encode(a, SG_ENC_BASE64OFFSET, S("/bin/bash"));
    assert_int_equal(l.n, 3);
    ASSERT_BYTES(l.v[0], "L2Jpbi9iYXNo");
    ASSERT_BYTES(l.v[1], "9iaW4vYmFza");
    ASSERT_BYTES(l.v[2], "vYmluL2Jhc2");
}

static void test_base64offset_lengths(void **state) {
    sg_arena *a = *state;
    /* One case per (length + shift) % 3, so every trim is exercised. */
    sg_blist l = encode(a, SG_ENC_BASE64OFFSET, S("ping"));
    ASSERT_BYTES(l.v[0], "cGluZ");
    ASSERT_BYTES(l.v[1], "Bpbm");
    ASSERT_BYTES(l.v[2], "waW5n");
    l = encode(a, SG_ENC_BASE64OFFSET, S("ab"));
    ASSERT_BYTES(l.v[0], "YW");
    ASSERT_BYTES(l.v[1], "Fi");
    ASSERT_BYTES(l.v[2], "hY");
}

static void test_base64offset_too_short(void **state) {
    sg_arena *a = *state;
    assert_non_null(strstr(encode_err(a, SG_ENC_BASE64OFFSET, S("a")), "at least 2 bytes"));
    encode_err(a, SG_ENC_BASE64OFFSET, S(""));
}

static void test_base64offset_list(void **state) {
    sg_arena *a = *state;
    sg_blist l = {sg_alloc(a, 2 * sizeof(sg_bytes)), 2};
    l.v[0] = (sg_bytes){"ab", 2};
    l.v[1] = (sg_bytes){"/bin/bash", 9};
    assert_null(sg_encode(a, SG_ENC_BASE64OFFSET, &l, &l));
    assert_int_equal(l.n, 6);
    ASSERT_BYTES(l.v[2], "hY");
    ASSERT_BYTES(l.v[3], "L2Jpbi9iYXNo");
    ASSERT_BYTES(l.v[5], "vYmluL2Jhc2");
}

static void test_utf16(void **state) {
    sg_arena *a = *state;
    ASSERT_BYTES(encode(a, SG_ENC_UTF16LE, S("cmd")).v[0], "c\0m\0d\0");
    ASSERT_BYTES(encode(a, SG_ENC_UTF16BE, S("cmd")).v[0], "\0c\0m\0d");
    ASSERT_BYTES(encode(a, SG_ENC_UTF16, S("cmd")).v[0], "\xff\xfe"
                                                         "c\0m\0d\0");
    ASSERT_BYTES(encode(a, SG_ENC_UTF16LE, S("")).v[0], "");
    ASSERT_BYTES(encode(a, SG_ENC_UTF16, S("")).v[0], "\xff\xfe");
    ASSERT_BYTES(encode(a, SG_ENC_UTF16LE, S("\0")).v[0], "\0\0");
}

static void test_utf16_non_ascii(void **state) {
    sg_arena *a = *state;
    /* é U+00E9 (2 bytes), € U+20AC (3 bytes), U+FFFF (last of the BMP) */
    ASSERT_BYTES(encode(a, SG_ENC_UTF16LE, S("\xc3\xa9\xe2\x82\xac\xef\xbf\xbf")).v[0],
                 "\xe9\0\xac\x20\xff\xff");
    ASSERT_BYTES(encode(a, SG_ENC_UTF16BE, S("\xe2\x82\xac")).v[0], "\x20\xac");
}

static void test_utf16_surrogate_pairs(void **state) {
    sg_arena *a = *state;
    /* U+1F600 is D83D DE00; U+10000 and U+10FFFF are the ends of the range */
    ASSERT_BYTES(encode(a, SG_ENC_UTF16LE, S("\xf0\x9f\x98\x80")).v[0], "\x3d\xd8\x00\xde");
    ASSERT_BYTES(encode(a, SG_ENC_UTF16BE, S("\xf0\x9f\x98\x80")).v[0], "\xd8\x3d\xde\x00");
    ASSERT_BYTES(encode(a, SG_ENC_UTF16BE, S("\xf0\x90\x80\x80")).v[0], "\xd8\x00\xdc\x00");
    ASSERT_BYTES(encode(a, SG_ENC_UTF16BE, S("\xf4\x8f\xbf\xbf")).v[0], "\xdb\xff\xdf\xff");
    ASSERT_BYTES(encode(a, SG_ENC_UTF16, S("a\xf0\x9f\x98\x80")).v[0], "\xff\xfe"
                                                                       "a\0\x3d\xd8\x00\xde");
}

static void test_utf16_invalid(void **state) {
    sg_arena *a = *state;
    static const char *const bad[] = {
        "\xff",             /* never valid */
        "\x80",             /* stray continuation */
        "a\xc3",            /* truncated */
        "\xe2\x82",         /* truncated */
        "\xc3\x28",         /* bad continuation */
        "\xc0\xaf",         /* overlong '/' */
        "\xe0\x80\xaf",     /* overlong '/' */
        "\xed\xa0\x80",     /* UTF-16 surrogate */
        "\xf4\x90\x80\x80", /* past U+10FFFF */
        "\xf5\x80\x80\x80", /* past U+10FFFF */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *err = encode_err(a, SG_ENC_UTF16LE, bad[i], strlen(bad[i]));
        assert_non_null(strstr(err, "UTF-8"));
        encode_err(a, SG_ENC_UTF16BE, bad[i], strlen(bad[i]));
        encode_err(a, SG_ENC_UTF16, bad[i], strlen(bad[i]));
    }
}

static void test_wide_base64offset(void **state) {
    sg_arena *a = *state;
    /* Both triples are spelled out in SigmaHQ rules next to the modifiers
       (proc_creation_win_powershell_base64_frombase64string.yml,
       proc_creation_win_powershell_base64_mppreference.yml). */
    sg_blist l = encode(a, SG_ENC_UTF16LE, S("::FromBase64String"));
    assert_null(sg_encode(a, SG_ENC_BASE64OFFSET, &l, &l));
    assert_int_equal(l.n, 3);
    ASSERT_BYTES(l.v[0], "OgA6AEYAcgBvAG0AQgBhAHMAZQA2ADQAUwB0AHIAaQBuAGcA");
    ASSERT_BYTES(l.v[1], "oAOgBGAHIAbwBtAEIAYQBzAGUANgA0AFMAdAByAGkAbgBnA");
    ASSERT_BYTES(l.v[2], "6ADoARgByAG8AbQBCAGEAcwBlADYANABTAHQAcgBpAG4AZw");
    l = encode(a, SG_ENC_UTF16LE, S("Add-MpPreference "));
    assert_null(sg_encode(a, SG_ENC_BASE64OFFSET, &l, &l));
    ASSERT_BYTES(l.v[0], "QQBkAGQALQBNAHAAUAByAGUAZgBlAHIAZQBuAGMAZQAgA");
    ASSERT_BYTES(l.v[1], "EAZABkAC0ATQBwAFAAcgBlAGYAZQByAGUAbgBjAGUAIA");
    ASSERT_BYTES(l.v[2], "BAGQAZAAtAE0AcABQAHIAZQBmAGUAcgBlAG4AYwBlACAA");
}

static void test_utf16_base64(void **state) {
    sg_arena *a = *state;
    /* The BOM is encoded as the bytes FF FE, not as U+FEFF in UTF-8. */
    sg_blist l = encode(a, SG_ENC_UTF16, S("cmd"));
    assert_null(sg_encode(a, SG_ENC_BASE64, &l, &l));
    ASSERT_BYTES(l.v[0], "//5jAG0AZAA=");
}

static void test_encoding_by_name(void **state) {
    (void)state;
    static const struct {
        const char *name;
        sg_encoding enc;
    } names[] = {
        {"wide", SG_ENC_UTF16LE},    {"utf16le", SG_ENC_UTF16LE},
        {"utf16be", SG_ENC_UTF16BE}, {"utf16", SG_ENC_UTF16},
        {"base64", SG_ENC_BASE64},   {"base64offset", SG_ENC_BASE64OFFSET},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        sg_encoding e;
        assert_true(sg_encoding_by_name(names[i].name, &e));
        assert_int_equal(e, names[i].enc);
    }
    sg_encoding e;
    assert_false(sg_encoding_by_name("contains", &e));
    assert_false(sg_encoding_by_name("Base64", &e));
    assert_false(sg_encoding_by_name("utf8", &e));
}

/* ---- windash ---- */

static sg_blist windash(sg_arena *a, const char *s) {
    sg_blist l = sg_blist_one(a, s, strlen(s));
    assert_null(sg_windash(a, &l, &l));
    return l;
}

static void assert_list(sg_blist l, const char *const *want, size_t n) {
    assert_int_equal(l.n, n);
    for (size_t i = 0; i < n; i++)
        assert_bytes(l.v[i], want[i], strlen(want[i]));
}

static void test_windash_one_flag(void **state) {
    sg_arena *a = *state;
    static const char *const exec[] = {"-exec", "/exec", "\u2013exec", "\u2014exec", "\u2015exec"};
    assert_list(windash(a, "-exec"), exec, 5);
    static const char *const c[] = {"cmd -c x", "cmd /c x", "cmd \u2013c x", "cmd \u2014c x",
                                    "cmd \u2015c x"};
    assert_list(windash(a, "cmd /c x"), c, 5);
}

static void test_windash_two_flags(void **state) {
    sg_arena *a = *state;
    sg_blist l = windash(a, " -s -i cmd");
    assert_int_equal(l.n, 25);
    ASSERT_BYTES(l.v[0], " -s -i cmd");
    ASSERT_BYTES(l.v[1], " -s /i cmd");
    ASSERT_BYTES(l.v[5], " /s -i cmd");
    ASSERT_BYTES(l.v[24], " \u2015s \u2015i cmd");
    for (size_t i = 0; i < l.n; i++)
        for (size_t j = i + 1; j < l.n; j++)
            assert_false(l.v[i].n == l.v[j].n && !memcmp(l.v[i].p, l.v[j].p, l.v[i].n));
}

static void test_windash_not_flags(void **state) {
    sg_arena *a = *state;
    /* Each '-' or '/' here has a word character before it or none after. */
    static const char *const same[] = {
        "a-b", "x/y", "trailing -", "-", "--", "-*", "/?", "", "\xc3\xa9-x",
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        assert_list(windash(a, same[i]), &same[i], 1);
}

static void test_windash_boundaries(void **state) {
    sg_arena *a = *state;
    /* Only the second dash of "--x" starts a word; a wildcard, a backslash,
       a quote, a dash or NBSP before it is no word character; a digit or a
       letter after it is. */
    assert_int_equal(windash(a, "--x").n, 5);
    ASSERT_BYTES(windash(a, "--x").v[1], "-/x");
    assert_int_equal(windash(a, "*-foo").n, 5);
    assert_int_equal(windash(a, "\\-foo").n, 5);
    assert_int_equal(windash(a, "\"-foo").n, 5);
    assert_int_equal(windash(a, "\xc2\xa0-x").n, 5);
    assert_int_equal(windash(a, "\u201c-x").n, 5);
    assert_int_equal(windash(a, "-1").n, 5);
    assert_int_equal(windash(a, "-_x").n, 5);
    assert_int_equal(windash(a, "-\xc3\xa9").n, 5);
    assert_int_equal(windash(a, "-param-name").n, 5);
    /* pySigma's rule, not a path parser: ':' is no word character. */
    assert_int_equal(windash(a, "C:/Windows").n, 5);
    ASSERT_BYTES(windash(a, "-param-name").v[1], "/param-name");
}

static void test_windash_limit(void **state) {
    sg_arena *a = *state;
    assert_int_equal(windash(a, "-a -b -c -d").n, 625);
    sg_blist l = sg_blist_one(a, S("-a -b -c -d -e")), out = {0};
    const char *err = sg_windash(a, &l, &out);
    assert_non_null(err);
    assert_non_null(strstr(err, "windash"));
    assert_null(out.v);
    l = windash(a, "-a -b -c -d");
    err = sg_encode(a, SG_ENC_BASE64OFFSET, &l, &l);
    assert_non_null(strstr(err, "base64offset"));
}

/* ---- wildcards ---- */

static void assert_pattern(sg_arena *a, const char *src, const char *canon) {
    assert_bytes(sg_pattern(a, src, strlen(src)), canon, strlen(canon));
}

static void test_pattern_plain(void **state) {
    sg_arena *a = *state;
    assert_pattern(a, "", "");
    assert_pattern(a, "foo", "foo");
    assert_pattern(a, "*foo?", "*foo?");
    assert_bytes(sg_pattern(a, S("a\0b")), S("a\0b"));
}

static void test_pattern_escapes(void **state) {
    sg_arena *a = *state;
    assert_pattern(a, "\\*", "\\*");         /* \*   a star */
    assert_pattern(a, "\\?", "\\?");         /* \?   a question mark */
    assert_pattern(a, "\\\\", "\\\\");       /* \\   a backslash */
    assert_pattern(a, "\\\\*", "\\\\*");     /* \\*  a backslash, then a wildcard */
    assert_pattern(a, "\\\\\\*", "\\\\\\*"); /* \\\* a backslash, then a star */
    /* Three or four backslashes are two. */
    assert_pattern(a, "\\\\\\", "\\\\\\\\");
    assert_pattern(a, "\\\\\\\\", "\\\\\\\\");
    /* A backslash before anything else, or at the end, is itself. */
    assert_pattern(a, "C:\\Windows\\System32", "C:\\\\Windows\\\\System32");
    assert_pattern(a, "a\\", "a\\\\");
    assert_pattern(a, "\\n", "\\\\n");
    /* Easy to misread: \* after a path is a literal star... */
    assert_pattern(a, "C:\\Windows\\*", "C:\\\\Windows\\*");
    /* ...and the wildcard after a backslash needs the backslash doubled. */
    assert_pattern(a, "C:\\Windows\\\\*", "C:\\\\Windows\\\\*");
}

static void test_literal(void **state) {
    sg_arena *a = *state;
    sg_bytes raw;
    /* Both spelled in SigmaHQ rules for the SMB path \\*\IPC$ and \*\IPC$ */
    sg_bytes p = sg_pattern(a, S("\\\\\\\\\\*\\\\IPC$"));
    assert_null(sg_literal(a, &p, &raw));
    ASSERT_BYTES(raw, "\\\\*\\IPC$");
    p = sg_pattern(a, S("\\\\\\*\\IPC$"));
    assert_null(sg_literal(a, &p, &raw));
    ASSERT_BYTES(raw, "\\*\\IPC$");
    p = sg_pattern(a, S("C:\\Windows\\*"));
    assert_null(sg_literal(a, &p, &raw));
    ASSERT_BYTES(raw, "C:\\Windows*");

    static const char *const wild[] = {"*", "a?", "C:\\Windows\\\\*", "\\**"};
    for (size_t i = 0; i < sizeof wild / sizeof wild[0]; i++) {
        p = sg_pattern(a, wild[i], strlen(wild[i]));
        const char *err = sg_literal(a, &p, &raw);
        assert_non_null(err);
        assert_non_null(strstr(err, "wildcard"));
    }
}

static void test_escape(void **state) {
    sg_arena *a = *state;
    ASSERT_BYTES(sg_escape(a, S("a*b?c\\d")), "a\\*b\\?c\\\\d");
    ASSERT_BYTES(sg_escape(a, S("*\0?")), "\\*\0\\?");
    ASSERT_BYTES(sg_escape(a, S("")), "");
    /* sg_literal undoes it */
    sg_bytes p = sg_escape(a, S("x*\\?")), raw;
    assert_null(sg_literal(a, &p, &raw));
    ASSERT_BYTES(raw, "x*\\?");
}

/* ---- classification ---- */

static void assert_class(sg_arena *a, const char *src, sg_anchor anchor, sg_op op,
                         const char *str) {
    sg_bytes p = sg_pattern(a, src, strlen(src));
    sg_strtest t = sg_classify(a, &p, anchor);
    assert_int_equal(t.op, op);
    assert_bytes(t.str, str, strlen(str));
}

static void test_classify_literal(void **state) {
    sg_arena *a = *state;
    assert_class(a, "foo", SG_ANCHOR_NONE, SG_EQ, "foo");
    assert_class(a, "foo", SG_ANCHOR_CONTAINS, SG_CONTAINS, "foo");
    assert_class(a, "foo", SG_ANCHOR_STARTSWITH, SG_PREFIX, "foo");
    assert_class(a, "foo", SG_ANCHOR_ENDSWITH, SG_SUFFIX, "foo");
}

static void test_classify_end_stars(void **state) {
    sg_arena *a = *state;
    assert_class(a, "*foo*", SG_ANCHOR_NONE, SG_CONTAINS, "foo");
    assert_class(a, "foo*", SG_ANCHOR_NONE, SG_PREFIX, "foo");
    assert_class(a, "*foo", SG_ANCHOR_NONE, SG_SUFFIX, "foo");
    assert_class(a, "**foo***", SG_ANCHOR_NONE, SG_CONTAINS, "foo");
    /* The anchor adds its '*' only where none is. */
    assert_class(a, "*foo*", SG_ANCHOR_CONTAINS, SG_CONTAINS, "foo");
    assert_class(a, "foo*", SG_ANCHOR_CONTAINS, SG_CONTAINS, "foo");
    assert_class(a, "foo*", SG_ANCHOR_STARTSWITH, SG_PREFIX, "foo");
    assert_class(a, "*foo", SG_ANCHOR_STARTSWITH, SG_CONTAINS, "foo");
    assert_class(a, "foo*", SG_ANCHOR_ENDSWITH, SG_CONTAINS, "foo");
    assert_class(a, "*\\cmd.exe", SG_ANCHOR_NONE, SG_SUFFIX, "\\cmd.exe");
}

static void test_classify_escapes(void **state) {
    sg_arena *a = *state;
    assert_class(a, "\\*foo\\*", SG_ANCHOR_NONE, SG_EQ, "*foo*");
    assert_class(a, "\\*foo\\*", SG_ANCHOR_CONTAINS, SG_CONTAINS, "*foo*");
    assert_class(a, "\\**", SG_ANCHOR_NONE, SG_PREFIX, "*");
    assert_class(a, "what\\?", SG_ANCHOR_ENDSWITH, SG_SUFFIX, "what?");
    assert_class(a, "C:\\Windows\\\\*", SG_ANCHOR_NONE, SG_PREFIX, "C:\\Windows\\");
    assert_class(a, "C:\\Windows\\*", SG_ANCHOR_NONE, SG_EQ, "C:\\Windows*");
    assert_class(a, "C:\\Windows\\", SG_ANCHOR_STARTSWITH, SG_PREFIX, "C:\\Windows\\");
    assert_class(a, "\\\\\\*", SG_ANCHOR_CONTAINS, SG_CONTAINS, "\\*");
}

static void test_classify_glob(void **state) {
    sg_arena *a = *state;
    assert_class(a, "f?o", SG_ANCHOR_NONE, SG_GLOB, "f?o");
    assert_class(a, "f?o", SG_ANCHOR_CONTAINS, SG_GLOB, "*f?o*");
    assert_class(a, "f?o", SG_ANCHOR_STARTSWITH, SG_GLOB, "f?o*");
    assert_class(a, "f?o", SG_ANCHOR_ENDSWITH, SG_GLOB, "*f?o");
    assert_class(a, "?", SG_ANCHOR_NONE, SG_GLOB, "?");
    assert_class(a, "*?", SG_ANCHOR_NONE, SG_GLOB, "*?");
    assert_class(a, "*?*", SG_ANCHOR_CONTAINS, SG_GLOB, "*?*");
    assert_class(a, "a*b", SG_ANCHOR_NONE, SG_GLOB, "a*b");
    assert_class(a, "a*b", SG_ANCHOR_CONTAINS, SG_GLOB, "*a*b*");
    assert_class(a, "a*b", SG_ANCHOR_STARTSWITH, SG_GLOB, "a*b*");
    assert_class(a, "a*b", SG_ANCHOR_ENDSWITH, SG_GLOB, "*a*b");
    assert_class(a, "**a***b**", SG_ANCHOR_NONE, SG_GLOB, "*a*b*");
    /* Escapes stay canonical inside a glob. */
    assert_class(a, "C:\\Windows\\*\\?.ex?*", SG_ANCHOR_NONE, SG_GLOB, "C:\\\\Windows\\*\\?.ex?*");
    assert_class(a, "C:\\Windows\\*\\?.exe*", SG_ANCHOR_NONE, SG_PREFIX, "C:\\Windows*?.exe");
    assert_class(a, "C:\\Users\\\\*\\AppData", SG_ANCHOR_CONTAINS, SG_GLOB,
                 "*C:\\\\Users\\\\*\\\\AppData*");
    assert_class(a, "a?\\*", SG_ANCHOR_CONTAINS, SG_GLOB, "*a?\\**");
}

static void test_classify_empty_and_star(void **state) {
    sg_arena *a = *state;
    assert_class(a, "", SG_ANCHOR_NONE, SG_EQ, "");
    assert_class(a, "", SG_ANCHOR_CONTAINS, SG_GLOB, "*");
    assert_class(a, "", SG_ANCHOR_STARTSWITH, SG_GLOB, "*");
    assert_class(a, "", SG_ANCHOR_ENDSWITH, SG_GLOB, "*");
    for (sg_anchor an = SG_ANCHOR_NONE; an <= SG_ANCHOR_ENDSWITH; an++) {
        assert_class(a, "*", an, SG_GLOB, "*");
        assert_class(a, "***", an, SG_GLOB, "*");
    }
}

static void test_classify_raw_canonical(void **state) {
    sg_arena *a = *state;
    /* Canonical input not made by sg_pattern: a needless escape and a lone
       trailing backslash come out canonical. */
    sg_bytes p = {"\\a?x\\", 5};
    sg_strtest t = sg_classify(a, &p, SG_ANCHOR_CONTAINS);
    assert_int_equal(t.op, SG_GLOB);
    ASSERT_BYTES(t.str, "*a?x\\\\*");
    p = (sg_bytes){"\\a\\", 3};
    t = sg_classify(a, &p, SG_ANCHOR_NONE);
    assert_int_equal(t.op, SG_EQ);
    ASSERT_BYTES(t.str, "a\\");
}

/* ---- the whole chain ---- */

static sg_strtest *tests_of(sg_arena *a, const char *src, size_t n, const sg_strmods *m,
                            size_t *count) {
    sg_strtest *t = NULL;
    assert_null(sg_string_tests(a, src, n, m, &t, count));
    return t;
}

static void test_chain_plain(void **state) {
    sg_arena *a = *state;
    size_t n;
    sg_strmods m = {.anchor = SG_ANCHOR_ENDSWITH};
    sg_strtest *t = tests_of(a, S("\\cmd.exe"), &m, &n);
    assert_int_equal(n, 1);
    assert_int_equal(t[0].op, SG_SUFFIX);
    ASSERT_BYTES(t[0].str, "\\cmd.exe");
}

static void test_chain_windash_wildcards(void **state) {
    sg_arena *a = *state;
    size_t n;
    sg_strmods m = {.windash = true};
    sg_strtest *t = tests_of(a, S("-foo*"), &m, &n);
    assert_int_equal(n, 5);
    static const char *const want[] = {"-foo", "/foo", "\u2013foo", "\u2014foo", "\u2015foo"};
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(t[i].op, SG_PREFIX);
        assert_bytes(t[i].str, want[i], strlen(want[i]));
    }
    m.anchor = SG_ANCHOR_CONTAINS;
    t = tests_of(a, S(" -s -i ?md"), &m, &n);
    assert_int_equal(n, 25);
    assert_int_equal(t[6].op, SG_GLOB);
    ASSERT_BYTES(t[6].str, "* /s /i ?md*");
}

static void test_chain_encoders(void **state) {
    sg_arena *a = *state;
    size_t n;
    const sg_encoding wide_b64off[] = {SG_ENC_UTF16LE, SG_ENC_BASE64OFFSET};
    sg_strmods m = {.enc = wide_b64off, .nenc = 2, .anchor = SG_ANCHOR_CONTAINS};
    sg_strtest *t = tests_of(a, S("::FromBase64String"), &m, &n);
    assert_int_equal(n, 3);
    assert_int_equal(t[1].op, SG_CONTAINS);
    ASSERT_BYTES(t[1].str, "oAOgBGAHIAbwBtAEIAYQBzAGUANgA0AFMAdAByAGkAbgBnA");

    const sg_encoding b64[] = {SG_ENC_BASE64};
    m = (sg_strmods){.enc = b64, .nenc = 1};
    t = tests_of(a, S("ping"), &m, &n);
    assert_int_equal(t[0].op, SG_EQ);
    ASSERT_BYTES(t[0].str, "cGluZw==");
    /* An escaped star is a character to encode. */
    t = tests_of(a, S("a\\*b"), &m, &n);
    ASSERT_BYTES(t[0].str, "YSpi");
}

static void test_chain_encoded_star_is_literal(void **state) {
    sg_arena *a = *state;
    size_t n;
    const sg_encoding wide[] = {SG_ENC_UTF16LE};
    sg_strmods m = {.enc = wide, .nenc = 1, .anchor = SG_ANCHOR_CONTAINS};
    sg_strtest *t = tests_of(a, S("\\*\\?"), &m, &n);
    assert_int_equal(t[0].op, SG_CONTAINS);
    ASSERT_BYTES(t[0].str, "*\0?\0");
    m.anchor = SG_ANCHOR_NONE;
    t = tests_of(a, S("\\\\"), &m, &n);
    assert_int_equal(t[0].op, SG_EQ);
    ASSERT_BYTES(t[0].str, "\\\0");
}

static void test_chain_windash_encoder(void **state) {
    sg_arena *a = *state;
    size_t n;
    const sg_encoding b64off[] = {SG_ENC_BASE64OFFSET};
    sg_strmods m = {.windash = true, .enc = b64off, .nenc = 1, .anchor = SG_ANCHOR_CONTAINS};
    sg_strtest *t = tests_of(a, S("-exec"), &m, &n);
    assert_int_equal(n, 15);
    /* pySigma's output for the five spellings of -exec, in windash order */
    static const char *const want[] = {
        "LWV4ZW",   "1leGVj",    "tZXhlY",    "L2V4ZW",    "9leGVj",
        "vZXhlY",   "4oCTZXhlY", "KAk2V4ZW",  "igJNleGVj", "4oCUZXhlY",
        "KAlGV4ZW", "igJRleGVj", "4oCVZXhlY", "KAlWV4ZW",  "igJVleGVj",
    };
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(t[i].op, SG_CONTAINS);
        assert_bytes(t[i].str, want[i], strlen(want[i]));
    }
}

static void test_chain_errors(void **state) {
    sg_arena *a = *state;
    sg_strtest *t = NULL;
    size_t n = 0;
    const sg_encoding b64[] = {SG_ENC_BASE64};
    sg_strmods m = {.enc = b64, .nenc = 1, .anchor = SG_ANCHOR_CONTAINS};
    const char *err = sg_string_tests(a, S("foo*"), &m, &t, &n);
    assert_non_null(err);
    assert_non_null(strstr(err, "wildcards cannot be encoded"));
    assert_null(t);
    const sg_encoding wide[] = {SG_ENC_UTF16LE};
    m.enc = wide;
    assert_non_null(sg_string_tests(a, S("\xff"), &m, &t, &n));
    m = (sg_strmods){.windash = true};
    assert_non_null(sg_string_tests(a, S("-a -b -c -d -e"), &m, &t, &n));
    assert_null(t);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(test_base64),
        T(test_base64offset_spec),
        T(test_base64offset_lengths),
        T(test_base64offset_too_short),
        T(test_base64offset_list),
        T(test_utf16),
        T(test_utf16_non_ascii),
        T(test_utf16_surrogate_pairs),
        T(test_utf16_invalid),
        T(test_wide_base64offset),
        T(test_utf16_base64),
        T(test_encoding_by_name),
        T(test_windash_one_flag),
        T(test_windash_two_flags),
        T(test_windash_not_flags),
        T(test_windash_boundaries),
        T(test_windash_limit),
        T(test_pattern_plain),
        T(test_pattern_escapes),
        T(test_literal),
        T(test_escape),
        T(test_classify_literal),
        T(test_classify_end_stars),
        T(test_classify_escapes),
        T(test_classify_glob),
        T(test_classify_empty_and_star),
        T(test_classify_raw_canonical),
        T(test_chain_plain),
        T(test_chain_windash_wildcards),
        T(test_chain_encoders),
        T(test_chain_encoded_star_is_literal),
        T(test_chain_windash_encoder),
        T(test_chain_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
