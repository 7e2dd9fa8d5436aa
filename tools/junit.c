/* junit.c: test results as JUnit XML: <testsuites> holding one <testsuite>
   per rule file, one <testcase> per test, a <failure> in each that failed.
   Text is escaped for XML 1.0, which cannot hold most control characters
   nor malformed UTF-8: those become '?'. */
#include <stdio.h>
#include <string.h>

#include "junit.h"

/* Length of the well-formed UTF-8 sequence at s (n > 0 bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n) {
    size_t len = s[0] < 0x80             ? 1
                 : (s[0] & 0xe0) == 0xc0 ? 2
                 : (s[0] & 0xf0) == 0xe0 ? 3
                 : (s[0] & 0xf8) == 0xf0 ? 4
                                         : 0;
    if (len == 0 || len > n || (len == 2 && s[0] < 0xc2)) return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    /* Overlong forms, surrogates, beyond U+10FFFF, and U+FFFE / U+FFFF,
       which XML does not allow either. */
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
        (s[0] == 0xf0 && s[1] < 0x90) || s[0] > 0xf4 || (s[0] == 0xf4 && s[1] >= 0x90) ||
        (s[0] == 0xef && s[1] == 0xbf && s[2] >= 0xbe))
        return 0;
    return len;
}

static void escaped(FILE *f, const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_len(p + i, n - i);
        unsigned char c = p[i];
        if (len == 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r'))
            fputc('?', f);
        else if (c == '&')
            fputs("&amp;", f);
        else if (c == '<')
            fputs("&lt;", f);
        else if (c == '>')
            fputs("&gt;", f);
        else if (c == '"')
            fputs("&quot;", f);
        else
            fwrite(p + i, 1, len, f);
        i += len ? len : 1;
    }
}

static void attr(FILE *f, const char *name, const char *value) {
    fprintf(f, " %s=\"", name);
    escaped(f, value, strlen(value));
    fputc('"', f);
}

static size_t failures(const test_case *c, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += c[i].failure != NULL;
    return k;
}

static void write_case(FILE *f, const test_case *c) {
    fputs("    <testcase", f);
    attr(f, "classname", c->rule);
    attr(f, "name", c->name);
    attr(f, "file", c->suite);
    if (!c->failure) {
        fputs("/>\n", f);
        return;
    }
    const char *message = c->failure + strspn(c->failure, " "); /* its first line */
    fputs(">\n      <failure message=\"", f);
    escaped(f, message, strcspn(message, "\n"));
    fputs("\">", f);
    escaped(f, c->failure, strlen(c->failure));
    fputs("</failure>\n    </testcase>\n", f);
}

bool junit_write(const char *path, const test_case *cases, size_t n) {
    FILE *f = fopen(path, "w");
    if (!f) return false;
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f, "<testsuites name=\"sigvm test\" tests=\"%zu\" failures=\"%zu\">\n", n,
            failures(cases, n));
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i; j < n && !strcmp(cases[j].suite, cases[i].suite);)
            j++;
        fputs("  <testsuite", f);
        attr(f, "name", cases[i].suite);
        fprintf(f, " tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n", j - i,
                failures(cases + i, j - i));
        for (size_t k = i; k < j; k++)
            write_case(f, &cases[k]);
        fputs("  </testsuite>\n", f);
    }
    fputs("</testsuites>\n", f);
    bool ok = !ferror(f);
    return fclose(f) == 0 && ok;
}
