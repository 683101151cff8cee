/* fuzz.h - helpers shared by the fuzz targets fuzz/fuzz_*.c (header-only). */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A malloc'ed copy of the input, 8-byte aligned and padded to a multiple of
 * 8 bytes, as mmap gives a model file (the loaders read aligned sections);
 * NULL when out of memory. The caller frees it. */
static inline void *fuzz_aligned_copy(const uint8_t *data, size_t size)
{
    uint64_t *buf = malloc(size / 8 * 8 + 8);
    if (buf && size)
        memcpy(buf, data, size);
    return buf;
}

#endif
