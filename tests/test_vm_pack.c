/* Unit tests for packs: the builder (interning, hash-consing), the loader
   and its verifier (every truncation and byte flip refused, each structural
   check reached once the CRC is made to agree), and the disassembler. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "pack_probe.h"
#include "vm/pack.h" /* the file layout (SV_PACK_*) and sv_get_u32 / sv_put_u32 */
#include "vm/vm.h"

/* ---- The sample pack ---- */

enum { P_NAME, P_ERROR, P_IP, P_TIME, P_COUNT, NPATHS };

static const sv_test sample_tests[] = {
    {.kind = SV_T_EQ, .slot = P_NAME},                             /* k: "DeleteFlowLogs" */
    {.kind = SV_T_CONTAINS, .flags = SV_F_CASED, .slot = P_ERROR}, /* k: "Delete" */
    {.kind = SV_T_REGEX, .flags = SV_F_RE_I, .slot = SV_ANY_SLOT}, /* k: "ab+c" */
    {.kind = SV_T_CIDR, .slot = P_IP},                             /* k: "10.0.0.0/8" */
    {.kind = SV_T_FIELDREF, .cmp = SV_T_EQ, .slot = P_ERROR, .k = P_NAME},
    {.kind = SV_T_NUM_GT, .slot = P_COUNT, .num = 3.5},
    {.kind = SV_T_TIMEPART, .part = 1, .slot = P_TIME, .num = 3},
};
enum { NTESTS = sizeof sample_tests / sizeof *sample_tests };
static const char *const test_constants[] = {"DeleteFlowLogs", "Delete", "ab+c", "10.0.0.0/8"};

#define INS(o, a_, c_) ((sv_ins){.op = SV_OP_##o, .a = (a_), .c = (c_)})

/* Rule 0: t0 and t1. Rule 1: t2 or (t3 and not t4 and t5 and t6). */
static const sv_ins sample_code[] = {
    INS(TEST, 0, 0),  INS(JMPF, 0, 3), INS(TEST, 0, 1),  INS(RET, 0, 0),  INS(TEST, 0, 2),
    INS(JMPT, 0, 14), INS(TEST, 0, 3), INS(JMPF, 0, 14), INS(TEST, 0, 4), INS(NOT, 0, 0),
    INS(JMPF, 0, 14), INS(TEST, 0, 5), INS(JMPF, 0, 14), INS(TEST, 0, 6), INS(RET, 0, 0),
};
enum { NCODE = sizeof sample_code / sizeof *sample_code };

static uint32_t str(sv_pack_builder *b, const char *s) {
    return sv_builder_string(b, s, strlen(s));
}

/* Adds r, whose code and guards are set, with the given metadata. */
static void add_rule(sv_pack_builder *b, sv_rule r, const char *id, const char *title) {
    uint32_t empty = str(b, "");
#define SV_EMPTY_FIELD(f) r.f = empty;
    SV_RULE_FIELDS(SV_EMPTY_FIELD)
#undef SV_EMPTY_FIELD
    r.id = str(b, id);
    r.title = str(b, title);
    r.level = str(b, "high");
    sv_builder_rule(b, &r);
}

static sv_pack_builder *sample_builder(void) {
    sv_pack_builder *b = sv_builder_new();
    static const char *const paths[NPATHS] = {"eventName", "errorCode", "sourceIPAddress",
                                              "eventTime", "requestParameters.count"};
    for (uint32_t i = 0; i < NPATHS; i++)
        assert_int_equal(sv_builder_path(b, paths[i]), i);
    for (uint32_t i = 0; i < NTESTS; i++) {
        sv_test t = sample_tests[i];
        if (i < sizeof test_constants / sizeof *test_constants) t.k = str(b, test_constants[i]);
        assert_int_equal(sv_builder_test(b, &t), i);
    }
    for (uint32_t i = 0; i < NCODE; i++)
        assert_int_equal(sv_builder_code(b, sample_code[i]), i);
    /* Rule 0: guard t0, literal guards t0 t1 and t0. Rule 1: guard t2 t3, no
       literal guard. */
    static const uint32_t guards[] = {0, 0, 1, 2, 3};
    assert_int_equal(sv_builder_guard(b, guards, 1), 0);
    assert_int_equal(sv_builder_guard(b, guards + 1, 2), 1);
    assert_int_equal(sv_builder_guard(b, guards + 3, 2), 3);
    add_rule(b,
             (sv_rule){.code_len = 4,
                       .nregs = 1,
                       .guard_len = 1,
                       .lit_guard_start = 1,
                       .lit_guard_len = 2,
                       .lit_guard2_len = 1},
             "r0", "VPC flow logs deleted");
    add_rule(
        b, (sv_rule){.code_start = 4, .code_len = 11, .nregs = 2, .guard_start = 3, .guard_len = 2},
        "r1", "A \"quoted\"\ttitle\\\r\n\001");
    return b;
}

static unsigned char *sample_image(size_t *len) {
    sv_pack_builder *b = sample_builder();
    unsigned char *img;
    assert_int_equal(sv_builder_finish(b, &img, len), 0);
    sv_builder_free(b);
    return img;
}

static sv_pack *load(const unsigned char *img, size_t len, char *err, size_t errlen) {
    err[0] = '\0';
    return sv_pack_load(img, len, err, errlen);
}

static sv_pack *load_ok(const unsigned char *img, size_t len) {
    char err[256];
    sv_pack *p = load(img, len, err, sizeof err);
    if (!p) fail_msg("load refused a valid pack: %s", err);
    return p;
}

/* what names the damage in a failure message. */
static void assert_refused(const unsigned char *img, size_t len, const char *want,
                           const char *what) {
    char err[256];
    sv_pack *p = load(img, len, err, sizeof err);
    if (p) fail_msg("%s: pack accepted, expected \"%s\"", what, want);
    if (strncmp(err, "pack: ", 6) != 0 || !strstr(err, want))
        fail_msg("%s: message \"%s\" lacks \"%s\"", what, err, want);
}

/* ---- Building and loading ---- */

static void strings_are_interned(void **state) {
    (void)state;
    sv_pack_builder *b = sv_builder_new();
    uint32_t a = sv_builder_string(b, "a\0b", 3);
    assert_int_equal(sv_builder_string(b, "a\0b", 3), a);
    assert_int_not_equal(sv_builder_string(b, "a", 1), a);
    assert_int_not_equal(sv_builder_string(b, "a\0c", 3), a);
    uint32_t name = str(b, "eventName");
    assert_int_equal(sv_builder_path(b, "eventName"), 0);
    assert_int_equal(sv_builder_path(b, "errorCode"), 1);
    assert_int_equal(sv_builder_path(b, "eventName"), 0);
    /* Enough strings to make the table grow several times. */
    char s[16];
    for (int i = 0; i < 2000; i++) {
        snprintf(s, sizeof s, "s%d", i);
        str(b, s);
    }
    for (int i = 0; i < 2000; i += 37) {
        snprintf(s, sizeof s, "s%d", i);
        assert_int_equal(str(b, s), name + 2 + (uint32_t)i); /* after "errorCode" */
    }
    assert_int_equal(str(b, "eventName"), name);

    unsigned char *img;
    size_t len;
    assert_int_equal(sv_builder_finish(b, &img, &len), 0);
    sv_builder_free(b);
    sv_pack *p = load_ok(img, len);
    size_t n;
    assert_memory_equal(sv_pack_string(p, a, &n), "a\0b", 4);
    assert_int_equal(n, 3);
    assert_string_equal(sv_pack_path(p, 1), "errorCode");
    assert_null(sv_pack_path(p, 2));
    assert_null(sv_pack_string(p, (uint32_t)sv_pack_string_count(p), &n));
    sv_pack_free(p);
    free(img);
}

static void tests_are_hash_consed(void **state) {
    (void)state;
    sv_pack_builder *b = sv_builder_new();
    sv_test t = {.kind = SV_T_NUM_EQ, .slot = sv_builder_path(b, "x"), .num = 0.0};
    uint32_t i = sv_builder_test(b, &t);
    assert_int_equal(sv_builder_test(b, &t), i);
    sv_test u = t;
    u.num = -0.0; /* equal as a double, not as the bits a pack stores */
    assert_int_not_equal(sv_builder_test(b, &u), i);
    u = t;
    u.flags = SV_F_CASED;
    assert_int_not_equal(sv_builder_test(b, &u), i);
    u = t;
    u.part = 1;
    assert_int_not_equal(sv_builder_test(b, &u), i);
    assert_int_equal(sv_builder_test_count(b), 4);
    assert_int_equal(sv_builder_test(b, &t), i);
    assert_int_equal(sv_builder_test_count(b), 4);
    sv_builder_free(b);
}

static void code_is_patched(void **state) {
    (void)state;
    sv_pack_builder *b = sv_builder_new();
    assert_int_equal(sv_builder_code(b, INS(SET, 0, 1)), 0);
    assert_int_equal(sv_builder_code(b, INS(JMPT, 0, 0)), 1);
    assert_int_equal(sv_builder_code(b, INS(NOT, 0, 0)), 2);
    assert_int_equal(sv_builder_code(b, INS(RET, 0, 0)), 3);
    assert_int_equal(sv_builder_code_len(b), 4);
    sv_builder_patch(b, 1, 3);
    add_rule(b, (sv_rule){.code_len = 4, .nregs = 1, .guard_len = SV_NO_GUARD}, "r", "t");
    unsigned char *img;
    size_t len;
    assert_int_equal(sv_builder_finish(b, &img, &len), 0);
    sv_builder_free(b);
    sv_pack *p = load_ok(img, len);
    size_t n;
    const sv_ins *code = sv_pack_code(p, &n);
    assert_int_equal(n, 4);
    assert_int_equal(code[1].op, SV_OP_JMPT);
    assert_int_equal(code[1].c, 3);
    assert_false(sv_pack_wants_any(p));
    sv_pack_free(p);
    free(img);
}

static void empty_pack_loads(void **state) {
    (void)state;
    sv_pack_builder *b = sv_builder_new();
    unsigned char *img;
    size_t len;
    assert_int_equal(sv_builder_finish(b, &img, &len), 0);
    sv_builder_free(b);
    sv_pack *p = load_ok(img, len);
    assert_int_equal(sv_pack_rule_count(p), 0);
    assert_int_equal(sv_pack_test_count(p), 0);
    assert_int_equal(sv_pack_string_count(p), 0);
    assert_null(sv_pack_rule(p, 0));
    sv_pack_free(p);
    free(img);
}

static void sample_loads(void **state) {
    (void)state;
    size_t len;
    unsigned char *img = sample_image(&len);
    assert_memory_equal(img, SV_PACK_MAGIC, SV_PACK_MAGIC_SIZE);
    assert_int_equal(len % 4, 0);
    sv_pack *p = load_ok(img, len);

    assert_int_equal(sv_pack_path_count(p), NPATHS);
    assert_string_equal(sv_pack_path(p, P_IP), "sourceIPAddress");
    assert_true(sv_pack_wants_any(p));
    assert_int_equal(sv_pack_test_count(p), NTESTS);
    for (uint32_t i = 0; i < NTESTS; i++) {
        const sv_test *t = sv_pack_test(p, i);
        assert_int_equal(t->kind, sample_tests[i].kind);
        assert_int_equal(t->flags, sample_tests[i].flags);
        assert_int_equal(t->slot, sample_tests[i].slot);
        assert_true(t->num == sample_tests[i].num);
    }
    assert_null(sv_pack_test(p, NTESTS));
    size_t n;
    assert_string_equal(sv_pack_string(p, sv_pack_test(p, 2)->k, &n), "ab+c");
    assert_int_equal(n, 4);
    assert_int_equal(sv_pack_test(p, 4)->k, P_NAME);
    assert_int_equal(sv_pack_test(p, 6)->part, 1);

    const sv_ins *code = sv_pack_code(p, &n);
    assert_int_equal(n, NCODE);
    assert_memory_equal(code, sample_code, sizeof sample_code);

    assert_int_equal(sv_pack_rule_count(p), 2);
    const sv_rule *r = sv_pack_rule(p, 1);
    assert_int_equal(r->code_start, 4);
    assert_int_equal(r->code_len, 11);
    assert_int_equal(r->nregs, 2);
    assert_string_equal(sv_pack_string(p, r->id, NULL), "r1");
    assert_string_equal(sv_pack_string(p, r->level, NULL), "high");
    assert_string_equal(sv_pack_string(p, r->author, NULL), "");
    assert_int_equal(r->guard_start, 3);
    assert_int_equal(r->guard_len, 2);
    assert_int_equal(r->lit_guard_len, 0);
    r = sv_pack_rule(p, 0);
    assert_int_equal(r->guard_len, 1);
    assert_int_equal(r->lit_guard_start, 1);
    assert_int_equal(r->lit_guard_len, 2);
    assert_int_equal(r->lit_guard2_start, 0);
    assert_int_equal(r->lit_guard2_len, 1);
    sv_pack_free(p);
    free(img);
}

static void building_is_deterministic(void **state) {
    (void)state;
    size_t n1, n2;
    unsigned char *a = sample_image(&n1), *b = sample_image(&n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(a, b, n1);
    free(a);
    free(b);
}

static void disasm_lists_everything(void **state) {
    (void)state;
    size_t len;
    unsigned char *img = sample_image(&len);
    sv_pack *p = load_ok(img, len);
    char *text;
    size_t tlen;
    FILE *out = open_memstream(&text, &tlen);
    assert_non_null(out);
    sv_disasm(p, out);
    fclose(out);
    static const char *const want[] = {
        "2 rules, 5 paths, 7 tests, 15 instructions",
        "slot 0  eventName",
        "t1  slot 1 (errorCode)  CONTAINS  cased  \"Delete\"",
        "t2  any value  REGEX  i  \"ab+c\"",
        "t3  slot 2 (sourceIPAddress)  CIDR  \"10.0.0.0/8\"",
        "t4  slot 1 (errorCode)  FIELDREF  EQ slot 0 (eventName)",
        "NUM_GT  3.5",
        "TIMEPART  hour == 3",
        "id \"r0\"  title \"VPC flow logs deleted\"  level \"high\"",
        "title \"A \\\"quoted\\\"\\ttitle\\\\\\r\\n\\x01\"",
        "1\tJMPF \tR0 3\n",
        "0\tTEST \tR0 t0\t; t0  slot 0 (eventName)  EQ  \"DeleteFlowLogs\"",
        "14\tRET  \tR0",
        "  guard: t0\n  literal guard: t0 t1\n",
        "  guard: t2 t3\n\t4\t",
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        if (!strstr(text, want[i])) fail_msg("listing lacks \"%s\":\n%s", want[i], text);
    assert_string_equal(sv_opcode_name(SV_OP_JMPT), "JMPT");
    assert_string_equal(sv_opcode_name(SV_OP_COUNT), "?");
    free(text);
    sv_pack_free(p);
    free(img);
}

static void unpreparable_test_refused(void **state) {
    (void)state;
    sv_pack_builder *b = sv_builder_new();
    sv_test t = {.kind = SV_T_REGEX, .slot = sv_builder_path(b, "x"), .k = str(b, "a(")};
    sv_builder_code(b, INS(TEST, 0, sv_builder_test(b, &t)));
    sv_builder_code(b, INS(RET, 0, 0));
    add_rule(b, (sv_rule){.code_len = 2, .nregs = 1, .guard_len = SV_NO_GUARD}, "r", "t");
    unsigned char *img;
    size_t len;
    assert_int_equal(sv_builder_finish(b, &img, &len), 0);
    sv_builder_free(b);
    assert_refused(img, len, "a(", "bad regex");
    free(img);
}

/* ---- Corruption the CRC catches ---- */

static void truncations_refused(void **state) {
    (void)state;
    size_t len;
    unsigned char *img = sample_image(&len);
    for (size_t cut = 0; cut < len; cut++) {
        /* An exact-size copy, so that the sanitizer sees any read past the end. */
        unsigned char *copy = malloc(cut ? cut : 1);
        memcpy(copy, img, cut);
        char what[32];
        snprintf(what, sizeof what, "cut at %zu", cut);
        assert_refused(copy, cut, "", what);
        free(copy);
    }
    free(img);
}

static void byte_flips_refused(void **state) {
    (void)state;
    static const unsigned char masks[] = {0x01, 0x80, 0xff};
    size_t len;
    unsigned char *img = sample_image(&len);
    /* Every header field is checked and the CRC covers the rest, so no flip
       anywhere may go unnoticed. */
    for (size_t i = 0; i < len; i++)
        for (size_t m = 0; m < sizeof masks; m++) {
            img[i] ^= masks[m];
            char what[48];
            snprintf(what, sizeof what, "byte %zu ^ 0x%02x", i, masks[m]);
            assert_refused(img, len, "", what);
            img[i] ^= masks[m];
        }
    sv_pack_free(load_ok(img, len)); /* every flip was undone */
    free(img);
}

/* ---- Structural checks, reached by re-stamping the CRC ---- */

static void restamp(unsigned char *img, size_t len) {
    sv_put_u32(img + SV_PACK_CRC_AT,
               (uint32_t)crc32(0, img + SV_PACK_HEADER_SIZE, (uInt)(len - SV_PACK_HEADER_SIZE)));
}

/* Where a mutation lands: the header, the section table, or a section's
   payload (its u32 count first), plus a byte offset. */
enum { AT_HEADER = 0, AT_TABLE = SV_SEC_COUNT_ };

static size_t section_payload(const unsigned char *img, unsigned kind) {
    uint32_t n = sv_get_u32(img + SV_PACK_SECTION_COUNT_AT);
    for (uint32_t e = 0; e < n; e++) {
        const unsigned char *entry = img + SV_PACK_HEADER_SIZE + e * SV_PACK_ENTRY_SIZE;
        if (sv_get_u32(entry) == kind) return sv_get_u32(entry + 4);
    }
    fail_msg("no section of kind %u", kind);
    return 0;
}

typedef struct poke {
    unsigned where; /* AT_HEADER, AT_TABLE or an SV_SEC_* kind */
    size_t offset;
    unsigned width; /* 1, 2 or 4 bytes; 0: no poke */
    uint32_t value;
    bool add; /* add value to what is there instead of replacing it */
} poke;

typedef struct corruption {
    const char *name;
    poke pokes[2];
    const char *message;
} corruption;

/* Byte offset of field f of record i in a section of records of the given size. */
#define REC(i, size, f) (4 + (i) * (size) + (f))
#define ENTRY(e, f) ((e)*SV_PACK_ENTRY_SIZE + (f))
#define SET8(where, off, v)                                                                        \
    { where, off, 1, v, false }
#define SET16(where, off, v)                                                                       \
    { where, off, 2, v, false }
#define SET32(where, off, v)                                                                       \
    { where, off, 4, v, false }
#define ADD32(where, off, v)                                                                       \
    { where, off, 4, v, true }

static void apply(unsigned char *img, const poke *k) {
    size_t base = k->where == AT_HEADER  ? 0
                  : k->where == AT_TABLE ? SV_PACK_HEADER_SIZE
                                         : section_payload(img, k->where);
    unsigned char *p = img + base + k->offset;
    uint32_t v = k->value;
    if (k->add) v += sv_get_u32(p);
    for (unsigned i = 0; i < k->width; i++)
        p[i] = (unsigned char)(v >> 8 * i);
}

static const corruption corruptions[] = {
    /* header */
    {"bad magic", {SET8(AT_HEADER, 0, 'X')}, "bad magic (not a sigvm pack)"},
    {"bad version",
     {SET32(AT_HEADER, SV_PACK_VERSION_AT, 7)},
     "version 7 not supported (expected 5)"},
    {"huge section count",
     {SET32(AT_HEADER, SV_PACK_SECTION_COUNT_AT, 0x40000000)},
     "section table"},
    {"missing section", {SET32(AT_HEADER, SV_PACK_SECTION_COUNT_AT, 4)}, "no rules section"},
    /* section table */
    {"unknown kind", {SET32(AT_TABLE, ENTRY(1, 0), 99)}, "section 1 has unknown kind 99"},
    {"kind zero", {SET32(AT_TABLE, ENTRY(1, 0), 0)}, "section 1 has unknown kind 0"},
    {"repeated kind", {SET32(AT_TABLE, ENTRY(1, 0), SV_SEC_STRINGS)}, "repeats the strings"},
    {"section past the end", {ADD32(AT_TABLE, ENTRY(5, 8), 1)}, "section 5 out of bounds"},
    {"section wraps around", {SET32(AT_TABLE, ENTRY(4, 4), 0xfffffffc)}, "section 4 out of bounds"},
    {"section over the table", {SET32(AT_TABLE, ENTRY(0, 4), 8)}, "section 0 out of bounds"},
    {"misaligned section", {ADD32(AT_TABLE, ENTRY(0, 4), 1)}, "section 0 is not 4-byte aligned"},
    {"overlapping sections",
     {ADD32(AT_TABLE, ENTRY(1, 4), (uint32_t)-4)},
     "sections 0 and 1 overlap"},
    {"section without count", {SET32(AT_TABLE, ENTRY(2, 8), 0)}, "tests section too small"},
    /* counts against sizes */
    {"one test too many", {ADD32(SV_SEC_TESTS, 0, 1)}, "tests section: 8 records take 192 bytes"},
    /* 0x20000007 * 24 wraps to 7 * 24 in 32 bits */
    {"count wrapping a product", {SET32(SV_SEC_TESTS, 0, 0x20000007)}, "tests section:"},
    {"code count", {ADD32(SV_SEC_CODE, 0, (uint32_t)-1)}, "code section:"},
    {"string count lie", {SET32(SV_SEC_STRINGS, 0, 0xffffffff)}, "strings section claims"},
    {"string too long", {SET32(SV_SEC_STRINGS, 4, 0xffffffff)}, "string 0 (4294967295 bytes) out"},
    {"string without NUL", {ADD32(SV_SEC_STRINGS, 4, (uint32_t)-1)}, "string 0 lacks its NUL"},
    {"string lost", {ADD32(SV_SEC_STRINGS, 0, (uint32_t)-1)}, "stray bytes"},
    /* paths and tests */
    {"path string",
     {SET32(SV_SEC_PATHS, REC(0, SV_PACK_PATH_SIZE, 0), 99)},
     "path 0 refers to string 99 of"},
    {"test kind",
     {SET8(SV_SEC_TESTS, REC(0, SV_PACK_TEST_SIZE, 0), 99)},
     "test 0 has unknown kind 99"},
    {"test flags",
     {SET8(SV_SEC_TESTS, REC(0, SV_PACK_TEST_SIZE, 1), 0x10)},
     "test 0 has unknown flags 0x10"},
    {"test padding",
     {SET8(SV_SEC_TESTS, REC(3, SV_PACK_TEST_SIZE, 13), 1)},
     "test 3 has nonzero padding"},
    {"test slot",
     {SET32(SV_SEC_TESTS, REC(0, SV_PACK_TEST_SIZE, 4), 99)},
     "test 0 reads slot 99 of 5"},
    {"any slot on a number",
     {SET32(SV_SEC_TESTS, REC(5, SV_PACK_TEST_SIZE, 4), SV_ANY_SLOT)},
     "test 5 reads every value"},
    {"test string",
     {SET32(SV_SEC_TESTS, REC(1, SV_PACK_TEST_SIZE, 8), 99)},
     "test 1 refers to string 99 of"},
    {"fieldref slot",
     {SET32(SV_SEC_TESTS, REC(4, SV_PACK_TEST_SIZE, 8), 5)},
     "test 4 compares with slot 5 of 5"},
    {"fieldref operation",
     {SET8(SV_SEC_TESTS, REC(4, SV_PACK_TEST_SIZE, 2), SV_T_GLOB)},
     "test 4 compares by unknown operation 4"},
    {"time part",
     {SET8(SV_SEC_TESTS, REC(6, SV_PACK_TEST_SIZE, 3), 6)},
     "test 6 asks for time part 6"},
    {"NaN",
     {SET32(SV_SEC_TESTS, REC(5, SV_PACK_TEST_SIZE, 20), 0x7ff80000)},
     "test 5 has a non-finite"},
    {"infinity",
     {SET32(SV_SEC_TESTS, REC(5, SV_PACK_TEST_SIZE, 16), 0),
      SET32(SV_SEC_TESTS, REC(5, SV_PACK_TEST_SIZE, 20), 0x7ff00000)},
     "test 5 has a non-finite"},
    /* code */
    {"opcode",
     {SET8(SV_SEC_CODE, REC(3, SV_PACK_INS_SIZE, 0), SV_OP_COUNT)},
     "instruction 3 has unknown opcode 8"},
    {"padding",
     {SET16(SV_SEC_CODE, REC(3, SV_PACK_INS_SIZE, 2), 1)},
     "instruction 3 has nonzero padding"},
    /* rules */
    {"jump out",
     {SET32(SV_SEC_CODE, REC(1, SV_PACK_INS_SIZE, 4), 99)},
     "rule 0 jumps to 99, outside its code [0,4)"},
    {"jump to the end",
     {SET32(SV_SEC_CODE, REC(1, SV_PACK_INS_SIZE, 4), 4)},
     "rule 0 jumps to 4, outside"},
    {"jump into another rule",
     {SET32(SV_SEC_CODE, REC(5, SV_PACK_INS_SIZE, 4), 2)},
     "rule 1 jumps to 2, outside its code [4,15)"},
    {"jump backwards",
     {SET32(SV_SEC_CODE, REC(7, SV_PACK_INS_SIZE, 4), 5)},
     "rule 1 jumps back from 7 to 5"},
    {"jump to itself",
     {SET32(SV_SEC_CODE, REC(7, SV_PACK_INS_SIZE, 4), 7)},
     "rule 1 jumps back from 7 to 7"},
    {"register",
     {SET8(SV_SEC_CODE, REC(2, SV_PACK_INS_SIZE, 1), 5)},
     "rule 0 uses register 5 of 1"},
    {"register of a RET",
     {SET8(SV_SEC_CODE, REC(14, SV_PACK_INS_SIZE, 1), 2)},
     "rule 1 uses register 2 of 2"},
    {"test index", {SET32(SV_SEC_CODE, REC(0, SV_PACK_INS_SIZE, 4), 7)}, "rule 0 runs test 7 of 7"},
    {"SET operand",
     {SET8(SV_SEC_CODE, REC(9, SV_PACK_INS_SIZE, 0), SV_OP_SET),
      SET32(SV_SEC_CODE, REC(9, SV_PACK_INS_SIZE, 4), 256)},
     "rule 1 sets a register to 256"},
    {"no RET at the end",
     {SET8(SV_SEC_CODE, REC(3, SV_PACK_INS_SIZE, 0), SV_OP_NOT)},
     "rule 0 does not end with RET"},
    {"empty rule",
     {SET32(SV_SEC_RULES, REC(0, SV_PACK_RULE_SIZE, 4), 0)},
     "rule 0 does not end with RET"},
    {"code past the end",
     {ADD32(SV_SEC_RULES, REC(1, SV_PACK_RULE_SIZE, 4), 1)},
     "rule 1 code [4,+12) lies outside"},
    {"code start wrapping",
     {SET32(SV_SEC_RULES, REC(0, SV_PACK_RULE_SIZE, 0), 0xfffffffe)},
     "rule 0 code [4294967294,+4) lies outside"},
    {"no registers",
     {SET32(SV_SEC_RULES, REC(0, SV_PACK_RULE_SIZE, 8), 0)},
     "rule 0 wants 0 registers"},
    {"too many registers",
     {SET32(SV_SEC_RULES, REC(0, SV_PACK_RULE_SIZE, 8), 256)},
     "rule 0 wants 256 registers"},
    {"metadata string",
     {SET32(SV_SEC_RULES, REC(1, SV_PACK_RULE_SIZE, 44), 999)},
     "rule 1 field title refers to string 999"},
    {"guard outside its section",
     {SET32(SV_SEC_RULES, REC(0, SV_PACK_RULE_SIZE, 16), 6)},
     "rule 0 guard [0,+6) lies outside the guards section (5)"},
    {"guard start wrapping",
     {SET32(SV_SEC_RULES, REC(1, SV_PACK_RULE_SIZE, 12), 0xffffffff)},
     "rule 1 guard [4294967295,+2) lies outside"},
    {"literal guard outside its section",
     {SET32(SV_SEC_RULES, REC(0, SV_PACK_RULE_SIZE, 24), 5)},
     "rule 0 literal guard [1,+5) lies outside the guards section (5)"},
    {"literal guard start wrapping",
     {SET32(SV_SEC_RULES, REC(0, SV_PACK_RULE_SIZE, 20), 0xffffffff)},
     "rule 0 literal guard [4294967295,+2) lies outside"},
    {"literal guard of no length, out of place",
     {SET32(SV_SEC_RULES, REC(1, SV_PACK_RULE_SIZE, 20), 6)},
     "rule 1 literal guard [6,+0) lies outside"},
    {"second literal guard outside its section",
     {SET32(SV_SEC_RULES, REC(0, SV_PACK_RULE_SIZE, 32), 6)},
     "rule 0 literal guard [0,+6) lies outside the guards section (5)"},
    {"second literal guard without a first",
     {SET32(SV_SEC_RULES, REC(1, SV_PACK_RULE_SIZE, 32), 1)},
     "rule 1 has a second literal guard but no first"},
    {"guard test", {SET32(SV_SEC_GUARDS, REC(4, 4, 0), 7)}, "guard 4 refers to test 7 of 7"},
};

static void structural_checks(void **state) {
    (void)state;
    size_t len;
    unsigned char *img = sample_image(&len);
    unsigned char *copy = malloc(len);
    memcpy(copy, img, len);
    restamp(copy, len);
    sv_pack_free(load_ok(copy, len)); /* the re-stamping alone changes nothing */
    for (size_t i = 0; i < sizeof corruptions / sizeof *corruptions; i++) {
        const corruption *c = &corruptions[i];
        memcpy(copy, img, len);
        for (int k = 0; k < 2 && c->pokes[k].width; k++)
            apply(copy, &c->pokes[k]);
        restamp(copy, len);
        assert_refused(copy, len, c->message, c->name);
    }
    free(copy);
    free(img);
}

static void checksum_refused(void **state) {
    (void)state;
    size_t len;
    unsigned char *img = sample_image(&len);
    img[len - 1] ^= 1;
    assert_refused(img, len, "checksum mismatch (file corrupted)", "last byte flipped");
    assert_null(sv_pack_load(img, len, NULL, 0)); /* a caller may not want the message */
    free(img);
}

/* Whatever a flipped byte turns into, once the CRC agrees the pack is
   either refused or safe to list and run. */
static void restamped_flips_are_safe(void **state) {
    (void)state;
    static const unsigned char masks[] = {0x01, 0x80, 0xff};
    size_t len;
    unsigned char *img = sample_image(&len);
    FILE *sink = fopen("/dev/null", "w");
    assert_non_null(sink);
    char err[256];
    for (size_t i = SV_PACK_HEADER_SIZE; i < len; i++)
        for (size_t m = 0; m < sizeof masks; m++) {
            img[i] ^= masks[m];
            restamp(img, len);
            sv_pack *p = load(img, len, err, sizeof err);
            if (p) {
                probe_pack(p, sink);
                sv_pack_free(p);
            } else {
                assert_int_equal(strncmp(err, "pack: ", 6), 0);
            }
            img[i] ^= masks[m];
        }
    fclose(sink);
    free(img);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strings_are_interned),
        cmocka_unit_test(tests_are_hash_consed),
        cmocka_unit_test(code_is_patched),
        cmocka_unit_test(empty_pack_loads),
        cmocka_unit_test(sample_loads),
        cmocka_unit_test(building_is_deterministic),
        cmocka_unit_test(disasm_lists_everything),
        cmocka_unit_test(unpreparable_test_refused),
        cmocka_unit_test(truncations_refused),
        cmocka_unit_test(byte_flips_refused),
        cmocka_unit_test(checksum_refused),
        cmocka_unit_test(structural_checks),
        cmocka_unit_test(restamped_flips_are_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
