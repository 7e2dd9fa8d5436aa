/* fuzz_pack.c: the pack loader and verifier. The input is loaded as it is
   (mostly refused by the checksum), then with its checksum re-stamped so
   that the structural verifier has to find what is wrong. A pack it admits
   must list and run safely, both on synthetic values in every slot and on
   events through the scanner built from its own path table. */
#include <zlib.h>

#include "fuzz.h"
#include "pack_probe.h"
#include "vm/pack.h"

static void load_and_run(const unsigned char *img, size_t len) {
    char err[256] = "";
    sv_pack *p = sv_pack_load(img, len, err, sizeof err);
    if (!p) {
        FUZZ_CHECK(strncmp(err, "pack: ", 6) == 0);
        return;
    }
    static FILE *sink;
    if (!sink) sink = fopen("/dev/null", "w");
    FUZZ_CHECK(sink);
    probe_pack(p, sink);
    fuzz_run_events(p);
    sv_pack_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* Exact-size copies, so that a read past the end is a sanitizer report. */
    unsigned char *img = malloc(size ? size : 1);
    FUZZ_CHECK(img);
    memcpy(img, data, size);
    load_and_run(img, size);
    if (size >= SV_PACK_HEADER_SIZE) {
        uLong crc = crc32_z(0, img + SV_PACK_HEADER_SIZE, size - SV_PACK_HEADER_SIZE);
        sv_put_u32(img + SV_PACK_CRC_AT, (uint32_t)crc);
        load_and_run(img, size);
    }
    free(img);
    return 0;
}
