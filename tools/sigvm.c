/* sigvm.c: the command-line entry point; one subcommand per file. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
    "usage: sigvm COMMAND [options] ...\n"
    "\n"
    "Compile detection rules (Sigma, Panther-style YAML) to bytecode, run them over\n"
    "JSON logs, and test them against their sample events.\n"
    "\n"
    "commands:\n"
    "  compile [-o PACK] RULE_PATH...     check rules; with -o, write a pack\n"
    "  run (-r RULE_PATH | -p PACK)... [INPUT...]\n"
    "                                     match rules against JSON logs (files, folders)\n"
    "  test [--junit FILE] RULE_PATH...   run rules' tests (Panther Tests:, sidecar\n"
    "                                     samples, SigmaHQ regression data)\n"
    "  disasm (PACK | RULE_PATH...)       print a pack's tables and bytecode\n"
    "  profiles                           list the built-in log-layout profiles\n"
    "\n"
    "RULE_PATH is a rule file or a directory searched recursively for *.yml and\n"
    "*.yaml. `sigvm COMMAND --help` describes each command.\n"
    "\n"
    "exit status:\n"
    "  0  success\n"
    "  1  finished, but some input could not be read or some events were skipped\n"
    "     (test: some test failed)\n"
    "  2  bad command line\n"
    "  3  a rule or pack was refused (with --keep-going, the rest was still used)\n";

/* Input files are read through a mapping (runtime/input.c): one cut
   short by another process while it is read faults here, where read()
   would have found an early end. Say so before dying of it. */
static void on_bus_error(int sig) {
    static const char msg[] = "sigvm: an input file was truncated while it was read; "
                              "pipe a file that may change through standard input (-)\n";
    (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
    signal(sig, SIG_DFL);
    raise(sig);
}

int main(int argc, char **argv) {
    signal(SIGBUS, on_bus_error);
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        puts("sigvm 0.1.0");
        return EXIT_OK;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {{"compile", cmd_compile},
                {"run", cmd_run},
                {"test", cmd_test},
                {"disasm", cmd_disasm},
                {"profiles", cmd_profiles}};
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
        if (!strcmp(argv[1], cmds[i].name)) return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "sigvm: unknown command '%s'\n\n%s", argv[1], usage);
    return EXIT_USAGE;
}
