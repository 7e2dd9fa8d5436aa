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

/* "baaaaaa" branches deep, so it has a row; its failure chain passes two
   tails ("aaaaaa", "aaaaa") with an edge on 'a' each, and the nearest one
   must win, or the scan loses track of the a's after the b. */
static void nearest_tail_edge_wins(void **state) {
    (void)state;
    sv_aho *a = sv_aho_new();
    sv_aho_add(a, "aaaaaaaa", 8, 0);
    sv_aho_add(a, "baaaaaab", 8, 1);
    sv_aho_add(a, "baaaaaac", 8, 2);
    sv_aho_build(a);
    hits h = {0};
    sv_aho_scan(a, "baaaaaaaa", 9, record, &h);
    assert_string_equal(h.log, "0@1-9 ");
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

typedef struct triple {
    uint32_t id;
    size_t start, end;
} triple;

typedef struct triples {
    triple *v;
    size_t n, cap, stop_after; /* stop_after 0: never stop */
} triples;

static bool collect(void *ctx, uint32_t id, size_t start, size_t end) {
    triples *t = ctx;
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 64;
        t->v = realloc(t->v, t->cap * sizeof *t->v);
        assert_non_null(t->v);
    }
    t->v[t->n++] = (triple){id, start, end};
    return t->n != t->stop_after;
}

static int by_end_id_start(const void *x, const void *y) {
    const triple *a = x, *b = y;
    if (a->end != b->end) return a->end < b->end ? -1 : 1;
    if (a->id != b->id) return a->id < b->id ? -1 : 1;
    return (a->start > b->start) - (a->start < b->start);
}

/* Many patterns, up to 40 bytes, over a small alphabet: shared prefixes,
   patterns inside patterns, duplicates, long single-child tails whose
   failure links lead into other tails. Every occurrence must be reported
   once, in order of end offset, and a scan told to stop must stop. */
static void stress_against_naive_search(void **state) {
    (void)state;
    srand(12345);
    static const char alpha[] = {'a', 'b', 'c', '\0', (char)0xff};
    enum { MAXPAT = 300, MAXLEN = 40, MAXTEXT = 2000 };
    static char pats[MAXPAT + 1][256], text[MAXTEXT];
    static size_t lens[MAXPAT + 1];
    for (int round = 0; round < 300; round++) {
        /* Patterns use the first nalpha letters; the text all of them. */
        static const size_t most[] = {4, 30, MAXPAT}; /* few patterns: more tails */
        size_t npat = 1 + (size_t)rand() % most[round % 3], nalpha = 2 + (size_t)rand() % 3;
        size_t maxlen = 1 + (size_t)rand() % MAXLEN;
        sv_aho *a = sv_aho_new();
        for (size_t i = 0; i < npat; i++) {
            if (i && rand() % 8 == 0) { /* a duplicate or an extension of an earlier one */
                size_t from = (size_t)rand() % i;
                lens[i] = lens[from];
                memcpy(pats[i], pats[from], lens[i]);
                while (lens[i] < maxlen && rand() % 2)
                    pats[i][lens[i]++] = alpha[rand() % nalpha];
            } else {
                lens[i] = 1 + (size_t)rand() % maxlen;
                for (size_t j = 0; j < lens[i]; j++)
                    pats[i][j] = alpha[rand() % nalpha];
            }
        }
        if (round % 10 == 9) { /* every byte value in some pattern: no class 0 */
            for (int b = 0; b < 256; b++)
                pats[npat][b] = (char)(255 - b);
            lens[npat++] = 256;
        }
        for (size_t i = 0; i < npat; i++)
            sv_aho_add(a, pats[i], lens[i], (uint32_t)i);
        sv_aho_build(a);
        assert_true(sv_aho_states(a) >= 2);
        size_t tlen = (size_t)rand() % MAXTEXT;
        for (size_t j = 0; j < tlen; j++) {
            if (rand() % 4 == 0) { /* a pattern's prefix, so deep states are reached */
                const char *from = pats[(size_t)rand() % npat];
                size_t k = (size_t)rand() % maxlen;
                for (; k-- && j < tlen; j++)
                    text[j] = *from++;
            }
            if (j < tlen) text[j] = rand() % 16 ? alpha[rand() % 5] : (char)('0' + rand() % 10);
        }
        triples expect = {0}, got = {0};
        for (size_t e = 1; e <= tlen; e++)
            for (size_t i = 0; i < npat; i++)
                if (lens[i] <= e && memcmp(text + e - lens[i], pats[i], lens[i]) == 0)
                    collect(&expect, (uint32_t)i, e - lens[i], e);
        sv_aho_scan(a, text, tlen, collect, &got);
        for (size_t k = 1; k < got.n; k++)
            assert_true(got.v[k - 1].end <= got.v[k].end);
        if (got.n) qsort(got.v, got.n, sizeof *got.v, by_end_id_start);
        assert_int_equal(got.n, expect.n);
        for (size_t k = 0; k < got.n; k++) {
            assert_int_equal(got.v[k].id, expect.v[k].id);
            assert_int_equal(got.v[k].start, expect.v[k].start);
            assert_int_equal(got.v[k].end, expect.v[k].end);
        }
        if (expect.n) {
            triples stopped = {.stop_after = 1 + (size_t)rand() % expect.n};
            sv_aho_scan(a, text, tlen, collect, &stopped);
            assert_int_equal(stopped.n, stopped.stop_after);
            free(stopped.v);
        }
        free(expect.v);
        free(got.v);
        sv_aho_free(a);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classic_example),
        cmocka_unit_test(bytes_outside_patterns_and_overlaps),
        cmocka_unit_test(scan_stops_when_asked),
        cmocka_unit_test(nearest_tail_edge_wins),
        cmocka_unit_test(agrees_with_naive_search),
        cmocka_unit_test(stress_against_naive_search),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
