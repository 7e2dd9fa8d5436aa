/* cmd_disasm.c: `sigvm disasm`: a pack's tables and code, readable. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "usage: sigvm disasm PACK\n"
    "       sigvm disasm [options] RULE_PATH...\n"
    "\n"
    "Prints the field-path table, the shared test table and every rule's bytecode,\n"
    "of a pack file or of rules compiled on the fly.\n"
    "\n"
    "options:\n"
    "  -h, --help              this text\n"
    "%s";

int cmd_disasm(int argc, char **argv) {
    static const struct option longs[] = {{"help", no_argument, 0, 'h'}, CLI_RULE_OPTIONS, {0}};
    rule_opts o = {0};
    for (int c; (c = getopt_long(argc, argv, "h" CLI_RULE_SHORT, longs, NULL)) != -1;) {
        int r = cli_rule_option(c, optarg, &o);
        if (r < 0) return EXIT_USAGE;
        if (r) continue;
        if (c == 'h') {
            printf(help, cli_rule_help);
            return EXIT_OK;
        }
        fprintf(stderr, help, cli_rule_help);
        return EXIT_USAGE;
    }
    o.quiet = true; /* the listing is the output; diagnostics would only repeat */
    int i = optind;
    if (i == argc) {
        fprintf(stderr, help, cli_rule_help);
        return EXIT_USAGE;
    }
    sv_pack *pack;
    unsigned char *image = NULL;
    size_t refused = 0, len;
    cp_stats st;
    if (argc - i == 1 && cli_is_pack(argv[i]))
        pack = cli_load_pack(argv[i]);
    else
        pack = cli_compile((const char *const *)argv + i, (size_t)(argc - i), &o, &refused, &image,
                           &len, &st, NULL);
    free(image);
    if (!pack) return EXIT_RULES;
    sv_disasm(pack, stdout);
    sv_pack_free(pack);
    return refused ? EXIT_RULES : EXIT_OK;
}
