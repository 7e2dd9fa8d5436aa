/* fuzz_rule.c: rule files, from bytes to a pack run over events. Whatever
   the bytes, reading ends in rules or in diagnostics; whatever compiles
   loads (the compiler writes only valid packs) and runs. Every rule format
   sg_load_buffer reads goes through here. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sg_ruleset *rs = sg_ruleset_new(NULL);
    sg_load_buffer(rs, "fuzz.yml", (const char *)data, size);
    return fuzz_finish(rs);
}
