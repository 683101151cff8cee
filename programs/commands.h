/* commands.h - the table of commands: one line each, in the order --help lists them.
 * X(NAME, FUNCTION, SUMMARY); FUNCTION lives in programs/cmd_NAME.c. */
#ifndef UNSPIN_COMMANDS_H
#define UNSPIN_COMMANDS_H

#define UNSPIN_COMMANDS(X)                                                                  \
    X("restore", cmd_restore, "restore the original wording of spun text")                   \
    X("check", cmd_check, "estimate how likely a text was spun (exit 0: looks spun)")        \
    X("match", cmd_match, "find the source of a spun copy in a collection of originals")     \
    X("build", cmd_build, "build a language model (build lm) or lexicon (build lexicon)")    \
    X("lm", cmd_lm, "query language models: score, info, verify, export, import")            \
    X("lexicon", cmd_lexicon, "show the candidate originals of a spun word or phrase")       \
    X("tokens", cmd_tokens, "split text into tokens with their attributes")

#define X(name, fn, summary) int fn(int argc, char **argv);
UNSPIN_COMMANDS(X)
#undef X

/* `unspin build lexicon` (programs/cmd_build_lexicon.c), dispatched by cmd_build. */
int cmd_build_lexicon(int argc, char **argv);

#endif
