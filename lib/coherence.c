/*
 * coherence.c - topical coherence of a candidate with its paragraph.
 *
 * A spinner picks synonyms without looking at the topic: "train" in a sports
 * text becomes "practice" or "locomotive". The paragraph's content words
 * (their unit word vectors summed) give its topic; a candidate original that
 * fits the topic better than the observed word gains
 *     cos(v(candidate), topic - v(observed)) - cos(v(observed), topic - v(observed))
 * which the channel model weighs with a fitted weight (CH_F_COH).
 */
#include "decoder_internal.h"
#include "lex_internal.h"

#include <math.h>
#include <string.h>

int us_coh_init(us_coh *c, int dim, unspin_error *err)
{
    memset(c, 0, sizeof *c);
    c->dim = dim > 0 ? dim : 0;
    if (c->dim == 0)
        return UNSPIN_OK;
    c->sum = us_calloc((size_t)dim, sizeof(float));
    c->tmp = us_calloc((size_t)dim, sizeof(float));
    c->ctx = us_calloc((size_t)dim, sizeof(double));
    if (!c->sum || !c->tmp || !c->ctx) {
        us_coh_free(c);
        return us_error(err, UNSPIN_E_NOMEM, "coherence: out of memory");
    }
    return UNSPIN_OK;
}

void us_coh_free(us_coh *c)
{
    us_free(c->sum);
    us_free(c->tmp);
    us_free(c->ctx);
    memset(c, 0, sizeof *c);
}

void us_coh_clear(us_coh *c)
{
    if (c->sum)
        memset(c->sum, 0, sizeof(float) * (size_t)c->dim);
    c->n = 0;
}

void us_coh_add(us_coh *c, const float *v)
{
    if (!c->dim)
        return;
    for (int i = 0; i < c->dim; i++)
        c->sum[i] += v[i];
    c->n++;
}

float us_coh_cos(const us_coh *c, const float *v, const float *excl, int excl_count)
{
    if (!c->dim || c->n - excl_count <= 0)
        return 0.0f;
    double dot = 0, nv = 0, nc = 0;
    for (int i = 0; i < c->dim; i++) {
        double ctx = c->sum[i] - (excl ? excl[i] : 0.0f);
        dot += v[i] * ctx;
        nv += (double)v[i] * v[i];
        nc += ctx * ctx;
    }
    if (nv <= 1e-12 || nc <= 1e-12)
        return 0.0f;
    return (float)(dot / sqrt(nv * nc));
}

void us_coh_set_context(us_coh *c, const float *excl, int excl_count)
{
    c->ctx_ok = 0;
    if (!c->dim || c->n - excl_count <= 0)
        return;
    double nc = 0;
    for (int i = 0; i < c->dim; i++) {
        double ctx = c->sum[i] - (excl ? excl[i] : 0.0f); /* as in us_coh_cos() */
        c->ctx[i] = ctx;
        nc += ctx * ctx;
    }
    c->ctx_nn = nc;
    c->ctx_ok = 1;
}

float us_coh_cos_context(const us_coh *c, const float *v)
{
    if (!c->ctx_ok)
        return 0.0f;
    double dot = 0, nv = 0;
    for (int i = 0; i < c->dim; i++) {
        dot += v[i] * c->ctx[i];
        nv += (double)v[i] * v[i];
    }
    if (nv <= 1e-12 || c->ctx_nn <= 1e-12)
        return 0.0f;
    return (float)(dot / sqrt(nv * c->ctx_nn));
}

/* The words' vectors of a phrase, one at a time: 1 and one[] filled when
 * the next word has a vector, 0 when it has none, -1 after the last word. */
typedef int (*phrase_word_fn)(const unspin_lexicon *lex, void *it, float *one);

/* Mean unit vector of the words that next() yields (shared by
 * us_coh_phrase_vector() and us_coh_phrase_vector_ids()). */
static int phrase_vector(const unspin_lexicon *lex, int dim, phrase_word_fn next, void *it, float *out)
{
    if (dim <= 0)
        return 0;
    int found = 0;
    float *acc = out;
    float one[1024];
    if (dim > (int)US_ARRAY_LEN(one))
        return 0;
    int r;
    while ((r = next(lex, it, one)) >= 0) {
        if (!r)
            continue;
        if (!found)
            memcpy(acc, one, sizeof(float) * (size_t)dim);
        else
            for (int k = 0; k < dim; k++)
                acc[k] += one[k];
        found++;
    }
    if (found > 1) {
        double n = 0;
        for (int k = 0; k < dim; k++)
            n += (double)acc[k] * acc[k];
        n = sqrt(n);
        if (n > 1e-12)
            for (int k = 0; k < dim; k++)
                acc[k] = (float)(acc[k] / n);
    }
    return found;
}

typedef struct {
    const char *text;
    size_t len, i;
} phrase_text_it;

static int phrase_text_next(const unspin_lexicon *lex, void *itp, float *one)
{
    phrase_text_it *it = itp;
    if (it->i >= it->len)
        return -1;
    size_t i = it->i, j = i;
    while (j < it->len && it->text[j] != ' ')
        j++;
    it->i = j + 1;
    return j > i && unspin_lexicon_vector(lex, it->text + i, j - i, one);
}

typedef struct {
    const int32_t *vid;
    size_t n, w;
} phrase_ids_it;

static int phrase_ids_next(const unspin_lexicon *lex, void *itp, float *one)
{
    phrase_ids_it *it = itp;
    if (it->w >= it->n)
        return -1;
    int32_t id = it->vid[it->w++];
    if (id < 0)
        return 0;
    lex_vector_by_id(lex, id, one);
    return 1;
}

int us_coh_phrase_vector(const unspin_lexicon *lex, int dim, const char *text, size_t len, float *out)
{
    phrase_text_it it = {text, len, 0};
    return phrase_vector(lex, dim, phrase_text_next, &it, out);
}

int us_coh_phrase_vector_ids(const unspin_lexicon *lex, int dim, const int32_t *vid, size_t n, float *out)
{
    phrase_ids_it it = {vid, n, 0};
    return phrase_vector(lex, dim, phrase_ids_next, &it, out);
}
