/*
 * bench_embed.c - word-embedding benchmarks.
 *
 *   bench_embed                      generated table (fixed seed): knn throughput
 *   bench_embed FILE.json [NQ NC]    real GloVe JSON: import time, quantisation
 *                                    error, knn of NQ words against NC candidates
 *                                    (default 60000 x 150000), sample neighbours
 */
#include "bench.h"
#include "embed.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv);

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static double urand(void)
{
    return (double)(bench_xorshift64(&rng) >> 11) / 9007199254740992.0;
}

static void knn_timing(const embed *e, size_t nq, int32_t nc, size_t k)
{
    int32_t *q = malloc(nq * sizeof *q);
    embed_neighbor *out = malloc(nq * k * sizeof *out);
    if (!q || !out) {
        fprintf(stderr, "bench_embed: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < nq; i++)
        q[i] = (int32_t)(i % (size_t)embed_count(e));
    unspin_error err;
    for (int threads = 1; threads <= 2; threads++) {
        double t0 = bench_wall();
        if (embed_knn_all(e, q, nq, k, nc, out, threads, &err) < 0)
            bench_die("bench_embed", "knn_all", &err);
        double t = bench_wall() - t0;
        printf("knn_all: %zu queries x %d candidates, k=%zu, dim %d, %d thread%s: %.2f s "
               "(%.2f Gpair/s)\n", nq, (int)nc, k, embed_dim(e), threads, threads > 1 ? "s" : "", t,
               (double)nq * nc / t * 1e-9);
    }
    /* check a few against the single-query path */
    embed_neighbor *one = malloc(k * sizeof *one);
    size_t bad = 0;
    for (size_t i = 0; i < nq && i < 200; i++) {
        size_t n;
        if (embed_knn(e, q[i], k, nc, one, &n, &err) < 0)
            bench_die("bench_embed", "knn", &err);
        for (size_t t = 0; t < n; t++)
            if (one[t].id != out[i * k + t].id || one[t].score != out[i * k + t].score)
                bad++;
    }
    printf("knn_all vs knn on 200 queries: %zu mismatches\n", bad);
    double t0 = bench_wall();
    size_t reps = 20;
    for (size_t i = 0; i < reps; i++) {
        size_t n;
        embed_knn(e, q[i], k, nc, one, &n, &err);
    }
    printf("knn (single query, %d candidates): %.2f ms per query\n", (int)nc, (bench_wall() - t0) / (double)reps * 1e3);
    free(one);
    free(q);
    free(out);
}

static void generated(void)
{
    const int dim = 100;
    const size_t n = 150000;
    embed_builder *b;
    unspin_error err;
    if (embed_builder_new(dim, &b, &err) < 0)
        bench_die("bench_embed", "builder", &err);
    float v[100];
    char w[32];
    double t0 = bench_wall();
    for (size_t i = 0; i < n; i++) {
        for (int d = 0; d < dim; d++)
            v[d] = (float)(urand() * 2 - 1);
        int len = snprintf(w, sizeof w, "w%zu", i);
        if (embed_builder_add(b, w, (size_t)len, v, &err) < 0)
            bench_die("bench_embed", "add", &err);
    }
    unsigned char *blob;
    size_t size;
    if (embed_serialize(b, &blob, &size, &err) < 0)
        bench_die("bench_embed", "serialize", &err);
    embed *e;
    if (embed_open(blob, size, &e, &err) < 0)
        bench_die("bench_embed", "open", &err);
    printf("generated: %zu words x %d dims, %zu bytes, build+serialise+open %.2f s\n", n, dim, size,
           bench_wall() - t0);
    t0 = bench_wall();
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        int len = snprintf(w, sizeof w, "w%zu", i);
        found += embed_find(e, w, (size_t)len) == (int32_t)i;
    }
    printf("find: %.0f ns per lookup (%zu/%zu found)\n", (bench_wall() - t0) / (double)n * 1e9, found, n);
    knn_timing(e, getenv("NQ") ? (size_t)atol(getenv("NQ")) : 20000, 150000, 50);
    embed_free(e);
    us_free(blob);
    embed_builder_free(b);
}

static void real(const char *path, size_t nq, int32_t nc)
{
    unspin_error err;
    embed_builder *b;
    double t0 = bench_wall();
    if (embed_import_json(path, &b, &err) < 0)
        bench_die("bench_embed", "import", &err);
    double t1 = bench_wall();
    unsigned char *blob;
    size_t size;
    if (embed_serialize(b, &blob, &size, &err) < 0)
        bench_die("bench_embed", "serialize", &err);
    embed *e;
    double t2 = bench_wall();
    if (embed_open(blob, size, &e, &err) < 0)
        bench_die("bench_embed", "open", &err);
    printf("import %s: %zu words x %d dims (%zu duplicates) in %.2f s; blob %zu bytes; open %.3f s\n", path,
           embed_builder_count(b), embed_builder_dim(b), embed_builder_duplicates(b), t1 - t0, size,
           bench_wall() - t2);
    static const char *const words[] = {"train", "military", "said", "hands", "eastern", "artificial",
                                        "intelligence", "practice", "counterfeit", "mentioned"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        int32_t id = embed_find(e, words[i], strlen(words[i]));
        if (id < 0) {
            printf("%s: not found\n", words[i]);
            continue;
        }
        embed_neighbor nb[12];
        size_t n;
        embed_knn(e, id, 12, nc, nb, &n, &err);
        printf("%s (#%d):", words[i], (int)id);
        for (size_t t = 0; t < n; t++)
            printf(" %s %.2f", embed_word(e, nb[t].id), (double)nb[t].score);
        printf("\n");
    }
    knn_timing(e, nq, nc, 50);
    embed_free(e);
    us_free(blob);
    embed_builder_free(b);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1) {
        size_t nq = argc > 2 ? (size_t)atol(argv[2]) : 60000;
        int32_t nc = argc > 3 ? (int32_t)atol(argv[3]) : 150000;
        real(argv[1], nq, nc);
    } else {
        generated();
    }
    return 0;
}
