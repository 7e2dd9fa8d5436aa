/* pack.h: the pack file layout and the loaded form of a pack, shared by the
   files of vm/ (and by tests that take images apart). */
#ifndef SIGVM_PACK_H
#define SIGVM_PACK_H

#include <string.h>

#include "recall.h"
#include "vm.h"

/* ---- File layout ----
   Header: magic[8], u32 version, u32 section count, u32 CRC-32 of everything
   after the header. Then the section table: per section a (u32 kind, u32
   offset, u32 size) entry. Each section's payload starts with a u32 count;
   the fixed-size records that follow it are sized below. */
enum {
    SV_PACK_MAGIC_SIZE = 8,
    SV_PACK_VERSION_AT = 8,
    SV_PACK_SECTION_COUNT_AT = 12,
    SV_PACK_CRC_AT = 16,
    SV_PACK_HEADER_SIZE = 20,
    SV_PACK_ENTRY_SIZE = 12,
    SV_PACK_PATH_SIZE = 4,  /* u32 string index */
    SV_PACK_TEST_SIZE = 24, /* kind, flags, cmp, part, u32 slot, u32 k, u32 zero, f64 num */
    SV_PACK_INS_SIZE = 8,   /* op, a, u16 zero, u32 c */
#define SV_COUNT_FIELD(f) +1
    /* code_start, code_len, nregs, guard_start, guard_len, lit_guard_start,
       lit_guard_len, lit_guard2_start, lit_guard2_len, then a u32 per
       SV_RULE_FIELDS entry */
    SV_PACK_RULE_SIZE = 4 * (9 SV_RULE_FIELDS(SV_COUNT_FIELD))
#undef SV_COUNT_FIELD
};

/* Little-endian field access. */
static inline uint16_t sv_get_u16(const unsigned char *p) {
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t sv_get_u32(const unsigned char *p) {
    return sv_get_u16(p) | (uint32_t)sv_get_u16(p + 2) << 16;
}

static inline double sv_get_f64(const unsigned char *p) {
    uint64_t bits = sv_get_u32(p) | (uint64_t)sv_get_u32(p + 4) << 32;
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* The put functions return the position just past what they wrote. */
static inline unsigned char *sv_put_u16(unsigned char *p, uint16_t v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    return p + 2;
}

static inline unsigned char *sv_put_u32(unsigned char *p, uint32_t v) {
    p = sv_put_u16(p, (uint16_t)v);
    return sv_put_u16(p, (uint16_t)(v >> 16));
}

static inline unsigned char *sv_put_f64(unsigned char *p, double d) {
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    p = sv_put_u32(p, (uint32_t)bits);
    return sv_put_u32(p, (uint32_t)(bits >> 32));
}

/* ---- The loaded form ---- */

/* A test made ready to run: folded constant, compiled regex, parsed network. */
typedef struct sv_prepared {
    const char *lit; /* the constant, folded unless the test is cased */
    uint32_t lit_len;
    bool lit_owned;   /* lit was allocated by Unicode folding */
    void *re;         /* pcre2_code_8 * for REGEX */
    uint8_t addr[16]; /* CIDR network */
    unsigned prefix;
    uint32_t piece; /* GLOB: the pseudo-test of a piece it needs (prefilter.c), or 0 */
} sv_prepared;

/* A piece of a set of rules: bit i of bits is rule 64 * word + i. */
typedef struct sv_rule_bits {
    uint32_t word;
    uint64_t bits;
} sv_rule_bits;

/* A run of ORed tests of one prefilter group (chain.c): the TEST at pc at,
   marked with the chain's number plus one in B, stands for the tests
   chain_tests[first, first + n), each followed by JMPT jump but the last
   unless last_jumps; after them the code goes on at pc after. */
typedef struct sv_chain {
    uint32_t at, first, n, group, jump, after;
    bool last_jumps;
} sv_chain;

/* A prefilter group that holds literal guard tests. */
typedef struct sv_lit_group {
    uint32_t group, slot;
    uint32_t first, end; /* lbits[first, end): the rules whose literal guards it holds tests of */
} sv_lit_group;

/* A literal guard test that no prefilter group holds. */
typedef struct sv_lit_loose {
    uint32_t test;
    uint32_t first, end; /* lbits[first, end): the rules whose literal guards list it */
} sv_lit_loose;

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
    uint32_t nguards;
    uint32_t *guards; /* test indices, per rule [guard_start, +guard_len) */
    /* Rules by guard (dispatch.c): as a bitset, the rules without one; for
       test t the rules whose guard lists it, as the pieces of a bitset
       gbits[gstart[t] .. gstart[t+1]); the prefilter groups that hold
       guard tests, and the guard tests that no group holds. */
    uint64_t *always;
    uint32_t *gstart;
    sv_rule_bits *gbits;
    uint32_t *ggroups, nggroups;
    uint32_t *gloose, ngloose;
    /* Rules by literal guard (dispatch.c): for test t the rules whose literal
       guards list it, lrules[lstart[t] .. lstart[t+1]) (both lists run over
       the pseudo-tests too, which guard no rule), rule r's second literal
       guard as r + sv_lit_stride(p); the prefilter groups that hold such
       tests, each with the rules it may let through; those tests that no
       group holds, each with the rules it guards (both rule sets as words
       of lbits); and per rule, as bitsets, whether it has no literal
       guard, no second one. */
    uint32_t *lstart, *lrules;
    sv_lit_group *lgroups; /* by slot: those of slot s at [lgroups_at[s], lgroups_at[s + 1]),
                              keyword groups as slot npaths */
    uint32_t nlgroups, *lgroups_at;
    sv_rule_bits *lbits;
    sv_lit_loose *lloose; /* by slot, as lgroups */
    uint32_t *lloose_at;
    uint64_t *no_lit_guard, *no_lit_guard2;
    /* Tests answered together, per field (prefilter.c): the group of each
       test and pseudo-test (-1: none) and the groups. Pseudo-tests, numbered
       ntests .. ntests + npieces - 1, stand for pieces that wildcard
       patterns need; they are memoized like tests. */
    int32_t *group_of;
    struct sv_prefilter_group *groups;
    uint32_t ngroups, max_group, npieces;
    bool wants_any;
    uint32_t *body_end; /* per pc of an EACH: the pc of its END (NULL: no EACH) */
    sv_chain *chains;   /* runs of ORed tests (chain.c) */
    uint32_t nchains, *chain_tests;
    sv_prepared *prep; /* one per test, filled by sv_pack_prepare */
    char *folded;      /* the folded constants that prep does not own */
};

/* How lrules tells a second literal guard from a first: a bitset of two
   halves, one bit per rule in each. */
static inline uint32_t sv_lit_stride(const sv_pack *p) {
    return (p->nrules / 64 + 1) * 64;
}

/* A rule's guards: the first, then the literal ones. */
enum { SV_GUARD_FIRST, SV_GUARD_LIT, SV_GUARD_LIT2, SV_GUARDS };

/* A rule's guard k: its length (SV_NO_GUARD or 0: none), and where in
   guards it starts. */
static inline uint32_t sv_rule_guard(const sv_rule *r, unsigned k, uint32_t *from) {
    switch (k) {
    case SV_GUARD_FIRST: *from = r->guard_start; return r->guard_len;
    case SV_GUARD_LIT: *from = r->lit_guard_start; return r->lit_guard_len;
    default: *from = r->lit_guard2_start; return r->lit_guard2_len;
    }
}

/* Makes every test ready to run (prepare.c); called by the loader once the
   image is verified. Returns false with a message for a test that cannot be
   prepared (a regex PCRE2 refuses, a malformed network). */
bool sv_pack_prepare(sv_pack *p, char *err, size_t errlen);
/* Releases what sv_pack_prepare made. */
void sv_pack_unprepare(sv_pack *p);

void sv_dispatch_build(sv_pack *p);
void sv_dispatch_free(sv_pack *p);
void sv_prefilter_build(sv_pack *p);
void sv_chains_build(sv_pack *p); /* after the prefilter: chains are of its groups */
void sv_chains_free(sv_pack *p);
void sv_prefilter_free(sv_pack *p);
/* Scans the field of group g once and writes into hits the positions (in
   the order sv_prefilter_tests gives) of the group's tests that hold;
   returns how many. seen: max_group bytes of scratch, zero before and after;
   recall: the answers for values seen before (recall.h), or NULL. */
uint32_t sv_prefilter_run(const sv_pack *p, uint32_t g, sv_event *ev, uint8_t *seen, uint32_t *hits,
                          sv_recall *recall);
/* Group g's tests and pseudo-tests, and the slot they read. */
const uint32_t *sv_prefilter_tests(const sv_pack *p, uint32_t g, uint32_t *n);
uint32_t sv_prefilter_slot(const sv_pack *p, uint32_t g);
/* Whether group g's tests guard no rule: asked only by rules that run. */
bool sv_prefilter_asked(const sv_pack *p, uint32_t g);

#endif
