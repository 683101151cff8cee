/* test_lexicon.c - the lexicon: build from the fixtures in tests/data/lex/
 * (one per source format), open, look up; determinism; corrupt files. */
#include "test.h"

#include "lex_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Path of a fixture under tests/data/lex (copied: test_data() reuses its buffer). */
static const char *fx(const char *name)
{
    static char buf[8][4096];
    static int k;
    char rel[256];
    size_t n = strlen(name);
    if (n > 200)
        n = 200;
    memcpy(rel, "lex/", 4);
    memcpy(rel + 4, name, n);
    rel[4 + n] = 0;
    const char *p = test_data(rel);
    k = (k + 1) % 8;
    size_t pl = strlen(p);
    if (pl >= sizeof buf[k])
        pl = sizeof buf[k] - 1;
    memcpy(buf[k], p, pl);
    buf[k][pl] = 0;
    return buf[k];
}

static int build_fixture(const char *out, int with_embeddings)
{
    const char *wn = fx("wordnet"), *my = fx("mythes.dat"), *ak = fx("aiksaurus"), *gc = fx("gcide"),
               *em = fx("emb.json"), *am = fx("american.txt"), *br = fx("british.txt");
    unspin_lexicon_build_opts o;
    memset(&o, 0, sizeof o);
    o.wordnet_dir = wn;
    o.mythes_file = my;
    o.aiksaurus_dir = ak;
    o.gcide_dir = gc;
    o.embeddings_json = with_embeddings ? em : NULL;
    o.morph_american = am;
    o.morph_british = br;
    unspin_error err;
    int rc = unspin_lexicon_build(&o, out, &err);
    if (rc != UNSPIN_OK)
        fprintf(stderr, "build: %s\n", err.message);
    return rc;
}

static const char *tmp_path(const char *name)
{
    static char buf[4][4096];
    static int k;
    k = (k + 1) % 4;
    const char *d = test_tmpdir();
    size_t dl = strlen(d), nl = strlen(name);
    if (dl + nl + 2 > sizeof buf[k])
        dl = 0;
    memcpy(buf[k], d, dl);
    buf[k][dl] = '/';
    memcpy(buf[k] + dl + 1, name, nl + 1);
    return buf[k];
}

/* Find candidate `text` of span `span` among the results of a lookup. */
static const unspin_candidate *lookup_find(const unspin_lexicon *lex, unspin_candidates *cs, const char *phrase,
                                           const char *text, uint32_t span)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", phrase);
    const char *words[4];
    size_t lens[4], n = 0;
    for (char *tok = strtok(buf, " "); tok && n < 4; tok = strtok(NULL, " ")) {
        words[n] = tok;
        lens[n++] = strlen(tok);
    }
    const unspin_candidate *c;
    size_t nc;
    unspin_error err;
    if (unspin_lexicon_lookup(lex, words, lens, n, cs, &c, &nc, &err) != UNSPIN_OK)
        return NULL;
    for (size_t i = 0; i < nc; i++) {
        CHECK(c[i].text != NULL && strlen(c[i].text) == c[i].text_length);
        if (i)
            CHECK(c[i - 1].span <= c[i].span);
        if (c[i].span == span && strcmp(c[i].text, text) == 0)
            return &c[i];
    }
    return NULL;
}

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *d = malloc((size_t)n + 1);
    if (d && fread(d, 1, (size_t)n, f) != (size_t)n) {
        free(d);
        d = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return d;
}

static void write_file(const char *path, const unsigned char *d, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(d, 1, len, f);
        fclose(f);
    }
}

TEST(lexicon_build_and_lookup)
{
    const char *path = tmp_path("fx.uslex");
    CHECK_EQ_INT(build_fixture(path, 1), UNSPIN_OK);
    unspin_lexicon *lex = NULL;
    unspin_error err;
    CHECK_EQ_INT(unspin_lexicon_open(path, &lex, &err), UNSPIN_OK);
    if (!lex)
        return;
    CHECK_EQ_INT(unspin_lexicon_verify(lex, &err), UNSPIN_OK);
    unspin_candidates *cs;
    CHECK_EQ_INT(unspin_candidates_create(&cs, &err), UNSPIN_OK);
    const unspin_candidate *c;

    /* WordNet: same synset, hypernym pointer (spun "express" is more general than "say") */
    c = lookup_find(lex, cs, "state", "say", 1);
    CHECK(c && (c->sources & UNSPIN_SRC_WORDNET) && (c->relations & UNSPIN_REL_SYNONYM));
    c = lookup_find(lex, cs, "express", "say", 1);
    CHECK(c && (c->relations & UNSPIN_REL_HYPERNYM));
    c = lookup_find(lex, cs, "wheel", "car", 1);
    CHECK(c && (c->relations & UNSPIN_REL_PART));
    CHECK(lookup_find(lex, cs, "truck", "car", 1) == NULL); /* antonym pointers are not links */
    c = lookup_find(lex, cs, "huge", "big", 1);             /* adjective marker "(a)" stripped */
    CHECK(c && (c->relations & UNSPIN_REL_SIMILAR));
    /* multi-word originals and spun phrases */
    c = lookup_find(lex, cs, "ai", "artificial intelligence", 1);
    CHECK(c && (c->sources & UNSPIN_SRC_MYTHES) && (c->sources & UNSPIN_SRC_WORDNET));
    c = lookup_find(lex, cs, "machine intelligence is", "artificial intelligence", 2);
    CHECK(c && (c->sources & UNSPIN_SRC_MYTHES));
    /* MyThes annotations; antonyms skipped */
    c = lookup_find(lex, cs, "rotate", "spin", 1);
    CHECK(c && c->relations == UNSPIN_REL_HYPERNYM);
    c = lookup_find(lex, cs, "caravan", "train", 1);
    CHECK(c && (c->relations & UNSPIN_REL_SIMILAR));
    c = lookup_find(lex, cs, "string", "train", 1);
    CHECK(c && (c->relations & UNSPIN_REL_RELATED));
    CHECK(lookup_find(lex, cs, "stop", "spin", 1) == NULL);
    /* Aiksaurus: meaning groups, ':' is a space */
    c = lookup_find(lex, cs, "vast", "huge", 1);
    CHECK(c && (c->sources & UNSPIN_SRC_AIKSAURUS));
    c = lookup_find(lex, cs, "despite", "in spite of", 1);
    CHECK(c && (c->sources & UNSPIN_SRC_AIKSAURUS));
    /* GCIDE Syn: blocks ("To talk" -> "talk"; "See {Failing}" is not a synonym) */
    c = lookup_find(lex, cs, "blemish", "fault", 1);
    CHECK(c && (c->sources & UNSPIN_SRC_GCIDE));
    CHECK(lookup_find(lex, cs, "talk", "chat", 1) != NULL);
    CHECK(lookup_find(lex, cs, "costly", "expensive", 1) != NULL);
    CHECK(lookup_find(lex, cs, "failing", "fault", 1) == NULL);
    /* function words and contractions, tokenised like text */
    c = lookup_find(lex, cs, "did n't", "did not", 2);
    CHECK(c && (c->sources & UNSPIN_SRC_FUNCTION));
    CHECK(lookup_find(lex, cs, "within", "in", 1) != NULL);
    /* morphology: lemma lookup and re-inflection */
    c = lookup_find(lex, cs, "stated", "said", 1);
    CHECK(c && c->inflected == 1);
    c = lookup_find(lex, cs, "took part", "participated", 2);
    CHECK(c && c->inflected == 1);
    /* hyphenated compounds from the candidates of their parts */
    CHECK(lookup_find(lex, cs, "vast-automobile", "huge-automobile", 1) != NULL);
    CHECK(lookup_find(lex, cs, "vast-automobile", "vast-car", 1) != NULL);
    CHECK(lookup_find(lex, cs, "vast-automobile", "huge-car", 1) != NULL);
    /* spelling variants */
    CHECK(lookup_find(lex, cs, "colour", "hue", 1) != NULL);
    /* embeddings */
    CHECK_EQ_INT(unspin_lexicon_dim(lex), 4);
    float v[4];
    CHECK_EQ_INT(unspin_lexicon_vector(lex, "big", 3, v), 1);
    CHECK_EQ_INT(unspin_lexicon_vector(lex, "zzz", 3, v), 0);
    c = lookup_find(lex, cs, "state", "say", 1);
    CHECK(c && c->similarity > 0.9f);
    size_t nc;
    CHECK_EQ_INT(unspin_lexicon_similar(lex, "big", 3, 2, cs, &c, &nc, &err), UNSPIN_OK);
    CHECK_EQ_INT(nc, 2);
    if (nc == 2) {
        CHECK_STR(c[0].text, "large");
        CHECK(c[0].sources == UNSPIN_SRC_EMBEDDING);
    }
    /* entries: words and phrases that a source lists (known terms) */
    CHECK_EQ_INT(lex_has_entry(lex, "artificial intelligence", 23), 1);
    CHECK_EQ_INT(lex_has_entry(lex, "say", 3), 1);
    CHECK_EQ_INT(lex_has_entry(lex, "intelligence artificial", 23), 0);
    CHECK_EQ_INT(lex_has_entry(lex, "qwertyuiop", 10), 0);
    CHECK_EQ_INT(lex_has_entry(lex, "say", 0), 0);
    CHECK_EQ_INT(lex_has_entry(NULL, "say", 3), 0);
    /* unknown words, empty lookups */
    CHECK(lookup_find(lex, cs, "qwertyuiop", "x", 1) == NULL);
    CHECK_EQ_INT(unspin_lexicon_lookup(lex, NULL, NULL, 0, cs, &c, &nc, &err), UNSPIN_OK);
    CHECK_EQ_INT(nc, 0);
    size_t ne, nl, mc;
    unspin_lexicon_info(lex, &ne, &nl, &mc);
    CHECK(ne > 20 && nl > 20 && mc == 50);
    unspin_candidates_free(cs);
    unspin_lexicon_close(lex);
    unspin_lexicon_close(NULL);
    unspin_candidates_free(NULL);
}

TEST(lexicon_deterministic)
{
    const char *a = tmp_path("det-a.uslex"), *b = tmp_path("det-b.uslex");
    CHECK_EQ_INT(build_fixture(a, 1), UNSPIN_OK);
    CHECK_EQ_INT(build_fixture(b, 1), UNSPIN_OK);
    size_t la, lb;
    unsigned char *da = read_file(a, &la), *db = read_file(b, &lb);
    CHECK(da && db && la == lb && memcmp(da, db, la) == 0);
    free(da);
    free(db);
}

TEST(lexicon_rejects_bad_files)
{
    const char *path = tmp_path("good.uslex"), *bad = tmp_path("bad.uslex");
    CHECK_EQ_INT(build_fixture(path, 0), UNSPIN_OK);
    size_t len;
    unsigned char *d = read_file(path, &len);
    CHECK(d != NULL && len > 128);
    if (!d)
        return;
    unspin_lexicon *lex = NULL;
    unspin_error err;
    unsigned char *m = malloc(len);

    /* wrong magic */
    memcpy(m, d, len);
    m[0] = 'X';
    write_file(bad, m, len);
    CHECK_EQ_INT(unspin_lexicon_open(bad, &lex, &err), UNSPIN_E_FORMAT);
    CHECK(strstr(err.message, "bad.uslex") && !strchr(err.message, '\n'));
    /* wrong version */
    memcpy(m, d, len);
    us_store32(m + 8, 99);
    write_file(bad, m, len);
    CHECK_EQ_INT(unspin_lexicon_open(bad, &lex, &err), UNSPIN_E_VERSION);
    CHECK(strstr(err.message, "version") != NULL);
    /* incomplete */
    memcpy(m, d, len);
    us_store32(m + 12, LEX_STATE_INCOMPLETE);
    write_file(bad, m, len);
    CHECK_EQ_INT(unspin_lexicon_open(bad, &lex, &err), UNSPIN_E_INCOMPLETE);
    /* truncated */
    write_file(bad, d, len - 9);
    CHECK_EQ_INT(unspin_lexicon_open(bad, &lex, &err), UNSPIN_E_FORMAT);
    CHECK(strstr(err.message, "truncated") != NULL);
    write_file(bad, d, 10);
    CHECK_EQ_INT(unspin_lexicon_open(bad, &lex, &err), UNSPIN_E_FORMAT);
    /* a flipped byte in the body: opens, but verify fails */
    memcpy(m, d, len);
    m[len - 20] ^= 0x40;
    write_file(bad, m, len);
    if (unspin_lexicon_open(bad, &lex, &err) == UNSPIN_OK) {
        CHECK_EQ_INT(unspin_lexicon_verify(lex, &err), UNSPIN_E_CHECKSUM);
        CHECK(strstr(err.message, "checksum") != NULL);
        unspin_lexicon_close(lex);
        lex = NULL;
    }
    /* section table pointing out of the file */
    memcpy(m, d, len);
    us_store64(m + LEX_HEADER_SIZE + 8, (uint64_t)len * 2);
    write_file(bad, m, len);
    CHECK_EQ_INT(unspin_lexicon_open(bad, &lex, &err), UNSPIN_E_FORMAT);
    /* missing file */
    CHECK_EQ_INT(unspin_lexicon_open(tmp_path("none.uslex"), &lex, &err), UNSPIN_E_IO);
    /* random corruption never crashes */
    for (int i = 0; i < 300; i++) {
        memcpy(m, d, len);
        for (int k = 0; k < 4; k++)
            m[test_rand() % len] = (unsigned char)test_rand();
        unspin_lexicon *l2 = NULL;
        if (lex_open_memory(m, len, "mem", &l2, &err) == UNSPIN_OK) {
            unspin_candidates *cs;
            if (unspin_candidates_create(&cs, &err) == UNSPIN_OK) {
                static const char *const words[] = {"huge", "in", "spite", "of"};
                static const size_t lens[] = {4, 2, 5, 2};
                const unspin_candidate *c;
                size_t nc;
                for (int s = 0; s < 4; s++)
                    unspin_lexicon_lookup(l2, words + s, lens + s, 4 - (size_t)s, cs, &c, &nc, &err);
                unspin_candidates_free(cs);
            }
            unspin_lexicon_close(l2);
        }
    }
    free(m);
    free(d);
}

TEST(lexicon_source_errors)
{
    lexb *b;
    unspin_error err;
    CHECK_EQ_INT(lexb_create(&b, &err), UNSPIN_OK);
    static const char my_bad[] = "UTF-8\nword|x\n";
    CHECK_EQ_INT(lex_parse_mythes(b, my_bad, sizeof my_bad - 1, "t.dat", &err), UNSPIN_E_FORMAT);
    CHECK(strstr(err.message, "t.dat:2") != NULL);
    static const char my_trunc[] = "UTF-8\nword|2\n(noun)|a|b\n";
    CHECK_EQ_INT(lex_parse_mythes(b, my_trunc, sizeof my_trunc - 1, "t.dat", &err), UNSPIN_E_FORMAT);
    static const char my_enc[] = "KOI8-R\n";
    CHECK_EQ_INT(lex_parse_mythes(b, my_enc, sizeof my_enc - 1, "t.dat", &err), UNSPIN_E_FORMAT);
    static const char latin[] = "ISO8859-1\ncaf\xe9|1\n(noun)|bistro\n";
    CHECK_EQ_INT(lex_parse_mythes(b, latin, sizeof latin - 1, "l.dat", &err), UNSPIN_OK);
    const char *wn[4] = {"00000010 03 n 05 a 0 001 @\n", NULL, NULL, NULL};
    size_t wl[4] = {strlen(wn[0]), 0, 0, 0};
    CHECK_EQ_INT(lex_parse_wordnet(b, wn, wl, "wn", &err), UNSPIN_E_FORMAT);
    CHECK(strstr(err.message, "data.noun:1") != NULL);
    static const unsigned char aw[] = {'a', 0, 0, 0, 0xff, 0xff, 'b', 0, 0};
    static const unsigned char am[] = {0, 0, 0, 1, 0, 0, 0, 7, 0xff, 0xff};
    CHECK_EQ_INT(lex_parse_aiksaurus(b, aw, sizeof aw, am, sizeof am, "ak", &err), UNSPIN_E_FORMAT);
    static const unsigned char aw2[] = {'a', 0, 0, 0, 0xff, 0xff};
    CHECK_EQ_INT(lex_parse_aiksaurus(b, aw2, sizeof aw2, am, sizeof am, "ak", &err), UNSPIN_E_FORMAT);
    CHECK(strstr(err.message, "out of range") != NULL);
    lexb_free(b);
    /* a missing source file is an I/O error naming it */
    unspin_lexicon_build_opts o;
    memset(&o, 0, sizeof o);
    o.mythes_file = tmp_path("no-such-thesaurus.dat");
    CHECK_EQ_INT(unspin_lexicon_build(&o, tmp_path("x.uslex"), &err), UNSPIN_E_IO);
    CHECK(strstr(err.message, "no-such-thesaurus.dat") != NULL);
}

/* A lookup space used with one lexicon, then (after a close) with another:
 * its caches must not give the first lexicon's results. (They are keyed by
 * the file's content, not by the lexicon's address, which a later open may
 * reuse; this allocator happens not to here.) */
TEST(lexicon_lookup_space_reused)
{
    const char *names[2] = {"restore-thes.dat", "term-thes.dat"};
    char paths[2][4096];
    unspin_error err;
    for (int k = 0; k < 2; k++) {
        char thes[4096], file[64];
        snprintf(thes, sizeof thes, "%s", test_data(names[k]));
        snprintf(file, sizeof file, "reuse-%d.uslex", k);
        snprintf(paths[k], sizeof paths[k], "%s", tmp_path(file));
        unspin_lexicon_build_opts o;
        memset(&o, 0, sizeof o);
        o.mythes_file = thes;
        o.no_function_words = 1;
        CHECK(unspin_lexicon_build(&o, paths[k], &err) == UNSPIN_OK);
    }
    unspin_candidates *cs = NULL;
    CHECK(unspin_candidates_create(&cs, &err) == UNSPIN_OK);
    size_t found[2] = {0, 0};
    for (int k = 0; k < 2 && cs; k++) {
        unspin_lexicon *lex = NULL;
        CHECK(unspin_lexicon_open(paths[k], &lex, &err) == UNSPIN_OK);
        const char *w[1] = {"mentioned"};
        size_t l[1] = {9};
        const unspin_candidate *cands;
        if (lex)
            CHECK(unspin_lexicon_lookup(lex, w, l, 1, cs, &cands, &found[k], &err) == UNSPIN_OK);
        unspin_lexicon_close(lex);
    }
    CHECK(found[0] > 0);       /* restore-thes links "mentioned" */
    CHECK_EQ_INT(found[1], 0); /* term-thes does not */
    unspin_candidates_free(cs);
}
