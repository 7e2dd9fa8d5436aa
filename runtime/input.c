/* input.c: one line at a time from a file or stdin, compressed or not.
   zlib's gz reader recognises gzip by its magic bytes and passes anything
   else through, so compression is detected by content, not by name. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "runtime.h"

enum { READ_CHUNK = 1 << 20 };

struct rt_input {
    char *name;
    gzFile gz;
    char *buf;
    size_t cap, start, end; /* unread bytes are buf[start, end) */
    bool eof, skipping;     /* skipping: inside an over-long line */
    uint64_t lineno;
    char err[256];
};

rt_input *rt_input_open(const char *path, char *err, size_t errlen) {
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    gzFile gz = gzdopen(fd, "rb");
    if (!gz) {
        close(fd);
        snprintf(err, errlen, "%s: cannot read", path);
        return NULL;
    }
    gzbuffer(gz, READ_CHUNK);
    rt_input *in = calloc(1, sizeof *in);
    if (!in) abort();
    in->name = strdup(path);
    in->gz = gz;
    in->cap = READ_CHUNK;
    in->buf = malloc(in->cap);
    if (!in->name || !in->buf) abort();
    return in;
}

void rt_input_close(rt_input *in) {
    if (!in) return;
    gzclose(in->gz);
    free(in->buf);
    free(in->name);
    free(in);
}

const char *rt_input_error(const rt_input *in) {
    return in->err;
}
const char *rt_input_name(const rt_input *in) {
    return in->name;
}

/* Moves unread bytes to the front, grows the buffer if a line needs it, and
   reads more. Returns false at end of input or on error. */
static bool refill(rt_input *in) {
    if (in->eof) return false;
    memmove(in->buf, in->buf + in->start, in->end - in->start);
    in->end -= in->start;
    in->start = 0;
    if (in->end == in->cap) {
        in->cap *= 2;
        in->buf = realloc(in->buf, in->cap);
        if (!in->buf) abort();
    }
    int got = gzread(in->gz, in->buf + in->end, (unsigned)(in->cap - in->end));
    if (got < 0) {
        int zerr;
        const char *msg = gzerror(in->gz, &zerr);
        snprintf(in->err, sizeof in->err, "%s", zerr == Z_ERRNO ? strerror(errno) : msg);
        in->eof = true;
        return false;
    }
    if (got == 0) {
        /* gzread returns 0 with an error set for a truncated gzip stream. */
        int zerr;
        const char *msg = gzerror(in->gz, &zerr);
        if (zerr != Z_OK && zerr != Z_STREAM_END) snprintf(in->err, sizeof in->err, "%s", msg);
        in->eof = true;
        return false;
    }
    in->end += (size_t)got;
    return true;
}

static bool blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return false;
    return true;
}

rt_read rt_input_next(rt_input *in, const char **line, size_t *len, uint64_t *lineno) {
    for (;;) {
        char *s = in->buf + in->start;
        size_t avail = in->end - in->start;
        char *nl = memchr(s, '\n', avail);
        if (!nl && avail > RT_MAX_LINE) {
            /* Drop what we have of the long line and keep dropping to its end. */
            in->start = in->end;
            if (!in->skipping) {
                in->skipping = true;
                *lineno = ++in->lineno;
                return RT_TOO_LONG;
            }
            continue;
        }
        if (!nl) {
            if (refill(in)) continue;
            if (in->err[0]) return RT_ERROR;
            if (avail == 0) return RT_EOF;
            nl = s + avail; /* last line without a newline */
        }
        size_t n = (size_t)(nl - s);
        in->start += n + (nl < in->buf + in->end);
        if (in->skipping) {
            in->skipping = false;
            continue;
        }
        in->lineno++;
        if (n && s[n - 1] == '\r') n--;
        if (blank(s, n)) continue;
        *line = s;
        *len = n;
        *lineno = in->lineno;
        return RT_LINE;
    }
}
