/*
 * lm_mix.c - linear interpolation of back-off models: EM weights on held-out
 * text, and the mixture written as one static back-off model the way SRILM's
 * `ngram -mix-lm -write-lm` does (docs/lm-training.md):
 *   - vocabulary and n-grams: the union of the components';
 *   - p_mix(w|h) = sum_i l_i p_i(w|h) for every n-gram hw of the union, each
 *     p_i with component i's own back-off;
 *   - bo(h) = (1 - sum_{w: hw in union} p_mix(w|h)) /
 *             (1 - sum_{w: hw in union} p_mix(w|h')), h' = h less its oldest word.
 * Time is O(total n-grams x components x order) hash lookups.
 */
#include "lm_train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_N UNSPIN_LM_MAX_ORDER

/* ===================================================================
 * EM weights
 * =================================================================== */

typedef struct fit_ctx {
    const unspin_lm *const *lms;
    size_t k;
    double *p;       /* token-major: p[t * k + i] */
    size_t nt, cap;  /* tokens stored */
    uint64_t oov;
} fit_ctx;

static int fit_sentence(void *vctx, const char *const *words, const size_t *lens, size_t n, unspin_error *err)
{
    fit_ctx *c = vctx;
    unspin_lm_state st[UNSPIN_LM_MIX_MAX];
    for (size_t i = 0; i < c->k; i++)
        unspin_lm_begin_state(c->lms[i], &st[i]);
    for (size_t t = 0; t <= n; t++) {
        unspin_word ids[UNSPIN_LM_MIX_MAX];
        int known = 0;
        for (size_t i = 0; i < c->k; i++) {
            ids[i] = t == n ? unspin_lm_eos(c->lms[i]) : unspin_lm_word(c->lms[i], words[t], lens[t]);
            if (ids[i] != UNSPIN_WORD_UNK)
                known = 1;
        }
        if (!known) { /* no component knows it: an OOV, skipped as SRILM does */
            c->oov++;
            for (size_t i = 0; i < c->k; i++)
                unspin_lm_score(c->lms[i], &st[i], ids[i], &st[i]);
            continue;
        }
        if (us_grow((void **)&c->p, &c->cap, (c->nt + 1) * c->k, sizeof(double)) < 0)
            return us_error(err, UNSPIN_E_NOMEM, "out of memory (held-out text)");
        for (size_t i = 0; i < c->k; i++)
            c->p[c->nt * c->k + i] = pow(10.0, (double)unspin_lm_score(c->lms[i], &st[i], ids[i], &st[i]));
        c->nt++;
    }
    return UNSPIN_OK;
}

int unspin_lm_mix_fit(const unspin_lm *const *lms, size_t k, const char *const *texts, const size_t *lens,
                      size_t ndomains, double *weights, double *ppl, unspin_error *err)
{
    if (k < 1 || k > UNSPIN_LM_MIX_MAX)
        return us_error(err, UNSPIN_E_INVALID, "mixture of %zu models (1..%d)", k, UNSPIN_LM_MIX_MAX);
    if (ndomains < 1)
        return us_error(err, UNSPIN_E_INVALID, "no held-out text");
    fit_ctx c = {.lms = lms, .k = k};
    size_t *start = us_calloc(ndomains + 1, sizeof(size_t));
    lm_splitter sp = {0};
    int rc = start ? unspin_tokenizer_create(&sp.tk, err) : us_error(err, UNSPIN_E_NOMEM, "out of memory");
    for (size_t d = 0; d < ndomains && rc >= 0; d++) {
        start[d] = c.nt;
        const char *s = texts[d], *end = texts[d] + lens[d];
        while (s < end && rc >= 0) {
            const char *nl = memchr(s, '\n', (size_t)(end - s));
            const char *e = nl ? nl : end;
            rc = lm_split_line(&sp, s, (size_t)(e - s), fit_sentence, &c, err);
            s = nl ? nl + 1 : end;
        }
    }
    lm_splitter_free(&sp);
    if (rc >= 0) {
        start[ndomains] = c.nt;
        if (c.nt == 0)
            rc = us_error(err, UNSPIN_E_INVALID, "no held-out word that a model knows");
    }
    if (rc < 0) {
        us_free(start);
        us_free(c.p);
        return rc;
    }
    double l[UNSPIN_LM_MIX_MAX], nl[UNSPIN_LM_MIX_MAX];
    for (size_t i = 0; i < k; i++)
        l[i] = 1.0 / (double)k;
    for (int it = 0; it < 500 && k > 1; it++) {
        size_t used = 0;
        memset(nl, 0, sizeof nl);
        for (size_t d = 0; d < ndomains; d++) {
            size_t T = start[d + 1] - start[d];
            if (!T)
                continue;
            used++;
            double acc[UNSPIN_LM_MIX_MAX] = {0};
            for (size_t t = start[d]; t < start[d + 1]; t++) {
                const double *p = c.p + t * k;
                double tot = 0;
                for (size_t i = 0; i < k; i++)
                    tot += l[i] * p[i];
                if (!(tot > 0))
                    continue;
                for (size_t i = 0; i < k; i++)
                    acc[i] += l[i] * p[i] / tot;
            }
            for (size_t i = 0; i < k; i++)
                nl[i] += acc[i] / (double)T;
        }
        double change = 0;
        for (size_t i = 0; i < k; i++) {
            nl[i] /= (double)used;
            change = fmax(change, fabs(nl[i] - l[i]));
            l[i] = nl[i];
        }
        if (change < 1e-7)
            break;
    }
    for (size_t i = 0; i < k; i++)
        weights[i] = l[i];
    if (ppl) {
        for (size_t d = 0; d < ndomains; d++) {
            size_t T = start[d + 1] - start[d];
            for (size_t i = 0; i <= k; i++) {
                double lp = 0;
                for (size_t t = start[d]; t < start[d + 1]; t++) {
                    const double *p = c.p + t * k;
                    double v = 0;
                    if (i < k) {
                        v = p[i];
                    } else {
                        for (size_t j = 0; j < k; j++)
                            v += l[j] * p[j];
                    }
                    lp += log10(v > 1e-99 ? v : 1e-99);
                }
                ppl[d * (k + 1) + i] = T ? pow(10.0, -lp / (double)T) : 0.0;
            }
        }
    }
    us_free(start);
    us_free(c.p);
    return UNSPIN_OK;
}

/* ===================================================================
 * Static mixture
 * =================================================================== */

/* Set of n-grams of one order (union ids), with their values. */
typedef struct gram_set {
    int n;
    uint32_t *keys; /* n per entry */
    float *prob, *bo;
    size_t count, cap;
    uint32_t *slot; /* index + 1 */
    size_t scap;
} gram_set;

static uint64_t key_hash(const uint32_t *key, int n) { return us_hash(key, sizeof(uint32_t) * (size_t)n); }

static size_t gs_find(const gram_set *s, const uint32_t *key)
{
    if (!s->scap)
        return SIZE_MAX;
    size_t h = (size_t)key_hash(key, s->n) & (s->scap - 1);
    while (s->slot[h]) {
        size_t i = s->slot[h] - 1;
        if (memcmp(s->keys + i * (size_t)s->n, key, sizeof(uint32_t) * (size_t)s->n) == 0)
            return i;
        h = (h + 1) & (s->scap - 1);
    }
    return SIZE_MAX;
}

static int gs_rehash(gram_set *s, size_t ncap)
{
    uint32_t *ns = us_calloc(ncap, sizeof(uint32_t));
    if (!ns)
        return UNSPIN_E_NOMEM;
    for (size_t i = 0; i < s->count; i++) {
        size_t h = (size_t)key_hash(s->keys + i * (size_t)s->n, s->n) & (ncap - 1);
        while (ns[h])
            h = (h + 1) & (ncap - 1);
        ns[h] = (uint32_t)(i + 1);
    }
    us_free(s->slot);
    s->slot = ns;
    s->scap = ncap;
    return UNSPIN_OK;
}

static int gs_insert(gram_set *s, const uint32_t *key)
{
    if (gs_find(s, key) != SIZE_MAX)
        return UNSPIN_OK;
    if (s->count >= UINT32_MAX - 1)
        return UNSPIN_E_LIMIT;
    if ((s->count + 1) * 2 > s->scap && gs_rehash(s, s->scap ? s->scap * 2 : 1024) < 0)
        return UNSPIN_E_NOMEM;
    size_t cap = s->cap;
    if (us_grow((void **)&s->keys, &cap, (s->count + 1) * (size_t)s->n, sizeof(uint32_t)) < 0)
        return UNSPIN_E_NOMEM;
    s->cap = cap;
    memcpy(s->keys + s->count * (size_t)s->n, key, sizeof(uint32_t) * (size_t)s->n);
    size_t h = (size_t)key_hash(key, s->n) & (s->scap - 1);
    while (s->slot[h])
        h = (h + 1) & (s->scap - 1);
    s->slot[h] = (uint32_t)(++s->count);
    return UNSPIN_OK;
}

static void gs_free(gram_set *s)
{
    us_free(s->keys);
    us_free(s->prob);
    us_free(s->bo);
    us_free(s->slot);
}

typedef struct mixer {
    const unspin_lm *const *lms;
    size_t k;
    const double *l;
    int order;
    /* union vocabulary */
    uint32_t nwords;
    const char **wstr;     /* union id -> word (owned by a component) */
    size_t wcap;
    uint32_t *wslot;       /* hash of words: id + 1 */
    size_t wscap;
    uint32_t *cid[UNSPIN_LM_MIX_MAX]; /* union id -> component id (UNK if absent) */
    uint32_t *map[UNSPIN_LM_MIX_MAX]; /* component id -> union id */
    gram_set g[MAX_N + 1];
    size_t cur_comp;
    int cur_n;
    int err_code;
} mixer;

static int vocab_add(mixer *m, const char *w, uint32_t *id)
{
    size_t len = strlen(w);
    size_t h = (size_t)us_hash(w, len) & (m->wscap - 1);
    while (m->wslot[h]) {
        uint32_t i = m->wslot[h] - 1;
        if (strcmp(m->wstr[i], w) == 0) {
            *id = i;
            return UNSPIN_OK;
        }
        h = (h + 1) & (m->wscap - 1);
    }
    if (us_grow((void **)&m->wstr, &m->wcap, (size_t)m->nwords + 1, sizeof(char *)) < 0)
        return UNSPIN_E_NOMEM;
    m->wstr[m->nwords] = w;
    m->wslot[h] = m->nwords + 1;
    *id = m->nwords++;
    if ((size_t)m->nwords * 2 > m->wscap) {
        size_t ncap = m->wscap * 2;
        uint32_t *ns = us_calloc(ncap, sizeof(uint32_t));
        if (!ns)
            return UNSPIN_E_NOMEM;
        for (uint32_t i = 0; i < m->nwords; i++) {
            size_t hh = (size_t)us_hash(m->wstr[i], strlen(m->wstr[i])) & (ncap - 1);
            while (ns[hh])
                hh = (hh + 1) & (ncap - 1);
            ns[hh] = i + 1;
        }
        us_free(m->wslot);
        m->wslot = ns;
        m->wscap = ncap;
    }
    return UNSPIN_OK;
}

static int collect_cb(void *vctx, int n, const unspin_word *ids, float logprob, float backoff)
{
    (void)logprob;
    (void)backoff;
    mixer *m = vctx;
    uint32_t key[MAX_N];
    uint32_t V = unspin_lm_vocab_size(m->lms[m->cur_comp]);
    for (int i = 0; i < n; i++) {
        if (ids[i] >= V) {
            m->err_code = UNSPIN_E_FORMAT;
            return 1;
        }
        key[i] = m->map[m->cur_comp][ids[i]];
    }
    int rc = gs_insert(&m->g[n], key);
    if (rc < 0) {
        m->err_code = rc;
        return 1;
    }
    return 0;
}

/* log10 p_i(w | h) in component i by its back-off; ids (union) oldest first, w last. */
static double comp_lp(const mixer *m, size_t i, const uint32_t *uids, int n)
{
    const unspin_lm *lm = m->lms[i];
    int ord = unspin_lm_order(lm);
    if (n > ord) {
        uids += n - ord;
        n = ord;
    }
    unspin_word ids[MAX_N];
    for (int j = 0; j < n; j++)
        ids[j] = m->cid[i][uids[j]];
    /* a word the component does not know has probability 0 there (as in
     * SRILM), so that the mixture stays normalised over the union */
    if (ids[n - 1] == UNSPIN_WORD_UNK && uids[n - 1] != 0)
        return -HUGE_VAL;
    double acc = 0;
    for (int len = n; len >= 1; len--) {
        const unspin_word *g = ids + (n - len);
        float p, bo;
        if (lm_lookup_ngram(lm, len, g, &p, &bo) == 0)
            return acc + (double)p;
        if (len == 1) /* not even the unigram: <unk> */
            return acc + (lm_lookup_ngram(lm, 1, (const unspin_word[]){UNSPIN_WORD_UNK}, &p, &bo) == 0 ? (double)p : -99.0);
        if (lm_lookup_ngram(lm, len - 1, g, &p, &bo) == 0)
            acc += (double)bo;
    }
    return acc;
}

/* log10 p_mix(w | h) in the mixture being built (orders < n done). */
static double mix_lp(const mixer *m, const uint32_t *uids, int n)
{
    double acc = 0;
    for (int len = n; len >= 1; len--) {
        const uint32_t *g = uids + (n - len);
        if (len == 1)
            return acc + (double)m->g[1].prob[g[0]];
        size_t at = gs_find(&m->g[len], g);
        if (at != SIZE_MAX)
            return acc + (double)m->g[len].prob[at];
        if (len - 1 == 1)
            acc += (double)m->g[1].bo[g[0]];
        else {
            size_t c = gs_find(&m->g[len - 1], g);
            if (c != SIZE_MAX)
                acc += (double)m->g[len - 1].bo[c];
        }
    }
    return acc;
}

static float mixed_prob(const mixer *m, const uint32_t *key, int n)
{
    double p = 0;
    for (size_t i = 0; i < m->k; i++)
        if (m->l[i] > 0)
            p += m->l[i] * pow(10.0, comp_lp(m, i, key, n));
    if (!(p > 0))
        return -99.0f;
    double lp = log10(p);
    return lp < -99.0 ? -99.0f : (float)lp;
}

static void mixer_free(mixer *m)
{
    us_free(m->wstr);
    us_free(m->wslot);
    for (size_t i = 0; i < UNSPIN_LM_MIX_MAX; i++) {
        us_free(m->cid[i]);
        us_free(m->map[i]);
    }
    for (int n = 0; n <= MAX_N; n++)
        gs_free(&m->g[n]);
}

static int mix_build(mixer *m, const char *path, unspin_error *err)
{
    /* union vocabulary: <unk> <s> </s> first */
    m->wscap = 1024;
    m->wslot = us_calloc(m->wscap, sizeof(uint32_t));
    if (!m->wslot)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    static const char *const special[3] = {"<unk>", "<s>", "</s>"};
    uint32_t id;
    for (int s = 0; s < 3; s++)
        if (vocab_add(m, special[s], &id) < 0)
            return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    for (size_t i = 0; i < m->k; i++) {
        uint32_t V = unspin_lm_vocab_size(m->lms[i]);
        m->map[i] = us_malloc(sizeof(uint32_t) * (V ? V : 1));
        if (!m->map[i])
            return us_error(err, UNSPIN_E_NOMEM, "out of memory");
        for (uint32_t w = 0; w < V; w++) {
            const char *s = unspin_lm_word_string(m->lms[i], w);
            if (!s)
                return us_error(err, UNSPIN_E_FORMAT, "model %zu: word id %u has no string", i + 1, w);
            if (vocab_add(m, s, &m->map[i][w]) < 0)
                return us_error(err, UNSPIN_E_NOMEM, "out of memory");
        }
    }
    for (size_t i = 0; i < m->k; i++) {
        m->cid[i] = us_calloc(m->nwords, sizeof(uint32_t)); /* 0 = <unk> */
        if (!m->cid[i])
            return us_error(err, UNSPIN_E_NOMEM, "out of memory");
        uint32_t V = unspin_lm_vocab_size(m->lms[i]);
        for (uint32_t w = 0; w < V; w++)
            m->cid[i][m->map[i][w]] = w;
    }
    /* union of the n-grams */
    m->order = 1;
    for (size_t i = 0; i < m->k; i++)
        if (unspin_lm_order(m->lms[i]) > m->order)
            m->order = unspin_lm_order(m->lms[i]);
    for (int n = 2; n <= m->order; n++) {
        m->g[n].n = n;
        for (size_t i = 0; i < m->k; i++) {
            if (unspin_lm_order(m->lms[i]) < n)
                continue;
            m->cur_comp = i;
            m->err_code = 0;
            lm_foreach_ngram(m->lms[i], n, collect_cb, m);
            if (m->err_code == UNSPIN_E_FORMAT)
                return us_error(err, UNSPIN_E_FORMAT, "model %zu: %d-gram with a word id out of range", i + 1, n);
            if (m->err_code < 0)
                return us_error(err, m->err_code, "out of memory or too many %d-grams", n);
        }
    }
    /* unigrams */
    gram_set *u = &m->g[1];
    u->n = 1;
    u->count = m->nwords;
    u->prob = us_malloc(sizeof(float) * m->nwords);
    u->bo = us_calloc(m->nwords, sizeof(float));
    if (!u->prob || !u->bo)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    for (uint32_t w = 0; w < m->nwords; w++)
        u->prob[w] = w == 1 ? -99.0f : mixed_prob(m, &w, 1);
    /* higher orders, then the back-offs of their contexts */
    for (int n = 2; n <= m->order; n++) {
        gram_set *g = &m->g[n], *lo = &m->g[n - 1];
        g->prob = us_malloc(sizeof(float) * (g->count ? g->count : 1));
        g->bo = us_calloc(g->count ? g->count : 1, sizeof(float));
        double *num = us_calloc(lo->count ? lo->count : 1, sizeof(double));
        double *den = us_calloc(lo->count ? lo->count : 1, sizeof(double));
        if (!g->prob || !g->bo || !num || !den) {
            us_free(num);
            us_free(den);
            return us_error(err, UNSPIN_E_NOMEM, "out of memory");
        }
        for (size_t j = 0; j < g->count; j++) {
            const uint32_t *key = g->keys + j * (size_t)n;
            g->prob[j] = mixed_prob(m, key, n);
            size_t c = n == 2 ? key[0] : gs_find(lo, key);
            if (c == SIZE_MAX)
                continue; /* context not in the union: cannot back off from it */
            num[c] += pow(10.0, (double)g->prob[j]);
            den[c] += pow(10.0, mix_lp(m, key + 1, n - 1));
        }
        for (size_t c = 0; c < lo->count; c++) {
            if (num[c] == 0 && den[c] == 0)
                continue;
            double a = 1.0 - num[c], b = 1.0 - den[c];
            if (a < 1e-12)
                a = 1e-12;
            if (b < 1e-12)
                b = 1e-12;
            double bo = log10(a / b);
            lo->bo[c] = (float)bo;
        }
        us_free(num);
        us_free(den);
    }
    /* write */
    uint64_t counts[MAX_N];
    counts[0] = m->nwords;
    for (int n = 2; n <= m->order; n++)
        counts[n - 1] = m->g[n].count;
    lm_sink sink;
    int rc = lm_sink_open(&sink, path, m->order, counts, err);
    for (uint32_t w = 0; w < m->nwords && rc >= 0; w++)
        rc = lm_sink_word(&sink, m->wstr[w], strlen(m->wstr[w]), u->prob[w], m->order > 1 ? u->bo[w] : 0.0f, err);
    for (int n = 2; n <= m->order && rc >= 0; n++)
        for (size_t j = 0; j < m->g[n].count && rc >= 0; j++)
            rc = lm_sink_ngram(&sink, n, m->g[n].keys + j * (size_t)n, m->g[n].prob[j],
                               n < m->order ? m->g[n].bo[j] : 0.0f, err);
    if (rc >= 0)
        rc = lm_sink_finish(&sink, err);
    lm_sink_free(&sink);
    return rc;
}

int unspin_lm_mix_write(const unspin_lm *const *lms, size_t k, const double *weights, const char *path,
                        unspin_error *err)
{
    if (k < 1 || k > UNSPIN_LM_MIX_MAX)
        return us_error(err, UNSPIN_E_INVALID, "mixture of %zu models (1..%d)", k, UNSPIN_LM_MIX_MAX);
    double sum = 0;
    for (size_t i = 0; i < k; i++) {
        if (!(weights[i] >= 0))
            return us_error(err, UNSPIN_E_INVALID, "mixture weight %zu is negative", i + 1);
        sum += weights[i];
    }
    if (fabs(sum - 1.0) > 1e-6)
        return us_error(err, UNSPIN_E_INVALID, "mixture weights sum to %g, not 1", sum);
    mixer m;
    memset(&m, 0, sizeof m);
    m.lms = lms;
    m.k = k;
    m.l = weights;
    int rc = mix_build(&m, path, err);
    mixer_free(&m);
    return rc;
}
