/* Unit tests of the input reader: framings (NDJSON, pretty-printed objects,
   arrays, Records lists), compression (gzip, zstd, by content), positions
   (line, element), and damaged input: what is handed out, and where. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>
#include <zstd.h>

#include "reader_trace.h"
#include "runtime/runtime.h"

static char dir[64];

static int make_dir(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/sigvm_reader_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state) {
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

/* The path of a file in the test directory (valid until the next call). */
static const char *path_of(const char *name) {
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static const char *write_file(const char *name, const void *data, size_t n) {
    const char *path = path_of(name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
    return path;
}

static const char *write_text(const char *name, const char *text) {
    return write_file(name, text, strlen(text));
}

static const char *write_gzip(const char *name, const char *text) {
    const char *path = path_of(name);
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, text, (unsigned)strlen(text)), (int)strlen(text));
    gzclose(gz);
    return path;
}

static size_t zstd_bytes(const char *text, char **out) {
    size_t cap = ZSTD_compressBound(strlen(text));
    *out = malloc(cap);
    assert_non_null(*out);
    size_t n = ZSTD_compress(*out, cap, text, strlen(text), 3);
    assert_false(ZSTD_isError(n));
    return n;
}

static rt_input *open_or_fail(const char *path, const rt_input_opts *opt) {
    char err[256];
    rt_input *in = rt_input_open(path, opt, err, sizeof err);
    if (!in) fail_msg("%s", err);
    return in;
}

/* Everything the reader hands out (reader_trace.h); the same whether an
   uncompressed file is mapped (opened by its path) or read (through
   standard input). */
static char *trace(const char *path, const rt_input_opts *opt) {
    char *mapped = trace_all(open_or_fail(path, opt));
    char *read = trace_file_read(path, opt);
    assert_string_equal(mapped, read);
    free(read);
    return mapped;
}

/* The documents handed out, whole, one a line: LINE TEXT (newlines as |). */
static char *whole_docs(const char *path, const rt_input_opts *opt) {
    char *text = NULL;
    size_t len = 0;
    FILE *t = open_memstream(&text, &len);
    rt_input *in = open_or_fail(path, opt);
    rt_doc d;
    for (rt_read k; (k = rt_input_next(in, &d)) != RT_EOF;) {
        fprintf(t, "%llu ", (unsigned long long)d.line);
        if (k != RT_DOC) {
            fprintf(t, "%s\n", k == RT_BAD ? d.error : rt_input_error(in));
            continue;
        }
        for (size_t i = 0; i < d.len; i++)
            putc(d.text[i] == '\n' ? '|' : d.text[i], t);
        putc('\n', t);
    }
    fclose(t);
    rt_input_close(in);
    return text;
}

/* text with every '@' replaced by pad spaces. */
static char *padded(const char *text, size_t pad) {
    char *out = malloc(strlen(text) * (pad + 1) + 1), *o = out;
    assert_non_null(out);
    for (const char *t = text; *t; t++) {
        if (*t != '@') {
            *o++ = *t;
            continue;
        }
        memset(o, ' ', pad);
        o += pad;
    }
    *o = '\0';
    return out;
}

/* The reader takes 64 bytes at a time where it can: where a document ends
   must not depend on where those blocks fall. Each case is shifted by 0 to
   129 bytes ('@'); the documents expected are LINE TEXT, '|' for newlines. */
static void block_boundaries(void **state) {
    (void)state;
    static const char *const cases[][2] = {
        /* brackets and escaped quotes and backslashes inside strings */
        {"{@\"s\":\"a\\\"}]\\\\\\\\\",\"t\":[\"{\",{\"u\":\"\\\\\\\"\"}]}\n{\"n\":1}\n",
         "1 {@\"s\":\"a\\\"}]\\\\\\\\\",\"t\":[\"{\",{\"u\":\"\\\\\\\"\"}]}\n2 {\"n\":1}\n"},
        /* a run of nine escaped backslashes and an escaped quote */
        {"{@\"r\":\"\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\"\"}\n",
         "1 {@\"r\":\"\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\"\"}\n"},
        /* a line cut inside a string */
        {"{@\"s\":\"abc\n{\"n\":2}\n", "1 {@\"s\":\"abc\n2 {\"n\":2}\n"},
        /* a backslash outside strings escapes nothing: the quote after it
           opens a string, and the line is one cut document */
        {"{@\\\"a\\\":1} {\"b\":2}\n{\"n\":3}\n", "1 {@\\\"a\\\":1} {\"b\":2}\n2 {\"n\":3}\n"},
        /* ... and after a document, starts a line that is no document */
        {"{@\"k\":[1,2]}\\\"x\n{\"n\":4}\n", "1 {@\"k\":[1,2]}\n1 \\\"x\n2 {\"n\":4}\n"},
        /* spread over lines */
        {"{\n  @\"a\": \"x}\\\\\",\n  \"b\": [\n    1\n  ]\n}\n{\"n\":5}\n",
         "1 {|  @\"a\": \"x}\\\\\",|  \"b\": [|    1|  ]|}\n7 {\"n\":5}\n"},
        /* brackets in a long string */
        {"[{@\"g\":\"{{{{{{{{{{[[[[[[[[[[{{{{{{{{{{[[[[[[[[[[{{{{{{{{{{[[[[[[[[[[{{{{{{{{{{\"},"
         "{\"n\":6}]\n",
         "1 {@\"g\":\"{{{{{{{{{{[[[[[[[[[[{{{{{{{{{{[[[[[[[[[[{{{{{{{{{{[[[[[[[[[[{{{{{{{{{{\"}\n"
         "1 {\"n\":6}\n"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
        for (size_t pad = 0; pad < 130; pad++) {
            char *text = padded(cases[c][0], pad), *want = padded(cases[c][1], pad);
            char *got = whole_docs(write_text("blocks.json", text), NULL);
            if (strcmp(got, want)) fail_msg("case %zu, pad %zu:\n%s\nwant\n%s", c, pad, got, want);
            free(got);
            free(want);
            free(text);
        }
}

/* The size limit falls anywhere in a block. */
static void size_limit_in_blocks(void **state) {
    (void)state;
    for (size_t n = 90; n < 240; n++) {
        char *text = malloc(2 * n + 64), *want = malloc(3 * n + 256);
        assert_non_null(text);
        assert_non_null(want);
        int k = snprintf(text, n + 64, "{\"a\":\"%0*d\"}\n{\"b\":1}\n", (int)(n - 8), 0);
        assert_true(k > 0);
        rt_input_opts o = {.max_doc = 160};
        if (n <= 160)
            snprintf(want, 3 * n + 256, "1 %.*s\n2 {\"b\":1}\n", (int)n, text);
        else
            snprintf(want, 3 * n + 256, "1 line longer than the limit of 160 bytes\n2 {\"b\":1}\n");
        char *got = whole_docs(write_text("limit.json", text), &o);
        assert_string_equal(got, want);
        free(got);
        free(want);
        free(text);
    }
}

static void expect_trace(const char *path, const rt_input_opts *opt, const char *want) {
    char *got = trace(path, opt);
    assert_string_equal(got, want);
    free(got);
}

static void ndjson(void **state) {
    (void)state;
    const char *p =
        write_text("a.ndjson", "{\"a\":1}\n\n{\"b\":2}\r\n  {\"c\":[3,{\"d\":4}]}\n{\"e\":5}");
    expect_trace(p, NULL,
                 "doc 1 {\"a\":1}\n"
                 "doc 3 {\"b\":2}\n"
                 "doc 4 {\"c\":[3,{\"d\":4}]}\n"
                 "doc 5 {\"e\":5}\n");
}

/* evtx_dump and `jq .` write one indented object after another. */
static void pretty_printed(void **state) {
    (void)state;
    const char *p = write_text("p.json", "{\n  \"a\": {\n    \"b\": \"x}\"\n  }\n}\n"
                                         "{\n  \"c\": [\n    1\n  ]\n}\n");
    expect_trace(p, NULL,
                 "doc 1 {|  \"a\": {|    \"b\": \"x}\"|  }|}\n"
                 "doc 6 {|  \"c\": [|    1|  ]|}\n");
}

static void arrays(void **state) {
    (void)state;
    const char *p = write_text("arr.json", "[{\"a\":1}, {\"b\":[1,2]},\n{\"c\":\"]\"}]\n"
                                           "[\n  {\n    \"d\": 1\n  },\n  \"s,t\", 7, [8]\n]\n");
    expect_trace(p, NULL,
                 "doc 1.1 {\"a\":1}\n"
                 "doc 1.2 {\"b\":[1,2]}\n"
                 "doc 2.3 {\"c\":\"]\"}\n"
                 "doc 4.1 {|    \"d\": 1|  }\n"
                 "doc 7.2 \"s,t\"\n"
                 "doc 7.3 7\n"
                 "doc 7.4 [8]\n");
    p = write_text("empty.json", "[]\n[ ]\n{\"after\":1}\n");
    expect_trace(p, NULL, "doc 3 {\"after\":1}\n");
}

/* CloudTrail (one line, "Records") and Azure (pretty, "records"), one
   after another; members after the list are passed over. */
static void records(void **state) {
    (void)state;
    const char *p = write_text(
        "rec.json", "\xef\xbb\xbf{\"Records\":[{\"eventName\":\"A\"},{\"eventName\":\"B\"}]}\n"
                    "{\n  \"records\": [\n    {\n      \"time\": \"t\"\n    }\n  ],\n"
                    "  \"meta\": {\"x\": [1]}\n}\n"
                    "{\"Records\": []}{\"records\":1}\n");
    expect_trace(p, NULL,
                 "doc 1.1 {\"eventName\":\"A\"}\n"
                 "doc 1.2 {\"eventName\":\"B\"}\n"
                 "doc 4.1 {|      \"time\": \"t\"|    }\n"
                 "doc 10 {\"records\":1}\n");
}

/* A bad line costs one document: the next line starts afresh. */
static void garbage_lines(void **state) {
    (void)state;
    char *deep = malloc(1000001 + 64);
    assert_non_null(deep);
    memset(deep, '[', 1000000);
    strcpy(deep + 1000000, "\n{\"ok\":3}\n");
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    fputs("{\"ok\":1}\nnot json at all\n{\"cut\": \"sho\n{\"cut\":{\"a\":1,\n{\"ok\":2}\n", f);
    fputs("{\"bad\":\"\xff\xfe\"}\n\"just a string\"\n42\n", f);
    static const char nuls[] = "{\"nul\":\"a\0b\"}\n\0\0\0\n";
    fwrite(nuls, 1, sizeof nuls - 1, f);
    fputs(deep, f);
    fputs("}}}\n{\"ok\":4}\n", f);
    fclose(f);
    free(deep);
    const char *p = write_file("garbage.ndjson", text, n);
    free(text);
    char *got = trace(p, NULL);
    assert_string_equal(got,
                        "doc 1 {\"ok\":1}\n"
                        "doc 2 not json at all\n"
                        "doc 3 {\"cut\": \"sho\n"
                        "doc 4 {\"cut\":{\"a\":1,\n"
                        "doc 5 {\"ok\":2}\n"
                        "doc 6 {\"bad\":\"\xff\xfe\"}\n"
                        "doc 7 \"just a string\"\n"
                        "doc 8 42\n"
                        "doc 9 {\"nul\":\"a^b\"}\n"
                        "doc 10 ^^^\n"
                        /* a line of '[' opens a list: its element is cut by
                           the next line, which is taken as the next element */
                        "doc 11.1 [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[...\n"
                        "doc 12.2 {\"ok\":3}\n"
                        "doc 13 }}}\n"
                        "doc 14 {\"ok\":4}\n");
    free(got);
}

/* What the scanner then says of each: only the good ones pass. */
static void garbage_scanned(void **state) {
    (void)state;
    const char *p = path_of("garbage.ndjson");
    char err[256];
    rt_input *in = rt_input_open(p, NULL, err, sizeof err);
    assert_non_null(in);
    rt_scanner *s = rt_scanner_new(NULL, 0, false);
    sv_event *ev = sv_event_new(0);
    rt_doc d;
    char why[1024] = "";
    int good = 0;
    while (rt_input_next(in, &d) == RT_DOC) {
        const char *e;
        size_t off;
        if (rt_scan(s, d.text, d.len, ev, &e, &off)) {
            good++;
            continue;
        }
        size_t k = strlen(why);
        snprintf(why + k, sizeof why - k, "%llu:%s\n", (unsigned long long)d.line, e);
    }
    assert_int_equal(good, 4);
    assert_string_equal(why, "2:event is not a JSON object\n"
                             "3:unterminated string\n"
                             "4:truncated document\n"
                             "6:invalid UTF-8 in string\n"
                             "7:event is not a JSON object\n"
                             "8:event is not a JSON object\n"
                             "9:control character in string\n"
                             "10:unexpected byte 0x00\n"
                             "11:event is not a JSON object\n"
                             "13:unexpected character '}'\n");
    sv_event_free(ev);
    rt_scanner_free(s);
    rt_input_close(in);
}

/* A list broken by a cut element goes on with the next line's element. */
static void broken_list(void **state) {
    (void)state;
    const char *p = write_text("broken.json", "[{\"a\":1},\n{\"b\":\n{\"c\":3},\n{\"d\":4}]\n");
    expect_trace(p, NULL,
                 "doc 1.1 {\"a\":1}\n"
                 "doc 2.2 {\"b\":\n"
                 "doc 3.3 {\"c\":3}\n"
                 "doc 4.4 {\"d\":4}\n");
}

static void size_limit(void **state) {
    (void)state;
    const char *p = write_text("big.json", "{\"a\":\"0123456789012345678901234567890123456789\"}\n"
                                           "{\"b\":1}\n"
                                           "{\"Records\":[{\"c\":\"01234567890123456789012345\"},"
                                           "{\"d\":2}]}\n");
    rt_input_opts o = {.max_doc = 32};
    expect_trace(p, &o,
                 "bad 1 line longer than the limit of 32 bytes\n"
                 "doc 2 {\"b\":1}\n"
                 "bad 3.1 element longer than the limit of 32 bytes\n"
                 "doc 3.2 {\"d\":2}\n");
}

static void gzip_members(void **state) {
    (void)state;
    write_gzip("a.gz", "{\"Records\":[{\"x\":1},{\"x\":2}]}\n");
    write_gzip("b.gz", "{\"y\":3}\n");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cd '%s' && cat a.gz b.gz > ab.data", dir);
    assert_int_equal(system(cmd), 0);
    expect_trace(path_of("ab.data"), NULL,
                 "doc 1.1 {\"x\":1}\n"
                 "doc 1.2 {\"x\":2}\n"
                 "doc 2 {\"y\":3}\n");
}

/* Cut short or damaged: the events before are handed out, then the input
   says what is wrong with it. */
static void gzip_damaged(void **state) {
    (void)state;
    char text[4096] = "";
    for (int i = 0; i < 100; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "{\"event\":%d}\n", i);
    write_gzip("whole.gz", text);
    FILE *f = fopen(path_of("whole.gz"), "rb");
    assert_non_null(f);
    char gz[4096];
    size_t n = fread(gz, 1, sizeof gz, f);
    fclose(f);
    char *got = trace(write_file("cut.gz", gz, n - 20), NULL);
    assert_non_null(strstr(got, "error truncated gzip stream"));
    assert_non_null(strstr(got, "doc 1 {\"event\":0}\n"));
    free(got);
    gz[n / 2] ^= 0x55;
    gz[n / 2 + 1] ^= 0x55;
    got = trace(write_file("corrupt.gz", gz, n), NULL);
    assert_non_null(strstr(got, "error "));
    free(got);
    gz[n / 2] ^= 0x55;
    gz[n / 2 + 1] ^= 0x55;
    memcpy(gz + n, "junk", 4);
    got = trace(write_file("trailing.gz", gz, n + 4), NULL);
    assert_non_null(strstr(got, "doc 100 {\"event\":99}\nerror data after the end of the gzip"));
    free(got);
}

static void zstd_frames(void **state) {
    (void)state;
    char *z;
    size_t n = zstd_bytes("[{\"z\":1},\n{\"z\":2}]\n", &z);
    expect_trace(write_file("a.zst.data", z, n), NULL,
                 "doc 1.1 {\"z\":1}\n"
                 "doc 2.2 {\"z\":2}\n");
    char *got = trace(write_file("cut.zst", z, n - 3), NULL);
    assert_non_null(strstr(got, "error truncated zstd stream"));
    free(got);
    free(z);
}

/* A Records file of many events is streamed: each handed out in turn. */
static void many_records(void **state) {
    (void)state;
    FILE *f = fopen(path_of("many.json"), "w");
    assert_non_null(f);
    fputs("{\"Records\":[", f);
    for (int i = 0; i < 200000; i++)
        fprintf(f, "%s{\"eventID\":\"%08d\",\"pad\":\"%0100d\"}", i ? "," : "", i, i);
    fputs("]}", f);
    fclose(f);
    char err[256];
    rt_input *in = rt_input_open(path_of("many.json"), NULL, err, sizeof err);
    assert_non_null(in);
    rt_doc d;
    uint64_t n = 0;
    while (rt_input_next(in, &d) == RT_DOC) {
        char want[32];
        snprintf(want, sizeof want, "{\"eventID\":\"%08llu\"", (unsigned long long)n);
        assert_memory_equal(d.text, want, strlen(want));
        assert_int_equal(d.element, ++n);
    }
    assert_int_equal(n, 200000);
    assert_true(rt_input_offset(in) == (uint64_t)rt_input_size(in));
    rt_input_close(in);
}

/* Objects on one line are scanned whole when a scanner is given: what
   is handed out stays as cutting gives it, line by line, and the event
   holds the object's values. A line of 1.5 MB makes the reader read
   on while it looks for the line's end. */
static void lines_scanned_whole(void **state) {
    (void)state;
    FILE *f = fopen(path_of("lines.ndjson"), "w");
    assert_non_null(f);
    for (int i = 0; i < 3000; i++) {
        switch (i % 10) {
        case 0: fprintf(f, "{\"n\":%d}\r\n", i); break;
        case 1: fprintf(f, "  {\"n\":%d,\"s\":\"a\\\"}\"} \t\n", i); break;
        case 2: fprintf(f, "{\"n\":%d} {\"n\":%d}\n", i, -i); break; /* two on a line */
        case 3: fprintf(f, "{\"n\":%d,\"cut\":\"abc\n", i); break;   /* cut short */
        case 4: fprintf(f, "{\"n\":%d,\n  \"m\":1}\n", i); break;    /* over two lines */
        case 5: fprintf(f, "{\"n\":%d}x\n", i); break;               /* garbage after */
        case 6: fprintf(f, "[{\"n\":%d}]\n", i); break;              /* a list */
        case 7: fprintf(f, "{\"n\":%d,\"bad\":tru}\n", i); break;    /* invalid */
        default: fprintf(f, "{\"n\":%d,\"pad\":\"%0*d\"}\n", i, i == 8 ? 1500000 : 10, 0);
        }
    }
    fputs("{\"n\":3000}", f);
    fclose(f);
    char *want = trace(path_of("lines.ndjson"), NULL);

    const char *paths[] = {"n"};
    rt_scanner *s = rt_scanner_new(paths, 1, false);
    sv_event *ev = sv_event_new(1);
    rt_input *in = open_or_fail(path_of("lines.ndjson"), NULL);
    rt_input_scan_with(in, s, ev);
    char *got = NULL;
    size_t len = 0, scanned = 0;
    FILE *t = open_memstream(&got, &len);
    rt_doc d;
    for (rt_read k; (k = rt_input_next(in, &d)) != RT_EOF;) {
        trace_read(t, in, k, &d, 0);
        if (!d.scanned) continue;
        scanned++;
        const char *v;
        size_t vn;
        assert_true(sv_value_text(ev, sv_event_get(ev, 0), &v, &vn));
        assert_true(vn < d.len && !memcmp(d.text + 5, v, vn));
    }
    fclose(t);
    /* cases 0, 1, 8 and 9, both objects of case 2, the object before the
       garbage of case 5, and the last line */
    assert_int_equal(scanned, 7 * 300 + 1);
    assert_string_equal(got, want);
    free(got);
    free(want);
    rt_input_close(in);
    sv_event_free(ev);
    rt_scanner_free(s);
}

static void not_found(void **state) {
    (void)state;
    char err[256];
    assert_null(rt_input_open(path_of("nope"), NULL, err, sizeof err));
    assert_non_null(strstr(err, "No such file"));
    assert_null(rt_input_open(dir, NULL, err, sizeof err));
    assert_non_null(strstr(err, "is a directory"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ndjson),
        cmocka_unit_test(pretty_printed),
        cmocka_unit_test(arrays),
        cmocka_unit_test(records),
        cmocka_unit_test(garbage_lines),
        cmocka_unit_test(garbage_scanned),
        cmocka_unit_test(broken_list),
        cmocka_unit_test(size_limit),
        cmocka_unit_test(block_boundaries),
        cmocka_unit_test(size_limit_in_blocks),
        cmocka_unit_test(gzip_members),
        cmocka_unit_test(gzip_damaged),
        cmocka_unit_test(zstd_frames),
        cmocka_unit_test(many_records),
        cmocka_unit_test(lines_scanned_whole),
        cmocka_unit_test(not_found),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
