/*
 * spinsim.c - a spinner simulator: rewrites clean text the way article
 * spinners do, to produce (spun, original) pairs for development, fitting
 * and benchmarks (docs/spinsim.md).
 *
 *   spinsim --mythes FILE [--aiksaurus DIR] [--wordnet DIR] [--rate R]
 *           [--seed S] [--pairs FILE] [--log FILE] [--fragments FILE]
 *           [--lm LM.uslm [--common P]]
 *           < clean.txt > spun.txt
 *
 * Per line (paragraph) of input, word tokens are rewritten:
 *  - content words (not quoted, not capitalised inside a sentence, not in the
 *    function-word list) that the thesaurus lists are replaced with
 *    probability R by a uniformly chosen synonym of any sense (sense-blind),
 *    single or multi-word, re-inflected like the original (morphology from
 *    WordNet via lib/morph.h) and with its case pattern; two- and three-word
 *    thesaurus headwords ("artificial intelligence") are tried first;
 *  - function words from a small built-in table are swapped ("in" ->
 *    "within"), also with probability R;
 *  - contractions are expanded ("didn't" -> "did not") and small number
 *    words become digits ("two" -> "2"), each with probability 2R (at most 1).
 * The thesaurus is read from the source files directly (MyThes forward
 * lists: plain and "similar term" entries; Aiksaurus meanings), not from the
 * compiled lexicon. Output is deterministic for a given seed and input.
 */
#include "internal.h"
#include "morph.h"

#include <ctype.h>
#include <math.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- utils */

static _Noreturn void die(const char *what, const char *arg)
{
    fprintf(stderr, "spinsim: %s%s\n", what, arg);
    exit(2);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die("out of memory", "");
    return q;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = xrealloc(NULL, n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    uint64_t x = rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng = x;
}
static double rnd01(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

/* ------------------------------------------------ interned string table */

typedef struct {
    char **str;      /* id -> string */
    uint32_t **syn;  /* id -> synonym ids */
    uint32_t *nsyn, *capsyn;
    uint32_t n, cap;
    uint32_t *slots; /* hash slots: id + 1, 0 = empty */
    size_t nslots;
} thes;

static uint32_t thes_find(const thes *t, const char *s, size_t len)
{
    if (!t->nslots)
        return UINT32_MAX;
    size_t h = (size_t)us_hash(s, len) & (t->nslots - 1);
    while (t->slots[h]) {
        uint32_t id = t->slots[h] - 1;
        if (strlen(t->str[id]) == len && memcmp(t->str[id], s, len) == 0)
            return id;
        h = (h + 1) & (t->nslots - 1);
    }
    return UINT32_MAX;
}

static void thes_rehash(thes *t)
{
    size_t ns = t->nslots ? t->nslots * 2 : 1u << 16;
    free(t->slots);
    t->slots = xrealloc(NULL, ns * sizeof *t->slots);
    memset(t->slots, 0, ns * sizeof *t->slots);
    t->nslots = ns;
    for (uint32_t id = 0; id < t->n; id++) {
        size_t h = (size_t)us_hash(t->str[id], strlen(t->str[id])) & (ns - 1);
        while (t->slots[h])
            h = (h + 1) & (ns - 1);
        t->slots[h] = id + 1;
    }
}

static uint32_t thes_intern(thes *t, const char *s, size_t len)
{
    uint32_t id = thes_find(t, s, len);
    if (id != UINT32_MAX)
        return id;
    if ((size_t)(t->n + 1) * 2 > t->nslots) {
        thes_rehash(t);
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 4096;
        t->str = xrealloc(t->str, t->cap * sizeof *t->str);
        t->syn = xrealloc(t->syn, t->cap * sizeof *t->syn);
        t->nsyn = xrealloc(t->nsyn, t->cap * sizeof *t->nsyn);
        t->capsyn = xrealloc(t->capsyn, t->cap * sizeof *t->capsyn);
    }
    id = t->n++;
    t->str[id] = xstrndup(s, len);
    t->syn[id] = NULL;
    t->nsyn[id] = t->capsyn[id] = 0;
    size_t h = (size_t)us_hash(s, len) & (t->nslots - 1);
    while (t->slots[h])
        h = (h + 1) & (t->nslots - 1);
    t->slots[h] = id + 1;
    return id;
}

static void thes_add(thes *t, uint32_t head, uint32_t syn)
{
    if (head == syn)
        return;
    for (uint32_t i = 0; i < t->nsyn[head]; i++)
        if (t->syn[head][i] == syn)
            return;
    if (t->nsyn[head] == t->capsyn[head]) {
        t->capsyn[head] = t->capsyn[head] ? t->capsyn[head] * 2 : 8;
        t->syn[head] = xrealloc(t->syn[head], t->capsyn[head] * sizeof(uint32_t));
    }
    t->syn[head][t->nsyn[head]++] = syn;
}

/* Keep synonyms made of lower-case letters, spaces, hyphens, apostrophes. */
static int plain_phrase(const char *s, size_t len)
{
    if (len == 0 || len > 60)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(islower(c) || c == ' ' || c == '-' || c == '\''))
            return 0;
    }
    return s[0] != ' ' && s[len - 1] != ' ';
}

/* MyThes: "word|n" then n lines "(pos)|syn|syn (similar term)|...". */
static void load_mythes(thes *t, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die("cannot open ", path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint32_t head = UINT32_MAX;
    int lineno = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = 0;
        if (lineno == 1)
            continue; /* encoding */
        if (line[0] != '(') {
            char *bar = strchr(line, '|');
            if (!bar) {
                head = UINT32_MAX;
                continue;
            }
            for (char *p = line; p < bar; p++)
                *p = (char)tolower((unsigned char)*p);
            head = plain_phrase(line, (size_t)(bar - line)) ? thes_intern(t, line, (size_t)(bar - line))
                                                           : UINT32_MAX;
            continue;
        }
        if (head == UINT32_MAX)
            continue;
        char *p = strchr(line, '|');
        while (p) {
            char *s = p + 1;
            char *e = strchr(s, '|');
            size_t len = e ? (size_t)(e - s) : strlen(s);
            p = e;
            const char *paren = memchr(s, '(', len);
            if (paren) {
                /* keep "(similar term)"; drop antonyms, generic and related terms */
                if (len - (size_t)(paren - s) < 14 || strncmp(paren, "(similar term)", 14) != 0)
                    continue;
                len = (size_t)(paren - s);
                while (len && s[len - 1] == ' ')
                    len--;
            }
            if (plain_phrase(s, len))
                thes_add(t, head, thes_intern(t, s, len));
        }
    }
    free(line);
    fclose(f);
}

/* Aiksaurus: words.dat = records "word\0" + big-endian u16 meaning ids +
 * 0xffff ("a:priori" uses ':' for spaces); meanings.dat = records of two
 * title word ids + the member word ids, 0xffff-terminated. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open ", path);
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap)
            buf = xrealloc(buf, cap = cap ? cap * 2 : 1 << 20);
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0)
            break;
        n += r;
    }
    fclose(f);
    *len = n;
    return buf;
}

static void load_aiksaurus(thes *t, const char *dir)
{
    char path[4096];
    size_t wlen, mlen;
    snprintf(path, sizeof path, "%s/words.dat", dir);
    unsigned char *w = slurp(path, &wlen);
    snprintf(path, sizeof path, "%s/meanings.dat", dir);
    unsigned char *m = slurp(path, &mlen);
    uint32_t *ids = NULL; /* aiksaurus word index -> thes id (UINT32_MAX: skipped) */
    size_t nw = 0, capw = 0;
    size_t i = 0;
    while (i < wlen) {
        size_t s = i;
        while (i < wlen && w[i])
            i++;
        if (i >= wlen)
            die("truncated words.dat in ", dir);
        char word[256];
        size_t len = i - s < sizeof word - 1 ? i - s : sizeof word - 1;
        for (size_t k = 0; k < len; k++)
            word[k] = w[s + k] == ':' ? ' ' : (char)w[s + k];
        i++;
        while (i + 1 < wlen && !(w[i] == 0xff && w[i + 1] == 0xff))
            i += 2;
        i += 2;
        if (nw == capw)
            ids = xrealloc(ids, (capw = capw ? capw * 2 : 65536) * sizeof *ids);
        ids[nw++] = plain_phrase(word, len) ? thes_intern(t, word, len) : UINT32_MAX;
    }
    uint32_t members[4096];
    i = 0;
    while (i + 4 <= mlen) {
        i += 4; /* title words */
        size_t k = 0;
        while (i + 1 < mlen && !(m[i] == 0xff && m[i + 1] == 0xff)) {
            uint32_t id = (uint32_t)m[i] << 8 | m[i + 1];
            i += 2;
            if (id < nw && ids[id] != UINT32_MAX && k < US_ARRAY_LEN(members))
                members[k++] = ids[id];
        }
        i += 2;
        for (size_t a = 0; a < k; a++)
            for (size_t b = 0; b < k; b++)
                thes_add(t, members[a], members[b]);
    }
    free(ids);
    free(w);
    free(m);
}

/* ------------------------------------------------------ built-in tables */

/* Words never replaced as content words (closed classes, auxiliaries). */
static const char *const stopwords[] = {
    "a", "an", "the", "and", "or", "but", "nor", "so", "yet", "if", "then", "than", "that", "this",
    "these", "those", "there", "here", "what", "which", "who", "whom", "whose", "when", "where", "why",
    "how", "i", "me", "my", "mine", "we", "us", "our", "ours", "you", "your", "yours", "he", "him",
    "his", "she", "her", "hers", "it", "its", "they", "them", "their", "theirs", "myself", "itself",
    "himself", "herself", "themselves", "ourselves", "yourself", "be", "is", "am", "are", "was",
    "were", "been", "being", "have", "has", "had", "having", "do", "does", "did", "doing", "done",
    "will", "would", "shall", "should", "can", "could", "may", "might", "must", "ought", "not", "no",
    "yes", "of", "to", "in", "on", "at", "by", "for", "with", "from", "into", "onto", "upon", "about",
    "over", "under", "after", "before", "between", "through", "during", "without", "within", "as",
    "up", "down", "out", "off", "all", "any", "some", "each", "every", "both", "either", "neither",
    "one", "ones", "other", "another", "such", "same", "own", "very", "too", "also", "just", "only",
    "even", "still", "more", "most", "less", "least", "much", "many", "few", "several", "s", "t",
    "get", "got", "go", "goes", "went", "make", "made", "mr", "mrs", "ms", "dr", "st", "n't", "'s",
};

/* Function-word swaps a spinner makes. */
static const char *const fswaps[][4] = {
    {"in", "within", NULL, NULL},
    {"also", "additionally", "likewise", "moreover"},
    {"but", "however", "yet", NULL},
    {"because", "since", "as", NULL},
    {"about", "regarding", "concerning", "roughly"},
    {"many", "numerous", "several", NULL},
    {"so", "thus", "therefore", NULL},
    {"though", "although", NULL, NULL},
    {"while", "whereas", "whilst", NULL},
    {"after", "following", NULL, NULL},
    {"before", "prior to", NULL, NULL},
    {"during", "throughout", NULL, NULL},
    {"with", "alongside", NULL, NULL},
    {"over", "above", "more than", NULL},
    {"until", "till", NULL, NULL},
    {"very", "extremely", "really", "quite"},
    {"some", "certain", NULL, NULL},
    {"most", "the majority of", NULL, NULL},
    {"each", "every", NULL, NULL},
    {"often", "frequently", NULL, NULL},
    {"now", "currently", "presently", NULL},
    {"said", "stated", "mentioned", "announced"},
    {"says", "states", "mentions", NULL},
    {"get", "obtain", "acquire", NULL},
    {"got", "obtained", "acquired", NULL},
    {"make", "create", "produce", NULL},
    {"made", "created", "produced", NULL},
};

static const char *const numwords[][2] = {
    {"two", "2"}, {"three", "3"}, {"four", "4"}, {"five", "5"}, {"six", "6"}, {"seven", "7"},
    {"eight", "8"}, {"nine", "9"}, {"ten", "10"}, {"eleven", "11"}, {"twelve", "12"},
    {"twenty", "20"}, {"thirty", "30"}, {"fifty", "50"}, {"hundred", "100"},
};

static const size_t nstopwords = US_ARRAY_LEN(stopwords);

static int in_list(const char *const *list, size_t n, const char *w)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], w) == 0)
            return 1;
    return 0;
}

/* --------------------------------------------------------------- spinning */

typedef struct {
    thes t;
    morph *mo;
    double rate;
    FILE *log, *frag;
    unsigned long lineno;
    unsigned long words, changed;
    const unspin_lm *lm; /* --lm: word frequencies for --common */
    double common;       /* share of choices weighted by frequency */
    /* the current run of adjacent content words, for --fragments */
    struct { char orig[64], spun[128]; int changed; } win[16];
    size_t nwin;
    /* --doc-lines: one table per document, as real spinners apply it */
    unsigned long doc_lines;
    struct memo { char *word, *rep; } *memo; /* rep NULL: the word is kept */
    size_t nmemo, capmemo;
} spinner;

/* The document table's decision for word w, or NULL when w was not seen.
 * A linear search: documents are paragraphs, a few hundred word types. */
static const struct memo *memo_find(const spinner *sp, const char *w)
{
    for (size_t i = 0; i < sp->nmemo; i++)
        if (strcmp(sp->memo[i].word, w) == 0)
            return &sp->memo[i];
    return NULL;
}

static void memo_put(spinner *sp, const char *w, const char *rep)
{
    if (sp->nmemo == sp->capmemo) {
        sp->capmemo = sp->capmemo ? 2 * sp->capmemo : 256;
        sp->memo = xrealloc(sp->memo, sp->capmemo * sizeof *sp->memo);
    }
    sp->memo[sp->nmemo].word = xstrndup(w, strlen(w));
    sp->memo[sp->nmemo].rep = rep ? xstrndup(rep, strlen(rep)) : NULL;
    sp->nmemo++;
}

static void memo_clear(spinner *sp)
{
    for (size_t i = 0; i < sp->nmemo; i++) {
        free(sp->memo[i].word);
        free(sp->memo[i].rep);
    }
    sp->nmemo = 0;
}

/* Write the run's windows of 2 and 3 words that hold a change, then start a
 * new run: short spun phrases of content words ("covered layer") against
 * their originals, like tortured phrases. */
static void frag_flush(spinner *sp)
{
    if (sp->frag) {
        for (size_t len = 2; len <= 3; len++)
            for (size_t i = 0; i + len <= sp->nwin; i++) {
                int ch = 0;
                for (size_t k = i; k < i + len; k++)
                    ch |= sp->win[k].changed;
                if (!ch)
                    continue;
                for (size_t k = i; k < i + len; k++)
                    fprintf(sp->frag, "%s%s", k > i ? " " : "", sp->win[k].spun);
                fputc('\t', sp->frag);
                for (size_t k = i; k < i + len; k++)
                    fprintf(sp->frag, "%s%s", k > i ? " " : "", sp->win[k].orig);
                fputc('\n', sp->frag);
            }
    }
    sp->nwin = 0;
}

/* Add a word token to the run (rep: its replacement, NULL if unchanged);
 * function words, names and quoted words end the run. */
static void frag_word(spinner *sp, const unspin_token *t, const char *w, int skip, const char *rep)
{
    if (!sp->frag)
        return;
    if (skip || in_list(stopwords, nstopwords, w) || t->norm_length >= 64 || (rep && strlen(rep) >= 128) ||
        sp->nwin == US_ARRAY_LEN(sp->win)) {
        frag_flush(sp);
        return;
    }
    strcpy(sp->win[sp->nwin].orig, w);
    strcpy(sp->win[sp->nwin].spun, rep ? rep : w);
    sp->win[sp->nwin].changed = rep != NULL;
    sp->nwin++;
}

typedef struct {
    char *s;
    size_t n, cap;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}

/* Write `rep` with the case pattern of the original token. */
static void add_cased(sbuf *b, const char *rep, unspin_case c)
{
    size_t start = b->n;
    sb_add(b, rep, strlen(rep));
    if (c == UNSPIN_CASE_TITLE)
        b->s[start] = (char)toupper((unsigned char)b->s[start]);
    else if (c == UNSPIN_CASE_UPPER)
        for (size_t i = start; i < b->n; i++)
            b->s[i] = (char)toupper((unsigned char)b->s[i]);
}

/* Frequency of a (possibly multi-word) phrase: the product of its words'
 * unigram probabilities, as a log10. */
static double phrase_logp(const spinner *sp, const char *s)
{
    unspin_lm_state null, tmp;
    unspin_lm_null_state(sp->lm, &null);
    double lp = 0;
    while (*s) {
        size_t n = strcspn(s, " ");
        lp += unspin_lm_score(sp->lm, &null, unspin_lm_word(sp->lm, s, n), &tmp);
        s += n;
        while (*s == ' ')
            s++;
    }
    return lp;
}

/* A synonym of thesaurus entry `head`: uniform over all senses' synonyms, or
 * (with probability --common) weighted by its frequency,
 * as spinners that prefer common words do. */
static uint32_t choose(spinner *sp, uint32_t head)
{
    uint32_t n = sp->t.nsyn[head];
    if (!sp->lm || n < 2 || rnd01() >= sp->common)
        return sp->t.syn[head][rnd() % n];
    double w[256], sum = 0;
    if (n > 256)
        n = 256;
    for (uint32_t i = 0; i < n; i++) {
        w[i] = pow(10.0, phrase_logp(sp, sp->t.str[sp->t.syn[head][i]]));
        sum += w[i];
    }
    double r = rnd01() * sum;
    for (uint32_t i = 0; i < n; i++) {
        r -= w[i];
        if (r <= 0)
            return sp->t.syn[head][i];
    }
    return sp->t.syn[head][n - 1];
}

/* Pick a synonym of `word` (any sense), inflected like it. Returns 1 and
 * writes it to out when there is one. */
static int pick_synonym(spinner *sp, const char *word, size_t len, char *out, size_t cap)
{
    uint32_t id = thes_find(&sp->t, word, len);
    /* direct entry (base forms, phrases, words the morphology does not know) */
    morph_analysis an[MORPH_MAX_ANALYSES];
    size_t na = sp->mo ? morph_analyse(sp->mo, word, len, an, MORPH_MAX_ANALYSES) : 0;
    /* collect readings that the thesaurus knows */
    struct reading { uint32_t id; int tag; } opts[MORPH_MAX_ANALYSES + 1];
    size_t no = 0;
    if (id != UINT32_MAX && sp->t.nsyn[id])
        opts[no++] = (struct reading){id, MORPH_BASE};
    for (size_t i = 0; i < na; i++) {
        if (an[i].tag == MORPH_BASE)
            continue;
        uint32_t lid = thes_find(&sp->t, an[i].lemma, an[i].lemma_len);
        if (lid != UINT32_MAX && sp->t.nsyn[lid])
            opts[no++] = (struct reading){lid, an[i].tag};
    }
    if (!no)
        return 0;
    size_t k = (size_t)(rnd() % no);
    uint32_t head = opts[k].id;
    uint32_t syn = choose(sp, head);
    const char *s = sp->t.str[syn];
    if (opts[k].tag == MORPH_BASE) {
        if (strlen(s) + 1 > cap)
            return 0;
        strcpy(out, s);
        return 1;
    }
    /* only inflect a synonym that the morphology knows in the needed part of speech
     * (else "aged" -> "standinged") */
    if (!(morph_in_index(sp->mo, s, strlen(s)) & morph_tag_pos(opts[k].tag)))
        return 0;
    int r = morph_inflect(sp->mo, s, strlen(s), opts[k].tag, out, cap);
    return r > 0;
}

static int spin_line(spinner *sp, unspin_tokenizer *tk, const char *line, size_t len, sbuf *out)
{
    const unspin_token *toks;
    size_t nt, used;
    unspin_error err;
    out->n = 0;
    sb_add(out, "", 0);
    unspin_tokenizer_reset(tk);
    if (unspin_tokenize(tk, line, len, 1, &toks, &nt, &used, &err) != UNSPIN_OK) {
        fprintf(stderr, "spinsim: %s\n", err.message);
        return -1;
    }
    char rep[512];
    sp->nwin = 0;
    for (size_t i = 0; i < nt; i++) {
        const unspin_token *t = &toks[i];
        const char *text = line + t->start;
        if (t->kind != UNSPIN_TOKEN_WORD) {
            sb_add(out, text, t->length);
            if (!(t->kind == UNSPIN_TOKEN_SPACE && t->length == 1 && !(t->flags & UNSPIN_TOKEN_NEWLINE)))
                frag_flush(sp);
            continue;
        }
        sp->words++;
        const char *w = t->norm;
        int quoted = (t->flags & UNSPIN_TOKEN_QUOTED) != 0;
        int sent = (t->flags & UNSPIN_TOKEN_SENT_START) != 0;
        int casing_ok = t->casing == UNSPIN_CASE_LOWER || (t->casing == UNSPIN_CASE_TITLE && sent);
        const char *replaced = NULL;
        int phrase = 0;
        size_t consumed = 1; /* word tokens (with the spaces between) replaced */
        if (!quoted && casing_ok) {
            /* contractions */
            if (i > 0 && toks[i - 1].kind == UNSPIN_TOKEN_WORD && rnd01() < 2 * sp->rate) {
                static const char *const clit[][2] = {{"n't", " not"}, {"'re", " are"}, {"'ll", " will"},
                                                      {"'ve", " have"}, {"'m", " am"}, {"'d", " would"}};
                for (size_t k = 0; k < US_ARRAY_LEN(clit); k++)
                    if (strcmp(w, clit[k][0]) == 0)
                        replaced = clit[k][1];
                if (!replaced && strcmp(w, "'s") == 0) {
                    static const char *const pro[] = {"it", "he", "she", "that", "there", "what", "who", "here"};
                    if (in_list(pro, US_ARRAY_LEN(pro), toks[i - 1].norm))
                        replaced = " is";
                }
                if (replaced) {
                    /* "ca"+"n't", "wo"+"n't": fix the previous word already written */
                    const char *prev = toks[i - 1].norm;
                    if (strcmp(w, "n't") == 0 && (!strcmp(prev, "ca") || !strcmp(prev, "wo")) &&
                        out->n >= 2) {
                        out->n -= 2;
                        add_cased(out, !strcmp(prev, "ca") ? "can" : "will", toks[i - 1].casing);
                    }
                    sb_add(out, replaced, strlen(replaced));
                    sp->changed++;
                    if (sp->log)
                        fprintf(sp->log, "%lu\t%s\t%s\tcontraction\n", sp->lineno, w, replaced + 1);
                    continue;
                }
            }
            /* number words */
            for (size_t k = 0; k < US_ARRAY_LEN(numwords) && !replaced; k++)
                if (strcmp(w, numwords[k][0]) == 0 && rnd01() < 2 * sp->rate)
                    replaced = numwords[k][1];
            /* phrases of 3 and 2 words: "artificial intelligence" */
            for (size_t pw = 3; pw >= 2 && !replaced; pw--) {
                char key[256];
                size_t kl = 0, j = i, nw = 0;
                int okp = 1;
                while (j < nt && nw < pw) {
                    const unspin_token *u = &toks[j];
                    if (u->kind == UNSPIN_TOKEN_WORD) {
                        if (u->casing != UNSPIN_CASE_LOWER && j != i) { okp = 0; break; }
                        if (kl + u->norm_length + 2 > sizeof key) { okp = 0; break; }
                        if (nw)
                            key[kl++] = ' ';
                        memcpy(key + kl, u->norm, u->norm_length);
                        kl += u->norm_length;
                        nw++;
                        j++;
                    } else if (u->kind == UNSPIN_TOKEN_SPACE && !(u->flags & UNSPIN_TOKEN_NEWLINE) &&
                               u->length == 1 && nw > 0) {
                        j++;
                    } else {
                        okp = 0;
                        break;
                    }
                }
                if (!okp || nw != pw)
                    continue;
                uint32_t id = thes_find(&sp->t, key, kl);
                if (id == UINT32_MAX || !sp->t.nsyn[id] || rnd01() >= sp->rate)
                    continue;
                const char *s = sp->t.str[choose(sp, id)];
                snprintf(rep, sizeof rep, "%s", s);
                replaced = rep;
                consumed = j - i;
                if (sp->frag)
                    fprintf(sp->frag, "%s\t%.*s\n", s, (int)kl, key);
                phrase = 1;
            }
            /* function-word swaps and content words */
            if (!replaced) {
                int fw = 0;
                const struct memo *mm = sp->doc_lines ? memo_find(sp, w) : NULL;
                for (size_t k = 0; k < US_ARRAY_LEN(fswaps); k++) {
                    if (strcmp(w, fswaps[k][0]) != 0)
                        continue;
                    fw = 1;
                    if (!mm && rnd01() < sp->rate) {
                        size_t nalt = 0;
                        while (nalt < 3 && fswaps[k][nalt + 1])
                            nalt++;
                        replaced = fswaps[k][1 + rnd() % nalt];
                    }
                }
                int content = !fw && !in_list(stopwords, US_ARRAY_LEN(stopwords), w) && t->norm_length > 2;
                if (mm) { /* the document's table decided already */
                    if (mm->rep) {
                        snprintf(rep, sizeof rep, "%s", mm->rep);
                        replaced = rep;
                    }
                } else {
                    if (content && rnd01() < sp->rate && pick_synonym(sp, w, t->norm_length, rep, sizeof rep))
                        replaced = rep;
                    if (sp->doc_lines && (fw || content))
                        memo_put(sp, w, replaced);
                }
            }
        }
        if (!replaced) {
            sb_add(out, text, t->length);
            frag_word(sp, t, w, quoted || !casing_ok, NULL);
            continue;
        }
        if (!phrase)
            frag_word(sp, t, w, 0, replaced);
        else
            frag_flush(sp);
        sp->changed++;
        if (sp->log) {
            const unspin_token *last = &toks[i + consumed - 1];
            fprintf(sp->log, "%lu\t%.*s\t%s\n", sp->lineno, (int)(last->start + last->length - t->start), text,
                    replaced);
        }
        add_cased(out, replaced, t->casing == UNSPIN_CASE_TITLE ? UNSPIN_CASE_TITLE : UNSPIN_CASE_LOWER);
        i += consumed - 1;
    }
    frag_flush(sp);
    return 0;
}

static const char usage[] =
    "usage: spinsim --mythes FILE [--aiksaurus DIR] [--wordnet DIR] [--rate R] [--seed S]\n"
    "               [--pairs FILE] [--log FILE] [--fragments FILE] < clean.txt > spun.txt\n"
    "Spin clean text line by line (docs/spinsim.md).\n"
    "  --mythes FILE     MyThes thesaurus (th_en_US_v2.dat)\n"
    "  --aiksaurus DIR   Aiksaurus data folder (words.dat, meanings.dat)\n"
    "  --wordnet DIR     WordNet dict folder, for inflection (without it only\n"
    "                    base forms listed in the thesaurus are replaced)\n"
    "  --rate R          share of eligible words replaced (default 0.2)\n"
    "  --seed S          random seed (default 1)\n"
    "  --pairs FILE      write the original lines there, aligned with stdout\n"
    "  --log FILE        one line per change: LINE<TAB>ORIGINAL<TAB>SPUN\n"
    "  --fragments FILE  short spun/original phrase pairs: SPUN<TAB>ORIGINAL\n"
    "  --doc-lines N     documents of N lines, each spun with one table: a word\n"
    "                    replaced once is replaced the same way throughout the\n"
    "                    document, a word kept once is always kept (default 0: off)\n"
    "  --lm FILE         language model giving word frequencies for --common\n"
    "  --common P        with --lm: share of synonym choices weighted by the\n"
    "                    synonym's frequency (default 0.5); the rest\n"
    "                    are uniform among all senses' synonyms\n";

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"mythes", required_argument, NULL, 'm'},   {"aiksaurus", required_argument, NULL, 'a'},
        {"wordnet", required_argument, NULL, 'w'},  {"rate", required_argument, NULL, 'r'},
        {"seed", required_argument, NULL, 's'},     {"pairs", required_argument, NULL, 'p'},
        {"log", required_argument, NULL, 'l'},      {"fragments", required_argument, NULL, 'f'},
        {"lm", required_argument, NULL, 'L'},       {"common", required_argument, NULL, 'c'},
        {"doc-lines", required_argument, NULL, 'D'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    const char *mythes = NULL, *aik = NULL, *wn = NULL, *pairs = NULL, *logp = NULL, *fragp = NULL, *lmp = NULL;
    double common = 0.5;
    unsigned long doc_lines = 0;
    double rate = 0.2;
    unsigned long long seed = 1;
    int c;
    while ((c = getopt_long(argc, argv, "m:a:w:r:s:p:l:f:L:c:D:h", lo, NULL)) != -1) {
        switch (c) {
        case 'm': mythes = optarg; break;
        case 'a': aik = optarg; break;
        case 'w': wn = optarg; break;
        case 'r': rate = atof(optarg); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 'p': pairs = optarg; break;
        case 'l': logp = optarg; break;
        case 'f': fragp = optarg; break;
        case 'L': lmp = optarg; break;
        case 'c': common = atof(optarg); break;
        case 'D': {
            char *end;
            doc_lines = strtoul(optarg, &end, 10);
            if (*optarg == '-' || *end != 0)
                die("--doc-lines: expected a whole number >= 0, got ", optarg);
            break;
        }
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (!mythes && !aik) {
        fputs(usage, stderr);
        return 2;
    }
    if (!(rate >= 0 && rate <= 1))
        die("--rate: expected a number in [0,1]", "");
    spinner sp;
    memset(&sp, 0, sizeof sp);
    sp.rate = rate;
    sp.common = common;
    sp.doc_lines = doc_lines;
    unspin_lm *lm = NULL;
    if (lmp) {
        unspin_error lerr;
        if (unspin_lm_open(lmp, &lm, &lerr) != UNSPIN_OK)
            die(lerr.message, "");
        sp.lm = lm;
    }
    rng = 0x9E3779B97F4A7C15ull ^ (seed * 0xD1B54A32D192ED03ull);
    if (!rng)
        rng = 1;
    if (mythes)
        load_mythes(&sp.t, mythes);
    if (aik)
        load_aiksaurus(&sp.t, aik);
    unsigned char *blob = NULL;
    if (wn) {
        size_t size;
        unspin_error err;
        if (morph_build(wn, NULL, NULL, &blob, &size, &err) != UNSPIN_OK ||
            morph_open(blob, size, &sp.mo, &err) != UNSPIN_OK)
            die(err.message, "");
    }
    FILE *pf = NULL;
    if (pairs && !(pf = fopen(pairs, "w")))
        die("cannot write ", pairs);
    if (logp && !(sp.log = fopen(logp, "w")))
        die("cannot write ", logp);
    if (fragp && !(sp.frag = fopen(fragp, "w")))
        die("cannot write ", fragp);
    unspin_tokenizer *tk;
    unspin_error err;
    if (unspin_tokenizer_create(&tk, &err) != UNSPIN_OK)
        die(err.message, "");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    sbuf out = {0};
    while ((n = getline(&line, &cap, stdin)) > 0) {
        if (sp.doc_lines && sp.lineno % sp.doc_lines == 0)
            memo_clear(&sp); /* a new document, a new table */
        sp.lineno++;
        size_t len = (size_t)n;
        int eol = line[len - 1] == '\n';
        if (eol)
            len--;
        if (spin_line(&sp, tk, line, len, &out) < 0)
            return 1;
        fwrite(out.s, 1, out.n, stdout);
        if (eol)
            putchar('\n');
        if (pf) {
            fwrite(line, 1, len, pf);
            if (eol)
                fputc('\n', pf);
        }
    }
    fprintf(stderr, "spinsim: %lu lines, %lu words, %lu changes (%.1f%%), thesaurus %u entries\n", sp.lineno,
            sp.words, sp.changed, sp.words ? 100.0 * (double)sp.changed / (double)sp.words : 0.0, sp.t.n);
    memo_clear(&sp);
    free(sp.memo);
    free(line);
    free(out.s);
    unspin_tokenizer_free(tk);
    morph_free(sp.mo);
    unspin_lm_close(lm);
    us_free(blob);
    if (pf && fclose(pf) != 0)
        die("write error on ", pairs);
    if (sp.log)
        fclose(sp.log);
    if (sp.frag)
        fclose(sp.frag);
    return ferror(stdout) ? 1 : 0;
}
