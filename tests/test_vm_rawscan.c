/* test_vm_rawscan.c: keyword pieces found in text as written, against a
   naive search, and the literals checked in full. */
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
#include "vm/rawscan.h"

enum { MAXLITS = 60 };

typedef struct found {
    uint8_t lit[MAXLITS];
} found;

static void note(void *ctx, uint32_t k) {
    found *f = ctx;
    assert_true(k < MAXLITS);
    f->lit[k] = 1;
}

/* A literal without a piece of three bytes ('/' and '\\' break pieces)
   makes no filter. */
static void no_filter_without_pieces(void **state) {
    (void)state;
    sv_pack p = {0};
    const char *lit[] = {"mimikatz", "a/b\\c"};
    uint32_t len[] = {8, 5};
    sv_lit_how how[] = {SV_LIT_CONTAINS, SV_LIT_CONTAINS};
    uint32_t *pairs = sv_raw_pair_counts(&p);
    assert_null(sv_raw_new(pairs, lit, len, how, 2));
    free(pairs);
}

/* Plain texts (letters, digits, spaces, punctuation in either case, no
   escapes): every literal that occurs, ASCII case aside, is reported, and
   sv_raw_holds says which hold of the folded text. Pieces here are whole
   literals, so what is reported is exactly what occurs. */
static void finds_what_occurs(void **state) {
    (void)state;
    srand(99);
    static const char alpha[] = "abcAB1 -.:";
    sv_pack p = {0};
    uint32_t *pairs = sv_raw_pair_counts(&p);
    for (int round = 0; round < 300; round++) {
        char bytes[MAXLITS][12];
        const char *lit[MAXLITS];
        uint32_t len[MAXLITS];
        sv_lit_how how[MAXLITS];
        uint32_t n = 1 + (uint32_t)rand() % MAXLITS;
        for (uint32_t k = 0; k < n; k++) {
            len[k] = 3 + (uint32_t)rand() % 9;
            for (uint32_t j = 0; j < len[k]; j++)
                bytes[k][j] = (char)tolower(alpha[rand() % (sizeof alpha - 1)]);
            lit[k] = bytes[k];
            how[k] = SV_LIT_CONTAINS;
        }
        sv_raw *r = sv_raw_new(pairs, lit, len, how, n);
        assert_non_null(r);
        char text[400], folded[400];
        size_t tlen = (size_t)rand() % sizeof text;
        for (size_t j = 0; j < tlen;) {
            if (rand() % 5 == 0) { /* a literal, in random case */
                uint32_t k = (uint32_t)rand() % n;
                for (uint32_t b = 0; b < len[k] && j < tlen; b++, j++)
                    text[j] = (char)(rand() % 2 ? toupper(lit[k][b]) : lit[k][b]);
            } else {
                text[j++] = alpha[rand() % (sizeof alpha - 1)];
            }
        }
        for (size_t j = 0; j < tlen; j++)
            folded[j] = (char)tolower((unsigned char)text[j]);
        found f = {0};
        sv_raw_find(r, text, tlen, note, &f);
        for (uint32_t k = 0; k < n; k++) {
            bool there = naive_occurs_folded(text, tlen, lit[k], len[k]);
            if (f.lit[k] != there)
                fail_msg("round %d: literal %u \"%.*s\" reported %d", round, k, (int)len[k], lit[k],
                         f.lit[k]);
            assert_int_equal(sv_raw_holds(r, k, folded, tlen), there);
        }
        sv_raw_free(r);
    }
    free(pairs);
}

/* A literal's piece is its longest run without '/', '\\', '"' : found
   where the text as written holds it, then checked in full. */
static void pieces_of_paths(void **state) {
    (void)state;
    sv_pack p = {0};
    const char *lit[] = {"\\mimilib.dll", "c:\\inetpub"};
    uint32_t len[] = {12, 10};
    sv_lit_how how[] = {SV_LIT_CONTAINS, SV_LIT_SUFFIX};
    uint32_t *pairs = sv_raw_pair_counts(&p);
    sv_raw *r = sv_raw_new(pairs, lit, len, how, 2);
    free(pairs);
    assert_non_null(r);
    const char text[] = "C:\\\\Windows\\\\MimiLib.DLL and C:\\\\inetpub";
    found f = {0};
    sv_raw_find(r, text, strlen(text), note, &f);
    assert_true(f.lit[0] && f.lit[1]);
    assert_true(sv_raw_holds(r, 0, "c:\\windows\\mimilib.dll x", 24));
    assert_false(sv_raw_holds(r, 1, "c:\\inetpub x", 12));
    assert_true(sv_raw_holds(r, 1, "x c:\\inetpub", 12));
    sv_raw_free(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_filter_without_pieces),
        cmocka_unit_test(finds_what_occurs),
        cmocka_unit_test(pieces_of_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
