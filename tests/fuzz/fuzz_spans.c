/* fuzz_spans.c: the reader's spans. Any text cut into spans before lines
   that open with '{', each span cut from the frame the one before ended
   in, hands out what one reader over the whole text hands out; a span cut
   from the top-level guess does too whenever rt_frame_same_place says the
   guess is right. The spans' readers scan objects on one line as they
   cut them (rt_input_scan_with), the whole text's does not: that must not
   change what is handed out. Input: a byte choosing the size limit, a
   byte seeding which lines split, then the text. */
#include "fuzz.h"
#include "reader_trace.h"

/* Picks lines at random, by a seed from the input. */
static bool pick(void *arg) {
    uint32_t *x = arg;
    *x ^= *x << 13, *x ^= *x >> 17, *x ^= *x << 5;
    return *x & 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static rt_scanner *scanner;
    static sv_event *ev;
    if (!scanner) {
        const char *paths[] = {"a", "b.c"};
        scanner = rt_scanner_new(paths, 2, true);
        ev = sv_event_new(2);
    }
    if (size < 2) return 0;
    rt_input_opts o = {.max_doc = data[0] ? 8 + data[0] : 0};
    uint32_t seed = data[1] * 2654435761u | 1;
    const char *text = (const char *)data + 2;
    size_t n = size - 2, right = 0, wrong = 0;
    const rt_frame top = {.line = 1};
    rt_frame end, pieces_end;
    char *want = trace_cut(text, n, true, &top, 0, &o, NULL, NULL, &end);
    char *got = trace_pieces(text, n, pick, &seed, &o, scanner, ev, &right, &wrong, &pieces_end);
    FUZZ_CHECK(wrong == 0);
    FUZZ_CHECK(strcmp(got, want) == 0);
    FUZZ_CHECK(pieces_end.line == end.line && rt_frame_same_place(&pieces_end, &end));
    free(got);
    free(want);
    return 0;
}
