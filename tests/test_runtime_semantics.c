/* test_runtime_semantics.c: Sigma semantics end to end (YAML rule, compiler,
   verified pack, scanner, VM) on crafted events, one table row per fact of
   the specification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "rule_harness.h"

static int eval_detection(const char *detection, const char *event, const char *ph, char *diag,
                          size_t dl) {
    char rule[8192];
    snprintf(rule, sizeof rule, "title: t\nid: r1\nlogsource:\n    product: test\ndetection:\n%s",
             detection);
    return harness_eval(rule, event, ph, diag, dl);
}

/* A row's body is the YAML under "detection:", indented by 4. */
static int detection_rule(const char *body, const char *event, char *diag, size_t dl) {
    return eval_detection(body, event, NULL, diag, dl);
}

#define RUN(rows) harness_rows(rows, sizeof rows / sizeof *rows, detection_rule)

#define SEL(body) "    sel:\n" body "    condition: sel\n"

static void plain_strings(void **state) {
    (void)state;
    static const row rows[] = {
        /* whole-value, case-insensitive */
        {SEL("        Image: 'C:\\Windows\\cmd.exe'\n"), "{\"Image\":\"c:\\\\windows\\\\CMD.EXE\"}",
         1},
        {SEL("        Image: 'cmd.exe'\n"), "{\"Image\":\"C:\\\\cmd.exe\"}", 0},
        {SEL("        Image: 'cmd'\n"), "{\"Image\":\"cmdx\"}", 0},
        /* Unicode-aware folding */
        {SEL("        User: 'ÄRGER'\n"), "{\"User\":\"ärger\"}", 1},
        {SEL("        User: 'STRASSE'\n"), "{\"User\":\"straße\"}", 1},
        {SEL("        User: 'ärger'\n"), "{\"User\":\"\\u00c4RGER\"}", 1},
        /* cased */
        {SEL("        User|cased: 'Admin'\n"), "{\"User\":\"admin\"}", 0},
        {SEL("        User|cased: 'Admin'\n"), "{\"User\":\"Admin\"}", 1},
        /* empty string is a value, not absence */
        {SEL("        User: ''\n"), "{\"User\":\"\"}", 1},
        {SEL("        User: ''\n"), "{}", 0},
        {SEL("        User: ''\n"), "{\"User\":\"x\"}", 0},
        /* escaped JSON strings are compared decoded */
        {SEL("        Cmd: 'a\"b'\n"), "{\"Cmd\":\"a\\\"b\"}", 1},
        {SEL("        Cmd: 'é'\n"), "{\"Cmd\":\"\\u00e9\"}", 1},
    };
    RUN(rows);
}

static void wildcards(void **state) {
    (void)state;
    static const row rows[] = {
        {SEL("        Image: '*\\cmd.exe'\n"), "{\"Image\":\"C:\\\\Windows\\\\cmd.exe\"}", 1},
        {SEL("        Image: 'C:\\*'\n"), "{\"Image\":\"C:\\\\Windows\"}",
         0}, /* \* is a literal star */
        {SEL("        Image: 'C:\\*'\n"), "{\"Image\":\"C:*\"}", 1},
        {SEL("        Image: 'C:\\\\*'\n"), "{\"Image\":\"C:\\\\Windows\"}",
         1}, /* \\* : backslash, wildcard */
        {SEL("        Image: 'C:\\Windows'\n"), "{\"Image\":\"c:\\\\windows\"}",
         1}, /* \W stays literal */
        {SEL("        Image: 'a?c'\n"), "{\"Image\":\"abc\"}", 1},
        {SEL("        Image: 'a?c'\n"), "{\"Image\":\"ac\"}", 0},
        {SEL("        Image: 'a?c'\n"), "{\"Image\":\"aéc\"}",
         1}, /* ? is one character, not one byte */
        {SEL("        Image: 'a\\?c'\n"), "{\"Image\":\"abc\"}", 0},
        {SEL("        Image: 'a\\?c'\n"), "{\"Image\":\"a?c\"}", 1},
        {SEL("        Image: 'a*b*c'\n"), "{\"Image\":\"AxxBxxC\"}", 1},
        {SEL("        Image: 'a*b*c'\n"), "{\"Image\":\"axxcxxb\"}", 0},
        {SEL("        Image: '*'\n"), "{\"Image\":\"anything\"}", 1},
        {SEL("        Image: '*'\n"), "{}", 0},
    };
    RUN(rows);
}

static void anchors_and_lists(void **state) {
    (void)state;
    static const row rows[] = {
        {SEL("        C|contains: 'WHOAMI'\n"), "{\"C\":\"cmd /c whoami /all\"}", 1},
        {SEL("        C|startswith: 'cmd'\n"), "{\"C\":\"CMD /c\"}", 1},
        {SEL("        C|startswith: 'cmd'\n"), "{\"C\":\"x cmd\"}", 0},
        {SEL("        C|endswith: '.EXE'\n"), "{\"C\":\"a.exe\"}", 1},
        {SEL("        C|endswith: '.EXE'\n"), "{\"C\":\"a.exe \"}", 0},
        {SEL("        C|contains: 'a*c'\n"), "{\"C\":\"xxabbbcxx\"}", 1},
        /* a list is OR, |all makes it AND */
        {SEL("        C|contains:\n            - foo\n            - bar\n"), "{\"C\":\"bar\"}", 1},
        {SEL("        C|contains|all:\n            - foo\n            - bar\n"), "{\"C\":\"bar\"}",
         0},
        {SEL("        C|contains|all:\n            - foo\n            - bar\n"),
         "{\"C\":\"barfoo\"}", 1},
        /* a map is AND */
        {SEL("        A: 1\n        B: 2\n"), "{\"A\":1}", 0},
        {SEL("        A: 1\n        B: 2\n"), "{\"A\":1,\"B\":2}", 1},
        /* a list of maps is OR */
        {"    sel:\n        - A: 1\n        - B: 2\n    condition: sel\n", "{\"B\":2}", 1},
        {"    sel:\n        - A: 1\n        - B: 2\n    condition: sel\n", "{\"C\":2}", 0},
    };
    RUN(rows);
}

static void numbers_bools_null(void **state) {
    (void)state;
    static const row rows[] = {
        {SEL("        EventID: 4688\n"), "{\"EventID\":4688}", 1},
        {SEL("        EventID: 4688\n"), "{\"EventID\":\"4688\"}", 1},
        {SEL("        EventID: 4688\n"), "{\"EventID\":4688.0}", 1},
        {SEL("        EventID: 4688\n"), "{\"EventID\":46880}", 0},
        {SEL("        EventID: '4688'\n"), "{\"EventID\":4688}", 1},
        {SEL("        EventID:\n            - 1\n            - 4688\n"), "{\"EventID\":4688}", 1},
        {SEL("        Ratio: 1.5\n"), "{\"Ratio\":1.5}", 1},
        {SEL("        Ratio: -2\n"), "{\"Ratio\":\"-2\"}", 1},
        {SEL("        Flag: true\n"), "{\"Flag\":true}", 1},
        {SEL("        Flag: true\n"), "{\"Flag\":false}", 0},
        {SEL("        Flag: false\n"), "{\"Flag\":\"false\"}", 1},
        {SEL("        errorCode: null\n"), "{}", 1},
        {SEL("        errorCode: null\n"), "{\"errorCode\":null}", 1},
        {SEL("        errorCode: null\n"), "{\"errorCode\":\"\"}", 0},
        {SEL("        errorCode: null\n"), "{\"errorCode\":\"x\"}", 0},
        {SEL("        errorCode|exists: true\n"), "{\"errorCode\":null}", 1},
        {SEL("        errorCode|exists: true\n"), "{}", 0},
        {SEL("        errorCode|exists: false\n"), "{}", 1},
        {SEL("        errorCode|exists: false\n"), "{\"errorCode\":{}}", 0},
        {SEL("        N|gt: 10\n"), "{\"N\":11}", 1},
        {SEL("        N|gt: 10\n"), "{\"N\":10}", 0},
        {SEL("        N|gte: 10\n"), "{\"N\":\"10\"}", 1},
        {SEL("        N|lt: 10\n"), "{\"N\":9.5}", 1},
        {SEL("        N|lte: 10\n"), "{\"N\":10}", 1},
        {SEL("        N|lte: 10\n"), "{\"N\":\"ten\"}", 0},
        {SEL("        N|neq: 10\n"), "{\"N\":11}", 1},
        {SEL("        N|neq: 10\n"), "{\"N\":10}", 0},
        {SEL("        U|neq: root\n"), "{\"U\":\"ROOT\"}", 0},
    };
    RUN(rows);
}

static void paths_and_arrays(void **state) {
    (void)state;
    static const row rows[] = {
        {SEL("        userIdentity.type: Root\n"), "{\"userIdentity\":{\"type\":\"Root\"}}", 1},
        {SEL("        userIdentity.type: Root\n"), "{\"userIdentity.type\":\"Root\"}", 1},
        {SEL("        a.b.c: x\n"), "{\"a.b\":{\"c\":\"x\"}}", 1},
        {SEL("        a.b.c: x\n"), "{\"a\":{\"b\":{\"c\":\"y\"}}}", 0},
        /* a path through an array holds when any element satisfies it */
        {SEL("        r.name: b\n"), "{\"r\":[{\"name\":\"a\"},{\"name\":\"b\"}]}", 1},
        {SEL("        r.name: c\n"), "{\"r\":[{\"name\":\"a\"},{\"name\":\"b\"}]}", 0},
        {SEL("        tags: prod\n"), "{\"tags\":[\"dev\",\"prod\"]}", 1},
        {SEL("        ids: 7\n"), "{\"ids\":[1,[7]]}", 1},
        {SEL("        x: 1\n"), "{\"y\":{\"x\":1}}", 0},
    };
    RUN(rows);
}

static void keywords(void **state) {
    (void)state;
    static const row rows[] = {
        {"    kw:\n        - 'mimikatz'\n    condition: kw\n",
         "{\"a\":{\"b\":\"run MIMIKATZ.exe\"}}", 1},
        {"    kw:\n        - 'mimikatz'\n    condition: kw\n", "{\"mimikatz\":\"no\"}", 0},
        {"    kw:\n        - 'foo'\n        - 'bar'\n    condition: kw\n", "{\"a\":\"bar\"}", 1},
        {"    kw:\n        '|all':\n            - 'foo'\n            - 'bar'\n    condition: kw\n",
         "{\"a\":\"bar\"}", 0},
        {"    kw:\n        '|all':\n            - 'foo'\n            - 'bar'\n    condition: kw\n",
         "{\"a\":\"foo\",\"b\":[\"bar\"]}", 1},
        {"    kw: 'rm -rf'\n    condition: kw\n", "{\"cmd\":\"sudo rm -rf /\"}", 1},
        {"    kw:\n        - 'a*c'\n    condition: kw\n", "{\"x\":\"zzabbcz\"}", 1},
        {"    kw:\n        - 4688\n    condition: kw\n", "{\"x\":4688}", 1},
    };
    RUN(rows);
}

static void encoders(void **state) {
    (void)state;
    static const row rows[] = {
        /* base64 of "ping" */
        {SEL("        C|base64: 'ping'\n"), "{\"C\":\"cGluZw==\"}", 1},
        {SEL("        C|base64|contains: 'ping'\n"), "{\"C\":\"x cGluZw== y\"}", 1},
        {SEL("        C|base64|contains: 'ping'\n"), "{\"C\":\"x CGLUZW== y\"}",
         0}, /* bytes are exact */
        /* base64offset: the spec's /bin/bash example, each shift */
        {SEL("        C|base64offset|contains: '/bin/bash'\n"), "{\"C\":\"..L2Jpbi9iYXNo..\"}", 1},
        {SEL("        C|base64offset|contains: '/bin/bash'\n"), "{\"C\":\"..9iaW4vYmFza..\"}", 1},
        {SEL("        C|base64offset|contains: '/bin/bash'\n"), "{\"C\":\"..vYmluL2Jhc2..\"}", 1},
        {SEL("        C|base64offset|contains: '/bin/bash'\n"), "{\"C\":\"..L2Jpbi9iYXN..\"}", 0},
        /* wide = utf16le, then base64: "cmd" -> "YwBtAGQA" */
        {SEL("        C|wide|base64: 'cmd'\n"), "{\"C\":\"YwBtAGQA\"}", 1},
        {SEL("        C|utf16le|base64: 'cmd'\n"), "{\"C\":\"YwBtAGQA\"}", 1},
        {SEL("        C|utf16be|base64: 'cmd'\n"), "{\"C\":\"AGMAbQBk\"}", 1},
        {SEL("        C|utf16|base64: 'cmd'\n"), "{\"C\":\"//5jAG0AZAA=\"}", 1},
        /* windash: all five dashes */
        {SEL("        C|windash|contains: ' -enc '\n"), "{\"C\":\"ps /enc x\"}", 1},
        {SEL("        C|windash|contains: ' -enc '\n"), "{\"C\":\"ps \\u2013enc x\"}", 1},
        {SEL("        C|windash|contains: ' -enc '\n"), "{\"C\":\"ps \\u2014enc x\"}", 1},
        {SEL("        C|windash|contains: ' -enc '\n"), "{\"C\":\"ps \\u2015enc x\"}", 1},
        {SEL("        C|windash|contains: ' -enc '\n"), "{\"C\":\"ps +enc x\"}", 0},
    };
    RUN(rows);
}

static void regex_cidr_fieldref_time(void **state) {
    (void)state;
    static const row rows[] = {
        /* re is unanchored and case-sensitive unless |i */
        {SEL("        C|re: 'who.mi'\n"), "{\"C\":\"x whoami y\"}", 1},
        {SEL("        C|re: 'WHOAMI'\n"), "{\"C\":\"whoami\"}", 0},
        {SEL("        C|re|i: 'WHOAMI'\n"), "{\"C\":\"whoami\"}", 1},
        {SEL("        C|re: '^a.b$'\n"), "{\"C\":\"a\\nb\"}", 0},
        {SEL("        C|re|s: '^a.b$'\n"), "{\"C\":\"a\\nb\"}", 1},
        {SEL("        C|re: '^b$'\n"), "{\"C\":\"a\\nb\"}", 0},
        {SEL("        C|re|m: '^b$'\n"), "{\"C\":\"a\\nb\"}", 1},
        /* a regex is asked after the run without letters it needs ("&&") */
        {SEL("        C|re|i: '(set).*&&\\s?set.*&&.*x'\n"), "{\"C\":\"SET a && Set b && x\"}", 1},
        {SEL("        C|re|i: '(set).*&&\\s?set.*&&.*x'\n"), "{\"C\":\"SET a & Set b && x\"}", 0},
        {SEL("        C|re: 'a\\.\\.b'\n"), "{\"C\":[\"a.b ..\", \"a..b\"]}", 1},
        {SEL("        C|re: 'a\\.\\.b'\n"), "{\"C\":[\"a.b ..\", \"a.xb\"]}", 0},
        {"    sel:\n        C|re: 'a\\.\\.b'\n    condition: not sel\n", "{\"C\":\"a.xb\"}", 1},
        {"    sel:\n        C|re: 'a\\.\\.b'\n    condition: not sel\n", "{\"C\":\"a.b ..\"}", 1},
        {SEL("        C|re: '^(a+)+$'\n"),
         "{\"C\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\"}", 0},
        {SEL("        Ip|cidr: '10.0.0.0/8'\n"), "{\"Ip\":\"10.1.2.3\"}", 1},
        {SEL("        Ip|cidr: '10.0.0.0/8'\n"), "{\"Ip\":\"11.1.2.3\"}", 0},
        {SEL("        Ip|cidr: '10.0.0.0/8'\n"), "{\"Ip\":\"::ffff:10.1.2.3\"}", 1},
        {SEL("        Ip|cidr: 'fe80::/10'\n"), "{\"Ip\":\"FE80::1\"}", 1},
        {SEL("        Ip|cidr: 'fe80::/10'\n"), "{\"Ip\":\"fec0::1\"}", 0},
        {SEL("        Ip|cidr:\n            - '192.168.0.0/16'\n            - '::1/128'\n"),
         "{\"Ip\":\"::1\"}", 1},
        {SEL("        Ip|cidr: '10.0.0.0/8'\n"), "{\"Ip\":\"not an ip\"}", 0},
        {SEL("        A|fieldref: B\n"), "{\"A\":\"x\",\"B\":\"X\"}", 1},
        {SEL("        A|fieldref: B\n"), "{\"A\":\"x\",\"B\":\"y\"}", 0},
        {SEL("        A|fieldref: B\n"), "{\"A\":\"x\"}", 0},
        {SEL("        A|fieldref|contains: B\n"), "{\"A\":\"abc\",\"B\":\"b\"}", 1},
        {SEL("        A|fieldref|startswith: B\n"), "{\"A\":\"abc\",\"B\":\"b\"}", 0},
        {SEL("        A|fieldref|endswith: B\n"), "{\"A\":\"abc\",\"B\":\"bc\"}", 1},
        {SEL("        T|hour: 13\n"), "{\"T\":\"2024-05-01T13:45:10Z\"}", 1},
        {SEL("        T|minute: 45\n"), "{\"T\":\"2024-05-01T13:45:10Z\"}", 1},
        {SEL("        T|day: 1\n"), "{\"T\":\"2024-05-01T13:45:10Z\"}", 1},
        {SEL("        T|month: 5\n"), "{\"T\":\"2024-05-01T13:45:10Z\"}", 1},
        {SEL("        T|year: 2024\n"), "{\"T\":\"2024-05-01T13:45:10Z\"}", 1},
        {SEL("        T|week: 18\n"), "{\"T\":\"2024-05-01T13:45:10Z\"}", 1},
        {SEL("        T|hour: 12\n"), "{\"T\":\"2024-05-01T13:45:10Z\"}", 0},
    };
    RUN(rows);
}

static void conditions(void **state) {
    (void)state;
    static const char *const d =
        "    a:\n        A: 1\n    b:\n        B: 1\n    c:\n        C: 1\n    _d:\n        D: 1\n";
    static const struct {
        const char *cond, *event;
        int expect;
    } rows[] = {
        {"a or b and c", "{\"A\":1}", 1}, /* and binds tighter than or */
        {"(a or b) and c", "{\"A\":1}", 0},
        {"not a and b", "{\"A\":1,\"B\":1}", 0}, /* not binds tighter than and */
        {"not a and b", "{\"B\":1}", 1},
        {"not (a and b)", "{\"A\":1}", 1},
        {"1 of them", "{\"D\":1}", 0}, /* them skips _-prefixed */
        {"1 of them", "{\"C\":1}", 1},
        {"all of them", "{\"A\":1,\"B\":1,\"C\":1}", 1},
        {"all of them", "{\"A\":1,\"B\":1}", 0},
        {"1 of _*", "{\"D\":1}", 1},
        {"any of a*", "{\"A\":1}", 1},
        {"not 1 of them", "{\"D\":1}", 1},
        {"a AND NOT b", "{\"A\":1}", 1},
    };
    int failures = 0;
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char det[1024], diag[512];
        snprintf(det, sizeof det, "%s    condition: %s\n", d, rows[i].cond);
        int got = eval_detection(det, rows[i].event, NULL, diag, sizeof diag);
        if (got != rows[i].expect) {
            print_error("condition '%s' on %s: expected %d got %d (%s)\n", rows[i].cond,
                        rows[i].event, rows[i].expect, got, diag);
            failures++;
        }
    }
    /* A list of conditions is their OR. */
    char det[1024];
    snprintf(det, sizeof det, "%s    condition:\n        - a\n        - b\n", d);
    failures += eval_detection(det, "{\"B\":1}", NULL, NULL, 0) != 1;
    failures += eval_detection(det, "{\"C\":1}", NULL, NULL, 0) != 0;
    assert_int_equal(failures, 0);
}

static void expect_error(const char *detection, const char *needle) {
    char diag[512];
    int got = eval_detection(detection, "{}", NULL, diag, sizeof diag);
    if (got != -1 || !strstr(diag, needle))
        fail_msg("expected an error containing '%s', got %d (%s) for:\n%s", needle, got, diag,
                 detection);
}

static void errors_name_the_problem(void **state) {
    (void)state;
    expect_error(SEL("        C|contians: x\n"), "rule.yml:7:9: unknown modifier 'contians'");
    expect_error(SEL("        C|contains|startswith: x\n"),
                 "modifiers 'contains' and 'startswith'");
    expect_error(SEL("        C|i: x\n"), "modifier 'i'");
    expect_error(SEL("        C|re|contains: x\n"),
                 "modifiers 're' and 'contains' cannot be combined");
    expect_error(SEL("        C|cidr: 'not-a-net'\n"), "not a network");
    expect_error(SEL("        C|cidr: '10.0.0.0/33'\n"), "not a network");
    expect_error(SEL("        C|re: '(unclosed'\n"), "invalid regular expression");
    expect_error(SEL("        C|exists: maybe\n"), "exists takes true or false");
    expect_error(SEL("        C|gt: many\n"), "not a number");
    expect_error(SEL("        C|base64: 'a*'\n"), "wildcard");
    expect_error("    sel:\n        A: 1\n    condition: sel | count() by B > 5\n",
                 "legacy aggregation");
    expect_error("    sel:\n        A: 1\n    condition: count(A) by B > 5\n",
                 "legacy aggregation 'count(...)'");
    expect_error("    sel:\n        A: 1\n    condition: sel and other\n", "other");
    expect_error("    sel:\n        A: 1\n", "no 'condition'");
    expect_error(SEL("        C:\n            x: 1\n"), "must be a value or a list");
    expect_error(SEL("        C|expand: '%nothere%'\n"), "%nothere%");
}

static void meta_filters(void **state) {
    (void)state;
    const char *pack = "title: base\n"
                       "id: 11111111-0000-0000-0000-000000000001\n"
                       "logsource:\n    product: windows\n"
                       "detection:\n    sel:\n        EventID: 1\n    condition: sel\n"
                       "---\n"
                       "title: not on DCs\n"
                       "logsource:\n    product: windows\n"
                       "filter:\n    rules:\n        - 11111111-0000-0000-0000-000000000001\n"
                       "    dc:\n        Computer|startswith: 'DC-'\n"
                       "    condition: not dc\n";
    assert_int_equal(harness_eval(pack, "{\"EventID\":1,\"Computer\":\"WS-1\"}", NULL, NULL, 0), 1);
    assert_int_equal(harness_eval(pack, "{\"EventID\":1,\"Computer\":\"dc-1\"}", NULL, NULL, 0), 0);
}

static void placeholders(void **state) {
    (void)state;
    char path[] = "/tmp/sigvm_ph_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *yaml = "admins:\n  - alice\n  - 'b*'\ndomain: CORP\n";
    assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
    close(fd);
    const char *det = SEL("        U|expand: '%admins%'\n");
    char diag[256];
    assert_int_equal(eval_detection(det, "{\"U\":\"Alice\"}", path, diag, sizeof diag), 1);
    assert_int_equal(eval_detection(det, "{\"U\":\"bob\"}", path, NULL, 0), 1);
    assert_int_equal(eval_detection(det, "{\"U\":\"carol\"}", path, NULL, 0), 0);
    const char *det2 = SEL("        C|contains|expand: '%domain%\\'\n");
    assert_int_equal(eval_detection(det2, "{\"C\":\"corp\\\\x\"}", path, NULL, 0), 1);
    /* without the file: a clear error naming the placeholder */
    assert_int_equal(eval_detection(det, "{}", NULL, diag, sizeof diag), -1);
    assert_non_null(strstr(diag, "%admins%"));
    assert_non_null(strstr(diag, "placeholder file"));
    unlink(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_strings),     cmocka_unit_test(wildcards),
        cmocka_unit_test(anchors_and_lists), cmocka_unit_test(numbers_bools_null),
        cmocka_unit_test(paths_and_arrays),  cmocka_unit_test(keywords),
        cmocka_unit_test(encoders),          cmocka_unit_test(regex_cidr_fieldref_time),
        cmocka_unit_test(conditions),        cmocka_unit_test(errors_name_the_problem),
        cmocka_unit_test(meta_filters),      cmocka_unit_test(placeholders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
