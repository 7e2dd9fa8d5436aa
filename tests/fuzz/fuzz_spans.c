/* fuzz_spans.c: the reader's spans. Any text cut into spans before lines
   that open with '{', each span cut from the frame the one before ended
   in, hands out what one reader over the whole text hands out; a span cut
   from the top-level guess does too whenever rt_frame_same_place says the
   guess is right. The spans' readers scan lines of one object whole
   (rt_input_scan_with), the whole text's does not: that too must not
   change what is handed out. Input: a byte choosing the size limit, a
   byte seeding which lines split, then the text. */
#include "fuzz.h"
#include "reader_trace.h"

static const rt_frame top = {.line = 1};

/* What a reader over text[0, n) from frame f hands out, lines moved by
   shift; its end frame (lines moved too) in *end. */
static char *cut(const char *text, size_t n, bool last, const rt_frame *f, uint64_t shift,
                 const rt_input_opts *o, bool scan_lines, rt_frame *end) {
    static rt_scanner *scanner;
    static sv_event *ev;
    if (!scanner) {
        const char *paths[] = {"a", "b.c"};
        scanner = rt_scanner_new(paths, 2, true);
        ev = sv_event_new(2);
    }
    char *out = NULL;
    size_t len = 0;
    FILE *t = open_memstream(&out, &len);
    FUZZ_CHECK(t);
    rt_span sp = {.text = text, .len = n, .last = last};
    rt_input *in = rt_input_over(&sp, f, o);
    if (scan_lines) rt_input_scan_with(in, scanner, ev);
    trace_rest(t, in, shift);
    *end = rt_input_frame(in);
    end->line += shift;
    rt_input_close(in);
    fclose(t);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    rt_input_opts o = {.max_doc = data[0] ? 8 + data[0] : 0};
    uint32_t pick = data[1] * 2654435761u | 1;
    const char *text = (const char *)data + 2;
    size_t n = size - 2;
    rt_frame end;
    char *want = cut(text, n, true, &top, 0, &o, false, &end);

    char *got = NULL;
    size_t got_len = 0;
    FILE *g = open_memstream(&got, &got_len);
    FUZZ_CHECK(g);
    rt_frame at = top;
    size_t from = 0;
    for (size_t i = 1; i <= n; i++) {
        bool line_start = i < n && text[i - 1] == '\n' && text[i] == '{';
        if (line_start) pick ^= pick << 13, pick ^= pick >> 17, pick ^= pick << 5;
        if (i < n && !(line_start && pick & 1)) continue;
        rt_frame real_end, guess_end;
        char *real = cut(text + from, i - from, i == n, &at, 0, &o, true, &real_end);
        char *guess = cut(text + from, i - from, i == n, &top, at.line - 1, &o, true, &guess_end);
        if (rt_frame_same_place(&top, &at)) {
            FUZZ_CHECK(strcmp(real, guess) == 0);
            FUZZ_CHECK(rt_frame_same_place(&guess_end, &real_end));
            FUZZ_CHECK(guess_end.line == real_end.line);
        }
        fputs(real, g);
        free(real);
        free(guess);
        at = real_end;
        from = i;
    }
    fclose(g);
    FUZZ_CHECK(strcmp(got, want) == 0);
    FUZZ_CHECK(at.line == end.line && rt_frame_same_place(&at, &end));
    free(got);
    free(want);
    return 0;
}
