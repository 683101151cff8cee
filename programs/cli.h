/*
 * cli.h - what the command-line front end's commands share: exit codes,
 * error lines, option parsing, input files, JSON output, progress.
 */
#ifndef UNSPIN_CLI_H
#define UNSPIN_CLI_H

#include "unspin.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

/* Exit status of every command (docs/unspin.1 and README list them). */
enum {
    CLI_OK = 0,       /* success; for `check`: the text looks spun */
    CLI_NEGATIVE = 1, /* `check`: no text looks spun (as grep's "no match") */
    CLI_USAGE = 2,    /* wrong usage, or an input file that cannot be read */
    CLI_MODEL = 3,    /* a model file is missing, corrupt or of the wrong version */
    CLI_FAIL = 4      /* out of memory, write error or other failure */
};

typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    const char *summary;
} cli_command;

/* "unspin: MESSAGE" on stderr, one line. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "unspin CMD: MESSAGE (try 'unspin CMD --help')"; returns CLI_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report a library error and return the matching exit status
 * (CLI_MODEL for model-file problems, CLI_USAGE for input, else CLI_FAIL). */
int cli_lib_error(const unspin_error *err, bool model);

/* getopt_long with the project's error messages. Returns the option
 * character, -1 at the end, or '?' after printing a usage error (the caller
 * then returns CLI_USAGE). Resets getopt's state on the first call for argv. */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);
/* Parse a number option; on error prints a usage line and returns false. */
bool cli_parse_double(const char *cmd, const char *opt, const char *s, double lo, double hi, double *out);
bool cli_parse_long(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out);

/* ---- input ----
 * Commands read FILE... or stdin ("-" or no file). A file that is missing,
 * unreadable or a directory is an error (exit 2) named on stderr. */
typedef struct cli_input {
    const char *name; /* "-" for stdin */
    int fd;
} cli_input;

int cli_input_open(const char *cmd, const char *path, cli_input *in);
/* Read up to cap bytes; returns bytes read, 0 at end, -1 after an error line. */
long cli_input_read(const char *cmd, cli_input *in, char *buf, size_t cap);
void cli_input_close(cli_input *in);

/* Read a whole (small) input into memory; NUL-terminated. */
int cli_read_all(const char *cmd, const char *path, char **data, size_t *len);

/* Call fn(ctx, line, len, lineno) for each line of FILE... (or stdin), the line
 * without its terminator; `eol` tells whether a newline ended it. Lines longer
 * than max_line bytes are handed over in pieces of max_line bytes (more=true
 * on all but the last), never dropped. Returns a CLI_* status. */
typedef int (*cli_line_fn)(void *ctx, const char *line, size_t len, bool eol);
int cli_for_each_line(const char *cmd, int nfiles, char **files, size_t max_line, cli_line_fn fn, void *ctx);

/* ---- output ---- */
/* Write a JSON string literal: UTF-8 is kept, control characters escaped,
 * and each byte of invalid UTF-8 written as \udcXX (a lone low surrogate, as
 * Python's "surrogateescape" does) so that the exact bytes can be recovered. */
void cli_json_string(FILE *f, const char *s, size_t len);
/* Flush stdout and report a write error; returns CLI_OK or CLI_FAIL. */
int cli_finish_output(void);

/* ---- progress on stderr, only when it is a terminal ---- */
bool cli_progress_enabled(void);
void cli_progress(const char *what, double done, double total);
void cli_progress_end(void);

/* ---- models ----
 * Default model paths: $UNSPIN_MODELS, then ./models, then the installed
 * data folder. Writes the first existing "DIR/NAME" into buf; returns false
 * if none exists (buf then holds the ./models path for the error message). */
bool cli_default_model(const char *name, char *buf, size_t cap);
/* A command's model file: `given` (from its option) if not NULL, which must be
 * readable, else the default NAME as cli_default_model() finds it. Returns
 * false if there is none (buf then holds the path looked for). */
bool cli_model_path(const char *given, const char *name, char *buf, size_t cap);
/* cli_model_path() that reports a missing file as "unspin: CMD: WHAT not
 * found: PATH (build the models with 'make models' or give --OPT)".
 * Commands that need several models find them all before opening any, so
 * that a missing file is reported before a bad one. */
bool cli_find_model(const char *cmd, const char *what, const char *opt, const char *given, const char *name,
                    char *buf, size_t cap);
/* Find (as cli_find_model) and open a command's language model
 * (default.uslm) or lexicon (default.uslex): `given` is the path from the
 * option named `opt` (e.g. "model"), NULL for the default. Returns CLI_OK
 * with *out set, else CLI_MODEL after an error line (not found, or the
 * library's message for a bad file). */
int cli_open_lm(const char *cmd, const char *opt, const char *given, unspin_lm **out);
int cli_open_lexicon(const char *cmd, const char *opt, const char *given, unspin_lexicon **out);

#endif
