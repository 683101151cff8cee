/* cmd_check.c - `unspin check`: how likely each paragraph and the document were spun. */
#include "cli.h"
#include "commands.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help[] =
    "usage: unspin check [--model LM] [--lexicon LEX] [--weights FILE] [--json]\n"
    "                    [--threshold P] [--spans] [--quiet] [--per-file] [FILE...]\n"
    "\n"
    "Estimate, without the source text, the probability that each line\n"
    "(paragraph) of the input was produced by an article spinner, and that the\n"
    "whole input was. Works on single phrases too (one per line).\n"
    "A paragraph's probability uses the other paragraphs of its document too\n"
    "(a spinner rewrites a whole document with one table); lines of at most 5\n"
    "words without . ! ? are list items and are scored alone, and so is every\n"
    "line of an input made mostly of them (a list of terms).\n"
    "\n"
    "  -m, --model LM      language model (default: default.uslm in the model folder)\n"
    "  -l, --lexicon LEX   lexicon (default: default.uslex)\n"
    "  -w, --weights FILE  check weights (default: default.uscheck; built-in\n"
    "                      unfitted weights when there is none)\n"
    "  -j, --json          JSON Lines: {\"line\":N,\"p_spun\":P,\"p_local\":P,\"words\":N,\n"
    "                      \"spans\":[{\"start\",\"end\",\"text\",\"score\",\"suggestion\"}]}\n"
    "                      per line (p_spun: with the document's evidence, p_local:\n"
    "                      the line alone), then\n"
    "                      {\"document\":true,\"p_spun\":P,\"paragraphs\":N}\n"
    "  -t, --threshold P   the document counts as spun when P(spun) >= P (default 0.5)\n"
    "  -s, --spans         text output: list the suspicious words under each line\n"
    "  -q, --quiet         print nothing; only the exit status\n"
    "  -p, --per-file      each FILE is a document (a summary record per file, with\n"
    "                      \"file\" in JSON); exit 0 when one of them looks spun\n"
    "      --features      JSON output: add the raw paragraph features (docs/check.md)\n"
    "  -h, --help          show this help\n"
    "\n"
    "Text output: P<TAB>first words of the line, then \"document<TAB>P<TAB>N paragraphs\".\n"
    "A span is a word for which a lexicon candidate is at least 10 times more\n"
    "probable in context; its score is that ratio in log10.\n"
    "\n"
    "Exit status (as grep): 0 the document looks spun (P >= threshold), 1 it does\n"
    "not, 2 usage or input error, 3 model file missing or unusable, 4 other failure.\n"
    "Lines are read one at a time (lines over 1 MiB are scored in pieces); the\n"
    "output of a document is written at its end (the pooled probabilities need\n"
    "all of its paragraphs), so memory grows with the output of one document.\n";

#define MAX_LINE (1u << 20)

typedef struct {
    unspin_checker *ck;
    bool json, spans, quiet, features;
    bool mid_line; /* the previous piece did not end its line */
    unsigned long line;
    /* the document's records, written at its end with the pooled
     * probability: per paragraph, its line number and where the rest of its
     * record (after the probability) starts in the buffer */
    FILE *buf;
    char *bufdata;
    size_t bufsize;
    struct ck_rec { unsigned long line; size_t off; } *recs;
    size_t nrecs, caprecs;
} ck_ctx;

static void print_preview(FILE *out, const char *s, size_t n)
{
    size_t words = 0, i = 0;
    while (i < n && i < 80) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' && ++words >= 8)
            break;
        fputc(c == '\t' || c < 0x20 ? ' ' : c, out);
        i++;
    }
    /* finish a UTF-8 sequence that was cut */
    while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
        fputc(s[i++], out);
    if (i < n)
        fputs(" ...", out);
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
    if (c->nrecs == c->caprecs) {
        size_t cap = c->caprecs ? 2 * c->caprecs : 256;
        struct ck_rec *n = realloc(c->recs, cap * sizeof *n);
        if (!n) {
            cli_error("check: out of memory");
            return CLI_FAIL;
        }
        c->recs = n;
        c->caprecs = cap;
    }
    long off = ftell(c->buf);
    if (off < 0) {
        cli_error("check: out of memory");
        return CLI_FAIL;
    }
    c->recs[c->nrecs].line = c->line;
    c->recs[c->nrecs].off = (size_t)off;
    c->nrecs++;
    FILE *out = c->buf;
    if (c->json) {
        fprintf(out, ",\"p_local\":%.4f,\"words\":%zu,\"spans\":[", r->p_spun, r->nwords);
        for (size_t i = 0; i < r->nspans; i++) {
            const unspin_check_span *s = &r->spans[i];
            fprintf(out, "%s{\"start\":%zu,\"end\":%zu,\"text\":", i ? "," : "", s->start, s->end);
            cli_json_string(out, line + s->start, s->end - s->start);
            fprintf(out, ",\"score\":%.3f,\"suggestion\":", s->score);
            cli_json_string(out, s->suggestion, strlen(s->suggestion));
            fputc('}', out);
        }
        fputc(']', out);
        if (c->features) {
            fputs(",\"features\":[", out);
            for (int i = 0; i < UNSPIN_CHECK_NFEATURES; i++)
                fprintf(out, "%s%.5g", i ? "," : "", r->features[i]);
            fputc(']', out);
        }
        fputs("}\n", out);
    } else {
        fputc('\t', out);
        print_preview(out, line, len);
        fputc('\n', out);
        if (c->spans)
            for (size_t i = 0; i < r->nspans; i++) {
                const unspin_check_span *s = &r->spans[i];
                fprintf(out, "\t%zu-%zu\t%.*s -> %s\t%.2f\n", s->start, s->end, (int)(s->end - s->start),
                       line + s->start, s->suggestion, s->score);
            }
    }
    return ferror(out) ? CLI_FAIL : CLI_OK;
}

/* End a document: write its records with the pooled probabilities and its
 * summary (file: its name with --per-file, else NULL); *spun is set when
 * it looks spun. */
static int end_document(ck_ctx *c, const char *file, double threshold, bool *spun)
{
    size_t np;
    double p = unspin_check_document(c->ck, &np);
    if (p >= threshold)
        *spun = true;
    if (!c->quiet) {
        long total = fflush(c->buf) == 0 ? ftell(c->buf) : -1;
        if (total < 0) {
            cli_error("check: out of memory");
            return CLI_FAIL;
        }
        double *pp = c->nrecs ? malloc(c->nrecs * sizeof *pp) : NULL;
        unspin_error err;
        if (c->nrecs && !pp) {
            cli_error("check: out of memory");
            return CLI_FAIL;
        }
        if (unspin_check_pooled(c->ck, pp, c->nrecs, &err) != UNSPIN_OK) {
            free(pp);
            return cli_lib_error(&err, false);
        }
        for (size_t i = 0; i < c->nrecs; i++) {
            size_t end = i + 1 < c->nrecs ? c->recs[i + 1].off : (size_t)total;
            if (c->json)
                printf("{\"line\":%lu,\"p_spun\":%.4f", c->recs[i].line, pp[i]);
            else
                printf("%.4f", pp[i]);
            fwrite(c->bufdata + c->recs[i].off, 1, end - c->recs[i].off, stdout);
        }
        free(pp);
        if (c->json) {
            printf("{\"document\":true,");
            if (file) {
                fputs("\"file\":", stdout);
                cli_json_string(stdout, file, strlen(file));
                putchar(',');
            }
            printf("\"p_spun\":%.4f,\"paragraphs\":%zu}\n", p, np);
        } else if (file) {
            printf("document\t%.4f\t%zu paragraphs\t%s\n", p, np, file);
        } else {
            printf("document\t%.4f\t%zu paragraphs\n", p, np);
        }
        c->nrecs = 0;
        rewind(c->buf);
    }
    unspin_checker_reset(c->ck);
    c->line = 0;
    c->mid_line = false;
    return ferror(stdout) ? CLI_FAIL : CLI_OK;
}

int cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'},   {"lexicon", required_argument, NULL, 'l'},
        {"weights", required_argument, NULL, 'w'}, {"threshold", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},          {"spans", no_argument, NULL, 's'},
        {"quiet", no_argument, NULL, 'q'},         {"help", no_argument, NULL, 'h'},
        {"features", no_argument, NULL, 'F'},      {"per-file", no_argument, NULL, 'p'},
        {NULL, 0, NULL, 0},
    };
    const char *lm_arg = NULL, *lex_arg = NULL, *w_arg = NULL;
    double threshold = 0.5;
    ck_ctx c;
    memset(&c, 0, sizeof c);
    int ch;
    bool per_file = false;
    while ((ch = cli_getopt(argc, argv, "m:l:w:t:jsqph", longopts)) != -1) {
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
        case 'p': per_file = true; break;
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
    if (!c.quiet && !(c.buf = open_memstream(&c.bufdata, &c.bufsize))) {
        cli_error("check: out of memory");
        rc = CLI_FAIL;
        goto done;
    }
    bool spun = false;
    int nfiles = argc - optind;
    if (per_file && nfiles > 0) {
        for (int i = 0; i < nfiles && rc == CLI_OK; i++) {
            rc = cli_for_each_line("check", 1, argv + optind + i, MAX_LINE, on_line, &c);
            if (rc == CLI_OK)
                rc = end_document(&c, argv[optind + i], threshold, &spun);
        }
    } else {
        rc = cli_for_each_line("check", nfiles, argv + optind, MAX_LINE, on_line, &c);
        if (rc == CLI_OK)
            rc = end_document(&c, NULL, threshold, &spun);
    }
    if (rc == CLI_OK)
        rc = spun ? CLI_OK : CLI_NEGATIVE;
done:
    if (c.buf)
        fclose(c.buf);
    free(c.bufdata);
    free(c.recs);
    unspin_checker_free(c.ck);
    unspin_check_weights_close(w);
    unspin_lexicon_close(lex);
    unspin_lm_close(lm);
    int out = cli_finish_output();
    return rc == CLI_OK || rc == CLI_NEGATIVE ? (out ? out : rc) : rc;
}
