/* commands.h - the table of commands: one line each, in the order --help lists them.
 * X(NAME, FUNCTION, SUMMARY); FUNCTION lives in programs/cmd_NAME.c. */
#ifndef UNSPIN_COMMANDS_H
#define UNSPIN_COMMANDS_H

#define UNSPIN_COMMANDS(X)                                                                  \
    X("tokens", cmd_tokens, "split text into tokens with their attributes")

#define X(name, fn, summary) int fn(int argc, char **argv);
UNSPIN_COMMANDS(X)
#undef X

#endif
