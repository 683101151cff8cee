/* cmd_restore.c - `unspin restore`: undo article spinning. */
#include "cli.h"
#include "commands.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help[] =
    "usage: unspin restore [options] [FILE...]\n"
    "\n"
    "Restore the original wording of spun text. Every line (paragraph) is\n"
    "decoded on its own; only the restored spans change, every other byte\n"
    "and the line layout are kept. A word is changed only when the posterior\n"
    "of the change clears the threshold.\n"
    "\n"
    "  -m, --model LM        language model (default: default.uslm in the model folder)\n"
    "  -l, --lexicon LEX     lexicon (default: default.uslex)\n"
    "  -c, --channel CHAN    channel model weights (default: default.uschan)\n"
    "  -t, --threshold P     change a span only when P(change) >= P, 0 < P < 1\n"
    "                        (default: the channel model's fitted threshold)\n"
    "  -b, --beam N          hypotheses kept per position (default 4)\n"
    "  -k, --candidates N    candidates kept per position (default 12)\n"
    "      --no-consistency  no document-consistency pass\n"
    "  -d, --diff            word diff: [-spun-]{+restored+} (coloured on a terminal)\n"
    "  -j, --json            JSON Lines, one object per input line: {\"line\",\"start\",\n"
    "                        \"text\",\"spans\":[{\"start\",\"end\",\"spun\",\"restored\",\n"
    "                        \"confidence\",\"alternatives\":[{\"text\",\"p\"}]}]};\n"
    "                        offsets are bytes from the start of the input\n"
    "  -h, --help            show this help\n"
    "\n"
    "Each FILE is one document for the consistency pass (stdin: one document):\n"
    "it is read whole (in parts of 64 MiB) and observed first, so that a word\n"
    "replaced the same way throughout the document adds up its evidence.\n"
    "Model folder: $UNSPIN_MODELS, then ./models, then the installed data folder.\n";

#define MAX_LINE (1u << 20)

typedef struct rs_ctx {
    unspin_restorer *r;
    bool json, diff, color;
    unsigned long long base; /* offset of the line in the input */
    unsigned long long line;
    int status;
    /* the document, buffered by the observation pass and then restored */
    char *buf;
    size_t nbuf, capbuf;
} rs_ctx;

static void print_diff(const rs_ctx *c, const char *line, size_t len, const unspin_restore_result *res)
{
    size_t at = 0;
    for (size_t i = 0; i < res->nspans; i++) {
        const unspin_restore_span *s = &res->spans[i];
        fwrite(line + at, 1, s->start - at, stdout);
        fputs(c->color ? "\033[31m[-" : "[-", stdout);
        fputs(s->spun, stdout);
        fputs(c->color ? "-]\033[0m\033[32m{+" : "-]{+", stdout);
        fputs(s->restored, stdout);
        fputs(c->color ? "+}\033[0m" : "+}", stdout);
        at = s->end;
    }
    fwrite(line + at, 1, len - at, stdout);
}

static void print_json(const rs_ctx *c, const unspin_restore_result *res)
{
    printf("{\"line\":%llu,\"start\":%llu,\"text\":", c->line, c->base);
    cli_json_string(stdout, res->text, res->length);
    fputs(",\"spans\":[", stdout);
    for (size_t i = 0; i < res->nspans; i++) {
        const unspin_restore_span *s = &res->spans[i];
        printf("%s{\"start\":%llu,\"end\":%llu,\"spun\":", i ? "," : "", c->base + s->start, c->base + s->end);
        cli_json_string(stdout, s->spun, strlen(s->spun));
        fputs(",\"restored\":", stdout);
        cli_json_string(stdout, s->restored, strlen(s->restored));
        printf(",\"confidence\":%.4f,\"alternatives\":[", s->confidence);
        for (size_t k = 0; k < s->nalternatives; k++) {
            printf("%s{\"text\":", k ? "," : "");
            cli_json_string(stdout, s->alternatives[k].text, strlen(s->alternatives[k].text));
            printf(",\"p\":%.4f}", s->alternatives[k].p);
        }
        fputs("]}", stdout);
    }
    fputs("]}\n", stdout);
}

static int on_line(void *ctx, const char *line, size_t len, bool eol)
{
    rs_ctx *c = ctx;
    unspin_restore_result *res;
    unspin_error err;
    if (unspin_restore(c->r, line, len, &res, &err) != UNSPIN_OK)
        return cli_lib_error(&err, false);
    c->line++;
    if (c->json)
        print_json(c, res);
    else if (c->diff)
        print_diff(c, line, len, res);
    else
        fwrite(res->text, 1, res->length, stdout);
    if (eol && !c->json)
        putchar('\n');
    c->base += len + (eol ? 1 : 0);
    unspin_restore_result_free(res);
    return ferror(stdout) ? CLI_FAIL : CLI_OK;
}

/* A document is buffered up to this size; a longer one is restored in
 * parts of about this size, each observed on its own. */
#define DOC_BUF_MAX ((size_t)64 << 20)

/* Observe the buffered part of the document (pass 2), restore and write
 * it, and start a new part. */
static int flush_document(rs_ctx *c)
{
    int rc = CLI_OK;
    for (size_t at = 0; rc == CLI_OK && at < c->nbuf;) { /* pass 2 of the observation */
        size_t len;
        memcpy(&len, c->buf + at, sizeof len);
        unspin_error err;
        if (unspin_restore_observe(c->r, c->buf + at + sizeof len + 1, len, 2, &err) != UNSPIN_OK)
            rc = cli_lib_error(&err, false);
        at += sizeof len + 1 + len;
    }
    for (size_t at = 0; rc == CLI_OK && at < c->nbuf;) {
        size_t len;
        memcpy(&len, c->buf + at, sizeof len);
        bool eol = c->buf[at + sizeof len] != 0;
        rc = on_line(c, c->buf + at + sizeof len + 1, len, eol);
        at += sizeof len + 1 + len;
    }
    c->nbuf = 0;
    unspin_restorer_reset(c->r);
    return rc;
}

/* First pass: remember the line (length, end-of-line flag, bytes) and let
 * the restorer count its words (pass 1 of the observation). */
static int on_observe(void *ctx, const char *line, size_t len, bool eol)
{
    rs_ctx *c = ctx;
    if (c->nbuf > 0 && c->nbuf + len > DOC_BUF_MAX) {
        int rc = flush_document(c);
        if (rc != CLI_OK)
            return rc;
    }
    size_t need = c->nbuf + sizeof(size_t) + 1 + len;
    if (need > c->capbuf) {
        size_t cap = c->capbuf ? c->capbuf : 1 << 16;
        while (cap < need)
            cap *= 2;
        char *nb = realloc(c->buf, cap);
        if (!nb) {
            fprintf(stderr, "unspin restore: out of memory\n");
            return CLI_FAIL;
        }
        c->buf = nb;
        c->capbuf = cap;
    }
    memcpy(c->buf + c->nbuf, &len, sizeof len);
    c->buf[c->nbuf + sizeof len] = eol ? 1 : 0;
    memcpy(c->buf + c->nbuf + sizeof len + 1, line, len);
    c->nbuf = need;
    unspin_error err;
    if (unspin_restore_observe(c->r, line, len, 1, &err) != UNSPIN_OK)
        return cli_lib_error(&err, false);
    return CLI_OK;
}

/* One document (nfiles 0: stdin): observe every line, then restore them. */
static int restore_document(rs_ctx *c, int nfiles, char **files)
{
    c->nbuf = 0;
    unspin_restorer_reset(c->r);
    int rc = cli_for_each_line("restore", nfiles, files, MAX_LINE, on_observe, c);
    if (rc == CLI_OK)
        rc = flush_document(c);
    return rc;
}

int cmd_restore(int argc, char **argv)
{
    enum { OPT_NO_CONS = 256 };
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'},
        {"lexicon", required_argument, NULL, 'l'},
        {"channel", required_argument, NULL, 'c'},
        {"threshold", required_argument, NULL, 't'},
        {"beam", required_argument, NULL, 'b'},
        {"candidates", required_argument, NULL, 'k'},
        {"no-consistency", no_argument, NULL, OPT_NO_CONS},
        {"diff", no_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *lm_arg = NULL, *lex_arg = NULL, *chan_arg = NULL;
    unspin_restore_opts opts;
    unspin_restore_opts_default(&opts);
    rs_ctx c;
    memset(&c, 0, sizeof c);
    int ch;
    while ((ch = cli_getopt(argc, argv, "m:l:c:t:b:k:djh", longopts)) != -1) {
        switch (ch) {
        case 'm': lm_arg = optarg; break;
        case 'l': lex_arg = optarg; break;
        case 'c': chan_arg = optarg; break;
        case 't':
            if (!cli_parse_double("restore", "--threshold", optarg, 1e-6, 0.999999, &opts.threshold))
                return CLI_USAGE;
            break;
        case 'b': {
            long v;
            if (!cli_parse_long("restore", "--beam", optarg, 1, 256, &v))
                return CLI_USAGE;
            opts.beam = (unsigned)v;
            break;
        }
        case 'k': {
            long v;
            if (!cli_parse_long("restore", "--candidates", optarg, 1, 64, &v))
                return CLI_USAGE;
            opts.max_cands = (unsigned)v;
            break;
        }
        case OPT_NO_CONS: opts.consistency = 0; break;
        case 'd': c.diff = true; break;
        case 'j': c.json = true; break;
        case 'h': fputs(help, stdout); return cli_finish_output();
        default: return CLI_USAGE;
        }
    }
    if (c.diff && c.json)
        return cli_usage("restore", "--diff and --json cannot be combined");
    char lm_path[4096], lex_path[4096], chan_path[4096];
    if (!cli_find_model("restore", "language model", "model", lm_arg, "default.uslm", lm_path, sizeof lm_path) ||
        !cli_find_model("restore", "lexicon", "lexicon", lex_arg, "default.uslex", lex_path, sizeof lex_path) ||
        !cli_find_model("restore", "channel model", "channel", chan_arg, "default.uschan", chan_path,
                        sizeof chan_path))
        return CLI_MODEL;
    unspin_error err;
    unspin_lm *lm = NULL;
    unspin_lexicon *lex = NULL;
    unspin_channel *chan = NULL;
    int rc = CLI_OK;
    if (unspin_lm_open(lm_path, &lm, &err) != UNSPIN_OK || unspin_lexicon_open(lex_path, &lex, &err) != UNSPIN_OK ||
        unspin_channel_open(chan_path, &chan, &err) != UNSPIN_OK) {
        rc = cli_lib_error(&err, true);
        goto done;
    }
    if (unspin_restorer_create(lm, lex, chan, &opts, &c.r, &err) != UNSPIN_OK) {
        rc = cli_lib_error(&err, false);
        goto done;
    }
    c.color = c.diff && isatty(STDOUT_FILENO);
    /* each file is a document: the consistency memory starts afresh */
    if (optind >= argc)
        rc = opts.consistency ? restore_document(&c, 0, NULL)
                              : cli_for_each_line("restore", 0, NULL, MAX_LINE, on_line, &c);
    for (int i = optind; i < argc && rc == CLI_OK; i++) {
        unspin_restorer_reset(c.r);
        rc = opts.consistency ? restore_document(&c, 1, argv + i)
                              : cli_for_each_line("restore", 1, argv + i, MAX_LINE, on_line, &c);
    }
done:
    free(c.buf);
    unspin_restorer_free(c.r);
    unspin_channel_close(chan);
    unspin_lexicon_close(lex);
    unspin_lm_close(lm);
    int out = cli_finish_output();
    return rc ? rc : out;
}
