/* test_vm_aho.c: the multi-pattern matcher against a naive search. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vm/aho.h"

typedef struct hits {
    char log[4096];
    size_t len, count;
} hits;

static bool record(void *ctx, uint32_t id, size_t start, size_t end) {
    hits *h = ctx;
    h->count++;
    if (h->len + 64 < sizeof h->log) /* the log is for the short cases; counts go on */
        h->len += (size_t)snprintf(h->log + h->len, sizeof h->log - h->len, "%u@%zu-%zu ", id,
                                   start, end);
    return true;
}

static void classic_example(void **state) {
    (void)state;
    static const char *const pats[] = {"he", "she", "his", "hers"};
    sv_aho *a = sv_aho_new();
    for (uint32_t i = 0; i < 4; i++)
        sv_aho_add(a, pats[i], strlen(pats[i]), i);
    sv_aho_build(a);
    hits h = {0};
    sv_aho_scan(a, "ushers", 6, record, &h);
    assert_string_equal(h.log, "1@1-4 0@2-4 3@2-6 ");
    sv_aho_free(a);
}

static void bytes_outside_patterns_and_overlaps(void **state) {
    (void)state;
    sv_aho *a = sv_aho_new();
    sv_aho_add(a, "aa", 2, 7);
    sv_aho_add(a, "\x00\xff", 2, 8);
    sv_aho_build(a);
    hits h = {0};
    sv_aho_scan(a, "zaaa\x00\xffq", 8, record, &h);
    assert_string_equal(h.log, "7@1-3 7@2-4 8@4-6 ");
    sv_aho_free(a);
}

static bool stop_first(void *ctx, uint32_t id, size_t start, size_t end) {
    (void)id, (void)start, (void)end;
    ++*(int *)ctx;
    return false;
}

static void scan_stops_when_asked(void **state) {
    (void)state;
    sv_aho *a = sv_aho_new();
    sv_aho_add(a, "x", 1, 0);
    sv_aho_build(a);
    int n = 0;
    sv_aho_scan(a, "xxxx", 4, stop_first, &n);
    assert_int_equal(n, 1);
    sv_aho_free(a);
}

/* Random small alphabets make many overlaps and shared prefixes; patterns
   up to 16 bytes reach the deep single-edge states as well as the dense
   ones near the root. */
static void agrees_with_naive_search(void **state) {
    (void)state;
    srand(7);
    for (int round = 0; round < 400; round++) {
        char pats[20][17], text[300];
        size_t npat = 1 + (size_t)rand() % 20, tlen = (size_t)rand() % sizeof text;
        size_t maxlen = round % 2 ? 16 : 5;
        sv_aho *a = sv_aho_new();
        for (size_t i = 0; i < npat; i++) {
            size_t len = 1 + (size_t)rand() % maxlen;
            for (size_t j = 0; j < len; j++)
                pats[i][j] = (char)('a' + rand() % 3);
            pats[i][len] = '\0';
            sv_aho_add(a, pats[i], len, (uint32_t)i);
        }
        sv_aho_build(a);
        for (size_t j = 0; j < tlen; j++)
            text[j] = (char)('a' + rand() % 4);
        hits h = {0};
        sv_aho_scan(a, text, tlen, record, &h);
        size_t expect = 0;
        for (size_t i = 0; i < npat; i++)
            for (size_t j = 0; j + strlen(pats[i]) <= tlen; j++)
                expect += memcmp(text + j, pats[i], strlen(pats[i])) == 0;
        assert_int_equal(h.count, expect);
        sv_aho_free(a);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classic_example),
        cmocka_unit_test(bytes_outside_patterns_and_overlaps),
        cmocka_unit_test(scan_stops_when_asked),
        cmocka_unit_test(agrees_with_naive_search),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
