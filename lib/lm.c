/* lm.c - open and query .uslm n-gram models (layout: lm_format.h,
 * docs/lm-format.md). Opening checks the header and every section's bounds
 * in constant time; queries are bounds-safe against corrupt tables. */
#include "lm_format.h"

#include <math.h>
#include <stdlib.h>

#include "lm_build.h"

struct unspin_lm {
    us_map map;
    const unsigned char *data;
    size_t size;
    int order;
    int qbits;
    uint32_t V, bos, eos;
    uint64_t counts[UNSPIN_LM_MAX_ORDER];
    uint64_t buckets[UNSPIN_LM_MAX_ORDER];
    uint64_t checksum;
    const unsigned char *voff;  /* u32[V] */
    const char *strings;
    uint64_t strings_len;
    const unsigned char *vhash; /* u32[buckets[0]] */
    const float *uni;           /* prob, backoff pairs (aligned: 8-byte section) */
    const unsigned char *table[UNSPIN_LM_MAX_ORDER + 1];
    const unsigned char *grams[UNSPIN_LM_MAX_ORDER + 1];
    const float *quant[UNSPIN_LM_MAX_ORDER + 1];
    size_t esz;
    char name[160];
};

static int fmt_err(unspin_error *err, const char *name, const char *what)
{
    return us_error(err, UNSPIN_E_FORMAT, "%s: %s (not a valid .uslm model; rebuild it)", name, what);
}

static int lm_init(unspin_lm *lm, unspin_error *err)
{
    const unsigned char *d = lm->data;
    const char *name = lm->name;
    if (lm->size < 8)
        return fmt_err(err, name, "file too small for a model header");
    if (memcmp(d, LM_MAGIC_INCOMPLETE, 8) == 0)
        return us_error(err, UNSPIN_E_INCOMPLETE, "%s: file was left unfinished by a failed build; rebuild it",
                        name);
    if (memcmp(d, LM_MAGIC, 8) != 0)
        return fmt_err(err, name, "bad magic");
    if (lm->size < LM_HEADER_SIZE)
        return fmt_err(err, name, "truncated header");
    uint32_t version = us_load32(d + LM_H_VERSION);
    if (version != LM_VERSION)
        return us_error(err, UNSPIN_E_VERSION, "%s: format version %u is not supported (this build reads %u)",
                        name, version, LM_VERSION);
    uint32_t endian;
    memcpy(&endian, d + LM_H_ENDIAN, 4);
    if (us_load32(d + LM_H_HEADER_SIZE) != LM_HEADER_SIZE || lm_loadf(d + LM_H_ONE_F) != 1.0f ||
        lm_loadf(d + LM_H_MHALF_F) != -0.5f || us_load64(d + LM_H_ONE_U64) != 1 || endian != LM_ENDIAN_MARK)
        return fmt_err(err, name, "header sanity values are wrong (corrupt, or another byte order)");
    uint64_t fsize = us_load64(d + LM_H_FILE_SIZE);
    if (fsize != lm->size)
        return us_error(err, UNSPIN_E_FORMAT, "%s: file has %zu bytes, its header says %llu (truncated or corrupt)",
                        name, lm->size, (unsigned long long)fsize);
    uint32_t order = us_load32(d + LM_H_ORDER), qbits = us_load32(d + LM_H_QBITS);
    if (order < 1 || order > UNSPIN_LM_MAX_ORDER)
        return fmt_err(err, name, "bad order");
    if (qbits == 1 || qbits > 16 || us_load32(d + LM_H_FLAGS) != 0)
        return fmt_err(err, name, "bad quantisation or flags");
    lm->order = (int)order;
    lm->qbits = (int)qbits;
    lm->esz = qbits ? LM_ENTRY_QUANT : LM_ENTRY_FLOAT;
    uint64_t V = us_load64(d + LM_H_VOCAB);
    if (V < 3 || V >= UINT32_MAX)
        return fmt_err(err, name, "bad vocabulary size");
    lm->V = (uint32_t)V;
    for (int i = 0; i < UNSPIN_LM_MAX_ORDER; i++) {
        lm->counts[i] = us_load64(d + LM_H_COUNTS + 8 * i);
        lm->buckets[i] = us_load64(d + LM_H_BUCKETS + 8 * i);
    }
    if (lm->counts[0] != V || lm->buckets[0] <= V || lm->buckets[0] > lm->size)
        return fmt_err(err, name, "unigram count or vocabulary hash size inconsistent");
    for (int n = 2; n <= UNSPIN_LM_MAX_ORDER; n++) {
        uint64_t c = lm->counts[n - 1], b = lm->buckets[n - 1];
        if (n > lm->order) {
            if (c || b)
                return fmt_err(err, name, "counts beyond the model's order");
        } else if (b <= c || b > lm->size || c >= UINT32_MAX) {
            return fmt_err(err, name, "n-gram count and table size inconsistent");
        }
    }
    lm->bos = us_load32(d + LM_H_BOS);
    lm->eos = us_load32(d + LM_H_EOS);
    if (lm->bos >= V || lm->eos >= V)
        return fmt_err(err, name, "bad <s> or </s> id");
    lm->checksum = us_load64(d + LM_H_CHECKSUM);

    uint64_t want[LM_NSECT] = {0};
    want[LM_S_VOCAB_OFFSETS] = V * 4;
    want[LM_S_VOCAB_HASH] = lm->buckets[0] * 4;
    want[LM_S_UNIGRAMS] = V * 8;
    for (int n = 2; n <= lm->order; n++) {
        want[LM_S_TABLE + n - 2] = lm->buckets[n - 1] * lm->esz;
        want[LM_S_GRAMS + n - 2] = lm->counts[n - 1] * (uint64_t)n * 4;
        want[LM_S_QUANT + n - 2] = qbits ? (uint64_t)8 << qbits : 0;
    }
    const unsigned char *sect[LM_NSECT];
    for (int s = 0; s < LM_NSECT; s++) {
        uint64_t off = us_load64(d + LM_H_SECTIONS + 16 * s), len = us_load64(d + LM_H_SECTIONS + 16 * s + 8);
        if (s == LM_S_VOCAB_STRINGS) {
            if (len < 1)
                return fmt_err(err, name, "empty vocabulary strings");
        } else if (len != want[s]) {
            char what[80];
            snprintf(what, sizeof what, "section %d has %llu bytes, expected %llu", s, (unsigned long long)len,
                     (unsigned long long)want[s]);
            return fmt_err(err, name, what);
        }
        if (len == 0) {
            sect[s] = NULL;
            continue;
        }
        if (off % 8 || off < LM_HEADER_SIZE || off > lm->size || len > lm->size - off) {
            char what[80];
            snprintf(what, sizeof what, "section %d out of bounds (offset %llu, %llu bytes)", s,
                     (unsigned long long)off, (unsigned long long)len);
            return fmt_err(err, name, what);
        }
        sect[s] = d + off;
    }
    if (((uintptr_t)d & 7) != 0)
        return us_error(err, UNSPIN_E_INVALID, "%s: model data is not 8-byte aligned", name);
    lm->voff = sect[LM_S_VOCAB_OFFSETS];
    lm->strings = (const char *)sect[LM_S_VOCAB_STRINGS];
    lm->strings_len = us_load64(d + LM_H_SECTIONS + 16 * LM_S_VOCAB_STRINGS + 8);
    if (lm->strings[lm->strings_len - 1] != 0)
        return fmt_err(err, name, "vocabulary strings not terminated");
    lm->vhash = sect[LM_S_VOCAB_HASH];
    lm->uni = (const float *)(const void *)sect[LM_S_UNIGRAMS];
    for (int n = 2; n <= lm->order; n++) {
        lm->table[n] = sect[LM_S_TABLE + n - 2];
        lm->grams[n] = sect[LM_S_GRAMS + n - 2];
        lm->quant[n] = (const float *)(const void *)sect[LM_S_QUANT + n - 2];
    }
    return UNSPIN_OK;
}

int lm_open_memory(const void *data, size_t size, const char *name, unspin_lm **out, unspin_error *err)
{
    *out = NULL;
    unspin_lm *lm = us_calloc(1, sizeof *lm);
    if (!lm)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    lm->data = data;
    lm->size = size;
    snprintf(lm->name, sizeof lm->name, "%s", name ? name : "<memory>");
    int rc = lm_init(lm, err);
    if (rc < 0) {
        us_free(lm);
        return rc;
    }
    *out = lm;
    return UNSPIN_OK;
}

int unspin_lm_open(const char *path, unspin_lm **out, unspin_error *err)
{
    if (!out || !path)
        return us_error(err, UNSPIN_E_INVALID, "unspin_lm_open: NULL argument");
    *out = NULL;
    us_map map;
    US_TRY(us_map_open(path, &map, err));
    /* mapped sections hold floats: need 4-byte alignment of the mapping (mmap gives pages;
       a read-into-memory buffer comes from malloc) */
    unspin_lm *lm;
    int rc = lm_open_memory(map.data, map.size, path, &lm, err);
    if (rc < 0) {
        us_map_close(&map);
        return rc;
    }
    lm->map = map;
    *out = lm;
    return UNSPIN_OK;
}

void unspin_lm_close(unspin_lm *lm)
{
    if (!lm)
        return;
    us_map_close(&lm->map);
    us_free(lm);
}

int unspin_lm_verify(const unspin_lm *lm, unspin_error *err)
{
    uint64_t sum = us_checksum(lm->data + LM_HEADER_SIZE, lm->size - LM_HEADER_SIZE);
    if (sum != lm->checksum)
        return us_error(err, UNSPIN_E_CHECKSUM, "%s: checksum mismatch (file is corrupt; rebuild it)", lm->name);
    return UNSPIN_OK;
}

int unspin_lm_order(const unspin_lm *lm) { return lm->order; }
uint32_t unspin_lm_vocab_size(const unspin_lm *lm) { return lm->V; }

uint64_t unspin_lm_ngram_count(const unspin_lm *lm, int n)
{
    if (n < 1 || n > lm->order)
        return 0;
    return lm->counts[n - 1];
}

void unspin_lm_describe(const unspin_lm *lm, unspin_lm_info *info)
{
    memset(info, 0, sizeof *info);
    info->order = lm->order;
    info->vocab_size = lm->V;
    for (int n = 1; n <= lm->order; n++)
        info->counts[n - 1] = lm->counts[n - 1];
    info->quantize_bits = lm->qbits;
    info->file_size = lm->size;
    info->checksum = lm->checksum;
}

const char *unspin_lm_word_string(const unspin_lm *lm, unspin_word id)
{
    if (id >= lm->V)
        return NULL;
    uint32_t off = us_load32(lm->voff + 4 * (size_t)id);
    if (off >= lm->strings_len)
        return NULL;
    return lm->strings + off;
}

unspin_word unspin_lm_word(const unspin_lm *lm, const char *norm, size_t len)
{
    uint64_t nb = lm->buckets[0];
    uint64_t b = lm_bucket(us_hash(norm, len), nb);
    for (uint64_t probes = 0; probes < nb; probes++) {
        uint32_t v = us_load32(lm->vhash + 4 * b);
        if (v == 0 || v > lm->V)
            return UNSPIN_WORD_UNK;
        uint32_t off = us_load32(lm->voff + 4 * (size_t)(v - 1));
        if (off < lm->strings_len && len < lm->strings_len - off && memcmp(lm->strings + off, norm, len) == 0 &&
            lm->strings[off + len] == 0)
            return v - 1;
        b = b + 1 == nb ? 0 : b + 1;
    }
    return UNSPIN_WORD_UNK;
}

unspin_word unspin_lm_bos(const unspin_lm *lm) { return lm->bos; }
unspin_word unspin_lm_eos(const unspin_lm *lm) { return lm->eos; }

void unspin_lm_null_state(const unspin_lm *lm, unspin_lm_state *state)
{
    (void)lm;
    memset(state, 0, sizeof *state);
}

void unspin_lm_begin_state(const unspin_lm *lm, unspin_lm_state *state)
{
    memset(state, 0, sizeof *state);
    if (lm->order > 1) {
        state->words[0] = lm->bos;
        state->backoff[0] = lm->uni[2 * (size_t)lm->bos + 1] + 0.0f;
        state->length = 1;
    }
}

/* Find an entry of order n with `key`; NULL when absent. */
static inline const unsigned char *find(const unspin_lm *lm, int n, uint64_t key)
{
    uint64_t nb = lm->buckets[n - 1];
    const unsigned char *t = lm->table[n];
    size_t esz = lm->esz;
    uint64_t b = lm_bucket(key, nb);
    for (uint64_t probes = 0; probes < nb; probes++) {
        const unsigned char *e = t + b * esz;
        uint64_t k;
        memcpy(&k, e, 8);
        if (k == key)
            return e;
        if (k == 0)
            return NULL;
        b = b + 1 == nb ? 0 : b + 1;
    }
    return NULL;
}

/* Values of an entry; returns 1 when the n-gram can be extended (or has a
 * non-zero back-off), i.e. belongs in a state, 0 when the writer marked it as
 * having no extension (back-off stored as -0.0, or bit 15 of a quantised
 * back-off bin with q <= 15). */
static inline int entry_values(const unspin_lm *lm, int n, const unsigned char *e, float *p, float *bo)
{
    if (!lm->qbits) {
        *p = lm_loadf(e + 8);
        float b = lm_loadf(e + 12);
        if (b == 0.0f) {
            *bo = 0.0f;
            return !signbit(b);
        }
        *bo = b;
        return 1;
    }
    uint32_t mask = (1u << lm->qbits) - 1;
    const float *q = lm->quant[n];
    uint32_t bb = e[10] | (uint32_t)e[11] << 8;
    *p = lm_loadf(q + ((e[8] | (uint32_t)e[9] << 8) & mask));
    *bo = lm_loadf(q + (1u << lm->qbits) + (bb & mask));
    return lm->qbits == 16 || !(bb & 0x8000u);
}

static inline int uni_extends(float b) { return b != 0.0f || !signbit(b); }

/* The parts of a query shared by score_impl() and score_chunk(). */

/* The unigram part: the word's log10 P (unknown words as UNSPIN_WORD_UNK),
 * the state of the word alone into *st, the n-gram key seeded with it. */
static inline float score_begin(const unspin_lm *lm, unspin_word word, unspin_lm_state *st, uint64_t *h)
{
    if (word >= lm->V)
        word = UNSPIN_WORD_UNK;
    float ubo = lm->uni[2 * (size_t)word + 1];
    st->words[0] = word;
    st->backoff[0] = ubo == 0.0f ? 0.0f : ubo;
    st->length = lm->order > 1 && uni_extends(ubo) ? 1 : 0;
    *h = lm_key_extend(LM_KEY_SEED, word);
    return lm->uni[2 * (size_t)word];
}

/* The context words a query can use. */
static inline uint32_t score_context(const unspin_lm *lm, const unspin_lm_state *in)
{
    return in->length > (uint32_t)lm->order - 1 ? (uint32_t)lm->order - 1 : in->length;
}

/* The n-gram (n >= 2) entry e was found, its context word cw: its log10 P
 * into *p, and the state extended. */
static inline void score_found(const unspin_lm *lm, int n, const unsigned char *e, unspin_word cw, float *p,
                               unspin_lm_state *st)
{
    float bo;
    int ext = entry_values(lm, n, e, p, &bo);
    if (n < lm->order) {
        st->words[n - 1] = cw;
        st->backoff[n - 1] = bo;
        if (ext)
            st->length = (uint32_t)n;
    }
}

/* The end: the back-offs of the context words beyond the longest n-gram
 * found (matched of them used, inlen usable) added to p, the state's unused
 * slots zeroed. */
static inline float score_end(const unspin_lm_state *in, uint32_t matched, uint32_t inlen, float p,
                              unspin_lm_state *st)
{
    for (uint32_t j = matched; j < inlen; j++)
        p += in->backoff[j];
    for (uint32_t j = st->length; j < UNSPIN_LM_MAX_ORDER - 1; j++) {
        st->words[j] = 0;
        st->backoff[j] = 0;
    }
    return p;
}

static inline float score_impl(const unspin_lm *lm, const unspin_lm_state *in, unspin_word word,
                               unspin_lm_state *out, int *ngram_length)
{
    unspin_lm_state st;
    uint64_t h;
    float p = score_begin(lm, word, &st, &h);
    uint32_t inlen = score_context(lm, in);
    uint32_t matched = 0; /* context words used by the longest n-gram found */
    /* the buckets of every order are fetched at once: their cache misses
     * overlap (a miss at a lower order wastes the higher ones' fetches) */
    uint64_t key[UNSPIN_LM_MAX_ORDER];
    for (uint32_t i = 0; i < inlen; i++) {
        h = lm_key_extend(h, in->words[i]);
        key[i] = lm_key_final(h);
        __builtin_prefetch(lm->table[i + 2] + lm_bucket(key[i], lm->buckets[i + 1]) * lm->esz);
    }
    for (uint32_t i = 0; i < inlen; i++) {
        int n = (int)i + 2;
        const unsigned char *e = find(lm, n, key[i]);
        if (!e)
            break;
        score_found(lm, n, e, in->words[i], &p, &st);
        matched = i + 1;
    }
    if (ngram_length)
        *ngram_length = (int)matched + 1;
    p = score_end(in, matched, inlen, p, &st);
    if (out)
        *out = st;
    return p;
}

float unspin_lm_score(const unspin_lm *lm, const unspin_lm_state *in, unspin_word word, unspin_lm_state *out)
{
    return score_impl(lm, in, word, out, NULL);
}

float unspin_lm_score_ngram(const unspin_lm *lm, const unspin_lm_state *in, unspin_word word, unspin_lm_state *out,
                            int *ngram_length)
{
    return score_impl(lm, in, word, out, ngram_length);
}

/* The n-gram orders of a batch are looked up level by level: the table
 * buckets of every word still matching are computed and prefetched first,
 * then probed, so that the cache and TLB misses of the words overlap instead
 * of following one another (scoring the words one by one waits for each
 * probe). The values are those of score_impl(), computed the same way. */
#define LM_BATCH_CHUNK 64

static void score_chunk(const unspin_lm *lm, const unspin_lm_state *const *ctxs, const unspin_word *words, size_t n,
                        float *logp, unspin_lm_state *const *out)
{
    uint64_t h[LM_BATCH_CHUNK];
    float p[LM_BATCH_CHUNK];
    uint32_t matched[LM_BATCH_CHUNK];
    unspin_lm_state st[LM_BATCH_CHUNK];
    uint32_t inlen[LM_BATCH_CHUNK], maxlen = 0;
    for (size_t k = 0; k < n; k++) {
        inlen[k] = score_context(lm, ctxs[k]);
        if (inlen[k] > maxlen)
            maxlen = inlen[k];
        p[k] = score_begin(lm, words[k], &st[k], &h[k]);
        matched[k] = 0;
    }
    for (uint32_t i = 0; i < maxlen; i++) {
        int nn = (int)i + 2;
        uint64_t nb = lm->buckets[nn - 1];
        int any = 0;
        for (size_t k = 0; k < n; k++) {
            if (matched[k] != i || i >= inlen[k])
                continue; /* stopped at a shorter order, or no more context */
            h[k] = lm_key_extend(h[k], ctxs[k]->words[i]);
            __builtin_prefetch(lm->table[nn] + lm_bucket(lm_key_final(h[k]), nb) * lm->esz);
            any = 1;
        }
        if (!any)
            break;
        for (size_t k = 0; k < n; k++) {
            if (matched[k] != i || i >= inlen[k])
                continue;
            const unsigned char *e = find(lm, nn, lm_key_final(h[k]));
            if (!e)
                continue;
            score_found(lm, nn, e, ctxs[k]->words[i], &p[k], &st[k]);
            matched[k] = i + 1;
        }
    }
    for (size_t k = 0; k < n; k++)
        logp[k] = score_end(ctxs[k], matched[k], inlen[k], p[k], &st[k]);
    for (size_t k = 0; k < n; k++) /* last: an output may be another item's context */
        if (out && out[k])
            *out[k] = st[k];
}

void unspin_lm_score_batch(const unspin_lm *lm, const unspin_lm_state *in, const unspin_word *words, size_t n,
                           float *logp, unspin_lm_state *out)
{
    unspin_lm_state ctx = *in; /* out may alias in */
    const unspin_lm_state *ctxs[LM_BATCH_CHUNK];
    unspin_lm_state *outs[LM_BATCH_CHUNK];
    for (size_t k = 0; k < LM_BATCH_CHUNK; k++)
        ctxs[k] = &ctx;
    for (size_t i = 0; i < n; i += LM_BATCH_CHUNK) {
        size_t m = n - i < LM_BATCH_CHUNK ? n - i : LM_BATCH_CHUNK;
        for (size_t k = 0; k < m; k++)
            outs[k] = out ? &out[i + k] : NULL;
        score_chunk(lm, ctxs, words + i, m, logp + i, outs);
    }
}

void lm_score_many(const unspin_lm *lm, size_t n, const unspin_lm_state *const *in, const unspin_word *words,
                   float *logp, unspin_lm_state *const *out)
{
    for (size_t i = 0; i < n; i += LM_BATCH_CHUNK) {
        size_t m = n - i < LM_BATCH_CHUNK ? n - i : LM_BATCH_CHUNK;
        score_chunk(lm, in + i, words + i, m, logp + i, out + i);
    }
}

int unspin_lm_state_equal(const unspin_lm_state *a, const unspin_lm_state *b)
{
    if (a->length != b->length)
        return 0;
    for (uint32_t i = 0; i < a->length && i < UNSPIN_LM_MAX_ORDER - 1; i++)
        if (a->words[i] != b->words[i])
            return 0;
    return 1;
}

uint64_t unspin_lm_state_hash(const unspin_lm_state *s)
{
    uint64_t h = LM_KEY_SEED ^ s->length;
    for (uint32_t i = 0; i < s->length && i < UNSPIN_LM_MAX_ORDER - 1; i++)
        h = lm_key_extend(h, s->words[i]);
    return h;
}

/* ---- lm_build.h read access ---- */

int lm_lookup_ngram(const unspin_lm *lm, int n, const unspin_word *ids, float *logprob, float *backoff)
{
    if (n < 1 || n > lm->order)
        return UNSPIN_E_NOTFOUND;
    for (int i = 0; i < n; i++)
        if (ids[i] >= lm->V)
            return UNSPIN_E_NOTFOUND;
    if (n == 1) {
        float b = lm->uni[2 * (size_t)ids[0] + 1];
        *logprob = lm->uni[2 * (size_t)ids[0]];
        *backoff = b == 0.0f ? 0.0f : b;
        return UNSPIN_OK;
    }
    const unsigned char *e = find(lm, n, lm_key_final(lm_key_of(ids, n)));
    if (!e)
        return UNSPIN_E_NOTFOUND;
    entry_values(lm, n, e, logprob, backoff);
    return UNSPIN_OK;
}

int lm_foreach_ngram(const unspin_lm *lm, int n, lm_ngram_fn fn, void *ctx)
{
    if (n < 1 || n > lm->order)
        return UNSPIN_E_INVALID;
    if (n == 1) {
        for (uint32_t id = 0; id < lm->V; id++) {
            unspin_word w = id;
            float b = lm->uni[2 * (size_t)id + 1];
            int r = fn(ctx, 1, &w, lm->uni[2 * (size_t)id], b == 0.0f ? 0.0f : b);
            if (r)
                return r;
        }
        return UNSPIN_OK;
    }
    const unsigned char *g = lm->grams[n];
    for (uint64_t k = 0; k < lm->counts[n - 1]; k++) {
        unspin_word ids[UNSPIN_LM_MAX_ORDER];
        for (int i = 0; i < n; i++)
            ids[i] = us_load32(g + 4 * ((size_t)k * (size_t)n + (size_t)i));
        float p, bo;
        if (lm_lookup_ngram(lm, n, ids, &p, &bo) != UNSPIN_OK)
            return UNSPIN_E_FORMAT;
        int r = fn(ctx, n, ids, p, bo);
        if (r)
            return r;
    }
    return UNSPIN_OK;
}
