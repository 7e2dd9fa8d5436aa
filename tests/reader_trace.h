/* reader_trace.h: what a reader hands out, as text a test can compare. */
#ifndef SIGVM_TESTS_READER_TRACE_H
#define SIGVM_TESTS_READER_TRACE_H

#include <stdio.h>

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

/* Everything in reads from here on, traced. */
static inline void trace_rest(FILE *t, rt_input *in, uint64_t shift) {
    rt_doc d;
    for (rt_read k; (k = rt_input_next(in, &d)) != RT_EOF;)
        trace_read(t, in, k, &d, shift);
}

#endif
