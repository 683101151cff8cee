/* fixture.c - see fixture.h. */
#include "fixture.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

int fixture_models(const char *arpa, const char *thes, const char *name, unspin_lm **lm, unspin_lexicon **lex,
                   unspin_error *err)
{
    char lm_path[1024], lex_path[1024], arpa_path[1024], thes_path[1024];
    snprintf(thes_path, sizeof thes_path, "%s", thes); /* before test_data() reuses its buffer */
    snprintf(lm_path, sizeof lm_path, "%s/%s.uslm", test_tmpdir(), name);
    snprintf(lex_path, sizeof lex_path, "%s/%s.uslex", test_tmpdir(), name);
    snprintf(arpa_path, sizeof arpa_path, "%s", test_data(arpa));
    *lm = NULL;
    *lex = NULL;
    unspin_lexicon_build_opts lo;
    memset(&lo, 0, sizeof lo);
    lo.mythes_file = thes_path;
    lo.no_function_words = 1;
    if (unspin_lm_import_arpa(arpa_path, lm_path, 0, err) != UNSPIN_OK ||
        unspin_lexicon_build(&lo, lex_path, err) != UNSPIN_OK || unspin_lm_open(lm_path, lm, err) != UNSPIN_OK ||
        unspin_lexicon_open(lex_path, lex, err) != UNSPIN_OK) {
        unspin_lm_close(*lm);
        *lm = NULL;
        return -1;
    }
    return 0;
}
