/* test_check.c - the spun-text detector on a fixture LM and thesaurus
 * (tests/data/restore.arpa, restore-thes.dat), and the .uscheck format. */
#include "check_internal.h"
#include "fixture.h"
#include "test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ck_fixture {
    unspin_lm *lm;
    unspin_lexicon *lex;
    unspin_checker *ck;
} ck_fixture;

static int ck_open(ck_fixture *f, const unspin_check_weights *w)
{
    memset(f, 0, sizeof *f);
    unspin_error err;
    if (fixture_models("restore.arpa", test_data("restore-thes.dat"), "check", &f->lm, &f->lex, &err) != 0 ||
        unspin_checker_create(f->lm, f->lex, w, &f->ck, &err) != UNSPIN_OK) {
        test_fail(__FILE__, __LINE__, "open: %s", err.message);
        return -1;
    }
    return 0;
}

static void ck_close(ck_fixture *f)
{
    unspin_checker_free(f->ck);
    unspin_lexicon_close(f->lex);
    unspin_lm_close(f->lm);
}

static const unspin_check_result *ck_run(ck_fixture *f, const char *s)
{
    const unspin_check_result *r = NULL;
    unspin_error err;
    if (unspin_check_paragraph(f->ck, s, strlen(s), &r, &err) != UNSPIN_OK)
        test_fail(__FILE__, __LINE__, "check: %s", err.message);
    return r;
}

TEST(check_spun_word_scores_higher)
{
    ck_fixture f;
    if (ck_open(&f, NULL) < 0)
        return;
    const unspin_check_result *r = ck_run(&f, "He mentioned that it rained.");
    CHECK(r != NULL);
    if (!r)
        goto out;
    double p_spun = r->p_spun;
    CHECK_EQ_INT(r->nwords, 5);
    CHECK(r->ncontent >= 1);
    CHECK_EQ_INT(r->nspans, 1);
    if (r->nspans == 1) {
        CHECK_EQ_INT(r->spans[0].start, 3);
        CHECK_EQ_INT(r->spans[0].end, 12);
        CHECK_STR(r->spans[0].suggestion, "said");
        CHECK(r->spans[0].score >= 1.0);
    }
    r = ck_run(&f, "He said that it rained.");
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ_INT(r->nspans, 0);
        CHECK(p_spun > r->p_spun);
    }
    for (int i = 0; i < UNSPIN_CHECK_NFEATURES && r; i++)
        CHECK(isfinite(r->features[i]));
out:
    ck_close(&f);
}

TEST(check_document_and_reset)
{
    ck_fixture f;
    if (ck_open(&f, NULL) < 0)
        return;
    size_t np = 99;
    double p0 = unspin_check_document(f.ck, &np);
    CHECK_EQ_INT(np, 0);
    CHECK(p0 > 0 && p0 < 1);
    ck_run(&f, "He mentioned that it rained.");
    ck_run(&f, "");
    ck_run(&f, "\xff\xfe mentioned \"stated\"");
    double p = unspin_check_document(f.ck, &np);
    CHECK_EQ_INT(np, 3);
    CHECK(p > 0 && p < 1);
    unspin_checker_reset(f.ck);
    unspin_check_document(f.ck, &np);
    CHECK_EQ_INT(np, 0);
    /* quoted words are not scored, unless most of the paragraph is quoted */
    const unspin_check_result *r = ck_run(&f, "He said \"mentioned\" that it rained.");
    CHECK(r && r->nspans == 0 && r->ncontent == 2);
    r = ck_run(&f, "\"He mentioned that it rained.\"");
    CHECK(r && r->nspans == 1 && r->ncontent == 2);
    ck_close(&f);
}

TEST(check_bad_arguments)
{
    unspin_error err;
    unspin_checker *ck = (unspin_checker *)&err; /* must be reset to NULL */
    CHECK_EQ_INT(unspin_checker_create(NULL, NULL, NULL, &ck, &err), UNSPIN_E_INVALID);
    const unspin_check_result *r;
    CHECK_EQ_INT(unspin_check_paragraph(NULL, "x", 1, &r, &err), UNSPIN_E_INVALID);
    unspin_checker_free(NULL);
    unspin_checker_reset(NULL);
    unspin_check_weights_close(NULL);
    CHECK(unspin_check_document(NULL, NULL) == 0.5);
}

TEST(check_pooled)
{
    unspin_error err;
    us_check_model m;
    us_check_model_default(&m);
    /* a pooling model that leans on the document's share */
    m.pool.w[0] = 1;
    m.pool.w[1] = 2;
    char path[1024];
    snprintf(path, sizeof path, "%s/pool.uscheck", test_tmpdir());
    CHECK_EQ_INT(us_check_model_write(&m, path, &err), UNSPIN_OK);
    unspin_check_weights *w = NULL;
    CHECK_EQ_INT(unspin_check_weights_open(path, &w, &err), UNSPIN_OK);
    ck_fixture f;
    if (!w || ck_open(&f, w) < 0) {
        unspin_check_weights_close(w);
        return;
    }
    double local[5], p[5];
    const char *lines[5] = {"He mentioned that it rained.", "", "the apple", "He said that it rained.",
                            "It rained. He mentioned it."};
    for (int i = 0; i < 5; i++) {
        const unspin_check_result *r = ck_run(&f, lines[i]);
        local[i] = r ? r->p_spun : -1;
    }
    CHECK_EQ_INT(unspin_check_pooled(f.ck, p, 5, &err), UNSPIN_OK);
    /* blank lines and list items (few words, no . ! ?) keep their local probability */
    CHECK_NEAR(p[1], local[1], 1e-12);
    CHECK_NEAR(p[2], local[2], 1e-12);
    /* running text is pooled: the document's share moves every paragraph the same way */
    CHECK(fabs(p[0] - local[0]) > 1e-6);
    CHECK((p[0] - local[0]) * (p[3] - local[3]) > 0);
    for (int i = 0; i < 5; i++)
        CHECK(p[i] > 0 && p[i] < 1);
    double q[5];
    CHECK_EQ_INT(unspin_check_pooled(f.ck, q, 3, &err), UNSPIN_OK);
    CHECK_NEAR(q[0], p[0], 1e-12);
    CHECK_EQ_INT(unspin_check_pooled(f.ck, p, 6, &err), UNSPIN_E_INVALID);
    CHECK_EQ_INT(unspin_check_pooled(NULL, p, 1, &err), UNSPIN_E_INVALID);
    CHECK_EQ_INT(unspin_check_pooled(f.ck, NULL, 1, &err), UNSPIN_E_INVALID);
    CHECK_EQ_INT(unspin_check_pooled(f.ck, NULL, 0, &err), UNSPIN_OK);
    /* a document that is mostly list items is a list: nothing pooled */
    unspin_checker_reset(f.ck);
    const char *list[4] = {"the apple", "He mentioned that it rained.", "said apple", "It rained. He mentioned it."};
    for (int i = 0; i < 4; i++) {
        const unspin_check_result *rr = ck_run(&f, list[i]);
        local[i] = rr ? rr->p_spun : -1;
    }
    CHECK_EQ_INT(unspin_check_pooled(f.ck, p, 4, &err), UNSPIN_OK);
    for (int i = 0; i < 4; i++)
        CHECK_NEAR(p[i], local[i], 1e-12);
    /* a document of one paragraph keeps its local probability */
    unspin_checker_reset(f.ck);
    const unspin_check_result *r = ck_run(&f, "He mentioned that it rained.");
    double one = r ? r->p_spun : -1;
    CHECK_EQ_INT(unspin_check_pooled(f.ck, p, 1, &err), UNSPIN_OK);
    CHECK_NEAR(p[0], one, 1e-12);
    ck_close(&f);
    unspin_check_weights_close(w);

    /* the built-in model (no weights file) pools as the identity */
    if (ck_open(&f, NULL) == 0) {
        for (int i = 0; i < 5; i++) {
            r = ck_run(&f, lines[i]);
            local[i] = r ? r->p_spun : -1;
        }
        CHECK_EQ_INT(unspin_check_pooled(f.ck, p, 5, &err), UNSPIN_OK);
        for (int i = 0; i < 5; i++)
            CHECK_NEAR(p[i], local[i], 1e-4); /* log-odds clipped to +-10 */
        ck_close(&f);
    }
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    fwrite(data, 1, n, f);
    fclose(f);
}

static size_t read_file(const char *path, unsigned char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

TEST(check_weights_file)
{
    char path[1024], bad[1024];
    snprintf(path, sizeof path, "%s/w.uscheck", test_tmpdir());
    snprintf(bad, sizeof bad, "%s/bad.uscheck", test_tmpdir());
    us_check_model m;
    us_check_model_default(&m);
    m.part[1].bias = -1.25;
    m.part[0].w[3] = 0.5;
    unspin_error err;
    CHECK_EQ_INT(us_check_model_write(&m, path, &err), UNSPIN_OK);
    unspin_check_weights *w = NULL;
    CHECK_EQ_INT(unspin_check_weights_open(path, &w, &err), UNSPIN_OK);
    CHECK(w != NULL);
    /* the weights are used: the same features give the file's probability */
    ck_fixture f;
    if (w && ck_open(&f, w) == 0) {
        const unspin_check_result *r = ck_run(&f, "He mentioned that it rained.");
        if (r)
            CHECK_NEAR(r->p_spun, us_check_part_p(&m.part[us_check_part_of((double)r->ncontent)], r->features), 1e-12);
        ck_close(&f);
    }
    unspin_check_weights_close(w);

    unsigned char buf[4096];
    size_t n = read_file(path, buf, sizeof buf);
    CHECK(n > 24);
    unsigned char c[4096];
    /* flipped body byte: checksum */
    memcpy(c, buf, n);
    c[n - 3] ^= 0x40;
    write_file(bad, c, n);
    CHECK_EQ_INT(unspin_check_weights_open(bad, &w, &err), UNSPIN_E_CHECKSUM);
    CHECK(strstr(err.message, "bad.uscheck") != NULL);
    CHECK(w == NULL);
    /* incomplete marker */
    memcpy(c, buf, n);
    c[7] = '~';
    write_file(bad, c, n);
    CHECK_EQ_INT(unspin_check_weights_open(bad, &w, &err), UNSPIN_E_INCOMPLETE);
    /* version */
    memcpy(c, buf, n);
    c[8] = 9;
    write_file(bad, c, n);
    CHECK_EQ_INT(unspin_check_weights_open(bad, &w, &err), UNSPIN_E_VERSION);
    /* feature count */
    memcpy(c, buf, n);
    c[12] = 3;
    write_file(bad, c, n);
    CHECK_EQ_INT(unspin_check_weights_open(bad, &w, &err), UNSPIN_E_FORMAT);
    /* truncated, empty, bad magic */
    write_file(bad, buf, n - 8);
    CHECK_EQ_INT(unspin_check_weights_open(bad, &w, &err), UNSPIN_E_FORMAT);
    write_file(bad, buf, 0);
    CHECK_EQ_INT(unspin_check_weights_open(bad, &w, &err), UNSPIN_E_FORMAT);
    write_file(bad, "USLM\0\0\0\0xxxxxxxxxxxxxxxxxxxxxxxx", 32);
    CHECK_EQ_INT(unspin_check_weights_open(bad, &w, &err), UNSPIN_E_FORMAT);
    snprintf(bad, sizeof bad, "%s/missing.uscheck", test_tmpdir());
    CHECK_EQ_INT(unspin_check_weights_open(bad, &w, &err), UNSPIN_E_IO);
    /* version 3 (no pooling model) is read, with the identity pooling */
    memcpy(c, buf, n);
    size_t n3 = n - (3 * US_CHECK_NPOOL + 2 + US_CHECK_NGRID) * 8;
    us_store32(c + 8, 3);
    us_store64(c + 16, us_checksum(c + 24, n3 - 24));
    write_file(bad, c, n3);
    CHECK_EQ_INT(unspin_check_weights_open(bad, &w, &err), UNSPIN_OK);
    if (w) {
        const us_check_ppart *pp = &us_check_weights_model(w)->pool;
        CHECK(pp->w[0] == 1 && pp->w[1] == 0 && pp->bias == 0);
        unspin_check_weights_close(w);
        w = NULL;
    }
    /* ... but not at version 4's size, nor version 4 at version 3's */
    write_file(bad, c, n);
    CHECK_EQ_INT(unspin_check_weights_open(bad, &w, &err), UNSPIN_E_FORMAT);
    /* a pooling prior that is negative is refused */
    m.pool.prior[2] = -1;
    CHECK_EQ_INT(us_check_model_write(&m, bad, &err), UNSPIN_E_INVALID);
    m.pool.prior[2] = 0.1;
    /* a non-finite weight cannot be written */
    m.part[1].w[0] = NAN;
    CHECK_EQ_INT(us_check_model_write(&m, bad, &err), UNSPIN_E_INVALID);
}
