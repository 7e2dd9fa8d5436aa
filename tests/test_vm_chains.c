/* test_vm_chains.c: runs of ORed tests of one field, answered in one loop
   (chain.c), give what the instructions give one by one: whichever test
   of the run holds (first, middle, last, none), whether the last test
   jumps too or falls through, whether the group is scanned already or
   not, when a jump lands in the middle of a run, when a test is listed
   twice (its first place counts), and inside an element's scope, where
   the memos of the whole event do not apply. Every rule runs
   with shortcuts and without, and its value is spelled out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "build_pack.h"
#include "vm/pack.h"
#include "vm/vm.h"

#define INS(o, a_, b_, c_) ((sv_ins){.op = SV_OP_##o, .a = (a_), .b = (b_), .c = (c_)})
#define TEST(t) INS(TEST, 0, 0, t)
#define JMPT(to) INS(JMPT, 0, 0, to)

enum { P_LIST, P_NAME, P_OTHER, NPATHS }; /* P_NAME: "l.name", inside the list's elements */

/* t0 .. t5: name ends with a.exe .. f.exe; t6: other == "go". */
static const char *const suffixes[] = {"a.exe", "b.exe", "c.exe", "d.exe", "e.exe", "f.exe"};
enum { NSUFFIX = 6, T_GO = NSUFFIX, NTESTS };

enum { MAX_CODE = 24 };

typedef struct rule {
    sv_ins code[MAX_CODE]; /* jump targets relative to the rule's start */
    uint32_t n;
    bool guarded; /* a literal guard of t0 .. t5, so that their group is scanned up front */
} rule;

/* Each run is TEST/JMPT pairs over t0 .. t4 (and t5). The value a rule
   returns tells how it got there: 3 by a jump, 0 by falling through. */
static const rule rules[] = {
    /* r0: the last test falls through to L */
    {{TEST(0), JMPT(9), TEST(1), JMPT(9), TEST(2), JMPT(9), TEST(3), JMPT(9), TEST(4),
      INS(RET, 0, 0, 0)},
     10,
     true},
    /* r1: the last test jumps too; falling through returns 0 */
    {{TEST(0), JMPT(12), TEST(1), JMPT(12), TEST(2), JMPT(12), TEST(3), JMPT(12), TEST(4), JMPT(12),
      INS(SET, 0, 0, 0), INS(RET, 0, 0, 0), INS(SET, 0, 0, 3), INS(RET, 0, 0, 0)},
     14,
     true},
    /* r2: r1 without a guard: the group is not scanned when the run starts */
    {{TEST(0), JMPT(12), TEST(1), JMPT(12), TEST(2), JMPT(12), TEST(3), JMPT(12), TEST(4), JMPT(12),
      INS(SET, 0, 0, 0), INS(RET, 0, 0, 0), INS(SET, 0, 0, 3), INS(RET, 0, 0, 0)},
     14,
     false},
    /* r3: other == "go" jumps into the middle of the run (to t3) */
    {{TEST(T_GO), JMPT(8), TEST(0), JMPT(14), TEST(1), JMPT(14), TEST(2), JMPT(14), TEST(3),
      JMPT(14), TEST(4), JMPT(14), INS(SET, 0, 0, 0), INS(RET, 0, 0, 0), INS(SET, 0, 0, 3),
      INS(RET, 0, 0, 0)},
     16,
     true},
    /* r4: every element's name is one of a.exe .. e.exe */
    {{INS(EACH, 0, SV_Q_EVERY, P_LIST), TEST(0), JMPT(10), TEST(1), JMPT(10), TEST(2), JMPT(10),
      TEST(3), JMPT(10), TEST(4), INS(END, 0, 0, 0), INS(RET, 0, 0, 0)},
     12,
     true},
    /* r5: the run of r0 then another of t5 alone, too short to be a chain */
    {{TEST(0), JMPT(9), TEST(1), JMPT(9), TEST(2), JMPT(9), TEST(3), JMPT(9), TEST(4),
      INS(JMPT, 0, 0, 11), TEST(5), INS(RET, 0, 0, 0)},
     12,
     true},
    /* r6: t4 first and last: where it holds, the run jumps (3), as its first
       place says, not falls through from its last (1) */
    {{TEST(4), JMPT(10), TEST(1), JMPT(10), TEST(2), JMPT(10), TEST(3), JMPT(10), TEST(4),
      INS(RET, 0, 0, 0), INS(SET, 0, 0, 3), INS(RET, 0, 0, 0)},
     12,
     true},
};
enum { NRULES = sizeof rules / sizeof *rules };

/* guards: give the rules marked so their literal guards. */
static sv_pack *pack(bool guards) {
    sv_pack_builder *b = sv_builder_new();
    assert_int_equal(sv_builder_path(b, "l"), P_LIST);
    assert_int_equal(sv_builder_path(b, "l.name"), P_NAME);
    assert_int_equal(sv_builder_path(b, "other"), P_OTHER);
    for (uint32_t i = 0; i < NSUFFIX; i++) {
        sv_test t = {.kind = SV_T_SUFFIX, .slot = P_NAME};
        t.k = sv_builder_string(b, suffixes[i], strlen(suffixes[i]));
        assert_int_equal(sv_builder_test(b, &t), i);
    }
    sv_test go = {.kind = SV_T_EQ, .slot = P_OTHER, .k = sv_builder_string(b, "go", 2)};
    assert_int_equal(sv_builder_test(b, &go), T_GO);
    uint32_t empty = sv_builder_string(b, "", 0);
    static const uint32_t all[NSUFFIX] = {0, 1, 2, 3, 4, 5};
    for (uint32_t i = 0; i < NRULES; i++) {
        sv_rule r = {.code_start = sv_builder_code_len(b),
                     .code_len = rules[i].n,
                     .nregs = 1,
                     .guard_len = SV_NO_GUARD};
        for (uint32_t k = 0; k < rules[i].n; k++) {
            sv_ins in = rules[i].code[k];
            if (in.op == SV_OP_JMPT) in.c += r.code_start;
            sv_builder_code(b, in);
        }
        if (guards && rules[i].guarded) {
            r.lit_guard_start = sv_builder_guard(b, all, NSUFFIX);
            r.lit_guard_len = NSUFFIX;
        }
        add_unnamed_rule(b, &r, empty);
    }
    return load_built(b);
}

/* An event: a list of elements with the names given (NULL ends), and
   other == "go" or not. */
typedef struct event {
    const char *names[4];
    bool go;
    const char *want; /* each rule's value, "r0 r1 ..." */
} event;

static const event events[] = {
    {{"x\\\\a.exe"}, false, "1 3 3 3 1 1 0"},
    {{"x\\\\c.exe"}, false, "1 3 3 3 1 1 3"},
    {{"x\\\\e.exe"}, false, "1 3 3 3 1 1 3"}, /* the last of the run */
    {{"x\\\\f.exe"}, false, "0 0 0 0 0 1 0"}, /* none of the run: guarded rules run anyway */
    {{"x\\\\z.exe"}, false, "0 0 0 0 0 0 0"},
    {{"x\\\\z.exe"}, true, "0 0 0 0 0 0 0"},      /* into the middle, where none holds */
    {{"x\\\\b.exe"}, true, "1 3 3 0 1 1 3"},      /* the jump skips the test that holds */
    {{"x\\\\d.exe"}, true, "1 3 3 3 1 1 3"},      /* ... or lands before it */
    {{"a.exe", "q.exe"}, false, "1 3 3 3 0 1 0"}, /* one element holds, not every one */
    {{"a.exe", "E.EXE", "c.exe"}, false, "1 3 3 3 1 1 3"},
};

/* The document text holds the values, so that an element's scope (its
   text's bounds) contains its name, as the scanner would record them. */
static void fill(sv_event *ev, const event *e, char *doc, size_t cap) {
    sv_event_reset(ev);
    size_t at = (size_t)snprintf(doc, cap, "{\"l\":[");
    const char *elem[4];
    size_t elen[4], n = 0;
    for (; n < 4 && e->names[n]; n++) {
        elem[n] = doc + at;
        at +=
            (size_t)snprintf(doc + at, cap - at, "%s{\"name\":\"%s\"}", n ? "," : "", e->names[n]);
        elen[n] = (size_t)(doc + at - elem[n]);
        if (n) elem[n]++, elen[n]--;
    }
    snprintf(doc + at, cap - at, "],\"other\":\"%s\"}", e->go ? "go" : "no");
    for (size_t i = 0; i < n; i++) {
        sv_event_add(ev, P_NAME, SV_V_STR, strstr(elem[i], "\"name\":\"") + 8, strlen(e->names[i]),
                     strchr(e->names[i], '\\') ? 1 : 0);
        sv_event_add_element(ev, P_LIST, SV_V_OBJ, elem[i], elen[i], 0, 1);
    }
    sv_event_add(ev, P_OTHER, SV_V_STR, e->go ? "go" : "no", 2, 0);
}

/* With guards the group of t0 .. t5 is scanned before any rule runs;
   without, the runs ask their tests one by one. */
static void check(bool guards) {
    sv_pack *p = pack(guards);
    uint32_t chains = 0;
    for (uint32_t pc = 0; pc < p->ncode; pc++)
        chains += p->code[pc].op == SV_OP_TEST && p->code[pc].b;
    assert_int_equal(chains, NRULES); /* one per rule; t5 alone is none */
    sv_event *ev = sv_event_new(NPATHS);
    sv_exec *fast = sv_exec_new(p), *slow = sv_exec_new(p);
    sv_exec_set_shortcuts(slow, false);
    uint32_t hits[NRULES];
    char doc[512];
    for (int round = 0; round < 2; round++)
        for (size_t e = 0; e < sizeof events / sizeof *events; e++) {
            fill(ev, &events[e], doc, sizeof doc);
            sv_exec_run(fast, ev, hits);
            sv_exec_run(slow, ev, hits);
            char got[64] = "", got_slow[64] = "";
            for (uint32_t r = 0; r < NRULES; r++) {
                snprintf(got + strlen(got), sizeof got - strlen(got), "%s%u", r ? " " : "",
                         sv_exec_result(fast, r));
                snprintf(got_slow + strlen(got_slow), sizeof got_slow - strlen(got_slow), "%s%u",
                         r ? " " : "", sv_exec_result(slow, r));
            }
            if (strcmp(got, events[e].want) || strcmp(got_slow, events[e].want))
                fail_msg("event %zu: \"%s\" with shortcuts, \"%s\" without, expected \"%s\"", e,
                         got, got_slow, events[e].want);
        }
    sv_exec_free(fast);
    sv_exec_free(slow);
    sv_event_free(ev);
    sv_pack_free(p);
}

static void group_scanned_first(void **state) {
    (void)state;
    check(true);
}

static void tests_asked_in_turn(void **state) {
    (void)state;
    check(false);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(group_scanned_first),
        cmocka_unit_test(tests_asked_in_turn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
