/* chain.c: runs of ORed tests of one field answered in one loop.
 *
 * A selection that lists values compiles to an OR: TEST R t1; JMPT R L;
 * TEST R t2; JMPT R L; ... TEST R tk. "Potential System DLL Sideloading"
 * lists 430 DLL names, and each image load that passes its guards
 * dispatches 860 instructions and asks 430 memos one call at a time. Yet
 * all those tests are literal tests of one prefilter group: once the group
 * has scanned the event's value, the memos say which hold, and the OR is a
 * loop over them.
 *
 * So at load time each such run of at least MIN_CHAIN tests becomes a
 * chain, and its first TEST is marked with the chain's number (in B, which
 * the file leaves zero for TEST; disasm and the verifier never see the
 * mark). The interpreter (exec.c) runs a marked TEST as the whole run:
 * from the memos when the group is scanned, else test by test as the
 * instructions would. A jump into the middle of a run meets unmarked
 * TESTs and runs them one by one, as before.
 */
#include <stdlib.h>

#include "pack.h"

/* Shorter runs cost little more one instruction at a time. */
enum { MIN_CHAIN = 4 };
/* Chain numbers are kept in an instruction's 16-bit B, plus one. */
enum { MAX_CHAINS = UINT16_MAX };

/* Whether the instruction at pc is TEST R[a] of a test of group g. */
static bool test_of(const sv_pack *p, uint32_t pc, uint32_t end, uint8_t a, int32_t g) {
    return pc < end && p->code[pc].op == SV_OP_TEST && p->code[pc].a == a &&
           p->group_of[p->code[pc].c] == g;
}

/* Whether the instruction at pc is JMPT R[a] to target. */
static bool jump_to(const sv_pack *p, uint32_t pc, uint32_t end, uint8_t a, uint32_t target) {
    return pc < end && p->code[pc].op == SV_OP_JMPT && p->code[pc].a == a &&
           p->code[pc].c == target;
}

/* The number of tests of the run that starts at pc (a TEST followed by a
   JMPT), and where it ends: the pc after its last TEST (or after the JMPT
   that follows it, *last_jumps). */
static uint32_t run_at(const sv_pack *p, uint32_t pc, uint32_t end, uint32_t *after,
                       bool *last_jumps) {
    const sv_ins *first = &p->code[pc];
    int32_t g = p->group_of[first->c];
    if (g < 0 || pc + 1 >= end || p->code[pc + 1].op != SV_OP_JMPT) return 0;
    uint32_t target = p->code[pc + 1].c, n = 0;
    while (test_of(p, pc, end, first->a, g) && jump_to(p, pc + 1, end, first->a, target)) {
        pc += 2;
        n++;
    }
    *last_jumps = !test_of(p, pc, end, first->a, g);
    if (!*last_jumps) {
        pc++;
        n++;
    }
    *after = pc;
    return n;
}

static void add_chain(sv_pack *p, uint32_t pc, uint32_t n, uint32_t after, bool last_jumps,
                      size_t *cap, size_t *ntests) {
    if (p->nchains == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        p->chains = realloc(p->chains, *cap * sizeof *p->chains);
        if (!p->chains) abort();
    }
    p->chain_tests = realloc(p->chain_tests, (*ntests + n) * sizeof *p->chain_tests);
    if (!p->chain_tests) abort();
    for (uint32_t k = 0; k < n; k++)
        p->chain_tests[*ntests + k] = p->code[pc + 2 * k].c;
    p->chains[p->nchains] = (sv_chain){.at = pc,
                                       .first = (uint32_t)*ntests,
                                       .n = n,
                                       .group = (uint32_t)p->group_of[p->code[pc].c],
                                       .jump = p->code[pc + 1].c,
                                       .after = after,
                                       .last_jumps = last_jumps};
    *ntests += n;
    p->code[pc].b = (uint16_t)++p->nchains;
}

void sv_chains_build(sv_pack *p) {
    size_t cap = 0, ntests = 0;
    for (uint32_t r = 0; r < p->nrules; r++) {
        uint32_t pc = p->rules[r].code_start, end = pc + p->rules[r].code_len;
        while (pc < end) {
            uint32_t after, n = 0;
            bool last_jumps;
            if (p->code[pc].op == SV_OP_TEST && p->nchains < MAX_CHAINS)
                n = run_at(p, pc, end, &after, &last_jumps);
            if (n < MIN_CHAIN) {
                pc++;
                continue;
            }
            add_chain(p, pc, n, after, last_jumps, &cap, &ntests);
            pc = after;
        }
    }
}

void sv_chains_free(sv_pack *p) {
    for (uint32_t c = 0; c < p->nchains; c++)
        p->code[p->chains[c].at].b = 0;
    free(p->chains);
    free(p->chain_tests);
    p->chains = NULL;
    p->chain_tests = NULL;
    p->nchains = 0;
}
