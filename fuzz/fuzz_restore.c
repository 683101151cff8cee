/* fuzz_restore.c - restore arbitrary text with the fixture models of
 * fuzz_models.h (tests/data restore.arpa and restore-thes.dat) and check the
 * invariants of the result: spans sorted, not overlapping, inside the input;
 * each span's `spun` is its bytes of the input; the output is the input with
 * exactly the spans replaced; posteriors in [0, 1]. The first byte picks the
 * threshold and the options. */
#include "fuzz_models.h"
#include "unspin.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unspin_lm *lm;
static unspin_lexicon *lex;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!lm)
        fuzz_fixture_models("fuzz_restore", &lm, &lex);
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
