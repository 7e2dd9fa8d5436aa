/* build_pack.h: the end of building a pack by hand in a test: rules whose
   metadata is left empty, and the image loaded (a refusal fails the test). */
#ifndef SIGVM_TEST_BUILD_PACK_H
#define SIGVM_TEST_BUILD_PACK_H

#include <stdlib.h>

#include "vm/vm.h"

static void add_unnamed_rule(sv_pack_builder *b, sv_rule *r, uint32_t empty) {
#define SV_EMPTY_FIELD(f) r->f = empty;
    SV_RULE_FIELDS(SV_EMPTY_FIELD)
#undef SV_EMPTY_FIELD
    sv_builder_rule(b, r);
}

/* Finishes and frees b, and loads what it built. */
static sv_pack *load_built(sv_pack_builder *b) {
    unsigned char *img;
    size_t len;
    assert_int_equal(sv_builder_finish(b, &img, &len), 0);
    sv_builder_free(b);
    char err[256];
    sv_pack *p = sv_pack_load(img, len, err, sizeof err);
    free(img);
    if (!p) fail_msg("pack refused: %s", err);
    return p;
}

#endif
