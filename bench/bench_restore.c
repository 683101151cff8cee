/* bench_restore.c - restore throughput (MB/s, one thread) with the default
 * models, over a text file (default: .cache/text/general.heldout.txt) fed
 * line by line as `unspin restore` does.
 *
 *   bench_restore [TEXT [MAX_BYTES]]   models from $UNSPIN_MODELS or ./models
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
    const char *dir = getenv("UNSPIN_MODELS");
    if (!dir) dir = "models";
    const char *text = argc > 1 ? argv[1] : ".cache/text/general.heldout.txt";
    long max_bytes = argc > 2 ? atol(argv[2]) : 300000;
    char p1[4096], p2[4096], p3[4096];
    snprintf(p1, sizeof p1, "%s/default.uslm", dir);
    snprintf(p2, sizeof p2, "%s/default.uslex", dir);
    snprintf(p3, sizeof p3, "%s/default.uschan", dir);
    unspin_error err = {0, ""};
    unspin_lm *lm = NULL;
    unspin_lexicon *lex = NULL;
    unspin_channel *ch = NULL;
    FILE *f = fopen(text, "r");
    if (!f || unspin_lm_open(p1, &lm, &err) || unspin_lexicon_open(p2, &lex, &err) || unspin_channel_open(p3, &ch, &err)) {
        printf("bench_restore: skipped (needs %s and the models in %s: %s)\n", text, dir, f ? err.message : "no text");
        if (f) fclose(f);
        unspin_lm_close(lm);
        unspin_lexicon_close(lex);
        return 0;
    }
    unspin_restorer *r;
    if (unspin_restorer_create(lm, lex, ch, NULL, &r, &err)) {
        fprintf(stderr, "bench_restore: %s\n", err.message);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0, bytes = 0, words = 0, spans = 0;
    ssize_t n;
    double t0 = bench_wall(), c0 = bench_cpu();
    while ((n = getline(&line, &cap, f)) > 0 && bytes < (size_t)max_bytes) {
        unspin_restore_result *res;
        if (unspin_restore(r, line, (size_t)n, &res, &err)) {
            fprintf(stderr, "bench_restore: %s\n", err.message);
            return 1;
        }
        bytes += (size_t)n;
        words += res->nwords;
        spans += res->nspans;
        unspin_restore_result_free(res);
    }
    double dt = bench_wall() - t0, dc = bench_cpu() - c0;
    printf("bench_restore: %zu bytes, %zu words in %.2f s (%.2f s CPU): %.3f MB/s, %.0f words/s per CPU second; "
           "%zu spans changed (%.2f%% of words)\n",
           bytes, words, dt, dc, (double)bytes / dc / 1e6, (double)words / dc, spans,
           words ? 100.0 * (double)spans / (double)words : 0.0);
    free(line);
    fclose(f);
    unspin_restorer_free(r);
    unspin_channel_close(ch);
    unspin_lexicon_close(lex);
    unspin_lm_close(lm);
    return 0;
}
