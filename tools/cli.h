/* cli.h: what the sigvm subcommands share. */
#ifndef SIGVM_CLI_H
#define SIGVM_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "compiler/compiler.h"
#include "vm/vm.h"

/* Exit statuses, documented in `sigvm --help` and the README. */
enum {
    EXIT_OK = 0,
    EXIT_DATA = 1,  /* finished, but some input was unreadable or skipped */
    EXIT_USAGE = 2, /* bad command line */
    EXIT_RULES = 3, /* a rule or pack was refused */
};

/* What the rule-reading commands accept. */
typedef struct rule_opts {
    const char *placeholders;
    bool keep_going; /* compile what can be compiled despite bad rules */
    bool quiet;      /* no warnings */
} rule_opts;

/* Reads and compiles rule paths into a loaded pack, printing diagnostics to
   stderr. *refused counts rules that had errors. NULL when nothing usable
   came out (errors without keep_going, or an internal failure). */
sv_pack *cli_compile(const char *const *paths, size_t n, const rule_opts *o, size_t *refused,
                     unsigned char **image, size_t *image_len, cp_stats *stats);
/* Loads a pack file; NULL with a message on stderr. */
sv_pack *cli_load_pack(const char *path);
/* Whether a file starts with the pack magic. */
bool cli_is_pack(const char *path);

int cmd_compile(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_disasm(int argc, char **argv);

#endif
