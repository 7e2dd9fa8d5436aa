/* test_vm_screen.c: the factor screen of long texts never turns away a
   text that holds a piece (ASCII case aside, at any offset, the last
   included), and turns away texts that hold no factor. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "naive_lits.h"
#include "vm/screen.h"

enum { MAXPIECES = 24, MAXTEXT = 300 };

static const uint32_t no_pairs[1 << 14];

/* The screen of the mimikatz rule's pieces, or NULL without AVX2 (which
   sv_screen_new must then say for any pieces). */
static const char *const mimikatz[] = {
    "dpapi::masterkey",  "eo.oe.kiwi",           "event::clear",       "event::drop",
    "gentilkiwi.com",    "kerberos::golden",     "kerberos::ptc",      "kerberos::ptt",
    "kerberos::tgt",     "kiwi legit printer",   "lsadump::",          "mimidrv.sys",
    "mimilib.dll",       "misc::printnightmare", "misc::shadowcopies", "misc::skeleton",
    "privilege::backup", "privilege::debug",     "privilege::driver",  "sekurlsa::"};
enum { NMIMIKATZ = sizeof mimikatz / sizeof *mimikatz };

static sv_screen *mimikatz_screen(void) {
    uint32_t len[NMIMIKATZ];
    for (size_t k = 0; k < NMIMIKATZ; k++)
        len[k] = (uint32_t)strlen(mimikatz[k]);
    return sv_screen_new(mimikatz, len, NMIMIKATZ, no_pairs);
}

static bool have_avx2(void) {
#if defined(__x86_64__)
    return __builtin_cpu_supports("avx2");
#else
    return false;
#endif
}

/* Each piece, in random case, at every offset of texts of plain words: let
   through; the same texts without it: turned away. */
static void pieces_at_every_offset(void **state) {
    (void)state;
    sv_screen *s = mimikatz_screen();
    if (!have_avx2()) {
        assert_null(s);
        return;
    }
    assert_non_null(s);
    char text[MAXTEXT];
    unsigned seed = 1;
    for (size_t n = SV_SCREEN_MIN; n < 140; n += 7) {
        memset(text, 'x', n);
        for (size_t i = 0; i < n; i += 5)
            text[i] = ' ';
        assert_false(sv_screen_may_hold(s, text, n));
        for (size_t k = 0; k < NMIMIKATZ; k++) {
            size_t len = strlen(mimikatz[k]);
            for (size_t at = 0; at + len <= n; at++) {
                char copy[MAXTEXT];
                memcpy(copy, text, n);
                for (size_t j = 0; j < len; j++) {
                    seed = seed * 1103515245 + 12345;
                    copy[at + j] =
                        (char)(seed >> 16 & 1 ? toupper(mimikatz[k][j]) : mimikatz[k][j]);
                }
                if (!sv_screen_may_hold(s, copy, n))
                    fail_msg("\"%s\" at %zu of %zu bytes turned away", mimikatz[k], at, n);
            }
        }
    }
    sv_screen_free(s);
}

/* Random pieces over a small alphabet, random texts: whenever a piece
   occurs, the text is let through. */
static void agrees_with_naive_search(void **state) {
    (void)state;
    static const char alpha[] = "ab:.-1 ";
    unsigned seed = 42;
#define RAND() ((seed = seed * 1103515245 + 12345) >> 16)
    int screened = 0, turned_away = 0;
    for (int round = 0; round < 3000; round++) {
        char bytes[MAXPIECES][12];
        const char *piece[MAXPIECES];
        uint32_t len[MAXPIECES];
        uint32_t n = 1 + RAND() % 6;
        for (uint32_t k = 0; k < n; k++) {
            len[k] = 3 + RAND() % 9;
            for (uint32_t j = 0; j < len[k]; j++)
                bytes[k][j] = alpha[RAND() % (sizeof alpha - 1)];
            piece[k] = bytes[k];
        }
        sv_screen *s = sv_screen_new(piece, len, n, no_pairs);
        if (!s) continue;
        screened++;
        char text[MAXTEXT];
        size_t tlen = SV_SCREEN_MIN + RAND() % (MAXTEXT - SV_SCREEN_MIN);
        for (size_t j = 0; j < tlen; j++) {
            char c = alpha[RAND() % (sizeof alpha - 1)];
            text[j] = (char)(RAND() % 2 ? toupper(c) : c);
        }
        if (RAND() % 2) { /* a piece at the very end */
            uint32_t k = RAND() % n;
            memcpy(text + tlen - len[k], piece[k], len[k]);
        }
        bool there = false;
        for (uint32_t k = 0; k < n; k++)
            there |= naive_occurs_folded(text, tlen, piece[k], len[k]);
        bool let = sv_screen_may_hold(s, text, tlen);
        if (there && !let) fail_msg("round %d: a text holding a piece turned away", round);
        turned_away += !let;
        sv_screen_free(s);
    }
#undef RAND
    if (have_avx2()) {
        assert_true(screened > 100);
        assert_true(turned_away > 0);
    } else {
        assert_int_equal(screened, 0);
    }
}

/* Pieces some of which hold no factor of four bytes nor two punctuation
   bytes: no screen. */
static void no_screen_without_factors(void **state) {
    (void)state;
    const char *piece[] = {"mimikatz", "abc"};
    uint32_t len[] = {8, 3};
    assert_null(sv_screen_new(piece, len, 2, no_pairs));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pieces_at_every_offset),
        cmocka_unit_test(agrees_with_naive_search),
        cmocka_unit_test(no_screen_without_factors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
