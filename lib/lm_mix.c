/* lm_mix.c - EM interpolation weights and static mixtures of back-off models. */
#include "lm_train.h"

int unspin_lm_mix_fit(const unspin_lm *const *lms, size_t k, const char *const *texts, const size_t *lens,
                      size_t ndomains, double *weights, double *ppl, unspin_error *err)
{
    (void)lms; (void)k; (void)texts; (void)lens; (void)ndomains; (void)weights; (void)ppl;
    return us_error(err, UNSPIN_E_INVALID, "mixing: not implemented yet");
}

int unspin_lm_mix_write(const unspin_lm *const *lms, size_t k, const double *weights, const char *path,
                        unspin_error *err)
{
    (void)lms; (void)k; (void)weights; (void)path;
    return us_error(err, UNSPIN_E_INVALID, "mixing: not implemented yet");
}
