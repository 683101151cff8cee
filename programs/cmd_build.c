/* cmd_build.c - `unspin build lm ...` (train, mix, import) and the dispatch
 * of `unspin build lexicon ...` to programs/cmd_build_lexicon.c. */
#include "cli.h"
#include "commands.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char help[] =
    "usage: unspin build lm --order N -o OUT.uslm [--pretokenized] [--memory SIZE]\n"
    "                       [--temp DIR] [--prune T1,T2,...] TEXT...\n"
    "       unspin build lm --mix A.uslm,B.uslm[,...] --heldout TEXT [--heldout TEXT...]\n"
    "                       [-o OUT.uslm]\n"
    "       unspin build lm --sphinx FILE -o OUT.uslm\n"
    "       unspin build lexicon ...   (see 'unspin build lexicon --help')\n"
    "\n"
    "Build a language model.\n"
    "\n"
    "Training: count the n-grams of TEXT (one sentence per line, tokenized as\n"
    "the decoder does: words are the tokens' normalised forms) and estimate an\n"
    "interpolated modified Kneser-Ney model the way KenLM's lmplz does.\n"
    "  -n, --order N       model order, 1..5 (required)\n"
    "  -o, --output FILE   output .uslm (ARPA text if the name ends in .arpa)\n"
    "  -p, --pretokenized  split lines on whitespace only, keep case\n"
    "  -m, --memory SIZE   memory for counting, e.g. 512M, 4G (default 1G); past\n"
    "                      it, sorted runs are spilled to disk and merged\n"
    "  -T, --temp DIR      folder for the runs (default: the output's folder)\n"
    "  -P, --prune LIST    per-order count thresholds, unigrams first, as lmplz:\n"
    "                      n-grams seen at most Tn times are dropped and their\n"
    "                      mass moved to the back-off (e.g. 0,0,1 drops singleton\n"
    "                      3-grams and above; the last value repeats; T1 must be\n"
    "                      0 and values must not decrease; default: no pruning)\n"
    "\n"
    "Mixing: fit interpolation weights of models with EM on held-out text (each\n"
    "--heldout file is one domain; domains weigh equally), print the weights and\n"
    "perplexities, and with -o write the mixture as one back-off model.\n"
    "  -x, --mix LIST      comma-separated .uslm files (one model: perplexity only)\n"
    "  -H, --heldout FILE  held-out text, one sentence per line\n"
    "\n"
    "Import: convert a CMU Sphinx binary LM (pocketsphinx en-us.lm.bin).\n"
    "  -s, --sphinx FILE\n"
    "\n"
    "  -h, --help          show this help\n";

/* The lexicon engineer's programs/cmd_build_lexicon.c provides the real one. */
__attribute__((weak)) int cmd_build_lexicon(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("build lexicon: not available in this build");
    return CLI_FAIL;
}

/* "T1,T2,...": per-order thresholds, the last one repeated up to the
 * highest order; T1 must be 0 and the values must not decrease. */
static bool parse_prune(const char *s, uint32_t *out)
{
    int k = 0;
    const char *p = s;
    for (;;) {
        if (k == UNSPIN_LM_MAX_ORDER || !isdigit((unsigned char)*p))
            return false;
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        if (v > UINT32_MAX || (k == 0 && v != 0) || (k > 0 && v < out[k - 1]))
            return false;
        out[k++] = (uint32_t)v;
        if (*end == 0)
            break;
        if (*end != ',')
            return false;
        p = end + 1;
    }
    for (int i = k; i < UNSPIN_LM_MAX_ORDER; i++)
        out[i] = out[k - 1];
    return true;
}

static bool parse_size(const char *s, size_t *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || !(v > 0))
        return false;
    double mult = 1;
    switch (toupper((unsigned char)*end)) {
    case 'K': mult = 1024.0; end++; break;
    case 'M': mult = 1024.0 * 1024; end++; break;
    case 'G': mult = 1024.0 * 1024 * 1024; end++; break;
    case 'T': mult = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: break;
    }
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end)
        return false;
    v *= mult;
    if (v < 1024.0 * 1024 || v > 1e15)
        return false;
    *out = (size_t)v;
    return true;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Every input must be readable before hours of counting start. */
static int check_inputs(int n, char **files)
{
    for (int i = 0; i < n; i++) {
        cli_input in;
        int rc = cli_input_open("build lm", files[i], &in);
        if (rc)
            return rc;
        cli_input_close(&in);
    }
    return CLI_OK;
}

typedef struct {
    unspin_lm_trainer *t;
    unspin_error err;
    int failed;
    unsigned long long lines;
} train_ctx;

static int train_line(void *p, const char *line, size_t len, bool eol)
{
    (void)eol;
    train_ctx *c = p;
    if (unspin_lm_trainer_add_line(c->t, line, len, &c->err) < 0) {
        c->failed = 1;
        return cli_lib_error(&c->err, false);
    }
    if (++c->lines % 100000 == 0)
        cli_progress("counting lines", (double)c->lines, 0);
    return CLI_OK;
}

static int do_train(int order, const char *out, bool pretok, size_t memory, const char *tmpdir,
                    const uint32_t *prune, int nfiles, char **files)
{
    int rc = check_inputs(nfiles, files);
    if (rc)
        return rc;
    char *dir = NULL;
    if (!tmpdir) {
        dir = strdup(out);
        if (!dir) {
            cli_error("build lm: out of memory");
            return CLI_FAIL;
        }
        char *slash = strrchr(dir, '/');
        if (slash)
            slash[slash == dir ? 1 : 0] = 0;
        else
            strcpy(dir, ".");
        tmpdir = dir;
    }
    unspin_lm_train_opts o = {.order = order, .pretokenized = pretok, .memory = memory, .tmpdir = tmpdir};
    memcpy(o.prune, prune, sizeof o.prune);
    train_ctx c = {0};
    if (unspin_lm_trainer_create(&c.t, &o, &c.err) < 0) {
        free(dir);
        return cli_lib_error(&c.err, false);
    }
    double t0 = now();
    rc = cli_for_each_line("build lm", nfiles, files, 1u << 20, train_line, &c);
    cli_progress_end();
    if (rc == CLI_OK) {
        unspin_lm_train_stats st;
        double t1 = now();
        if (cli_progress_enabled())
            fprintf(stderr, "build lm: counted %llu lines in %.1f s; estimating\n", c.lines, t1 - t0);
        if (unspin_lm_trainer_finish(c.t, out, &st, &c.err) < 0) {
            rc = cli_lib_error(&c.err, false);
        } else {
            printf("tokens %llu\nsentences %llu\nvocabulary %u\nruns %d\n", (unsigned long long)st.tokens,
                   (unsigned long long)st.sentences, st.vocab, st.runs);
            for (int n = 1; n <= order; n++)
                printf("%d-grams %llu discounts %.4f %.4f %.4f pruned %llu\n", n,
                       (unsigned long long)st.ngrams[n - 1], st.discount[n - 1][0], st.discount[n - 1][1],
                       st.discount[n - 1][2], (unsigned long long)st.pruned[n - 1]);
            if (st.fallback)
                printf("note: some counts-of-counts were too small; used fallback discounts 0.5 1 1.5\n");
            printf("seconds %.1f\n", now() - t0);
        }
    }
    unspin_lm_trainer_free(c.t);
    free(dir);
    int o2 = cli_finish_output();
    return rc ? rc : o2;
}

#define MAX_HELDOUT 16

static int do_mix(char *list, int nheld, char **held, const char *out)
{
    char *paths[UNSPIN_LM_MIX_MAX];
    size_t k = 0;
    for (char *s = strtok(list, ","); s; s = strtok(NULL, ",")) {
        if (!*s)
            continue;
        if (k == UNSPIN_LM_MIX_MAX)
            return cli_usage("build lm", "--mix: at most %d models", UNSPIN_LM_MIX_MAX);
        paths[k++] = s;
    }
    if (k == 0)
        return cli_usage("build lm", "--mix: no model given");
    if (nheld == 0)
        return cli_usage("build lm", "--mix needs --heldout TEXT");
    char *texts[MAX_HELDOUT] = {0};
    size_t lens[MAX_HELDOUT];
    unspin_lm *lms[UNSPIN_LM_MIX_MAX] = {0};
    int rc = CLI_OK;
    unspin_error err;
    for (int d = 0; d < nheld && rc == CLI_OK; d++)
        rc = cli_read_all("build lm", held[d], &texts[d], &lens[d]);
    for (size_t i = 0; i < k && rc == CLI_OK; i++)
        if (unspin_lm_open(paths[i], &lms[i], &err) < 0)
            rc = cli_lib_error(&err, true);
    double weights[UNSPIN_LM_MIX_MAX], ppl[MAX_HELDOUT * (UNSPIN_LM_MIX_MAX + 1)];
    if (rc == CLI_OK &&
        unspin_lm_mix_fit((const unspin_lm *const *)lms, k, (const char *const *)texts, lens, (size_t)nheld,
                          weights, ppl, &err) < 0)
        rc = cli_lib_error(&err, false);
    if (rc == CLI_OK) {
        for (size_t i = 0; i < k; i++) {
            printf("model %s weight %.6f", paths[i], weights[i]);
            for (int d = 0; d < nheld; d++)
                printf(" ppl[%s] %.3f", held[d], ppl[(size_t)d * (k + 1) + i]);
            putchar('\n');
        }
        if (k > 1) {
            printf("mixture");
            for (int d = 0; d < nheld; d++)
                printf(" ppl[%s] %.3f", held[d], ppl[(size_t)d * (k + 1) + k]);
            putchar('\n');
        }
        if (out && unspin_lm_mix_write((const unspin_lm *const *)lms, k, weights, out, &err) < 0)
            rc = cli_lib_error(&err, false);
    }
    for (size_t i = 0; i < k; i++)
        unspin_lm_close(lms[i]);
    for (int d = 0; d < nheld; d++)
        free(texts[d]);
    int o2 = cli_finish_output();
    return rc ? rc : o2;
}

static int cmd_build_lm(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"order", required_argument, NULL, 'n'},
        {"output", required_argument, NULL, 'o'},
        {"pretokenized", no_argument, NULL, 'p'},
        {"memory", required_argument, NULL, 'm'},
        {"temp", required_argument, NULL, 'T'},
        {"prune", required_argument, NULL, 'P'},
        {"mix", required_argument, NULL, 'x'},
        {"heldout", required_argument, NULL, 'H'},
        {"sphinx", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    long order = 0;
    const char *out = NULL, *tmpdir = NULL, *sphinx = NULL;
    char *mix = NULL;
    char *held[MAX_HELDOUT];
    int nheld = 0;
    bool pretok = false;
    size_t memory = (size_t)1 << 30;
    uint32_t prune[UNSPIN_LM_MAX_ORDER] = {0};
    int c;
    while ((c = cli_getopt(argc, argv, "n:o:pm:T:P:x:H:s:h", longopts)) != -1) {
        switch (c) {
        case 'n':
            if (!cli_parse_long("build lm", "--order", optarg, 1, UNSPIN_LM_MAX_ORDER, &order))
                return CLI_USAGE;
            break;
        case 'o': out = optarg; break;
        case 'p': pretok = true; break;
        case 'm':
            if (!parse_size(optarg, &memory))
                return cli_usage("build lm", "--memory: bad size '%s' (e.g. 512M, 4G; at least 1M)", optarg);
            break;
        case 'T': tmpdir = optarg; break;
        case 'P':
            if (!parse_prune(optarg, prune))
                return cli_usage("build lm",
                                 "--prune: bad list '%s' (e.g. 0,0,1: counts, unigrams first, first 0, "
                                 "never decreasing, at most %d values)",
                                 optarg, UNSPIN_LM_MAX_ORDER);
            break;
        case 'x': mix = optarg; break;
        case 'H':
            if (nheld == MAX_HELDOUT)
                return cli_usage("build lm", "at most %d --heldout files", MAX_HELDOUT);
            held[nheld++] = optarg;
            break;
        case 's': sphinx = optarg; break;
        case 'h': fputs(help, stdout); return cli_finish_output();
        default: return CLI_USAGE;
        }
    }
    if ((mix != NULL) + (sphinx != NULL) + (order != 0) > 1)
        return cli_usage("build lm", "--order, --mix and --sphinx exclude each other");
    if (mix)
        return do_mix(mix, nheld, held, out);
    if (!out)
        return cli_usage("build lm", "missing -o OUT.uslm");
    if (sphinx) {
        unspin_error err;
        if (unspin_lm_import_sphinx(sphinx, out, &err) < 0)
            return cli_lib_error(&err, err.code == UNSPIN_E_FORMAT);
        return CLI_OK;
    }
    if (order == 0)
        return cli_usage("build lm", "missing --order N");
    if (optind >= argc)
        return cli_usage("build lm", "no training text given");
    return do_train((int)order, out, pretok, memory, tmpdir, prune, argc - optind, argv + optind);
}

int cmd_build(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("build", "expected 'lm' or 'lexicon'");
    if (strcmp(argv[1], "lm") == 0)
        return cmd_build_lm(argc - 1, argv + 1);
    if (strcmp(argv[1], "lexicon") == 0)
        return cmd_build_lexicon(argc - 1, argv + 1);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(help, stdout);
        return cli_finish_output();
    }
    return cli_usage("build", "unknown target '%s' (expected 'lm' or 'lexicon')", argv[1]);
}
