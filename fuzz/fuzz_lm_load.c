/* fuzz_lm_load.c - open arbitrary bytes as a .uslm model from memory. Opening
 * must fail cleanly or give a model whose every query stays in bounds:
 * checksum, word lookups, scoring sequences, and visiting every n-gram. */
#include "fuzz.h"
#include "lm_format.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_fn(void *ctx, int n, const unspin_word *ids, float logprob, float backoff)
{
    (void)n;
    (void)ids;
    (void)logprob;
    (void)backoff;
    ++*(size_t *)ctx;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    void *buf = fuzz_aligned_copy(data, size);
    if (!buf)
        return 0;
    unspin_error err;
    unspin_lm *lm;
    if (lm_open_memory(buf, size, "fuzz.uslm", &lm, &err) != UNSPIN_OK) {
        free(buf);
        return 0;
    }
    (void)unspin_lm_verify(lm, &err);
    uint32_t V = unspin_lm_vocab_size(lm);
    for (uint32_t id = 0; id < V && id < 64; id++) {
        const char *s = unspin_lm_word_string(lm, id);
        if (s)
            (void)unspin_lm_word(lm, s, strlen(s));
    }
    (void)unspin_lm_word(lm, "the", 3);
    unspin_lm_state st;
    unspin_lm_begin_state(lm, &st);
    for (uint32_t i = 0; i < 32; i++)
        (void)unspin_lm_score(lm, &st, (i * 7919u) % (V + 2), &st);
    unspin_word words[16];
    float lp[16];
    unspin_lm_state outs[16];
    for (int i = 0; i < 16; i++)
        words[i] = (unspin_word)i;
    unspin_lm_score_batch(lm, &st, words, 16, lp, outs);
    for (int n = 1; n <= unspin_lm_order(lm); n++) {
        size_t k = 0;
        (void)lm_foreach_ngram(lm, n, count_fn, &k);
    }
    unspin_lm_close(lm);
    free(buf);
    return 0;
}
