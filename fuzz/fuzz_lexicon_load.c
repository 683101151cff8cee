/* fuzz_lexicon_load.c - open a .uslex image from memory and look up words:
 * any bytes must give a clean error or a lexicon whose lookups stay in bounds. */
#include "lex_internal.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unspin_lexicon *lex = NULL;
    unspin_error err;
    if (lex_open_memory(data, size, "fuzz", &lex, &err) != UNSPIN_OK)
        return 0;
    unspin_lexicon_verify(lex, &err);
    unspin_candidates *c;
    if (unspin_candidates_create(&c, &err) == UNSPIN_OK) {
        static const char *const words[] = {"huge", "in", "spite", "of", "said", "colour", "took", "part"};
        static const size_t lens[] = {4, 2, 5, 2, 4, 6, 4, 4};
        const unspin_candidate *cands;
        size_t n;
        for (size_t i = 0; i < 8; i++) {
            size_t m = 8 - i < 4 ? 8 - i : 4;
            if (unspin_lexicon_lookup(lex, words + i, lens + i, m, c, &cands, &n, &err) == UNSPIN_OK)
                for (size_t k = 0; k < n; k++)
                    if (strlen(cands[k].text) != cands[k].text_length)
                        __builtin_trap();
        }
        unspin_lexicon_similar(lex, "big", 3, 5, c, &cands, &n, &err);
        unspin_candidates_free(c);
    }
    float v[1024];
    if (unspin_lexicon_dim(lex) <= 1024)
        unspin_lexicon_vector(lex, "big", 3, v);
    unspin_lexicon_close(lex);
    return 0;
}
