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

/* Traces a reader over text[from, to) starting at frame f (lines moved by
   shift); its end frame, lines moved too, goes to *end. */
static void trace_piece(FILE *t, const char *text, size_t from, size_t to, bool last,
                        const rt_frame *f, uint64_t shift, const rt_input_opts *o, rt_frame *end) {
    rt_span sp = {.text = text + from, .len = to - from, .last = last};
    rt_input *in = rt_input_over(&sp, f, o);
    trace_rest(t, in, shift);
    *end = rt_input_frame(in);
    end->line += shift;
    rt_input_close(in);
}

/* One reader over all of text. */
static char *whole(const char *text, const rt_input_opts *o) {
    char *out = NULL;
    size_t n = 0;
    FILE *t = open_memstream(&out, &n);
    rt_frame end;
    trace_piece(t, text, 0, strlen(text), true, &top, 0, o, &end);
    fclose(t);
    return out;
}

/* text cut before every line that opens with '{' and is picked by mask
   (bit k for the k-th such line, counted mod 64). Each piece is cut from
   the frame the last ended in, and also from the top-level guess: when
   rt_frame_same_place says the guess is right, what that cuts must be the
   same. *right counts such pieces. */
static char *pieces(const char *text, uint64_t mask, const rt_input_opts *o, size_t *right) {
    char *out = NULL;
    size_t n = 0, len = strlen(text), from = 0, k = 0;
    FILE *t = open_memstream(&out, &n);
    rt_frame at = top;
    for (size_t i = 1; i <= len; i++) {
        bool split = i < len && text[i - 1] == '\n' && text[i] == '{' && (mask >> (k++ % 64) & 1);
        if (!split && i < len) continue;
        rt_frame end, guessed_end;
        char *real = NULL, *guess = NULL;
        size_t rn = 0, gn = 0;
        FILE *r = open_memstream(&real, &rn), *g = open_memstream(&guess, &gn);
        trace_piece(r, text, from, i, i == len, &at, 0, o, &end);
        trace_piece(g, text, from, i, i == len, &top, at.line - 1, o, &guessed_end);
        fclose(r);
        fclose(g);
        if (rt_frame_same_place(&top, &at)) {
            assert_string_equal(guess, real);
            assert_true(rt_frame_same_place(&guessed_end, &end));
            assert_int_equal(guessed_end.line, end.line);
            ++*right;
        }
        fputs(real, t);
        free(real);
        free(guess);
        at = end;
        from = i;
    }
    fclose(t);
    return out;
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
    size_t right = 0;
    for (size_t c = 0; c < sizeof texts / sizeof *texts; c++)
        for (size_t l = 0; l < 2; l++) {
            char *want = whole(texts[c], &limits[l]);
            /* every split alone, then all of them, then every other one */
            uint64_t masks[66];
            for (int b = 0; b < 64; b++)
                masks[b] = 1ull << b;
            masks[64] = ~0ull;
            masks[65] = 0x5555555555555555ull;
            for (size_t m = 0; m < 66; m++) {
                char *got = pieces(texts[c], masks[m], &limits[l], &right);
                if (strcmp(got, want))
                    fail_msg("text %zu, limit %zu, mask %zx:\n%s\nwant\n%s", c, l, (size_t)m, got,
                             want);
                free(got);
            }
            free(want);
        }
    assert_true(right > 100);
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
    char path[] = "/tmp/sigvm_spans_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
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

    rt_input_opts o = {.expand = RT_EXPAND_NONE};
    char err[256], *want = NULL, *got = NULL;
    size_t wn = 0, gn = 0;
    FILE *w = open_memstream(&want, &wn), *g = open_memstream(&got, &gn);
    rt_input *in = rt_input_open(path, &o, err, sizeof err);
    assert_non_null(in);
    trace_rest(w, in, 0);
    rt_input_close(in);
    fclose(w);

    in = rt_input_open(path, &o, err, sizeof err);
    assert_non_null(in);
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
            size_t from = (size_t)(sp.text - sp.buf);
            trace_piece(g, sp.buf, from, from + sp.len, sp.last, right ? &guess : &real,
                        right ? real.line - guess.line : 0, &o, &end);
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
        trace_read(g, in, k, &d, 0);
    }
    rt_input_close(in);
    free(sp.buf);
    fclose(g);
    unlink(path);
    /* Spans of 1 to 2 MB: two before the array, one cut again in it, the
       long line one by one, then the rest. */
    assert_true(spans >= 4);
    assert_true(cut_again > 0 && cut_again < spans);
    assert_true(docs_after_spans > 0);
    assert_true(wn == gn);
    assert_string_equal(got, want);
    free(want);
    free(got);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cut_alike_anywhere),
        cmocka_unit_test(spans_of_a_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
