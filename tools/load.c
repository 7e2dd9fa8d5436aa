/* load.c: from rule paths or a pack file to a loaded, verified pack. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void print_diags(const sg_ruleset *rs, bool quiet) {
    for (size_t i = 0; i < sg_diag_count(rs); i++) {
        const sg_diag *d = sg_diag_at(rs, i);
        if (d->warning && quiet) continue;
        if (d->pos.line > 0)
            fprintf(stderr, "%s:%d:%d: %s: %s\n", d->pos.file, d->pos.line, d->pos.col,
                    d->warning ? "warning" : "error", d->msg);
        else
            fprintf(stderr, "%s: %s: %s\n", d->pos.file, d->warning ? "warning" : "error", d->msg);
    }
}

/* Distinct files with errors: one bad rule file counts once however many
   problems it has. */
static size_t files_with_errors(const sg_ruleset *rs) {
    size_t n = 0;
    const char *last = NULL;
    for (size_t i = 0; i < sg_diag_count(rs); i++) {
        const sg_diag *d = sg_diag_at(rs, i);
        if (d->warning || (last && !strcmp(last, d->pos.file))) continue;
        last = d->pos.file;
        n++;
    }
    return n;
}

sv_pack *cli_compile(const char *const *paths, size_t n, const rule_opts *o, size_t *refused,
                     unsigned char **image, size_t *image_len, cp_stats *stats) {
    sg_options so = {.placeholder_file = o->placeholders};
    sg_ruleset *rs = sg_ruleset_new(&so);
    for (size_t i = 0; i < n; i++)
        sg_load_path(rs, paths[i]);
    sg_finish(rs);
    print_diags(rs, o->quiet);
    *refused = files_with_errors(rs);
    sv_pack *pack = NULL;
    if (*refused && !o->keep_going) goto done;
    char err[512];
    if (cp_compile(rs, image, image_len, stats, err, sizeof err) != 0) {
        fprintf(stderr, "sigvm: %s\n", err);
        goto done;
    }
    pack = sv_pack_load(*image, *image_len, err, sizeof err);
    if (!pack) fprintf(stderr, "sigvm: internal error: compiled pack refused: %s\n", err);
done:
    sg_ruleset_free(rs);
    return pack;
}

static unsigned char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;)
        if ((n += got) == cap) buf = realloc(buf, cap *= 2);
    bool bad = ferror(f);
    fclose(f);
    if (!buf) abort();
    if (bad) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

sv_pack *cli_load_pack(const char *path) {
    size_t len;
    unsigned char *img = read_all(path, &len);
    if (!img) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return NULL;
    }
    char err[512];
    sv_pack *p = sv_pack_load(img, len, err, sizeof err);
    free(img);
    if (!p) fprintf(stderr, "%s: %s\n", path, err);
    return p;
}

bool cli_is_pack(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    char magic[8];
    bool yes = fread(magic, 1, 8, f) == 8 && !memcmp(magic, SV_PACK_MAGIC, 8);
    fclose(f);
    return yes;
}
