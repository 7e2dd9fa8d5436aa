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
   ProcessName) when nothing matches it as it is. want_any asks for every
   scalar value to be recorded at SV_ANY_SLOT as well, for keyword searches. */
rt_scanner *rt_scanner_new(const char *const *paths, size_t npaths, bool want_any);
void rt_scanner_free(rt_scanner *s);

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

/* ---- Inputs ---- */

/* Longest line accepted; a longer one is reported and skipped. */
#define RT_MAX_LINE (64u << 20)

typedef struct rt_input rt_input;

/* Opens a file, or standard input for "-". NULL with a message on failure. */
rt_input *rt_input_open(const char *path, char *err, size_t errlen);
void rt_input_close(rt_input *in);

typedef enum rt_read {
    RT_LINE,     /* *line / *len hold one non-blank line (without newline) */
    RT_EOF,      /* nothing left */
    RT_TOO_LONG, /* a line over RT_MAX_LINE was skipped; *lineno says where */
    RT_ERROR     /* read error; rt_input_error() says what */
} rt_read;

rt_read rt_input_next(rt_input *in, const char **line, size_t *len, uint64_t *lineno);
const char *rt_input_error(const rt_input *in);
const char *rt_input_name(const rt_input *in);

/* ---- Output ---- */

/* Writes a JSON string literal (quotes and escapes) for s. */
void rt_json_string(FILE *out, const char *s, size_t n);

/* One match record (JSONL): rule_id, title, level, input, record, line,
   event (the document verbatim). */
void rt_write_match(FILE *out, const sv_pack *pack, uint32_t rule, const char *input,
                    uint64_t record, uint64_t line, const char *doc, size_t len);

#endif
