/*
 * lm_format.h - layout of .uslm files (see docs/lm-format.md) and the
 * internal functions of the language-model module. Not installed.
 *
 * A .uslm file is a 512-byte header followed by 8-byte aligned sections.
 * All integers are little-endian; floats are IEEE-754 binary32 in the
 * machine's byte order, which the header's sanity values pin down.
 */
#ifndef UNSPIN_LM_FORMAT_H
#define UNSPIN_LM_FORMAT_H

#include "lm_build.h"

#include <stdio.h>
#include <string.h>

#define LM_MAGIC "UNSPINLM"            /* finished file */
#define LM_MAGIC_INCOMPLETE "USLM-INC" /* header while the file is being written */
#define LM_VERSION 1u
#define LM_HEADER_SIZE 512u
#define LM_ENDIAN_MARK 0x01020304u

/* Header field offsets */
#define LM_H_MAGIC 0        /* char[8] */
#define LM_H_VERSION 8      /* u32 */
#define LM_H_HEADER_SIZE 12 /* u32 */
#define LM_H_ONE_F 16       /* float 1.0 */
#define LM_H_MHALF_F 20     /* float -0.5 */
#define LM_H_ONE_U64 24     /* u64 1 */
#define LM_H_ENDIAN 32      /* u32 0x01020304 in native order */
#define LM_H_ORDER 36       /* u32 1..5 */
#define LM_H_QBITS 40       /* u32 0 (float32) or 1..16 */
#define LM_H_FLAGS 44       /* u32 0 */
#define LM_H_VOCAB 48       /* u64 vocabulary size */
#define LM_H_COUNTS 56      /* u64[5] n-gram counts per order */
#define LM_H_BUCKETS 96     /* u64[5]: [0] vocabulary hash buckets, [n-1] n-gram table buckets */
#define LM_H_FILE_SIZE 136  /* u64 */
#define LM_H_CHECKSUM 144   /* u64 XXH64 of bytes [512, file size) */
#define LM_H_BOS 152        /* u32 */
#define LM_H_EOS 156        /* u32 */
#define LM_H_SECTIONS 160   /* {u64 offset, u64 length}[LM_NSECT] */

/* Sections */
enum {
    LM_S_VOCAB_OFFSETS = 0, /* u32[V]: offset of each word in the strings section */
    LM_S_VOCAB_STRINGS = 1, /* NUL-terminated words */
    LM_S_VOCAB_HASH = 2,    /* u32[vocab buckets]: id + 1, 0 = empty */
    LM_S_UNIGRAMS = 3,      /* float[2V]: prob, backoff per id */
    LM_S_TABLE = 4,         /* + (n-2) for n = 2..5: probing hash table */
    LM_S_GRAMS = 8,         /* + (n-2): u32[count * n] word ids, oldest first */
    LM_S_QUANT = 12,        /* + (n-2): float[2 << qbits]: prob centres, then backoff centres */
    LM_NSECT = 16
};

/* Table entries: u64 key (0 = empty) then either float prob, float backoff
 * (16 bytes) or, quantised, u16 prob bin, u16 backoff bin (12 bytes). */
#define LM_ENTRY_FLOAT 16u
#define LM_ENTRY_QUANT 12u

/* Incremental n-gram key: start from the newest word and extend towards
 * older words, so that a query can grow its context one word at a time. */
static inline uint64_t lm_fmix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}
#define LM_KEY_SEED 0x6a09e667f3bcc908ULL
static inline uint64_t lm_key_extend(uint64_t h, uint32_t w)
{
    return lm_fmix64(h ^ (((uint64_t)w + 1) * 0x9E3779B97F4A7C15ULL));
}
/* Key stored in a table (never 0). */
static inline uint64_t lm_key_final(uint64_t h) { return h ? h : 1; }
/* Key of ids[0..n) (oldest first). */
static inline uint64_t lm_key_of(const uint32_t *ids, int n)
{
    uint64_t h = LM_KEY_SEED;
    for (int i = n - 1; i >= 0; i--)
        h = lm_key_extend(h, ids[i]);
    return h;
}
/* Bucket of a hash among `buckets` (multiply-high reduction). */
static inline uint64_t lm_bucket(uint64_t h, uint64_t buckets)
{
    __extension__ typedef unsigned __int128 lm_u128;
    return (uint64_t)(((lm_u128)h * buckets) >> 64);
}

static inline float lm_loadf(const void *p)
{
    float f;
    memcpy(&f, p, sizeof f);
    return f;
}
static inline void lm_storef(void *p, float f) { memcpy(p, &f, sizeof f); }

/* ---- internal functions of the module ---- */

/* Open a model held in memory (not copied: data must outlive the model).
 * `name` is used in error messages. */
US_INTERNAL int lm_open_memory(const void *data, size_t size, const char *name, unspin_lm **out,
                               unspin_error *err);

/* Writer extras: the id lm_writer_add_word() gave a word, or -1. */
US_INTERNAL long lm_writer_word_id(const lm_writer *w, const char *word, size_t len);
/* Number of unigrams added so far. */
US_INTERNAL uint32_t lm_writer_nwords(const lm_writer *w);

/* ARPA reader: parse ARPA text into a new writer (caller finishes and frees
 * it). `name` names the input in "name:LINE: message" errors. */
US_INTERNAL int lm_arpa_read_memory(const char *data, size_t len, const char *name, lm_writer **out,
                                    unspin_error *err);
US_INTERNAL int lm_arpa_read_file(const char *path, lm_writer **out, unspin_error *err);
/* ARPA writer to an open stream; `name` names it in errors. */
US_INTERNAL int lm_arpa_write(const unspin_lm *lm, FILE *f, const char *name, unspin_error *err);

#endif
