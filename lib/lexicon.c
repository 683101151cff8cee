/*
 * lexicon.c - reading a .uslex file (docs/lexicon-format.md) and looking up
 * the candidate originals of spun words and phrases, through morphology
 * (lemma lookup and re-inflection) and spelling variants.
 */
#include "embed.h"
#include "lex_internal.h"
#include "morph.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unspin_lexicon {
    us_map map; /* owned mapping (size 0 when opened from memory) */
    const unsigned char *data;
    size_t size;
    const char *strings;
    size_t strings_size;
    const unsigned char *entries;
    uint32_t nentries;
    const unsigned char *hash;
    uint32_t nslots;
    const unsigned char *links;
    uint32_t nlinks;
    uint32_t max_candidates;
    morph *morph;
    embed *emb;
    uint64_t ident; /* the file's content (stored checksum and size), never 0:
                       what lookup caches are keyed by (a pointer could be
                       reused by another lexicon after a close) */
    char name[200];
};

typedef struct cand_work {
    float score;
    uint32_t text_off; /* in the arena, or UINT32_MAX when text points into the file */
} cand_work;

#define DEDUP_SLOTS 2048u /* power of two, > 2 * MAX_RESULTS */
#define MAX_RESULTS 1000u /* candidates gathered per lookup before capping */

/* Per-thread cache of single-word results (Zipf: most tokens are frequent
 * words): direct-mapped by the hash of the word. */
typedef struct lc_item {
    float score;
    uint32_t off, len;
    uint8_t src, rel, links, infl;
    float sim;
} lc_item;

typedef struct lc_slot {
    uint64_t ident; /* the lexicon's (0: empty) */
    uint32_t wlen, n;
    uint8_t maxlen, verb_phr;
    char word[64];
    lc_item *items;
    size_t icap;
    char *text;
    size_t tcap;
} lc_slot;

#define LC_SLOTS 32768u

/* Cache of re-inflected link targets (entry, tag) -> text: the same common
 * lemmas are inflected for many lookups. len -1: cannot be inflected. */
typedef struct ic_slot {
    uint32_t key;
    int8_t len;
    char text[27];
} ic_slot;

#define IC_BITS 15

/* order: span ascending, score descending, then text */
typedef struct sort_key {
    uint32_t span;
    float score;
    const char *text;
    size_t len;
    uint32_t index;
} sort_key;

struct unspin_candidates {
    lc_slot *cache;
    unspin_candidate *c, *out;
    cand_work *w;
    uint32_t *order;
    size_t n, cap;
    char *arena;
    size_t alen, acap;
    uint32_t gen;
    uint32_t slot_gen[DEDUP_SLOTS];
    uint16_t slot_idx[DEDUP_SLOTS];
    char key[4 * 256 + 8];
    sort_key keys[MAX_RESULTS], ktmp[MAX_RESULTS]; /* finish()'s sort */
    uint64_t ident; /* the lexicon icache holds entries of */
    ic_slot icache[1u << IC_BITS];
};

/* ---------------------------------------------------------------- scoring */

float lex_link_score(unsigned sources, unsigned relations, unsigned links, int sim, uint32_t rank)
{
    float s = 0;
    unsigned th = sources & (UNSPIN_SRC_WORDNET | UNSPIN_SRC_MYTHES | UNSPIN_SRC_AIKSAURUS | UNSPIN_SRC_GCIDE |
                             UNSPIN_SRC_MOBY);
    for (; th; th &= th - 1)
        s += 1.0f;
    if (sources & UNSPIN_SRC_FUNCTION)
        s += 3.0f;
    if (sources & UNSPIN_SRC_SPELLING)
        s += 5.0f;
    if (relations & UNSPIN_REL_SYNONYM) s += 2.0f;
    else if (relations & UNSPIN_REL_SIMILAR) s += 1.5f;
    else if (relations & (UNSPIN_REL_RELATED | UNSPIN_REL_ALSO)) s += 1.0f;
    else if (relations & (UNSPIN_REL_HYPERNYM | UNSPIN_REL_HYPONYM)) s += 0.8f;
    else if (relations & UNSPIN_REL_DERIV) s += 0.6f;
    else if (relations & UNSPIN_REL_PART) s += 0.2f;
    s += 0.3f * log2f(1.0f + (float)links);
    if (sim != LEX_SIM_NONE)
        s += 3.0f * (float)sim / 127.0f;
    else
        s -= 0.3f;
    if (sources & (UNSPIN_SRC_FUNCTION | UNSPIN_SRC_SPELLING))
        ; /* closed lists: no frequency prior */
    else if (rank == LEX_RANK_NONE)
        s -= 4.0f;
    else
        s -= 0.8f * log1pf((float)rank / 1000.0f);
    return s;
}

/* ---------------------------------------------------------------- opening */

static int bad(unspin_error *err, const char *name, const char *what)
{
    return us_error(err, UNSPIN_E_FORMAT, "%s: %s (file is corrupt; rebuild it)", name, what);
}

int lex_open_memory(const void *data, size_t size, const char *name, unspin_lexicon **out, unspin_error *err)
{
    const unsigned char *d = data;
    *out = NULL;
    if (!name)
        name = "lexicon";
    if (size < LEX_HEADER_SIZE || memcmp(d, LEX_MAGIC, 8) != 0)
        return us_error(err, UNSPIN_E_FORMAT, "%s: not a lexicon file (bad magic)", name);
    uint32_t version = us_load32(d + 8);
    if (version != LEX_VERSION)
        return us_error(err, UNSPIN_E_VERSION, "%s: lexicon format version %u, this library reads version %u",
                        name, version, LEX_VERSION);
    if (us_load32(d + 12) != LEX_STATE_COMPLETE)
        return us_error(err, UNSPIN_E_INCOMPLETE, "%s: incomplete lexicon (its build did not finish; rebuild it)",
                        name);
    if (us_load32(d + 16) != LEX_ENDIAN_CHECK)
        return bad(err, name, "bad byte-order check value");
    uint32_t nsec = us_load32(d + 20);
    uint32_t N = us_load32(d + 24), NL = us_load32(d + 28), nslots = us_load32(d + 32);
    if (us_load64(d + 48) != size)
        return us_error(err, UNSPIN_E_FORMAT, "%s: file size %zu, header says %llu (truncated or corrupt)", name,
                        size, (unsigned long long)us_load64(d + 48));
    if (nsec == 0 || nsec > LEX_SEC_MAX || LEX_HEADER_SIZE + (uint64_t)nsec * LEX_SECTION_SIZE > size)
        return bad(err, name, "bad section count");
    if (N == 0 || N >= 0xfffffff0u || nslots < 16 || (nslots & (nslots - 1)) || nslots < N)
        return bad(err, name, "bad entry or hash-table size");
    const unsigned char *sec[LEX_SEC_MAX + 1] = {0};
    uint64_t secsz[LEX_SEC_MAX + 1] = {0};
    for (uint32_t i = 0; i < nsec; i++) {
        const unsigned char *t = d + LEX_HEADER_SIZE + i * LEX_SECTION_SIZE;
        uint32_t id = us_load32(t);
        uint64_t off = us_load64(t + 8), sz = us_load64(t + 16);
        if (id == 0 || id > LEX_SEC_MAX || sec[id] || (off & 7) || off > size || sz > size - off ||
            off < LEX_HEADER_SIZE + (uint64_t)nsec * LEX_SECTION_SIZE)
            return us_error(err, UNSPIN_E_FORMAT, "%s: section %u: bad id, offset or size (file is corrupt)",
                            name, i);
        sec[id] = d + off;
        secsz[id] = sz;
    }
    if (!sec[LEX_SEC_STRINGS] || !sec[LEX_SEC_ENTRIES] || !sec[LEX_SEC_HASH] || !sec[LEX_SEC_LINKS])
        return bad(err, name, "a required section is missing");
    if (secsz[LEX_SEC_ENTRIES] != ((uint64_t)N + 1) * LEX_ENTRY_SIZE || secsz[LEX_SEC_HASH] != (uint64_t)nslots * 4 ||
        secsz[LEX_SEC_LINKS] != (uint64_t)NL * LEX_LINK_SIZE)
        return bad(err, name, "section sizes do not match the header");
    const char *strings = (const char *)sec[LEX_SEC_STRINGS];
    uint64_t ssz = secsz[LEX_SEC_STRINGS];
    const unsigned char *ent = sec[LEX_SEC_ENTRIES];
    uint32_t prev = 0;
    for (uint32_t i = 0; i <= N; i++) {
        const unsigned char *e = ent + (size_t)i * LEX_ENTRY_SIZE;
        uint32_t lb = us_load32(e + 8);
        if (lb < prev || lb > NL)
            return us_error(err, UNSPIN_E_FORMAT, "%s: entry %u: bad link offset (file is corrupt)", name, i);
        prev = lb;
        if (i == N)
            break;
        uint32_t off = us_load32(e);
        uint32_t len = (uint32_t)e[4] | (uint32_t)e[5] << 8;
        if ((uint64_t)off + len >= ssz || strings[off + len] != 0 || len == 0 || memchr(strings + off, 0, len) ||
            e[6] < 1 ||
            e[6] > LEX_MAX_PHRASE || e[7] < 1 || e[7] > LEX_MAX_PHRASE)
            return us_error(err, UNSPIN_E_FORMAT, "%s: entry %u: bad string or sizes (file is corrupt)", name, i);
    }
    if (prev != NL)
        return bad(err, name, "link table size does not match the entries");
    unspin_lexicon *lex = us_calloc(1, sizeof *lex);
    if (!lex)
        return us_error(err, UNSPIN_E_NOMEM, "%s: out of memory", name);
    lex->data = d;
    lex->size = size;
    lex->ident = (us_load64(d + 56) ^ (uint64_t)size * 0x9E3779B97F4A7C15ull) | 1u;
    lex->strings = strings;
    lex->strings_size = (size_t)ssz;
    lex->entries = ent;
    lex->nentries = N;
    lex->hash = sec[LEX_SEC_HASH];
    lex->nslots = nslots;
    lex->links = sec[LEX_SEC_LINKS];
    lex->nlinks = NL;
    lex->max_candidates = us_load32(d + 36);
    if (lex->max_candidates == 0)
        lex->max_candidates = 50;
    snprintf(lex->name, sizeof lex->name, "%s", name);
    int rc = UNSPIN_OK;
    if (sec[LEX_SEC_MORPH]) {
        unspin_error sub;
        rc = morph_open(sec[LEX_SEC_MORPH], (size_t)secsz[LEX_SEC_MORPH], &lex->morph, &sub);
        if (rc < 0)
            us_error(err, rc, "%s: morphology section: %s", name, sub.message);
    }
    if (rc == UNSPIN_OK && sec[LEX_SEC_EMBED]) {
        unspin_error sub;
        rc = embed_open(sec[LEX_SEC_EMBED], (size_t)secsz[LEX_SEC_EMBED], &lex->emb, &sub);
        if (rc < 0)
            us_error(err, rc, "%s: embedding section: %s", name, sub.message);
    }
    if (rc < 0) {
        unspin_lexicon_close(lex);
        return rc;
    }
    *out = lex;
    return UNSPIN_OK;
}

int unspin_lexicon_open(const char *path, unspin_lexicon **out, unspin_error *err)
{
    if (!path || !out)
        return us_error(err, UNSPIN_E_INVALID, "unspin_lexicon_open: NULL argument");
    us_map m;
    US_TRY(us_map_open(path, &m, err));
    unspin_lexicon *lex;
    int rc = lex_open_memory(m.data, m.size, path, &lex, err);
    if (rc < 0) {
        us_map_close(&m);
        return rc;
    }
    lex->map = m;
    *out = lex;
    return UNSPIN_OK;
}

void unspin_lexicon_close(unspin_lexicon *lex)
{
    if (!lex)
        return;
    morph_free(lex->morph);
    embed_free(lex->emb);
    us_map_close(&lex->map);
    us_free(lex);
}

int unspin_lexicon_verify(const unspin_lexicon *lex, unspin_error *err)
{
    if (!lex)
        return us_error(err, UNSPIN_E_INVALID, "unspin_lexicon_verify: NULL lexicon");
    uint64_t want = us_load64(lex->data + 56);
    uint64_t got = us_checksum(lex->data + LEX_HEADER_SIZE, lex->size - LEX_HEADER_SIZE);
    if (want != got)
        return us_error(err, UNSPIN_E_CHECKSUM, "%s: checksum mismatch (file is corrupt; rebuild it)", lex->name);
    return UNSPIN_OK;
}

void unspin_lexicon_info(const unspin_lexicon *lex, size_t *entries, size_t *links, size_t *max_candidates)
{
    if (entries) *entries = lex ? lex->nentries : 0;
    if (links) *links = lex ? lex->nlinks : 0;
    if (max_candidates) *max_candidates = lex ? lex->max_candidates : 0;
}

/* ---------------------------------------------------------------- lookup */

int unspin_candidates_create(unspin_candidates **out, unspin_error *err)
{
    unspin_candidates *c = us_calloc(1, sizeof *c);
    if (!c)
        return us_error(err, UNSPIN_E_NOMEM, "candidates: out of memory");
    *out = c;
    return UNSPIN_OK;
}

void unspin_candidates_free(unspin_candidates *c)
{
    if (!c)
        return;
    if (c->cache) {
        for (size_t i = 0; i <= LC_SLOTS; i++) {
            us_free(c->cache[i].items);
            us_free(c->cache[i].text);
        }
        us_free(c->cache);
    }
    us_free(c->c);
    us_free(c->out);
    us_free(c->w);
    us_free(c->order);
    us_free(c->arena);
    us_free(c);
}

static const unsigned char *entry_at(const unspin_lexicon *lex, uint32_t id)
{
    return lex->entries + (size_t)id * LEX_ENTRY_SIZE;
}

static const char *entry_text(const unspin_lexicon *lex, uint32_t id, size_t *len)
{
    const unsigned char *e = entry_at(lex, id);
    *len = (size_t)e[4] | (size_t)e[5] << 8;
    return lex->strings + us_load32(e);
}

/* Entry id of a normalised key, or UINT32_MAX. */
static uint32_t find_entry(const unspin_lexicon *lex, const char *s, size_t len)
{
    uint32_t mask = lex->nslots - 1;
    uint32_t h = (uint32_t)us_hash(s, len) & mask;
    for (uint32_t probes = 0; probes < lex->nslots; probes++) {
        uint32_t v = us_load32(lex->hash + (size_t)h * 4);
        if (!v || v > lex->nentries)
            return UINT32_MAX;
        size_t el;
        const char *es = entry_text(lex, v - 1, &el);
        if (el == len && memcmp(es, s, len) == 0)
            return v - 1;
        h = (h + 1) & mask;
    }
    return UINT32_MAX;
}

int lex_has_entry(const unspin_lexicon *lex, const char *s, size_t len)
{
    return lex && len > 0 && find_entry(lex, s, len) != UINT32_MAX;
}

static int cand_reserve(unspin_candidates *c, size_t need, unspin_error *err)
{
    if (need <= c->cap)
        return UNSPIN_OK;
    size_t cap = c->cap ? c->cap : 64;
    while (cap < need)
        cap *= 2;
    void *a = us_realloc(c->c, cap * sizeof *c->c);
    if (a)
        c->c = a;
    void *b = us_realloc(c->out, cap * sizeof *c->out);
    if (b)
        c->out = b;
    void *w = us_realloc(c->w, cap * sizeof *c->w);
    if (w)
        c->w = w;
    void *o = us_realloc(c->order, cap * sizeof *c->order);
    if (o)
        c->order = o;
    if (!a || !b || !w || !o)
        return us_error(err, UNSPIN_E_NOMEM, "lexicon lookup: out of memory");
    c->cap = cap;
    return UNSPIN_OK;
}

static const char *cand_text(const unspin_candidates *c, size_t i)
{
    return c->w[i].text_off == UINT32_MAX ? c->c[i].text : c->arena + c->w[i].text_off;
}

/* Add one candidate, merging it with an equal one (same span and text).
 * Returns 1 if added or merged, 0 if the result list is full. */
static int cand_add(unspin_candidates *c, const char *text, size_t tl, uint32_t text_off, uint32_t span,
                    const unsigned char *l, float score, int inflected, unspin_error *err)
{
    uint32_t h = (uint32_t)us_hash(text, tl) * 2654435761u + span * 40503u;
    for (uint32_t p = 0; p < DEDUP_SLOTS; p++) {
        uint32_t s = (h + p) & (DEDUP_SLOTS - 1);
        if (c->slot_gen[s] != c->gen) {
            if (c->n >= MAX_RESULTS)
                return 0;
            if (cand_reserve(c, c->n + 1, err) < 0)
                return -1;
            c->slot_gen[s] = c->gen;
            c->slot_idx[s] = (uint16_t)c->n;
            unspin_candidate *x = &c->c[c->n];
            x->text = text_off == UINT32_MAX ? text : NULL;
            x->text_length = tl;
            x->span = span;
            x->sources = l[4];
            x->relations = l[5];
            x->links = l[6];
            int sim = (int)(int8_t)l[7];
            x->similarity = sim == LEX_SIM_NONE ? 0.0f : (float)sim / 127.0f;
            x->inflected = inflected;
            c->w[c->n].score = score;
            c->w[c->n].text_off = text_off;
            c->n++;
            return 1;
        }
        uint32_t i = c->slot_idx[s];
        unspin_candidate *x = &c->c[i];
        if (x->span == span && x->text_length == tl && memcmp(cand_text(c, i), text, tl) == 0) {
            x->sources |= l[4];
            x->relations |= l[5];
            if (l[6] > x->links)
                x->links = l[6];
            int sim = (int)(int8_t)l[7];
            if (sim != LEX_SIM_NONE && (float)sim / 127.0f > x->similarity)
                x->similarity = (float)sim / 127.0f;
            if (score > c->w[i].score)
                c->w[i].score = score;
            return 1;
        }
    }
    return 0;
}

/* Append the links of entry `id` as candidates of span `span` (at most the
 * lookup cap of them, best first); when tag > 0 re-inflect them (only those
 * whose POS fits). */
static int add_links(const unspin_lexicon *lex, unspin_candidates *c, uint32_t id, uint32_t span, int tag,
                     unsigned pos, float bonus, unspin_error *err)
{
    const unsigned char *e = entry_at(lex, id);
    uint32_t lb = us_load32(e + 8), le = us_load32(e + 8 + LEX_ENTRY_SIZE);
    if (le > lex->nlinks || lb > le)
        return UNSPIN_OK;
    /* the targets' entries, then their texts, are fetched from memory in
     * parallel before the loop below reads them one by one */
    uint32_t pe = le - lb > lex->max_candidates + 16u ? lb + lex->max_candidates + 16u : le;
    for (uint32_t k = lb; k < pe; k++) {
        uint32_t t = us_load32(lex->links + (size_t)k * LEX_LINK_SIZE);
        if (t < lex->nentries)
            __builtin_prefetch(entry_at(lex, t));
    }
    for (uint32_t k = lb; k < pe; k++) {
        uint32_t t = us_load32(lex->links + (size_t)k * LEX_LINK_SIZE);
        if (t < lex->nentries)
            __builtin_prefetch(lex->strings + us_load32(entry_at(lex, t)));
    }
    uint32_t added = 0;
    for (uint32_t k = lb; k < le && added < lex->max_candidates; k++) {
        const unsigned char *l = lex->links + (size_t)k * LEX_LINK_SIZE;
        uint32_t t = us_load32(l);
        if (t >= lex->nentries)
            continue;
        size_t tl;
        const char *ts = entry_text(lex, t, &tl);
        uint32_t text_off = UINT32_MAX;
        if (tag > 0) {
            if (!(entry_at(lex, t)[15] & pos))
                continue;
            char buf[MORPH_MAX_LEN * 2 + 8];
            int cacheable = t < (1u << 27); /* key = t * 16 + tag + 1 (tag < 16) */
            uint32_t key = cacheable ? t * 16u + (uint32_t)tag + 1u : 0;
            ic_slot *ic = &c->icache[(key * 2654435761u) >> (32 - IC_BITS)];
            int r;
            if (cacheable && ic->key == key) {
                r = ic->len;
                memcpy(buf, ic->text, r > 0 ? (size_t)r : 0);
            } else {
                r = morph_inflect(lex->morph, ts, tl, tag, buf, sizeof buf);
                if (cacheable && r < (int)sizeof ic->text) {
                    ic->key = key;
                    ic->len = (int8_t)(r > 0 ? r : -1);
                    memcpy(ic->text, buf, r > 0 ? (size_t)r : 0);
                }
            }
            if (r <= 0)
                continue;
            if (us_grow((void **)&c->arena, &c->acap, c->alen + (size_t)r + 1, 1) < 0)
                return us_error(err, UNSPIN_E_NOMEM, "lexicon lookup: out of memory");
            text_off = (uint32_t)c->alen;
            memcpy(c->arena + c->alen, buf, (size_t)r);
            c->arena[c->alen + (size_t)r] = 0;
            c->alen += (size_t)r + 1;
            tl = (size_t)r;
            ts = c->arena + text_off;
        }
        int r = cand_add(c, ts, tl, text_off, span, l, lex_u2f(us_load32(l + 8)) + bonus, tag > 0, err);
        if (r < 0)
            return UNSPIN_E_NOMEM;
        if (r == 0)
            break;
        added++;
    }
    return UNSPIN_OK;
}

static inline int key_less(const sort_key *x, const sort_key *y)
{
    if (x->span != y->span)
        return x->span < y->span;
    if (x->score != y->score)
        return x->score > y->score;
    size_t n = x->len < y->len ? x->len : y->len;
    int r = memcmp(x->text, y->text, n);
    return r ? r < 0 : x->len < y->len;
}

/* Sort k[0..m) by key_less (a total order: no two keys have the same span
 * and text): insertion sort of runs of 16, then bottom-up merging through
 * tmp. Several times faster than qsort() here, whose comparator calls cannot
 * be inlined. */
static void sort_keys(sort_key *k, sort_key *tmp, size_t m)
{
    enum { RUN = 16 };
    for (size_t lo = 0; lo < m; lo += RUN) {
        size_t hi = lo + RUN < m ? lo + RUN : m;
        for (size_t i = lo + 1; i < hi; i++) {
            sort_key x = k[i];
            size_t j = i;
            for (; j > lo && key_less(&x, &k[j - 1]); j--)
                k[j] = k[j - 1];
            k[j] = x;
        }
    }
    sort_key *src = k, *dst = tmp;
    for (size_t w = RUN; w < m; w *= 2) {
        for (size_t lo = 0; lo < m; lo += 2 * w) {
            size_t mid = lo + w < m ? lo + w : m, hi = lo + 2 * w < m ? lo + 2 * w : m;
            size_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi)
                dst[o++] = key_less(&src[j], &src[i]) ? src[j++] : src[i++];
            while (i < mid)
                dst[o++] = src[i++];
            while (j < hi)
                dst[o++] = src[j++];
        }
        sort_key *t = src;
        src = dst;
        dst = t;
    }
    if (src != k)
        memcpy(k, src, m * sizeof *k);
}

/* Sort c->c[from..n) by span and score, drop the observed span itself, cap
 * each span; c->c[0..from) stays as it is (already final). */
static void finish(const unspin_lexicon *lex, unspin_candidates *c, const char *const *words, const size_t *lens,
                   size_t from)
{
    size_t n = c->n;
    sort_key *keys = c->keys;
    size_t m = 0;
    for (size_t i = from; i < n && m < MAX_RESULTS; i++) {
        const char *t = cand_text(c, i);
        size_t tl = c->c[i].text_length;
        size_t span = c->c[i].span, off = 0;
        int same = 1;
        for (size_t k = 0; k < span && same; k++) {
            if (k) {
                if (off >= tl || t[off] != ' ') { same = 0; break; }
                off++;
            }
            if (off + lens[k] > tl || memcmp(t + off, words[k], lens[k]) != 0)
                same = 0;
            off += lens[k];
        }
        if (same && off == tl)
            continue;
        keys[m].span = (uint32_t)span;
        keys[m].score = c->w[i].score;
        keys[m].text = t;
        keys[m].len = tl;
        keys[m].index = (uint32_t)i;
        m++;
    }
    sort_keys(keys, c->ktmp, m);
    if (from)
        memcpy(c->out, c->c, from * sizeof *c->c);
    size_t o = from, run = 0;
    for (size_t i = 0; i < m; i++) {
        run = (i && keys[i].span == keys[i - 1].span) ? run + 1 : 0;
        if (run >= lex->max_candidates)
            continue;
        c->out[o] = c->c[keys[i].index];
        c->out[o].text = keys[i].text;
        c->w[o].score = keys[i].score; /* (keys hold copies: safe to overwrite) */
        c->w[o].text_off = UINT32_MAX;
        o++;
    }
    unspin_candidate *t = c->c;
    c->c = c->out;
    c->out = t;
    c->n = o;
}

/* Look up the phrase words[0..L) with word `at` replaced by `lemma`, and add
 * its candidates re-inflected with `tag`. */
static int phrase_variant(const unspin_lexicon *lex, unspin_candidates *c, const char *const *words,
                          const size_t *lens, size_t L, const char *lemma, size_t lemma_len, size_t at, int tag,
                          unsigned pos, unspin_error *err)
{
    size_t klen = 0;
    for (size_t k = 0; k < L; k++) {
        const char *w = k == at ? lemma : words[k];
        size_t wl = k == at ? lemma_len : lens[k];
        if (klen + wl + 1 > sizeof c->key)
            return UNSPIN_OK;
        if (k)
            c->key[klen++] = ' ';
        memcpy(c->key + klen, w, wl);
        klen += wl;
    }
    uint32_t id = find_entry(lex, c->key, klen);
    if (id == UINT32_MAX)
        return UNSPIN_OK;
    return add_links(lex, c, id, (uint32_t)L, tag, pos, -0.3f, err);
}

static int phrase_variants(const unspin_lexicon *lex, unspin_candidates *c, const char *const *words,
                           const size_t *lens, size_t n, const char *lemma, size_t lemma_len, size_t at, int tag,
                           unspin_error *err)
{
    uint32_t first = find_entry(lex, lemma, lemma_len);
    if (first == UINT32_MAX)
        return UNSPIN_OK;
    size_t maxlen = entry_at(lex, first)[7];
    for (size_t L = 2; L <= n && L <= maxlen; L++)
        US_TRY(phrase_variant(lex, c, words, lens, L, lemma, lemma_len, at, tag, MORPH_VERB, err));
    return UNSPIN_OK;
}

static void new_generation(unspin_candidates *c)
{
    if (++c->gen == 0) {
        memset(c->slot_gen, 0, sizeof c->slot_gen);
        c->gen = 1;
    }
}

/* ---- hyphenated compounds: "cross-approval" -> "cross-validation" ---- */

#define HY_K 8        /* candidates per part */
#define HY_MAX_PART 63

typedef struct hy_cand {
    char text[HY_MAX_PART + 1];
    uint32_t len;
    float score;
    uint8_t src, rel;
} hy_cand;

/* Up to k single-token candidates of one part of a compound (best first);
 * the last part is also looked up through its lemma and re-inflected. */
static size_t part_candidates(const unspin_lexicon *lex, const char *p, size_t pl, int last, hy_cand *out, size_t k)
{
    size_t n = 0;
    for (int pass = 0; pass < 2 && n < k; pass++) {
        morph_analysis an[MORPH_MAX_ANALYSES];
        size_t na = 1;
        if (pass == 1) {
            if (!last || !lex->morph)
                break;
            na = morph_analyse(lex->morph, p, pl, an, MORPH_MAX_ANALYSES);
        }
        for (size_t a = 0; a < na && n < k; a++) {
            int tag = 0;
            unsigned pos = 0;
            uint32_t id;
            if (pass == 0) {
                id = find_entry(lex, p, pl);
            } else {
                if (an[a].tag == MORPH_BASE)
                    continue;
                tag = an[a].tag;
                pos = an[a].pos;
                id = find_entry(lex, an[a].lemma, an[a].lemma_len);
            }
            if (id == UINT32_MAX)
                continue;
            const unsigned char *e = entry_at(lex, id);
            uint32_t lb = us_load32(e + 8), le = us_load32(e + 8 + LEX_ENTRY_SIZE);
            if (le > lex->nlinks || lb > le)
                continue;
            for (uint32_t q = lb; q < le && n < k; q++) {
                const unsigned char *l = lex->links + (size_t)q * LEX_LINK_SIZE;
                uint32_t t = us_load32(l);
                if (t >= lex->nentries || entry_at(lex, t)[6] != 1)
                    continue;
                size_t tl;
                const char *ts = entry_text(lex, t, &tl);
                hy_cand *h = &out[n];
                if (tag > 0) {
                    if (!(entry_at(lex, t)[15] & pos))
                        continue;
                    int r = morph_inflect(lex->morph, ts, tl, tag, h->text, sizeof h->text);
                    if (r <= 0)
                        continue;
                    h->len = (uint32_t)r;
                } else {
                    if (tl > HY_MAX_PART)
                        continue;
                    memcpy(h->text, ts, tl);
                    h->text[tl] = 0;
                    h->len = (uint32_t)tl;
                }
                h->score = lex_u2f(us_load32(l + 8)) - (tag > 0 ? 0.3f : 0.0f);
                h->src = l[4];
                h->rel = l[5];
                n++;
            }
        }
    }
    return n;
}

static int add_compound(unspin_candidates *c, const char *const *parts, const size_t *plens, size_t np,
                        const hy_cand *a, size_t ia, const hy_cand *b, size_t ib, unspin_error *err)
{
    /* parts with part ia replaced by a (and part ib by b when b != NULL), joined by '-' */
    size_t need = 0;
    for (size_t i = 0; i < np; i++)
        need += (i == ia ? a->len : b && i == ib ? b->len : plens[i]) + 1;
    if (us_grow((void **)&c->arena, &c->acap, c->alen + need + 1, 1) < 0)
        return us_error(err, UNSPIN_E_NOMEM, "lexicon lookup: out of memory");
    uint32_t off = (uint32_t)c->alen;
    char *o = c->arena + off;
    size_t k = 0;
    for (size_t i = 0; i < np; i++) {
        if (i)
            o[k++] = '-';
        const char *t = i == ia ? a->text : b && i == ib ? b->text : parts[i];
        size_t tl = i == ia ? a->len : b && i == ib ? b->len : plens[i];
        memcpy(o + k, t, tl);
        k += tl;
    }
    o[k] = 0;
    c->alen += k + 1;
    unsigned char lk[LEX_LINK_SIZE] = {0};
    lk[4] = (unsigned char)(a->src | (b ? b->src : 0));
    lk[5] = (unsigned char)(a->rel | (b ? b->rel : 0));
    lk[6] = 1;
    lk[7] = (unsigned char)(int8_t)LEX_SIM_NONE;
    float score = b ? (a->score < b->score ? a->score : b->score) - 1.0f : a->score - 0.5f;
    int r = cand_add(c, o, k, off, 1, lk, score, 0, err);
    return r < 0 ? UNSPIN_E_NOMEM : UNSPIN_OK;
}

/* Candidates of a hyphenated word built from the candidates of its parts:
 * one part replaced, or (two-part words) both. */
static int compound_candidates(const unspin_lexicon *lex, unspin_candidates *c, const char *w, size_t wl,
                               unspin_error *err)
{
    const char *parts[3];
    size_t plens[3], np = 0, st = 0;
    for (size_t i = 0; i <= wl; i++) {
        if (i == wl || w[i] == '-') {
            if (np == 3 || i == st || i - st > HY_MAX_PART)
                return UNSPIN_OK;
            parts[np] = w + st;
            plens[np++] = i - st;
            st = i + 1;
        }
    }
    if (np < 2)
        return UNSPIN_OK;
    hy_cand pc[3][HY_K];
    size_t pn[3];
    for (size_t i = 0; i < np; i++)
        pn[i] = part_candidates(lex, parts[i], plens[i], i + 1 == np, pc[i], HY_K);
    for (size_t i = 0; i < np; i++)
        for (size_t j = 0; j < pn[i]; j++)
            US_TRY(add_compound(c, parts, plens, np, &pc[i][j], i, NULL, 0, err));
    if (np == 2)
        for (size_t j = 0; j < pn[0] && j < 4; j++)
            for (size_t k = 0; k < pn[1] && k < 4; k++)
                US_TRY(add_compound(c, parts, plens, np, &pc[0][j], 0, &pc[1][k], 1, err));
    return UNSPIN_OK;
}

/* Single-word candidates of w (exact, spelling variant, lemma + re-inflection),
 * sorted and capped, in c->c[0..c->n). Sets *maxlen (longest spun phrase that
 * starts with w) and *verb_phr (an inflected verb reading whose lemma starts
 * phrases). */
static int single_word(const unspin_lexicon *lex, unspin_candidates *c, const char *w, size_t wl, uint8_t *maxlen,
                       uint8_t *verb_phr, unspin_error *err)
{
    c->n = 0;
    new_generation(c);
    uint32_t first = find_entry(lex, w, wl);
    *maxlen = first == UINT32_MAX ? 1 : entry_at(lex, first)[7];
    *verb_phr = 0;
    if (first != UINT32_MAX)
        US_TRY(add_links(lex, c, first, 1, 0, 0, 0.0f, err));
    if (lex->morph) {
        char spell[MORPH_MAX_LEN + 1];
        const char *w0 = w;
        size_t l0 = wl;
        size_t sk = morph_spelling_key(lex->morph, w0, l0, spell, sizeof spell);
        if (sk && (sk != l0 || memcmp(spell, w0, l0) != 0)) {
            uint32_t id = find_entry(lex, spell, sk);
            if (id != UINT32_MAX)
                US_TRY(add_links(lex, c, id, 1, 0, 0, -0.2f, err));
            w0 = spell;
            l0 = sk;
        }
        morph_analysis an[MORPH_MAX_ANALYSES];
        size_t na = morph_analyse(lex->morph, w0, l0, an, MORPH_MAX_ANALYSES);
        for (size_t i = 0; i < na; i++) {
            if (an[i].tag == MORPH_BASE)
                continue;
            uint32_t id = find_entry(lex, an[i].lemma, an[i].lemma_len);
            if (id == UINT32_MAX)
                continue;
            US_TRY(add_links(lex, c, id, 1, an[i].tag, an[i].pos, -0.3f, err));
            if (an[i].pos == MORPH_VERB && entry_at(lex, id)[7] >= 2)
                *verb_phr = 1;
        }
    }
    if (memchr(w, '-', wl) && c->n < lex->max_candidates)
        US_TRY(compound_candidates(lex, c, w, wl, err));
    const char *words[1] = {w};
    size_t lens[1] = {wl};
    finish(lex, c, words, lens, 0);
    return UNSPIN_OK;
}

/* Store c->c[0..n) in a cache slot; then point the results at the slot's copy. */
static int cache_store(unspin_candidates *c, lc_slot *s, const unspin_lexicon *lex, const char *w, size_t wl,
                       uint8_t maxlen, uint8_t verb_phr)
{
    size_t tneed = 0;
    for (size_t i = 0; i < c->n; i++)
        tneed += c->c[i].text_length + 1;
    s->ident = 0;
    if (us_grow((void **)&s->items, &s->icap, c->n ? c->n : 1, sizeof *s->items) < 0 ||
        us_grow((void **)&s->text, &s->tcap, tneed ? tneed : 1, 1) < 0)
        return UNSPIN_E_NOMEM;
    size_t off = 0;
    for (size_t i = 0; i < c->n; i++) {
        const unspin_candidate *x = &c->c[i];
        lc_item *it = &s->items[i];
        it->score = c->w[i].score;
        it->off = (uint32_t)off;
        it->len = (uint32_t)x->text_length;
        it->src = (uint8_t)x->sources;
        it->rel = (uint8_t)x->relations;
        it->links = (uint8_t)x->links;
        it->infl = (uint8_t)x->inflected;
        it->sim = x->similarity;
        memcpy(s->text + off, x->text, x->text_length);
        s->text[off + x->text_length] = 0;
        off += x->text_length + 1;
    }
    s->n = (uint32_t)c->n;
    if (wl < sizeof s->word) {
        s->wlen = (uint32_t)wl;
        memcpy(s->word, w, wl);
    } else {
        s->wlen = UINT32_MAX; /* never matches: recomputed each time */
    }
    s->maxlen = maxlen;
    s->verb_phr = verb_phr;
    s->ident = lex->ident;
    return UNSPIN_OK;
}

static int cache_load(unspin_candidates *c, const lc_slot *s, unspin_error *err)
{
    US_TRY(cand_reserve(c, s->n + 1, err));
    for (size_t i = 0; i < s->n; i++) {
        const lc_item *it = &s->items[i];
        unspin_candidate *x = &c->c[i];
        x->text = s->text + it->off;
        x->text_length = it->len;
        x->span = 1;
        x->sources = it->src;
        x->relations = it->rel;
        x->links = it->links;
        x->similarity = it->sim;
        x->inflected = it->infl;
        c->w[i].score = it->score;
        c->w[i].text_off = UINT32_MAX;
    }
    c->n = s->n;
    return UNSPIN_OK;
}

/* Cheap filter before morph_analyse() on the last word of a phrase: regular
 * plurals end in -s; the common irregular ones in -men, -ren, -ice, -eet,
 * -eeth, -ae, -ia, -i. */
static int maybe_plural(const char *w, size_t n)
{
    static const char *const ends[] = {"s", "men", "ren", "ice", "eet", "eeth", "ae", "ia", "i"};
    for (size_t i = 0; i < US_ARRAY_LEN(ends); i++) {
        size_t el = strlen(ends[i]);
        if (n > el && memcmp(w + n - el, ends[i], el) == 0)
            return 1;
    }
    return 0;
}

int unspin_lexicon_lookup(const unspin_lexicon *lex, const char *const *words, const size_t *lens, size_t n,
                          unspin_candidates *c, const unspin_candidate **cands, size_t *ncands,
                          unspin_error *err)
{
    if (!lex || !c || !cands || !ncands || (n && (!words || !lens)))
        return us_error(err, UNSPIN_E_INVALID, "unspin_lexicon_lookup: NULL argument");
    c->n = 0;
    c->alen = 0;
    *ncands = 0;
    *cands = c->c;
    if (c->ident != lex->ident) {
        memset(c->icache, 0, sizeof c->icache);
        c->ident = lex->ident;
    }
    if (n > LEX_MAX_PHRASE)
        n = LEX_MAX_PHRASE;
    for (size_t i = 0; i < n; i++)
        if (lens[i] == 0 || lens[i] > 255)
            n = i;
    if (n == 0)
        return UNSPIN_OK;

    /* span 1, through the cache (slot LC_SLOTS: words too long to cache) */
    uint8_t maxlen, verb_phr;
    if (!c->cache) {
        c->cache = us_calloc(LC_SLOTS + 1, sizeof *c->cache);
        if (!c->cache)
            return us_error(err, UNSPIN_E_NOMEM, "lexicon lookup: out of memory");
    }
    lc_slot *slot = lens[0] < sizeof slot->word ? &c->cache[(size_t)us_hash(words[0], lens[0]) & (LC_SLOTS - 1)]
                                                : &c->cache[LC_SLOTS];
    if (slot->ident != lex->ident || slot->wlen != lens[0] || memcmp(slot->word, words[0], lens[0]) != 0) {
        US_TRY(single_word(lex, c, words[0], lens[0], &maxlen, &verb_phr, err));
        if (cache_store(c, slot, lex, words[0], lens[0], maxlen, verb_phr) < 0)
            return us_error(err, UNSPIN_E_NOMEM, "lexicon lookup: out of memory");
    }
    maxlen = slot->maxlen;
    verb_phr = slot->verb_phr;
    US_TRY(cache_load(c, slot, err));
    size_t nsingle = c->n;

    /* phrases */
    if (n >= 2 && (maxlen >= 2 || verb_phr)) {
        new_generation(c);
        size_t klen = lens[0];
        memcpy(c->key, words[0], lens[0]);
        for (size_t L = 2; L <= n && L <= maxlen; L++) {
            c->key[klen++] = ' ';
            memcpy(c->key + klen, words[L - 1], lens[L - 1]);
            klen += lens[L - 1];
            uint32_t id = find_entry(lex, c->key, klen);
            if (id != UINT32_MAX)
                US_TRY(add_links(lex, c, id, (uint32_t)L, 0, 0, 0.0f, err));
        }
        if (lex->morph && verb_phr) {
            /* phrases with an inflected verb head: "took part" -> "take part" */
            morph_analysis an[MORPH_MAX_ANALYSES];
            size_t na = morph_analyse(lex->morph, words[0], lens[0], an, MORPH_MAX_ANALYSES);
            for (size_t i = 0; i < na; i++)
                if (an[i].tag != MORPH_BASE && an[i].pos == MORPH_VERB)
                    US_TRY(phrase_variants(lex, c, words, lens, n, an[i].lemma, an[i].lemma_len, 0, an[i].tag,
                                           err));
        }
        if (lex->morph && maxlen >= 2) {
            /* phrases with a plural noun head: "machine intelligences" */
            for (size_t L = 2; L <= n && L <= maxlen; L++) {
                if (!maybe_plural(words[L - 1], lens[L - 1]))
                    continue;
                morph_analysis al[MORPH_MAX_ANALYSES];
                size_t nl = morph_analyse(lex->morph, words[L - 1], lens[L - 1], al, MORPH_MAX_ANALYSES);
                for (size_t i = 0; i < nl; i++)
                    if (al[i].tag == MORPH_NNS)
                        US_TRY(phrase_variant(lex, c, words, lens, L, al[i].lemma, al[i].lemma_len, L - 1,
                                              MORPH_NNS, MORPH_NOUN, err));
            }
        }
        if (c->n > nsingle)
            finish(lex, c, words, lens, nsingle);
    }
    *cands = c->c;
    *ncands = c->n;
    return UNSPIN_OK;
}

/* ---------------------------------------------------------------- vectors */

int unspin_lexicon_dim(const unspin_lexicon *lex)
{
    return lex && lex->emb ? embed_dim(lex->emb) : 0;
}

int unspin_lexicon_vector(const unspin_lexicon *lex, const char *word, size_t len, float *out)
{
    if (!lex || !lex->emb || !word)
        return 0;
    int32_t id = embed_find(lex->emb, word, len);
    if (id < 0)
        return 0;
    embed_vector(lex->emb, id, out);
    return 1;
}

int32_t lex_vector_id(const unspin_lexicon *lex, const char *word, size_t len)
{
    if (!lex || !lex->emb || !word)
        return -1;
    return embed_find(lex->emb, word, len);
}

void lex_vector_by_id(const unspin_lexicon *lex, int32_t id, float *out)
{
    embed_vector(lex->emb, id, out);
}

int unspin_lexicon_similar(const unspin_lexicon *lex, const char *word, size_t len, size_t k,
                           unspin_candidates *c, const unspin_candidate **cands, size_t *ncands,
                           unspin_error *err)
{
    if (!lex || !c || !cands || !ncands || !word)
        return us_error(err, UNSPIN_E_INVALID, "unspin_lexicon_similar: NULL argument");
    c->n = 0;
    c->alen = 0;
    *cands = c->c;
    *ncands = 0;
    if (!lex->emb || k == 0)
        return UNSPIN_OK;
    int32_t id = embed_find(lex->emb, word, len);
    if (id < 0)
        return UNSPIN_OK;
    if (k > 10000)
        k = 10000;
    embed_neighbor *nb = us_malloc(k * sizeof *nb);
    if (!nb)
        return us_error(err, UNSPIN_E_NOMEM, "lexicon: out of memory");
    size_t got = 0;
    int rc = embed_knn(lex->emb, id, k, 0, nb, &got, err);
    for (size_t i = 0; i < got && rc == UNSPIN_OK; i++) {
        rc = cand_reserve(c, c->n + 1, err);
        if (rc < 0)
            break;
        unspin_candidate *x = &c->c[c->n];
        memset(x, 0, sizeof *x);
        x->text = embed_word(lex->emb, nb[i].id);
        x->text_length = embed_word_len(lex->emb, nb[i].id);
        x->span = 1;
        x->sources = UNSPIN_SRC_EMBEDDING;
        x->links = 1;
        x->similarity = nb[i].score;
        c->w[c->n].score = nb[i].score;
        c->w[c->n].text_off = UINT32_MAX;
        c->n++;
    }
    us_free(nb);
    if (rc < 0)
        return rc;
    *cands = c->c;
    *ncands = c->n;
    return UNSPIN_OK;
}
