/* input.c: the raw bytes of a file or of standard input, handed through the
   decoder its first bytes call for (decompress.c). It counts the bytes taken
   from the file, so that progress and ETA follow the compressed size. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source.h"

enum { RAW_CHUNK = 1 << 18 };
/* A mapped file's pages this far behind the reader leave the process, in
   steps as long, so that it holds at most twice that of the file (and the
   step mapped in ahead of the reader); spans
   that other threads still read lie well within it (and a page dropped too
   early would only be faulted in again, from the file). */
enum { MAP_LAG = 8 << 20 };

struct rt_source {
    int fd;
    rt_decoder *dec;
    unsigned char *raw;
    size_t rstart, rend; /* undecoded bytes are raw[rstart, rend) */
    bool raw_eof;
    bool plain; /* not compressed: read straight into the caller's buffer */
    uint64_t offset;
    int64_t size;
    bool named;      /* a path, not standard input (read from where it stands) */
    const char *map; /* the whole file, once rt_source_map made it so */
    size_t map_len;
    size_t map_dropped; /* pages before this have left the process */
    char err[256];
};

/* Reads more raw bytes after the ones still undecoded. */
static bool fill(rt_source *s) {
    memmove(s->raw, s->raw + s->rstart, s->rend - s->rstart);
    s->rend -= s->rstart;
    s->rstart = 0;
    for (;;) {
        ssize_t got = read(s->fd, s->raw + s->rend, RAW_CHUNK - s->rend);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            snprintf(s->err, sizeof s->err, "%s", strerror(errno));
            return false;
        }
        if (got == 0) s->raw_eof = true;
        s->rend += (size_t)got;
        s->offset += (uint64_t)got;
        return true;
    }
}

rt_source *rt_source_open(const char *path, char *err, size_t errlen) {
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: is a directory", path);
        close(fd);
        return NULL;
    }
    /* A pipe of 64 KB would have its writer wake the reader (holding the
       input's lock) some 16 times per megabyte; one of 1 MB (the default
       most an unprivileged process may ask for) lets it write ahead. */
    if (S_ISFIFO(st.st_mode)) (void)fcntl(fd, F_SETPIPE_SZ, 1 << 20);
    rt_source *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->fd = fd;
    s->named = !is_stdin;
    s->size = S_ISREG(st.st_mode) ? (int64_t)st.st_size : -1;
    s->raw = malloc(RAW_CHUNK);
    if (!s->raw) abort();
    /* The magic needs four bytes; a pipe may deliver fewer per read. */
    while (s->rend < 4 && !s->raw_eof)
        if (!fill(s)) {
            snprintf(err, errlen, "%s: %s", path, s->err);
            rt_source_close(s);
            return NULL;
        }
    s->dec = rt_decoder_for(s->raw, s->rend);
    s->plain = strcmp(rt_decoder_name(s->dec), "plain") == 0;
    return s;
}

void rt_source_close(rt_source *s) {
    if (!s) return;
    if (s->map) munmap((void *)s->map, s->map_len);
    close(s->fd);
    rt_decoder_free(s->dec);
    free(s->raw);
    free(s);
}

/* A plain file once its first chunk is used up: no copy through raw. */
static ssize_t read_direct(rt_source *s, char *buf, size_t n) {
    for (;;) {
        ssize_t got = read(s->fd, buf, n);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            snprintf(s->err, sizeof s->err, "%s", strerror(errno));
            return -1;
        }
        s->raw_eof = got == 0;
        s->offset += (uint64_t)got;
        return got;
    }
}

ssize_t rt_source_read(rt_source *s, char *buf, size_t n) {
    if (s->err[0]) return -1;
    if (s->plain && s->rstart == s->rend && !s->raw_eof && n > 0) return read_direct(s, buf, n);
    for (;;) {
        const unsigned char *in = s->raw + s->rstart;
        size_t avail = s->rend - s->rstart;
        size_t got = rt_decoder_run(s->dec, &in, &avail, buf, n, s->raw_eof, s->err, sizeof s->err);
        s->rstart = (size_t)(in - s->raw);
        if (got > 0) return (ssize_t)got; /* an error, if any, is reported on the next call */
        if (s->err[0]) return -1;
        if (s->raw_eof) return 0;
        if (!fill(s)) return -1;
    }
}

const char *rt_source_map(rt_source *s, size_t *len) {
    if (!s->map && s->plain && s->named && s->size > 0 && (uint64_t)s->size <= SIZE_MAX) {
        void *m = mmap(NULL, (size_t)s->size, PROT_READ, MAP_SHARED, s->fd, 0);
        if (m != MAP_FAILED) {
            s->map = m;
            s->map_len = (size_t)s->size;
            s->offset = 0;
        }
    }
    *len = s->map_len;
    return s->map;
}

static size_t page_floor(size_t n) {
    return n & ~((size_t)sysconf(_SC_PAGESIZE) - 1);
}

void rt_source_map_move(rt_source *s, size_t done, size_t upto) {
    size_t step = upto - (size_t)s->offset;
    s->offset = upto;
#ifdef MADV_POPULATE_READ
    /* The next step as long is mapped in with one call rather than faulted
       in 16 pages at a time (a kernel older than 5.14 refuses: then it is). */
    size_t from = page_floor(upto), ready = s->map_len - upto > step ? upto + step : s->map_len;
    if (ready > from) (void)madvise((void *)(s->map + from), ready - from, MADV_POPULATE_READ);
#endif
    if (done < s->map_dropped + 2 * (size_t)MAP_LAG) return;
    size_t to = page_floor(done - MAP_LAG);
    (void)madvise((void *)(s->map + s->map_dropped), to - s->map_dropped, MADV_DONTNEED);
    s->map_dropped = to;
}

const char *rt_source_error(const rt_source *s) {
    return s->err;
}

uint64_t rt_source_offset(const rt_source *s) {
    return s->offset;
}

int64_t rt_source_size(const rt_source *s) {
    return s->size;
}
