/*
 * lex_internal.h - internals of the lexicon: the .uslex layout shared by the
 * builder (lex_build.c) and the reader (lexicon.c), the builder's link
 * collector, and the thesaurus parsers (lex_sources.c). Not installed.
 * docs/lexicon-format.md describes the file byte by byte.
 */
#ifndef UNSPIN_LEX_INTERNAL_H
#define UNSPIN_LEX_INTERNAL_H

#include "internal.h"

#include <string.h>

/* ---- file layout ---- */
#define LEX_MAGIC "UNSPINLX"
#define LEX_VERSION 1u
#define LEX_STATE_COMPLETE 0x504d4f43u   /* "COMP" */
#define LEX_STATE_INCOMPLETE 0x4d434e49u /* "INCM" */
#define LEX_ENDIAN_CHECK 0x01020304u
#define LEX_HEADER_SIZE 64u
#define LEX_SECTION_SIZE 24u
#define LEX_ENTRY_SIZE 16u
#define LEX_LINK_SIZE 12u
#define LEX_MAX_PHRASE 4u
#define LEX_RANK_NONE 0xffffffu /* 24-bit field */
#define LEX_SIM_NONE (-128)

enum {
    LEX_SEC_STRINGS = 1,
    LEX_SEC_ENTRIES = 2,
    LEX_SEC_HASH = 3,
    LEX_SEC_LINKS = 4,
    LEX_SEC_MORPH = 5,
    LEX_SEC_EMBED = 6,
    LEX_SEC_MAX = 6
};

/* Strength of a link, used to rank candidates (builder and reader agree).
 * rank: frequency rank of the original (LEX_RANK_NONE if unknown);
 * sim: cosine * 127 or LEX_SIM_NONE. */
static inline uint32_t lex_f2u(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}
static inline float lex_u2f(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f == f ? f : -1e30f; /* NaN (corrupt file): least */
}

US_INTERNAL float lex_link_score(unsigned sources, unsigned relations, unsigned links, int sim,
                                 uint32_t rank);

/* ---- builder: link collector ---- */
typedef struct lexb lexb;

/* ---- reader: word vectors by id (lexicon.c) ----
 * For the decoder's cache of candidate texts: lex_vector_id() is -1 when the
 * word has no vector (as unspin_lexicon_vector() returning 0);
 * lex_vector_by_id() writes what unspin_lexicon_vector() would for that
 * word. */
US_INTERNAL int32_t lex_vector_id(const unspin_lexicon *lex, const char *word, size_t len);
US_INTERNAL void lex_vector_by_id(const unspin_lexicon *lex, int32_t id, float *out);

US_INTERNAL int lexb_create(lexb **out, unspin_error *err);
US_INTERNAL void lexb_free(lexb *b);

/* Intern a phrase as a source spells it: tokenised with unspin_tokenize,
 * norms joined by single spaces. *id is the entry id, or -1 when the phrase
 * is not usable (empty, more than LEX_MAX_PHRASE tokens, punctuation).
 * @return UNSPIN_OK or UNSPIN_E_NOMEM. */
US_INTERNAL int lexb_intern(lexb *b, const char *raw, size_t len, int64_t *id, unspin_error *err);

/* Non-zero after an allocation failure inside the builder (sticky). */
US_INTERNAL int lexb_failed(const lexb *b);

/* Record that `spun` may stand for the original `orig` (both entry ids). */
US_INTERNAL int lexb_link(lexb *b, int64_t spun, int64_t orig, unsigned src, unsigned rel,
                          unspin_error *err);
/* Link every pair of a group of synonyms both ways (relation SYNONYM). */
US_INTERNAL int lexb_group(lexb *b, const int64_t *ids, size_t n, unsigned src, unspin_error *err);

/* ---- thesaurus parsers (memory buffers, so that they can be fuzzed) ----
 * Each returns UNSPIN_OK or a negative status with `err` naming `name` and
 * the line or offset. */

/* WordNet 3.0: the four data.POS files, given as buffers in the order
 * noun, verb, adj, adv (any may be NULL/0). */
US_INTERNAL int lex_parse_wordnet(lexb *b, const char *const data[4], const size_t len[4],
                                  const char *name, unspin_error *err);
/* MyThes .dat (UTF-8 or ISO-8859-1 as named on the first line). */
US_INTERNAL int lex_parse_mythes(lexb *b, const char *data, size_t len, const char *name,
                                 unspin_error *err);
/* Aiksaurus words.dat + meanings.dat. */
US_INTERNAL int lex_parse_aiksaurus(lexb *b, const unsigned char *words, size_t wlen,
                                    const unsigned char *meanings, size_t mlen, const char *name,
                                    unspin_error *err);
/* GCIDE dictionary text (the uncompressed gcide.dict). */
US_INTERNAL int lex_parse_gcide(lexb *b, const char *data, size_t len, const char *name,
                                unspin_error *err);
/* Moby thesaurus words.txt ("root,syn,syn,..." lines). */
US_INTERNAL int lex_parse_moby(lexb *b, const char *data, size_t len, const char *name, unspin_error *err);
/* The built-in function-word and contraction table. */
US_INTERNAL int lex_add_function_words(lexb *b, unspin_error *err);

/* Read a whole gzip (or dictzip) file into memory (us_malloc'd). */
US_INTERNAL int lex_read_gzip(const char *path, char **data, size_t *len, unspin_error *err);

/* Open a lexicon from a memory buffer that stays valid while it is used
 * (no copy). `name` names it in messages. */
US_INTERNAL int lex_open_memory(const void *data, size_t size, const char *name, unspin_lexicon **out,
                                unspin_error *err);

/* Is the normalised text (tokens joined by single spaces) an entry of the
 * lexicon: a word or phrase that some thesaurus lists ("decision tree")?
 * Phrase mode of the restorer takes a multi-word entry as a known term. */
US_INTERNAL int lex_has_entry(const unspin_lexicon *lex, const char *s, size_t len);

/* Number of entries and links collected so far (for tests and progress). */
US_INTERNAL size_t lexb_entry_count(const lexb *b);
US_INTERNAL size_t lexb_link_count(const lexb *b);

#endif
