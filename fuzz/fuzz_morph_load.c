/* fuzz_morph_load.c - open arbitrary bytes as a morphology blob (the morph
 * section of a .uslex file). Opening must fail cleanly, or give tables whose
 * every query stays in bounds. */
#include "fuzz.h"
#include "morph.h"

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
    morph *m;
    if (morph_open(buf, size, &m, &err) == UNSPIN_OK) {
        (void)morph_verify(m, &err);
        static const char *const words[] = {"said", "children", "armoured", "studies", "better", "a", ""};
        for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
            size_t len = strlen(words[i]);
            morph_analysis an[16];
            size_t n = morph_analyse(m, words[i], len, an, 16);
            char out[256];
            for (size_t k = 0; k < n && k < 16; k++)
                (void)morph_inflect(m, an[k].lemma, an[k].lemma_len, an[k].tag, out, sizeof out);
            (void)morph_spelling_key(m, words[i], len, out, sizeof out);
            (void)morph_spelling_british(m, words[i], len, out, sizeof out);
            (void)morph_in_index(m, words[i], len);
        }
        morph_free(m);
    }
    free(buf);
    return 0;
}
