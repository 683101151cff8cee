/* fuzz_tokenizer.c - tokenize the input in blocks (cut sizes from the first
 * two bytes) and check: tokens are contiguous and non-empty, they cover what
 * was consumed, everything is consumed at the end, progress is made, norms
 * are NUL-terminated with the right length, and the tokens equal those of a
 * single call. */
#include "unspin.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    size_t start, length;
    unsigned kind, casing, flags;
    uint64_t normhash;
} ftok;

static uint64_t fnv(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

/* step == 0: one call; else feed `step` more bytes per call. Returns the token count. */
static size_t run(const char *text, size_t len, size_t step, ftok *out, size_t cap)
{
    unspin_tokenizer *tk;
    unspin_error err;
    if (unspin_tokenizer_create(&tk, &err) != UNSPIN_OK)
        abort();
    size_t pos = 0, avail = 0, nout = 0;
    for (;;) {
        avail = step ? avail + step : len - pos;
        if (pos + avail > len)
            avail = len - pos;
        int final = pos + avail == len;
        const unspin_token *t;
        size_t n, used;
        if (unspin_tokenize(tk, text + pos, avail, final, &t, &n, &used, &err) != UNSPIN_OK)
            abort();
        size_t at = 0;
        for (size_t i = 0; i < n; i++) {
            if (t[i].start != at || t[i].length == 0 || !t[i].norm || strlen(t[i].norm) != t[i].norm_length ||
                t[i].kind > UNSPIN_TOKEN_OTHER || t[i].casing > UNSPIN_CASE_MIXED)
                abort();
            at += t[i].length;
            if (nout < cap)
                out[nout] = (ftok){pos + t[i].start, t[i].length, t[i].kind, t[i].casing, t[i].flags,
                                   fnv(t[i].norm, t[i].norm_length)};
            nout++;
        }
        if (at != used || used > avail)
            abort();
        if (avail > UNSPIN_TOKEN_MAX_LEN && used == 0)
            abort();
        if (final) {
            if (used != avail)
                abort();
            break;
        }
        pos += used;
        avail -= used;
    }
    unspin_tokenizer_free(tk);
    return nout;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t step = 1;
    if (size >= 2) {
        step = 1 + (data[0] | (size_t)data[1] << 8) % 64;
        data += 2;
        size -= 2;
    }
    const char *text = (const char *)data;
    size_t cap = size + 1;
    ftok *a = malloc(cap * sizeof *a), *b = malloc(cap * sizeof *b);
    if (!a || !b)
        abort();
    size_t na = run(text, size, 0, a, cap);
    size_t nb = run(text, size, step, b, cap);
    if (na != nb || na > cap)
        abort();
    size_t covered = 0;
    for (size_t i = 0; i < na; i++) {
        if (a[i].start != covered)
            abort();
        covered += a[i].length;
        if (a[i].start != b[i].start || a[i].length != b[i].length || a[i].kind != b[i].kind ||
            a[i].casing != b[i].casing || a[i].flags != b[i].flags || a[i].normhash != b[i].normhash)
            abort();
    }
    if (covered != size)
        abort();
    free(a);
    free(b);
    return 0;
}
