/* test_lm_train.c - Kneser-Ney training, mixtures and the Sphinx import.
 *
 * Expected values: computed by an independent, straightforward Python
 * implementation of lmplz's interpolated modified Kneser-Ney (plain
 * dictionaries of counts, adjusted counts by counting distinct left
 * extensions, discounts from counts-of-counts with lmplz's fallback 0.5 1 1.5
 * for an order whose counts-of-counts give invalid discounts, recursive
 * interpolation; docs/lm-training.md) on tests/data/toy-lm-a.txt, order 3.
 * Its unigram order falls back (n3 < n4 among continuation counts); the
 * bigram and trigram orders use the Chen-Goodman discounts. */
#include "test.h"

#include "unspin.h"

#include <stdio.h>
#include <stdlib.h>

static const char *tpath(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", test_tmpdir(), name);
    return buf[k];
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    if (b)
        b[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* Train on a text file (one sentence per line) and write `out`; prune may be NULL. */
static int train_file_pruned(const char *text, int order, size_t memory, const uint32_t *prune, const char *out,
                             unspin_lm_train_stats *st)
{
    unspin_lm_train_opts o = {.order = order, .pretokenized = 1, .memory = memory, .tmpdir = test_tmpdir()};
    if (prune)
        memcpy(o.prune, prune, sizeof o.prune);
    unspin_lm_trainer *t;
    unspin_error err;
    if (unspin_lm_trainer_create(&t, &o, &err) != 0)
        return -1;
    size_t len;
    char *buf = slurp(test_data(text), &len);
    int rc = buf ? 0 : -1;
    for (char *s = buf; rc == 0 && s && *s;) {
        char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        rc = unspin_lm_trainer_add_line(t, s, n, &err);
        s = nl ? nl + 1 : s + n;
    }
    if (rc == 0)
        rc = unspin_lm_trainer_finish(t, out, st, &err);
    if (rc != 0)
        fprintf(stderr, "train_file: %s\n", err.message);
    unspin_lm_trainer_free(t);
    free(buf);
    return rc;
}

static int train_file(const char *text, int order, size_t memory, const char *out, unspin_lm_train_stats *st)
{
    return train_file_pruned(text, order, memory, NULL, out, st);
}

/* log10 P(last word | the words before it); "<s>" first means sentence start. */
static float score_seq(const unspin_lm *lm, const char *seq)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", seq);
    unspin_lm_state st;
    unspin_lm_null_state(lm, &st);
    float lp = 0;
    char *save = NULL;
    int first = 1;
    for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        if (first && strcmp(w, "<s>") == 0) {
            unspin_lm_begin_state(lm, &st);
            first = 0;
            continue;
        }
        first = 0;
        lp = unspin_lm_score(lm, &st, unspin_lm_word(lm, w, strlen(w)), &st);
    }
    return lp;
}

static double sum_after(const unspin_lm *lm, const char *seq)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", seq);
    unspin_lm_state st;
    unspin_lm_null_state(lm, &st);
    char *save = NULL;
    int first = 1;
    for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        if (first && strcmp(w, "<s>") == 0)
            unspin_lm_begin_state(lm, &st);
        else
            unspin_lm_score(lm, &st, unspin_lm_word(lm, w, strlen(w)), &st);
        first = 0;
    }
    double sum = 0;
    for (unspin_word id = 0; id < unspin_lm_vocab_size(lm); id++)
        if (id != unspin_lm_bos(lm))
            sum += pow(10.0, (double)unspin_lm_score(lm, &st, id, NULL));
    return sum;
}

TEST(lm_train_mkn_matches_reference)
{
    unspin_lm_train_stats st;
    const char *out = tpath("toy-a.uslm");
    CHECK_EQ_INT(train_file("toy-lm-a.txt", 3, 0, out, &st), 0);
    CHECK_EQ_INT(st.sentences, 300);
    CHECK_EQ_INT(st.vocab, 66);
    CHECK_EQ_INT(st.ngrams[1], 421);
    CHECK_EQ_INT(st.ngrams[2], 1065);
    CHECK_EQ_INT(st.fallback, 1);
    CHECK_NEAR(st.discount[0][2], 1.5, 1e-9);
    CHECK_NEAR(st.discount[1][0], 0.4699453551912568, 1e-9);
    CHECK_NEAR(st.discount[1][1], 1.186074023998648, 1e-9);
    CHECK_NEAR(st.discount[1][2], 1.6572989851678377, 1e-9);
    CHECK_NEAR(st.discount[2][0], 0.6890524379024838, 1e-9);
    CHECK_NEAR(st.discount[2][2], 1.4250229990800367, 1e-9);
    unspin_lm *lm = NULL;
    unspin_error err;
    CHECK_EQ_INT(unspin_lm_open(out, &lm, &err), 0);
    if (!lm)
        return;
    static const struct {
        const char *seq;
        double lp;
    } want[] = {
        {"the", -1.940265804},          {"cat", -1.789812482},          {"<s> the", -0.648340444},
        {"the cat", -1.126760226},      {"<s> the cat", -1.065797095},  {"the cat sees", -1.073102854},
        {"cat sees the", -0.728478386}, {"sees the dog", -1.336240048}, {"zora </s>", -0.926784504},
        {"near zora", -2.847136498},    {"with anna", -0.961260252},    {"<s> a red", -0.717587422},
        {"dog eats every", -1.144197731}, {"anna </s>", -0.150106170},  {"the sees", -1.601523550},
        {"cat the dog", -1.459844545},  {"<unk>", -2.500179345},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        float got = score_seq(lm, want[i].seq);
        if (fabs(got - want[i].lp) > 2e-5)
            test_fail(__FILE__, __LINE__, "log10 p(%s) = %.7f, want %.7f", want[i].seq, (double)got, want[i].lp);
    }
    unspin_lm_close(lm);
}

TEST(lm_train_normalised)
{
    const char *out = tpath("toy-b.uslm");
    CHECK_EQ_INT(train_file("toy-lm-b.txt", 4, 0, out, NULL), 0);
    unspin_lm *lm = NULL;
    unspin_error err;
    CHECK_EQ_INT(unspin_lm_open(out, &lm, &err), 0);
    if (!lm)
        return;
    const char *ctx[] = {"", "<s>", "<s> the", "the server", "the server runs", "near", "runs the", "kernel the"};
    for (size_t i = 0; i < sizeof ctx / sizeof ctx[0]; i++) {
        double s = sum_after(lm, ctx[i]);
        if (fabs(s - 1.0) > 1e-4)
            test_fail(__FILE__, __LINE__, "sum over the vocabulary after '%s' = %.7f", ctx[i], s);
    }
    unspin_lm_close(lm);
}

TEST(lm_train_pruned_normalised)
{
    /* singleton 3- and 4-grams pruned (lmplz --prune 0 0 1): fewer n-grams,
     * every context still sums to one, lower orders unchanged */
    static const uint32_t prune[UNSPIN_LM_MAX_ORDER] = {0, 0, 1, 1, 1};
    unspin_lm_train_stats full, pr;
    const char *fo = tpath("toy-b-full.uslm"), *po = tpath("toy-b-pruned.uslm");
    CHECK_EQ_INT(train_file("toy-lm-b.txt", 4, 0, fo, &full), 0);
    CHECK_EQ_INT(train_file_pruned("toy-lm-b.txt", 4, 0, prune, po, &pr), 0);
    CHECK_EQ_INT(pr.ngrams[1], full.ngrams[1]);
    CHECK_EQ_INT(pr.pruned[1], 0);
    CHECK(pr.pruned[2] > 0 && pr.pruned[3] > 0);
    CHECK_EQ_INT(pr.ngrams[2] + pr.pruned[2], full.ngrams[2]);
    CHECK_EQ_INT(pr.ngrams[3] + pr.pruned[3], full.ngrams[3]);
    CHECK_EQ_INT(full.pruned[3], 0);
    unspin_lm *a = NULL, *b = NULL;
    unspin_error err;
    CHECK_EQ_INT(unspin_lm_open(fo, &a, &err), 0);
    CHECK_EQ_INT(unspin_lm_open(po, &b, &err), 0);
    if (a && b) {
        const char *ctx[] = {"", "<s>", "<s> the", "the server", "the server runs", "near", "runs the", "kernel the",
                             "<s> the kernel", "the kernel runs", "a the"};
        for (size_t i = 0; i < sizeof ctx / sizeof ctx[0]; i++) {
            double s = sum_after(b, ctx[i]);
            if (fabs(s - 1.0) > 1e-4)
                test_fail(__FILE__, __LINE__, "pruned: sum over the vocabulary after '%s' = %.7f", ctx[i], s);
        }
        const char *same[] = {"the", "server", "<s> the", "the server", "runs the"};
        for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
            CHECK_NEAR(score_seq(a, same[i]), score_seq(b, same[i]), 1e-6);
    }
    unspin_lm_close(a);
    unspin_lm_close(b);
}

TEST(lm_train_spill_runs_same_model)
{
    /* memory 1: the smallest counting table, spilled every few n-grams */
    unspin_lm_train_stats a, b;
    CHECK_EQ_INT(train_file("toy-lm-a.txt", 5, 0, tpath("m0.arpa"), &a), 0);
    CHECK_EQ_INT(train_file("toy-lm-a.txt", 5, 1, tpath("m1.arpa"), &b), 0);
    CHECK_EQ_INT(a.runs, 0);
    CHECK(b.runs > 1);
    size_t la, lb;
    char *x = slurp(tpath("m0.arpa"), &la), *y = slurp(tpath("m1.arpa"), &lb);
    CHECK(x && y && la == lb && memcmp(x, y, la) == 0);
    free(x);
    free(y);
}

TEST(lm_train_errors)
{
    unspin_lm_trainer *t = NULL;
    unspin_error err;
    unspin_lm_train_opts o = {.order = 6};
    CHECK_EQ_INT(unspin_lm_trainer_create(&t, &o, &err), UNSPIN_E_INVALID);
    CHECK(t == NULL);
    o.order = 2;
    o.pretokenized = 1;
    CHECK_EQ_INT(unspin_lm_trainer_create(&t, &o, &err), 0);
    CHECK_EQ_INT(unspin_lm_trainer_add_line(t, "   ", 3, &err), 0);
    CHECK_EQ_INT(unspin_lm_trainer_finish(t, tpath("empty.uslm"), NULL, &err), UNSPIN_E_INVALID);
    unspin_lm_trainer_free(t);
    unspin_lm_trainer_free(NULL);
    /* prune thresholds: none for unigrams, never decreasing */
    o.prune[0] = 1;
    t = NULL;
    CHECK_EQ_INT(unspin_lm_trainer_create(&t, &o, &err), UNSPIN_E_INVALID);
    CHECK(t == NULL);
    o.prune[0] = 0;
    o.prune[1] = 2;
    o.prune[2] = 1;
    CHECK_EQ_INT(unspin_lm_trainer_create(&t, &o, &err), UNSPIN_E_INVALID);
    CHECK(t == NULL);
}

TEST(lm_mix_normalised_and_weights)
{
    const char *a = tpath("mix-a.uslm"), *b = tpath("mix-b.uslm"), *m = tpath("mix.uslm");
    CHECK_EQ_INT(train_file("toy-lm-a.txt", 3, 0, a, NULL), 0);
    CHECK_EQ_INT(train_file("toy-lm-b.txt", 2, 0, b, NULL), 0);
    unspin_lm *lms[2] = {NULL, NULL}, *mix = NULL;
    unspin_error err;
    CHECK_EQ_INT(unspin_lm_open(a, &lms[0], &err), 0);
    CHECK_EQ_INT(unspin_lm_open(b, &lms[1], &err), 0);
    if (!lms[0] || !lms[1])
        goto out;
    /* EM: held-out text of domain A wants mostly model A, and vice versa */
    size_t la, lb;
    char *ha = slurp(test_data("toy-lm-a-heldout.txt"), &la), *hb = slurp(test_data("toy-lm-b-heldout.txt"), &lb);
    CHECK(ha && hb);
    double w[2], ppl[6];
    const char *texts[2] = {ha, hb};
    size_t lens[2] = {la, lb};
    CHECK_EQ_INT(unspin_lm_mix_fit((const unspin_lm *const *)lms, 2, texts, lens, 1, w, ppl, &err), 0);
    CHECK(w[0] > 0.8);
    CHECK_NEAR(w[0] + w[1], 1.0, 1e-9);
    CHECK(ppl[2] <= ppl[0] * 1.001); /* the mixture is no worse than the best component */
    CHECK_EQ_INT(unspin_lm_mix_fit((const unspin_lm *const *)lms, 2, texts + 1, lens + 1, 1, w, NULL, &err), 0);
    CHECK(w[1] > 0.8);
    /* two domains weigh equally: the optimum lies between */
    CHECK_EQ_INT(unspin_lm_mix_fit((const unspin_lm *const *)lms, 2, texts, lens, 2, w, ppl, &err), 0);
    CHECK(w[0] > 0.2 && w[0] < 0.8);
    free(ha);
    free(hb);
    /* the static mixture is normalised in every context */
    const double mw[2] = {0.3, 0.7};
    CHECK_EQ_INT(unspin_lm_mix_write((const unspin_lm *const *)lms, 2, mw, m, &err), 0);
    CHECK_EQ_INT(unspin_lm_open(m, &mix, &err), 0);
    if (!mix)
        goto out;
    CHECK_EQ_INT(unspin_lm_order(mix), 3);
    CHECK(unspin_lm_vocab_size(mix) > unspin_lm_vocab_size(lms[0]));
    const char *ctx[] = {"", "<s>", "<s> the", "the cat", "the server", "near", "sees the", "runs"};
    for (size_t i = 0; i < sizeof ctx / sizeof ctx[0]; i++) {
        double s = sum_after(mix, ctx[i]);
        if (fabs(s - 1.0) > 1e-4)
            test_fail(__FILE__, __LINE__, "mixture: sum after '%s' = %.7f", ctx[i], s);
    }
    /* an n-gram of both: the weighted sum of the components' probabilities */
    double pa = pow(10.0, score_seq(lms[0], "the")), pb = pow(10.0, score_seq(lms[1], "the"));
    CHECK_NEAR(pow(10.0, score_seq(mix, "the")), 0.3 * pa + 0.7 * pb, 1e-6);
    const double bad[2] = {0.5, 0.6};
    CHECK_EQ_INT(unspin_lm_mix_write((const unspin_lm *const *)lms, 2, bad, m, &err), UNSPIN_E_INVALID);
out:
    unspin_lm_close(lms[0]);
    unspin_lm_close(lms[1]);
    unspin_lm_close(mix);
}

TEST(lm_sphinx_import)
{
    /* toy-sphinx.lm.bin: the toy-lm-a order-3 model written in sphinxbase's
     * trie layout (plus a <sil> filler), see docs/lm-training.md */
    const char *ref = tpath("sx-ref.uslm"), *out = tpath("sx.uslm");
    CHECK_EQ_INT(train_file("toy-lm-a.txt", 3, 0, ref, NULL), 0);
    unspin_error err;
    int rc = unspin_lm_import_sphinx(test_data("toy-sphinx.lm.bin"), out, &err);
    CHECK_EQ_INT(rc, 0);
    if (rc)
        return;
    unspin_lm *a = NULL, *b = NULL;
    CHECK_EQ_INT(unspin_lm_open(ref, &a, &err), 0);
    CHECK_EQ_INT(unspin_lm_open(out, &b, &err), 0);
    if (a && b) {
        CHECK_EQ_INT(unspin_lm_vocab_size(b), 66); /* <sil> dropped */
        CHECK_EQ_INT(unspin_lm_ngram_count(b, 3), 1065);
        const char *seqs[] = {"the", "<s> the cat", "cat sees the", "cat the dog", "near zora", "anna </s>"};
        for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++)
            CHECK_NEAR(score_seq(a, seqs[i]), score_seq(b, seqs[i]), 1e-5);
    }
    unspin_lm_close(a);
    unspin_lm_close(b);
    /* damaged copies fail cleanly */
    size_t len;
    unsigned char *d = (unsigned char *)slurp(test_data("toy-sphinx.lm.bin"), &len);
    CHECK(d != NULL);
    if (!d)
        return;
    for (size_t cut = 0; cut < len; cut += len / 7 + 1)
        CHECK_EQ_INT(unspin_lm_import_sphinx_mem(d, cut, "cut", NULL, &err), UNSPIN_E_FORMAT);
    CHECK_EQ_INT(unspin_lm_import_sphinx_mem(d, len, "whole", NULL, &err), 0);
    d[19] = 9; /* order */
    CHECK_EQ_INT(unspin_lm_import_sphinx_mem(d, len, "order", NULL, &err), UNSPIN_E_FORMAT);
    CHECK(strstr(err.message, "order") != NULL);
    free(d);
}
