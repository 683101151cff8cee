/*
 * bench_match.c - speed and accuracy of `unspin match` (lib/matcher.c).
 *
 *   bench_match [--docs N] [--words N]
 *       Speed on generated text (no files needed): N documents of random
 *       words from a Zipf-distributed vocabulary are indexed, then each is
 *       queried after replacing 30% of its words with other words.
 *       Prints documents/s for indexing and for queries, and precision@1.
 *
 *   bench_match --eval ORIGINALS SPUN [--lexicon LEX] [--negatives FILE] [--min-score S]
 *       Accuracy: each line of ORIGINALS is a document, line i of SPUN is a
 *       spun copy of line i (e.g. from data/tools/spinsim). Reports, for the
 *       matcher with and without the lexicon and for a baseline of plain
 *       word 3-shingles (Jaccard, inverted index): precision@1 (the best hit
 *       has the original's text) and recall (the original is the best hit and
 *       scores >= min-score). With --negatives, lines of an unrelated text are
 *       queried too: the share that gets a hit >= min-score is the false
 *       positive rate.
 */
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void)
{
    return bench_xorshift64(&rng);
}

/* ------------------------------------------------------------ lines */

typedef struct lines {
    char **s;
    size_t *len;
    size_t n;
} lines;

static lines read_lines(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_match: cannot open %s\n", path);
        exit(2);
    }
    lines l = {0};
    size_t cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t r;
    while ((r = getline(&line, &lcap, f)) >= 0) {
        while (r > 0 && (line[r - 1] == '\n' || line[r - 1] == '\r'))
            line[--r] = 0;
        if (l.n == cap) {
            cap = cap ? cap * 2 : 1024;
            l.s = realloc(l.s, cap * sizeof *l.s);
            l.len = realloc(l.len, cap * sizeof *l.len);
            if (!l.s || !l.len)
                bench_die("bench_match", "out of memory", NULL);
        }
        l.s[l.n] = strdup(line);
        l.len[l.n] = (size_t)r;
        l.n++;
    }
    free(line);
    fclose(f);
    return l;
}

/* ------------------------------------------------------------ baseline: word 3-shingles */

typedef struct pair {
    uint64_t h;
    uint32_t doc;
} pair;

static int pair_cmp(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    if (x->h != y->h)
        return x->h < y->h ? -1 : 1;
    return x->doc < y->doc ? -1 : x->doc > y->doc;
}

static uint64_t fnv(const char *s, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Distinct shingle hashes of a text into *out (sorted); returns the count. */
static size_t shingles(unspin_tokenizer *tk, const char *text, size_t len, uint64_t **out, size_t *cap)
{
    unspin_tokenizer_reset(tk);
    const unspin_token *t;
    size_t nt, used;
    unspin_error err;
    if (unspin_tokenize(tk, text, len, 1, &t, &nt, &used, &err))
        bench_die("bench_match", "tokenize", &err);
    uint64_t w[3] = {0, 0, 0};
    size_t nw = 0, n = 0;
    for (size_t i = 0; i <= nt; i++) {
        if (i < nt && t[i].kind != UNSPIN_TOKEN_WORD && t[i].kind != UNSPIN_TOKEN_NUMBER)
            continue;
        if (i < nt) {
            w[0] = w[1];
            w[1] = w[2];
            w[2] = fnv(t[i].norm, t[i].norm_length, 14695981039346656037ull);
            nw++;
        }
        if ((i < nt && nw >= 3) || (i == nt && nw > 0 && nw < 3)) {
            if (n + 1 > *cap) {
                *cap = *cap ? *cap * 2 : 256;
                *out = realloc(*out, *cap * sizeof **out);
                if (!*out)
                    bench_die("bench_match", "out of memory", NULL);
            }
            (*out)[n++] = (w[0] * 31 + w[1]) * 1000003 + w[2];
        }
    }
    qsort(*out, n, sizeof **out, u64_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || (*out)[k - 1] != (*out)[i])
            (*out)[k++] = (*out)[i];
    return k;
}

typedef struct baseline {
    pair *pairs;
    size_t npairs;
    uint32_t *size; /* shingles per doc */
    size_t ndocs;
    float *acc;
} baseline;

static void baseline_build(baseline *b, unspin_tokenizer *tk, const lines *docs)
{
    uint64_t *sh = NULL;
    size_t cap = 0, pcap = 0;
    b->ndocs = docs->n;
    b->size = calloc(docs->n, sizeof *b->size);
    b->acc = calloc(docs->n, sizeof *b->acc);
    for (size_t d = 0; d < docs->n; d++) {
        size_t n = shingles(tk, docs->s[d], docs->len[d], &sh, &cap);
        b->size[d] = (uint32_t)n;
        if (b->npairs + n > pcap) {
            pcap = (b->npairs + n) * 2;
            b->pairs = realloc(b->pairs, pcap * sizeof *b->pairs);
        }
        for (size_t i = 0; i < n; i++)
            b->pairs[b->npairs++] = (pair){sh[i], (uint32_t)d};
    }
    qsort(b->pairs, b->npairs, sizeof *b->pairs, pair_cmp);
    free(sh);
}

/* Best document by Jaccard of shingle sets; *score gets it. */
static long baseline_query(baseline *b, unspin_tokenizer *tk, const char *text, size_t len, double *score)
{
    static uint64_t *sh;
    static size_t cap;
    size_t n = shingles(tk, text, len, &sh, &cap);
    uint32_t *touched = malloc((b->ndocs + 1) * sizeof *touched);
    size_t nt = 0;
    for (size_t i = 0; i < n; i++) {
        size_t lo = 0, hi = b->npairs;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (b->pairs[mid].h < sh[i]) lo = mid + 1; else hi = mid;
        }
        for (size_t k = lo; k < b->npairs && b->pairs[k].h == sh[i]; k++) {
            uint32_t d = b->pairs[k].doc;
            if (b->acc[d] == 0)
                touched[nt++] = d;
            b->acc[d] += 1;
        }
    }
    long best = -1;
    double bs = 0;
    for (size_t k = 0; k < nt; k++) {
        uint32_t d = touched[k];
        double j = b->acc[d] / ((double)n + b->size[d] - b->acc[d]);
        if (j > bs) {
            bs = j;
            best = d;
        }
        b->acc[d] = 0;
    }
    free(touched);
    *score = bs;
    return best;
}

/* ------------------------------------------------------------ eval */

static int same_text(const lines *docs, size_t a, size_t b)
{
    return docs->len[a] == docs->len[b] && memcmp(docs->s[a], docs->s[b], docs->len[a]) == 0;
}

static void eval_matcher(const char *label, const unspin_match_index *ix, const unspin_lexicon *lex, const lines *docs,
                         const lines *spun, const lines *neg, double min_score)
{
    unspin_match_opts o;
    unspin_match_opts_default(&o);
    o.top = 1;
    o.min_score = 0;
    unspin_matcher *m;
    unspin_error err;
    if (unspin_matcher_create(ix, lex, &o, &m, &err))
        bench_die("bench_match", "matcher", &err);
    size_t n = spun->n < docs->n ? spun->n : docs->n, p1 = 0, rec = 0, fp = 0;
    double t0 = bench_wall();
    for (size_t i = 0; i < n; i++) {
        const unspin_match_result *r;
        if (unspin_match_query(m, spun->s[i], spun->len[i], &r, &err))
            bench_die("bench_match", "query", &err);
        if (r->nhits && same_text(docs, r->hits[0].doc, i)) {
            p1++;
            rec += r->hits[0].score >= min_score;
        }
    }
    double dt = bench_wall() - t0;
    for (size_t i = 0; neg && i < neg->n; i++) {
        const unspin_match_result *r;
        if (unspin_match_query(m, neg->s[i], neg->len[i], &r, &err))
            bench_die("bench_match", "query", &err);
        fp += r->nhits && r->hits[0].score >= min_score;
    }
    printf("%-22s P@1 %.4f  recall@%.2f %.4f", label, (double)p1 / (double)n, min_score, (double)rec / (double)n);
    if (neg)
        printf("  false-pos %.4f", neg->n ? (double)fp / (double)neg->n : 0.0);
    printf("  %.0f queries/s\n", (double)n / dt);
    unspin_matcher_free(m);
}

static int eval(const char *orig, const char *spun_path, const char *lex_path, const char *neg_path, double min_score)
{
    lines docs = read_lines(orig), spun = read_lines(spun_path), neg = {0};
    if (neg_path)
        neg = read_lines(neg_path);
    unspin_error err;
    unspin_match_index *ix;
    if (unspin_match_index_create(&ix, &err))
        bench_die("bench_match", "index", &err);
    double t0 = bench_wall();
    for (size_t i = 0; i < docs.n; i++) {
        char name[32];
        snprintf(name, sizeof name, "%zu", i + 1);
        if (unspin_match_index_add(ix, name, docs.s[i], docs.len[i], &err))
            bench_die("bench_match", "add", &err);
    }
    if (unspin_match_index_finish(ix, &err))
        bench_die("bench_match", "finish", &err);
    printf("%zu documents indexed in %.3f s; %zu queries\n", docs.n, bench_wall() - t0, spun.n);
    unspin_lexicon *lex = NULL;
    if (lex_path && unspin_lexicon_open(lex_path, &lex, &err))
        bench_die("bench_match", "lexicon", &err);
    eval_matcher("match (no lexicon)", ix, NULL, &docs, &spun, neg_path ? &neg : NULL, min_score);
    if (lex)
        eval_matcher("match (lexicon)", ix, lex, &docs, &spun, neg_path ? &neg : NULL, min_score);
    /* baseline */
    unspin_tokenizer *tk;
    if (unspin_tokenizer_create(&tk, &err))
        bench_die("bench_match", "tokenizer", &err);
    baseline b = {0};
    baseline_build(&b, tk, &docs);
    size_t n = spun.n < docs.n ? spun.n : docs.n, p1 = 0;
    t0 = bench_wall();
    for (size_t i = 0; i < n; i++) {
        double s;
        long d = baseline_query(&b, tk, spun.s[i], spun.len[i], &s);
        p1 += d >= 0 && same_text(&docs, (size_t)d, i);
    }
    printf("%-22s P@1 %.4f  %.0f queries/s\n", "word 3-shingles", (double)p1 / (double)n, (double)n / (bench_wall() - t0));
    unspin_tokenizer_free(tk);
    unspin_lexicon_close(lex);
    unspin_match_index_free(ix);
    return 0;
}

/* ------------------------------------------------------------ speed on generated text */

static void gen_word(size_t id, char *out)
{
    static const char cons[] = "bcdfghklmnprstvz", vow[] = "aeiou";
    size_t k = 0, x = id * 2654435761u + 7;
    size_t syl = 1 + id % 3;
    for (size_t s = 0; s < syl; s++) {
        out[k++] = cons[x % 16];
        x /= 16;
        out[k++] = vow[x % 5];
        x /= 5;
    }
    out[k++] = cons[id % 16];
    out[k] = 0;
}

static size_t zipf(size_t v)
{
    /* inverse of a continuous 1/x density over [1, v] */
    double u = (double)(rnd() >> 11) / 9007199254740992.0;
    size_t r = (size_t)exp(u * log((double)v));
    return r < v ? r : v - 1;
}

static char *gen_doc(size_t words, size_t vocab, size_t *len)
{
    char *s = malloc(words * 12 + 16), w[16];
    size_t n = 0;
    for (size_t i = 0; i < words; i++) {
        gen_word(zipf(vocab), w);
        n += (size_t)sprintf(s + n, "%s%s", w, i % 15 == 14 ? ". " : " ");
    }
    *len = n;
    return s;
}

static char *spin_doc(const char *doc, size_t len, size_t vocab, size_t *outlen)
{
    char *s = malloc(len * 2 + 16), w[16];
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && doc[j] != ' ' && doc[j] != '.')
            j++;
        if (j > i && rnd() % 10 < 3) {
            gen_word(zipf(vocab), w);
            n += (size_t)sprintf(s + n, "%s", w);
        } else {
            memcpy(s + n, doc + i, j - i);
            n += j - i;
        }
        while (j < len && (doc[j] == ' ' || doc[j] == '.'))
            s[n++] = doc[j++];
        i = j;
    }
    *outlen = n;
    return s;
}

int main(int argc, char **argv)
{
    size_t ndocs = 2000, nwords = 300, vocab = 20000;
    const char *eval_orig = NULL, *eval_spun = NULL, *lex = NULL, *neg = NULL;
    double min_score = 0.2;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--docs") && i + 1 < argc)
            ndocs = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--words") && i + 1 < argc)
            nwords = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--eval") && i + 2 < argc) {
            eval_orig = argv[++i];
            eval_spun = argv[++i];
        } else if (!strcmp(argv[i], "--lexicon") && i + 1 < argc)
            lex = argv[++i];
        else if (!strcmp(argv[i], "--negatives") && i + 1 < argc)
            neg = argv[++i];
        else if (!strcmp(argv[i], "--min-score") && i + 1 < argc)
            min_score = atof(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_match [--docs N] [--words N] | --eval ORIGINALS SPUN [--lexicon LEX] "
                            "[--negatives FILE] [--min-score S]\n");
            return 2;
        }
    }
    if (eval_orig)
        return eval(eval_orig, eval_spun, lex, neg, min_score);
    if (ndocs == 0 || nwords == 0)
        return 2;
    char **docs = malloc(ndocs * sizeof *docs);
    size_t *lens = malloc(ndocs * sizeof *lens), bytes = 0;
    for (size_t d = 0; d < ndocs; d++) {
        docs[d] = gen_doc(nwords, vocab, &lens[d]);
        bytes += lens[d];
    }
    unspin_error err;
    unspin_match_index *ix;
    double t0 = bench_wall();
    if (unspin_match_index_create(&ix, &err))
        bench_die("bench_match", "index", &err);
    for (size_t d = 0; d < ndocs; d++) {
        char name[32];
        snprintf(name, sizeof name, "doc%zu", d);
        if (unspin_match_index_add(ix, name, docs[d], lens[d], &err))
            bench_die("bench_match", "add", &err);
    }
    if (unspin_match_index_finish(ix, &err))
        bench_die("bench_match", "finish", &err);
    double ti = bench_wall() - t0;
    unspin_matcher *m;
    if (unspin_matcher_create(ix, NULL, NULL, &m, &err))
        bench_die("bench_match", "matcher", &err);
    size_t correct = 0;
    double tq = 0;
    for (size_t d = 0; d < ndocs; d++) {
        size_t ql;
        char *q = spin_doc(docs[d], lens[d], vocab, &ql);
        const unspin_match_result *r;
        double t1 = bench_wall();
        if (unspin_match_query(m, q, ql, &r, &err))
            bench_die("bench_match", "query", &err);
        tq += bench_wall() - t1;
        correct += r->nhits && r->hits[0].doc == d;
        free(q);
    }
    printf("match: %zu documents of %zu words (%.1f MB): index %.0f docs/s (%.1f MB/s), query %.0f docs/s, "
           "precision@1 %.4f (30%% of words replaced, no lexicon)\n",
           ndocs, nwords, (double)bytes / 1e6, (double)ndocs / ti, (double)bytes / 1e6 / ti, (double)ndocs / tq,
           (double)correct / (double)ndocs);
    unspin_matcher_free(m);
    unspin_match_index_free(ix);
    for (size_t d = 0; d < ndocs; d++)
        free(docs[d]);
    free(docs);
    free(lens);
    return 0;
}
