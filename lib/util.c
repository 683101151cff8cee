/* util.c - allocation, file mapping, hashing and UTF-8 primitives. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

/* ---- allocation ---- */

void *us_malloc(size_t n) { return malloc(n ? n : 1); }
void *us_calloc(size_t count, size_t size) { return calloc(count ? count : 1, size ? size : 1); }
void *us_realloc(void *p, size_t n) { return realloc(p, n ? n : 1); }
void us_free(void *p) { free(p); }

int us_grow(void **array, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return UNSPIN_OK;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return UNSPIN_E_NOMEM;
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / size)
        return UNSPIN_E_NOMEM;
    void *p = us_realloc(*array, ncap * size);
    if (!p)
        return UNSPIN_E_NOMEM;
    *array = p;
    *cap = ncap;
    return UNSPIN_OK;
}

/* ---- file mapping ---- */

int us_map_open(const char *path, us_map *map, unspin_error *err)
{
    memset(map, 0, sizeof *map);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return us_error(err, UNSPIN_E_IO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return us_error(err, UNSPIN_E_IO, "%s: %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return us_error(err, UNSPIN_E_IO, "%s: is a directory", path);
    }
    if (S_ISREG(st.st_mode)) {
        if (st.st_size == 0) {
            close(fd);
            map->data = (const unsigned char *)"";
            return UNSPIN_OK;
        }
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
        close(fd);
        if (p == MAP_FAILED)
            return us_error(err, UNSPIN_E_IO, "%s: cannot map: %s", path, strerror(errno));
        map->data = p;
        map->owned = p;
        map->size = (size_t)st.st_size;
        map->mapped = 1;
        return UNSPIN_OK;
    }
    /* Not a regular file: read it whole. */
    size_t cap = 0, len = 0;
    unsigned char *buf = NULL;
    for (;;) {
        if (us_grow((void **)&buf, &cap, len + 65536, 1) < 0) {
            us_free(buf);
            close(fd);
            return us_error(err, UNSPIN_E_NOMEM, "%s: out of memory", path);
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            us_free(buf);
            close(fd);
            return us_error(err, UNSPIN_E_IO, "%s: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    map->data = buf;
    map->owned = buf;
    map->size = len;
    map->mapped = 0;
    return UNSPIN_OK;
}

void us_map_close(us_map *map)
{
    if (!map || !map->owned) {
        if (map)
            memset(map, 0, sizeof *map);
        return;
    }
    if (map->mapped)
        munmap(map->owned, map->size);
    else
        us_free(map->owned);
    memset(map, 0, sizeof *map);
}

/* ---- hashing ---- */

uint64_t us_checksum(const void *data, size_t len) { return XXH64(data, len, 0); }

struct us_hasher { XXH64_state_t st; };

us_hasher *us_hasher_new(void)
{
    us_hasher *h = us_malloc(sizeof *h);
    if (h)
        XXH64_reset(&h->st, 0);
    return h;
}
void us_hasher_update(us_hasher *h, const void *data, size_t len) { XXH64_update(&h->st, data, len); }
uint64_t us_hasher_digest(const us_hasher *h) { return XXH64_digest(&h->st); }
void us_hasher_free(us_hasher *h) { us_free(h); }

uint64_t us_hash(const void *data, size_t len) { return XXH3_64bits(data, len); }

/* ---- UTF-8 ---- */

size_t us_utf8_decode(const unsigned char *s, size_t len, int32_t *cp)
{
    if (len == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = (int32_t)c;
        return 1;
    }
    size_t n;
    int32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) { n = 2; v = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; v = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; v = c & 0x07; min = 0x10000; }
    else return 0;
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

size_t us_utf8_encode(int32_t cp, unsigned char *out)
{
    if (cp < 0x80) { out[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}
