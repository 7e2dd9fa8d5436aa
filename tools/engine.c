/* engine.c: a pack with its scanner, event and interpreter, for commands
   that run rules over single documents (`sigvm test`, explain traces). */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "runtime/runtime.h"

bool cli_engine_init(cli_engine *g, sv_pack *p) {
    *g = (cli_engine){0};
    if (!p) return false;
    size_t np = sv_pack_path_count(p), nr = sv_pack_rule_count(p);
    const char **paths = malloc((np ? np : 1) * sizeof *paths);
    g->hits = malloc((nr ? nr : 1) * sizeof *g->hits);
    if (!paths || !g->hits) abort();
    for (size_t i = 0; i < np; i++)
        paths[i] = sv_pack_path(p, i);
    g->pack = p;
    g->scan = rt_scanner_new(paths, np, rt_any_of(p));
    g->ev = sv_event_new(np);
    g->x = sv_exec_new(p);
    free(paths);
    return true;
}

void cli_engine_free(cli_engine *g) {
    rt_scanner_free(g->scan);
    sv_event_free(g->ev);
    sv_exec_free(g->x);
    sv_pack_free(g->pack);
    free(g->hits);
    *g = (cli_engine){0};
}

size_t cli_engine_eval(cli_engine *g, const char *doc, size_t len, const char **err, size_t *off) {
    if (!rt_scan(g->scan, doc, len, g->ev, err, off)) return SIZE_MAX;
    return sv_exec_run(g->x, g->ev, g->hits);
}

bool cli_engine_compile(cli_engine *g, const sg_rule *const *rules, size_t n) {
    unsigned char *img;
    size_t len;
    char err[512];
    sv_pack *p = NULL;
    if (cp_compile_rules(rules, n, &img, &len, NULL, err, sizeof err) == 0) {
        p = sv_pack_load(img, len, err, sizeof err);
        free(img);
    }
    if (!p) fprintf(stderr, "sigvm: internal error: compiled rules refused: %s\n", err);
    return cli_engine_init(g, p);
}
