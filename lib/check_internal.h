/*
 * check_internal.h - the spun-text detector's weight file writer, for the
 * fitting tool (data/tools/fit_check.c). See lib/check.c and docs/check.md.
 */
#ifndef UNSPIN_CHECK_INTERNAL_H
#define UNSPIN_CHECK_INTERNAL_H

#include "internal.h"

/* Logistic model over standardised features:
 * p = 1 / (1 + exp(-(bias + sum_i w[i] * (f[i] - mean[i]) / sd[i]))). */
typedef struct us_check_part {
    double mean[UNSPIN_CHECK_NFEATURES];
    double sd[UNSPIN_CHECK_NFEATURES];
    double w[UNSPIN_CHECK_NFEATURES];
    double bias;
} us_check_part;

/* Two parts: part[0] for short texts (phrases: at most US_CHECK_SHORT
 * content words), part[1] for paragraphs. */
#define US_CHECK_SHORT 4

/* The word model: P(a content word is a spinner's replacement) from its
 * word features; its output feeds paragraph features 23-25. */
typedef struct us_check_wpart {
    double mean[UNSPIN_CHECK_NWORDFEATURES];
    double sd[UNSPIN_CHECK_NWORDFEATURES];
    double w[UNSPIN_CHECK_NWORDFEATURES];
    double bias;
} us_check_wpart;

/* The pooling model (.uscheck v4): a paragraph's probability from its own
 * log-odds and the evidence of the other paragraphs of its document
 * (features listed at us_check_pool_features() in lib/check.c). */
#define US_CHECK_NPOOL 6
/* The document level: the share pi of spun paragraphs of a document takes
 * one of US_CHECK_NGRID values k / (US_CHECK_NGRID - 1) with probabilities
 * prior[k] (fitted by EM on simulated documents); a paragraph's local
 * log-odds z counts as the likelihood ratio exp(tau z). */
#define US_CHECK_NGRID 11
typedef struct us_check_ppart {
    double mean[US_CHECK_NPOOL];
    double sd[US_CHECK_NPOOL];
    double w[US_CHECK_NPOOL];
    double bias;
    double tau;
    double prior[US_CHECK_NGRID];
} us_check_ppart;

/*! us_check_pool_ll() :
 * Add sign * log(pi_k exp(tau z) + 1 - pi_k) to ll[k] for every grid value
 * pi_k: the log-likelihood of a paragraph of local log-odds z under each
 * document share pi_k. */
US_INTERNAL void us_check_pool_ll(const us_check_ppart *m, double z, double sign, double *ll);

/*! us_check_pool_derived() : fill the pooling features computed from features 0 and 1 (2). */
US_INTERNAL void us_check_pool_derived(double *f);

/*! us_check_pool_prior() :
 * @return the log-odds of E[pi | ll]: the probability that a further
 * paragraph of the document is spun, given the other paragraphs' ll. */
US_INTERNAL double us_check_pool_prior(const us_check_ppart *m, const double *ll);

typedef struct us_check_model {
    us_check_part part[2];
    us_check_wpart word;
    us_check_ppart pool;
} us_check_model;

/*! us_check_weights_model() : the model held by a weights file (for the fitting tool). */
US_INTERNAL const us_check_model *us_check_weights_model(const unspin_check_weights *w);

/*! us_check_pool_features() :
 * The pooling features of paragraph `i` (0-based, since the last reset) of
 * the checker's document into f[US_CHECK_NPOOL].
 * @return 1 when the paragraph is pooled (running text with content words,
 * in a document with at least two such paragraphs), 0 when its probability
 * is its local one (list item, no content word, alone, or i out of range:
 * f is then zeroed). Uses the checker's scratch space. */
US_INTERNAL int us_check_pool_features(unspin_checker *c, size_t i, double *f);

/*! us_check_ppart_z() : the pooling model's log-odds for a feature vector. */
US_INTERNAL double us_check_ppart_z(const us_check_ppart *m, const double *f);

/*! us_checker_set_model() : replace a checker's weights (for the fitting tool). */
US_INTERNAL void us_checker_set_model(unspin_checker *c, const us_check_model *m);

/*! us_check_wpart_z() : the word model's log-odds for a word feature vector. */
US_INTERNAL double us_check_wpart_z(const us_check_wpart *m, const double *x);

/*! us_check_part_of() : @return the part (0 or 1) for a text with `ncontent` content words. */
static inline int us_check_part_of(double ncontent) { return ncontent > US_CHECK_SHORT; }

/*! us_check_model_default() : the built-in, hand-set weights (no file). */
US_INTERNAL void us_check_model_default(us_check_model *m);

/*! us_check_model_write() :
 * Write a .uscheck file: under the "incomplete" magic first, then the real
 * magic once the whole file is written.
 * @return UNSPIN_OK, UNSPIN_E_INVALID (non-finite value, sd <= 0) or UNSPIN_E_IO. */
US_INTERNAL int us_check_model_write(const us_check_model *m, const char *path, unspin_error *err);

/*! us_check_part_p() : a part's probability for a feature vector. */
US_INTERNAL double us_check_part_p(const us_check_part *m, const double *f);

#endif
