/* cmd_compile.c: `sigvm compile`: check rules and write a pack. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "usage: sigvm compile [options] RULE_PATH...\n"
    "\n"
    "Reads Sigma rules (files, or directories searched recursively for *.yml and\n"
    "*.yaml), reports every problem as FILE:LINE:COL, and with -o writes one pack.\n"
    "\n"
    "options:\n"
    "  -o, --output PACK       write the compiled pack to PACK\n"
    "  -h, --help              this text\n"
    "%s"
    "\n"
    "exit status: 0 all rules compiled; 2 bad command line; 3 some rule was refused\n"
    "(with -k the pack still holds the others).\n";

static bool write_file(const char *path, const unsigned char *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    bool ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

int cmd_compile(int argc, char **argv) {
    static const struct option longs[] = {{"output", required_argument, 0, 'o'},
                                          {"help", no_argument, 0, 'h'},
                                          CLI_RULE_OPTIONS,
                                          {0}};
    const char *out = NULL;
    rule_opts o = {0};
    for (int c; (c = getopt_long(argc, argv, "o:h" CLI_RULE_SHORT, longs, NULL)) != -1;) {
        int r = cli_rule_option(c, optarg, &o);
        if (r < 0) return EXIT_USAGE;
        if (r) continue;
        switch (c) {
        case 'o': out = optarg; break;
        case 'h': printf(help, cli_rule_help); return EXIT_OK;
        default: fprintf(stderr, help, cli_rule_help); return EXIT_USAGE;
        }
    }
    if (optind == argc) {
        fputs("sigvm compile: no rule path given\n\n", stderr);
        fprintf(stderr, help, cli_rule_help);
        return EXIT_USAGE;
    }
    size_t refused, len = 0;
    unsigned char *image = NULL;
    cp_stats st = {0};
    sv_pack *pack = cli_compile((const char *const *)argv + optind, (size_t)(argc - optind), &o,
                                &refused, &image, &len, &st, NULL);
    int rc = refused ? EXIT_RULES : EXIT_OK;
    if (pack && out && !write_file(out, image, len)) {
        fprintf(stderr, "sigvm compile: %s: %s\n", out, strerror(errno));
        rc = EXIT_RULES;
    }
    if (pack && !o.quiet)
        fprintf(stderr,
                "sigvm compile: %zu rules, %zu field paths, %zu tests (%zu before sharing), "
                "%zu instructions, %zu bytes%s%s%s\n",
                st.rules, sv_pack_path_count(pack), st.tests, st.test_refs, st.instructions, len,
                out ? " written to " : "", out ? out : "",
                refused ? "; files with errors were left out" : "");
    if (!pack) rc = EXIT_RULES;
    if (refused && !o.quiet) fprintf(stderr, "sigvm compile: %zu file(s) with errors\n", refused);
    sv_pack_free(pack);
    free(image);
    return rc;
}
