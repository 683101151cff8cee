/* test_lm.c - language models: ARPA import/export, .uslm format checks, scoring.
 *
 * tests/data/tiny.arpa is a trigram model over {a, b, c, d} made from seven
 * sentences (absolute discounting 0.5, back-off weights computed so that every
 * context sums to 1). Expected scores below were checked by hand from its lines:
 *   P(c | a b)   = 3-gram "a b c"                          = -0.20412
 *   P(a | a b)   = bo(a b) + P(a | b)                      = -0.124938 + -1.07918 = -1.204118
 *   P(c | d a)   = bo(d a) + P(c | a)                      = -0.196295 + -1.14613 = -1.342425
 *   P(d | c c)   = (no "c c") P(d | c)                     = -1.07918
 *   P(c | b d)   = bo(b d) + bo(d) + P(c)   (no "d c")     = -0.09691 + -0.037789 + -0.705601 = -0.8403
 *   P(zzz | <s>) = bo(<s>) + P(<unk>)                      = 0.071355 + -1.81954 = -1.748185
 */
#include "test.h"

#include "lm_build.h"
#include "lm_format.h"
#include "unspin.h"

#include <stdlib.h>
#include <string.h>

#define CHECK_MSG(err, sub)                                                                  \
    do {                                                                                     \
        if (!strstr((err).message, (sub)))                                                   \
            test_fail(__FILE__, __LINE__, "message \"%s\" lacks \"%s\"", (err).message, (sub)); \
    } while (0)

static const char *tmp_path(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", test_tmpdir(), name);
    return buf[k];
}

static unspin_lm *open_tiny(int qbits)
{
    char name[32];
    snprintf(name, sizeof name, "tiny%d.uslm", qbits);
    const char *out = tmp_path(name);
    unspin_error err;
    int rc = unspin_lm_import_arpa(test_data("tiny.arpa"), out, qbits, &err);
    if (rc != UNSPIN_OK) {
        test_fail(__FILE__, __LINE__, "import: %s", err.message);
        return NULL;
    }
    unspin_lm *lm = NULL;
    if (unspin_lm_open(out, &lm, &err) != UNSPIN_OK)
        test_fail(__FILE__, __LINE__, "open: %s", err.message);
    return lm;
}

/* score `word` after the context words (oldest first), starting from <s> if bos */
static float score_after(const unspin_lm *lm, int bos, const char *const *ctx, int nctx, const char *word,
                         unspin_lm_state *outst)
{
    unspin_lm_state st;
    if (bos)
        unspin_lm_begin_state(lm, &st);
    else
        unspin_lm_null_state(lm, &st);
    for (int i = 0; i < nctx; i++)
        unspin_lm_score(lm, &st, unspin_lm_word(lm, ctx[i], strlen(ctx[i])), &st);
    unspin_lm_state o;
    float p = unspin_lm_score(lm, &st, unspin_lm_word(lm, word, strlen(word)), &o);
    if (outst)
        *outst = o;
    return p;
}

static void check_tiny_scores(const unspin_lm *lm, double eps)
{
    const char *ab[] = {"a", "b"}, *da[] = {"d", "a"}, *cc[] = {"c", "c"}, *bd[] = {"b", "d"};
    CHECK_NEAR(score_after(lm, 0, ab, 2, "c", NULL), -0.20412, eps);
    CHECK_NEAR(score_after(lm, 0, ab, 2, "a", NULL), -1.204118, eps);
    CHECK_NEAR(score_after(lm, 0, ab, 2, "d", NULL), -0.90309, eps);
    CHECK_NEAR(score_after(lm, 0, da, 2, "c", NULL), -1.342425, eps);
    CHECK_NEAR(score_after(lm, 0, cc, 2, "d", NULL), -1.07918, eps);
    CHECK_NEAR(score_after(lm, 0, bd, 2, "c", NULL), -0.8403, eps);
    CHECK_NEAR(score_after(lm, 1, NULL, 0, "zzz", NULL), -1.748185, eps);
    CHECK_NEAR(score_after(lm, 1, NULL, 0, "a", NULL), -0.447158, eps);
    CHECK_NEAR(score_after(lm, 0, NULL, 0, "d", NULL), -0.865301, eps);
}

TEST(lm_tiny_import_and_score)
{
    unspin_lm *lm = open_tiny(0);
    if (!lm)
        return;
    CHECK_EQ_INT(unspin_lm_order(lm), 3);
    CHECK_EQ_INT(unspin_lm_vocab_size(lm), 7);
    CHECK_EQ_INT(unspin_lm_ngram_count(lm, 1), 7);
    CHECK_EQ_INT(unspin_lm_ngram_count(lm, 2), 16);
    CHECK_EQ_INT(unspin_lm_ngram_count(lm, 3), 19);
    CHECK_EQ_INT(unspin_lm_ngram_count(lm, 4), 0);
    CHECK_EQ_INT(unspin_lm_word(lm, "<unk>", 5), 0);
    CHECK_EQ_INT(unspin_lm_word(lm, "nope", 4), UNSPIN_WORD_UNK);
    CHECK_STR(unspin_lm_word_string(lm, unspin_lm_bos(lm)), "<s>");
    CHECK_STR(unspin_lm_word_string(lm, unspin_lm_eos(lm)), "</s>");
    CHECK_STR(unspin_lm_word_string(lm, unspin_lm_word(lm, "c", 1)), "c");
    CHECK(unspin_lm_word_string(lm, 7) == NULL);
    unspin_error err;
    CHECK_EQ_INT(unspin_lm_verify(lm, &err), UNSPIN_OK);
    check_tiny_scores(lm, 1e-5);

    /* states: after "a b" the state is (b, a); after "c c" only (c) is known */
    const char *ab[] = {"a", "b"}, *cc[] = {"c", "c"}, *xb[] = {"d", "b"};
    unspin_lm_state s1, s2, s3;
    score_after(lm, 0, ab, 1, "b", &s1);
    CHECK_EQ_INT(s1.length, 2);
    CHECK_EQ_INT(s1.words[0], unspin_lm_word(lm, "b", 1));
    CHECK_EQ_INT(s1.words[1], unspin_lm_word(lm, "a", 1));
    score_after(lm, 0, cc, 1, "c", &s2);
    CHECK_EQ_INT(s2.length, 1);
    score_after(lm, 0, xb, 1, "b", &s3); /* "d b" is not a bigram: state is just (b) */
    CHECK_EQ_INT(s3.length, 1);
    CHECK(!unspin_lm_state_equal(&s1, &s3));
    unspin_lm_state s4;
    score_after(lm, 1, NULL, 0, "b", &s4); /* "<s> b": state (b, <s>) */
    CHECK_EQ_INT(s4.length, 2);
    score_after(lm, 0, NULL, 0, "b", &s4);
    CHECK(unspin_lm_state_equal(&s3, &s4));
    CHECK(unspin_lm_state_hash(&s3) == unspin_lm_state_hash(&s4));

    /* minimal states: </s> starts no bigram and has back-off 0, so nothing after it
       depends on it: the state after "a </s>" is empty */
    const char *a1[] = {"a"};
    unspin_lm_state s5, null;
    score_after(lm, 0, a1, 1, "</s>", &s5);
    unspin_lm_null_state(lm, &null);
    CHECK_EQ_INT(s5.length, 0);
    CHECK(unspin_lm_state_equal(&s5, &null));

    /* batch = single */
    unspin_word words[7];
    float lp[7];
    unspin_lm_state outs[7];
    for (unspin_word w = 0; w < 7; w++)
        words[w] = w;
    unspin_lm_score_batch(lm, &s1, words, 7, lp, outs);
    for (unspin_word w = 0; w < 7; w++) {
        unspin_lm_state o;
        float p = unspin_lm_score(lm, &s1, w, &o);
        CHECK(p == lp[w]);
        CHECK(unspin_lm_state_equal(&o, &outs[w]));
    }

    /* many queries, each after its own context (more than one chunk of 64,
     * words out of the vocabulary, outputs over their inputs) = single,
     * states byte for byte */
    enum { NQ = 150 };
    unspin_lm_state ctx[4], in[NQ], want[NQ];
    const unspin_lm_state *inp[NQ];
    unspin_lm_state *outp[NQ];
    unspin_word qw[NQ];
    float qlp[NQ], wantp[NQ];
    unspin_lm_null_state(lm, &ctx[0]);
    unspin_lm_begin_state(lm, &ctx[1]);
    ctx[2] = s1;
    ctx[3] = s3;
    for (size_t i = 0; i < NQ; i++) {
        in[i] = ctx[i % 4];
        qw[i] = (unspin_word)((i * 5 + i / 7) % 9); /* 7 and 8 are out of the vocabulary */
        wantp[i] = unspin_lm_score(lm, &in[i], qw[i], &want[i]);
        inp[i] = &in[i];
        outp[i] = &in[i];
    }
    lm_score_many(lm, NQ, inp, qw, qlp, outp);
    for (size_t i = 0; i < NQ; i++) {
        CHECK(memcmp(&qlp[i], &wantp[i], sizeof qlp[i]) == 0);
        CHECK(memcmp(&in[i], &want[i], sizeof in[i]) == 0);
    }
    unspin_lm_close(lm);
}

TEST(lm_tiny_normalised)
{
    unspin_lm *lm = open_tiny(0);
    if (!lm)
        return;
    const char *ctxs[][2] = {{"a", "b"}, {"d", "a"}, {"c", "a"}, {"b", "d"}, {"c", "c"}, {"b", "c"}};
    for (size_t k = 0; k < US_ARRAY_LEN(ctxs); k++) {
        for (int len = 0; len <= 2; len++) {
            unspin_lm_state st;
            unspin_lm_null_state(lm, &st);
            for (int i = 2 - len; i < 2; i++)
                unspin_lm_score(lm, &st, unspin_lm_word(lm, ctxs[k][i], 1), &st);
            double sum = 0;
            for (unspin_word w = 0; w < unspin_lm_vocab_size(lm); w++)
                sum += pow(10.0, unspin_lm_score(lm, &st, w, NULL));
            CHECK_NEAR(sum, 1.0, 1e-4);
        }
    }
    unspin_lm_state st;
    unspin_lm_begin_state(lm, &st);
    double sum = 0;
    for (unspin_word w = 0; w < unspin_lm_vocab_size(lm); w++)
        sum += pow(10.0, unspin_lm_score(lm, &st, w, NULL));
    CHECK_NEAR(sum, 1.0, 1e-4);
    unspin_lm_close(lm);
}

static int read_file(const char *path, unsigned char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *data = malloc((size_t)n + 1);
    *len = fread(*data, 1, (size_t)n, f);
    fclose(f);
    return 0;
}

static void write_file(const char *path, const unsigned char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
}

TEST(lm_arpa_round_trip)
{
    unspin_lm *lm = open_tiny(0);
    if (!lm)
        return;
    unspin_error err;
    const char *arpa2 = tmp_path("rt.arpa"), *bin2 = tmp_path("rt.uslm");
    CHECK_EQ_INT(unspin_lm_export_arpa(lm, arpa2, &err), UNSPIN_OK);
    CHECK_EQ_INT(unspin_lm_import_arpa(arpa2, bin2, 0, &err), UNSPIN_OK);
    unsigned char *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    CHECK(read_file(tmp_path("tiny0.uslm"), &a, &alen) == 0);
    CHECK(read_file(bin2, &b, &blen) == 0);
    CHECK(alen == blen && a && b && memcmp(a, b, alen) == 0); /* byte-identical */
    free(a);
    free(b);
    unspin_lm *lm2;
    CHECK_EQ_INT(unspin_lm_open(bin2, &lm2, &err), UNSPIN_OK);
    check_tiny_scores(lm2, 1e-5);
    /* every stored n-gram is found with the same values */
    unspin_word ids[3] = {unspin_lm_word(lm, "a", 1), unspin_lm_word(lm, "b", 1), unspin_lm_word(lm, "c", 1)};
    float p, bo;
    CHECK_EQ_INT(lm_lookup_ngram(lm2, 3, ids, &p, &bo), UNSPIN_OK);
    CHECK_NEAR(p, -0.20412, 1e-6);
    CHECK_EQ_INT(lm_lookup_ngram(lm2, 2, ids, &p, &bo), UNSPIN_OK);
    CHECK_NEAR(p, -0.30103, 1e-6);
    CHECK_NEAR(bo, -0.124938, 1e-6);
    ids[0] = ids[2];
    CHECK_EQ_INT(lm_lookup_ngram(lm2, 3, ids, &p, &bo), UNSPIN_E_NOTFOUND);
    unspin_lm_close(lm2);
    unspin_lm_close(lm);
}

TEST(lm_quantised)
{
    unspin_lm *lm8 = open_tiny(8), *lm16 = open_tiny(16);
    if (!lm8 || !lm16)
        return;
    unspin_lm_info info;
    unspin_lm_describe(lm8, &info);
    CHECK_EQ_INT(info.quantize_bits, 8);
    check_tiny_scores(lm8, 1e-5); /* fewer distinct values than bins: exact */
    check_tiny_scores(lm16, 1e-5);
    unspin_lm_close(lm8);
    unspin_lm_close(lm16);
    unspin_error err;
    CHECK_EQ_INT(unspin_lm_import_arpa(test_data("tiny.arpa"), tmp_path("q2.uslm"), 2, &err), UNSPIN_OK);
    unspin_lm *lm2;
    CHECK_EQ_INT(unspin_lm_open(tmp_path("q2.uslm"), &lm2, &err), UNSPIN_OK);
    const char *ab[] = {"a", "b"};
    CHECK_NEAR(score_after(lm2, 0, ab, 2, "c", NULL), -0.20412, 0.8); /* 4 bins: rough */
    unspin_lm_close(lm2);
    CHECK_EQ_INT(unspin_lm_import_arpa(test_data("tiny.arpa"), tmp_path("q1.uslm"), 1, &err), UNSPIN_E_INVALID);
}

static int open_bytes(const unsigned char *d, size_t n, const char *name, unspin_error *err)
{
    const char *p = tmp_path(name);
    write_file(p, d, n);
    unspin_lm *lm;
    int rc = unspin_lm_open(p, &lm, err);
    if (rc == UNSPIN_OK) {
        rc = unspin_lm_verify(lm, err);
        unspin_lm_close(lm);
    }
    return rc;
}

TEST(lm_corrupt_files)
{
    unspin_lm *lm = open_tiny(0);
    if (!lm)
        return;
    unspin_lm_close(lm);
    unsigned char *d;
    size_t n;
    if (read_file(tmp_path("tiny0.uslm"), &d, &n) != 0) {
        CHECK(0);
        return;
    }
    unspin_error err;
    CHECK_EQ_INT(open_bytes(d, n, "ok.uslm", &err), UNSPIN_OK);
    /* a flipped byte in the body: opens, verify fails */
    d[n - 20] ^= 0x40;
    CHECK_EQ_INT(open_bytes(d, n, "flip.uslm", &err), UNSPIN_E_CHECKSUM);
    CHECK_MSG(err, "checksum");
    d[n - 20] ^= 0x40;
    /* truncated */
    CHECK_EQ_INT(open_bytes(d, n - 8, "trunc.uslm", &err), UNSPIN_E_FORMAT);
    CHECK_MSG(err, "truncated");
    CHECK_EQ_INT(open_bytes(d, 100, "trunc2.uslm", &err), UNSPIN_E_FORMAT);
    CHECK_EQ_INT(open_bytes(d, 0, "empty.uslm", &err), UNSPIN_E_FORMAT);
    /* wrong magic */
    d[0] = 'X';
    CHECK_EQ_INT(open_bytes(d, n, "magic.uslm", &err), UNSPIN_E_FORMAT);
    CHECK_MSG(err, "magic");
    d[0] = 'U';
    /* incomplete marker */
    memcpy(d, LM_MAGIC_INCOMPLETE, 8);
    CHECK_EQ_INT(open_bytes(d, n, "inc.uslm", &err), UNSPIN_E_INCOMPLETE);
    CHECK_MSG(err, "unfinished");
    memcpy(d, LM_MAGIC, 8);
    /* wrong version */
    us_store32(d + LM_H_VERSION, 99);
    CHECK_EQ_INT(open_bytes(d, n, "ver.uslm", &err), UNSPIN_E_VERSION);
    CHECK_MSG(err, "version 99");
    us_store32(d + LM_H_VERSION, LM_VERSION);
    /* a section pointing past the end */
    unsigned char save[8];
    memcpy(save, d + LM_H_SECTIONS + 16 * LM_S_UNIGRAMS, 8);
    us_store64(d + LM_H_SECTIONS + 16 * LM_S_UNIGRAMS, n - 8);
    CHECK_EQ_INT(open_bytes(d, n, "sect.uslm", &err), UNSPIN_E_FORMAT);
    memcpy(d + LM_H_SECTIONS + 16 * LM_S_UNIGRAMS, save, 8);
    /* count inconsistent with the table size */
    us_store64(d + LM_H_COUNTS + 8, 1000);
    CHECK_EQ_INT(open_bytes(d, n, "count.uslm", &err), UNSPIN_E_FORMAT);
    us_store64(d + LM_H_COUNTS + 8, 16);
    /* a full table (no empty bucket) is survived: queries stay bounded */
    CHECK_EQ_INT(open_bytes(d, n, "ok2.uslm", &err), UNSPIN_OK);
    free(d);
    CHECK_EQ_INT(unspin_lm_open(tmp_path("does-not-exist.uslm"), &lm, &err), UNSPIN_E_IO);
}


static int parse_arpa(const char *text, unspin_error *err)
{
    lm_writer *w = NULL;
    int rc = lm_arpa_read_memory(text, strlen(text), "t.arpa", &w, err);
    lm_writer_free(w);
    return rc;
}

TEST(lm_arpa_malformed)
{
    unspin_error err;
    CHECK_EQ_INT(parse_arpa("\\data\\\nngram 1=2\nngram 2=1\n\n\\1-grams:\n-1 a\n-1 b\n\n\\2-grams:\n-1 a\n\\end\\\n", &err),
                 UNSPIN_E_FORMAT);
    CHECK_MSG(err, "t.arpa:10: expected 2 words, got 1");
    CHECK_EQ_INT(parse_arpa("\\data\\\nngram 1=2\n\n\\1-grams:\n-1 a\nx b\n\\end\\\n", &err), UNSPIN_E_FORMAT);
    CHECK_MSG(err, "t.arpa:6: bad probability");
    CHECK_EQ_INT(parse_arpa("\\data\\\nngram 1=2\n\n\\1-grams:\n-1 a\n-1 a\n\\end\\\n", &err), UNSPIN_E_FORMAT);
    CHECK_MSG(err, "t.arpa:6: duplicate unigram");
    CHECK_EQ_INT(parse_arpa("\\data\\\nngram 1=2\nngram 2=1\n\\1-grams:\n-1 a\n\\2-grams:\n-1 a q\n\\end\\\n", &err),
                 UNSPIN_E_FORMAT);
    CHECK_MSG(err, "t.arpa:7: word 'q'");
    CHECK_EQ_INT(parse_arpa("\\data\\\nngram 1=2\n\\1-grams:\n-1 a\n", &err), UNSPIN_E_FORMAT);
    CHECK_MSG(err, "missing \\end\\");
    CHECK_EQ_INT(parse_arpa("hello\n", &err), UNSPIN_E_FORMAT);
    CHECK_MSG(err, "no \\data\\");
    CHECK_EQ_INT(parse_arpa("\\data\\\nngram 1=1\nngram 2=1\nngram 3=1\nngram 4=1\nngram 5=1\nngram 6=1\n", &err),
                 UNSPIN_E_LIMIT);
    CHECK_MSG(err, "t.arpa:7:");
    CHECK_EQ_INT(parse_arpa("\\data\\\nngram 1=1\n\\2-grams:\n", &err), UNSPIN_E_FORMAT);
    CHECK_EQ_INT(parse_arpa("\\data\\\nngram 1=1\nngram 2=1\n\\1-grams:\n-1 a\n\\2-grams:\n-1 a a\n-2 a a\n\\end\\\n",
                            &err),
                 UNSPIN_E_FORMAT);
    CHECK_MSG(err, "t.arpa:8: duplicate 2-gram 'a a'");
}

TEST(lm_arpa_tolerant)
{
    /* no <unk>, no <s>, missing back-offs, extra whitespace and CRLF, counts that lie */
    const char *text = "junk before\r\n\\data\\\r\nngram  1 = 3\nngram 2=9\n\n\\1-grams:\n"
                       "  -0.5\t a  \t-0.25\n-0.6 b\n-0.7   </s>\n\n\\2-grams:\n-0.1 a b\n-0.2\tb </s>\n\\end\\\n";
    const char *path = tmp_path("tol.arpa"), *out = tmp_path("tol.uslm");
    write_file(path, (const unsigned char *)text, strlen(text));
    unspin_error err;
    CHECK_EQ_INT(unspin_lm_import_arpa(path, out, 0, &err), UNSPIN_OK);
    unspin_lm *lm;
    if (unspin_lm_open(out, &lm, &err) != UNSPIN_OK) {
        test_fail(__FILE__, __LINE__, "%s", err.message);
        return;
    }
    CHECK_EQ_INT(unspin_lm_vocab_size(lm), 5); /* <unk> a b </s> <s> */
    CHECK_EQ_INT(unspin_lm_ngram_count(lm, 2), 2);
    unspin_lm_state st;
    unspin_lm_null_state(lm, &st);
    CHECK_NEAR(unspin_lm_score(lm, &st, UNSPIN_WORD_UNK, NULL), -100, 1e-6);
    unspin_lm_score(lm, &st, unspin_lm_word(lm, "a", 1), &st);
    CHECK_NEAR(unspin_lm_score(lm, &st, unspin_lm_word(lm, "b", 1), NULL), -0.1, 1e-6);
    CHECK_NEAR(unspin_lm_score(lm, &st, unspin_lm_eos(lm), NULL), -0.25 - 0.7, 1e-6);
    unspin_lm_close(lm);
}

TEST(lm_unigram_only_and_5gram)
{
    const char *text = "\\data\\\nngram 1=3\nngram 2=1\nngram 3=1\nngram 4=1\nngram 5=1\n\n\\1-grams:\n"
                       "-1 <s> -0.5\n-0.5 x -0.5\n-0.5 </s> -0.5\n\\2-grams:\n-0.4 x x -0.3\n"
                       "\\3-grams:\n-0.3 x x x -0.2\n\\4-grams:\n-0.2 x x x x -0.1\n\\5-grams:\n-0.1 x x x x x\n\\end\\\n";
    const char *path = tmp_path("five.arpa"), *out = tmp_path("five.uslm");
    write_file(path, (const unsigned char *)text, strlen(text));
    unspin_error err;
    CHECK_EQ_INT(unspin_lm_import_arpa(path, out, 0, &err), UNSPIN_OK);
    unspin_lm *lm;
    if (unspin_lm_open(out, &lm, &err) != UNSPIN_OK)
        return;
    CHECK_EQ_INT(unspin_lm_order(lm), 5);
    unspin_word x = unspin_lm_word(lm, "x", 1);
    unspin_lm_state st;
    unspin_lm_null_state(lm, &st);
    float want[] = {-0.5f, -0.4f, -0.3f, -0.2f, -0.1f, -0.1f, -0.1f};
    for (int i = 0; i < 7; i++)
        CHECK_NEAR(unspin_lm_score(lm, &st, x, &st), want[i], 1e-6);
    CHECK_EQ_INT(st.length, 4);
    /* </s> after x x x x: no 5-gram, back off through all four contexts */
    CHECK_NEAR(unspin_lm_score(lm, &st, unspin_lm_eos(lm), NULL), -0.5 - 0.1 - 0.2 - 0.3 - 0.5, 1e-5);
    unspin_lm_close(lm);
}

TEST(lm_rewrite_while_open)
{
    /* a model rebuilt under the same name while mapped: the old mapping stays valid */
    unspin_lm *lm = open_tiny(0);
    if (!lm)
        return;
    const char *five = "\\data\\\nngram 1=1\n\\1-grams:\n-0.5 x\n\\end\\\n";
    const char *path = tmp_path("x.arpa");
    write_file(path, (const unsigned char *)five, strlen(five));
    unspin_error err;
    CHECK_EQ_INT(unspin_lm_import_arpa(path, tmp_path("tiny0.uslm"), 0, &err), UNSPIN_OK);
    check_tiny_scores(lm, 1e-5);
    CHECK_EQ_INT(unspin_lm_verify(lm, &err), UNSPIN_OK);
    unspin_lm_close(lm);
    CHECK_EQ_INT(unspin_lm_open(tmp_path("tiny0.uslm"), &lm, &err), UNSPIN_OK);
    CHECK_EQ_INT(unspin_lm_order(lm), 1);
    unspin_lm_close(lm);
}
