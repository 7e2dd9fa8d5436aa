/* test_sigma_yaml12.c: YAML 1.2 core-schema scalars and YAML-to-JSON, as
   Panther documents and their test Logs are read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sigma/yaml_tree.h"

/* The value of key "v" in "v: <text>". */
static const yt_node *scalar_of(sg_arena *a, const char *text) {
    char buf[256];
    snprintf(buf, sizeof buf, "v: %s\n", text);
    yt_stream st;
    char err[128];
    int line, col;
    assert_true(yt_parse(a, buf, strlen(buf), &st, err, sizeof err, &line, &col));
    return yt_get(st.docs[0], "v");
}

static void core_types(void **state) {
    (void)state;
    static const struct {
        const char *text;
        yt_type type;
        double num;
    } rows[] = {
        {"true", YT_T_BOOL, 1},      {"True", YT_T_BOOL, 1},  {"FALSE", YT_T_BOOL, 0},
        {"Yes", YT_T_STR, 0},        {"on", YT_T_STR, 0},     {"y", YT_T_STR, 0},
        {"~", YT_T_NULL, 0},         {"null", YT_T_NULL, 0},  {"", YT_T_NULL, 0},
        {"'true'", YT_T_STR, 0},     {"42", YT_T_INT, 42},    {"-7", YT_T_INT, -7},
        {"0123", YT_T_INT, 123},     {"0o17", YT_T_INT, 15},  {"0x1F", YT_T_INT, 31},
        {"1.5", YT_T_FLOAT, 1.5},    {".5", YT_T_FLOAT, 0.5}, {"1e3", YT_T_FLOAT, 1000},
        {"1_000", YT_T_STR, 0},      {"'42'", YT_T_STR, 0},   {"1.2.3", YT_T_STR, 0},
        {"10.0.0.0/8", YT_T_STR, 0}, {"0x", YT_T_STR, 0},     {"+-1", YT_T_STR, 0},
    };
    sg_arena *a = sg_arena_new();
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        double num = -1;
        yt_type t = yt_core_type(scalar_of(a, rows[i].text), &num);
        if (t != rows[i].type || (t != YT_T_STR && t != YT_T_NULL && num != rows[i].num))
            fail_msg("'%s': type %d value %g, expected %d %g", rows[i].text, t, num, rows[i].type,
                     rows[i].num);
    }
    sg_arena_free(a);
}

static void logs_as_json(void **state) {
    (void)state;
    static const struct {
        const char *yaml, *json;
    } rows[] = {
        {"{a: 1, b: 'x', c: true, d: ~, e: [1, 0o10, .5, -0.0]}",
         "{\"a\":1,\"b\":\"x\",\"c\":true,\"d\":null,\"e\":[1,8,0.5,-0.0]}"},
        {"{n: 007, f: +1.50, g: 5., h: 1e+3}", "{\"n\":7,\"f\":1.50,\"g\":5,\"h\":1e+3}"},
        {"{s: \"a\\\"b\\\\c\\n\", y: Yes, big: 105261262156475851231}",
         "{\"s\":\"a\\\"b\\\\c\\u000a\",\"y\":\"Yes\",\"big\":105261262156475851231}"},
        {"{nested: {list: [{k: v}], empty: {}, none: []}, 1: one}",
         "{\"nested\":{\"list\":[{\"k\":\"v\"}],\"empty\":{},\"none\":[]},\"1\":\"one\"}"},
        {"{inf: .inf}", "{\"inf\":\".inf\"}"},
    };
    sg_arena *a = sg_arena_new();
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        const yt_node *bad = NULL;
        size_t len;
        char *json = yt_to_json(a, scalar_of(a, rows[i].yaml), &len, &bad);
        assert_non_null(json);
        assert_string_equal(json, rows[i].json);
        assert_int_equal(len, strlen(rows[i].json));
    }
    const yt_node *bad = NULL;
    size_t len;
    assert_null(yt_to_json(a, scalar_of(a, "{[1]: x}"), &len, &bad));
    assert_non_null(bad);
    sg_arena_free(a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(core_types),
        cmocka_unit_test(logs_as_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
