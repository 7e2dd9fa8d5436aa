/* test_vm_each.c: element tests in the VM: the verifier's checks on EACH
   bodies, and the interpreter's quantifiers and scoping over hand-made
   events (values placed in a document text, as the scanner places them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vm/vm.h"

#define INS(o, a_, b_, c_) ((sv_ins){.op = SV_OP_##o, .a = (a_), .b = (b_), .c = (c_)})

/* Slot 0 "l" holds two elements; slot 1 "l.a" the field a inside each. */
static const char doc[] = "{\"l\":[{\"a\":\"x\"},{\"a\":\"y\"}]}";

static void fill(sv_event *ev) {
    const char *e0 = strstr(doc, "{\"a\":\"x\"}"), *e1 = strstr(doc, "{\"a\":\"y\"}");
    const char *arr = strchr(doc, '[');
    sv_event_reset(ev);
    /* in the order the scanner records them: a value when its text ends */
    sv_event_add(ev, 1, SV_V_STR, e0 + 6, 1, false);
    sv_event_add_element(ev, 0, SV_V_OBJ, e0, 9, false, 1);
    sv_event_add(ev, 1, SV_V_STR, e1 + 6, 1, false);
    sv_event_add_element(ev, 0, SV_V_OBJ, e1, 9, false, 1);
    sv_event_add(ev, 0, SV_V_ARR, arr, strlen(arr) - 1, false);
}

/* A pack of one rule: code over paths "l" and "l.a" and one test, a == k. */
static unsigned char *image(const sv_ins *code, size_t n, uint32_t nregs, const char *k,
                            size_t *len) {
    sv_pack_builder *b = sv_builder_new();
    uint32_t l = sv_builder_path(b, "l"), a = sv_builder_path(b, "l.a");
    sv_test t = {.kind = SV_T_EQ, .slot = a, .k = sv_builder_string(b, k, strlen(k))};
    assert_int_equal(l, 0);
    sv_builder_test(b, &t);
    for (size_t i = 0; i < n; i++)
        sv_builder_code(b, code[i]);
    sv_rule r = {.code_len = (uint32_t)n, .nregs = nregs, .guard_len = SV_NO_GUARD};
    sv_builder_rule(b, &r);
    unsigned char *img;
    assert_int_equal(sv_builder_finish(b, &img, len), 0);
    sv_builder_free(b);
    return img;
}

/* The rule's result on the event of fill(); -1 when the pack is refused. */
static int run(const sv_ins *code, size_t n, const char *k, char *err, size_t errlen) {
    size_t len;
    unsigned char *img = image(code, n, 1, k, &len);
    sv_pack *p = sv_pack_load(img, len, err, errlen);
    free(img);
    if (!p) return -1;
    sv_event *ev = sv_event_new(2);
    sv_exec *x = sv_exec_new(p);
    uint32_t hit;
    fill(ev);
    int got = (int)sv_exec_run(x, ev, &hit);
    sv_exec_free(x);
    sv_event_free(ev);
    sv_pack_free(p);
    return got;
}

static void quantifiers(void **state) {
    (void)state;
    static const struct {
        uint16_t q;
        const char *k;
        int expect;
    } rows[] = {
        {SV_Q_SOME, "y", 1},   {SV_Q_SOME, "z", 0},   {SV_Q_EVERY, "y", 0},
        {SV_Q_ONE, "y", 1},    {SV_Q_NONE, "y", 0},   {SV_Q_NONE, "z", 1},
        {SV_Q_AT + 1, "y", 1}, {SV_Q_AT + 0, "y", 0}, {SV_Q_AT + 2, "y", 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        sv_ins code[] = {INS(EACH, 0, rows[i].q, 0), INS(TEST, 0, 0, 0), INS(END, 0, 0, 0),
                         INS(RET, 0, 0, 0)};
        char err[256] = "";
        int got = run(code, 4, rows[i].k, err, sizeof err);
        if (got != rows[i].expect)
            fail_msg("row %zu: quantifier %u, a == %s: expected %d, got %d (%s)", i, rows[i].q,
                     rows[i].k, rows[i].expect, got, err);
    }
}

/* Outside a body the same test sees every element's values. */
static void outside_a_body_every_value(void **state) {
    (void)state;
    sv_ins code[] = {INS(TEST, 0, 0, 0), INS(RET, 0, 0, 0)};
    assert_int_equal(run(code, 2, "y", NULL, 0), 1);
}

static void refused(const sv_ins *code, size_t n, const char *needle) {
    char err[256] = "";
    int got = run(code, n, "y", err, sizeof err);
    if (got != -1 || !strstr(err, needle))
        fail_msg("expected refusal containing '%s', got %d (%s)", needle, got, err);
}

static void verifier(void **state) {
    (void)state;
    sv_ins end_alone[] = {INS(END, 0, 0, 0), INS(RET, 0, 0, 0)};
    refused(end_alone, 2, "rule 0 has an END at 0 without its EACH");
    sv_ins ret_inside[] = {INS(EACH, 0, 0, 0), INS(TEST, 0, 0, 0), INS(RET, 0, 0, 0)};
    refused(ret_inside, 3, "rule 0 returns at 2 from inside an EACH body");
    sv_ins jump_in[] = {INS(TEST, 0, 0, 0), INS(JMPF, 0, 0, 3), INS(EACH, 0, 0, 0),
                        INS(TEST, 0, 0, 0), INS(END, 0, 0, 0),  INS(RET, 0, 0, 0)};
    refused(jump_in, 6, "rule 0 jumps from 1 to 3, into or out of an EACH body");
    sv_ins jump_out[] = {INS(EACH, 0, 0, 0), INS(TEST, 0, 0, 0), INS(JMPT, 0, 0, 4),
                         INS(END, 0, 0, 0), INS(RET, 0, 0, 0)};
    refused(jump_out, 5, "rule 0 jumps from 2 to 4, into or out of an EACH body");
    sv_ins to_end[] = {INS(EACH, 0, 0, 0), INS(TEST, 0, 0, 0), INS(JMPT, 0, 0, 3),
                       INS(END, 0, 0, 0), INS(RET, 0, 0, 0)};
    assert_int_equal(run(to_end, 5, "y", NULL, 0), 1); /* a jump to its own END is fine */
    sv_ins bad_slot[] = {INS(EACH, 0, 0, 5), INS(END, 0, 0, 0), INS(RET, 0, 0, 0)};
    refused(bad_slot, 3, "rule 0 loops over slot 5 of 2");
    sv_ins b_elsewhere[] = {INS(TEST, 0, 1, 0), INS(RET, 0, 0, 0)};
    refused(b_elsewhere, 2, "instruction 0 has nonzero padding");
    sv_ins deep[2 * SV_MAX_EACH_DEPTH + 3];
    size_t n = 0;
    for (int i = 0; i <= SV_MAX_EACH_DEPTH; i++)
        deep[n++] = INS(EACH, 0, 0, 0);
    for (int i = 0; i <= SV_MAX_EACH_DEPTH; i++)
        deep[n++] = INS(END, 0, 0, 0);
    deep[n++] = INS(RET, 0, 0, 0);
    refused(deep, n, "rule 0 nests EACH deeper than 16");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quantifiers),
        cmocka_unit_test(outside_a_body_every_value),
        cmocka_unit_test(verifier),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
