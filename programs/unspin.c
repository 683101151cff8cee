/* unspin.c - entry point: dispatch to the command named on the command line. */
#include "cli.h"
#include "commands.h"

#include <signal.h>
#include <string.h>

static const cli_command commands[] = {
#define X(name, fn, summary) {name, fn, summary},
    UNSPIN_COMMANDS(X)
#undef X
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: unspin COMMAND [OPTIONS] [FILE...]\n"
            "\n"
            "Find and undo article spinning. Commands read the FILEs (or standard\n"
            "input when none is given or FILE is '-') and write to standard output.\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f,
            "\n"
            "Run 'unspin COMMAND --help' for the options of a command.\n"
            "\n"
            "exit status: 0 success; 1 'check' found no spun text or 'match' no source;\n"
            "2 usage or input error; 3 missing or corrupt model file; 4 other failure.\n"
            "options: --help, --version\n");
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return cli_finish_output();
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("unspin %s\n", unspin_version());
        return cli_finish_output();
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    if (cmd[0] == '-')
        cli_error("unknown option '%s' (try 'unspin --help')", cmd);
    else
        cli_error("unknown command '%s' (try 'unspin --help')", cmd);
    return CLI_USAGE;
}
