/*
 * decompress.c: gzip and zstd streams, recognised by their magic bytes and
 * never by file name (S3 exports and `aws s3 cp` lose extensions).
 *
 * Both formats allow several members (frames) one after another, which is
 * what `cat a.gz b.gz` or a rotated log gives; each is decoded in turn. A
 * stream that stops inside a member is reported as truncated, not taken as
 * a short file: an analyst must know that events are missing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "source.h"

typedef enum codec { PLAIN, GZIP, ZSTD } codec;

struct rt_decoder {
    codec kind;
    z_stream z;
    bool between_members; /* gzip: the last member ended; another may follow */
    ZSTD_DStream *zs;
    size_t zs_hint; /* zstd: 0 when the last frame was complete */
};

static const unsigned char gzip_magic[] = {0x1f, 0x8b};
static const unsigned char zstd_magic[] = {0x28, 0xb5, 0x2f, 0xfd};

rt_decoder *rt_decoder_for(const unsigned char *head, size_t n) {
    rt_decoder *d = calloc(1, sizeof *d);
    if (!d) abort();
    if (n >= 2 && !memcmp(head, gzip_magic, 2)) {
        d->kind = GZIP;
        /* 16 + MAX_WBITS: a gzip wrapper, not zlib's own. */
        if (inflateInit2(&d->z, 16 + MAX_WBITS) != Z_OK) abort();
    } else if (n >= 4 && !memcmp(head, zstd_magic, 4)) {
        d->kind = ZSTD;
        d->zs = ZSTD_createDStream();
        if (!d->zs || ZSTD_isError(ZSTD_initDStream(d->zs))) abort();
    }
    return d;
}

void rt_decoder_free(rt_decoder *d) {
    if (!d) return;
    if (d->kind == GZIP) inflateEnd(&d->z);
    ZSTD_freeDStream(d->zs);
    free(d);
}

const char *rt_decoder_name(const rt_decoder *d) {
    static const char *const names[] = {"plain", "gzip", "zstd"};
    return names[d->kind];
}

static size_t plain(const unsigned char **in, size_t *avail, char *out, size_t cap) {
    size_t n = *avail < cap ? *avail : cap;
    memcpy(out, *in, n);
    *in += n;
    *avail -= n;
    return n;
}

/* Whether another gzip member starts at *in; false with err set when
   something else does. Needs two bytes unless the input is over. */
static bool next_member(rt_decoder *d, const unsigned char *in, size_t avail, bool at_end,
                        char *err, size_t errlen) {
    if (avail < 2 && !at_end) return false;
    if (avail >= 2 && !memcmp(in, gzip_magic, 2)) {
        inflateReset(&d->z);
        d->between_members = false;
        return true;
    }
    snprintf(err, errlen, "data after the end of the gzip stream");
    return false;
}

static size_t gzip(rt_decoder *d, const unsigned char **in, size_t *avail, char *out, size_t cap,
                   bool at_end, char *err, size_t errlen) {
    z_stream *z = &d->z;
    z->next_in = (unsigned char *)*in;
    z->avail_in = (uInt)(*avail > UINT32_MAX ? UINT32_MAX : *avail);
    z->next_out = (unsigned char *)out;
    z->avail_out = (uInt)(cap > UINT32_MAX ? UINT32_MAX : cap);
    uInt given = z->avail_in;
    while (z->avail_out > 0) {
        if (d->between_members) {
            if (z->avail_in == 0) break; /* a clean end, or more members to come */
            if (!next_member(d, z->next_in, z->avail_in, at_end, err, errlen)) break;
        }
        int rc = inflate(z, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            d->between_members = true;
        } else if (rc == Z_BUF_ERROR || (rc == Z_OK && z->avail_in == 0)) {
            if (at_end && z->avail_in == 0 && z->avail_out > 0)
                snprintf(err, errlen, "truncated gzip stream (it ends inside a member)");
            break;
        } else if (rc != Z_OK) {
            snprintf(err, errlen, "corrupt gzip data: %s", z->msg ? z->msg : "inflate failed");
            break;
        }
    }
    size_t used = given - z->avail_in;
    *in += used;
    *avail -= used;
    return (size_t)((char *)z->next_out - out);
}

static size_t zstd(rt_decoder *d, const unsigned char **in, size_t *avail, char *out, size_t cap,
                   bool at_end, char *err, size_t errlen) {
    ZSTD_inBuffer ib = {*in, *avail, 0};
    ZSTD_outBuffer ob = {out, cap, 0};
    while (ob.pos < ob.size && (ib.pos < ib.size || d->zs_hint != 0)) {
        size_t before_in = ib.pos, before_out = ob.pos;
        size_t rc = ZSTD_decompressStream(d->zs, &ob, &ib);
        if (ZSTD_isError(rc)) {
            snprintf(err, errlen, "corrupt zstd data: %s", ZSTD_getErrorName(rc));
            break;
        }
        d->zs_hint = rc;
        if (ib.pos == before_in && ob.pos == before_out) break; /* needs more input */
    }
    if (at_end && ib.pos == ib.size && ob.pos < ob.size && d->zs_hint != 0 && !err[0])
        snprintf(err, errlen, "truncated zstd stream (it ends inside a frame)");
    *in += ib.pos;
    *avail -= ib.pos;
    return ob.pos;
}

size_t rt_decoder_run(rt_decoder *d, const unsigned char **in, size_t *avail, char *out, size_t cap,
                      bool at_end, char *err, size_t errlen) {
    switch (d->kind) {
    case GZIP: return gzip(d, in, avail, out, cap, at_end, err, errlen);
    case ZSTD: return zstd(d, in, avail, out, cap, at_end, err, errlen);
    default: return plain(in, avail, out, cap);
    }
}
