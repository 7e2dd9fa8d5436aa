/* pack_probe.h: runs a loaded pack the way a run would, for tests that load
   damaged or hostile packs: whatever the verifier admits must list and run
   safely. Every slot (and the keyword-search pseudo-slot) gets a value of
   every type, escaped and raw, valid and invalid UTF-8, so that every test
   kind meets input it can and cannot read. */
#ifndef SIGVM_PACK_PROBE_H
#define SIGVM_PACK_PROBE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/vm.h"

static const struct {
    sv_vtype type;
    const char *text; /* as the scanner records it: strings without quotes, still escaped */
    bool escaped;
} probe_values[] = {
    {SV_V_STR, "ab", false},
    {SV_V_STR, "abbc DeleteFlowLogs", false},
    {SV_V_STR, "A\\u00dF\\ud800\\n\\\"x\\\\", true}, /* folds to "ss", a lone surrogate */
    {SV_V_STR, "10.1.2.3", false},
    {SV_V_STR, "2001:db8::1", false},
    {SV_V_STR, "2024-03-04T05:06:07.123Z", false},
    {SV_V_STR, "4688", false},
    {SV_V_STR, "\xff\xfe\xc3", false}, /* not UTF-8 */
    {SV_V_STR, "", false},
    {SV_V_NUM, "42.5", false},
    {SV_V_NUM, "-1e999", false}, /* overflows a double */
    {SV_V_NUM, "1700000000000", false},
    {SV_V_TRUE, "true", false},
    {SV_V_FALSE, "false", false},
    {SV_V_NULL, "null", false},
    {SV_V_OBJ, "{\"a\":1}", false},
    {SV_V_ARR, "[1]", false},
};

/* Lists p into sink and runs it over one event; returns the matches. */
static inline size_t probe_pack(const sv_pack *p, FILE *sink) {
    sv_disasm(p, sink);
    size_t nslots = sv_pack_path_count(p);
    sv_event *ev = sv_event_new(nslots);
    size_t nvals = sizeof probe_values / sizeof *probe_values;
    for (size_t s = 0; s <= nslots; s++)
        for (size_t v = 0; v < nvals; v++)
            sv_event_add(ev, s < nslots ? (uint32_t)s : SV_ANY_SLOT, probe_values[v].type,
                         probe_values[v].text, strlen(probe_values[v].text),
                         probe_values[v].escaped);
    sv_exec *x = sv_exec_new(p);
    uint32_t *hits = calloc(sv_pack_rule_count(p) + 1, sizeof *hits);
    if (!hits) abort();
    size_t n = sv_exec_run(x, ev, hits);
    if (n > sv_pack_rule_count(p)) abort();
    free(hits);
    sv_exec_free(x);
    sv_event_free(ev);
    return n;
}

#endif
