/* test_compiler_pack.c: a pack compiled from a real rule survives damage:
   every truncation and every single-byte change is refused by the loader
   with a message, never loaded and never a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compiler/compiler.h"
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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_pack_loads),
        cmocka_unit_test(every_truncation_refused),
        cmocka_unit_test(every_byte_change_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
