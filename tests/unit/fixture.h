/* fixture.h - small models built from the fixtures in tests/data, shared by
 * the unit tests of the restorer, the checker and the threads test. */
#ifndef UNSPIN_TEST_FIXTURE_H
#define UNSPIN_TEST_FIXTURE_H

#include "unspin.h"

/* Import tests/data/ARPA (a fixture name) and build a lexicon from the
 * MyThes file THES (a path, e.g. from test_data(); no function-word table)
 * into the test folder as NAME.uslm and NAME.uslex, and open both. 0 on
 * success; -1 with the reason in *err (*lm and *lex are then NULL). */
int fixture_models(const char *arpa, const char *thes, const char *name, unspin_lm **lm, unspin_lexicon **lex,
                   unspin_error *err);

#endif
