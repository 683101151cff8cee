/* fuzz_arpa.c - parse arbitrary bytes as an ARPA model from memory. A parse
 * must either fail with a message naming the input or give a writer that
 * can lay out a complete .uslm file (written to /dev/null, quantised when
 * the input length is odd). */
#include "lm_format.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unspin_error err;
    lm_writer *w = NULL;
    int rc = lm_arpa_read_memory((const char *)data, size, "fuzz.arpa", &w, &err);
    if (rc != UNSPIN_OK) {
        if (w || err.code != rc || strncmp(err.message, "fuzz.arpa", 9) != 0)
            abort();
        return 0;
    }
    lm_write_opts opts = {(size & 1) ? 8 : 0};
    (void)lm_writer_finish(w, "/dev/null", &opts, &err);
    lm_writer_free(w);
    return 0;
}
