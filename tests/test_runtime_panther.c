/* test_runtime_panther.c: Panther-style YAML detections end to end (YAML
   rule, compiler, verified pack, scanner, VM) on crafted events, one table
   row per fact: conditions and their I- and DoesNot- twins, key
   specifiers, combinators, element comprehensions, multi-key comparisons,
   YAML 1.2 scalars, inline filters, alert titles, dynamic severities, and
   the errors a malformed detection gets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rule_harness.h"

static int eval_panther(const char *detection, const char *event, char *diag, size_t dl) {
    char rule[8192];
    snprintf(rule, sizeof rule, "AnalysisType: rule\nRuleID: t\nSeverity: Low\nDetection:\n%s",
             detection);
    return harness_eval(rule, event, NULL, diag, dl);
}

/* A row's body is YAML list items under "Detection:", indented by 2. */
static int detection_rule(const char *body, const char *event, char *diag, size_t dl) {
    return eval_panther(body, event, diag, dl);
}

#define RUN(rows) harness_rows(rows, sizeof rows / sizeof *rows, detection_rule)

/* One expression on key k: "Condition: c" and an optional Value line. */
#define ON(k, c, v) "  - Key: " k "\n    Condition: " c "\n" v
#define VALUE(x) "    Value: " x "\n"
/* The same one level down, inside All, Any, OnlyOne or None. */
#define SUB(k, c) "      - Key: " k "\n        Condition: " c "\n"
#define SUBV(k, c, v) SUB(k, c) "        Value: " v "\n"

static void strings(void **state) {
    (void)state;
    static const row rows[] = {
        /* plain conditions are case-sensitive, I-prefixed ones are not */
        {ON("u", "Equals", VALUE("Max")), "{\"u\":\"Max\"}", 1},
        {ON("u", "Equals", VALUE("Max")), "{\"u\":\"max\"}", 0},
        {ON("u", "IEquals", VALUE("Max")), "{\"u\":\"mAX\"}", 1},
        {ON("u", "DoesNotEqual", VALUE("Max")), "{\"u\":\"max\"}", 1},
        {ON("u", "IDoesNotEqual", VALUE("Max")), "{\"u\":\"max\"}", 0},
        /* a negated condition holds when the key is absent */
        {ON("u", "DoesNotEqual", VALUE("Max")), "{}", 1},
        {ON("u", "StartsWith", VALUE("ab")), "{\"u\":\"abc\"}", 1},
        {ON("u", "StartsWith", VALUE("ab")), "{\"u\":\"ABc\"}", 0},
        {ON("u", "IStartsWith", VALUE("ab")), "{\"u\":\"ABc\"}", 1},
        {ON("u", "DoesNotStartWith", VALUE("ab")), "{\"u\":\"cab\"}", 1},
        {ON("u", "IDoesNotStartWith", VALUE("ab")), "{\"u\":\"ABc\"}", 0},
        {ON("u", "EndsWith", VALUE(".com")), "{\"u\":\"a.com\"}", 1},
        {ON("u", "IEndsWith", VALUE(".com")), "{\"u\":\"a.COM\"}", 1},
        {ON("u", "DoesNotEndWith", VALUE(".com")), "{\"u\":\"a.COM\"}", 1},
        {ON("u", "IDoesNotEndWith", VALUE(".com")), "{\"u\":\"a.COM\"}", 0},
        {ON("u", "Contains", VALUE("min")), "{\"u\":\"domain_admin\"}", 1},
        {ON("u", "IContains", VALUE("MIN")), "{\"u\":\"domain_admin\"}", 1},
        {ON("u", "DoesNotContain", VALUE("MIN")), "{\"u\":\"domain_admin\"}", 1},
        {ON("u", "IDoesNotContain", VALUE("MIN")), "{\"u\":\"domain_admin\"}", 0},
        /* Has and DoesNotHave: the fixtures' older names for Contains */
        {ON("u", "Has", VALUE("admin")), "{\"u\":\"domain_admin\"}", 1},
        {ON("u", "DoesNotHave", VALUE("admin")), "{\"u\":\"member\"}", 1},
        /* Values: any of them */
        {ON("u", "Equals", "    Values: [a, b]\n"), "{\"u\":\"b\"}", 1},
        {ON("u", "IsIn", "    Values: [a, b]\n"), "{\"u\":\"b\"}", 1},
        {ON("u", "IsIn", "    Values: [a, b]\n"), "{\"u\":\"B\"}", 0},
        {ON("u", "IsNotIn", "    Values: [a, b]\n"), "{\"u\":\"c\"}", 1},
        {ON("u", "IsNotIn", "    Values: [a, b]\n"), "{}", 1},
    };
    RUN(rows);
}

static void numbers_and_yaml12(void **state) {
    (void)state;
    static const row rows[] = {
        {ON("n", "Equals", VALUE("240")), "{\"n\":240}", 1},
        {ON("n", "Equals", VALUE("240")), "{\"n\":\"240\"}", 1},
        {ON("n", "Equals", VALUE("'240'")), "{\"n\":240}", 1},
        {ON("n", "IsIn", "    Values: [80, 443]\n"), "{\"n\":443}", 1},
        {ON("n", "IsNotIn", "    Values: [80, 443]\n"), "{\"n\":22}", 1},
        {ON("n", "IsGreaterThan", VALUE("5")), "{\"n\":6}", 1},
        {ON("n", "IsGreaterThan", VALUE("5")), "{\"n\":5}", 0},
        {ON("n", "IsGreaterThanOrEquals", VALUE("5")), "{\"n\":5}", 1},
        {ON("n", "IsGreaterThanOrEqual", VALUE("5")), "{\"n\":5}", 1},
        {ON("n", "IsGreaterThanOrEqualTo", VALUE("5")), "{\"n\":5}", 1},
        {ON("n", "IsLessThan", VALUE("10")), "{\"n\":9.5}", 1},
        {ON("n", "IsLessThanOrEquals", VALUE("10")), "{\"n\":\"10\"}", 1},
        {ON("n", "IsLessThanOrEqual", VALUE("10")), "{\"n\":11}", 0},
        {ON("n", "IsLessThanOrEqualTo", VALUE("10")), "{\"n\":10}", 1},
        /* YAML 1.2: leading zeros stay decimal, only true/false are booleans */
        {ON("n", "Equals", VALUE("010")), "{\"n\":10}", 1},
        {ON("n", "Equals", VALUE("010")), "{\"n\":8}", 0},
        {ON("b", "Equals", VALUE("true")), "{\"b\":true}", 1},
        {ON("b", "Equals", VALUE("Yes")), "{\"b\":true}", 0},
        {ON("b", "Equals", VALUE("Yes")), "{\"b\":\"Yes\"}", 1},
        {ON("b", "Equals", VALUE("on")), "{\"b\":\"on\"}", 1},
        {ON("b", "Equals", VALUE(".inf")), "{\"b\":\".inf\"}", 1}, /* no number for JSON */
        /* IDs longer than a double holds are compared exactly, as text */
        {ON("id", "Equals", VALUE("105261262156475851231")), "{\"id\":105261262156475851232}", 0},
        {ON("id", "Equals", VALUE("105261262156475851231")), "{\"id\":105261262156475851231}", 1},
    };
    RUN(rows);
}

static void presence(void **state) {
    (void)state;
    static const row rows[] = {
        {ON("k", "Exists", ""), "{\"k\":null}", 1},
        {ON("k", "Exists", ""), "{}", 0},
        {ON("k", "DoesNotExist", ""), "{}", 1},
        {ON("k", "IsNull", ""), "{\"k\":null}", 1},
        {ON("k", "IsNull", ""), "{}", 1},
        {ON("k", "IsNull", ""), "{\"k\":\"\"}", 0},
        {ON("k", "IsNotNull", ""), "{\"k\":\"x\"}", 1},
        /* IsNullOrEmpty is Python's falsiness, as Panther reads it */
        {ON("k", "IsNullOrEmpty", ""), "{}", 1},
        {ON("k", "IsNullOrEmpty", ""), "{\"k\":\"\"}", 1},
        {ON("k", "IsNullOrEmpty", ""), "{\"k\":[ ]}", 1},
        {ON("k", "IsNullOrEmpty", ""), "{\"k\":{}}", 1},
        {ON("k", "IsNullOrEmpty", ""), "{\"k\":false}", 1},
        {ON("k", "IsNullOrEmpty", ""), "{\"k\":0}", 1},
        {ON("k", "IsNullOrEmpty", ""), "{\"k\":[\"\"]}", 0},
        {ON("k", "IsNullOrEmpty", ""), "{\"k\":\"x\"}", 0},
        {ON("k", "IsNotNullOrEmpty", ""), "{\"k\":{\"a\":1}}", 1},
        {ON("k", "IsNotNullOrEmpty", ""), "{\"k\":null}", 0},
        {"  - Condition: AlwaysTrue\n", "{}", 1},
        {"  - Condition: AlwaysTrue\n  - Condition: AlwaysFalse\n", "{}", 0},
    };
    RUN(rows);
}

static void addresses(void **state) {
    (void)state;
    static const row rows[] = {
        {ON("a", "IsIPAddress", ""), "{\"a\":\"10.1.2.3\"}", 1},
        {ON("a", "IsIPAddress", ""), "{\"a\":\"10.1.2\"}", 0},
        {ON("a", "IsIPv4Address", ""), "{\"a\":\"::1\"}", 0},
        {ON("a", "IsIPv6Address", ""), "{\"a\":\"fe80::1\"}", 1},
        {ON("a", "IsIPAddressPrivate", VALUE("true")), "{\"a\":\"192.168.4.4\"}", 1},
        {ON("a", "IsIPAddressPrivate", VALUE("true")), "{\"a\":\"8.8.8.8\"}", 0},
        {ON("a", "IsIPAddressPrivate", VALUE("false")), "{\"a\":\"8.8.8.8\"}", 1},
        {ON("a", "IsIPAddressPublic", ""), "{\"a\":\"1.1.1.1\"}", 1},
        {ON("a", "IsIPAddressPublic", ""), "{\"a\":\"10.0.0.1\"}", 0},
        {ON("a", "IsIPAddressPublic", ""), "{\"a\":\"192.0.2.7\"}", 0}, /* documentation */
        {ON("a", "IsIPAddressPublic", ""), "{\"a\":\"2606:4700::1111\"}", 1},
        {ON("a", "IsIPAddressPublic", ""), "{\"a\":\"fd00::1\"}", 0},
        {ON("a", "IsIPAddressInCIDR", VALUE("10.0.0.0/8")), "{\"a\":\"10.9.9.9\"}", 1},
        {ON("a", "IsIPAddressInCIDR", VALUE("10.0.0.0/8")), "{\"a\":\"11.9.9.9\"}", 0},
        {ON("a", "IsIPAddressNotInCIDR", VALUE("10.0.0.0/8")), "{\"a\":\"11.9.9.9\"}", 1},
        {ON("a", "IsIPAddressNotInCIDR", VALUE("10.0.0.0/8")), "{\"a\":\"nope\"}", 0},
        {ON("n", "CIDRContainsIPAddresses", "    Values: [10.1.1.1, 10.2.2.2]\n"),
         "{\"n\":\"10.0.0.0/8\"}", 1},
        {ON("n", "CIDRContainsIPAddresses", "    Values: [10.1.1.1, 11.2.2.2]\n"),
         "{\"n\":\"10.0.0.0/8\"}", 0},
        {ON("n", "CIDRDoesNotContainIPAddresses", VALUE("11.2.2.2")), "{\"n\":\"10.0.0.0/8\"}", 1},
    };
    RUN(rows);
}

static void keys(void **state) {
    (void)state;
    static const row rows[] = {
        {"  - DeepKey: [a, b]\n    Condition: Equals\n    Value: x\n", "{\"a\":{\"b\":\"x\"}}", 1},
        {"  - KeyPath: a.b\n    Condition: Equals\n    Value: x\n", "{\"a\":{\"b\":\"x\"}}", 1},
        /* Panther looks keys up whatever their case */
        {"  - DeepKey: [A, enableFlowlogs]\n    Condition: Equals\n    Value: false\n",
         "{\"a\":{\"enableFlowLogs\":false}}", 1},
        /* [n] picks one element, [*] any element */
        {"  - KeyPath: l[1].n\n    Condition: Equals\n    Value: x\n",
         "{\"l\":[{\"n\":\"x\"},{\"n\":\"y\"}]}", 0},
        {"  - KeyPath: l[1].n\n    Condition: Equals\n    Value: y\n",
         "{\"l\":[{\"n\":\"x\"},{\"n\":\"y\"}]}", 1},
        {"  - DeepKey: [l, 0, n]\n    Condition: Equals\n    Value: x\n",
         "{\"l\":[{\"n\":\"x\"},{\"n\":\"y\"}]}", 1},
        {"  - KeyPath: l[*].n\n    Condition: Equals\n    Value: y\n",
         "{\"l\":[{\"n\":\"x\"},{\"n\":\"y\"}]}", 1},
        {"  - KeyPath: l[0]\n    Condition: Equals\n    Value: b\n", "{\"l\":[\"a\",\"b\"]}", 0},
        {"  - KeyPath: l[0]\n    Condition: Equals\n    Value: a\n", "{\"l\":[\"a\",\"b\"]}", 1},
        {"  - KeyPath: l[2]\n    Condition: DoesNotExist\n", "{\"l\":[\"a\",\"b\"]}", 1},
        {"  - KeyPath: l[1]\n    Condition: DoesNotExist\n", "{\"l\":[\"a\",\"b\"]}", 0},
        {"  - KeyPath: l[0]\n    Condition: IsNullOrEmpty\n", "{\"l\":[\"\",\"b\"]}", 1},
        {"  - KeyPath: l[1]\n    Condition: IsNullOrEmpty\n", "{\"l\":[\"\",\"b\"]}", 0},
        {"  - KeyPath: l[0]\n    Condition: IsNullOrEmpty\n", "{\"l\":[[],[1]]}", 1},
        {"  - KeyPath: l[1]\n    Condition: IsNullOrEmpty\n", "{\"l\":[[],[1]]}", 0},
        {"  - KeyPath: m[0][1]\n    Condition: Equals\n    Value: 2\n", "{\"m\":[[1,2],[3]]}", 1},
        {"  - Enrichment:\n      Table: geo\n      Selector: ip\n      FieldPath: city\n"
         "    Condition: Equals\n    Value: Oslo\n",
         "{\"p_enrichment\":{\"geo\":{\"ip\":{\"city\":\"Oslo\"}}}}", 1},
    };
    RUN(rows);
}

#define TWO(c, k1, k2) "  - " c "\n    Values:\n      - " k1 "\n      - " k2 "\n"

static void combinators(void **state) {
    (void)state;
    static const char *const one =
        "  - OnlyOne:\n" SUBV("a", "Equals", "1") SUBV("b", "Equals", "1") SUBV("c", "Equals", "1");
    static const row rows[] = {
        {"  - Any:\n" SUB("a", "Exists") SUB("b", "Exists"), "{\"b\":1}", 1},
        {"  - All:\n" SUB("a", "Exists") SUB("b", "Exists"), "{\"b\":1}", 0},
        {"  - None:\n" SUB("a", "Exists") SUB("b", "Exists"), "{\"c\":1}", 1},
        {"  - None:\n" SUB("a", "Exists") SUB("b", "Exists"), "{\"a\":1}", 0},
        {NULL, "{\"a\":1,\"b\":1}", 0}, /* OnlyOne: two hold */
        {NULL, "{\"a\":1,\"b\":2}", 1},
        {NULL, "{}", 0},
        {NULL, "{\"a\":1,\"b\":1,\"c\":1}", 0},
        /* multi-key comparisons */
        {TWO("Condition: Equals", "Key: x", "Key: y"), "{\"x\":\"a\",\"y\":\"a\"}", 1},
        {TWO("Condition: DoesNotEqual", "Key: x", "Key: y"), "{\"x\":\"a\",\"y\":\"A\"}", 1},
        {TWO("Condition: IEquals", "Key: x", "DeepKey: [o, y]"),
         "{\"x\":\"a\",\"o\":{\"y\":\"A\"}}", 1},
        {TWO("Condition: IsGreaterThan", "Key: x", "KeyPath: y"), "{\"x\":10,\"y\":9}", 1},
        {TWO("Condition: IsGreaterThan", "Key: x", "KeyPath: y"), "{\"x\":10,\"y\":\"11\"}", 0},
        {TWO("Condition: StartsWith", "Key: x", "Key: y"), "{\"x\":\"abc\",\"y\":\"ab\"}", 1},
    };
    row copy[sizeof rows / sizeof *rows];
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        copy[i] = rows[i];
        if (!copy[i].body) copy[i].body = one;
    }
    RUN(copy);
}

#define LIST(c) "  - Key: l\n    Condition: " c "\n    Expressions:\n"
#define EXPR(k, v) "      - Key: " k "\n        Condition: Equals\n        Value: " v "\n"

static void comprehensions(void **state) {
    (void)state;
    static const char *const two = "{\"l\":[{\"a\":\"x\",\"b\":\"1\"},{\"a\":\"y\",\"b\":\"2\"}]}";
    static const row rows[] = {
        /* the Expressions hold for one and the same element */
        {LIST("AnyElement") EXPR("a", "x") EXPR("b", "1"), two, 1},
        {LIST("AnyElement") EXPR("a", "x") EXPR("b", "2"), two, 0},
        {LIST("AllElements") EXPR("b", "1"), two, 0},
        {LIST("AllElements") "      - Key: b\n        Condition: Exists\n", two, 1},
        {LIST("AllElements") EXPR("b", "1"), "{\"l\":[]}", 0},
        {LIST("OnlyOneElement") EXPR("a", "y"), two, 1},
        {LIST("OnlyOneElement") "      - Key: b\n        Condition: Exists\n", two, 0},
        {LIST("NoElement") EXPR("a", "x") EXPR("b", "2"), two, 1},
        {LIST("NoElement") EXPR("a", "x"), two, 0},
        {LIST("NoElement") EXPR("a", "x"), "{}", 1},
        {LIST("AnyElement") EXPR("a", "x"), "{\"l\":{\"a\":\"x\"}}", 0}, /* not a list */
        /* nested lists, and keys with indices inside an element */
        {LIST("AnyElement") "      - Key: m\n        Condition: AnyElement\n"
                            "        Expressions:\n"
                            "          - Key: v\n"
                            "            Condition: Equals\n            Value: 3\n",
         "{\"l\":[{\"m\":[{\"v\":1}]},{\"m\":[{\"v\":2},{\"v\":3}]}]}", 1},
        {LIST("AnyElement") "      - KeyPath: m[0].v\n        Condition: Equals\n"
                            "        Value: 3\n",
         "{\"l\":[{\"m\":[{\"v\":1}]},{\"m\":[{\"v\":2},{\"v\":3}]}]}", 0},
        {LIST("AnyElement") "      - KeyPath: m[1].v\n        Condition: Equals\n"
                            "        Value: 3\n",
         "{\"l\":[{\"m\":[{\"v\":1}]},{\"m\":[{\"v\":2},{\"v\":3}]}]}", 1},
        /* a large list stays cheap and right */
        {LIST("OnlyOneElement") EXPR("a", "z"), NULL, 1},
    };
    row copy[sizeof rows / sizeof *rows];
    char *big = malloc(200000), *p = big;
    p += sprintf(p, "{\"l\":[");
    for (int i = 0; i < 5000; i++)
        p += sprintf(p, "%s{\"a\":\"%s\",\"b\":%d}", i ? "," : "", i == 4321 ? "z" : "w", i);
    sprintf(p, "]}");
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        copy[i] = rows[i];
        if (!copy[i].event) copy[i].event = big;
    }
    RUN(copy);
    free(big);
}

/* A whole document: the rule's Detection plus more keys. */
static int eval_doc(const char *doc, const char *event, char *diag, size_t dl) {
    return harness_eval(doc, event, NULL, diag, dl);
}

static void inline_filters(void **state) {
    (void)state;
    const char *rule = "AnalysisType: rule\nRuleID: f\nSeverity: Low\n"
                       "Detection:\n  - Key: u\n    Condition: Equals\n    Value: Max\n"
                       "InlineFilters:\n  - KeyPath: env\n    Condition: Equals\n    Value: prod\n";
    assert_int_equal(eval_doc(rule, "{\"u\":\"Max\",\"env\":\"prod\"}", NULL, 0), 1);
    assert_int_equal(eval_doc(rule, "{\"u\":\"Max\",\"env\":\"dev\"}", NULL, 0), 0);
    /* an event without the filter's field passes the filter */
    assert_int_equal(eval_doc(rule, "{\"u\":\"Max\"}", NULL, 0), 1);
}

/* The title and level reported for a match, through the output writer. */
static void alert_title_and_severity(void **state) {
    (void)state;
    const char *rule = "AnalysisType: rule\nRuleID: t\nSeverity: Medium\n"
                       "Detection:\n  - Key: u\n    Condition: Exists\n"
                       "AlertTitle: 'user {u} from {ctx.IP} did {missing}'\n"
                       "DynamicSeverities:\n"
                       "  - ChangeTo: High\n    Conditions:\n"
                       "      - Key: act\n        Condition: Equals\n        Value: Beans\n"
                       "  - ChangeTo: Info\n    Conditions:\n"
                       "      - Key: act\n        Condition: Exists\n";
    const char *events[] = {"{\"u\":\"Max\",\"ctx\":{\"ip\":\"1.2.3.4\"},\"act\":\"Beans\"}",
                            "{\"u\":\"Max\",\"act\":\"Tea\"}", "{\"u\":\"Max\"}"};
    const char *want[] = {"\"title\":\"user Max from 1.2.3.4 did \",\"level\":\"high\"",
                          "\"title\":\"user Max from  did \",\"level\":\"informational\"",
                          "\"title\":\"user Max from  did \",\"level\":\"medium\""};
    for (int i = 0; i < 3; i++) {
        char out[2048] = "";
        assert_int_equal(harness_output(rule, events[i], out, sizeof out), 1);
        if (!strstr(out, want[i])) fail_msg("event %d: want %s in %s", i, want[i], out);
    }
}

static void expect_error(const char *detection, const char *needle) {
    char diag[512];
    int got = eval_panther(detection, "{}", diag, sizeof diag);
    if (got != -1 || !strstr(diag, needle))
        fail_msg("expected an error containing '%s', got %d (%s) for:\n%s", needle, got, diag,
                 detection);
}

static void errors_name_the_problem(void **state) {
    (void)state;
    expect_error(ON("u", "Equalz", VALUE("x")), "rule.yml:6:16: unknown condition 'Equalz'");
    expect_error("  - DeepKey: a.b\n    Condition: Exists\n", "rule.yml:5:14: DeepKey is a list");
    expect_error(ON("u", "Equals", VALUE("x")) "    Extra: 1\n",
                 "rule.yml:8:5: unknown key 'Extra' in a match expression");
    expect_error("  - KeyPath: a..b\n    Condition: Exists\n", "has an empty key");
    expect_error("  - KeyPath: a[x]\n    Condition: Exists\n", "'[x]' is neither an index nor [*]");
    expect_error("  - KeyPath: a[0\n    Condition: Exists\n", "unclosed '['");
    expect_error(ON("u", "Equals", ""), "Condition Equals needs a Value");
    expect_error(ON("u", "Exists", VALUE("1")), "Condition Exists takes no Value");
    expect_error(ON("u", "IsIn", VALUE("1")), "IsIn takes Values, a list");
    expect_error(ON("u", "IsGreaterThan", VALUE("many")), "'many' is not a number");
    expect_error(ON("u", "IsGreaterThan", VALUE("1e999")), "'1e999' is not a number");
    expect_error(ON("u", "IsIPAddressInCIDR", VALUE("10.0.0.0/33")), "not a network");
    expect_error(ON("u", "AnyElement", ""), "needs Expressions");
    expect_error("  - Condition: Equals\n", "needs a key");
    expect_error("  - Key: a\n    KeyPath: b\n    Condition: Exists\n", "names one key");
    expect_error("  - Any: []\n", "Any is a non-empty list");
    expect_error("  - Any:\n" SUB("a", "Exists") "    Key: b\n", "Any takes no other key");
    expect_error(TWO("Condition: IsIn", "Key: x", "Key: y"), "does not compare two keys");
    char deep[8192], *p = deep;
    for (int i = 0; i <= 16; i++)
        p += sprintf(p, "%*s- Key: l\n%*sCondition: AnyElement\n%*sExpressions:\n", 2 + 4 * i, "",
                     4 + 4 * i, "", 4 + 4 * i, "");
    sprintf(p, "%*s- Condition: AlwaysTrue\n", 2 + 4 * 17, "");
    expect_error(deep, "element tests nested deeper than 16");
    char diag[512];
    const char *both = "AnalysisType: rule\nRuleID: p\nFilename: p.py\nDetection:\n"
                       "  - Condition: AlwaysTrue\n";
    assert_int_equal(eval_doc(both, "{}", diag, sizeof diag), -1);
    assert_non_null(strstr(diag, "rule.yml:3:11: a rule has a Detection (YAML) or a Filename"));
    const char *no_id = "AnalysisType: rule\nDetection:\n  - Condition: AlwaysTrue\n";
    assert_int_equal(eval_doc(no_id, "{}", diag, sizeof diag), -1);
    assert_non_null(strstr(diag, "rule has no RuleID"));
    const char *severity = "AnalysisType: rule\nRuleID: s\nSeverity: Severe\nDetection:\n"
                           "  - Condition: AlwaysTrue\n";
    assert_int_equal(eval_doc(severity, "{}", diag, sizeof diag), -1);
    assert_non_null(strstr(diag, "unknown severity 'Severe'"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strings),
        cmocka_unit_test(numbers_and_yaml12),
        cmocka_unit_test(presence),
        cmocka_unit_test(addresses),
        cmocka_unit_test(keys),
        cmocka_unit_test(combinators),
        cmocka_unit_test(comprehensions),
        cmocka_unit_test(inline_filters),
        cmocka_unit_test(alert_title_and_severity),
        cmocka_unit_test(errors_name_the_problem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
