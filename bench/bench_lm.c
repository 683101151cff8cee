/* bench_lm.c - language-model speed: import, open (load) time, and ns per
 * query for random and sequential word streams, first pass (cold) and
 * repeated (warm).
 *
 * usage: bench_lm [ARPA-FILE]   without a file, a synthetic trigram model is
 * generated (V words, 20 bigrams per word, one trigram per bigram; V from
 * $BENCH_LM_VOCAB, default 50000; kept when $BENCH_LM_KEEP is set). */
#define _GNU_SOURCE
#include "bench.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next_rand(void)
{
    return bench_xorshift64(&rng);
}

#define SUCC 20

static int generate(const char *path, unsigned V)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "\\data\\\nngram 1=%u\nngram 2=%u\nngram 3=%u\n\n\\1-grams:\n", V + 3, V * SUCC, V * SUCC);
    fprintf(f, "-7\t<unk>\t0\n-99\t<s>\t-0.3\n-2\t</s>\t0\n");
    for (unsigned a = 0; a < V; a++)
        fprintf(f, "%.4f\tw%u\t%.4f\n", -3.0 - (double)(next_rand() % 3000) / 1000, a,
                -(double)(next_rand() % 500) / 1000);
    fputs("\n\\2-grams:\n", f);
    for (unsigned a = 0; a < V; a++)
        for (unsigned t = 0; t < SUCC; t++)
            fprintf(f, "%.4f\tw%u w%u\t%.4f\n", -0.5 - (double)(next_rand() % 2000) / 1000, a,
                    (a * 31u + t * 977u + 1) % V, -(double)(next_rand() % 500) / 1000);
    fputs("\n\\3-grams:\n", f);
    for (unsigned a = 0; a < V; a++)
        for (unsigned t = 0; t < SUCC; t++) {
            unsigned b = (a * 31u + t * 977u + 1) % V;
            fprintf(f, "%.4f\tw%u w%u w%u\n", -0.2 - (double)(next_rand() % 1000) / 1000, a, b,
                    (b * 17u + a) % V);
        }
    fputs("\n\\end\\\n", f);
    return fclose(f);
}

static double run(const unspin_lm *lm, const unspin_word *words, size_t n, double *sink)
{
    unspin_lm_state st;
    unspin_lm_begin_state(lm, &st);
    double t0 = bench_thread_cpu(), sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += unspin_lm_score(lm, &st, words[i], &st);
    double t = bench_thread_cpu() - t0;
    *sink += sum;
    return t * 1e9 / (double)n;
}

int main(int argc, char **argv)
{
    char arpa[512], bin[512];
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(bin, sizeof bin, "%s/bench_lm_%ld.uslm", tmp, (long)getpid());
    int generated = 0;
    if (argc > 1) {
        snprintf(arpa, sizeof arpa, "%s", argv[1]);
    } else {
        unsigned V = getenv("BENCH_LM_VOCAB") ? (unsigned)atoi(getenv("BENCH_LM_VOCAB")) : 50000;
        if (V < 1000)
            V = 1000;
        snprintf(arpa, sizeof arpa, "%s/bench_lm_%ld.arpa", tmp, (long)getpid());
        double t0 = bench_wall();
        if (generate(arpa, V) != 0) {
            fprintf(stderr, "bench_lm: cannot write %s\n", arpa);
            return 1;
        }
        generated = 1;
        printf("generated ARPA: %u words, %u 2-grams, %u 3-grams in %.2f s\n", V + 3, V * SUCC, V * SUCC,
               bench_wall() - t0);
    }
    unspin_error err;
    struct stat st;
    double t0 = bench_wall();
    if (unspin_lm_import_arpa(arpa, bin, 0, &err) != UNSPIN_OK) {
        fprintf(stderr, "bench_lm: %s\n", err.message);
        return 1;
    }
    double timport = bench_wall() - t0;
    stat(arpa, &st);
    double arpa_mb = (double)st.st_size / 1e6;
    stat(bin, &st);
    printf("import: %.2f s (ARPA %.1f MB -> .uslm %.1f MB)\n", timport, arpa_mb, (double)st.st_size / 1e6);

    unspin_lm *lm;
    const int opens = 20;
    t0 = bench_wall();
    for (int i = 0; i < opens; i++) {
        if (unspin_lm_open(bin, &lm, &err) != UNSPIN_OK) {
            fprintf(stderr, "bench_lm: %s\n", err.message);
            return 1;
        }
        if (i + 1 < opens)
            unspin_lm_close(lm);
    }
    printf("open: %.1f us (mmap + header checks)\n", (bench_wall() - t0) / opens * 1e6);
    t0 = bench_wall();
    int vrc = unspin_lm_verify(lm, &err);
    printf("verify (checksum): %.1f ms, %s\n", (bench_wall() - t0) * 1e3, vrc ? err.message : "ok");

    uint32_t V = unspin_lm_vocab_size(lm);
    size_t n = 2000000;
    unspin_word *rnd = malloc(n * sizeof *rnd), *seq = malloc(n * sizeof *seq);
    if (!rnd || !seq)
        return 1;
    for (size_t i = 0; i < n; i++)
        rnd[i] = (unspin_word)(next_rand() % V);
    /* sequential: follow the generated bigram successors where the words are
       synthetic ("wN"), so that most queries hit 2- and 3-grams */
    unsigned prev = 0;
    char buf[32];
    for (size_t i = 0; i < n; i++) {
        unsigned nextw = generated ? (prev * 31u + (unsigned)(next_rand() % SUCC) * 977u + 1) % (V - 3)
                                   : (unsigned)(next_rand() % V);
        if (generated) {
            int k = snprintf(buf, sizeof buf, "w%u", nextw);
            seq[i] = unspin_lm_word(lm, buf, (size_t)k);
        } else {
            seq[i] = (unspin_word)nextw;
        }
        prev = nextw;
    }
    double sink = 0;
    double rc = run(lm, rnd, n, &sink), rw = run(lm, rnd, n, &sink);
    double sc = run(lm, seq, n, &sink), sw = run(lm, seq, n, &sink);
    printf("query times are CPU time of the thread (ns per unspin_lm_score call)\n");
    printf("random queries:     %.1f ns/query first pass, %.1f ns/query warm\n", rc, rw);
    printf("sequential queries: %.1f ns/query first pass, %.1f ns/query warm\n", sc, sw);
    /* batch: 50 candidates per position */
    unspin_lm_state s0;
    unspin_lm_begin_state(lm, &s0);
    float lp[50];
    t0 = bench_thread_cpu();
    for (size_t i = 0; i + 50 <= n; i += 50)
        unspin_lm_score_batch(lm, &s0, seq + i, 50, lp, NULL), sink += lp[0];
    printf("batch (50 candidates): %.1f ns/query\n", (bench_thread_cpu() - t0) * 1e9 / (double)(n / 50 * 50));
    printf("(checksum of scores %.3f)\n", sink);
    unspin_lm_close(lm);
    free(rnd);
    free(seq);
    unlink(bin);
    if (generated && !getenv("BENCH_LM_KEEP"))
        unlink(arpa);
    else if (generated)
        printf("kept %s\n", arpa);
    return 0;
}
