/* fuzz_check.c - `unspin check` on arbitrary text with the fixture models of
 * fuzz_models.h and the built-in weights: the input is cut into lines
 * (paragraphs), each is scored, then the document and the pooled
 * probabilities; every probability must be in [0, 1], every span inside
 * its line, the spans in text order without overlap, the words in text
 * order. The checker is reset and reused, as
 * the CLI does for the next file. */
#include "fuzz_models.h"
#include "unspin.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unspin_lm *lm;
static unspin_lexicon *lex;
static unspin_checker *ck;

static int prob(double p) { return p >= 0 && p <= 1; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unspin_error err;
    if (!lm) {
        fuzz_fixture_models("fuzz_check", &lm, &lex);
        if (unspin_checker_create(lm, lex, NULL, &ck, &err) != UNSPIN_OK)
            abort();
    }
    unspin_checker_reset(ck);
    const char *text = (const char *)data;
    size_t n = 0;
    for (size_t at = 0; at < size;) {
        const char *nl = memchr(text + at, '\n', size - at);
        size_t len = nl ? (size_t)(nl - (text + at)) : size - at;
        const unspin_check_result *r;
        if (unspin_check_paragraph(ck, text + at, len, &r, &err) != UNSPIN_OK)
            abort();
        if (!prob(r->p_spun))
            abort();
        size_t last = 0;
        for (size_t i = 0; i < r->nspans; i++) {
            const unspin_check_span *s = &r->spans[i];
            if (s->start < last || s->end <= s->start || s->end > len || !s->suggestion)
                abort();
            last = s->end;
        }
        /* words in text order; the parts of a hyphenated word the LM does
         * not know are scored as words and share its range */
        last = 0;
        for (size_t i = 0; i < r->ncontent; i++) {
            const unspin_check_word *w = &r->words[i];
            if (w->start < last || w->end <= w->start || w->end > len || !prob(w->p))
                abort();
            last = w->start;
        }
        n++;
        at += len + 1;
    }
    size_t np;
    if (!prob(unspin_check_document(ck, &np)) || np != n)
        abort();
    double *p = malloc((n ? n : 1) * sizeof *p);
    if (!p)
        return 0;
    if (unspin_check_pooled(ck, p, n, &err) != UNSPIN_OK)
        abort();
    for (size_t i = 0; i < n; i++)
        if (!prob(p[i]))
            abort();
    if (unspin_check_pooled(ck, p, n + 1, &err) == UNSPIN_OK) /* more than there are: refused */
        abort();
    free(p);
    return 0;
}
