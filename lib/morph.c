/*
 * morph.c - inflectional morphology and British/American spelling variants.
 * See morph.h for the API and docs/morphology.md for the rules and limits.
 *
 * Blob layout (all integers little-endian, no alignment assumed):
 *   0  magic "USMORPH1" ("USMORPH~" while incomplete)
 *   8  u32 version (1)
 *  12  u32 header size (64 + 16 * ntables)
 *  16  u64 XXH64 of bytes [header size, total size)
 *  24  u64 total size
 *  32  u32 pool offset, u32 pool size   (NUL-terminated strings)
 *  40  u32 ntables (MT_COUNT)
 *  64  per table: u32 record offset, u32 record count, u32 slot offset, u32 slot count
 * A record is 16 bytes: u32 key offset, u32 value offset (into the pool),
 * u16 key length, u16 value length, u32 info (bits 0-7 POS, 8-15 tag,
 * 16-23 priority / flags). Slots are u32 (record index + 1, 0 = empty), a
 * power-of-two open-addressing table probed linearly from us_hash(key).
 */
#include "morph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "USMORPH1"
#define MAGIC_INCOMPLETE "USMORPH~"
#define VERSION 1u
#define HDR_FIXED 64u
#define REC_SIZE 16u

enum { MT_LEMMA = 0, MT_EXC = 1, MT_REXC = 2, MT_B2A = 3, MT_A2B = 4, MT_COUNT = 5 };

/* spelling pair flag: the American form is also in the British word list */
#define SPELL_AMER_IN_BRIT 0x1u

typedef struct mtable {
    const unsigned char *recs;
    uint32_t nrec;
    const unsigned char *slots;
    uint32_t nslots;
} mtable;

struct morph {
    const unsigned char *base;
    size_t size;
    size_t hdr;
    const char *pool;
    uint32_t pool_size;
    mtable t[MT_COUNT];
};

typedef struct mrec {
    const char *key, *val;
    uint32_t key_len, val_len, info;
} mrec;

/* ------------------------------------------------------------------ */
/* Tags                                                                 */

static const char *const tag_names[MORPH_NTAGS] = {"BASE", "NNS", "VBD", "VBN", "VBG",
                                                    "VBZ",  "JJR", "JJS", "RBR", "RBS"};

const char *morph_tag_name(int tag)
{
    return tag >= 0 && tag < MORPH_NTAGS ? tag_names[tag] : "?";
}

unsigned morph_tag_pos(int tag)
{
    switch (tag) {
    case MORPH_NNS: return MORPH_NOUN;
    case MORPH_VBD: case MORPH_VBN: case MORPH_VBG: case MORPH_VBZ: return MORPH_VERB;
    case MORPH_JJR: case MORPH_JJS: return MORPH_ADJ;
    case MORPH_RBR: case MORPH_RBS: return MORPH_ADV;
    default: return 0;
    }
}

/* ------------------------------------------------------------------ */
/* Irregular verbs (generation first; also added to the exception table). */
/* "base past participle"; past/participle may be "a/b" for two forms, the
 * first preferred for generation. Includes common verbs whose WordNet
 * exception forms are British or archaic, so that the regular form wins. */
static const char *const irregular_verbs[] = {
    "arise arose arisen", "awake awoke awoken", "bear bore borne", "beat beat beaten",
    "become became become", "begin began begun", "bend bent bent", "bet bet bet",
    "bid bid bid", "bind bound bound", "bite bit bitten", "bleed bled bled", "blow blew blown",
    "break broke broken", "breed bred bred", "bring brought brought", "build built built",
    "burn burned burned", "burst burst burst", "buy bought bought", "cast cast cast",
    "catch caught caught", "choose chose chosen", "cling clung clung", "come came come",
    "cost cost cost", "creep crept crept", "cut cut cut", "deal dealt dealt", "dig dug dug",
    "do did done", "draw drew drawn", "dream dreamed dreamed", "drink drank drunk",
    "drive drove driven", "eat ate eaten", "fall fell fallen", "feed fed fed", "feel felt felt",
    "fight fought fought", "find found found", "flee fled fled", "fling flung flung",
    "fly flew flown", "forbid forbade forbidden", "forecast forecast forecast",
    "foresee foresaw foreseen", "forget forgot forgotten", "forgive forgave forgiven",
    "freeze froze frozen", "get got gotten/got", "give gave given", "go went gone",
    "grind ground ground", "grow grew grown", "hang hung hung", "have had had", "hear heard heard",
    "hide hid hidden", "hit hit hit", "hold held held", "hurt hurt hurt", "keep kept kept",
    "kneel knelt knelt", "know knew known", "lay laid laid", "lead led led", "lean leaned leaned",
    "leap leaped leaped", "learn learned learned", "leave left left", "lend lent lent",
    "let let let", "lie lay lain", "light lit lit", "lose lost lost", "make made made",
    "mean meant meant", "meet met met", "mislead misled misled", "mistake mistook mistaken",
    "overcome overcame overcome", "override overrode overridden", "overrun overran overrun",
    "oversee oversaw overseen", "overtake overtook overtaken", "overthrow overthrew overthrown",
    "pay paid paid", "prove proved proven/proved", "put put put", "quit quit quit",
    "read read read", "rid rid rid", "ride rode ridden", "ring rang rung", "rise rose risen",
    "run ran run", "say said said", "see saw seen", "seek sought sought", "sell sold sold",
    "send sent sent", "set set set", "sew sewed sewn", "shake shook shaken", "shed shed shed",
    "shine shone shone", "shoot shot shot", "show showed shown", "shrink shrank shrunk",
    "shut shut shut", "sing sang sung", "sink sank sunk", "sit sat sat", "slay slew slain",
    "sleep slept slept", "slide slid slid", "sling slung slung", "slit slit slit",
    "smell smelled smelled", "speak spoke spoken", "speed sped sped", "spell spelled spelled",
    "spend spent spent", "spill spilled spilled", "spin spun spun", "spit spat spat",
    "split split split", "spoil spoiled spoiled", "spread spread spread", "spring sprang sprung",
    "stand stood stood", "steal stole stolen", "stick stuck stuck", "sting stung stung",
    "stink stank stunk", "stride strode stridden", "strike struck struck",
    "string strung strung", "strive strove striven", "swear swore sworn", "sweep swept swept",
    "swell swelled swollen", "swim swam swum", "swing swung swung", "take took taken",
    "teach taught taught", "tear tore torn", "tell told told", "think thought thought",
    "throw threw thrown", "thrust thrust thrust", "tread trod trodden",
    "undergo underwent undergone", "understand understood understood",
    "undertake undertook undertaken", "undo undid undone", "upset upset upset",
    "wake woke woken", "wear wore worn", "weave wove woven", "weep wept wept", "win won won",
    "wind wound wound", "withdraw withdrew withdrawn", "withhold withheld withheld",
    "withstand withstood withstood", "wring wrung wrung", "write wrote written",
    "rebuild rebuilt rebuilt", "rewrite rewrote rewritten", "retake retook retaken",
    "outdo outdid outdone", "uphold upheld upheld", "broadcast broadcast broadcast",
    "input input input", "output output output", "spell spelled spelled",
};

/* Third person and gerund of the few verbs the rules get wrong. */
static const char *const irregular_vbz[] = {"be is", "have has", "do does", "go goes",
                                            "undergo undergoes", "undo undoes", "outdo outdoes"};

/* ------------------------------------------------------------------ */
/* Character helpers                                                    */

static int is_vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }
static int is_alpha(char c) { return c >= 'a' && c <= 'z'; }
static int is_cons(char c) { return is_alpha(c) && !is_vowel(c); }

static int ends_with(const char *w, size_t len, const char *suf)
{
    size_t n = strlen(suf);
    return len >= n && memcmp(w + len - n, suf, n) == 0;
}

static int syllables(const char *w, size_t len)
{
    int n = 0, prev_v = 0;
    for (size_t i = 0; i < len; i++) {
        char c = w[i];
        int v = is_vowel(c) || (c == 'y' && i > 0 && !prev_v);
        if (v && !prev_v)
            n++;
        prev_v = v;
    }
    if (len > 2 && w[len - 1] == 'e' && !is_vowel(w[len - 2]) && w[len - 2] != 'l' && n > 1)
        n--; /* silent final e */
    return n ? n : 1;
}

/* Words (or word endings) of more than one syllable with a stressed final
 * CVC syllable: their final consonant doubles before -ed/-ing/-er. */
static const char *const stressed_final[] = {
    "admit", "commit", "permit", "submit", "omit", "emit", "remit", "transmit", "acquit",
    "equip", "occur", "recur", "incur", "concur", "prefer", "refer", "defer", "confer",
    "infer", "transfer", "deter", "inter", "begin", "regret", "forget", "upset", "beset",
    "compel", "propel", "expel", "repel", "dispel", "excel", "rebel", "control", "patrol",
    "extol", "abet", "allot", "outwit", "embed", "forbid", "kidnap", "unplug", "unwrap",
    "overlap", "handicap", "outfit", "regret", "dispel",
};

static int should_double(const char *w, size_t len)
{
    if (len < 3)
        return 0;
    char c = w[len - 1], v = w[len - 2], p = w[len - 3];
    if (!is_cons(c) || c == 'w' || c == 'x' || c == 'y' || !is_vowel(v))
        return 0;
    if (is_vowel(p) && !(p == 'u' && len >= 4 && w[len - 4] == 'q'))
        return 0;
    if (syllables(w, len) == 1)
        return 1;
    for (size_t i = 0; i < US_ARRAY_LEN(stressed_final); i++)
        if (ends_with(w, len, stressed_final[i]))
            return 1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Blob reading                                                          */

static int rec_get(const morph *m, const mtable *t, uint32_t idx, mrec *r)
{
    if (idx >= t->nrec)
        return 0;
    const unsigned char *p = t->recs + (size_t)idx * REC_SIZE;
    uint32_t ko = us_load32(p), vo = us_load32(p + 4);
    uint32_t kl = (uint32_t)p[8] | (uint32_t)p[9] << 8, vl = (uint32_t)p[10] | (uint32_t)p[11] << 8;
    if ((uint64_t)ko + kl >= m->pool_size || (uint64_t)vo + vl >= m->pool_size)
        return 0;
    if (m->pool[ko + kl] != '\0' || m->pool[vo + vl] != '\0')
        return 0;
    r->key = m->pool + ko;
    r->key_len = kl;
    r->val = m->pool + vo;
    r->val_len = vl;
    r->info = us_load32(p + 12);
    return 1;
}

typedef struct miter {
    const morph *m;
    const mtable *t;
    const char *key;
    size_t len;
    uint64_t h;
    uint32_t probe;
} miter;

static void iter_init(miter *it, const morph *m, int table, const char *key, size_t len)
{
    it->m = m;
    it->t = m ? &m->t[table] : NULL;
    it->key = key;
    it->len = len;
    it->h = (it->t && it->t->nslots) ? us_hash(key, len) : 0;
    it->probe = 0;
}

/* Next record whose key equals it->key; 0 at the end (or on corruption). */
static int iter_next(miter *it, mrec *r)
{
    const mtable *t = it->t;
    if (!t || !t->nslots)
        return 0;
    while (it->probe < t->nslots) {
        uint32_t s = us_load32(t->slots + 4 * (size_t)((it->h + it->probe) & (t->nslots - 1)));
        it->probe++;
        if (s == 0) {
            it->probe = t->nslots;
            return 0;
        }
        if (!rec_get(it->m, t, s - 1, r)) {
            it->probe = t->nslots;
            return 0;
        }
        if (r->key_len == it->len && memcmp(r->key, it->key, it->len) == 0)
            return 1;
    }
    return 0;
}

unsigned morph_in_index(const morph *m, const char *word, size_t len)
{
    miter it;
    mrec r;
    unsigned pos = 0;
    iter_init(&it, m, MT_LEMMA, word, len);
    while (iter_next(&it, &r))
        pos |= r.info & 0xffu;
    return pos & (MORPH_NOUN | MORPH_VERB | MORPH_ADJ | MORPH_ADV);
}

int morph_open(const void *blob, size_t size, morph **out, unspin_error *err)
{
    const unsigned char *b = (const unsigned char *)blob;
    *out = NULL;
    if (!b || size < HDR_FIXED)
        return us_error(err, UNSPIN_E_FORMAT, "morphology data: %zu bytes, too short for a header", size);
    if (memcmp(b, MAGIC_INCOMPLETE, 8) == 0)
        return us_error(err, UNSPIN_E_INCOMPLETE, "morphology data: incomplete (the build did not finish)");
    if (memcmp(b, MAGIC, 7) != 0)
        return us_error(err, UNSPIN_E_FORMAT, "morphology data: bad magic at offset 0");
    if (b[7] != MAGIC[7] || us_load32(b + 8) != VERSION)
        return us_error(err, UNSPIN_E_VERSION, "morphology data: unsupported version %u (expected %u)",
                        (unsigned)us_load32(b + 8), VERSION);
    uint32_t hdr = us_load32(b + 12), ntab = us_load32(b + 40);
    uint64_t total = us_load64(b + 24);
    if (ntab != MT_COUNT || hdr != HDR_FIXED + 16u * MT_COUNT || hdr > size)
        return us_error(err, UNSPIN_E_FORMAT, "morphology data: bad header (size %u, %u tables)",
                        (unsigned)hdr, (unsigned)ntab);
    if (total != size)
        return us_error(err, UNSPIN_E_FORMAT, "morphology data: header says %llu bytes, have %zu",
                        (unsigned long long)total, size);
    uint32_t po = us_load32(b + 32), ps = us_load32(b + 36);
    if (po < hdr || (uint64_t)po + ps > size || ps == 0 || b[po + ps - 1] != '\0')
        return us_error(err, UNSPIN_E_FORMAT, "morphology data: string pool out of bounds (offset %u, size %u)",
                        (unsigned)po, (unsigned)ps);
    morph *m = us_calloc(1, sizeof *m);
    if (!m)
        return us_error(err, UNSPIN_E_NOMEM, "morphology data: out of memory");
    m->base = b;
    m->size = size;
    m->hdr = hdr;
    m->pool = (const char *)(b + po);
    m->pool_size = ps;
    for (int i = 0; i < MT_COUNT; i++) {
        const unsigned char *h = b + HDR_FIXED + 16 * i;
        uint32_t ro = us_load32(h), rn = us_load32(h + 4), so = us_load32(h + 8), sn = us_load32(h + 12);
        int ok = ro >= hdr && (uint64_t)ro + (uint64_t)rn * REC_SIZE <= size && so >= hdr &&
                 (uint64_t)so + (uint64_t)sn * 4 <= size && (sn & (sn - 1)) == 0 &&
                 (sn == 0 ? rn == 0 : sn > rn);
        if (!ok) {
            us_free(m);
            return us_error(err, UNSPIN_E_FORMAT, "morphology data: table %d out of bounds (header offset %d)",
                            i, (int)(HDR_FIXED + 16 * i));
        }
        m->t[i].recs = b + ro;
        m->t[i].nrec = rn;
        m->t[i].slots = b + so;
        m->t[i].nslots = sn;
    }
    *out = m;
    return UNSPIN_OK;
}

int morph_verify(const morph *m, unspin_error *err)
{
    if (us_checksum(m->base + m->hdr, m->size - m->hdr) != us_load64(m->base + 16))
        return us_error(err, UNSPIN_E_CHECKSUM, "morphology data: checksum mismatch (data is corrupt)");
    return UNSPIN_OK;
}

void morph_free(morph *m) { us_free(m); }

/* ------------------------------------------------------------------ */
/* Analysis                                                              */

/* Candidate lemmas already looked up in this call (rules for different
 * parts of speech often produce the same stem). */
#define ACACHE 12
typedef struct acache_ent {
    char s[MORPH_MAX_LEN + 8];
    size_t n;
    unsigned pos; /* POS bits of the lemma in the index (0: not a lemma) */
    mrec r;
} acache_ent;

typedef struct aset {
    morph_analysis *out;
    size_t n, max;
    acache_ent c[ACACHE];
    int nc;
} aset;

/* Index POS bits of s[0..n); *r is its pooled record when they are non-zero. */
static unsigned lemma_pos_cached(const morph *m, aset *a, const char *s, size_t n, const mrec **r)
{
    for (int i = 0; i < a->nc; i++)
        if (a->c[i].n == n && memcmp(a->c[i].s, s, n) == 0) {
            *r = &a->c[i].r;
            return a->c[i].pos;
        }
    acache_ent tmp, *e = a->nc < ACACHE ? &a->c[a->nc++] : &tmp;
    miter it;
    mrec x;
    memcpy(e->s, s, n);
    e->n = n;
    e->pos = 0;
    iter_init(&it, m, MT_LEMMA, s, n);
    while (iter_next(&it, &x)) {
        if (!e->pos)
            e->r = x;
        e->pos |= x.info & 0xffu;
    }
    if (e == &tmp) {
        a->c[ACACHE - 1] = tmp;
        e = &a->c[ACACHE - 1];
    }
    *r = &e->r;
    return e->pos;
}

static void aset_add(aset *a, const mrec *lemma, int tag, unsigned pos)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->out[i].lemma == lemma->key && a->out[i].tag == tag && a->out[i].pos == pos)
            return;
    if (a->n >= a->max)
        return;
    a->out[a->n].lemma = lemma->key;
    a->out[a->n].lemma_len = lemma->key_len;
    a->out[a->n].tag = tag;
    a->out[a->n].pos = pos;
    a->n++;
}

static const unsigned pos_bits[4] = {MORPH_NOUN, MORPH_VERB, MORPH_ADJ, MORPH_ADV};

/* Try lemma = stem + repl for one POS; `rest` is appended (multi-word verbs). */
static void try_lemma(const morph *m, aset *a, const char *stem, size_t slen, const char *repl,
                      const char *rest, size_t rlen, int tag, unsigned pos)
{
    char buf[MORPH_MAX_LEN + 8];
    size_t rl = strlen(repl);
    if (slen + rl + rlen > MORPH_MAX_LEN || slen < 1)
        return;
    memcpy(buf, stem, slen);
    memcpy(buf + slen, repl, rl);
    memcpy(buf + slen + rl, rest, rlen);
    const mrec *r;
    if (lemma_pos_cached(m, a, buf, slen + rl + rlen, &r) & pos) {
        aset_add(a, r, tag, pos);
        if (tag == MORPH_VBD)
            aset_add(a, r, MORPH_VBN, pos);
    }
}

typedef struct drule {
    const char *suf, *repl;
    int tag; /* MORPH_VBD stands for VBD + VBN */
} drule;

static const drule noun_rules[] = {{"s", "", MORPH_NNS},    {"ses", "s", MORPH_NNS},
                                   {"xes", "x", MORPH_NNS}, {"zes", "z", MORPH_NNS},
                                   {"ches", "ch", MORPH_NNS}, {"shes", "sh", MORPH_NNS},
                                   {"men", "man", MORPH_NNS}, {"ies", "y", MORPH_NNS}};
static const drule verb_rules[] = {{"s", "", MORPH_VBZ},   {"ies", "y", MORPH_VBZ},
                                   {"es", "e", MORPH_VBZ}, {"es", "", MORPH_VBZ},
                                   {"ed", "e", MORPH_VBD}, {"ed", "", MORPH_VBD},
                                   {"ing", "e", MORPH_VBG}, {"ing", "", MORPH_VBG},
                                   {"ied", "y", MORPH_VBD}, {"cked", "c", MORPH_VBD},
                                   {"cking", "c", MORPH_VBG}};
static const drule adj_rules[] = {{"er", "", MORPH_JJR}, {"est", "", MORPH_JJS},
                                  {"er", "e", MORPH_JJR}, {"est", "e", MORPH_JJS},
                                  {"ier", "y", MORPH_JJR}, {"iest", "y", MORPH_JJS}};
static const drule adv_rules[] = {{"er", "", MORPH_RBR}, {"est", "", MORPH_RBS}};

/* Detachment rules + consonant un-doubling for one word of one POS. */
static void analyse_rules(const morph *m, aset *a, const char *w, size_t len, const char *rest,
                          size_t rlen, unsigned pos)
{
    const drule *rules;
    size_t nrules;
    switch (pos) {
    case MORPH_NOUN: rules = noun_rules; nrules = US_ARRAY_LEN(noun_rules); break;
    case MORPH_VERB: rules = verb_rules; nrules = US_ARRAY_LEN(verb_rules); break;
    case MORPH_ADJ: rules = adj_rules; nrules = US_ARRAY_LEN(adj_rules); break;
    default: rules = adv_rules; nrules = US_ARRAY_LEN(adv_rules); break;
    }
    for (size_t i = 0; i < nrules; i++) {
        const drule *r = &rules[i];
        size_t sl = strlen(r->suf);
        if (!ends_with(w, len, r->suf) || len - sl < 2)
            continue;
        if (pos == MORPH_NOUN && r->suf[0] == 's' && r->suf[1] == '\0' && ends_with(w, len, "ss"))
            continue;
        size_t stem = len - sl;
        try_lemma(m, a, w, stem, r->repl, rest, rlen, r->tag, pos);
        /* un-doubling: stopped -> stop, bigger -> big, admitting -> admit */
        if (r->repl[0] == '\0' && stem >= 3 && w[stem - 1] == w[stem - 2] && is_cons(w[stem - 1]) &&
            (r->suf[0] == 'e' || r->suf[0] == 'i'))
            try_lemma(m, a, w, stem - 1, "", rest, rlen, r->tag, pos);
    }
}

static int exc_tag_add(const morph *m, aset *a, const mrec *e, const char *rest, size_t rlen)
{
    unsigned pos = e->info & 0xffu;
    int tag = (int)((e->info >> 8) & 0xffu);
    char buf[MORPH_MAX_LEN + 8];
    if (e->val_len + rlen > MORPH_MAX_LEN)
        return 0;
    memcpy(buf, e->val, e->val_len);
    memcpy(buf + e->val_len, rest, rlen);
    const mrec *r;
    if (tag < MORPH_NTAGS && (lemma_pos_cached(m, a, buf, e->val_len + rlen, &r) & pos)) {
        aset_add(a, r, tag, pos);
        return 1;
    }
    return 0;
}

size_t morph_analyse(const morph *m, const char *word, size_t len, morph_analysis *out, size_t max)
{
    aset a;
    a.out = out;
    a.n = 0;
    a.max = max;
    a.nc = 0;
    if (!m || !word || len == 0 || len > MORPH_MAX_LEN)
        return 0;
    mrec r;
    miter it;
    /* the word itself */
    const mrec *self;
    unsigned self_pos = lemma_pos_cached(m, &a, word, len, &self);
    for (int p = 0; p < 4; p++)
        if (self_pos & pos_bits[p])
            aset_add(&a, self, MORPH_BASE, pos_bits[p]);
    /* exception lists (whole form) */
    iter_init(&it, m, MT_EXC, word, len);
    while (iter_next(&it, &r))
        exc_tag_add(m, &a, &r, "", 0);
    /* detachment rules on the last word (nouns: the head of a compound) */
    for (int p = 0; p < 4; p++)
        analyse_rules(m, &a, word, len, "", 0, pos_bits[p]);
    /* multi-word verbs: inflected first word ("took over" -> "take over") */
    const char *sp = memchr(word, ' ', len);
    if (sp && sp > word) {
        size_t fl = (size_t)(sp - word);
        iter_init(&it, m, MT_EXC, word, fl);
        while (iter_next(&it, &r))
            if ((r.info & 0xffu) == MORPH_VERB)
                exc_tag_add(m, &a, &r, sp, len - fl);
        analyse_rules(m, &a, word, fl, sp, len - fl, MORPH_VERB);
    }
    return a.n;
}

/* ------------------------------------------------------------------ */
/* Inflection                                                            */

typedef struct sbuf {
    char *p;
    size_t n, cap;
    int over;
} sbuf;

static void sb_put(sbuf *s, const char *x, size_t n)
{
    if (s->n + n + 1 > s->cap) {
        s->over = 1;
        return;
    }
    memcpy(s->p + s->n, x, n);
    s->n += n;
    s->p[s->n] = '\0';
}
static void sb_puts(sbuf *s, const char *x) { sb_put(s, x, strlen(x)); }

/* Irregular form from the reversed exception table (lowest priority first). */
static int rexc_find(const morph *m, const char *w, size_t len, int tag, mrec *best)
{
    miter it;
    mrec r;
    unsigned pos = morph_tag_pos(tag);
    int found = 0;
    unsigned bp = 0;
    iter_init(&it, m, MT_REXC, w, len);
    while (iter_next(&it, &r)) {
        if ((r.info & 0xffu) != pos || (int)((r.info >> 8) & 0xffu) != tag)
            continue;
        unsigned prio = (r.info >> 16) & 0xffu;
        if (prio >= 2)
            continue; /* British-only form: generate the American one */
        if (!found || prio < bp) {
            *best = r;
            bp = prio;
            found = 1;
        }
    }
    return found;
}

static const char *const man_not_men[] = {"human", "shaman", "talisman", "caiman", "cayman",
                                          "german", "roman", "ottoman", "walkman", "brahman", "dolman"};

/* w + "ed" or "ing" where the stem is kept: picnic -> picnicked (a -k- after
 * -ic), stop -> stopped (the final consonant doubled), walk -> walked. */
static void put_suffixed(sbuf *s, const char *w, size_t len, const char *suffix)
{
    char last = len ? w[len - 1] : 0, prev = len > 1 ? w[len - 2] : 0;
    sb_put(s, w, len);
    if (last == 'c' && prev == 'i' && syllables(w, len) > 1)
        sb_puts(s, "k");
    else if (should_double(w, len))
        sb_put(s, &last, 1);
    sb_puts(s, suffix);
}

/* Regular inflection of one word. */
static void inflect_word(const morph *m, const char *w, size_t len, int tag, sbuf *s)
{
    mrec r;
    if (tag == MORPH_BASE) {
        sb_put(s, w, len);
        return;
    }
    if (rexc_find(m, w, len, tag, &r)) {
        sb_put(s, r.val, r.val_len);
        return;
    }
    for (size_t i = 0; !m && tag == MORPH_VBZ && i < US_ARRAY_LEN(irregular_vbz); i++) {
        const char *e = irregular_vbz[i], *sp = strchr(e, ' ');
        if ((size_t)(sp - e) == len && memcmp(e, w, len) == 0) {
            sb_puts(s, sp + 1);
            return;
        }
    }
    /* (with data, the built-in tables are already in the reversed exceptions) */
    for (size_t i = 0; !m && (tag == MORPH_VBD || tag == MORPH_VBN) && i < US_ARRAY_LEN(irregular_verbs); i++) {
        const char *e = irregular_verbs[i], *sp = strchr(e, ' ');
        if ((size_t)(sp - e) == len && memcmp(e, w, len) == 0) {
            const char *f = sp + 1;
            if (tag == MORPH_VBN)
                f = strchr(f, ' ') + 1;
            size_t fl = strcspn(f, " /");
            sb_put(s, f, fl);
            return;
        }
    }
    char last = len ? w[len - 1] : 0, prev = len > 1 ? w[len - 2] : 0;
    switch (tag) {
    case MORPH_NNS:
    case MORPH_VBZ:
        if (tag == MORPH_NNS && ends_with(w, len, "man")) {
            int skip = 0;
            for (size_t i = 0; i < US_ARRAY_LEN(man_not_men); i++)
                if (ends_with(w, len, man_not_men[i]))
                    skip = 1;
            if (!skip) {
                sb_put(s, w, len - 2);
                sb_puts(s, "en");
                return;
            }
        }
        if (last == 's' || last == 'x' || last == 'z' || ends_with(w, len, "ch") || ends_with(w, len, "sh") ||
            (tag == MORPH_VBZ && last == 'o' && is_cons(prev))) {
            sb_put(s, w, len);
            sb_puts(s, "es");
        } else if (last == 'y' && is_cons(prev)) {
            sb_put(s, w, len - 1);
            sb_puts(s, "ies");
        } else {
            sb_put(s, w, len);
            sb_puts(s, "s");
        }
        return;
    case MORPH_VBD:
    case MORPH_VBN:
        if (last == 'e') {
            sb_put(s, w, len);
            sb_puts(s, "d");
        } else if (last == 'y' && is_cons(prev)) {
            sb_put(s, w, len - 1);
            sb_puts(s, "ied");
        } else {
            put_suffixed(s, w, len, "ed");
        }
        return;
    case MORPH_VBG:
        if (ends_with(w, len, "ie") && len > 2) {
            sb_put(s, w, len - 2);
            sb_puts(s, "ying");
        } else if (last == 'e' && len > 2 && prev != 'e' && prev != 'y' && prev != 'o') {
            sb_put(s, w, len - 1);
            sb_puts(s, "ing");
        } else {
            put_suffixed(s, w, len, "ing");
        }
        return;
    default: { /* JJR JJS RBR RBS */
        int sup = tag == MORPH_JJS || tag == MORPH_RBS;
        int syl = syllables(w, len);
        int suffix = syl == 1 || (syl == 2 && ((last == 'y' && is_cons(prev)) || ends_with(w, len, "le") ||
                                               ends_with(w, len, "er") || ends_with(w, len, "ow")));
        if (tag == MORPH_RBR || tag == MORPH_RBS)
            suffix = syl == 1;
        if (!suffix) {
            sb_puts(s, sup ? "most " : "more ");
            sb_put(s, w, len);
        } else if (last == 'e') {
            sb_put(s, w, len);
            sb_puts(s, sup ? "st" : "r");
        } else if (last == 'y' && is_cons(prev)) {
            sb_put(s, w, len - 1);
            sb_puts(s, sup ? "iest" : "ier");
        } else {
            sb_put(s, w, len);
            if (syl == 1 && should_double(w, len))
                sb_put(s, &last, 1);
            sb_puts(s, sup ? "est" : "er");
        }
        return;
    }
    }
}

int morph_inflect(const morph *m, const char *lemma, size_t len, int tag, char *out, size_t cap)
{
    if (!lemma || len == 0 || tag < 0 || tag >= MORPH_NTAGS || !out)
        return UNSPIN_E_INVALID;
    if (len > MORPH_MAX_LEN)
        return UNSPIN_E_LIMIT;
    sbuf s = {out, 0, cap, 0};
    if (cap)
        out[0] = '\0';
    mrec r;
    const char *first = memchr(lemma, ' ', len);
    if (!first || tag == MORPH_BASE) {
        inflect_word(m, lemma, len, tag, &s); /* (looks up the exceptions itself) */
    } else if (rexc_find(m, lemma, len, tag, &r)) {
        sb_put(&s, r.val, r.val_len);
    } else if (morph_tag_pos(tag) == MORPH_VERB) {
        size_t fl = (size_t)(first - lemma);
        inflect_word(m, lemma, fl, tag, &s);
        sb_put(&s, first, len - fl);
    } else {
        const char *lastsp = first;
        for (const char *p = first; p < lemma + len; p++)
            if (*p == ' ')
                lastsp = p;
        size_t hl = (size_t)(lastsp + 1 - lemma);
        if ((tag == MORPH_JJR || tag == MORPH_JJS || tag == MORPH_RBR || tag == MORPH_RBS)) {
            sb_puts(&s, tag == MORPH_JJS || tag == MORPH_RBS ? "most " : "more ");
            sb_put(&s, lemma, len);
        } else {
            sb_put(&s, lemma, hl);
            inflect_word(m, lastsp + 1, len - hl, tag, &s);
        }
    }
    if (s.over) {
        if (cap)
            out[0] = '\0';
        return UNSPIN_E_LIMIT;
    }
    return (int)s.n;
}

/* ------------------------------------------------------------------ */
/* Spelling                                                              */

/* Convert each word: to_british = 0 maps British -> American (key);
 * 1 maps American (or British) -> British where a British-only variant exists. */
static size_t spell_convert(const morph *m, const char *w, size_t len, int to_british, char *out,
                            size_t cap, int *changed)
{
    sbuf s = {out, 0, cap, 0};
    if (cap)
        out[0] = '\0';
    *changed = 0;
    size_t i = 0;
    while (i <= len) {
        size_t j = i;
        while (j < len && w[j] != ' ')
            j++;
        const char *x = w + i;
        size_t xl = j - i;
        mrec r;
        miter it;
        int done = 0;
        /* to American first */
        const char *am = x;
        size_t aml = xl;
        iter_init(&it, m, MT_B2A, x, xl);
        if (xl && iter_next(&it, &r)) {
            if (to_british) { /* already British */
                sb_put(&s, x, xl);
                done = 1;
            } else {
                am = r.val;
                aml = r.val_len;
            }
            *changed = 1;
        }
        if (to_british && !done) {
            iter_init(&it, m, MT_A2B, am, aml);
            while (aml && iter_next(&it, &r)) {
                if (!(r.info & (SPELL_AMER_IN_BRIT << 16))) {
                    sb_put(&s, r.val, r.val_len);
                    done = 1;
                    *changed = 1;
                    break;
                }
            }
        }
        if (!done)
            sb_put(&s, am, aml);
        if (j < len)
            sb_put(&s, " ", 1);
        i = j + 1;
    }
    if (s.over) {
        if (cap)
            out[0] = '\0';
        return 0;
    }
    return s.n;
}

size_t morph_spelling_key(const morph *m, const char *word, size_t len, char *out, size_t cap)
{
    int ch;
    if (!word || !len)
        return 0;
    return spell_convert(m, word, len, 0, out, cap, &ch);
}

size_t morph_spelling_british(const morph *m, const char *word, size_t len, char *out, size_t cap)
{
    int ch;
    if (!word || !len)
        return 0;
    size_t n = spell_convert(m, word, len, 1, out, cap, &ch);
    if (!ch || (n == len && memcmp(out, word, len) == 0)) {
        if (cap)
            out[0] = '\0';
        return 0;
    }
    return n;
}

size_t morph_render(const morph *m, const char *word, size_t len, int british, char *out, size_t cap)
{
    int ch;
    if (!word || !len)
        return 0;
    return spell_convert(m, word, len, british ? 1 : 0, out, cap, &ch);
}

int morph_spelling_convention(const morph *m, const char *word, size_t len)
{
    miter it;
    mrec r;
    if (!word || !len)
        return MORPH_SPELL_NEUTRAL;
    iter_init(&it, m, MT_B2A, word, len);
    if (iter_next(&it, &r))
        return MORPH_SPELL_BRITISH;
    iter_init(&it, m, MT_A2B, word, len);
    while (iter_next(&it, &r))
        if (!(r.info & (SPELL_AMER_IN_BRIT << 16)))
            return MORPH_SPELL_AMERICAN;
    return MORPH_SPELL_NEUTRAL;
}

/* ------------------------------------------------------------------ */
/* Building                                                              */

/* An interned string pool (NUL-terminated strings) with a hash set. */
typedef struct spool {
    char *data;
    size_t len, cap;
    uint32_t *slots; /* offset + 1, 0 = empty */
    size_t nslots, count;
} spool;

static void sp_free(spool *p)
{
    us_free(p->data);
    us_free(p->slots);
    memset(p, 0, sizeof *p);
}

static int sp_lookup(const spool *p, const char *s, size_t n, uint32_t *off)
{
    if (!p->nslots)
        return 0;
    size_t mask = p->nslots - 1;
    for (size_t i = (size_t)us_hash(s, n) & mask;; i = (i + 1) & mask) {
        uint32_t v = p->slots[i];
        if (!v)
            return 0;
        const char *x = p->data + v - 1;
        if (strncmp(x, s, n) == 0 && x[n] == '\0') {
            if (off)
                *off = v - 1;
            return 1;
        }
    }
}

static int sp_rehash(spool *p, size_t nslots)
{
    uint32_t *ns = us_calloc(nslots, sizeof *ns);
    if (!ns)
        return UNSPIN_E_NOMEM;
    for (size_t i = 0; i < p->nslots; i++) {
        uint32_t v = p->slots[i];
        if (!v)
            continue;
        const char *x = p->data + v - 1;
        size_t j = (size_t)us_hash(x, strlen(x)) & (nslots - 1);
        while (ns[j])
            j = (j + 1) & (nslots - 1);
        ns[j] = v;
    }
    us_free(p->slots);
    p->slots = ns;
    p->nslots = nslots;
    return UNSPIN_OK;
}

static int sp_intern(spool *p, const char *s, size_t n, uint32_t *off)
{
    if (sp_lookup(p, s, n, off))
        return UNSPIN_OK;
    if ((p->count + 1) * 2 > p->nslots)
        US_TRY(sp_rehash(p, p->nslots ? p->nslots * 2 : 1024));
    if (p->len + n + 1 > UINT32_MAX - 1)
        return UNSPIN_E_LIMIT;
    US_TRY(us_grow((void **)&p->data, &p->cap, p->len + n + 1, 1));
    uint32_t o = (uint32_t)p->len;
    memcpy(p->data + o, s, n);
    p->data[o + n] = '\0';
    p->len += n + 1;
    size_t mask = p->nslots - 1, i = (size_t)us_hash(s, n) & mask;
    while (p->slots[i])
        i = (i + 1) & mask;
    p->slots[i] = o + 1;
    p->count++;
    if (off)
        *off = o;
    return UNSPIN_OK;
}

typedef struct brec {
    uint32_t ko, vo, kl, vl, info;
} brec;

typedef struct builder {
    spool pool;
    brec *r[MT_COUNT];
    size_t n[MT_COUNT], cap[MT_COUNT];
    spool amer, brit, bkeys; /* word lists; British-only forms with an American variant */
    unspin_error *err;
} builder;

static int add_rec(builder *b, int t, const char *k, size_t kl, const char *v, size_t vl, uint32_t info)
{
    brec r;
    if (kl > MORPH_MAX_LEN || vl > MORPH_MAX_LEN || kl == 0)
        return UNSPIN_OK;
    r.kl = (uint32_t)kl;
    r.vl = (uint32_t)vl;
    r.info = info;
    if (sp_intern(&b->pool, k, kl, &r.ko) < 0 || sp_intern(&b->pool, v, vl, &r.vo) < 0 ||
        us_grow((void **)&b->r[t], &b->cap[t], b->n[t] + 1, sizeof(brec)) < 0)
        return us_error(b->err, UNSPIN_E_NOMEM, "morphology build: out of memory");
    b->r[t][b->n[t]++] = r;
    return UNSPIN_OK;
}

typedef int (*line_fn)(builder *b, const char *path, size_t lineno, char *line, size_t len, unsigned pos);

static int for_each_line(builder *b, const char *path, unsigned pos, line_fn fn)
{
    us_map map;
    US_TRY(us_map_open(path, &map, b->err));
    char buf[4096];
    size_t i = 0, lineno = 0;
    int rc = UNSPIN_OK;
    while (i < map.size && rc >= 0) {
        size_t j = i;
        while (j < map.size && map.data[j] != '\n')
            j++;
        lineno++;
        size_t n = j - i;
        while (n && (map.data[i + n - 1] == '\r' || map.data[i + n - 1] == ' '))
            n--;
        if (n >= sizeof buf) {
            rc = us_error(b->err, UNSPIN_E_FORMAT, "%s:%zu: line too long", path, lineno);
            break;
        }
        memcpy(buf, map.data + i, n);
        buf[n] = '\0';
        if (n)
            rc = fn(b, path, lineno, buf, n, pos);
        i = j + 1;
    }
    us_map_close(&map);
    return rc;
}

static void underscores(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '_')
            s[i] = ' ';
}

static int index_line(builder *b, const char *path, size_t lineno, char *line, size_t len, unsigned pos)
{
    (void)path;
    (void)lineno;
    if (line[0] == ' ')
        return UNSPIN_OK; /* licence header */
    size_t n = strcspn(line, " ");
    if (n == 0 || n > len)
        return UNSPIN_OK;
    underscores(line, n);
    return add_rec(b, MT_LEMMA, line, n, line, n, pos);
}

static int exc_pair(builder *b, const char *form, size_t fl, const char *lemma, size_t ll, unsigned pos,
                    int tag, unsigned prio)
{
    uint32_t info = pos | (uint32_t)tag << 8;
    US_TRY(add_rec(b, MT_EXC, form, fl, lemma, ll, info));
    if (tag != MORPH_BASE) {
        if (sp_lookup(&b->bkeys, form, fl, NULL) && prio < 2)
            prio = 2;
        US_TRY(add_rec(b, MT_REXC, lemma, ll, form, fl, info | prio << 16));
    }
    return UNSPIN_OK;
}

static int exc_line(builder *b, const char *path, size_t lineno, char *line, size_t len, unsigned pos)
{
    (void)len;
    /* fields are separated by spaces (words of a collocation by '_'); form first */
    char *form = line, *sp = strchr(line, ' ');
    if (!sp || sp == line || sp[1] == '\0')
        return us_error(b->err, UNSPIN_E_FORMAT, "%s:%zu: expected \"form lemma\"", path, lineno);
    *sp = '\0';
    size_t fl = (size_t)(sp - form);
    underscores(form, fl);
    char *lemma = sp + 1;
    while (*lemma) {
        while (*lemma == ' ')
            lemma++;
        size_t ll = strcspn(lemma, " ");
        if (!ll)
            break;
        underscores(lemma, ll);
        if (!(ll == fl && memcmp(form, lemma, ll) == 0)) {
            int tags[2] = {-1, -1};
            if (pos == MORPH_NOUN) {
                tags[0] = MORPH_NNS;
            } else if (pos == MORPH_ADJ || pos == MORPH_ADV) {
                int sup = ends_with(form, fl, "st");
                tags[0] = pos == MORPH_ADJ ? (sup ? MORPH_JJS : MORPH_JJR) : (sup ? MORPH_RBS : MORPH_RBR);
            } else if ((fl == 3 && memcmp(form, "are", 3) == 0) || (fl == 2 && memcmp(form, "am", 2) == 0)) {
                tags[0] = MORPH_BASE;
            } else if (fl == 3 && memcmp(form, "was", 3) == 0) {
                tags[0] = MORPH_VBD; /* not a 3rd-person -s form; added below with "were" */
            } else if (ends_with(form, fl, "ing")) {
                tags[0] = MORPH_VBG;
            } else if (ends_with(form, fl, "s")) {
                tags[0] = MORPH_VBZ;
            } else if (ends_with(form, fl, "ed")) {
                tags[0] = MORPH_VBD;
                tags[1] = MORPH_VBN;
            } else if (ends_with(form, fl, "n") || ends_with(form, fl, "ne")) {
                tags[0] = MORPH_VBN;
            } else {
                tags[0] = MORPH_VBD;
                tags[1] = MORPH_VBN;
            }
            for (int k = 0; k < 2; k++)
                if (tags[k] >= 0)
                    US_TRY(exc_pair(b, form, fl, lemma, ll, pos, tags[k], 1));
        }
        lemma += ll;
    }
    return UNSPIN_OK;
}

static int add_irregulars(builder *b)
{
    for (size_t i = 0; i < US_ARRAY_LEN(irregular_verbs); i++) {
        const char *e = irregular_verbs[i];
        size_t bl = strcspn(e, " ");
        const char *f = e + bl + 1;
        for (int tag = MORPH_VBD; tag <= MORPH_VBN; tag++) {
            unsigned prio = 0;
            size_t fl;
            for (;;) {
                fl = strcspn(f, " /");
                US_TRY(exc_pair(b, f, fl, e, bl, MORPH_VERB, tag, prio++));
                f += fl;
                if (*f != '/')
                    break;
                f++;
            }
            if (*f == ' ')
                f++;
        }
    }
    for (size_t i = 0; i < US_ARRAY_LEN(irregular_vbz); i++) {
        const char *e = irregular_vbz[i];
        size_t bl = strcspn(e, " ");
        US_TRY(exc_pair(b, e + bl + 1, strlen(e + bl + 1), e, bl, MORPH_VERB, MORPH_VBZ, 0));
    }
    /* be: was/were, been, is (VBZ above) */
    US_TRY(exc_pair(b, "was", 3, "be", 2, MORPH_VERB, MORPH_VBD, 0));
    US_TRY(exc_pair(b, "were", 4, "be", 2, MORPH_VERB, MORPH_VBD, 1));
    US_TRY(exc_pair(b, "been", 4, "be", 2, MORPH_VERB, MORPH_VBN, 0));
    return UNSPIN_OK;
}

static int wordlist_line(builder *b, const char *path, size_t lineno, char *line, size_t len, unsigned which)
{
    (void)path;
    (void)lineno;
    for (size_t i = 0; i < len; i++)
        if (!is_alpha(line[i]))
            return UNSPIN_OK; /* proper nouns, possessives, accented words */
    if (sp_intern(which ? &b->brit : &b->amer, line, len, NULL) < 0)
        return us_error(b->err, UNSPIN_E_NOMEM, "morphology build: out of memory");
    return UNSPIN_OK;
}

/* British -> American rewrite rules, tried at every position. */
static const char *const spell_rules[][2] = {
    {"our", "or"},   {"ise", "ize"},   {"isi", "izi"},   {"isa", "iza"},     {"yse", "yze"},
    {"ysi", "yzi"},  {"re", "er"},     {"red", "ered"},  {"ring", "ering"},  {"res", "ers"},
    {"ence", "ense"}, {"ences", "enses"}, {"ll", "l"},   {"l", "ll"},        {"ogue", "og"},
    {"ogu", "og"},   {"ae", "e"},      {"oe", "e"},      {"eing", "ing"},    {"mme", "m"},
    {"yre", "ire"},  {"practis", "practic"},
};

static const char *const spell_pairs[][2] = {
    {"grey", "gray"}, {"greys", "grays"}, {"greyer", "grayer"}, {"greyest", "grayest"},
    {"greyish", "grayish"}, {"greying", "graying"}, {"greyed", "grayed"}, {"greyness", "grayness"},
    {"tyre", "tire"}, {"tyres", "tires"}, {"plough", "plow"}, {"ploughs", "plows"},
    {"ploughed", "plowed"}, {"ploughing", "plowing"}, {"aluminium", "aluminum"},
    {"programme", "program"}, {"programmes", "programs"}, {"sceptic", "skeptic"},
    {"sceptics", "skeptics"}, {"sceptical", "skeptical"}, {"scepticism", "skepticism"},
    {"pyjamas", "pajamas"}, {"jewellery", "jewelry"}, {"sulphur", "sulfur"},
    {"moustache", "mustache"}, {"cosy", "cozy"}, {"mould", "mold"}, {"moulds", "molds"},
    {"mouldy", "moldy"}, {"smoulder", "smolder"}, {"smouldering", "smoldering"},
    {"manoeuvre", "maneuver"}, {"manoeuvres", "maneuvers"}, {"manoeuvring", "maneuvering"},
    {"manoeuvred", "maneuvered"}, {"ageing", "aging"}, {"judgement", "judgment"},
    {"judgements", "judgments"}, {"acknowledgement", "acknowledgment"},
    {"draughtsman", "draftsman"},
};

static int add_spell_pair(builder *b, const char *br, size_t bl, const char *am, size_t al, int force)
{
    uint32_t flag = !force && sp_lookup(&b->brit, am, al, NULL) ? SPELL_AMER_IN_BRIT : 0;
    if (sp_lookup(&b->bkeys, br, bl, NULL))
        return UNSPIN_OK; /* first pair wins */
    if (sp_intern(&b->bkeys, br, bl, NULL) < 0)
        return us_error(b->err, UNSPIN_E_NOMEM, "morphology build: out of memory");
    US_TRY(add_rec(b, MT_B2A, br, bl, am, al, flag << 16));
    US_TRY(add_rec(b, MT_A2B, am, al, br, bl, flag << 16));
    return UNSPIN_OK;
}

/* Variants of w at rule depth `depth`; found: American form (in the American
 * list; when `amer_only`, also not in the British list). */
static int spell_search(const builder *b, const char *w, size_t len, int depth, int amer_only, char *found,
                        size_t *flen)
{
    char buf[MORPH_MAX_LEN + 16];
    for (size_t r = 0; r < US_ARRAY_LEN(spell_rules); r++) {
        const char *from = spell_rules[r][0], *to = spell_rules[r][1];
        size_t fl = strlen(from), tl = strlen(to);
        for (size_t i = 0; i + fl <= len; i++) {
            if (memcmp(w + i, from, fl) != 0)
                continue;
            size_t n = len - fl + tl;
            if (n > MORPH_MAX_LEN)
                continue;
            memcpy(buf, w, i);
            memcpy(buf + i, to, tl);
            memcpy(buf + i + tl, w + i + fl, len - i - fl);
            buf[n] = '\0';
            if (depth == 1) {
                if (sp_lookup(&b->amer, buf, n, NULL) && !(amer_only && sp_lookup(&b->brit, buf, n, NULL))) {
                    memcpy(found, buf, n + 1);
                    *flen = n;
                    return 1;
                }
            } else if (spell_search(b, buf, n, depth - 1, amer_only, found, flen)) {
                return 1;
            }
        }
    }
    return 0;
}

static int build_spelling(builder *b)
{
    if (!b->amer.count && !b->brit.count)
        return UNSPIN_OK;
    for (size_t i = 0; i < US_ARRAY_LEN(spell_pairs); i++)
        US_TRY(add_spell_pair(b, spell_pairs[i][0], strlen(spell_pairs[i][0]), spell_pairs[i][1],
                              strlen(spell_pairs[i][1]), strncmp(spell_pairs[i][0], "tyre", 4) != 0));
    char found[MORPH_MAX_LEN + 16];
    for (size_t off = 0; off < b->brit.len;) {
        const char *w = b->brit.data + off;
        size_t len = strlen(w);
        off += len + 1;
        /* a British-only word, or a word of both lists whose variant is American-only
         * (travelled/traveled, catalogue/catalog) */
        int both = sp_lookup(&b->amer, w, len, NULL);
        size_t flen;
        if (spell_search(b, w, len, 1, both, found, &flen) || spell_search(b, w, len, 2, both, found, &flen))
            US_TRY(add_spell_pair(b, w, len, found, flen, 0));
    }
    return UNSPIN_OK;
}

static int cmp_brec(const void *x, const void *y)
{
    const brec *a = x, *c = y;
    if (a->ko != c->ko)
        return a->ko < c->ko ? -1 : 1;
    if ((a->info >> 16) != (c->info >> 16))
        return (a->info >> 16) < (c->info >> 16) ? -1 : 1;
    if (a->vo != c->vo)
        return a->vo < c->vo ? -1 : 1;
    return a->info < c->info ? -1 : a->info > c->info;
}

static void builder_free(builder *b)
{
    sp_free(&b->pool);
    sp_free(&b->amer);
    sp_free(&b->brit);
    sp_free(&b->bkeys);
    for (int t = 0; t < MT_COUNT; t++)
        us_free(b->r[t]);
}

static int serialise(builder *b, unsigned char **blob, size_t *size)
{
    size_t nslots[MT_COUNT], off = HDR_FIXED + 16 * MT_COUNT;
    size_t pool_off = off, rec_off[MT_COUNT], slot_off[MT_COUNT];
    off += b->pool.len;
    for (int t = 0; t < MT_COUNT; t++) {
        /* sort and drop duplicates (same key, value, POS and tag) */
        if (b->n[t])
            qsort(b->r[t], b->n[t], sizeof(brec), cmp_brec);
        size_t k = 0;
        for (size_t i = 0; i < b->n[t]; i++) {
            int dup = 0;
            for (size_t j = k; j-- > 0 && b->r[t][j].ko == b->r[t][i].ko;)
                if (b->r[t][j].vo == b->r[t][i].vo && (b->r[t][j].info & 0xffffu) == (b->r[t][i].info & 0xffffu))
                    dup = 1;
            if (!dup)
                b->r[t][k++] = b->r[t][i];
        }
        b->n[t] = k;
        nslots[t] = 0;
        if (k) {
            nslots[t] = 2;
            while (nslots[t] < 2 * k)
                nslots[t] *= 2;
        }
        rec_off[t] = off;
        off += k * REC_SIZE;
        slot_off[t] = off;
        off += nslots[t] * 4;
    }
    if (off > UINT32_MAX)
        return us_error(b->err, UNSPIN_E_LIMIT, "morphology build: data exceeds 4 GiB");
    unsigned char *p = us_calloc(1, off);
    if (!p)
        return us_error(b->err, UNSPIN_E_NOMEM, "morphology build: out of memory");
    memcpy(p, MAGIC_INCOMPLETE, 8);
    us_store32(p + 8, VERSION);
    us_store32(p + 12, HDR_FIXED + 16 * MT_COUNT);
    us_store64(p + 24, off);
    us_store32(p + 32, (uint32_t)pool_off);
    us_store32(p + 36, (uint32_t)b->pool.len);
    us_store32(p + 40, MT_COUNT);
    memcpy(p + pool_off, b->pool.data, b->pool.len);
    for (int t = 0; t < MT_COUNT; t++) {
        unsigned char *h = p + HDR_FIXED + 16 * t;
        us_store32(h, (uint32_t)rec_off[t]);
        us_store32(h + 4, (uint32_t)b->n[t]);
        us_store32(h + 8, (uint32_t)slot_off[t]);
        us_store32(h + 12, (uint32_t)nslots[t]);
        for (size_t i = 0; i < b->n[t]; i++) {
            const brec *r = &b->r[t][i];
            unsigned char *q = p + rec_off[t] + i * REC_SIZE;
            us_store32(q, r->ko);
            us_store32(q + 4, r->vo);
            q[8] = (unsigned char)r->kl;
            q[9] = (unsigned char)(r->kl >> 8);
            q[10] = (unsigned char)r->vl;
            q[11] = (unsigned char)(r->vl >> 8);
            us_store32(q + 12, r->info);
            size_t mask = nslots[t] - 1, j = (size_t)us_hash(b->pool.data + r->ko, r->kl) & mask;
            while (us_load32(p + slot_off[t] + 4 * j))
                j = (j + 1) & mask;
            us_store32(p + slot_off[t] + 4 * j, (uint32_t)(i + 1));
        }
    }
    us_store64(p + 16, us_checksum(p + HDR_FIXED + 16 * MT_COUNT, off - (HDR_FIXED + 16 * MT_COUNT)));
    memcpy(p, MAGIC, 8);
    *blob = p;
    *size = off;
    return UNSPIN_OK;
}

static const char *const pos_names[4] = {"noun", "verb", "adj", "adv"};

int morph_build(const char *wordnet_dir, const char *american_list, const char *british_list,
                unsigned char **blob, size_t *size, unspin_error *err)
{
    builder b;
    memset(&b, 0, sizeof b);
    b.err = err;
    *blob = NULL;
    *size = 0;
    int rc = sp_intern(&b.pool, "", 0, NULL);
    if (rc < 0)
        rc = us_error(err, UNSPIN_E_NOMEM, "morphology build: out of memory");
    if (rc >= 0 && american_list)
        rc = for_each_line(&b, american_list, 0, wordlist_line);
    if (rc >= 0 && british_list)
        rc = for_each_line(&b, british_list, 1, wordlist_line);
    if (rc >= 0)
        rc = build_spelling(&b);
    if (rc >= 0 && wordnet_dir) {
        char path[4096];
        for (int p = 0; p < 4 && rc >= 0; p++) {
            if ((size_t)snprintf(path, sizeof path, "%s/index.%s", wordnet_dir, pos_names[p]) >= sizeof path)
                return builder_free(&b), us_error(err, UNSPIN_E_LIMIT, "%s: path too long", wordnet_dir);
            rc = for_each_line(&b, path, pos_bits[p], index_line);
            if (rc >= 0) {
                snprintf(path, sizeof path, "%s/%s.exc", wordnet_dir, pos_names[p]);
                rc = for_each_line(&b, path, pos_bits[p], exc_line);
            }
        }
    }
    if (rc >= 0)
        rc = add_irregulars(&b);
    if (rc >= 0)
        rc = serialise(&b, blob, size);
    builder_free(&b);
    return rc;
}
