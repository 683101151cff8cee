/*
 * fit_check.c - fit the weights of `unspin check` (a .uscheck file) on
 * simulated spinning (docs/check.md).
 *
 *   fit_check -m LM.uslm -l LEX.uslex -o OUT.uscheck --spun SPUN --clean CLEAN
 *             [--log LOG] [--fragments FRAGS] [--max-lines N] [--dump FEATURES.tsv]
 * (--dump writes the paragraph features, and the word features to FEATURES.tsv.words)
 *
 * SPUN and CLEAN hold one paragraph per line, line-aligned (spinsim output
 * and its --pairs file; spun lines the spinner left unchanged are skipped); FRAGS holds short "SPUN<TAB>ORIGINAL" phrase pairs
 * (spinsim --fragments), which teach the model what single spun phrases
 * look like. With LOG (spinsim --log for SPUN), a word model is fitted
 * first: every content word of the changed spun lines (spun: it is among the
 * words the log says the spinner wrote on that line) and of the clean lines
 * (not spun) is an example; its output feeds paragraph features 23-25.
 * Then every line with at least one content word is an example
 * (spun: 1, clean: 0). The features come from unspin_check_paragraph();
 * they are standardised and a logistic regression is fitted by Newton's
 * method with a small L2 penalty on 4/5 of the examples, separately for
 * short texts (at most US_CHECK_SHORT content words) and paragraphs; the other 1/5 gives
 * the held-out AUC and the reliability table printed on stderr. The final
 * weights are refitted on all examples and written to OUT.
 *
 *   fit_check -m LM -l LEX -o OUT.uscheck --weights IN.uscheck --pool DOCS
 * fits only the pooling model (the paragraph and word models are taken from
 * IN): DOCS holds documents, each a line "D<TAB>KIND" (clean, full, mixed)
 * followed by its paragraphs as "LABEL<TAB>TEXT" lines (1: spun). Every
 * paragraph of a document is checked, then each pooled paragraph is an
 * example with the features of us_check_pool_features(); the documents whose
 * index % 5 == 0 are held out for the AUC and reliability tables (local and
 * pooled probabilities, all documents and mixed documents only), then the
 * model is refitted on all documents.
 */
#include "check_internal.h"

#include <ctype.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NF UNSPIN_CHECK_NFEATURES
#define NP (NF + 1)

typedef struct {
    double f[NF];
    int y;
    int frag;
    int part; /* us_check_part_of(ncontent) */
} example;

static example *ex;
static size_t nex, capex;

/* word examples (stage 1) */
typedef struct {
    double x[UNSPIN_CHECK_NWORDFEATURES];
    int y;
} wexample;
static wexample *wex;
static size_t nwex, capwex;
static int collect_words;

static double sigm(double z) { return 1.0 / (1.0 + exp(-z)); }

/* --log: for each spun line, " w1 w2 ... " of the words the spinner wrote */
static char **logw;
static size_t nlogw;

static _Noreturn void die(const char *what, const char *arg)
{
    fprintf(stderr, "fit_check: %s%s\n", what, arg);
    exit(1);
}

static void add_text(unspin_checker *ck, const char *s, size_t len, int y, int frag, size_t lineno)
{
    const unspin_check_result *r;
    unspin_error err;
    if (unspin_check_paragraph(ck, s, len, &r, &err) != UNSPIN_OK)
        die(err.message, "");
    if (collect_words) {
        /* label the words: spun ones are those the log lists for this line */
        const char *set = y && lineno < nlogw ? logw[lineno] : NULL;
        if (y && !set)
            return; /* a spun line without a log entry: labels unknown */
        for (size_t k = 0; k < r->ncontent; k++) {
            const unspin_check_word *w = &r->words[k];
            char buf[130];
            size_t n = w->end - w->start;
            if (n > 126)
                continue;
            buf[0] = ' ';
            for (size_t i = 0; i < n; i++)
                buf[1 + i] = (char)tolower((unsigned char)s[w->start + i]);
            buf[1 + n] = ' ';
            buf[2 + n] = 0;
            if (nwex == capwex) {
                capwex = capwex ? capwex * 2 : 65536;
                wex = realloc(wex, capwex * sizeof *wex);
                if (!wex)
                    die("out of memory", "");
            }
            memcpy(wex[nwex].x, w->features, sizeof wex[nwex].x);
            wex[nwex].y = set && strstr(set, buf) != NULL;
            nwex++;
        }
        return;
    }
    if (r->ncontent == 0)
        return;
    if (nex == capex) {
        capex = capex ? capex * 2 : 4096;
        ex = realloc(ex, capex * sizeof *ex);
        if (!ex)
            die("out of memory", "");
    }
    memcpy(ex[nex].f, r->features, sizeof ex[nex].f);
    ex[nex].y = y;
    ex[nex].frag = frag;
    ex[nex].part = us_check_part_of((double)r->ncontent);
    nex++;
}

/* Line-aligned spun and clean files: a spun line counts only when the
 * spinner changed it (an unchanged line is not an example of spinning). */
static void read_pairs(unspin_checker *ck, const char *spun, const char *clean, size_t max_lines)
{
    FILE *fs = fopen(spun, "r"), *fc = fopen(clean, "r");
    if (!fs)
        die("cannot open ", spun);
    if (!fc)
        die("cannot open ", clean);
    char *ls = NULL, *lc = NULL;
    size_t caps = 0, capc = 0, n = 0;
    ssize_t lens, lenc;
    while ((lens = getline(&ls, &caps, fs)) > 0 && (lenc = getline(&lc, &capc, fc)) > 0 && n < max_lines) {
        while (lens > 0 && (ls[lens - 1] == '\n' || ls[lens - 1] == '\r'))
            lens--;
        while (lenc > 0 && (lc[lenc - 1] == '\n' || lc[lenc - 1] == '\r'))
            lenc--;
        if (lens != lenc || memcmp(ls, lc, (size_t)lens) != 0)
            add_text(ck, ls, (size_t)lens, 1, 0, n + 1);
        add_text(ck, lc, (size_t)lenc, 0, 0, n + 1);
        n++;
    }
    free(ls);
    free(lc);
    fclose(fs);
    fclose(fc);
}

/* spinsim --log: LINE<TAB>ORIGINAL<TAB>SPUN[<TAB>...] */
static void read_log(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die("cannot open ", path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2)
            continue;
        size_t ln = (size_t)strtoull(line, NULL, 10);
        char *spun = t2 + 1, *t3 = strchr(spun, '\t');
        if (t3)
            *t3 = 0;
        if (ln >= nlogw) {
            size_t nn = ln + 1024;
            logw = realloc(logw, nn * sizeof *logw);
            if (!logw)
                die("out of memory", "");
            memset(logw + nlogw, 0, (nn - nlogw) * sizeof *logw);
            nlogw = nn;
        }
        size_t old = logw[ln] ? strlen(logw[ln]) : 0, add = strlen(spun);
        char *ns = realloc(logw[ln], old + add + 3);
        if (!ns)
            die("out of memory", "");
        if (!old)
            ns[old++] = ' ';
        for (size_t i = 0; i < add; i++)
            ns[old + i] = (char)tolower((unsigned char)spun[i]);
        ns[old + add] = ' ';
        ns[old + add + 1] = 0;
        logw[ln] = ns;
    }
    free(line);
    fclose(f);
}

/* Fit the word model on the word examples (Newton, L2), report held-out AUC. */
/* One Newton step of a logistic fit: solve a d = g, a being n rows of
 * n + 1 doubles (the Hessian, g in the last column), by Gauss-Jordan
 * elimination with partial pivoting, then b -= d.
 * @return the sum of |d| (the size of the step). */
static double newton_step(int n, double *a, double *b)
{
    const int w = n + 1;
    for (int c = 0; c < n; c++) {
        int piv = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(a[r * w + c]) > fabs(a[piv * w + c]))
                piv = r;
        if (piv != c)
            for (int j = 0; j <= n; j++) {
                double t = a[c * w + j];
                a[c * w + j] = a[piv * w + j];
                a[piv * w + j] = t;
            }
        if (fabs(a[c * w + c]) < 1e-12)
            continue;
        for (int r = 0; r < n; r++) {
            if (r == c)
                continue;
            double q = a[r * w + c] / a[c * w + c];
            for (int j = c; j <= n; j++)
                a[r * w + j] -= q * a[c * w + j];
        }
    }
    double step = 0;
    for (int i = 0; i < n; i++) {
        double d = fabs(a[i * w + i]) > 1e-12 ? a[i * w + n] / a[i * w + i] : 0;
        b[i] -= d;
        step += fabs(d);
    }
    return step;
}

static void fit_words(us_check_wpart *m)
{
    enum { NW = UNSPIN_CHECK_NWORDFEATURES, NWP = UNSPIN_CHECK_NWORDFEATURES + 1 };
    for (int pass = 0; pass < 2; pass++) {
        int skip = pass == 0 ? 0 : -1;
        double sum[NW] = {0}, sq[NW] = {0}, n = 0;
        for (size_t k = 0; k < nwex; k++) {
            if ((int)(k % 5) == skip)
                continue;
            for (int i = 0; i < NW; i++) {
                sum[i] += wex[k].x[i];
                sq[i] += wex[k].x[i] * wex[k].x[i];
            }
            n++;
        }
        for (int i = 0; i < NW; i++) {
            m->mean[i] = sum[i] / n;
            double v = sq[i] / n - m->mean[i] * m->mean[i];
            m->sd[i] = v > 1e-12 ? sqrt(v) : 1.0;
        }
        double b[NWP] = {0};
        for (int it = 0; it < 30; it++) {
            double g[NWP] = {0}, h[NWP][NWP + 1];
            memset(h, 0, sizeof h);
            for (size_t k = 0; k < nwex; k++) {
                if ((int)(k % 5) == skip)
                    continue;
                double x[NWP];
                x[0] = 1;
                for (int i = 0; i < NW; i++)
                    x[i + 1] = (wex[k].x[i] - m->mean[i]) / m->sd[i];
                double z = 0;
                for (int i = 0; i < NWP; i++)
                    z += b[i] * x[i];
                double p = sigm(z), wgt = p * (1 - p);
                for (int i = 0; i < NWP; i++) {
                    g[i] += (p - wex[k].y) * x[i];
                    for (int j = 0; j < NWP; j++)
                        h[i][j] += wgt * x[i] * x[j];
                }
            }
            for (int i = 1; i < NWP; i++) {
                g[i] += 1e-4 * n * b[i];
                h[i][i] += 1e-4 * n;
            }
            h[0][0] += 1e-9;
            for (int i = 0; i < NWP; i++)
                h[i][NWP] = g[i];
            double step = newton_step(NWP, &h[0][0], b);
            if (step < 1e-8)
                break;
        }
        m->bias = b[0];
        for (int i = 0; i < NW; i++)
            m->w[i] = b[i + 1];
        if (pass == 0) {
            /* held-out AUC of the word model */
            size_t np = 0, nn = 0;
            double *pp = malloc(nwex * sizeof *pp), *pn = malloc(nwex * sizeof *pn);
            if (!pp || !pn)
                die("out of memory", "");
            for (size_t k = 0; k < nwex; k += 5) {
                double z = us_check_wpart_z(m, wex[k].x);
                if (wex[k].y)
                    pp[np++] = z;
                else
                    pn[nn++] = z;
            }
            double wins = 0;
            for (size_t i = 0; i < np; i++)
                for (size_t j = 0; j < nn; j += 1 + nn / 2000)
                    wins += pp[i] > pn[j] ? 1 : pp[i] == pn[j] ? 0.5 : 0;
            size_t nnu = 0;
            for (size_t j = 0; j < nn; j += 1 + nn / 2000)
                nnu++;
            fprintf(stderr, "fit_check: word model: %zu words (%zu spun), held-out AUC %.4f\n", nwex,
                    (size_t)0 + np * 5, np && nnu ? wins / ((double)np * (double)nnu) : NAN);
            free(pp);
            free(pn);
        }
    }
    fprintf(stderr, "fit_check: word model: bias %.3f; weights:", m->bias);
    for (int i = 0; i < NW; i++)
        fprintf(stderr, " %.3f", m->w[i]);
    fputc('\n', stderr);
}

static void read_fragments(unspin_checker *ck, const char *path, size_t max_lines)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die("cannot open ", path);
    char *line = NULL;
    size_t cap = 0, n = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0 && n < max_lines) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        char *tab = memchr(line, '\t', (size_t)len);
        if (!tab)
            continue;
        add_text(ck, line, (size_t)(tab - line), 1, 1, 0);
        add_text(ck, tab + 1, (size_t)(line + len - tab - 1), 0, 1, 0);
        n++;
    }
    free(line);
    fclose(f);
}


/* z-scored features with a leading 1 */
static void xrow(const us_check_part *m, const example *e, double *x)
{
    x[0] = 1;
    for (int i = 0; i < NF; i++)
        x[i + 1] = (e->f[i] - m->mean[i]) / m->sd[i];
}

/* Fit a part on its examples whose index % 5 != skip (skip < 0: all). */
static void fit(us_check_part *m, int part, int skip, double l2)
{
    double sum[NF] = {0}, sq[NF] = {0}, n = 0;
    for (size_t k = 0; k < nex; k++) {
        if ((int)(k % 5) == skip || ex[k].part != part)
            continue;
        for (int i = 0; i < NF; i++) {
            sum[i] += ex[k].f[i];
            sq[i] += ex[k].f[i] * ex[k].f[i];
        }
        n++;
    }
    if (n < 1) {
        fprintf(stderr, "fit_check: no examples for part %d: keeping the built-in weights\n", part);
        return;
    }
    for (int i = 0; i < NF; i++) {
        m->mean[i] = sum[i] / n;
        double v = sq[i] / n - m->mean[i] * m->mean[i];
        m->sd[i] = v > 1e-12 ? sqrt(v) : 1.0;
    }
    double b[NP] = {0};
    for (int it = 0; it < 30; it++) {
        double g[NP] = {0}, h[NP][NP];
        memset(h, 0, sizeof h);
        for (size_t k = 0; k < nex; k++) {
            if ((int)(k % 5) == skip || ex[k].part != part)
                continue;
            double x[NP];
            xrow(m, &ex[k], x);
            double z = 0;
            for (int i = 0; i < NP; i++)
                z += b[i] * x[i];
            double p = sigm(z);
            double wgt = p * (1 - p);
            for (int i = 0; i < NP; i++) {
                g[i] += (p - ex[k].y) * x[i];
                for (int j = 0; j < NP; j++)
                    h[i][j] += wgt * x[i] * x[j];
            }
        }
        for (int i = 1; i < NP; i++) {
            g[i] += l2 * n * b[i];
            h[i][i] += l2 * n;
        }
        h[0][0] += 1e-9;
        /* solve h d = g */
        double a[NP][NP + 1];
        for (int i = 0; i < NP; i++) {
            memcpy(a[i], h[i], sizeof h[i]);
            a[i][NP] = g[i];
        }
        double step = newton_step(NP, &a[0][0], b);
        if (step < 1e-8)
            break;
    }
    m->bias = b[0];
    for (int i = 0; i < NF; i++)
        m->w[i] = b[i + 1];
}

static int cmp_pair(const void *a, const void *b)
{
    const double *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* AUC and reliability of (p, y) pairs; prints under `what`. */
static void report_pairs(double (*py)[2], size_t n, const char *what, int table)
{
    if (!n)
        return;
    qsort(py, n, sizeof *py, cmp_pair);
    double npos = 0, rank = 0, brier = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && py[j][0] == py[i][0])
            j++;
        for (size_t k = i; k < j; k++)
            if (py[k][1] > 0) {
                rank += (double)(i + 1 + j) / 2.0;
                npos++;
            }
        i = j;
    }
    for (size_t i = 0; i < n; i++)
        brier += (py[i][0] - py[i][1]) * (py[i][0] - py[i][1]);
    double nneg = (double)n - npos;
    double auc = npos > 0 && nneg > 0 ? (rank - npos * (npos + 1) / 2) / (npos * nneg) : NAN;
    fprintf(stderr, "fit_check: held-out %s: %.0f spun, %.0f clean, AUC %.4f, Brier %.4f\n", what, npos, nneg, auc,
            brier / (double)n);
    if (!table)
        return;
    fprintf(stderr, "  bin      n     predicted  observed\n");
    for (int b = 0; b < 10; b++) {
        double cnt = 0, sp = 0, sy = 0;
        for (size_t i = 0; i < n; i++) {
            int bin = (int)(py[i][0] * 10);
            if (bin > 9)
                bin = 9;
            if (bin == b) {
                cnt++;
                sp += py[i][0];
                sy += py[i][1];
            }
        }
        if (cnt > 0)
            fprintf(stderr, "  %.1f-%.1f  %-6.0f %.3f      %.3f\n", b / 10.0, (b + 1) / 10.0, cnt, sp / cnt, sy / cnt);
    }
}

/* AUC and reliability on the held-out fifth (paragraphs only or fragments only). */
static void report(const us_check_model *m, int frag)
{
    size_t n = 0;
    double(*py)[2] = malloc(nex * sizeof *py);
    if (!py)
        die("out of memory", "");
    for (size_t k = 0; k < nex; k++)
        if (k % 5 == 0 && ex[k].frag == frag) {
            py[n][0] = us_check_part_p(&m->part[ex[k].part], ex[k].f);
            py[n][1] = ex[k].y;
            n++;
        }
    report_pairs(py, n, frag ? "fragments" : "paragraphs", 1);
    free(py);
}

/* ---- pooling model (--pool) ---- */
#define NQ US_CHECK_NPOOL
typedef struct {
    double f[NQ];
    int y, doc, kind; /* kind: 0 clean, 1 full, 2 mixed */
} pexample;
static pexample *pex;
static size_t npex, cappex;

static void pool_doc(unspin_checker *ck, char **texts, int *labels, size_t n, int doc, int kind)
{
    unspin_checker_reset(ck);
    for (size_t i = 0; i < n; i++) {
        const unspin_check_result *r;
        unspin_error err;
        if (unspin_check_paragraph(ck, texts[i], strlen(texts[i]), &r, &err) != UNSPIN_OK)
            die(err.message, "");
    }
    for (size_t i = 0; i < n; i++) {
        double f[NQ];
        if (!us_check_pool_features(ck, i, f))
            continue;
        if (npex == cappex) {
            cappex = cappex ? 2 * cappex : 4096;
            pex = realloc(pex, cappex * sizeof *pex);
            if (!pex)
                die("out of memory", "");
        }
        memcpy(pex[npex].f, f, sizeof f);
        pex[npex].y = labels[i];
        pex[npex].doc = doc;
        pex[npex].kind = kind;
        npex++;
    }
}

static void read_docs(unspin_checker *ck, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die("cannot open ", path);
    char *line = NULL;
    size_t cap = 0, n = 0, capt = 0;
    char **texts = NULL;
    int *labels = NULL;
    int doc = -1, kind = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        if (line[0] == 'D') {
            if (doc >= 0)
                pool_doc(ck, texts, labels, n, doc, kind);
            for (size_t i = 0; i < n; i++)
                free(texts[i]);
            n = 0;
            doc++;
            kind = !strcmp(tab + 1, "full") ? 1 : !strcmp(tab + 1, "mixed") ? 2 : 0;
            continue;
        }
        if (n == capt) {
            capt = capt ? 2 * capt : 64;
            texts = realloc(texts, capt * sizeof *texts);
            labels = realloc(labels, capt * sizeof *labels);
            if (!texts || !labels)
                die("out of memory", "");
        }
        labels[n] = line[0] == '1';
        texts[n] = strdup(tab + 1);
        if (!texts[n])
            die("out of memory", "");
        n++;
    }
    if (doc >= 0)
        pool_doc(ck, texts, labels, n, doc, kind);
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
    free(labels);
    free(line);
    fclose(f);
}

/* Logistic regression of the pooling model on the documents with index % 5
 * != skip (skip < 0: all), Newton's method, L2 penalty l2 per example. */
static void fit_pool(us_check_ppart *m, int skip, double l2)
{
    double sum[NQ] = {0}, sq[NQ] = {0}, n = 0;
    for (size_t k = 0; k < npex; k++) {
        if (pex[k].doc % 5 == skip)
            continue;
        for (int i = 0; i < NQ; i++) {
            sum[i] += pex[k].f[i];
            sq[i] += pex[k].f[i] * pex[k].f[i];
        }
        n++;
    }
    if (n < 1)
        die("no pooled examples", "");
    for (int i = 0; i < NQ; i++) {
        m->mean[i] = sum[i] / n;
        double v = sq[i] / n - m->mean[i] * m->mean[i];
        m->sd[i] = v > 1e-12 ? sqrt(v) : 1.0;
    }
    enum { D = NQ + 1 };
    double b[D] = {0};
    for (int it = 0; it < 50; it++) {
        double g[D] = {0}, a[D][D + 1];
        memset(a, 0, sizeof a);
        for (size_t k = 0; k < npex; k++) {
            if (pex[k].doc % 5 == skip)
                continue;
            double x[D], z = 0;
            x[0] = 1;
            for (int i = 0; i < NQ; i++)
                x[i + 1] = (pex[k].f[i] - m->mean[i]) / m->sd[i];
            for (int i = 0; i < D; i++)
                z += b[i] * x[i];
            double p = sigm(z), wgt = p * (1 - p);
            for (int i = 0; i < D; i++) {
                g[i] += (p - pex[k].y) * x[i];
                for (int j = 0; j < D; j++)
                    a[i][j] += wgt * x[i] * x[j];
            }
        }
        for (int i = 1; i < D; i++) {
            g[i] += l2 * n * b[i];
            a[i][i] += l2 * n;
        }
        a[0][0] += 1e-9;
        for (int i = 0; i < D; i++)
            a[i][D] = g[i];
        double step = newton_step(D, &a[0][0], b);
        if (step < 1e-9)
            break;
    }
    m->bias = b[0];
    for (int i = 0; i < NQ; i++)
        m->w[i] = b[i + 1];
}

/* The document level of the pooling model for a given tau: the prior of
 * the document share pi fitted by EM on the documents with index % 5 !=
 * skip (skip < 0: all), then features 1-2 (the document's share estimate)
 * of every example recomputed. Examples are grouped by document. */
static void fit_prior(us_check_ppart *m, double tau, int skip)
{
    m->tau = tau;
    int ndoc = npex ? pex[npex - 1].doc + 1 : 0;
    double(*ll)[US_CHECK_NGRID] = calloc((size_t)ndoc + 1, sizeof *ll);
    if (!ll)
        die("out of memory", "");
    for (size_t k = 0; k < npex; k++)
        us_check_pool_ll(m, pex[k].f[0], 1, ll[pex[k].doc]);
    int *has = calloc((size_t)ndoc + 1, sizeof *has);
    if (!has)
        die("out of memory", "");
    for (size_t k = 0; k < npex; k++)
        has[pex[k].doc] = 1;
    for (int k = 0; k < US_CHECK_NGRID; k++)
        m->prior[k] = 1.0 / US_CHECK_NGRID;
    for (int it = 0; it < 300; it++) {
        double acc[US_CHECK_NGRID] = {0}, nd = 0;
        for (int d = 0; d < ndoc; d++) {
            if (!has[d] || d % 5 == skip)
                continue;
            double top = -INFINITY, r[US_CHECK_NGRID], sum = 0;
            for (int k = 0; k < US_CHECK_NGRID; k++)
                if (ll[d][k] > top)
                    top = ll[d][k];
            for (int k = 0; k < US_CHECK_NGRID; k++)
                sum += r[k] = m->prior[k] * exp(ll[d][k] - top);
            for (int k = 0; k < US_CHECK_NGRID; k++)
                acc[k] += r[k] / sum;
            nd++;
        }
        for (int k = 0; k < US_CHECK_NGRID; k++)
            m->prior[k] = (acc[k] + 1e-3) / (nd + 1e-3 * US_CHECK_NGRID); /* a little smoothing: no share is impossible */
    }
    for (size_t k = 0; k < npex; k++) {
        double l[US_CHECK_NGRID];
        memcpy(l, ll[pex[k].doc], sizeof l);
        pex[k].f[1] = us_check_pool_prior(m, l);
        us_check_pool_derived(pex[k].f);
    }
    free(ll);
    free(has);
}

/* Log-likelihood of the pooling model on the documents with index % 5 != skip. */
static double pool_loglik(const us_check_ppart *m, int skip)
{
    double s = 0;
    for (size_t k = 0; k < npex; k++) {
        if (pex[k].doc % 5 == skip)
            continue;
        double p = sigm(us_check_ppart_z(m, pex[k].f));
        p = p < 1e-12 ? 1e-12 : p > 1 - 1e-12 ? 1 - 1e-12 : p;
        s += pex[k].y ? log(p) : log(1 - p);
    }
    return s;
}

/* Choose tau (by the fitting documents' log-likelihood) and fit the whole
 * pooling model on the documents with index % 5 != skip. */
static void fit_pool_all(us_check_ppart *m, int skip)
{
    static const double taus[] = {0.35, 0.5, 0.7, 1.0, 1.4, 2.0};
    double best = -INFINITY, btau = 1;
    for (size_t t = 0; t < sizeof taus / sizeof taus[0]; t++) {
        fit_prior(m, taus[t], skip);
        fit_pool(m, skip, 1e-4);
        double ll = pool_loglik(m, skip);
        fprintf(stderr, "fit_check: pooling, tau %.2f: log-likelihood %.1f\n", taus[t], ll);
        if (ll > best) {
            best = ll;
            btau = taus[t];
        }
    }
    fit_prior(m, btau, skip);
    fit_pool(m, skip, 1e-4);
    fprintf(stderr, "fit_check: pooling: tau %.2f, prior of the document share:", btau);
    for (int k = 0; k < US_CHECK_NGRID; k++)
        fprintf(stderr, " %.3f", m->prior[k]);
    fputc('\n', stderr);
}


static void report_pool(const us_check_ppart *m)
{
    double(*py)[2] = malloc((npex + 1) * sizeof *py);
    if (!py)
        die("out of memory", "");
    static const char *const what[] = {"local, all documents", "pooled, all documents", "local, mixed documents",
                                       "pooled, mixed documents"};
    for (int w = 0; w < 4; w++) {
        size_t n = 0;
        for (size_t k = 0; k < npex; k++) {
            if (pex[k].doc % 5 != 0 || (w >= 2 && pex[k].kind != 2))
                continue;
            double z = w & 1 ? us_check_ppart_z(m, pex[k].f) : pex[k].f[0];
            py[n][0] = sigm(z);
            py[n][1] = pex[k].y;
            n++;
        }
        report_pairs(py, n, what[w], w < 2);
    }
    /* within-document AUC, mean over the held-out mixed documents with both classes */
    for (int w = 0; w < 2; w++) {
        double sum = 0, nd = 0;
        for (size_t a = 0; a < npex;) {
            size_t b = a;
            while (b < npex && pex[b].doc == pex[a].doc)
                b++;
            if (pex[a].doc % 5 == 0 && pex[a].kind == 2) {
                double pairs = 0, good = 0;
                for (size_t i = a; i < b; i++)
                    for (size_t j = a; j < b; j++) {
                        if (!pex[i].y || pex[j].y)
                            continue;
                        double zi = w ? us_check_ppart_z(m, pex[i].f) : pex[i].f[0];
                        double zj = w ? us_check_ppart_z(m, pex[j].f) : pex[j].f[0];
                        pairs++;
                        good += zi > zj ? 1 : zi == zj ? 0.5 : 0;
                    }
                if (pairs > 0) {
                    sum += good / pairs;
                    nd++;
                }
            }
            a = b;
        }
        fprintf(stderr, "fit_check: held-out %s, within mixed documents: mean AUC %.4f over %.0f documents\n",
                w ? "pooled" : "local", nd > 0 ? sum / nd : NAN, nd);
    }
    free(py);
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"model", required_argument, NULL, 'm'}, {"lexicon", required_argument, NULL, 'l'},
        {"output", required_argument, NULL, 'o'}, {"spun", required_argument, NULL, 's'},
        {"clean", required_argument, NULL, 'c'}, {"fragments", required_argument, NULL, 'f'},
        {"max-lines", required_argument, NULL, 'n'}, {"dump", required_argument, NULL, 'd'},
        {"log", required_argument, NULL, 'g'},
        {"weights", required_argument, NULL, 'w'}, {"pool", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *lmp = NULL, *lexp = NULL, *outp = NULL, *spun = NULL, *clean = NULL, *frags = NULL, *dump = NULL, *logp = NULL;
    const char *wp = NULL, *poolp = NULL;
    size_t max_lines = (size_t)-1;
    int c;
    while ((c = getopt_long(argc, argv, "m:l:o:s:c:f:n:d:g:w:P:h", lo, NULL)) != -1) {
        switch (c) {
        case 'm': lmp = optarg; break;
        case 'l': lexp = optarg; break;
        case 'o': outp = optarg; break;
        case 's': spun = optarg; break;
        case 'c': clean = optarg; break;
        case 'f': frags = optarg; break;
        case 'd': dump = optarg; break;
        case 'g': logp = optarg; break;
        case 'w': wp = optarg; break;
        case 'P': poolp = optarg; break;
        case 'n': max_lines = (size_t)strtoull(optarg, NULL, 10); break;
        default:
            fputs("usage: fit_check -m LM -l LEX -o OUT.uscheck --spun SPUN --clean CLEAN [--log LOG] "
                  "[--fragments F] [--max-lines N] [--dump FEATURES.tsv]\n"
                  "       fit_check -m LM -l LEX -o OUT.uscheck --weights IN.uscheck --pool DOCS\n",
                  c == 'h' ? stdout : stderr);
            return c == 'h' ? 0 : 2;
        }
    }
    unspin_error err;
    if (poolp) {
        if (!lmp || !lexp || !outp || !wp)
            die("--pool needs -m, -l, -o and --weights (see --help)", "");
        unspin_lm *plm;
        unspin_lexicon *plex;
        unspin_check_weights *w;
        unspin_checker *pck;
        if (unspin_lm_open(lmp, &plm, &err) != UNSPIN_OK || unspin_lexicon_open(lexp, &plex, &err) != UNSPIN_OK ||
            unspin_check_weights_open(wp, &w, &err) != UNSPIN_OK ||
            unspin_checker_create(plm, plex, w, &pck, &err) != UNSPIN_OK)
            die(err.message, "");
        us_check_model pm = *us_check_weights_model(w);
        read_docs(pck, poolp);
        fprintf(stderr, "fit_check: %zu pooled paragraphs\n", npex);
        if (npex < 20)
            die("too few pooled paragraphs", "");
        fit_pool_all(&pm.pool, 0);
        report_pool(&pm.pool);
        fit_pool_all(&pm.pool, -1);
        fprintf(stderr, "fit_check: pooling model: bias %.3f; weights:", pm.pool.bias);
        for (int i = 0; i < NQ; i++)
            fprintf(stderr, " %.3f", pm.pool.w[i]);
        fputc('\n', stderr);
        if (us_check_model_write(&pm, outp, &err) != UNSPIN_OK)
            die(err.message, "");
        unspin_checker_free(pck);
        unspin_check_weights_close(w);
        unspin_lexicon_close(plex);
        unspin_lm_close(plm);
        free(pex);
        return 0;
    }
    if (!lmp || !lexp || !outp || !spun || !clean)
        die("need -m, -l, -o, --spun and --clean (see --help)", "");
    unspin_lm *lm;
    unspin_lexicon *lex;
    unspin_checker *ck;
    if (unspin_lm_open(lmp, &lm, &err) != UNSPIN_OK || unspin_lexicon_open(lexp, &lex, &err) != UNSPIN_OK ||
        unspin_checker_create(lm, lex, NULL, &ck, &err) != UNSPIN_OK)
        die(err.message, "");
    us_check_model m;
    us_check_model_default(&m);
    if (logp) {
        /* stage 1: the word model, on words labelled by the spinner's log */
        read_log(logp);
        collect_words = 1;
        read_pairs(ck, spun, clean, max_lines);
        collect_words = 0;
        if (nwex < 100)
            die("too few labelled words (does --log match --spun?)", "");
        if (dump) {
            char wpath[4096];
            snprintf(wpath, sizeof wpath, "%s.words", dump);
            FILE *df = fopen(wpath, "w");
            if (!df)
                die("cannot write ", wpath);
            for (size_t k = 0; k < nwex; k++) {
                fprintf(df, "%d\t0", wex[k].y);
                for (int i = 0; i < UNSPIN_CHECK_NWORDFEATURES; i++)
                    fprintf(df, "\t%.5g", wex[k].x[i]);
                fputc('\n', df);
            }
            fclose(df);
        }
        fit_words(&m.word);
        us_checker_set_model(ck, &m);
        unspin_checker_reset(ck);
    }
    /* stage 2: the paragraph models */
    read_pairs(ck, spun, clean, max_lines);
    if (frags)
        read_fragments(ck, frags, max_lines);
    if (dump) {
        FILE *df = fopen(dump, "w");
        if (!df)
            die("cannot write ", dump);
        for (size_t k = 0; k < nex; k++) {
            fprintf(df, "%d\t%d", ex[k].y, ex[k].frag);
            for (int i = 0; i < NF; i++)
                fprintf(df, "\t%.5g", ex[k].f[i]);
            fputc('\n', df);
        }
        fclose(df);
    }
    if (nex < 20)
        die("too few examples with content words", "");
    /* shuffle deterministically so that the held-out fifth mixes both classes */
    uint64_t s = 0x243F6A8885A308D3ull;
    for (size_t i = nex - 1; i > 0; i--) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        size_t j = (size_t)(s % (i + 1));
        example t = ex[i];
        ex[i] = ex[j];
        ex[j] = t;
    }
    for (int part = 0; part < 2; part++)
        fit(&m.part[part], part, 0, 1e-4);
    report(&m, 0);
    if (frags)
        report(&m, 1);
    for (int part = 0; part < 2; part++) {
        fit(&m.part[part], part, -1, 1e-4);
        size_t np = 0;
        for (size_t k = 0; k < nex; k++)
            np += ex[k].part == part;
        fprintf(stderr, "fit_check: part %d (%s): %zu examples; bias %.3f; weights:", part,
                part ? "paragraphs" : "short texts", np, m.part[part].bias);
        for (int i = 0; i < NF; i++)
            fprintf(stderr, " %.3f", m.part[part].w[i]);
        fputc('\n', stderr);
    }
    if (us_check_model_write(&m, outp, &err) != UNSPIN_OK)
        die(err.message, "");
    unspin_checker_free(ck);
    unspin_lexicon_close(lex);
    unspin_lm_close(lm);
    free(ex);
    return 0;
}
