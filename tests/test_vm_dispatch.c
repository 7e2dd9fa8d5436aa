/* test_vm_dispatch.c: which rules an event reaches. Rules whose code always
   matches show what the guards alone let through: a rule runs when its
   guard and its literal guards all hold, whether the guard's tests are
   answered by a prefilter group (the event IDs, looked up together) or one
   by one, and whether the literal guard's are (scanned for the literal
   guards, or earlier for a guard) or not; a rule without a guard or without
   a literal guard lacks only that condition. Rules with real code check
   that what the scans memoize is what the tests would answer themselves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "build_pack.h"
#include "vm/vm.h"

#define INS(o, a_, c_) ((sv_ins){.op = SV_OP_##o, .a = (a_), .c = (c_)})

enum { P_CMD, P_IMAGE, P_ID, P_CHANNEL, NPATHS };

static const struct {
    sv_test t;
    const char *k;
} tests[] = {
    {{.kind = SV_T_NUM_EQ, .slot = P_ID, .num = 1}, NULL},              /* t0 */
    {{.kind = SV_T_CONTAINS, .slot = P_CMD}, "-enc"},                   /* t1 */
    {{.kind = SV_T_SUFFIX, .slot = P_CMD}, "bypass"},                   /* t2 */
    {{.kind = SV_T_SUFFIX, .slot = P_IMAGE}, "\\evil.exe"},             /* t3: alone on its field */
    {{.kind = SV_T_EQ, .slot = P_CHANNEL}, "sysmon"},                   /* t4 */
    {{.kind = SV_T_EQ, .slot = P_CHANNEL}, "security"},                 /* t5 */
    {{.kind = SV_T_REGEX, .slot = P_CMD}, "x+y"},                       /* t6: no literal */
    {{.kind = SV_T_PREFIX, .flags = SV_F_CASED, .slot = P_CMD}, "cmd"}, /* t7: alone cased */
    {{.kind = SV_T_NUM_EQ, .slot = P_ID, .num = 2}, NULL}, /* t8: with t0, one lookup */
};
enum { NTESTS = sizeof tests / sizeof *tests };

#define NONE SV_NO_GUARD
static const struct {
    uint32_t guard[2], nguard;
    uint32_t lit[2], nlit;
    int code; /* 0: matches, 1: t2 holds, 2: t1 does not hold */
    uint32_t lit2[2], nlit2;
} rules[] = {
    {{0}, 1, {1, 2}, 2, 0, {0}, 0}, /* r0: EventID 1, and -enc or ...bypass */
    {{0}, NONE, {3}, 1, 0, {0}, 0}, /* r1: no guard, a literal that no group holds */
    {{4}, 1, {4}, 1, 0, {0}, 0},    /* r2: a literal whose group the guard scans */
    {{0}, NONE, {0}, 0, 0, {0}, 0}, /* r3: always */
    {{0}, 1, {0}, 0, 0, {0}, 0},    /* r4: a guard alone */
    {{0}, NONE, {6}, 1, 0, {0}, 0}, /* r5: a regex in the literal guard (a pack may say so) */
    {{5}, 1, {1}, 1, 0, {0}, 0},    /* r6: channel security, and -enc */
    {{0}, 1, {2}, 1, 1, {0}, 0},    /* r7: asks what the scan memoized */
    {{0}, NONE, {0}, 0, 2, {0}, 0}, /* r8: a test the scan did not find does not hold */
    {{0}, NONE, {7}, 1, 0, {0}, 0}, /* r9: the only cased literal of its field */
    {{8}, 1, {0}, 0, 0, {0}, 0},    /* r10: another event ID */
    /* r11: -enc and a literal no group holds, both */
    {{0}, NONE, {1}, 1, 0, {3}, 1},
    /* r12: the same the other way round, the second one of two */
    {{0}, NONE, {3}, 1, 0, {2, 1}, 2},
    /* r13: -enc and the cased prefix cmd, never together */
    {{0}, NONE, {1}, 1, 0, {7}, 1},
};
enum { NRULES = sizeof rules / sizeof *rules };

static sv_pack *pack(void) {
    sv_pack_builder *b = sv_builder_new();
    static const char *const paths[NPATHS] = {"CommandLine", "Image", "EventID", "Channel"};
    for (uint32_t i = 0; i < NPATHS; i++)
        sv_builder_path(b, paths[i]);
    for (uint32_t i = 0; i < NTESTS; i++) {
        sv_test t = tests[i].t;
        if (tests[i].k) t.k = sv_builder_string(b, tests[i].k, strlen(tests[i].k));
        assert_int_equal(sv_builder_test(b, &t), i);
    }
    uint32_t empty = sv_builder_string(b, "", 0);
    for (uint32_t i = 0; i < NRULES; i++) {
        sv_rule r = {.code_start = sv_builder_code_len(b), .nregs = 1};
        switch (rules[i].code) {
        case 0: sv_builder_code(b, INS(SET, 0, 1)); break;
        case 1: sv_builder_code(b, INS(TEST, 0, 2)); break;
        default: sv_builder_code(b, INS(TEST, 0, 1)); sv_builder_code(b, INS(NOT, 0, 0));
        }
        sv_builder_code(b, INS(RET, 0, 0));
        r.code_len = sv_builder_code_len(b) - r.code_start;
        r.guard_len = rules[i].nguard;
        if (r.guard_len != NONE) r.guard_start = sv_builder_guard(b, rules[i].guard, r.guard_len);
        r.lit_guard_len = rules[i].nlit;
        r.lit_guard_start = sv_builder_guard(b, rules[i].lit, r.lit_guard_len);
        r.lit_guard2_len = rules[i].nlit2;
        r.lit_guard2_start = sv_builder_guard(b, rules[i].lit2, r.lit_guard2_len);
        add_unnamed_rule(b, &r, empty);
    }
    return load_built(b);
}

typedef struct value {
    uint32_t slot;
    const char *text;
} value;

static const struct {
    value v[5];              /* up to a value without text */
    const char *fast, *slow; /* the matching rules with and without shortcuts */
} events[] = {
    {{{P_ID, "1"},
      {P_CMD, "powershell -ENC abc"},
      {P_CHANNEL, "Sysmon"},
      {P_IMAGE, "c:\\evil.exe"}},
     "0 1 2 3 4 11 12",
     "0 1 2 3 4 5 6 9 10 11 12 13"},
    {{{P_ID, "2"}, {P_CMD, "cmd /c xxy BYPASS"}, {P_CHANNEL, "security"}},
     "3 5 8 9 10",
     "0 1 2 3 4 5 6 7 8 9 10 11 12 13"},
    {{{P_ID, "1"}, {P_CHANNEL, "security"}, {P_CMD, "a -enc"}, {P_CMD, "bypass b"}},
     "0 3 4 6",
     "0 1 2 3 4 5 6 9 10 11 12 13"},
    {{{P_ID, "1"}, {P_CMD, "bypass"}, {P_CMD, "bypass"}},
     "0 3 4 7 8",
     "0 1 2 3 4 5 6 7 8 9 10 11 12 13"},
    {{{P_ID, "3"}}, "3 8", "0 1 2 3 4 5 6 8 9 10 11 12 13"},
    {{{P_IMAGE, "c:\\x\\EVIL.exe"}, {P_CMD, "x BYPASS"}},
     "1 3 8 12",
     "0 1 2 3 4 5 6 7 8 9 10 11 12 13"},
};

static void fill(sv_event *ev, const value *v) {
    sv_event_reset(ev);
    for (; v->text; v++)
        sv_event_add(ev, v->slot, v->slot == P_ID ? SV_V_NUM : SV_V_STR, v->text, strlen(v->text),
                     false);
}

static void assert_matches(sv_exec *x, sv_event *ev, const char *want, size_t e) {
    uint32_t hits[NRULES];
    size_t n = sv_exec_run(x, ev, hits);
    char got[64] = "";
    for (size_t i = 0; i < n; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%u", i ? " " : "", hits[i]);
    if (strcmp(got, want) != 0) fail_msg("event %zu: rules \"%s\", expected \"%s\"", e, got, want);
}

static void both_guards_decide(void **state) {
    (void)state;
    sv_pack *p = pack();
    sv_event *ev = sv_event_new(NPATHS);
    sv_exec *fast = sv_exec_new(p), *slow = sv_exec_new(p);
    sv_exec_set_shortcuts(slow, false);
    /* Round after round: what one event scanned must not leak into the next. */
    for (int round = 0; round < 3; round++)
        for (size_t e = 0; e < sizeof events / sizeof *events; e++) {
            fill(ev, events[e].v);
            assert_matches(fast, ev, events[e].fast, e);
            assert_matches(slow, ev, events[e].slow, e);
        }
    sv_exec_free(fast);
    sv_exec_free(slow);
    sv_event_free(ev);
    sv_pack_free(p);
}

static void disasm_lists_both_guards(void **state) {
    (void)state;
    sv_pack *p = pack();
    char *text;
    size_t len;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    sv_disasm(p, out);
    fclose(out);
    static const char *const want[] = {
        "rule 0 ",  "  guard: t0\n  literal guard: t1 t2\n\t0\t",
        "rule 1 ",  "  guard: none\n  literal guard: t3\n",
        "rule 3 ",  "  guard: none (runs on every event)\n\t",
        "rule 4 ",  "  guard: t0\n\t",
        "rule 12 ", "  guard: none\n  literal guard: t3\n  and literal guard: t2 t1\n\t",
    };
    const char *at = text;
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const char *found = strstr(at, want[i]);
        if (!found)
            fail_msg("listing lacks \"%s\" after offset %zu:\n%s", want[i], (size_t)(at - text),
                     text);
        at = found + strlen(want[i]);
    }
    free(text);
    sv_pack_free(p);
}

int main(void) {
    const struct CMUnitTest t[] = {
        cmocka_unit_test(both_guards_decide),
        cmocka_unit_test(disasm_lists_both_guards),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
