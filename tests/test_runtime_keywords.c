/* test_runtime_keywords.c: keyword rules give the same matches whether the
   scanner records every string and number for them as it goes or puts
   them off (RT_ANY_DEFERRED: a group with a screen looks at the document's
   whole text, one without has the values recorded): keywords in plain
   values, in \u escapes, in characters that fold to ASCII, in nested
   values and in numbers; a keyword that is only a key matches nothing, nor
   does text that holds only a factor of the screen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "build_pack.h"
#include "runtime/runtime.h"
#include "vm/vm.h"

#define INS(o, a_, c_) ((sv_ins){.op = SV_OP_##o, .a = (a_), .c = (c_)})

/* r0 .. r3: keywords of rules without a guard, one group, with a screen
   (of factors such as "::", "kiwi", "mimi"). r4 .. r9: keywords that share no
   factor, too many for a screen, of rules guarded by Channel == "x".
   r10: the number 4104 as a keyword. */
static const char *const keywords[] = {
    "mimikatz", "sekurlsa::", "dpapi::masterkey", "kiwi", "alpha1", "bravo2", "charlie3",
    "delta4",   "echo5",      "foxtrot6",         "4104",
};
enum { NKW = sizeof keywords / sizeof *keywords, GUARDED_FROM = 4, GUARDED_TO = 10 };

static sv_pack *pack(void) {
    sv_pack_builder *b = sv_builder_new();
    assert_int_equal(sv_builder_path(b, "Channel"), 0);
    for (uint32_t i = 0; i < NKW; i++) {
        sv_test t = {.kind = i == NKW - 1 ? SV_T_EQ : SV_T_CONTAINS, .slot = SV_ANY_SLOT};
        t.k = sv_builder_string(b, keywords[i], strlen(keywords[i]));
        assert_int_equal(sv_builder_test(b, &t), i);
    }
    sv_test channel = {.kind = SV_T_EQ, .slot = 0, .k = sv_builder_string(b, "x", 1)};
    uint32_t ch = sv_builder_test(b, &channel), empty = sv_builder_string(b, "", 0);
    for (uint32_t i = 0; i < NKW; i++) {
        sv_rule r = {.code_start = sv_builder_code_len(b),
                     .code_len = 2,
                     .nregs = 1,
                     .guard_len = SV_NO_GUARD};
        sv_builder_code(b, INS(TEST, 0, i));
        sv_builder_code(b, INS(RET, 0, 0));
        if (i >= GUARDED_FROM && i < GUARDED_TO) {
            r.guard_start = sv_builder_guard(b, &ch, 1);
            r.guard_len = 1;
        }
        r.lit_guard_start = sv_builder_guard(b, &i, 1);
        r.lit_guard_len = 1;
        add_unnamed_rule(b, &r, empty);
    }
    return load_built(b);
}

static const struct {
    const char *doc, *want;
} docs[] = {
    {"{\"Channel\":\"y\",\"m\":\"run MimiKatz now\"}", "0"},
    {"{\"m\":\"mimi\\u006batz\"}", "0"}, /* an escape */
    {"{\"m\":\"mimi\\u212aatz\"}", "0"}, /* the Kelvin sign, escaped */
    {"{\"m\":\"mimi\xe2\x84\xaa"
     "atz\"}",
     "0"}, /* ... and as written */
    {"{\"m\":\"Microsoft\xc2\xae Windows\",\"o\":\"x sekurlsa::y\"}", "1"},
    {"{\"m\":\"Microsoft\xc2\xae sekurlsa::\"}", "1"},
    {"{\"mimikatz\":\"a key, not a value\"}", ""},
    {"{\"a\":[\"b\",{\"c\":[\"DPAPI::MasterKey\"]}]}", "2"},
    {"{\"n\":4104,\"m\":\"Kiwi Legit Printer\"}", "3 10"},
    {"{\"n\":41040}", ""},
    /* No factor of the screen as written: only the folded text tells. */
    {"{\"m\":\"Legit \xe2\x84\xaa"
     "iwi printer\"}",
     "3"},
    /* A factor of the screen ("::") without a piece of any keyword: an IPv6
       address, a static call, a piece that only a key holds or one that only
       an escaped string holds decoded. */
    {"{\"ip\":\"fe80::1c2:3ff\",\"m\":\"[Convert]::FromBase64String\"}", ""},
    {"{\"sekurlsa::\":\"fe80::1\"}", ""},
    {"{\"ip\":\"fe80::1\",\"m\":\"sekurls\\u0061::x\"}", "1"},
    {"{\"Channel\":\"x\",\"m\":\"echo5 here\",\"k\":\"FOXTROT6\"}", "8 9"},
    {"{\"Channel\":\"x\",\"m\":\"ech\\u006f5\"}", "8"},
    {"{\"Channel\":\"y\",\"m\":\"echo5\"}", ""}, /* its rule's guard does not hold */
    {"{\"Channel\":\"x\",\"m\":\"nothing to see\"}", ""},
    {"{\"Channel\":\"x\",\"m\":\"nothing\",\"echo5\":1}", ""},
};

/* The rules that match doc, by a scanner that records keyword values as
   any says. */
static void matches(sv_exec *x, rt_any any, const char *doc, char *out, size_t cap) {
    const char *path = "Channel";
    rt_scanner *s = rt_scanner_new(&path, 1, any);
    sv_event *ev = sv_event_new(1);
    const char *err;
    size_t off;
    if (!rt_scan(s, doc, strlen(doc), ev, &err, &off)) fail_msg("%s: %s", doc, err);
    uint32_t hits[NKW];
    size_t n = sv_exec_run(x, ev, hits);
    out[0] = 0;
    for (size_t i = 0; i < n; i++)
        snprintf(out + strlen(out), cap - strlen(out), "%s%u", i ? " " : "", hits[i]);
    sv_event_free(ev);
    rt_scanner_free(s);
}

/* Each document as it is (too short for a screen) and with a first member
   that makes it long enough for one, 32 and 64 bytes at a time. */
static void deferred_as_recorded(void **state) {
    (void)state;
    sv_pack *p = pack();
    assert_int_equal(rt_any_of(p), RT_ANY_DEFERRED);
    sv_exec *x = sv_exec_new(p);
    static const size_t pads[] = {0, 60, 130};
    for (size_t d = 0; d < sizeof docs / sizeof *docs; d++)
        for (size_t k = 0; k < sizeof pads / sizeof *pads; k++) {
            char doc[512], all[64], deferred[64];
            if (!pads[k])
                snprintf(doc, sizeof doc, "%s", docs[d].doc);
            else
                snprintf(doc, sizeof doc, "{\"pad\":\"%0*d\",%s", (int)pads[k], 0, docs[d].doc + 1);
            matches(x, RT_ANY_ALL, doc, all, sizeof all);
            matches(x, RT_ANY_DEFERRED, doc, deferred, sizeof deferred);
            if (strcmp(all, docs[d].want) || strcmp(deferred, docs[d].want))
                fail_msg("%s: rules \"%s\" recorded, \"%s\" put off, expected \"%s\"", doc, all,
                         deferred, docs[d].want);
        }
    sv_exec_free(x);
    sv_pack_free(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deferred_as_recorded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
