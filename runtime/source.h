/*
 * source.h: the bytes of one input, decompressed (inside runtime/ only).
 *
 * input.c opens a file or standard input and reads it in raw chunks;
 * decompress.c turns those chunks into text, choosing gzip, zstd or none
 * from the first bytes; reader.c cuts the text into events.
 */
#ifndef SIGVM_RUNTIME_SOURCE_H
#define SIGVM_RUNTIME_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- decompress.c ---- */

typedef struct rt_decoder rt_decoder;

/* The decoder for a stream that starts with head (n bytes, at least 4
   unless the stream is shorter): gzip, zstd, or a plain copy. */
rt_decoder *rt_decoder_for(const unsigned char *head, size_t n);
void rt_decoder_free(rt_decoder *d);
/* "gzip", "zstd" or "plain". */
const char *rt_decoder_name(const rt_decoder *d);

/*
 * Decodes from *in (*avail bytes, both advanced past what was used) into
 * out, returning the bytes written. at_end says no input follows *in, so
 * that a stream left unfinished is an error. On damaged data err gets a
 * message; the stream cannot go on after that.
 */
size_t rt_decoder_run(rt_decoder *d, const unsigned char **in, size_t *avail, char *out, size_t cap,
                      bool at_end, char *err, size_t errlen);

/* ---- input.c ---- */

typedef struct rt_source rt_source;

/* Opens a file, or standard input for "-". NULL with a message on failure. */
rt_source *rt_source_open(const char *path, char *err, size_t errlen);
void rt_source_close(rt_source *s);
/* Up to n decoded bytes into buf: how many, 0 at the end, -1 when the input
   cannot be read further (rt_source_error says why). */
ssize_t rt_source_read(rt_source *s, char *buf, size_t n);
/* A plain file named by its path, mapped whole: its text (len bytes, the
   size it had when opened), or NULL where it cannot be (standard input, a
   pipe, compressed, empty, or mmap refused), and then rt_source_read is
   what reads it. Reading a mapped file that another process truncates
   raises SIGBUS. */
const char *rt_source_map(rt_source *s, size_t *len);
/* The reader of a mapped file has moved on to upto (the offset progress
   follows), and will not read the text before done again. */
void rt_source_map_move(rt_source *s, size_t done, size_t upto);
const char *rt_source_error(const rt_source *s);
/* Bytes taken from the file so far (compressed, if it is), and its size
   (-1 when not a regular file). */
uint64_t rt_source_offset(const rt_source *s);
int64_t rt_source_size(const rt_source *s);

#endif
