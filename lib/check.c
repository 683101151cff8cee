/*
 * check.c - how likely a text was spun, without its source (docs/check.md).
 *
 * Per content word (a lower-case or sentence-initial word that is not a
 * function word, not quoted): the language-model score of the observed word
 * and of its next token, log10 P(w|ctx) + log10 P(next|ctx,w), against the
 * same for the best few lexicon candidates; the word's unigram frequency;
 * whether a candidate is a much more frequent synonym; whether the word's
 * n-gram backs off to the unigram after a word context (an unusual
 * collocation); its cosine with the running mean vector of the paragraph's
 * earlier content words. Sums of these per paragraph give the features below;
 * a logistic model (.uscheck weights, fitted by data/tools/fit_check.c) maps
 * them to a probability. The document's probability is the content-weighted
 * mean of its paragraphs' log-odds. A paragraph's pooled probability
 * (unspin_check_pooled()) adds the evidence of the other paragraphs of its
 * document: their mean log-odds and the substitutions that repeat across
 * them (a spinner applies one table to the whole document).
 *
 * .uscheck file (little-endian):
 *   0  magic    8 bytes "USCHECK\x01" ("USCHECK~" while being written)
 *   8  version  u32 (4; version 3 files, without the pooling model, are read
 *               with the identity pooling: pooled = local)
 *  12  nfeat    u32 (UNSPIN_CHECK_NFEATURES)
 *  16  checksum u64, XXH64 of the bytes from 24 to the end
 *  24  two parts (short texts, paragraphs), each mean[nfeat], sd[nfeat],
 *      w[nfeat], bias; then the word model: mean[nw], sd[nw], w[nw], bias
 *      (nw = UNSPIN_CHECK_NWORDFEATURES); then (v4) the pooling model:
 *      mean[np], sd[np], w[np], bias (np = US_CHECK_NPOOL), tau, prior[ng]
 *      (ng = US_CHECK_NGRID); IEEE doubles as u64
 */
#include "check_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CK_MAGIC "USCHECK\x01"
#define CK_MAGIC_INCOMPLETE "USCHECK~"
#define CK_VERSION 4u
#define CK_VERSION_NOPOOL 3u /* read too: no pooling model */
#define CK_HEADER 24u
#define CK_PART ((3u * UNSPIN_CHECK_NFEATURES + 1u) * 8u)
#define CK_WPART ((3u * UNSPIN_CHECK_NWORDFEATURES + 1u) * 8u)
#define CK_PPART ((3u * US_CHECK_NPOOL + 2u + US_CHECK_NGRID) * 8u)
#define CK_BODY_V3 (2u * CK_PART + CK_WPART)
#define CK_BODY (CK_BODY_V3 + CK_PPART)
#define CK_LIST_WORDS 5     /* a line of at most this many words without . ! ? is a list item */
#define CK_ZCLIP 10.0       /* paragraph log-odds clipped to +-this for pooling */

#define CK_MAX_CANDS 12      /* lexicon candidates scored per word */
#define CK_DELTA_CLIP 5.0   /* log10 gains above this count as this */
#define CK_SPAN_MIN 1.0     /* a word is reported when a candidate is 10x more probable */
#define CK_RARE_GAP 1.5     /* "rare synonym": a candidate 30x more frequent */
#define CK_RARE_WORD (-5.0) /* unigram log10 probability of a rare word */
#define CK_STRONG 2.0      /* a strong gain: the candidate is 100 times more probable */
#define CK_WORD_PRIOR 0.17  /* share of replaced words in the word model's training data */
#define CK_MIX_RATE 0.2     /* share of replaced words assumed by feature 26 */
#define CK_CHUNK 20         /* content words per chunk of a long paragraph */
#define CK_NAME_UNI (-5.5)  /* sentence-initial capitalised words rarer than this are names */
#define CK_LEFT_MARGIN 1.5f /* candidates this much (log10) below the word on the left are not scored further */
#define CK_TOP_RIGHT 2      /* nor are candidates below the best two on the left */
#define CK_RARE_CAND 1.0f   /* candidates 10x rarer than the word are not kept */
#define CK_SKIP_FIT 2.0     /* words with a two-sided gain above this are not looked up */
#define CK_LOW_FIT 0.5      /* two-sided context gain of an out-of-place word */
#define CK_CHANGE_COST 0.5  /* log10 cost of a change in the greedy restoration */
#define CK_LOW_PMI 0.3      /* a context that barely helps: an unusual collocation */

/* ------------------------------------------------------------- weights */

struct unspin_check_weights {
    us_check_model m;
};

/* Feature order (docs/check.md):
 *  0 mean positive gain of the best candidate (log10, clipped)
 *  1 largest gain
 *  2 share of content words with gain >= 1
 *  3 mean unigram log10 probability of the content words
 *  4 share of content words that are rare synonyms of a frequent candidate
 *  5 share of content words whose n-gram backs off to the unigram
 *  6 mean cosine with the paragraph's running topic vector
 *  7 mean log10 probability of all tokens (context model)
 *  8 share of rare content words
 *  9 log(1 + number of content words)
 * 10 mean context gain (log10 P(w|ctx) - log10 P(w)) of content words after a word
 * 11 share of those with a gain below CK_LOW_PMI
 * 12 share of content words with a gain >= CK_STRONG to a more frequent candidate
 * 13 log(1 + number of content words with a gain >= CK_STRONG)
 * 14 mean of the three largest gains (0 for missing ones)
 * 15 greedy restoration gain per content word: left to right, each content
 *    word is replaced by its best candidate in the restored context when that
 *    beats it by CK_CHANGE_COST; (log10 P(restored) - changes * cost -
 *    log10 P(observed)) / content words
 * 16 share of content words the greedy restoration changed
 * 17 mean two-sided context gain of content words: [log10 P(w|ctx) -
 *    log10 P(w)] + [log10 P(next|ctx,w) - log10 P(next)], each side clipped
 *    to [-3, 3]
 * 18 share of content words with a two-sided gain below CK_LOW_FIT
 * 19 mean of the three lowest two-sided gains, negated (0 for missing ones)
 * 20-22 the frequency-normalised gain, max over candidates of
 *    [gain(c) - (log10 P(c) - log10 P(w))], i.e. how much better the
 *    candidate fits the context beyond being more frequent: mean of its
 *    positive part (clipped), largest value, share of words with >= 1
 * 23-25 the word model (P(word is a replacement) from the word features
 *    below): mean log-odds, share of words with p >= 0.5, mean of the three
 *    largest log-odds
 * 26 mean over content words of the mixture log-likelihood ratio
 *    log(1 - r + r LR(w)), LR(w) the word model's likelihood ratio (its odds
 *    over the odds of the training prior CK_WORD_PRIOR) and r = CK_MIX_RATE:
 *    the evidence that a share r of the words was replaced
 * 27 the same summed over the paragraph, as sign(x) log(1 + |x|)
 * 28 "a"/"an" disagreeing with the next word, per content word
 *
 * Word features (unspin_check_word.features): 0 gain (clipped to [-5, 5], 0
 * without candidate), 1 frequency-normalised gain (same), 2 has a candidate,
 * 3 two-sided fit, 4 unigram log10 P, 5 left PMI (0 without a word context),
 * 6 backs off to the unigram after a word, 7 has a word context, 8 rare
 * synonym of a frequent candidate, 9 cosine with the topic (0 if none),
 * 10 has a cosine, 11 unknown to the LM, 12 right context gain
 * log10 P(next|ctx,w) - log10 P(next) (clipped to [-3, 3]), 13 log(1 + lexicon
 * links) of the best candidate, 14 its vector similarity to the word,
 * 15 log(1 + number of lexicon candidates) (0 when not looked up).
 * Gains (0-2, 12-14) are measured in the restored context. */
/* The pooling model that keeps the local probability (f0 is the local log-odds). */
static void us_check_pool_identity(us_check_ppart *m)
{
    memset(m, 0, sizeof *m);
    for (int i = 0; i < US_CHECK_NPOOL; i++)
        m->sd[i] = 1;
    m->w[0] = 1;
    m->tau = 1;
    for (int k = 0; k < US_CHECK_NGRID; k++)
        m->prior[k] = 1.0 / US_CHECK_NGRID;
}

void us_check_pool_ll(const us_check_ppart *m, double z, double sign, double *ll)
{
    double a = m->tau * z;
    for (int k = 0; k < US_CHECK_NGRID; k++) {
        double pi = (double)k / (US_CHECK_NGRID - 1);
        double x = pi > 0 ? log(pi) + a : -INFINITY, y = pi < 1 ? log1p(-pi) : -INFINITY;
        double hi = x > y ? x : y, lo = x > y ? y : x;
        ll[k] += sign * (hi + log1p(exp(lo - hi)));
    }
}

void us_check_pool_derived(double *f)
{
    double e = 1.0 / (1.0 + exp(-f[1]));
    f[2] = f[0] * 4 * e * (1 - e);
}

double us_check_pool_prior(const us_check_ppart *m, const double *ll)
{
    double top = -INFINITY;
    for (int k = 0; k < US_CHECK_NGRID; k++)
        if (m->prior[k] > 0 && ll[k] > top)
            top = ll[k];
    double num = 0, den = 0;
    for (int k = 0; k < US_CHECK_NGRID; k++) {
        if (!(m->prior[k] > 0))
            continue;
        double w = m->prior[k] * exp(ll[k] - top);
        num += w * (double)k / (US_CHECK_NGRID - 1);
        den += w;
    }
    double e = den > 0 ? num / den : 0.5;
    e = e < 1e-4 ? 1e-4 : e > 1 - 1e-4 ? 1 - 1e-4 : e;
    return log(e / (1 - e));
}

void us_check_model_default(us_check_model *m)
{
    static const double mean[UNSPIN_CHECK_NFEATURES] = {0.5, 1.4, 0.2, -4.4, 0.02, 0.3, 0.3, -3.0, 0.2, 1.6, 1.0, 0.4,
                                                        0.1, 0.5, 1.0, 0.3, 0.1, 1.5, 0.3, 0.0, 0.3, 1.0, 0.1,
                                                        -1.5, 0.2, 0.0, 0.0, 0.0, 0.01};
    static const double sd[UNSPIN_CHECK_NFEATURES] = {0.5, 1.2, 0.25, 0.7, 0.08, 0.3, 0.1, 0.8, 0.3, 0.7, 0.8, 0.3,
                                                      0.15, 0.5, 1.0, 0.4, 0.15, 1.0, 0.2, 1.0, 0.3, 1.0, 0.1,
                                                      1.0, 0.2, 1.5, 0.3, 2.0, 0.05};
    static const double w[UNSPIN_CHECK_NFEATURES] = {0.6, 0.2, 0.2, -0.3, 0.1, 0.3, -0.2, -0.4, 0.2, 0.0, -0.5, 0.4,
                                                     0.3, 0.3, 0.3, 0.4, 0.3, -0.3, 0.3, 0.3, 0.3, 0.2, 0.2,
                                                     0.8, 0.5, 0.5, 0.5, 0.5, 0.3};
    /* word model: gain, normalised gain, has candidate, fit, unigram, left
     * PMI, back-off, has left context, rare synonym, cosine, has vector, unknown */
    static const double wmean[UNSPIN_CHECK_NWORDFEATURES] = {-1.5, -1.5, 0.7, 1.2, -4.4, 0.5, 0.5, 0.9, 0.02, 0.3,
                                                             0.8, 0.05, 0.5, 1.0, 0.3, 2.5};
    static const double wsd[UNSPIN_CHECK_NWORDFEATURES] = {2.5, 2.5, 0.45, 1.5, 1.0, 1.0, 0.5, 0.3, 0.15, 0.15,
                                                           0.4, 0.2, 1.0, 0.7, 0.3, 1.2};
    static const double ww[UNSPIN_CHECK_NWORDFEATURES] = {1.2, 0.4, 0.0, -0.6, -0.4, -0.3, 0.2, 0.0, 0.1, -0.2,
                                                          0.0, 0.2, -0.2, 0.1, 0.1, 0.0};
    memcpy(m->word.mean, wmean, sizeof wmean);
    memcpy(m->word.sd, wsd, sizeof wsd);
    memcpy(m->word.w, ww, sizeof ww);
    m->word.bias = -1.5;
    us_check_pool_identity(&m->pool);
    for (int k = 0; k < 2; k++) {
        memcpy(m->part[k].mean, mean, sizeof mean);
        memcpy(m->part[k].sd, sd, sizeof sd);
        memcpy(m->part[k].w, w, sizeof w);
        m->part[k].bias = 0.0;
    }
}

double us_check_wpart_z(const us_check_wpart *m, const double *x)
{
    double z = m->bias;
    for (int i = 0; i < UNSPIN_CHECK_NWORDFEATURES; i++)
        z += m->w[i] * (x[i] - m->mean[i]) / m->sd[i];
    return z > 40 ? 40 : z < -40 ? -40 : z;
}

double us_check_ppart_z(const us_check_ppart *m, const double *f)
{
    double z = m->bias;
    for (int i = 0; i < US_CHECK_NPOOL; i++)
        z += m->w[i] * (f[i] - m->mean[i]) / m->sd[i];
    return z > 40 ? 40 : z < -40 ? -40 : z;
}

double us_check_part_p(const us_check_part *m, const double *f)
{
    double z = m->bias;
    for (int i = 0; i < UNSPIN_CHECK_NFEATURES; i++)
        z += m->w[i] * (f[i] - m->mean[i]) / m->sd[i];
    if (z > 40)
        z = 40;
    if (z < -40)
        z = -40;
    return 1.0 / (1.0 + exp(-z));
}

static uint64_t dbits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}
static double bitsd(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

int us_check_model_write(const us_check_model *mod, const char *path, unspin_error *err)
{
    unsigned char buf[CK_HEADER + CK_BODY];
    for (unsigned k = 0; k < 2; k++) {
        const us_check_part *m = &mod->part[k];
        unsigned char *b = buf + CK_HEADER + k * CK_PART;
        for (int i = 0; i < UNSPIN_CHECK_NFEATURES; i++) {
            if (!isfinite(m->mean[i]) || !isfinite(m->w[i]) || !(m->sd[i] > 0) || !isfinite(m->sd[i]))
                return us_error(err, UNSPIN_E_INVALID, "%s: part %u, feature %d: weight, mean or sd not usable", path,
                                k, i);
            us_store64(b + 8u * (unsigned)i, dbits(m->mean[i]));
            us_store64(b + 8u * (unsigned)(UNSPIN_CHECK_NFEATURES + i), dbits(m->sd[i]));
            us_store64(b + 8u * (unsigned)(2 * UNSPIN_CHECK_NFEATURES + i), dbits(m->w[i]));
        }
        if (!isfinite(m->bias))
            return us_error(err, UNSPIN_E_INVALID, "%s: part %u: bias is not finite", path, k);
        us_store64(b + 8u * 3u * UNSPIN_CHECK_NFEATURES, dbits(m->bias));
    }
    {
        const us_check_wpart *m = &mod->word;
        unsigned char *b = buf + CK_HEADER + 2u * CK_PART;
        for (int i = 0; i < UNSPIN_CHECK_NWORDFEATURES; i++) {
            if (!isfinite(m->mean[i]) || !isfinite(m->w[i]) || !(m->sd[i] > 0) || !isfinite(m->sd[i]))
                return us_error(err, UNSPIN_E_INVALID, "%s: word feature %d: weight, mean or sd not usable", path, i);
            us_store64(b + 8u * (unsigned)i, dbits(m->mean[i]));
            us_store64(b + 8u * (unsigned)(UNSPIN_CHECK_NWORDFEATURES + i), dbits(m->sd[i]));
            us_store64(b + 8u * (unsigned)(2 * UNSPIN_CHECK_NWORDFEATURES + i), dbits(m->w[i]));
        }
        if (!isfinite(m->bias))
            return us_error(err, UNSPIN_E_INVALID, "%s: word model: bias is not finite", path);
        us_store64(b + 8u * 3u * UNSPIN_CHECK_NWORDFEATURES, dbits(m->bias));
    }
    {
        const us_check_ppart *m = &mod->pool;
        unsigned char *b = buf + CK_HEADER + CK_BODY_V3;
        for (int i = 0; i < US_CHECK_NPOOL; i++) {
            if (!isfinite(m->mean[i]) || !isfinite(m->w[i]) || !(m->sd[i] > 0) || !isfinite(m->sd[i]))
                return us_error(err, UNSPIN_E_INVALID, "%s: pooling feature %d: weight, mean or sd not usable", path, i);
            us_store64(b + 8u * (unsigned)i, dbits(m->mean[i]));
            us_store64(b + 8u * (unsigned)(US_CHECK_NPOOL + i), dbits(m->sd[i]));
            us_store64(b + 8u * (unsigned)(2 * US_CHECK_NPOOL + i), dbits(m->w[i]));
        }
        if (!isfinite(m->bias))
            return us_error(err, UNSPIN_E_INVALID, "%s: pooling model: bias is not finite", path);
        us_store64(b + 8u * 3u * US_CHECK_NPOOL, dbits(m->bias));
        if (!isfinite(m->tau) || m->tau < 0)
            return us_error(err, UNSPIN_E_INVALID, "%s: pooling model: tau not usable", path);
        us_store64(b + 8u * (3u * US_CHECK_NPOOL + 1u), dbits(m->tau));
        for (int k = 0; k < US_CHECK_NGRID; k++) {
            if (!isfinite(m->prior[k]) || m->prior[k] < 0)
                return us_error(err, UNSPIN_E_INVALID, "%s: pooling model: prior %d not usable", path, k);
            us_store64(b + 8u * (3u * US_CHECK_NPOOL + 2u + (unsigned)k), dbits(m->prior[k]));
        }
    }
    memcpy(buf, CK_MAGIC_INCOMPLETE, 8);
    us_store32(buf + 8, CK_VERSION);
    us_store32(buf + 12, UNSPIN_CHECK_NFEATURES);
    us_store64(buf + 16, us_checksum(buf + CK_HEADER, CK_BODY));
    FILE *f = fopen(path, "wb");
    if (!f)
        return us_error(err, UNSPIN_E_IO, "%s: cannot create: %s", path, strerror(errno));
    int ok = fwrite(buf, 1, sizeof buf, f) == sizeof buf && fflush(f) == 0;
    ok = ok && fseek(f, 0, SEEK_SET) == 0 && fwrite(CK_MAGIC, 1, 8, f) == 8;
    if (fclose(f) != 0)
        ok = 0;
    if (!ok)
        return us_error(err, UNSPIN_E_IO, "%s: write error", path);
    return UNSPIN_OK;
}

int unspin_check_weights_open(const char *path, unspin_check_weights **out, unspin_error *err)
{
    if (!path || !out)
        return us_error(err, UNSPIN_E_INVALID, "unspin_check_weights_open: NULL argument");
    *out = NULL;
    us_map map;
    US_TRY(us_map_open(path, &map, err));
    const unsigned char *d = map.data;
    int rc = UNSPIN_OK;
    uint32_t version = map.size >= CK_HEADER ? us_load32(d + 8) : 0;
    int pooled = version == CK_VERSION;
    unsigned body = pooled ? CK_BODY : CK_BODY_V3;
    if (map.size < CK_HEADER || (memcmp(d, CK_MAGIC, 8) != 0 && memcmp(d, CK_MAGIC_INCOMPLETE, 8) != 0))
        rc = us_error(err, UNSPIN_E_FORMAT, "%s: not a check weights file (bad magic)", path);
    else if (memcmp(d, CK_MAGIC_INCOMPLETE, 8) == 0)
        rc = us_error(err, UNSPIN_E_INCOMPLETE, "%s: incomplete check weights (their build failed; rebuild them)", path);
    else if (version != CK_VERSION && version != CK_VERSION_NOPOOL)
        rc = us_error(err, UNSPIN_E_VERSION, "%s: check weights version %u, expected %u (or %u)", path,
                      (unsigned)version, CK_VERSION, CK_VERSION_NOPOOL);
    else if (us_load32(d + 12) != UNSPIN_CHECK_NFEATURES)
        rc = us_error(err, UNSPIN_E_FORMAT, "%s: offset 12: %u features, expected %u", path,
                      (unsigned)us_load32(d + 12), (unsigned)UNSPIN_CHECK_NFEATURES);
    else if (map.size != CK_HEADER + body)
        rc = us_error(err, UNSPIN_E_FORMAT, "%s: size %zu bytes, expected %u", path, map.size, CK_HEADER + body);
    else if (us_checksum(d + CK_HEADER, body) != us_load64(d + 16))
        rc = us_error(err, UNSPIN_E_CHECKSUM, "%s: checksum mismatch (file is corrupt; rebuild it)", path);
    unspin_check_weights *w = NULL;
    if (rc == UNSPIN_OK) {
        w = us_calloc(1, sizeof *w);
        if (!w)
            rc = us_error(err, UNSPIN_E_NOMEM, "%s: out of memory", path);
    }
    for (unsigned k = 0; k < 2 && rc == UNSPIN_OK; k++) {
        us_check_part *m = &w->m.part[k];
        const unsigned char *b = d + CK_HEADER + k * CK_PART;
        for (int i = 0; i < UNSPIN_CHECK_NFEATURES && rc == UNSPIN_OK; i++) {
            m->mean[i] = bitsd(us_load64(b + 8u * (unsigned)i));
            m->sd[i] = bitsd(us_load64(b + 8u * (unsigned)(UNSPIN_CHECK_NFEATURES + i)));
            m->w[i] = bitsd(us_load64(b + 8u * (unsigned)(2 * UNSPIN_CHECK_NFEATURES + i)));
            if (!isfinite(m->mean[i]) || !isfinite(m->w[i]) || !isfinite(m->sd[i]) || !(m->sd[i] > 0))
                rc = us_error(err, UNSPIN_E_FORMAT, "%s: offset %u: part %u, feature %d: value out of range", path,
                              CK_HEADER + k * CK_PART + 8u * (unsigned)i, k, i);
        }
        m->bias = bitsd(us_load64(b + 8u * 3u * UNSPIN_CHECK_NFEATURES));
        if (rc == UNSPIN_OK && !isfinite(m->bias))
            rc = us_error(err, UNSPIN_E_FORMAT, "%s: part %u: bias out of range", path, k);
    }
    if (rc == UNSPIN_OK) {
        us_check_wpart *m = &w->m.word;
        const unsigned char *b = d + CK_HEADER + 2u * CK_PART;
        for (int i = 0; i < UNSPIN_CHECK_NWORDFEATURES && rc == UNSPIN_OK; i++) {
            m->mean[i] = bitsd(us_load64(b + 8u * (unsigned)i));
            m->sd[i] = bitsd(us_load64(b + 8u * (unsigned)(UNSPIN_CHECK_NWORDFEATURES + i)));
            m->w[i] = bitsd(us_load64(b + 8u * (unsigned)(2 * UNSPIN_CHECK_NWORDFEATURES + i)));
            if (!isfinite(m->mean[i]) || !isfinite(m->w[i]) || !isfinite(m->sd[i]) || !(m->sd[i] > 0))
                rc = us_error(err, UNSPIN_E_FORMAT, "%s: offset %u: word feature %d: value out of range", path,
                              CK_HEADER + 2u * CK_PART + 8u * (unsigned)i, i);
        }
        m->bias = bitsd(us_load64(b + 8u * 3u * UNSPIN_CHECK_NWORDFEATURES));
        if (rc == UNSPIN_OK && !isfinite(m->bias))
            rc = us_error(err, UNSPIN_E_FORMAT, "%s: word model: bias out of range", path);
    }
    if (rc == UNSPIN_OK && !pooled)
        us_check_pool_identity(&w->m.pool);
    if (rc == UNSPIN_OK && pooled) {
        us_check_ppart *m = &w->m.pool;
        const unsigned char *b = d + CK_HEADER + CK_BODY_V3;
        for (int i = 0; i < US_CHECK_NPOOL && rc == UNSPIN_OK; i++) {
            m->mean[i] = bitsd(us_load64(b + 8u * (unsigned)i));
            m->sd[i] = bitsd(us_load64(b + 8u * (unsigned)(US_CHECK_NPOOL + i)));
            m->w[i] = bitsd(us_load64(b + 8u * (unsigned)(2 * US_CHECK_NPOOL + i)));
            if (!isfinite(m->mean[i]) || !isfinite(m->w[i]) || !isfinite(m->sd[i]) || !(m->sd[i] > 0))
                rc = us_error(err, UNSPIN_E_FORMAT, "%s: offset %u: pooling feature %d: value out of range", path,
                              CK_HEADER + CK_BODY_V3 + 8u * (unsigned)i, i);
        }
        m->bias = bitsd(us_load64(b + 8u * 3u * US_CHECK_NPOOL));
        m->tau = bitsd(us_load64(b + 8u * (3u * US_CHECK_NPOOL + 1u)));
        double total = 0;
        for (int k = 0; k < US_CHECK_NGRID; k++) {
            m->prior[k] = bitsd(us_load64(b + 8u * (3u * US_CHECK_NPOOL + 2u + (unsigned)k)));
            if (!isfinite(m->prior[k]) || m->prior[k] < 0)
                total = NAN;
            else
                total += m->prior[k];
        }
        if (rc == UNSPIN_OK && (!isfinite(m->bias) || !isfinite(m->tau) || m->tau < 0 || !(total > 0)))
            rc = us_error(err, UNSPIN_E_FORMAT, "%s: pooling model: bias, tau or prior out of range", path);
    }
    us_map_close(&map);
    if (rc != UNSPIN_OK) {
        us_free(w);
        return rc;
    }
    *out = w;
    return UNSPIN_OK;
}

void unspin_check_weights_close(unspin_check_weights *w) { us_free(w); }

const us_check_model *us_check_weights_model(const unspin_check_weights *w) { return &w->m; }

/* ------------------------------------------------------------- checker */

typedef struct ck_sums {
    double content;  /* content words */
    double gain;     /* sum of clipped positive gains */
    double maxgain;
    double ngain;    /* gains >= CK_SPAN_MIN */
    double uni;      /* sum of unigram log10 p */
    double raresyn;
    double backoff;
    double cos, ncos;
    double lp, nlp;  /* all tokens */
    double rare;
    double pmi, npmi;  /* context gain log10 P(w|ctx) - log10 P(w) of content words after a word */
    double lowpmi;     /* ... of which below CK_LOW_PMI */
    double strong;     /* gain >= CK_STRONG to a more frequent candidate */
    double nstrong;    /* gain >= CK_STRONG */
    double top[3];     /* the three largest clipped gains, largest first */
    double jr, jo;     /* log10 P of the greedily restored text and of the observed text */
    double restored;   /* content words the greedy pass changed */
    double fit, nfit;  /* two-sided context gain of content words: left + right PMI */
    double lowfit;     /* ... below CK_LOW_FIT */
    double worst[3];   /* the three lowest two-sided gains, negated (largest first) */
    double ngainn, maxgainn, sgainn; /* frequency-normalised gain: count >= 1, max, sum of positive */
    double wz, nwz;    /* word model log-odds: sum, count */
    double wpos;       /* words with p >= 0.5 */
    double llr;        /* sum of the words' mixture log-likelihood ratios */
    double article;    /* "a"/"an" that do not agree with the next word */
    double topz[3];    /* the three largest word log-odds */
    int ntopz;
} ck_sums;

struct unspin_checker {
    const unspin_lm *lm;
    const unspin_lexicon *lex;
    us_check_model m;
    unspin_tokenizer *tk;
    unspin_candidates *cands;
    unspin_lm_state begin, null;
    unspin_word eos;
    int dim;
    float *vec, *topic;
    float *vpool;           /* CK_VEC_SLOTS vectors of the words in vkey */
    uint32_t *vkey;         /* LM id + 1 of the word whose vector a slot holds (0: empty) */
    uint8_t *vhas;          /* the word has a vector */
    size_t ntopic;
    double doc_z, doc_weight; /* content-weighted sum of paragraph log-odds, and the weight */
    size_t paragraphs;
    /* pooling (unspin_check_pooled()): per paragraph of the document, and
     * per content word with a candidate its substitution pair (the word, its
     * best candidate) and whether the candidate won (greedy restoration) */
    struct ck_para *paras;  /* `paragraphs` of them */
    size_t cappara;
    uint32_t *prec;         /* pair type << 1 | won, per content word with a candidate */
    size_t nprec, capprec;
    uint64_t *ptkey;        /* open addressing: pair key (0: empty) */
    uint32_t *ptslot;       /* ... its type index */
    size_t ptcap;           /* slots (power of 2) */
    uint32_t *twins;        /* per pair type: wins in pooled paragraphs */
    uint32_t *ttmp;         /* per pair type: scratch (zero between calls) */
    size_t ntypes, captypes;
    double pool_m, pool_rep, pool_content; /* totals of the pooled paragraphs: count, repeated wins, content words */
    double pool_list;       /* list items (lines with words, not pooled) */
    double pool_ll[US_CHECK_NGRID]; /* their log-likelihood under each document share (us_check_pool_ll()) */
    unspin_check_span *spans;
    size_t nspans, capspans;
    struct ck_entry *cache; /* direct-mapped: word -> its candidates' LM ids */
    float *unigram;         /* LM id -> unigram log10 P, filled lazily (1 = not yet) */
    uint32_t vocab;
    unspin_check_word *words; /* per content word results */
    size_t capwords;
    unspin_token *units;    /* the paragraph's tokens, unknown hyphenated words split */
    size_t capunits;
    unspin_word *uids;      /* their LM ids */
    size_t capuids;
    char *upool;            /* NUL-terminated norms of the split parts */
    size_t capupool;
    char *pool;      /* suggestion strings */
    size_t npool, cappool;
    unspin_check_result res;
};

typedef struct ck_para {
    double z, w;       /* local log-odds (clipped) and content words */
    double p;          /* local probability */
    size_t rec0, nrec; /* its pair records prec[rec0 .. rec0 + nrec) */
    int pooled;        /* running text with content words (not a list item) */
} ck_para;

/* Candidate cache entry. Words repeat (Zipf), so the lexicon lookup, the
 * dominant cost, is done once per word type while it stays in the cache. */
#define CK_CACHE_SLOTS (1u << 16)
#define CK_CACHE_WORD 31
#define CK_VEC_SLOTS (1u << 13) /* cached word vectors */
typedef struct ck_entry {
    uint64_t hash;
    unspin_word id;                /* the word's LM id; UNSPIN_WORD_UNK: see word */
    char word[CK_CACHE_WORD + 1];  /* an unknown word's text */
    uint8_t ncand;
    uint8_t raresyn;               /* a synonym candidate CK_RARE_GAP more frequent */
    uint8_t looked;                /* the candidates were looked up */
    float uni;                     /* unigram log10 P of the word */
    unspin_word cand[CK_MAX_CANDS]; /* single-word candidates known to the LM */
    float cuni[CK_MAX_CANDS];       /* their unigram log10 P */
    float csim[CK_MAX_CANDS];       /* their vector similarity to the word (0: unknown) */
    uint16_t clinks[CK_MAX_CANDS];  /* their number of lexicon links to the word */
    uint16_t nlex;                  /* lexicon candidates found (before filtering) */
} ck_entry;

/* Function words: not scored as content words (their swaps still show in
 * the context-model feature). Sorted for bsearch. */
static const char *const ck_function[] = {
    "'d", "'ll", "'m", "'re", "'s", "'ve", "a", "about", "above", "after", "again", "against", "all",
    "also", "am", "among", "an", "and", "another", "any", "are", "around", "as", "at", "be", "because",
    "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do",
    "does", "doing", "done", "down", "during", "each", "either", "even", "ever", "every", "few", "for",
    "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him",
    "himself", "his", "how", "however", "i", "if", "in", "into", "is", "it", "its", "itself", "just",
    "least", "less", "may", "me", "might", "mine", "more", "most", "mr", "mrs", "ms", "much", "must",
    "my", "myself", "n't", "neither", "no", "nor", "not", "now", "of", "off", "on", "once", "one",
    "only", "onto", "or", "other", "others", "ought", "our", "ours", "ourselves", "out", "over", "own",
    "same", "shall", "she", "should", "since", "so", "some", "such", "than", "that", "the", "their",
    "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "though",
    "through", "thus", "to", "too", "toward", "towards", "under", "until", "up", "upon", "us", "very",
    "was", "we", "were", "what", "when", "where", "whether", "which", "while", "who", "whom", "whose",
    "why", "will", "with", "within", "without", "would", "yet", "you", "your", "yours", "yourself",
};

static int ck_cmp(const void *a, const void *b)
{
    return strcmp((const char *)a, *(const char *const *)b);
}

static int is_function(const char *w)
{
    return bsearch(w, ck_function, US_ARRAY_LEN(ck_function), sizeof ck_function[0], ck_cmp) != NULL;
}

static int alpha_word(const unspin_token *t)
{
    if (t->norm_length < 2)
        return 0;
    for (size_t i = 0; i < t->norm_length; i++) {
        unsigned char ch = (unsigned char)t->norm[i];
        if (ch < 0x80 && !(ch >= 'a' && ch <= 'z') && ch != '-' && ch != '\'')
            return 0;
    }
    return 1;
}

int unspin_checker_create(const unspin_lm *lm, const unspin_lexicon *lex, const unspin_check_weights *weights,
                          unspin_checker **out, unspin_error *err)
{
    if (!lm || !lex || !out)
        return us_error(err, UNSPIN_E_INVALID, "unspin_checker_create: NULL model or output");
    *out = NULL;
    unspin_checker *c = us_calloc(1, sizeof *c);
    if (!c)
        return us_error(err, UNSPIN_E_NOMEM, "checker: out of memory");
    c->lm = lm;
    c->lex = lex;
    if (weights)
        c->m = weights->m;
    else
        us_check_model_default(&c->m);
    unspin_lm_begin_state(lm, &c->begin);
    unspin_lm_null_state(lm, &c->null);
    c->eos = unspin_lm_eos(lm);
    c->dim = unspin_lexicon_dim(lex);
    int rc = unspin_tokenizer_create(&c->tk, err);
    if (rc == UNSPIN_OK)
        rc = unspin_candidates_create(&c->cands, err);
    if (rc == UNSPIN_OK && !(c->cache = us_calloc(CK_CACHE_SLOTS, sizeof *c->cache)))
        rc = us_error(err, UNSPIN_E_NOMEM, "checker: out of memory");
    c->vocab = unspin_lm_vocab_size(lm);
    if (rc == UNSPIN_OK && !(c->unigram = us_malloc((size_t)c->vocab * sizeof(float) + 1)))
        rc = us_error(err, UNSPIN_E_NOMEM, "checker: out of memory");
    for (uint32_t i = 0; rc == UNSPIN_OK && i < c->vocab; i++)
        c->unigram[i] = 1.0f;
    if (rc == UNSPIN_OK && c->dim > 0) {
        c->vec = us_calloc((size_t)c->dim * 2, sizeof(float));
        c->vpool = us_malloc((size_t)CK_VEC_SLOTS * (size_t)c->dim * sizeof(float));
        c->vkey = us_calloc(CK_VEC_SLOTS, sizeof *c->vkey);
        c->vhas = us_calloc(CK_VEC_SLOTS, 1);
        if (!c->vec || !c->vpool || !c->vkey || !c->vhas)
            rc = us_error(err, UNSPIN_E_NOMEM, "checker: out of memory");
        else
            c->topic = c->vec + c->dim;
    }
    if (rc != UNSPIN_OK) {
        unspin_checker_free(c);
        return rc;
    }
    *out = c;
    return UNSPIN_OK;
}

void unspin_checker_free(unspin_checker *c)
{
    if (!c)
        return;
    unspin_tokenizer_free(c->tk);
    unspin_candidates_free(c->cands);
    us_free(c->vec);
    us_free(c->vpool);
    us_free(c->vkey);
    us_free(c->vhas);
    us_free(c->spans);
    us_free(c->pool);
    us_free(c->cache);
    us_free(c->unigram);
    us_free(c->units);
    us_free(c->uids);
    us_free(c->words);
    us_free(c->upool);
    us_free(c->paras);
    us_free(c->prec);
    us_free(c->ptkey);
    us_free(c->ptslot);
    us_free(c->twins);
    us_free(c->ttmp);
    us_free(c);
}

void us_checker_set_model(unspin_checker *c, const us_check_model *m)
{
    c->m = *m;
}

void unspin_checker_reset(unspin_checker *c)
{
    if (!c)
        return;
    c->doc_z = c->doc_weight = 0;
    c->paragraphs = 0;
    c->nprec = c->ntypes = 0;
    if (c->ptkey)
        memset(c->ptkey, 0, c->ptcap * sizeof *c->ptkey);
    c->pool_m = c->pool_rep = c->pool_content = c->pool_list = 0;
    memset(c->pool_ll, 0, sizeof c->pool_ll);
}

static void ck_features(const ck_sums *s, double *f)
{
    double n = s->content > 0 ? s->content : 1;
    f[0] = s->gain / n;
    f[1] = s->maxgain;
    f[2] = s->ngain / n;
    f[3] = s->content > 0 ? s->uni / n : -3.0;
    f[4] = s->raresyn / n;
    f[5] = s->backoff / n;
    f[6] = s->ncos > 0 ? s->cos / s->ncos : 0.3;
    f[7] = s->nlp > 0 ? s->lp / s->nlp : -2.0;
    f[8] = s->rare / n;
    f[9] = log1p(s->content);
    f[10] = s->npmi > 0 ? s->pmi / s->npmi : 1.0;
    f[11] = s->npmi > 0 ? s->lowpmi / s->npmi : 0.4;
    f[12] = s->strong / n;
    f[13] = log1p(s->nstrong);
    f[14] = (s->top[0] + s->top[1] + s->top[2]) / 3;
    f[15] = (s->jr - s->jo) / n;
    f[16] = s->restored / n;
    f[17] = s->nfit > 0 ? s->fit / s->nfit : 1.5;
    f[18] = s->nfit > 0 ? s->lowfit / s->nfit : 0.3;
    f[19] = (s->worst[0] + s->worst[1] + s->worst[2]) / 3;  /* stored +6 so that 0 means missing */
    f[20] = s->sgainn / n;
    f[21] = s->maxgainn;
    f[22] = s->ngainn / n;
    f[23] = s->nwz > 0 ? s->wz / s->nwz : -3.0;
    f[24] = s->nwz > 0 ? s->wpos / s->nwz : 0.0;
    double t = 0;
    for (int i = 0; i < s->ntopz; i++)
        t += s->topz[i];
    f[25] = s->ntopz > 0 ? t / s->ntopz : -3.0;
    f[26] = s->nwz > 0 ? s->llr / s->nwz : 0.0;
    f[27] = s->llr >= 0 ? log1p(s->llr) : -log1p(-s->llr);
    f[28] = s->article / n;
}

static void ck_topz(ck_sums *s, double z);
static void ck_top(double *top, double g);

/* Add the sums of b to a. */
static void ck_merge(ck_sums *a, const ck_sums *b)
{
    ck_sums m = *a;
    m.content += b->content;
    m.gain += b->gain;
    m.maxgain = a->maxgain > b->maxgain ? a->maxgain : b->maxgain;
    m.ngain += b->ngain;
    m.uni += b->uni;
    m.raresyn += b->raresyn;
    m.backoff += b->backoff;
    m.cos += b->cos;
    m.ncos += b->ncos;
    m.lp += b->lp;
    m.nlp += b->nlp;
    m.rare += b->rare;
    m.pmi += b->pmi;
    m.npmi += b->npmi;
    m.lowpmi += b->lowpmi;
    m.strong += b->strong;
    m.nstrong += b->nstrong;
    m.jr += b->jr;
    m.jo += b->jo;
    m.restored += b->restored;
    m.fit += b->fit;
    m.nfit += b->nfit;
    m.lowfit += b->lowfit;
    m.ngainn += b->ngainn;
    m.maxgainn = a->maxgainn > b->maxgainn ? a->maxgainn : b->maxgainn;
    m.sgainn += b->sgainn;
    m.wz += b->wz;
    m.nwz += b->nwz;
    m.wpos += b->wpos;
    m.llr += b->llr;
    m.article += b->article;
    for (int i = 0; i < 3; i++) {
        ck_top(m.top, b->top[i]);
        ck_top(m.worst, b->worst[i]);
    }
    for (int i = 0; i < b->ntopz; i++)
        ck_topz(&m, b->topz[i]);
    *a = m;
}

static void ck_topz(ck_sums *s, double z)
{
    if (s->ntopz < 3) {
        s->topz[s->ntopz++] = z;
        return;
    }
    int lo = 0;
    for (int i = 1; i < 3; i++)
        if (s->topz[i] < s->topz[lo])
            lo = i;
    if (z > s->topz[lo])
        s->topz[lo] = z;
}

static void ck_top(double *top, double g)
{
    if (g > top[0]) {
        top[2] = top[1];
        top[1] = top[0];
        top[0] = g;
    } else if (g > top[1]) {
        top[2] = top[1];
        top[1] = g;
    } else if (g > top[2]) {
        top[2] = g;
    }
}

double unspin_check_document(const unspin_checker *c, size_t *paragraphs)
{
    if (paragraphs)
        *paragraphs = c ? c->paragraphs : 0;
    if (!c)
        return 0.5;
    double z = 0;
    if (c->doc_weight > 0) {
        z = c->doc_z / c->doc_weight;
    } else {
        ck_sums none;
        memset(&none, 0, sizeof none);
        double f[UNSPIN_CHECK_NFEATURES];
        ck_features(&none, f);
        double p = us_check_part_p(&c->m.part[0], f);
        return p;
    }
    return 1.0 / (1.0 + exp(-z));
}

static int ck_add_span(unspin_checker *c, size_t start, size_t end, double score, const char *sugg, size_t slen,
                       unspin_error *err)
{
    if (c->nspans == c->capspans &&
        us_grow((void **)&c->spans, &c->capspans, c->nspans + 1, sizeof *c->spans) < 0)
        return us_error(err, UNSPIN_E_NOMEM, "checker: out of memory");
    if (us_grow((void **)&c->pool, &c->cappool, c->npool + slen + 1, 1) < 0)
        return us_error(err, UNSPIN_E_NOMEM, "checker: out of memory");
    memcpy(c->pool + c->npool, sugg, slen);
    c->pool[c->npool + slen] = 0;
    unspin_check_span *sp = &c->spans[c->nspans++];
    sp->start = start;
    sp->end = end;
    sp->score = score;
    sp->suggestion = (const char *)(uintptr_t)c->npool; /* fixed up at the end (pool may move) */
    c->npool += slen + 1;
    return UNSPIN_OK;
}

/* The word's vector (NULL if it has none), through the checker's cache of
 * the vectors of LM words. */
static const float *ck_vector(unspin_checker *c, const unspin_token *t, unspin_word id)
{
    if (id == UNSPIN_WORD_UNK || id >= c->vocab)
        return unspin_lexicon_vector(c->lex, t->norm, t->norm_length, c->vec) ? c->vec : NULL;
    size_t slot = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ull >> 40) & (CK_VEC_SLOTS - 1);
    float *v = c->vpool + slot * (size_t)c->dim;
    if (c->vkey[slot] != id + 1u) {
        c->vhas[slot] = unspin_lexicon_vector(c->lex, t->norm, t->norm_length, v) != 0;
        c->vkey[slot] = id + 1u;
    }
    return c->vhas[slot] ? v : NULL;
}

/* Unigram log10 probability of an LM word (memoised). */
static float ck_unigram(unspin_checker *c, unspin_word id)
{
    if (id >= c->vocab) {
        unspin_lm_state tmp;
        return unspin_lm_score(c->lm, &c->null, id, &tmp);
    }
    if (c->unigram[id] > 0.5f) {
        unspin_lm_state tmp;
        c->unigram[id] = unspin_lm_score(c->lm, &c->null, id, &tmp);
    }
    return c->unigram[id];
}

/* Look the word up in the lexicon: the first CK_MAX_CANDS single-word
 * candidates the LM knows, and whether one is a much more frequent synonym. */
static int ck_fill(unspin_checker *c, const unspin_token *t, unspin_word id, ck_entry *e, unspin_error *err)
{
    (void)id;
    float uni = e->uni;
    const char *w1[1] = {t->norm};
    size_t l1[1] = {t->norm_length};
    const unspin_candidate *cands;
    size_t ncands = 0;
    US_TRY(unspin_lexicon_lookup(c->lex, w1, l1, 1, c->cands, &cands, &ncands, err));
    e->ncand = 0;
    e->raresyn = 0;
    e->nlex = (uint16_t)(ncands > 65535 ? 65535 : ncands);
    for (size_t k = 0; k < ncands && e->ncand < CK_MAX_CANDS; k++) {
        const unspin_candidate *cd = &cands[k];
        if (cd->span != 1 || memchr(cd->text, ' ', cd->text_length) ||
            (cd->text_length == t->norm_length && memcmp(cd->text, t->norm, t->norm_length) == 0))
            continue;
        unspin_word cid = unspin_lm_word(c->lm, cd->text, cd->text_length);
        if (cid == UNSPIN_WORD_UNK)
            continue;
        float cu = ck_unigram(c, cid);
        if (cu < uni - CK_RARE_CAND) /* a much rarer word is seldom the original */
            continue;
        e->cuni[e->ncand] = cu;
        e->csim[e->ncand] = cd->similarity;
        e->clinks[e->ncand] = (uint16_t)(cd->links > 65535 ? 65535 : cd->links);
        e->cand[e->ncand++] = cid;
        if ((cd->relations & UNSPIN_REL_SYNONYM) && cu >= uni + CK_RARE_GAP)
            e->raresyn = 1;
    }
    return UNSPIN_OK;
}

/* An unknown hyphenated word of letters only ("high-exactness", not "18-month-old"). */
static int ck_splittable(const unspin_checker *c, const unspin_token *t)
{
    if (t->kind != UNSPIN_TOKEN_WORD || !memchr(t->norm, '-', t->norm_length))
        return 0;
    for (size_t k = 0; k < t->norm_length; k++) {
        unsigned char ch = (unsigned char)t->norm[k];
        if (ch < 0x80 && !(ch >= 'a' && ch <= 'z') && ch != '-')
            return 0;
    }
    return unspin_lm_word(c->lm, t->norm, t->norm_length) == UNSPIN_WORD_UNK;
}

/* 1 when article (1 "a", 2 "an") does not agree with the lower-case word w,
 * judged by its first letter with the usual exceptions ("an hour", "a unit"). */
static int ck_article_mismatch(int article, const char *w)
{
    static const char *const an_h[] = {"heir", "honest", "honor", "honour", "hour"};
    static const char *const a_vowel[] = {"eu", "one", "once", "ub", "uk", "ura", "ure", "uri", "uro", "us", "ut",
                                          "uni", "use", "usu"};
    int vowel = strchr("aeiou", w[0]) != NULL && w[0] != 0;
    for (size_t i = 0; i < US_ARRAY_LEN(an_h); i++)
        if (!strncmp(w, an_h[i], strlen(an_h[i])))
            vowel = 1;
    for (size_t i = 0; i < US_ARRAY_LEN(a_vowel); i++)
        if (!strncmp(w, a_vowel[i], strlen(a_vowel[i])) && strncmp(w, "unb", 3) && strncmp(w, "und", 3))
            vowel = 0;
    if (!((w[0] >= 'a' && w[0] <= 'z')))
        return 0;
    return article == 1 ? vowel : !vowel;
}

/* Copy the tokens to c->units, splitting a hyphenated word that the LM does
 * not know ("high-exactness") into its parts, which are then scored as words.
 * Returns the number of units. */
static int ck_units(unspin_checker *c, const unspin_token *toks, size_t nt, size_t *nunits, unspin_error *err)
{
    size_t need = 0, pool = 0;
    for (size_t i = 0; i < nt; i++) {
        const unspin_token *t = &toks[i];
        int split = ck_splittable(c, t);
        if (!split) {
            need++;
            continue;
        }
        for (size_t k = 0; k < t->norm_length; k++)
            need += t->norm[k] == '-';
        need++;
        pool += t->norm_length + 1;
    }
    if (us_grow((void **)&c->units, &c->capunits, need + 1, sizeof *c->units) < 0 ||
        us_grow((void **)&c->uids, &c->capuids, need + 1, sizeof *c->uids) < 0 ||
        us_grow((void **)&c->upool, &c->capupool, pool + 1, 1) < 0)
        return us_error(err, UNSPIN_E_NOMEM, "checker: out of memory");
    size_t n = 0, off = 0;
    for (size_t i = 0; i < nt; i++) {
        const unspin_token *t = &toks[i];
        int split = ck_splittable(c, t);
        if (!split) {
            c->units[n++] = *t;
            continue;
        }
        size_t a = 0, first = 1;
        while (a < t->norm_length) {
            size_t b = a;
            while (b < t->norm_length && t->norm[b] != '-')
                b++;
            if (b > a) {
                unspin_token *u = &c->units[n++];
                *u = *t;
                memcpy(c->upool + off, t->norm + a, b - a);
                c->upool[off + b - a] = 0;
                u->norm = c->upool + off;
                u->norm_length = b - a;
                off += b - a + 1;
                if (!first)
                    u->flags &= ~UNSPIN_TOKEN_SENT_START;
                first = 0;
            }
            a = b + 1;
        }
    }
    size_t words = 0, quoted = 0;
    for (size_t i = 0; i < n; i++) {
        c->uids[i] = c->units[i].kind == UNSPIN_TOKEN_SPACE ? UNSPIN_WORD_UNK
                                                             : unspin_lm_word(c->lm, c->units[i].norm, c->units[i].norm_length);
        if (c->units[i].kind == UNSPIN_TOKEN_WORD) {
            words++;
            quoted += (c->units[i].flags & UNSPIN_TOKEN_QUOTED) != 0;
        }
    }
    /* quoted words are not scored (quotations are not the writer's words), unless
     * most of the paragraph is "quoted": a stray quotation mark, or a text that is
     * one long quotation */
    if (quoted * 2 > words)
        for (size_t i = 0; i < n; i++)
            c->units[i].flags &= ~UNSPIN_TOKEN_QUOTED;
    *nunits = n;
    return UNSPIN_OK;
}

/* The type index of substitution pair `key` (added when new). */
static int ck_pair_type(unspin_checker *c, uint64_t key, uint32_t *type, unspin_error *err)
{
    if (2 * (c->ntypes + 1) > c->ptcap) {
        size_t ncap = c->ptcap ? 2 * c->ptcap : 4096;
        uint64_t *nk = us_calloc(ncap, sizeof *nk);
        uint32_t *ns = us_malloc(ncap * sizeof *ns);
        if (!nk || !ns) {
            us_free(nk);
            us_free(ns);
            return us_error(err, UNSPIN_E_NOMEM, "checker: out of memory");
        }
        for (size_t i = 0; i < c->ptcap; i++) {
            if (!c->ptkey[i])
                continue;
            size_t j = (size_t)(c->ptkey[i] * 0x9E3779B97F4A7C15ull >> 17) & (ncap - 1);
            while (nk[j])
                j = (j + 1) & (ncap - 1);
            nk[j] = c->ptkey[i];
            ns[j] = c->ptslot[i];
        }
        us_free(c->ptkey);
        us_free(c->ptslot);
        c->ptkey = nk;
        c->ptslot = ns;
        c->ptcap = ncap;
    }
    size_t j = (size_t)(key * 0x9E3779B97F4A7C15ull >> 17) & (c->ptcap - 1);
    while (c->ptkey[j] && c->ptkey[j] != key)
        j = (j + 1) & (c->ptcap - 1);
    if (c->ptkey[j]) {
        *type = c->ptslot[j];
        return UNSPIN_OK;
    }
    if (c->ntypes >= UINT32_MAX / 2)
        return us_error(err, UNSPIN_E_NOMEM, "checker: too many substitution pairs");
    if (c->ntypes == c->captypes) {
        size_t cap = c->captypes;
        if (us_grow((void **)&c->twins, &cap, c->ntypes + 1, sizeof *c->twins) < 0)
            return us_error(err, UNSPIN_E_NOMEM, "checker: out of memory");
        cap = c->captypes;
        if (us_grow((void **)&c->ttmp, &cap, c->ntypes + 1, sizeof *c->ttmp) < 0)
            return us_error(err, UNSPIN_E_NOMEM, "checker: out of memory");
        c->captypes = cap;
    }
    c->ptkey[j] = key;
    c->ptslot[j] = (uint32_t)c->ntypes;
    c->twins[c->ntypes] = 0;
    c->ttmp[c->ntypes] = 0;
    *type = (uint32_t)c->ntypes++;
    return UNSPIN_OK;
}

/* Record a content word's substitution pair (word key h, best candidate). */
static int ck_pair_record(unspin_checker *c, uint64_t h, unspin_word cand, int won, unspin_error *err)
{
    uint64_t key = (h ^ ((uint64_t)cand + 1) * 0xFF51AFD7ED558CCDull) | 1u;
    uint32_t t = 0;
    US_TRY(ck_pair_type(c, key, &t, err));
    if (us_grow((void **)&c->prec, &c->capprec, c->nprec + 1, sizeof *c->prec) < 0)
        return us_error(err, UNSPIN_E_NOMEM, "checker: out of memory");
    c->prec[c->nprec++] = t << 1 | (won ? 1u : 0u);
    return UNSPIN_OK;
}

/* A list item: a line of at most CK_LIST_WORDS words without sentence punctuation. */
static int ck_list_item(const char *text, size_t len, size_t nwords)
{
    if (nwords > CK_LIST_WORDS)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '.' || text[i] == '!' || text[i] == '?')
            return 0;
    return 1;
}

/* Add the finished paragraph to the document's pooling data. */
static int ck_pool_add(unspin_checker *c, size_t rec0, double p, double content, int pooled, unspin_error *err)
{
    if (us_grow((void **)&c->paras, &c->cappara, c->paragraphs + 1, sizeof *c->paras) < 0)
        return us_error(err, UNSPIN_E_NOMEM, "checker: out of memory");
    ck_para *q = &c->paras[c->paragraphs];
    q->p = p;
    p = p < 1e-12 ? 1e-12 : p > 1 - 1e-12 ? 1 - 1e-12 : p;
    double z = log(p / (1 - p));
    q->z = z > CK_ZCLIP ? CK_ZCLIP : z < -CK_ZCLIP ? -CK_ZCLIP : z;
    q->w = content;
    q->pooled = pooled;
    if (!pooled)
        c->nprec = rec0;
    q->rec0 = rec0;
    q->nrec = c->nprec - rec0;
    if (pooled) {
        for (size_t k = rec0; k < c->nprec; k++) {
            if (!(c->prec[k] & 1))
                continue;
            uint32_t n = ++c->twins[c->prec[k] >> 1];
            c->pool_rep += n == 2 ? 2 : n > 2 ? 1 : 0;
        }
        us_check_pool_ll(&c->m.pool, q->z, 1, c->pool_ll);
        c->pool_m += 1;
        c->pool_content += content;
    }
    return UNSPIN_OK;
}

/* Pooling features (docs/check.md), for pooled paragraph i:
 *  0 its local log-odds (clipped to +-CK_ZCLIP)
 *  1 the document's share: log-odds of E[pi | the document's pooled
 *    paragraphs, this one included], pi the document's share of spun
 *    paragraphs (us_check_pool_prior()); the same for every paragraph of
 *    the document, so that it does not reorder them (leaving the paragraph
 *    out would: in a mixed document a clean paragraph's other paragraphs
 *    hold more spun ones than a spun paragraph's)
 *  2 feature 0 times 4 e (1 - e), e = E[pi | others] (feature 1 as a
 *    probability): the local evidence where the document looks mixed
 *  3 log(1 + number of other pooled paragraphs)
 *  4 repeated substitutions elsewhere: over the other pooled paragraphs, the
 *    wins (the greedy restoration replaced the word by its best candidate)
 *    of substitution pairs (word, candidate) that win at least twice there,
 *    per content word of those paragraphs (+ CK_CHUNK)
 *  5 shared table: this paragraph's content words whose pair wins here and
 *    also wins in another pooled paragraph, per its content words (+ CK_CHUNK) */
int us_check_pool_features(unspin_checker *c, size_t i, double *f)
{
    memset(f, 0, US_CHECK_NPOOL * sizeof *f);
    /* a document that is mostly list items is a list: nothing is pooled */
    if (!c || i >= c->paragraphs || !c->paras[i].pooled || c->pool_m < 2 || c->pool_list >= c->pool_m)
        return 0;
    const ck_para *q = &c->paras[i];
    f[0] = q->z;
    f[1] = us_check_pool_prior(&c->m.pool, c->pool_ll);
    double mo = c->pool_m - 1;
    us_check_pool_derived(f);
    f[3] = log1p(mo);
    double rep = c->pool_rep, shared = 0;
    for (size_t k = q->rec0; k < q->rec0 + q->nrec; k++)
        if (c->prec[k] & 1)
            c->ttmp[c->prec[k] >> 1]++;
    for (size_t k = q->rec0; k < q->rec0 + q->nrec; k++) {
        uint32_t t = c->prec[k] >> 1;
        if (!(c->prec[k] & 1) || !c->ttmp[t])
            continue;
        uint32_t all = c->twins[t], here = c->ttmp[t], rest = all - here;
        rep -= (all >= 2 ? all : 0) - (rest >= 2 ? rest : 0);
        if (rest >= 1)
            shared += here;
        c->ttmp[t] = 0;
    }
    double co = c->pool_content - q->w;
    /* shares shrunk towards 0 by CK_CHUNK content words, so that a
     * sentence or two does not make a large share out of one repetition */
    f[4] = rep / (co + CK_CHUNK);
    f[5] = shared / (q->w + CK_CHUNK);
    return 1;
}

int unspin_check_pooled(unspin_checker *c, double *p, size_t n, unspin_error *err)
{
    if (!c || (!p && n))
        return us_error(err, UNSPIN_E_INVALID, "unspin_check_pooled: NULL argument");
    if (n > c->paragraphs)
        return us_error(err, UNSPIN_E_INVALID, "unspin_check_pooled: %zu paragraphs asked, %zu scored", n,
                        c->paragraphs);
    for (size_t i = 0; i < n; i++) {
        double f[US_CHECK_NPOOL];
        if (us_check_pool_features(c, i, f))
            p[i] = 1.0 / (1.0 + exp(-us_check_ppart_z(&c->m.pool, f)));
        else
            p[i] = c->paras[i].p;
    }
    return UNSPIN_OK;
}

/* End a chunk of a paragraph: add its log-odds, weighted by its content
 * words, to *pz and *pw, and its sums to *all. */
static void ck_close_chunk(const unspin_checker *c, ck_sums *s, ck_sums *all, double *pz, double *pw)
{
    if (s->content > 0) {
        double f[UNSPIN_CHECK_NFEATURES];
        ck_features(s, f);
        double p = us_check_part_p(&c->m.part[us_check_part_of(s->content)], f);
        p = p < 1e-12 ? 1e-12 : p > 1 - 1e-12 ? 1 - 1e-12 : p;
        *pz += s->content * log(p / (1 - p));
        *pw += s->content;
    }
    ck_merge(all, s);
    memset(s, 0, sizeof *s);
}

int unspin_check_paragraph(unspin_checker *c, const char *text, size_t len, const unspin_check_result **out,
                           unspin_error *err)
{
    if (!c || (!text && len) || !out)
        return us_error(err, UNSPIN_E_INVALID, "unspin_check_paragraph: NULL argument");
    *out = NULL;
    const unspin_token *toks;
    size_t nt = 0, used;
    unspin_tokenizer_reset(c->tk);
    const unspin_token *raw;
    size_t nraw = 0;
    US_TRY(unspin_tokenize(c->tk, text ? text : "", len, 1, &raw, &nraw, &used, err));
    US_TRY(ck_units(c, raw, nraw, &nt, err));
    toks = c->units;
    c->nspans = c->npool = 0;
    ck_sums s, all; /* the current chunk, the finished chunks */
    memset(&s, 0, sizeof s);
    memset(&all, 0, sizeof all);
    double pz = 0, pw = 0;
    size_t nwords = 0, nscored = 0;
    /* pair records of a paragraph that failed half-way (out of memory) are dropped */
    const ck_para *last = c->paragraphs ? &c->paras[c->paragraphs - 1] : NULL;
    size_t rec0 = last ? last->rec0 + last->nrec : 0;
    c->nprec = rec0;
    c->ntopic = 0;
    if (c->dim > 0)
        memset(c->topic, 0, (size_t)c->dim * sizeof(float));
    unspin_lm_state st = c->begin;  /* observed context */
    unspin_lm_state rst = c->begin; /* greedily restored context */
    int prev_word = 0; /* the previous token was a word or number (a real context) */
    int prev_article = 0; /* the previous token was "a" (1) or "an" (2) */
    /* the score of the next token computed with the previous content word */
    int memo = 0, memo_ngl = 1;
    unspin_word memo_id = 0;
    float memo_lp = 0;
    unspin_lm_state memo_in, memo_out;
    memset(&memo_in, 0, sizeof memo_in);
    memset(&memo_out, 0, sizeof memo_out);
    for (size_t i = 0; i < nt; i++) {
        const unspin_token *t = &toks[i];
        if (t->kind == UNSPIN_TOKEN_SPACE || t->norm_length == 0)
            continue;
        if ((t->flags & UNSPIN_TOKEN_SENT_START) && i > 0) {
            st = rst = c->begin;
            prev_word = 0;
            /* long paragraphs are scored in chunks of about CK_CHUNK content
             * words (whole sentences), the lengths the model was fitted on */
            if (s.content >= CK_CHUNK)
                ck_close_chunk(c, &s, &all, &pz, &pw);
        }
        if (s.content >= 2 * CK_CHUNK)
            ck_close_chunk(c, &s, &all, &pz, &pw);
        int same = unspin_lm_state_equal(&st, &rst);
        unspin_word id = c->uids[i];
        /* a capitalised word at a sentence start counts unless it looks like a
         * name (rare or unknown in lower case) */
        int content = t->kind == UNSPIN_TOKEN_WORD && !(t->flags & (UNSPIN_TOKEN_QUOTED | UNSPIN_TOKEN_INVALID)) &&
                      (t->casing == UNSPIN_CASE_LOWER ||
                       (t->casing == UNSPIN_CASE_TITLE && (t->flags & UNSPIN_TOKEN_SENT_START) &&
                        id != UNSPIN_WORD_UNK && ck_unigram(c, id) >= CK_NAME_UNI)) &&
                      alpha_word(t) && !is_function(t->norm);
        if (t->kind == UNSPIN_TOKEN_WORD && (i == 0 || toks[i - 1].start != t->start))
            nwords++;
        /* "a"/"an" that does not agree with this word (spinners rarely fix it) */
        if (prev_article && t->kind == UNSPIN_TOKEN_WORD && t->casing == UNSPIN_CASE_LOWER &&
            ck_article_mismatch(prev_article, t->norm))
            s.article += 1;
        prev_article = t->kind == UNSPIN_TOKEN_WORD && !strcmp(t->norm, "a")    ? 1
                       : t->kind == UNSPIN_TOKEN_WORD && !strcmp(t->norm, "an") ? 2
                                                                                  : 0;
        if (!content) {
            float lp;
            if (memo && id == memo_id && unspin_lm_state_equal(&st, &memo_in)) {
                lp = memo_lp;
                st = memo_out;
            } else {
                lp = unspin_lm_score(c->lm, &st, id, &st);
            }
            memo = 0;
            s.lp += lp;
            s.nlp += 1;
            s.jo += lp;
            s.jr += same ? lp : unspin_lm_score(c->lm, &rst, id, &rst);
            if (same)
                rst = st;
            prev_word = t->kind == UNSPIN_TOKEN_WORD || t->kind == UNSPIN_TOKEN_NUMBER;
            continue;
        }
        /* next token in the same sentence (or </s>) */
        unspin_word next = c->eos;
        for (size_t j = i + 1; j < nt; j++) {
            if (toks[j].kind == UNSPIN_TOKEN_SPACE || toks[j].norm_length == 0)
                continue;
            if (!(toks[j].flags & UNSPIN_TOKEN_SENT_START))
                next = c->uids[j];
            break;
        }
        /* the word's cache entry (candidates looked up later, if needed) */
        /* keyed by the LM id (words the LM knows) or by the text (others) */
        ck_entry local, *e = &local;
        uint64_t h = id != UNSPIN_WORD_UNK ? (uint64_t)id * 0x9E3779B97F4A7C15ull >> 20 : us_hash(t->norm, t->norm_length);
        if (id != UNSPIN_WORD_UNK || t->norm_length <= CK_CACHE_WORD)
            e = &c->cache[h & (CK_CACHE_SLOTS - 1)];
        if (e == &local || e->id != id || e->hash != h ||
            (id == UNSPIN_WORD_UNK && (strlen(e->word) != t->norm_length || memcmp(e->word, t->norm, t->norm_length)))) {
            e->hash = h;
            e->id = id;
            if (e != &local && id == UNSPIN_WORD_UNK)
                memcpy(e->word, t->norm, t->norm_length + 1);
            e->looked = 0;
            e->ncand = 0;
            e->raresyn = 0;
            e->uni = ck_unigram(c, id);
        }
        unspin_lm_state after, rafter;
        int ngl = 1;
        float lp;
        if (memo && id == memo_id && unspin_lm_state_equal(&st, &memo_in)) {
            lp = memo_lp;
            after = memo_out;
            ngl = memo_ngl;
        } else {
            lp = unspin_lm_score_ngram(c->lm, &st, id, &after, &ngl);
        }
        memo = 0;
        float lpr = same ? lp : unspin_lm_score(c->lm, &rst, id, &rafter);
        if (same)
            rafter = after;
        unspin_lm_state tmp = rafter;
        /* the next token's score after the observed word: kept for its turn */
        memo_in = tmp;
        memo_id = next;
        float lnext = unspin_lm_score_ngram(c->lm, &tmp, next, &tmp, &memo_ngl);
        memo_lp = lnext;
        memo_out = tmp;
        memo = same;
        float lo = lpr + lnext; /* in the restored context */
        double fit = 0, right = 0;
        if (id != UNSPIN_WORD_UNK) {
            /* two-sided fit: how much the word and its context predict each other */
            double left = (double)lp - (double)e->uni;
            right = (double)lnext - (double)ck_unigram(c, next);
            left = left > 3 ? 3 : left < -3 ? -3 : left;
            right = right > 3 ? 3 : right < -3 ? -3 : right;
            fit = prev_word ? left + right : 2 * right;
            s.fit += fit;
            s.nfit += 1;
            if (fit < CK_LOW_FIT)
                s.lowfit += 1;
            ck_top(s.worst, -fit + 6);
        }
        float uni = e->uni;
        s.jo += lp;
        s.content += 1;
        s.uni += uni;
        s.lp += lp;
        s.nlp += 1;
        if (uni < CK_RARE_WORD)
            s.rare += 1;
        if (prev_word && ngl <= 1)
            s.backoff += 1;
        if (prev_word && id != UNSPIN_WORD_UNK) {
            double g = (double)lp - (double)uni;
            s.pmi += g > 3 ? 3 : g;
            s.npmi += 1;
            if (g < CK_LOW_PMI)
                s.lowpmi += 1;
        }
        /* a word that fits its context very well is not looked up (speed):
         * it counts as having no better candidate */
        int ncand = 0;
        if (id == UNSPIN_WORD_UNK || fit < CK_SKIP_FIT || !same) {
            if (!e->looked) {
                US_TRY(ck_fill(c, t, id, e, err));
                e->looked = 1;
            }
            ncand = e->ncand;
        }
        float lcs[CK_MAX_CANDS];
        unspin_lm_state cst[CK_MAX_CANDS];
        unspin_lm_score_batch(c->lm, &rst, e->cand, (size_t)ncand, lcs, cst);
        float best = -1e30f, bestn = -1e30f;
        int bestk = -1;
        /* the right context is scored for the CK_TOP_RIGHT candidates best
         * on the left, if within CK_LEFT_MARGIN of the word: a candidate
         * much less probable on the left is not rescued by the right */
        float floor = lpr - CK_LEFT_MARGIN;
        if (ncand > CK_TOP_RIGHT) {
            float top[CK_TOP_RIGHT];
            for (int k = 0; k < CK_TOP_RIGHT; k++)
                top[k] = -1e30f;
            for (int k = 0; k < ncand; k++)
                for (int j = 0; j < CK_TOP_RIGHT; j++)
                    if (lcs[k] > top[j]) {
                        for (int m = CK_TOP_RIGHT - 1; m > j; m--)
                            top[m] = top[m - 1];
                        top[j] = lcs[k];
                        break;
                    }
            if (top[CK_TOP_RIGHT - 1] > floor)
                floor = top[CK_TOP_RIGHT - 1];
        }
        for (int k = 0; k < ncand; k++) {
            if (lcs[k] < floor)
                continue;
            unspin_lm_state ns = cst[k];
            float lc = lcs[k] + unspin_lm_score(c->lm, &ns, next, &ns);
            if (lc - e->cuni[k] > bestn)
                bestn = lc - e->cuni[k];
            if (lc > best) {
                best = lc;
                bestk = k;
            }
        }
        /* greedy restoration */
        if (bestk >= 0 && (double)best - CK_CHANGE_COST > (double)lo) {
            s.jr += (double)lcs[bestk] - CK_CHANGE_COST;
            s.restored += 1;
            rst = cst[bestk];
        } else {
            s.jr += lpr;
            rst = rafter;
        }
        if (bestk >= 0)
            US_TRY(ck_pair_record(c, h, e->cand[bestk], (double)best - CK_CHANGE_COST > (double)lo, err));
        int raresyn = ncand > 0 ? e->raresyn : 0;
        if (raresyn)
            s.raresyn += 1;
        if (bestk >= 0) {
            double gn = (double)bestn - ((double)lo - (double)uni);
            if (gn > CK_DELTA_CLIP)
                gn = CK_DELTA_CLIP;
            if (gn > 0)
                s.sgainn += gn;
            if (gn > s.maxgainn)
                s.maxgainn = gn;
            if (gn >= 1)
                s.ngainn += 1;
            double gain = (double)best - (double)lo;
            if (gain > 0) {
                s.gain += gain > CK_DELTA_CLIP ? CK_DELTA_CLIP : gain;
                if (gain > s.maxgain)
                    s.maxgain = gain > CK_DELTA_CLIP ? CK_DELTA_CLIP : gain;
            }
            if (gain > 0)
                ck_top(s.top, gain > CK_DELTA_CLIP ? CK_DELTA_CLIP : gain);
            if (gain >= CK_STRONG) {
                s.nstrong += 1;
                if (e->cuni[bestk] > uni)
                    s.strong += 1;
            }
            if (gain >= CK_SPAN_MIN) {
                s.ngain += 1;
                const char *sug = unspin_lm_word_string(c->lm, e->cand[bestk]);
                if (!sug)
                    sug = "";
                US_TRY(ck_add_span(c, t->start, t->start + t->length, gain, sug, strlen(sug), err));
            }
        }
        /* topical coherence with the earlier content words of the paragraph */
        double wcos = 0;
        int hascos = 0;
        const float *wv = c->dim > 0 ? ck_vector(c, t, id) : NULL;
        if (wv) {
            if (c->ntopic >= 3) {
                double dot = 0, nn = 0;
                for (int d = 0; d < c->dim; d++) {
                    dot += (double)wv[d] * c->topic[d];
                    nn += (double)c->topic[d] * c->topic[d];
                }
                if (nn > 0) {
                    wcos = dot / sqrt(nn);
                    hascos = 1;
                    s.cos += wcos;
                    s.ncos += 1;
                }
            }
            for (int d = 0; d < c->dim; d++)
                c->topic[d] += wv[d];
            c->ntopic++;
        }
        /* the word's own features and probability */
        if (us_grow((void **)&c->words, &c->capwords, nscored + 1, sizeof *c->words) < 0)
            return us_error(err, UNSPIN_E_NOMEM, "checker: out of memory");
        unspin_check_word *wr = &c->words[nscored++];
        double *x = wr->features;
        double g = bestk >= 0 ? (double)best - (double)lo : 0;
        double gn = bestk >= 0 ? (double)bestn - ((double)lo - (double)uni) : 0;
        x[0] = g > CK_DELTA_CLIP ? CK_DELTA_CLIP : g < -CK_DELTA_CLIP ? -CK_DELTA_CLIP : g;
        x[1] = gn > CK_DELTA_CLIP ? CK_DELTA_CLIP : gn < -CK_DELTA_CLIP ? -CK_DELTA_CLIP : gn;
        x[2] = bestk >= 0;
        x[3] = fit;
        x[4] = uni;
        double pmi = prev_word && id != UNSPIN_WORD_UNK ? (double)lp - (double)uni : 0;
        x[5] = pmi > 3 ? 3 : pmi < -3 ? -3 : pmi;
        x[6] = prev_word && ngl <= 1;
        x[7] = prev_word;
        x[8] = raresyn;
        x[9] = wcos;
        x[10] = hascos;
        x[11] = id == UNSPIN_WORD_UNK;
        x[12] = right;
        x[13] = bestk >= 0 ? log1p(e->clinks[bestk]) : 0;
        x[14] = bestk >= 0 ? e->csim[bestk] : 0;
        x[15] = ncand > 0 ? log1p(e->nlex) : 0;
        double z = us_check_wpart_z(&c->m.word, x);
        wr->start = t->start;
        wr->end = t->start + t->length;
        wr->p = 1.0 / (1.0 + exp(-z));
        s.wz += z;
        s.nwz += 1;
        {
            double lr = exp(z - log(CK_WORD_PRIOR / (1 - CK_WORD_PRIOR)));
            s.llr += log(1 - CK_MIX_RATE + CK_MIX_RATE * lr);
        }
        if (z >= 0)
            s.wpos += 1;
        ck_topz(&s, z);
        st = after;
        prev_word = 1;
    }
    for (size_t k = 0; k < c->nspans; k++)
        c->spans[k].suggestion = c->pool + (uintptr_t)c->spans[k].suggestion;
    int chunks = pw > 0;
    ck_close_chunk(c, &s, &all, &pz, &pw);
    unspin_check_result *r = &c->res;
    memset(r, 0, sizeof *r);
    ck_features(&all, r->features);
    if (!chunks) /* one chunk: the model on the paragraph's features */
        r->p_spun = us_check_part_p(&c->m.part[us_check_part_of(all.content)], r->features);
    else
        r->p_spun = 1.0 / (1.0 + exp(-pz / pw));
    int item = nwords > 0 && ck_list_item(text, len, nwords);
    US_TRY(ck_pool_add(c, rec0, r->p_spun, all.content, all.content > 0 && !item, err));
    c->pool_list += item;
    c->doc_z += pz;
    c->doc_weight += pw;
    c->paragraphs++;
    r->nwords = nwords;
    r->ncontent = (size_t)all.content;
    r->spans = c->spans;
    r->nspans = c->nspans;
    r->words = c->words;
    *out = r;
    return UNSPIN_OK;
}
