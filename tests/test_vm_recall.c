/* test_vm_recall.c: the table of a prefilter group's answers for values
   seen before gives back exactly what was kept for the same group, type
   and text, nothing for any other, keeps nothing it could not give back
   whole, and lets a group whose values do not repeat rest, then try
   again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vm/recall.h"
#include "vm/vm.h"

/* What the table says of (g, type, text): the hits it gives back, in
 *got, as "k k k"; "-" when it does not know. */
static const char *recalled(sv_recall *r, uint32_t g, uint8_t type, const char *s, size_t n,
                            sv_recall_ticket *tk) {
    static char got[256];
    uint32_t nhits = 0;
    const uint32_t *hits = sv_recall_find(r, g, type, s, n, &nhits, tk);
    if (!hits) return "-";
    got[0] = 0;
    for (uint32_t i = 0; i < nhits; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%u", i ? " " : "", hits[i]);
    return got;
}

/* Asks for a value and, when the table does not know it, keeps hits. */
static const char *ask_keep(sv_recall *r, uint32_t g, uint8_t type, const char *s,
                            const uint32_t *hits, uint32_t nhits) {
    sv_recall_ticket tk;
    const char *got = recalled(r, g, type, s, strlen(s), &tk);
    if (!strcmp(got, "-")) sv_recall_keep(r, &tk, g, type, s, strlen(s), hits, nhits);
    return got;
}

static void same_group_type_and_text(void **state) {
    (void)state;
    sv_recall *r = sv_recall_new(4);
    const uint32_t some[] = {3, 1, 7};
    assert_string_equal(ask_keep(r, 2, SV_V_STR, "C:\\Windows\\cmd.exe", some, 3), "-");
    assert_string_equal(ask_keep(r, 2, SV_V_STR, "C:\\Windows\\cmd.exe", NULL, 0), "3 1 7");
    /* Another group, another type, a text one byte longer, shorter, or
       different in its last byte (or in case: the text as written). */
    assert_string_equal(ask_keep(r, 1, SV_V_STR, "C:\\Windows\\cmd.exe", NULL, 0), "-");
    assert_string_equal(ask_keep(r, 2, SV_V_NUM, "C:\\Windows\\cmd.exe", NULL, 0), "-");
    assert_string_equal(ask_keep(r, 2, SV_V_STR, "C:\\Windows\\cmd.exe ", NULL, 0), "-");
    assert_string_equal(ask_keep(r, 2, SV_V_STR, "C:\\Windows\\cmd.ex", NULL, 0), "-");
    assert_string_equal(ask_keep(r, 2, SV_V_STR, "C:\\Windows\\cmd.exf", NULL, 0), "-");
    assert_string_equal(ask_keep(r, 2, SV_V_STR, "c:\\Windows\\cmd.exe", NULL, 0), "-");
    /* What those kept (no hits) comes back as no hits; the first still is. */
    assert_string_equal(ask_keep(r, 1, SV_V_STR, "C:\\Windows\\cmd.exe", NULL, 0), "");
    assert_string_equal(ask_keep(r, 2, SV_V_STR, "C:\\Windows\\cmd.exe", NULL, 0), "3 1 7");
    /* Short texts, and texts that differ only by a leading NUL. */
    const uint32_t one[] = {5};
    assert_string_equal(ask_keep(r, 0, SV_V_STR, "abc", one, 1), "-");
    assert_string_equal(recalled(r, 0, SV_V_STR, "\0abc", 4, &(sv_recall_ticket){0}), "-");
    assert_string_equal(recalled(r, 0, SV_V_STR, "abc\0", 4, &(sv_recall_ticket){0}), "-");
    assert_string_equal(recalled(r, 0, SV_V_STR, "", 0, &(sv_recall_ticket){0}), "-");
    assert_string_equal(ask_keep(r, 0, SV_V_STR, "abc", NULL, 0), "5");
    sv_recall_free(r);
}

/* Texts of every length up to 80 that differ from one another in one
   byte, at every position: each comes back with its own hits. */
static void every_length_and_position(void **state) {
    (void)state;
    sv_recall *r = sv_recall_new(1);
    char text[81];
    for (size_t n = 1; n <= 80; n++)
        for (size_t at = 0; at < n; at++) {
            memset(text, 'x', n);
            text[n] = 0;
            text[at] = 'y';
            uint32_t mine[2] = {(uint32_t)n, (uint32_t)at};
            sv_recall_ticket tk;
            uint32_t nhits = 0;
            const uint32_t *hits = sv_recall_find(r, 0, SV_V_STR, text, n, &nhits, &tk);
            if (hits) fail_msg("length %zu, y at %zu: known before it was kept", n, at);
            sv_recall_keep(r, &tk, 0, SV_V_STR, text, n, mine, 2);
            hits = sv_recall_find(r, 0, SV_V_STR, text, n, &nhits, &tk);
            if (!hits || nhits != 2 || hits[0] != n || hits[1] != at)
                fail_msg("length %zu, y at %zu: not given back", n, at);
        }
    sv_recall_free(r);
}

/* A text longer than the table keeps, or a value holding more tests than
   it keeps, is asked again each time. */
static void too_long_or_too_many(void **state) {
    (void)state;
    sv_recall *r = sv_recall_new(1);
    char *text = malloc(SV_RECALL_MAX_TEXT + 2);
    assert_non_null(text);
    memset(text, 'a', SV_RECALL_MAX_TEXT + 1);
    text[SV_RECALL_MAX_TEXT + 1] = 0;
    const uint32_t some[] = {1};
    assert_string_equal(ask_keep(r, 0, SV_V_STR, text, some, 1), "-");
    assert_string_equal(ask_keep(r, 0, SV_V_STR, text, some, 1), "-");
    text[SV_RECALL_MAX_TEXT] = 0; /* the longest kept */
    assert_string_equal(ask_keep(r, 0, SV_V_STR, text, some, 1), "-");
    assert_string_equal(ask_keep(r, 0, SV_V_STR, text, some, 1), "1");
    free(text);
    uint32_t many[SV_RECALL_MAX_HITS + 1];
    for (uint32_t k = 0; k <= SV_RECALL_MAX_HITS; k++)
        many[k] = k;
    assert_string_equal(ask_keep(r, 0, SV_V_STR, "many", many, SV_RECALL_MAX_HITS + 1), "-");
    assert_string_equal(ask_keep(r, 0, SV_V_STR, "many", many, SV_RECALL_MAX_HITS + 1), "-");
    assert_string_equal(ask_keep(r, 0, SV_V_STR, "enough", many, SV_RECALL_MAX_HITS), "-");
    sv_recall_ticket tk;
    uint32_t nhits = 0;
    const uint32_t *hits = sv_recall_find(r, 0, SV_V_STR, "enough", 6, &nhits, &tk);
    assert_non_null(hits);
    assert_int_equal(nhits, SV_RECALL_MAX_HITS);
    assert_memory_equal(hits, many, SV_RECALL_MAX_HITS * sizeof *hits);
    sv_recall_free(r);
}

/* A group that finds too few values of a trial rests: then it neither
   recalls nor keeps; another group goes on; after its rest it recalls
   again. */
static void groups_that_do_not_repeat_rest(void **state) {
    (void)state;
    sv_recall *r = sv_recall_new(2);
    const uint32_t some[] = {4};
    assert_string_equal(ask_keep(r, 1, SV_V_STR, "kept", some, 1), "-");
    assert_string_equal(ask_keep(r, 0, SV_V_STR, "kept", some, 1), "-");
    char text[32];
    sv_recall_ticket tk;
    /* Misses are not kept, so that none takes the place of "kept". One
       look is in the trial already; finds in it just below the bar. */
    for (uint32_t i = 1; i < SV_RECALL_TRIAL; i++) {
        if (i < SV_RECALL_MIN_FINDS)
            assert_string_equal(ask_keep(r, 0, SV_V_STR, "kept", NULL, 0), "4");
        else
            snprintf(text, sizeof text, "once %u", i),
                recalled(r, 0, SV_V_STR, text, strlen(text), &tk);
    }
    for (uint32_t i = 0; i < SV_RECALL_REST; i++) {
        sv_recall_ticket tk = {.at = 99};
        if (strcmp(recalled(r, 0, SV_V_STR, "kept", 4, &tk), "-") || tk.at)
            fail_msg("resting group recalled or would keep at look %u of its rest", i);
    }
    assert_string_equal(ask_keep(r, 1, SV_V_STR, "kept", NULL, 0), "4");
    assert_string_equal(ask_keep(r, 0, SV_V_STR, "kept", NULL, 0), "4");
    sv_recall_free(r);
}

/* A trial with enough finds: no rest. */
static void groups_that_repeat_go_on(void **state) {
    (void)state;
    sv_recall *r = sv_recall_new(1);
    const uint32_t some[] = {4};
    char text[32];
    sv_recall_ticket tk;
    assert_string_equal(ask_keep(r, 0, SV_V_STR, "kept", some, 1), "-");
    for (uint32_t i = 1; i < 3 * SV_RECALL_TRIAL; i++) {
        if (i % SV_RECALL_TRIAL < SV_RECALL_MIN_FINDS + 1) {
            if (strcmp(ask_keep(r, 0, SV_V_STR, "kept", NULL, 0), "4"))
                fail_msg("look %u: not recalled", i);
        } else {
            snprintf(text, sizeof text, "once %u", i);
            recalled(r, 0, SV_V_STR, text, strlen(text), &tk);
        }
    }
    sv_recall_free(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_group_type_and_text),
        cmocka_unit_test(every_length_and_position),
        cmocka_unit_test(too_long_or_too_many),
        cmocka_unit_test(groups_that_do_not_repeat_rest),
        cmocka_unit_test(groups_that_repeat_go_on),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
