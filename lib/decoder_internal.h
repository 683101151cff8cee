/*
 * decoder_internal.h - internal interface of the restorer: the channel
 * model's features and weights (channel.c), topical coherence
 * (coherence.c), and the decoder's hooks for the fit tool and for the
 * spun-text checker (decoder.c). Not installed. docs/decoder.md explains the
 * model.
 */
#ifndef UNSPIN_DECODER_INTERNAL_H
#define UNSPIN_DECODER_INTERNAL_H

#include "internal.h"

/* ---- channel model features ----
 * Every option at a word position (keep the observed word, or replace the
 * observed span by a lexicon candidate) gets a feature vector f; its score
 * is w . f, and the options of a position compete in a softmax. The LM
 * feature (CH_F_LM) is the log10 probability of the option in its context;
 * in the search it is accumulated along the path with the same weight. */
enum {
    CH_F_KEEP = 0,     /* 1 for the keep option (bias of not changing) */
    CH_F_KEEP_FUNC,    /* keep and the observed word is a function word */
    CH_F_KEEP_LOGF,    /* keep * normalised log unigram frequency of the observed word */
    CH_F_KEEP_UNK,     /* keep and the observed word is unknown to the LM */
    CH_F_KEEP_NCAND,   /* keep * log(1 + number of candidates at the position) */
    CH_F_SRC0,         /* 7 source bits of the link (UNSPIN_SRC_*) */
    CH_F_REL0 = CH_F_SRC0 + 7, /* 8 relation bits (UNSPIN_REL_*) */
    CH_F_LINKS = CH_F_REL0 + 8, /* log(1 + links) */
    CH_F_SIM,          /* embedding cosine similarity */
    CH_F_LOGF_W,       /* normalised log unigram frequency of the candidate */
    CH_F_LOGF_DIFF,    /* that of the candidate minus that of the observed span */
    CH_F_INFL,         /* candidate was re-inflected */
    CH_F_SPAN,         /* observed words replaced - 1 */
    CH_F_NWDIFF,       /* candidate words - observed words replaced */
    CH_F_W_UNK,        /* a word of the candidate is unknown to the LM */
    CH_F_FUNC_W,       /* the candidate is a single function word */
    CH_F_COH,          /* topical coherence gain (coherence.c) */
    CH_F_CONS,         /* log(1 + times this pair was confidently restored in the document) */
    CH_F_CONS_OTHER,   /* log(1 + times the observed span was restored to something else) */
    CH_F_LM,           /* log10 LM probability of the option in context */
    CH_F_REV_FOUND,    /* the observed word is among the lexicon's candidates for the candidate
                          (the link seen from the original's side, as a spinner's thesaurus) */
    CH_F_REV_RANK,     /* log(1 + its rank there) */
    CH_F_REV_FANOUT,   /* log(1 + number of candidates of the candidate): a spinner picking
                          among many synonyms picks each one rarely */
    CH_F_DIGIT,        /* a digit 1-9 read as its number word ("2" -> "two") */
    CH_NF
};

/* Name of feature i (for the fit tool's report and docs). */
US_INTERNAL const char *ch_feature_name(int i);

/* Weights of the built-in untrained model (used when no channel file is given: tests only). */
US_INTERNAL void ch_default_weights(float *w);

/* An in-memory channel (for the fit tool): copies the weights. */
US_INTERNAL int ch_create(const float *w, size_t n, double threshold, double phrase_threshold,
                          unspin_channel **out, unspin_error *err);
/* Threshold for changes of more than one word (0: none beyond the threshold). */
US_INTERNAL double ch_phrase_threshold(const unspin_channel *ch);
/* The weights (CH_NF floats). */
US_INTERNAL const float *ch_weights(const unspin_channel *ch);
/* Write a .uschan file: "incomplete" magic first, the real one at the end. */
US_INTERNAL int ch_write(const char *path, const float *w, size_t n, double threshold, double phrase_threshold,
                         unspin_error *err);

/* Normalised log frequency used by the features: (clamp(log10 p, -8, 0) + 5) / 2. */
static inline float ch_norm_logf(float log10p)
{
    if (log10p < -8.0f) log10p = -8.0f;
    if (log10p > 0.0f) log10p = 0.0f;
    return (log10p + 5.0f) * 0.5f;
}

/* The number word of a lone digit token "1".."9", or NULL. */
US_INTERNAL const char *ch_digit_word(const char *norm, size_t len);

/* Unigram log10 above which a word is neither looked up nor proposed as an
 * original (the, of, and, to, a, in...): spinners leave these words. */
#define CH_SKIP_LOGP (-2.2f)

/* Unigram log10 above which a word counts as a function word. */
#define CH_FUNCTION_LOGP (-2.6f)

/* ---- topical coherence (coherence.c) ----
 * The sum of the unit vectors of a paragraph's content words; the gain of a
 * candidate is cos(candidate, context) - cos(observed, context) where the
 * context leaves out the observed word itself. */
typedef struct us_coh {
    int dim;
    int n;        /* vectors added */
    float *sum;   /* dim */
    float *tmp;   /* dim scratch */
    double *ctx;  /* dim: the context of us_coh_set_context() */
    double ctx_nn; /* its squared norm */
    int ctx_ok;   /* 0: the context is empty */
} us_coh;

US_INTERNAL int us_coh_init(us_coh *c, int dim, unspin_error *err);
US_INTERNAL void us_coh_free(us_coh *c);
US_INTERNAL void us_coh_clear(us_coh *c);
US_INTERNAL void us_coh_add(us_coh *c, const float *v);
/* cos(v, sum - excl) where excl is the sum of excl_count vectors that were
 * added (the observed words themselves); excl may be NULL. 0 when the context is empty. */
US_INTERNAL float us_coh_cos(const us_coh *c, const float *v, const float *excl, int excl_count);
/* The same in two steps, for many vectors against one context: fix the
 * context sum - excl once, then us_coh_cos_context(c, v) equals
 * us_coh_cos(c, v, excl, excl_count) bit for bit. */
US_INTERNAL void us_coh_set_context(us_coh *c, const float *excl, int excl_count);
US_INTERNAL float us_coh_cos_context(const us_coh *c, const float *v);
/* Mean unit vector of the words of `text` (space-separated) into out[dim];
 * returns the number of words that had a vector (0: none, out untouched). */
US_INTERNAL int us_coh_phrase_vector(const unspin_lexicon *lex, int dim, const char *text, size_t len, float *out);

/* us_coh_phrase_vector() of a text whose words have the vector ids vid[0..n)
 * (-1: none; lex_vector_id() in lex_internal.h): the same result without
 * looking the words up. */
US_INTERNAL int us_coh_phrase_vector_ids(const unspin_lexicon *lex, int dim, const int32_t *vid, size_t n, float *out);

/* ---- decoder hooks ---- */

/* Evidence at one word token, kept with every restore result (for the
 * spun-text checker). Posteriors are conditional on the best reading of the
 * rest of the sentence. */
typedef struct us_word_evidence {
    size_t start, end;     /* bytes of the word token in the input */
    float p_keep;          /* posterior of keeping the word (1 when it has no candidates) */
    float p_best_alt;      /* posterior of the best replacement (0 when none) */
    const char *best_alt;  /* its text (owned by the result), or NULL */
    float lm_gain;         /* LM log10 gain of the best replacement over keeping, in context */
    float chan_gain;       /* channel score (w . f without the LM) of it minus keeping's */
    unsigned ncands;       /* candidates considered at the position */
    int is_protected;      /* quoted, name, number... never changed */
    int changed;           /* 1 if the restore changed this word */
} us_word_evidence;

/* The per-word evidence of a result made by unspin_restore(). */
US_INTERNAL void us_restore_evidence(const unspin_restore_result *res, const us_word_evidence **ev, size_t *n);

/* One training example for the fit tool: the options of one word position,
 * with their features computed in the observed context. */
typedef struct us_dec_example {
    size_t start, end;       /* bytes of the first word token of the position */
    size_t nopt;             /* options; option 0 is keep */
    const float *feat;       /* nopt * CH_NF features */
    const char *const *text; /* nopt option texts (lower-case, words space-separated) */
    const uint32_t *span;    /* nopt observed words replaced */
} us_dec_example;

typedef int (*us_dec_example_fn)(void *ctx, const us_dec_example *ex);

/* Build the lattice of `text` as unspin_restore() does and hand each word
 * position that has candidates to fn, its features computed in the observed
 * context (the consistency features use the restorer's document memory). */
US_INTERNAL int us_dec_collect(unspin_restorer *r, const char *text, size_t len, us_dec_example_fn fn,
                               void *ctx, unspin_error *err);

#endif
