/* Unit tests of the event scanner: what it records at which path, and which
   documents it rejects where. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/runtime.h"
#include "vm/event.h"

#define PATHS(...)                                                                                 \
    (const char *const[]){__VA_ARGS__},                                                            \
        sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)

typedef struct fixture {
    rt_scanner *s;
    sv_event *ev;
    char text[1024];
} fixture;

static fixture *start(const char *const *paths, size_t n, rt_any any) {
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->s = rt_scanner_new(paths, n, any);
    f->ev = sv_event_new(n);
    return f;
}

static void stop(fixture *f) {
    rt_scanner_free(f->s);
    sv_event_free(f->ev);
    free(f);
}

static void scan_ok(fixture *f, const char *doc) {
    const char *err = NULL;
    size_t off = 0;
    if (!rt_scan(f->s, doc, strlen(doc), f->ev, &err, &off))
        fail_msg("%s at %zu in %s", err, off, doc);
}

/* The values at a slot as "type:text" joined by " | "; 'S' marks an escaped
   string. */
static const char *values(fixture *f, uint32_t slot) {
    static const char tag[] = "sntfzoa";
    size_t n = 0;
    f->text[0] = '\0';
    for (int32_t i = sv_event_first(f->ev, slot); i >= 0; i = f->ev->vals[i].next) {
        const sv_value *v = &f->ev->vals[i];
        char t = v->escaped & SV_ESC_SOME ? 'S' : tag[v->type];
        n += (size_t)snprintf(f->text + n, sizeof f->text - n, "%s%c:%.*s", n ? " | " : "", t,
                              (int)v->len, v->p);
        assert_true(n < sizeof f->text);
    }
    return f->text;
}

static void expect_error_n(const char *doc, size_t len, const char *msg, size_t off) {
    fixture *f = start(PATHS("a", "a.b", "zzz.q"), true);
    const char *err = NULL;
    size_t at = 0;
    if (rt_scan(f->s, doc, len, f->ev, &err, &at)) fail_msg("accepted: %.*s", (int)len, doc);
    if (strcmp(err, msg) != 0 || at != off)
        fail_msg("%.*s: got \"%s\" at %zu, want \"%s\" at %zu", (int)len, doc, err, at, msg, off);
    stop(f);
}

static void expect_error(const char *doc, const char *msg, size_t off) {
    expect_error_n(doc, strlen(doc), msg, off);
}

static void flat_fields(void **state) {
    (void)state;
    fixture *f = start(PATHS("s", "n", "t", "f", "z", "missing"), false);
    scan_ok(f, " {\"s\":\"x y\", \"n\" : -1.5e3,\"t\":true,\"f\":false,\"z\":null,\"o\":1} ");
    assert_string_equal(values(f, 0), "s:x y");
    assert_string_equal(values(f, 1), "n:-1.5e3");
    assert_string_equal(values(f, 2), "t:true");
    assert_string_equal(values(f, 3), "f:false");
    assert_string_equal(values(f, 4), "z:null");
    assert_string_equal(values(f, 5), "");
    assert_int_equal(sv_event_first(f->ev, SV_ANY_SLOT), -1);
    stop(f);
}

static void numbers(void **state) {
    (void)state;
    fixture *f = start(PATHS("n"), false);
    scan_ok(f, "{\"n\":[0,-0,12,0.5,1e9,1E+2,2e-3,-10.25E-01]}");
    assert_string_equal(values(f, 0), "n:0 | n:-0 | n:12 | n:0.5 | n:1e9 | n:1E+2 | n:2e-3 | "
                                      "n:-10.25E-01 | a:[0,-0,12,0.5,1e9,1E+2,2e-3,-10.25E-01]");
    stop(f);
}

static void nested_paths(void **state) {
    (void)state;
    fixture *f = start(PATHS("userIdentity.sessionContext.sessionIssuer.type", "userIdentity.arn",
                             "userIdentity", "arn"),
                       false);
    scan_ok(f, "{\"arnx\":1,\"userIdentity\":{\"arn\":\"A\",\"sessionContext\":{\"sessionIssuer\":"
               "{\"type\":\"Role\"}}},\"x\":{\"arn\":2}}");
    assert_string_equal(values(f, 0), "s:Role");
    assert_string_equal(values(f, 1), "s:A");
    assert_string_equal(values(f, 2), "o:{\"arn\":\"A\",\"sessionContext\":{\"sessionIssuer\":"
                                      "{\"type\":\"Role\"}}}");
    assert_string_equal(values(f, 3), "");
    stop(f);
}

static void dotted_keys(void **state) {
    (void)state;
    fixture *f = start(PATHS("a.b.c", "a.b"), false);
    scan_ok(f, "{\"a.b\":{\"c\":1}}");
    assert_string_equal(values(f, 0), "n:1");
    assert_string_equal(values(f, 1), "o:{\"c\":1}");
    scan_ok(f, "{\"a\":{\"b.c\":2}}");
    assert_string_equal(values(f, 0), "n:2");
    assert_string_equal(values(f, 1), "");
    scan_ok(f, "{\"a.b.c\":3}");
    assert_string_equal(values(f, 0), "n:3");
    scan_ok(f,
            "{\"a.b.c\":3,\"a\":{\"b.c\":2,\"b\":{\"c\":4}},\"a.b\":{\"c\":1},\"a.\":{\"b\":0}}");
    assert_string_equal(values(f, 0), "n:3 | n:2 | n:4 | n:1");
    stop(f);
}

static void arrays_of_objects(void **state) {
    (void)state;
    fixture *f = start(PATHS("a.b"), false);
    scan_ok(f, "{\"a\":[{\"b\":1},{\"c\":9},{\"b\":2}]}");
    assert_string_equal(values(f, 0), "n:1 | n:2");
    stop(f);
}

static void arrays_of_scalars(void **state) {
    (void)state;
    fixture *f = start(PATHS("a"), false);
    scan_ok(f, "{\"a\":[\"x\",\"y\"]}");
    assert_string_equal(values(f, 0), "s:x | s:y | a:[\"x\",\"y\"]");
    scan_ok(f, "{\"a\":[]}");
    assert_string_equal(values(f, 0), "a:[]");
    stop(f);
}

static void nested_arrays(void **state) {
    (void)state;
    fixture *f = start(PATHS("a.b", "a"), false);
    scan_ok(f, "{\"a\":[[{\"b\":1}],[[{\"b\":2}]]]}");
    assert_string_equal(values(f, 0), "n:1 | n:2");
    scan_ok(f, "{\"a\":[[1,2],3]}");
    assert_string_equal(values(f, 1), "n:1 | n:2 | a:[1,2] | n:3 | a:[[1,2],3]");
    stop(f);
}

static void path_and_prefix(void **state) {
    (void)state;
    fixture *f = start(PATHS("a", "a.b"), false);
    scan_ok(f, "{\"a\":{\"b\":1}}");
    assert_string_equal(values(f, 0), "o:{\"b\":1}");
    assert_string_equal(values(f, 1), "n:1");
    stop(f);
}

static void unknown_subtrees_skipped(void **state) {
    (void)state;
    fixture *f = start(PATHS("a", "b.c"), false);
    scan_ok(f, "{\"zzz\":{\"a\":1,\"b\":[1,{\"c\":\"d\"}]},\"b\":{\"a\":{\"c\":5}},\"a\":2}");
    assert_string_equal(values(f, 0), "n:2");
    assert_string_equal(values(f, 1), "");
    stop(f);
}

static void leaf_objects_not_descended(void **state) {
    (void)state;
    fixture *f = start(PATHS("a"), true);
    scan_ok(f, "{\"a\":{\"a\":1}}");
    assert_string_equal(values(f, 0), "o:{\"a\":1}");
    assert_string_equal(values(f, SV_ANY_SLOT), "n:1");
    stop(f);
}

static void errors_in_skipped_subtrees(void **state) {
    (void)state;
    expect_error("{\"zzz\":{\"x\":[1,{\"r\":\"\\q\"}]}}", "invalid escape", 21);
    expect_error("{\"zzz\":{\"x\":[1,tru]}}", "unexpected character ']'", 18);
    expect_error("{\"zzz\":{\"x\":[1,2,]}}", "unexpected character ']'", 17);
}

static void escaped_strings_flagged(void **state) {
    (void)state;
    fixture *f = start(PATHS("a", "b"), false);
    scan_ok(f, "{\"a\":\"C:\\\\Windows\\u0041\",\"b\":\"plain\"}");
    assert_string_equal(values(f, 0), "S:C:\\\\Windows\\u0041");
    assert_string_equal(values(f, 1), "s:plain");
    stop(f);
}

/* Wide: bytes from 0x80 up or a \u escape, wherever in the string (the
   first sixteen bytes are looked at by block, the rest one by one). */
static void wide_strings_flagged(void **state) {
    (void)state;
    static const struct {
        const char *doc;
        unsigned escaped;
    } cases[] = {
        {"{\"a\":\"plain\"}", 0},
        {"{\"a\":\"tab\\there\"}", SV_ESC_SOME},
        {"{\"a\":\"0123456789abcdefghij\\\\x\"}", SV_ESC_SOME},
        {"{\"a\":\"0123456789abcdefghij\\\\\\/\"}", SV_ESC_SOME},
        {"{\"a\":\"\xc3\xa9\"}", SV_ESC_WIDE | SV_ESC_UTF8},
        {"{\"a\":\"0123456789abcdefghij\xc3\xa9\"}", SV_ESC_WIDE | SV_ESC_UTF8},
        {"{\"a\":\"\\u0041\"}", SV_ESC_SOME | SV_ESC_WIDE | SV_ESC_U},
        {"{\"a\":\"0123456789abcdefghij\\u0041\"}", SV_ESC_SOME | SV_ESC_WIDE | SV_ESC_U},
        {"{\"a\":\"0123456789abcdefghij\\\\u0041\"}", SV_ESC_SOME},
        {"{\"a\":\"\xc2\xae\\u0041\\n\"}", SV_ESC_SOME | SV_ESC_WIDE | SV_ESC_UTF8 | SV_ESC_U},
        {"{\"a\":\"0123456789abcdefghij\\t\xc2\xae\"}", SV_ESC_SOME | SV_ESC_WIDE | SV_ESC_UTF8},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        fixture *f = start(PATHS("a"), false);
        scan_ok(f, cases[k].doc);
        int32_t i = sv_event_first(f->ev, 0);
        assert_true(i >= 0);
        if (f->ev->vals[i].escaped != cases[k].escaped)
            fail_msg("%s: escaped %u", cases[k].doc, f->ev->vals[i].escaped);
        stop(f);
    }
}

static void escaped_keys_matched(void **state) {
    (void)state;
    fixture *f = start(PATHS("Image", "\xc3\xa9t\xc3\xa9", "\xf0\x9f\x98\x80.x", "q\"/\t"), false);
    scan_ok(f, "{\"Im\\u0061ge\":\"x\",\"\\u0049mage\":\"y\",\"Imag\\u0065\":\"z\"}");
    assert_string_equal(values(f, 0), "s:x | s:y | s:z");
    scan_ok(f, "{\"\\u00e9t\\u00E9\":1,\"\\ud83d\\ude00\":{\"x\":2},\"q\\\"\\/\\t\":3}");
    assert_string_equal(values(f, 1), "n:1");
    assert_string_equal(values(f, 2), "n:2");
    assert_string_equal(values(f, 3), "n:3");
    stop(f);
}

/* Writes {"K":1} with K as n escaped 'a's. */
static char *escaped_key_doc(size_t n) {
    char *doc = malloc(2 + 6 * n + 5);
    assert_non_null(doc);
    memcpy(doc, "{\"", 2);
    for (size_t i = 0; i < n; i++)
        memcpy(doc + 2 + 6 * i, "\\u0061", 6);
    strcpy(doc + 2 + 6 * n, "\":1}");
    return doc;
}

static void long_escaped_keys(void **state) {
    (void)state;
    char a200[201], a300[301];
    memset(a200, 'a', 200);
    memset(a300, 'a', 300);
    a200[200] = a300[300] = '\0';
    fixture *f = start(PATHS(a200, a300), false);
    char *fits = escaped_key_doc(200), *too_long = escaped_key_doc(300);
    scan_ok(f, fits);
    assert_string_equal(values(f, 0), "n:1");
    /* Beyond the key buffer an escaped key matches nothing, by design. */
    scan_ok(f, too_long);
    assert_string_equal(values(f, 1), "");
    free(fits);
    free(too_long);
    stop(f);
}

static void want_any_records_strings_and_numbers(void **state) {
    (void)state;
    fixture *f = start(PATHS("b"), true);
    scan_ok(f, "{\"a\":\"x\",\"b\":{\"c\":[1,\"y\",{\"d\":\"z\\n\"}]},\"t\":true,\"n\":null,"
               "\"k\":false,\"e\":{}}");
    assert_string_equal(values(f, SV_ANY_SLOT), "s:x | n:1 | s:y | S:z\\n");
    assert_string_equal(values(f, 0), "o:{\"c\":[1,\"y\",{\"d\":\"z\\n\"}]}");
    stop(f);
}

/* The keyword values recorded before anything asks for them, as values()
   writes them (without asking). */
static const char *recorded_any(fixture *f) {
    size_t n = 0;
    f->text[0] = '\0';
    for (int32_t i = f->ev->any_head; i >= 0; i = f->ev->vals[i].next) {
        const sv_value *v = &f->ev->vals[i];
        n += (size_t)snprintf(f->text + n, sizeof f->text - n, "%s%.*s", n ? " | " : "",
                              (int)v->len, v->p);
        assert_true(n < sizeof f->text);
    }
    return f->text;
}

/* Put off, the keyword values are the strings with wide text only, until
   something asks: then every string and number, in document order, once,
   and the values at paths stay as they were. */
static void deferred_any_values(void **state) {
    (void)state;
    fixture *f = start(PATHS("b", "w"), RT_ANY_DEFERRED);
    scan_ok(f, "{\"a\":\"x\",\"w\":\"caf\xc3\xa9\",\"b\":{\"c\":[1,\"y\",{\"d\":\"z\\u0041\"}]},"
               "\"t\":true,\"n\":null}");
    assert_true(f->ev->any_deferred);
    assert_string_equal(recorded_any(f), "caf\xc3\xa9 | z\\u0041");
    assert_string_equal(values(f, 0), "o:{\"c\":[1,\"y\",{\"d\":\"z\\u0041\"}]}");
    assert_string_equal(values(f, 1), "s:caf\xc3\xa9");
    assert_string_equal(values(f, SV_ANY_SLOT), "s:x | s:caf\xc3\xa9 | n:1 | s:y | S:z\\u0041");
    assert_false(f->ev->any_deferred);
    assert_string_equal(values(f, SV_ANY_SLOT), "s:x | s:caf\xc3\xa9 | n:1 | s:y | S:z\\u0041");
    assert_string_equal(values(f, 0), "o:{\"c\":[1,\"y\",{\"d\":\"z\\u0041\"}]}");
    assert_string_equal(values(f, 1), "s:caf\xc3\xa9");
    /* The next document forgets them; one that is refused puts none off. */
    scan_ok(f, "{\"a\":2}");
    assert_string_equal(values(f, SV_ANY_SLOT), "n:2");
    const char *err;
    size_t off;
    assert_false(rt_scan(f->s, "{\"a\":\"x\",", 9, f->ev, &err, &off));
    assert_false(f->ev->any_deferred);
    /* An object cut from a line scans only its own text when asked. */
    static const char line[] = "{\"a\":\"in\"} {\"b\":\"out\"}";
    size_t used;
    assert_true(rt_scan_object(f->s, line, sizeof line - 1, f->ev, &used));
    assert_string_equal(values(f, SV_ANY_SLOT), "s:in");
    stop(f);
}

/* Scans doc with warm, which has seen other documents, and with a fresh
   scanner of the same paths: every slot must record the same. */
static void same_as_fresh(fixture *warm, const char *const *paths, size_t npaths, const char *doc) {
    fixture *fresh = start(paths, npaths, RT_ANY_NONE);
    scan_ok(warm, doc);
    scan_ok(fresh, doc);
    for (uint32_t slot = 0; slot < npaths; slot++) {
        char want[1024];
        snprintf(want, sizeof want, "%s", values(fresh, slot));
        if (strcmp(values(warm, slot), want))
            fail_msg("%s, slot %u: \"%s\", a fresh scanner \"%s\"", doc, slot, values(warm, slot),
                     want);
    }
    stop(fresh);
}

/* Top-level keys remembered by position give what a fresh scanner gives:
   keys in another order, an empty key first, escaped, long, nested keys,
   and more keys than are remembered; documents of several kinds mixed, so
   that positions recall keys from older documents than the last. */
static void top_keys_remembered(void **state) {
    (void)state;
#define TOP_PATHS PATHS("a", "b", "", "long_key_name_over_24_bytes_x", "c.d", "e", "ab")
    static const char *const docs[] = {
        "{\"a\":1,\"b\":2}",
        "{\"b\":3,\"a\":4}",
        "{\"\":5,\"a\":6}",
        "{\"a\":7,\"\":8}",
        "{\"\\u0061\":9,\"a\\u0062\":10}",
        "{\"long_key_name_over_24_bytes_x\":11,\"ab\":12}",
        "{\"long_key_name_over_24_bytes_y\":13,\"ab\":14}",
        "{\"c\":{\"d\":15},\"a\":{\"d\":16}}",
        "{\"c.d\":17,\"x\":18}",
        "{\"x\":19,\"c.d\":20}",
        "{\"A\":21,\"B\":22}",
        NULL, /* filled below: 70 keys, "e" last */
    };
    char many[1024];
    size_t at = (size_t)snprintf(many, sizeof many, "{");
    for (int i = 0; i < 69; i++)
        at += (size_t)snprintf(many + at, sizeof many - at, "\"k%d\":%d,", i, i);
    snprintf(many + at, sizeof many - at, "\"e\":23}");
    fixture *warm = start(TOP_PATHS, RT_ANY_NONE);
    /* In order twice, then mixed: each position sees several kinds. */
    size_t ndocs = sizeof docs / sizeof *docs;
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < ndocs; i++) {
            size_t d = round < 2 ? i : i * 5 % ndocs;
            same_as_fresh(warm, TOP_PATHS, docs[d] ? docs[d] : many);
        }
    stop(warm);
#undef TOP_PATHS
}

/* More kinds of documents than the scanner keeps lanes for, mixed at
   random, each listing the same keys in its own order (so that kinds share
   some keys at some positions) and one of its own: every document records
   what a fresh scanner records. */
static void many_kinds_mixed(void **state) {
    (void)state;
#define KIND_PATHS PATHS("a", "b", "c", "d", "e", "f", "g", "h", "only3", "only7")
    enum { KINDS = 12, KEYS = 8, DOCS = 400 };
    static const char *const keys[KEYS] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    int order[KINDS][KEYS];
    uint32_t seed = 7;
    for (int k = 0; k < KINDS; k++) {
        for (int i = 0; i < KEYS; i++)
            order[k][i] = i;
        for (int i = KEYS - 1; i > 0; i--) { /* kinds 0 and 1 keep the same order */
            seed = seed * 1103515245u + 12345u;
            int j = k < 2 ? i : (int)(seed >> 16) % (i + 1), t = order[k][i];
            order[k][i] = order[k][j];
            order[k][j] = t;
        }
    }
    fixture *warm = start(KIND_PATHS, RT_ANY_NONE);
    for (int d = 0; d < DOCS; d++) {
        seed = seed * 1103515245u + 12345u;
        int k = (int)(seed >> 16) % KINDS;
        char doc[256];
        size_t at = (size_t)snprintf(doc, sizeof doc, "{\"only%d\":%d", k, k);
        for (int i = 0; i < KEYS; i++)
            at += (size_t)snprintf(doc + at, sizeof doc - at, ",\"%s\":%d", keys[order[k][i]],
                                   d * KEYS + i);
        snprintf(doc + at, sizeof doc - at, "}");
        same_as_fresh(warm, KIND_PATHS, doc);
    }
    stop(warm);
#undef KIND_PATHS
}

static void duplicate_keys_and_paths(void **state) {
    (void)state;
    fixture *f = start(PATHS("a", "a"), false);
    scan_ok(f, "{\"a\":1,\"a\":2}");
    assert_string_equal(values(f, 0), "n:1 | n:2");
    assert_string_equal(values(f, 1), "n:1 | n:2");
    stop(f);
}

static void event_reset_between_documents(void **state) {
    (void)state;
    fixture *f = start(PATHS("a", "b"), true);
    scan_ok(f, "{\"a\":1,\"b\":\"x\"}");
    scan_ok(f, "{\"a\":2}");
    assert_string_equal(values(f, 0), "n:2");
    assert_string_equal(values(f, 1), "");
    assert_string_equal(values(f, SV_ANY_SLOT), "n:2");
    stop(f);
}

static void no_paths(void **state) {
    (void)state;
    fixture *f = start(NULL, 0, false);
    scan_ok(f, "{\"a\":[1,{\"b\":\"c\"}]}");
    assert_int_equal(f->ev->nvals, 0);
    stop(f);
}

static void empty_object(void **state) {
    (void)state;
    fixture *f = start(PATHS("a"), true);
    scan_ok(f, "{}");
    scan_ok(f, " \t{ \r\n }\n ");
    assert_int_equal(f->ev->nvals, 0);
    stop(f);
}

static void syntax_errors(void **state) {
    (void)state;
    expect_error("{\"a\":1,}", "unexpected character '}'", 7);
    expect_error("{\"a\" 1}", "unexpected character '1'", 5);
    expect_error("{\"a\":01}", "unexpected character '1'", 6);
    expect_error("{\"a\":-}", "unexpected character '}'", 6);
    expect_error("{\"a\":1.}", "unexpected character '}'", 7);
    expect_error("{\"a\":1e}", "unexpected character '}'", 7);
    expect_error("{\"a\":1e+}", "unexpected character '}'", 8);
    expect_error("{\"a\":.5}", "unexpected character '.'", 5);
    expect_error("{\"a\":+1}", "unexpected character '+'", 5);
    expect_error("{\"a\":tru}", "unexpected character '}'", 8);
    expect_error("{\"a\":True}", "unexpected character 'T'", 5);
    expect_error("{a:1}", "unexpected character 'a'", 1);
    expect_error("{'a':1}", "unexpected character '''", 1);
    expect_error("{\"a\":1 \"b\":2}", "unexpected character '\"'", 7);
    expect_error("{\"a\":[1 2]}", "unexpected character '2'", 8);
    expect_error("{\"a\":[1,]}", "unexpected character ']'", 8);
    expect_error("{\"a\":[,1]}", "unexpected character ','", 6);
    expect_error("{,}", "unexpected character ','", 1);
    expect_error("{\"a\":1]", "unexpected character ']'", 6);
    expect_error("{\"a\":[1}", "unexpected character '}'", 7);
    expect_error("{\"a\":\xff}", "unexpected byte 0xff", 5);
    expect_error("}", "unexpected character '}'", 0);
}

static void string_errors(void **state) {
    (void)state;
    expect_error("{\"a\":\"x", "unterminated string", 5);
    expect_error("{\"a\":\"x\\", "unterminated string", 5);
    expect_error("{\"a\":\"\\u12", "unterminated string", 5);
    expect_error("{\"a", "unterminated string", 1);
    expect_error("{\"a\":\"\\x\"}", "invalid escape", 6);
    expect_error("{\"a\":\"ok\\'\"}", "invalid escape", 8);
    expect_error("{\"a\":\"\\u12G4\"}", "invalid escape", 6);
    expect_error("{\"a\":\"\\u12\"}", "invalid escape", 6);
    expect_error("{\"a\":\"a\tb\"}", "control character in string", 7);
    expect_error("{\"a\":\"a\x1f\"}", "control character in string", 7);
    expect_error("{\"a\nb\":1}", "control character in string", 3);
    expect_error_n("{\"a\":\"x\0y\"}", 11, "control character in string", 7);
}

static void truncated_documents(void **state) {
    (void)state;
    expect_error("", "truncated document", 0);
    expect_error(" \n ", "truncated document", 3);
    expect_error("{", "truncated document", 1);
    expect_error("{\"a\"", "truncated document", 4);
    expect_error("{\"a\":", "truncated document", 5);
    expect_error("{\"a\":1", "truncated document", 6);
    expect_error("{\"a\":1,", "truncated document", 7);
    expect_error("{\"a\":nul", "truncated document", 8);
    expect_error("{\"a\":-", "truncated document", 6);
    expect_error("{\"a\":[{}", "truncated document", 8);
}

static void trailing_garbage(void **state) {
    (void)state;
    expect_error("{\"a\":1}x", "unexpected character 'x'", 7);
    expect_error("{\"a\":1} {}", "unexpected character '{'", 8);
    expect_error("{}}", "unexpected character '}'", 2);
    expect_error_n("{}\0", 3, "unexpected byte 0x00", 2);
    fixture *f = start(PATHS("a"), false);
    scan_ok(f, "{\"a\":1} \r\n\t");
    stop(f);
}

static void top_level_not_object(void **state) {
    (void)state;
    const char *docs[] = {"\"str\"", "12", "-1", "[1]", "[{}]", "true", "false", "null"};
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++)
        expect_error(docs[i], "event is not a JSON object", 0);
    expect_error("  [", "event is not a JSON object", 2);
}

/* "{"a":" then depth copies of open, then the matching closers. */
static char *nested(size_t depth, const char *open, char close) {
    size_t olen = strlen(open);
    char *doc = malloc(6 + depth * (olen + 1) + 2);
    assert_non_null(doc);
    char *p = doc + 5;
    memcpy(doc, "{\"a\":", 5);
    for (size_t i = 0; i < depth; i++, p += olen)
        memcpy(p, open, olen);
    *p++ = '1';
    memset(p, close, depth);
    strcpy(p + depth, "}");
    return doc;
}

static void deep_nesting(void **state) {
    (void)state;
    char *ok = nested(RT_MAX_DEPTH - 1, "[", ']');
    fixture *f = start(PATHS("a"), false);
    scan_ok(f, ok);
    free(ok);
    stop(f);

    char *arrays = nested(10000, "[", ']');
    expect_error(arrays, "nesting deeper than 512", 5 + RT_MAX_DEPTH - 1);
    free(arrays);
    char *objects = nested(10000, "{\"a\":", '}');
    expect_error(objects, "nesting deeper than 512", 5 + 5 * (RT_MAX_DEPTH - 1));
    free(objects);
}

static void huge_string_not_copied(void **state) {
    (void)state;
    size_t n = 50u << 20;
    char *doc = malloc(n + 16);
    assert_non_null(doc);
    memcpy(doc, "{\"s\":\"", 6);
    memset(doc + 6, 'x', n);
    doc[6 + n / 2] = '\\';
    doc[7 + n / 2] = 'n';
    memcpy(doc + 6 + n, "\"}", 2);
    fixture *f = start(PATHS("s"), true);
    const char *err = NULL;
    size_t off = 0;
    assert_true(rt_scan(f->s, doc, n + 8, f->ev, &err, &off));
    int32_t i = sv_event_first(f->ev, 0);
    assert_true(i >= 0);
    assert_ptr_equal(f->ev->vals[i].p, doc + 6);
    assert_int_equal(f->ev->vals[i].len, n);
    assert_true(f->ev->vals[i].escaped);
    assert_int_equal(f->ev->vals[i].next, -1);
    stop(f);
    free(doc);
}

/* Text that is not UTF-8 is a damaged event (issue 6), in keys and values
   alike: stray bytes, overlong forms, surrogates, code points past U+10FFFF
   and sequences cut short. Well-formed multi-byte text passes. */
static void invalid_utf8_refused(void **state) {
    (void)state;
    static const char *const bad[] = {
        "\xff", "\xc0\x80", "\xe0\x80\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
        "\xc3", "\xe2\x82", "\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char doc[64];
        snprintf(doc, sizeof doc, "{\"a\":\"x%s\"}", bad[i]);
        expect_error(doc, "invalid UTF-8 in string", 7);
        snprintf(doc, sizeof doc, "{\"%s\":1}", bad[i]);
        expect_error(doc, "invalid UTF-8 in string", 2);
    }
    fixture *f = start(PATHS("a", "\xc3\x9f"), false);
    scan_ok(f, "{\"a\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\",\"\xc3\x9f\":1}");
    assert_string_equal(values(f, 0), "s:\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf");
    assert_string_equal(values(f, 1), "n:1");
    stop(f);
}

static void unpaired_surrogates_accepted(void **state) {
    (void)state;
    fixture *f = start(PATHS("a"), false);
    scan_ok(f, "{\"a\":[\"\\ud800\",\"\\udc00x\",\"\\ud800\\u0041\"],\"\\udfff\":1}");
    assert_string_equal(values(f, 0), "S:\\ud800 | S:\\udc00x | S:\\ud800\\u0041 | "
                                      "a:[\"\\ud800\",\"\\udc00x\",\"\\ud800\\u0041\"]");
    stop(f);
}

/* A mapped field: one slot fed by several paths, in document order. */
static void alternatives_feed_one_slot(void **state) {
    (void)state;
    fixture *f = start(PATHS("Event.EventData.User\nEvent.System.User", "Other"), false);
    scan_ok(f, "{\"Event\":{\"System\":{\"User\":\"sys\"},\"EventData\":{\"User\":\"data\"}}}");
    assert_string_equal(values(f, 0), "s:sys | s:data");
    scan_ok(f, "{\"Event\":{\"EventData\":{\"Other\":1}}}");
    assert_string_equal(values(f, 0), "");
    stop(f);
}

static void star_segment_matches_any_key(void **state) {
    (void)state;
    fixture *f = start(PATHS("Event.UserData.*.Operation", "Event.UserData.Known.Id"), false);
    scan_ok(f, "{\"Event\":{\"UserData\":{\"Op_Failure\":{\"Operation\":\"x\",\"Id\":2}}}}");
    assert_string_equal(values(f, 0), "s:x");
    assert_string_equal(values(f, 1), "");
    scan_ok(f, "{\"Event\":{\"UserData\":{\"Known\":{\"Operation\":\"y\",\"Id\":3}}}}");
    assert_string_equal(values(f, 1), "n:3");
    stop(f);
}

static void keys_with_spaces_match_without(void **state) {
    (void)state;
    fixture *f = start(PATHS("ProcessName", "Process Id"), false);
    scan_ok(f, "{\"Process Name\":\"a.exe\",\"Process Id\":7,\"ProcessName \":\"b\"}");
    assert_string_equal(values(f, 0), "s:a.exe | s:b");
    assert_string_equal(values(f, 1), "n:7");
    stop(f);
}

/* Keys of every length up to 40 (read in pieces of eight and four bytes),
   with a dot or a space at every place: each finds its own path only. */
static void keys_of_every_length(void **state) {
    (void)state;
    char key[41], other[41], doc[256];
    for (size_t n = 0; n <= 40; n++)
        for (size_t at = 0; at <= n; at++) {
            for (size_t i = 0; i < n; i++)
                key[i] = (char)('a' + i % 26);
            key[n] = '\0';
            memcpy(other, key, n + 1);
            if (at < n) other[at] = 'Z'; /* one byte off */
            const char *paths[] = {key, "x.y"};
            fixture *f = start(paths, 2, false);
            snprintf(doc, sizeof doc, "{\"%s\":1,\"%s\":2,\"x\":{\"%s\":3},\"x.y\":4}", other, key,
                     key);
            scan_ok(f, doc);
            assert_string_equal(values(f, 0), at < n ? "n:2" : "n:1 | n:2");
            assert_string_equal(values(f, 1), "n:4");
            stop(f);
            if (at == n || n < 2) continue;
            /* "a.b" and "a b" as keys, against the paths a.b and ab */
            char nested[48], tight[41];
            snprintf(nested, sizeof nested, "%.*s.%s", (int)at, key, key + at);
            snprintf(tight, sizeof tight, "%s", key);
            const char *more[] = {nested, tight};
            f = start(more, 2, false);
            snprintf(doc, sizeof doc, "{\"%.*s.%s\":1,\"%.*s\":{\"%s\":2},\"%.*s %s\":3}", (int)at,
                     key, key + at, (int)at, key, key + at, (int)at, key, key + at);
            scan_ok(f, doc);
            assert_string_equal(values(f, 0), "n:1 | n:2");
            assert_string_equal(values(f, 1), "n:3");
            stop(f);
        }
}

/* The same last segment under different parents, and empty segments. */
static void segments_under_their_parents(void **state) {
    (void)state;
    fixture *f = start(PATHS("a.x", "b.y", "a..c", ".d", "e."), false);
    scan_ok(f, "{\"b\":{\"x\":1,\"y\":2},\"a\":{\"y\":3,\"x\":4,\"\":{\"c\":5}},\"a.\":{\"c\":6},"
               "\"\":{\"d\":7},\".d\":8,\"e\":{\"\":9},\"e.\":10,\"x\":11}");
    assert_string_equal(values(f, 0), "n:4");
    assert_string_equal(values(f, 1), "n:2");
    assert_string_equal(values(f, 2), "n:5 | n:6");
    assert_string_equal(values(f, 3), "n:7 | n:8");
    assert_string_equal(values(f, 4), "n:9 | n:10");
    stop(f);
}

/* The scan of one document by a scanner of path "a", read 64 bytes a
   step where the machine can (wide) or 16 (narrow). */
typedef struct string_scan {
    bool ok;
    const char *err;
    size_t off, len;
    unsigned escaped;
} string_scan;

static string_scan scan_string(const char *doc, size_t n, bool wide) {
    fixture *f = start(PATHS("a"), false);
    if (!wide) rt_scanner_narrow(f->s);
    string_scan r = {0};
    r.ok = rt_scan(f->s, doc, n, f->ev, &r.err, &r.off);
    const sv_value *v = r.ok ? sv_event_get(f->ev, 0) : NULL;
    if (v) r.len = v->len, r.escaped = v->escaped;
    stop(f);
    return r;
}

/* Escapes, UTF-8 and errors at every place of a string, wherever the
   sixteen or 64 bytes looked at together fall and whatever the strings
   around them: 0 to 160 bytes before, up to 91 after. Both ways of reading
   long strings agree, on the value, its flags and on errors. */
static void strings_everywhere(void **state) {
    (void)state;
    enum { SOME = SV_ESC_SOME, WIDE_U = SV_ESC_SOME | SV_ESC_WIDE | SV_ESC_U };
    static const struct {
        const char *text, *err; /* NULL: accepted */
        size_t off;             /* of the error from the start of text */
        unsigned escaped;       /* the flags of an accepted string */
    } cases[] = {
        {"\\\\", NULL, 0, SOME},
        {"\\\"", NULL, 0, SOME},
        {"\\n\\r\\t\\b\\f\\/", NULL, 0, SOME},
        {"\\u00e9\\uD83D\\uDE00", NULL, 0, WIDE_U},
        {"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", NULL, 0, SV_ESC_WIDE | SV_ESC_UTF8},
        {"\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\"", NULL, 0, SOME},
        {"\\x", "invalid escape", 0, 0},
        {"\\u12G4", "invalid escape", 0, 0},
        {"\x01", "control character in string", 0, 0},
        {"\\\\\x1f", "control character in string", 2, 0},
        {"\xc3", "invalid UTF-8 in string", 0, 0},
        {"\xe2\x82", "invalid UTF-8 in string", 0, 0},
        {"\xed\xa0\x80", "invalid UTF-8 in string", 0, 0},
        {"\xff", "invalid UTF-8 in string", 0, 0},
    };
    char doc[320];
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
        for (size_t before = 0; before <= 160; before++)
            for (size_t after = 0; after <= 91; after += 13) {
                size_t n = (size_t)sprintf(doc, "{\"a\":\"");
                memset(doc + n, 'x', before);
                n += before;
                n += (size_t)sprintf(doc + n, "%s", cases[c].text);
                memset(doc + n, 'y', after);
                n += after;
                n += (size_t)sprintf(doc + n, "\"}");
                string_scan wide = scan_string(doc, n, true), narrow = scan_string(doc, n, false);
                if (wide.ok != narrow.ok || wide.off != narrow.off || wide.len != narrow.len ||
                    wide.escaped != narrow.escaped ||
                    (wide.err != narrow.err &&
                     (!wide.err || !narrow.err || strcmp(wide.err, narrow.err))))
                    fail_msg("case %zu, %zu before, %zu after: read 64 and 16 bytes a step differ",
                             c, before, after);
                if (!cases[c].err) {
                    if (!narrow.ok) fail_msg("%s at %zu in %s", narrow.err, narrow.off, doc);
                    assert_int_equal(narrow.len, n - 8);
                    if (narrow.escaped != cases[c].escaped)
                        fail_msg("case %zu, %zu before: escaped %u", c, before, narrow.escaped);
                } else {
                    expect_error_n(doc, n, cases[c].err, 6 + before + cases[c].off);
                    /* ... and cut short right after the bad bytes */
                    size_t cut = 6 + before + strlen(cases[c].text);
                    if (strcmp(cases[c].err, "invalid UTF-8 in string") != 0)
                        expect_error_n(doc, cut, cases[c].err, 6 + before + cases[c].off);
                }
            }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flat_fields),
        cmocka_unit_test(numbers),
        cmocka_unit_test(nested_paths),
        cmocka_unit_test(dotted_keys),
        cmocka_unit_test(arrays_of_objects),
        cmocka_unit_test(arrays_of_scalars),
        cmocka_unit_test(nested_arrays),
        cmocka_unit_test(path_and_prefix),
        cmocka_unit_test(unknown_subtrees_skipped),
        cmocka_unit_test(leaf_objects_not_descended),
        cmocka_unit_test(errors_in_skipped_subtrees),
        cmocka_unit_test(escaped_strings_flagged),
        cmocka_unit_test(wide_strings_flagged),
        cmocka_unit_test(escaped_keys_matched),
        cmocka_unit_test(long_escaped_keys),
        cmocka_unit_test(want_any_records_strings_and_numbers),
        cmocka_unit_test(deferred_any_values),
        cmocka_unit_test(top_keys_remembered),
        cmocka_unit_test(many_kinds_mixed),
        cmocka_unit_test(duplicate_keys_and_paths),
        cmocka_unit_test(event_reset_between_documents),
        cmocka_unit_test(no_paths),
        cmocka_unit_test(empty_object),
        cmocka_unit_test(syntax_errors),
        cmocka_unit_test(string_errors),
        cmocka_unit_test(truncated_documents),
        cmocka_unit_test(trailing_garbage),
        cmocka_unit_test(top_level_not_object),
        cmocka_unit_test(deep_nesting),
        cmocka_unit_test(huge_string_not_copied),
        cmocka_unit_test(invalid_utf8_refused),
        cmocka_unit_test(unpaired_surrogates_accepted),
        cmocka_unit_test(alternatives_feed_one_slot),
        cmocka_unit_test(star_segment_matches_any_key),
        cmocka_unit_test(keys_with_spaces_match_without),
        cmocka_unit_test(keys_of_every_length),
        cmocka_unit_test(segments_under_their_parents),
        cmocka_unit_test(strings_everywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
