/* bench_check.c - `unspin check` throughput: paragraphs per second and MB/s
 * of unspin_check_paragraph() with the default models (found as the CLI
 * finds them: $UNSPIN_MODELS, then ./models), CPU time of the process, over
 * a text file given as argument or, by default, .cache/text/general.heldout.txt
 * and technical.heldout.txt (one paragraph a line). Skipped (exit 0) when the
 * models or the text are missing. Prints
 * "check: X MB/s, Y paragraphs/s (N bytes, M paragraphs, P spans)".
 *
 * `bench_check -t T [FILE]`: T threads share the models, each with its own
 * checker, each checking the whole text; prints the wall-clock throughput
 * of all of them together (for T = 1 and T), to show how the shared,
 * memory-bound models scale across cores.
 *
 * `bench_check -w WARM [FILE]`: first check the text of WARM (not timed,
 * then unspin_checker_reset()), as a long-running checker would have seen
 * other documents before: its per-word-type caches are warm, the model
 * pages mapped. The steady state of a stream, on text it has not seen.
 * (Not with -t: the threads' checkers start cold.) */
#include "bench.h"

#include <pthread.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv);

typedef struct worker_arg {
    const unspin_lm *lm;
    const unspin_lexicon *lex;
    const unspin_check_weights *w;
    const char *text;
    size_t len;
    int status;
} worker_arg;

/* Check a->text, a paragraph a line, with checker ck. */
static int check_text(unspin_checker *ck, const worker_arg *a)
{
    unspin_error err;
    int st = UNSPIN_OK;
    for (size_t i = 0; i < a->len && st == UNSPIN_OK;) {
        const char *nl = memchr(a->text + i, '\n', a->len - i);
        size_t end = nl ? (size_t)(nl - a->text) : a->len;
        const unspin_check_result *r;
        st = unspin_check_paragraph(ck, a->text + i, end - i, &r, &err);
        i = end + 1;
    }
    return st;
}

/* Check the whole text with a checker of its own. */
static void *worker(void *p)
{
    worker_arg *a = p;
    unspin_error err;
    unspin_checker *ck = NULL;
    a->status = unspin_checker_create(a->lm, a->lex, a->w, &ck, &err);
    if (a->status == UNSPIN_OK)
        a->status = check_text(ck, a);
    unspin_checker_free(ck);
    return NULL;
}

/* Wall-clock MB/s of t threads each checking the whole text; -1 on error. */
static double run_threads(worker_arg *proto, int t)
{
    pthread_t th[64];
    worker_arg args[64];
    double t0 = bench_wall();
    int started = 0;
    for (int k = 0; k < t; k++) {
        args[k] = *proto;
        if (pthread_create(&th[k], NULL, worker, &args[k]) != 0)
            break;
        started++;
    }
    int ok = started == t;
    for (int k = 0; k < started; k++) {
        pthread_join(th[k], NULL);
        ok &= args[k].status == UNSPIN_OK;
    }
    double secs = bench_wall() - t0;
    return ok ? (double)proto->len * t / 1e6 / (secs > 0 ? secs : 1e-9) : -1;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
        if (n == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static const char *model(const char *name, char *buf, size_t cap)
{
    const char *dir = getenv("UNSPIN_MODELS");
    snprintf(buf, cap, "%s/%s", dir && *dir ? dir : "models", name);
    FILE *f = fopen(buf, "rb");
    if (!f)
        return NULL;
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    char lmp[4096], lexp[4096], wp[4096];
    if (!model("default.uslm", lmp, sizeof lmp) || !model("default.uslex", lexp, sizeof lexp)) {
        printf("check: skipped (no models/default.uslm or default.uslex; run 'make models')\n");
        return 0;
    }
    const char *files[2] = {".cache/text/general.heldout.txt", ".cache/text/technical.heldout.txt"};
    int nfiles = 2, threads = 0;
    const char *warm = NULL;
    while (argc > 2 && (strcmp(argv[1], "-t") == 0 || strcmp(argv[1], "-w") == 0)) {
        if (argv[1][1] == 'w') {
            warm = argv[2];
        } else {
            threads = atoi(argv[2]);
            if (threads < 1 || threads > 64) {
                fprintf(stderr, "bench_check: -t takes 1 to 64\n");
                return 2;
            }
        }
        argc -= 2;
        argv += 2;
    }
    if (threads && warm) {
        fprintf(stderr, "bench_check: -t and -w do not go together\n");
        return 2;
    }
    if (argc > 1) {
        files[0] = argv[1];
        nfiles = 1;
    }
    char *text = NULL;
    size_t len = 0;
    for (int i = 0; i < nfiles; i++) {
        size_t n;
        char *t = slurp(files[i], &n);
        if (!t) {
            printf("check: skipped (cannot read %s)\n", files[i]);
            free(text);
            return 0;
        }
        char *nt = realloc(text, len + n + 1);
        if (!nt) {
            free(t);
            free(text);
            return 1;
        }
        text = nt;
        memcpy(text + len, t, n);
        len += n;
        free(t);
    }
    unspin_error err;
    unspin_lm *lm = NULL;
    unspin_lexicon *lex = NULL;
    unspin_check_weights *w = NULL;
    unspin_checker *ck = NULL;
    if (unspin_lm_open(lmp, &lm, &err) != UNSPIN_OK || unspin_lexicon_open(lexp, &lex, &err) != UNSPIN_OK ||
        (model("default.uscheck", wp, sizeof wp) && unspin_check_weights_open(wp, &w, &err) != UNSPIN_OK) ||
        unspin_checker_create(lm, lex, w, &ck, &err) != UNSPIN_OK) {
        fprintf(stderr, "bench_check: %s\n", err.message);
        return 1;
    }
    int rc = 0;
    if (warm) {
        size_t wn;
        char *wt = slurp(warm, &wn);
        if (!wt) {
            fprintf(stderr, "bench_check: cannot read %s\n", warm);
            return 2;
        }
        worker_arg wa = {lm, lex, w, wt, wn, UNSPIN_OK};
        rc = check_text(ck, &wa) == UNSPIN_OK ? 0 : 1;
        unspin_checker_reset(ck);
        free(wt);
    }
    if (rc) {
        fprintf(stderr, "bench_check: the warm-up text failed\n");
    } else if (threads) {
        worker_arg proto = {lm, lex, w, text, len, UNSPIN_OK};
        double one = run_threads(&proto, 1), all = run_threads(&proto, threads);
        if (one < 0 || all < 0) {
            fprintf(stderr, "bench_check: a thread failed\n");
            rc = 1;
        } else {
            printf("check, wall clock: 1 thread %.2f MB/s, %d threads %.2f MB/s together (%.2fx)\n", one, threads,
                   all, all / one);
        }
    } else {
        double t0 = bench_cpu();
        size_t paras = 0, spans = 0, i = 0;
        while (i < len) {
            const char *nl = memchr(text + i, '\n', len - i);
            size_t end = nl ? (size_t)(nl - text) : len;
            const unspin_check_result *r;
            if (unspin_check_paragraph(ck, text + i, end - i, &r, &err) != UNSPIN_OK) {
                fprintf(stderr, "bench_check: %s\n", err.message);
                rc = 1;
                break;
            }
            spans += r->nspans;
            paras++;
            i = end + 1;
        }
        double secs = bench_cpu() - t0;
        if (secs <= 0)
            secs = 1e-9;
        if (rc == 0)
            printf("check: %.2f MB/s, %.0f paragraphs/s (%zu bytes, %zu paragraphs, %zu spans; document p_spun %.3f)\n",
                   (double)len / 1e6 / secs, (double)paras / secs, len, paras, spans,
                   unspin_check_document(ck, NULL));
    }
    unspin_checker_free(ck);
    unspin_check_weights_close(w);
    unspin_lexicon_close(lex);
    unspin_lm_close(lm);
    free(text);
    return rc;
}
