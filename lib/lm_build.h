/*
 * lm_build.h - internal interface between the producers of n-gram models
 * (ARPA reader, Kneser-Ney trainer, mixer, Sphinx converter) and the .uslm
 * writer, plus read access to every n-gram of an opened model (for ARPA
 * export and for mixing). Not installed.
 */
#ifndef UNSPIN_LM_BUILD_H
#define UNSPIN_LM_BUILD_H

#include "internal.h"

typedef struct lm_writer lm_writer;

typedef struct lm_write_opts {
    int quantize_bits; /* 0: store float32 probabilities and back-offs; 8..16: quantise */
} lm_write_opts;

/*! lm_writer_create() :
 * Start a model of the given order (1..UNSPIN_LM_MAX_ORDER). counts[n-1] is
 * the number of n-grams of order n that will be added (upper bound). */
US_INTERNAL int lm_writer_create(lm_writer **out, int order, const uint64_t *counts, unspin_error *err);

/*! lm_writer_add_word() :
 * Add a unigram. The k-th call (from 0) gives the word id k for
 * lm_writer_add(); the writer may renumber ids in the file (e.g. <unk> is
 * always id 0 in a .uslm). All unigrams come before any higher order.
 * Words "<unk>", "<s>", "</s>" are recognised; a missing <unk> is added with
 * log10 probability -100 (as ARPA files without <unk> mean "never"), and
 * missing <s>/</s> are added too. A repeated word is UNSPIN_E_FORMAT. */
US_INTERNAL int lm_writer_add_word(lm_writer *w, const char *word, size_t len, float logprob,
                                   float backoff, unspin_error *err);

/*! lm_writer_add() :
 * Add an n-gram of order n >= 2: ids[0..n) oldest word first, ids as numbered
 * by lm_writer_add_word(). Back-off is 0 for the highest order. Any order of
 * calls within an order is accepted. A duplicate n-gram is UNSPIN_E_FORMAT. */
US_INTERNAL int lm_writer_add(lm_writer *w, int n, const uint32_t *ids, float logprob, float backoff,
                              unspin_error *err);

/*! lm_writer_finish() :
 * Write the model to `path`: first with the "incomplete" magic, then the
 * real header and checksum once everything is on disk. */
US_INTERNAL int lm_writer_finish(lm_writer *w, const char *path, const lm_write_opts *opts, unspin_error *err);

US_INTERNAL void lm_writer_free(lm_writer *w);

/* Visit every n-gram of order n in an opened model (ids oldest first).
 * The callback returns 0 to go on, non-zero to stop (that value is returned). */
typedef int (*lm_ngram_fn)(void *ctx, int n, const unspin_word *ids, float logprob, float backoff);
US_INTERNAL int lm_foreach_ngram(const unspin_lm *lm, int n, lm_ngram_fn fn, void *ctx);

/* log10 probability and back-off stored for an exact n-gram (ids oldest
 * first); returns 0 and fills them if it exists, else UNSPIN_E_NOTFOUND. */
US_INTERNAL int lm_lookup_ngram(const unspin_lm *lm, int n, const unspin_word *ids, float *logprob, float *backoff);

/* Score n independent queries: logp[i] = log10 P(words[i] | *in[i]), the next
 * state into *out[i] (out[i] may be in[i] or NULL). The values of
 * unspin_lm_score(), looked up level by level as unspin_lm_score_batch()
 * does, so that the cache misses of the queries overlap. */
US_INTERNAL void lm_score_many(const unspin_lm *lm, size_t n, const unspin_lm_state *const *in,
                               const unspin_word *words, float *logp, unspin_lm_state *const *out);

#endif
