/* cmd_check.c - `unspin check`: how likely each paragraph and the document were spun. */
#include "cli.h"
#include "commands.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help[] =
    "usage: unspin check [--model LM] [--lexicon LEX] [--weights FILE] [--json]\n"
    "                    [--threshold P] [--spans] [--quiet] [FILE...]\n"
    "\n"
    "Estimate, without the source text, the probability that each line\n"
    "(paragraph) of the input was produced by an article spinner, and that the\n"
    "whole input was. Works on single phrases too (one per line).\n"
    "\n"
    "  -m, --model LM      language model (default: default.uslm in the model folder)\n"
    "  -l, --lexicon LEX   lexicon (default: default.uslex)\n"
    "  -w, --weights FILE  check weights (default: default.uscheck; built-in\n"
    "                      unfitted weights when there is none)\n"
    "  -j, --json          JSON Lines: {\"line\":N,\"p_spun\":P,\"words\":N,\"spans\":[{\"start\",\n"
    "                      \"end\",\"text\",\"score\",\"suggestion\"}]} per line, then\n"
    "                      {\"document\":true,\"p_spun\":P,\"paragraphs\":N}\n"
    "  -t, --threshold P   the document counts as spun when P(spun) >= P (default 0.5)\n"
    "  -s, --spans         text output: list the suspicious words under each line\n"
    "  -q, --quiet         print nothing; only the exit status\n"
    "      --features      JSON output: add the raw paragraph features (docs/check.md)\n"
    "  -h, --help          show this help\n"
    "\n"
    "Text output: P<TAB>first words of the line, then \"document<TAB>P<TAB>N paragraphs\".\n"
    "A span is a word for which a lexicon candidate is at least 10 times more\n"
    "probable in context; its score is that ratio in log10.\n"
    "\n"
    "Exit status (as grep): 0 the document looks spun (P >= threshold), 1 it does\n"
    "not, 2 usage or input error, 3 model file missing or unusable, 4 other failure.\n"
    "Lines are read one at a time (lines over 1 MiB are scored in pieces), so\n"
    "memory does not grow with the input.\n";

#define MAX_LINE (1u << 20)

typedef struct {
    unspin_checker *ck;
    bool json, spans, quiet, features;
    bool mid_line; /* the previous piece did not end its line */
    unsigned long line;
} ck_ctx;

static void print_preview(const char *s, size_t n)
{
    size_t words = 0, i = 0;
    while (i < n && i < 80) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' && ++words >= 8)
            break;
        putchar(c == '\t' || c < 0x20 ? ' ' : c);
        i++;
    }
    /* finish a UTF-8 sequence that was cut */
    while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
        putchar(s[i++]);
    if (i < n)
        fputs(" ...", stdout);
}

static int on_line(void *vctx, const char *line, size_t len, bool eol)
{
    ck_ctx *c = vctx;
    const unspin_check_result *r;
    unspin_error err;
    if (!c->mid_line)
        c->line++; /* the pieces of a line over 1 MiB share its number */
    c->mid_line = !eol;
    if (unspin_check_paragraph(c->ck, line, len, &r, &err) != UNSPIN_OK)
        return cli_lib_error(&err, false);
    if (c->quiet)
        return CLI_OK;
    if (c->json) {
        printf("{\"line\":%lu,\"p_spun\":%.4f,\"words\":%zu,\"spans\":[", c->line, r->p_spun, r->nwords);
        for (size_t i = 0; i < r->nspans; i++) {
            const unspin_check_span *s = &r->spans[i];
            printf("%s{\"start\":%zu,\"end\":%zu,\"text\":", i ? "," : "", s->start, s->end);
            cli_json_string(stdout, line + s->start, s->end - s->start);
            printf(",\"score\":%.3f,\"suggestion\":", s->score);
            cli_json_string(stdout, s->suggestion, strlen(s->suggestion));
            putchar('}');
        }
        putchar(']');
        if (c->features) {
            fputs(",\"features\":[", stdout);
            for (int i = 0; i < UNSPIN_CHECK_NFEATURES; i++)
                printf("%s%.5g", i ? "," : "", r->features[i]);
            putchar(']');
        }
        fputs("}\n", stdout);
    } else {
        printf("%.4f\t", r->p_spun);
        print_preview(line, len);
        putchar('\n');
        if (c->spans)
            for (size_t i = 0; i < r->nspans; i++) {
                const unspin_check_span *s = &r->spans[i];
                printf("\t%zu-%zu\t%.*s -> %s\t%.2f\n", s->start, s->end, (int)(s->end - s->start),
                       line + s->start, s->suggestion, s->score);
            }
    }
    return ferror(stdout) ? CLI_FAIL : CLI_OK;
}

int cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'},   {"lexicon", required_argument, NULL, 'l'},
        {"weights", required_argument, NULL, 'w'}, {"threshold", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},          {"spans", no_argument, NULL, 's'},
        {"quiet", no_argument, NULL, 'q'},         {"help", no_argument, NULL, 'h'},
        {"features", no_argument, NULL, 'F'},
        {NULL, 0, NULL, 0},
    };
    const char *lm_arg = NULL, *lex_arg = NULL, *w_arg = NULL;
    double threshold = 0.5;
    ck_ctx c;
    memset(&c, 0, sizeof c);
    int ch;
    while ((ch = cli_getopt(argc, argv, "m:l:w:t:jsqh", longopts)) != -1) {
        switch (ch) {
        case 'm': lm_arg = optarg; break;
        case 'l': lex_arg = optarg; break;
        case 'w': w_arg = optarg; break;
        case 't':
            if (!cli_parse_double("check", "--threshold", optarg, 0.0, 1.0, &threshold))
                return CLI_USAGE;
            break;
        case 'j': c.json = true; break;
        case 's': c.spans = true; break;
        case 'q': c.quiet = true; break;
        case 'F': c.features = true; break;
        case 'h': fputs(help, stdout); return cli_finish_output();
        default: return CLI_USAGE;
        }
    }
    char lm_path[4096], lex_path[4096], w_path[4096];
    if (!cli_find_model("check", "language model", "model", lm_arg, "default.uslm", lm_path, sizeof lm_path) ||
        !cli_find_model("check", "lexicon", "lexicon", lex_arg, "default.uslex", lex_path, sizeof lex_path))
        return CLI_MODEL;
    bool have_w = cli_model_path(w_arg, "default.uscheck", w_path, sizeof w_path);
    if (!have_w && w_arg) {
        cli_error("check: weights not found: %s", w_path);
        return CLI_MODEL;
    }
    unspin_error err;
    unspin_lm *lm = NULL;
    unspin_lexicon *lex = NULL;
    unspin_check_weights *w = NULL;
    int rc = CLI_OK;
    if (unspin_lm_open(lm_path, &lm, &err) != UNSPIN_OK || unspin_lexicon_open(lex_path, &lex, &err) != UNSPIN_OK ||
        (have_w && unspin_check_weights_open(w_path, &w, &err) != UNSPIN_OK)) {
        rc = cli_lib_error(&err, true);
        goto done;
    }
    if (unspin_checker_create(lm, lex, w, &c.ck, &err) != UNSPIN_OK) {
        rc = cli_lib_error(&err, false);
        goto done;
    }
    rc = cli_for_each_line("check", argc - optind, argv + optind, MAX_LINE, on_line, &c);
    if (rc == CLI_OK) {
        size_t np;
        double p = unspin_check_document(c.ck, &np);
        if (!c.quiet) {
            if (c.json)
                printf("{\"document\":true,\"p_spun\":%.4f,\"paragraphs\":%zu}\n", p, np);
            else
                printf("document\t%.4f\t%zu paragraphs\n", p, np);
        }
        rc = p >= threshold ? CLI_OK : CLI_NEGATIVE;
    }
done:
    unspin_checker_free(c.ck);
    unspin_check_weights_close(w);
    unspin_lexicon_close(lex);
    unspin_lm_close(lm);
    int out = cli_finish_output();
    return rc == CLI_OK || rc == CLI_NEGATIVE ? (out ? out : rc) : rc;
}
