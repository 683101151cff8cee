/* test_match.c - `unspin match`: stems, the in-memory index, queries with
 * and without a lexicon (tests/data/match/thes.dat), spans, the .usidx file
 * format and its failure modes. */
#include "matcher_internal.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *mt_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 16);
    size_t n = buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = 0;
    *len = n;
    return buf;
}

static const char *const mt_docs[] = {"orig-school.txt", "orig-council.txt", "orig-weather.txt"};

/* An index of the three fixture originals. */
static unspin_match_index *mt_fixture_index(void)
{
    unspin_match_index *ix = NULL;
    unspin_error err;
    if (unspin_match_index_create(&ix, &err) != UNSPIN_OK)
        return NULL;
    for (size_t i = 0; i < 3; i++) {
        char path[1024];
        snprintf(path, sizeof path, "match/%s", mt_docs[i]);
        size_t len;
        char *text = mt_slurp(test_data(path), &len);
        CHECK(text != NULL);
        if (!text || unspin_match_index_add(ix, mt_docs[i], text, len, &err) != UNSPIN_OK) {
            free(text);
            unspin_match_index_free(ix);
            return NULL;
        }
        free(text);
    }
    if (unspin_match_index_finish(ix, &err) != UNSPIN_OK) {
        unspin_match_index_free(ix);
        return NULL;
    }
    return ix;
}

static unspin_lexicon *mt_fixture_lexicon(void)
{
    char lex_path[1024], thes[1024];
    snprintf(lex_path, sizeof lex_path, "%s/match.uslex", test_tmpdir());
    snprintf(thes, sizeof thes, "%s", test_data("match/thes.dat"));
    unspin_lexicon_build_opts lo;
    memset(&lo, 0, sizeof lo);
    lo.mythes_file = thes;
    lo.no_function_words = 1;
    unspin_error err;
    unspin_lexicon *lex = NULL;
    if (unspin_lexicon_build(&lo, lex_path, &err) != UNSPIN_OK || unspin_lexicon_open(lex_path, &lex, &err) != UNSPIN_OK) {
        test_fail(__FILE__, __LINE__, "lexicon: %s", err.message);
        return NULL;
    }
    return lex;
}

static const unspin_match_result *mt_run(unspin_matcher *m, const char *text)
{
    const unspin_match_result *r = NULL;
    unspin_error err;
    if (unspin_match_query(m, text, strlen(text), &r, &err) != UNSPIN_OK)
        test_fail(__FILE__, __LINE__, "query: %s", err.message);
    return r;
}

static size_t mt_stem_s(const char *w, char *out)
{
    return mt_stem(w, strlen(w), out, 64);
}

TEST(match_stem)
{
    char a[64], b[64];
    CHECK_EQ_INT(mt_stem_s("the", a), 0);
    CHECK_EQ_INT(mt_stem_s("within", a), 0);
    CHECK_EQ_INT(mt_stem_s("n't", a), 0);
    mt_stem_s("two", a);
    CHECK_STR(a, "2");
    mt_stem_s("states", a);
    mt_stem_s("stated", b);
    CHECK_STR(a, b);
    mt_stem_s("stating", b);
    CHECK_STR(a, b);
    mt_stem_s("state", b);
    CHECK_STR(a, b);
    mt_stem_s("running", a);
    mt_stem_s("runs", b);
    CHECK_STR(a, b);
    mt_stem_s("studies", a);
    mt_stem_s("study", b);
    CHECK_STR(a, b);
    mt_stem_s("bus", a);
    CHECK_STR(a, "bus");
    mt_stem_s("café", a); /* non-ASCII words are kept whole */
    CHECK_STR(a, "café");
    char small[4];
    CHECK(mt_stem("houses", 6, small, sizeof small) <= 3);
}

TEST(match_finds_source_without_lexicon)
{
    unspin_match_index *ix = mt_fixture_index();
    CHECK(ix != NULL);
    if (!ix)
        return;
    CHECK_EQ_INT(unspin_match_index_count(ix), 3);
    unspin_matcher *m = NULL;
    unspin_error err;
    CHECK_EQ_INT(unspin_matcher_create(ix, NULL, NULL, &m, &err), UNSPIN_OK);
    size_t len;
    char *spun = mt_slurp(test_data("match/spun-council.txt"), &len);
    CHECK(spun != NULL);
    if (m && spun) {
        const unspin_match_result *r = mt_run(m, spun);
        CHECK(r && r->nhits == 1);
        if (r && r->nhits) {
            CHECK_STR(r->hits[0].name, "orig-council.txt");
            CHECK_EQ_INT(r->hits[0].doc, 1);
            CHECK(r->hits[0].score >= 0.5 && r->hits[0].score <= 1);
            CHECK_EQ_INT(r->hits[0].synonyms, 0);
            CHECK(r->hits[0].nspans >= 1);
            const char *src;
            size_t slen;
            CHECK_EQ_INT(unspin_match_index_document(ix, 1, NULL, &src, &slen), UNSPIN_OK);
            for (size_t k = 0; k < r->hits[0].nspans; k++) {
                const unspin_match_span *s = &r->hits[0].spans[k];
                CHECK(s->query_start < s->query_end && s->query_end <= len);
                CHECK(s->source_start < s->source_end && s->source_end <= slen);
                CHECK(s->words >= 2);
            }
            /* "The city council" / "The town board" do not match without a lexicon */
            CHECK(strncmp(src + r->hits[0].spans[0].source_start, "voted", 5) == 0);
            CHECK(strncmp(spun + r->hits[0].spans[0].query_start, "voted", 5) == 0);
        }
        /* an unrelated text finds nothing above the default threshold */
        r = mt_run(m, "Compile the kernel module with the provided Makefile and load it with insmod.");
        CHECK(r && r->nhits == 0);
        /* empty query */
        r = mt_run(m, "");
        CHECK(r && r->nhits == 0 && r->nwords == 0);
        /* an original finds itself with score 1 */
        const char *self;
        size_t selflen;
        unspin_match_index_document(ix, 2, NULL, &self, &selflen);
        r = mt_run(m, self);
        CHECK(r && r->nhits == 1 && r->hits[0].doc == 2);
        if (r && r->nhits)
            CHECK_NEAR(r->hits[0].score, 1.0, 1e-6);
    }
    free(spun);
    unspin_matcher_free(m);
    unspin_match_index_free(ix);
}

TEST(match_lexicon_synonyms)
{
    unspin_match_index *ix = mt_fixture_index();
    unspin_lexicon *lex = mt_fixture_lexicon();
    CHECK(ix && lex);
    unspin_matcher *m0 = NULL, *m1 = NULL;
    unspin_error err;
    unspin_match_opts o;
    unspin_match_opts_default(&o);
    o.min_score = 0;
    if (ix && lex && unspin_matcher_create(ix, NULL, &o, &m0, &err) == UNSPIN_OK &&
        unspin_matcher_create(ix, lex, &o, &m1, &err) == UNSPIN_OK) {
        size_t len;
        char *spun = mt_slurp(test_data("match/spun-council.txt"), &len);
        const unspin_match_result *r0 = mt_run(m0, spun);
        double s0 = r0 && r0->nhits ? r0->hits[0].score : 0;
        const unspin_match_result *r1 = mt_run(m1, spun);
        CHECK(r1 && r1->nhits >= 1);
        if (r1 && r1->nhits) {
            CHECK_STR(r1->hits[0].name, "orig-council.txt");
            CHECK(r1->hits[0].synonyms >= 5);      /* board, construct, fresh, mentioned, venture... */
            CHECK(r1->hits[0].score > s0 + 0.1); /* synonyms raise the score */
            for (size_t i = 1; i < r1->nhits; i++)
                CHECK(r1->hits[i].score <= r1->hits[i - 1].score);
        }
        free(spun);
    }
    unspin_matcher_free(m0);
    unspin_matcher_free(m1);
    unspin_lexicon_close(lex);
    unspin_match_index_free(ix);
}

TEST(match_api_errors)
{
    unspin_error err;
    unspin_match_index *ix = NULL;
    CHECK_EQ_INT(unspin_match_index_create(&ix, &err), UNSPIN_OK);
    unspin_matcher *m = NULL;
    /* not finished */
    CHECK_EQ_INT(unspin_matcher_create(ix, NULL, NULL, &m, &err), UNSPIN_E_INVALID);
    CHECK_EQ_INT(unspin_match_index_save(ix, "/nonexistent/x.usidx", &err), UNSPIN_E_INVALID);
    CHECK_EQ_INT(unspin_match_index_add(ix, NULL, "x", 1, &err), UNSPIN_E_INVALID);
    CHECK_EQ_INT(unspin_match_index_finish(ix, &err), UNSPIN_OK);
    CHECK_EQ_INT(unspin_match_index_add(ix, "late", "x", 1, &err), UNSPIN_E_INVALID);
    CHECK(strstr(err.message, "finished") != NULL);
    CHECK_EQ_INT(unspin_match_index_document(ix, 0, NULL, NULL, NULL), UNSPIN_E_INVALID);
    /* an empty index answers with no hits */
    CHECK_EQ_INT(unspin_matcher_create(ix, NULL, NULL, &m, &err), UNSPIN_OK);
    if (m) {
        const unspin_match_result *r = mt_run(m, "Some text about bridges.");
        CHECK(r && r->nhits == 0 && r->nwords == 2);
    }
    unspin_match_opts o;
    unspin_match_opts_default(&o);
    o.min_score = 2;
    unspin_matcher *m2 = NULL;
    CHECK_EQ_INT(unspin_matcher_create(ix, NULL, &o, &m2, &err), UNSPIN_E_INVALID);
    CHECK_EQ_INT(unspin_match_query(m, NULL, 3, NULL, &err), UNSPIN_E_INVALID);
    unspin_matcher_free(m);
    unspin_match_index_free(ix);
    unspin_matcher_free(NULL);
    unspin_match_index_free(NULL);
}

static int mt_write(const char *path, const unsigned char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

TEST(match_index_file)
{
    unspin_match_index *ix = mt_fixture_index();
    CHECK(ix != NULL);
    if (!ix)
        return;
    char path[1024], bad[1024];
    snprintf(path, sizeof path, "%s/fixture.usidx", test_tmpdir());
    snprintf(bad, sizeof bad, "%s/bad.usidx", test_tmpdir());
    unspin_error err;
    CHECK_EQ_INT(unspin_match_index_save(ix, path, &err), UNSPIN_OK);
    unspin_match_index *ix2 = NULL;
    CHECK_EQ_INT(unspin_match_index_open(path, &ix2, &err), UNSPIN_OK);
    if (ix2) {
        CHECK_EQ_INT(unspin_match_index_count(ix2), 3);
        const char *name, *text;
        size_t tl;
        CHECK_EQ_INT(unspin_match_index_document(ix2, 2, &name, &text, &tl), UNSPIN_OK);
        CHECK_STR(name, "orig-weather.txt");
        CHECK(tl > 0 && text[tl] == 0 && strncmp(text, "A powerful storm", 16) == 0);
        /* the same answers as the in-memory index */
        unspin_matcher *a = NULL, *b = NULL;
        unspin_match_opts o;
        unspin_match_opts_default(&o);
        o.min_score = 0;
        CHECK_EQ_INT(unspin_matcher_create(ix, NULL, &o, &a, &err), UNSPIN_OK);
        CHECK_EQ_INT(unspin_matcher_create(ix2, NULL, &o, &b, &err), UNSPIN_OK);
        const char *q = "Pupils at Lincoln High School will practice with a robotics squad from the college.";
        const unspin_match_result *ra = mt_run(a, q);
        double sa = ra && ra->nhits ? ra->hits[0].score : -1;
        size_t da = ra && ra->nhits ? ra->hits[0].doc : 99;
        const unspin_match_result *rb = mt_run(b, q);
        CHECK(rb && rb->nhits >= 1);
        if (rb && rb->nhits) {
            CHECK_EQ_INT(rb->hits[0].doc, da);
            CHECK_EQ_INT(da, 0);
            CHECK_NEAR(rb->hits[0].score, sa, 1e-12);
        }
        unspin_matcher_free(a);
        unspin_matcher_free(b);
    }
    unspin_match_index_free(ix2);
    unspin_match_index_free(ix);

    /* damaged copies */
    size_t n;
    unsigned char *data = (unsigned char *)mt_slurp(path, &n);
    CHECK(data && n > MT_HEADER_SIZE);
    if (!data)
        return;
    struct {
        size_t off;
        unsigned char xor_;
        int code;
    } cases[] = {
        {0, 1, UNSPIN_E_FORMAT},          /* magic */
        {8, 7, UNSPIN_E_VERSION},         /* version */
        {12, MT_FLAG_INCOMPLETE, UNSPIN_E_INCOMPLETE},
        {16, 1, UNSPIN_E_FORMAT},         /* document count */
        {n - 5, 0x20, UNSPIN_E_CHECKSUM}, /* text */
        {MT_HEADER_SIZE + 3, 1, UNSPIN_E_FORMAT},  /* a document offset */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        data[cases[i].off] ^= cases[i].xor_;
        CHECK(mt_write(bad, data, n) == 0);
        ix2 = NULL;
        int rc = unspin_match_index_open(bad, &ix2, &err);
        if (rc != cases[i].code)
            test_fail(__FILE__, __LINE__, "case %zu: %d, want %d (%s)", i, rc, cases[i].code, err.message);
        CHECK(ix2 == NULL);
        CHECK(strstr(err.message, "bad.usidx") != NULL);
        data[cases[i].off] ^= cases[i].xor_;
    }
    /* truncated */
    CHECK(mt_write(bad, data, n - 1) == 0);
    CHECK_EQ_INT(unspin_match_index_open(bad, &ix2, &err), UNSPIN_E_FORMAT);
    CHECK(mt_write(bad, data, 10) == 0);
    CHECK_EQ_INT(unspin_match_index_open(bad, &ix2, &err), UNSPIN_E_FORMAT);
    snprintf(bad, sizeof bad, "%s/missing.usidx", test_tmpdir());
    CHECK_EQ_INT(unspin_match_index_open(bad, &ix2, &err), UNSPIN_E_IO);
    free(data);
}

TEST(match_random_texts)
{
    /* random byte soup and random word orders never crash; spans stay in bounds */
    unspin_match_index *ix = NULL;
    unspin_error err;
    CHECK_EQ_INT(unspin_match_index_create(&ix, &err), UNSPIN_OK);
    static const char *const words[] = {"river", "bridge", "the", "storm", "2", "Anna", "\xff", "rain", ",", "\n", "of"};
    char buf[8][400];
    for (int d = 0; d < 8; d++) {
        size_t n = 0;
        buf[d][0] = 0;
        for (int k = 0; k < 40; k++) {
            const char *w = words[test_rand() % (sizeof words / sizeof words[0])];
            n += (size_t)snprintf(buf[d] + n, sizeof buf[d] - n, "%s ", w);
        }
        char name[16];
        snprintf(name, sizeof name, "d%d", d);
        CHECK_EQ_INT(unspin_match_index_add(ix, name, buf[d], n, &err), UNSPIN_OK);
    }
    CHECK_EQ_INT(unspin_match_index_finish(ix, &err), UNSPIN_OK);
    unspin_match_opts o;
    unspin_match_opts_default(&o);
    o.min_score = 0;
    o.top = 8;
    unspin_matcher *m = NULL;
    CHECK_EQ_INT(unspin_matcher_create(ix, NULL, &o, &m, &err), UNSPIN_OK);
    for (int d = 0; m && d < 8; d++) {
        size_t len = strlen(buf[d]);
        const unspin_match_result *r = mt_run(m, buf[d]);
        CHECK(r && r->nhits >= 1);
        for (size_t i = 0; r && i < r->nhits; i++) {
            const char *src;
            size_t sl;
            unspin_match_index_document(ix, r->hits[i].doc, NULL, &src, &sl);
            CHECK(r->hits[i].score >= 0 && r->hits[i].score <= 1);
            for (size_t k = 0; k < r->hits[i].nspans; k++) {
                CHECK(r->hits[i].spans[k].query_end <= len);
                CHECK(r->hits[i].spans[k].source_end <= sl);
            }
        }
    }
    unspin_matcher_free(m);
    unspin_match_index_free(ix);
}

TEST(match_long_documents_banded)
{
    /* more than 4096 matchable words on each side: aligned in diagonal bands */
    size_t nw = 5000, cap = nw * 8 + 16, n = 0;
    char *doc = malloc(cap);
    CHECK(doc != NULL);
    if (!doc)
        return;
    for (size_t i = 0; i < nw; i++)
        n += (size_t)snprintf(doc + n, cap - n, "w%zu ", i);
    unspin_match_index *ix = NULL;
    unspin_matcher *m = NULL;
    unspin_error err;
    CHECK_EQ_INT(unspin_match_index_create(&ix, &err), UNSPIN_OK);
    CHECK_EQ_INT(unspin_match_index_add(ix, "long", doc, n, &err), UNSPIN_OK);
    CHECK_EQ_INT(unspin_match_index_add(ix, "short", "w1 w2 w3", 8, &err), UNSPIN_OK);
    CHECK_EQ_INT(unspin_match_index_finish(ix, &err), UNSPIN_OK);
    CHECK_EQ_INT(unspin_matcher_create(ix, NULL, NULL, &m, &err), UNSPIN_OK);
    if (m) {
        const unspin_match_result *r = mt_run(m, doc);
        CHECK(r && r->nhits >= 1 && r->nwords == nw);
        if (r && r->nhits) {
            CHECK_STR(r->hits[0].name, "long");
            CHECK_EQ_INT(r->hits[0].matched, nw);
            CHECK_NEAR(r->hits[0].score, 1.0, 1e-6);
            CHECK(r->hits[0].nspans >= 1);
            CHECK_EQ_INT(r->hits[0].spans[0].query_start, 0);
        }
    }
    unspin_matcher_free(m);
    unspin_match_index_free(ix);
    free(doc);
}
