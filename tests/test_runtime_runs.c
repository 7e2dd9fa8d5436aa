/* test_runtime_runs.c: the portable (eight bytes at a time) code of runs.h
   against byte loops: string skipping, the masks of 64-byte blocks, which
   bytes of a block lie inside strings, and comparing keys. test_runtime_runs_sse2.c runs
   the same tests on the SSE2 code. */
#ifndef RUNS_KEEP_SSE2
#undef __SSE2__
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/runs.h"

static bool string_stop_byte(char c) {
    return c == '"' || c == '\\' || (unsigned char)c < 0x20 || (unsigned char)c >= 0x80;
}

static const char *naive_string_stop(const char *p, const char *end) {
    while (p < end && !string_stop_byte(*p))
        p++;
    return p;
}

static const char *naive_line_stop(const char *p, const char *end) {
    while (p < end && *p != '"' && *p != '\\' && *p != '\n')
        p++;
    return p;
}

/* Every byte value at every position of a 40-byte run of plain text, from
   every start. */
static void every_byte_everywhere(void **state) {
    (void)state;
    char text[40];
    for (int b = 0; b < 256; b++)
        for (size_t at = 0; at < sizeof text; at++) {
            memset(text, 'a', sizeof text);
            text[at] = (char)b;
            for (size_t from = 0; from <= sizeof text; from++) {
                const char *end = text + sizeof text;
                assert_ptr_equal(rt_string_stop(text + from, end),
                                 naive_string_stop(text + from, end));
                assert_ptr_equal(rt_line_string_stop(text + from, end),
                                 naive_line_stop(text + from, end));
                if (sizeof text - from < 16) continue;
                unsigned want = 0;
                for (unsigned i = 0; i < 16; i++)
                    want |= (unsigned)string_stop_byte(text[from + i]) << i;
                assert_int_equal(rt_string_stops(text + from), want);
            }
        }
}

/* Every byte value at every position of a block (and two at once, so that
   a hit does not hide the next byte's). */
static void block_masks(void **state) {
    (void)state;
    char block[64];
    for (int b = 0; b < 256; b++)
        for (size_t at = 0; at < sizeof block; at++) {
            memset(block, 'a', sizeof block);
            block[at] = (char)b;
            block[(at + 1) % sizeof block] = (char)(b ^ 0x20);
            uint64_t quote = 0, backslash = 0, special = 0;
            for (unsigned i = 0; i < 64; i++) {
                char c = block[i];
                quote |= (uint64_t)(c == '"') << i;
                backslash |= (uint64_t)(c == '\\') << i;
                special |= (uint64_t)(c == '{' || c == '[' || c == '}' || c == ']' || c == '\n')
                           << i;
            }
            rt_block m = rt_block_at(block);
            assert_true(m.quote == quote);
            assert_true(m.backslash == backslash);
            assert_true(m.special == special);
        }
}

/* The byte-by-byte rule: a quote opens a string, and inside one a
   backslash escapes the byte after it and a quote closes it. Bit i of the
   answer: whether byte i leaves the text inside a string. */
static uint64_t naive_strings(const char *p, bool *in_string, bool *escape, bool *stray) {
    uint64_t inside = 0;
    for (unsigned i = 0; i < 64; i++) {
        char c = p[i];
        if (!*in_string) {
            *in_string = c == '"';
            *stray |= c == '\\';
        } else if (*escape) {
            *escape = false;
        } else if (c == '\\') {
            *escape = true;
        } else if (c == '"') {
            *in_string = false;
        }
        inside |= (uint64_t)*in_string << i;
    }
    return inside;
}

static uint64_t seed = 0x9e3779b97f4a7c15ull;

static char pick(const char *from) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return from[(seed >> 33) % strlen(from)];
}

/* Text outside strings, then a string of plain bytes and escapes (of
   quotes, backslashes, anything), and again; with stray set, backslashes
   outside strings too. */
static void fill(char *text, size_t n, bool stray) {
    size_t i = 0;
    while (i < n) {
        while (i < n && pick("aa[}\n\"") != '"')
            text[i++] = stray && pick("ab\\") == '\\' ? '\\' : pick("a[}\n ");
        if (i < n) text[i++] = '"';
        for (char c; i < n && (c = pick("aaa\\\\\"")) != '"';) {
            text[i++] = c;
            if (c == '\\' && i < n) text[i++] = pick("\\\"a\n");
        }
        if (i < n) text[i++] = '"';
    }
}

/* Blocks cut anywhere from such text, the state carried from one to the
   next. */
static void block_strings(void **state) {
    (void)state;
    int exact = 0, refused = 0;
    for (int round = 0; round < 20000; round++) {
        char text[4 * 64];
        fill(text, sizeof text, round % 2);
        bool in_string = false, escape = false;
        for (size_t b = 0; b < sizeof text; b += 64) {
            bool want_in = in_string, want_escape = escape, stray = false;
            uint64_t want = naive_strings(text + b, &want_in, &want_escape, &stray);
            rt_block m = rt_block_at(text + b);
            uint64_t inside = 0;
            if (rt_block_strings(&m, &in_string, &escape, &inside)) {
                assert_false(stray);
                assert_true(inside == want);
                assert_int_equal(in_string, want_in);
                assert_int_equal(escape, want_escape);
                exact++;
            } else {
                assert_true(stray);
                in_string = want_in;
                escape = want_escape;
                refused++;
            }
        }
    }
    assert_true(exact > 20000 && refused > 20000);
}

/* Texts of every length up to 40 equal, and differing in one byte at
   each position by each bit: exact-size copies, so that a read past
   either is a sanitizer report. */
static void same_bytes(void **state) {
    (void)state;
    for (size_t n = 0; n <= 40; n++) {
        char *a = malloc(n ? n : 1), *b = malloc(n ? n : 1);
        assert_non_null(a);
        assert_non_null(b);
        for (size_t i = 0; i < n; i++)
            a[i] = b[i] = (char)('a' + i % 26);
        if (!rt_same_bytes(a, b, n)) fail_msg("length %zu: equal texts differ", n);
        for (size_t at = 0; at < n; at++)
            for (int bit = 0; bit < 8; bit++) {
                b[at] ^= (char)(1 << bit);
                if (rt_same_bytes(a, b, n))
                    fail_msg("length %zu: a difference at %zu (bit %d) unseen", n, at, bit);
                b[at] ^= (char)(1 << bit);
            }
        free(a);
        free(b);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_byte_everywhere),
        cmocka_unit_test(block_masks),
        cmocka_unit_test(block_strings),
        cmocka_unit_test(same_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
