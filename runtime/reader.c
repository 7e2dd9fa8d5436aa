/*
 * reader.c: cutting an input's text into event documents (runtime.h says
 * which framings). The reader only follows brackets and strings to find
 * where a document ends; rt_scan validates it afterwards, so every problem
 * inside a document is named in one place. Containers, nearly all of the
 * text, are followed 64 bytes at a time (runs.h marks where strings, quotes
 * and brackets are): only brackets outside strings and newlines are then
 * looked at one by one.
 *
 * Framing is found as the text goes, never from flags: at the top level a
 * '[' opens a stream of elements, a '{' whose first member is "Records" or
 * "records" holding a list opens a stream of that list's elements, any
 * other '{' is one document, and anything else is a bad document that runs
 * to the end of its line. The text is read in chunks; a document is kept
 * in the buffer only from its start, so a Records file of any size takes
 * the memory of its largest event. An uncompressed file is mapped instead
 * (input.c): then the chunks only say how far the text may be looked at,
 * and nothing is copied, neither into the buffer nor into spans.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"
#include "runs.h"
#include "source.h"
#include "vnetflow.h"

/* Text is read this much at a time by one thread: read in small pieces,
   it is still in the cache when it is scanned (a fifth of the OTRF file
   took 5% less time than in pieces of 1 MB). Spans, which threads share,
   are read a megabyte at a time: a span of 128 KB costs two threads more
   in handing it over than it saves. A mapped file, never copied, is
   revealed a megabyte at a time too (fewer calls to map it in: the OTRF
   file on one core 2.03 -> 1.99 s). */
enum { CHUNK = 1 << 17, SPAN_CHUNK = 1 << 20 };
/* How far a '{' is followed to see whether a Records list opens it. */
enum { WRAPPER_LOOKAHEAD = 4096 };
/* Text that was not copied (a mapped file, and spans of it) is asked for
   this far ahead of each document: it comes from memory, not from the
   cache a copy would have left it in, and the hardware prefetcher stops at
   each page's end (two threads on the OTRF file, best of three: copied
   1.26 s, mapped 1.28 s, mapped with this 1.19 s). Where the machine has
   AVX-512, scan.c asks for long strings' text further ahead, step by step,
   which does more; without it (that loop switched off), this still takes
   one core from 550 to 522 ms of user time on a fifth of the file. */
enum { PREFETCH_AHEAD = 8192 };

typedef enum where {
    TOP,          /* between top-level documents */
    FIRST_ELEM,   /* just inside '[': an element or ']' */
    NEXT_ELEM,    /* after an element: ',' or ']' */
    ELEM,         /* after ',': an element */
    WRAPPER_TAIL, /* after the Records list: '}' or further members */
} where;

typedef enum kind {
    CONTAINER, /* '{' or '[': ends where its brackets balance */
    STRING,    /* an element that is a string */
    ELEM_WORD, /* another element: ends at ',', ']', '}' or a blank */
    LINE,      /* a top-level document that is no container: ends with its line */
    MEMBERS    /* the members after a Records list: skipped to the closing '}' */
} kind;

/* The document being cut, resumable across reads. */
typedef struct cut {
    kind kind;
    size_t start;   /* offset in buf */
    uint64_t line;  /* where it starts */
    size_t depth;   /* open brackets */
    bool in_string; /* inside a string of a container */
    bool escape;    /* after a backslash in a string */
    bool skipping;  /* over the size limit (reported), or members after a
                       Records list: followed, its bytes dropped */
    bool active;
    uint64_t element;
} cut;

struct rt_input {
    char *name;
    rt_source *src;   /* NULL for a reader over a span's text */
    bool mapped;      /* buf is the source's whole text, mapped: more() only reveals it */
    size_t fetched;   /* text before this was prefetched (PREFETCH_AHEAD) */
    bool open_end;    /* over a span that another follows: its end ends the line */
    bool unplaced;    /* spans were handed out: where the text is, is not known here */
    rt_scanner *scan; /* scans objects on one line as they are cut (rt_input_scan_with) */
    sv_event *ev;
    size_t max_doc;
    int expanding; /* -1 not decided yet (auto: from the first document), 0 no, 1 yes */
    char *buf;
    size_t cap, end; /* text is buf[0, end) */
    size_t chunk;    /* read at a time: CHUNK, SPAN_CHUNK once spans are cut */
    size_t pos;      /* next byte to look at */
    uint64_t line;   /* line of buf[pos] */
    bool at_start;   /* nothing read yet: a byte-order mark may come */
    bool src_done;   /* the source has nothing more (or failed) */
    bool failed;     /* ... it failed, and that is still to be reported */
    where where;
    bool in_wrapper; /* the element stream is a Records list */
    uint64_t element;
    cut cut;
    bool cut_short;    /* the last document was ended by the line rule */
    rt_vnet_events vx; /* events expanded from one flow-log record */
    size_t vx_next;
    uint64_t vx_line, vx_element;
    char err[320];
};

rt_input *rt_input_open(const char *path, const rt_input_opts *opt, char *err, size_t errlen) {
    rt_source *src = rt_source_open(path, err, errlen);
    if (!src) return NULL;
    rt_input *in = calloc(1, sizeof *in);
    if (!in) abort();
    in->name = strdup(path);
    in->src = src;
    in->max_doc = opt && opt->max_doc ? opt->max_doc : RT_MAX_DOC;
    rt_expand expand = opt ? opt->expand : RT_EXPAND_AUTO;
    in->expanding = expand == RT_EXPAND_AUTO ? -1 : expand == RT_EXPAND_VNET;
    in->chunk = CHUNK;
    size_t len;
    const char *text = rt_source_map(src, &len);
    in->mapped = text != NULL;
    if (in->mapped) in->chunk = SPAN_CHUNK;
    in->cap = in->mapped ? len : 2 * in->chunk;
    in->buf = in->mapped ? (char *)text : malloc(in->cap);
    if (!in->name || !in->buf) abort();
    in->line = 1;
    in->at_start = true;
    return in;
}

void rt_input_close(rt_input *in) {
    if (!in) return;
    rt_vnet_events_free(&in->vx);
    if (in->src && !in->mapped) free(in->buf); /* a span's text is its owner's */
    rt_source_close(in->src);
    free(in->name);
    free(in);
}

const char *rt_input_error(const rt_input *in) {
    return in->err;
}

const char *rt_input_name(const rt_input *in) {
    return in->name;
}

uint64_t rt_input_offset(const rt_input *in) {
    return rt_source_offset(in->src);
}

int64_t rt_input_size(const rt_input *in) {
    return rt_source_size(in->src);
}

/* Reads another chunk. Bytes before the document being cut (or before pos)
   are dropped first. False when the source has nothing more. */
static bool more(rt_input *in) {
    if (in->src_done) return false;
    bool keep_cut = in->cut.active && !in->cut.skipping;
    size_t keep = keep_cut ? in->cut.start : in->pos;
    if (in->mapped) {
        /* Revealed in the steps it would be read in, so that progress moves
           and the text left behind leaves the process in time. */
        in->end += in->cap - in->end < in->chunk ? in->cap - in->end : in->chunk;
        rt_source_map_move(in->src, keep, in->end);
        in->src_done = in->end == in->cap;
        return true;
    }
    if (keep > 0) {
        memmove(in->buf, in->buf + keep, in->end - keep);
        in->end -= keep;
        in->pos -= keep;
        if (keep_cut) in->cut.start = 0;
    }
    if (in->cap - in->end < in->chunk) {
        in->cap = in->end + 2 * in->chunk;
        in->buf = realloc(in->buf, in->cap);
        if (!in->buf) abort();
    }
    ssize_t got = rt_source_read(in->src, in->buf + in->end, in->cap - in->end);
    if (got > 0) {
        in->end += (size_t)got;
        return true;
    }
    in->src_done = true;
    if (got < 0) {
        in->failed = true;
        snprintf(in->err, sizeof in->err, "%s", rt_source_error(in->src));
    }
    return false;
}

static bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool ends_word(char c) {
    return c == ',' || c == ']' || c == '}' || is_blank(c);
}

/* Skips blanks (and a leading byte-order mark); false at the end of text. */
static bool skip_blanks(rt_input *in) {
    for (;;) {
        if (in->at_start && in->end - in->pos < 3 && more(in)) continue;
        if (in->at_start && in->end - in->pos >= 3 && !memcmp(in->buf + in->pos, "\xef\xbb\xbf", 3))
            in->pos += 3;
        in->at_start = false;
        while (in->pos < in->end && is_blank(in->buf[in->pos]))
            in->line += in->buf[in->pos++] == '\n';
        if (in->pos < in->end) return true;
        if (!more(in)) return false;
    }
}

/* Whether the '{' at pos opens {"Records": [ or {"records": [ (blanks
   allowed); if so, pos moves past the '['. */
static bool opens_records(rt_input *in) {
    static const char *const keys[] = {"\"Records\"", "\"records\""};
    for (;;) {
        const char *b = in->buf, *end = b + in->end, *p = b + in->pos + 1;
        bool short_text = false, yes = false;
        for (const char *const *k = keys; k < keys + 2 && !yes && !short_text; k++) {
            const char *q = p;
            const char *steps[] = {*k, ":", "["};
            size_t s = 0;
            for (; s < 3; s++) {
                while (q < end && is_blank(*q))
                    q++;
                size_t n = strlen(steps[s]);
                if ((size_t)(end - q) < n) {
                    short_text = (size_t)(end - q) == 0 || !memcmp(q, steps[s], (size_t)(end - q));
                    break;
                }
                if (memcmp(q, steps[s], n)) break;
                q += n;
            }
            if (s == 3) {
                for (const char *c = b + in->pos; c < q; c++)
                    in->line += *c == '\n';
                in->pos = (size_t)(q - b);
                yes = true;
            }
        }
        if (yes) return true;
        if (!short_text || in->end - in->pos > WRAPPER_LOOKAHEAD || !more(in)) return false;
    }
}

static void start_cut(rt_input *in, kind k) {
    in->cut_short = false;
    in->cut = (cut){.kind = k,
                    .start = in->pos,
                    .line = in->line,
                    .element = in->element,
                    .active = true,
                    .skipping = k == MEMBERS,
                    .depth = k == MEMBERS};
    /* The first byte is the document's whatever it is: a word element that
       starts with a delimiter still takes one byte, so the reader moves on. */
    if (k != CONTAINER && k != STRING) in->pos++;
}

/* The bytes a container's brackets are followed by, outside its strings. */
static const bool structural[256] = {
    ['"'] = 1, ['{'] = 1, ['['] = 1, ['}'] = 1, [']'] = 1, ['\n'] = 1};

/* Whether the text goes on after the newline at pos as a document spread
   over lines does: with a blank or a closing bracket. Reads ahead if it
   must (which may move the text: positions are offsets). */
static bool continues(rt_input *in) {
    while (in->pos + 1 >= in->end)
        if (!more(in)) return !in->open_end; /* the end of the input ends the document anyway */
    char c = in->buf[in->pos + 1];
    return is_blank(c) || c == '}' || c == ']';
}

/* Where following a container (or a string element) stopped. */
typedef enum halt {
    RAN_OUT, /* at the end it was given, the cut's state that of the bytes before */
    CLOSED,  /* at its closing bracket (or quote) */
    CUT,     /* at a newline inside a string: the line was cut short */
    NEWLINE, /* at a newline outside strings: the document may go on */
} halt;

/* Byte by byte from *at to stop; *at is then where it stopped. */
static halt container_bytes(cut *c, const char *b, size_t *at, size_t stop) {
    for (size_t i = *at; i < stop; i++) {
        if (c->in_string) {
            if (!c->escape) i = (size_t)(rt_line_string_stop(b + i, b + stop) - b);
            if (i == stop) break;
            char ch = b[i];
            *at = i;
            if (ch == '\n') return CUT;
            if (c->escape) {
                c->escape = false;
            } else if (ch == '\\') {
                c->escape = true;
            } else if (ch == '"') {
                c->in_string = false;
                if (c->kind == STRING) return CLOSED;
            }
            continue;
        }
        while (i < stop && !structural[(unsigned char)b[i]])
            i++;
        if (i == stop) break;
        char ch = b[i];
        *at = i;
        if (ch == '"') {
            c->in_string = true;
        } else if (ch == '{' || ch == '[') {
            c->depth++;
        } else if (ch == '}' || ch == ']') {
            if (c->depth > 0 && --c->depth == 0) return CLOSED;
        } else {
            return NEWLINE;
        }
    }
    *at = stop;
    return RAN_OUT;
}

/* The same 64 bytes at a time while whole blocks remain: only brackets
   outside strings and newlines are looked at one by one. A block with a
   backslash outside strings (no JSON has one) goes byte by byte, as the
   block rule would take it for an escape. */
static halt container(cut *c, const char *b, size_t *at, size_t stop) {
    size_t i = *at;
    for (; stop - i >= 64; i += 64) {
        rt_block m = rt_block_at(b + i);
        bool in_string = c->in_string, escape = c->escape;
        uint64_t inside;
        if (!rt_block_strings(&m, &in_string, &escape, &inside)) {
            *at = i;
            halt h = container_bytes(c, b, at, i + 64);
            if (h != RAN_OUT) return h;
            continue;
        }
        for (uint64_t s = m.special; s; s &= s - 1) {
            unsigned k = (unsigned)__builtin_ctzll(s);
            char ch = b[i + k];
            *at = i + k;
            if (inside >> k & 1) {
                if (ch == '\n') return CUT;
            } else if (ch == '\n') {
                c->in_string = c->escape = false;
                return NEWLINE;
            } else if (ch == '{' || ch == '[') {
                c->depth++;
            } else if (c->depth > 0 && --c->depth == 0) {
                return CLOSED;
            }
        }
        c->in_string = in_string;
        c->escape = escape;
    }
    *at = i;
    return container_bytes(c, b, at, stop);
}

typedef enum step { ENDED, TOO_BIG, NO_MORE } step;

/* Follows the document being cut from pos, until it ends (pos just after
   it), grows past the size limit, or the text ends. */
static step follow(rt_input *in) {
    cut *c = &in->cut;
    /* A container's closing bracket is its own; the byte that ends a line
       or a word is not: either way the document may take max_doc bytes. */
    size_t limit = in->max_doc + (c->kind == LINE || c->kind == ELEM_WORD);
    for (;;) {
        size_t stop = in->end;
        if (!c->skipping && stop - c->start > limit) stop = c->start + limit;
        size_t i = in->pos;
        if (c->kind == LINE) {
            const char *nl = memchr(in->buf + i, '\n', stop - i);
            i = nl ? (size_t)(nl - in->buf) : stop;
        } else if (c->kind == ELEM_WORD) {
            while (i < stop && !ends_word(in->buf[i]))
                i++;
        } else {
            halt h = c->kind == STRING ? container_bytes(c, in->buf, &i, stop)
                                       : container(c, in->buf, &i, stop);
            in->pos = i;
            if (h == CLOSED) {
                in->pos++;
                return ENDED;
            }
            if (h == NEWLINE && continues(in)) {
                in->pos++;
                in->line++;
                continue;
            }
            if (h != RAN_OUT) { /* a newline ended it */
                in->cut_short = true;
                return ENDED;
            }
        }
        in->pos = i;
        if (i < stop) return ENDED; /* at the byte that ended it, left for the framing */
        if (!c->skipping && i - c->start >= limit) return TOO_BIG;
        if (!more(in)) return NO_MORE;
    }
}

void rt_input_scan_with(rt_input *in, rt_scanner *s, sv_event *ev) {
    in->scan = s;
    in->ev = ev;
}

/* A top-level document that is a valid JSON object on one line, handed
   out scanned: what cutting would give, as no newline in it could end it
   early, without following its brackets first. False, the text untouched,
   for any other. */
static bool scanned_object(rt_input *in, rt_doc *d) {
    size_t used;
    for (;;) {
        size_t have = in->end - in->pos;
        if (rt_scan_object(in->scan, in->buf + in->pos, have < in->max_doc ? have : in->max_doc,
                           in->ev, &used))
            break;
        /* Only where the line may go on past what is read: read on. */
        if (in->src_done || have >= in->max_doc || memchr(in->buf + in->pos, '\n', have) ||
            !more(in))
            return false;
    }
    *d = (rt_doc){.text = in->buf + in->pos, .len = used, .line = in->line, .scanned = true};
    in->pos += used;
    return true;
}

/* The next document of the text with the framing followed: RT_DOC, RT_BAD
   (one over the size limit, whose bytes are then skipped) or RT_EOF. */
static rt_read next_text(rt_input *in, rt_doc *d) {
    if (in->mapped || !in->src) {
        size_t to = in->cap - in->pos > PREFETCH_AHEAD ? in->pos + PREFETCH_AHEAD : in->cap;
        if (in->fetched < in->pos) in->fetched = in->pos;
        for (; in->fetched < to; in->fetched += 64)
            __builtin_prefetch(in->buf + in->fetched);
    }
    for (;;) {
        cut *c = &in->cut;
        if (c->active) {
            step s = follow(in);
            d->line = c->line;
            d->element = c->element;
            if (s == TOO_BIG) {
                c->skipping = true;
                snprintf(in->err, sizeof in->err, "%s longer than the limit of %zu bytes",
                         c->element ? "element" : "line", in->max_doc);
                d->error = in->err;
                return RT_BAD;
            }
            c->active = false;
            if (c->skipping) continue;
            d->text = in->buf + c->start;
            d->len = in->pos - c->start;
            return RT_DOC;
        }
        if (!skip_blanks(in)) return RT_EOF;
        char ch = in->buf[in->pos];
        switch (in->where) {
        case TOP:
            in->element = 0;
            if (ch == '[' || (ch == '{' && opens_records(in))) {
                in->in_wrapper = ch == '{';
                in->pos += ch == '[';
                in->where = FIRST_ELEM;
            } else if (ch == '{' && in->scan && scanned_object(in, d)) {
                return RT_DOC;
            } else {
                start_cut(in, ch == '{' ? CONTAINER : LINE);
            }
            break;
        case FIRST_ELEM:
        case ELEM:
            if (ch == ']') { /* an empty list, or a trailing comma: let both pass */
                in->where = NEXT_ELEM;
                break;
            }
            in->element++;
            start_cut(in, ch == '{' || ch == '[' ? CONTAINER : ch == '"' ? STRING : ELEM_WORD);
            in->where = NEXT_ELEM;
            break;
        case NEXT_ELEM:
            if (ch == ',' || ch == ']') {
                in->pos++;
                in->where = ch == ',' ? ELEM : in->in_wrapper ? WRAPPER_TAIL : TOP;
            } else {
                /* After an element cut short by its line, the next line is
                   taken as the next element; otherwise the list is broken,
                   and what follows is read as top-level documents. */
                in->where = in->cut_short ? ELEM : TOP;
            }
            in->cut_short = false;
            break;
        case WRAPPER_TAIL:
            in->where = TOP;
            if (ch == '}')
                in->pos++;
            else if (ch == ',')
                start_cut(in, MEMBERS);
            break;
        }
    }
}

rt_read rt_input_next(rt_input *in, rt_doc *d) {
    if (in->unplaced) abort(); /* rt_input_resume first */
    for (;;) {
        *d = (rt_doc){0};
        if (in->vx_next < in->vx.n) {
            const rt_vnet_event *e = &in->vx.ev[in->vx_next++];
            d->line = in->vx_line;
            d->element = in->vx_element;
            d->tuple = e->tuple;
            if (e->bad) {
                d->error = in->vx.text + e->off;
                return RT_BAD;
            }
            d->text = in->vx.text + e->off;
            d->len = e->len;
            return RT_DOC;
        }
        rt_read r = next_text(in, d);
        if (r == RT_EOF && in->failed) {
            in->failed = false;
            return RT_ERROR;
        }
        if (r != RT_DOC) return r;
        bool is_record = in->expanding != 0 && rt_vnet_is_record(d->text, d->len);
        if (in->expanding < 0) in->expanding = is_record;
        if (!is_record || !rt_vnet_expand(d->text, d->len, &in->vx)) return RT_DOC;
        in->vx_next = 0;
        in->vx_line = d->line;
        in->vx_element = d->element;
    }
}

/* ---- spans ---- */

/* A span is at least this long, unless the input ends first. */
enum { SPAN_MIN = SPAN_CHUNK };
/* No line that opens with '{' in this many bytes: no span, documents are
   read one by one until there is one. */
enum { SPAN_MAX = 16 << 20 };

/* Only what the framing will still look at is kept, so that frames that
   cut alike are equal: the element count and the list's kind inside a
   list, and whether its last element was cut short where that decides
   what the next line is. */
rt_frame rt_input_frame(const rt_input *in) {
    bool in_list = in->where != TOP && in->where != WRAPPER_TAIL;
    return (rt_frame){.line = in->line,
                      .element = in_list ? in->element : 0,
                      .where = (uint8_t)in->where,
                      .in_wrapper = in_list && in->in_wrapper,
                      .cut_short = in->where == NEXT_ELEM && in->cut_short};
}

void rt_input_resume(rt_input *in, const rt_frame *f) {
    in->line = f->line;
    in->element = f->element;
    in->where = (where)f->where;
    in->in_wrapper = f->in_wrapper;
    in->cut_short = f->cut_short;
    in->unplaced = false;
}

bool rt_frame_same_place(const rt_frame *a, const rt_frame *b) {
    return a->where == b->where && a->element == b->element && a->in_wrapper == b->in_wrapper &&
           a->cut_short == b->cut_short;
}

/* Where the last line of buf[from, end) that opens with '{' starts, or 0.
   Only there is the place of every framing known from the text before:
   a newline before any byte but a blank or a closing bracket ends the
   document in progress, and a '{' cannot carry on a '{' that may be
   opening a Records list. */
static size_t last_line_start(const rt_input *in, size_t from) {
    const char *b = in->buf;
    for (size_t end = in->end - 1; end > from;) {
        const char *nl = memrchr(b + from, '\n', end - from);
        if (!nl) return 0;
        if (nl[1] == '{') return (size_t)(nl - b) + 1;
        end = (size_t)(nl - b);
    }
    return 0;
}

bool rt_input_span(rt_input *in, rt_span *sp) {
    /* Only between top-level documents of a stream of them; VNet flow-log
       records are expanded by the reader, one at a time. */
    if (!in->src || in->at_start || in->where != TOP || in->cut.active || in->vx_next < in->vx.n ||
        in->expanding != 0)
        return false;
    in->chunk = SPAN_CHUNK;
    size_t at = 0, seen = 0; /* bytes after pos searched already */
    for (;;) {
        size_t have = in->end - in->pos;
        /* A read error is reported by rt_input_next, after the last span. */
        if (in->src_done) {
            at = in->end;
        } else if (have >= SPAN_MIN) {
            at = last_line_start(in, in->pos + seen);
            seen = have - 1;
        }
        if (at > in->pos) break;
        if (in->src_done || have >= SPAN_MAX) return false;
        more(in);
    }
    sp->last = at == in->end;
    sp->len = at - in->pos;
    sp->text = in->buf + in->pos;
    in->unplaced = true;
    if (in->mapped) { /* the mapping outlives every span of it */
        in->pos = at;
        return true;
    }
    /* The text after the span moves to the caller's spare buffer, which
       the reader keeps; the span stays where it was read, in the buffer the
       caller now owns. */
    size_t rest = in->end - at, cap = sp->cap;
    char *spare = sp->buf;
    if (cap < rest + 2 * SPAN_CHUNK) {
        cap = rest + 2 * SPAN_CHUNK;
        if (!(spare = realloc(spare, cap))) abort();
    }
    memcpy(spare, in->buf + at, rest);
    sp->buf = in->buf;
    sp->cap = in->cap;
    in->buf = spare;
    in->cap = cap;
    in->end = rest;
    in->pos = 0;
    return true;
}

rt_input *rt_input_over(const rt_span *sp, const rt_frame *from, const rt_input_opts *opt) {
    rt_input *in = calloc(1, sizeof *in);
    if (!in) abort();
    in->max_doc = opt && opt->max_doc ? opt->max_doc : RT_MAX_DOC;
    in->buf = (char *)sp->text; /* only read: more() never runs without a source */
    in->end = in->cap = sp->len;
    in->src_done = true;
    in->open_end = !sp->last;
    rt_input_resume(in, from);
    return in;
}
