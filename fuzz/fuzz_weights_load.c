/* fuzz_weights_load.c - open arbitrary bytes as the small weight files of
 * the channel model (.uschan) and of the spun-text detector (.uscheck).
 * Both loaders must reject anything malformed with an error, never crash.
 * The loaders take a path, so the input goes through a temporary file. */
#include "unspin.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/fuzz-weights-%ld.bin", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    unspin_error err;
    unspin_channel *ch = NULL;
    if (unspin_channel_open(path, &ch, &err) == UNSPIN_OK)
        unspin_channel_close(ch);
    unspin_check_weights *w = NULL;
    if (unspin_check_weights_open(path, &w, &err) == UNSPIN_OK)
        unspin_check_weights_close(w);
    remove(path);
    return 0;
}
