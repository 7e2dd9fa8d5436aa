/* fuzz.h: what the fuzz targets share: compiling a rule set into a loaded
   pack, and running a pack over JSON events as `sigvm run` does. A broken
   invariant aborts, which libFuzzer (and the replay tests) report as a
   crash with the input that caused it. */
#ifndef SIGVM_FUZZ_H
#define SIGVM_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compiler.h"
#include "runtime/runtime.h"

#define FUZZ_CHECK(cond)                                                                           \
    ((cond)                                                                                        \
         ? (void)0                                                                                 \
         : (fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond), abort()))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Events with the fields SigmaHQ rules and the targets' own rules read:
   Windows process creation (flat and Winlogbeat), CloudTrail, Azure
   activity; escapes, arrays, keys holding dots, numbers as strings. */
static const char *const fuzz_events[] = {
    "{\"EventID\":4688,\"Image\":\"C:\\\\Windows\\\\System32\\\\cmd.exe\",\"CommandLine\":"
    "\"cmd.exe /c whoami \\u2013q\",\"ParentImage\":\"C:\\\\Windows\\\\explorer.exe\","
    "\"User\":\"CORP\\\\admin\",\"Hashes\":\"SHA256=AB12,MD5=CD34\",\"IntegrityLevel\":\"High\"}",
    "{\"event_data\":{\"CommandLine\":\"powershell -enc SQBFAFgA\",\"TargetFilename\":"
    "\"C:\\\\Users\\\\x\\\\AppData\\\\Local\\\\Temp\\\\a.ps1\"},\"event_id\":\"1\","
    "\"Event\":{\"EventData\":{\"CommandLine\":\"rundll32.exe x.dll,#1\"}}}",
    "{\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"DeleteFlowLogs\",\"eventTime\":"
    "\"2024-03-04T05:06:07Z\",\"sourceIPAddress\":\"10.1.2.3\",\"userIdentity\":{\"type\":"
    "\"AssumedRole\",\"arn\":\"arn:aws:iam::1:role/x\",\"sessionContext\":{\"sessionIssuer\":"
    "{\"type\":\"Role\"}}},\"requestParameters\":{\"flowLogIds\":[\"fl-1\",\"fl-2\"]},"
    "\"responseElements\":null}",
    "{\"operationName\":\"MICROSOFT.NETWORK/NETWORKWATCHERS/FLOWLOGS/DELETE\",\"properties\":"
    "{\"statusCode\":\"OK\"},\"a.b\":{\"c\":1},\"a\":{\"b.c\":[true,false,null,-0.5e3]},"
    "\"DestinationIp\":\"2001:db8::7\",\"DestinationPort\":\"445\",\"ß\":\"STRASSE\"}",
};

typedef struct fuzz_engine {
    rt_scanner *scan;
    sv_event *ev;
    sv_exec *x;
    uint32_t *hits;
    size_t nrules;
} fuzz_engine;

/* any: how the scanner records keyword values (rt_any_of(p): as replay
   does). */
static inline void fuzz_engine_init(fuzz_engine *e, const sv_pack *p, rt_any any) {
    size_t np = sv_pack_path_count(p);
    const char **paths = calloc(np + 1, sizeof *paths);
    FUZZ_CHECK(paths);
    for (size_t i = 0; i < np; i++)
        paths[i] = sv_pack_path(p, i);
    e->scan = rt_scanner_new(paths, np, any);
    free(paths);
    e->ev = sv_event_new(np);
    e->x = sv_exec_new(p);
    e->nrules = sv_pack_rule_count(p);
    e->hits = calloc(e->nrules + 1, sizeof *e->hits);
    FUZZ_CHECK(e->hits);
}

static inline void fuzz_engine_free(fuzz_engine *e) {
    rt_scanner_free(e->scan);
    sv_event_free(e->ev);
    sv_exec_free(e->x);
    free(e->hits);
}

/* Scans one document and runs the rules on it; the number of matches. */
static inline size_t fuzz_engine_run(fuzz_engine *e, const char *doc, size_t len) {
    const char *err = NULL;
    size_t off = SIZE_MAX;
    if (!rt_scan(e->scan, doc, len, e->ev, &err, &off)) {
        FUZZ_CHECK(err && err[0] && off <= len);
        return 0;
    }
    size_t n = sv_exec_run(e->x, e->ev, e->hits);
    FUZZ_CHECK(n <= e->nrules);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(e->hits[i] < e->nrules);
    return n;
}

/* Lists p and runs it over every fuzz event. */
static inline void fuzz_run_events(const sv_pack *p) {
    static FILE *sink;
    if (!sink) sink = fopen("/dev/null", "w");
    FUZZ_CHECK(sink);
    sv_disasm(p, sink);
    fuzz_engine e;
    fuzz_engine_init(&e, p, rt_any_of(p));
    for (size_t i = 0; i < sizeof fuzz_events / sizeof *fuzz_events; i++)
        fuzz_engine_run(&e, fuzz_events[i], strlen(fuzz_events[i]));
    fuzz_engine_free(&e);
}

/* Compiles what rs read and loads the pack, which the loader must accept:
   the compiler only writes valid packs. Every diagnostic must say
   something. NULL when the pack would be too large to write. */
static inline sv_pack *fuzz_compile(const sg_ruleset *rs) {
    for (size_t i = 0; i < sg_diag_count(rs); i++)
        FUZZ_CHECK(sg_diag_at(rs, i)->msg && sg_diag_at(rs, i)->msg[0]);
    unsigned char *img;
    size_t len;
    char err[512];
    if (cp_compile(rs, &img, &len, NULL, err, sizeof err) != 0) return NULL;
    sv_pack *p = sv_pack_load(img, len, err, sizeof err);
    free(img);
    if (!p) fprintf(stderr, "compiled pack refused: %s\n", err);
    FUZZ_CHECK(p);
    return p;
}

/* The end every rule-reading target shares: finish reading, compile, run
   the pack over the events, free everything. */
static inline int fuzz_finish(sg_ruleset *rs) {
    sg_finish(rs);
    sv_pack *p = fuzz_compile(rs);
    if (p) fuzz_run_events(p);
    sv_pack_free(p);
    sg_ruleset_free(rs);
    return 0;
}

#endif
