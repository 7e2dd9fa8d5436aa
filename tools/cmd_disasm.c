/* cmd_disasm.c: `sigvm disasm`: a pack's tables and code, readable. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "usage: sigvm disasm PACK\n"
    "       sigvm disasm [-P FILE] RULE_PATH...\n"
    "\n"
    "Prints the field-path table, the shared test table and every rule's bytecode,\n"
    "of a pack file or of rules compiled on the fly.\n"
    "\n"
    "options:\n"
    "  -P, --placeholders FILE YAML map of placeholder names to values, for |expand\n"
    "  -h, --help              this text\n";

int cmd_disasm(int argc, char **argv) {
    static const struct option longs[] = {
        {"placeholders", required_argument, 0, 'P'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    rule_opts o = {.quiet = true};
    for (int c; (c = getopt_long(argc, argv, "P:h", longs, NULL)) != -1;) {
        switch (c) {
        case 'P': o.placeholders = optarg; break;
        case 'h': fputs(help, stdout); return EXIT_OK;
        default: fputs(help, stderr); return EXIT_USAGE;
        }
    }
    int i = optind;
    if (i == argc) {
        fputs(help, stderr);
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
                           &len, &st);
    free(image);
    if (!pack) return EXIT_RULES;
    sv_disasm(pack, stdout);
    sv_pack_free(pack);
    return refused ? EXIT_RULES : EXIT_OK;
}
