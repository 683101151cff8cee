/*
 * matcher.c - `unspin match`: find the source of a spun copy in a collection
 * of originals (docs/match.md).
 *
 * Every document is reduced to its content words: function words are
 * dropped (spinners swap them freely), small number words become digits,
 * the rest is lower-cased and suffix-stripped (mt_stem). The index maps each
 * stem (64-bit hash) to the sorted list of documents containing it; its
 * document frequency gives the word's weight (idf).
 *
 * A query is matched in two steps:
 *  1. retrieval: each query word votes, with its weight, for every document
 *     that contains its stem or (with a lexicon) one of the candidate
 *     originals the lexicon proposes for it; the best `candidates`
 *     documents go on;
 *  2. verification: an order-preserving alignment (weighted LCS) of the
 *     query's content words with each candidate's, identical stems counting
 *     1 and lexicon candidates `synonym_weight`. The score is the aligned
 *     weight over the query's total weight; runs of aligned words are the
 *     spans.
 *
 * The index is one byte image in the .usidx layout (see matcher_internal.h
 * and docs/match.md), built in memory or mapped from a file, so that both
 * are read by the same bounds-checked code.
 */
#include "matcher_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MT_BLOCK (1u << 18)
#define MT_MAX_DOCS 0x7fffffffu
#define MT_MAX_BYTES 0xffffffffu
#define MT_MAX_CELLS (16u << 20) /* alignment matrix cells per candidate; larger pairs are aligned in bands */
#define MT_STEM_MAX 64

/* ------------------------------------------------------------ stemming */

/* Function words (sorted): spinners replace them ("in" -> "within") or
 * leave them, so they carry no evidence of a source. */
static const char *const mt_function_words[] = {
    "'d", "'ll", "'m", "'re", "'s", "'ve", "a", "about", "above", "according", "across", "after",
    "afterwards", "again", "against", "ago", "all", "almost", "along", "already", "also", "although",
    "always", "am", "among", "amongst", "an", "and", "another", "any", "anyone", "anything", "are",
    "around", "as", "at", "be", "became", "because", "become", "becomes", "been", "before", "being",
    "below", "beside", "besides", "between", "beyond", "both", "but", "by", "can", "ca", "cannot",
    "could", "did", "do", "does", "doing", "done", "down", "during", "each", "either", "else",
    "enough", "even", "ever", "every", "few", "for", "from", "further", "had", "has", "have",
    "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "however", "i",
    "if", "in", "inside", "into", "is", "it", "its", "itself", "just", "least", "less", "like",
    "many", "may", "me", "might", "mine", "more", "most", "much", "must", "my", "myself", "n't",
    "near", "neither", "never", "nevertheless", "no", "nor", "not", "now", "of", "off", "often",
    "on", "once", "only", "onto", "or", "other", "others", "otherwise", "our", "ours", "ourselves",
    "out", "over", "own", "per", "perhaps", "quite", "rather", "really", "same", "several", "shall",
    "she", "should", "since", "so", "some", "something", "still", "such", "than", "that", "the",
    "their", "theirs", "them", "themselves", "then", "there", "therefore", "these", "they", "this",
    "those", "though", "through", "throughout", "thus", "to", "together", "too", "toward",
    "towards", "under", "underneath", "until", "up", "upon", "us", "very", "via", "was", "we",
    "well", "were", "what", "whatever", "when", "whenever", "where", "whereas", "whether", "which",
    "while", "who", "whole", "whom", "whose", "why", "will", "with", "within", "without", "wo",
    "would", "yet", "you", "your", "yours", "yourself", "yourselves",
};

/* Number words that spinners write as digits (and back). */
static const char *const mt_number_words[][2] = {
    {"eight", "8"}, {"eighteen", "18"}, {"eleven", "11"}, {"fifteen", "15"}, {"five", "5"},
    {"four", "4"}, {"fourteen", "14"}, {"nine", "9"}, {"nineteen", "19"}, {"one", "1"},
    {"seven", "7"}, {"seventeen", "17"}, {"six", "6"}, {"sixteen", "16"}, {"ten", "10"},
    {"thirteen", "13"}, {"three", "3"}, {"twelve", "12"}, {"twenty", "20"}, {"two", "2"},
    {"zero", "0"},
};

static int mt_cmp_str(const char *a, size_t an, const char *b)
{
    size_t bn = strlen(b);
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : (an < bn ? -1 : an > bn);
}

static bool mt_is_function_word(const char *w, size_t n)
{
    size_t lo = 0, hi = US_ARRAY_LEN(mt_function_words);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = mt_cmp_str(w, n, mt_function_words[mid]);
        if (!c)
            return true;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return false;
}

static bool mt_vowel(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

static bool mt_ends(const char *w, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n >= k && memcmp(w + n - k, suf, k) == 0;
}

US_INTERNAL size_t mt_stem(const char *w, size_t n, char *out, size_t cap)
{
    if (cap == 0)
        return 0;
    /* a straight apostrophe or the tokenizer's clitics */
    if (n == 0 || mt_is_function_word(w, n)) {
        out[0] = 0;
        return 0;
    }
    for (size_t i = 0; n >= 3 && n <= 9 && strchr("efnostz", w[0]) && i < US_ARRAY_LEN(mt_number_words); i++) {
        if (mt_cmp_str(w, n, mt_number_words[i][0]) == 0) {
            size_t k = strlen(mt_number_words[i][1]);
            if (k >= cap)
                k = cap - 1;
            memcpy(out, mt_number_words[i][1], k);
            out[k] = 0;
            return k;
        }
    }
    if (n >= cap)
        n = cap - 1;
    memcpy(out, w, n);
    out[n] = 0;
    bool ascii = true;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)out[i] >= 0x80 || (out[i] >= '0' && out[i] <= '9'))
            ascii = false;
    if (!ascii || n <= 3)
        return n;
    /* light suffix stripping: plural, past, gerund, adverb; then a final e
     * and a doubled consonant, so that state/stated/states/stating agree */
    if (mt_ends(out, n, "ies") && n > 4) {
        n -= 3;
        out[n++] = 'y';
    } else if (mt_ends(out, n, "sses")) {
        n -= 2;
    } else if (mt_ends(out, n, "ing") && n > 5) {
        n -= 3;
    } else if (mt_ends(out, n, "ed") && n > 4) {
        n -= 2;
    } else if (mt_ends(out, n, "ly") && n > 5) {
        n -= 2;
    } else if (out[n - 1] == 's' && !mt_ends(out, n, "ss") && !mt_ends(out, n, "us") && !mt_ends(out, n, "is")) {
        n -= 1;
    }
    if (n > 3 && out[n - 1] == 'e')
        n--;
    if (n > 3 && out[n - 1] == out[n - 2] && !mt_vowel(out[n - 1]) && out[n - 1] != 'l' && out[n - 1] != 's')
        n--;
    out[n] = 0;
    return n;
}

static uint64_t mt_key(const char *stem, size_t n)
{
    uint64_t h = us_hash(stem, n);
    return h ? h : 1;
}

/* ---------------------------------------------------------------- words */

/* The words of one text: every word/number/URL token (for lexicon lookups)
 * and the content words among them (for matching). */
typedef struct mt_raw {
    uint32_t norm_off, norm_len; /* in the pool */
    int32_t content;             /* index of its content word, -1: function word */
    uint8_t brk;                 /* punctuation (or a line break) before it */
    uint8_t lookup;              /* a lower-case word the lexicon may know */
} mt_raw;

typedef struct mt_words {
    uint64_t *key;  /* stem hash of each content word */
    size_t *start, *end;
    size_t n, cap;
    mt_raw *raw;
    size_t nraw, capraw;
    char *pool;
    size_t npool, cappool;
} mt_words;

static void mt_words_free(mt_words *w)
{
    us_free(w->key);
    us_free(w->start);
    us_free(w->end);
    us_free(w->raw);
    us_free(w->pool);
    memset(w, 0, sizeof *w);
}

static int mt_push_content(mt_words *w, uint64_t key, size_t start, size_t end, unspin_error *err)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 256;
        uint64_t *k = us_realloc(w->key, cap * sizeof *k);
        if (k)
            w->key = k;
        size_t *s = k ? us_realloc(w->start, cap * sizeof *s) : NULL;
        if (s)
            w->start = s;
        size_t *e = s ? us_realloc(w->end, cap * sizeof *e) : NULL;
        if (!e)
            return us_error(err, UNSPIN_E_NOMEM, "match: out of memory (word list)");
        w->end = e;
        w->cap = cap;
    }
    w->key[w->n] = key;
    w->start[w->n] = start;
    w->end[w->n] = end;
    w->n++;
    return UNSPIN_OK;
}

/* Tokenize text[0..len) into w. With want_raw, keep every word's normalised
 * form for the lexicon. */
static int mt_scan(unspin_tokenizer *tk, const char *text, size_t len, bool want_raw, mt_words *w,
                   unspin_error *err)
{
    w->n = 0;
    w->nraw = 0;
    w->npool = 0;
    unspin_tokenizer_reset(tk);
    size_t pos = 0;
    bool brk = true;
    char stem[MT_STEM_MAX];
    while (pos < len || (pos == 0 && len == 0)) {
        size_t block = len - pos < MT_BLOCK ? len - pos : MT_BLOCK;
        int final = pos + block == len;
        const unspin_token *toks;
        size_t nt, used;
        US_TRY(unspin_tokenize(tk, text + pos, block, final, &toks, &nt, &used, err));
        for (size_t i = 0; i < nt; i++) {
            const unspin_token *t = &toks[i];
            if (t->kind == UNSPIN_TOKEN_PUNCT || t->kind == UNSPIN_TOKEN_OTHER) {
                brk = true;
                continue;
            }
            if (t->kind == UNSPIN_TOKEN_SPACE) {
                if (t->flags & UNSPIN_TOKEN_NEWLINE)
                    brk = true;
                continue;
            }
            size_t sn;
            if (t->kind == UNSPIN_TOKEN_WORD) {
                sn = mt_stem(t->norm, t->norm_length, stem, sizeof stem);
            } else {
                sn = t->norm_length < sizeof stem ? t->norm_length : sizeof stem - 1;
                memcpy(stem, t->norm, sn);
                stem[sn] = 0;
            }
            int32_t content = -1;
            if (sn > 0) {
                content = (int32_t)w->n;
                US_TRY(mt_push_content(w, mt_key(stem, sn), pos + t->start, pos + t->start + t->length, err));
            }
            if (want_raw) {
                if (w->nraw == w->capraw && us_grow((void **)&w->raw, &w->capraw, w->nraw + 1, sizeof *w->raw))
                    return us_error(err, UNSPIN_E_NOMEM, "match: out of memory (word list)");
                if (w->npool + t->norm_length + 1 > w->cappool &&
                    us_grow((void **)&w->pool, &w->cappool, w->npool + t->norm_length + 1, 1))
                    return us_error(err, UNSPIN_E_NOMEM, "match: out of memory (word list)");
                if (w->npool + t->norm_length + 1 > UINT32_MAX)
                    return us_error(err, UNSPIN_E_LIMIT, "match: query longer than 4 GiB");
                mt_raw *r = &w->raw[w->nraw++];
                r->norm_off = (uint32_t)w->npool;
                r->norm_len = (uint32_t)t->norm_length;
                r->content = content;
                r->brk = brk;
                /* lower-case words, and capitalised ones at a sentence start
                 * (names elsewhere are kept by spinners) */
                r->lookup = t->kind == UNSPIN_TOKEN_WORD &&
                            (t->casing == UNSPIN_CASE_LOWER ||
                             (t->casing == UNSPIN_CASE_TITLE && (t->flags & UNSPIN_TOKEN_SENT_START))) &&
                            !(t->flags & UNSPIN_TOKEN_QUOTED) && t->norm_length < MT_STEM_MAX;
                memcpy(w->pool + w->npool, t->norm, t->norm_length);
                w->npool += t->norm_length;
                w->pool[w->npool++] = 0;
            }
            brk = false;
        }
        pos += used;
        if (final)
            break;
    }
    return UNSPIN_OK;
}

/* ---------------------------------------------------------------- index */

typedef struct mt_in_doc {
    char *name;
    char *text;
    size_t name_len, len;
} mt_in_doc;

struct unspin_match_index {
    /* documents being added */
    mt_in_doc *in;
    size_t nin, capin;
    uint64_t in_bytes;
    int finished;
    /* the image */
    unsigned char *owned;
    us_map map;
    int mapped;
    const unsigned char *base;
    size_t size;
    uint64_t ndocs, nfeat, npost, nstr;
    const unsigned char *docs, *feats, *posts, *strs;
};

int unspin_match_index_create(unspin_match_index **out, unspin_error *err)
{
    if (!out)
        return us_error(err, UNSPIN_E_INVALID, "unspin_match_index_create: NULL argument");
    *out = us_calloc(1, sizeof **out);
    if (!*out)
        return us_error(err, UNSPIN_E_NOMEM, "match: out of memory (index)");
    return UNSPIN_OK;
}

void unspin_match_index_free(unspin_match_index *ix)
{
    if (!ix)
        return;
    for (size_t i = 0; i < ix->nin; i++) {
        us_free(ix->in[i].name);
        us_free(ix->in[i].text);
    }
    us_free(ix->in);
    us_free(ix->owned);
    if (ix->mapped)
        us_map_close(&ix->map);
    us_free(ix);
}

int unspin_match_index_add(unspin_match_index *ix, const char *name, const char *text, size_t len,
                           unspin_error *err)
{
    if (!ix || !name || (!text && len))
        return us_error(err, UNSPIN_E_INVALID, "unspin_match_index_add: NULL argument");
    if (ix->finished)
        return us_error(err, UNSPIN_E_INVALID, "unspin_match_index_add: the index is already finished");
    size_t nl = strlen(name);
    if (ix->nin >= MT_MAX_DOCS || ix->in_bytes + len + nl + 2 > MT_MAX_BYTES)
        return us_error(err, UNSPIN_E_LIMIT, "match: index limit reached (%u documents, 4 GiB of text)",
                        MT_MAX_DOCS);
    if (ix->nin == ix->capin && us_grow((void **)&ix->in, &ix->capin, ix->nin + 1, sizeof *ix->in))
        return us_error(err, UNSPIN_E_NOMEM, "match: out of memory (index)");
    mt_in_doc *d = &ix->in[ix->nin];
    d->name = us_malloc(nl + 1);
    d->text = us_malloc(len + 1);
    if (!d->name || !d->text) {
        us_free(d->name);
        us_free(d->text);
        return us_error(err, UNSPIN_E_NOMEM, "match: out of memory (document %s)", name);
    }
    memcpy(d->name, name, nl + 1);
    if (len)
        memcpy(d->text, text, len);
    d->text[len] = 0;
    d->name_len = nl;
    d->len = len;
    ix->in_bytes += len + nl + 2;
    ix->nin++;
    return UNSPIN_OK;
}

size_t unspin_match_index_count(const unspin_match_index *ix)
{
    if (!ix)
        return 0;
    return ix->finished ? (size_t)ix->ndocs : ix->nin;
}

typedef struct mt_pair {
    uint64_t key;
    uint32_t doc;
} mt_pair;

static int mt_pair_cmp(const void *a, const void *b)
{
    const mt_pair *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->doc < y->doc ? -1 : x->doc > y->doc;
}

/* Point the section pointers of an image whose header is valid. */
static void mt_set_sections(unspin_match_index *ix)
{
    ix->docs = ix->base + MT_HEADER_SIZE;
    ix->feats = ix->docs + ix->ndocs * MT_DOC_SIZE;
    ix->posts = ix->feats + ix->nfeat * MT_FEAT_SIZE;
    ix->strs = ix->posts + ix->npost * 4;
}

static uint64_t mt_image_checksum(const unsigned char *base, size_t size)
{
    /* XXH64 over the header (checksum field as zero) and the rest */
    unsigned char head[MT_HEADER_SIZE];
    memcpy(head, base, MT_HEADER_SIZE);
    memset(head + 48, 0, 8);
    uint64_t a = us_checksum(head, MT_HEADER_SIZE);
    uint64_t b = us_checksum(base + MT_HEADER_SIZE, size - MT_HEADER_SIZE);
    unsigned char both[16];
    us_store64(both, a);
    us_store64(both + 8, b);
    return us_checksum(both, 16);
}

int unspin_match_index_finish(unspin_match_index *ix, unspin_error *err)
{
    if (!ix)
        return us_error(err, UNSPIN_E_INVALID, "unspin_match_index_finish: NULL argument");
    if (ix->finished)
        return UNSPIN_OK;
    unspin_tokenizer *tk = NULL;
    mt_words w = {0};
    mt_pair *pairs = NULL;
    size_t npairs = 0, cappairs = 0;
    int rc = unspin_tokenizer_create(&tk, err);
    if (rc)
        return rc;
    for (size_t d = 0; d < ix->nin && rc == UNSPIN_OK; d++) {
        rc = mt_scan(tk, ix->in[d].text, ix->in[d].len, false, &w, err);
        if (rc)
            break;
        if (npairs + w.n > cappairs && us_grow((void **)&pairs, &cappairs, npairs + w.n, sizeof *pairs)) {
            rc = us_error(err, UNSPIN_E_NOMEM, "match: out of memory (index features)");
            break;
        }
        /* distinct stems of the document */
        size_t first = npairs;
        for (size_t i = 0; i < w.n; i++)
            pairs[npairs++] = (mt_pair){w.key[i], (uint32_t)d};
        if (npairs - first > 1)
            qsort(pairs + first, npairs - first, sizeof *pairs, mt_pair_cmp);
        size_t k = first;
        for (size_t i = first; i < npairs; i++)
            if (i == first || pairs[i].key != pairs[k - 1].key)
                pairs[k++] = pairs[i];
        npairs = k;
    }
    mt_words_free(&w);
    unspin_tokenizer_free(tk);
    if (rc) {
        us_free(pairs);
        return rc;
    }
    if (npairs > UINT32_MAX) {
        us_free(pairs);
        return us_error(err, UNSPIN_E_LIMIT, "match: more than 2^32 index entries");
    }
    if (npairs > 1)
        qsort(pairs, npairs, sizeof *pairs, mt_pair_cmp);
    size_t nfeat = 0;
    for (size_t i = 0; i < npairs; i++)
        if (i == 0 || pairs[i].key != pairs[i - 1].key)
            nfeat++;
    size_t nstr = 0;
    for (size_t d = 0; d < ix->nin; d++)
        nstr += ix->in[d].name_len + 1 + ix->in[d].len + 1;
    size_t size = MT_HEADER_SIZE + ix->nin * MT_DOC_SIZE + nfeat * MT_FEAT_SIZE + npairs * 4 + nstr;
    unsigned char *img = us_calloc(1, size);
    if (!img) {
        us_free(pairs);
        return us_error(err, UNSPIN_E_NOMEM, "match: out of memory (index image of %zu bytes)", size);
    }
    memcpy(img, MT_MAGIC, 8);
    us_store32(img + 8, MT_VERSION);
    us_store32(img + 12, 0);
    us_store64(img + 16, ix->nin);
    us_store64(img + 24, nfeat);
    us_store64(img + 32, npairs);
    us_store64(img + 40, nstr);
    us_store32(img + 56, MT_HEADER_SIZE);
    us_store32(img + 60, MT_FEATURE_VERSION);
    ix->base = img;
    ix->size = size;
    ix->ndocs = ix->nin;
    ix->nfeat = nfeat;
    ix->npost = npairs;
    ix->nstr = nstr;
    mt_set_sections(ix);
    unsigned char *docs = img + (ix->docs - ix->base);
    unsigned char *feats = img + (ix->feats - ix->base);
    unsigned char *posts = img + (ix->posts - ix->base);
    unsigned char *strs = img + (ix->strs - ix->base);
    size_t off = 0;
    for (size_t d = 0; d < ix->nin; d++) {
        mt_in_doc *in = &ix->in[d];
        unsigned char *e = docs + d * MT_DOC_SIZE;
        us_store64(e, off);
        us_store64(e + 8, in->name_len);
        memcpy(strs + off, in->name, in->name_len + 1);
        off += in->name_len + 1;
        us_store64(e + 16, off);
        us_store64(e + 24, in->len);
        memcpy(strs + off, in->text, in->len + 1);
        off += in->len + 1;
        us_free(in->name);
        us_free(in->text);
    }
    us_free(ix->in);
    ix->in = NULL;
    ix->nin = ix->capin = 0;
    size_t f = 0;
    for (size_t i = 0; i < npairs; i++) {
        if (i == 0 || pairs[i].key != pairs[i - 1].key) {
            unsigned char *e = feats + f * MT_FEAT_SIZE;
            us_store64(e, pairs[i].key);
            us_store32(e + 8, (uint32_t)i);
            us_store32(e + 12, 0);
            f++;
        }
        unsigned char *e = feats + (f - 1) * MT_FEAT_SIZE;
        us_store32(e + 12, us_load32(e + 12) + 1);
        us_store32(posts + i * 4, pairs[i].doc);
    }
    us_free(pairs);
    us_store64(img + 48, mt_image_checksum(img, size));
    ix->owned = img;
    ix->finished = 1;
    return UNSPIN_OK;
}

int unspin_match_index_document(const unspin_match_index *ix, size_t doc, const char **name,
                                const char **text, size_t *text_length)
{
    if (!ix || !ix->finished || doc >= ix->ndocs)
        return UNSPIN_E_INVALID;
    const unsigned char *e = ix->docs + doc * MT_DOC_SIZE;
    if (name)
        *name = (const char *)ix->strs + us_load64(e);
    if (text)
        *text = (const char *)ix->strs + us_load64(e + 16);
    if (text_length)
        *text_length = (size_t)us_load64(e + 24);
    return UNSPIN_OK;
}

int unspin_match_index_save(const unspin_match_index *ix, const char *path, unspin_error *err)
{
    if (!ix || !path)
        return us_error(err, UNSPIN_E_INVALID, "unspin_match_index_save: NULL argument");
    if (!ix->finished)
        return us_error(err, UNSPIN_E_INVALID, "unspin_match_index_save: the index is not finished");
    size_t pl = strlen(path);
    char *tmp = us_malloc(pl + 16);
    if (!tmp)
        return us_error(err, UNSPIN_E_NOMEM, "match: out of memory");
    snprintf(tmp, pl + 16, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        int rc = us_error(err, UNSPIN_E_IO, "%s: cannot create: %s", tmp, strerror(errno));
        us_free(tmp);
        return rc;
    }
    /* header with the incomplete marker first, the body, then the real header */
    unsigned char head[MT_HEADER_SIZE];
    memcpy(head, ix->base, MT_HEADER_SIZE);
    us_store32(head + 12, MT_FLAG_INCOMPLETE);
    bool ok = fwrite(head, 1, MT_HEADER_SIZE, f) == MT_HEADER_SIZE &&
              fwrite(ix->base + MT_HEADER_SIZE, 1, ix->size - MT_HEADER_SIZE, f) == ix->size - MT_HEADER_SIZE &&
              fflush(f) == 0;
    if (ok) {
        us_store32(head + 12, 0);
        us_store64(head + 48, mt_image_checksum(ix->base, ix->size));
        ok = fseek(f, 0, SEEK_SET) == 0 && fwrite(head, 1, MT_HEADER_SIZE, f) == MT_HEADER_SIZE &&
             fflush(f) == 0;
    }
    int e = errno;
    if (fclose(f) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        e = errno;
    }
    if (!ok) {
        remove(tmp);
        us_free(tmp);
        return us_error(err, UNSPIN_E_IO, "%s: write failed: %s", path, strerror(e));
    }
    us_free(tmp);
    return UNSPIN_OK;
}

US_INTERNAL int mt_index_open_memory(const void *data, size_t size, const char *name, int verify,
                                     unspin_match_index **out, unspin_error *err)
{
    const unsigned char *b = data;
    *out = NULL;
    if (size < MT_HEADER_SIZE || memcmp(b, MT_MAGIC, 8) != 0)
        return us_error(err, UNSPIN_E_FORMAT, "%s: not an unspin match index (bad magic)", name);
    uint32_t version = us_load32(b + 8), flags = us_load32(b + 12);
    if (version != MT_VERSION)
        return us_error(err, UNSPIN_E_VERSION, "%s: match index version %u, this program reads version %u",
                        name, version, MT_VERSION);
    if (flags & MT_FLAG_INCOMPLETE)
        return us_error(err, UNSPIN_E_INCOMPLETE, "%s: incomplete match index (its build failed; rebuild it)",
                        name);
    if (flags != 0 || us_load32(b + 56) != MT_HEADER_SIZE)
        return us_error(err, UNSPIN_E_FORMAT, "%s: bad header (flags or header size) at offset 12", name);
    if (us_load32(b + 60) != MT_FEATURE_VERSION)
        return us_error(err, UNSPIN_E_VERSION, "%s: word features of version %u, this program uses %u; rebuild it",
                        name, us_load32(b + 60), MT_FEATURE_VERSION);
    uint64_t ndocs = us_load64(b + 16), nfeat = us_load64(b + 24), npost = us_load64(b + 32),
             nstr = us_load64(b + 40);
    uint64_t rest = size - MT_HEADER_SIZE;
    if (ndocs > MT_MAX_DOCS || ndocs > rest / MT_DOC_SIZE || nfeat > rest / MT_FEAT_SIZE || npost > rest / 4 ||
        nstr > rest || ndocs * MT_DOC_SIZE + nfeat * MT_FEAT_SIZE + npost * 4 + nstr != rest)
        return us_error(err, UNSPIN_E_FORMAT, "%s: section sizes do not add up to the file size %zu", name, size);
    unspin_match_index *ix = us_calloc(1, sizeof *ix);
    if (!ix)
        return us_error(err, UNSPIN_E_NOMEM, "match: out of memory (index)");
    ix->base = b;
    ix->size = size;
    ix->ndocs = ndocs;
    ix->nfeat = nfeat;
    ix->npost = npost;
    ix->nstr = nstr;
    mt_set_sections(ix);
    ix->finished = 1;
    /* every document: name and text inside the strings, NUL-terminated */
    for (uint64_t d = 0; d < ndocs; d++) {
        const unsigned char *e = ix->docs + d * MT_DOC_SIZE;
        uint64_t no = us_load64(e), nl = us_load64(e + 8), to = us_load64(e + 16), tl = us_load64(e + 24);
        if (no >= nstr || nl >= nstr - no || ix->strs[no + nl] != 0 || memchr(ix->strs + no, 0, nl) ||
            to >= nstr || tl >= nstr - to || ix->strs[to + tl] != 0) {
            us_free(ix);
            return us_error(err, UNSPIN_E_FORMAT, "%s: document %llu has a bad name or text offset (offset %zu)",
                            name, (unsigned long long)d, (size_t)(e - b));
        }
    }
    /* features: sorted, distinct, postings in range, sorted doc ids in range */
    uint64_t prev = 0;
    for (uint64_t i = 0; i < nfeat; i++) {
        const unsigned char *e = ix->feats + i * MT_FEAT_SIZE;
        uint64_t key = us_load64(e);
        uint64_t start = us_load32(e + 8), count = us_load32(e + 12);
        bool bad = (i > 0 && key <= prev) || count == 0 || start > npost || count > npost - start;
        for (uint64_t k = 0; !bad && k < count; k++) {
            uint32_t d = us_load32(ix->posts + (start + k) * 4);
            if (d >= ndocs || (k > 0 && d <= us_load32(ix->posts + (start + k - 1) * 4)))
                bad = true;
        }
        if (bad) {
            us_free(ix);
            return us_error(err, UNSPIN_E_FORMAT, "%s: bad feature entry %llu (offset %zu)", name,
                            (unsigned long long)i, (size_t)(e - b));
        }
        prev = key;
    }
    if (verify && us_load64(b + 48) != mt_image_checksum(b, size)) {
        us_free(ix);
        return us_error(err, UNSPIN_E_CHECKSUM, "%s: checksum mismatch (file is corrupt; rebuild it)", name);
    }
    *out = ix;
    return UNSPIN_OK;
}

int unspin_match_index_open(const char *path, unspin_match_index **out, unspin_error *err)
{
    if (!path || !out)
        return us_error(err, UNSPIN_E_INVALID, "unspin_match_index_open: NULL argument");
    us_map map;
    US_TRY(us_map_open(path, &map, err));
    unspin_match_index *ix;
    int rc = mt_index_open_memory(map.data, map.size, path, 1, &ix, err);
    if (rc) {
        us_map_close(&map);
        return rc;
    }
    ix->map = map;
    ix->mapped = 1;
    *out = ix;
    return UNSPIN_OK;
}

/* Documents containing a key: postings[0..*count). */
static const unsigned char *mt_postings(const unspin_match_index *ix, uint64_t key, uint32_t *count)
{
    size_t lo = 0, hi = (size_t)ix->nfeat;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const unsigned char *e = ix->feats + mid * MT_FEAT_SIZE;
        uint64_t k = us_load64(e);
        if (k == key) {
            *count = us_load32(e + 12);
            return ix->posts + (size_t)us_load32(e + 8) * 4;
        }
        if (k < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    *count = 0;
    return NULL;
}

/* -------------------------------------------------------------- matcher */

typedef struct mt_cand {
    uint32_t doc;
    float vote;
} mt_cand;

struct unspin_matcher {
    const unspin_match_index *ix;
    const unspin_lexicon *lex;
    unspin_match_opts o;
    unspin_tokenizer *tk;
    unspin_candidates *lc;
    double ndocs;
    /* query */
    mt_words q;
    float *qw;               /* weight of each query content word */
    size_t *syn_first;       /* CSR: synonyms of content word i are syn[syn_first[i] .. syn_first[i+1]) */
    uint64_t *syn;
    size_t nsyn, capsyn, capqw, capsf;
    mt_pair *synpairs;       /* (key, content index) while collecting */
    size_t nsp, capsp;
    /* query keys -> the query words they match (open addressing; chains of entries) */
    uint64_t *ht_key;
    uint32_t *ht_head;
    size_t ht_cap, capht_key, capht_head;
    uint32_t *ent_i, *ent_next;
    uint8_t *ent_syn;
    size_t nent, capent_i, capent_next, capent_syn;
    /* retrieval */
    float *vote;
    uint32_t *mark;
    uint32_t gen;
    uint32_t *touched;
    size_t ntouched;
    mt_cand *cands;
    size_t capcands;
    /* verification */
    mt_words s;
    float *sw;
    size_t capsw;
    float *row0, *row1;
    size_t caprow0, caprow1;
    unsigned char *dir;
    size_t capdir;
    uint32_t *jmap, *imap, *qpos; /* source / query words that can match, a query word's place in imap */
    size_t capjmap, capimap, capqpos;
    uint32_t *ai, *aj;        /* aligned pairs */
    uint8_t *asyn;
    size_t capai, capaj, capasyn;
    /* results */
    unspin_match_hit *hits;
    size_t caphits;
    unspin_match_span *spans;
    size_t nspans, capspans;
    unspin_match_result res;
};

void unspin_match_opts_default(unspin_match_opts *opts)
{
    if (!opts)
        return;
    opts->top = 5;
    opts->min_score = 0.5;
    opts->candidates = 50;
    opts->synonym_weight = 0.8;
}

int unspin_matcher_create(const unspin_match_index *ix, const unspin_lexicon *lex,
                          const unspin_match_opts *opts, unspin_matcher **out, unspin_error *err)
{
    if (!ix || !out)
        return us_error(err, UNSPIN_E_INVALID, "unspin_matcher_create: NULL argument");
    *out = NULL;
    if (!ix->finished)
        return us_error(err, UNSPIN_E_INVALID, "unspin_matcher_create: the index is not finished");
    unspin_match_opts o;
    unspin_match_opts_default(&o);
    if (opts)
        o = *opts;
    if (o.top == 0)
        o.top = 5;
    if (o.candidates < o.top)
        o.candidates = o.top;
    if (!(o.synonym_weight >= 0 && o.synonym_weight <= 1) || !(o.min_score >= 0 && o.min_score <= 1))
        return us_error(err, UNSPIN_E_INVALID, "unspin_matcher_create: synonym_weight and min_score must be in [0,1]");
    unspin_matcher *m = us_calloc(1, sizeof *m);
    if (!m)
        return us_error(err, UNSPIN_E_NOMEM, "match: out of memory (matcher)");
    m->ix = ix;
    m->lex = lex;
    m->o = o;
    m->ndocs = (double)ix->ndocs;
    int rc = unspin_tokenizer_create(&m->tk, err);
    if (!rc && lex)
        rc = unspin_candidates_create(&m->lc, err);
    if (!rc) {
        size_t n = ix->ndocs ? (size_t)ix->ndocs : 1;
        m->vote = us_calloc(n, sizeof *m->vote);
        m->mark = us_calloc(n, sizeof *m->mark);
        m->touched = us_calloc(n, sizeof *m->touched);
        if (!m->vote || !m->mark || !m->touched)
            rc = us_error(err, UNSPIN_E_NOMEM, "match: out of memory (matcher)");
    }
    if (rc) {
        unspin_matcher_free(m);
        return rc;
    }
    *out = m;
    return UNSPIN_OK;
}

void unspin_matcher_free(unspin_matcher *m)
{
    if (!m)
        return;
    unspin_tokenizer_free(m->tk);
    unspin_candidates_free(m->lc);
    mt_words_free(&m->q);
    mt_words_free(&m->s);
    us_free(m->qw);
    us_free(m->syn_first);
    us_free(m->syn);
    us_free(m->synpairs);
    us_free(m->ht_key);
    us_free(m->ht_head);
    us_free(m->ent_i);
    us_free(m->ent_next);
    us_free(m->ent_syn);
    us_free(m->vote);
    us_free(m->mark);
    us_free(m->touched);
    us_free(m->cands);
    us_free(m->sw);
    us_free(m->row0);
    us_free(m->row1);
    us_free(m->dir);
    us_free(m->jmap);
    us_free(m->imap);
    us_free(m->qpos);
    us_free(m->ai);
    us_free(m->aj);
    us_free(m->asyn);
    us_free(m->hits);
    us_free(m->spans);
    us_free(m);
}

/* Weight of a stem from its document frequency (BM25's idf, at least 0.1). */
static float mt_idf(const unspin_matcher *m, double df)
{
    double v = log(1.0 + (m->ndocs - df + 0.5) / (df + 0.5));
    return (float)(v < 0.1 ? 0.1 : v);
}

static int mt_add_syn(unspin_matcher *m, uint64_t key, size_t content, unspin_error *err)
{
    if (m->nsp == m->capsp && us_grow((void **)&m->synpairs, &m->capsp, m->nsp + 1, sizeof *m->synpairs))
        return us_error(err, UNSPIN_E_NOMEM, "match: out of memory (synonyms)");
    m->synpairs[m->nsp++] = (mt_pair){key, (uint32_t)content};
    return UNSPIN_OK;
}

static int mt_pair_cmp_doc(const void *a, const void *b)
{
    const mt_pair *x = a, *y = b;
    if (x->doc != y->doc)
        return x->doc < y->doc ? -1 : 1;
    return x->key < y->key ? -1 : x->key > y->key;
}

/* The lexicon's candidate originals of every query content word, as stem keys. */
static int mt_synonyms(unspin_matcher *m, unspin_error *err)
{
    mt_words *q = &m->q;
    m->nsp = 0;
    if (m->lex) {
        char stem[MT_STEM_MAX];
        for (size_t r = 0; r < q->nraw; r++) {
            if (!q->raw[r].lookup || q->raw[r].content < 0)
                continue;
            const char *words[4];
            size_t lens[4], n = 0;
            for (size_t k = r; k < q->nraw && n < 4; k++) {
                if ((k > r && q->raw[k].brk) || !q->raw[k].lookup)
                    break;
                words[n] = q->pool + q->raw[k].norm_off;
                lens[n] = q->raw[k].norm_len;
                n++;
            }
            const unspin_candidate *c;
            size_t nc;
            US_TRY(unspin_lexicon_lookup(m->lex, words, lens, n, m->lc, &c, &nc, err));
            for (size_t i = 0; i < nc; i++) {
                if (c[i].span < 1 || c[i].span > n)
                    continue;
                /* every content word of the candidate, for every content word of the span */
                const char *t = c[i].text, *end = c[i].text + c[i].text_length;
                while (t < end) {
                    const char *sp = memchr(t, ' ', (size_t)(end - t));
                    size_t wl = sp ? (size_t)(sp - t) : (size_t)(end - t);
                    size_t sn = mt_stem(t, wl, stem, sizeof stem);
                    if (sn > 0) {
                        uint64_t key = mt_key(stem, sn);
                        for (size_t k = r; k < r + c[i].span; k++)
                            if (q->raw[k].content >= 0 && key != q->key[q->raw[k].content])
                                US_TRY(mt_add_syn(m, key, (size_t)q->raw[k].content, err));
                    }
                    t += wl + 1;
                }
            }
        }
    }
    if (m->nsp > 1)
        qsort(m->synpairs, m->nsp, sizeof *m->synpairs, mt_pair_cmp_doc);
    if (m->nsp > m->capsyn && us_grow((void **)&m->syn, &m->capsyn, m->nsp, sizeof *m->syn))
        return us_error(err, UNSPIN_E_NOMEM, "match: out of memory (synonyms)");
    m->nsyn = 0;
    size_t p = 0;
    for (size_t i = 0; i < q->n; i++) {
        m->syn_first[i] = m->nsyn;
        for (; p < m->nsp && m->synpairs[p].doc == i; p++)
            if (m->nsyn == m->syn_first[i] || m->syn[m->nsyn - 1] != m->synpairs[p].key)
                m->syn[m->nsyn++] = m->synpairs[p].key;
    }
    m->syn_first[q->n] = m->nsyn;
    return UNSPIN_OK;
}

static int mt_cand_cmp(const void *a, const void *b)
{
    const mt_cand *x = a, *y = b;
    if (x->vote != y->vote)
        return x->vote > y->vote ? -1 : 1;
    return x->doc < y->doc ? -1 : x->doc > y->doc;
}

/* Add v to the vote of every document containing key (once per query
 * word). A stem in more than a quarter of a large collection says little
 * about which document is the source: its weight goes to *common, which is
 * added to every document's bound instead of walking its long list. */
static void mt_vote(unspin_matcher *m, uint64_t key, float v, float *common)
{
    uint32_t count;
    const unsigned char *p = mt_postings(m->ix, key, &count);
    if (count > 64 && count > m->ndocs / 4) {
        if (v > *common)
            *common = v;
        return;
    }
    for (uint32_t k = 0; k < count; k++) {
        uint32_t d = us_load32(p + (size_t)k * 4);
        if (m->mark[d] == m->gen)
            continue;
        m->mark[d] = m->gen;
        if (m->vote[d] == 0)
            m->touched[m->ntouched++] = d;
        m->vote[d] += v;
    }
}

static void mt_next_gen(unspin_matcher *m)
{
    if (++m->gen == 0) {
        memset(m->mark, 0, (size_t)m->ix->ndocs * sizeof *m->mark);
        m->gen = 1;
    }
}

/* Retrieval: weights of the query words and the best candidate documents. */
static int mt_retrieve(unspin_matcher *m, size_t *ncands, double *extra, unspin_error *err)
{
    mt_words *q = &m->q;
    m->ntouched = 0;
    *extra = 0;
    for (size_t i = 0; i < q->n; i++) {
        uint32_t df;
        (void)mt_postings(m->ix, q->key[i], &df);
        /* a spun word the collection does not know weighs what its most
         * common known candidate original weighs */
        uint32_t best = df;
        for (size_t k = m->syn_first[i]; k < m->syn_first[i + 1]; k++) {
            uint32_t c;
            (void)mt_postings(m->ix, m->syn[k], &c);
            if (c > best)
                best = c;
        }
        m->qw[i] = mt_idf(m, best ? best : 1);
        mt_next_gen(m);
        float common = 0;
        if (df)
            mt_vote(m, q->key[i], m->qw[i], &common);
        for (size_t k = m->syn_first[i]; k < m->syn_first[i + 1]; k++)
            mt_vote(m, m->syn[k], m->qw[i] * (float)m->o.synonym_weight, &common);
        *extra += common;
    }
    if (m->ntouched > m->capcands && us_grow((void **)&m->cands, &m->capcands, m->ntouched, sizeof *m->cands))
        return us_error(err, UNSPIN_E_NOMEM, "match: out of memory (candidates)");
    for (size_t k = 0; k < m->ntouched; k++) {
        uint32_t d = m->touched[k];
        m->cands[k] = (mt_cand){d, m->vote[d]};
        m->vote[d] = 0;
    }
    if (m->ntouched > 1)
        qsort(m->cands, m->ntouched, sizeof *m->cands, mt_cand_cmp);
    *ncands = m->ntouched < m->o.candidates ? m->ntouched : m->o.candidates;
    return UNSPIN_OK;
}

#define MT_NONE UINT32_MAX

/* Slot of key in the query table (its slot, or the empty slot where it goes). */
static size_t mt_ht_slot(const unspin_matcher *m, uint64_t key)
{
    size_t mask = m->ht_cap - 1, s = (size_t)(key ^ (key >> 29)) & mask;
    while (m->ht_key[s] && m->ht_key[s] != key)
        s = (s + 1) & mask;
    return s;
}

static int mt_ht_add(unspin_matcher *m, uint64_t key, size_t i, int syn, unspin_error *err)
{
    if (us_grow((void **)&m->ent_i, &m->capent_i, m->nent + 1, sizeof *m->ent_i) ||
        us_grow((void **)&m->ent_next, &m->capent_next, m->nent + 1, sizeof *m->ent_next) ||
        us_grow((void **)&m->ent_syn, &m->capent_syn, m->nent + 1, sizeof *m->ent_syn))
        return us_error(err, UNSPIN_E_NOMEM, "match: out of memory (query table)");
    size_t s = mt_ht_slot(m, key);
    if (!m->ht_key[s]) {
        m->ht_key[s] = key;
        m->ht_head[s] = MT_NONE;
    }
    m->ent_i[m->nent] = (uint32_t)i;
    m->ent_syn[m->nent] = (uint8_t)syn;
    m->ent_next[m->nent] = m->ht_head[s];
    m->ht_head[s] = (uint32_t)m->nent++;
    return UNSPIN_OK;
}

/* Build the table of the query's keys and synonym keys (keys are never 0). */
static int mt_ht_build(unspin_matcher *m, unspin_error *err)
{
    size_t need = 2 * (m->q.n + m->nsyn) + 16, cap = 16;
    while (cap < need)
        cap *= 2;
    if (us_grow((void **)&m->ht_key, &m->capht_key, cap, sizeof *m->ht_key) ||
        us_grow((void **)&m->ht_head, &m->capht_head, cap, sizeof *m->ht_head))
        return us_error(err, UNSPIN_E_NOMEM, "match: out of memory (query table)");
    m->ht_cap = cap;
    memset(m->ht_key, 0, cap * sizeof *m->ht_key);
    m->nent = 0;
    for (size_t i = 0; i < m->q.n; i++) {
        US_TRY(mt_ht_add(m, m->q.key[i], i, 0, err));
        for (size_t k = m->syn_first[i]; k < m->syn_first[i + 1]; k++)
            US_TRY(mt_ht_add(m, m->syn[k], i, 1, err));
    }
    return UNSPIN_OK;
}

/* Weighted LCS of the matchable query words imap[qa, qb) and source words
 * jmap[sa, sb); appends the aligned pairs (as word numbers). */
static int mt_align(unspin_matcher *m, size_t qa, size_t qb, size_t sa, size_t sb, size_t *nal,
                    unspin_error *err)
{
    size_t n = qb - qa, k = sb - sa;
    if (n == 0 || k == 0)
        return UNSPIN_OK;
    size_t cells = n * k;
    if (us_grow((void **)&m->row0, &m->caprow0, k + 1, sizeof *m->row0) ||
        us_grow((void **)&m->row1, &m->caprow1, k + 1, sizeof *m->row1) ||
        us_grow((void **)&m->dir, &m->capdir, cells, 1))
        return us_error(err, UNSPIN_E_NOMEM, "match: out of memory (alignment)");
    /* the matching pairs first: dir = 1 identical, 2 synonym, 0 none */
    memset(m->dir, 0, cells);
    for (size_t j = 0; j < k; j++) {
        size_t s = mt_ht_slot(m, m->s.key[m->jmap[sa + j]]);
        for (uint32_t e = m->ht_head[s]; e != MT_NONE; e = m->ent_next[e]) {
            size_t i = m->qpos[m->ent_i[e]];
            if (i < qa || i >= qb)
                continue;
            unsigned char code = m->ent_syn[e] ? 2 : 1, *d = &m->dir[(i - qa) * k + j];
            if (!*d || code < *d)
                *d = code;
        }
    }
    float synw = (float)m->o.synonym_weight;
    float *prev = m->row0, *cur = m->row1;
    for (size_t j = 0; j <= k; j++)
        prev[j] = 0;
    for (size_t i = 0; i < n; i++) {
        cur[0] = 0;
        unsigned char *d = m->dir + i * k;
        for (size_t j = 0; j < k; j++) {
            float up = prev[j + 1], left = cur[j];
            float best = up;
            unsigned char dir = 0; /* 0: skip query word, 1: skip source word, 2/3: aligned (3: synonym) */
            if (left > best) {
                best = left;
                dir = 1;
            }
            unsigned char code = d[j];
            if (code) {
                float w = m->qw[m->imap[qa + i]], g = code == 1 ? w : w * synw;
                if (prev[j] + g > best) {
                    best = prev[j] + g;
                    dir = code == 1 ? 2 : 3;
                }
            }
            cur[j + 1] = best;
            d[j] = dir;
        }
        float *t = prev;
        prev = cur;
        cur = t;
    }
    /* trace back */
    size_t first = *nal, i = n, j = k;
    while (i > 0 && j > 0) {
        unsigned char dir = m->dir[(i - 1) * k + (j - 1)];
        if (dir >= 2) {
            if (us_grow((void **)&m->ai, &m->capai, *nal + 1, sizeof *m->ai) ||
                us_grow((void **)&m->aj, &m->capaj, *nal + 1, sizeof *m->aj) ||
                us_grow((void **)&m->asyn, &m->capasyn, *nal + 1, sizeof *m->asyn))
                return us_error(err, UNSPIN_E_NOMEM, "match: out of memory (alignment)");
            m->ai[*nal] = m->imap[qa + i - 1];
            m->aj[*nal] = m->jmap[sa + j - 1];
            m->asyn[*nal] = dir == 3;
            (*nal)++;
            i--;
            j--;
        } else if (dir == 1) {
            j--;
        } else {
            i--;
        }
    }
    /* reverse the pairs appended */
    for (size_t a = first, b = *nal; a + 1 < b; a++, b--) {
        uint32_t t = m->ai[a]; m->ai[a] = m->ai[b - 1]; m->ai[b - 1] = t;
        t = m->aj[a]; m->aj[a] = m->aj[b - 1]; m->aj[b - 1] = t;
        uint8_t s = m->asyn[a]; m->asyn[a] = m->asyn[b - 1]; m->asyn[b - 1] = s;
    }
    return UNSPIN_OK;
}

/* Ranking key: the harmonic mean of score and coverage, so that a short
 * query prefers a source of its own size to a long one that also contains
 * its words. */
static double mt_rank(double score, double coverage)
{
    return score + coverage > 0 ? 2 * score * coverage / (score + coverage) : 0;
}

static int mt_hit_cmp(const void *a, const void *b)
{
    const unspin_match_hit *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    if (x->containment != y->containment)
        return x->containment > y->containment ? -1 : 1;
    if (x->coverage != y->coverage)
        return x->coverage > y->coverage ? -1 : 1;
    return x->doc < y->doc ? -1 : x->doc > y->doc;
}

/* Align the query with document doc and fill *h (its spans appended to m->spans). */
static int mt_verify(unspin_matcher *m, uint32_t doc, unspin_match_hit *h, unspin_error *err)
{
    const char *name, *text;
    size_t len;
    (void)unspin_match_index_document(m->ix, doc, &name, &text, &len);
    US_TRY(mt_scan(m->tk, text, len, false, &m->s, err));
    mt_words *s = &m->s;
    if (s->n > m->capsw && us_grow((void **)&m->sw, &m->capsw, s->n, sizeof *m->sw))
        return us_error(err, UNSPIN_E_NOMEM, "match: out of memory (alignment)");
    double stotal = 0, qtotal = 0;
    for (size_t j = 0; j < s->n; j++) {
        uint32_t df;
        (void)mt_postings(m->ix, s->key[j], &df);
        m->sw[j] = mt_idf(m, df ? df : 1);
        stotal += m->sw[j];
    }
    for (size_t i = 0; i < m->q.n; i++)
        qtotal += m->qw[i];
    /* only words that can match take part in the alignment: source words
     * whose key is in the query table, query words that one of them matches */
    if (us_grow((void **)&m->jmap, &m->capjmap, s->n + 1, sizeof *m->jmap) ||
        us_grow((void **)&m->imap, &m->capimap, m->q.n + 1, sizeof *m->imap) ||
        us_grow((void **)&m->qpos, &m->capqpos, m->q.n + 1, sizeof *m->qpos))
        return us_error(err, UNSPIN_E_NOMEM, "match: out of memory (alignment)");
    for (size_t i = 0; i < m->q.n; i++)
        m->qpos[i] = MT_NONE;
    size_t ns = 0, nq = 0;
    for (size_t j = 0; j < s->n; j++) {
        size_t slot = mt_ht_slot(m, s->key[j]);
        if (!m->ht_key[slot])
            continue;
        m->jmap[ns++] = (uint32_t)j;
        for (uint32_t e = m->ht_head[slot]; e != MT_NONE; e = m->ent_next[e])
            m->qpos[m->ent_i[e]] = 0;
    }
    for (size_t i = 0; i < m->q.n; i++)
        if (m->qpos[i] == 0) {
            m->qpos[i] = (uint32_t)nq;
            m->imap[nq++] = (uint32_t)i;
        }
    /* align in bands of at most MT_MAX_CELLS cells (diagonal blocks) */
    size_t nal = 0;
    size_t bands = 1;
    while ((nq / bands + 1) * (ns / bands + 1) > MT_MAX_CELLS)
        bands *= 2;
    for (size_t b = 0; b < bands; b++)
        US_TRY(mt_align(m, nq * b / bands, nq * (b + 1) / bands, ns * b / bands, ns * (b + 1) / bands, &nal, err));
    double qgot = 0, sgot = 0;
    size_t nsyn = 0;
    for (size_t a = 0; a < nal; a++) {
        qgot += m->asyn[a] ? m->qw[m->ai[a]] * m->o.synonym_weight : m->qw[m->ai[a]];
        sgot += m->asyn[a] ? m->sw[m->aj[a]] * m->o.synonym_weight : m->sw[m->aj[a]];
        nsyn += m->asyn[a];
    }
    h->doc = doc;
    h->name = name;
    h->containment = qtotal > 0 ? qgot / qtotal : 0;
    h->coverage = stotal > 0 ? sgot / stotal : 0;
    if (h->containment > 1) h->containment = 1;
    if (h->coverage > 1) h->coverage = 1;
    h->score = mt_rank(h->containment, h->coverage);
    h->matched = nal;
    h->synonyms = nsyn;
    h->spans = NULL;
    h->nspans = 0;
    /* runs: consecutive pairs with at most 2 unaligned content words between them on either side */
    size_t first_span = m->nspans;
    for (size_t a = 0; a < nal;) {
        size_t e = a + 1, syn = m->asyn[a];
        while (e < nal && m->ai[e] - m->ai[e - 1] <= 3 && m->aj[e] - m->aj[e - 1] <= 3) {
            syn += m->asyn[e];
            e++;
        }
        if (e - a >= 2) {
            if (m->nspans == m->capspans &&
                us_grow((void **)&m->spans, &m->capspans, m->nspans + 1, sizeof *m->spans))
                return us_error(err, UNSPIN_E_NOMEM, "match: out of memory (spans)");
            m->spans[m->nspans++] = (unspin_match_span){
                m->q.start[m->ai[a]], m->q.end[m->ai[e - 1]], s->start[m->aj[a]], s->end[m->aj[e - 1]], e - a, syn};
        }
        a = e;
    }
    h->nspans = m->nspans - first_span;
    h->spans = (const unspin_match_span *)(uintptr_t)first_span; /* an index until the end */
    return UNSPIN_OK;
}

int unspin_match_query(unspin_matcher *m, const char *text, size_t len, const unspin_match_result **out,
                       unspin_error *err)
{
    if (!m || !out || (!text && len))
        return us_error(err, UNSPIN_E_INVALID, "unspin_match_query: NULL argument");
    *out = NULL;
    m->res = (unspin_match_result){0};
    m->nspans = 0;
    if (!text)
        text = "";
    US_TRY(mt_scan(m->tk, text, len, m->lex != NULL, &m->q, err));
    mt_words *q = &m->q;
    if (us_grow((void **)&m->qw, &m->capqw, q->n + 1, sizeof *m->qw) ||
        us_grow((void **)&m->syn_first, &m->capsf, q->n + 1, sizeof *m->syn_first))
        return us_error(err, UNSPIN_E_NOMEM, "match: out of memory (query)");
    US_TRY(mt_synonyms(m, err));
    size_t nc = 0;
    double extra = 0; /* weight of common words, part of every document's bound */
    US_TRY(mt_retrieve(m, &nc, &extra, err));
    US_TRY(mt_ht_build(m, err));
    if (us_grow((void **)&m->hits, &m->caphits, nc + 1, sizeof *m->hits))
        return us_error(err, UNSPIN_E_NOMEM, "match: out of memory (hits)");
    double qtotal = 0;
    for (size_t i = 0; i < q->n; i++)
        qtotal += m->qw[i];
    /* candidates in order of their vote, which bounds their score from above
     * (a query word aligns at most once, with at most the weight it voted
     * with): stop when no later candidate can enter the top hits */
    size_t nh = 0;
    double kth = 0;
    for (size_t c = 0; c < nc; c++) {
        double bound = qtotal > 0 ? (m->cands[c].vote + extra) / qtotal + 1e-5 : 0;
        bound = mt_rank(bound, 1);
        if (bound < m->o.min_score || (nh >= m->o.top && bound < kth))
            break;
        unspin_match_hit *h = &m->hits[nh];
        US_TRY(mt_verify(m, m->cands[c].doc, h, err));
        if (h->score >= m->o.min_score && h->matched > 0) {
            nh++;
            if (nh >= m->o.top) { /* the top-th best ranking key so far */
                if (nh > 1)
                    qsort(m->hits, nh, sizeof *m->hits, mt_hit_cmp);
                kth = m->hits[m->o.top - 1].score;
            }
        } else {
            m->nspans -= h->nspans;
        }
    }
    if (nh > 1)
        qsort(m->hits, nh, sizeof *m->hits, mt_hit_cmp);
    if (nh > m->o.top)
        nh = m->o.top;
    for (size_t i = 0; i < nh; i++)
        m->hits[i].spans = m->hits[i].nspans ? m->spans + (size_t)(uintptr_t)m->hits[i].spans : NULL;
    m->res.hits = m->hits;
    m->res.nhits = nh;
    m->res.nwords = q->n;
    *out = &m->res;
    return UNSPIN_OK;
}
