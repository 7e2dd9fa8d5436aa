/* Tests for sg_parse_condition: tree shapes (rendered as s-expressions over
   the search names) and error messages with their offsets. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/sigma_int.h"

static const char *const names[] = {
    "a",        "b",         "c",   "sel_one", "sel_two", "selection", "filter_main_x",
    "filter-2", "proc.name", "x10", "_hidden",
};
enum { NNAMES = sizeof names / sizeof *names };

typedef struct fixture {
    sg_arena *arena;
    sg_node *searches[NNAMES];
    sg_cond_env env;
    char out[4096]; /* the last parse, rendered */
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    f->arena = sg_arena_new();
    for (size_t i = 0; i < NNAMES; i++) {
        f->searches[i] = sg_node_new(f->arena, SG_N_TEST, 0);
        f->searches[i]->test.field = sg_strndup(f->arena, names[i], strlen(names[i]));
    }
    f->env = (sg_cond_env){f->arena, NNAMES, names, f->searches};
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    sg_arena_free(f->arena);
    free(f);
    return 0;
}

static size_t render(const sg_node *n, char *buf, size_t cap, size_t len) {
    static const char *const op[] = {[SG_N_AND] = "and", [SG_N_OR] = "or", [SG_N_NOT] = "not"};
    if (len >= cap) return len;
    if (n->kind == SG_N_TEST) return len + snprintf(buf + len, cap - len, "%s", n->test.field);
    len += snprintf(buf + len, cap - len, "%s(", op[n->kind]);
    for (size_t i = 0; i < n->nkids && len < cap; i++) {
        if (i) len += snprintf(buf + len, cap - len, ",");
        len = render(n->kids[i], buf, cap, len);
    }
    return len < cap ? len + snprintf(buf + len, cap - len, ")") : len;
}

/* Parses text in env and renders the tree, or "@OFFSET: MESSAGE". */
static const char *parse_in(fixture *f, const sg_cond_env *env, const char *text) {
    char err[256] = "";
    size_t off = 12345;
    sg_node *tree = sg_parse_condition(env, text, err, sizeof err, &off);
    if (tree)
        render(tree, f->out, sizeof f->out, 0);
    else
        snprintf(f->out, sizeof f->out, "@%zu: %s", off, err);
    return f->out;
}

static const char *parse(void **state, const char *text) {
    fixture *f = *state;
    return parse_in(f, &f->env, text);
}

static void precedence(void **state) {
    assert_string_equal(parse(state, "a or b and c"), "or(a,and(b,c))");
    assert_string_equal(parse(state, "a and b or c"), "or(and(a,b),c)");
    assert_string_equal(parse(state, "not a and b"), "and(not(a),b)");
    assert_string_equal(parse(state, "a or not b and c"), "or(a,and(not(b),c))");
    assert_string_equal(parse(state, "not not a"), "not(not(a))");
    assert_string_equal(parse(state, "not 1 of sel_*"), "not(or(sel_one,sel_two))");
    assert_string_equal(parse(state, "all of sel_* and not a"), "and(and(sel_one,sel_two),not(a))");
}

static void runs_become_one_node(void **state) {
    assert_string_equal(parse(state, "a or b or c"), "or(a,b,c)");
    assert_string_equal(parse(state, "a and b and c and not a"), "and(a,b,c,not(a))");
    assert_string_equal(parse(state, "a and b or b and c or c"), "or(and(a,b),and(b,c),c)");
}

static void parentheses(void **state) {
    assert_string_equal(parse(state, "(a or b) and c"), "and(or(a,b),c)");
    assert_string_equal(parse(state, "((a))"), "a");
    assert_string_equal(parse(state, "not(a or b)"), "not(or(a,b))");
    assert_string_equal(parse(state, "a and(b or (c and a))"), "and(a,or(b,and(c,a)))");
}

static void moderate_nesting_is_fine(void **state) {
    char text[256];
    memset(text, '(', 100);
    text[100] = 'a';
    memset(text + 101, ')', 100);
    text[201] = '\0';
    assert_string_equal(parse(state, text), "a");
}

static void searches_are_shared(void **state) {
    fixture *f = *state;
    char err[128];
    size_t off;
    sg_node *tree = sg_parse_condition(&f->env, "a and (a or b)", err, sizeof err, &off);
    assert_non_null(tree);
    assert_int_equal(tree->kind, SG_N_AND);
    assert_int_equal(tree->nkids, 2);
    assert_ptr_equal(tree->kids[0], f->searches[0]);
    assert_ptr_equal(tree->kids[1]->kids[0], f->searches[0]);
}

static void of_patterns(void **state) {
    assert_string_equal(parse(state, "1 of sel_*"), "or(sel_one,sel_two)");
    assert_string_equal(parse(state, "any of sel*"), "or(sel_one,sel_two,selection)");
    assert_string_equal(parse(state, "all of sel_*"), "and(sel_one,sel_two)");
    assert_string_equal(parse(state, "all of filter*"), "and(filter_main_x,filter-2)");
    assert_string_equal(parse(state, "1 of sel_?n?"), "sel_one");
    assert_string_equal(parse(state, "all of selection"), "selection");
    assert_string_equal(parse(state, "1 of *_x"), "filter_main_x");
    assert_string_equal(parse(state, "1 of *i*e*"), "or(filter_main_x,filter-2,_hidden)");
}

static void them_skips_underscore_names(void **state) {
    assert_string_equal(parse(state, "1 of them"),
                        "or(a,b,c,sel_one,sel_two,selection,filter_main_x,filter-2,proc.name,x10)");
    assert_string_equal(
        parse(state, "all of them"),
        "and(a,b,c,sel_one,sel_two,selection,filter_main_x,filter-2,proc.name,x10)");
    assert_string_equal(parse(state, "1 of _h*"), "_hidden");
    assert_string_equal(parse(state, "a and not _hidden"), "and(a,not(_hidden))");
}

static void them_of_one_search(void **state) {
    fixture *f = *state;
    static const char *const two[] = {"_filter", "selection"};
    sg_node *searches[] = {f->searches[0], f->searches[5]};
    sg_cond_env env = {f->arena, 2, two, searches};
    assert_string_equal(parse_in(f, &env, "all of them and not _filter"), "and(selection,not(a))");

    static const char *const hidden[] = {"_only"};
    env = (sg_cond_env){f->arena, 1, hidden, searches};
    assert_string_equal(parse_in(f, &env, "1 of them"), "@5: no search identifier matches 'them'");
}

static void keywords_ignore_case(void **state) {
    assert_string_equal(parse(state, "a AND NOT b Or 1 OF sel_*"),
                        "or(and(a,not(b)),or(sel_one,sel_two))");
    assert_string_equal(parse(state, "ALL of SEL_*"), "@7: no search identifier matches 'SEL_*'");
    assert_string_equal(parse(state, "Any Of them and a"),
                        "and(or(a,b,c,sel_one,sel_two,selection,filter_main_x,filter-2,proc.name,"
                        "x10),a)");
}

static void identifier_characters(void **state) {
    assert_string_equal(parse(state, "filter-2 and proc.name or x10"),
                        "or(and(filter-2,proc.name),x10)");
    assert_string_equal(parse(state, "a\tand\r\nb"), "and(a,b)");
}

static void unknown_names(void **state) {
    assert_string_equal(parse(state, "a and zz"), "@6: unknown identifier 'zz'");
    assert_string_equal(parse(state, "android"), "@0: unknown identifier 'android'");
    assert_string_equal(parse(state, "A"), "@0: unknown identifier 'A'");
    assert_string_equal(parse(state, "zz or yy"), "@0: unknown identifier 'zz'");
    assert_string_equal(parse(state, "a or sel_*"),
                        "@5: 'sel_*' is a pattern; write '1 of sel_*' or 'all of sel_*'");
    assert_string_equal(parse(state, "1 of nothing_*"),
                        "@5: no search identifier matches 'nothing_*'");
}

static void syntax_errors(void **state) {
    assert_string_equal(parse(state, "(a or b"), "@7: condition ends too early: missing ')'");
    assert_string_equal(parse(state, "a or b)"), "@6: unmatched ')'");
    assert_string_equal(parse(state, "(a))"), "@3: unmatched ')'");
    assert_string_equal(parse(state, "()"), "@1: unexpected ')'");
    assert_string_equal(parse(state, "a and"), "@5: condition ends too early");
    assert_string_equal(parse(state, "a or not "), "@9: condition ends too early");
    assert_string_equal(parse(state, "AND a"), "@0: unexpected 'AND'");
    assert_string_equal(parse(state, "a b"), "@2: unexpected 'b'");
    assert_string_equal(parse(state, "1 of"), "@4: condition ends too early");
    assert_string_equal(parse(state, "all of (a)"), "@7: unexpected '('");
    assert_string_equal(parse(state, "them"), "@0: unexpected 'them'");
}

static void empty_condition(void **state) {
    assert_string_equal(parse(state, ""), "@0: condition is empty");
    assert_string_equal(parse(state, "  \n"), "@3: condition is empty");
}

static void only_one_of(void **state) {
    assert_string_equal(parse(state, "2 of sel_*"), "@0: only '1 of' is defined by Sigma");
    assert_string_equal(parse(state, "a or 10 of them"), "@5: only '1 of' is defined by Sigma");
}

static void legacy_aggregations(void **state) {
    assert_string_equal(parse(state, "selection | count() by src_ip > 10"),
                        "@10: legacy aggregation '| count() ...' is not supported; use a Sigma "
                        "correlation rule");
    assert_string_equal(parse(state, "a|max (x) by b > 5"),
                        "@1: legacy aggregation '| max() ...' is not supported; use a Sigma "
                        "correlation rule");
    assert_string_equal(parse(state, "a |"), "@2: legacy aggregation '| ...' is not supported; "
                                             "use a Sigma correlation rule");
    assert_string_equal(parse(state, "a near b"), "@2: legacy 'near' aggregation is not "
                                                  "supported; use a Sigma correlation rule");
    assert_string_equal(parse(state, "a |near b"), "@2: legacy 'near' aggregation is not "
                                                   "supported; use a Sigma correlation rule");
    assert_string_equal(parse(state, "a NEAR b"), "@2: legacy 'near' aggregation is not "
                                                  "supported; use a Sigma correlation rule");
}

static void bad_characters(void **state) {
    assert_string_equal(parse(state, "a = b"), "@2: unexpected character '='");
    assert_string_equal(parse(state, "a and \xc3\xa9"), "@6: unexpected byte 0xc3");
    assert_string_equal(parse(state, "a || b"), "@2: '||' is not a condition operator; use 'or'");
    assert_string_equal(parse(state, "a && b"), "@2: '&&' is not a condition operator; use 'and'");
}

/* Deep input must be refused by the parser's fixed stack, not crash it. */
static void deep_nesting_is_an_error(void **state) {
    enum { DEPTH = 100000 };
    char *text = malloc(4 * DEPTH + 2);
    memset(text, '(', DEPTH);
    text[DEPTH] = 'a';
    memset(text + DEPTH + 1, ')', DEPTH);
    text[2 * DEPTH + 1] = '\0';
    assert_non_null(strstr(parse(state, text), ": condition nested too deeply"));

    for (size_t i = 0; i < DEPTH; i++)
        memcpy(text + 4 * i, "not ", 4);
    strcpy(text + 4 * DEPTH, "a");
    assert_non_null(strstr(parse(state, text), ": condition nested too deeply"));
    free(text);
}

/* A long run of one operator is flat, so it needs no stack at all. */
static void long_runs_are_flat(void **state) {
    fixture *f = *state;
    enum { N = 100000 };
    char *text = malloc(5 * N + 2);
    for (size_t i = 0; i < N; i++)
        memcpy(text + 5 * i, "a or ", 5);
    strcpy(text + 5 * N, "b");
    char err[128];
    size_t off;
    sg_node *tree = sg_parse_condition(&f->env, text, err, sizeof err, &off);
    assert_non_null(tree);
    assert_int_equal(tree->kind, SG_N_OR);
    assert_int_equal(tree->nkids, N + 1);
    assert_ptr_equal(tree->kids[N - 1], f->searches[0]);
    assert_ptr_equal(tree->kids[N], f->searches[1]);
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(precedence),
        cmocka_unit_test(runs_become_one_node),
        cmocka_unit_test(parentheses),
        cmocka_unit_test(moderate_nesting_is_fine),
        cmocka_unit_test(searches_are_shared),
        cmocka_unit_test(of_patterns),
        cmocka_unit_test(them_skips_underscore_names),
        cmocka_unit_test(them_of_one_search),
        cmocka_unit_test(keywords_ignore_case),
        cmocka_unit_test(identifier_characters),
        cmocka_unit_test(unknown_names),
        cmocka_unit_test(syntax_errors),
        cmocka_unit_test(empty_condition),
        cmocka_unit_test(only_one_of),
        cmocka_unit_test(legacy_aggregations),
        cmocka_unit_test(bad_characters),
        cmocka_unit_test(deep_nesting_is_an_error),
        cmocka_unit_test(long_runs_are_flat),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
