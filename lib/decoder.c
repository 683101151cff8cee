/*
 * decoder.c - the noisy-channel restorer: lattice, search, posteriors.
 *
 * For each paragraph handed to unspin_restore():
 *  1. Tokenize; the LM tokens are the word, number, punctuation and other
 *     tokens (whitespace is not scored). Word tokens that must never change
 *     (quoted, proper names, acronyms) are marked protected.
 *  2. Lattice: at every unprotected word position, the options are "keep"
 *     plus the lexicon's candidates for each spun-side span of 1-4 word tokens
 *     starting there (spans stop at punctuation and protected words). Each
 *     option gets the channel model's features (decoder_internal.h) and a
 *     channel score w . f; the best max_cands candidates are kept, plus a few
 *     that the LM likes best between the observed neighbours. A lone digit
 *     may stand for its number word.
 *  3. Search: per sentence, a beam search over (boundary, LM state) with
 *     recombination of equal states finds the best reading; the score of a
 *     path is the sum of its options' channel scores plus w_lm * log10 P_LM.
 *  4. Posteriors: at each word position, every option is rescored with the
 *     rest of the best path held fixed (its LM context on both sides and the
 *     channel scores of the path options it overlaps), and a softmax gives
 *     the posterior of each option. A change is made only when the best
 *     path's option has posterior >= threshold.
 *  5. Document consistency: pairs (observed -> original) restored with high
 *     confidence, and words kept, are remembered in the restorer; when a
 *     paragraph adds new pairs it is decoded again with the consistency
 *     features switched on, and later paragraphs use them from the start.
 *  6. Output: the input with only the changed spans replaced, the case
 *     pattern of the observed span carried over and "a"/"an" agreement fixed.
 */
#include "decoder_internal.h"
#include "lex_internal.h"
#include "lm_build.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define MAX_SPAN 4          /* observed words a candidate may replace */
#define MAX_CAND_WORDS 8    /* LM words of a candidate */
#define LM_EXTRA 4          /* candidates let in by the LM beyond the channel's best */
#define SQ_DIRECT 1u        /* local_scores(): a word summed into the option's lm directly */
#define SQ_START 2u         /* ... the first word of a path option (its own sum) */
#define SQ_END 4u           /* ... its last word (the sum is added to lm) */
#define XBATCH 8            /* lm_extra(): following tokens scored per batch */
#define MAX_OPTS 72         /* options of a position: keep + at most 64 candidates (+ margin) */
#define MAX_SENT 256        /* positions per searched sentence (longer ones are cut) */
#define PRUNE_MARGIN 30.0   /* hypotheses this far (nats) below the best are dropped */
#define DOC_SLOTS 16384     /* document-memory hash table size (power of two) */
#define DOC_MAX 6000        /* entries kept per document */
#define UNI_CACHE 65536     /* unigram cache slots (power of two) */
#define REV_SLOTS 8192      /* reverse-lookup cache slots (power of two); emptied when 3/4 full */
#define REV_POOL (4u << 20) /* ... or when its strings pass 4 MB */
#define RECORD_MIN_P 0.95   /* posterior needed to remember a change for the document */
#define RECORD_KEEP_P 0.5   /* ... and to remember a word as kept (counter-evidence) */
#define CONS_CAP 2u         /* counts used by the consistency features are capped */
#define CONS_OTHER_CAP 10u
#define GAIN_SLOTS 131072   /* document evidence table size (power of two) */
#define GAIN_MAX 65536      /* entries kept per document (load <= 1/2) */
#define GAIN_CLIP 3.0f      /* log10: one occurrence's LM gain counts at most this much */
#define GAIN_MIN_MEAN 1.0f  /* log10: mean gain per occurrence needed for a document boost */
#define GAIN_CAP 6.0f       /* log10: largest boost from the other occurrences */
#define GAIN_MIN_MARGIN 2.5f /* log10: evidence needed over the runner-up candidate */
#define GAIN_OBS_MAX 8u     /* occurrences of a word observed for the evidence */
#define MAX_LM_GAIN 4.5f    /* log10: a candidate whose channel score is so far below keeping's
                               that even this LM gain could not make it win is dropped */
#define PHRASE_MAX_WORDS 5  /* phrase mode: a paragraph of at most this many words, no final . ! ? */
#define PHRASE_BEAM 64      /* ... searched with this beam */
#define PHRASE_CANDS 32     /* ... with this many candidates per word (at least) */
#define PHRASE_MARGIN 2.0   /* ... changed when the best reading beats keeping every word by this (nats) */
#define PHRASE_ASSOC 1.0    /* log10: a line whose adjacent words are all this associated is a known term; */
#define PHRASE_ASSOC_GAIN 1.0 /* ... an unknown one may become a reading whose words are, and this more, */
#define PHRASE_TERM_LM 1.5  /* ... decided with the LM weighted this much more, */
#define PHRASE_TERM_MARGIN 3.0 /* ... and this margin (nats); */
#define PHRASE_KNOWN_MARGIN 1.0 /* ... or this one when the reading is a multi-word lexicon entry */

/* A copied token of the paragraph. */
typedef struct dtok {
    size_t start, len;
    uint32_t norm_off, norm_len; /* in r->pool */
    unspin_token_kind kind;
    unspin_case casing;
    unsigned flags;
    unspin_word id;
    float uni;        /* unigram log10 */
    int prot;         /* never change */
    int in_topic;     /* its vector was added to the topic */
    uint32_t vec;     /* index into r->vecs (when has_vec) */
    int has_vec;
} dtok;

/* An option at a position. */
typedef struct dopt {
    uint32_t pos;               /* position (index into r->ptok) */
    uint32_t span;              /* positions covered */
    uint32_t nw;                /* LM words */
    uint32_t ids;               /* first id in r->ids */
    uint32_t text_off, text_len; /* in r->pool */
    int keep;
    float chan;                 /* w . f without the LM feature, plus boost */
    float boost;                /* document evidence (unspin_restore_observe()) */
} dopt;

/* A search hypothesis. */
typedef struct hyp {
    double score;
    unspin_lm_state st;
    uint32_t prev_i; /* index in the pruned list of boundary prev_b */
    uint32_t prev_b;
    uint32_t opt;    /* option taken to get here */
} hyp;

typedef struct hlist {
    hyp *h;
    size_t n, cap;
} hlist;

/* Per-position decision after the posteriors. */
typedef struct dpost {
    int32_t best;        /* option index in r->opt of the chosen option (path), -1 inside a path option */
    float p_best;        /* posterior of the path option */
    float p_keep;
    int32_t alt;         /* best non-keep option by posterior, -1 when none */
    float p_alt, lm_gain, chan_gain;
    int phrase;          /* phrase mode: the path option is taken as a whole-line decision */
} dpost;

typedef struct revent {
    uint32_t key_off, key_len; /* in revpool */
    uint32_t list_off, count;  /* the candidates, NUL-separated, in revpool */
} revent;

/* Key of a document table entry (docent, gainent begin with it): bytes
 * [off, off + len) of the table's pool; len 0 marks an empty slot. */
typedef struct keyref {
    uint32_t off, len;
    uint32_t fp;               /* high bits of the key's hash: most mismatches without reading the pool */
} keyref;

typedef struct gainent {
    keyref key;                /* "s\tw" in r->gainpool */
    uint32_t n;                /* occurrences of s where w was an option */
    float sum;                 /* their LM gains over keeping s, each clipped to +-GAIN_CLIP */
} gainent;

#ifndef TID_CACHE
#define TID_CACHE 65536 /* candidate text -> LM ids cache slots (power of two) */
#endif
typedef struct tid_ent {
    uint64_t hash;
    uint8_t len, nw, unk;
    uint8_t has_vid;           /* vid[] filled (on first use by the coherence feature) */
    char text[44];
    float meanuni;
    unspin_word ids[MAX_CAND_WORDS];
    int32_t vid[MAX_CAND_WORDS]; /* word vector ids of the words (-1: none) */
} tid_ent;

typedef struct docent {
    keyref key;                /* "s\tw" or "s\t" in r->docpool */
    uint32_t count;
} docent;

struct unspin_restorer {
    const unspin_lm *lm;
    const unspin_lexicon *lex;
    float w[CH_NF];
    unspin_restore_opts opts;
    double threshold;
    double phrase_threshold; /* changes of phrases need max(threshold, this) */
    int order;
    unspin_word eos;
    unspin_lm_state null_state, begin_state;
    unspin_tokenizer *tk;
    unspin_candidates *cands;
    unspin_candidates *cands2; /* for the reverse lookups */
    us_coh coh;
    int dim;
    float *vtmp; /* 3 * dim scratch */
    float *unic; unspin_word *unic_id; /* unigram cache */
    tid_ent *tic;                      /* candidate text cache (text_ids()) */

    /* paragraph scratch */
    dtok *tok; size_t ntok, captok;
    uint32_t *ptok; size_t npos, cappos;     /* position -> token */
    uint32_t *opt_first, *opt_n; size_t capopt_pos, capopt_n; /* options of a position (first is keep) */
    dopt *opt; size_t nopt, capopt;
    float *feat; size_t capfeat;              /* nopt * CH_NF */
    unspin_word *ids; size_t nids, capids;
    char *pool; size_t npool, cappool;
    float *vecs; size_t capvecs;
    dpost *post; size_t cappost;
    float *optp; size_t capoptp;              /* posterior of each option (after posteriors()) */
    double *xa; size_t capxa;                 /* lm_extra() scratch */
    unspin_word *xw; size_t capxw;
    float *xlp; size_t capxlp;
    unspin_lm_state *xst; size_t capxst;
    uint32_t *xord; size_t capxord;
    uint64_t *chash; size_t capchash;         /* build_position(): hashes of the candidates' texts */
    uint32_t *sidx; size_t capsidx;           /* sort_cands() scratch */
    struct cand_tmp *stmp; size_t capstmp;

    /* search scratch (per sentence) */
    hlist *lists; size_t caplists;
    int32_t *path_opt; size_t cappath;       /* per boundary: option starting there, -1 inside */
    unspin_lm_state *path_st; size_t cappathst;

    /* local-scoring scratch */
    double *lscore; float *lfeat; float *llm; float *lchan; size_t capl;
    unspin_word *lw1; size_t caplw1;          /* first words of the options, their log10 P and states */
    float *llp1; size_t capllp1;
    unspin_lm_state *lst1; size_t caplst1;
    unspin_word *sq_w; size_t capsq_w;        /* the words each option still has to score */
    uint8_t *sq_f; size_t capsq_f;            /* their SQ_* flags */
    uint32_t *sq_off; size_t capsq_off;       /* option k's words: [sq_off[k], sq_off[k + 1]) */
    double *lmacc; size_t caplmacc;           /* per option: lm sum, current group sum */
    /* batched LM queries (lm_score_many()) */
    const unspin_lm_state **bq_in; unspin_lm_state **bq_out; unspin_word *bq_w; float *bq_lp;
    uint32_t *bq_who; size_t capbq;

    /* reverse-lookup cache: word -> its one-word candidates (NUL-separated) */
    revent *rev; size_t nrev;
    char *revpool; size_t nrevpool, caprevpool;

    /* document memory */
    docent *doc; size_t ndoc;
    size_t npairs; /* (observed -> original) pairs among the entries */
    char *docpool; size_t ndocpool, capdocpool;

    /* document evidence (unspin_restore_observe()): LM gains of one-word
     * candidates summed over the occurrences of the observed word */
    gainent *gain; size_t ngain;
    char *gainpool; size_t ngainpool, capgainpool;
    int observing;     /* in pass 2 of unspin_restore_observe() */
    size_t max_cands;  /* candidates kept per position in this paragraph */
    int restoring;     /* in unspin_restore() (phrase mode; not for the fit tool) */
    double best_score; /* score of the best path found by the last search() (</s> included) */
};

/* ---------------------------------------------------------------------- */
/* small helpers */

static int grow(void *arr, size_t *cap, size_t need, size_t size, unspin_error *err)
{
    if (need <= *cap)
        return UNSPIN_OK;
    if (us_grow((void **)arr, cap, need, size) < 0)
        return us_error(err, UNSPIN_E_NOMEM, "restore: out of memory");
    return UNSPIN_OK;
}

static int pool_add(unspin_restorer *r, const char *s, size_t n, uint32_t *off, unspin_error *err)
{
    /* s may point into the pool itself, which growing moves */
    int inside = r->pool && s >= r->pool && s < r->pool + r->cappool;
    size_t at = inside ? (size_t)(s - r->pool) : 0;
    US_TRY(grow(&r->pool, &r->cappool, r->npool + n + 1, 1, err));
    if (inside)
        s = r->pool + at;
    memcpy(r->pool + r->npool, s, n);
    r->pool[r->npool + n] = 0;
    *off = (uint32_t)r->npool;
    r->npool += n + 1;
    return UNSPIN_OK;
}

/* Unigram log10 of a word (clamped at -8), through a direct-mapped cache. */
static float unigram(unspin_restorer *r, unspin_word id)
{
    if (id == UNSPIN_WORD_UNK)
        return -8.0f;
    size_t slot = id & (UNI_CACHE - 1);
    if (r->unic_id[slot] == id)
        return r->unic[slot];
    unspin_lm_state tmp;
    float lp = unspin_lm_score(r->lm, &r->null_state, id, &tmp);
    lp = lp < -8.0f ? -8.0f : lp;
    r->unic_id[slot] = id;
    r->unic[slot] = lp;
    return lp;
}

/* An LM query of the decoder (out may alias in). */
static inline float lm_query(const unspin_restorer *r, const unspin_lm_state *in, unspin_word w, unspin_lm_state *out)
{
    return unspin_lm_score(r->lm, in, w, out);
}

static float dot(const float *w, const float *f)
{
    float s = 0;
    for (int i = 0; i < CH_NF; i++)
        s += w[i] * f[i];
    return s;
}

/* Room for n batched LM queries (r->bq_*). */
static int batch_room(unspin_restorer *r, size_t n, unspin_error *err)
{
    if (n <= r->capbq)
        return UNSPIN_OK;
    size_t c1 = r->capbq, c2 = r->capbq, c3 = r->capbq, c4 = r->capbq, c5 = r->capbq;
    US_TRY(grow(&r->bq_in, &c1, n, sizeof *r->bq_in, err));
    US_TRY(grow(&r->bq_out, &c2, n, sizeof *r->bq_out, err));
    US_TRY(grow(&r->bq_w, &c3, n, sizeof *r->bq_w, err));
    US_TRY(grow(&r->bq_lp, &c4, n, sizeof *r->bq_lp, err));
    US_TRY(grow(&r->bq_who, &c5, n, sizeof *r->bq_who, err));
    size_t m = c1 < c2 ? c1 : c2;
    m = m < c3 ? m : c3;
    m = m < c4 ? m : c4;
    r->capbq = m < c5 ? m : c5;
    return UNSPIN_OK;
}

/* ---------------------------------------------------------------------- */
/* document memory: counts of confidently restored pairs */

/* Find the slot of key k in an open-addressing table of `slots` (a power of
 * two) entries of `stride` bytes, each beginning with its keyref into pool;
 * returns the slot (empty or matching). */
static size_t key_slot(const void *tab, size_t stride, size_t slots, const char *pool, const char *k, size_t n)
{
    uint64_t h = us_hash(k, n);
    uint32_t fp = (uint32_t)(h >> 32);
    size_t i = (size_t)h & (slots - 1);
    for (;;) {
        const keyref *e = (const keyref *)(const void *)((const char *)tab + i * stride);
        if (e->len == 0)
            return i;
        if (e->len == n && e->fp == fp && memcmp(pool + e->off, k, n) == 0)
            return i;
        i = (i + 1) & (slots - 1);
    }
}

/* Copy key k to the end of *pool and point *key at it; -1 when out of memory. */
static int key_store(char **pool, size_t *npool, size_t *cap, keyref *key, const char *k, size_t n)
{
    if (grow(pool, cap, *npool + n, 1, NULL) < 0)
        return -1;
    memcpy(*pool + *npool, k, n);
    key->off = (uint32_t)*npool;
    key->len = (uint32_t)n;
    key->fp = (uint32_t)(us_hash(k, n) >> 32);
    *npool += n;
    return 0;
}

static size_t doc_slot(const unspin_restorer *r, const char *k, size_t n)
{
    return key_slot(r->doc, sizeof *r->doc, DOC_SLOTS, r->docpool, k, n);
}

static uint32_t doc_count(const unspin_restorer *r, const char *k, size_t n)
{
    if (r->ndoc == 0 || n == 0)
        return 0;
    return r->doc[doc_slot(r, k, n)].count;
}

static void doc_inc(unspin_restorer *r, const char *k, size_t n)
{
    if (n == 0 || r->ndoc >= DOC_MAX)
        return;
    size_t i = doc_slot(r, k, n);
    docent *e = &r->doc[i];
    if (e->key.len == 0) {
        if (key_store(&r->docpool, &r->ndocpool, &r->capdocpool, &e->key, k, n) < 0)
            return;
        r->ndoc++;
    }
    e->count++;
}

/* The observed words of positions [p, p+span) as "w1 w2 ..." into out
 * (normalised forms; cut at whole words when it would not fit). */
static size_t observed_span(const unspin_restorer *r, uint32_t p, uint32_t span, char *out, size_t cap)
{
    size_t on = 0;
    for (uint32_t q = p; q < p + span && q < r->npos; q++) {
        const dtok *t = &r->tok[r->ptok[q]];
        if (on + t->norm_len + 2 >= cap)
            break;
        if (q > p)
            out[on++] = ' ';
        memcpy(out + on, r->pool + t->norm_off, t->norm_len);
        on += t->norm_len;
    }
    return on;
}

/* Key "s\tw" (w may be empty) into buf; returns its length, 0 if too long. */
static size_t doc_key(char *buf, size_t cap, const char *s, size_t sn, const char *w, size_t wn)
{
    if (sn >= cap || wn >= cap || sn + wn + 1 > cap)
        return 0;
    memcpy(buf, s, sn);
    buf[sn] = '\t';
    memcpy(buf + sn + 1, w, wn);
    return sn + 1 + wn;
}

static size_t gain_slot(const unspin_restorer *r, const char *k, size_t n)
{
    return key_slot(r->gain, sizeof *r->gain, GAIN_SLOTS, r->gainpool, k, n);
}

static void gain_add(unspin_restorer *r, const char *k, size_t n, float g)
{
    if (n == 0)
        return;
    size_t i = gain_slot(r, k, n);
    gainent *e = &r->gain[i];
    if (e->key.len == 0) {
        if (r->ngain >= GAIN_MAX || key_store(&r->gainpool, &r->ngainpool, &r->capgainpool, &e->key, k, n) < 0)
            return;
        r->ngain++;
    }
    e->n++;
    e->sum += g < -GAIN_CLIP ? -GAIN_CLIP : g > GAIN_CLIP ? GAIN_CLIP : g;
}

/* Document evidence (log10) of the pair s -> w: the LM gains of w at the
 * other occurrences of s (a spinner applies one table to the whole
 * document, so the evidence of the occurrences adds up). *ok when w was an
 * option at two or more of them, its mean gain is at least GAIN_MIN_MEAN and
 * the document does not use w itself. */
static float gain_boost(const unspin_restorer *r, const char *k, size_t n, int *ok)
{
    *ok = 0;
    if (r->ngain == 0 || n == 0)
        return 0;
    const gainent *e = &r->gain[gain_slot(r, k, n)];
    if (e->key.len == 0 || e->n < 2)
        return 0;
    float mean = e->sum / (float)e->n;
    float b = e->sum - mean; /* the others: n - 1 occurrences at the mean */
    if (!(mean >= GAIN_MIN_MEAN))
        return b; /* no boost whatever the document uses */
    /* a spinner replaces every occurrence of the original: a candidate the
     * document also uses as it is gets no boost */
    const char *tab = memchr(k, '\t', n);
    if (tab) {
        const gainent *u = &r->gain[gain_slot(r, tab, n - (size_t)(tab - k))];
        if (u->key.len != 0 && u->n > 0)
            return b;
    }
    *ok = mean >= GAIN_MIN_MEAN;
    return b;
}

void unspin_restorer_reset(unspin_restorer *r)
{
    if (!r)
        return;
    memset(r->doc, 0, sizeof(docent) * DOC_SLOTS);
    r->ndoc = 0;
    memset(r->gain, 0, sizeof(gainent) * GAIN_SLOTS);
    r->ngain = 0;
    r->ngainpool = 0;
    r->npairs = 0;
    r->ndocpool = 0;
}

/* ---------------------------------------------------------------------- */
/* create / free */

void unspin_restore_opts_default(unspin_restore_opts *o)
{
    o->threshold = -1.0;
    o->beam = 4;
    o->max_cands = 12;
    o->consistency = 1;
    o->max_alternatives = 4;
}

int unspin_restorer_create(const unspin_lm *lm, const unspin_lexicon *lex, const unspin_channel *chan,
                           const unspin_restore_opts *opts, unspin_restorer **out, unspin_error *err)
{
    if (!out)
        return us_error(err, UNSPIN_E_INVALID, "unspin_restorer_create: NULL out");
    *out = NULL;
    if (!lm || !lex)
        return us_error(err, UNSPIN_E_INVALID, "unspin_restorer_create: a language model and a lexicon are required");
    unspin_restorer *r = us_calloc(1, sizeof *r);
    if (!r)
        return us_error(err, UNSPIN_E_NOMEM, "restore: out of memory");
    r->lm = lm;
    r->lex = lex;
    if (opts)
        r->opts = *opts;
    else
        unspin_restore_opts_default(&r->opts);
    if (r->opts.beam < 1) r->opts.beam = 1;
    if (r->opts.beam > 256) r->opts.beam = 256;
    if (r->opts.max_cands > 64) r->opts.max_cands = 64;
    if (chan)
        memcpy(r->w, ch_weights(chan), sizeof r->w);
    else
        ch_default_weights(r->w);
    r->threshold = r->opts.threshold >= 0 ? r->opts.threshold : unspin_channel_threshold(chan);
    r->phrase_threshold = ch_phrase_threshold(chan);
    r->order = unspin_lm_order(lm);
    r->eos = unspin_lm_eos(lm);
    unspin_lm_null_state(lm, &r->null_state);
    unspin_lm_begin_state(lm, &r->begin_state);
    r->dim = unspin_lexicon_dim(lex);
    if (r->dim > 1024)
        r->dim = 0; /* larger than the coherence scratch: no coherence */
    int rc;
    if ((rc = unspin_tokenizer_create(&r->tk, err)) < 0 || (rc = unspin_candidates_create(&r->cands, err)) < 0 ||
        (rc = unspin_candidates_create(&r->cands2, err)) < 0 ||
        (rc = us_coh_init(&r->coh, r->dim, err)) < 0) {
        unspin_restorer_free(r);
        return rc;
    }
    r->vtmp = us_calloc((size_t)(r->dim > 0 ? r->dim : 1) * 3, sizeof(float));
    r->doc = us_calloc(DOC_SLOTS, sizeof(docent));
    r->gain = us_calloc(GAIN_SLOTS, sizeof(gainent));
    r->tic = us_calloc(TID_CACHE, sizeof(tid_ent));
    r->rev = us_calloc(REV_SLOTS, sizeof(revent));
    r->unic = us_calloc(UNI_CACHE, sizeof(float));
    r->unic_id = us_malloc(UNI_CACHE * sizeof(unspin_word));
    if (r->unic_id)
        memset(r->unic_id, 0xff, UNI_CACHE * sizeof(unspin_word));
    if (!r->vtmp || !r->doc || !r->gain || !r->tic || !r->rev || !r->unic || !r->unic_id) {
        unspin_restorer_free(r);
        return us_error(err, UNSPIN_E_NOMEM, "restore: out of memory");
    }
    *out = r;
    return UNSPIN_OK;
}

void unspin_restorer_free(unspin_restorer *r)
{
    if (!r)
        return;
    unspin_tokenizer_free(r->tk);
    unspin_candidates_free(r->cands);
    unspin_candidates_free(r->cands2);
    us_coh_free(&r->coh);
    us_free(r->vtmp);
    us_free(r->tok);
    us_free(r->ptok);
    us_free(r->opt_first);
    us_free(r->opt_n);
    us_free(r->opt);
    us_free(r->feat);
    us_free(r->ids);
    us_free(r->pool);
    us_free(r->vecs);
    us_free(r->post);
    us_free(r->optp);
    us_free(r->xa);
    us_free(r->xw);
    us_free(r->xlp);
    us_free(r->xst);
    us_free(r->xord);
    us_free(r->chash);
    us_free(r->sidx);
    us_free(r->stmp);
    for (size_t i = 0; i < r->caplists; i++)
        us_free(r->lists[i].h);
    us_free(r->lists);
    us_free(r->path_opt);
    us_free(r->path_st);
    us_free(r->lscore);
    us_free(r->lfeat);
    us_free(r->llm);
    us_free(r->lchan);
    us_free(r->lw1);
    us_free(r->llp1);
    us_free(r->lst1);
    us_free(r->sq_w);
    us_free(r->sq_f);
    us_free(r->sq_off);
    us_free(r->lmacc);
    us_free(r->bq_in);
    us_free(r->bq_out);
    us_free(r->bq_w);
    us_free(r->bq_lp);
    us_free(r->bq_who);
    us_free(r->doc);
    us_free(r->gain);
    us_free(r->tic);
    us_free(r->gainpool);
    us_free(r->docpool);
    us_free(r->rev);
    us_free(r->revpool);
    us_free(r->unic);
    us_free(r->unic_id);
    us_free(r);
}

/* ---------------------------------------------------------------------- */
/* 1. tokens and protection */

static int is_capitalised(unspin_case c)
{
    return c == UNSPIN_CASE_TITLE || c == UNSPIN_CASE_UPPER || c == UNSPIN_CASE_MIXED;
}

/* Is word token t name-like by itself (capitalised and rare in lower case)? */
static int name_like(const dtok *t, float rare)
{
    return is_capitalised(t->casing) && (t->id == UNSPIN_WORD_UNK || t->uni < rare);
}

/* Document memory key of a name: "\x01" + norm. */
static size_t name_key(char *buf, size_t cap, const char *norm, size_t n)
{
    if (n + 1 > cap)
        return 0;
    buf[0] = 1;
    memcpy(buf + 1, norm, n);
    return n + 1;
}

/* Protected word tokens: never changed. Capitalised words in the middle of
 * a sentence are names (and remembered as such for the document); at a
 * sentence start, a capitalised word is a name when it was seen capitalised
 * mid-sentence in the paragraph or the document, when its lower-case form is
 * rare, or when a capitalised word follows it. */
static void mark_protected(unspin_restorer *r)
{
    for (size_t p = 0; p < r->npos; p++) { /* names of this paragraph */
        dtok *t = &r->tok[r->ptok[p]];
        if (t->kind == UNSPIN_TOKEN_WORD && is_capitalised(t->casing) && !(t->flags & UNSPIN_TOKEN_SENT_START)) {
            char key[256];
            size_t kl = name_key(key, sizeof key, r->pool + t->norm_off, t->norm_len);
            if (kl && r->opts.consistency)
                doc_inc(r, key, kl);
        }
    }
    for (size_t p = 0; p < r->npos; p++) {
        dtok *t = &r->tok[r->ptok[p]];
        if (t->kind == UNSPIN_TOKEN_NUMBER && !(t->flags & UNSPIN_TOKEN_QUOTED) &&
            ch_digit_word(r->pool + t->norm_off, t->norm_len))
            continue; /* a lone digit may stand for its number word */
        if (t->kind != UNSPIN_TOKEN_WORD || (t->flags & (UNSPIN_TOKEN_QUOTED | UNSPIN_TOKEN_INVALID))) {
            t->prot = 1;
            continue;
        }
        if (t->casing == UNSPIN_CASE_MIXED) {
            t->prot = 1; /* iPhone, McDonald */
            continue;
        }
        if (t->casing == UNSPIN_CASE_UPPER) {
            /* acronyms (short, or rare in lower case: NATO, UN, BBC) stay;
             * a common word in capitals ("NAVY" in a headline) may change */
            if (t->len <= 3 || name_like(t, -5.0f))
                t->prot = 1;
            continue;
        }
        if (t->casing != UNSPIN_CASE_TITLE)
            continue;
        if (!(t->flags & UNSPIN_TOKEN_SENT_START)) {
            t->prot = 1;
            continue;
        }
        char key[256];
        size_t kl = name_key(key, sizeof key, r->pool + t->norm_off, t->norm_len);
        int seen = 0;
        for (size_t q = 0; q < r->npos && !seen; q++) {
            const dtok *u = &r->tok[r->ptok[q]];
            seen = q != p && u->kind == UNSPIN_TOKEN_WORD && is_capitalised(u->casing) &&
                   !(u->flags & UNSPIN_TOKEN_SENT_START) && u->norm_len == t->norm_len &&
                   memcmp(r->pool + u->norm_off, r->pool + t->norm_off, t->norm_len) == 0;
        }
        if (seen || (kl && doc_count(r, key, kl) > 0) || name_like(t, -5.0f)) {
            t->prot = 1;
            continue;
        }
        if (p + 1 < r->npos) {
            const dtok *n = &r->tok[r->ptok[p + 1]];
            if (n->kind == UNSPIN_TOKEN_WORD && is_capitalised(n->casing))
                t->prot = 1;
        }
    }
}

static int copy_tokens(unspin_restorer *r, const char *text, size_t len, unspin_error *err)
{
    unspin_tokenizer_reset(r->tk);
    const unspin_token *toks;
    size_t n, used;
    US_TRY(unspin_tokenize(r->tk, text, len, 1, &toks, &n, &used, err));
    r->ntok = r->npos = r->npool = 0;
    US_TRY(grow(&r->tok, &r->captok, n, sizeof(dtok), err));
    US_TRY(grow(&r->ptok, &r->cappos, n + 1, sizeof(uint32_t), err));
    for (size_t i = 0; i < n; i++) {
        dtok *t = &r->tok[r->ntok++];
        memset(t, 0, sizeof *t);
        t->start = toks[i].start;
        t->len = toks[i].length;
        t->kind = toks[i].kind;
        t->casing = toks[i].casing;
        t->flags = toks[i].flags;
        US_TRY(pool_add(r, toks[i].norm, toks[i].norm_length, &t->norm_off, err));
        t->norm_len = (uint32_t)toks[i].norm_length;
        if (t->kind == UNSPIN_TOKEN_SPACE)
            continue;
        t->id = unspin_lm_word(r->lm, toks[i].norm, toks[i].norm_length);
        t->uni = unigram(r, t->id);
        r->ptok[r->npos++] = (uint32_t)i;
    }
    mark_protected(r);
    return UNSPIN_OK;
}

/* Topic of the paragraph: the vectors of its content words. */
static int build_topic(unspin_restorer *r, unspin_error *err)
{
    us_coh_clear(&r->coh);
    if (!r->dim)
        return UNSPIN_OK;
    size_t nv = 0;
    for (size_t p = 0; p < r->npos; p++) {
        dtok *t = &r->tok[r->ptok[p]];
        if (t->kind != UNSPIN_TOKEN_WORD)
            continue;
        US_TRY(grow(&r->vecs, &r->capvecs, (nv + 1) * (size_t)r->dim, sizeof(float), err));
        float *v = r->vecs + nv * (size_t)r->dim;
        if (unspin_lexicon_vector(r->lex, r->pool + t->norm_off, t->norm_len, v)) {
            t->has_vec = 1;
            t->vec = (uint32_t)nv++;
            if (t->uni < CH_FUNCTION_LOGP) {
                us_coh_add(&r->coh, v);
                t->in_topic = 1;
            }
        }
    }
    return UNSPIN_OK;
}

/* ---------------------------------------------------------------------- */
/* 2. lattice */

typedef struct cand_tmp {
    float f[CH_NF];
    float chan;
    float boost;                /* document boost (nats, part of chan) */
    const unspin_candidate *c;
    unspin_word ids[MAX_CAND_WORDS];
    uint32_t nw;
} cand_tmp;

/* Sort a[0..n) by chan, descending, keeping the order of equal ones (the
 * order qsort() gave with glibc's merge sort): an insertion sort of the
 * indices (the lexicon's order is close to the channel's), then one
 * permutation of the records. */
static int sort_cands(unspin_restorer *r, cand_tmp *a, size_t n, unspin_error *err)
{
    if (n < 2)
        return UNSPIN_OK;
    US_TRY(grow(&r->sidx, &r->capsidx, n, sizeof *r->sidx, err));
    US_TRY(grow(&r->stmp, &r->capstmp, n, sizeof *r->stmp, err));
    uint32_t *idx = r->sidx;
    int moved = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        while (j > 0 && a[idx[j - 1]].chan < a[i].chan) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = (uint32_t)i;
        moved |= j != i;
    }
    if (!moved)
        return UNSPIN_OK;
    for (size_t i = 0; i < n; i++)
        r->stmp[i] = a[idx[i]];
    memcpy(a, r->stmp, n * sizeof *a);
    return UNSPIN_OK;
}

static int add_option(unspin_restorer *r, uint32_t pos, uint32_t span, const char *text, size_t tlen,
                      const unspin_word *ids, uint32_t nw, int keep, const float *f, unspin_error *err)
{
    US_TRY(grow(&r->opt, &r->capopt, r->nopt + 1, sizeof(dopt), err));
    US_TRY(grow(&r->feat, &r->capfeat, (r->nopt + 1) * CH_NF, sizeof(float), err));
    US_TRY(grow(&r->ids, &r->capids, r->nids + nw, sizeof(unspin_word), err));
    dopt *o = &r->opt[r->nopt];
    o->pos = pos;
    o->span = span;
    o->nw = nw;
    o->ids = (uint32_t)r->nids;
    memcpy(r->ids + r->nids, ids, nw * sizeof(unspin_word));
    r->nids += nw;
    US_TRY(pool_add(r, text, tlen, &o->text_off, err));
    o->text_len = (uint32_t)tlen;
    o->keep = keep;
    float *dst = r->feat + r->nopt * CH_NF;
    if (f)
        memcpy(dst, f, sizeof(float) * CH_NF);
    else
        memset(dst, 0, sizeof(float) * CH_NF);
    o->chan = f ? dot(r->w, f) - r->w[CH_F_LM] * f[CH_F_LM] : 0.0f;
    o->boost = 0;
    r->nopt++;
    return UNSPIN_OK;
}

/* Split a candidate's text into LM ids; returns the count, 0 if too long. */
static uint32_t text_ids_raw(unspin_restorer *r, const char *s, size_t n, unspin_word *ids, int *unk,
                             float *meanuni);

/* text_ids() through a direct-mapped cache of candidate texts (the same
 * candidates come back at every occurrence of a word). */
static uint32_t text_ids(unspin_restorer *r, const char *s, size_t n, uint64_t h, unspin_word *ids, int *unk,
                         float *meanuni)
{
    if (n > sizeof r->tic[0].text)
        return text_ids_raw(r, s, n, ids, unk, meanuni);
    tid_ent *e = &r->tic[h & (TID_CACHE - 1)];
    if (e->len == n && e->hash == h && memcmp(e->text, s, n) == 0) {
        memcpy(ids, e->ids, e->nw * sizeof *ids);
        *unk = e->unk;
        *meanuni = e->meanuni;
        return e->nw;
    }
    uint32_t k = text_ids_raw(r, s, n, ids, unk, meanuni);
    e->hash = h;
    e->len = (uint8_t)n;
    memcpy(e->text, s, n);
    e->nw = (uint8_t)k;
    e->unk = (uint8_t)*unk;
    e->meanuni = *meanuni;
    e->has_vid = 0;
    memcpy(e->ids, ids, k * sizeof *ids);
    return k;
}

/* The topical phrase vector of a candidate text (us_coh_phrase_vector()),
 * with the word vector ids kept in its text cache entry (h: its hash). */
static int cand_vector(unspin_restorer *r, const char *s, size_t n, uint64_t h, float *out)
{
    tid_ent *e = &r->tic[h & (TID_CACHE - 1)];
    if (n > sizeof e->text || e->len != n || e->hash != h || memcmp(e->text, s, n) != 0)
        return us_coh_phrase_vector(r->lex, r->dim, s, n, out);
    if (!e->has_vid) {
        size_t i = 0, k = 0;
        while (i < n && k < MAX_CAND_WORDS) {
            size_t j = i;
            while (j < n && s[j] != ' ')
                j++;
            if (j > i)
                e->vid[k++] = lex_vector_id(r->lex, s + i, j - i);
            i = j + 1;
        }
        if (i < n) /* more words than the entry holds (not cached as ids then) */
            return us_coh_phrase_vector(r->lex, r->dim, s, n, out);
        e->has_vid = 1;
    }
    return us_coh_phrase_vector_ids(r->lex, r->dim, e->vid, e->nw, out);
}

static uint32_t text_ids_raw(unspin_restorer *r, const char *s, size_t n, unspin_word *ids, int *unk,
                             float *meanuni)
{
    uint32_t k = 0;
    size_t i = 0;
    float su = 0;
    *unk = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != ' ')
            j++;
        if (j > i) {
            if (k == MAX_CAND_WORDS)
                return 0;
            ids[k] = unspin_lm_word(r->lm, s + i, j - i);
            if (ids[k] == UNSPIN_WORD_UNK)
                *unk = 1;
            su += unigram(r, ids[k]);
            k++;
        }
        i = j + 1;
    }
    *meanuni = k ? su / (float)k : -8.0f;
    return k;
}

/* Do two single words look like forms of one word (a common prefix that
 * leaves at most 3 letters of the shorter one)? Spinners swap words, not
 * inflections or derivations. */
static int same_stem(const char *a, size_t na, const char *b, size_t nb)
{
    size_t n = na < nb ? na : nb, k = 0;
    if (memchr(a, ' ', na))
        return 0;
    while (k < n && a[k] == b[k])
        k++;
    return k >= 4 && k + 3 >= n;
}

/* The link seen from the candidate's side: is `obs` among the one-word
 * candidates of `w`, at which rank, and how many has w? Lookups are cached
 * in the restorer (the same candidate words come back again and again). */
static int reverse_rank(unspin_restorer *r, const char *w, size_t wn, const char *obs, size_t on, int *found,
                        size_t *rank, size_t *count, unspin_error *err)
{
    size_t i = (size_t)us_hash(w, wn) & (REV_SLOTS - 1);
    while (r->rev[i].key_len != 0 &&
           !(r->rev[i].key_len == wn && memcmp(r->revpool + r->rev[i].key_off, w, wn) == 0))
        i = (i + 1) & (REV_SLOTS - 1);
    revent *e = &r->rev[i];
    if (e->key_len == 0) { /* not cached: look it up */
        if (r->nrev >= REV_SLOTS / 4 * 3 || r->nrevpool > REV_POOL) {
            memset(r->rev, 0, sizeof(revent) * REV_SLOTS);
            r->nrev = r->nrevpool = 0;
            return reverse_rank(r, w, wn, obs, on, found, rank, count, err);
        }
        const char *cw[1] = {w};
        size_t cl[1] = {wn};
        const unspin_candidate *rc;
        size_t nrc = 0;
        US_TRY(unspin_lexicon_lookup(r->lex, cw, cl, 1, r->cands2, &rc, &nrc, err));
        size_t need = r->nrevpool + wn + 1;
        for (size_t q = 0; q < nrc; q++)
            if (rc[q].span == 1)
                need += rc[q].text_length + 1;
        US_TRY(grow(&r->revpool, &r->caprevpool, need, 1, err));
        e->key_off = (uint32_t)r->nrevpool;
        memcpy(r->revpool + r->nrevpool, w, wn);
        r->nrevpool += wn;
        r->revpool[r->nrevpool++] = 0;
        e->list_off = (uint32_t)r->nrevpool;
        e->count = 0;
        for (size_t q = 0; q < nrc; q++) {
            if (rc[q].span != 1)
                continue;
            memcpy(r->revpool + r->nrevpool, rc[q].text, rc[q].text_length);
            r->nrevpool += rc[q].text_length;
            r->revpool[r->nrevpool++] = 0;
            e->count++;
        }
        e->key_len = (uint32_t)wn; /* last: the entry is complete */
        r->nrev++;
    }
    *found = 0;
    *rank = 0;
    *count = e->count;
    const char *at = r->revpool + e->list_off;
    for (uint32_t q = 0; q < e->count; q++) {
        size_t l = strlen(at);
        if (l == on && memcmp(at, obs, on) == 0) {
            *found = 1;
            *rank = q;
            break;
        }
        at += l + 1;
    }
    return UNSPIN_OK;
}

static double score_words(const unspin_restorer *r, unspin_lm_state *st, const unspin_word *ids, uint32_t n);

/* The LM_EXTRA candidates of others[0..n) (those beyond the channel's best)
 * that fit best between the observed neighbours: score = chan + w_lm *
 * log10 P(candidate words, then the observed token after its span or </s>
 * at the end of the sentence | the observed context `st`). They are moved
 * to others[0..LM_EXTRA), chan set to that score, in the order a stable sort
 * by it gives (the others are not used any more). Exact shortcut: the
 * candidates' own words are scored first; as the following token's log10
 * P is <= 0, chan + w_lm * that part bounds the score, and the following
 * token is scored only for candidates whose bound can still reach the
 * current LM_EXTRA best (the candidates' words differ, their following
 * token's contexts too: these are the LM's costly cold lookups). */
static int lm_extra(unspin_restorer *r, cand_tmp *others, size_t n, uint32_t p, uint32_t sent_end,
                    const unspin_lm_state *st, unspin_error *err)
{
    US_TRY(grow(&r->xa, &r->capxa, n, sizeof *r->xa, err));
    US_TRY(grow(&r->xst, &r->capxst, n, sizeof *r->xst, err));
    US_TRY(grow(&r->xord, &r->capxord, n, sizeof *r->xord, err));
    const float wlm = r->w[CH_F_LM];
    US_TRY(grow(&r->xw, &r->capxw, n, sizeof *r->xw, err));
    US_TRY(grow(&r->xlp, &r->capxlp, n, sizeof *r->xlp, err));
    for (size_t i = 0; i < n; i++) /* the first words after the same context: one batch */
        r->xw[i] = others[i].ids[0];
    unspin_lm_score_batch(r->lm, st, r->xw, n, r->xlp, r->xst);
    for (size_t i = 0; i < n; i++) {
        double a = 0.0 + r->xlp[i]; /* summed as score_words() does */
        for (uint32_t j = 1; j < others[i].nw; j++)
            a += lm_query(r, &r->xst[i], others[i].ids[j], &r->xst[i]);
        r->xa[i] = a;
    }
    /* visit by bound (chan + w_lm * the candidate's words), ties by index */
    uint32_t *ord = r->xord;
    for (size_t i = 0; i < n; i++) {
        float bi = others[i].chan + wlm * (float)r->xa[i];
        size_t j = i;
        while (j > 0 && others[ord[j - 1]].chan + wlm * (float)r->xa[ord[j - 1]] < bi) {
            ord[j] = ord[j - 1];
            j--;
        }
        ord[j] = (uint32_t)i;
    }
    int bound = wlm >= 0; /* a negative LM weight (never fitted so) would turn the bound around */
    uint32_t top[LM_EXTRA];
    float tops[LM_EXTRA];
    size_t nt = 0;
    US_TRY(batch_room(r, XBATCH, err));
    size_t batched = 0; /* ord[0..batched) have their following token scored (in r->xlp[]) */
    for (size_t j = 0; j < n; j++) {
        uint32_t i = ord[j];
        cand_tmp *ct = &others[i];
        if (bound && nt == LM_EXTRA && ct->chan + wlm * (float)r->xa[i] < tops[LM_EXTRA - 1])
            break; /* this one and every later one stay out */
        if (j >= batched) { /* the following tokens of the next XBATCH candidates in one batch */
            size_t nb = 0;
            for (size_t u = j; u < n && nb < XBATCH; u++, nb++) {
                uint32_t iu = ord[u];
                uint32_t next = p + others[iu].c->span;
                r->bq_in[nb] = &r->xst[iu];
                r->bq_out[nb] = NULL;
                r->bq_w[nb] = next < sent_end ? r->tok[r->ptok[next]].id : r->eos;
            }
            lm_score_many(r->lm, nb, r->bq_in, r->bq_w, r->bq_lp, r->bq_out);
            for (size_t u = 0; u < nb; u++)
                r->xlp[ord[j + u]] = r->bq_lp[u];
            batched = j + nb;
        }
        double lp = r->xa[i] + r->xlp[i];
        float sc = ct->chan + wlm * (float)lp;
        /* insert by (score desc, index asc): the order of a stable sort */
        size_t at = nt < LM_EXTRA ? nt : LM_EXTRA;
        while (at > 0 && (sc > tops[at - 1] || (sc == tops[at - 1] && i < top[at - 1])))
            at--;
        if (at >= LM_EXTRA)
            continue;
        for (size_t q = (nt < LM_EXTRA ? nt : LM_EXTRA - 1); q > at; q--) {
            top[q] = top[q - 1];
            tops[q] = tops[q - 1];
        }
        top[at] = i;
        tops[at] = sc;
        if (nt < LM_EXTRA)
            nt++;
    }
    cand_tmp sel[LM_EXTRA];
    for (size_t q = 0; q < nt; q++) {
        sel[q] = others[top[q]];
        sel[q].chan = tops[q];
    }
    for (size_t q = 0; q < nt; q++)
        others[q] = sel[q];
    return UNSPIN_OK;
}

/* Is the word used twice or more in the document (counted by pass 1 of
 * unspin_restore_observe()), and observed fewer than GAIN_OBS_MAX times
 * so far in pass 2 (enough evidence: the boost is capped)? Counts this
 * observation. */
static int word_repeated(unspin_restorer *r, const dtok *t)
{
    char key[600];
    size_t kl = doc_key(key, sizeof key, "", 0, r->pool + t->norm_off, t->norm_len);
    if (!kl || r->ngain == 0)
        return 0;
    const gainent *e = &r->gain[gain_slot(r, key, kl)];
    if (e->key.len == 0 || e->n < 2)
        return 0;
    key[0] = '\n'; /* "\nw": observations of w in pass 2 */
    const gainent *o = &r->gain[gain_slot(r, key, kl)];
    if (o->key.len != 0 && o->n >= GAIN_OBS_MAX)
        return 0;
    gain_add(r, key, kl, 0);
    return 1;
}

/* Options of word position p (keep first). */
static int build_position(unspin_restorer *r, uint32_t p, uint32_t sent_end, const unspin_lm_state *obs_st,
                          cand_tmp **tmp, size_t *captmp, unspin_error *err)
{
    const dtok *t0 = &r->tok[r->ptok[p]];
    r->opt_first[p] = (uint32_t)r->nopt;
    unspin_word keep_id = t0->id;
    const char *dw = t0->kind == UNSPIN_TOKEN_NUMBER && !t0->prot ? ch_digit_word(r->pool + t0->norm_off, t0->norm_len)
                                                                  : NULL;
    if (dw) { /* "2" -> "two": keep, or the number word */
        float kf[CH_NF], df[CH_NF];
        memset(kf, 0, sizeof kf);
        memset(df, 0, sizeof df);
        kf[CH_F_KEEP] = 1;
        kf[CH_F_KEEP_NCAND] = logf(2.0f);
        df[CH_F_DIGIT] = 1;
        unspin_word did = unspin_lm_word(r->lm, dw, strlen(dw));
        df[CH_F_LOGF_W] = ch_norm_logf(unigram(r, did));
        US_TRY(add_option(r, p, 1, r->pool + t0->norm_off, t0->norm_len, &keep_id, 1, 1, kf, err));
        US_TRY(add_option(r, p, 1, dw, strlen(dw), &did, 1, 0, df, err));
        r->opt_n[p] = 2;
        return UNSPIN_OK;
    }
    if (t0->prot || t0->kind != UNSPIN_TOKEN_WORD || t0->uni > CH_SKIP_LOGP || (r->observing && !word_repeated(r, t0))) {
        US_TRY(add_option(r, p, 1, r->pool + t0->norm_off, t0->norm_len, &keep_id, 1, 1, NULL, err));
        r->opt_n[p] = 1;
        return UNSPIN_OK;
    }
    /* the observed words of spans starting here */
    const char *words[MAX_SPAN];
    size_t lens[MAX_SPAN];
    size_t n = 0;
    for (uint32_t q = p; q < sent_end && n < MAX_SPAN; q++) {
        const dtok *t = &r->tok[r->ptok[q]];
        if (t->kind != UNSPIN_TOKEN_WORD || t->prot)
            break;
        words[n] = r->pool + t->norm_off;
        lens[n] = t->norm_len;
        n++;
    }
    const unspin_candidate *cands = NULL;
    size_t nc = 0;
    US_TRY(unspin_lexicon_lookup(r->lex, words, lens, n, r->cands, &cands, &nc, err));
    US_TRY(grow(tmp, captmp, nc + 1, sizeof(cand_tmp), err));

    /* observed span strings ("a b") and their mean unigram, per span length */
    char obs[MAX_SPAN][512];
    size_t obs_len[MAX_SPAN];
    float obs_uni[MAX_SPAN];
    float *vobs = r->vtmp, *vcand = r->vtmp + r->dim, *vexcl = r->vtmp + 2 * r->dim;
    size_t off = 0;
    float su = 0;
    for (size_t k = 0; k < n; k++) {
        if (off + lens[k] + 2 >= sizeof obs[0]) {
            n = k;
            break;
        }
        if (k) memcpy(obs[k], obs[k - 1], off);
        if (k) obs[k][off++] = ' ';
        memcpy(obs[k] + off, words[k], lens[k]);
        off += lens[k];
        obs[k][off] = 0;
        obs_len[k] = off;
        su += r->tok[r->ptok[p + k]].uni;
        obs_uni[k] = su / (float)(k + 1);
    }

    /* document evidence only for words the document uses twice or more */
    int obs_rep = 0;
    if (r->ngain && !r->observing) {
        char key[600];
        size_t kl = doc_key(key, sizeof key, "", 0, words[0], lens[0]);
        const gainent *ge = kl ? &r->gain[gain_slot(r, key, kl)] : NULL;
        obs_rep = ge && ge->key.len != 0 && ge->n >= 2;
    }
    int64_t obs_cs[MAX_SPAN] = {-1, -1, -1, -1}; /* document counts of the observed spans */
    int obs_kept[MAX_SPAN] = {0, 0, 0, 0};       /* ... every one of them kept as it is */
    long best_i = -1;                 /* candidate with the most document evidence */
    float best_b = 0, second_b = 0;   /* its evidence, and the runner-up's (0 at least) */
    size_t m = 0;
    int have_ctx_span = -1; /* span length whose observed vector is in vobs/vexcl */
    int obs_has_vec = 0, excl_n = 0;
    float obs_cos = 0; /* cos of the observed span's vector with the topic (once per span length) */
    /* the candidates' text cache entries, fetched together (cache misses) */
    US_TRY(grow(&r->chash, &r->capchash, nc + 1, sizeof *r->chash, err));
    for (size_t i = 0; i < nc; i++) {
        r->chash[i] = us_hash(cands[i].text, cands[i].text_length);
        const char *e = (const char *)&r->tic[r->chash[i] & (TID_CACHE - 1)];
        __builtin_prefetch(e); /* an entry spans two or three cache lines */
        __builtin_prefetch(e + 64);
        __builtin_prefetch(e + sizeof(tid_ent) - 1);
        if (obs_rep && cands[i].span == 1) { /* ... and their document evidence slots */
            char key[600];
            size_t kl = doc_key(key, sizeof key, words[0], lens[0], cands[i].text, cands[i].text_length);
            if (kl)
                __builtin_prefetch(&r->gain[(size_t)us_hash(key, kl) & (GAIN_SLOTS - 1)]);
        }
    }
    for (size_t i = 0; i < nc; i++) {
        const unspin_candidate *c = &cands[i];
        if (c->span < 1 || c->span > n)
            continue;
        size_t k = c->span - 1;
        if (c->text_length == obs_len[k] && memcmp(c->text, obs[k], obs_len[k]) == 0)
            continue; /* the observed text itself */
        if ((c->sources & ~(uint32_t)UNSPIN_SRC_SPELLING) == 0)
            continue; /* a spelling variant only: spinners change words, not spellings */
        if (c->span == 1 && same_stem(c->text, c->text_length, words[0], lens[0]))
            continue; /* another form of the same word ("shakes" -> "shaking") */
        cand_tmp *ct = &(*tmp)[m];
        float *f = ct->f;
        memset(f, 0, sizeof ct->f);
        for (int b = 0; b < 7; b++)
            if (c->sources & (1u << b)) f[CH_F_SRC0 + b] = 1;
        for (int b = 0; b < 8; b++)
            if (c->relations & (1u << b)) f[CH_F_REL0 + b] = 1;
        f[CH_F_LINKS] = logf(1.0f + (float)c->links);
        f[CH_F_SIM] = c->similarity;
        int unk;
        float cu;
        uint32_t nw = text_ids(r, c->text, c->text_length, r->chash[i], ct->ids, &unk, &cu);
        if (nw == 0)
            continue;
        ct->nw = nw;
        if (nw == 1 && cu > CH_SKIP_LOGP)
            continue; /* the most frequent words are not spun, so they are no originals either */
        f[CH_F_LOGF_W] = ch_norm_logf(cu);
        f[CH_F_LOGF_DIFF] = ch_norm_logf(cu) - ch_norm_logf(obs_uni[k]);
        f[CH_F_INFL] = c->inflected ? 1.0f : 0.0f;
        f[CH_F_SPAN] = (float)k;
        f[CH_F_NWDIFF] = (float)nw - (float)c->span;
        f[CH_F_W_UNK] = unk ? 1.0f : 0.0f;
        f[CH_F_FUNC_W] = (nw == 1 && cu > CH_FUNCTION_LOGP) ? 1.0f : 0.0f;
        /* document consistency */
        if (r->npairs) {
            if (obs_cs[k] < 0) { /* the observed span's count, once per span length */
                char key[600];
                size_t kl = doc_key(key, sizeof key, obs[k], obs_len[k], "", 0);
                obs_cs[k] = kl ? (int64_t)doc_count(r, key, kl) : 0;
                /* all of them kept as it is (each record counts the pair and the
                 * span; below DOC_MAX both always): no candidate has a count */
                kl = doc_key(key, sizeof key, obs[k], obs_len[k], obs[k], obs_len[k]);
                obs_kept[k] = obs_cs[k] > 0 && r->ndoc < DOC_MAX && kl && doc_count(r, key, kl) == obs_cs[k];
            }
            uint32_t cs = (uint32_t)obs_cs[k], cw = 0;
            if (cs && !obs_kept[k]) {
                char key[600];
                size_t kl = doc_key(key, sizeof key, obs[k], obs_len[k], c->text, c->text_length);
                cw = kl ? doc_count(r, key, kl) : 0;
            }
            /* bounded, so that a pair cannot feed on itself over a long input */
            uint32_t co = cs > cw ? cs - cw : 0;
            f[CH_F_CONS] = logf(1.0f + (float)(cw < CONS_CAP ? cw : CONS_CAP));
            f[CH_F_CONS_OTHER] = logf(1.0f + (float)(co < CONS_OTHER_CAP ? co : CONS_OTHER_CAP));
        }
        ct->boost = 0;
        if (obs_rep && c->span == 1) {
            char key[600];
            size_t kl = doc_key(key, sizeof key, obs[0], obs_len[0], c->text, c->text_length);
            int ok;
            float b = gain_boost(r, key, kl, &ok);
            if (ok && (best_i < 0 || b > best_b)) {
                if (best_i >= 0 && best_b > second_b)
                    second_b = best_b;
                best_i = (long)m;
                best_b = b;
            } else if (b > second_b) {
                second_b = b;
            }
        }
        ct->chan = dot(r->w, f);
        ct->c = c;
        m++;
    }
    /* keep option */
    float kf[CH_NF];
    memset(kf, 0, sizeof kf);
    if (m > 0) {
        kf[CH_F_KEEP] = 1;
        kf[CH_F_KEEP_FUNC] = t0->uni > CH_FUNCTION_LOGP ? 1.0f : 0.0f;
        kf[CH_F_KEEP_LOGF] = ch_norm_logf(t0->uni);
        kf[CH_F_KEEP_UNK] = t0->id == UNSPIN_WORD_UNK ? 1.0f : 0.0f;
        kf[CH_F_KEEP_NCAND] = logf(1.0f + (float)m);
    }
    US_TRY(add_option(r, p, 1, words[0], lens[0], &keep_id, 1, 1, kf, err));
    for (size_t q = 0; q < n; q++) /* the pool may have moved */
        words[q] = r->pool + r->tok[r->ptok[p + q]].norm_off;
    /* the document boost goes only to the candidate with the most evidence,
     * and only when it leads the runner-up (any candidate) by
     * GAIN_MIN_MARGIN: when the LM likes two candidates throughout the
     * document ("assembly" -> "association" or "dance"), it does not know
     * which is the original */
    if (best_i >= 0 && best_b - second_b >= GAIN_MIN_MARGIN) {
        float b = best_b;
        cand_tmp *ct = &(*tmp)[best_i];
        ct->boost = r->w[CH_F_LM] * (b > GAIN_CAP ? GAIN_CAP : b);
        ct->chan += ct->boost;
    }
    US_TRY(sort_cands(r, *tmp, m, err));
    /* evidence that costs more (reverse lookups, word vectors) for the best
     * candidates only, then the final cut */
    size_t mc = m < r->max_cands + 4 ? m : r->max_cands + 4;
    int use_reverse = r->w[CH_F_REV_FOUND] != 0 || r->w[CH_F_REV_RANK] != 0 || r->w[CH_F_REV_FANOUT] != 0;
    for (size_t i = 0; i < mc; i++) {
        cand_tmp *ct = &(*tmp)[i];
        const unspin_candidate *c = ct->c;
        if (c->span != 1 || ct->nw != 1 || !use_reverse)
            continue;
        /* the link from the original's side: is the observed word among the
         * candidates of the candidate, and how many does it have? */
        size_t rank = 0, rn = 0;
        int found = 0;
        US_TRY(reverse_rank(r, c->text, c->text_length, words[0], lens[0], &found, &rank, &rn, err));
        ct->f[CH_F_REV_FOUND] = (float)found;
        ct->f[CH_F_REV_RANK] = found ? logf(1.0f + (float)rank) : 0.0f;
        ct->f[CH_F_REV_FANOUT] = logf(1.0f + (float)rn);
        ct->chan = dot(r->w, ct->f) + ct->boost;
    }
    if (r->dim && r->coh.n > 1) {
        for (size_t i = 0; i < mc; i++) {
            cand_tmp *ct = &(*tmp)[i];
            const unspin_candidate *c = ct->c;
            size_t k = c->span - 1;
            if (have_ctx_span != (int)k) { /* the observed span's vector and what to leave out */
                have_ctx_span = (int)k;
                obs_has_vec = us_coh_phrase_vector(r->lex, r->dim, obs[k], obs_len[k], vobs) > 0;
                memset(vexcl, 0, sizeof(float) * (size_t)r->dim);
                excl_n = 0;
                for (size_t q = 0; q <= k; q++) {
                    const dtok *t = &r->tok[r->ptok[p + q]];
                    if (t->in_topic) {
                        const float *v = r->vecs + (size_t)t->vec * (size_t)r->dim;
                        for (int d = 0; d < r->dim; d++)
                            vexcl[d] += v[d];
                        excl_n++;
                    }
                }
                if (obs_has_vec) {
                    us_coh_set_context(&r->coh, vexcl, excl_n);
                    obs_cos = us_coh_cos_context(&r->coh, vobs);
                }
            }
            if (obs_has_vec && cand_vector(r, c->text, c->text_length, r->chash[c - cands], vcand) > 0) {
                ct->f[CH_F_COH] = us_coh_cos_context(&r->coh, vcand) - obs_cos;
                ct->chan = dot(r->w, ct->f) + ct->boost;
            }
        }
    }
    US_TRY(sort_cands(r, *tmp, mc, err));
    /* the channel's best max_cands, plus up to LM_EXTRA of the others that
     * fit best between the observed neighbours (channel + LM): the
     * lexicon's ranking is not the spinner's thesaurus, and an original it
     * ranks low is often the one the context asks for */
    size_t extra = 0;
    if (m > r->max_cands) {
        size_t rest = m - r->max_cands;
        cand_tmp *others = *tmp + r->max_cands;
        US_TRY(lm_extra(r, others, rest, p, sent_end, obs_st, err)); /* by channel + LM now */
        extra = rest < LM_EXTRA ? rest : LM_EXTRA;
        for (size_t i = 0; i < extra; i++) /* back to the channel score alone */
            others[i].chan = dot(r->w, others[i].f) + others[i].boost;
        m = r->max_cands + extra;
    }
    float keep_chan = r->opt[r->nopt - 1].chan, floor_chan = keep_chan - r->w[CH_F_LM] * MAX_LM_GAIN;
    for (size_t i = 0; i < m; i++) {
        const cand_tmp *ct = &(*tmp)[i];
        if (i < m - extra && ct->chan < floor_chan)
            continue;
        US_TRY(add_option(r, p, ct->c->span, ct->c->text, ct->c->text_length, ct->ids, ct->nw, 0, ct->f, err));
        r->opt[r->nopt - 1].chan += ct->boost;
        r->opt[r->nopt - 1].boost = ct->boost;
    }
    m = r->nopt - r->opt_first[p] - 1;
    r->opt_n[p] = (uint32_t)(1 + m);
    return UNSPIN_OK;
}

static int phrase_line(const unspin_restorer *r);

/* Options for every position of the paragraph. */
static int build_lattice(unspin_restorer *r, unspin_error *err)
{
    r->nopt = r->nids = 0;
    r->max_cands = r->opts.max_cands;
    if (r->restoring && r->max_cands < PHRASE_CANDS && phrase_line(r))
        r->max_cands = PHRASE_CANDS; /* a short line: a wider lattice is cheap */
    US_TRY(grow(&r->opt_first, &r->capopt_pos, r->npos + 1, sizeof(uint32_t), err));
    US_TRY(grow(&r->opt_n, &r->capopt_n, r->npos + 1, sizeof(uint32_t), err));
    size_t cap2 = 0;
    cand_tmp *tmp = NULL;
    int rc = UNSPIN_OK;
    uint32_t sent_end = 0;
    unspin_lm_state obs_st = r->begin_state; /* the observed words' context */
    for (uint32_t p = 0; p < r->npos && rc == UNSPIN_OK; p++) {
        if (p >= sent_end) { /* find the end of the sentence (next SENT_START) */
            sent_end = p + 1;
            while (sent_end < r->npos && !(r->tok[r->ptok[sent_end]].flags & UNSPIN_TOKEN_SENT_START))
                sent_end++;
            obs_st = r->begin_state;
        }
        rc = build_position(r, p, sent_end, &obs_st, &tmp, &cap2, err);
        lm_query(r, &obs_st, r->tok[r->ptok[p]].id, &obs_st);
    }
    us_free(tmp);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* 3. search */

static int hlist_add(hlist *l, const hyp *h, unspin_error *err)
{
    for (size_t i = 0; i < l->n; i++) {
        if (unspin_lm_state_equal(&l->h[i].st, &h->st)) {
            if (h->score > l->h[i].score)
                l->h[i] = *h;
            return UNSPIN_OK;
        }
    }
    US_TRY(grow(&l->h, &l->cap, l->n + 1, sizeof(hyp), err));
    l->h[l->n++] = *h;
    return UNSPIN_OK;
}

static int cmp_hyp(const void *a, const void *b)
{
    double x = ((const hyp *)a)->score, y = ((const hyp *)b)->score;
    return x > y ? -1 : x < y ? 1 : 0;
}

/* The score below which a hypothesis added to list l now could not survive
 * the cut of l (beam best, and PRUNE_MARGIN below the best): both only rise
 * as hypotheses are added. -inf when l has no entries. */
static double list_floor(const hlist *l, size_t beam)
{
    if (l->n == 0)
        return -INFINITY;
    double top[8]; /* the min(beam, 8) best scores, descending */
    size_t k = beam < 8 ? beam : 8, nt = 0;
    for (size_t i = 0; i < l->n; i++) {
        double sc = l->h[i].score;
        if (nt == k && sc <= top[k - 1])
            continue;
        size_t at = nt < k ? nt++ : k - 1;
        while (at > 0 && top[at - 1] < sc) {
            top[at] = top[at - 1];
            at--;
        }
        top[at] = sc;
    }
    double f = top[0] - PRUNE_MARGIN;
    if (nt == beam && top[beam - 1] > f) /* beam <= 8: the beam-th best */
        f = top[beam - 1];
    return f;
}

static double score_words(const unspin_restorer *r, unspin_lm_state *st, const unspin_word *ids, uint32_t n)
{
    double s = 0;
    for (uint32_t i = 0; i < n; i++)
        s += lm_query(r, st, ids[i], st);
    return s;
}

/* Best path of positions [ps, pe): fills path_opt/path_st for boundaries 0..P (relative). */
static int search(unspin_restorer *r, uint32_t ps, uint32_t pe, size_t beam, unspin_error *err)
{
    size_t P = pe - ps;
    if (r->caplists < P + 1) {
        size_t old = r->caplists;
        US_TRY(grow(&r->lists, &r->caplists, P + 1, sizeof(hlist), err));
        memset(r->lists + old, 0, (r->caplists - old) * sizeof(hlist));
    }
    US_TRY(grow(&r->path_opt, &r->cappath, P + 1, sizeof(int32_t), err));
    US_TRY(grow(&r->path_st, &r->cappathst, P + 1, sizeof(unspin_lm_state), err));
    for (size_t b = 0; b <= P; b++)
        r->lists[b].n = 0;
    const double wlm = r->w[CH_F_LM];
    hyp h0 = {0};
    h0.st = r->begin_state;
    h0.prev_b = UINT32_MAX;
    US_TRY(hlist_add(&r->lists[0], &h0, err));
    for (size_t b = 0; b < P; b++) {
        hlist *l = &r->lists[b];
        if (l->n == 0)
            continue;
        qsort(l->h, l->n, sizeof(hyp), cmp_hyp);
        if (l->n > beam)
            l->n = beam;
        while (l->n > 1 && l->h[l->n - 1].score < l->h[0].score - PRUNE_MARGIN)
            l->n--;
        uint32_t p = ps + (uint32_t)b;
        /* the first words of all options, scored in one batch per hypothesis */
        uint32_t no = r->opt_n[p], first = r->opt_first[p];
        unspin_word w1[MAX_OPTS];
        float lp1[MAX_OPTS];
        unspin_lm_state st1[MAX_OPTS];
        if (no > MAX_OPTS)
            no = MAX_OPTS;
        for (uint32_t k = 0; k < no; k++)
            w1[k] = r->ids[r->opt[first + k].ids];
        for (size_t i = 0; i < l->n; i++) {
            /* an extension scores at most h + chan (LM log10 <= 0, w_lm >= 0):
             * one below the floor of its target list would be cut there (the
             * last list, closed with </s>, is not cut) */
            double floor_s[MAX_SPAN + 1];
            for (uint32_t s = 1; s <= MAX_SPAN; s++)
                floor_s[s] = wlm >= 0 && b + s < P ? list_floor(&r->lists[b + s], beam) : -INFINITY;
            uint32_t bk[MAX_OPTS], nb = 0; /* the options kept, their first words in one batch */
            unspin_word bw[MAX_OPTS];
            for (uint32_t k = 0; k < no; k++) {
                const dopt *o = &r->opt[first + k];
                if (b + o->span > P || l->h[i].score + o->chan < floor_s[o->span])
                    continue;
                bk[nb] = k;
                bw[nb++] = w1[k];
            }
            unspin_lm_score_batch(r->lm, &l->h[i].st, bw, nb, lp1, st1);
            for (uint32_t q = 0; q < nb; q++) {
                uint32_t k = bk[q];
                uint32_t oi = first + k;
                const dopt *o = &r->opt[oi];
                hyp nh;
                nh.st = st1[q];
                double lm = lp1[q] + score_words(r, &nh.st, r->ids + o->ids + 1, o->nw - 1);
                nh.score = l->h[i].score + o->chan + wlm * lm;
                nh.prev_b = (uint32_t)b;
                nh.prev_i = (uint32_t)i;
                nh.opt = oi;
                US_TRY(hlist_add(&r->lists[b + o->span], &nh, err));
            }
        }
    }
    /* close with </s> */
    hlist *l = &r->lists[P];
    size_t best = 0;
    double bs = -1e300;
    for (size_t i = 0; i < l->n; i++) {
        unspin_lm_state st = l->h[i].st;
        double s = l->h[i].score + wlm * lm_query(r, &st, r->eos, &st);
        if (s > bs) {
            bs = s;
            best = i;
        }
    }
    for (size_t b = 0; b <= P; b++)
        r->path_opt[b] = -1;
    if (l->n == 0)
        return us_error(err, UNSPIN_E_INVALID, "restore: search lost every hypothesis");
    r->best_score = bs;
    /* backtrack */
    size_t b = P, i = best;
    r->path_st[P] = l->h[i].st;
    while (b > 0) {
        const hyp *h = &r->lists[b].h[i];
        r->path_opt[h->prev_b] = (int32_t)h->opt;
        r->path_st[h->prev_b] = r->lists[h->prev_b].h[h->prev_i].st;
        i = h->prev_i;
        b = h->prev_b;
    }
    return UNSPIN_OK;
}

/* The observed path (keep everywhere) of positions [ps, pe) into path_opt
 * and path_st (grown to fit), for the fit tool and the observation pass. */
static int observed_path(unspin_restorer *r, uint32_t ps, uint32_t pe, unspin_error *err)
{
    size_t P = pe - ps;
    US_TRY(grow(&r->path_opt, &r->cappath, P + 1, sizeof(int32_t), err));
    US_TRY(grow(&r->path_st, &r->cappathst, P + 1, sizeof(unspin_lm_state), err));
    unspin_lm_state st = r->begin_state;
    for (size_t b = 0; b < P; b++) {
        uint32_t oi = r->opt_first[ps + b];
        r->path_opt[b] = (int32_t)oi;
        r->path_st[b] = st;
        score_words(r, &st, r->ids + r->opt[oi].ids, r->opt[oi].nw);
    }
    r->path_opt[P] = -1;
    r->path_st[P] = st;
    return UNSPIN_OK;
}

/* ---------------------------------------------------------------------- */
/* 4. posteriors at one position, the rest of the path fixed */

/* Score every option of position ps+b in the context of the path. Fills
 * r->lscore (total), r->lchan, r->llm and, when want_feat, r->lfeat
 * (option features plus those of the path options in the region). An
 * option that ends inside one of the path's options is followed by the
 * observed words (keep) up to the path's next boundary. */
static int local_scores(unspin_restorer *r, uint32_t ps, uint32_t pe, size_t b, int want_feat, unspin_error *err)
{
    size_t P = pe - ps;
    uint32_t p = ps + (uint32_t)b;
    uint32_t n = r->opt_n[p];
    if (r->capl < n) { /* the four scratch arrays share one capacity */
        size_t cap = n < 64 ? 64 : n;
        double *ls = us_realloc(r->lscore, cap * sizeof(double));
        if (ls) r->lscore = ls;
        float *lf = us_realloc(r->lfeat, cap * CH_NF * sizeof(float));
        if (lf) r->lfeat = lf;
        float *ll = us_realloc(r->llm, cap * sizeof(float));
        if (ll) r->llm = ll;
        float *lc = us_realloc(r->lchan, cap * sizeof(float));
        if (lc) r->lchan = lc;
        if (!ls || !lf || !ll || !lc)
            return us_error(err, UNSPIN_E_NOMEM, "restore: out of memory");
        r->capl = cap;
    }
    uint32_t maxspan = 1;
    for (uint32_t k = 0; k < n; k++)
        if (r->opt[r->opt_first[p] + k].span > maxspan)
            maxspan = r->opt[r->opt_first[p] + k].span;
    size_t E = b + maxspan + (size_t)(r->order > 1 ? r->order - 1 : 0);
    if (E > P) E = P;
    while (E < P && r->path_opt[E] < 0)
        E++;
    const double wlm = r->w[CH_F_LM];
    /* the options' first words after the path's context: one batch */
    US_TRY(grow(&r->lw1, &r->caplw1, n, sizeof *r->lw1, err));
    US_TRY(grow(&r->llp1, &r->capllp1, n, sizeof *r->llp1, err));
    US_TRY(grow(&r->lst1, &r->caplst1, n, sizeof *r->lst1, err));
    for (uint32_t k = 0; k < n; k++)
        r->lw1[k] = r->ids[r->opt[r->opt_first[p] + k].ids];
    unspin_lm_score_batch(r->lm, &r->path_st[b], r->lw1, n, r->llp1, r->lst1);
    /* per option: the channel scores and features of its region, and the
     * words still to score: the option's other words (summed into lm
     * directly), then each path option's words (summed apart, then added, as
     * score_words() does), then </s> at the end of the sentence */
    US_TRY(grow(&r->sq_off, &r->capsq_off, n + 1, sizeof *r->sq_off, err));
    US_TRY(grow(&r->lmacc, &r->caplmacc, 2 * (size_t)n, sizeof *r->lmacc, err));
    size_t nsq = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t oi = r->opt_first[p] + k;
        const dopt *o = &r->opt[oi];
        size_t e = b + o->span;
        r->sq_off[k] = (uint32_t)nsq;
        r->lmacc[2 * k] = 0.0 + r->llp1[k]; /* lm, summed as score_words() does */
        r->lmacc[2 * k + 1] = 0;            /* the current group's sum */
        if (e > P) {
            r->lscore[k] = -INFINITY;
            r->llm[k] = 0;
            r->lchan[k] = 0;
            continue;
        }
        US_TRY(grow(&r->sq_w, &r->capsq_w, nsq + o->nw + 1, sizeof *r->sq_w, err));
        US_TRY(grow(&r->sq_f, &r->capsq_f, nsq + o->nw + 1, sizeof *r->sq_f, err));
        for (uint32_t j = 1; j < o->nw; j++) {
            r->sq_w[nsq] = r->ids[o->ids + j];
            r->sq_f[nsq++] = SQ_DIRECT;
        }
        double chan = o->chan;
        float *f = r->lfeat + (size_t)k * CH_NF;
        if (want_feat)
            memcpy(f, r->feat + (size_t)oi * CH_NF, sizeof(float) * CH_NF);
        while (e < E) {
            /* the path's option, or keep where the option ends inside one of the path's */
            uint32_t qi = r->path_opt[e] >= 0 ? (uint32_t)r->path_opt[e] : r->opt_first[ps + e];
            const dopt *q = &r->opt[qi];
            US_TRY(grow(&r->sq_w, &r->capsq_w, nsq + q->nw + 1, sizeof *r->sq_w, err));
            US_TRY(grow(&r->sq_f, &r->capsq_f, nsq + q->nw + 1, sizeof *r->sq_f, err));
            for (uint32_t j = 0; j < q->nw; j++) {
                r->sq_w[nsq] = r->ids[q->ids + j];
                r->sq_f[nsq++] = (uint8_t)((j == 0 ? SQ_START : 0) | (j + 1 == q->nw ? SQ_END : 0));
            }
            chan += q->chan;
            if (want_feat) {
                const float *qf = r->feat + (size_t)qi * CH_NF;
                for (int j = 0; j < CH_NF; j++)
                    f[j] += qf[j];
            }
            e += q->span;
        }
        if (e >= P) {
            US_TRY(grow(&r->sq_w, &r->capsq_w, nsq + 1, sizeof *r->sq_w, err));
            US_TRY(grow(&r->sq_f, &r->capsq_f, nsq + 1, sizeof *r->sq_f, err));
            r->sq_w[nsq] = r->eos;
            r->sq_f[nsq++] = SQ_DIRECT;
        }
        r->lchan[k] = (float)chan;
        r->lscore[k] = chan; /* LM added below */
    }
    r->sq_off[n] = (uint32_t)nsq;
    /* the LM, word t of every option's sequence in one batch */
    US_TRY(batch_room(r, n, err));
    for (uint32_t t = 0;; t++) {
        size_t nb = 0;
        for (uint32_t k = 0; k < n; k++) {
            if (!isfinite(r->lscore[k]) || r->sq_off[k] + t >= r->sq_off[k + 1])
                continue;
            r->bq_in[nb] = &r->lst1[k];
            r->bq_out[nb] = &r->lst1[k];
            r->bq_w[nb] = r->sq_w[r->sq_off[k] + t];
            r->bq_who[nb++] = k;
        }
        if (nb == 0)
            break;
        lm_score_many(r->lm, nb, r->bq_in, r->bq_w, r->bq_lp, r->bq_out);
        for (size_t q = 0; q < nb; q++) {
            uint32_t k = r->bq_who[q];
            uint8_t fl = r->sq_f[r->sq_off[k] + t];
            double *acc = &r->lmacc[2 * k];
            if (fl & SQ_DIRECT) {
                acc[0] += r->bq_lp[q];
                continue;
            }
            if (fl & SQ_START)
                acc[1] = 0;
            acc[1] += r->bq_lp[q];
            if (fl & SQ_END)
                acc[0] += acc[1];
        }
    }
    for (uint32_t k = 0; k < n; k++) {
        if (!isfinite(r->lscore[k]))
            continue;
        double lm = r->lmacc[2 * k];
        if (want_feat)
            r->lfeat[(size_t)k * CH_NF + CH_F_LM] = (float)lm;
        r->llm[k] = (float)lm;
        r->lscore[k] = r->lscore[k] + wlm * lm;
    }
    /* softmax */
    double mx = -INFINITY;
    for (uint32_t k = 0; k < n; k++)
        if (r->lscore[k] > mx) mx = r->lscore[k];
    double z = 0;
    for (uint32_t k = 0; k < n; k++)
        z += isfinite(r->lscore[k]) ? exp(r->lscore[k] - mx) : 0.0;
    for (uint32_t k = 0; k < n; k++)
        r->lscore[k] = isfinite(r->lscore[k]) ? exp(r->lscore[k] - mx) / z : 0.0;
    return UNSPIN_OK;
}

static int posteriors(unspin_restorer *r, uint32_t ps, uint32_t pe, unspin_error *err)
{
    size_t P = pe - ps;
    for (size_t b = 0; b < P; b++) {
        uint32_t p = ps + (uint32_t)b;
        dpost *d = &r->post[p];
        d->best = r->path_opt[b];
        d->p_best = 1;
        d->p_keep = r->path_opt[b] >= 0 && r->opt[r->path_opt[b]].keep ? 1.0f : 0.0f;
        d->alt = -1;
        d->p_alt = d->lm_gain = d->chan_gain = 0;
        d->phrase = 0;
        if (r->path_opt[b] < 0 || r->opt_n[p] < 2)
            continue;
        US_TRY(local_scores(r, ps, pe, b, 0, err));
        uint32_t first = r->opt_first[p];
        for (uint32_t k = 0; k < r->opt_n[p]; k++)
            r->optp[first + k] = (float)r->lscore[k];
        d->p_best = (float)r->lscore[(uint32_t)r->path_opt[b] - first];
        d->p_keep = (float)r->lscore[0];
        for (uint32_t k = 1; k < r->opt_n[p]; k++) {
            if (d->alt < 0 || r->lscore[k] > d->p_alt) {
                d->alt = (int32_t)(first + k);
                d->p_alt = (float)r->lscore[k];
                d->lm_gain = r->llm[k] - r->llm[0];
                d->chan_gain = r->lchan[k] - r->lchan[0];
            }
        }
    }
    return UNSPIN_OK;
}

/* Sentences of the paragraph: [start, end) position ranges, cut at SENT_START and MAX_SENT. */
static uint32_t next_sentence_end(const unspin_restorer *r, uint32_t ps)
{
    uint32_t pe = ps + 1;
    while (pe < r->npos && pe - ps < MAX_SENT && !(r->tok[r->ptok[pe]].flags & UNSPIN_TOKEN_SENT_START))
        pe++;
    return pe;
}

/* The consistency features of the lattice's options again, from the
 * document memory (after record_pairs() added this paragraph's pairs): the
 * second decoding of a paragraph reuses its lattice. */
static void refresh_consistency(unspin_restorer *r)
{
    for (uint32_t p = 0; p < r->npos; p++) {
        for (uint32_t k = 1; k < r->opt_n[p]; k++) {
            uint32_t oi = r->opt_first[p] + k;
            dopt *o = &r->opt[oi];
            if (o->keep)
                continue;
            char obs[512];
            size_t on = observed_span(r, p, o->span, obs, sizeof obs);
            char key[1100];
            size_t kl = doc_key(key, sizeof key, obs, on, r->pool + o->text_off, o->text_len);
            uint32_t cw = kl ? doc_count(r, key, kl) : 0;
            kl = doc_key(key, sizeof key, obs, on, "", 0);
            uint32_t cs = kl ? doc_count(r, key, kl) : 0;
            uint32_t co = cs > cw ? cs - cw : 0;
            float *f = r->feat + (size_t)oi * CH_NF;
            f[CH_F_CONS] = logf(1.0f + (float)(cw < CONS_CAP ? cw : CONS_CAP));
            f[CH_F_CONS_OTHER] = logf(1.0f + (float)(co < CONS_OTHER_CAP ? co : CONS_OTHER_CAP));
            o->chan = dot(r->w, f) - r->w[CH_F_LM] * f[CH_F_LM] + o->boost;
        }
    }
}

/* Search and posteriors over the lattice already built. */
static int decode_lattice(unspin_restorer *r, unspin_error *err);

/* Phrase mode: is the paragraph a short line without sentence context (a
 * term or a title: at most PHRASE_MAX_WORDS words, one sentence, no final
 * . ! ?)? Such a line gives the conditional posteriors nothing to go on
 * when several of its words were replaced ("irregular woodland": neither
 * word alone makes a better phrase), so the line is decided as a whole. */
static int phrase_line(const unspin_restorer *r)
{
    size_t nw = 0;
    for (uint32_t p = 0; p < r->npos; p++) {
        const dtok *t = &r->tok[r->ptok[p]];
        if (t->kind == UNSPIN_TOKEN_WORD && ++nw > PHRASE_MAX_WORDS)
            return 0;
        if (p > 0 && (t->flags & UNSPIN_TOKEN_SENT_START))
            return 0;
    }
    if (nw == 0)
        return 0;
    const dtok *last = &r->tok[r->ptok[r->npos - 1]];
    if (last->kind == UNSPIN_TOKEN_PUNCT && last->norm_len == 1 && strchr(".!?", r->pool[last->norm_off]))
        return 0;
    return 1;
}

/* The weakest association of adjacent words of ids[0..n): the minimum over
 * the pairs of log10 P(b | a) - log10 P(b) (positive for a collocation that
 * the LM knows, "decision tree"; about 0 or below for words that the LM has
 * rarely or never seen together, "choice tree"). 0 for a single word. */
static double min_assoc(unspin_restorer *r, const unspin_word *ids, size_t n)
{
    double mn = n > 1 ? 1e9 : 0;
    for (size_t i = 0; i + 1 < n; i++) {
        unspin_lm_state st;
        unspin_lm_score(r->lm, &r->null_state, ids[i], &st);
        double a = unspin_lm_score(r->lm, &st, ids[i + 1], &st) - unigram(r, ids[i + 1]);
        if (a < mn)
            mn = a;
    }
    return mn;
}

/* The words of the best path (after search()), at most cap. */
static size_t path_words(const unspin_restorer *r, uint32_t P, unspin_word *ids, size_t cap)
{
    size_t n = 0;
    for (uint32_t b = 0; b < P; b++) {
        if (r->path_opt[b] < 0)
            continue;
        const dopt *o = &r->opt[r->path_opt[b]];
        for (uint32_t k = 0; k < o->nw && n < cap; k++)
            ids[n++] = r->ids[o->ids + k];
    }
    return n;
}

/* Is the line (path = 0: as observed; 1: the best path's reading) of two
 * words or more a multi-word entry of the lexicon (a term that a thesaurus
 * lists, "decision tree")? */
static int line_known(const unspin_restorer *r, uint32_t P, int path)
{
    char buf[512];
    size_t n = 0, nw = 0;
    for (uint32_t b = 0; b < P; b++) {
        const char *s;
        size_t l;
        if (path) {
            if (r->path_opt[b] < 0)
                continue;
            const dopt *o = &r->opt[r->path_opt[b]];
            s = r->pool + o->text_off;
            l = o->text_len;
        } else {
            const dtok *t = &r->tok[r->ptok[b]];
            s = r->pool + t->norm_off;
            l = t->norm_len;
        }
        if (n + l + 1 >= sizeof buf)
            return 0;
        if (n)
            buf[n++] = ' ';
        memcpy(buf + n, s, l);
        n += l;
        for (size_t i = 0; i < l; i++)
            nw += s[i] == ' ';
        nw++;
    }
    return nw > 1 && lex_has_entry(r->lex, buf, n);
}

/* One search of the whole line with the LM weight scaled by lm_scale, and
 * the posteriors of its path; *margin: the best reading's score minus that
 * of keeping every word (same scoring). */
static int phrase_search(unspin_restorer *r, double lm_scale, double *margin, unspin_error *err)
{
    uint32_t P = (uint32_t)r->npos;
    float wlm0 = r->w[CH_F_LM];
    r->w[CH_F_LM] = (float)(wlm0 * lm_scale);
    int rc = search(r, 0, P, PHRASE_BEAM, err);
    double best = r->best_score;
    if (rc == UNSPIN_OK)
        rc = posteriors(r, 0, P, err);
    /* keeping every word */
    const double wlm = r->w[CH_F_LM];
    unspin_lm_state st = r->begin_state;
    double keep = 0, lm = 0;
    for (uint32_t p = 0; p < P; p++) {
        const dopt *o = &r->opt[r->opt_first[p]];
        keep += o->chan;
        lm += score_words(r, &st, r->ids + o->ids, o->nw);
    }
    lm += unspin_lm_score(r->lm, &st, r->eos, &st);
    keep += wlm * lm;
    r->w[CH_F_LM] = wlm0;
    *margin = best - keep;
    return rc;
}

/* Phrase mode (see phrase_line()): the best reading of the whole line
 * (beam PHRASE_BEAM, scored as a sentence <s> ... </s>, channel scores
 * included) against keeping every word. Tortured terms are established
 * terms with their words swapped, so when the line is neither a collocation
 * the LM knows (its weakest adjacent pair has association < PHRASE_ASSOC)
 * nor a multi-word lexicon entry, the line is searched with the LM weighted
 * PHRASE_TERM_LM times, and a reading that is a collocation (association >=
 * PHRASE_ASSOC and PHRASE_ASSOC_GAIN above the line's) is taken when it wins
 * by PHRASE_TERM_MARGIN nats, one that is a lexicon entry when it wins by
 * PHRASE_KNOWN_MARGIN. Otherwise the usual weights decide, with margin
 * PHRASE_MARGIN; the line is kept when neither wins. The reported
 * posteriors are the conditional ones (posteriors()); the confidence of a
 * phrase-mode change is the logistic of the margin. */
static int decode_phrase(unspin_restorer *r, unspin_error *err)
{
    uint32_t P = (uint32_t)r->npos;
    double margin = 0;
    int done = 0;
    unspin_word ow[MAX_SENT] = {0}, pw[MAX_SENT] = {0};
    size_t on = 0;
    for (uint32_t p = 0; p < P && on < MAX_SENT; p++)
        ow[on++] = r->tok[r->ptok[p]].id;
    double oa = min_assoc(r, ow, on);
    if (on > 1 && oa < PHRASE_ASSOC && !line_known(r, P, 0)) {
        US_TRY(phrase_search(r, PHRASE_TERM_LM, &margin, err));
        double pa = min_assoc(r, pw, path_words(r, P, pw, MAX_SENT));
        done = (margin >= PHRASE_TERM_MARGIN && pa >= PHRASE_ASSOC && pa >= oa + PHRASE_ASSOC_GAIN) ||
               (margin >= PHRASE_KNOWN_MARGIN && line_known(r, P, 1));
    }
    if (!done) {
        US_TRY(phrase_search(r, 1.0, &margin, err));
        if (margin < PHRASE_MARGIN)
            return UNSPIN_OK; /* the conditional decisions stand (they rarely change a short line) */
    }
    float conf = (float)(1.0 / (1.0 + exp(-margin)));
    for (uint32_t p = 0; p < P; p++) {
        dpost *d = &r->post[p];
        if (d->best < 0 || r->opt[d->best].keep)
            continue;
        d->phrase = 1;
        if (d->p_best < conf)
            d->p_best = conf;
    }
    return UNSPIN_OK;
}

/* Build, search and compute posteriors for the whole paragraph. */
static int decode_paragraph(unspin_restorer *r, unspin_error *err)
{
    US_TRY(build_lattice(r, err));
    return decode_lattice(r, err);
}

static int decode_lattice(unspin_restorer *r, unspin_error *err)
{
    US_TRY(grow(&r->post, &r->cappost, r->npos + 1, sizeof(dpost), err));
    US_TRY(grow(&r->optp, &r->capoptp, r->nopt + 1, sizeof(float), err));
    for (size_t i = 0; i < r->nopt; i++)
        r->optp[i] = r->opt[i].keep ? 1.0f : 0.0f;
    for (uint32_t ps = 0; ps < r->npos;) {
        uint32_t pe = next_sentence_end(r, ps);
        int any = 0;
        for (uint32_t p = ps; p < pe && !any; p++)
            any = r->opt_n[p] > 1;
        if (any && r->restoring && ps == 0 && pe == r->npos && phrase_line(r)) {
            US_TRY(decode_phrase(r, err));
        } else if (any) {
            US_TRY(search(r, ps, pe, r->opts.beam, err));
            US_TRY(posteriors(r, ps, pe, err));
        } else {
            for (uint32_t p = ps; p < pe; p++) {
                dpost *d = &r->post[p];
                d->best = (int32_t)r->opt_first[p];
                d->p_best = d->p_keep = 1;
                d->alt = -1;
                d->p_alt = d->lm_gain = d->chan_gain = 0;
                d->phrase = 0;
            }
        }
        ps = pe;
    }
    return UNSPIN_OK;
}

/* Is the decision at p a change that clears the threshold? */
static int is_change(const unspin_restorer *r, uint32_t p)
{
    const dpost *d = &r->post[p];
    if (d->best < 0 || r->opt[d->best].keep)
        return 0;
    if (d->phrase)
        return 1;
    if (d->p_best < r->threshold)
        return 0;
    const dopt *o = &r->opt[d->best];
    return (o->span == 1 && o->nw == 1) || d->p_best >= r->phrase_threshold;
}

/* Remember the confident decisions of this paragraph: changes as
 * (observed -> original) pairs, and words confidently kept as
 * (observed -> observed) when keeping is the more likely reading, so that a
 * word the document keeps does not get changed on the strength of one
 * confident change (consistency_other).
 * Returns how many new change pairs there were. */
static int record_pairs(unspin_restorer *r)
{
    int added = 0;
    for (uint32_t p = 0; p < r->npos; p++) {
        const dpost *d = &r->post[p];
        int change = is_change(r, p);
        if (r->opt_n[p] < 2 || d->best < 0 || (change ? d->p_best < RECORD_MIN_P : d->p_keep < RECORD_KEEP_P))
            continue;
        if (!change && !r->opt[d->best].keep)
            continue; /* a change below the threshold: neither */
        const dopt *o = &r->opt[d->best];
        char obs[512];
        size_t on = observed_span(r, p, o->span, obs, sizeof obs);
        char key[1100];
        size_t kl = change ? doc_key(key, sizeof key, obs, on, r->pool + o->text_off, o->text_len)
                           : doc_key(key, sizeof key, obs, on, obs, on);
        if (!kl)
            continue;
        if (doc_count(r, key, kl) == 0) {
            added += change;
            r->npairs++;
        }
        doc_inc(r, key, kl);
        kl = doc_key(key, sizeof key, obs, on, "", 0);
        doc_inc(r, key, kl);
    }
    return added;
}

/* ---------------------------------------------------------------------- */
/* 6. output */

typedef struct res_full {
    unspin_restore_result pub; /* first: the public part */
    unspin_restore_span *spans;
    unspin_alternative *alts;
    char *pool;
    char *text;
    us_word_evidence *ev;
    size_t nev;
} res_full;

typedef struct span_tmp {
    size_t start, end, spun_off, rest_off, alt_first, nalt;
    double conf;
} span_tmp;

typedef struct alt_tmp {
    size_t text_off;
    double p;
} alt_tmp;

typedef struct builder {
    char *pool; size_t npool, cappool;
    char *text; size_t ntext, captext;
    span_tmp *spans; size_t nspans, capspans;
    alt_tmp *alts; size_t nalts, capalts;
    us_word_evidence *ev; size_t nev, capev;
    size_t *ev_alt; size_t capevalt; /* pool offset of best_alt + 1 (0: none) */
} builder;

static int bpool(builder *b, const char *s, size_t n, size_t *off, unspin_error *err)
{
    US_TRY(grow(&b->pool, &b->cappool, b->npool + n + 1, 1, err));
    memcpy(b->pool + b->npool, s, n);
    b->pool[b->npool + n] = 0;
    *off = b->npool;
    b->npool += n + 1;
    return UNSPIN_OK;
}

static int btext(builder *b, const char *s, size_t n, unspin_error *err)
{
    US_TRY(grow(&b->text, &b->captext, b->ntext + n + 1, 1, err));
    memcpy(b->text + b->ntext, s, n);
    b->ntext += n;
    b->text[b->ntext] = 0;
    return UNSPIN_OK;
}

/* Append `s` with a case pattern: 0 lower, 1 first letter upper, 2 all upper,
 * 3 first letter of every word upper. */
static int bcase(builder *b, const char *s, size_t n, int pattern, unspin_error *err)
{
    size_t i = 0;
    int word_start = 1;
    while (i < n) {
        int32_t cp;
        size_t l = us_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (l == 0) {
            US_TRY(btext(b, s + i, 1, err));
            i++;
            word_start = 0;
            continue;
        }
        int up = pattern == 2 || (word_start && (pattern == 3 || (pattern == 1 && i == 0)));
        if (up && utf8proc_isupper(utf8proc_toupper(cp))) {
            unsigned char enc[4];
            size_t el = us_utf8_encode(utf8proc_toupper(cp), enc);
            US_TRY(btext(b, (const char *)enc, el, err));
        } else {
            US_TRY(btext(b, s + i, l, err));
        }
        word_start = cp == ' ';
        i += l;
    }
    return UNSPIN_OK;
}

/* "an" before a vowel sound (a spelling heuristic with the common exceptions). */
static int wants_an(const char *w, size_t n)
{
    static const char *const a_words[] = {"uni", "use", "usu", "uti", "ure", "eu", "ewe", "one", "once", "ubiq", "uk"};
    static const char *const an_words[] = {"hour", "honest", "honor", "honour", "heir"};
    if (n == 0)
        return 0;
    for (size_t i = 0; i < US_ARRAY_LEN(a_words); i++)
        if (n >= strlen(a_words[i]) && memcmp(w, a_words[i], strlen(a_words[i])) == 0)
            return 0;
    for (size_t i = 0; i < US_ARRAY_LEN(an_words); i++)
        if (n >= strlen(an_words[i]) && memcmp(w, an_words[i], strlen(an_words[i])) == 0)
            return 1;
    return strchr("aeiou", w[0]) != NULL;
}

static int case_pattern(const unspin_restorer *r, uint32_t p, uint32_t span)
{
    const dtok *t = &r->tok[r->ptok[p]];
    if (t->kind == UNSPIN_TOKEN_NUMBER)
        return (t->flags & UNSPIN_TOKEN_SENT_START) ? 1 : 0;
    if (t->casing == UNSPIN_CASE_UPPER && (t->len > 1 || span > 1))
        return 2;
    if (t->casing != UNSPIN_CASE_TITLE)
        return 0;
    int all_title = span > 1;
    for (uint32_t q = p + 1; q < p + span; q++)
        if (r->tok[r->ptok[q]].casing != UNSPIN_CASE_TITLE)
            all_title = 0;
    return all_title ? 3 : 1;
}

static int cmp_alt(const void *a, const void *b)
{
    double x = ((const alt_tmp *)a)->p, y = ((const alt_tmp *)b)->p;
    return x > y ? -1 : x < y ? 1 : 0;
}

/* Add a changed span at position p (with its alternatives) and the restored text. */
static int emit_change(unspin_restorer *r, builder *b, const char *text, uint32_t p, size_t *copied, uint32_t ps,
                       unspin_error *err)
{
    const dpost *d = &r->post[p];
    const dopt *o = &r->opt[d->best];
    const dtok *t0 = &r->tok[r->ptok[p]];
    const dtok *tl = &r->tok[r->ptok[p + o->span - 1]];
    size_t start = t0->start, end = tl->start + tl->len;
    /* a/an before the span */
    const dtok *art = NULL;
    if (p > ps) {
        const dtok *prev = &r->tok[r->ptok[p - 1]];
        if (prev->kind == UNSPIN_TOKEN_WORD && !is_change(r, p - 1) &&
            ((prev->norm_len == 1 && r->pool[prev->norm_off] == 'a') ||
             (prev->norm_len == 2 && memcmp(r->pool + prev->norm_off, "an", 2) == 0))) {
            int has_an = prev->norm_len == 2;
            const char *w = r->pool + o->text_off;
            size_t wl = 0;
            while (wl < o->text_len && w[wl] != ' ')
                wl++;
            if (wants_an(w, wl) != has_an)
                art = prev;
        }
    }
    if (art)
        start = art->start;
    US_TRY(btext(b, text + *copied, start - *copied, err));
    size_t text_start = b->ntext;
    if (art) {
        int up = art->casing == UNSPIN_CASE_TITLE || art->casing == UNSPIN_CASE_UPPER;
        const char *a = art->norm_len == 2 ? (up ? "A" : "a") : (up ? "An" : "an");
        if (art->casing == UNSPIN_CASE_UPPER && art->norm_len == 1)
            a = "AN";
        US_TRY(btext(b, a, strlen(a), err));
        /* the bytes between the article and the span (spacing) */
        US_TRY(btext(b, text + art->start + art->len, t0->start - (art->start + art->len), err));
    }
    US_TRY(bcase(b, r->pool + o->text_off, o->text_len, case_pattern(r, p, o->span), err));
    *copied = end;
    span_tmp s;
    s.start = start;
    s.end = end;
    s.conf = d->p_best;
    US_TRY(bpool(b, text + start, end - start, &s.spun_off, err));
    US_TRY(bpool(b, b->text + text_start, b->ntext - text_start, &s.rest_off, err));
    /* alternatives: the posteriors of this position's options */
    s.alt_first = b->nalts;
    s.nalt = 0;
    size_t base = b->nalts;
    for (uint32_t k = 0; k < r->opt_n[p]; k++) {
        if (r->optp[r->opt_first[p] + k] <= 0)
            continue;
        const dopt *a = &r->opt[r->opt_first[p] + k];
        alt_tmp at;
        if (a->keep)
            US_TRY(bpool(b, text + t0->start, t0->len, &at.text_off, err));
        else
            US_TRY(bpool(b, r->pool + a->text_off, a->text_len, &at.text_off, err));
        at.p = r->optp[r->opt_first[p] + k];
        US_TRY(grow(&b->alts, &b->capalts, b->nalts + 1, sizeof(alt_tmp), err));
        b->alts[b->nalts++] = at;
    }
    qsort(b->alts + base, b->nalts - base, sizeof(alt_tmp), cmp_alt);
    if (b->nalts - base > r->opts.max_alternatives)
        b->nalts = base + r->opts.max_alternatives;
    s.nalt = b->nalts - base;
    US_TRY(grow(&b->spans, &b->capspans, b->nspans + 1, sizeof(span_tmp), err));
    b->spans[b->nspans++] = s;
    return UNSPIN_OK;
}

static void builder_free(builder *b)
{
    us_free(b->pool);
    us_free(b->text);
    us_free(b->spans);
    us_free(b->alts);
    us_free(b->ev);
    us_free(b->ev_alt);
}

static int build_output(unspin_restorer *r, const char *text, size_t len, builder *b, unspin_error *err)
{
    size_t copied = 0;
    uint32_t ps = 0, pe = 0;
    for (uint32_t p = 0; p < r->npos; p++) {
        if (p >= pe) {
            ps = p;
            pe = next_sentence_end(r, p);
        }
        const dtok *t = &r->tok[r->ptok[p]];
        const dpost *d = &r->post[p];
        if (t->kind == UNSPIN_TOKEN_WORD) {
            US_TRY(grow(&b->ev, &b->capev, b->nev + 1, sizeof(us_word_evidence), err));
            US_TRY(grow(&b->ev_alt, &b->capevalt, b->nev + 1, sizeof(size_t), err));
            us_word_evidence *e = &b->ev[b->nev];
            memset(e, 0, sizeof *e);
            e->start = t->start;
            e->end = t->start + t->len;
            e->p_keep = d->p_keep;
            e->p_best_alt = d->p_alt;
            e->lm_gain = d->lm_gain;
            e->chan_gain = d->chan_gain;
            e->ncands = r->opt_n[p] - 1;
            e->is_protected = t->prot;
            b->ev_alt[b->nev] = 0;
            if (d->alt >= 0) {
                size_t off;
                US_TRY(bpool(b, r->pool + r->opt[d->alt].text_off, r->opt[d->alt].text_len, &off, err));
                b->ev_alt[b->nev] = off + 1;
            }
            b->nev++;
        }
        if (is_change(r, p)) {
            uint32_t span = r->opt[d->best].span;
            US_TRY(emit_change(r, b, text, p, &copied, ps, err));
            if (t->kind != UNSPIN_TOKEN_WORD)
                continue; /* a digit: no word evidence */
            b->ev[b->nev - 1].changed = 1;
            /* the other words of the span: evidence of the span's first word */
            for (uint32_t q = 1; q < span && p + 1 < r->npos; q++) {
                p++;
                const dtok *tq = &r->tok[r->ptok[p]];
                US_TRY(grow(&b->ev, &b->capev, b->nev + 1, sizeof(us_word_evidence), err));
                US_TRY(grow(&b->ev_alt, &b->capevalt, b->nev + 1, sizeof(size_t), err));
                us_word_evidence *e = &b->ev[b->nev];
                *e = b->ev[b->nev - 1];
                e->start = tq->start;
                e->end = tq->start + tq->len;
                b->ev_alt[b->nev] = b->ev_alt[b->nev - 1];
                b->nev++;
            }
        }
    }
    US_TRY(btext(b, text + copied, len - copied, err));
    return UNSPIN_OK;
}

static int finish_result(builder *b, size_t nwords, unspin_restore_result **out, unspin_error *err)
{
    res_full *res = us_calloc(1, sizeof *res);
    if (!res)
        return us_error(err, UNSPIN_E_NOMEM, "restore: out of memory");
    res->spans = us_calloc(b->nspans ? b->nspans : 1, sizeof(unspin_restore_span));
    res->alts = us_calloc(b->nalts ? b->nalts : 1, sizeof(unspin_alternative));
    if (!res->spans || !res->alts) {
        us_free(res->spans);
        us_free(res->alts);
        us_free(res);
        return us_error(err, UNSPIN_E_NOMEM, "restore: out of memory");
    }
    if (!b->text && btext(b, "", 0, err) < 0) {
        us_free(res->spans);
        us_free(res->alts);
        us_free(res);
        return UNSPIN_E_NOMEM;
    }
    res->pool = b->pool;
    res->text = b->text;
    res->ev = b->ev;
    res->nev = b->nev;
    for (size_t i = 0; i < b->nalts; i++) {
        res->alts[i].text = res->pool + b->alts[i].text_off;
        res->alts[i].p = b->alts[i].p;
    }
    for (size_t i = 0; i < b->nspans; i++) {
        unspin_restore_span *s = &res->spans[i];
        s->start = b->spans[i].start;
        s->end = b->spans[i].end;
        s->spun = res->pool + b->spans[i].spun_off;
        s->restored = res->pool + b->spans[i].rest_off;
        s->confidence = b->spans[i].conf;
        s->alternatives = res->alts + b->spans[i].alt_first;
        s->nalternatives = b->spans[i].nalt;
    }
    for (size_t i = 0; i < b->nev; i++)
        res->ev[i].best_alt = b->ev_alt[i] ? res->pool + b->ev_alt[i] - 1 : NULL;
    res->pub.text = res->text;
    res->pub.length = b->ntext;
    res->pub.spans = res->spans;
    res->pub.nspans = b->nspans;
    res->pub.nwords = nwords;
    us_free(b->spans);
    us_free(b->alts);
    us_free(b->ev_alt);
    *out = &res->pub;
    return UNSPIN_OK;
}

void unspin_restore_result_free(unspin_restore_result *pub)
{
    if (!pub)
        return;
    res_full *res = (res_full *)pub;
    us_free(res->spans);
    us_free(res->alts);
    us_free(res->pool);
    us_free(res->text);
    us_free(res->ev);
    us_free(res);
}

void us_restore_evidence(const unspin_restore_result *pub, const us_word_evidence **ev, size_t *n)
{
    const res_full *res = (const res_full *)pub;
    *ev = res ? res->ev : NULL;
    *n = res ? res->nev : 0;
}

/* ---------------------------------------------------------------------- */
/* entry points */

static int prepare(unspin_restorer *r, const char *text, size_t len, unspin_error *err)
{
    US_TRY(copy_tokens(r, text, len, err));
    US_TRY(build_topic(r, err));
    return UNSPIN_OK;
}

int unspin_restore(unspin_restorer *r, const char *text, size_t len, unspin_restore_result **out, unspin_error *err)
{
    if (!out)
        return us_error(err, UNSPIN_E_INVALID, "unspin_restore: NULL out");
    *out = NULL;
    if (!r || (!text && len))
        return us_error(err, UNSPIN_E_INVALID, "unspin_restore: NULL argument");
    if (!text)
        text = "";
    US_TRY(prepare(r, text, len, err));
    r->restoring = 1;
    int drc = decode_paragraph(r, err);
    if (drc == UNSPIN_OK && r->opts.consistency && record_pairs(r) > 0) { /* second pass with this paragraph's pairs */
        refresh_consistency(r);
        drc = decode_lattice(r, err);
    }
    r->restoring = 0;
    US_TRY(drc);
    size_t nwords = 0;
    for (size_t p = 0; p < r->npos; p++)
        nwords += r->tok[r->ptok[p]].kind == UNSPIN_TOKEN_WORD;
    builder b;
    memset(&b, 0, sizeof b);
    int rc = build_output(r, text, len, &b, err);
    if (rc < 0) {
        builder_free(&b);
        return rc;
    }
    rc = finish_result(&b, nwords, out, err);
    if (rc < 0)
        builder_free(&b);
    return rc;
}

int unspin_restore_observe(unspin_restorer *r, const char *text, size_t len, int pass, unspin_error *err)
{
    if (!r || (!text && len) || (pass != 1 && pass != 2))
        return us_error(err, UNSPIN_E_INVALID, "unspin_restore_observe: NULL argument or pass not 1 or 2");
    if (!text)
        text = "";
    if (!r->opts.consistency)
        return UNSPIN_OK;
    if (pass == 1) { /* count the words the document uses as they are */
        US_TRY(copy_tokens(r, text, len, err));
        for (uint32_t p = 0; p < r->npos; p++) {
            const dtok *t = &r->tok[r->ptok[p]];
            if (t->kind != UNSPIN_TOKEN_WORD)
                continue;
            char key[600];
            size_t kl = doc_key(key, sizeof key, "", 0, r->pool + t->norm_off, t->norm_len);
            gain_add(r, key, kl, 0);
        }
        return UNSPIN_OK;
    }
    r->observing = 1; /* only words used twice or more get candidates, and no boost */
    int rc = prepare(r, text, len, err);
    if (rc == UNSPIN_OK)
        rc = build_lattice(r, err);
    r->observing = 0;
    US_TRY(rc);
    for (uint32_t ps = 0; ps < r->npos;) {
        uint32_t pe = next_sentence_end(r, ps);
        size_t P = pe - ps;
        US_TRY(observed_path(r, ps, pe, err));
        for (size_t b = 0; b < P; b++) {
            uint32_t p = ps + (uint32_t)b;
            uint32_t n = r->opt_n[p];
            const dtok *t = &r->tok[r->ptok[p]];
            if (n < 2)
                continue;
            US_TRY(local_scores(r, ps, pe, b, 0, err));
            for (uint32_t k = 1; k < n; k++) {
                const dopt *o = &r->opt[r->opt_first[p] + k];
                if (o->span != 1 || o->nw != 1)
                    continue;
                char key[600];
                size_t kl = doc_key(key, sizeof key, r->pool + t->norm_off, t->norm_len, r->pool + o->text_off,
                                    o->text_len);
                /* the contextual part of the gain: without the candidate's
                 * advantage in frequency alone (which favours "it", "for") */
                float uw = unigram(r, r->ids[o->ids]);
                if (uw > CH_FUNCTION_LOGP)
                    continue;
                gain_add(r, key, kl, r->llm[k] - r->llm[0] - (uw > t->uni ? uw - t->uni : 0.0f));
            }
        }
        ps = pe;
    }
    return UNSPIN_OK;
}

int us_dec_collect(unspin_restorer *r, const char *text, size_t len, us_dec_example_fn fn, void *ctx,
                   unspin_error *err)
{
    if (!r || !fn || (!text && len))
        return us_error(err, UNSPIN_E_INVALID, "us_dec_collect: NULL argument");
    if (!text)
        text = "";
    US_TRY(prepare(r, text, len, err));
    US_TRY(build_lattice(r, err));
    const char *texts[80];
    uint32_t spans[80];
    for (uint32_t ps = 0; ps < r->npos;) {
        uint32_t pe = next_sentence_end(r, ps);
        size_t P = pe - ps;
        US_TRY(observed_path(r, ps, pe, err));
        for (size_t b = 0; b < P; b++) {
            uint32_t p = ps + (uint32_t)b;
            uint32_t n = r->opt_n[p];
            if (n < 2 || n > US_ARRAY_LEN(texts))
                continue;
            US_TRY(local_scores(r, ps, pe, b, 1, err));
            for (uint32_t k = 0; k < n; k++) {
                const dopt *o = &r->opt[r->opt_first[p] + k];
                texts[k] = r->pool + o->text_off;
                spans[k] = o->span;
            }
            us_dec_example ex;
            const dtok *t = &r->tok[r->ptok[p]];
            ex.start = t->start;
            ex.end = t->start + t->len;
            ex.nopt = n;
            ex.feat = r->lfeat;
            ex.text = texts;
            ex.span = spans;
            int rc = fn(ctx, &ex);
            if (rc)
                return rc;
        }
        ps = pe;
    }
    return UNSPIN_OK;
}
