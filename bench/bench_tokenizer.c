/* bench_tokenizer.c - tokenizer throughput on generated English-like ASCII
 * text (fixed seed), fed in 1 MiB blocks as the CLI does; CPU time of the process,
 * so that a loaded machine does not skew it.
 * Prints "tokenizer: X MB/s (N tokens)". */
#include "bench.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(void);

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint64_t next(void)
{
    return bench_xorshift64(&rng);
}

int main(void)
{
    static const char *const words[] = {
        "the", "of", "and", "to", "a", "in", "said", "that", "for", "is", "on", "was", "with", "he",
        "it", "as", "at", "by", "from", "his", "an", "have", "government", "President", "Biden", "U.S.",
        "didn't", "Kim's", "state-of-the-art", "2022", "1,000", "3.5", "percent", "Mr.", "officials",
        "artificial", "intelligence", "training", "company", "market", "people", "year", "new", "would"};
    const size_t nw = sizeof words / sizeof words[0];
    const size_t size = 64u << 20, block = 1u << 20;
    char *text = malloc(size + 64);
    if (!text)
        return 1;
    size_t n = 0, inq = 0;
    while (n < size) {
        const char *w = words[next() % nw];
        size_t l = strlen(w);
        memcpy(text + n, w, l);
        n += l;
        uint64_t r = next() % 100;
        if (r < 6) text[n++] = ',';
        else if (r < 11) text[n++] = '.';
        else if (r < 12) { text[n++] = '"'; inq = !inq; }
        text[n++] = r == 99 ? '\n' : ' ';
    }
    unspin_tokenizer *tk;
    unspin_error err;
    if (unspin_tokenizer_create(&tk, &err) != UNSPIN_OK)
        return 1;
    size_t ntok = 0;
    double t0 = bench_cpu();
    size_t pos = 0;
    while (pos < n) {
        size_t len = n - pos < block ? n - pos : block;
        int final = pos + len == n;
        const unspin_token *t;
        size_t k, used;
        if (unspin_tokenize(tk, text + pos, len, final, &t, &k, &used, &err) != UNSPIN_OK) {
            fprintf(stderr, "bench_tokenizer: %s\n", err.message);
            return 1;
        }
        ntok += k;
        pos += used;
    }
    double secs = bench_cpu() - t0;
    printf("tokenizer: %.1f MB/s (%zu tokens)\n", (double)n / 1e6 / secs, ntok);
    unspin_tokenizer_free(tk);
    free(text);
    return 0;
}
