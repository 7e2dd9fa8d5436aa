/* fuzz_lits.c: the literal sets of the prefilter (vm/lits.c) and the
   keyword pre-search in text as written (vm/rawscan.c), on literals and a
   text from the input, against naive searches.

   Input: a byte n (n % 48 + 1 literals), then per literal a byte h (how:
   h % 4, length: 1 + h / 4 % 40) and its bytes; the rest is the text. */
#include <ctype.h>

#include "fuzz.h"
#include "naive_lits.h"
#include "vm/lits.h"
#include "vm/rawscan.h"

enum { MAX_LITS = 48 };

static void note(void *ctx, uint32_t id) {
    ((uint8_t *)ctx)[id] = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!size) return 0;
    const uint8_t *lit[MAX_LITS];
    uint8_t folded[MAX_LITS][40];
    uint32_t len[MAX_LITS];
    sv_lit_how how[MAX_LITS];
    size_t at = 1, n = 0, want = data[0] % MAX_LITS + 1;
    while (n < want && at < size) {
        uint8_t h = data[at++];
        size_t l = 1 + h / 4 % 40;
        if (size - at < l) break;
        lit[n] = data + at, len[n] = (uint32_t)l, how[n] = (sv_lit_how)(h % 4);
        at += l, n++;
    }
    if (!n) return 0;
    /* An exact-size copy of the text, so that a read past it is reported. */
    size_t tlen = size - at;
    uint8_t *text = malloc(tlen ? tlen : 1);
    FUZZ_CHECK(text);
    memcpy(text, data + at, tlen);

    sv_lits *l = sv_lits_new();
    for (size_t k = 0; k < n; k++)
        sv_lits_add(l, (const char *)lit[k], len[k], how[k], (uint32_t)k);
    sv_lits_build(l);
    uint8_t got[MAX_LITS] = {0}, again[MAX_LITS] = {0};
    sv_lits_scan(l, (const char *)text, tlen, NULL, note, got);
    sv_lits_scan(l, (const char *)text, tlen, again, note, again);
    for (size_t k = 0; k < n; k++) {
        bool holds = naive_holds(how[k], text, tlen, lit[k], len[k]);
        FUZZ_CHECK(got[k] == holds);
        FUZZ_CHECK(again[k] == holds);
        FUZZ_CHECK(sv_lit_holds(how[k], (const char *)text, tlen, (const char *)lit[k], len[k]) ==
                   holds);
    }
    sv_lits_free(l);

    /* The keyword pre-search, on the literals lower-cased: in a text of
       ASCII without backslashes or quotes, every piece is the literal's
       longest run of such bytes, so a literal that occurs has its piece
       found. */
    const char *lower[MAX_LITS];
    sv_lit_how contains[MAX_LITS];
    for (size_t k = 0; k < n; k++) {
        for (size_t j = 0; j < len[k]; j++)
            folded[k][j] = (uint8_t)tolower(lit[k][j]);
        lower[k] = (const char *)folded[k];
        contains[k] = SV_LIT_CONTAINS;
    }
    static const uint32_t no_pairs[1 << 14];
    sv_raw *r = sv_raw_new(no_pairs, lower, len, contains, (uint32_t)n);
    if (r) {
        bool plain = true;
        for (size_t i = 0; i < tlen; i++)
            plain &= text[i] >= 0x20 && text[i] < 0x7f && text[i] != '\\' && text[i] != '"';
        uint8_t found[MAX_LITS] = {0};
        sv_raw_find(r, (const char *)text, tlen, note, found);
        for (size_t k = 0; plain && k < n; k++)
            if (naive_occurs_folded(text, tlen, folded[k], len[k])) FUZZ_CHECK(found[k]);
        sv_raw_free(r);
    }
    free(text);
    return 0;
}
