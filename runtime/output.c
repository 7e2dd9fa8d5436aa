/* output.c: match records as JSON Lines (design.md §5). */
#include <stdio.h>
#include <string.h>

#include "runtime.h"

void rt_json_string(FILE *out, const char *s, size_t n) {
    putc('"', out);
    size_t run = 0; /* bytes that need no escape are written in one go */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        fwrite(s + run, 1, i - run, out);
        run = i + 1;
        switch (c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default: fprintf(out, "\\u%04x", c);
        }
    }
    fwrite(s + run, 1, n - run, out);
    putc('"', out);
}

static void field(FILE *out, const char *name, const sv_pack *pack, uint32_t k) {
    size_t n;
    const char *s = sv_pack_string(pack, k, &n);
    fprintf(out, "\"%s\":", name);
    rt_json_string(out, s, n);
    putc(',', out);
}

void rt_write_match(FILE *out, const sv_pack *pack, uint32_t rule, const char *input,
                    uint64_t record, uint64_t line, const char *doc, size_t len) {
    const sv_rule *r = sv_pack_rule(pack, rule);
    putc('{', out);
    field(out, "rule_id", pack, r->id);
    field(out, "title", pack, r->title);
    field(out, "level", pack, r->level);
    fputs("\"input\":", out);
    rt_json_string(out, input, strlen(input));
    fprintf(out, ",\"record\":%llu,\"line\":%llu,\"event\":", (unsigned long long)record,
            (unsigned long long)line);
    /* The scanner validated the document, so it is written as it came. */
    fwrite(doc, 1, len, out);
    fputs("}\n", out);
}
