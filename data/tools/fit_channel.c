/*
 * fit_channel.c - fit the channel model's weights on simulated spinning.
 *
 *   fit_channel -m LM.uslm -l LEX.uslex [-n MAX_BYTES] [-r RATE] [-s SEED]
 *               [-p PRECISION] -o OUT.uschan TEXT...
 *   fit_channel --defaults -o OUT.uschan   (untrained built-in weights, for tests)
 *   -x NAME leaves out the features whose names start with NAME (ablations);
 *   --reverse fits the reverse-link features too (left out by default).
 *
 * 1. Spin clean text with a simple built-in spinner: each content word (or
 *    phrase the lexicon knows) is, with probability RATE (0.4), replaced by
 *    one of its lexicon links chosen at random, sense-blind: with a
 *    geometric preference (-g P, default 0.6) for the lexicon's strongest
 *    links, as a spinner's thesaurus lists good synonyms first; with -g 0,
 *    weighted by sqrt(P_unigram) of the replacement instead (the
 *    lexicon's links are taken in the reverse direction, which for synonyms
 *    is the same); a phrase link (several words on either side) only with
 *    P 0.15 when one-word links exist; the same replacement within a
 *    document of 20 lines (--doc-lines N), as spinners do. Spelling variants are not used.
 * 2. Build the restorer's lattice over the spun text (us_dec_collect) and
 *    take every word position with candidates as one example: its options'
 *    features in context, and the label (the true original, or keep).
 * 3. Fit the weights by maximising the log-likelihood of the labels
 *    (multinomial logistic regression, full-batch Adam, L2), on 4/5 of the
 *    lines; the other 1/5 picks the change threshold: the lowest posterior
 *    at which the changes made reach the target precision (-p, 0.9; -P for
 *    changes of phrases, 0.9); the
 *    held-out positions whose truth is not among the options count there
 *    too (a change at them is wrong), as in the real restorer.
 * 4. Write OUT.uschan and print the weights and the held-out figures.
 *
 * The consistency weights are not fitted here (their features are 0 on a
 * single pass) and keep the values of ch_default_weights().
 */
#include "decoder_internal.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* lines per document (--doc-lines): the built-in spinner keeps one table per
 * document, and the second fit stage restores each document as a whole */
static size_t doc_lines = 20;

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}
static double rnd01(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

static _Noreturn void die(const char *what, const char *arg)
{
    fprintf(stderr, "fit_channel: %s%s\n", what, arg);
    exit(1);
}

static void die_err(const unspin_error *err)
{
    fprintf(stderr, "fit_channel: %s\n", err->message);
    exit(1);
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        die("out of memory", "");
    return p;
}

/* ---- the spinner ---- */

typedef struct spin_rec {
    size_t start;  /* byte offset of the replacement in the spun line */
    size_t end;
    char orig[256]; /* normalised original words, space-separated */
    unsigned nw;    /* words of the replacement */
} spin_rec;

typedef struct doc_map {
    char (*orig)[256];
    char (*repl)[256];
    size_t n, cap;
} doc_map;

typedef struct spinner {
    const unspin_lm *lm;
    const unspin_lexicon *lex;
    unspin_tokenizer *tk;
    unspin_candidates *cands;
    double rate;
    double geo; /* preference for the strongest links: P(next rank) */
    double phrase_rate; /* P(a phrase link) when single-word links exist too */
    doc_map doc;
} spinner;

static float uni(const unspin_lm *lm, const char *w, size_t n)
{
    unspin_word id = unspin_lm_word(lm, w, n);
    if (id == UNSPIN_WORD_UNK)
        return -8.0f;
    unspin_lm_state st;
    unspin_lm_null_state(lm, &st);
    return unspin_lm_score(lm, &st, id, &st);
}

/* mean unigram log10 of the words of a phrase */
static float phrase_uni(const unspin_lm *lm, const char *t, size_t n)
{
    float su = 0;
    int k = 0;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && t[j] != ' ')
            j++;
        if (j > i) {
            su += uni(lm, t + i, j - i);
            k++;
        }
        i = j + 1;
    }
    return k ? su / (float)k : -8.0f;
}

static int usable(const unspin_candidate *c, size_t k, char orig[][256], const size_t *olen)
{
    return c->span <= k && c->text_length < 200 &&
           !(c->text_length == olen[c->span - 1] && memcmp(c->text, orig[c->span - 1], c->text_length) == 0) &&
           (c->sources & ~(uint32_t)UNSPIN_SRC_SPELLING) != 0;
}

static int is_phrase(const unspin_candidate *c)
{
    return c->span != 1 || memchr(c->text, ' ', c->text_length) != NULL;
}

/* Spin `line`; the spun text goes to *out (malloc'd), the records to *recs. */
static void spin_line(spinner *s, const char *line, size_t len, char **out, size_t *outlen, spin_rec **recs,
                      size_t *nrecs)
{
    unspin_error err;
    const unspin_token *toks;
    size_t n, used;
    unspin_tokenizer_reset(s->tk);
    if (unspin_tokenize(s->tk, line, len, 1, &toks, &n, &used, &err) < 0)
        die_err(&err);
    /* copy the tokens' norms: lookups do not invalidate them, but keep it simple */
    size_t cap = len * 2 + 64, o = 0, at = 0;
    char *buf = xrealloc(NULL, cap);
    *nrecs = 0;
    for (size_t i = 0; i < n; i++) {
        const unspin_token *t = &toks[i];
        int content = t->kind == UNSPIN_TOKEN_WORD && !(t->flags & UNSPIN_TOKEN_QUOTED) &&
                      (t->casing == UNSPIN_CASE_LOWER ||
                       (t->casing == UNSPIN_CASE_TITLE && (t->flags & UNSPIN_TOKEN_SENT_START))) &&
                      t->norm_length >= 3 && uni(s->lm, t->norm, t->norm_length) < CH_FUNCTION_LOGP;
        if (!content || rnd01() >= s->rate)
            continue;
        /* number words one..nine become digits, as news spinners do */
        char digit = 0;
        for (char d = '1'; d <= '9' && !digit; d++) {
            const char *nw = ch_digit_word(&d, 1);
            if (strlen(nw) == t->norm_length && memcmp(nw, t->norm, t->norm_length) == 0)
                digit = d;
        }
        if (digit) {
            if (o + (t->start - at) + 8 > cap) {
                cap = (o + (t->start - at) + 8) * 2;
                buf = xrealloc(buf, cap);
            }
            memcpy(buf + o, line + at, t->start - at);
            o += t->start - at;
            *recs = xrealloc(*recs, (*nrecs + 1) * sizeof **recs);
            spin_rec *rec = &(*recs)[(*nrecs)++];
            rec->start = o;
            buf[o++] = digit;
            rec->end = o;
            snprintf(rec->orig, sizeof rec->orig, "%.*s", (int)t->norm_length, t->norm);
            rec->nw = 1;
            at = t->start + t->length;
            continue;
        }
        /* the next word tokens (up to 4, adjacent up to whitespace) */
        const char *words[4];
        size_t lens[4], idx[4], k = 0;
        for (size_t j = i; j < n && k < 4; j++) {
            if (toks[j].kind == UNSPIN_TOKEN_SPACE)
                continue;
            if (toks[j].kind != UNSPIN_TOKEN_WORD || (toks[j].flags & UNSPIN_TOKEN_QUOTED) ||
                (j > i && toks[j].casing != UNSPIN_CASE_LOWER))
                break;
            words[k] = toks[j].norm;
            lens[k] = toks[j].norm_length;
            idx[k++] = j;
        }
        char orig[4][256];
        size_t olen[4] = {0};
        for (size_t q = 0; q < k; q++) {
            size_t l = q ? olen[q - 1] : 0;
            if (l + lens[q] + 2 > sizeof orig[0]) { k = q; break; }
            if (q) { memcpy(orig[q], orig[q - 1], l); orig[q][l++] = ' '; }
            memcpy(orig[q] + l, words[q], lens[q]);
            olen[q] = l + lens[q];
            orig[q][olen[q]] = 0;
        }
        if (k == 0)
            continue;
        const unspin_candidate *c;
        size_t nc;
        if (unspin_lexicon_lookup(s->lex, words, lens, k, s->cands, &c, &nc, &err) < 0)
            die_err(&err);
        /* the document's earlier choice for this original, else a random link */
        const char *repl = NULL;
        unsigned span = 0;
        for (size_t d = 0; d < s->doc.n && !repl; d++) {
            for (size_t q = k; q-- > 0;) {
                if (strcmp(s->doc.orig[d], orig[q]) == 0) {
                    repl = s->doc.repl[d];
                    span = (unsigned)q + 1;
                    break;
                }
            }
        }
        if (!repl) {
            /* usable links: within the words at hand, not the text itself;
             * one word for one word (class 0) or phrases (class 1) */
            size_t ok[2] = {0, 0};
            for (size_t q = 0; q < nc; q++)
                if (usable(&c[q], k, orig, olen))
                    ok[is_phrase(&c[q])]++;
            if (!ok[0] && !ok[1])
                continue;
            /* a spinner mostly swaps single words: phrases only with P 0.15
             * (or when there is nothing else) */
            int cls = !ok[0] || (ok[1] && rnd01() < s->phrase_rate);
            if (s->geo > 0) { /* geometric over the lexicon's ranking */
                size_t pick = 0;
                while (pick + 1 < ok[cls] && rnd01() < s->geo)
                    pick++;
                for (size_t q = 0; q < nc; q++) {
                    if (usable(&c[q], k, orig, olen) && is_phrase(&c[q]) == cls && pick-- == 0) {
                        repl = c[q].text;
                        span = c[q].span;
                        break;
                    }
                }
            } else { /* weighted by sqrt(unigram P): thesauri list common words */
                double tot = 0;
                for (size_t q = 0; q < nc; q++)
                    if (usable(&c[q], k, orig, olen) && is_phrase(&c[q]) == cls)
                        tot += pow(10.0, 0.5 * phrase_uni(s->lm, c[q].text, c[q].text_length));
                double x = rnd01() * tot;
                for (size_t q = 0; q < nc; q++) {
                    if (!usable(&c[q], k, orig, olen) || is_phrase(&c[q]) != cls)
                        continue;
                    repl = c[q].text;
                    span = c[q].span;
                    x -= pow(10.0, 0.5 * phrase_uni(s->lm, c[q].text, c[q].text_length));
                    if (x <= 0)
                        break;
                }
            }
            if (s->doc.n == s->doc.cap) {
                s->doc.cap = s->doc.cap ? 2 * s->doc.cap : 64;
                s->doc.orig = xrealloc(s->doc.orig, s->doc.cap * sizeof *s->doc.orig);
                s->doc.repl = xrealloc(s->doc.repl, s->doc.cap * sizeof *s->doc.repl);
            }
            snprintf(s->doc.orig[s->doc.n], 256, "%s", orig[span - 1]);
            snprintf(s->doc.repl[s->doc.n], 256, "%s", repl);
            s->doc.n++;
        }
        /* copy the text up to the span, then the replacement */
        size_t first = toks[idx[0]].start, last = toks[idx[span - 1]].start + toks[idx[span - 1]].length;
        size_t rl = strlen(repl);
        if (o + (first - at) + rl + 8 > cap) {
            cap = (o + (first - at) + rl + 8) * 2;
            buf = xrealloc(buf, cap);
        }
        memcpy(buf + o, line + at, first - at);
        o += first - at;
        spin_rec *rec;
        *recs = xrealloc(*recs, (*nrecs + 1) * sizeof **recs);
        rec = &(*recs)[(*nrecs)++];
        rec->start = o;
        memcpy(buf + o, repl, rl);
        if (t->casing == UNSPIN_CASE_TITLE && buf[o] >= 'a' && buf[o] <= 'z')
            buf[o] = (char)(buf[o] - 'a' + 'A');
        o += rl;
        rec->end = o;
        snprintf(rec->orig, sizeof rec->orig, "%s", orig[span - 1]);
        rec->nw = 1;
        for (size_t q = 0; q < rl; q++)
            rec->nw += repl[q] == ' ';
        at = last;
        i = idx[span - 1];
    }
    if (o + (len - at) + 1 > cap)
        buf = xrealloc(buf, o + (len - at) + 1);
    memcpy(buf + o, line + at, len - at);
    o += len - at;
    buf[o] = 0;
    *out = buf;
    *outlen = o;
}

/* ---- given pairs (--spun/--orig, e.g. from build/tools/spinsim) ---- */

typedef struct ptok {
    size_t start, end;
    char norm[64];
    int word;
} ptok;

static ptok *pair_tokens(unspin_tokenizer *tk, const char *line, size_t len, size_t *n_out)
{
    unspin_error err;
    const unspin_token *toks;
    size_t n, used;
    unspin_tokenizer_reset(tk);
    if (unspin_tokenize(tk, line, len, 1, &toks, &n, &used, &err) < 0)
        die_err(&err);
    ptok *v = xrealloc(NULL, (n + 1) * sizeof *v);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (toks[i].kind == UNSPIN_TOKEN_SPACE)
            continue;
        v[m].start = toks[i].start;
        v[m].end = toks[i].start + toks[i].length;
        snprintf(v[m].norm, sizeof v[m].norm, "%.*s", (int)toks[i].norm_length, toks[i].norm);
        v[m].word = toks[i].kind == UNSPIN_TOKEN_WORD || toks[i].kind == UNSPIN_TOKEN_NUMBER;
        m++;
    }
    *n_out = m;
    return v;
}

/* Align a spun line with its original (LCS over the tokens' normal forms)
 * and turn every replaced run of 1-4 spun words into a record. */
static void pair_line(unspin_tokenizer *tk, const char *spun, size_t slen, const char *orig, size_t olen,
                      spin_rec **recs, size_t *nrecs)
{
    size_t na, nb;
    ptok *b = pair_tokens(tk, orig, olen, &nb);
    ptok *a = pair_tokens(tk, spun, slen, &na);
    *nrecs = 0;
    *recs = NULL;
    if (na > 2000 || nb > 2000) {
        free(a);
        free(b);
        return;
    }
    uint16_t *L = xrealloc(NULL, (na + 1) * (nb + 1) * sizeof *L);
#define LL(i, j) L[(i) * (nb + 1) + (j)]
    for (size_t i = na + 1; i-- > 0;)
        for (size_t j = nb + 1; j-- > 0;) {
            if (i == na || j == nb)
                LL(i, j) = 0;
            else if (strcmp(a[i].norm, b[j].norm) == 0)
                LL(i, j) = (uint16_t)(LL(i + 1, j + 1) + 1);
            else
                LL(i, j) = LL(i + 1, j) > LL(i, j + 1) ? LL(i + 1, j) : LL(i, j + 1);
        }
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        if (i < na && j < nb && strcmp(a[i].norm, b[j].norm) == 0) {
            i++, j++;
            continue;
        }
        size_t i0 = i, j0 = j;
        while ((i < na || j < nb) && !(i < na && j < nb && strcmp(a[i].norm, b[j].norm) == 0)) {
            if (j >= nb || (i < na && LL(i + 1, j) >= LL(i, j + 1)))
                i++;
            else
                j++;
        }
        int ok = i > i0 && j > j0 && i - i0 <= 4;
        for (size_t k = i0; k < i && ok; k++)
            ok = a[k].word;
        if (!ok)
            continue;
        *recs = xrealloc(*recs, (*nrecs + 1) * sizeof **recs);
        spin_rec *r = &(*recs)[(*nrecs)++];
        r->start = a[i0].start;
        r->end = a[i - 1].end;
        r->nw = (unsigned)(i - i0);
        size_t o = 0;
        for (size_t k = j0; k < j && o < sizeof r->orig - 1; k++)
            o += (size_t)snprintf(r->orig + o, sizeof r->orig - o, "%s%s", k > j0 ? " " : "", b[k].norm);
        if (o >= sizeof r->orig)
            (*nrecs)--;
    }
#undef LL
    free(L);
    free(a);
    free(b);
}

/* ---- examples ---- */

typedef struct example {
    size_t feat;    /* offset in feats */
    uint32_t nopt;
    int32_t label;  /* option index of the truth; < 0 (held out only): truth not among the
                       options (-1) or inside a longer replacement (-2) */
    int spun;       /* the position was spun */
    int valid;      /* held out for the threshold */
} example;

typedef struct exset {
    example *ex;
    size_t n, cap;
    float *feats;
    size_t nf, capf;
    /* labelling context of the current line */
    const spin_rec *recs;
    size_t nrecs;
    int valid;
    size_t unreachable;
} exset;

static int on_example(void *ctx, const us_dec_example *e)
{
    exset *s = ctx;
    int32_t label = 0;
    int spun = 0;
    for (size_t i = 0; i < s->nrecs; i++) {
        const spin_rec *r = &s->recs[i];
        if (e->start > r->start && e->start < r->end) {
            /* inside a replacement: no label; a change there is wrong */
            if (!s->valid)
                return 0;
            label = -2;
            break;
        }
        if (e->start == r->start) {
            spun = 1;
            label = -1;
            for (size_t k = 1; k < e->nopt; k++)
                if (e->span[k] == r->nw && strcmp(e->text[k], r->orig) == 0)
                    label = (int32_t)k;
        }
    }
    if (label < 0) {
        /* truth not among the options: nothing to learn, but the held-out
         * fifth keeps it, since the restorer may still change the span
         * (always wrongly); without these the held-out precision was ~0.2
         * above the end-to-end one */
        s->unreachable += label == -1;
        if (!s->valid)
            return 0;
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 4096;
        s->ex = xrealloc(s->ex, s->cap * sizeof *s->ex);
    }
    size_t need = s->nf + e->nopt * CH_NF;
    if (need > s->capf) {
        s->capf = need * 2;
        s->feats = xrealloc(s->feats, s->capf * sizeof(float));
    }
    memcpy(s->feats + s->nf, e->feat, e->nopt * CH_NF * sizeof(float));
    example *x = &s->ex[s->n++];
    x->feat = s->nf;
    x->nopt = (uint32_t)e->nopt;
    x->label = label;
    x->spun = spun;
    x->valid = s->valid;
    s->nf = need;
    return 0;
}

/* posteriors of example x under w into p[] */
static void posterior(const exset *s, const example *x, const float *w, double *p)
{
    double mx = -INFINITY;
    for (uint32_t k = 0; k < x->nopt; k++) {
        const float *f = s->feats + x->feat + (size_t)k * CH_NF;
        double v = 0;
        for (int j = 0; j < CH_NF; j++)
            v += (double)w[j] * f[j];
        p[k] = v;
        if (v > mx) mx = v;
    }
    double z = 0;
    for (uint32_t k = 0; k < x->nopt; k++)
        z += p[k] = exp(p[k] - mx);
    for (uint32_t k = 0; k < x->nopt; k++)
        p[k] /= z;
}

static int excluded[CH_NF]; /* features left out (--exclude), weight 0 */

static int consistency_fitted; /* the consistency features are fitted in the second stage */

static int fitted(int j)
{
    return (consistency_fitted || (j != CH_F_CONS && j != CH_F_CONS_OTHER)) && !excluded[j];
}

static void fit(const exset *s, float *w, int iters, double l2)
{
    double m[CH_NF] = {0}, v[CH_NF] = {0};
    double p[128];
    const double lr = 0.05, b1 = 0.9, b2 = 0.999;
    size_t ntrain = 0;
    for (size_t i = 0; i < s->n; i++)
        ntrain += !s->ex[i].valid;
    for (int it = 1; it <= iters; it++) {
        double g[CH_NF] = {0}, nll = 0;
        for (size_t i = 0; i < s->n; i++) {
            const example *x = &s->ex[i];
            if (x->valid || x->nopt > 128)
                continue;
            posterior(s, x, w, p);
            nll -= log(p[x->label] + 1e-300);
            for (uint32_t k = 0; k < x->nopt; k++) {
                const float *f = s->feats + x->feat + (size_t)k * CH_NF;
                double c = p[k] - (k == (uint32_t)x->label);
                for (int j = 0; j < CH_NF; j++)
                    g[j] += c * f[j];
            }
        }
        for (int j = 0; j < CH_NF; j++) {
            if (!fitted(j))
                continue;
            double gj = g[j] / (double)ntrain + l2 * w[j];
            m[j] = b1 * m[j] + (1 - b1) * gj;
            v[j] = b2 * v[j] + (1 - b2) * gj * gj;
            double mh = m[j] / (1 - pow(b1, it)), vh = v[j] / (1 - pow(b2, it));
            w[j] -= (float)(lr * mh / (sqrt(vh) + 1e-8));
        }
        if (it % 50 == 0 || it == 1)
            fprintf(stderr, "fit_channel: iteration %d: mean NLL %.5f\n", it, nll / (double)ntrain);
    }
}

/* A spun line of the training text. */
typedef struct sline {
    char *text;
    size_t len;
    spin_rec *recs;
    size_t nrecs;
    int valid;
} sline;

/* Collect the examples of all lines; with `documents`, each document is
 * first restored (filling the restorer's memory) and then collected. */
static void collect(unspin_restorer *r, const sline *lines, size_t n, int documents, exset *s)
{
    unspin_error err;
    for (size_t d = 0; d < n; d += doc_lines) {
        size_t e = d + doc_lines < n ? d + doc_lines : n;
        unspin_restorer_reset(r);
        if (documents) {
            for (size_t i = d; i < e; i++) {
                unspin_restore_result *res;
                if (unspin_restore(r, lines[i].text, lines[i].len, &res, &err) < 0)
                    die_err(&err);
                unspin_restore_result_free(res);
            }
        }
        for (size_t i = d; i < e; i++) {
            s->recs = lines[i].recs;
            s->nrecs = lines[i].nrecs;
            s->valid = lines[i].valid;
            if (us_dec_collect(r, lines[i].text, lines[i].len, on_example, s, &err) < 0)
                die_err(&err);
        }
    }
}

/* Thresholds on the held-out fifth (thr[0] one-word changes, thr[1]
 * phrases): the first grid value whose changes reach the target precision. */
static void thresholds(const exset *s, const float *w, double target, double ptarget, size_t nvalid_spun,
                       double thr[2])
{
    /* thresholds on the held-out fifth, one for one-word changes and one
     * for changes of phrases (more words on either side) */
    static const double grid[] = {0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.99};
    thr[0] = thr[1] = 0.99;
    int chosen[2] = {0, 0};
    double p[128];
    fprintf(stderr, "fit_channel: held out: threshold | words: precision changes | phrases: precision changes | "
                    "all: recall(of spun) false-changes(of keep examples)\n");
    for (size_t g = 0; g < US_ARRAY_LEN(grid); g++) {
        size_t changes[2] = {0, 0}, correct[2] = {0, 0}, keeps = 0, false_changes = 0;
        for (size_t i = 0; i < s->n; i++) {
            const example *x = &s->ex[i];
            if (!x->valid || x->nopt > 128)
                continue;
            posterior(s, x, w, p);
            uint32_t best = 0;
            for (uint32_t k = 1; k < x->nopt; k++)
                if (p[k] > p[best]) best = k;
            keeps += x->label == 0;
            if (best == 0 || p[best] < grid[g])
                continue;
            const float *f = s->feats + x->feat + (size_t)best * CH_NF;
            int cls = f[CH_F_SPAN] != 0 || f[CH_F_NWDIFF] != 0;
            changes[cls]++;
            correct[cls] += (int32_t)best == x->label;
            false_changes += x->label == 0;
        }
        double prec[2];
        for (int k = 0; k < 2; k++) {
            prec[k] = changes[k] ? (double)correct[k] / (double)changes[k] : 1.0;
            if (!chosen[k] && prec[k] >= (k ? ptarget : target)) {
                thr[k] = grid[g];
                chosen[k] = 1;
            }
        }
        fprintf(stderr, "  %.2f | %.3f %5zu | %.3f %5zu | %.3f %.4f\n", grid[g], prec[0], changes[0], prec[1], changes[1],
                nvalid_spun ? (double)(correct[0] + correct[1]) / (double)nvalid_spun : 0.0,
                keeps ? (double)false_changes / (double)keeps : 0.0);
    }
    fprintf(stderr, "fit_channel: threshold %.2f, phrases %.2f (first reaching precision %.2f and %.2f on held-out "
                    "spinning)\n", thr[0], thr[1], target, ptarget);
}

int main(int argc, char **argv)
{
    const char *lm_path = NULL, *lex_path = NULL, *out_path = NULL;
    double rate = 0.4, target = 0.9, ptarget = 0.9, geo = 0.6;
    int reverse = 0;
    long max_cands = 0;
    long max_bytes = 400000, iters = 300;
    int defaults = 0;
    const char *spun_path = NULL, *orig_path = NULL;
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'}, {"lexicon", required_argument, NULL, 'l'},
        {"output", required_argument, NULL, 'o'}, {"rate", required_argument, NULL, 'r'},
        {"seed", required_argument, NULL, 's'}, {"max-bytes", required_argument, NULL, 'n'},
        {"precision", required_argument, NULL, 'p'}, {"phrase-precision", required_argument, NULL, 'P'}, {"iterations", required_argument, NULL, 'i'},
        {"defaults", no_argument, NULL, 'D'}, {"geometric", required_argument, NULL, 'g'},
        {"exclude", required_argument, NULL, 'x'}, {"reverse", no_argument, NULL, 'R'},
        {"candidates", required_argument, NULL, 'k'},
        {"spun", required_argument, NULL, 'S'}, {"orig", required_argument, NULL, 'O'},
        {"doc-lines", required_argument, NULL, 'L'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "m:l:o:r:s:n:p:P:i:Dg:x:Rk:L:", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': lm_path = optarg; break;
        case 'l': lex_path = optarg; break;
        case 'o': out_path = optarg; break;
        case 'r': rate = atof(optarg); break;
        case 's': rng_state = strtoull(optarg, NULL, 10) * 2654435761ull + 1; break;
        case 'n': max_bytes = atol(optarg); break;
        case 'p': target = atof(optarg); break;
        case 'P': ptarget = atof(optarg); break;
        case 'i': iters = atol(optarg); break;
        case 'D': defaults = 1; break;
        case 'R': reverse = 1; break;
        case 'k': max_cands = atol(optarg); break;
        case 'g': geo = atof(optarg); break;
        case 'S': spun_path = optarg; break;
        case 'O': orig_path = optarg; break;
        case 'L':
            doc_lines = (size_t)atol(optarg);
            if (doc_lines < 1)
                die("--doc-lines must be >= 1", "");
            break;
        case 'x': { /* a feature name, or a prefix such as "reverse_" */
            int any = 0;
            for (int j = 0; j < CH_NF; j++)
                if (strncmp(ch_feature_name(j), optarg, strlen(optarg)) == 0)
                    excluded[j] = any = 1;
            if (!any)
                die("no feature named ", optarg);
            break;
        }
        default:
            fprintf(stderr, "usage: fit_channel -m LM -l LEX -o OUT.uschan [-r RATE] [-s SEED] [-n MAX_BYTES] "
                            "[-p PRECISION] [-P PHRASE_PRECISION] [-i ITERATIONS] [--doc-lines N] [--spun FILE --orig FILE] [TEXT...]\n");
            return 2;
        }
    }
    unspin_error err;
    if (defaults && out_path) { /* the untrained built-in weights, for tests */
        float dw[CH_NF];
        ch_default_weights(dw);
        if (ch_write(out_path, dw, CH_NF, 0.5, 0.0, &err) < 0)
            die_err(&err);
        return 0;
    }
    if (!spun_path != !orig_path)
        die("--spun and --orig go together", "");
    if (!lm_path || !lex_path || !out_path || (optind >= argc && !spun_path))
        die("usage: fit_channel -m LM -l LEX -o OUT.uschan TEXT... (see the source's header)", "");
    unspin_lm *lm = NULL;
    unspin_lexicon *lex = NULL;
    if (unspin_lm_open(lm_path, &lm, &err) < 0 || unspin_lexicon_open(lex_path, &lex, &err) < 0)
        die_err(&err);
    spinner sp;
    memset(&sp, 0, sizeof sp);
    sp.lm = lm;
    sp.lex = lex;
    sp.rate = rate;
    sp.geo = geo;
    sp.phrase_rate = 0.15;
    if (unspin_tokenizer_create(&sp.tk, &err) < 0 || unspin_candidates_create(&sp.cands, &err) < 0)
        die_err(&err);
    /* The reverse-link features are left out unless asked for: this spinner
     * draws its replacements from the same lexicon, so they are predictive
     * here by construction and would be over-weighted (docs/decoder.md). */
    if (!reverse)
        for (int j = 0; j < CH_NF; j++)
            if (strncmp(ch_feature_name(j), "reverse_", 8) == 0)
                excluded[j] = 1;
    float w[CH_NF];
    ch_default_weights(w);
    for (int j = 0; j < CH_NF; j++)
        if (excluded[j])
            w[j] = 0;
    unspin_restore_opts opts;
    unspin_restore_opts_default(&opts);
    opts.consistency = 0;
    if (max_cands)
        opts.max_cands = (unsigned)max_cands;
    unspin_restorer *r;
    if (unspin_restorer_create(lm, lex, NULL, &opts, &r, &err) < 0)
        die_err(&err);

    /* 1. spin the text, line by line (one line = one paragraph, 20 lines = one document) */
    sline *lines = NULL;
    size_t nspun = 0, nlines = 0, nvalid_spun = 0;
    /* MAX_BYTES shared equally by the files (e.g. general and technical text) */
    size_t per_file = argc > optind ? (size_t)max_bytes / (size_t)(argc - optind) : 0;
    for (int a = optind; a < argc; a++) {
        FILE *f = fopen(argv[a], "r");
        if (!f)
            die("cannot open ", argv[a]);
        char *line = NULL;
        size_t lcap = 0;
        ssize_t ll;
        size_t file_bytes = 0;
        while ((ll = getline(&line, &lcap, f)) > 0 && file_bytes < per_file) {
            file_bytes += (size_t)ll;
            size_t len = (size_t)ll;
            while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                len--;
            if (nlines % doc_lines == 0)
                sp.doc.n = 0;
            lines = xrealloc(lines, (nlines + 1) * sizeof *lines);
            sline *sl = &lines[nlines];
            sl->recs = NULL;
            spin_line(&sp, line, len, &sl->text, &sl->len, &sl->recs, &sl->nrecs);
            sl->valid = nlines % 5 == 4;
            nspun += sl->nrecs;
            if (sl->valid)
                nvalid_spun += sl->nrecs;
            nlines++;
        }
        free(line);
        fclose(f);
    }

    /* 1b. given pairs: spun lines and their originals, aligned */
    if (spun_path) {
        FILE *fs = fopen(spun_path, "r"), *fo = fopen(orig_path, "r");
        if (!fs || !fo)
            die("cannot open ", !fs ? spun_path : orig_path);
        char *ls = NULL, *lo = NULL;
        size_t cs = 0, co = 0, file_bytes = 0;
        ssize_t ns, no;
        while ((ns = getline(&ls, &cs, fs)) > 0 && (no = getline(&lo, &co, fo)) > 0 &&
               file_bytes < (size_t)max_bytes) {
            file_bytes += (size_t)ns;
            size_t lens = (size_t)ns, leno = (size_t)no;
            while (lens && (ls[lens - 1] == '\n' || ls[lens - 1] == '\r'))
                lens--;
            while (leno && (lo[leno - 1] == '\n' || lo[leno - 1] == '\r'))
                leno--;
            lines = xrealloc(lines, (nlines + 1) * sizeof *lines);
            sline *sl = &lines[nlines];
            sl->text = xrealloc(NULL, lens + 1);
            memcpy(sl->text, ls, lens);
            sl->text[lens] = 0;
            sl->len = lens;
            pair_line(sp.tk, ls, lens, lo, leno, &sl->recs, &sl->nrecs);
            sl->valid = nlines % 5 == 4;
            nspun += sl->nrecs;
            if (sl->valid)
                nvalid_spun += sl->nrecs;
            nlines++;
        }
        free(ls);
        free(lo);
        fclose(fs);
        fclose(fo);
    }

    /* 2. first fit: every paragraph on its own (no document memory) */
    exset s;
    memset(&s, 0, sizeof s);
    collect(r, lines, nlines, 0, &s);
    fprintf(stderr, "fit_channel: %zu lines, %zu spun spans, %zu examples, %zu spun spans without the truth among the candidates\n",
            nlines, nspun, s.n, s.unreachable);
    if (s.n < 100)
        die("too few examples (is the lexicon empty?)", "");
    fit(&s, w, (int)iters, 1e-4);
    double thr[2];
    thresholds(&s, w, target, ptarget, nvalid_spun, thr);

    /* 3. second fit with the document memory: each document is restored
     * with the first weights (remembering the pairs restored with
     * confidence), then its examples are collected with the consistency
     * features on, and all weights are fitted again */
    if (!excluded[CH_F_CONS]) {
        unspin_channel *ch1;
        if (ch_create(w, CH_NF, thr[0], thr[1] > thr[0] ? thr[1] : 0.0, &ch1, &err) < 0)
            die_err(&err);
        unspin_restore_opts o2 = opts;
        o2.consistency = 1;
        unspin_restorer *r2;
        if (unspin_restorer_create(lm, lex, ch1, &o2, &r2, &err) < 0)
            die_err(&err);
        exset s2;
        memset(&s2, 0, sizeof s2);
        collect(r2, lines, nlines, 1, &s2);
        consistency_fitted = 1;
        fit(&s2, w, (int)iters, 1e-4);
        thresholds(&s2, w, target, ptarget, nvalid_spun, thr);
        unspin_restorer_free(r2);
        unspin_channel_close(ch1);
        free(s2.ex);
        free(s2.feats);
    }
    for (int j = 0; j < CH_NF; j++)
        fprintf(stderr, "  %-20s %8.4f\n", ch_feature_name(j), w[j]);
    if (ch_write(out_path, w, CH_NF, thr[0], thr[1] > thr[0] ? thr[1] : 0.0, &err) < 0)
        die_err(&err);
    free(s.ex);
    free(s.feats);
    for (size_t i = 0; i < nlines; i++) {
        free(lines[i].text);
        free(lines[i].recs);
    }
    free(lines);
    free(sp.doc.orig);
    free(sp.doc.repl);
    unspin_restorer_free(r);
    unspin_tokenizer_free(sp.tk);
    unspin_candidates_free(sp.cands);
    unspin_lexicon_close(lex);
    unspin_lm_close(lm);
    return 0;
}
