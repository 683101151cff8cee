/* lm_write.c - build .uslm files (the lm_writer of lm_build.h).
 *
 * The writer keeps every n-gram in memory (dense arrays plus a growing hash
 * index for duplicate detection), then lays out the file described in
 * lm_format.h: written first under the "incomplete" magic, the real header
 * and checksum go in last. */
#include "lm_format.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct lm_order_buf {
    uint32_t *ids; /* n per gram, output ids, oldest first */
    float *prob, *bo;
    uint64_t *keys;
    size_t count, cap;
    uint32_t *index; /* gram + 1, 0 = empty; power-of-two buckets */
    size_t ibuckets;
} lm_order_buf;

struct lm_writer {
    int order;
    int frozen;
    /* unigrams, input numbering */
    char *strings;
    size_t slen, scap;
    uint32_t *woff;
    float *wprob, *wbo;
    size_t nw, wcap;
    uint32_t *windex; /* id + 1; power-of-two buckets */
    size_t wbuckets;
    /* after freezing: output numbering */
    uint32_t *map;    /* input id -> output id */
    uint32_t *outsrc; /* output id -> input id, or UINT32_MAX for an added word */
    const char **outname;
    uint32_t nout, bos, eos;
    lm_order_buf g[UNSPIN_LM_MAX_ORDER + 1];
};

static const char *w_str(const lm_writer *w, uint32_t id) { return w->strings + w->woff[id]; }

int lm_writer_create(lm_writer **out, int order, const uint64_t *counts, unspin_error *err)
{
    *out = NULL;
    if (order < 1 || order > UNSPIN_LM_MAX_ORDER)
        return us_error(err, UNSPIN_E_LIMIT, "n-gram order %d is not supported (1 to %d)", order,
                        UNSPIN_LM_MAX_ORDER);
    lm_writer *w = us_calloc(1, sizeof *w);
    if (!w)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    w->order = order;
    /* counts are hints only: start small enough that a lying header costs nothing */
    size_t hint = counts && counts[0] < (1u << 20) ? (size_t)counts[0] : (1u << 20);
    if (us_grow((void **)&w->woff, &w->wcap, hint + 4, sizeof *w->woff) < 0) {
        lm_writer_free(w);
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    }
    size_t cap = w->wcap;
    w->wprob = us_malloc(cap * sizeof(float));
    w->wbo = us_malloc(cap * sizeof(float));
    w->wbuckets = 64;
    while (w->wbuckets < cap * 2)
        w->wbuckets *= 2;
    w->windex = us_calloc(w->wbuckets, sizeof *w->windex);
    if (!w->wprob || !w->wbo || !w->windex) {
        lm_writer_free(w);
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    }
    *out = w;
    return UNSPIN_OK;
}

void lm_writer_free(lm_writer *w)
{
    if (!w)
        return;
    us_free(w->strings);
    us_free(w->woff);
    us_free(w->wprob);
    us_free(w->wbo);
    us_free(w->windex);
    us_free(w->map);
    us_free(w->outsrc);
    us_free((void *)w->outname);
    for (int n = 2; n <= UNSPIN_LM_MAX_ORDER; n++) {
        lm_order_buf *b = &w->g[n];
        us_free(b->ids);
        us_free(b->prob);
        us_free(b->bo);
        us_free(b->keys);
        us_free(b->index);
    }
    us_free(w);
}

static long word_find(const lm_writer *w, const char *word, size_t len, size_t *slot)
{
    size_t mask = w->wbuckets - 1;
    size_t i = (size_t)us_hash(word, len) & mask;
    for (;;) {
        uint32_t v = w->windex[i];
        if (!v) {
            *slot = i;
            return -1;
        }
        const char *s = w_str(w, v - 1);
        if (strncmp(s, word, len) == 0 && s[len] == 0)
            return (long)(v - 1);
        i = (i + 1) & mask;
    }
}

long lm_writer_word_id(const lm_writer *w, const char *word, size_t len)
{
    size_t slot;
    return word_find(w, word, len, &slot);
}

uint32_t lm_writer_nwords(const lm_writer *w) { return (uint32_t)w->nw; }

static int word_index_grow(lm_writer *w)
{
    size_t nb = w->wbuckets * 2;
    uint32_t *ix = us_calloc(nb, sizeof *ix);
    if (!ix)
        return UNSPIN_E_NOMEM;
    for (size_t id = 0; id < w->nw; id++) {
        const char *s = w_str(w, (uint32_t)id);
        size_t i = (size_t)us_hash(s, strlen(s)) & (nb - 1);
        while (ix[i])
            i = (i + 1) & (nb - 1);
        ix[i] = (uint32_t)id + 1;
    }
    us_free(w->windex);
    w->windex = ix;
    w->wbuckets = nb;
    return UNSPIN_OK;
}

int lm_writer_add_word(lm_writer *w, const char *word, size_t len, float logprob, float backoff,
                       unspin_error *err)
{
    if (w->frozen)
        return us_error(err, UNSPIN_E_FORMAT, "unigram '%.*s' after higher-order n-grams",
                        (int)(len > 64 ? 64 : len), word);
    if (len == 0 || memchr(word, 0, len) || memchr(word, ' ', len) || memchr(word, '\t', len) ||
        memchr(word, '\n', len))
        return us_error(err, UNSPIN_E_FORMAT, "invalid word (empty or with a space or NUL byte)");
    if (isnan(logprob) || isnan(backoff))
        return us_error(err, UNSPIN_E_FORMAT, "probability of '%.*s' is not a number",
                        (int)(len > 64 ? 64 : len), word);
    if (w->nw >= UINT32_MAX - 8 || w->slen + len + 1 > UINT32_MAX)
        return us_error(err, UNSPIN_E_LIMIT, "too many words");
    size_t slot;
    if (word_find(w, word, len, &slot) >= 0)
        return us_error(err, UNSPIN_E_FORMAT, "duplicate unigram '%.*s'", (int)(len > 64 ? 64 : len), word);
    if (w->nw + 1 >= w->wcap) {
        size_t cap = w->wcap;
        if (us_grow((void **)&w->woff, &cap, w->nw + 2, sizeof *w->woff) < 0)
            return us_error(err, UNSPIN_E_NOMEM, "out of memory");
        float *p = us_realloc(w->wprob, cap * sizeof(float));
        if (!p)
            return us_error(err, UNSPIN_E_NOMEM, "out of memory");
        w->wprob = p;
        p = us_realloc(w->wbo, cap * sizeof(float));
        if (!p)
            return us_error(err, UNSPIN_E_NOMEM, "out of memory");
        w->wbo = p;
        w->wcap = cap;
    }
    if (us_grow((void **)&w->strings, &w->scap, w->slen + len + 1, 1) < 0)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    memcpy(w->strings + w->slen, word, len);
    w->strings[w->slen + len] = 0;
    w->woff[w->nw] = (uint32_t)w->slen;
    w->slen += len + 1;
    w->wprob[w->nw] = logprob;
    w->wbo[w->nw] = backoff;
    w->windex[slot] = (uint32_t)w->nw + 1;
    w->nw++;
    if (w->nw * 2 > w->wbuckets && word_index_grow(w) < 0)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    return UNSPIN_OK;
}

/* Fix the output numbering: <unk> first, then the words in input order,
 * then <s> and </s> if they were missing. */
static int freeze(lm_writer *w, unspin_error *err)
{
    if (w->frozen)
        return UNSPIN_OK;
    long unk = lm_writer_word_id(w, "<unk>", 5);
    long bos = lm_writer_word_id(w, "<s>", 3);
    long eos = lm_writer_word_id(w, "</s>", 4);
    size_t nout = w->nw + (unk < 0) + (bos < 0) + (eos < 0);
    w->map = us_malloc((w->nw + 1) * sizeof *w->map);
    w->outsrc = us_malloc(nout * sizeof *w->outsrc);
    w->outname = us_malloc(nout * sizeof *w->outname);
    if (!w->map || !w->outsrc || !w->outname)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    uint32_t o = 0;
    w->outsrc[o] = unk < 0 ? UINT32_MAX : (uint32_t)unk;
    w->outname[o] = "<unk>";
    if (unk >= 0)
        w->map[unk] = o;
    o++;
    for (size_t i = 0; i < w->nw; i++) {
        if ((long)i == unk)
            continue;
        w->map[i] = o;
        w->outsrc[o] = (uint32_t)i;
        w->outname[o] = w_str(w, (uint32_t)i);
        o++;
    }
    if (bos < 0) {
        w->outsrc[o] = UINT32_MAX;
        w->outname[o] = "<s>";
        w->bos = o++;
    } else {
        w->bos = w->map[bos];
    }
    if (eos < 0) {
        w->outsrc[o] = UINT32_MAX;
        w->outname[o] = "</s>";
        w->eos = o++;
    } else {
        w->eos = w->map[eos];
    }
    w->nout = o;
    w->frozen = 1;
    return UNSPIN_OK;
}

static int index_grow(lm_order_buf *b)
{
    size_t nb = b->ibuckets ? b->ibuckets * 2 : 1024;
    uint32_t *ix = us_calloc(nb, sizeof *ix);
    if (!ix)
        return UNSPIN_E_NOMEM;
    for (size_t g = 0; g < b->count; g++) {
        size_t i = (size_t)b->keys[g] & (nb - 1);
        while (ix[i])
            i = (i + 1) & (nb - 1);
        ix[i] = (uint32_t)g + 1;
    }
    us_free(b->index);
    b->index = ix;
    b->ibuckets = nb;
    return UNSPIN_OK;
}

int lm_writer_add(lm_writer *w, int n, const uint32_t *ids, float logprob, float backoff,
                  unspin_error *err)
{
    if (n < 2 || n > w->order)
        return us_error(err, UNSPIN_E_INVALID, "%d-gram in a model of order %d", n, w->order);
    US_TRY(freeze(w, err));
    if (isnan(logprob) || isnan(backoff))
        return us_error(err, UNSPIN_E_FORMAT, "probability is not a number");
    if (n == w->order)
        backoff = 0;
    lm_order_buf *b = &w->g[n];
    if (b->count >= UINT32_MAX - 1)
        return us_error(err, UNSPIN_E_LIMIT, "too many %d-grams", n);
    uint32_t out[UNSPIN_LM_MAX_ORDER];
    for (int i = 0; i < n; i++) {
        if (ids[i] >= w->nw)
            return us_error(err, UNSPIN_E_INVALID, "word id %u out of range (%zu words)", ids[i], w->nw);
        out[i] = w->map[ids[i]];
    }
    uint64_t key = lm_key_final(lm_key_of(out, n));
    if ((b->count + 1) * 10 > b->ibuckets * 7 && index_grow(b) < 0)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    size_t mask = b->ibuckets - 1, i = (size_t)key & mask;
    while (b->index[i]) {
        if (b->keys[b->index[i] - 1] == key) {
            char buf[160];
            size_t k = 0;
            for (int j = 0; j < n && k < sizeof buf - 1; j++)
                k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%s", j ? " " : "", w->outname[out[j]]);
            return us_error(err, UNSPIN_E_FORMAT, "duplicate %d-gram '%s'", n, buf);
        }
        i = (i + 1) & mask;
    }
    if (b->count >= b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        uint32_t *nid = us_realloc(b->ids, cap * (size_t)n * sizeof *nid);
        if (nid)
            b->ids = nid;
        float *np = us_realloc(b->prob, cap * sizeof *np);
        if (np)
            b->prob = np;
        float *nbo = us_realloc(b->bo, cap * sizeof *nbo);
        if (nbo)
            b->bo = nbo;
        uint64_t *nk = us_realloc(b->keys, cap * sizeof *nk);
        if (nk)
            b->keys = nk;
        if (!nid || !np || !nbo || !nk)
            return us_error(err, UNSPIN_E_NOMEM, "out of memory");
        b->cap = cap;
    }
    memcpy(b->ids + b->count * (size_t)n, out, (size_t)n * sizeof *out);
    b->prob[b->count] = logprob;
    b->bo[b->count] = backoff;
    b->keys[b->count] = key;
    b->index[i] = (uint32_t)b->count + 1;
    b->count++;
    return UNSPIN_OK;
}

/* ---- quantisation: quantile bins, an exact bin for 0 ---- */

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

static float qclamp(float v) { return v < -100.0f ? -100.0f : v; }

/* centres[0..nbins) sorted ascending */
static int quant_train(const float *v, size_t m, float *centres, size_t nbins)
{
    float *s = us_malloc((m ? m : 1) * sizeof *s);
    if (!s)
        return UNSPIN_E_NOMEM;
    size_t k = 0;
    int zero = 0;
    for (size_t i = 0; i < m; i++) {
        float x = qclamp(v[i]);
        if (x == 0.0f)
            zero = 1;
        else
            s[k++] = x;
    }
    qsort(s, k, sizeof *s, cmp_float);
    size_t distinct = 0;
    for (size_t i = 0; i < k; i++)
        if (i == 0 || s[i] != s[i - 1])
            s[distinct++] = s[i];
    /* from here the distinct values are what we bin (weights per value are lost, which
       keeps it simple and still spreads bins over the value range) */
    size_t avail = nbins - (size_t)zero, c = 0;
    if (distinct <= avail) {
        for (size_t i = 0; i < distinct; i++)
            centres[c++] = s[i];
    } else {
        for (size_t b = 0; b < avail; b++) {
            size_t lo = distinct * b / avail, hi = distinct * (b + 1) / avail;
            double sum = 0;
            for (size_t i = lo; i < hi; i++)
                sum += s[i];
            centres[c++] = (float)(sum / (double)(hi - lo));
        }
    }
    if (zero)
        centres[c++] = 0.0f;
    if (c == 0)
        centres[c++] = 0.0f;
    while (c < nbins) {
        centres[c] = centres[c - 1];
        c++;
    }
    qsort(centres, nbins, sizeof *centres, cmp_float);
    us_free(s);
    return UNSPIN_OK;
}

static uint16_t quant_bin(const float *centres, size_t nbins, float v)
{
    v = qclamp(v);
    size_t lo = 0, hi = nbins; /* first centre >= v */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (centres[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == nbins)
        return (uint16_t)(nbins - 1);
    if (lo > 0 && v - centres[lo - 1] < centres[lo] - v)
        return (uint16_t)(lo - 1);
    return (uint16_t)lo;
}

/* ext[n][g] = 1 when n-gram g of order n is the context of some (n+1)-gram
 * (unigrams: indexed by output id). N-grams with back-off 0 and no extension
 * are marked (back-off -0.0, or bit 15 of a quantised bin) so that readers
 * leave them out of states: their future never depends on them. */
static int find_gram(const lm_order_buf *b, uint64_t key)
{
    if (!b->ibuckets)
        return -1;
    size_t mask = b->ibuckets - 1, i = (size_t)key & mask;
    while (b->index[i]) {
        if (b->keys[b->index[i] - 1] == key)
            return (int)(b->index[i] - 1);
        i = (i + 1) & mask;
    }
    return -1;
}

static unsigned char *extension_flags(const lm_writer *w, int n)
{
    size_t count = n == 1 ? w->nout : w->g[n].count;
    unsigned char *ext = us_calloc(count ? count : 1, 1);
    if (!ext || n >= w->order)
        return ext;
    const lm_order_buf *up = &w->g[n + 1];
    for (size_t g = 0; g < up->count; g++) {
        const uint32_t *ids = up->ids + g * (size_t)(n + 1);
        if (n == 1) {
            ext[ids[0]] = 1;
        } else {
            int k = find_gram(&w->g[n], lm_key_final(lm_key_of(ids, n)));
            if (k >= 0)
                ext[k] = 1;
        }
    }
    return ext;
}

static float mark_backoff(float bo, int ext) { return bo != 0.0f ? bo : ext ? 0.0f : -0.0f; }

/* ---- file output ---- */

typedef struct out_file {
    FILE *f;
    const char *path;
    us_hasher *h;
    uint64_t pos;
    int failed;
} out_file;

static void out_write(out_file *o, const void *p, size_t n)
{
    if (o->failed || n == 0)
        return;
    if (fwrite(p, 1, n, o->f) != n) {
        o->failed = errno ? errno : EIO;
        return;
    }
    if (o->pos >= LM_HEADER_SIZE)
        us_hasher_update(o->h, p, n);
    o->pos += n;
}

static void out_pad(out_file *o)
{
    static const unsigned char zeros[8];
    if (o->pos % 8)
        out_write(o, zeros, 8 - o->pos % 8);
}

typedef struct lm_layout {
    uint64_t off[LM_NSECT], len[LM_NSECT];
    uint64_t buckets[UNSPIN_LM_MAX_ORDER];
    uint64_t size;
} lm_layout;

static void make_header(unsigned char *hdr, const lm_writer *w, const lm_layout *L, int qbits,
                        const char *magic, uint64_t checksum)
{
    memset(hdr, 0, LM_HEADER_SIZE);
    memcpy(hdr + LM_H_MAGIC, magic, 8);
    us_store32(hdr + LM_H_VERSION, LM_VERSION);
    us_store32(hdr + LM_H_HEADER_SIZE, LM_HEADER_SIZE);
    lm_storef(hdr + LM_H_ONE_F, 1.0f);
    lm_storef(hdr + LM_H_MHALF_F, -0.5f);
    us_store64(hdr + LM_H_ONE_U64, 1);
    uint32_t endian = LM_ENDIAN_MARK;
    memcpy(hdr + LM_H_ENDIAN, &endian, 4);
    us_store32(hdr + LM_H_ORDER, (uint32_t)w->order);
    us_store32(hdr + LM_H_QBITS, (uint32_t)qbits);
    us_store64(hdr + LM_H_VOCAB, w->nout);
    us_store64(hdr + LM_H_COUNTS, w->nout);
    for (int n = 2; n <= UNSPIN_LM_MAX_ORDER; n++)
        us_store64(hdr + LM_H_COUNTS + 8 * (n - 1), n <= w->order ? w->g[n].count : 0);
    for (int i = 0; i < UNSPIN_LM_MAX_ORDER; i++)
        us_store64(hdr + LM_H_BUCKETS + 8 * i, L->buckets[i]);
    us_store64(hdr + LM_H_FILE_SIZE, L->size);
    us_store64(hdr + LM_H_CHECKSUM, checksum);
    us_store32(hdr + LM_H_BOS, w->bos);
    us_store32(hdr + LM_H_EOS, w->eos);
    for (int s = 0; s < LM_NSECT; s++) {
        us_store64(hdr + LM_H_SECTIONS + 16 * s, L->off[s]);
        us_store64(hdr + LM_H_SECTIONS + 16 * s + 8, L->len[s]);
    }
}

static int write_body(lm_writer *w, out_file *o, const lm_layout *L, int qbits, unspin_error *err)
{
    uint32_t V = w->nout;
    size_t nbins = qbits ? (size_t)1 << qbits : 0;
    /* vocabulary offsets and strings */
    {
        uint32_t *offs = us_malloc((size_t)V * 4);
        if (!offs)
            return us_error(err, UNSPIN_E_NOMEM, "out of memory");
        uint32_t at = 0;
        for (uint32_t i = 0; i < V; i++) {
            us_store32(&offs[i], at);
            at += (uint32_t)strlen(w->outname[i]) + 1;
        }
        out_write(o, offs, (size_t)V * 4);
        us_free(offs);
        out_pad(o);
        for (uint32_t i = 0; i < V; i++)
            out_write(o, w->outname[i], strlen(w->outname[i]) + 1);
        out_pad(o);
    }
    /* vocabulary hash */
    {
        uint64_t vb = L->buckets[0];
        uint32_t *ix = us_calloc((size_t)vb, 4);
        if (!ix)
            return us_error(err, UNSPIN_E_NOMEM, "out of memory");
        for (uint32_t i = 0; i < V; i++) {
            uint64_t b = lm_bucket(us_hash(w->outname[i], strlen(w->outname[i])), vb);
            while (ix[b])
                b = b + 1 == vb ? 0 : b + 1;
            ix[b] = i + 1;
        }
        for (uint64_t b = 0; b < vb; b++)
            us_store32(&ix[b], ix[b]);
        out_write(o, ix, (size_t)vb * 4);
        us_free(ix);
        out_pad(o);
    }
    /* unigrams */
    {
        float *u = us_malloc((size_t)V * 8);
        unsigned char *ext = extension_flags(w, 1);
        if (!u || !ext) {
            us_free(u);
            us_free(ext);
            return us_error(err, UNSPIN_E_NOMEM, "out of memory");
        }
        for (uint32_t i = 0; i < V; i++) {
            uint32_t src = w->outsrc[i];
            u[2 * i] = src == UINT32_MAX ? -100.0f : w->wprob[src];
            u[2 * i + 1] = mark_backoff(src == UINT32_MAX ? 0.0f : w->wbo[src], ext[i] || w->order == 1);
        }
        out_write(o, u, (size_t)V * 8);
        us_free(u);
        us_free(ext);
        out_pad(o);
    }
    /* tables */
    float *centres = nbins ? us_malloc(2 * nbins * sizeof *centres) : NULL;
    if (nbins && !centres)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    for (int n = 2; n <= w->order; n++) {
        lm_order_buf *b = &w->g[n];
        uint64_t nb = L->buckets[n - 1];
        size_t esz = qbits ? LM_ENTRY_QUANT : LM_ENTRY_FLOAT;
        if (nbins) {
            if (quant_train(b->prob, b->count, centres, nbins) < 0 ||
                quant_train(b->bo, b->count, centres + nbins, nbins) < 0) {
                us_free(centres);
                return us_error(err, UNSPIN_E_NOMEM, "out of memory");
            }
        }
        unsigned char *t = us_calloc((size_t)nb, esz);
        unsigned char *ext = extension_flags(w, n);
        if (!t || !ext) {
            us_free(t);
            us_free(ext);
            us_free(centres);
            return us_error(err, UNSPIN_E_NOMEM, "out of memory");
        }
        for (size_t g = 0; g < b->count; g++) {
            uint64_t s = lm_bucket(b->keys[g], nb);
            while (us_load64(t + s * esz))
                s = s + 1 == nb ? 0 : s + 1;
            unsigned char *e = t + s * esz;
            us_store64(e, b->keys[g]);
            if (nbins) {
                uint16_t pb = quant_bin(centres, nbins, b->prob[g]);
                uint16_t bb = quant_bin(centres + nbins, nbins, b->bo[g]);
                if (qbits <= 15 && n < w->order && b->bo[g] == 0.0f && !ext[g])
                    bb |= 0x8000u;
                e[8] = (unsigned char)pb;
                e[9] = (unsigned char)(pb >> 8);
                e[10] = (unsigned char)bb;
                e[11] = (unsigned char)(bb >> 8);
            } else {
                lm_storef(e + 8, b->prob[g]);
                lm_storef(e + 12, n < w->order ? mark_backoff(b->bo[g], ext[g]) : 0.0f);
            }
        }
        out_write(o, t, (size_t)nb * esz);
        us_free(t);
        us_free(ext);
        out_pad(o);
        for (size_t k = 0; k < b->count * (size_t)n; k++) {
            uint32_t le;
            us_store32(&le, b->ids[k]);
            b->ids[k] = le;
        }
        out_write(o, b->ids, b->count * (size_t)n * 4);
        out_pad(o);
        if (nbins) {
            out_write(o, centres, 2 * nbins * sizeof *centres);
            out_pad(o);
        }
    }
    us_free(centres);
    (void)L;
    return UNSPIN_OK;
}

int lm_writer_finish(lm_writer *w, const char *path, const lm_write_opts *opts, unspin_error *err)
{
    int qbits = opts ? opts->quantize_bits : 0;
    if (qbits != 0 && (qbits < 2 || qbits > 16))
        return us_error(err, UNSPIN_E_INVALID, "quantisation to %d bits: use 0 (none) or 2 to 16", qbits);
    US_TRY(freeze(w, err));
    uint32_t V = w->nout;
    lm_layout L;
    memset(&L, 0, sizeof L);
    L.buckets[0] = (uint64_t)V + V / 2 + 1;
    for (int n = 2; n <= w->order; n++)
        L.buckets[n - 1] = w->g[n].count + w->g[n].count / 2 + 1;
    uint64_t pos = LM_HEADER_SIZE;
    size_t strlen_total = 0;
    for (uint32_t i = 0; i < V; i++)
        strlen_total += strlen(w->outname[i]) + 1;
#define SECT(s, bytes)                                 \
    do {                                               \
        L.off[s] = pos;                                \
        L.len[s] = (bytes);                            \
        pos = (pos + L.len[s] + 7) & ~(uint64_t)7;     \
    } while (0)
    SECT(LM_S_VOCAB_OFFSETS, (uint64_t)V * 4);
    SECT(LM_S_VOCAB_STRINGS, strlen_total);
    SECT(LM_S_VOCAB_HASH, L.buckets[0] * 4);
    SECT(LM_S_UNIGRAMS, (uint64_t)V * 8);
    for (int n = 2; n <= w->order; n++) {
        SECT(LM_S_TABLE + n - 2, L.buckets[n - 1] * (qbits ? LM_ENTRY_QUANT : LM_ENTRY_FLOAT));
        SECT(LM_S_GRAMS + n - 2, (uint64_t)w->g[n].count * (uint64_t)n * 4);
        if (qbits)
            SECT(LM_S_QUANT + n - 2, (uint64_t)8 << qbits);
    }
#undef SECT
    L.size = pos;

    /* A regular file (or a new one) is written next to its final name and
       renamed into place when complete, so that processes that have the old
       model mapped keep a valid mapping; other paths (/dev/null, a pipe) are
       written directly. */
    out_file o = {0};
    o.path = path;
    char *tmp = NULL;
    struct stat st;
    if (stat(path, &st) != 0 || S_ISREG(st.st_mode)) {
        size_t plen = strlen(path);
        tmp = us_malloc(plen + 16);
        if (!tmp)
            return us_error(err, UNSPIN_E_NOMEM, "out of memory");
        memcpy(tmp, path, plen);
        memcpy(tmp + plen, ".tmp-XXXXXX", 12);
        int fd = mkstemp(tmp);
        if (fd < 0) {
            int e = errno;
            us_free(tmp);
            return us_error(err, UNSPIN_E_IO, "%s: cannot create a file next to it: %s", path, strerror(e));
        }
        (void)fchmod(fd, 0644);
        o.f = fdopen(fd, "wb");
        if (!o.f) {
            close(fd);
            unlink(tmp);
            us_free(tmp);
            return us_error(err, UNSPIN_E_IO, "%s: %s", path, strerror(errno));
        }
    } else {
        o.f = fopen(path, "wb");
        if (!o.f)
            return us_error(err, UNSPIN_E_IO, "%s: %s", path, strerror(errno));
    }
    o.h = us_hasher_new();
    if (!o.h) {
        fclose(o.f);
        if (tmp) {
            unlink(tmp);
            us_free(tmp);
        }
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    }
    unsigned char hdr[LM_HEADER_SIZE];
    make_header(hdr, w, &L, qbits, LM_MAGIC_INCOMPLETE, 0);
    out_write(&o, hdr, sizeof hdr);
    int rc = write_body(w, &o, &L, qbits, err);
    if (rc == UNSPIN_OK && !o.failed && o.pos != L.size)
        rc = us_error(err, UNSPIN_E_INVALID, "%s: internal error: wrote %llu bytes, planned %llu", path,
                      (unsigned long long)o.pos, (unsigned long long)L.size);
    if (rc == UNSPIN_OK && !o.failed) {
        if (fflush(o.f) != 0 || (fsync(fileno(o.f)) != 0 && errno != EINVAL)) /* EINVAL: not a file */
            o.failed = errno ? errno : EIO;
    }
    if (rc == UNSPIN_OK && !o.failed) {
        make_header(hdr, w, &L, qbits, LM_MAGIC, us_hasher_digest(o.h));
        if (fseek(o.f, 0, SEEK_SET) != 0 || fwrite(hdr, 1, sizeof hdr, o.f) != sizeof hdr ||
            fflush(o.f) != 0)
            o.failed = errno ? errno : EIO;
    }
    us_hasher_free(o.h);
    if (fclose(o.f) != 0 && !o.failed)
        o.failed = errno ? errno : EIO;
    if (rc == UNSPIN_OK && o.failed)
        rc = us_error(err, UNSPIN_E_IO, "%s: write error: %s", path, strerror(o.failed));
    if (tmp) {
        if (rc == UNSPIN_OK && rename(tmp, path) != 0)
            rc = us_error(err, UNSPIN_E_IO, "%s: cannot rename the finished file into place: %s", path,
                          strerror(errno));
        if (rc != UNSPIN_OK)
            unlink(tmp);
        us_free(tmp);
    }
    return rc;
}
