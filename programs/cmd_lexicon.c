/* cmd_lexicon.c - `unspin lexicon`: show the candidate originals of a spun
 * word or phrase, or the nearest neighbours of a word in vector space. */
#include "cli.h"
#include "commands.h"

#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: unspin lexicon [--model FILE] [--json] WORD|PHRASE...\n"
    "       unspin lexicon [--model FILE] [--json] --similar WORD [-k N]\n"
    "\n"
    "Print the candidate originals that the lexicon has for each argument (a\n"
    "word or a phrase of up to 4 words, tokenised like any text), with the\n"
    "evidence for each: span (words of the argument it replaces), sources,\n"
    "relations, number of links, vector similarity, whether it was re-inflected.\n"
    "Candidates for spans shorter than the whole argument are listed too.\n"
    "\n"
    "  -m, --model FILE   lexicon file (default: default.uslex in $UNSPIN_MODELS,\n"
    "                     ./models or the installed data folder)\n"
    "  -j, --json         one JSON object per argument:\n"
    "                     {\"query\",\"candidates\":[{\"text\",\"span\",\"sources\",\n"
    "                     \"relations\",\"links\",\"similarity\",\"inflected\"}]}\n"
    "  -s, --similar      nearest neighbours in word-vector space instead\n"
    "  -k N               number of neighbours (10)\n"
    "  -V, --verify       check the file's checksum first\n"
    "  -h, --help         show this help\n"
    "\n"
    "Text output: one line per candidate: QUERY, SPAN, TEXT, SOURCES, RELATIONS,\n"
    "LINKS, SIMILARITY, INFLECTED (tab-separated).\n";

static const char *const src_names[] = {"wordnet", "mythes", "aiksaurus", "gcide", "embedding", "spelling", "function", "moby"};
static const char *const rel_names[] = {"synonym", "hypernym", "hyponym", "similar", "also", "derivation", "part", "related"};

static void print_bits(unsigned bits, const char *const *names, size_t n, bool json)
{
    bool first = true;
    if (json)
        putchar('[');
    for (size_t i = 0; i < n; i++) {
        if (!(bits & (1u << i)))
            continue;
        if (!first)
            putchar(json ? ',' : '+');
        if (json)
            printf("\"%s\"", names[i]);
        else
            fputs(names[i], stdout);
        first = false;
    }
    if (json)
        putchar(']');
    else if (first)
        putchar('-');
}

static void print_result(const char *query, const unspin_candidate *cands, size_t n, bool json)
{
    if (json) {
        fputs("{\"query\":", stdout);
        cli_json_string(stdout, query, strlen(query));
        fputs(",\"candidates\":[", stdout);
    }
    for (size_t i = 0; i < n; i++) {
        const unspin_candidate *x = &cands[i];
        if (json) {
            if (i)
                putchar(',');
            fputs("{\"text\":", stdout);
            cli_json_string(stdout, x->text, x->text_length);
            printf(",\"span\":%u,\"sources\":", x->span);
            print_bits(x->sources, src_names, 8, true);
            fputs(",\"relations\":", stdout);
            print_bits(x->relations, rel_names, 8, true);
            printf(",\"links\":%u,\"similarity\":%.3f,\"inflected\":%s}", x->links, (double)x->similarity,
                   x->inflected ? "true" : "false");
        } else {
            printf("%s\t%u\t%.*s\t", query, x->span, (int)x->text_length, x->text);
            print_bits(x->sources, src_names, 8, false);
            putchar('\t');
            print_bits(x->relations, rel_names, 8, false);
            printf("\t%u\t%.3f\t%d\n", x->links, (double)x->similarity, x->inflected);
        }
    }
    if (json)
        fputs("]}\n", stdout);
}

int cmd_lexicon(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'},
        {"json", no_argument, NULL, 'j'},
        {"similar", no_argument, NULL, 's'},
        {"verify", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *model = NULL;
    bool json = false, similar = false, verify = false;
    long k = 10;
    int c;
    while ((c = cli_getopt(argc, argv, "m:jsk:Vh", longopts)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'j': json = true; break;
        case 's': similar = true; break;
        case 'V': verify = true; break;
        case 'k':
            if (!cli_parse_long("lexicon", "-k", optarg, 1, 10000, &k))
                return CLI_USAGE;
            break;
        case 'h': fputs(help, stdout); return cli_finish_output();
        default: return CLI_USAGE;
        }
    }
    if (optind >= argc)
        return cli_usage("lexicon", "expected a WORD or PHRASE");
    unspin_error err;
    unspin_lexicon *lex = NULL;
    unspin_candidates *cs = NULL;
    unspin_tokenizer *tk = NULL;
    int rc = cli_open_lexicon("lexicon", "model", model, &lex);
    if (rc != CLI_OK)
        return rc;
    if (verify && unspin_lexicon_verify(lex, &err) != UNSPIN_OK)
        rc = cli_lib_error(&err, true);
    if (rc == CLI_OK && (unspin_candidates_create(&cs, &err) != UNSPIN_OK ||
                         unspin_tokenizer_create(&tk, &err) != UNSPIN_OK))
        rc = cli_lib_error(&err, false);
    for (int a = optind; a < argc && rc == CLI_OK; a++) {
        const char *q = argv[a];
        const unspin_token *toks;
        size_t nt, used;
        unspin_tokenizer_reset(tk);
        if (unspin_tokenize(tk, q, strlen(q), 1, &toks, &nt, &used, &err) != UNSPIN_OK) {
            rc = cli_lib_error(&err, false);
            break;
        }
        /* copy the norms (the tokenizer owns them until its next call) */
        char normbuf[4][256];
        const char *words[4];
        size_t lens[4], n = 0;
        for (size_t i = 0; i < nt && n < 4; i++) {
            if (toks[i].kind == UNSPIN_TOKEN_SPACE)
                continue;
            size_t l = toks[i].norm_length < 255 ? toks[i].norm_length : 255;
            memcpy(normbuf[n], toks[i].norm, l);
            normbuf[n][l] = 0;
            words[n] = normbuf[n];
            lens[n++] = l;
        }
        const unspin_candidate *cands = NULL;
        size_t nc = 0;
        int r;
        if (similar)
            r = n ? unspin_lexicon_similar(lex, words[0], lens[0], (size_t)k, cs, &cands, &nc, &err) : UNSPIN_OK;
        else
            r = unspin_lexicon_lookup(lex, words, lens, n, cs, &cands, &nc, &err);
        if (r != UNSPIN_OK) {
            rc = cli_lib_error(&err, false);
            break;
        }
        print_result(q, cands, nc, json);
    }
    unspin_tokenizer_free(tk);
    unspin_candidates_free(cs);
    unspin_lexicon_close(lex);
    int out = cli_finish_output();
    return rc ? rc : out;
}
