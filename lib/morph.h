/*
 * morph.h - English inflectional morphology and British/American spelling
 * variants (internal; see docs/morphology.md).
 *
 * The data (WordNet 3.0 lemma index and exception lists, spelling variant
 * pairs derived from the wamerican/wbritish word lists) is compiled by
 * morph_build() into one compact read-only blob, which the lexicon builder
 * embeds as a section of the .uslex file. morph_open() makes a bounds-checked
 * view of such a blob (no copy); every query is a pure function of
 * (blob, input): no global state, any number of threads may share a morph.
 *
 * Words are lower-case UTF-8 (the tokenizer's normalised form); multi-word
 * lemmas use single spaces ("take over", "military technology"), never '_'.
 */
#ifndef UNSPIN_MORPH_H
#define UNSPIN_MORPH_H

#include "internal.h"

typedef struct morph morph;

/* Inflection tags (Penn Treebank names). Stable numbers. */
enum morph_tag {
    MORPH_BASE = 0, /* lemma form (NN, VB/VBP, JJ, RB) */
    MORPH_NNS = 1,  /* plural noun: arms, children */
    MORPH_VBD = 2,  /* past tense: said, went */
    MORPH_VBN = 3,  /* past participle: said, gone */
    MORPH_VBG = 4,  /* gerund / present participle: building, ageing */
    MORPH_VBZ = 5,  /* 3rd person singular present: says */
    MORPH_JJR = 6,  /* comparative adjective: bigger */
    MORPH_JJS = 7,  /* superlative adjective: happiest */
    MORPH_RBR = 8,  /* comparative adverb: faster */
    MORPH_RBS = 9,  /* superlative adverb: fastest */
    MORPH_NTAGS = 10
};

/* Parts of speech (bits, as in WordNet). */
#define MORPH_NOUN 0x1u
#define MORPH_VERB 0x2u
#define MORPH_ADJ  0x4u
#define MORPH_ADV  0x8u

/* Longest word or lemma handled (bytes); longer input gives no analysis. */
#define MORPH_MAX_LEN 128
/* Upper bound on the number of analyses of one word (a good `max`). */
#define MORPH_MAX_ANALYSES 32

/* One reading of an observed form: `lemma` inflected with `tag` gives it. */
typedef struct morph_analysis {
    const char *lemma; /* NUL-terminated, points into the blob (valid while it is) */
    size_t lemma_len;
    int tag;           /* enum morph_tag */
    unsigned pos;      /* one MORPH_NOUN/VERB/ADJ/ADV bit */
} morph_analysis;

/*! morph_build() :
 * Compile the morphology blob. `wordnet_dir` holds index.{noun,verb,adj,adv}
 * and {noun,verb,adj,adv}.exc (WordNet 3.0 format); `american_list` and
 * `british_list` are word lists, one word a line (/usr/share/dict/...). Any
 * path may be NULL: that part of the data is then empty. On success *blob is
 * allocated with us_malloc (release with us_free) and *size is its length.
 * @return UNSPIN_OK, UNSPIN_E_IO, UNSPIN_E_FORMAT (file and line named),
 *         UNSPIN_E_LIMIT or UNSPIN_E_NOMEM. */
US_INTERNAL int morph_build(const char *wordnet_dir, const char *american_list,
                            const char *british_list, unsigned char **blob, size_t *size,
                            unspin_error *err);

/*! morph_open() :
 * A view of a blob made by morph_build() (the blob must stay valid and
 * unchanged until morph_free(); it may be unaligned). Checks magic, version,
 * sizes and table bounds; every offset read later is checked again before use.
 * @return UNSPIN_OK, UNSPIN_E_FORMAT, UNSPIN_E_VERSION, UNSPIN_E_INCOMPLETE
 *         or UNSPIN_E_NOMEM. */
US_INTERNAL int morph_open(const void *blob, size_t size, morph **out, unspin_error *err);

/*! morph_verify() : recompute the blob's checksum. @return UNSPIN_OK or UNSPIN_E_CHECKSUM. */
US_INTERNAL int morph_verify(const morph *m, unspin_error *err);

/*! morph_free() : release the view (NULL is fine); the blob is not touched. */
US_INTERNAL void morph_free(morph *m);

/*! morph_in_index() : @return the MORPH_* POS bits of `word` in the WordNet index (0: none). */
US_INTERNAL unsigned morph_in_index(const morph *m, const char *word, size_t len);

/*! morph_analyse() :
 * The readings of an observed form: lemma + tag pairs, found with WordNet's
 * detachment rules, the exception lists and a consonant un-doubling rule,
 * keeping only lemmas in the WordNet index for that POS; the word itself is
 * a MORPH_BASE reading for each POS it is indexed under. Multi-word forms
 * inflect their head (first word of verbs, last word of nouns). Duplicates
 * are removed; at most `max` readings are written.
 * @return the number of readings written (0: unknown word). */
US_INTERNAL size_t morph_analyse(const morph *m, const char *word, size_t len,
                                 morph_analysis *out, size_t max);

/*! morph_inflect() :
 * Write `lemma` inflected with `tag` to out[0..cap) (NUL-terminated).
 * Irregular forms (built-in table of irregular verbs, then the reversed
 * WordNet exception lists) first, then regular rules. Multi-word lemmas
 * inflect their head: the first word for verb tags ("took over"), the last
 * word otherwise ("military technologies"). Comparatives of long adjectives
 * and adverbs are periphrastic ("more careful"). Output is in American
 * spelling where the data gives a choice (see morph_spelling_british()).
 * @return the length written (>= 0), UNSPIN_E_INVALID (bad tag, empty
 *         lemma) or UNSPIN_E_LIMIT (does not fit in cap). */
US_INTERNAL int morph_inflect(const morph *m, const char *lemma, size_t len, int tag,
                              char *out, size_t cap);

/*! morph_spelling_key() :
 * The canonical (American) spelling of `word`: armoured -> armored,
 * defence -> defense, prioritising -> prioritizing, centre -> center,
 * travelled -> traveled, catalogue -> catalog, grey -> gray. Words without a
 * variant are copied unchanged. Writes a NUL-terminated string to out[0..cap).
 * @return the key length; 0 if it does not fit (or len is 0). */
US_INTERNAL size_t morph_spelling_key(const morph *m, const char *word, size_t len,
                                      char *out, size_t cap);

/*! morph_spelling_british() :
 * The British spelling of a canonical (American) form, if there is one:
 * armored -> armoured, center -> centre. Writes it NUL-terminated to out.
 * @return its length, or 0 when the word has no British variant (or it does
 * not fit). */
US_INTERNAL size_t morph_spelling_british(const morph *m, const char *word, size_t len,
                                          char *out, size_t cap);

/* Spelling convention evidence of one word (for per-document detection:
 * sum the values over the words of a text; > 0 means British). */
#define MORPH_SPELL_NEUTRAL  0
#define MORPH_SPELL_BRITISH  1   /* a British-only variant: "colour" */
#define MORPH_SPELL_AMERICAN (-1) /* an American form that has a British variant: "color" */

/*! morph_spelling_convention() : @return MORPH_SPELL_BRITISH, _AMERICAN or _NEUTRAL. */
US_INTERNAL int morph_spelling_convention(const morph *m, const char *word, size_t len);

/*! morph_render() :
 * Render a candidate in a text's convention: when `british` is non-zero and
 * `word` (any spelling) has a British variant, write that; otherwise write
 * the canonical form. Multi-word candidates are converted word by word.
 * @return the length written, 0 if it does not fit. */
US_INTERNAL size_t morph_render(const morph *m, const char *word, size_t len, int british,
                                char *out, size_t cap);

/*! morph_tag_name() : @return "BASE", "NNS", ... ("?" when out of range). */
US_INTERNAL const char *morph_tag_name(int tag);

/*! morph_tag_pos() : @return the POS bit a tag implies (MORPH_BASE: 0). */
US_INTERNAL unsigned morph_tag_pos(int tag);

#endif
