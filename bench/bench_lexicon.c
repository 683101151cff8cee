/*
 * bench_lexicon.c - lexicon benchmarks: open time, file size, lookup cost per
 * token position and candidates per position.
 *
 *   bench_lexicon [LEXICON.uslex [TEXT]]
 *
 * LEXICON defaults to models/default.uslex; TEXT (plain text, tokenised with
 * the library's tokenizer) defaults to a built-in paragraph. Every word token
 * is looked up with the next (up to) 4 words, stopping at punctuation, as the
 * decoder does. Without a lexicon it prints a note and exits 0.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int main(int argc, char **argv);

static const char sample[] =
    "North Korean chief Kim arrived at a cosmodrome in the Far East on Wednesday for a gathering "
    "with the president that underscores how the two leaders' pursuits are aligning within the face "
    "of their separate, intensifying confrontations. The two males shook arms and he mentioned he was "
    "very glad to see the visitors. Researchers did not say whether the counterfeit consciousness "
    "system could be used to practice large language models in the coming months, although they "
    "noted that it was in keeping with earlier findings about huge data sets and colour images.";

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "models/default.uslex";
    struct stat st;
    if (stat(path, &st) != 0) {
        printf("bench_lexicon: %s not found (build it with 'unspin build lexicon'); skipped\n", path);
        return 0;
    }
    char *text = NULL;
    size_t tlen = 0;
    if (argc > 2) {
        FILE *f = fopen(argv[2], "rb");
        if (!f) {
            fprintf(stderr, "bench_lexicon: %s: cannot open\n", argv[2]);
            return 1;
        }
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        text = malloc((size_t)n + 1);
        if (!text || fread(text, 1, (size_t)n, f) != (size_t)n) {
            fprintf(stderr, "bench_lexicon: %s: read error\n", argv[2]);
            return 1;
        }
        fclose(f);
        tlen = (size_t)n;
    } else {
        tlen = sizeof sample - 1;
        text = malloc(tlen);
        memcpy(text, sample, tlen);
    }
    unspin_error err;
    unspin_lexicon *lex;
    double t0 = bench_wall();
    if (unspin_lexicon_open(path, &lex, &err) != UNSPIN_OK) {
        fprintf(stderr, "bench_lexicon: %s\n", err.message);
        return 1;
    }
    double t_open = bench_wall() - t0;
    t0 = bench_wall();
    int vr = unspin_lexicon_verify(lex, &err);
    double t_verify = bench_wall() - t0;
    size_t ne, nl, mc;
    unspin_lexicon_info(lex, &ne, &nl, &mc);
    printf("file %s: %.1f MB, %zu entries, %zu links, cap %zu per span\n", path, (double)st.st_size / 1e6, ne,
           nl, mc);
    printf("open %.2f ms, verify %.1f ms (%s)\n", t_open * 1e3, t_verify * 1e3, vr == UNSPIN_OK ? "ok" : "FAILED");

    /* tokenise: keep the word/number norms and where the lookup windows stop */
    unspin_tokenizer *tk;
    unspin_tokenizer_create(&tk, &err);
    const unspin_token *toks;
    size_t nt, used;
    if (unspin_tokenize(tk, text, tlen, 1, &toks, &nt, &used, &err) != UNSPIN_OK) {
        fprintf(stderr, "bench_lexicon: %s\n", err.message);
        return 1;
    }
    char **norm = malloc((nt + 1) * sizeof *norm);
    size_t *len = malloc((nt + 1) * sizeof *len);
    int *stop = malloc((nt + 1) * sizeof *stop);
    size_t nw = 0;
    for (size_t i = 0; i < nt; i++) {
        if (toks[i].kind == UNSPIN_TOKEN_SPACE)
            continue;
        if (toks[i].kind == UNSPIN_TOKEN_WORD || toks[i].kind == UNSPIN_TOKEN_NUMBER) {
            norm[nw] = malloc(toks[i].norm_length + 1);
            memcpy(norm[nw], toks[i].norm, toks[i].norm_length + 1);
            len[nw] = toks[i].norm_length;
            stop[nw] = 0;
            nw++;
        } else if (nw) {
            stop[nw - 1] = 1; /* a window may not cross punctuation */
        }
    }
    unspin_candidates *c;
    unspin_candidates_create(&c, &err);
    size_t total = 0, positions = 0;
    int reps = nw < 10000 ? (int)(200000 / (nw ? nw : 1)) + 1 : 1;
    t0 = bench_wall();
    for (int r = 0; r < reps; r++) {
        for (size_t i = 0; i < nw; i++) {
            size_t n = 1;
            while (n < 4 && i + n < nw && !stop[i + n - 1])
                n++;
            const unspin_candidate *cands;
            size_t nc;
            unspin_lexicon_lookup(lex, (const char *const *)(norm + i), len + i, n, c, &cands, &nc, &err);
            if (r == 0)
                total += nc;
            positions++;
        }
    }
    double t = bench_wall() - t0;
    printf("lookup: %zu word positions x %d runs: %.0f ns per position, %.1f candidates per position\n", nw, reps,
           t / (double)positions * 1e9, nw ? (double)total / (double)nw : 0.0);
    unspin_candidates_free(c);
    unspin_tokenizer_free(tk);
    for (size_t i = 0; i < nw; i++)
        free(norm[i]);
    free(norm);
    free(len);
    free(stop);
    free(text);
    unspin_lexicon_close(lex);
    return 0;
}
