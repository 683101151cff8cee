/*
 * embed.c - word-embedding table: builder, serialisation, bounds-checked
 * view, lookups and nearest neighbours. Format: docs/embeddings.md.
 */
#include "embed.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- blob layout (all little-endian) ---- */
#define EMB_MAGIC "USEMBED\0"
#define EMB_VERSION 1u
#define EMB_FLAG_INCOMPLETE 1u
#define EMB_HEADER 96u
/* header field offsets */
#define H_VERSION 8
#define H_FLAGS 12
#define H_DIM 16
#define H_COUNT 20
#define H_NBUCKETS 24
#define H_RESERVED 28
#define H_POOL_OFF 32
#define H_POOL_SIZE 40
#define H_OFFS_OFF 48
#define H_SCALES_OFF 56
#define H_VECS_OFF 64
#define H_HASH_OFF 72
#define H_TOTAL 80
#define H_CHECKSUM 88

/* ====================================================================== */
/* builder                                                                 */
/* ====================================================================== */

struct embed_builder {
    int dim;
    size_t count, cap;
    char *pool;        /* words, each NUL-terminated */
    size_t pool_len, pool_cap;
    uint32_t *offs;    /* count+1 offsets into pool */
    float *scales;     /* per vector: dequantised = q * scale */
    int8_t *vecs;      /* count * dim */
    uint32_t *table;   /* dedup hash: id+1 or 0 */
    size_t nbuckets;
    size_t duplicates;
    float *tmp;        /* dim doubles' worth of scratch */
};

int embed_builder_new(int dim, embed_builder **out, unspin_error *err)
{
    *out = NULL;
    if (dim < 1 || dim > EMBED_MAX_DIM)
        return us_error(err, UNSPIN_E_INVALID, "embeddings: dimension %d out of range 1..%d", dim,
                        EMBED_MAX_DIM);
    embed_builder *b = us_calloc(1, sizeof *b);
    if (!b)
        return us_error(err, UNSPIN_E_NOMEM, "embeddings: out of memory");
    b->dim = dim;
    b->offs = us_malloc(sizeof(uint32_t));
    b->tmp = us_malloc((size_t)dim * sizeof(float));
    if (!b->offs || !b->tmp) {
        embed_builder_free(b);
        return us_error(err, UNSPIN_E_NOMEM, "embeddings: out of memory");
    }
    b->offs[0] = 0;
    *out = b;
    return UNSPIN_OK;
}

void embed_builder_free(embed_builder *b)
{
    if (!b)
        return;
    us_free(b->pool);
    us_free(b->offs);
    us_free(b->scales);
    us_free(b->vecs);
    us_free(b->table);
    us_free(b->tmp);
    us_free(b);
}

size_t embed_builder_count(const embed_builder *b) { return b ? b->count : 0; }
int embed_builder_dim(const embed_builder *b) { return b ? b->dim : 0; }
size_t embed_builder_duplicates(const embed_builder *b) { return b ? b->duplicates : 0; }

static int bld_rehash(embed_builder *b, size_t nb)
{
    uint32_t *t = us_calloc(nb, sizeof *t);
    if (!t)
        return UNSPIN_E_NOMEM;
    for (size_t i = 0; i < b->count; i++) {
        const char *w = b->pool + b->offs[i];
        size_t len = b->offs[i + 1] - b->offs[i] - 1;
        size_t h = (size_t)us_hash(w, len) & (nb - 1);
        while (t[h])
            h = (h + 1) & (nb - 1);
        t[h] = (uint32_t)i + 1;
    }
    us_free(b->table);
    b->table = t;
    b->nbuckets = nb;
    return UNSPIN_OK;
}

/* Normalise `v` and quantise it to int8 with scale 1/|q| so that the
 * dequantised vector has unit length. */
static float quantise(const float *v, int dim, int8_t *q)
{
    double n2 = 0;
    float mx = 0;
    for (int i = 0; i < dim; i++) {
        n2 += (double)v[i] * v[i];
        float a = fabsf(v[i]);
        if (a > mx)
            mx = a;
    }
    if (!(n2 > 0) || !(mx > 0)) {
        memset(q, 0, (size_t)dim);
        return 0.0f;
    }
    double k = 127.0 / mx;
    long long s2 = 0;
    for (int i = 0; i < dim; i++) {
        long r = lround(v[i] * k);
        if (r > 127) r = 127;
        if (r < -127) r = -127;
        q[i] = (int8_t)r;
        s2 += r * r;
    }
    return s2 ? (float)(1.0 / sqrt((double)s2)) : 0.0f;
}

int embed_builder_add(embed_builder *b, const char *word, size_t len, const float *vec,
                      unspin_error *err)
{
    if (len == 0 || len > EMBED_MAX_WORD_LEN || memchr(word, 0, len))
        return us_error(err, UNSPIN_E_INVALID, "embeddings: word of %zu bytes is empty, too long "
                        "(limit %d) or contains NUL", len, EMBED_MAX_WORD_LEN);
    for (int i = 0; i < b->dim; i++)
        if (!isfinite(vec[i]))
            return us_error(err, UNSPIN_E_INVALID, "embeddings: vector of '%.*s' has a non-finite value",
                            (int)(len > 64 ? 64 : len), word);
    /* duplicate? */
    if (b->nbuckets) {
        size_t h = (size_t)us_hash(word, len) & (b->nbuckets - 1);
        while (b->table[h]) {
            uint32_t id = b->table[h] - 1;
            if (b->offs[id + 1] - b->offs[id] - 1 == len && memcmp(b->pool + b->offs[id], word, len) == 0) {
                b->duplicates++;
                return UNSPIN_OK;
            }
            h = (h + 1) & (b->nbuckets - 1);
        }
    }
    if (b->count >= EMBED_MAX_WORDS || b->pool_len + len + 1 > UINT32_MAX)
        return us_error(err, UNSPIN_E_LIMIT, "embeddings: more than %d words or 4 GiB of words",
                        EMBED_MAX_WORDS);
    if (b->count + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 1024;
        uint32_t *o = us_realloc(b->offs, (ncap + 1) * sizeof *o);
        if (!o)
            goto nomem;
        b->offs = o;
        float *s = us_realloc(b->scales, ncap * sizeof *s);
        if (!s)
            goto nomem;
        b->scales = s;
        int8_t *v = us_realloc(b->vecs, ncap * (size_t)b->dim);
        if (!v)
            goto nomem;
        b->vecs = v;
        b->cap = ncap;
    }
    if (us_grow((void **)&b->pool, &b->pool_cap, b->pool_len + len + 1, 1) < 0)
        goto nomem;
    if ((b->count + 1) * 2 > b->nbuckets && bld_rehash(b, b->nbuckets ? b->nbuckets * 2 : 1024) < 0)
        goto nomem;
    memcpy(b->pool + b->pool_len, word, len);
    b->pool[b->pool_len + len] = 0;
    b->pool_len += len + 1;
    size_t id = b->count++;
    b->offs[b->count] = (uint32_t)b->pool_len;
    b->scales[id] = quantise(vec, b->dim, b->vecs + id * (size_t)b->dim);
    size_t h = (size_t)us_hash(word, len) & (b->nbuckets - 1);
    while (b->table[h])
        h = (h + 1) & (b->nbuckets - 1);
    b->table[h] = (uint32_t)id + 1;
    return UNSPIN_OK;
nomem:
    return us_error(err, UNSPIN_E_NOMEM, "embeddings: out of memory at word %zu", b->count);
}

void embed_builder_restrict(embed_builder *b, size_t max_words)
{
    if (!b || max_words >= b->count)
        return;
    b->count = max_words;
    b->pool_len = b->offs[max_words];
    /* rebuild the dedup table for the words kept */
    size_t nb = b->nbuckets;
    if (nb && bld_rehash(b, nb) < 0) {
        /* out of memory: drop the table; a later add rebuilds it */
        us_free(b->table);
        b->table = NULL;
        b->nbuckets = 0;
    }
}

/* XXH64 of the header (without the checksum field) and the body */
static int blob_checksum(const unsigned char *p, size_t total, uint64_t *sum)
{
    us_hasher *h = us_hasher_new();
    if (!h)
        return UNSPIN_E_NOMEM;
    us_hasher_update(h, p, H_CHECKSUM);
    us_hasher_update(h, p + EMB_HEADER, total - EMB_HEADER);
    *sum = us_hasher_digest(h);
    us_hasher_free(h);
    return UNSPIN_OK;
}

static size_t align8(size_t x) { return (x + 7) & ~(size_t)7; }

int embed_serialize(const embed_builder *b, unsigned char **blob, size_t *size, unspin_error *err)
{
    *blob = NULL;
    *size = 0;
    size_t n = b->count, dim = (size_t)b->dim;
    size_t nb = 16;
    while (nb < n * 2)
        nb *= 2;
    size_t pool_off = EMB_HEADER;
    size_t offs_off = align8(pool_off + b->pool_len);
    size_t scales_off = align8(offs_off + (n + 1) * 4);
    size_t vecs_off = align8(scales_off + n * 4);
    size_t hash_off = align8(vecs_off + n * dim);
    size_t total = align8(hash_off + nb * 4);
    unsigned char *p = us_calloc(1, total);
    if (!p)
        return us_error(err, UNSPIN_E_NOMEM, "embeddings: out of memory (%zu bytes)", total);
    memcpy(p, EMB_MAGIC, 8);
    us_store32(p + H_VERSION, EMB_VERSION);
    us_store32(p + H_FLAGS, EMB_FLAG_INCOMPLETE);
    us_store32(p + H_DIM, (uint32_t)dim);
    us_store32(p + H_COUNT, (uint32_t)n);
    us_store32(p + H_NBUCKETS, (uint32_t)nb);
    us_store32(p + H_RESERVED, 0);
    us_store64(p + H_POOL_OFF, pool_off);
    us_store64(p + H_POOL_SIZE, b->pool_len);
    us_store64(p + H_OFFS_OFF, offs_off);
    us_store64(p + H_SCALES_OFF, scales_off);
    us_store64(p + H_VECS_OFF, vecs_off);
    us_store64(p + H_HASH_OFF, hash_off);
    us_store64(p + H_TOTAL, total);
    if (b->pool_len)
        memcpy(p + pool_off, b->pool, b->pool_len);
    for (size_t i = 0; i <= n; i++)
        us_store32(p + offs_off + 4 * i, b->offs[i]);
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &b->scales[i], 4);
        us_store32(p + scales_off + 4 * i, u);
    }
    if (n)
        memcpy(p + vecs_off, b->vecs, n * dim);
    unsigned char *tab = p + hash_off;
    for (size_t i = 0; i < n; i++) {
        const char *w = b->pool + b->offs[i];
        size_t len = b->offs[i + 1] - b->offs[i] - 1;
        size_t h = (size_t)us_hash(w, len) & (nb - 1);
        while (us_load32(tab + 4 * h))
            h = (h + 1) & (nb - 1);
        us_store32(tab + 4 * h, (uint32_t)i + 1);
    }
    us_store32(p + H_FLAGS, 0); /* complete */
    uint64_t sum;
    if (blob_checksum(p, total, &sum) < 0) {
        us_free(p);
        return us_error(err, UNSPIN_E_NOMEM, "embeddings: out of memory");
    }
    us_store64(p + H_CHECKSUM, sum);
    *blob = p;
    *size = total;
    return UNSPIN_OK;
}

/* ====================================================================== */
/* view                                                                    */
/* ====================================================================== */

struct embed {
    const unsigned char *base;
    int dim;
    int32_t count;
    uint32_t nbuckets;
    const char *pool;
    size_t pool_size;
    const unsigned char *offs;
    const unsigned char *hash;
    const int8_t *vecs;
    float *scales; /* decoded copy (count floats) */
};

static int sect_ok(uint64_t off, uint64_t len, uint64_t total)
{
    return off >= EMB_HEADER && off <= total && len <= total - off;
}

int embed_open(const void *blob, size_t size, embed **out, unspin_error *err)
{
    *out = NULL;
    const unsigned char *p = blob;
    if (!p || size < EMB_HEADER)
        return us_error(err, UNSPIN_E_FORMAT, "embeddings: section of %zu bytes is too small", size);
    if (memcmp(p, EMB_MAGIC, 8) != 0)
        return us_error(err, UNSPIN_E_FORMAT, "embeddings: bad magic (not an embedding table)");
    uint32_t version = us_load32(p + H_VERSION);
    if (version != EMB_VERSION)
        return us_error(err, UNSPIN_E_VERSION, "embeddings: format version %u, expected %u", version,
                        EMB_VERSION);
    uint32_t flags = us_load32(p + H_FLAGS);
    if (flags & EMB_FLAG_INCOMPLETE)
        return us_error(err, UNSPIN_E_INCOMPLETE, "embeddings: table was left incomplete by a failed build");
    if (flags != 0 || us_load32(p + H_RESERVED) != 0)
        return us_error(err, UNSPIN_E_FORMAT, "embeddings: unknown flags 0x%x", flags);
    uint32_t dim = us_load32(p + H_DIM), n = us_load32(p + H_COUNT), nb = us_load32(p + H_NBUCKETS);
    uint64_t total = us_load64(p + H_TOTAL);
    if (dim < 1 || dim > EMBED_MAX_DIM)
        return us_error(err, UNSPIN_E_FORMAT, "embeddings: dimension %u out of range", dim);
    if (n > EMBED_MAX_WORDS)
        return us_error(err, UNSPIN_E_FORMAT, "embeddings: word count %u out of range", n);
    if (nb < 16 || (nb & (nb - 1)) || nb < 2 * (uint64_t)n)
        return us_error(err, UNSPIN_E_FORMAT, "embeddings: bad hash size %u for %u words", nb, n);
    if (total < EMB_HEADER || total > size)
        return us_error(err, UNSPIN_E_FORMAT, "embeddings: total size %llu exceeds section (%zu bytes)",
                        (unsigned long long)total, size);
    uint64_t pool_off = us_load64(p + H_POOL_OFF), pool_size = us_load64(p + H_POOL_SIZE);
    uint64_t offs_off = us_load64(p + H_OFFS_OFF), scales_off = us_load64(p + H_SCALES_OFF);
    uint64_t vecs_off = us_load64(p + H_VECS_OFF), hash_off = us_load64(p + H_HASH_OFF);
    if (!sect_ok(pool_off, pool_size, total) || !sect_ok(offs_off, ((uint64_t)n + 1) * 4, total) ||
        !sect_ok(scales_off, (uint64_t)n * 4, total) || !sect_ok(vecs_off, (uint64_t)n * dim, total) ||
        !sect_ok(hash_off, (uint64_t)nb * 4, total))
        return us_error(err, UNSPIN_E_FORMAT, "embeddings: a section lies outside the table (%llu bytes)",
                        (unsigned long long)total);
    uint64_t sum;
    if (blob_checksum(p, (size_t)total, &sum) < 0)
        return us_error(err, UNSPIN_E_NOMEM, "embeddings: out of memory");
    if (sum != us_load64(p + H_CHECKSUM))
        return us_error(err, UNSPIN_E_CHECKSUM, "embeddings: checksum mismatch (table is corrupt; rebuild it)");
    /* word offsets: start at 0, strictly increasing, each word NUL-terminated */
    const unsigned char *offs = p + offs_off;
    const char *pool = (const char *)p + pool_off;
    if (us_load32(offs) != 0)
        return us_error(err, UNSPIN_E_FORMAT, "embeddings: first word offset is not 0");
    uint32_t prev = 0;
    for (uint32_t i = 1; i <= n; i++) {
        uint32_t o = us_load32(offs + 4 * (size_t)i);
        if (o < prev + 2 || o > pool_size || pool[o - 1] != 0)
            return us_error(err, UNSPIN_E_FORMAT, "embeddings: bad offset of word %u", i - 1);
        prev = o;
    }
    const unsigned char *hash = p + hash_off;
    for (uint32_t i = 0; i < nb; i++)
        if (us_load32(hash + 4 * (size_t)i) > n)
            return us_error(err, UNSPIN_E_FORMAT, "embeddings: hash bucket %u holds an invalid id", i);
    embed *e = us_calloc(1, sizeof *e);
    float *scales = us_malloc((size_t)n * sizeof(float));
    if (!e || !scales) {
        us_free(e);
        us_free(scales);
        return us_error(err, UNSPIN_E_NOMEM, "embeddings: out of memory");
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t u = us_load32(p + scales_off + 4 * (size_t)i);
        float s;
        memcpy(&s, &u, 4);
        if (!isfinite(s) || s < 0 || s > 1.0f) {
            us_free(e);
            us_free(scales);
            return us_error(err, UNSPIN_E_FORMAT, "embeddings: bad scale of word %u", i);
        }
        scales[i] = s;
    }
    e->base = p;
    e->dim = (int)dim;
    e->count = (int32_t)n;
    e->nbuckets = nb;
    e->pool = pool;
    e->pool_size = pool_size;
    e->offs = offs;
    e->hash = hash;
    e->vecs = (const int8_t *)(p + vecs_off);
    e->scales = scales;
    *out = e;
    return UNSPIN_OK;
}

void embed_free(embed *e)
{
    if (!e)
        return;
    us_free(e->scales);
    us_free(e);
}

int32_t embed_count(const embed *e) { return e ? e->count : 0; }
int embed_dim(const embed *e) { return e ? e->dim : 0; }

const char *embed_word(const embed *e, int32_t id)
{
    if (!e || id < 0 || id >= e->count)
        return NULL;
    return e->pool + us_load32(e->offs + 4 * (size_t)id);
}

size_t embed_word_len(const embed *e, int32_t id)
{
    if (!e || id < 0 || id >= e->count)
        return 0;
    return us_load32(e->offs + 4 * (size_t)id + 4) - us_load32(e->offs + 4 * (size_t)id) - 1;
}

int32_t embed_find(const embed *e, const char *word, size_t len)
{
    if (!e || !word || len == 0 || e->count == 0)
        return -1;
    uint32_t mask = e->nbuckets - 1;
    uint32_t h = (uint32_t)us_hash(word, len) & mask;
    for (uint32_t probes = 0; probes < e->nbuckets; probes++) {
        uint32_t v = us_load32(e->hash + 4 * (size_t)h);
        if (!v)
            return -1;
        int32_t id = (int32_t)(v - 1);
        if (embed_word_len(e, id) == len && memcmp(embed_word(e, id), word, len) == 0)
            return id;
        h = (h + 1) & mask;
    }
    return -1;
}

void embed_vector(const embed *e, int32_t id, float *out)
{
    if (!e)
        return;
    if (id < 0 || id >= e->count) {
        memset(out, 0, (size_t)e->dim * sizeof *out);
        return;
    }
    const int8_t *q = e->vecs + (size_t)id * (size_t)e->dim;
    float s = e->scales[id];
    for (int i = 0; i < e->dim; i++)
        out[i] = (float)q[i] * s;
}

/* (not under ThreadSanitizer: its instrumented ifunc resolver would run
 * before the sanitizer's own start-up and crash) */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__) && !defined(__SANITIZE_THREAD__)
__attribute__((target_clones("avx2", "default")))
#endif
static int32_t dot_i8(const int8_t *a, const int8_t *b, int dim)
{
    int32_t s = 0;
    for (int i = 0; i < dim; i++)
        s += (int32_t)a[i] * b[i];
    return s;
}

float embed_cosine(const embed *e, int32_t a, int32_t b)
{
    if (!e || a < 0 || b < 0 || a >= e->count || b >= e->count)
        return 0.0f;
    size_t d = (size_t)e->dim;
    int32_t dot = dot_i8(e->vecs + (size_t)a * d, e->vecs + (size_t)b * d, e->dim);
    return (float)dot * (e->scales[a] * e->scales[b]);
}

float embed_dot(const embed *e, int32_t id, const float *v)
{
    if (!e || id < 0 || id >= e->count)
        return 0.0f;
    const int8_t *q = e->vecs + (size_t)id * (size_t)e->dim;
    float s = 0;
    for (int i = 0; i < e->dim; i++)
        s += (float)q[i] * v[i];
    return s * e->scales[id];
}

/* ---- top-k: a min-heap on (score, -id) in the caller's slots ---- */

/* a is worse than b */
static int nb_worse(const embed_neighbor *a, const embed_neighbor *b)
{
    return a->score < b->score || (a->score == b->score && a->id > b->id);
}

static void heap_down(embed_neighbor *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && nb_worse(&h[l], &h[m]))
            m = l;
        if (l + 1 < n && nb_worse(&h[l + 1], &h[m]))
            m = l + 1;
        if (m == i)
            return;
        embed_neighbor t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void heap_push(embed_neighbor *h, size_t *n, size_t k, int32_t id, float score)
{
    if (*n < k) {
        size_t i = (*n)++;
        h[i].id = id;
        h[i].score = score;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (!nb_worse(&h[i], &h[p]))
                break;
            embed_neighbor t = h[i];
            h[i] = h[p];
            h[p] = t;
            i = p;
        }
    } else {
        h[0].id = id;
        h[0].score = score;
        heap_down(h, k, 0);
    }
}

/* Sort a heap best first. */
static void heap_finish(embed_neighbor *h, size_t n)
{
    for (size_t m = n; m > 1; m--) {
        embed_neighbor t = h[0];
        h[0] = h[m - 1];
        h[m - 1] = t;
        heap_down(h, m - 1, 0);
    }
}

static int32_t clamp_limit(const embed *e, int32_t limit)
{
    return (limit <= 0 || limit > e->count) ? e->count : limit;
}

int embed_knn(const embed *e, int32_t id, size_t k, int32_t limit, embed_neighbor *out, size_t *n,
              unspin_error *err)
{
    if (n)
        *n = 0;
    if (!e || !n || (k && !out))
        return us_error(err, UNSPIN_E_INVALID, "embed_knn: NULL argument");
    if (id < 0 || id >= e->count)
        return us_error(err, UNSPIN_E_INVALID, "embed_knn: id %d out of range 0..%d", (int)id,
                        (int)e->count - 1);
    if (k == 0)
        return UNSPIN_OK;
    limit = clamp_limit(e, limit);
    size_t d = (size_t)e->dim, cnt = 0;
    const int8_t *q = e->vecs + (size_t)id * d;
    float sq = e->scales[id];
    for (int32_t c = 0; c < limit; c++) {
        if (c == id)
            continue;
        float s = (float)dot_i8(q, e->vecs + (size_t)c * d, e->dim) * (sq * e->scales[c]);
        if (cnt < k || s > out[0].score)
            heap_push(out, &cnt, k, c, s);
    }
    heap_finish(out, cnt);
    *n = cnt;
    return UNSPIN_OK;
}

/* ---- bulk nearest neighbours ----
 * Candidates are processed in chunks of CHUNK words converted to floats in a
 * blocked, dimension-major layout: block b holds 16 candidates as
 * cf[b][d][0..16). Products of int8 values summed in float are exact (|sum| <
 * 2^24 for dim <= 1024), so scores equal embed_knn()'s bit for bit. The
 * kernel computes 4 queries x 16 candidates at once with vector extensions;
 * target_clones gives an AVX2/FMA build and a generic one. */

#define CHUNK 1024
#define QB 4
#define LANES 16

typedef float v4f __attribute__((vector_size(16)));

/* scores[j][c] = dot(q_j, cand c) * (qs[j] * cs[c]) for a chunk of nblk
 * blocks; generic version (SSE2/NEON through vector extensions). */
static void kernel4_generic(const float *qf, int dim, const float *qs, const float *cf,
                            const float *cs, size_t nblk, float *scores)
{
    const size_t d = (size_t)dim, st = nblk * LANES;
    for (size_t b = 0; b < nblk; b++) {
        const float *blk = cf + b * d * LANES;
        for (size_t t = 0; t < QB; t++) {
            const float *q = qf + t * d;
            v4f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
            for (size_t i = 0; i < d; i++) {
                v4f c0, c1, c2, c3;
                memcpy(&c0, blk + i * LANES, sizeof c0);
                memcpy(&c1, blk + i * LANES + 4, sizeof c1);
                memcpy(&c2, blk + i * LANES + 8, sizeof c2);
                memcpy(&c3, blk + i * LANES + 12, sizeof c3);
                v4f x = {q[i], q[i], q[i], q[i]};
                a0 += x * c0; a1 += x * c1; a2 += x * c2; a3 += x * c3;
            }
            v4f s;
            float *o = scores + t * st + b * LANES;
            memcpy(&s, cs + b * LANES, sizeof s); a0 *= qs[t] * s; memcpy(o, &a0, sizeof a0);
            memcpy(&s, cs + b * LANES + 4, sizeof s); a1 *= qs[t] * s; memcpy(o + 4, &a1, sizeof a1);
            memcpy(&s, cs + b * LANES + 8, sizeof s); a2 *= qs[t] * s; memcpy(o + 8, &a2, sizeof a2);
            memcpy(&s, cs + b * LANES + 12, sizeof s); a3 *= qs[t] * s; memcpy(o + 12, &a3, sizeof a3);
        }
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define EMB_HAVE_AVX2 1
/* The same with AVX2+FMA: 4 queries x 16 candidates in 8 accumulators.
 * (Products of small integers are exact, so FMA changes no result.) */
__attribute__((target("avx2,fma")))
static void kernel4_avx2(const float *qf, int dim, const float *qs, const float *cf, const float *cs,
                         size_t nblk, float *scores)
{
    const size_t d = (size_t)dim, st = nblk * LANES;
    const float *q0 = qf, *q1 = qf + d, *q2 = qf + 2 * d, *q3 = qf + 3 * d;
    for (size_t b = 0; b < nblk; b++) {
        const float *blk = cf + b * d * LANES;
        __m256 a00 = _mm256_setzero_ps(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00,
               a30 = a00, a31 = a00;
        for (size_t i = 0; i < d; i++) {
            __m256 c0 = _mm256_loadu_ps(blk + i * LANES), c1 = _mm256_loadu_ps(blk + i * LANES + 8);
            __m256 x = _mm256_broadcast_ss(q0 + i);
            a00 = _mm256_fmadd_ps(x, c0, a00); a01 = _mm256_fmadd_ps(x, c1, a01);
            x = _mm256_broadcast_ss(q1 + i);
            a10 = _mm256_fmadd_ps(x, c0, a10); a11 = _mm256_fmadd_ps(x, c1, a11);
            x = _mm256_broadcast_ss(q2 + i);
            a20 = _mm256_fmadd_ps(x, c0, a20); a21 = _mm256_fmadd_ps(x, c1, a21);
            x = _mm256_broadcast_ss(q3 + i);
            a30 = _mm256_fmadd_ps(x, c0, a30); a31 = _mm256_fmadd_ps(x, c1, a31);
        }
        __m256 s0 = _mm256_loadu_ps(cs + b * LANES), s1 = _mm256_loadu_ps(cs + b * LANES + 8);
        float *o = scores + b * LANES;
        __m256 k;
        k = _mm256_set1_ps(qs[0]);
        _mm256_storeu_ps(o, _mm256_mul_ps(a00, _mm256_mul_ps(k, s0)));
        _mm256_storeu_ps(o + 8, _mm256_mul_ps(a01, _mm256_mul_ps(k, s1)));
        k = _mm256_set1_ps(qs[1]);
        _mm256_storeu_ps(o + st, _mm256_mul_ps(a10, _mm256_mul_ps(k, s0)));
        _mm256_storeu_ps(o + st + 8, _mm256_mul_ps(a11, _mm256_mul_ps(k, s1)));
        k = _mm256_set1_ps(qs[2]);
        _mm256_storeu_ps(o + 2 * st, _mm256_mul_ps(a20, _mm256_mul_ps(k, s0)));
        _mm256_storeu_ps(o + 2 * st + 8, _mm256_mul_ps(a21, _mm256_mul_ps(k, s1)));
        k = _mm256_set1_ps(qs[3]);
        _mm256_storeu_ps(o + 3 * st, _mm256_mul_ps(a30, _mm256_mul_ps(k, s0)));
        _mm256_storeu_ps(o + 3 * st + 8, _mm256_mul_ps(a31, _mm256_mul_ps(k, s1)));
    }
}
#endif

typedef void (*kernel_fn)(const float *, int, const float *, const float *, const float *, size_t,
                          float *);

static kernel_fn pick_kernel(void)
{
#ifdef EMB_HAVE_AVX2
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return kernel4_avx2;
#endif
    return kernel4_generic;
}

typedef struct knn_job {
    const embed *e;
    const int32_t *queries;
    size_t q0, q1; /* this job's query range */
    size_t k;
    int32_t limit;
    embed_neighbor *out;
    kernel_fn kernel;
    int rc;
} knn_job;

static void knn_run(knn_job *j)
{
    const embed *e = j->e;
    const size_t d = (size_t)e->dim, k = j->k;
    const size_t nq = j->q1 - j->q0;
    const int32_t limit = j->limit;
    float *cf = us_malloc(CHUNK * d * sizeof(float));
    float *cs = us_malloc(CHUNK * sizeof(float));
    float *sc = us_malloc(QB * CHUNK * sizeof(float));
    float *qf = us_malloc(QB * d * sizeof(float));
    size_t *cnt = us_calloc(nq ? nq : 1, sizeof(size_t));
    if (!cf || !cs || !sc || !qf || !cnt) {
        j->rc = UNSPIN_E_NOMEM;
        goto done;
    }
    /* valid query ids only; invalid ones keep empty results */
    for (int32_t c0 = 0; c0 < limit; c0 += CHUNK) {
        size_t n = (size_t)(limit - c0 < CHUNK ? limit - c0 : CHUNK);
        size_t nblk = (n + LANES - 1) / LANES;
        memset(cf, 0, nblk * LANES * d * sizeof(float));
        memset(cs, 0, nblk * LANES * sizeof(float));
        for (size_t c = 0; c < n; c++) {
            const int8_t *v = e->vecs + (size_t)(c0 + (int32_t)c) * d;
            float *blk = cf + (c / LANES) * d * LANES + c % LANES;
            for (size_t i = 0; i < d; i++)
                blk[i * LANES] = (float)v[i];
            cs[c] = e->scales[c0 + (int32_t)c];
        }
        for (size_t qi = 0; qi < nq; qi += QB) {
            float qs[QB];
            int32_t qid[QB];
            size_t m = nq - qi < QB ? nq - qi : QB;
            for (size_t t = 0; t < QB; t++) {
                int32_t id = t < m ? j->queries[j->q0 + qi + t] : -1;
                if (id < 0 || id >= e->count) {
                    qid[t] = -1;
                    qs[t] = 0;
                    memset(qf + t * d, 0, d * sizeof(float));
                    continue;
                }
                qid[t] = id;
                qs[t] = e->scales[id];
                const int8_t *v = e->vecs + (size_t)id * d;
                for (size_t i = 0; i < d; i++)
                    qf[t * d + i] = (float)v[i];
            }
            j->kernel(qf, (int)d, qs, cf, cs, nblk, sc);
            for (size_t t = 0; t < m; t++) {
                if (qid[t] < 0)
                    continue;
                embed_neighbor *h = j->out + (j->q0 + qi + t) * k;
                size_t hn = cnt[qi + t];
                const float *row = sc + t * nblk * LANES;
                float thr = hn < k ? -INFINITY : h[0].score;
                for (size_t c = 0; c < n; c++) {
                    if (US_UNLIKELY(row[c] > thr)) {
                        int32_t cid = c0 + (int32_t)c;
                        if (cid == qid[t])
                            continue;
                        heap_push(h, &hn, k, cid, row[c]);
                        thr = hn < k ? -INFINITY : h[0].score;
                    }
                }
                cnt[qi + t] = hn;
            }
        }
    }
    for (size_t qi = 0; qi < nq; qi++) {
        embed_neighbor *h = j->out + (j->q0 + qi) * k;
        heap_finish(h, cnt[qi]);
        for (size_t t = cnt[qi]; t < k; t++) {
            h[t].id = -1;
            h[t].score = -2.0f;
        }
    }
    j->rc = UNSPIN_OK;
done:
    us_free(cf);
    us_free(cs);
    us_free(sc);
    us_free(qf);
    us_free(cnt);
}

static void *knn_thread(void *arg)
{
    knn_run(arg);
    return NULL;
}

int embed_knn_all(const embed *e, const int32_t *queries, size_t nq, size_t k, int32_t limit,
                  embed_neighbor *out, int threads, unspin_error *err)
{
    if (!e || (nq && (!queries || (k && !out))))
        return us_error(err, UNSPIN_E_INVALID, "embed_knn_all: NULL argument");
    for (size_t i = 0; i < nq; i++)
        if (queries[i] < 0 || queries[i] >= e->count)
            return us_error(err, UNSPIN_E_INVALID, "embed_knn_all: query %zu: id %d out of range", i,
                            (int)queries[i]);
    if (nq == 0 || k == 0)
        return UNSPIN_OK;
    if (threads <= 0)
        threads = 2;
    if (threads > 64)
        threads = 64;
    if ((size_t)threads > (nq + QB - 1) / QB)
        threads = (int)((nq + QB - 1) / QB);
    limit = clamp_limit(e, limit);
    kernel_fn kern = pick_kernel();
    knn_job jobs[64];
    pthread_t tids[64];
    int started[64];
    size_t per = (nq + (size_t)threads - 1) / (size_t)threads;
    per = (per + QB - 1) / QB * QB;
    for (int t = 0; t < threads; t++) {
        size_t a = (size_t)t * per, b = a + per;
        if (a > nq) a = nq;
        if (b > nq) b = nq;
        jobs[t] = (knn_job){e, queries, a, b, k, limit, out, kern, UNSPIN_OK};
        started[t] = 0;
    }
    for (int t = 1; t < threads; t++)
        started[t] = pthread_create(&tids[t], NULL, knn_thread, &jobs[t]) == 0;
    knn_run(&jobs[0]);
    for (int t = 1; t < threads; t++) {
        if (started[t])
            pthread_join(tids[t], NULL);
        else
            knn_run(&jobs[t]); /* could not start a thread: do it here */
    }
    for (int t = 0; t < threads; t++)
        if (jobs[t].rc < 0)
            return us_error(err, jobs[t].rc, "embed_knn_all: out of memory");
    return UNSPIN_OK;
}
