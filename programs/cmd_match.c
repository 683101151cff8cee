/* cmd_match.c - `unspin match`: find the source of a spun copy in a collection of originals. */
#include "cli.h"
#include "commands.h"

#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: unspin match [OPTIONS] (--index IDX | --against FILE...) [QUERY...]\n"
    "       unspin match [--lines] --save IDX ORIGINAL...\n"
    "\n"
    "Find the original that a spun copy was made from. Each QUERY file (or\n"
    "stdin) is one suspected copy; the originals come from a saved index or\n"
    "from the files given with --against. For each query, the best sources\n"
    "are printed with a score in [0,1]: content words of the query and the\n"
    "source are aligned in order, identical or (with a lexicon) through a\n"
    "synonym the spinner may have used; containment is the (idf-weighted)\n"
    "share of the query aligned, coverage that of the source, and the score\n"
    "their harmonic mean.\n"
    "\n"
    "  -i, --index IDX      originals from an index made with --save\n"
    "  -a, --against FILE   an original (repeat the option for more)\n"
    "  -s, --save IDX       build an index of ORIGINAL... into IDX, then exit\n"
    "  -L, --lines          each line of the files is a document (named FILE:LINE)\n"
    "  -l, --lexicon LEX    lexicon for synonym matches (default: default.uslex\n"
    "                       if it exists; without one only identical words match)\n"
    "  -N, --no-lexicon     do not use a lexicon\n"
    "  -k, --top K          best sources shown per query (default 5)\n"
    "  -m, --min-score S    leave out sources scoring below S (default 0.5)\n"
    "  -c, --candidates N   documents verified by alignment per query (default 50)\n"
    "  -j, --json           one JSON object per query: {\"query\",\"words\",\"hits\":\n"
    "                       [{\"source\",\"doc\",\"score\",\"containment\",\n"
    "                       \"coverage\",\"matched\",\n"
    "                       \"synonyms\",\"spans\":[{\"query\":[START,END],\n"
    "                       \"source\":[START,END],\"words\",\"synonyms\"}]}]}\n"
    "                       (byte offsets from the start of the document)\n"
    "  -h, --help           show this help\n"
    "\n"
    "Text output: one line per source found: QUERY, RANK, SCORE, CONTAINMENT,\n"
    "COVERAGE, MATCHED-WORDS, SOURCE, tab-separated; nothing for a query\n"
    "without one.\n"
    "Exit status: 0 a source was found for some query, 1 none, 2 usage or\n"
    "unreadable input, 3 index or lexicon error.\n";

typedef struct {
    bool json, lines;
    unspin_matcher *m;
    size_t found, queries;
    int rc;
    /* --lines reading */
    const char *file;
    size_t lineno;
    unspin_match_index *build; /* adding documents */
    char *pending;             /* a line handed over in pieces */
    size_t npending, cappending;
} match_ctx;

static int print_result(match_ctx *c, const char *qname, const unspin_match_result *r)
{
    c->queries++;
    if (r->nhits)
        c->found++;
    if (c->json) {
        fputs("{\"query\":", stdout);
        cli_json_string(stdout, qname, strlen(qname));
        printf(",\"words\":%zu,\"hits\":[", r->nwords);
        for (size_t i = 0; i < r->nhits; i++) {
            const unspin_match_hit *h = &r->hits[i];
            fputs(i ? ",{\"source\":" : "{\"source\":", stdout);
            cli_json_string(stdout, h->name, strlen(h->name));
            printf(",\"doc\":%zu,\"score\":%.4f,\"containment\":%.4f,\"coverage\":%.4f,\"matched\":%zu,"
                   "\"synonyms\":%zu,\"spans\":[",
                   h->doc, h->score, h->containment, h->coverage, h->matched, h->synonyms);
            for (size_t k = 0; k < h->nspans; k++) {
                const unspin_match_span *s = &h->spans[k];
                printf("%s{\"query\":[%zu,%zu],\"source\":[%zu,%zu],\"words\":%zu,\"synonyms\":%zu}", k ? "," : "",
                       s->query_start, s->query_end, s->source_start, s->source_end, s->words, s->synonyms);
            }
            fputs("]}", stdout);
        }
        fputs("]}\n", stdout);
        return CLI_OK;
    }
    for (size_t i = 0; i < r->nhits; i++) {
        const unspin_match_hit *h = &r->hits[i];
        printf("%s\t%zu\t%.4f\t%.4f\t%.4f\t%zu\t%s\n", qname, i + 1, h->score, h->containment, h->coverage,
               h->matched, h->name);
    }
    return CLI_OK;
}

static int run_query(match_ctx *c, const char *qname, const char *text, size_t len)
{
    const unspin_match_result *r;
    unspin_error err;
    if (unspin_match_query(c->m, text, len, &r, &err) != UNSPIN_OK)
        return cli_lib_error(&err, false);
    return print_result(c, qname, r);
}

/* A whole document (a file, or a line with --lines). */
static int handle_doc(match_ctx *c, const char *name, const char *text, size_t len)
{
    if (c->build) {
        unspin_error err;
        if (unspin_match_index_add(c->build, name, text, len, &err) != UNSPIN_OK)
            return cli_lib_error(&err, false);
        return CLI_OK;
    }
    return run_query(c, name, text, len);
}

static int line_fn(void *ctx, const char *line, size_t len, bool eol)
{
    match_ctx *c = ctx;
    /* cli_for_each_line gives long lines in pieces: the last piece has eol
     * or ends the file; we join them */
    if (c->npending + len + 1 > c->cappending) {
        size_t cap = (c->npending + len + 1) * 2;
        char *p = realloc(c->pending, cap);
        if (!p) {
            cli_error("match: out of memory");
            return CLI_FAIL;
        }
        c->pending = p;
        c->cappending = cap;
    }
    memcpy(c->pending + c->npending, line, len);
    c->npending += len;
    if (!eol && len > 0 && len >= (1u << 20))
        return CLI_OK; /* a piece of a long line */
    c->lineno++;
    char name[4096];
    snprintf(name, sizeof name, "%s:%zu", c->file, c->lineno);
    size_t n = c->npending;
    c->npending = 0;
    return handle_doc(c, name, c->pending, n);
}

static int each_doc(match_ctx *c, const char *path)
{
    if (c->lines) {
        c->file = strcmp(path, "-") ? path : "stdin";
        c->lineno = 0;
        c->npending = 0;
        char *files[1] = {(char *)(uintptr_t)path};
        int rc = cli_for_each_line("match", 1, files, 1u << 20, line_fn, c);
        if (rc == CLI_OK && c->npending) { /* a last line of exactly the piece size */
            rc = line_fn(c, "", 0, true);
        }
        return rc;
    }
    char *data;
    size_t len;
    int rc = cli_read_all("match", path, &data, &len);
    if (rc)
        return rc;
    rc = handle_doc(c, strcmp(path, "-") ? path : "stdin", data, len);
    free(data);
    return rc;
}

int cmd_match(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"index", required_argument, NULL, 'i'},
        {"against", required_argument, NULL, 'a'},
        {"save", required_argument, NULL, 's'},
        {"lines", no_argument, NULL, 'L'},
        {"lexicon", required_argument, NULL, 'l'},
        {"no-lexicon", no_argument, NULL, 'N'},
        {"top", required_argument, NULL, 'k'},
        {"min-score", required_argument, NULL, 'm'},
        {"candidates", required_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    match_ctx c = {0};
    unspin_match_opts o;
    unspin_match_opts_default(&o);
    const char *index_path = NULL, *save_path = NULL, *lex_path = NULL;
    bool no_lex = false;
    char **against = calloc((size_t)argc + 1, sizeof *against);
    int nagainst = 0;
    if (!against) {
        cli_error("match: out of memory");
        return CLI_FAIL;
    }
    int opt;
    long v;
    double d;
    while ((opt = cli_getopt(argc, argv, "i:a:s:Ll:Nk:m:c:jh", longopts)) != -1) {
        switch (opt) {
        case 'i': index_path = optarg; break;
        case 'a': against[nagainst++] = optarg; break;
        case 's': save_path = optarg; break;
        case 'L': c.lines = true; break;
        case 'l': lex_path = optarg; break;
        case 'N': no_lex = true; break;
        case 'k':
            if (!cli_parse_long("match", "--top", optarg, 1, 1000000, &v)) { free(against); return CLI_USAGE; }
            o.top = (size_t)v;
            break;
        case 'c':
            if (!cli_parse_long("match", "--candidates", optarg, 1, 1000000, &v)) { free(against); return CLI_USAGE; }
            o.candidates = (size_t)v;
            break;
        case 'm':
            if (!cli_parse_double("match", "--min-score", optarg, 0, 1, &d)) { free(against); return CLI_USAGE; }
            o.min_score = d;
            break;
        case 'j': c.json = true; break;
        case 'h': free(against); fputs(help, stdout); return cli_finish_output();
        default: free(against); return CLI_USAGE;
        }
    }
    int rc = CLI_OK;
    unspin_error err;
    unspin_match_index *ix = NULL;
    unspin_lexicon *lex = NULL;
    if (save_path) {
        if (index_path || nagainst) {
            free(against);
            return cli_usage("match", "--save takes the originals as arguments, not with --index or --against");
        }
        if (optind >= argc) {
            free(against);
            return cli_usage("match", "--save needs ORIGINAL files");
        }
        if (unspin_match_index_create(&c.build, &err) != UNSPIN_OK) {
            free(against);
            return cli_lib_error(&err, false);
        }
        for (int i = optind; i < argc && rc == CLI_OK; i++)
            rc = each_doc(&c, argv[i]);
        if (rc == CLI_OK && (unspin_match_index_finish(c.build, &err) != UNSPIN_OK ||
                             unspin_match_index_save(c.build, save_path, &err) != UNSPIN_OK))
            rc = cli_lib_error(&err, false);
        unspin_match_index_free(c.build);
        free(c.pending);
        free(against);
        return rc;
    }
    if (!index_path == !nagainst) {
        free(against);
        return cli_usage("match", "give the originals with either --index IDX or --against FILE");
    }
    if (index_path) {
        if (unspin_match_index_open(index_path, &ix, &err) != UNSPIN_OK) {
            free(against);
            return cli_lib_error(&err, true);
        }
    } else {
        if (unspin_match_index_create(&c.build, &err) != UNSPIN_OK) {
            free(against);
            return cli_lib_error(&err, false);
        }
        for (int i = 0; i < nagainst && rc == CLI_OK; i++)
            rc = each_doc(&c, against[i]);
        if (rc == CLI_OK && unspin_match_index_finish(c.build, &err) != UNSPIN_OK)
            rc = cli_lib_error(&err, false);
        ix = c.build;
        c.build = NULL;
    }
    free(against);
    if (rc == CLI_OK && !no_lex) {
        char buf[4096];
        if (!lex_path && cli_default_model("default.uslex", buf, sizeof buf))
            lex_path = buf;
        if (lex_path && unspin_lexicon_open(lex_path, &lex, &err) != UNSPIN_OK)
            rc = cli_lib_error(&err, true);
    }
    if (rc == CLI_OK && unspin_matcher_create(ix, lex, &o, &c.m, &err) != UNSPIN_OK)
        rc = cli_lib_error(&err, false);
    if (rc == CLI_OK) {
        if (optind >= argc)
            rc = each_doc(&c, "-");
        for (int i = optind; i < argc && rc == CLI_OK; i++)
            rc = each_doc(&c, argv[i]);
    }
    unspin_matcher_free(c.m);
    unspin_lexicon_close(lex);
    unspin_match_index_free(ix);
    free(c.pending);
    int out = cli_finish_output();
    if (rc)
        return rc;
    if (out)
        return out;
    return c.found ? CLI_OK : CLI_NEGATIVE;
}
