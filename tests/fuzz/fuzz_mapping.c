/* fuzz_mapping.c: mapping files (field renames and logsource conditions, in
   sigvm's profile form or as a pySigma pipeline), and the rules rewritten
   through them. sg_add_mapping reads a file, so each input is written to one
   first. A bad mapping is a diagnostic; what compiles loads and runs. */
#include <unistd.h>

#include "fuzz.h"

static const char rules[] = "title: process\n"
                            "logsource: {product: windows, category: process_creation}\n"
                            "detection:\n"
                            "  sel:\n"
                            "    Image|endswith: '\\cmd.exe'\n"
                            "    CommandLine|contains: whoami\n"
                            "    ParentImage|fieldref: Image\n"
                            "  condition: sel\n"
                            "---\n"
                            "title: cloud\n"
                            "logsource: {product: aws, service: cloudtrail}\n"
                            "detection:\n"
                            "  sel:\n"
                            "    eventName: DeleteFlowLogs\n"
                            "    userIdentity.sessionContext.sessionIssuer.type: Role\n"
                            "  condition: sel\n"
                            "---\n"
                            "title: keywords elsewhere\n"
                            "logsource: {product: azure, service: activitylogs}\n"
                            "detection:\n"
                            "  keywords: [flowLogs]\n"
                            "  condition: keywords\n";

static char path[64];

static void remove_file(void) {
    remove(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/sigvm-fuzz-mapping-%ld.yml", (long)getpid());
        atexit(remove_file);
    }
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f && fwrite(data, 1, size, f) == size && fclose(f) == 0);
    sg_options opt = {.run_unmapped = size % 2};
    sg_ruleset *rs = sg_ruleset_new(&opt);
    sg_add_mapping(rs, path);
    sg_load_buffer(rs, "rules.yml", rules, sizeof rules - 1);
    return fuzz_finish(rs);
}
