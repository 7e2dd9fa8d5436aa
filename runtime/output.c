/* output.c: match records as JSON Lines (design.md §5), and the fields of a
   match for the CSV and table writers (output_csv.c, output_table.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
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

void rt_write_match(FILE *out, const sv_pack *pack, const sv_exec *x, sv_event *ev, uint32_t rule,
                    const char *input, uint64_t record, uint64_t line, const char *doc,
                    size_t len) {
    const sv_rule *r = sv_pack_rule(pack, rule);
    size_t tlen, llen;
    char *title = sv_render_title(pack, rule, ev, &tlen);
    const char *level = sv_rule_level(pack, rule, sv_exec_result(x, rule), &llen);
    putc('{', out);
    field(out, "rule_id", pack, r->id);
    fputs("\"title\":", out);
    rt_json_string(out, title, tlen);
    fputs(",\"level\":", out);
    rt_json_string(out, level, llen);
    putc(',', out);
    free(title);
    fputs("\"input\":", out);
    rt_json_string(out, input, strlen(input));
    fprintf(out, ",\"record\":%llu,\"line\":%llu", (unsigned long long)record,
            (unsigned long long)line);
    if (doc) {
        /* The scanner validated the document, so it is written as it came. */
        fputs(",\"event\":", out);
        fwrite(doc, 1, len, out);
    }
    fputs("}\n", out);
}

/* ---- --format: JSONL, CSV, table ---- */

typedef enum field_kind {
    F_RULE_ID,
    F_TITLE,
    F_LEVEL,
    F_INPUT,
    F_RECORD,
    F_LINE,
    F_EVENT_TIME,
    F_EVENT /* a path into the event */
} field_kind;

static const struct {
    const char *name;
    field_kind kind;
} match_fields[] = {{"rule_id", F_RULE_ID},      {"title", F_TITLE},   {"level", F_LEVEL},
                    {"input", F_INPUT},          {"record", F_RECORD}, {"line", F_LINE},
                    {"event_time", F_EVENT_TIME}};

static const char *const csv_defaults[] = {"event_time", "rule_id", "title", "level",
                                           "input",      "record",  "line"};
static const char *const table_defaults[] = {"event_time", "level", "title", "input", "record"};

struct rt_output {
    rt_format format;
    bool with_event;
    size_t nfields;
    field_kind *kind;
    uint32_t *slot;  /* F_EVENT: its slot in ev */
    rt_cell *cells;  /* one row */
    size_t *start;   /* where each cell begins in text */
    rt_column *cols; /* table */
    char **names;
    rt_scanner *scan; /* the event paths among the fields */
    sv_event *ev;
    const char *scanned_input; /* the event ev holds: input and record */
    uint64_t scanned_record;
    char *text;
    size_t len, cap;
};

static field_kind kind_of(const char *field) {
    for (size_t i = 0; i < sizeof match_fields / sizeof *match_fields; i++)
        if (!strcmp(field, match_fields[i].name)) return match_fields[i].kind;
    return F_EVENT;
}

rt_output *rt_output_new(rt_format format, const char *const *fields, size_t nfields,
                         bool with_event) {
    rt_output *o = calloc(1, sizeof *o);
    if (!o) abort();
    o->format = format;
    o->with_event = with_event;
    if (!fields) {
        fields = format == RT_FORMAT_TABLE ? table_defaults : csv_defaults;
        nfields = format == RT_FORMAT_TABLE ? sizeof table_defaults / sizeof *table_defaults
                                            : sizeof csv_defaults / sizeof *csv_defaults;
    }
    o->nfields = nfields;
    o->kind = calloc(nfields + 1, sizeof *o->kind);
    o->slot = calloc(nfields + 1, sizeof *o->slot);
    o->cells = calloc(nfields + 1, sizeof *o->cells);
    o->start = calloc(nfields + 1, sizeof *o->start);
    o->cols = calloc(nfields + 1, sizeof *o->cols);
    o->names = calloc(nfields + 1, sizeof *o->names);
    const char **paths = calloc(nfields + 1, sizeof *paths);
    if (!o->kind || !o->slot || !o->cells || !o->start || !o->cols || !o->names || !paths) abort();
    size_t npaths = 0;
    for (size_t i = 0; i < nfields; i++) {
        o->kind[i] = kind_of(fields[i]);
        o->cols[i] = rt_table_column(fields[i]);
        if (!(o->names[i] = strdup(fields[i]))) abort();
        if (o->kind[i] != F_EVENT) continue;
        o->slot[i] = (uint32_t)npaths;
        paths[npaths++] = fields[i];
    }
    if (npaths) {
        o->scan = rt_scanner_new(paths, npaths, false);
        o->ev = sv_event_new(npaths);
    }
    free(paths);
    return o;
}

void rt_output_free(rt_output *o) {
    if (!o) return;
    for (size_t i = 0; i < o->nfields; i++)
        free(o->names[i]);
    free(o->names);
    free(o->kind);
    free(o->slot);
    free(o->cells);
    free(o->start);
    free(o->cols);
    rt_scanner_free(o->scan);
    sv_event_free(o->ev);
    free(o->text);
    free(o);
}

static void put(rt_output *o, const char *s, size_t n) {
    if (o->cap - o->len < n) {
        while (o->cap - o->len < n)
            o->cap = o->cap ? 2 * o->cap : 256;
        o->text = realloc(o->text, o->cap);
        if (!o->text) abort();
    }
    memcpy(o->text + o->len, s, n);
    o->len += n;
}

/* The values of an event path: each whole value found there (not the
   elements of an array found there, which its JSON text shows). */
static void put_event_field(rt_output *o, uint32_t slot) {
    bool first = true;
    for (sv_value *v = sv_event_get(o->ev, slot); v; v = sv_event_next(o->ev, v)) {
        if (v->element || v->type == SV_V_NULL) continue;
        const char *s = v->p;
        size_t n = v->len;
        sv_value_text(o->ev, v, &s, &n);
        if (!first) put(o, ", ", 2);
        put(o, s, n);
        first = false;
    }
}

static void put_field(rt_output *o, size_t i, const rt_match *m) {
    char num[RT_TIME_LEN];
    size_t n;
    const char *s;
    switch (o->kind[i]) {
    case F_RULE_ID:
        s = sv_pack_string(m->pack, sv_pack_rule(m->pack, m->rule)->id, &n);
        put(o, s, n);
        break;
    case F_TITLE: {
        char *title = sv_render_title(m->pack, m->rule, m->ev, &n);
        put(o, title, n);
        free(title);
        break;
    }
    case F_LEVEL:
        s = sv_rule_level(m->pack, m->rule, sv_exec_result(m->x, m->rule), &n);
        put(o, s, n);
        break;
    case F_INPUT: put(o, m->input, strlen(m->input)); break;
    case F_RECORD:
    case F_LINE:
        snprintf(num, sizeof num, "%llu",
                 (unsigned long long)(o->kind[i] == F_RECORD ? m->record : m->line));
        put(o, num, strlen(num));
        break;
    case F_EVENT_TIME:
        if (!m->has_time) break;
        rt_format_time(m->time, num);
        put(o, num, strlen(num));
        break;
    case F_EVENT: put_event_field(o, o->slot[i]); break;
    }
}

/* Points the cells at the text, once it has stopped moving as it grew. */
static void cells_from_text(rt_output *o) {
    for (size_t i = 0; i < o->nfields; i++)
        o->cells[i] = (rt_cell){o->text + o->start[i],
                                (i + 1 < o->nfields ? o->start[i + 1] : o->len) - o->start[i]};
}

/* Fills o->cells for m. Several rules matching one event scan it once. */
static void fill_row(rt_output *o, const rt_match *m) {
    if (o->scan && (o->scanned_input != m->input || o->scanned_record != m->record)) {
        const char *err;
        size_t off;
        if (!rt_scan(o->scan, m->doc, m->len, o->ev, &err, &off)) sv_event_reset(o->ev);
        o->scanned_input = m->input;
        o->scanned_record = m->record;
    }
    o->len = 0;
    for (size_t i = 0; i < o->nfields; i++) {
        o->start[i] = o->len;
        put_field(o, i, m);
    }
    cells_from_text(o);
}

void rt_output_header(rt_output *o, FILE *out) {
    if (o->format == RT_FORMAT_JSONL) return;
    for (size_t i = 0; i < o->nfields; i++)
        o->cells[i] = (rt_cell){o->names[i], strlen(o->names[i])};
    if (o->format == RT_FORMAT_CSV) {
        rt_csv_row(out, o->cells, o->nfields);
        return;
    }
    o->len = 0;
    for (size_t i = 0; i < o->nfields; i++) {
        o->start[i] = o->len;
        for (const char *p = o->names[i]; *p; p++) {
            char up = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
            put(o, &up, 1);
        }
    }
    cells_from_text(o);
    rt_table_row(out, o->cells, o->cols, o->nfields);
}

void rt_output_match(rt_output *o, FILE *out, const rt_match *m) {
    if (o->format == RT_FORMAT_JSONL) {
        rt_write_match(out, m->pack, m->x, m->ev, m->rule, m->input, m->record, m->line,
                       o->with_event ? m->doc : NULL, m->len);
        return;
    }
    fill_row(o, m);
    if (o->format == RT_FORMAT_CSV)
        rt_csv_row(out, o->cells, o->nfields);
    else
        rt_table_row(out, o->cells, o->cols, o->nfields);
}
