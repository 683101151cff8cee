/* fuzz_embed_json.c - the embedding JSON importer and the blob reader.
 * Input parsed as JSON; on success the table is serialised, opened and
 * queried. The raw input is also opened as a blob (must be rejected or
 * queried safely). */
#include "embed.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(const embed *e)
{
    int32_t n = embed_count(e);
    int dim = embed_dim(e);
    float *v = malloc((size_t)(dim > 0 ? dim : 1) * sizeof *v);
    embed_neighbor nb[4];
    for (int32_t i = 0; i < n && i < 64; i++) {
        const char *w = embed_word(e, i);
        size_t len = embed_word_len(e, i);
        if (w && embed_find(e, w, len) < 0)
            abort(); /* every stored word is found (maybe as an earlier duplicate) */
        if (v)
            embed_vector(e, i, v);
        (void)embed_cosine(e, i, (i * 7) % n);
        size_t got;
        if (embed_knn(e, i, 4, 0, nb, &got, NULL) < 0)
            abort();
    }
    if (n > 0) {
        int32_t q[3] = {0, n - 1, n / 2};
        embed_neighbor out[3 * 4];
        if (embed_knn_all(e, q, 3, 4, 0, out, 2, NULL) < 0)
            abort();
    }
    (void)embed_find(e, "the", 3);
    free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unspin_error err;
    embed_builder *b = NULL;
    if (embed_import_json_memory((const char *)data, size, "fuzz", &b, &err) == UNSPIN_OK) {
        embed_builder_restrict(b, 1000);
        unsigned char *blob;
        size_t bsize;
        if (embed_serialize(b, &blob, &bsize, &err) == UNSPIN_OK) {
            embed *e;
            if (embed_open(blob, bsize, &e, &err) != UNSPIN_OK)
                abort(); /* what we write we must read */
            exercise(e);
            embed_free(e);
            us_free(blob);
        }
        embed_builder_free(b);
    } else if (err.message[0] == 0) {
        abort(); /* failures must explain themselves */
    }
    /* the raw bytes as a blob */
    embed *e;
    if (embed_open(data, size, &e, &err) == UNSPIN_OK) {
        exercise(e);
        embed_free(e);
    }
    return 0;
}
