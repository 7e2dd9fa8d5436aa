/* reader_trace.h: what a reader hands out, as text a test can compare. */
#ifndef SIGVM_TESTS_READER_TRACE_H
#define SIGVM_TESTS_READER_TRACE_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/runtime.h"

/* One line per thing handed out, lines moved by shift:
     doc LINE[.ELEMENT][#TUPLE] TEXT   (newlines shown as |, other controls as ^)
     bad LINE[.ELEMENT] ERROR
     error ERROR */
static inline void trace_read(FILE *t, rt_input *in, rt_read k, const rt_doc *d, uint64_t shift) {
    if (k == RT_ERROR) {
        fprintf(t, "error %s\n", rt_input_error(in));
        return;
    }
    fprintf(t, "%s %llu", k == RT_DOC ? "doc" : "bad", (unsigned long long)(d->line + shift));
    if (d->element) fprintf(t, ".%llu", (unsigned long long)d->element);
    if (d->tuple) fprintf(t, "#%llu", (unsigned long long)d->tuple);
    if (k == RT_BAD) {
        fprintf(t, " %s\n", d->error);
        return;
    }
    putc(' ', t);
    for (size_t i = 0; i < d->len && i < 60; i++)
        putc(d->text[i] == '\n' ? '|' : (unsigned char)d->text[i] < 0x20 ? '^' : d->text[i], t);
    fputs(d->len > 60 ? "...\n" : "\n", t);
}

/* The file at path opened as standard input ("-"), which is read, never
   mapped as a file named by its path is; NULL with a message in err. */
static inline rt_input *open_read_not_mapped(const char *path, const rt_input_opts *o, char *err,
                                             size_t errlen) {
    int saved = dup(STDIN_FILENO), fd = open(path, O_RDONLY);
    if (saved < 0 || fd < 0 || dup2(fd, STDIN_FILENO) < 0) abort();
    rt_input *in = rt_input_open("-", o, err, errlen);
    if (dup2(saved, STDIN_FILENO) < 0) abort();
    close(fd);
    close(saved);
    return in;
}

/* Everything in reads from here on, traced. */
static inline void trace_rest(FILE *t, rt_input *in, uint64_t shift) {
    rt_doc d;
    for (rt_read k; (k = rt_input_next(in, &d)) != RT_EOF;)
        trace_read(t, in, k, &d, shift);
}

/* Everything in hands out, traced; in is closed. */
static inline char *trace_all(rt_input *in) {
    char *out = NULL;
    size_t len = 0;
    FILE *t = open_memstream(&out, &len);
    if (!t) abort();
    trace_rest(t, in, 0);
    fclose(t);
    rt_input_close(in);
    return out;
}

/* Everything the file at path hands out read, not mapped. */
static inline char *trace_file_read(const char *path, const rt_input_opts *o) {
    char err[256];
    rt_input *in = open_read_not_mapped(path, o, err, sizeof err);
    if (!in) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    return trace_all(in);
}

/* What a reader over text[0, n) from frame f hands out, lines moved by
   shift; lines of one object are scanned whole by s into ev when s is
   given. Its end frame (lines moved too) goes to *end. */
static inline char *trace_cut(const char *text, size_t n, bool last, const rt_frame *f,
                              uint64_t shift, const rt_input_opts *o, rt_scanner *s, sv_event *ev,
                              rt_frame *end) {
    char *out = NULL;
    size_t len = 0;
    FILE *t = open_memstream(&out, &len);
    if (!t) abort();
    rt_span sp = {.text = text, .len = n, .last = last};
    rt_input *in = rt_input_over(&sp, f, o);
    if (s) rt_input_scan_with(in, s, ev);
    trace_rest(t, in, shift);
    *end = rt_input_frame(in);
    end->line += shift;
    rt_input_close(in);
    fclose(t);
    return out;
}

/* text (n bytes) cut into pieces before the lines that open with '{' for
   which split(arg) says so (asked of each in turn), each piece cut as
   trace_cut does from the frame the piece before ended in. Each is also
   cut from the top-level guess: *right counts the pieces where
   rt_frame_same_place says the guess is right, *wrong those of them that
   it cut otherwise (none, if spans work). Returns what the pieces' readers
   hand out; *end is where the last ended. */
static inline char *trace_pieces(const char *text, size_t n, bool (*split)(void *), void *arg,
                                 const rt_input_opts *o, rt_scanner *s, sv_event *ev, size_t *right,
                                 size_t *wrong, rt_frame *end) {
    const rt_frame top = {.line = 1};
    char *out = NULL;
    size_t len = 0, from = 0;
    FILE *t = open_memstream(&out, &len);
    if (!t) abort();
    *end = top;
    for (size_t i = 1; i <= n; i++) {
        if (i < n && !(text[i - 1] == '\n' && text[i] == '{' && split(arg))) continue;
        rt_frame real_end, guess_end;
        char *real = trace_cut(text + from, i - from, i == n, end, 0, o, s, ev, &real_end);
        char *guess =
            trace_cut(text + from, i - from, i == n, &top, end->line - 1, o, s, ev, &guess_end);
        if (rt_frame_same_place(&top, end)) {
            ++*right;
            *wrong += strcmp(real, guess) || !rt_frame_same_place(&guess_end, &real_end) ||
                      guess_end.line != real_end.line;
        }
        fputs(real, t);
        free(real);
        free(guess);
        *end = real_end;
        from = i;
    }
    fclose(t);
    return out;
}

#endif
