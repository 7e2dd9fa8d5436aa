/* fuzz_atom.c: the literal a regex cannot match without (compiler/atom.c)
   is in every text the regex matches, ASCII case and Unicode folding aside,
   as the literal guard that stands for the regex looks for it; and its
   longest run without letters is there byte for byte, as the test asked
   before the regex looks for it.

   Input: a byte of options (bit 0: caseless), the pattern up to the first
   newline, then the text. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "compiler/atom.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    const char *re = (const char *)data + 1, *nl = memchr(re, '\n', size - 1);
    if (!nl) return 0;
    size_t rn = (size_t)(nl - re), tn = size - 2 - rn;
    char *atom = malloc(rn ? rn : 1), *run = malloc(rn ? rn : 1);
    FUZZ_CHECK(atom && run);
    size_t an = cp_regex_atom(re, rn, atom), en = cp_regex_exact_run(re, rn, run);
    FUZZ_CHECK(an <= rn && en <= rn);
    int code;
    PCRE2_SIZE off;
    uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (data[0] & 1 ? PCRE2_CASELESS : 0);
    pcre2_code *c = an || en ? pcre2_compile((PCRE2_SPTR)re, rn, opts, &code, &off, NULL) : NULL;
    if (c) {
        pcre2_match_data *md = pcre2_match_data_create(1, NULL);
        pcre2_match_context *mc = pcre2_match_context_create(NULL);
        FUZZ_CHECK(md && mc);
        pcre2_set_match_limit(mc, 10000);
        if (pcre2_match(c, (PCRE2_SPTR)nl + 1, tn, 0, 0, md, mc) >= 0) {
            size_t fa, ft;
            char *fatom = sv_casefold(atom, an, &fa), *ftext = sv_casefold(nl + 1, tn, &ft);
            FUZZ_CHECK(!an || memmem(ftext, ft, fatom, fa) != NULL);
            FUZZ_CHECK(!en || memmem(nl + 1, tn, run, en) != NULL);
            free(fatom);
            free(ftext);
        }
        pcre2_match_context_free(mc);
        pcre2_match_data_free(md);
        pcre2_code_free(c);
    }
    free(atom);
    free(run);
    return 0;
}
