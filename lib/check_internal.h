/*
 * check_internal.h - the spun-text detector's weight file writer, for the
 * fitting tool (data/tools/fit_check.c). See lib/check.c and docs/check.md.
 */
#ifndef UNSPIN_CHECK_INTERNAL_H
#define UNSPIN_CHECK_INTERNAL_H

#include "internal.h"

/* Logistic model over standardised features:
 * p = 1 / (1 + exp(-(bias + sum_i w[i] * (f[i] - mean[i]) / sd[i]))). */
typedef struct us_check_model {
    double mean[UNSPIN_CHECK_NFEATURES];
    double sd[UNSPIN_CHECK_NFEATURES];
    double w[UNSPIN_CHECK_NFEATURES];
    double bias;
} us_check_model;

/*! us_check_model_default() : the built-in, hand-set weights (no file). */
US_INTERNAL void us_check_model_default(us_check_model *m);

/*! us_check_model_write() :
 * Write a .uscheck file: under the "incomplete" magic first, then the real
 * magic once the whole file is written.
 * @return UNSPIN_OK, UNSPIN_E_INVALID (non-finite value, sd <= 0) or UNSPIN_E_IO. */
US_INTERNAL int us_check_model_write(const us_check_model *m, const char *path, unspin_error *err);

/*! us_check_model_p() : the model's probability for a feature vector. */
US_INTERNAL double us_check_model_p(const us_check_model *m, const double *f);

#endif
