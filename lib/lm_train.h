/*
 * lm_train.h - internal helpers shared by the model producers of
 * lib/lm_train.c, lib/lm_mix.c and lib/lm_dmp.c: a "sink" that writes a
 * back-off model either through lm_writer (.uslm) or as ARPA text (for
 * paths ending in ".arpa", used for debugging and cross-checks).
 * Not installed.
 */
#ifndef UNSPIN_LM_TRAIN_H
#define UNSPIN_LM_TRAIN_H

#include "lm_build.h"

#include <stdio.h>

typedef struct lm_sink {
    lm_writer *w;     /* .uslm output, or NULL */
    FILE *arpa;       /* ARPA output, or NULL */
    char *path;
    int order, cur_n;
    uint64_t counts[UNSPIN_LM_MAX_ORDER];
    char **words;     /* ARPA: words by id */
    uint32_t nwords;
    size_t words_cap;
} lm_sink;

/* Start a model of `order` with counts[n-1] n-grams of order n, written to
 * `path` (ARPA when it ends in ".arpa"). Words first (in id order), then
 * n-grams in order 2, 3, ... */
US_INTERNAL int lm_sink_open(lm_sink *s, const char *path, int order, const uint64_t *counts,
                             unspin_error *err);
US_INTERNAL int lm_sink_word(lm_sink *s, const char *word, size_t len, float logprob, float backoff,
                             unspin_error *err);
US_INTERNAL int lm_sink_ngram(lm_sink *s, int n, const uint32_t *ids, float logprob, float backoff,
                              unspin_error *err);
US_INTERNAL int lm_sink_finish(lm_sink *s, unspin_error *err);
US_INTERNAL void lm_sink_free(lm_sink *s);

/* Split a line into LM words: the tokenizer's non-whitespace tokens'
 * normalised forms, or whitespace-separated fields when tk is NULL.
 * fn(ctx, words, lens, n) is called once with all words of the line. */
typedef int (*lm_words_fn)(void *ctx, const char *const *words, const size_t *lens, size_t n,
                           unspin_error *err);
typedef struct lm_splitter {
    unspin_tokenizer *tk; /* NULL: whitespace split */
    char *buf;            /* copies of the words (the tokenizer's norms are transient) */
    size_t buf_cap;
    const char **words;
    size_t *lens, *offs;
    size_t cap;
} lm_splitter;
US_INTERNAL int lm_split_line(lm_splitter *sp, const char *line, size_t len, lm_words_fn fn, void *ctx,
                              unspin_error *err);
US_INTERNAL void lm_splitter_free(lm_splitter *sp);

#endif
