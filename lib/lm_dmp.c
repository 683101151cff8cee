/*
 * lm_dmp.c - read CMU Sphinx binary language models and convert them.
 *
 * Supported: the "Trie Language Model" binary of sphinxbase 5prealpha
 * (pocketsphinx-en-us's en-us.lm.bin). Layout, worked out from the bytes
 * (docs/lm-training.md), all little-endian:
 *
 *   "Trie Language Model"            19 bytes, no NUL
 *   uint8  order N (2..5)
 *   uint32 counts[N]                 n-grams per order as announced (a file
 *                                    may store fewer than announced)
 *   int32  1                         quantisation marker
 *   float  bins[(N-2)*2+1][65536]    quantisation tables: for each middle
 *                                    order a probability and a back-off
 *                                    table, then the highest order's
 *                                    probability table
 *   struct {float prob, bo; uint32 next;} unigrams[counts[0]+1]
 *   middle arrays (orders 2..N-1), then the longest array: bit-packed
 *     entries (LSB first) of total_bits each, (1+counts[n-1])*total_bits/8
 *     rounded up + 8 bytes; an entry is
 *       word (bits(counts[0])) | quant | next (bits(counts[n]))   middle
 *       word | prob index (16 bits)                              longest
 *     with quant = back-off index (16 bits, low) | prob index (16 bits).
 *   int32  total length of the words, then counts[0] NUL-terminated words.
 *
 * The trie is reversed: the children of the unigram w are the words v of the
 * bigrams "v w", the children of that entry the u of "u v w"; an entry's
 * children are [next(i), next(i+1)). Values are logs in base 1.0001
 * (sphinxbase's logmath), converted here to log10.
 * The older "Darpa Trigram LM" DMP format is recognised but not converted.
 */
#include "lm_train.h"

#include <math.h>
#include <string.h>

#define TRIE_MAGIC "Trie Language Model"
#define DMP_MAGIC "Darpa Trigram LM"
#define QBINS 65536u

typedef struct sx_array {
    size_t off, size; /* byte range in the file */
    unsigned total_bits, word_bits, next_bits;
} sx_array;

typedef struct sx_model {
    const unsigned char *d;
    size_t size;
    const char *name;
    int order;
    uint32_t counts[UNSPIN_LM_MAX_ORDER];
    size_t quant, uni;
    sx_array arr[UNSPIN_LM_MAX_ORDER + 1]; /* arr[n] for n >= 2 */
    const char **words;
    size_t *wlen;
    uint32_t *map; /* sphinx id -> output id, UINT32_MAX if dropped */
    uint32_t nout;
    lm_sink *sink;
    unspin_error *err;
    double scale; /* log10(1.0001) */
} sx_model;

static unsigned bits_for(uint64_t v)
{
    unsigned r = 0;
    while (v) {
        v >>= 1;
        r++;
    }
    return r;
}

/* Bits [bit, bit+len) (len <= 32) of the array's bytes, LSB first. */
static uint32_t sx_bits(const sx_model *m, const sx_array *a, uint64_t bit, unsigned len)
{
    uint64_t v = 0;
    size_t byte = (size_t)(bit >> 3);
    unsigned need = ((unsigned)(bit & 7) + len + 7) / 8;
    for (unsigned i = 0; i < need; i++)
        if (byte + i < a->size) /* sizes were checked; never read past the array */
            v |= (uint64_t)m->d[a->off + byte + i] << (8 * i);
    v >>= bit & 7;
    return (uint32_t)(v & ((len >= 32) ? 0xffffffffu : ((1u << len) - 1)));
}

static float sx_bin(const sx_model *m, unsigned table, uint32_t idx)
{
    uint32_t u = us_load32(m->d + m->quant + ((size_t)table * QBINS + idx) * 4);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static float sx_log10(const sx_model *m, float v)
{
    if (!isfinite(v))
        return -99.0f;
    double r = (double)v * m->scale;
    if (r < -99.0)
        r = -99.0;
    if (r > 0.0)
        r = 0.0;
    return (float)r;
}

static float sx_bo10(const sx_model *m, float v)
{
    if (!isfinite(v))
        return 0.0f;
    double r = (double)v * m->scale;
    if (r < -99.0)
        r = -99.0;
    if (r > 99.0)
        r = 99.0;
    return (float)r;
}

/* The children range [*b, *e) of entry i of order n (n = 1: unigram). */
static int sx_children(const sx_model *m, int n, uint64_t i, uint64_t *b, uint64_t *e)
{
    if (n == 1) {
        *b = us_load32(m->d + m->uni + (size_t)i * 12 + 8);
        *e = us_load32(m->d + m->uni + (size_t)(i + 1) * 12 + 8);
    } else {
        const sx_array *a = &m->arr[n];
        uint64_t off = (uint64_t)a->word_bits + 32;
        *b = sx_bits(m, a, i * a->total_bits + off, a->next_bits);
        *e = sx_bits(m, a, (i + 1) * a->total_bits + off, a->next_bits);
    }
    if (*b > *e || *e > m->counts[n])
        return us_error(m->err, UNSPIN_E_FORMAT, "%s: %d-gram entry %llu: child range %llu..%llu out of bounds",
                        m->name, n, (unsigned long long)i, (unsigned long long)*b, (unsigned long long)*e);
    return UNSPIN_OK;
}

/* Emit every n-gram of order `target` below entry i of order n; path holds
 * the words newest first. */
static int sx_walk(sx_model *m, int n, uint64_t i, uint32_t *path, int target)
{
    uint64_t b, e;
    US_TRY(sx_children(m, n, i, &b, &e));
    int c = n + 1;
    const sx_array *a = &m->arr[c];
    for (uint64_t j = b; j < e; j++) {
        uint64_t base = j * a->total_bits;
        uint32_t w = sx_bits(m, a, base, a->word_bits);
        if (w >= m->counts[0])
            return us_error(m->err, UNSPIN_E_FORMAT, "%s: %d-gram entry %llu: word id %u out of range", m->name, c,
                            (unsigned long long)j, w);
        path[c - 1] = w;
        if (c < target) {
            US_TRY(sx_walk(m, c, j, path, target));
            continue;
        }
        float p, bo = 0.0f;
        if (c < m->order) {
            uint32_t q = sx_bits(m, a, base + a->word_bits, 32);
            unsigned t = (unsigned)(c - 2) * 2;
            p = sx_log10(m, sx_bin(m, t, q >> 16));
            bo = sx_bo10(m, sx_bin(m, t + 1, q & 0xffff));
        } else {
            uint32_t q = sx_bits(m, a, base + a->word_bits, 16);
            p = sx_log10(m, sx_bin(m, (unsigned)(m->order - 2) * 2, q));
        }
        if (!m->sink)
            continue;
        uint32_t ids[UNSPIN_LM_MAX_ORDER];
        int keep = 1;
        for (int k = 0; k < c; k++) {
            ids[k] = m->map[path[c - 1 - k]];
            if (ids[k] == UINT32_MAX)
                keep = 0;
        }
        if (keep)
            US_TRY(lm_sink_ngram(m->sink, c, ids, p, bo, m->err));
    }
    return UNSPIN_OK;
}

static int sx_parse(sx_model *m, unspin_error *err)
{
    const unsigned char *d = m->d;
    size_t size = m->size, mlen = strlen(TRIE_MAGIC);
    if (size >= strlen(DMP_MAGIC) + 4 && memcmp(d + 4, DMP_MAGIC, strlen(DMP_MAGIC)) == 0)
        return us_error(err, UNSPIN_E_FORMAT, "%s: Sphinx DMP (\"%s\") format is not supported; convert it to ARPA",
                        m->name, DMP_MAGIC);
    if (size < mlen + 1 || memcmp(d, TRIE_MAGIC, mlen) != 0)
        return us_error(err, UNSPIN_E_FORMAT, "%s: not a Sphinx binary LM (no \"%s\" magic at offset 0)", m->name,
                        TRIE_MAGIC);
    size_t o = mlen;
    m->order = d[o++];
    if (m->order < 2 || m->order > UNSPIN_LM_MAX_ORDER)
        return us_error(err, UNSPIN_E_FORMAT, "%s: offset %zu: order %d not in 2..%d", m->name, o - 1, m->order,
                        UNSPIN_LM_MAX_ORDER);
    if (size - o < 4u * (unsigned)m->order + 4)
        return us_error(err, UNSPIN_E_FORMAT, "%s: truncated header", m->name);
    for (int n = 0; n < m->order; n++, o += 4) {
        m->counts[n] = us_load32(d + o);
        if (m->counts[n] == 0 || m->counts[n] >= UINT32_MAX - 1)
            return us_error(err, UNSPIN_E_FORMAT, "%s: offset %zu: bad %d-gram count %u", m->name, o, n + 1,
                            m->counts[n]);
    }
    if (us_load32(d + o) != 1)
        return us_error(err, UNSPIN_E_FORMAT, "%s: offset %zu: unsupported quantisation marker %u", m->name, o,
                        us_load32(d + o));
    o += 4;
    size_t qsize = ((size_t)(m->order - 2) * 2 + 1) * QBINS * 4;
    if (size - o < qsize)
        return us_error(err, UNSPIN_E_FORMAT, "%s: offset %zu: truncated quantisation tables", m->name, o);
    m->quant = o;
    o += qsize;
    size_t usize = ((size_t)m->counts[0] + 1) * 12;
    if (size - o < usize)
        return us_error(err, UNSPIN_E_FORMAT, "%s: offset %zu: truncated unigrams", m->name, o);
    m->uni = o;
    o += usize;
    unsigned wb = bits_for(m->counts[0]);
    for (int n = 2; n <= m->order; n++) {
        sx_array *a = &m->arr[n];
        a->word_bits = wb;
        a->next_bits = n < m->order ? bits_for(m->counts[n]) : 0;
        a->total_bits = wb + (n < m->order ? 32 + a->next_bits : 16);
        if (a->next_bits > 32)
            return us_error(err, UNSPIN_E_FORMAT, "%s: %d-gram pointers too wide", m->name, n);
        uint64_t bytes = (((uint64_t)m->counts[n - 1] + 1) * a->total_bits + 7) / 8 + 8;
        if ((uint64_t)(size - o) < bytes)
            return us_error(err, UNSPIN_E_FORMAT, "%s: offset %zu: truncated %d-gram array (%llu bytes)", m->name, o, n,
                            (unsigned long long)bytes);
        a->off = o;
        a->size = (size_t)bytes;
        o += (size_t)bytes;
    }
    if (size - o < 4)
        return us_error(err, UNSPIN_E_FORMAT, "%s: offset %zu: missing word list", m->name, o);
    uint32_t wl = us_load32(d + o);
    o += 4;
    if (wl > size - o)
        return us_error(err, UNSPIN_E_FORMAT, "%s: offset %zu: word list of %u bytes past the end", m->name, o - 4, wl);
    m->words = us_calloc(m->counts[0], sizeof(char *));
    m->wlen = us_calloc(m->counts[0], sizeof(size_t));
    m->map = us_malloc(sizeof(uint32_t) * m->counts[0]);
    if (!m->words || !m->wlen || !m->map)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    size_t p = o, end = o + wl;
    for (uint32_t i = 0; i < m->counts[0]; i++) {
        const unsigned char *z = memchr(d + p, 0, end - p);
        if (!z)
            return us_error(err, UNSPIN_E_FORMAT, "%s: offset %zu: word %u not terminated", m->name, p, i);
        m->words[i] = (const char *)d + p;
        m->wlen[i] = (size_t)(z - (d + p));
        p = (size_t)(z - d) + 1;
    }
    /* unigram child pointers must be monotonic and in range */
    uint32_t prev = 0;
    for (uint32_t i = 0; i <= m->counts[0]; i++) {
        uint32_t nx = us_load32(d + m->uni + (size_t)i * 12 + 8);
        if (nx < prev || nx > m->counts[1])
            return us_error(err, UNSPIN_E_FORMAT, "%s: offset %zu: unigram %u: bad child pointer %u", m->name,
                            m->uni + (size_t)i * 12 + 8, i, nx);
        prev = nx;
    }
    return UNSPIN_OK;
}

/* Sphinx filler and noise tokens: <sil>, [noise], ++garbage++ ... */
static int is_filler(const char *w, size_t n)
{
    if (n >= 2 && w[0] == '<' && w[n - 1] == '>')
        return !(strcmp(w, "<s>") == 0 || strcmp(w, "</s>") == 0 || strcmp(w, "<unk>") == 0 ||
                 strcmp(w, "<UNK>") == 0);
    if (n >= 2 && w[0] == '[' && w[n - 1] == ']')
        return 1;
    if (n >= 4 && w[0] == '+' && w[1] == '+')
        return 1;
    return 0;
}

static int sx_convert(sx_model *m, const char *out_path, unspin_error *err)
{
    US_TRY(sx_parse(m, err));
    /* output vocabulary: lower-cased, fillers and duplicates dropped */
    char *lower = NULL;
    size_t lcap = 0;
    lm_sink sink;
    memset(&sink, 0, sizeof sink);
    uint64_t counts[UNSPIN_LM_MAX_ORDER];
    for (int n = 0; n < m->order; n++)
        counts[n] = m->counts[n];
    int rc = UNSPIN_OK;
    /* duplicate detection after lower-casing: a small open-addressing table */
    size_t hcap = 1;
    while (hcap < (size_t)m->counts[0] * 2)
        hcap <<= 1;
    uint32_t *slot = us_calloc(hcap, sizeof(uint32_t));
    char **low = us_calloc(m->counts[0], sizeof(char *));
    if (!slot || !low) {
        rc = us_error(err, UNSPIN_E_NOMEM, "out of memory");
        goto done;
    }
    if (out_path && (rc = lm_sink_open(&sink, out_path, m->order, counts, err)) < 0)
        goto done;
    m->sink = out_path ? &sink : NULL;
    for (uint32_t i = 0; i < m->counts[0]; i++) {
        m->map[i] = UINT32_MAX;
        size_t n = m->wlen[i];
        if (n == 0 || is_filler(m->words[i], n))
            continue;
        if (us_grow((void **)&lower, &lcap, n + 1, 1) < 0) {
            rc = us_error(err, UNSPIN_E_NOMEM, "out of memory");
            goto done;
        }
        for (size_t k = 0; k < n; k++) {
            char c = m->words[i][k];
            lower[k] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        }
        lower[n] = 0;
        if (strcmp(lower, "<UNK>") == 0)
            strcpy(lower, "<unk>");
        size_t h = (size_t)us_hash(lower, n) & (hcap - 1);
        int dup = 0;
        while (slot[h]) {
            if (strcmp(low[slot[h] - 1], lower) == 0) {
                dup = 1;
                break;
            }
            h = (h + 1) & (hcap - 1);
        }
        if (dup)
            continue;
        low[i] = us_malloc(n + 1);
        if (!low[i]) {
            rc = us_error(err, UNSPIN_E_NOMEM, "out of memory");
            goto done;
        }
        memcpy(low[i], lower, n + 1);
        slot[h] = i + 1;
        m->map[i] = m->nout++;
        const unsigned char *u = m->d + m->uni + (size_t)i * 12;
        float p, bo;
        uint32_t pu = us_load32(u), bu = us_load32(u + 4);
        memcpy(&p, &pu, sizeof p);
        memcpy(&bo, &bu, sizeof bo);
        if (m->sink && (rc = lm_sink_word(m->sink, lower, n, sx_log10(m, p), sx_bo10(m, bo), err)) < 0)
            goto done;
    }
    uint32_t path[UNSPIN_LM_MAX_ORDER];
    for (int target = 2; target <= m->order && rc >= 0; target++)
        for (uint32_t w = 0; w < m->counts[0] && rc >= 0; w++) {
            path[0] = w;
            rc = sx_walk(m, 1, w, path, target);
        }
    if (rc >= 0 && m->sink)
        rc = lm_sink_finish(m->sink, err);
done:
    if (m->sink || out_path)
        lm_sink_free(&sink);
    if (low)
        for (uint32_t i = 0; i < m->counts[0]; i++)
            us_free(low[i]);
    us_free(low);
    us_free(slot);
    us_free(lower);
    return rc;
}

int unspin_lm_import_sphinx_mem(const unsigned char *data, size_t size, const char *name, const char *out_path,
                                unspin_error *err)
{
    sx_model m;
    memset(&m, 0, sizeof m);
    m.d = data;
    m.size = size;
    m.name = name ? name : "(memory)";
    m.err = err;
    m.scale = log10(1.0001);
    int rc = sx_convert(&m, out_path, err);
    us_free(m.words);
    us_free(m.wlen);
    us_free(m.map);
    return rc;
}

int unspin_lm_import_sphinx(const char *path, const char *out_path, unspin_error *err)
{
    us_map map;
    US_TRY(us_map_open(path, &map, err));
    int rc = unspin_lm_import_sphinx_mem(map.data, map.size, path, out_path, err);
    us_map_close(&map);
    return rc;
}
