/* test_compiler_pack.c: packs compiled from real rules survive damage:
   every truncation and every single-byte change of a corpus rule's pack is
   refused by the loader with a message; thousands of random flips and cuts
   of a SigmaHQ pack are refused too, and once the CRC is re-stamped to let
   them past the checksum, whatever the verifier admits runs safely. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include <cmocka.h>

#include "compiler/compiler.h"
#include "pack_probe.h"
#include "sigmahq.h"
#include "vm/pack.h"
#include "vm/vm.h"

static unsigned char *compile_corpus_rule(size_t *len) {
    sg_ruleset *rs = sg_ruleset_new(NULL);
    assert_int_equal(
        sg_load_path(rs, SIGVM_SOURCE_DIR "/corpus/rules/cloud/aws_vpc_flow_logs_deleted.yml"), 0);
    assert_int_equal(sg_finish(rs), 0);
    unsigned char *img;
    char err[256];
    cp_stats st;
    assert_int_equal(cp_compile(rs, &img, len, &st, err, sizeof err), 0);
    assert_int_equal(st.rules, 1);
    sg_ruleset_free(rs);
    return img;
}

static void real_pack_loads(void **state) {
    (void)state;
    size_t len;
    unsigned char *img = compile_corpus_rule(&len);
    char err[256];
    sv_pack *p = sv_pack_load(img, len, err, sizeof err);
    assert_non_null(p);
    assert_int_equal(sv_pack_rule_count(p), 1);
    size_t n;
    const char *id = sv_pack_string(p, sv_pack_rule(p, 0)->id, &n);
    assert_string_equal(id, "43a8e7f1-416d-4114-858b-a4a82b9d09bc");
    sv_pack_free(p);
    free(img);
}

static void every_truncation_refused(void **state) {
    (void)state;
    size_t len;
    unsigned char *img = compile_corpus_rule(&len);
    char err[256];
    for (size_t cut = 0; cut < len; cut++) {
        err[0] = '\0';
        sv_pack *p = sv_pack_load(img, cut, err, sizeof err);
        if (p) fail_msg("truncated to %zu of %zu bytes, the pack loaded", cut, len);
        assert_non_null(strstr(err, "pack"));
    }
    free(img);
}

static void every_byte_change_refused(void **state) {
    (void)state;
    size_t len;
    unsigned char *img = compile_corpus_rule(&len);
    unsigned char *bad = malloc(len);
    char err[256];
    static const unsigned char masks[] = {0x01, 0x10, 0x80, 0xff};
    for (size_t at = 0; at < len; at++)
        for (size_t m = 0; m < sizeof masks; m++) {
            memcpy(bad, img, len);
            bad[at] ^= masks[m];
            sv_pack *p = sv_pack_load(bad, len, err, sizeof err);
            if (p) fail_msg("byte %zu ^ 0x%02x: the pack loaded", at, masks[m]);
        }
    free(bad);
    free(img);
}

/* Rules from every corner of SigmaHQ: regexes, CIDRs, keywords, encoders. */
enum { SIGMAHQ_PACK_RULES = 20, MUTANTS = 4000 };

static unsigned char *compile_sigmahq_pack(size_t *len) {
    char **paths;
    size_t n = sigmahq_sample(SIGMAHQ_PACK_RULES, &paths);
    if (n == 0) return NULL;
    sg_ruleset *rs = sg_ruleset_new(NULL);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(sg_load_path(rs, paths[i]), 0);
        free(paths[i]);
    }
    free(paths);
    assert_int_equal(sg_finish(rs), 0);
    unsigned char *img;
    char err[256];
    assert_int_equal(cp_compile(rs, &img, len, NULL, err, sizeof err), 0);
    sg_ruleset_free(rs);
    return img;
}

/* One time in four cuts the image short; otherwise changes 1..4 random
   bytes, by one bit or by a random mask. Returns the new length. */
static size_t mutate(unsigned char *img, size_t len, uint64_t *rng) {
    uint64_t r = sigmahq_random(rng);
    if (r % 4 == 0) return (size_t)(sigmahq_random(rng) % len);
    unsigned changes = 1 + (unsigned)(r >> 8) % 4;
    bool one_bit = r & 0x10;
    for (unsigned k = 0; k < changes; k++) {
        uint64_t x = sigmahq_random(rng);
        unsigned mask = one_bit ? 1u << (x >> 32) % 8 : 1 + (unsigned)(x >> 32) % 255;
        img[x % len] ^= (unsigned char)mask;
    }
    return len;
}

static void restamp(unsigned char *img, size_t len) {
    sv_put_u32(img + SV_PACK_CRC_AT,
               (uint32_t)crc32_z(0, img + SV_PACK_HEADER_SIZE, len - SV_PACK_HEADER_SIZE));
}

static void sigmahq_pack_mutants(void **state) {
    (void)state;
    size_t len;
    unsigned char *img = compile_sigmahq_pack(&len);
    if (!img) skip();
    FILE *sink = fopen("/dev/null", "w");
    assert_non_null(sink);
    uint64_t rng = 0x5167766d; /* fixed: a failure is reproducible */
    size_t loaded = 0, refused_by_structure = 0;
    for (int i = 0; i < 2 * MUTANTS; i++) {
        bool stamped = i >= MUTANTS;
        unsigned char *bad = malloc(len);
        assert_non_null(bad);
        memcpy(bad, img, len);
        size_t n = mutate(bad, len, &rng);
        if (stamped && n >= SV_PACK_HEADER_SIZE) restamp(bad, n);
        /* An exact-size copy, so that the sanitizer sees any read past the end. */
        unsigned char *copy = malloc(n ? n : 1);
        memcpy(copy, bad, n);
        free(bad);
        char err[256] = "";
        sv_pack *p = sv_pack_load(copy, n, err, sizeof err);
        free(copy);
        if (!stamped && p) fail_msg("mutant %d loaded without its checksum re-stamped", i);
        if (p) {
            probe_pack(p, sink);
            sv_pack_free(p);
            loaded++;
            continue;
        }
        assert_int_equal(strncmp(err, "pack: ", 6), 0);
        refused_by_structure += stamped && !strstr(err, "checksum");
    }
    print_message("%d mutants of a %zu-byte pack: %zu loaded and ran, %zu refused by the "
                  "verifier after re-stamping\n",
                  2 * MUTANTS, len, loaded, refused_by_structure);
    assert_true(refused_by_structure > MUTANTS / 2);
    fclose(sink);
    free(img);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_pack_loads),
        cmocka_unit_test(every_truncation_refused),
        cmocka_unit_test(every_byte_change_refused),
        cmocka_unit_test(sigmahq_pack_mutants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
