/* fuzz_models.h - the small fixture models shared by the fuzz targets that
 * run the decoder on text (fuzz_restore, fuzz_check): a bigram ARPA model
 * and a MyThes thesaurus, embedded so that a target needs no files
 * (header-only). */
#ifndef FUZZ_MODELS_H
#define FUZZ_MODELS_H

#include "unspin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char arpa[] =
    "\\data\\\n"
    "ngram 1=19\n"
    "ngram 2=26\n"
    "\n"
    "\\1-grams:\n"
    "-2.0\t<unk>\n"
    "-99\t<s>\t-0.5\n"
    "-1.0\t</s>\n"
    "-1.2\the\t-0.3\n"
    "-2.5\tsaid\t-0.3\n"
    "-3.0\tmentioned\t-0.3\n"
    "-3.2\tstated\t-0.3\n"
    "-1.5\tthat\t-0.3\n"
    "-1.8\tit\t-0.3\n"
    "-2.0\trained\t-0.3\n"
    "-1.0\t.\t-0.3\n"
    "-2.0\tate\t-0.3\n"
    "-1.5\ta\t-0.3\n"
    "-2.0\tan\t-0.3\n"
    "-2.5\tapple\t-0.3\n"
    "-2.5\tpear\t-0.3\n"
    "-1.5\t\"\t-0.3\n"
    "-2.0\tshe\t-0.3\n"
    "-2.8\ttwo\t-0.3\n"
    "\n"
    "\\2-grams:\n"
    "-0.3\t<s> he\n"
    "-0.5\t<s> she\n"
    "-0.3\the said\n"
    "-2.5\the mentioned\n"
    "-2.5\the stated\n"
    "-0.3\tshe said\n"
    "-2.5\tshe mentioned\n"
    "-0.2\tsaid that\n"
    "-0.3\tmentioned that\n"
    "-0.2\tthat it\n"
    "-0.3\tit rained\n"
    "-0.2\trained .\n"
    "-0.1\t. </s>\n"
    "-0.5\the ate\n"
    "-0.4\tate a\n"
    "-0.5\tate an\n"
    "-0.3\tan apple\n"
    "-0.6\ta apple\n"
    "-2.8\ta pear\n"
    "-0.3\tapple .\n"
    "-0.3\tpear .\n"
    "-0.5\the \"\n"
    "-0.5\t\" mentioned\n"
    "-0.5\tmentioned \"\n"
    "-0.1\tate two\n"
    "-0.1\ttwo .\n"
    "\n"
    "\\end\\\n";

static const char thes[] =
    "UTF-8\n"
    "said|1\n"
    "(verb)|mentioned|stated\n"
    "mentioned|1\n"
    "(verb)|said|stated\n"
    "stated|1\n"
    "(verb)|said|mentioned\n"
    "apple|1\n"
    "(noun)|pear\n"
    "pear|1\n"
    "(noun)|apple\n";

static inline void write_file(const char *path, const char *s)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(s, 1, strlen(s), f) != strlen(s) || fclose(f) != 0)
        abort();
}

/* Build the fixture models in a temporary folder and map them: *lm and
 * *lex stay open for the life of the fuzzer (aborts on failure). */
static inline void fuzz_fixture_models(const char *name, unspin_lm **lm, unspin_lexicon **lex)
{
    char dir[] = "/tmp/unspin-fuzz-models.XXXXXX";
    if (!mkdtemp(dir))
        abort();
    char a[64], t[64], l[64], x[64];
    snprintf(a, sizeof a, "%s/r.arpa", dir);
    snprintf(t, sizeof t, "%s/r.dat", dir);
    snprintf(l, sizeof l, "%s/r.uslm", dir);
    snprintf(x, sizeof x, "%s/r.uslex", dir);
    write_file(a, arpa);
    write_file(t, thes);
    unspin_error err;
    unspin_lexicon_build_opts lo;
    memset(&lo, 0, sizeof lo);
    lo.mythes_file = t;
    lo.no_function_words = 1;
    if (unspin_lm_import_arpa(a, l, 0, &err) != UNSPIN_OK || unspin_lexicon_build(&lo, x, &err) != UNSPIN_OK ||
        unspin_lm_open(l, lm, &err) != UNSPIN_OK || unspin_lexicon_open(x, lex, &err) != UNSPIN_OK) {
        fprintf(stderr, "%s: %s\n", name, err.message);
        abort();
    }
    unlink(a); /* the models stay mapped */
    unlink(t);
    unlink(l);
    unlink(x);
    rmdir(dir);
}

#endif
