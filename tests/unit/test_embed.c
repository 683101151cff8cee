/* test_embed.c - word-embedding table: JSON import, blob format, lookups, knn. */
#include "embed.h"
#include "test.h"

#include <stdlib.h>

static embed *open_builder(embed_builder *b, unsigned char **blob)
{
    size_t size;
    unspin_error err;
    embed *e = NULL;
    *blob = NULL;
    if (embed_serialize(b, blob, &size, &err) != UNSPIN_OK)
        return NULL;
    if (embed_open(*blob, size, &e, &err) != UNSPIN_OK) {
        fprintf(stderr, "%s\n", err.message);
        return NULL;
    }
    return e;
}

TEST(embed_json_fixture)
{
    unspin_error err;
    embed_builder *b;
    CHECK_EQ_INT(embed_import_json(test_data("emb-tiny.json"), &b, &err), UNSPIN_OK);
    if (!b)
        return;
    CHECK_EQ_INT(embed_builder_count(b), 5);
    CHECK_EQ_INT(embed_builder_dim(b), 4);
    unsigned char *blob;
    embed *e = open_builder(b, &blob);
    CHECK(e != NULL);
    if (!e) {
        embed_builder_free(b);
        return;
    }
    CHECK_EQ_INT(embed_count(e), 5);
    CHECK_EQ_INT(embed_find(e, "the", 3), 0);
    CHECK_EQ_INT(embed_find(e, "cat", 3), 1);
    CHECK_EQ_INT(embed_find(e, "\"", 1), 3);
    CHECK_EQ_INT(embed_find(e, "caf\xc3\xa9", 5), 4);
    CHECK_EQ_INT(embed_find(e, "ca", 2), -1);
    CHECK_EQ_INT(embed_find(e, "mouse", 5), -1);
    CHECK_STR(embed_word(e, 4), "caf\xc3\xa9");
    CHECK_EQ_INT(embed_word_len(e, 4), 5);
    CHECK(embed_word(e, 5) == NULL);
    CHECK(embed_word(e, -1) == NULL);
    float v[4];
    embed_vector(e, 0, v);
    CHECK_NEAR(v[0], 1.0, 1e-6);
    CHECK_NEAR(v[1], 0.0, 1e-6);
    embed_vector(e, 1, v); /* (0, .6, .8, 0) */
    CHECK_NEAR(v[1], 0.6, 0.005);
    CHECK_NEAR(v[2], 0.8, 0.005);
    embed_vector(e, 3, v); /* (0, 0, 0, -1) */
    CHECK_NEAR(v[3], -1.0, 1e-6);
    embed_vector(e, 4, v);
    CHECK_NEAR(v[0], 0.5, 1e-6);
    /* cosine */
    for (int32_t i = 0; i < 5; i++)
        CHECK_NEAR(embed_cosine(e, i, i), 1.0, 1e-5);
    CHECK_NEAR(embed_cosine(e, 1, 2), 0.96, 0.005);
    CHECK(embed_cosine(e, 1, 2) == embed_cosine(e, 2, 1));
    CHECK_NEAR(embed_cosine(e, 0, 4), 0.5, 1e-5);
    CHECK_NEAR(embed_cosine(e, 0, 3), 0.0, 1e-6);
    CHECK_NEAR(embed_cosine(e, 0, 99), 0.0, 1e-6);
    float c[4] = {0, 0.6f, 0.8f, 0};
    CHECK_NEAR(embed_dot(e, 2, c), 0.96, 0.005);
    /* knn */
    embed_neighbor nb[3];
    size_t n;
    CHECK_EQ_INT(embed_knn(e, 1, 3, 0, nb, &n, &err), UNSPIN_OK);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(nb[0].id, 2);
    CHECK_EQ_INT(nb[1].id, 4);
    CHECK_EQ_INT(nb[2].id, 0);
    CHECK(nb[0].score == embed_cosine(e, 1, 2));
    CHECK_EQ_INT(embed_knn(e, 1, 3, 2, nb, &n, &err), UNSPIN_OK); /* only ids < 2 */
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(nb[0].id, 0);
    CHECK_EQ_INT(embed_knn(e, 7, 3, 0, nb, &n, &err), UNSPIN_E_INVALID);
    embed_free(e);
    us_free(blob);
    /* restrict keeps the first words */
    embed_builder_restrict(b, 2);
    e = open_builder(b, &blob);
    CHECK(e != NULL);
    if (e) {
        CHECK_EQ_INT(embed_count(e), 2);
        CHECK_EQ_INT(embed_find(e, "cat", 3), 1);
        CHECK_EQ_INT(embed_find(e, "dog", 3), -1);
    }
    embed_free(e);
    us_free(blob);
    embed_builder_free(b);
}

static int cmp_nb(const void *pa, const void *pb)
{
    const embed_neighbor *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

TEST(embed_knn_brute_force)
{
    const int dim = 37;
    const size_t nw = 2100;
    unspin_error err;
    embed_builder *b;
    CHECK_EQ_INT(embed_builder_new(dim, &b, &err), UNSPIN_OK);
    float v[37];
    char w[16];
    for (size_t i = 0; i < nw; i++) {
        if (i % 50 == 7 && i > 50) {
            /* exact copies of an earlier word's vector make ties */
        } else {
            for (int d = 0; d < dim; d++)
                v[d] = (float)((double)(test_rand() % 2001) / 1000.0 - 1.0);
        }
        if (i == 13)
            for (int d = 0; d < dim; d++)
                v[d] = 0; /* a zero vector */
        snprintf(w, sizeof w, "w%zu", i);
        CHECK_EQ_INT(embed_builder_add(b, w, strlen(w), v, &err), UNSPIN_OK);
    }
    CHECK_EQ_INT(embed_builder_add(b, "w5", 2, v, &err), UNSPIN_OK); /* duplicate: dropped */
    CHECK_EQ_INT(embed_builder_duplicates(b), 1);
    unsigned char *blob;
    embed *e = open_builder(b, &blob);
    CHECK(e != NULL);
    if (!e) {
        embed_builder_free(b);
        return;
    }
    CHECK_EQ_INT(embed_count(e), (int)nw);
    const size_t k = 20, nq = 103;
    const int32_t limit = 1900;
    int32_t q[103];
    for (size_t i = 0; i < nq; i++)
        q[i] = (int32_t)((i * 37 + 1) % nw);
    embed_neighbor *out = malloc(nq * k * sizeof *out), *all = malloc(nw * sizeof *all);
    CHECK_EQ_INT(embed_knn_all(e, q, nq, k, limit, out, 2, &err), UNSPIN_OK);
    size_t bad = 0;
    for (size_t i = 0; i < nq; i++) {
        size_t m = 0;
        for (int32_t c = 0; c < limit; c++)
            if (c != q[i]) {
                all[m].id = c;
                all[m].score = embed_cosine(e, q[i], c);
                m++;
            }
        qsort(all, m, sizeof *all, cmp_nb);
        embed_neighbor one[20];
        size_t n1;
        CHECK_EQ_INT(embed_knn(e, q[i], k, limit, one, &n1, &err), UNSPIN_OK);
        CHECK_EQ_INT(n1, k);
        for (size_t t = 0; t < k; t++) {
            bad += out[i * k + t].id != all[t].id || out[i * k + t].score != all[t].score;
            bad += one[t].id != all[t].id || one[t].score != all[t].score;
        }
        /* float reference: int8 scores stay close to float cosines */
    }
    CHECK_EQ_INT(bad, 0);
    /* more neighbours asked than candidates: unused slots are -1 */
    int32_t q0 = 3;
    embed_neighbor few[8];
    CHECK_EQ_INT(embed_knn_all(e, &q0, 1, 8, 5, few, 1, &err), UNSPIN_OK);
    CHECK(few[3].id >= 0 && few[3].id < 5 && few[3].id != 3);
    CHECK_EQ_INT(few[4].id, -1);
    CHECK_EQ_INT(few[7].id, -1);
    /* invalid query */
    int32_t qbad = (int32_t)nw;
    CHECK_EQ_INT(embed_knn_all(e, &qbad, 1, 8, 0, few, 1, &err), UNSPIN_E_INVALID);
    free(out);
    free(all);
    embed_free(e);
    us_free(blob);
    embed_builder_free(b);
}

TEST(embed_quantisation_error)
{
    const int dim = 100;
    unspin_error err;
    embed_builder *b;
    CHECK_EQ_INT(embed_builder_new(dim, &b, &err), UNSPIN_OK);
    static float vs[200][100];
    char w[16];
    for (int i = 0; i < 200; i++) {
        double n2 = 0;
        for (int d = 0; d < dim; d++) {
            /* roughly Gaussian components */
            double x = 0;
            for (int r = 0; r < 4; r++)
                x += (double)(test_rand() % 10001) / 10000.0 - 0.5;
            vs[i][d] = (float)x;
            n2 += x * x;
        }
        for (int d = 0; d < dim; d++)
            vs[i][d] = (float)(vs[i][d] / sqrt(n2));
        snprintf(w, sizeof w, "v%d", i);
        embed_builder_add(b, w, strlen(w), vs[i], &err);
    }
    unsigned char *blob;
    embed *e = open_builder(b, &blob);
    CHECK(e != NULL);
    if (e) {
        double sum = 0, mx = 0;
        int np = 0;
        for (int i = 0; i < 200; i++)
            for (int j = i + 1; j < 200; j++) {
                double c = 0;
                for (int d = 0; d < dim; d++)
                    c += (double)vs[i][d] * vs[j][d];
                double diff = fabs(c - embed_cosine(e, i, j));
                sum += diff;
                if (diff > mx)
                    mx = diff;
                np++;
            }
        CHECK(sum / np < 0.005);
        CHECK(mx < 0.03);
    }
    embed_free(e);
    us_free(blob);
    embed_builder_free(b);
}

TEST(embed_corrupt_blob)
{
    unspin_error err;
    embed_builder *b;
    CHECK_EQ_INT(embed_import_json(test_data("emb-tiny.json"), &b, &err), UNSPIN_OK);
    if (!b)
        return;
    unsigned char *blob;
    size_t size;
    CHECK_EQ_INT(embed_serialize(b, &blob, &size, &err), UNSPIN_OK);
    embed *e = NULL;
    CHECK_EQ_INT(embed_open(blob, size, &e, &err), UNSPIN_OK);
    embed_free(e);
    unsigned char *copy = malloc(size);
    /* every single-byte change is rejected or, in the unchecked header
     * padding, harmless */
    for (size_t i = 0; i < size; i++) {
        memcpy(copy, blob, size);
        copy[i] ^= 0x41;
        e = NULL;
        int rc = embed_open(copy, size, &e, &err);
        CHECK(rc < 0);
        if (rc < 0)
            CHECK(err.message[0] != 0);
        embed_free(e);
    }
    /* truncated */
    for (size_t cut = 0; cut < size; cut += 7)
        CHECK(embed_open(blob, cut, &e, &err) < 0);
    memcpy(copy, blob, size);
    copy[8] = 2; /* version */
    CHECK_EQ_INT(embed_open(copy, size, &e, &err), UNSPIN_E_VERSION);
    memcpy(copy, blob, size);
    copy[12] = 1; /* incomplete marker */
    CHECK_EQ_INT(embed_open(copy, size, &e, &err), UNSPIN_E_INCOMPLETE);
    memcpy(copy, blob, size);
    copy[size - 1] ^= 1;
    CHECK_EQ_INT(embed_open(copy, size, &e, &err), UNSPIN_E_CHECKSUM);
    free(copy);
    us_free(blob);
    embed_builder_free(b);
}

TEST(embed_json_malformed)
{
    static const char *const bad[] = {
        "",
        "[]",
        "{",
        "{\"vectors\":{}}",
        "{\"dimensions\":3}",
        "{\"dimensions\":3,\"vectors\":{\"a\":[1,2,3],\"b\":[1,2]}}",
        "{\"dimensions\":0,\"vectors\":{\"a\":[1]}}",
        "{\"dimensions\":2,\"vectors\":{\"a\":[1,2]}} x",
        "{\"dimensions\":2,\"vectors\":{\"a\":[1,2],}}",
        "{\"dimensions\":2,\"vectors\":{\"a\":[1,2]}",
        "{\"dimensions\":2,\"vectors\":{\"a\":[1,-]}}",
        "{\"dimensions\":2,\"vectors\":{\"a\":[1,1e999]}}",
        "{\"dimensions\":2,\"vectors\":{\"a\":[01,2]}}",
        "{\"dimensions\":2,\"vectors\":{\"a\":[1.,2]}}",
        "{\"dimensions\":2,\"vectors\":{\"\":[1,2]}}",
        "{\"dimensions\":2,\"vectors\":{\"a\\q\":[1,2]}}",
        "{\"dimensions\":2,\"vectors\":{\"\\ud800\":[1,2]}}",
        "{\"dimensions\":2,\"vectors\":{\"a\":[1,2]},\"size\":3}",
        "{\"dimensions\":2,\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],\"vectors\":{\"a\":[1,2]}}",
        "{\"dimensions\":2,\"x\":tru,\"vectors\":{\"a\":[1,2]}}",
        "{\"dimensions\":2,\"vectors\":{\"a\":[1,2]},\"dimensions\":3}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        unspin_error err;
        memset(&err, 0, sizeof err);
        embed_builder *b = (embed_builder *)&err; /* must be reset */
        int rc = embed_import_json_memory(bad[i], strlen(bad[i]), "t.json", &b, &err);
        if (rc >= 0)
            fprintf(stderr, "accepted: %s\n", bad[i]);
        CHECK(rc < 0);
        CHECK(b == NULL);
        CHECK(strncmp(err.message, "t.json", 6) == 0);
    }
    unspin_error err;
    embed_builder *b;
    CHECK_EQ_INT(embed_import_json(test_data("emb-bad-short.json"), &b, &err), UNSPIN_E_FORMAT);
    CHECK(strstr(err.message, "byte 43") != NULL);
    CHECK(strstr(err.message, "expected 3") != NULL);
    CHECK_EQ_INT(embed_import_json("/nonexistent/emb.json", &b, &err), UNSPIN_E_IO);
    /* accepted variants: no "dimensions", escapes, other members skipped */
    const char *ok = "{ \"vectors\" : { \"a\\u00e9\\n\" : [ 1 , -2.5e-1 , 3E+2 ] , \"b\" : [0,0,0] } ,"
                     " \"other\" : [ true , false , null , { \"k\" : \"v\" } ] }";
    CHECK_EQ_INT(embed_import_json_memory(ok, strlen(ok), NULL, &b, &err), UNSPIN_OK);
    if (b) {
        CHECK_EQ_INT(embed_builder_count(b), 2);
        CHECK_EQ_INT(embed_builder_dim(b), 3);
        unsigned char *blob;
        embed *e = open_builder(b, &blob);
        CHECK(e != NULL);
        if (e)
            CHECK_EQ_INT(embed_find(e, "a\xc3\xa9\n", 4), 0);
        embed_free(e);
        us_free(blob);
        embed_builder_free(b);
    }
}
