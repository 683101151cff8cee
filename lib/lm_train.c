/*
 * lm_train.c - n-gram counting and interpolated modified Kneser-Ney
 * estimation, with the definitions of KenLM's lmplz (docs/lm-training.md).
 *
 * Pipeline:
 *  1. count: every sentence <s> w1 .. wk </s> gives k+1 windows of N word ids
 *     (padded on the left with <s>, as lmplz does), counted in an
 *     open-addressing hash table of packed id tuples. When the table would
 *     outgrow opts.memory it is sorted and spilled to a run file.
 *  2. merge: the runs (or the in-memory table) are read back in "suffix
 *     order" (newest word most significant), summing equal keys (k-way heap).
 *  3. adjust: in that order the n-gram suffixes of every order are grouped,
 *     so one pass gives lmplz's adjusted counts: the number of distinct left
 *     extensions, or the raw count for n-grams that begin with <s>.
 *  4. discounts D1, D2, D3+ per order from the counts-of-counts.
 *  5. probabilities, lowest order first: p(w|h) = (a(hw) - D(a(hw))) / a(h.)
 *     + gamma(h) p(w|h'); unigrams are interpolated with the uniform
 *     distribution over the vocabulary less <s>; back-off(h) = gamma(h).
 *  6. write through lm_sink (lm_writer or ARPA text).
 */
#include "lm_train.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define W_UNK 0u
#define W_BOS 1u
#define W_EOS 2u
#define MAX_N UNSPIN_LM_MAX_ORDER

/* ===================================================================
 * Sink: lm_writer or ARPA text
 * =================================================================== */

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

int lm_sink_open(lm_sink *s, const char *path, int order, const uint64_t *counts, unspin_error *err)
{
    memset(s, 0, sizeof *s);
    if (order < 1 || order > MAX_N)
        return us_error(err, UNSPIN_E_INVALID, "model order %d out of range 1..%d", order, MAX_N);
    s->order = order;
    s->cur_n = 1;
    memcpy(s->counts, counts, sizeof(uint64_t) * (size_t)order);
    s->path = us_malloc(strlen(path) + 1);
    if (!s->path)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    strcpy(s->path, path);
    if (ends_with(path, ".arpa")) {
        /* the body goes to a temporary file first: the header needs the
         * numbers of n-grams actually written */
        s->arpa = tmpfile();
        if (!s->arpa)
            return us_error(err, UNSPIN_E_IO, "%s: temporary file: %s", path, strerror(errno));
        memset(s->counts, 0, sizeof s->counts);
        fputs("\n\\1-grams:\n", s->arpa);
        return UNSPIN_OK;
    }
    return lm_writer_create(&s->w, order, counts, err);
}

static void arpa_float(FILE *f, float v)
{
    if (v == 0.0f)
        fputs("0", f);
    else
        fprintf(f, "%.7g", (double)v);
}

int lm_sink_word(lm_sink *s, const char *word, size_t len, float logprob, float backoff, unspin_error *err)
{
    if (s->w)
        return lm_writer_add_word(s->w, word, len, logprob, backoff, err);
    if (us_grow((void **)&s->words, &s->words_cap, (size_t)s->nwords + 1, sizeof(char *)) < 0)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    char *copy = us_malloc(len + 1);
    if (!copy)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    memcpy(copy, word, len);
    copy[len] = 0;
    s->words[s->nwords++] = copy;
    s->counts[0]++;
    arpa_float(s->arpa, logprob);
    fprintf(s->arpa, "\t%s", copy);
    if (s->order > 1) {
        fputc('\t', s->arpa);
        arpa_float(s->arpa, backoff);
    }
    fputc('\n', s->arpa);
    return UNSPIN_OK;
}

int lm_sink_ngram(lm_sink *s, int n, const uint32_t *ids, float logprob, float backoff, unspin_error *err)
{
    if (s->w)
        return lm_writer_add(s->w, n, ids, logprob, backoff, err);
    if (n < s->cur_n || n > s->order)
        return us_error(err, UNSPIN_E_INVALID, "%s: n-grams of order %d out of sequence", s->path, n);
    while (s->cur_n < n)
        fprintf(s->arpa, "\n\\%d-grams:\n", ++s->cur_n);
    s->counts[n - 1]++;
    arpa_float(s->arpa, logprob);
    for (int i = 0; i < n; i++) {
        if (ids[i] >= s->nwords)
            return us_error(err, UNSPIN_E_INVALID, "%s: word id %u out of range", s->path, ids[i]);
        fprintf(s->arpa, "%c%s", i ? ' ' : '\t', s->words[ids[i]]);
    }
    if (n < s->order && backoff != 0.0f) {
        fputc('\t', s->arpa);
        arpa_float(s->arpa, backoff);
    }
    fputc('\n', s->arpa);
    return UNSPIN_OK;
}

int lm_sink_finish(lm_sink *s, unspin_error *err)
{
    if (s->w)
        return lm_writer_finish(s->w, s->path, &(lm_write_opts){0}, err);
    while (s->cur_n < s->order)
        fprintf(s->arpa, "\n\\%d-grams:\n", ++s->cur_n);
    fputs("\n\\end\\\n", s->arpa);
    int bad = ferror(s->arpa) || fflush(s->arpa) != 0;
    FILE *out = bad ? NULL : fopen(s->path, "w");
    if (!bad && !out)
        return us_error(err, UNSPIN_E_IO, "%s: %s", s->path, strerror(errno));
    if (out) {
        fputs("\n\\data\\\n", out);
        for (int n = 1; n <= s->order; n++)
            fprintf(out, "ngram %d=%llu\n", n, (unsigned long long)s->counts[n - 1]);
        rewind(s->arpa);
        char buf[65536];
        size_t r;
        while ((r = fread(buf, 1, sizeof buf, s->arpa)) > 0)
            if (fwrite(buf, 1, r, out) != r)
                bad = 1;
        if (ferror(s->arpa))
            bad = 1;
        if (fclose(out) != 0)
            bad = 1;
    }
    fclose(s->arpa);
    s->arpa = NULL;
    if (bad)
        return us_error(err, UNSPIN_E_IO, "%s: write error", s->path);
    return UNSPIN_OK;
}

void lm_sink_free(lm_sink *s)
{
    if (s->w)
        lm_writer_free(s->w);
    if (s->arpa)
        fclose(s->arpa);
    for (uint32_t i = 0; i < s->nwords; i++)
        us_free(s->words[i]);
    us_free(s->words);
    us_free(s->path);
    memset(s, 0, sizeof *s);
}

/* ===================================================================
 * Line splitting
 * =================================================================== */

static int is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

static int sp_push(lm_splitter *sp, size_t *nw, size_t *used, const char *w, size_t len, unspin_error *err)
{
    if (us_grow((void **)&sp->buf, &sp->buf_cap, *used + len + 1, 1) < 0)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    size_t cap = sp->cap;
    if (us_grow((void **)&sp->lens, &cap, *nw + 1, sizeof(size_t)) < 0)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    cap = sp->cap;
    if (us_grow((void **)&sp->offs, &cap, *nw + 1, sizeof(size_t)) < 0)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    cap = sp->cap;
    if (us_grow((void **)&sp->words, &cap, *nw + 1, sizeof(char *)) < 0)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    sp->cap = cap;
    memcpy(sp->buf + *used, w, len);
    sp->buf[*used + len] = 0;
    sp->offs[*nw] = *used;
    sp->lens[*nw] = len;
    *used += len + 1;
    (*nw)++;
    return UNSPIN_OK;
}

int lm_split_line(lm_splitter *sp, const char *line, size_t len, lm_words_fn fn, void *ctx, unspin_error *err)
{
    size_t nw = 0, used = 0;
    if (!sp->tk) {
        size_t i = 0;
        while (i < len) {
            while (i < len && is_space((unsigned char)line[i]))
                i++;
            size_t b = i;
            while (i < len && !is_space((unsigned char)line[i]))
                i++;
            if (i > b)
                US_TRY(sp_push(sp, &nw, &used, line + b, i - b, err));
        }
    } else {
        unspin_tokenizer_reset(sp->tk);
        size_t pos = 0;
        while (pos < len) {
            const unspin_token *toks;
            size_t nt, consumed;
            US_TRY(unspin_tokenize(sp->tk, line + pos, len - pos, 1, &toks, &nt, &consumed, err));
            for (size_t i = 0; i < nt; i++)
                if (toks[i].kind != UNSPIN_TOKEN_SPACE && toks[i].norm_length > 0)
                    US_TRY(sp_push(sp, &nw, &used, toks[i].norm, toks[i].norm_length, err));
            if (consumed == 0)
                break;
            pos += consumed;
        }
    }
    if (nw == 0)
        return UNSPIN_OK;
    for (size_t i = 0; i < nw; i++)
        sp->words[i] = sp->buf + sp->offs[i];
    return fn(ctx, sp->words, sp->lens, nw, err);
}

void lm_splitter_free(lm_splitter *sp)
{
    unspin_tokenizer_free(sp->tk);
    us_free(sp->buf);
    us_free(sp->words);
    us_free(sp->lens);
    us_free(sp->offs);
    memset(sp, 0, sizeof *sp);
}

/* ===================================================================
 * Records: N word ids (oldest first) + a 32-bit count, as uint32_t[N+1].
 * Suffix order compares the newest word first.
 * =================================================================== */

static int cmp_suffix(const uint32_t *a, const uint32_t *b, int n)
{
    for (int i = n - 1; i >= 0; i--)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

static void rec_swap(uint32_t *a, uint32_t *b, int w)
{
    for (int i = 0; i < w; i++) {
        uint32_t t = a[i];
        a[i] = b[i];
        b[i] = t;
    }
}

/* In-place quicksort of `count` records of w words keyed on the first n. */
static void sort_records(uint32_t *base, size_t count, int w, int n)
{
    while (count > 16) {
        uint32_t *lo = base, *mid = base + (count / 2) * (size_t)w, *hi = base + (count - 1) * (size_t)w;
        /* median of three into mid */
        if (cmp_suffix(mid, lo, n) < 0) rec_swap(mid, lo, w);
        if (cmp_suffix(hi, mid, n) < 0) {
            rec_swap(hi, mid, w);
            if (cmp_suffix(mid, lo, n) < 0) rec_swap(mid, lo, w);
        }
        uint32_t pivot[MAX_N + 1];
        memcpy(pivot, mid, sizeof(uint32_t) * (size_t)w);
        size_t i = 0, j = count - 1;
        for (;;) {
            while (cmp_suffix(base + i * (size_t)w, pivot, n) < 0) i++;
            while (cmp_suffix(base + j * (size_t)w, pivot, n) > 0) j--;
            if (i >= j)
                break;
            rec_swap(base + i * (size_t)w, base + j * (size_t)w, w);
            i++;
            j--;
        }
        /* [0..j] <= pivot <= [j+1..count) */
        size_t left = j + 1, right = count - left;
        if (left < right) {
            sort_records(base, left, w, n);
            base += left * (size_t)w;
            count = right;
        } else {
            sort_records(base + left * (size_t)w, right, w, n);
            count = left;
        }
    }
    for (size_t i = 1; i < count; i++)
        for (size_t k = i; k > 0 && cmp_suffix(base + k * (size_t)w, base + (k - 1) * (size_t)w, n) < 0; k--)
            rec_swap(base + k * (size_t)w, base + (k - 1) * (size_t)w, w);
}

/* ===================================================================
 * Trainer
 * =================================================================== */

struct unspin_lm_trainer {
    int order, w; /* w = order + 1 words per record */
    uint32_t prune[MAX_N]; /* opts.prune */
    size_t memory;
    char *tmpdir;
    lm_splitter sp;
    /* vocabulary */
    char *arena;
    size_t arena_len, arena_cap;
    uint64_t *woff; /* offset of word id in arena (NUL-terminated) */
    size_t woff_cap;
    uint32_t nwords;
    uint32_t *vslot; /* id + 1, 0 = empty */
    size_t vcap;
    /* counting table */
    uint32_t *tab;
    size_t tcap, tused;
    /* spilled runs */
    char **runs;
    size_t nruns, runs_cap;
    uint32_t *sent;
    size_t sent_cap;
    uint64_t tokens, sentences;
    int finished;
};

static const char *word_str(const unspin_lm_trainer *t, uint32_t id) { return t->arena + t->woff[id]; }

static int vocab_rehash(unspin_lm_trainer *t, size_t ncap, unspin_error *err)
{
    uint32_t *ns = us_calloc(ncap, sizeof(uint32_t));
    if (!ns)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory (vocabulary)");
    for (uint32_t id = 0; id < t->nwords; id++) {
        const char *s = word_str(t, id);
        size_t h = (size_t)us_hash(s, strlen(s)) & (ncap - 1);
        while (ns[h])
            h = (h + 1) & (ncap - 1);
        ns[h] = id + 1;
    }
    us_free(t->vslot);
    t->vslot = ns;
    t->vcap = ncap;
    return UNSPIN_OK;
}

static int vocab_id(unspin_lm_trainer *t, const char *word, size_t len, uint32_t *id, unspin_error *err)
{
    uint64_t hv = us_hash(word, len);
    size_t h = (size_t)hv & (t->vcap - 1);
    while (t->vslot[h]) {
        uint32_t cand = t->vslot[h] - 1;
        const char *s = word_str(t, cand);
        if (strncmp(s, word, len) == 0 && s[len] == 0) {
            *id = cand;
            return UNSPIN_OK;
        }
        h = (h + 1) & (t->vcap - 1);
    }
    if (t->nwords >= UINT32_MAX - 2)
        return us_error(err, UNSPIN_E_LIMIT, "more than %u distinct words", UINT32_MAX - 2);
    if (us_grow((void **)&t->arena, &t->arena_cap, t->arena_len + len + 1, 1) < 0 ||
        us_grow((void **)&t->woff, &t->woff_cap, (size_t)t->nwords + 1, sizeof(uint64_t)) < 0)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory (vocabulary)");
    memcpy(t->arena + t->arena_len, word, len);
    t->arena[t->arena_len + len] = 0;
    t->woff[t->nwords] = t->arena_len;
    t->arena_len += len + 1;
    t->vslot[h] = t->nwords + 1;
    *id = t->nwords++;
    if ((size_t)t->nwords * 2 > t->vcap)
        US_TRY(vocab_rehash(t, t->vcap * 2, err));
    return UNSPIN_OK;
}

int unspin_lm_trainer_create(unspin_lm_trainer **out, const unspin_lm_train_opts *opts, unspin_error *err)
{
    *out = NULL;
    if (!opts || opts->order < 1 || opts->order > MAX_N)
        return us_error(err, UNSPIN_E_INVALID, "model order %d out of range 1..%d", opts ? opts->order : 0, MAX_N);
    /* pruning by raw counts with thresholds that never decrease keeps the
     * model consistent: the prefix and suffix of a kept n-gram occur at least
     * as often as it, so they are kept too */
    if (opts->prune[0] != 0)
        return us_error(err, UNSPIN_E_INVALID, "unigrams cannot be pruned (prune threshold of order 1 must be 0)");
    for (int n = 1; n < MAX_N; n++)
        if (opts->prune[n] < opts->prune[n - 1])
            return us_error(err, UNSPIN_E_INVALID, "prune thresholds must not decrease with the order");
    unspin_lm_trainer *t = us_calloc(1, sizeof *t);
    if (!t)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    memcpy(t->prune, opts->prune, sizeof t->prune);
    t->order = opts->order;
    t->w = opts->order + 1;
    t->memory = opts->memory ? opts->memory : ((size_t)1 << 30);
    const char *dir = opts->tmpdir ? opts->tmpdir : "/tmp";
    t->tmpdir = us_malloc(strlen(dir) + 1);
    int rc = UNSPIN_OK;
    if (!t->tmpdir) {
        rc = us_error(err, UNSPIN_E_NOMEM, "out of memory");
        goto fail;
    }
    strcpy(t->tmpdir, dir);
    if (!opts->pretokenized && (rc = unspin_tokenizer_create(&t->sp.tk, err)) < 0)
        goto fail;
    if ((rc = vocab_rehash(t, 1024, err)) < 0)
        goto fail;
    static const char *const special[3] = {"<unk>", "<s>", "</s>"};
    for (int i = 0; i < 3; i++) {
        uint32_t id;
        if ((rc = vocab_id(t, special[i], strlen(special[i]), &id, err)) < 0)
            goto fail;
    }
    t->tcap = 1u << 16;
    while (t->tcap > 16 && t->tcap * sizeof(uint32_t) * (size_t)t->w > t->memory)
        t->tcap >>= 1;
    t->tab = us_calloc(t->tcap, sizeof(uint32_t) * (size_t)t->w);
    if (!t->tab) {
        rc = us_error(err, UNSPIN_E_NOMEM, "out of memory");
        goto fail;
    }
    *out = t;
    return UNSPIN_OK;
fail:
    unspin_lm_trainer_free(t);
    return rc;
}

void unspin_lm_trainer_free(unspin_lm_trainer *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nruns; i++) {
        unlink(t->runs[i]);
        us_free(t->runs[i]);
    }
    us_free(t->runs);
    lm_splitter_free(&t->sp);
    us_free(t->tmpdir);
    us_free(t->arena);
    us_free(t->woff);
    us_free(t->vslot);
    us_free(t->tab);
    us_free(t->sent);
    us_free(t);
}

/* Move the used records of the table to its front; returns their number. */
static size_t table_compact(unspin_lm_trainer *t)
{
    size_t w = (size_t)t->w, k = 0;
    for (size_t i = 0; i < t->tcap; i++) {
        uint32_t *r = t->tab + i * w;
        if (r[w - 1]) {
            if (k != i)
                memcpy(t->tab + k * w, r, w * sizeof(uint32_t));
            k++;
        }
    }
    return k;
}

static int spill(unspin_lm_trainer *t, unspin_error *err)
{
    size_t n = table_compact(t);
    sort_records(t->tab, n, t->w, t->order);
    size_t plen = strlen(t->tmpdir) + 32;
    char *path = us_malloc(plen);
    if (!path || us_grow((void **)&t->runs, &t->runs_cap, t->nruns + 1, sizeof(char *)) < 0) {
        us_free(path);
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    }
    snprintf(path, plen, "%s/unspin-run-XXXXXX", t->tmpdir);
    int fd = mkstemp(path);
    if (fd < 0) {
        int e = errno;
        us_error(err, UNSPIN_E_IO, "%s: cannot create a run file: %s", t->tmpdir, strerror(e));
        us_free(path);
        return UNSPIN_E_IO;
    }
    t->runs[t->nruns++] = path;
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        return us_error(err, UNSPIN_E_IO, "%s: %s", path, strerror(errno));
    }
    size_t wr = fwrite(t->tab, sizeof(uint32_t) * (size_t)t->w, n, f);
    int bad = wr != n || ferror(f);
    if (fclose(f) != 0)
        bad = 1;
    if (bad)
        return us_error(err, UNSPIN_E_IO, "%s: write error (disk full?)", path);
    memset(t->tab, 0, t->tcap * sizeof(uint32_t) * (size_t)t->w);
    t->tused = 0;
    return UNSPIN_OK;
}

static int table_grow(unspin_lm_trainer *t, unspin_error *err)
{
    size_t w = (size_t)t->w, rec = w * sizeof(uint32_t);
    size_t ncap = t->tcap * 2;
    if ((t->tcap + ncap) * rec > t->memory)
        return spill(t, err);
    uint32_t *nt = us_calloc(ncap, rec);
    if (!nt)
        return spill(t, err);
    for (size_t i = 0; i < t->tcap; i++) {
        const uint32_t *r = t->tab + i * w;
        if (!r[w - 1])
            continue;
        size_t h = (size_t)us_hash(r, (w - 1) * sizeof(uint32_t)) & (ncap - 1);
        while (nt[h * w + w - 1])
            h = (h + 1) & (ncap - 1);
        memcpy(nt + h * w, r, rec);
    }
    us_free(t->tab);
    t->tab = nt;
    t->tcap = ncap;
    return UNSPIN_OK;
}

static int count_window(unspin_lm_trainer *t, const uint32_t *key, unspin_error *err)
{
    size_t w = (size_t)t->w, n = w - 1;
    size_t h = (size_t)us_hash(key, n * sizeof(uint32_t)) & (t->tcap - 1);
    for (;;) {
        uint32_t *r = t->tab + h * w;
        if (!r[n]) {
            memcpy(r, key, n * sizeof(uint32_t));
            r[n] = 1;
            if (++t->tused * 4 > t->tcap * 3)
                return table_grow(t, err);
            return UNSPIN_OK;
        }
        if (memcmp(r, key, n * sizeof(uint32_t)) == 0) {
            if (r[n] < UINT32_MAX)
                r[n]++;
            return UNSPIN_OK;
        }
        h = (h + 1) & (t->tcap - 1);
    }
}

int unspin_lm_trainer_add_sentence(unspin_lm_trainer *t, const char *const *words, const size_t *lens, size_t n,
                                   unspin_error *err)
{
    if (t->finished)
        return us_error(err, UNSPIN_E_INVALID, "trainer already finished");
    if (n == 0)
        return UNSPIN_OK;
    if (us_grow((void **)&t->sent, &t->sent_cap, n + 2, sizeof(uint32_t)) < 0)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    t->sent[0] = W_BOS;
    for (size_t i = 0; i < n; i++) {
        uint32_t id;
        US_TRY(vocab_id(t, words[i], lens[i], &id, err));
        /* a literal "<s>" inside a sentence would break the padding logic */
        t->sent[i + 1] = id == W_BOS ? W_UNK : id;
    }
    t->sent[n + 1] = W_EOS;
    int N = t->order;
    uint32_t key[MAX_N];
    for (size_t i = 1; i <= n + 1; i++) {
        for (int k = 0; k < N; k++) {
            long pos = (long)i - (N - 1) + k;
            key[k] = pos < 0 ? W_BOS : t->sent[pos];
        }
        US_TRY(count_window(t, key, err));
    }
    t->tokens += n + 1;
    t->sentences++;
    return UNSPIN_OK;
}

static int add_words_cb(void *ctx, const char *const *words, const size_t *lens, size_t n, unspin_error *err)
{
    return unspin_lm_trainer_add_sentence(ctx, words, lens, n, err);
}

int unspin_lm_trainer_add_line(unspin_lm_trainer *t, const char *line, size_t len, unspin_error *err)
{
    return lm_split_line(&t->sp, line, len, add_words_cb, t, err);
}

/* ---- reading the counts back in suffix order ---- */

typedef struct run_reader {
    FILE *f;
    uint32_t *buf;
    size_t n, pos; /* records in buf, next record */
} run_reader;

typedef struct merger {
    int w, order;
    /* in-memory source */
    const uint32_t *mem;
    size_t mem_n, mem_pos;
    /* runs */
    run_reader *rd;
    size_t nrd;
    size_t *heap, nheap;
    uint32_t cur[MAX_N + 1];
    const char *const *paths;
} merger;

#define RUN_BUF 16384

static int rd_fill(merger *m, size_t i, unspin_error *err)
{
    run_reader *r = &m->rd[i];
    r->n = fread(r->buf, sizeof(uint32_t) * (size_t)m->w, RUN_BUF, r->f);
    r->pos = 0;
    if (r->n == 0 && ferror(r->f))
        return us_error(err, UNSPIN_E_IO, "%s: read error", m->paths[i]);
    return UNSPIN_OK;
}

static const uint32_t *rd_head(const merger *m, size_t i) { return m->rd[i].buf + m->rd[i].pos * (size_t)m->w; }

static int heap_less(const merger *m, size_t a, size_t b)
{
    return cmp_suffix(rd_head(m, a), rd_head(m, b), m->order) < 0;
}

static void heap_down(merger *m, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, s = i;
        if (l < m->nheap && heap_less(m, m->heap[l], m->heap[s])) s = l;
        if (r < m->nheap && heap_less(m, m->heap[r], m->heap[s])) s = r;
        if (s == i)
            return;
        size_t tmp = m->heap[i];
        m->heap[i] = m->heap[s];
        m->heap[s] = tmp;
        i = s;
    }
}

static int merger_open(merger *m, unspin_lm_trainer *t, unspin_error *err)
{
    memset(m, 0, sizeof *m);
    m->w = t->w;
    m->order = t->order;
    m->paths = (const char *const *)t->runs;
    m->nrd = t->nruns;
    m->rd = us_calloc(t->nruns, sizeof(run_reader));
    m->heap = us_calloc(t->nruns, sizeof(size_t));
    if (!m->rd || !m->heap)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    for (size_t i = 0; i < t->nruns; i++) {
        m->rd[i].f = fopen(t->runs[i], "rb");
        if (!m->rd[i].f)
            return us_error(err, UNSPIN_E_IO, "%s: %s", t->runs[i], strerror(errno));
        m->rd[i].buf = us_malloc(RUN_BUF * sizeof(uint32_t) * (size_t)m->w);
        if (!m->rd[i].buf)
            return us_error(err, UNSPIN_E_NOMEM, "out of memory");
        US_TRY(rd_fill(m, i, err));
        if (m->rd[i].n)
            m->heap[m->nheap++] = i;
    }
    for (size_t i = m->nheap; i-- > 0;)
        heap_down(m, i);
    return UNSPIN_OK;
}

static void merger_close(merger *m)
{
    for (size_t i = 0; i < m->nrd; i++) {
        if (m->rd[i].f)
            fclose(m->rd[i].f);
        us_free(m->rd[i].buf);
    }
    us_free(m->rd);
    us_free(m->heap);
}

/* Next unique record (counts summed) in suffix order; *got = 0 at the end. */
static int merger_next(merger *m, const uint32_t **rec, int *got, unspin_error *err)
{
    size_t w = (size_t)m->w;
    if (m->mem) {
        if (m->mem_pos >= m->mem_n) {
            *got = 0;
            return UNSPIN_OK;
        }
        *rec = m->mem + m->mem_pos++ * w;
        *got = 1;
        return UNSPIN_OK;
    }
    if (m->nheap == 0) {
        *got = 0;
        return UNSPIN_OK;
    }
    size_t top = m->heap[0];
    memcpy(m->cur, rd_head(m, top), w * sizeof(uint32_t));
    uint64_t count = 0;
    int first = 1;
    while (m->nheap) {
        top = m->heap[0];
        const uint32_t *h = rd_head(m, top);
        if (!first && cmp_suffix(h, m->cur, m->order) != 0)
            break;
        first = 0;
        count += h[w - 1];
        run_reader *r = &m->rd[top];
        if (++r->pos >= r->n)
            US_TRY(rd_fill(m, top, err));
        if (r->n == 0)
            m->heap[0] = m->heap[--m->nheap];
        heap_down(m, 0);
    }
    m->cur[w - 1] = count > UINT32_MAX ? UINT32_MAX : (uint32_t)count;
    *rec = m->cur;
    *got = 1;
    return UNSPIN_OK;
}

/* ---- per-order arrays ---- */

typedef struct order_arr {
    uint32_t *ids;   /* n per entry, oldest first; entries in suffix order */
    uint32_t *count; /* adjusted count */
    uint32_t *raw;   /* raw count (orders 2..N-1, only when pruning) */
    uint8_t *keep;   /* 1: written (only when pruning) */
    float *prob;     /* log10 */
    float *bo;       /* log10 back-off (gamma) */
    size_t n, cap;
} order_arr;

static int arr_push(order_arr *a, int n, const uint32_t *ids, uint32_t count, int with_raw, uint32_t raw)
{
    if (a->n == a->cap) {
        size_t ncap = a->cap ? a->cap * 2 : 1024;
        uint32_t *ni = us_realloc(a->ids, ncap * (size_t)n * sizeof(uint32_t));
        if (!ni)
            return UNSPIN_E_NOMEM;
        a->ids = ni;
        uint32_t *nc = us_realloc(a->count, ncap * sizeof(uint32_t));
        if (!nc)
            return UNSPIN_E_NOMEM;
        a->count = nc;
        if (with_raw) {
            uint32_t *nr = us_realloc(a->raw, ncap * sizeof(uint32_t));
            if (!nr)
                return UNSPIN_E_NOMEM;
            a->raw = nr;
        }
        a->cap = ncap;
    }
    memcpy(a->ids + a->n * (size_t)n, ids, (size_t)n * sizeof(uint32_t));
    if (with_raw)
        a->raw[a->n] = raw;
    a->count[a->n++] = count;
    return UNSPIN_OK;
}

typedef struct estimator {
    int order;
    uint32_t nwords;
    order_arr a[MAX_N + 1]; /* a[n] for n >= 2; unigrams in a[1] indexed by word id */
    double disc[MAX_N + 1][4];
    int fallback;
    int pruning;               /* some prune[] threshold is set */
    uint32_t prune[MAX_N + 1]; /* prune[n]: raw-count threshold of order n */
} estimator;

static void est_free(estimator *e)
{
    for (int n = 0; n <= MAX_N; n++) {
        us_free(e->a[n].ids);
        us_free(e->a[n].count);
        us_free(e->a[n].raw);
        us_free(e->a[n].keep);
        us_free(e->a[n].prob);
        us_free(e->a[n].bo);
    }
}

/* Step 3: adjusted counts from the suffix-ordered stream of N-gram counts. */
static int adjust_counts(estimator *e, merger *m, unspin_error *err)
{
    int N = e->order;
    order_arr *uni = &e->a[1];
    uni->n = uni->cap = e->nwords;
    uni->count = us_calloc(e->nwords, sizeof(uint32_t));
    uni->ids = us_malloc(sizeof(uint32_t) * e->nwords);
    if (!uni->count || !uni->ids)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    for (uint32_t i = 0; i < e->nwords; i++)
        uni->ids[i] = i;
    uint32_t prev[MAX_N + 1];
    uint64_t cur[MAX_N + 1] = {0}, raw[MAX_N + 1] = {0};
    int have_prev = 0, wr = e->pruning;
    for (;;) {
        const uint32_t *g;
        int got;
        US_TRY(merger_next(m, &g, &got, err));
        int L = 0;
        if (have_prev && got)
            while (L < N && prev[N - 1 - L] == g[N - 1 - L])
                L++;
        /* finish the lower-order grams whose suffix changed */
        if (have_prev) {
            int upto = got ? L + 1 : 1;
            for (int n = N - 1; n >= upto; n--) {
                uint32_t c = cur[n] > UINT32_MAX ? UINT32_MAX : (uint32_t)cur[n];
                uint32_t r = raw[n] > UINT32_MAX ? UINT32_MAX : (uint32_t)raw[n];
                if (n == 1)
                    uni->count[prev[N - 1]] = c;
                else if (prev[N - n] == W_BOS && prev[N - n + 1] == W_BOS)
                    continue; /* <s> <s> ...: left padding, not an n-gram */
                else if (arr_push(&e->a[n], n, prev + N - n, c, wr, r) < 0)
                    return us_error(err, UNSPIN_E_NOMEM, "out of memory (%d-grams)", n);
            }
        }
        if (!got)
            break;
        uint32_t c = g[N];
        if (N == 1) {
            uni->count[g[0]] = c;
        } else {
            int lead = 0;
            while (lead < N && g[lead] == W_BOS)
                lead++;
            if (lead <= 1 && arr_push(&e->a[N], N, g, c, 0, 0) < 0)
                return us_error(err, UNSPIN_E_NOMEM, "out of memory (%d-grams)", N);
            for (int n = 1; n < N; n++) {
                if (!have_prev || L < n)
                    cur[n] = raw[n] = 0;
                raw[n] += c; /* every window ending in this n-gram is one occurrence */
                if (g[N - n] == W_BOS)
                    cur[n] += c; /* begins with <s>: raw count */
                else if (!have_prev || L <= n)
                    cur[n] += 1; /* one more distinct left extension */
            }
        }
        memcpy(prev, g, sizeof(uint32_t) * (size_t)(N + 1));
        have_prev = 1;
    }
    return UNSPIN_OK;
}

/* Step 4: D1, D2, D3+ of each order from its counts-of-counts. */
static void discounts(estimator *e)
{
    for (int n = 1; n <= e->order; n++) {
        uint64_t cc[5] = {0};
        const order_arr *a = &e->a[n];
        for (size_t i = 0; i < a->n; i++) {
            if (n == 1 && (i == W_BOS || i == W_UNK))
                continue;
            if (a->count[i] >= 1 && a->count[i] <= 4)
                cc[a->count[i]]++;
        }
        double *d = e->disc[n];
        d[0] = 0;
        int ok = cc[1] && cc[2] && cc[3] && cc[4];
        if (ok) {
            double Y = (double)cc[1] / ((double)cc[1] + 2.0 * (double)cc[2]);
            for (int k = 1; k <= 3; k++) {
                d[k] = (double)k - (double)(k + 1) * Y * (double)cc[k + 1] / (double)cc[k];
                if (!(d[k] >= 0.0 && d[k] <= (double)k)) /* lmplz's BadDiscountException */
                    ok = 0;
            }
        }
        if (!ok) {
            d[1] = 0.5;
            d[2] = 1.0;
            d[3] = 1.5;
            e->fallback = 1;
        }
    }
}

static double disc_of(const estimator *e, int n, uint32_t c)
{
    return c == 0 ? 0.0 : e->disc[n][c >= 3 ? 3 : c];
}

/* Index of the (n)-gram key (oldest first) in the suffix-ordered a[n]. */
static size_t find_gram(const order_arr *a, int n, const uint32_t *key)
{
    if (n == 1)
        return key[0];
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_suffix(a->ids + mid * (size_t)n, key, n);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SIZE_MAX;
}

static float log10f_safe(double p)
{
    if (!(p > 0.0))
        return -99.0f;
    double l = log10(p);
    return l < -99.0 ? -99.0f : (float)l;
}

/* Step 5: probabilities and back-offs. */
static int estimate(estimator *e, unspin_error *err)
{
    int N = e->order;
    order_arr *uni = &e->a[1];
    uni->prob = us_malloc(sizeof(float) * uni->n);
    uni->bo = us_calloc(uni->n, sizeof(float));
    if (!uni->prob || !uni->bo)
        return us_error(err, UNSPIN_E_NOMEM, "out of memory");
    double S = 0, mass = 0;
    for (uint32_t w = 0; w < uni->n; w++) {
        if (w == W_BOS)
            continue;
        S += uni->count[w];
        mass += disc_of(e, 1, uni->count[w]);
    }
    if (S <= 0)
        return us_error(err, UNSPIN_E_INVALID, "no word counted");
    double gamma0 = mass / S, V = (double)(uni->n - 1);
    for (uint32_t w = 0; w < uni->n; w++) {
        if (w == W_BOS) {
            uni->prob[w] = -99.0f;
            continue;
        }
        double c = uni->count[w];
        double p = (c > 0 ? (c - disc_of(e, 1, uni->count[w])) / S : 0.0) + gamma0 / V;
        uni->prob[w] = log10f_safe(p);
    }
    for (int n = 2; n <= N; n++) {
        order_arr *a = &e->a[n], *lo = &e->a[n - 1];
        a->prob = us_malloc(sizeof(float) * (a->n ? a->n : 1));
        if (n < N)
            a->bo = us_calloc(a->n ? a->n : 1, sizeof(float));
        uint64_t *sum = us_calloc(lo->n ? lo->n : 1, sizeof(uint64_t));
        double *gm = us_calloc(lo->n ? lo->n : 1, sizeof(double));
        uint32_t *ctx = us_malloc(sizeof(uint32_t) * (a->n ? a->n : 1));
        if (e->pruning)
            a->keep = us_malloc(a->n ? a->n : 1);
        if (!a->prob || (n < N && !a->bo) || !sum || !gm || !ctx || (e->pruning && !a->keep)) {
            us_free(sum);
            us_free(gm);
            us_free(ctx);
            return us_error(err, UNSPIN_E_NOMEM, "out of memory (%d-grams)", n);
        }
        /* pass A: context totals */
        for (size_t i = 0; i < a->n; i++) {
            const uint32_t *g = a->ids + i * (size_t)n;
            size_t k = find_gram(lo, n - 1, g);
            if (k == SIZE_MAX || k >= lo->n || k > UINT32_MAX) {
                us_free(sum);
                us_free(gm);
                us_free(ctx);
                return us_error(err, UNSPIN_E_INVALID, "internal error: context of a %d-gram not counted", n);
            }
            ctx[i] = (uint32_t)k;
            sum[k] += a->count[i];
            gm[k] += disc_of(e, n, a->count[i]);
            if (e->pruning) {
                /* a pruned n-gram's discounted mass goes to its context's
                 * back-off, so every context stays normalised */
                uint32_t r = n < N ? a->raw[i] : a->count[i];
                a->keep[i] = r > e->prune[n];
                if (!a->keep[i])
                    gm[k] += (double)a->count[i] - disc_of(e, n, a->count[i]);
            }
        }
        for (size_t k = 0; k < lo->n; k++)
            if (sum[k]) {
                gm[k] /= (double)sum[k];
                lo->bo[k] = log10f_safe(gm[k]);
            }
        /* pass B: interpolate with the lower order (merge-join on suffixes) */
        size_t j = 0;
        for (size_t i = 0; i < a->n; i++) {
            const uint32_t *g = a->ids + i * (size_t)n;
            size_t k;
            if (n == 2) {
                k = g[1];
            } else {
                while (j < lo->n && cmp_suffix(lo->ids + j * (size_t)(n - 1), g + 1, n - 1) < 0)
                    j++;
                if (j >= lo->n || cmp_suffix(lo->ids + j * (size_t)(n - 1), g + 1, n - 1) != 0) {
                    us_free(sum);
                    us_free(gm);
                    us_free(ctx);
                    return us_error(err, UNSPIN_E_INVALID, "internal error: suffix of a %d-gram not counted", n);
                }
                k = j;
            }
            double plow = pow(10.0, (double)lo->prob[k]);
            uint32_t c = ctx[i];
            double p = ((double)a->count[i] - disc_of(e, n, a->count[i])) / (double)sum[c] + gm[c] * plow;
            a->prob[i] = log10f_safe(p);
        }
        us_free(sum);
        us_free(gm);
        us_free(ctx);
    }
    return UNSPIN_OK;
}

int unspin_lm_trainer_finish(unspin_lm_trainer *t, const char *path, unspin_lm_train_stats *stats, unspin_error *err)
{
    if (t->finished)
        return us_error(err, UNSPIN_E_INVALID, "trainer already finished");
    t->finished = 1;
    if (t->tokens == 0)
        return us_error(err, UNSPIN_E_INVALID, "no sentence to train on");
    merger m;
    memset(&m, 0, sizeof m);
    int rc;
    if (t->nruns) {
        if ((rc = spill(t, err)) < 0)
            return rc;
        us_free(t->tab);
        t->tab = NULL;
        t->tcap = 0;
        if ((rc = merger_open(&m, t, err)) < 0) {
            merger_close(&m);
            return rc;
        }
    } else {
        size_t n = table_compact(t);
        sort_records(t->tab, n, t->w, t->order);
        m.w = t->w;
        m.order = t->order;
        m.mem = t->tab;
        m.mem_n = n;
    }
    estimator e;
    memset(&e, 0, sizeof e);
    e.order = t->order;
    e.nwords = t->nwords;
    for (int n = 2; n <= t->order; n++) {
        e.prune[n] = t->prune[n - 1];
        if (e.prune[n])
            e.pruning = 1;
    }
    rc = adjust_counts(&e, &m, err);
    merger_close(&m);
    us_free(t->tab);
    t->tab = NULL;
    if (rc < 0)
        goto done;
    discounts(&e);
    if ((rc = estimate(&e, err)) < 0)
        goto done;
    uint64_t counts[MAX_N], pruned[MAX_N] = {0};
    counts[0] = t->nwords;
    for (int n = 2; n <= t->order; n++) {
        counts[n - 1] = e.a[n].n;
        if (e.a[n].keep) {
            uint64_t k = 0;
            for (size_t i = 0; i < e.a[n].n; i++)
                k += e.a[n].keep[i];
            pruned[n - 1] = counts[n - 1] - k;
            counts[n - 1] = k;
        }
    }
    lm_sink sink;
    if ((rc = lm_sink_open(&sink, path, t->order, counts, err)) < 0) {
        lm_sink_free(&sink);
        goto done;
    }
    for (uint32_t w = 0; w < t->nwords && rc >= 0; w++)
        rc = lm_sink_word(&sink, word_str(t, w), strlen(word_str(t, w)), e.a[1].prob[w],
                          t->order > 1 ? e.a[1].bo[w] : 0.0f, err);
    /* each order's arrays are released once handed to the writer, so that
     * the writer's tables and ours do not peak together */
    for (int n = 1; n <= t->order; n++) {
        us_free(e.a[n].count);
        us_free(e.a[n].raw);
        e.a[n].count = e.a[n].raw = NULL;
    }
    for (int n = 2; n <= t->order && rc >= 0; n++) {
        for (size_t i = 0; i < e.a[n].n && rc >= 0; i++)
            if (!e.a[n].keep || e.a[n].keep[i])
                rc = lm_sink_ngram(&sink, n, e.a[n].ids + i * (size_t)n, e.a[n].prob[i],
                               n < t->order ? e.a[n].bo[i] : 0.0f, err);
        order_arr *a = &e.a[n];
        us_free(a->ids);
        us_free(a->prob);
        us_free(a->bo);
        us_free(a->keep);
        a->keep = NULL;
        a->ids = NULL;
        a->prob = a->bo = NULL;
    }
    if (rc >= 0)
        rc = lm_sink_finish(&sink, err);
    lm_sink_free(&sink);
    if (rc >= 0 && stats) {
        memset(stats, 0, sizeof *stats);
        stats->tokens = t->tokens;
        stats->sentences = t->sentences;
        stats->vocab = t->nwords;
        stats->runs = (int)t->nruns;
        stats->fallback = e.fallback;
        for (int n = 1; n <= t->order; n++) {
            stats->ngrams[n - 1] = counts[n - 1];
            stats->pruned[n - 1] = pruned[n - 1];
            for (int k = 0; k < 3; k++)
                stats->discount[n - 1][k] = e.disc[n][k + 1];
        }
    }
done:
    est_free(&e);
    return rc;
}
