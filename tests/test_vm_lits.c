/* test_vm_lits.c: the literal set against a naive check of every literal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "naive_lits.h"
#include "vm/lits.h"

enum { MAXLITS = 400 };

/* Which ids were reported, each once however often it came. */
typedef struct found {
    uint8_t id[MAXLITS];
} found;

static void note(void *ctx, uint32_t id) {
    found *f = ctx;
    assert_true(id < MAXLITS);
    f->id[id] = 1;
}

static void scan(const sv_lits *l, const char *text, found *f) {
    memset(f, 0, sizeof *f);
    sv_lits_scan(l, text, strlen(text), NULL, note, f);
}

static void every_kind_at_the_ends(void **state) {
    (void)state;
    sv_lits *l = sv_lits_new();
    sv_lits_add(l, "c:\\windows\\", 11, SV_LIT_PREFIX, 0);
    sv_lits_add(l, "\\cmd.exe", 8, SV_LIT_SUFFIX, 1);
    sv_lits_add(l, "c:\\windows\\system32\\cmd.exe", 27, SV_LIT_EQ, 2);
    sv_lits_add(l, "system32", 8, SV_LIT_CONTAINS, 3);
    sv_lits_add(l, "c:", 2, SV_LIT_EQ, 4);
    sv_lits_add(l, "c", 1, SV_LIT_PREFIX, 5);
    sv_lits_add(l, "exe", 3, SV_LIT_CONTAINS, 6);
    sv_lits_add(l, "\\", 1, SV_LIT_CONTAINS, 7);
    sv_lits_add(l, "d.exe", 5, SV_LIT_SUFFIX, 8);
    sv_lits_build(l);
    found f;
    scan(l, "c:\\windows\\system32\\cmd.exe", &f);
    static const uint8_t all_but_4[9] = {1, 1, 1, 1, 0, 1, 1, 1, 1};
    assert_memory_equal(f.id, all_but_4, 9);
    scan(l, "c:", &f);
    static const uint8_t short_text[9] = {0, 0, 0, 0, 1, 1, 0, 0, 0};
    assert_memory_equal(f.id, short_text, 9);
    scan(l, "", &f);
    static const uint8_t none[9] = {0};
    assert_memory_equal(f.id, none, 9);
    sv_lits_free(l);
}

/* Literals that share long prefixes: the walk jumps over what a range
   shares and must stop where the text leaves it. */
static void shared_prefixes(void **state) {
    (void)state;
    sv_lits *l = sv_lits_new();
    sv_lits_add(l, "microsoft-windows-sysmon/operational", 36, SV_LIT_EQ, 0);
    sv_lits_add(l, "microsoft-windows-powershell/operational", 40, SV_LIT_EQ, 1);
    sv_lits_add(l, "microsoft-windows-", 18, SV_LIT_PREFIX, 2);
    sv_lits_add(l, "microsoft-windows-sysmon", 24, SV_LIT_PREFIX, 3);
    sv_lits_build(l);
    found f;
    scan(l, "microsoft-windows-sysmon/operational", &f);
    static const uint8_t sysmon[4] = {1, 0, 1, 1};
    assert_memory_equal(f.id, sysmon, 4);
    scan(l, "microsoft-windows-sysmon/operationa", &f);
    static const uint8_t cut[4] = {0, 0, 1, 1};
    assert_memory_equal(f.id, cut, 4);
    scan(l, "microsoft-window", &f);
    static const uint8_t none[4] = {0};
    assert_memory_equal(f.id, none, 4);
    sv_lits_free(l);
}

/* Small alphabets make shared prefixes, literals inside literals, grams
   and pairs that collide; lengths from 1 to 40 exercise single bytes,
   pairs and every stride;
   texts are built partly from literals so that most of them hold. */
static void agrees_with_naive_check(void **state) {
    (void)state;
    srand(2026);
    /* Up to 14 bytes: more than 8 edges make a node look its next up in
       a table. */
    static const char alpha[] = {'a', 'b', 'c', '\0', (char)0xff, '\\', 'd',
                                 'e', 'f', 'g', 'h',  'i',        'j',  'k'};
    enum { MAXLEN = 40, MAXTEXT = 1500 };
    static char lits[MAXLITS][MAXLEN], text[MAXTEXT];
    static size_t lens[MAXLITS];
    static sv_lit_how hows[MAXLITS];
    for (int round = 0; round < 600; round++) {
        static const size_t most[] = {3, 40, MAXLITS};
        size_t nlit = 1 + (size_t)rand() % most[round % 3],
               nalpha = 2 + (size_t)rand() % (sizeof alpha - 1);
        size_t minlen = 1 + (size_t)rand() % 12,
               maxlen = minlen + (size_t)rand() % (MAXLEN - minlen);
        sv_lits *l = sv_lits_new();
        for (size_t i = 0; i < nlit; i++) {
            hows[i] = (sv_lit_how)(rand() % 4);
            if (i && rand() % 8 == 0) { /* a duplicate or an extension of an earlier one */
                size_t from = (size_t)rand() % i;
                lens[i] = lens[from];
                memcpy(lits[i], lits[from], lens[i]);
                while (lens[i] < maxlen && rand() % 2)
                    lits[i][lens[i]++] = alpha[rand() % nalpha];
            } else {
                lens[i] = minlen + (size_t)rand() % (maxlen - minlen + 1);
                for (size_t j = 0; j < lens[i]; j++)
                    lits[i][j] = alpha[rand() % nalpha];
            }
            sv_lits_add(l, lits[i], lens[i], hows[i], (uint32_t)i);
        }
        sv_lits_build(l);
        for (int t = 0; t < 4; t++) {
            size_t tlen = (size_t)rand() % (t ? MAXTEXT : MAXLEN + 2), j = 0;
            if (rand() % 4 == 0 && lens[0] <= tlen) { /* the first literal, at the start */
                memcpy(text, lits[0], lens[0]);
                j = lens[0];
            }
            while (j < tlen) {
                if (rand() % 3 == 0) {
                    size_t k = (size_t)rand() % nlit;
                    for (size_t b = 0; b < lens[k] && j < tlen; b++)
                        text[j++] = lits[k][b];
                } else {
                    text[j++] = alpha[(size_t)rand() % nalpha];
                }
            }
            if (rand() % 4 == 0 && lens[nlit - 1] <= tlen) /* the last literal, at the end */
                memcpy(text + tlen - lens[nlit - 1], lits[nlit - 1], lens[nlit - 1]);
            found f = {0};
            sv_lits_scan(l, text, tlen, f.id, note, &f); /* each literal compared until found */
            for (size_t i = 0; i < nlit; i++)
                if (f.id[i] != naive_holds(hows[i], text, tlen, lits[i], lens[i]))
                    fail_msg("round %d text %d: literal %zu (how %d, %zu bytes) reported %d", round,
                             t, i, hows[i], lens[i], f.id[i]);
        }
        sv_lits_free(l);
    }
}

static void one_literal_check(void **state) {
    (void)state;
    assert_true(sv_lit_holds(SV_LIT_CONTAINS, "abc", 3, "bc", 2));
    assert_false(sv_lit_holds(SV_LIT_CONTAINS, "abc", 3, "abcd", 4));
    assert_true(sv_lit_holds(SV_LIT_EQ, "abc", 3, "abc", 3));
    assert_false(sv_lit_holds(SV_LIT_EQ, "abc", 3, "ab", 2));
    assert_true(sv_lit_holds(SV_LIT_PREFIX, "abc", 3, "ab", 2));
    assert_false(sv_lit_holds(SV_LIT_PREFIX, "abc", 3, "bc", 2));
    assert_true(sv_lit_holds(SV_LIT_SUFFIX, "abc", 3, "bc", 2));
    assert_false(sv_lit_holds(SV_LIT_SUFFIX, "abc", 3, "ab", 2));
}

/* sv_find agrees with a byte-by-byte search: needles of every length up
   to past a vector's width, at every offset of texts that cross the
   sixteen- and thirty-two-byte steps, over a small alphabet (so that
   first and last bytes agree often without the rest), NUL and 0xFF bytes
   included. */
static void find_agrees_with_naive(void **state) {
    (void)state;
    static const char alpha[] = {'a', 'b', 'c', '\0', (char)0xff};
    unsigned seed = 7;
    for (int round = 0; round < 20000; round++) {
        char text[200] = {0}, needle[48] = {0};
        size_t n = ((seed = seed * 1103515245 + 12345) >> 16) % sizeof text;
        size_t kn = (seed = seed * 1103515245 + 12345) >> 16 & 15;
        if (round % 7 == 0) kn += 32;
        for (size_t i = 0; i < n; i++)
            text[i] = alpha[(seed = seed * 1103515245 + 12345) >> 16 & 3];
        for (size_t i = 0; i < kn; i++)
            needle[i] = alpha[(seed = seed * 1103515245 + 12345) >> 16 & 3];
        if (round % 3 == 0 && kn <= n) { /* plant it at a random offset */
            size_t at = ((seed = seed * 1103515245 + 12345) >> 16) % (n - kn + 1);
            memcpy(text + at, needle, kn);
        }
        if (round % 11 == 0 && n) text[((seed = seed * 1103515245 + 12345) >> 16) % n] = alpha[4];
        const char *want = NULL;
        for (size_t i = 0; !want && i + kn <= n; i++)
            if (!memcmp(text + i, needle, kn)) want = text + i;
        const char *got = sv_find(text, n, needle, kn);
        if (got != want)
            fail_msg("round %d: needle of %zu bytes in %zu: at %td, expected %td", round, kn, n,
                     got ? got - text : -1, want ? want - text : -1);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_kind_at_the_ends),  cmocka_unit_test(shared_prefixes),
        cmocka_unit_test(agrees_with_naive_check), cmocka_unit_test(one_literal_check),
        cmocka_unit_test(find_agrees_with_naive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
