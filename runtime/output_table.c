/* output_table.c: matches as aligned columns, for reading on a terminal. */
#include <string.h>

#include "output.h"

rt_column rt_table_column(const char *field) {
    static const struct {
        const char *field;
        rt_column col;
    } known[] = {
        {"event_time", {24, false, false}}, {"level", {8, false, false}},
        {"title", {48, false, false}},      {"rule_id", {36, false, false}},
        {"input", {32, true, false}},       {"record", {8, false, true}},
        {"line", {8, false, true}},
    };
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (!strcmp(field, known[i].field)) return known[i].col;
    return (rt_column){24, false, false};
}

static bool continuation(unsigned char c) {
    return (c & 0xc0) == 0x80;
}

/* Columns a UTF-8 text takes, one per character (wide characters are rare
   in logs and cost only alignment). */
static size_t columns(const char *s, size_t n) {
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        w += !continuation((unsigned char)s[i]);
    return w;
}

/* Byte offset where the last k columns of s begin (from_end), or where
   the first k end. */
static size_t cut_at(const char *s, size_t n, size_t k, bool from_end) {
    size_t i = from_end ? n : 0;
    for (size_t w = 0; w < k && (from_end ? i > 0 : i < n); w++) {
        if (from_end) {
            do
                i--;
            while (i > 0 && continuation((unsigned char)s[i]));
        } else {
            do
                i++;
            while (i < n && continuation((unsigned char)s[i]));
        }
    }
    return i;
}

/* Writes s with control characters as blanks: a line break in a value
   would break the table. */
static void plain(FILE *out, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        putc((unsigned char)s[i] < 0x20 ? ' ' : s[i], out);
}

static void cell(FILE *out, rt_cell c, rt_column col, bool last) {
    size_t w = columns(c.s, c.n), width = (size_t)col.width;
    if (w > width) {
        if (col.keep_end) {
            fputs("…", out);
            size_t at = cut_at(c.s, c.n, width - 1, true);
            plain(out, c.s + at, c.n - at);
        } else {
            plain(out, c.s, cut_at(c.s, c.n, width - 1, false));
            fputs("…", out);
        }
        w = width;
    } else {
        if (col.right) fprintf(out, "%*s", (int)(width - w), "");
        plain(out, c.s, c.n);
    }
    if (!last && !col.right) fprintf(out, "%*s", (int)(width - w), "");
}

void rt_table_row(FILE *out, const rt_cell *cells, const rt_column *cols, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (i) fputs("  ", out);
        cell(out, cells[i], cols[i], i + 1 == n);
    }
    putc('\n', out);
}
