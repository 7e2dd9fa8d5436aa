/* output_csv.c: matches as CSV (RFC 4180) for spreadsheets and SIEM imports. */
#include "output.h"

/* Quoted only when it must be: a separator, quote or line break inside, or
   blanks at either end that a reader would trim. */
static bool needs_quotes(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r') return true;
    return n && (s[0] == ' ' || s[n - 1] == ' ');
}

void rt_csv_row(FILE *out, const rt_cell *cells, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const char *s = cells[i].s;
        size_t len = cells[i].n;
        if (i) putc(',', out);
        if (!needs_quotes(s, len)) {
            fwrite(s, 1, len, out);
            continue;
        }
        putc('"', out);
        for (size_t k = 0; k < len; k++) {
            if (s[k] == '"') putc('"', out); /* a quote is written twice */
            putc(s[k], out);
        }
        putc('"', out);
    }
    /* RFC 4180 ends records with CRLF; spreadsheets and csv modules read
       either, and LF keeps the output friendly to grep and diff. */
    putc('\n', out);
}
