/* load.c: from rule paths or a pack file to a loaded, verified pack. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "correlations.h"

void cli_print_diags(const sg_ruleset *rs, bool quiet) {
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

const char cli_rule_help[] =
    "  -P, --placeholders FILE YAML map of placeholder names to values, for |expand\n"
    "      --profile NAME      map fields and logsources for a log layout (see\n"
    "                          `sigvm profiles`); none: use field names as written\n"
    "      --mapping FILE      a mapping file laid over the profile (repeatable)\n"
    "      --unmapped run|skip rules whose logsource the mapping does not know:\n"
    "                          skip them (default, counted) or run them unguarded\n"
    "  -k, --keep-going        use the rules that are fine despite bad ones\n"
    "  -q, --quiet             no warnings and no summary (errors are still shown)\n";

int cli_rule_option(int c, const char *arg, rule_opts *o) {
    switch (c) {
    case 'P': o->placeholders = arg; return 1;
    case 'k': o->keep_going = true; return 1;
    case 'q': o->quiet = true; return 1;
    case OPT_PROFILE: o->profile = arg; return 1;
    case OPT_MAPPING:
        if (o->nmappings == sizeof o->mappings / sizeof *o->mappings) {
            fprintf(stderr, "sigvm: at most %zu --mapping files\n", o->nmappings);
            return -1;
        }
        o->mappings[o->nmappings++] = arg;
        return 1;
    case OPT_UNMAPPED:
        if (strcmp(arg, "run") && strcmp(arg, "skip")) {
            fprintf(stderr, "sigvm: --unmapped takes run or skip, not '%s'\n", arg);
            return -1;
        }
        o->run_unmapped = !strcmp(arg, "run");
        return 1;
    default: return 0;
    }
}

sv_pack *cli_compile(const char *const *paths, size_t n, const rule_opts *o, size_t *refused,
                     unsigned char **image, size_t *image_len, cp_stats *stats, corr_plan **plan) {
    sg_options so = {.placeholder_file = o->placeholders, .run_unmapped = o->run_unmapped};
    sg_ruleset *rs = sg_ruleset_new(&so);
    sg_use_profile(rs, o->profile);
    for (size_t i = 0; i < o->nmappings; i++)
        sg_add_mapping(rs, o->mappings[i]);
    for (size_t i = 0; i < n; i++)
        sg_load_path(rs, paths[i]);
    sg_finish(rs);
    cli_print_diags(rs, o->quiet);
    *refused = files_with_errors(rs);
    size_t unmapped = sg_unmapped_count(rs);
    if (unmapped && !o->quiet)
        fprintf(stderr, "sigvm: %zu rules have a logsource that profile %s does not know: %s\n",
                unmapped, o->profile ? o->profile : "none",
                o->run_unmapped ? "run without a logsource guard (--unmapped=run)"
                                : "skipped (--unmapped=run runs them)");
    sv_pack *pack = NULL;
    if (*refused && !o->keep_going) goto done;
    if (plan)
        *plan = corr_plan_new(rs);
    else if (sg_correlation_count(rs) && !o->quiet)
        fprintf(stderr, "sigvm: %zu correlation rules are not kept in packs: run them with -r\n",
                sg_correlation_count(rs));
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
    /* Past the limit the loader refuses the pack anyway: stop reading. */
    for (size_t got; buf && n <= SV_PACK_MAX_SIZE && (got = fread(buf + n, 1, cap - n, f)) > 0;)
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

int cmd_profiles(int argc, char **argv) {
    if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        puts("usage: sigvm profiles\n\nLists the built-in mapping profiles (for --profile).");
        return EXIT_OK;
    }
    if (argc > 1) {
        fprintf(stderr, "sigvm profiles: takes no arguments\n");
        return EXIT_USAGE;
    }
    for (const char *const *p = sg_profile_names(); *p; p++)
        printf("%-16s %s\n", *p, sg_profile_description(*p));
    return EXIT_OK;
}
