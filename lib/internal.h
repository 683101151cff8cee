/*
 * internal.h - helpers shared by the library's modules. Not installed.
 *
 * Error handling: a function that fails calls us_error(err, CODE, fmt, ...)
 * and returns its result, which is CODE. US_TRY(expr) forwards a failure.
 */
#ifndef UNSPIN_INTERNAL_H
#define UNSPIN_INTERNAL_H

#include "unspin.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define US_INTERNAL __attribute__((visibility("hidden")))
#define US_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define US_LIKELY(x) __builtin_expect(!!(x), 1)
#define US_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define US_INTERNAL
#define US_PRINTF(f, a)
#define US_LIKELY(x) (x)
#define US_UNLIKELY(x) (x)
#endif

#define US_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Fill `err` (if not NULL) and return `code`. */
US_INTERNAL int us_error(unspin_error *err, int code, const char *fmt, ...) US_PRINTF(3, 4);
US_INTERNAL int us_verror(unspin_error *err, int code, const char *fmt, va_list ap) US_PRINTF(3, 0);

#define US_TRY(expr)                     \
    do {                                 \
        int us_rc_ = (expr);             \
        if (US_UNLIKELY(us_rc_ < 0))     \
            return us_rc_;               \
    } while (0)

/* Allocation. All library allocation goes through these, so that the tests
 * can make the n-th allocation fail (see us_alloc_fail_after). */
US_INTERNAL void *us_malloc(size_t n);
US_INTERNAL void *us_calloc(size_t count, size_t size);
US_INTERNAL void *us_realloc(void *p, size_t n);
US_INTERNAL void us_free(void *p);
/* Grow an array of `*cap` elements of `size` bytes to hold at least `need`. */
US_INTERNAL int us_grow(void **array, size_t *cap, size_t need, size_t size);

/* A read-only view of a whole file, mapped with mmap (or read into memory
 * for files that cannot be mapped, such as pipes). */
typedef struct us_map {
    const unsigned char *data;
    size_t size;
    void *owned; /* what to munmap or free on close (NULL for an empty file) */
    int mapped;  /* 1: munmap on close; 0: us_free */
} us_map;

US_INTERNAL int us_map_open(const char *path, us_map *map, unspin_error *err);
US_INTERNAL void us_map_close(us_map *map);

/* 64-bit checksum (XXH64, seed 0) of a byte range. */
US_INTERNAL uint64_t us_checksum(const void *data, size_t len);
/* Incremental checksum for writers. */
typedef struct us_hasher us_hasher;
US_INTERNAL us_hasher *us_hasher_new(void);
US_INTERNAL void us_hasher_update(us_hasher *h, const void *data, size_t len);
US_INTERNAL uint64_t us_hasher_digest(const us_hasher *h);
US_INTERNAL void us_hasher_free(us_hasher *h);

/* 64-bit hash of a string (XXH3) for hash tables. */
US_INTERNAL uint64_t us_hash(const void *data, size_t len);

/* Little-endian fixed-width reads and writes for file formats. */
static inline uint32_t us_load32(const void *p) {
    const unsigned char *b = (const unsigned char *)p;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
static inline uint64_t us_load64(const void *p) {
    return (uint64_t)us_load32(p) | (uint64_t)us_load32((const unsigned char *)p + 4) << 32;
}
static inline void us_store32(void *p, uint32_t v) {
    unsigned char *b = (unsigned char *)p;
    b[0] = (unsigned char)v; b[1] = (unsigned char)(v >> 8);
    b[2] = (unsigned char)(v >> 16); b[3] = (unsigned char)(v >> 24);
}
static inline void us_store64(void *p, uint64_t v) {
    us_store32(p, (uint32_t)v);
    us_store32((unsigned char *)p + 4, (uint32_t)(v >> 32));
}

/* UTF-8: decode one code point at s[0..len). Returns its length in bytes
 * (1..4) and stores it in *cp, or returns 0 for an invalid or truncated
 * sequence (then *cp is undefined). */
US_INTERNAL size_t us_utf8_decode(const unsigned char *s, size_t len, int32_t *cp);
/* Encode cp into out (4 bytes room); returns the length. */
US_INTERNAL size_t us_utf8_encode(int32_t cp, unsigned char *out);

#endif
