/*
 * runtime.h: reading events and writing matches.
 *
 * The one public header of the runtime/ layer: input readers that hand out
 * one JSON document at a time with its position, the one-pass scanner that
 * records into an sv_event only the values at the pack's interned paths, and
 * the writer of match records. This layer knows nothing of rule syntax.
 */
#ifndef SIGVM_RUNTIME_H
#define SIGVM_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vm/vm.h"

/* ---- Scanner ---- */

/* Deepest nesting of objects and arrays a document may have. */
#define RT_MAX_DEPTH 512

typedef struct rt_scanner rt_scanner;

/* Builds the path lookup for a path table: slot i is fed by paths[i], which
   holds one or more dotted paths, one per line (a field mapped onto several
   places). A segment "*" matches any key ("Event.UserData.*.User"), and a
   key with spaces also matches the path without them ("Process Name" is
   ProcessName) when nothing matches it as it is. A path that starts with '~'
   ("~userIdentity.type") matches keys whatever their ASCII case, as Panther
   looks keys up. any says whether every string and number is also recorded
   at SV_ANY_SLOT, for keyword searches: not at all, each as it is scanned,
   or put off (sv_event_defer_any: only those with wide text, the others
   when the pack asks for them). */
typedef enum rt_any { RT_ANY_NONE, RT_ANY_ALL, RT_ANY_DEFERRED } rt_any;
rt_scanner *rt_scanner_new(const char *const *paths, size_t npaths, rt_any any);
/* What a scanner for pack p records for keyword searches. */
rt_any rt_any_of(const sv_pack *p);
void rt_scanner_free(rt_scanner *s);
/* Reads long strings 16 bytes a step even where AVX-512 reads 64, so that
   tests can hold both ways to the same answers. */
void rt_scanner_narrow(rt_scanner *s);

/*
 * Scans one JSON document (an object; other JSON values are rejected),
 * validating all of it and recording values at known paths into ev, which
 * it resets first. Every path crossing an array records each element. A key
 * that itself contains dots matches the same dotted path ({"a.b": 1} is
 * a.b). Returns true on success; on failure *err names the problem and
 * *err_off is its byte offset in doc.
 */
bool rt_scan(rt_scanner *s, const char *doc, size_t len, sv_event *ev, const char **err,
             size_t *err_off);

/* The same for the JSON object that text starts with, on one line: true
   when it is valid and holds no newline, with *used the bytes up to its
   closing brace (whatever follows is not looked at). */
bool rt_scan_object(rt_scanner *s, const char *text, size_t len, sv_event *ev, size_t *used);

/* ---- Inputs ----
 *
 * An input is a file or standard input, plain, gzip or zstd (recognised by
 * content). Its text is cut into event documents, whatever the framing:
 *   - one JSON object after another: NDJSON, or pretty-printed objects;
 *   - a JSON array of events;
 *   - a CloudTrail {"Records":[...]} or Azure {"records":[...]} document
 *     (its first member), whose elements are the events; members after the
 *     list are ignored.
 * Arrays and Records lists are streamed one element at a time, never held
 * whole. A document spread over several lines must indent its inner lines,
 * as pretty-printers do: a line that starts with anything but a blank or a
 * closing bracket ends the document before it, so that one broken line of
 * NDJSON costs one event, not the rest of the file.
 */

/* Largest event document accepted; a larger one is reported and skipped. */
#define RT_MAX_DOC (64u << 20)

typedef struct rt_input rt_input;

typedef enum rt_expand {
    RT_EXPAND_AUTO, /* Azure VNet flow-log records, when the first event is one */
    RT_EXPAND_NONE, /* every document as it is */
    RT_EXPAND_VNET  /* every VNet flow-log record, one event per flow tuple */
} rt_expand;

typedef struct rt_input_opts {
    size_t max_doc; /* 0: RT_MAX_DOC */
    rt_expand expand;
} rt_input_opts;

/* Opens a file, or standard input for "-" (opt may be NULL for defaults).
   NULL with a message on failure. */
rt_input *rt_input_open(const char *path, const rt_input_opts *opt, char *err, size_t errlen);
void rt_input_close(rt_input *in);

typedef struct rt_doc {
    const char *text; /* RT_DOC: the document, valid until the next call */
    size_t len;
    uint64_t line;     /* the line it starts on (1-based) */
    uint64_t element;  /* its place in a top-level array or Records list, 0 outside one */
    uint64_t tuple;    /* its flow tuple in an expanded VNet flow-log record, or 0 */
    const char *error; /* RT_BAD: why it is skipped */
    bool scanned;      /* RT_DOC: scanned already (rt_input_scan_with) */
} rt_doc;

typedef enum rt_read {
    RT_DOC,  /* one event document, to be validated by rt_scan */
    RT_BAD,  /* a document that cannot be an event (doc->error says why) */
    RT_EOF,  /* nothing left */
    RT_ERROR /* the input cannot be read further (rt_input_error); RT_EOF follows */
} rt_read;

rt_read rt_input_next(rt_input *in, rt_doc *doc);
/* From now on, a top-level JSON object that is valid and on one line is
   scanned by s into ev as it is cut (rt_scan_object finds where it ends;
   ev then holds it, and doc->scanned says so): valid NDJSON is followed
   once, not twice. Any other document is cut as before, and not scanned. */
void rt_input_scan_with(rt_input *in, rt_scanner *s, sv_event *ev);
const char *rt_input_error(const rt_input *in);
const char *rt_input_name(const rt_input *in);
/* Bytes taken from the file so far (compressed, if it is) and its size (-1
   when unknown, as for a pipe): what progress and ETA are measured in. */
uint64_t rt_input_offset(const rt_input *in);
int64_t rt_input_size(const rt_input *in);

/* ---- Spans: one input cut by several threads ----
 *
 * Between top-level documents, an input can hand out its text as spans of
 * whole lines, each ending before a line that opens with '{': there every
 * document in progress has ended, whatever the framing, and what a reader
 * needs to know to go on is a frame. Each span is cut by a reader of its
 * own (rt_input_over), in any thread, from the frame the span before it
 * ended in; spans are handed out before that is known, so they are cut
 * from a guess (top level), and a span whose guess proves wrong
 * (rt_frame_same_place) is cut again. The line numbers of a span cut from
 * a guess start at 1; the caller adds where the span really starts.
 */

/* Where a reader is in the framing of its text. */
typedef struct rt_frame {
    uint64_t line; /* of the next byte */
    uint64_t element;
    uint8_t where; /* the reader's own */
    bool in_wrapper, cut_short;
} rt_frame;

typedef struct rt_span {
    char *buf; /* the caller's, holding text; rt_input_span may swap it (see there) */
    size_t cap;
    const char *text;
    size_t len;
    bool last; /* nothing follows the text: its end ends the input */
} rt_span;

/* The reader's frame (not known after rt_input_span until resumed). */
rt_frame rt_input_frame(const rt_input *in);
/*
 * Hands out the next span (at least a megabyte, unless the input ends).
 * The text of a file read through a mapping stays in it, valid until
 * rt_input_close, and sp->buf is left alone; other text was copied into a
 * buffer: sp->buf (a buffer of sp->cap bytes, or NULL) becomes the
 * reader's, and sp->buf and sp->cap then name the buffer that holds
 * sp->text, which the caller owns. False when no span can be cut here:
 * within an array or a Records list, with VNet flow-log records expanded,
 * before the first document, at the end of the input, or when no line
 * opens with '{' in the next 16 MB. After spans, the reader must be told
 * where it is (rt_input_resume) before rt_input_next is called again.
 */
bool rt_input_span(rt_input *in, rt_span *sp);
/* Sets the reader's frame: that of the end of the last span handed out. */
void rt_input_resume(rt_input *in, const rt_frame *f);
/* Whether a and b cut the text after them alike (lines aside). */
bool rt_frame_same_place(const rt_frame *a, const rt_frame *b);
/* A reader of sp->text (which must outlive it) starting at frame from;
   rt_input_frame tells where it ended. */
rt_input *rt_input_over(const rt_span *sp, const rt_frame *from, const rt_input_opts *opt);

/* Every file under a directory, recursively, in name order (byte-wise, so
   the same on every machine): those whose path relative to dir matches an
   include glob (all when there is none) and no exclude glob. A glob without
   '/' is matched against the name alone; an excluded directory is not
   entered. fn gets each file's path with error NULL, and each directory
   that cannot be read with the reason; returning false stops the walk,
   and rt_walk then returns false. */
bool rt_walk(const char *dir, const char *const *include, size_t ninclude,
             const char *const *exclude, size_t nexclude,
             bool (*fn)(const char *path, const char *error, void *arg), void *arg);

/* ---- Event times ---- */

/* Where events keep their time, most trusted first: the first of these
   paths holding a timestamp (ISO-8601, or epoch seconds or milliseconds)
   is the event's time. */
extern const char *const rt_time_paths[];
extern const size_t rt_time_path_count;

/* The event's time from slots first .. first + rt_time_path_count - 1,
   filled from rt_time_paths. */
bool rt_event_time(sv_event *ev, uint32_t first, int64_t *ms);

/* ISO-8601 UTC with milliseconds: "2022-09-14T09:00:03.599Z". */
#define RT_TIME_LEN 32
void rt_format_time(int64_t ms, char out[RT_TIME_LEN]);

/* ---- Output ---- */

/* Writes a JSON string literal (quotes and escapes) for s. */
void rt_json_string(FILE *out, const char *s, size_t n);

/* One match record (JSONL): rule_id, title (rendered from the rule's alert
   title template with ev's values, if it has one), level (its dynamic
   severity, if one held for x's last run), input, record, line, event (the
   document verbatim; left out when doc is NULL). */
void rt_write_match(FILE *out, const sv_pack *pack, const sv_exec *x, sv_event *ev, uint32_t rule,
                    const char *input, uint64_t record, uint64_t line, const char *doc, size_t len);

/* Writers of matches for `sigvm run --format`. CSV and the table show
   fields: a match field (rule_id, title, level, input, record, line,
   event_time) or else a dotted path into the event, whose value is its
   text (strings unescaped, objects and arrays as JSON; several values, as
   found through arrays, joined with ", "). */
typedef enum rt_format { RT_FORMAT_JSONL, RT_FORMAT_CSV, RT_FORMAT_TABLE } rt_format;

/* One match, as the writers see it. */
typedef struct rt_match {
    const sv_pack *pack;
    const sv_exec *x; /* that ran the rules, for the dynamic level */
    sv_event *ev;     /* as scanned for them, for the title template */
    uint32_t rule;
    const char *input;
    uint64_t record, line;
    const char *doc; /* the event */
    size_t len;
    bool has_time; /* the event's time was found (rt_event_time) */
    int64_t time;
} rt_match;

typedef struct rt_output rt_output;

/* fields NULL: the format's defaults. with_event: JSONL records carry the
   event (--no-event turns it off). Not shared between threads. */
rt_output *rt_output_new(rt_format format, const char *const *fields, size_t nfields,
                         bool with_event);
void rt_output_free(rt_output *o);
/* The CSV header row or the table's column titles; nothing for JSONL. */
void rt_output_header(rt_output *o, FILE *out);
void rt_output_match(rt_output *o, FILE *out, const rt_match *m);

#endif
