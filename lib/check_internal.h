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

typedef struct us_check_model {
    us_check_part part[2];
    us_check_wpart word;
} us_check_model;

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
