/* fuzz_embed_load.c - open arbitrary bytes as a word-vector table (the
 * embedding section of a .uslex file). Opening must fail cleanly, or give a
 * table whose every query stays in bounds. */
#include "fuzz.h"
#include "embed.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    void *buf = fuzz_aligned_copy(data, size);
    if (!buf)
        return 0;
    unspin_error err;
    embed *e;
    if (embed_open(buf, size, &e, &err) == UNSPIN_OK) {
        int32_t n = embed_count(e);
        int dim = embed_dim(e);
        float *v = calloc((size_t)(dim > 0 ? dim : 1), sizeof *v);
        for (int32_t id = 0; v && id < n && id < 32; id++) {
            const char *w = embed_word(e, id);
            if (w)
                (void)embed_find(e, w, embed_word_len(e, id));
            embed_vector(e, id, v);
            (void)embed_dot(e, id, v);
            (void)embed_cosine(e, id, 0);
            embed_neighbor nb[4];
            size_t got;
            (void)embed_knn(e, id, 4, n, nb, &got, &err);
        }
        (void)embed_find(e, "the", 3);
        free(v);
        embed_free(e);
    }
    free(buf);
    return 0;
}
