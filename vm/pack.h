/* pack.h: the loaded form of a pack, shared by the files of vm/. */
#ifndef SIGVM_PACK_H
#define SIGVM_PACK_H

#include "vm.h"

/* A test made ready to run: folded constant, compiled regex, parsed network. */
typedef struct sv_prepared {
    const char *lit; /* the constant, folded unless the test is cased */
    uint32_t lit_len;
    bool lit_owned; /* lit was allocated by folding */
    void *re;        /* pcre2_code_8 * for REGEX */
    uint8_t addr[16]; /* CIDR network */
    unsigned prefix;
} sv_prepared;

struct sv_pack {
    unsigned char *image; /* the verified image; strings point into it */
    size_t len;
    uint32_t nstrings;
    const char **str; /* NUL-terminated (an embedded NUL is possible: use str_len) */
    uint32_t *str_len;
    uint32_t npaths;
    uint32_t *paths; /* string index per path */
    uint32_t ntests;
    sv_test *tests;
    uint32_t ncode;
    sv_ins *code;
    uint32_t nrules;
    sv_rule *rules;
    bool wants_any;
    sv_prepared *prep; /* one per test, filled by sv_pack_prepare */
};

/* Makes every test ready to run (exec.c); called by the loader once the
   image is verified. Returns false with a message for a test that cannot be
   prepared (a regex PCRE2 refuses, a malformed network). */
bool sv_pack_prepare(sv_pack *p, char *err, size_t errlen);
/* Releases what sv_pack_prepare made. */
void sv_pack_unprepare(sv_pack *p);

#endif
