/* fuzz_restore.c - restore arbitrary text with the fixture models of
 * tests/data (restore.arpa, restore-thes.dat; embedded here) and check the
 * invariants of the result: spans sorted, not overlapping, inside the input;
 * each span's `spun` is its bytes of the input; the output is the input with
 * exactly the spans replaced; posteriors in [0, 1]. The first byte picks the
 * threshold and the options. */
#include "unspin.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

static unspin_lm *lm;
static unspin_lexicon *lex;

static void write_file(const char *path, const char *s)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(s, 1, strlen(s), f) != strlen(s) || fclose(f) != 0)
        abort();
}

static void setup(void)
{
    char dir[] = "/tmp/unspin-fuzz-restore.XXXXXX";
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
        unspin_lm_open(l, &lm, &err) != UNSPIN_OK || unspin_lexicon_open(x, &lex, &err) != UNSPIN_OK) {
        fprintf(stderr, "fuzz_restore: %s\n", err.message);
        abort();
    }
    unlink(a); /* the models stay mapped */
    unlink(t);
    unlink(l);
    unlink(x);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!lm)
        setup();
    if (size == 0)
        return 0;
    unspin_restore_opts o;
    unspin_restore_opts_default(&o);
    o.threshold = 0.05 + 0.9 * (data[0] & 15) / 15.0;
    o.beam = 1 + (data[0] >> 4 & 7);
    o.consistency = data[0] >> 7;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    unspin_restorer *r;
    unspin_error err;
    if (unspin_restorer_create(lm, lex, NULL, &o, &r, &err) != UNSPIN_OK)
        abort();
    /* the document observation first (both passes), when consistency is on */
    if (unspin_restore_observe(r, text, len, 1, &err) != UNSPIN_OK ||
        unspin_restore_observe(r, text, len, 2, &err) != UNSPIN_OK)
        abort();
    for (int pass = 0; pass < 2; pass++) { /* twice: the second with the document memory */
        unspin_restore_result *res;
        if (unspin_restore(r, text, len, &res, &err) != UNSPIN_OK)
            abort();
        size_t at = 0, out = 0;
        for (size_t i = 0; i < res->nspans; i++) {
            const unspin_restore_span *s = &res->spans[i];
            if (s->start < at || s->end <= s->start || s->end > len)
                abort();
            if (strlen(s->spun) != s->end - s->start || memcmp(s->spun, text + s->start, s->end - s->start) != 0)
                abort();
            if (out + (s->start - at) > res->length || memcmp(res->text + out, text + at, s->start - at) != 0)
                abort();
            out += s->start - at;
            size_t rl = strlen(s->restored);
            if (out + rl > res->length || memcmp(res->text + out, s->restored, rl) != 0)
                abort();
            out += rl;
            at = s->end;
            if (!(s->confidence >= 0 && s->confidence <= 1))
                abort();
            for (size_t k = 0; k < s->nalternatives; k++)
                if (!(s->alternatives[k].p >= 0 && s->alternatives[k].p <= 1) || !s->alternatives[k].text)
                    abort();
        }
        if (out + (len - at) != res->length || memcmp(res->text + out, text + at, len - at) != 0 ||
            res->text[res->length] != 0)
            abort();
        unspin_restore_result_free(res);
    }
    unspin_restorer_free(r);
    return 0;
}
