/* fuzz_scan.c: the JSON event scanner, with the path table of rules that
   read nested paths, dotted keys, arrays and (by a keyword search) every
   value, and the rules then run over what it recorded. A document is either
   scanned or refused with a message and an offset inside it; the keyword
   values recorded as scanned or put off give the same matches, and long
   strings read 64 bytes a step (AVX-512, where the machine has it) the same
   answers as read 16. */
#include "fuzz.h"

static const char rules[] =
    "title: process\n"
    "logsource: {product: windows}\n"
    "detection:\n"
    "  sel:\n"
    "    EventID: [4688, 1]\n"
    "    Image|endswith: '\\cmd.exe'\n"
    "    CommandLine|contains|windash: ' -q '\n"
    "    Event.EventData.CommandLine|re|i: 'rundll32(\\.exe)?\\s+\\S+,#?\\d'\n"
    "    event_data.CommandLine|base64offset|contains: 'IEX'\n"
    "  glob:\n"
    "    ParentImage: 'C:\\Windows\\*\\explorer.e?e'\n"
    "    User|cased: 'CORP\\admin'\n"
    "  condition: sel or glob\n"
    "---\n"
    "title: cloud\n"
    "logsource: {product: aws}\n"
    "detection:\n"
    "  sel:\n"
    "    eventName|startswith: Delete\n"
    "    userIdentity.sessionContext.sessionIssuer.type: Role\n"
    "    requestParameters.flowLogIds: 'fl-*'\n"
    "    sourceIPAddress|cidr: ['10.0.0.0/8', '2001:db8::/32']\n"
    "    eventTime|hour: 5\n"
    "    responseElements: null\n"
    "    a.b.c|gte: 1\n"
    "    properties.statusCode|fieldref: operationName\n"
    "    DestinationPort|lt: 1024\n"
    "    errorCode|exists: false\n"
    "  condition: all of them\n"
    "---\n"
    "title: keywords\n"
    "logsource: {product: any}\n"
    "detection:\n"
    "  keywords: ['mimikatz', 'ß*STRASSE', '4688']\n"
    "  flag:\n"
    "    a.b.c: true\n"
    "  condition: keywords and not flag\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static sv_pack *pack;
    static fuzz_engine e, all, narrow;
    if (!pack) {
        sg_ruleset *rs = sg_ruleset_new(NULL);
        FUZZ_CHECK(sg_load_buffer(rs, "rules.yml", rules, sizeof rules - 1) == 0);
        FUZZ_CHECK(sg_finish(rs) == 0);
        pack = fuzz_compile(rs);
        sg_ruleset_free(rs);
        FUZZ_CHECK(pack && sv_pack_wants_any(pack));
        fuzz_engine_init(&e, pack, RT_ANY_DEFERRED);
        fuzz_engine_init(&all, pack, RT_ANY_ALL);
        fuzz_engine_init(&narrow, pack, RT_ANY_DEFERRED);
        rt_scanner_narrow(narrow.scan);
    }
    /* An exact-size copy, so that a read past the end is a sanitizer report. */
    char *doc = malloc(size ? size : 1);
    FUZZ_CHECK(doc);
    memcpy(doc, data, size);
    const char *err = NULL, *narrow_err = NULL;
    size_t off = 0, narrow_off = 0;
    bool ok = rt_scan(e.scan, doc, size, e.ev, &err, &off);
    FUZZ_CHECK(rt_scan(narrow.scan, doc, size, narrow.ev, &narrow_err, &narrow_off) == ok);
    FUZZ_CHECK(off == narrow_off && (ok || !strcmp(err, narrow_err)));
    size_t n = fuzz_engine_run(&e, doc, size);
    FUZZ_CHECK(fuzz_engine_run(&all, doc, size) == n);
    FUZZ_CHECK(!memcmp(e.hits, all.hits, n * sizeof *e.hits));
    FUZZ_CHECK(fuzz_engine_run(&narrow, doc, size) == n);
    FUZZ_CHECK(!memcmp(e.hits, narrow.hits, n * sizeof *e.hits));
    free(doc);
    return 0;
}
