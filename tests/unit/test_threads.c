/* test_threads.c - the header's promise that opened models are immutable and
 * can be shared: several threads, each with its own restorer, checker,
 * matcher and lookup scratch space, use one LM, one lexicon and one match
 * index at the same time and get exactly the results of a single thread. (`make check-tsan` runs the unit
 * tests under ThreadSanitizer, which also reports any data race.) */
#include "fixture.h"
#include "test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NTHREADS 4
#define ROUNDS 20
#define OUT_CAP 256

static const char *const inputs[] = {
    "He mentioned that it rained.",
    "He ate a pear.",
    "HE MENTIONED THAT IT RAINED.",
    "He \"mentioned\" it, and he stated that it rained.",
    "He ate 2.",
    "\xff\xfe mentioned \"stated\"",
    "",
};
#define NINPUTS (sizeof inputs / sizeof inputs[0])

/* What one pass over the inputs gives: restored texts, check probabilities
 * and span counts, lexicon candidate counts. */
typedef struct outcome {
    char text[NINPUTS][OUT_CAP];
    double p[NINPUTS];
    size_t nspans[NINPUTS];
    size_t ncands[NINPUTS];
    size_t nhits[NINPUTS], doc[NINPUTS];
    double score[NINPUTS];
    int status; /* 0, or the first failing call's status */
} outcome;

typedef struct job {
    const unspin_lm *lm;
    const unspin_lexicon *lex;
    const unspin_match_index *ix;
    outcome first, last; /* the first and the last round */
} job;

static int one_round(unspin_restorer *r, unspin_checker *ck, unspin_matcher *m, unspin_candidates *c,
                     const unspin_lexicon *lex, outcome *o)
{
    unspin_error err;
    for (size_t i = 0; i < NINPUTS; i++) {
        unspin_restore_result *res;
        const unspin_check_result *cr;
        int st = unspin_restore(r, inputs[i], strlen(inputs[i]), &res, &err);
        if (st != UNSPIN_OK)
            return st;
        snprintf(o->text[i], OUT_CAP, "%s", res->text);
        unspin_restore_result_free(res);
        st = unspin_check_paragraph(ck, inputs[i], strlen(inputs[i]), &cr, &err);
        if (st != UNSPIN_OK)
            return st;
        o->p[i] = cr->p_spun;
        o->nspans[i] = cr->nspans;
        const char *w[1] = {"mentioned"};
        size_t l[1] = {strlen(w[0])};
        const unspin_candidate *cands;
        st = unspin_lexicon_lookup(lex, w, l, 1, c, &cands, &o->ncands[i], &err);
        if (st != UNSPIN_OK)
            return st;
        const unspin_match_result *mr;
        st = unspin_match_query(m, inputs[i], strlen(inputs[i]), &mr, &err);
        if (st != UNSPIN_OK)
            return st;
        o->nhits[i] = mr->nhits;
        o->doc[i] = mr->nhits ? mr->hits[0].doc : 0;
        o->score[i] = mr->nhits ? mr->hits[0].score : 0;
    }
    unspin_checker_reset(ck);
    return UNSPIN_OK;
}

static void *worker(void *arg)
{
    job *j = arg;
    unspin_error err;
    unspin_restore_opts o;
    unspin_restore_opts_default(&o);
    o.threshold = 0.5;
    unspin_restorer *r = NULL;
    unspin_checker *ck = NULL;
    unspin_candidates *c = NULL;
    unspin_matcher *m = NULL;
    int st = unspin_restorer_create(j->lm, j->lex, NULL, &o, &r, &err);
    if (st == UNSPIN_OK)
        st = unspin_checker_create(j->lm, j->lex, NULL, &ck, &err);
    if (st == UNSPIN_OK)
        st = unspin_matcher_create(j->ix, j->lex, NULL, &m, &err);
    if (st == UNSPIN_OK)
        st = unspin_candidates_create(&c, &err);
    for (int round = 0; round < ROUNDS && st == UNSPIN_OK; round++)
        st = one_round(r, ck, m, c, j->lex, round == 0 ? &j->first : &j->last);
    j->first.status = j->last.status = st;
    unspin_candidates_free(c);
    unspin_matcher_free(m);
    unspin_checker_free(ck);
    unspin_restorer_free(r);
    return NULL;
}

static void check_same(const outcome *want, const outcome *got)
{
    CHECK_EQ_INT(got->status, UNSPIN_OK);
    for (size_t i = 0; i < NINPUTS; i++) {
        CHECK_STR(got->text[i], want->text[i]);
        CHECK(got->p[i] == want->p[i]);
        CHECK_EQ_INT(got->nspans[i], want->nspans[i]);
        CHECK_EQ_INT(got->ncands[i], want->ncands[i]);
        CHECK_EQ_INT(got->nhits[i], want->nhits[i]);
        CHECK_EQ_INT(got->doc[i], want->doc[i]);
        CHECK(got->score[i] == want->score[i]);
    }
}

TEST(threads_share_models)
{
    unspin_lm *lm;
    unspin_lexicon *lex;
    unspin_error err;
    if (fixture_models("restore.arpa", test_data("restore-thes.dat"), "threads", &lm, &lex, &err) != 0) {
        test_fail(__FILE__, __LINE__, "models: %s", err.message);
        return;
    }
    /* originals to match against */
    static const char *const docs[] = {"It rained and he said so.", "He ate an apple and a pear.",
                                       "Nothing here is like the others."};
    unspin_match_index *ix = NULL;
    int st = unspin_match_index_create(&ix, &err);
    for (size_t d = 0; d < sizeof docs / sizeof docs[0] && st == UNSPIN_OK; d++)
        st = unspin_match_index_add(ix, docs[d], docs[d], strlen(docs[d]), &err);
    if (st == UNSPIN_OK)
        st = unspin_match_index_finish(ix, &err);
    CHECK_EQ_INT(st, UNSPIN_OK);
    /* the reference: one thread */
    static job ref, jobs[NTHREADS];
    ref.lm = lm;
    ref.lex = lex;
    ref.ix = ix;
    worker(&ref);
    CHECK_EQ_INT(ref.first.status, UNSPIN_OK);
    CHECK_STR(ref.first.text[0], "He said that it rained."); /* the fixture does restore */
    CHECK(ref.first.nhits[0] > 0 && ref.first.doc[0] == 0);   /* and match */
    check_same(&ref.first, &ref.last);

    pthread_t th[NTHREADS];
    int started[NTHREADS];
    for (int t = 0; t < NTHREADS; t++) {
        jobs[t].lm = lm;
        jobs[t].lex = lex;
        jobs[t].ix = ix;
        started[t] = pthread_create(&th[t], NULL, worker, &jobs[t]) == 0;
        CHECK(started[t]);
    }
    for (int t = 0; t < NTHREADS; t++)
        if (started[t]) {
            pthread_join(th[t], NULL);
            check_same(&ref.first, &jobs[t].first);
            check_same(&ref.first, &jobs[t].last);
        }
    unspin_match_index_free(ix);
    unspin_lexicon_close(lex);
    unspin_lm_close(lm);
}
