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
    char name[200];
};

typedef struct cand_work {
    float score;
    uint32_t text_off; /* in the arena, or UINT32_MAX when text points into the file */
} cand_work;

struct unspin_candidates {
    unspin_candidate *c;
    cand_work *w;
    size_t n, cap;
    char *arena;
    size_t alen, acap;
    char key[4 * 256 + 8];
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
        if ((uint64_t)off + len >= ssz || strings[off + len] != 0 || len == 0 || e[6] < 1 ||
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
        rc = morph_open(sec[LEX_SEC_MORPH], (size_t)secsz[LEX_SEC_MORPH], &lex->morph, err);
        if (rc < 0)
            us_error(err, rc, "%s: morphology section: %s", name, err ? err->message : "corrupt");
    }
    if (rc == UNSPIN_OK && sec[LEX_SEC_EMBED]) {
        rc = embed_open(sec[LEX_SEC_EMBED], (size_t)secsz[LEX_SEC_EMBED], &lex->emb, err);
        if (rc < 0)
            us_error(err, rc, "%s: embedding section: %s", name, err ? err->message : "corrupt");
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
    us_free(c->c);
    us_free(c->w);
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

static int cand_push(unspin_candidates *c, unspin_error *err)
{
    if (c->n + 1 > c->cap) {
        size_t cap = c->cap, cap2 = c->cap;
        if (us_grow((void **)&c->c, &cap, c->n + 1, sizeof *c->c) < 0 ||
            us_grow((void **)&c->w, &cap2, c->n + 1, sizeof *c->w) < 0)
            return us_error(err, UNSPIN_E_NOMEM, "lexicon lookup: out of memory");
        c->cap = cap < cap2 ? cap : cap2;
    }
    return UNSPIN_OK;
}

/* Append the links of entry `id` as candidates of span `span`; when tag >= 0
 * re-inflect them (only those whose POS fits the tag). */
static int add_links(const unspin_lexicon *lex, unspin_candidates *c, uint32_t id, uint32_t span, int tag,
                     unsigned pos, float bonus, unspin_error *err)
{
    const unsigned char *e = entry_at(lex, id);
    uint32_t lb = us_load32(e + 8), le = us_load32(e + 8 + LEX_ENTRY_SIZE);
    if (le > lex->nlinks || lb > le)
        return UNSPIN_OK;
    for (uint32_t k = lb; k < le; k++) {
        const unsigned char *l = lex->links + (size_t)k * LEX_LINK_SIZE;
        uint32_t t = us_load32(l);
        if (t >= lex->nentries)
            continue;
        size_t tl;
        const char *ts = entry_text(lex, t, &tl);
        uint32_t text_off = UINT32_MAX;
        if (tag > 0) {
            unsigned tp = lex->morph ? morph_in_index(lex->morph, ts, tl) : 0;
            if (!(tp & pos))
                continue;
            char buf[MORPH_MAX_LEN * 2 + 8];
            int r = morph_inflect(lex->morph, ts, tl, tag, buf, sizeof buf);
            if (r <= 0)
                continue;
            if (us_grow((void **)&c->arena, &c->acap, c->alen + (size_t)r + 1, 1) < 0)
                return us_error(err, UNSPIN_E_NOMEM, "lexicon lookup: out of memory");
            text_off = (uint32_t)c->alen;
            memcpy(c->arena + c->alen, buf, (size_t)r);
            c->arena[c->alen + (size_t)r] = 0;
            c->alen += (size_t)r + 1;
            tl = (size_t)r;
        }
        US_TRY(cand_push(c, err));
        unspin_candidate *x = &c->c[c->n];
        x->text = text_off == UINT32_MAX ? ts : NULL;
        x->text_length = tl;
        x->span = span;
        x->sources = l[4];
        x->relations = l[5];
        x->links = l[6];
        int sim = (int)(int8_t)l[7];
        x->similarity = sim == LEX_SIM_NONE ? 0.0f : (float)sim / 127.0f;
        x->inflected = tag > 0;
        c->w[c->n].score = lex_link_score(l[4], l[5], l[6], sim, us_load32(entry_at(lex, t) + 12)) + bonus;
        c->w[c->n].text_off = text_off;
        c->n++;
    }
    return UNSPIN_OK;
}

static const char *cand_text(const unspin_candidates *c, size_t i)
{
    return c->w[i].text_off == UINT32_MAX ? c->c[i].text : c->arena + c->w[i].text_off;
}

/* sort helpers: an index array sorted with a context-free comparator needs
 * the data; we sort (candidate, work) pairs together through a temporary. */
typedef struct pair {
    unspin_candidate c;
    cand_work w;
    const char *t;
} pair;

static int cmp_text(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    if (x->c.span != y->c.span)
        return x->c.span < y->c.span ? -1 : 1;
    size_t n = x->c.text_length < y->c.text_length ? x->c.text_length : y->c.text_length;
    int r = memcmp(x->t, y->t, n);
    if (r)
        return r;
    if (x->c.text_length != y->c.text_length)
        return x->c.text_length < y->c.text_length ? -1 : 1;
    if (x->w.score != y->w.score)
        return x->w.score > y->w.score ? -1 : 1;
    return 0;
}

static int cmp_score(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    if (x->c.span != y->c.span)
        return x->c.span < y->c.span ? -1 : 1;
    if (x->w.score != y->w.score)
        return x->w.score > y->w.score ? -1 : 1;
    size_t n = x->c.text_length < y->c.text_length ? x->c.text_length : y->c.text_length;
    int r = memcmp(x->t, y->t, n);
    if (r)
        return r;
    return x->c.text_length < y->c.text_length ? -1 : x->c.text_length > y->c.text_length;
}

static int finish(const unspin_lexicon *lex, unspin_candidates *c, const char *const *words,
                  const size_t *lens, const unspin_candidate **cands, size_t *ncands, unspin_error *err)
{
    size_t n = c->n;
    if (!n) {
        *cands = c->c;
        *ncands = 0;
        return UNSPIN_OK;
    }
    pair *p = us_malloc(n * sizeof *p);
    if (!p)
        return us_error(err, UNSPIN_E_NOMEM, "lexicon lookup: out of memory");
    for (size_t i = 0; i < n; i++) {
        p[i].c = c->c[i];
        p[i].w = c->w[i];
        p[i].t = cand_text(c, i);
    }
    qsort(p, n, sizeof *p, cmp_text);
    /* merge duplicates (same span and text): keep the best, union the evidence;
     * drop candidates equal to the observed span itself */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && p[m - 1].c.span == p[i].c.span && p[m - 1].c.text_length == p[i].c.text_length &&
            memcmp(p[m - 1].t, p[i].t, p[i].c.text_length) == 0) {
            pair *q = &p[m - 1];
            q->c.sources |= p[i].c.sources;
            q->c.relations |= p[i].c.relations;
            if (p[i].c.links > q->c.links)
                q->c.links = p[i].c.links;
            if (p[i].c.similarity > q->c.similarity)
                q->c.similarity = p[i].c.similarity;
            continue;
        }
        /* same as observed? */
        size_t span = p[i].c.span, off = 0;
        int same = 1;
        for (size_t k = 0; k < span && same; k++) {
            if (k) {
                if (off >= p[i].c.text_length || p[i].t[off] != ' ') { same = 0; break; }
                off++;
            }
            if (off + lens[k] > p[i].c.text_length || memcmp(p[i].t + off, words[k], lens[k]) != 0)
                same = 0;
            off += lens[k];
        }
        if (same && off == p[i].c.text_length)
            continue;
        p[m++] = p[i];
    }
    qsort(p, m, sizeof *p, cmp_score);
    /* cap per span */
    size_t o = 0, run = 0;
    for (size_t i = 0; i < m; i++) {
        run = (i && p[i].c.span == p[i - 1].c.span) ? run + 1 : 0;
        if (run >= lex->max_candidates)
            continue;
        c->c[o] = p[i].c;
        c->w[o] = p[i].w;
        o++;
    }
    us_free(p);
    c->n = o;
    for (size_t i = 0; i < o; i++)
        if (c->w[i].text_off != UINT32_MAX)
            c->c[i].text = c->arena + c->w[i].text_off;
    *cands = c->c;
    *ncands = o;
    return UNSPIN_OK;
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
    if (n == 0)
        return UNSPIN_OK;
    if (n > LEX_MAX_PHRASE)
        n = LEX_MAX_PHRASE;
    for (size_t i = 0; i < n; i++)
        if (lens[i] == 0 || lens[i] > 255)
            n = i;
    if (n == 0)
        return UNSPIN_OK;
    uint32_t first = find_entry(lex, words[0], lens[0]);
    size_t maxlen = first == UINT32_MAX ? 1 : entry_at(lex, first)[7];
    if (first != UINT32_MAX)
        US_TRY(add_links(lex, c, first, 1, 0, 0, 0.0f, err));
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
    if (lex->morph) {
        char spell[MORPH_MAX_LEN + 1];
        const char *w0 = words[0];
        size_t l0 = lens[0];
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
            /* phrases with an inflected verb head: "took part" -> "take part" */
            if (n >= 2 && an[i].pos == MORPH_VERB)
                US_TRY(phrase_variants(lex, c, words, lens, n, an[i].lemma, an[i].lemma_len, 0, an[i].tag, err));
        }
        /* phrases with a plural noun head: "machine intelligences" */
        if (n >= 2 && maxlen >= 2) {
            for (size_t L = 2; L <= n && L <= maxlen; L++) {
                morph_analysis al[MORPH_MAX_ANALYSES];
                size_t nl = morph_analyse(lex->morph, words[L - 1], lens[L - 1], al, MORPH_MAX_ANALYSES);
                for (size_t i = 0; i < nl; i++)
                    if (al[i].tag == MORPH_NNS)
                        US_TRY(phrase_variant(lex, c, words, lens, L, al[i].lemma, al[i].lemma_len, L - 1,
                                              MORPH_NNS, MORPH_NOUN, err));
            }
        }
    }
    return finish(lex, c, words, lens, cands, ncands, err);
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
        rc = cand_push(c, err);
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
