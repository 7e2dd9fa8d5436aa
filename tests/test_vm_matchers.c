/* Unit tests for the vm's value matchers: case folding, globs, IP networks,
   numbers and timestamp parts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vm/event.h"
#include "vm/match.h"

/* ---- Case folding ---- */

/* Folds n bytes of s and checks the result against want (wn bytes). */
static void assert_fold_n(const char *s, size_t n, const char *want, size_t wn) {
    size_t len = 12345;
    char *f = sv_casefold(s, n, &len);
    assert_non_null(f);
    assert_int_equal(len, wn);
    assert_memory_equal(f, want, wn);
    assert_int_equal(f[len], '\0');
    free(f);
}

static void assert_fold(const char *s, const char *want) {
    assert_fold_n(s, strlen(s), want, strlen(want));
}

static void fold_ascii(void **state) {
    (void)state;
    assert_fold("", "");
    assert_fold("Hello, WORLD! 123 [@`{]", "hello, world! 123 [@`{]");
    assert_fold("C:\\Windows\\System32\\CMD.EXE", "c:\\windows\\system32\\cmd.exe");
}

/* An event value folded eight or sixteen bytes at a time: every ASCII
   byte at every position of the word, and a non-ASCII byte late in a long
   value. */
static void fold_event_values(void **state) {
    (void)state;
    sv_event *ev = sv_event_new(1);
    char text[40], want[40];
    for (int b = 1; b < 128; b++)
        for (size_t at = 0; at < sizeof text; at++) {
            memset(text, 'Q', sizeof text);
            text[at] = (char)b;
            for (size_t i = 0; i < sizeof text; i++)
                want[i] = (char)(text[i] >= 'A' && text[i] <= 'Z' ? text[i] + 32 : text[i]);
            sv_value v = {.p = text, .len = sizeof text, .type = SV_V_STR};
            const char *f;
            size_t n;
            assert_true(sv_value_folded(ev, &v, &f, &n));
            assert_int_equal(n, sizeof text);
            assert_memory_equal(f, want, n);
        }
    /* Each two-byte escape at each position of an upper-case text, alone
       and followed by a second one anywhere after it, decoded and folded in
       one pass (also across a block of sixteen bytes). */
    static const char escapes[] = "\"\\/bfnrt", decoded[] = "\"\\/\b\f\n\r\t";
    for (size_t e = 0; e < sizeof escapes - 1; e++)
        for (size_t at = 0; at + 2 <= sizeof text; at++)
            for (size_t at2 = at; at2 + 2 <= sizeof text; at2 += at2 == at ? 2 : 1) {
                bool two = at2 != at;
                memset(text, 'Q', sizeof text);
                text[at] = '\\';
                text[at + 1] = escapes[e];
                if (two) text[at2] = '\\', text[at2 + 1] = escapes[(e + 3) % 8];
                memset(want, 'q', sizeof want);
                want[at] = decoded[e];
                if (two) want[at2 - 1] = decoded[(e + 3) % 8];
                sv_value v = {
                    .p = text, .len = sizeof text, .type = SV_V_STR, .escaped = SV_ESC_SOME};
                const char *f;
                size_t n;
                sv_event_reset(ev);
                assert_true(sv_value_folded(ev, &v, &f, &n));
                assert_int_equal(n, sizeof text - 1 - two);
                assert_memory_equal(f, want, n);
            }
    /* A non-ASCII byte where the flags promised none is still folded, by
       the general path; a backslash that ends the text is kept. */
    static const char odd[][2][48] = {
        {"ABCDEFGHIJKLMNOPQRS\xc3\x84UVWXYZ\\\\ABC", "abcdefghijklmnopqrs\xc3\xa4uvwxyz\\abc"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZ\\", "abcdefghijklmnopqrstuvwxyz\\"},
        {"ABCDEFGHIJKLMNO\\", "abcdefghijklmno\\"},
    };
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
        sv_value v = {
            .p = odd[i][0], .len = strlen(odd[i][0]), .type = SV_V_STR, .escaped = SV_ESC_SOME};
        const char *f;
        size_t n;
        sv_event_reset(ev);
        assert_true(sv_value_folded(ev, &v, &f, &n));
        assert_int_equal(n, strlen(odd[i][1]));
        assert_memory_equal(f, odd[i][1], n);
    }
    static const char long_text[] = "C:\\\\PROGRAM FILES\\\\ÄPP\\\\X.EXE";
    sv_value v = {.p = long_text, .len = sizeof long_text - 1, .type = SV_V_STR, .escaped = 1};
    const char *f;
    size_t n;
    assert_true(sv_value_folded(ev, &v, &f, &n));
    assert_string_equal(f, "c:\\program files\\äpp\\x.exe");
    sv_event_free(ev);
}

static void unescape_runs(void **state) {
    (void)state;
    static const char *const cases[][2] = {
        {"", ""},
        {"plain", "plain"},
        {"a\\\\b\\\\", "a\\b\\"},
        {"\\n\\t\\r\\b\\f\\/\\\"", "\n\t\r\b\f/\""},
        {"x\\u00e9y\\ud83d\\ude00", "x\xc3\xa9y\xf0\x9f\x98\x80"},
        {"end\\", "end\\"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[64];
        size_t n = sv_json_unescape(cases[i][0], strlen(cases[i][0]), out);
        assert_int_equal(n, strlen(cases[i][1]));
        assert_memory_equal(out, cases[i][1], n);
    }
}

static void fold_non_ascii(void **state) {
    (void)state;
    assert_fold("ÄÖÜ", "äöü");
    assert_fold("Straße", "strasse");
    assert_fold("ẞ", "ss"); /* capital sharp s */
    assert_fold("ΣΊΣΥΦΟΣ", "σίσυφοσ");
    assert_fold("ς", "σ");      /* final sigma folds like any sigma */
    assert_fold("\u212A", "k"); /* Kelvin sign */
    assert_fold("\uFB03", "ffi");
    /* Full folding: the capital I with dot above keeps its dot as a
       combining mark; the dotless ı is left alone. */
    assert_fold("İ", "i\u0307");
    assert_fold("ı", "ı");
    assert_fold("ΐ", "\u03B9\u0308\u0301"); /* one character folds to three */
    assert_fold("ПРИВЕТ мир", "привет мир");
    assert_fold("already folded: é", "already folded: é");
}

/* ev's value of text s (n bytes, non-ASCII) folds to want (wn bytes). */
static void assert_value_folds(sv_event *ev, const char *s, size_t n, const char *want, size_t wn) {
    sv_value v = {.p = s, .len = n, .type = SV_V_STR, .escaped = SV_ESC_WIDE};
    const char *f;
    size_t fn;
    sv_event_reset(ev);
    assert_true(sv_value_folded(ev, &v, &f, &fn));
    assert_int_equal(fn, wn);
    assert_memory_equal(f, want, wn);
}

/* Event values with a non-ASCII character anywhere in ASCII text (the ®
   of Sysmon's "Microsoft® Windows®"), and one that folds to three times
   its length, past the room first set aside for it. */
static void fold_event_values_non_ascii(void **state) {
    (void)state;
    sv_event *ev = sv_event_new(1);
    char text[48], want[48];
    for (size_t at = 0; at + 2 <= sizeof text; at++) {
        memset(text, 'W', sizeof text);
        memset(want, 'w', sizeof want);
        memcpy(text + at, "\xc2\xae", 2);
        memcpy(want + at, "\xc2\xae", 2);
        if (at + 4 <= sizeof text) {
            memcpy(text + at + 2, "\xc3\x84", 2); /* Ä */
            memcpy(want + at + 2, "\xc3\xa4", 2);
        }
        assert_value_folds(ev, text, sizeof text, want, sizeof want);
    }
    char iota[60], wide[180];
    for (size_t i = 0; i < 30; i++) {
        memcpy(iota + 2 * i, "ΐ", 2);
        memcpy(wide + 6 * i, "\u03B9\u0308\u0301", 6);
    }
    assert_value_folds(ev, iota, sizeof iota, wide, sizeof wide);
    /* Without room, nothing is claimed. */
    char out[8];
    assert_true(sv_casefold_into("ΐ", 2, out, 5) == SIZE_MAX);
    assert_int_equal(sv_casefold_into("ΐ", 2, out, 6), 6);
    assert_true(sv_casefold_into("abc", 3, out, 2) == SIZE_MAX);
    assert_int_equal(sv_casefold_into("ẞ", 3, out, 2), 2); /* shorter folded */
    assert_memory_equal(out, "ss", 2);
    assert_true(sv_casefold_into("\377", 1, out, 0) == SIZE_MAX);
    assert_int_equal(sv_casefold_into("\377A", 2, out, 2), 2);
    sv_event_free(ev);
}

/* sv_fold_keeps_ascii_apart looks the characters of two UTF-8 bytes up
   in a list of its own: it must agree with the folding itself for every
   one, alone and between ASCII. */
static void fold_two_byte_range(void **state) {
    (void)state;
    unsigned to_ascii = 0;
    for (uint32_t cp = 0x80; cp < 0x800; cp++) {
        char s[4] = {'a', (char)(0xC0 | cp >> 6), (char)(0x80 | (cp & 0x3F)), 'b'};
        size_t len;
        char *f = sv_casefold(s + 1, 2, &len);
        bool ascii = false;
        for (size_t i = 0; i < len; i++)
            ascii |= (unsigned char)f[i] < 0x80;
        free(f);
        to_ascii += ascii;
        assert_int_equal(sv_fold_keeps_ascii_apart(s + 1, 2), !ascii);
        assert_int_equal(sv_fold_keeps_ascii_apart(s, 4), !ascii);
    }
    assert_int_equal(to_ascii, 5);
}

static void fold_invalid_utf8(void **state) {
    (void)state;
    /* Octal escapes: a hex escape would swallow a following letter. */
    assert_fold("A\377B", "a\377b");
    assert_fold("\303", "\303");                   /* truncated sequence */
    assert_fold("\303A", "\303a");                 /* lead byte, no continuation */
    assert_fold("\200\277Ä", "\200\277ä");         /* stray continuations */
    assert_fold("\300\257", "\300\257");           /* overlong '/' */
    assert_fold("\355\240\200X", "\355\240\200x"); /* encoded surrogate */
    assert_fold("\342\202Ä", "\342\202ä");         /* cut short by a valid char */
}

static void fold_embedded_nul(void **state) {
    (void)state;
    assert_fold_n("AB\0CD", 5, "ab\0cd", 5);
    assert_fold_n("Ä\0Ö", 5, "ä\0ö", 5);
}

/* ---- Glob ---- */

static bool glob(const char *pat, const char *s) {
    return sv_glob_match(pat, strlen(pat), s, strlen(s));
}

static void glob_star_and_question(void **state) {
    (void)state;
    assert_true(glob("", ""));
    assert_false(glob("", "a"));
    assert_true(glob("*", ""));
    assert_true(glob("*", "anything"));
    assert_true(glob("**", "x"));
    assert_true(glob("abc", "abc"));
    assert_false(glob("abc", "abcd"));
    assert_false(glob("abcd", "abc"));
    assert_true(glob("*.exe", "cmd.exe"));
    assert_false(glob("*.exe", "cmd.exe.txt"));
    assert_true(glob("c:\\\\*\\\\cmd.exe", "c:\\windows\\system32\\cmd.exe"));
    assert_true(glob("*powershell*-enc*", "x powershell.exe -nop -enc AAAA"));
    assert_true(glob("a*b*c", "aXbYc"));
    assert_true(glob("a*b*c", "abbbc"));
    assert_false(glob("a*b*c", "acb"));
    assert_true(glob("?", "x"));
    assert_false(glob("?", ""));
    assert_false(glob("?", "xy"));
    assert_true(glob("a?c", "abc"));
    assert_true(glob("*?", "a"));
    assert_false(glob("*??", "a"));
    assert_true(glob("?*?", "ab"));
}

static void glob_escapes(void **state) {
    (void)state;
    assert_true(glob("a\\*b", "a*b"));
    assert_false(glob("a\\*b", "aXb"));
    assert_true(glob("a\\?b", "a?b"));
    assert_false(glob("a\\?b", "aXb"));
    assert_true(glob("a\\\\b", "a\\b"));
    assert_false(glob("a\\\\b", "a\\\\b"));
    assert_true(glob("\\a", "a"));     /* any byte can be escaped */
    assert_true(glob("ab\\", "ab\\")); /* a trailing lone backslash is literal */
    assert_false(glob("ab\\", "ab"));
    assert_true(glob("*\\*", "star*"));
    assert_false(glob("*\\*", "star"));
}

static void glob_multibyte(void **state) {
    (void)state;
    assert_true(glob("?", "é"));
    assert_true(glob("?", "€"));
    assert_true(glob("?", "😀"));
    assert_false(glob("??", "é"));
    assert_false(glob("*??", "€")); /* a star must not split a character */
    assert_true(glob("gr??e", "grüße"));
    assert_true(glob("*ß", "straß"));
    assert_true(glob("?", "\377")); /* an invalid byte is one character */
    assert_true(glob("??", "\303A"));
    assert_false(glob("a?b", "a\342\202b")); /* two stray bytes, two characters */
    assert_true(glob("a??b", "a\342\202b"));
}

static void glob_embedded_nul(void **state) {
    (void)state;
    assert_true(sv_glob_match("a?c", 3, "a\0c", 3));
    assert_true(sv_glob_match("a*", 2, "a\0\0", 3));
    assert_false(sv_glob_match("a", 1, "a\0", 2));
}

static void glob_pathological(void **state) {
    (void)state;
    enum { N = 10000 };
    char *s = malloc(N + 2);
    assert_non_null(s);
    memset(s, 'a', N);
    s[N] = '\0';
    assert_false(glob("*a*a*a*a*b", s));
    assert_true(glob("*a*a*a*a*", s));
    assert_false(glob("*a*a*a*a*a?b", s));
    s[N] = 'b';
    s[N + 1] = '\0';
    assert_true(glob("*a*a*a*a*b", s));
    free(s);
}

/* ---- IP addresses ---- */

static void parse_ip_ok(const char *s, const uint8_t want[16]) {
    uint8_t got[16];
    memset(got, 0xaa, sizeof got);
    assert_true(sv_parse_ip(s, strlen(s), got));
    assert_memory_equal(got, want, 16);
}

static bool parses_ip(const char *s) {
    uint8_t got[16];
    return sv_parse_ip(s, strlen(s), got);
}

static void ip_v4(void **state) {
    (void)state;
    static const uint8_t a[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 1, 20};
    static const uint8_t zero[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0};
    static const uint8_t bcast[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 255, 255, 255, 255};
    parse_ip_ok("192.168.1.20", a);
    parse_ip_ok("0.0.0.0", zero);
    parse_ip_ok("255.255.255.255", bcast);
    const char *bad[] = {"",          "1.2.3",    "256.1.1.1",  "1.2.3.4.5",    "1.2.3.",
                         ".1.2.3",    "1..2.3",   "+1.2.3.4",   " 1.2.3.4",     "1.2.3.4 ",
                         "1.2.3.a",   "01.2.3.4", "1.2.3.1000", "1.2.3.4%eth0", "1.2.3.-4",
                         "0x1.2.3.4", "1.2.3.4/8"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (parses_ip(bad[i])) fail_msg("accepted '%s'", bad[i]);
    }
}

static void ip_v6(void **state) {
    (void)state;
    static const uint8_t loop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t any[16] = {0};
    static const uint8_t doc[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
    static const uint8_t full[16] = {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8};
    static const uint8_t tail7[16] = {0, 0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7};
    static const uint8_t head7[16] = {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0};
    static const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4};
    static const uint8_t compat[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1};
    static const uint8_t link[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t upper[16] = {0xab, 0xcd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xef, 0x01};
    parse_ip_ok("::1", loop);
    parse_ip_ok("::", any);
    parse_ip_ok("2001:db8::1", doc);
    parse_ip_ok("2001:0DB8:0000:0000:0000:0000:0000:0001", doc);
    parse_ip_ok("1:2:3:4:5:6:7:8", full);
    parse_ip_ok("::1:2:3:4:5:6:7", tail7);
    parse_ip_ok("1:2:3:4:5:6:7::", head7);
    parse_ip_ok("::ffff:1.2.3.4", mapped);
    parse_ip_ok("::FFFF:1.2.3.4", mapped);
    parse_ip_ok("1.2.3.4", mapped); /* IPv4 text is the same address */
    parse_ip_ok("::10.0.0.1", compat);
    parse_ip_ok("0:0:0:0:0:ffff:1.2.3.4", mapped);
    parse_ip_ok("fe80::1%eth0", link);
    parse_ip_ok("fe80::1%1", link);
    parse_ip_ok("ABCD::EF01", upper);
    const char *bad[] = {":::",
                         "1::2::3",
                         "1:2:3:4:5:6:7",
                         "1:2:3:4:5:6:7:8:9",
                         "1:2:3:4:5:6:7:8::",
                         "::1:2:3:4:5:6:7:8",
                         ":1::2",
                         "1::2:",
                         "1:2:3:4:5:6:7:",
                         ":1:2:3:4:5:6:7:8",
                         "12345::",
                         "g::1",
                         "1.2.3.4::",
                         "::1.2.3.4:5",
                         "::1.2.3",
                         "::256.1.1.1",
                         "1:2:3:4:5:6:7:1.2.3.4",
                         "fe80::1%",
                         " ::1",
                         "::1 ",
                         "[::1]",
                         "::-1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (parses_ip(bad[i])) fail_msg("accepted '%s'", bad[i]);
    }
}

static bool in_net(const char *ip, const char *cidr) {
    uint8_t a[16], net[16];
    unsigned prefix = 999;
    if (!sv_parse_ip(ip, strlen(ip), a)) fail_msg("bad address '%s'", ip);
    if (!sv_parse_cidr(cidr, strlen(cidr), net, &prefix)) fail_msg("bad network '%s'", cidr);
    return sv_ip_in_net(a, net, prefix);
}

static void cidr_parse(void **state) {
    (void)state;
    uint8_t net[16];
    unsigned prefix = 0;
    static const uint8_t ten[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 0};
    assert_true(sv_parse_cidr("10.0.0.0/8", 10, net, &prefix));
    assert_memory_equal(net, ten, 16);
    assert_int_equal(prefix, 96 + 8);
    assert_true(sv_parse_cidr("10.0.0.0", 8, net, &prefix));
    assert_int_equal(prefix, 128);
    assert_true(sv_parse_cidr("0.0.0.0/0", 9, net, &prefix));
    assert_int_equal(prefix, 96);
    assert_true(sv_parse_cidr("2001:db8::/32", 13, net, &prefix));
    assert_int_equal(prefix, 32);
    assert_true(sv_parse_cidr("::/0", 4, net, &prefix));
    assert_int_equal(prefix, 0);
    assert_true(sv_parse_cidr("fe80::%eth0/10", 14, net, &prefix));
    assert_int_equal(prefix, 10);
    const char *bad[] = {"10.0.0.0/33", "::/129",      "10.0.0.0/",    "10.0.0.0/-1",
                         "10.0.0.0/+8", "10.0.0.0/08", "10.0.0.0/8/8", "/8",
                         "10.0.0/8",    "10.0.0.0/ 8", "::/1000",      "10.0.0.0/a"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (sv_parse_cidr(bad[i], strlen(bad[i]), net, &prefix)) fail_msg("accepted '%s'", bad[i]);
    }
}

static void cidr_contains(void **state) {
    (void)state;
    assert_true(in_net("10.1.2.3", "10.0.0.0/8"));
    assert_false(in_net("11.1.2.3", "10.0.0.0/8"));
    assert_true(in_net("192.168.1.255", "192.168.1.0/24"));
    assert_false(in_net("192.168.2.0", "192.168.1.0/24"));
    assert_true(in_net("172.31.255.255", "172.16.0.0/12"));
    assert_false(in_net("172.32.0.0", "172.16.0.0/12"));
    assert_true(in_net("10.0.0.5", "10.0.0.5/32"));
    assert_false(in_net("10.0.0.6", "10.0.0.5/32"));
    assert_true(in_net("10.0.0.5", "10.0.0.5"));
    assert_true(in_net("10.255.0.1", "10.1.2.3/8")); /* host bits in the network are ignored */
    /* An IPv4 /0 covers every IPv4 address and no other IPv6 address. */
    assert_true(in_net("8.8.8.8", "0.0.0.0/0"));
    assert_true(in_net("::ffff:8.8.8.8", "0.0.0.0/0"));
    assert_false(in_net("2001:db8::1", "0.0.0.0/0"));
    assert_true(in_net("2001:db8::1", "::/0"));
    assert_true(in_net("1.2.3.4", "::/0"));
    assert_true(in_net("2001:db8:1234::1", "2001:db8::/32"));
    assert_false(in_net("2001:db9::1", "2001:db8::/32"));
    assert_true(in_net("fe80::1%eth0", "fe80::/10"));
    assert_true(in_net("febf::1", "fe80::/10"));
    assert_false(in_net("fec0::1", "fe80::/10"));
    assert_true(in_net("::1", "::1/128"));
    assert_false(in_net("::2", "::1/128"));
    assert_true(in_net("1.2.3.4", "::ffff:0:0/96"));
    assert_true(in_net("1.2.3.4", "::ffff:1.2.3.0/120"));
    uint8_t a[16] = {0};
    assert_false(sv_ip_in_net(a, a, 129));
}

/* ---- Numbers ---- */

static void number_accept(void **state) {
    (void)state;
    static const struct {
        const char *s;
        double want;
    } ok[] = {{"0", 0},
              {"-0", 0},
              {"4688", 4688},
              {"-12", -12},
              {"3.25", 3.25},
              {"-0.5", -0.5},
              {"1e3", 1000},
              {"1E3", 1000},
              {"1e+3", 1000},
              {"25e-2", 0.25},
              {"0.0e0", 0},
              {"0e5", 0},
              {"123456789012345678901234567890", 1.2345678901234568e29}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        double d = -1;
        if (!sv_parse_number(ok[i].s, strlen(ok[i].s), &d)) fail_msg("rejected '%s'", ok[i].s);
        assert_true(d == ok[i].want);
    }
    /* Longer than any stack copy, and not NUL-terminated after the span. */
    char big[200];
    memset(big, '0', sizeof big);
    big[0] = '1';
    big[1] = '.';
    double d;
    assert_true(sv_parse_number(big, sizeof big, &d));
    assert_true(d == 1.0);
    assert_true(sv_parse_number("12345", 2, &d));
    assert_true(d == 12.0);
}

static void number_reject(void **state) {
    (void)state;
    const char *bad[] = {"",    "-",   "+1",    "01", "-01",      "00",   "1.",  ".5",   "1.e3",
                         "1e",  "1e+", "1e3.5", " 1", "1 ",       "0x10", "inf", "-inf", "nan",
                         "NaN", "1,5", "--1",   "1-", "Infinity", "1f",   "\t1", "1\n",  "e5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        double d;
        if (sv_parse_number(bad[i], strlen(bad[i]), &d)) fail_msg("accepted '%s'", bad[i]);
    }
}

/* ---- Time parts ---- */

enum { MINUTE, HOUR, DAY, WEEK, MONTH, YEAR };

static int part_of(const char *s, unsigned part) {
    int v = -1;
    if (!sv_time_part(s, strlen(s), part, &v)) fail_msg("no part %u in '%s'", part, s);
    return v;
}

static bool has_part(const char *s, unsigned part) {
    int v;
    return sv_time_part(s, strlen(s), part, &v);
}

static void time_iso_parts(void **state) {
    (void)state;
    const char *s = "2024-05-01T13:45:10Z";
    assert_int_equal(part_of(s, MINUTE), 45);
    assert_int_equal(part_of(s, HOUR), 13);
    assert_int_equal(part_of(s, DAY), 1);
    assert_int_equal(part_of(s, WEEK), 18);
    assert_int_equal(part_of(s, MONTH), 5);
    assert_int_equal(part_of(s, YEAR), 2024);
    assert_false(has_part(s, 6));
    /* The zone is not applied: the parts are those written. */
    assert_int_equal(part_of("2024-05-01T13:45:10.123+02:00", HOUR), 13);
    assert_int_equal(part_of("2024-12-31T23:59:59-05:00", DAY), 31);
    assert_int_equal(part_of("2024-12-31T23:59:59.999999999+0530", MINUTE), 59);
    assert_int_equal(part_of("2024-05-01 07:08:09", HOUR), 7);
    assert_int_equal(part_of("2024-05-01t07:08z", MINUTE), 8);
    assert_int_equal(part_of("2024-05-01T07:08:09+01", HOUR), 7);
    assert_int_equal(part_of("2016-12-31T23:59:60Z", MINUTE), 59); /* leap second */
    assert_int_equal(part_of("2024-02-29", MONTH), 2);
    assert_int_equal(part_of("2024-02-29", DAY), 29);
    /* A bare date states no time of day. */
    assert_false(has_part("2024-05-01", HOUR));
    assert_false(has_part("2024-05-01", MINUTE));
}

static void time_iso_weeks(void **state) {
    (void)state;
    assert_int_equal(part_of("2021-01-03", WEEK), 53); /* Sunday, still in 2020's last week */
    assert_int_equal(part_of("2021-01-04", WEEK), 1);
    assert_int_equal(part_of("2020-12-31T12:00:00Z", WEEK), 53);
    assert_int_equal(part_of("2019-12-30", WEEK), 1); /* Monday, already 2020's week 1 */
    assert_int_equal(part_of("2019-12-29", WEEK), 52);
    assert_int_equal(part_of("2024-01-01", WEEK), 1);
    assert_int_equal(part_of("2023-01-01", WEEK), 52);
    assert_int_equal(part_of("2022-01-02", WEEK), 52);
    assert_int_equal(part_of("2022-01-03", WEEK), 1);
    assert_int_equal(part_of("2015-12-31", WEEK), 53);
    assert_int_equal(part_of("2016-01-03", WEEK), 53);
    assert_int_equal(part_of("2024-12-30", WEEK), 1);
    assert_int_equal(part_of("2000-02-29", WEEK), 9);
    assert_int_equal(part_of("1970-01-01", WEEK), 1);
}

static void time_epoch(void **state) {
    (void)state;
    /* 1714571110 = 2024-05-01T13:45:10Z */
    assert_int_equal(part_of("1714571110", MINUTE), 45);
    assert_int_equal(part_of("1714571110", HOUR), 13);
    assert_int_equal(part_of("1714571110", DAY), 1);
    assert_int_equal(part_of("1714571110", WEEK), 18);
    assert_int_equal(part_of("1714571110", MONTH), 5);
    assert_int_equal(part_of("1714571110", YEAR), 2024);
    assert_int_equal(part_of("1714571110123", HOUR), 13);
    assert_int_equal(part_of("1714571110123", YEAR), 2024);
    assert_int_equal(part_of("0", YEAR), 1970);
    assert_int_equal(part_of("2024", YEAR), 1970); /* a bare integer is always epoch time */
    assert_int_equal(part_of("0", WEEK), 1);
    assert_int_equal(part_of("1609632000", WEEK), 53); /* 2021-01-03T00:00:00Z */
    assert_int_equal(part_of("1609718400", WEEK), 1);  /* 2021-01-04T00:00:00Z */
    assert_int_equal(part_of("1709164800", DAY), 29);  /* 2024-02-29T00:00:00Z */
    /* Largest seconds value, and the smallest read as milliseconds. */
    assert_int_equal(part_of("100000000000", YEAR), 5138);
    assert_int_equal(part_of("100000000001", YEAR), 1973);
}

static void time_reject(void **state) {
    (void)state;
    const char *bad[] = {"",
                         "2024-05",
                         "24-05-01",
                         "2024-5-01",
                         "2024-13-01",
                         "2024-00-10",
                         "2024-04-31",
                         "2023-02-29",
                         "2024-05-00",
                         "2024-05-01T",
                         "2024-05-01T13",
                         "2024-05-01T24:00:00Z",
                         "2024-05-01T13:60:00Z",
                         "2024-05-01T13:45:61Z",
                         "2024-05-01T13:45:10.Z",
                         "2024-05-01T13:45:10ZZ",
                         "2024-05-01T13:45:10+2:00",
                         "2024-05-01T13:45:10+02:",
                         "2024-05-01T13:45:10+24:00",
                         "2024-05-01T13:45:10 ",
                         " 2024-05-01",
                         "2024-05-01X13:45:10",
                         "2024/05/01",
                         "-1714571110",
                         "1714571110.5",
                         "1e9",
                         "1714571110x",
                         "1234567890123456789"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        for (unsigned part = 0; part <= 5; part++) {
            if (has_part(bad[i], part)) fail_msg("accepted '%s' (part %u)", bad[i], part);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fold_ascii),
        cmocka_unit_test(fold_non_ascii),
        cmocka_unit_test(fold_event_values),
        cmocka_unit_test(fold_event_values_non_ascii),
        cmocka_unit_test(unescape_runs),
        cmocka_unit_test(fold_two_byte_range),
        cmocka_unit_test(fold_invalid_utf8),
        cmocka_unit_test(fold_embedded_nul),
        cmocka_unit_test(glob_star_and_question),
        cmocka_unit_test(glob_escapes),
        cmocka_unit_test(glob_multibyte),
        cmocka_unit_test(glob_embedded_nul),
        cmocka_unit_test(glob_pathological),
        cmocka_unit_test(ip_v4),
        cmocka_unit_test(ip_v6),
        cmocka_unit_test(cidr_parse),
        cmocka_unit_test(cidr_contains),
        cmocka_unit_test(number_accept),
        cmocka_unit_test(number_reject),
        cmocka_unit_test(time_iso_parts),
        cmocka_unit_test(time_iso_weeks),
        cmocka_unit_test(time_epoch),
        cmocka_unit_test(time_reject),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
