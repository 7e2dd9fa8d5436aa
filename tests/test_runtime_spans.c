/* Unit tests of spans (runtime.h): an input cut span by span, each span
   from the frame the one before ended in, or from a top-level guess that
   is cut again when it proves wrong, hands out exactly what one reader
   over the whole input hands out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "reader_trace.h"
#include "runtime/runtime.h"

static const rt_frame top = {.line = 1};

/* Picks the k-th line opening with '{' by bit k (mod 64) of a mask. */
typedef struct picker {
    uint64_t mask;
    size_t k;
} picker;

static bool by_mask(void *arg) {
    picker *p = arg;
    return p->mask >> (p->k++ % 64) & 1;
}

/* Every framing the reader knows, with lines opening with '{' inside
   arrays, Records lists and documents spread over lines. */
static const char *const texts[] = {
    "{\"a\":1}\n\n{\"b\":2}\r\n  {\"c\":[3,{\"d\":4}]}\n{\"e\":5}",
    "{\n  \"a\": {\n    \"b\": \"x}\"\n  }\n}\n{\n  \"c\": [\n    1\n  ]\n}\n",
    "[{\"a\":1}, {\"b\":[1,2]},\n{\"c\":\"]\"}]\n[\n{\n\"d\": 1\n},\n\"s,t\", 7, "
    "[8]\n]\n{\"z\":0}\n",
    "{\"Records\":[{\"eventName\":\"A\"},\n{\"eventName\":\"B\"}]}\n"
    "{\n  \"records\": [\n{\n      \"time\": \"t\"\n    }\n  ],\n"
    "  \"meta\": {\"x\": [1]}\n}\n{\"Records\": []}{\"records\":1}\n{\"after\":2}\n",
    "{\"ok\":1}\nnot json\n{\"cut\": \"sho\n{\"cut\":{\"a\":1,\n{\"ok\":2}\n\"str\"\n42\n"
    "[[[[\n{\"ok\":3}\n}}}\n{\"ok\":4}\n",
    "[{\"a\":1},\n{\"b\":\n{\"c\":3},\n{\"d\":4}]\n{\"e\":5}\n",
    "{\n\"Records\"\n:\n[\n{\"x\":1}\n]}\n{\"Records\":\n[{\"y\":2},\n{\"y\":3}],\n\"m\":\n{\"n\":"
    "1}}\n",
    "{\"a\":\"0123456789012345678901234567890123456789\"}\n{\"b\":1}\n"
    "{\"Records\":[{\"c\":\"01234567890123456789012345\"},\n{\"d\":2}]}\n{\"e\":\"x\\\n{\"f\":3}\n",
};

static void cut_alike_anywhere(void **state) {
    (void)state;
    rt_input_opts limits[] = {{0}, {.max_doc = 32}};
    size_t right = 0, wrong = 0;
    for (size_t c = 0; c < sizeof texts / sizeof *texts; c++)
        for (size_t l = 0; l < 2; l++) {
            size_t n = strlen(texts[c]);
            rt_frame end, pieces_end;
            char *want = trace_cut(texts[c], n, true, &top, 0, &limits[l], NULL, NULL, &end);
            /* every split alone, then all of them, then every other one */
            uint64_t masks[66];
            for (int b = 0; b < 64; b++)
                masks[b] = 1ull << b;
            masks[64] = ~0ull;
            masks[65] = 0x5555555555555555ull;
            for (size_t m = 0; m < 66; m++) {
                picker p = {masks[m], 0};
                char *got = trace_pieces(texts[c], n, by_mask, &p, &limits[l], NULL, NULL, &right,
                                         &wrong, &pieces_end);
                if (strcmp(got, want))
                    fail_msg("text %zu, limit %zu, mask %zu:\n%s\nwant\n%s", c, l, m, got, want);
                assert_int_equal(pieces_end.line, end.line);
                assert_true(rt_frame_same_place(&pieces_end, &end));
                free(got);
            }
            free(want);
        }
    assert_int_equal(wrong, 0);
    assert_true(right > 100);
}

/* A file a test writes, then cuts as threads do: what one reader hands
   out when the file is read (want) against what the test traces into g
   (got) from the file opened by its path (in), mapped. */
typedef struct file_case {
    char path[32];
    rt_input_opts o;
    char *want, *got;
    size_t gn;
    FILE *g;
    rt_input *in;
} file_case;

/* A new file in /tmp, of a name of its own, open to be written. */
static FILE *case_new(file_case *fc) {
    *fc = (file_case){.path = "/tmp/sigvm_spans_XXXXXX", .o = {.expand = RT_EXPAND_NONE}};
    int fd = mkstemp(fc->path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    return f;
}

/* Once written: the file's reference trace taken, and the file opened. */
static void case_open(file_case *fc) {
    char err[256];
    fc->want = trace_file_read(fc->path, &fc->o);
    fc->g = open_memstream(&fc->got, &fc->gn);
    fc->in = rt_input_open(fc->path, &fc->o, err, sizeof err);
    assert_non_null(fc->in);
}

/* What the test traced is what one reader hands out. */
static void case_end(file_case *fc) {
    rt_input_close(fc->in);
    fclose(fc->g);
    unlink(fc->path);
    assert_true(strlen(fc->want) == fc->gn);
    assert_string_equal(fc->got, fc->want);
    free(fc->want);
    free(fc->got);
}

static void put_n(FILE *f, int c, size_t n) {
    for (size_t i = 0; i < n; i++)
        putc(c, f);
}

/* A file of several megabytes read as replay reads it with threads:
   spans while they can be cut, each from a guess checked against the real
   frame; documents one by one where they cannot. */
static void spans_of_a_file(void **state) {
    (void)state;
    file_case fc;
    FILE *f = case_new(&fc);
    for (int i = 0; i < 30000; i++)
        fprintf(f, "{\"n\":%d,\"pad\":\"%080d\"}\n", i, i);
    /* an array whose elements open lines: the guess is wrong in it */
    fputs("[\n", f);
    for (int i = 0; i < 30000; i++)
        fprintf(f, "{\"e\":%d,\"pad\":\"%080d\"},\n", i, i);
    fputs("{\"e\":\"end\"}]\n", f);
    /* one line longer than a span may be */
    fputs("{\"long\":\"", f);
    put_n(f, 'x', 17u << 20);
    fputs("\"}\n", f);
    for (int i = 0; i < 30000; i++)
        fprintf(f, "{\"m\":%d}\n  \n", i);
    fputs("{\"last\":1}", f);
    fclose(f);
    case_open(&fc);
    rt_input *in = fc.in;
    rt_span sp = {0};
    rt_frame real = top;
    bool placed = true;
    size_t spans = 0, cut_again = 0, docs_after_spans = 0;
    for (;;) {
        rt_frame guess = placed ? rt_input_frame(in) : top;
        if (rt_input_span(in, &sp)) {
            if (placed) real = guess;
            bool right = rt_frame_same_place(&guess, &real);
            rt_frame end;
            char *cut = trace_cut(sp.text, sp.len, sp.last, right ? &guess : &real,
                                  right ? real.line - guess.line : 0, &fc.o, NULL, NULL, &end);
            fputs(cut, fc.g);
            free(cut);
            real = end;
            placed = false;
            spans++;
            cut_again += !right;
            continue;
        }
        if (!placed) {
            rt_input_resume(in, &real);
            placed = true;
        }
        rt_doc d;
        rt_read k = rt_input_next(in, &d);
        if (k == RT_EOF) break;
        docs_after_spans += spans > 0;
        trace_read(fc.g, in, k, &d, 0);
    }
    free(sp.buf);
    case_end(&fc);
    /* Spans of 1 to 2 MB: two before the array, one cut again in it, the
       long line one by one, then the rest. */
    assert_true(spans >= 4);
    assert_true(cut_again > 0 && cut_again < spans);
    assert_true(docs_after_spans > 0);
}

/* The kB of this process's memory that files are mapped into (RssFile). */
static long rss_file_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    assert_non_null(f);
    char line[256];
    long kb = -1;
    while (kb < 0 && fgets(line, sizeof line, f))
        if (sscanf(line, "RssFile: %ld", &kb) != 1) kb = -1;
    fclose(f);
    assert_true(kb >= 0);
    return kb;
}

/* Spans of a file read through its mapping are its text, in place: kept
   aside while the reader reads on through 48 MB, letting go of the pages
   it leaves behind, each still holds what it held when handed out, and
   the process never holds much of the file at once. */
static void spans_kept_while_reading_on(void **state) {
    (void)state;
    file_case fc;
    FILE *f = case_new(&fc);
    enum { LINES = 48 << 10 };
    for (int i = 0; i < LINES; i++)
        fprintf(f, "{\"n\":%d,\"pad\":\"%01000d\"}\n", i, i);
    fclose(f);
    case_open(&fc);
    rt_input *in = fc.in;
    rt_doc first;
    assert_int_equal(rt_input_next(in, &first), RT_DOC); /* spans come after a document */
    trace_read(fc.g, in, RT_DOC, &first, 0);
    long before = rss_file_kb(), most = before;
    rt_span kept[64] = {{0}};
    size_t n = 0;
    unsigned sum = 0;
    for (rt_span sp = {0}; n < 64 && rt_input_span(in, &sp); sp = (rt_span){0}) {
        assert_null(sp.buf);                    /* nothing copied */
        for (size_t i = 0; i < sp.len; i += 64) /* read, as a thread would */
            sum += (unsigned char)sp.text[i];
        kept[n++] = sp;
        long now = rss_file_kb();
        if (now > most) most = now;
    }
    assert_true(sum > 0);
    assert_true(n > 40 && n < 64 && kept[n - 1].last);
    rt_frame at = rt_input_frame(in);
    for (size_t i = 0; i < n; i++) {
        char *cut =
            trace_cut(kept[i].text, kept[i].len, kept[i].last, &at, 0, &fc.o, NULL, NULL, &at);
        fputs(cut, fc.g);
        free(cut);
    }
    case_end(&fc);
    assert_true(most - before < 24 << 10);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cut_alike_anywhere),
        cmocka_unit_test(spans_of_a_file),
        cmocka_unit_test(spans_kept_while_reading_on),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
