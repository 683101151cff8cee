/*
 * lex_build.c - the lexicon builder: collects links "spun phrase -> candidate
 * original" from the thesaurus parsers (lex_sources.c), the built-in
 * function-word table and word-vector neighbours, ranks and caps them, and
 * writes the .uslex file (docs/lexicon-format.md). Deterministic: the same
 * inputs give the same bytes.
 */
#include "embed.h"
#include "lex_internal.h"
#include "morph.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- string map */

/* Open-addressing map from byte strings (kept in an arena) to int64 values. */
typedef struct strmap {
    char *arena;
    size_t alen, acap;
    uint64_t *koff; /* per key: arena offset << 16 | length */
    int64_t *val;
    size_t n, cap;
    uint32_t *slots; /* key index + 1, 0 = empty */
    size_t nslots;
} strmap;

static void strmap_free(strmap *m)
{
    us_free(m->arena);
    us_free(m->koff);
    us_free(m->val);
    us_free(m->slots);
    memset(m, 0, sizeof *m);
}

static const char *strmap_key(const strmap *m, size_t i, size_t *len)
{
    *len = (size_t)(m->koff[i] & 0xffff);
    return m->arena + (m->koff[i] >> 16);
}

/* Slot of key s (existing or the empty slot where it would go). */
static size_t strmap_slot(const strmap *m, const char *s, size_t len)
{
    size_t mask = m->nslots - 1, i = (size_t)us_hash(s, len) & mask;
    for (;;) {
        uint32_t k = m->slots[i];
        if (!k)
            return i;
        size_t kl;
        const char *ks = strmap_key(m, k - 1, &kl);
        if (kl == len && memcmp(ks, s, len) == 0)
            return i;
        i = (i + 1) & mask;
    }
}

static int strmap_rehash(strmap *m, size_t nslots)
{
    uint32_t *s = us_calloc(nslots, sizeof *s);
    if (!s)
        return UNSPIN_E_NOMEM;
    us_free(m->slots);
    m->slots = s;
    m->nslots = nslots;
    for (size_t k = 0; k < m->n; k++) {
        size_t kl;
        const char *ks = strmap_key(m, k, &kl);
        m->slots[strmap_slot(m, ks, kl)] = (uint32_t)(k + 1);
    }
    return UNSPIN_OK;
}

/* Find: returns 1 and *val if present. */
static int strmap_get(const strmap *m, const char *s, size_t len, int64_t *val)
{
    if (!m->nslots)
        return 0;
    uint32_t k = m->slots[strmap_slot(m, s, len)];
    if (!k)
        return 0;
    *val = m->val[k - 1];
    return 1;
}

/* Insert a new key (must not be present); *index gets its key index. */
static int strmap_put(strmap *m, const char *s, size_t len, int64_t val, size_t *index)
{
    if (len > 0xffff)
        return UNSPIN_E_LIMIT;
    if ((m->n + 1) * 2 > m->nslots)
        US_TRY(strmap_rehash(m, m->nslots ? m->nslots * 2 : 1024));
    /* s may be a key of this map (lexb_write() interns the first word of a
     * phrase), which growing the arena moves */
    int inside = m->arena && s >= m->arena && s < m->arena + m->alen;
    size_t soff = inside ? (size_t)(s - m->arena) : 0;
    if (us_grow((void **)&m->arena, &m->acap, m->alen + len + 1, 1) < 0)
        return UNSPIN_E_NOMEM;
    if (inside)
        s = m->arena + soff;
    size_t cap = m->cap;
    if (us_grow((void **)&m->koff, &cap, m->n + 1, sizeof *m->koff) < 0)
        return UNSPIN_E_NOMEM;
    cap = m->cap;
    if (us_grow((void **)&m->val, &cap, m->n + 1, sizeof *m->val) < 0)
        return UNSPIN_E_NOMEM;
    m->cap = cap;
    memcpy(m->arena + m->alen, s, len);
    m->arena[m->alen + len] = 0;
    m->koff[m->n] = (uint64_t)m->alen << 16 | len;
    m->val[m->n] = val;
    m->alen += len + 1;
    m->slots[strmap_slot(m, s, len)] = (uint32_t)(m->n + 1);
    if (index)
        *index = m->n;
    m->n++;
    return UNSPIN_OK;
}

/* ---------------------------------------------------------------- builder */

typedef struct lex_edge {
    uint32_t spun, orig;
    uint8_t src, rel;
    uint16_t links;
} lex_edge;

struct lexb {
    unspin_tokenizer *tk;
    strmap norm; /* normalised phrase -> entry id (entry id == key index) */
    strmap raw;  /* raw source spelling -> entry id or -1 */
    uint8_t *ntok; /* per entry */
    size_t ntok_cap;
    lex_edge *edges;
    size_t nedges, edges_cap;
    char *buf;
    size_t buf_cap;
    int failed;
};

int lexb_create(lexb **out, unspin_error *err)
{
    lexb *b = us_calloc(1, sizeof *b);
    if (!b)
        return us_error(err, UNSPIN_E_NOMEM, "lexicon builder: out of memory");
    int rc = unspin_tokenizer_create(&b->tk, err);
    if (rc < 0) {
        us_free(b);
        return rc;
    }
    *out = b;
    return UNSPIN_OK;
}

void lexb_free(lexb *b)
{
    if (!b)
        return;
    unspin_tokenizer_free(b->tk);
    strmap_free(&b->norm);
    strmap_free(&b->raw);
    us_free(b->ntok);
    us_free(b->edges);
    us_free(b->buf);
    us_free(b);
}

int lexb_failed(const lexb *b) { return b->failed; }
size_t lexb_entry_count(const lexb *b) { return b->norm.n; }
size_t lexb_link_count(const lexb *b) { return b->nedges; }

static int lexb_nomem(lexb *b, unspin_error *err)
{
    b->failed = 1;
    return us_error(err, UNSPIN_E_NOMEM, "lexicon builder: out of memory");
}

/* Intern an already normalised phrase with `ntok` tokens. */
static int intern_norm(lexb *b, const char *s, size_t len, unsigned ntok, int64_t *id, unspin_error *err)
{
    int64_t v;
    if (strmap_get(&b->norm, s, len, &v)) {
        *id = v;
        return UNSPIN_OK;
    }
    size_t idx;
    int rc = strmap_put(&b->norm, s, len, (int64_t)b->norm.n, &idx);
    if (rc == UNSPIN_E_LIMIT) {
        *id = -1;
        return UNSPIN_OK;
    }
    if (rc < 0)
        return lexb_nomem(b, err);
    if (us_grow((void **)&b->ntok, &b->ntok_cap, idx + 1, 1) < 0)
        return lexb_nomem(b, err);
    b->ntok[idx] = (uint8_t)ntok;
    *id = (int64_t)idx;
    return UNSPIN_OK;
}

int lexb_intern(lexb *b, const char *raw, size_t len, int64_t *id, unspin_error *err)
{
    *id = -1;
    /* trim */
    while (len && (raw[0] == ' ' || raw[0] == '\t'))
        raw++, len--;
    while (len && (raw[len - 1] == ' ' || raw[len - 1] == '\t' || raw[len - 1] == '\r' ||
                   raw[len - 1] == '\n'))
        len--;
    if (!len || len > 200)
        return UNSPIN_OK;
    int64_t v;
    if (strmap_get(&b->raw, raw, len, &v)) {
        *id = v;
        return UNSPIN_OK;
    }
    const unspin_token *toks;
    size_t n, used;
    unspin_tokenizer_reset(b->tk);
    int rc = unspin_tokenize(b->tk, raw, len, 1, &toks, &n, &used, err);
    if (rc < 0) {
        b->failed = 1;
        return rc;
    }
    size_t out = 0;
    unsigned ntok = 0;
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        if (toks[i].kind == UNSPIN_TOKEN_SPACE)
            continue;
        if (toks[i].kind != UNSPIN_TOKEN_WORD && toks[i].kind != UNSPIN_TOKEN_NUMBER) {
            ok = 0;
            break;
        }
        if (++ntok > LEX_MAX_PHRASE) {
            ok = 0;
            break;
        }
        if (us_grow((void **)&b->buf, &b->buf_cap, out + toks[i].norm_length + 2, 1) < 0)
            return lexb_nomem(b, err);
        if (out)
            b->buf[out++] = ' ';
        memcpy(b->buf + out, toks[i].norm, toks[i].norm_length);
        out += toks[i].norm_length;
    }
    int64_t res = -1;
    if (ok && ntok > 0)
        US_TRY(intern_norm(b, b->buf, out, ntok, &res, err));
    if (strmap_put(&b->raw, raw, len, res, NULL) < 0)
        return lexb_nomem(b, err);
    *id = res;
    return UNSPIN_OK;
}

int lexb_link(lexb *b, int64_t spun, int64_t orig, unsigned src, unsigned rel, unspin_error *err)
{
    if (spun < 0 || orig < 0 || spun == orig)
        return UNSPIN_OK;
    if (us_grow((void **)&b->edges, &b->edges_cap, b->nedges + 1, sizeof *b->edges) < 0)
        return lexb_nomem(b, err);
    lex_edge *e = &b->edges[b->nedges++];
    e->spun = (uint32_t)spun;
    e->orig = (uint32_t)orig;
    e->src = (uint8_t)src;
    e->rel = (uint8_t)rel;
    e->links = 1;
    return UNSPIN_OK;
}

int lexb_group(lexb *b, const int64_t *ids, size_t n, unsigned src, unspin_error *err)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (i != j)
                US_TRY(lexb_link(b, ids[i], ids[j], src, UNSPIN_REL_SYNONYM, err));
    return UNSPIN_OK;
}

/* ---------------------------------------------------------------- function words */

/* Groups of interchangeable function words and contractions: generic,
 * standard English lists (no data from any evaluation set). Each group's
 * members are linked both ways. Contractions are written as text and
 * tokenised like everything else ("don't" -> "do n't"). */
static const char *const function_groups[][8] = {
    {"do not", "don't"}, {"does not", "doesn't"}, {"did not", "didn't"},
    {"is not", "isn't"}, {"are not", "aren't"}, {"was not", "wasn't"},
    {"were not", "weren't"}, {"have not", "haven't"}, {"has not", "hasn't"},
    {"had not", "hadn't"}, {"will not", "won't"}, {"would not", "wouldn't"},
    {"can not", "cannot", "can't"}, {"could not", "couldn't"},
    {"should not", "shouldn't"}, {"must not", "mustn't"}, {"need not", "needn't"},
    {"it is", "it's"}, {"that is", "that's"}, {"there is", "there's"},
    {"here is", "here's"}, {"what is", "what's"}, {"who is", "who's"},
    {"he is", "he's"}, {"she is", "she's"}, {"i am", "i'm"},
    {"you are", "you're"}, {"we are", "we're"}, {"they are", "they're"},
    {"i will", "i'll"}, {"you will", "you'll"}, {"we will", "we'll"},
    {"they will", "they'll"}, {"he will", "he'll"}, {"she will", "she'll"},
    {"it will", "it'll"}, {"i have", "i've"}, {"you have", "you've"},
    {"we have", "we've"}, {"they have", "they've"}, {"i would", "i'd"},
    {"you would", "you'd"}, {"we would", "we'd"}, {"they would", "they'd"},
    {"let us", "let's"}, {"not", "n't"}, {"is", "'s"}, {"are", "'re"}, {"am", "'m"},
    {"will", "'ll"}, {"have", "'ve"}, {"would", "'d"}, {"had", "'d"},
    {"a", "an"}, {"in", "on", "at"},
    {"in", "within", "inside"},
    {"also", "additionally", "moreover", "furthermore", "besides", "likewise", "too"},
    {"but", "however", "nevertheless", "nonetheless", "yet", "still"},
    {"about", "regarding", "concerning", "approximately", "around", "roughly", "nearly"},
    {"because", "since", "as", "because of", "due to", "owing to"},
    {"before", "prior to", "ahead of", "previously", "earlier"},
    {"after", "following", "subsequently", "later", "afterwards"},
    {"although", "though", "even though", "while", "whereas", "whilst"},
    {"so", "therefore", "thus", "hence", "consequently", "accordingly"},
    {"among", "amongst", "between", "amid", "amidst"},
    {"near", "close to", "nearby", "next to", "beside"},
    {"during", "throughout", "in the course of", "over"},
    {"if", "whether", "provided that"},
    {"many", "numerous", "several", "various", "a lot of", "lots of", "plenty of"},
    {"very", "extremely", "really", "quite", "highly", "particularly", "especially"},
    {"more than", "over", "above", "in excess of"},
    {"less than", "under", "below", "fewer than"},
    {"through", "via", "by way of", "by means of"},
    {"until", "till", "up to", "up until"},
    {"toward", "towards"},
    {"despite", "in spite of", "notwithstanding", "regardless of"},
    {"according to", "as per"},
    {"each", "every"},
    {"whole", "entire", "all"},
    {"some", "a few", "certain"},
    {"now", "currently", "presently", "at present"},
    {"often", "frequently", "regularly"},
    {"only", "just", "merely", "solely", "simply"},
    {"almost", "nearly", "practically", "virtually"},
    {"without", "lacking", "minus"},
    {"against", "versus"},
    {"upon", "on"},
    {"whilst", "while"},
    {"for example", "for instance", "such as", "like"},
    {"then", "next", "afterward"},
    {"already", "previously", "by now"},
    {"again", "once more", "anew"},
    {"must", "have to", "need to", "has to"},
    {"can", "could", "may", "might", "be able to"},
    {"will", "shall", "would"},
};

int lex_add_function_words(lexb *b, unspin_error *err)
{
    for (size_t g = 0; g < US_ARRAY_LEN(function_groups); g++) {
        int64_t ids[8];
        size_t n = 0;
        for (size_t k = 0; k < 8 && function_groups[g][k]; k++) {
            int64_t id;
            US_TRY(lexb_intern(b, function_groups[g][k], strlen(function_groups[g][k]), &id, err));
            if (id >= 0)
                ids[n++] = id;
        }
        US_TRY(lexb_group(b, ids, n, UNSPIN_SRC_FUNCTION, err));
    }
    return UNSPIN_OK;
}

/* ---------------------------------------------------------------- writing */

static int cmp_edge(const void *a, const void *b)
{
    const lex_edge *x = a, *y = b;
    if (x->spun != y->spun)
        return x->spun < y->spun ? -1 : 1;
    if (x->orig != y->orig)
        return x->orig < y->orig ? -1 : 1;
    return 0;
}

typedef struct ranked {
    float score;
    uint32_t index;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static uint64_t align8(uint64_t x) { return (x + 7) & ~(uint64_t)7; }

typedef struct lex_section {
    uint32_t id;
    const void *data;
    uint64_t size;
} lex_section;

static int write_all(FILE *f, const void *p, size_t n, us_hasher *h, const char *path, unspin_error *err)
{
    if (n && fwrite(p, 1, n, f) != n)
        return us_error(err, UNSPIN_E_IO, "%s: write failed: %s", path, strerror(errno));
    if (h)
        us_hasher_update(h, p, n);
    return UNSPIN_OK;
}

static int write_file(const char *path, const lex_section *sec, size_t nsec, const unsigned char *hdr_fields,
                      unspin_error *err)
{
    unsigned char header[LEX_HEADER_SIZE];
    unsigned char table[LEX_SECTION_SIZE * LEX_SEC_MAX];
    static const unsigned char zeros[8] = {0};
    memcpy(header, hdr_fields, LEX_HEADER_SIZE);
    uint64_t off = LEX_HEADER_SIZE + align8(LEX_SECTION_SIZE * nsec);
    for (size_t i = 0; i < nsec; i++) {
        unsigned char *t = table + i * LEX_SECTION_SIZE;
        us_store32(t, sec[i].id);
        us_store32(t + 4, 0);
        us_store64(t + 8, off);
        us_store64(t + 16, sec[i].size);
        off = align8(off + sec[i].size);
    }
    uint64_t file_size = off;
    us_store32(header + 12, LEX_STATE_INCOMPLETE);
    us_store32(header + 20, (uint32_t)nsec);
    us_store64(header + 48, file_size);
    us_store64(header + 56, 0);

    FILE *f = fopen(path, "wb");
    if (!f)
        return us_error(err, UNSPIN_E_IO, "%s: cannot create: %s", path, strerror(errno));
    us_hasher *h = us_hasher_new();
    int rc = h ? UNSPIN_OK : us_error(err, UNSPIN_E_NOMEM, "%s: out of memory", path);
    if (rc == UNSPIN_OK)
        rc = write_all(f, header, LEX_HEADER_SIZE, NULL, path, err);
    size_t tlen = LEX_SECTION_SIZE * nsec;
    if (rc == UNSPIN_OK)
        rc = write_all(f, table, tlen, h, path, err);
    if (rc == UNSPIN_OK)
        rc = write_all(f, zeros, (size_t)(align8(tlen) - tlen), h, path, err);
    for (size_t i = 0; i < nsec && rc == UNSPIN_OK; i++) {
        rc = write_all(f, sec[i].data, (size_t)sec[i].size, h, path, err);
        if (rc == UNSPIN_OK)
            rc = write_all(f, zeros, (size_t)(align8(sec[i].size) - sec[i].size), h, path, err);
    }
    if (rc == UNSPIN_OK && fflush(f) != 0)
        rc = us_error(err, UNSPIN_E_IO, "%s: write failed: %s", path, strerror(errno));
    if (rc == UNSPIN_OK) {
        /* everything is on disk: now the real header */
        us_store32(header + 12, LEX_STATE_COMPLETE);
        us_store64(header + 56, us_hasher_digest(h));
        if (fseek(f, 0, SEEK_SET) != 0)
            rc = us_error(err, UNSPIN_E_IO, "%s: seek failed: %s", path, strerror(errno));
        else
            rc = write_all(f, header, LEX_HEADER_SIZE, NULL, path, err);
    }
    us_hasher_free(h);
    if (fclose(f) != 0 && rc == UNSPIN_OK)
        rc = us_error(err, UNSPIN_E_IO, "%s: write failed: %s", path, strerror(errno));
    return rc;
}

/* Merge, rank, cap and write. `emb` (may be NULL) gives frequency ranks and
 * cosines; blobs (may be NULL) become the MORPH and EMBED sections. */
typedef struct lex_finish_opts {
    size_t max_links;      /* per spun entry */
    size_t max_candidates; /* per lookup, stored in the header */
    size_t max_embedding_only; /* links whose only source is the word vectors, per entry */
    const unsigned char *morph_blob;
    size_t morph_size;
    const unsigned char *embed_blob;
    size_t embed_size;
    const embed *emb;
    const morph *morph; /* for the POS bits of entries (may be NULL) */
} lex_finish_opts;

static int lexb_write(lexb *b, const lex_finish_opts *o, const char *path, unspin_error *err)
{
    int rc = UNSPIN_OK;
    /* 1. first tokens of phrases must be entries (for the max-length flag) */
    size_t n0 = b->norm.n;
    for (size_t i = 0; i < n0; i++) {
        if (b->ntok[i] < 2)
            continue;
        size_t len;
        const char *s = strmap_key(&b->norm, i, &len);
        const char *sp = memchr(s, ' ', len);
        int64_t id;
        US_TRY(intern_norm(b, s, (size_t)(sp - s), 1, &id, err));
    }
    size_t N = b->norm.n;
    if (N >= 0xfffffff0u)
        return us_error(err, UNSPIN_E_LIMIT, "%s: too many lexicon entries", path);

    /* 2. merge duplicate links */
    if (b->nedges)
        qsort(b->edges, b->nedges, sizeof *b->edges, cmp_edge);
    size_t m = 0;
    for (size_t i = 0; i < b->nedges; i++) {
        if (m && b->edges[m - 1].spun == b->edges[i].spun && b->edges[m - 1].orig == b->edges[i].orig) {
            lex_edge *e = &b->edges[m - 1];
            e->src |= b->edges[i].src;
            e->rel |= b->edges[i].rel;
            if (e->links < 0xffff)
                e->links++;
        } else {
            b->edges[m++] = b->edges[i];
        }
    }
    b->nedges = m;

    /* 3. frequency ranks and similarities */
    uint32_t *rank = us_malloc(N * sizeof *rank);
    int32_t *eid = us_malloc(N * sizeof *eid);
    unsigned char *entries = us_calloc(N + 1, LEX_ENTRY_SIZE);
    unsigned char *links = us_malloc((b->nedges ? b->nedges : 1) * LEX_LINK_SIZE);
    ranked *rk = NULL;
    size_t rk_cap = 0;
    size_t nslots = 16;
    while (nslots < 2 * N)
        nslots *= 2;
    unsigned char *hash = us_calloc(nslots, 4);
    if (!rank || !eid || !entries || !links || !hash) {
        rc = lexb_nomem(b, err);
        goto done;
    }
    for (size_t i = 0; i < N; i++) {
        size_t len;
        const char *s = strmap_key(&b->norm, i, &len);
        eid[i] = o->emb ? embed_find(o->emb, s, len) : -1;
        rank[i] = eid[i] >= 0 && (uint32_t)eid[i] < LEX_RANK_NONE ? (uint32_t)eid[i] : LEX_RANK_NONE;
        if (o->emb && b->ntok[i] > 1) {
            /* a phrase is as frequent as its rarest word (an upper bound) */
            uint32_t r = 0;
            size_t st = 0;
            for (size_t k = 0; k <= len && r != LEX_RANK_NONE; k++) {
                if (k == len || s[k] == ' ') {
                    int32_t t = embed_find(o->emb, s + st, k - st);
                    uint32_t tr = t >= 0 && (uint32_t)t < LEX_RANK_NONE ? (uint32_t)t : LEX_RANK_NONE;
                    if (tr > r)
                        r = tr;
                    st = k + 1;
                }
            }
            rank[i] = r;
        }
    }

    /* 4. per spun entry: rank, cap, emit */
    size_t nl = 0, e = 0;
    uint8_t *maxlen = us_calloc(N, 1);
    if (!maxlen) {
        rc = lexb_nomem(b, err);
        goto done;
    }
    for (size_t s = 0; s < N; s++) {
        size_t begin = e;
        while (e < b->nedges && b->edges[e].spun == s)
            e++;
        size_t cnt = e - begin;
        unsigned char *ent = entries + s * LEX_ENTRY_SIZE;
        us_store32(ent + 8, (uint32_t)nl);
        if (!cnt)
            continue;
        if (us_grow((void **)&rk, &rk_cap, cnt, sizeof *rk) < 0) {
            rc = lexb_nomem(b, err);
            goto done_maxlen;
        }
        for (size_t k = 0; k < cnt; k++) {
            lex_edge *x = &b->edges[begin + k];
            int sim = LEX_SIM_NONE;
            if (eid[x->spun] >= 0 && eid[x->orig] >= 0) {
                float c = embed_cosine(o->emb, eid[x->spun], eid[x->orig]);
                long q = (long)(c * 127.0f + (c >= 0 ? 0.5f : -0.5f));
                sim = (int)(q < -127 ? -127 : q > 127 ? 127 : q);
            }
            x->links = (uint16_t)(x->links > 255 ? 255 : x->links);
            /* keep the quantised similarity in the (now unused) upper links bits */
            x->links = (uint16_t)(x->links | (uint16_t)((uint8_t)(int8_t)sim) << 8);
            rk[k].score = lex_link_score(x->src, x->rel, x->links & 0xff, sim, rank[x->orig]);
            rk[k].index = (uint32_t)(begin + k);
        }
        qsort(rk, cnt, sizeof *rk, cmp_ranked);
        size_t kept = 0, emb_only = 0;
        for (size_t k = 0; k < cnt && kept < o->max_links; k++) {
            const lex_edge *x = &b->edges[rk[k].index];
            /* word-vector neighbours alone are weak evidence: keep a few */
            if (x->src == UNSPIN_SRC_EMBEDDING && ++emb_only > o->max_embedding_only)
                continue;
            kept++;
            unsigned char *l = links + nl * LEX_LINK_SIZE;
            us_store32(l, x->orig);
            l[4] = x->src;
            l[5] = x->rel;
            l[6] = (unsigned char)(x->links & 0xff);
            l[7] = (unsigned char)(x->links >> 8);
            us_store32(l + 8, lex_f2u(rk[k].score));
            nl++;
        }
        if (b->ntok[s] > 1) {
            size_t len;
            const char *str = strmap_key(&b->norm, s, &len);
            const char *sp = memchr(str, ' ', len);
            int64_t first;
            if (strmap_get(&b->norm, str, (size_t)(sp - str), &first) && maxlen[first] < b->ntok[s])
                maxlen[first] = b->ntok[s];
        }
    }
    us_store32(entries + N * LEX_ENTRY_SIZE + 8, (uint32_t)nl);
    for (size_t i = 0; i < N; i++) {
        unsigned char *ent = entries + i * LEX_ENTRY_SIZE;
        size_t len;
        const char *s = strmap_key(&b->norm, i, &len);
        us_store32(ent, (uint32_t)(s - b->norm.arena));
        ent[4] = (unsigned char)len;
        ent[5] = (unsigned char)(len >> 8);
        ent[6] = b->ntok[i];
        ent[7] = maxlen[i] ? maxlen[i] : 1;
        ent[12] = (unsigned char)rank[i];
        ent[13] = (unsigned char)(rank[i] >> 8);
        ent[14] = (unsigned char)(rank[i] >> 16);
        ent[15] = (unsigned char)(o->morph ? morph_in_index(o->morph, s, len) : 0);
        /* hash slot */
        size_t mask = nslots - 1, h = (size_t)us_hash(s, len) & mask;
        while (us_load32(hash + h * 4))
            h = (h + 1) & mask;
        us_store32(hash + h * 4, (uint32_t)(i + 1));
    }

    {
        unsigned char hdr[LEX_HEADER_SIZE];
        memset(hdr, 0, sizeof hdr);
        memcpy(hdr, LEX_MAGIC, 8);
        us_store32(hdr + 8, LEX_VERSION);
        us_store32(hdr + 16, LEX_ENDIAN_CHECK);
        us_store32(hdr + 24, (uint32_t)N);
        us_store32(hdr + 28, (uint32_t)nl);
        us_store32(hdr + 32, (uint32_t)nslots);
        us_store32(hdr + 36, (uint32_t)o->max_candidates);
        us_store32(hdr + 40, LEX_MAX_PHRASE);
        lex_section sec[LEX_SEC_MAX];
        size_t ns = 0;
        sec[ns++] = (lex_section){LEX_SEC_STRINGS, b->norm.arena, b->norm.alen};
        sec[ns++] = (lex_section){LEX_SEC_ENTRIES, entries, (uint64_t)(N + 1) * LEX_ENTRY_SIZE};
        sec[ns++] = (lex_section){LEX_SEC_HASH, hash, (uint64_t)nslots * 4};
        sec[ns++] = (lex_section){LEX_SEC_LINKS, links, (uint64_t)nl * LEX_LINK_SIZE};
        if (o->morph_blob)
            sec[ns++] = (lex_section){LEX_SEC_MORPH, o->morph_blob, o->morph_size};
        if (o->embed_blob)
            sec[ns++] = (lex_section){LEX_SEC_EMBED, o->embed_blob, o->embed_size};
        rc = write_file(path, sec, ns, hdr, err);
    }
done_maxlen:
    us_free(maxlen);
done:
    us_free(rk);
    us_free(rank);
    us_free(eid);
    us_free(entries);
    us_free(links);
    us_free(hash);
    return rc;
}

/* ---------------------------------------------------------------- sources */

static int join_path(char *buf, size_t cap, const char *dir, const char *file, unspin_error *err)
{
    int n = snprintf(buf, cap, "%s/%s", dir, file);
    if (n < 0 || (size_t)n >= cap)
        return us_error(err, UNSPIN_E_LIMIT, "%s: path too long", dir);
    return UNSPIN_OK;
}

static int add_wordnet(lexb *b, const char *dir, unspin_error *err)
{
    static const char *const files[4] = {"data.noun", "data.verb", "data.adj", "data.adv"};
    us_map maps[4];
    memset(maps, 0, sizeof maps);
    const char *data[4];
    size_t len[4];
    char path[4096];
    int rc = UNSPIN_OK;
    for (int i = 0; i < 4 && rc == UNSPIN_OK; i++) {
        rc = join_path(path, sizeof path, dir, files[i], err);
        if (rc == UNSPIN_OK)
            rc = us_map_open(path, &maps[i], err);
        data[i] = (const char *)maps[i].data;
        len[i] = maps[i].size;
    }
    if (rc == UNSPIN_OK)
        rc = lex_parse_wordnet(b, data, len, dir, err);
    for (int i = 0; i < 4; i++)
        us_map_close(&maps[i]);
    return rc;
}

static int add_mythes(lexb *b, const char *file, unspin_error *err)
{
    us_map m;
    US_TRY(us_map_open(file, &m, err));
    int rc = lex_parse_mythes(b, (const char *)m.data, m.size, file, err);
    us_map_close(&m);
    return rc;
}

static int add_aiksaurus(lexb *b, const char *dir, unspin_error *err)
{
    char path[4096];
    us_map w, m;
    US_TRY(join_path(path, sizeof path, dir, "words.dat", err));
    US_TRY(us_map_open(path, &w, err));
    int rc = join_path(path, sizeof path, dir, "meanings.dat", err);
    if (rc == UNSPIN_OK)
        rc = us_map_open(path, &m, err);
    if (rc < 0) {
        us_map_close(&w);
        return rc;
    }
    rc = lex_parse_aiksaurus(b, w.data, w.size, m.data, m.size, dir, err);
    us_map_close(&w);
    us_map_close(&m);
    return rc;
}

/* GCIDE: DIR/gcide.dict.dz (gzip, read with zlib) or DIR/gcide.dict. */static int add_gcide(lexb *b, const char *dir, unspin_error *err)
{
    char path[4096];
    char *data = NULL;
    size_t len = 0;
    US_TRY(join_path(path, sizeof path, dir, "gcide.dict.dz", err));
    FILE *f = fopen(path, "rb");
    if (f) {
        fclose(f);
        US_TRY(lex_read_gzip(path, &data, &len, err));
        int rc = lex_parse_gcide(b, data, len, path, err);
        us_free(data);
        return rc;
    }
    US_TRY(join_path(path, sizeof path, dir, "gcide.dict", err));
    us_map m;
    US_TRY(us_map_open(path, &m, err));
    int rc = lex_parse_gcide(b, (const char *)m.data, m.size, path, err);
    us_map_close(&m);
    return rc;
}

/* Word-vector neighbours of every single-word entry that has a vector. */
static int add_neighbours(lexb *b, const embed *emb, size_t k, float min_sim, unspin_error *err)
{
    size_t N = b->norm.n;
    int32_t *q = us_malloc((N ? N : 1) * sizeof *q);
    uint32_t *qe = us_malloc((N ? N : 1) * sizeof *qe);
    if (!q || !qe) {
        us_free(q);
        us_free(qe);
        return lexb_nomem(b, err);
    }
    size_t nq = 0;
    for (size_t i = 0; i < N; i++) {
        if (b->ntok[i] != 1)
            continue;
        size_t len;
        const char *s = strmap_key(&b->norm, i, &len);
        int32_t id = embed_find(emb, s, len);
        if (id >= 0) {
            q[nq] = id;
            qe[nq++] = (uint32_t)i;
        }
    }
    int rc = UNSPIN_OK;
    embed_neighbor *nb = nq ? us_malloc(nq * k * sizeof *nb) : NULL;
    if (nq && !nb)
        rc = lexb_nomem(b, err);
    if (rc == UNSPIN_OK && nq)
        rc = embed_knn_all(emb, q, nq, k, 0, nb, 2, err);
    for (size_t i = 0; i < nq && rc == UNSPIN_OK; i++) {
        for (size_t j = 0; j < k && rc == UNSPIN_OK; j++) {
            const embed_neighbor *x = &nb[i * k + j];
            if (x->id < 0 || x->score < min_sim)
                break;
            const char *w = embed_word(emb, x->id);
            int64_t wid;
            rc = lexb_intern(b, w, embed_word_len(emb, x->id), &wid, err);
            if (rc == UNSPIN_OK && wid >= 0 && b->ntok[wid] == 1)
                rc = lexb_link(b, (int64_t)qe[i], wid, UNSPIN_SRC_EMBEDDING, 0, err);
        }
    }
    us_free(nb);
    us_free(q);
    us_free(qe);
    return rc;
}

static int add_spelling(lexb *b, const morph *mo, unspin_error *err)
{
    /* Link British spellings to their canonical (American) form both ways,
     * for the single words of the lexicon. */
    size_t N = b->norm.n;
    char buf[MORPH_MAX_LEN + 1];
    for (size_t i = 0; i < N; i++) {
        if (b->ntok[i] != 1)
            continue;
        size_t len;
        const char *s = strmap_key(&b->norm, i, &len);
        size_t kl = morph_spelling_key(mo, s, len, buf, sizeof buf);
        if (kl == len && memcmp(buf, s, len) == 0)
            kl = morph_spelling_british(mo, s, len, buf, sizeof buf);
        if (kl && (kl != len || memcmp(buf, s, len) != 0)) {
            int64_t id;
            US_TRY(intern_norm(b, buf, kl, 1, &id, err));
            US_TRY(lexb_link(b, (int64_t)i, id, UNSPIN_SRC_SPELLING, UNSPIN_REL_SYNONYM, err));
            US_TRY(lexb_link(b, id, (int64_t)i, UNSPIN_SRC_SPELLING, UNSPIN_REL_SYNONYM, err));
        }
    }
    return UNSPIN_OK;
}

int unspin_lexicon_build(const unspin_lexicon_build_opts *opts, const char *out, unspin_error *err)
{
    if (!opts || !out)
        return us_error(err, UNSPIN_E_INVALID, "unspin_lexicon_build: NULL argument");
    lexb *b;
    US_TRY(lexb_create(&b, err));
    unsigned char *morph_blob = NULL, *embed_blob = NULL;
    size_t morph_size = 0, embed_size = 0;
    morph *mo = NULL;
    embed *emb = NULL;
    embed_builder *eb = NULL;
    int rc = UNSPIN_OK;
    if (!opts->no_function_words)
        rc = lex_add_function_words(b, err);
    if (rc == UNSPIN_OK && opts->wordnet_dir)
        rc = add_wordnet(b, opts->wordnet_dir, err);
    if (rc == UNSPIN_OK && opts->mythes_file)
        rc = add_mythes(b, opts->mythes_file, err);
    if (rc == UNSPIN_OK && opts->aiksaurus_dir)
        rc = add_aiksaurus(b, opts->aiksaurus_dir, err);
    if (rc == UNSPIN_OK && opts->gcide_dir)
        rc = add_gcide(b, opts->gcide_dir, err);
    if (rc == UNSPIN_OK && opts->moby_file) {
        us_map mm;
        rc = us_map_open(opts->moby_file, &mm, err);
        if (rc == UNSPIN_OK) {
            rc = lex_parse_moby(b, (const char *)mm.data, mm.size, opts->moby_file, err);
            us_map_close(&mm);
        }
    }
    if (rc == UNSPIN_OK && (opts->wordnet_dir || opts->morph_american || opts->morph_british)) {
        rc = morph_build(opts->wordnet_dir, opts->morph_american, opts->morph_british, &morph_blob,
                         &morph_size, err);
        if (rc == UNSPIN_OK)
            rc = morph_open(morph_blob, morph_size, &mo, err);
        if (rc == UNSPIN_OK)
            rc = add_spelling(b, mo, err);
    }
    if (rc == UNSPIN_OK && opts->embeddings_json) {
        rc = embed_import_json(opts->embeddings_json, &eb, err);
        if (rc == UNSPIN_OK) {
            embed_builder_restrict(eb, opts->max_embedding_words ? opts->max_embedding_words : 100000);
            rc = embed_serialize(eb, &embed_blob, &embed_size, err);
        }
        embed_builder_free(eb);
        if (rc == UNSPIN_OK)
            rc = embed_open(embed_blob, embed_size, &emb, err);
        if (rc == UNSPIN_OK && opts->neighbours != (size_t)-1)
            rc = add_neighbours(b, emb, opts->neighbours ? opts->neighbours : 50,
                                opts->min_similarity > 0 ? opts->min_similarity : 0.45f, err);
    }
    if (rc == UNSPIN_OK) {
        lex_finish_opts fo = {
            .max_links = opts->max_links ? opts->max_links : 60,
            .max_candidates = opts->max_candidates ? opts->max_candidates : 50,
            .max_embedding_only = 10,
            .morph_blob = morph_blob,
            .morph_size = morph_size,
            .embed_blob = embed_blob,
            .embed_size = embed_size,
            .emb = emb,
            .morph = mo,
        };
        rc = lexb_write(b, &fo, out, err);
    }
    morph_free(mo);
    embed_free(emb);
    us_free(morph_blob);
    us_free(embed_blob);
    lexb_free(b);
    return rc;
}
