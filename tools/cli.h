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
    const char *profile;      /* built-in mapping profile, NULL or "none" for none */
    const char *mappings[16]; /* mapping files laid over the profile */
    size_t nmappings;
    bool run_unmapped; /* keep rules whose logsource the mapping does not know */
    bool keep_going;   /* compile what can be compiled despite bad rules */
    bool quiet;        /* no warnings */
} rule_opts;

/* Options every rule-reading command takes (getopt_long codes >= 256 have
   no short form), their help lines, and their handler: 1 handled, 0 not a
   rule option, -1 a bad value (reported). */
enum { OPT_PROFILE = 256, OPT_MAPPING, OPT_UNMAPPED };
#define CLI_RULE_OPTIONS                                                                           \
    {"placeholders", required_argument, 0, 'P'}, {"profile", required_argument, 0, OPT_PROFILE},   \
        {"mapping", required_argument, 0, OPT_MAPPING},                                            \
        {"unmapped", required_argument, 0, OPT_UNMAPPED}, {"keep-going", no_argument, 0, 'k'}, {   \
        "quiet", no_argument, 0, 'q'                                                               \
    }
#define CLI_RULE_SHORT "P:kq"
extern const char cli_rule_help[];
int cli_rule_option(int c, const char *arg, rule_opts *o);

struct corr_plan;
/* Reads and compiles rule paths into a loaded pack, printing diagnostics to
   stderr. *refused counts rules that had errors. NULL when nothing usable
   came out (errors without keep_going, or an internal failure). plan, if
   not NULL, gets the rules' correlations (NULL when there are none); when
   NULL, correlations are reported as left out of the pack. */
sv_pack *cli_compile(const char *const *paths, size_t n, const rule_opts *o, size_t *refused,
                     unsigned char **image, size_t *image_len, cp_stats *stats,
                     struct corr_plan **plan);
/* Prints a ruleset's diagnostics to stderr, as FILE:LINE:COL: error: ... */
void cli_print_diags(const sg_ruleset *rs, bool quiet);
/* Loads a pack file; NULL with a message on stderr. */
sv_pack *cli_load_pack(const char *path);
/* Whether a file starts with the pack magic. */
bool cli_is_pack(const char *path);

int cmd_compile(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_disasm(int argc, char **argv);
int cmd_profiles(int argc, char **argv);
int cmd_test(int argc, char **argv);

/* ---- Running a pack over single documents (engine.c) ---- */

/* A loaded pack with what running it needs. */
typedef struct cli_engine {
    sv_pack *pack;
    struct rt_scanner *scan;
    sv_event *ev;
    sv_exec *x;
    uint32_t *hits; /* room for every rule */
} cli_engine;

/* Takes ownership of p; false when p is NULL. */
bool cli_engine_init(cli_engine *g, sv_pack *p);
void cli_engine_free(cli_engine *g);
/* Scans one JSON document and runs every rule over it: how many matched
   (their indices in g->hits), or SIZE_MAX when doc is not a JSON object,
   with *err and *off saying why and where. */
size_t cli_engine_eval(cli_engine *g, const char *doc, size_t len, const char **err, size_t *off);
/* Compiles rules given one by one and loads the pack; false with a message
   on stderr (an internal error: the rules were read without errors). */
bool cli_engine_compile(cli_engine *g, const sg_rule *const *rules, size_t n);

#endif
