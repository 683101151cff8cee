/* cmd_lm.c - `unspin lm`: score text with a language model, describe, verify,
 * export and import models. */
#include "cli.h"
#include "commands.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char help_lm[] =
    "usage: unspin lm COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "Query n-gram language models (.uslm files).\n"
    "\n"
    "  score   per-token log10 probabilities and perplexity of text\n"
    "  info    order, n-gram counts, vocabulary, quantisation, size, checksum\n"
    "  verify  check a model's checksum (exit 0 ok, 3 corrupt)\n"
    "  export  write a model as ARPA text\n"
    "  import  convert an ARPA model to .uslm\n"
    "\n"
    "'unspin lm COMMAND --help' describes each.\n";

static const char help_score[] =
    "usage: unspin lm score [--model FILE] [--pretokenized] [--json] [FILE...]\n"
    "\n"
    "Score each line of FILE... (or stdin) as one sentence <s> ... </s>: print\n"
    "each token's log10 probability, then a summary with perplexity (with and\n"
    "without out-of-vocabulary tokens), token, OOV and sentence counts.\n"
    "Tokens are the tokenizer's words, numbers and punctuation (normalised\n"
    "form); whitespace is dropped.\n"
    "\n"
    "  -m, --model FILE    the model (default: default.uslm in $UNSPIN_MODELS,\n"
    "                      ./models or the installed data folder)\n"
    "  -p, --pretokenized  split lines on whitespace only, no normalisation\n"
    "  -j, --json          JSON Lines: {\"token\",\"logprob\",\"oov\",\"ngram_length\"}\n"
    "                      per token, then {\"summary\":true,\"perplexity\",\n"
    "                      \"perplexity_no_oov\",\"tokens\",\"oov\",\"sentences\",\"logprob\"}\n"
    "  -h, --help          show this help\n"
    "\n"
    "Text output: TOKEN<tab>LOGPROB<tab>NGRAM-LENGTH[<tab>OOV] per token (</s>\n"
    "ends each sentence), then a line starting with '#'. Tokens include </s>;\n"
    "perplexity = 10^(-logprob/tokens).\n";

static const char help_info[] =
    "usage: unspin lm info [--json] FILE\n"
    "\n"
    "Print a model's order, n-gram counts, vocabulary size, quantisation, file\n"
    "size and stored checksum. The checksum is not recomputed (see verify).\n"
    "\n"
    "  -j, --json  one JSON object\n"
    "  -h, --help  show this help\n";

static const char help_verify[] =
    "usage: unspin lm verify FILE...\n"
    "\n"
    "Open each model and recompute its checksum. Prints 'FILE: ok' per good\n"
    "model; for a bad one, one line on stderr and exit status 3.\n"
    "\n"
    "  -h, --help  show this help\n";

static const char help_export[] =
    "usage: unspin lm export [-o OUT] FILE\n"
    "\n"
    "Write the model FILE as ARPA text to OUT (default: stdout). Importing the\n"
    "output again gives the same model.\n"
    "\n"
    "  -o, --output OUT  output file ('-' = stdout)\n"
    "  -h, --help        show this help\n";

static const char help_import[] =
    "usage: unspin lm import [-q BITS] -o OUT ARPA\n"
    "\n"
    "Convert an ARPA back-off model (order 1 to 5; '-' = stdin) to a .uslm file.\n"
    "\n"
    "  -o, --output OUT    the .uslm file to write\n"
    "  -q, --quantize BITS store values in BITS-bit bins (2-16; default: float32)\n"
    "  -h, --help          show this help\n";

/* ---- score ---- */

typedef struct score_ctx {
    const unspin_lm *lm;
    unspin_tokenizer *tk;
    bool json, pretok;
    unspin_lm_state st;
    bool open; /* a sentence has started */
    double logprob, logprob_oov;
    unsigned long long tokens, oov, sentences;
} score_ctx;

static void emit(score_ctx *c, const char *tok, size_t len, unspin_word w)
{
    int nl = 0;
    if (!c->open) {
        unspin_lm_begin_state(c->lm, &c->st);
        c->open = true;
    }
    float p = unspin_lm_score_ngram(c->lm, &c->st, w, &c->st, &nl);
    bool oov = w == UNSPIN_WORD_UNK;
    c->tokens++;
    c->logprob += p;
    if (oov) {
        c->oov++;
        c->logprob_oov += p;
    }
    if (c->json) {
        fputs("{\"token\":", stdout);
        cli_json_string(stdout, tok, len);
        printf(",\"logprob\":%.6g,\"oov\":%s,\"ngram_length\":%d}\n", (double)p, oov ? "true" : "false", nl);
    } else {
        fwrite(tok, 1, len, stdout);
        printf("\t%.6g\t%d%s\n", (double)p, nl, oov ? "\tOOV" : "");
    }
}

static void end_sentence(score_ctx *c)
{
    if (!c->open)
        return;
    emit(c, "</s>", 4, unspin_lm_eos(c->lm));
    c->open = false;
    c->sentences++;
}

static int score_line(void *ctx, const char *line, size_t len, bool eol)
{
    score_ctx *c = ctx;
    if (c->pretok) {
        size_t i = 0;
        while (i < len) {
            while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
                i++;
            size_t s = i;
            while (i < len && !(line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
                i++;
            if (i > s)
                emit(c, line + s, i - s, unspin_lm_word(c->lm, line + s, i - s));
        }
    } else {
        size_t off = 0;
        unspin_tokenizer_reset(c->tk);
        while (off < len) {
            const unspin_token *toks;
            size_t n, used;
            unspin_error err;
            if (unspin_tokenize(c->tk, line + off, len - off, 1, &toks, &n, &used, &err) != UNSPIN_OK)
                return cli_lib_error(&err, false);
            for (size_t i = 0; i < n; i++) {
                const unspin_token *t = &toks[i];
                if (t->kind == UNSPIN_TOKEN_WORD || t->kind == UNSPIN_TOKEN_NUMBER || t->kind == UNSPIN_TOKEN_PUNCT)
                    emit(c, t->norm, t->norm_length, unspin_lm_word(c->lm, t->norm, t->norm_length));
            }
            if (used == 0)
                break;
            off += used;
        }
    }
    if (eol)
        end_sentence(c);
    return ferror(stdout) ? CLI_FAIL : CLI_OK;
}

static int open_model(const char *path, unspin_lm **lm)
{
    unspin_error err;
    if (unspin_lm_open(path, lm, &err) != UNSPIN_OK)
        return cli_lib_error(&err, true);
    return CLI_OK;
}

/* Open the one MODEL argument left after a subcommand's options. */
static int open_one_model(int argc, char **argv, unspin_lm **lm)
{
    if (optind + 1 != argc)
        return cli_usage(argv[0], "expected one model file");
    return open_model(argv[optind], lm);
}

static int lm_score(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'},
        {"pretokenized", no_argument, NULL, 'p'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    score_ctx c;
    memset(&c, 0, sizeof c);
    const char *model = NULL;
    int opt;
    while ((opt = cli_getopt(argc, argv, "m:pjh", longopts)) != -1) {
        switch (opt) {
        case 'm': model = optarg; break;
        case 'p': c.pretok = true; break;
        case 'j': c.json = true; break;
        case 'h': fputs(help_score, stdout); return cli_finish_output();
        default: return CLI_USAGE;
        }
    }
    unspin_lm *lm;
    int rc = cli_open_lm("lm score", "model", model, &lm);
    if (rc)
        return rc;
    c.lm = lm;
    unspin_error err;
    if (!c.pretok && unspin_tokenizer_create(&c.tk, &err) != UNSPIN_OK) {
        unspin_lm_close(lm);
        return cli_lib_error(&err, false);
    }
    rc = cli_for_each_line("lm score", argc - optind, argv + optind, 1u << 20, score_line, &c);
    end_sentence(&c);
    if (rc == CLI_OK) {
        double ppl = c.tokens ? pow(10.0, -c.logprob / (double)c.tokens) : 0;
        unsigned long long known = c.tokens - c.oov;
        double ppl2 = known ? pow(10.0, -(c.logprob - c.logprob_oov) / (double)known) : 0;
        if (c.json)
            printf("{\"summary\":true,\"perplexity\":%.6g,\"perplexity_no_oov\":%.6g,\"tokens\":%llu,\"oov\":%llu,"
                   "\"sentences\":%llu,\"logprob\":%.6f}\n",
                   ppl, ppl2, c.tokens, c.oov, c.sentences, c.logprob);
        else
            printf("# sentences %llu tokens %llu oov %llu logprob %.6f perplexity %.6g perplexity_no_oov %.6g\n",
                   c.sentences, c.tokens, c.oov, c.logprob, ppl, ppl2);
    }
    unspin_tokenizer_free(c.tk);
    unspin_lm_close(lm);
    int out = cli_finish_output();
    return rc ? rc : out;
}

/* ---- info, verify, export, import ---- */

static int lm_info(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    int opt;
    while ((opt = cli_getopt(argc, argv, "jh", longopts)) != -1) {
        switch (opt) {
        case 'j': json = true; break;
        case 'h': fputs(help_info, stdout); return cli_finish_output();
        default: return CLI_USAGE;
        }
    }
    unspin_lm *lm;
    int rc = open_one_model(argc, argv, &lm);
    if (rc)
        return rc;
    unspin_lm_info info;
    unspin_lm_describe(lm, &info);
    if (json) {
        fputs("{\"file\":", stdout);
        cli_json_string(stdout, argv[optind], strlen(argv[optind]));
        printf(",\"order\":%d,\"vocab_size\":%u,\"counts\":[", info.order, info.vocab_size);
        for (int n = 1; n <= info.order; n++)
            printf("%s%llu", n > 1 ? "," : "", (unsigned long long)info.counts[n - 1]);
        printf("],\"quantize_bits\":%d,\"file_size\":%llu,\"checksum\":\"%016llx\"}\n", info.quantize_bits,
               (unsigned long long)info.file_size, (unsigned long long)info.checksum);
    } else {
        printf("file        %s\n", argv[optind]);
        printf("order       %d\n", info.order);
        printf("vocabulary  %u words\n", info.vocab_size);
        for (int n = 1; n <= info.order; n++)
            printf("%d-grams     %llu\n", n, (unsigned long long)info.counts[n - 1]);
        if (info.quantize_bits)
            printf("values      quantised, %d bits\n", info.quantize_bits);
        else
            printf("values      float32\n");
        printf("size        %llu bytes\n", (unsigned long long)info.file_size);
        printf("checksum    %016llx (XXH64)\n", (unsigned long long)info.checksum);
    }
    unspin_lm_close(lm);
    return cli_finish_output();
}

static int lm_verify(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = cli_getopt(argc, argv, "h", longopts)) != -1) {
        switch (opt) {
        case 'h': fputs(help_verify, stdout); return cli_finish_output();
        default: return CLI_USAGE;
        }
    }
    if (optind >= argc)
        return cli_usage(argv[0], "expected a model file");
    int status = CLI_OK;
    for (int i = optind; i < argc; i++) {
        unspin_lm *lm;
        int rc = open_model(argv[i], &lm);
        if (rc) {
            status = status ? status : rc;
            continue;
        }
        unspin_error err;
        if (unspin_lm_verify(lm, &err) != UNSPIN_OK) {
            rc = cli_lib_error(&err, true);
            status = status ? status : rc;
        } else {
            printf("%s: ok\n", argv[i]);
        }
        unspin_lm_close(lm);
    }
    int out = cli_finish_output();
    return status ? status : out;
}

static int lm_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *outp = "-";
    int opt;
    while ((opt = cli_getopt(argc, argv, "o:h", longopts)) != -1) {
        switch (opt) {
        case 'o': outp = optarg; break;
        case 'h': fputs(help_export, stdout); return cli_finish_output();
        default: return CLI_USAGE;
        }
    }
    unspin_lm *lm;
    int rc = open_one_model(argc, argv, &lm);
    if (rc)
        return rc;
    unspin_error err;
    if (unspin_lm_export_arpa(lm, outp, &err) != UNSPIN_OK)
        rc = cli_lib_error(&err, err.code != UNSPIN_E_IO);
    unspin_lm_close(lm);
    int out = cli_finish_output();
    return rc ? rc : out;
}

static int lm_import(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"quantize", required_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *outp = NULL;
    long bits = 0;
    int opt;
    while ((opt = cli_getopt(argc, argv, "o:q:h", longopts)) != -1) {
        switch (opt) {
        case 'o': outp = optarg; break;
        case 'q':
            if (!cli_parse_long(argv[0], "--quantize", optarg, 2, 16, &bits))
                return CLI_USAGE;
            break;
        case 'h': fputs(help_import, stdout); return cli_finish_output();
        default: return CLI_USAGE;
        }
    }
    if (optind + 1 != argc)
        return cli_usage(argv[0], "expected one ARPA file");
    if (!outp)
        return cli_usage(argv[0], "give the output file with -o");
    unspin_error err;
    if (unspin_lm_import_arpa(argv[optind], outp, (int)bits, &err) != UNSPIN_OK)
        return cli_lib_error(&err, false);
    return CLI_OK;
}

int cmd_lm(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } subs[] = {
        {"score", lm_score}, {"info", lm_info}, {"verify", lm_verify}, {"export", lm_export}, {"import", lm_import},
    };
    static char names[][16] = {"lm score", "lm info", "lm verify", "lm export", "lm import"};
    if (argc < 2)
        return cli_usage("lm", "expected a command: score, info, verify, export or import");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(help_lm, stdout);
        return cli_finish_output();
    }
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        if (strcmp(argv[1], subs[i].name) == 0) {
            argv[1] = names[i];
            return subs[i].fn(argc - 1, argv + 1);
        }
    }
    return cli_usage("lm", "unknown command '%s' (score, info, verify, export or import)", argv[1]);
}
