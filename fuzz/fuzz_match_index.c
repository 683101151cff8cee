/* fuzz_match_index.c - open arbitrary bytes as a .usidx match index from
 * memory, without the checksum (so that mutations reach the structural
 * checks and the queries). Opening must fail cleanly or give an index whose every document
 * and every query stays in bounds. The input is also indexed and queried as
 * a text, so that the stemmer, the alignment and the spans see odd input. */
#include "matcher_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void query_all(const unspin_match_index *ix, const char *text, size_t len)
{
    unspin_match_opts o;
    unspin_match_opts_default(&o);
    o.min_score = 0;
    o.top = 3;
    unspin_matcher *m;
    unspin_error err;
    if (unspin_matcher_create(ix, NULL, &o, &m, &err) != UNSPIN_OK)
        return;
    const unspin_match_result *r;
    if (unspin_match_query(m, text, len, &r, &err) == UNSPIN_OK) {
        for (size_t i = 0; i < r->nhits; i++) {
            const char *src;
            size_t sl;
            if (unspin_match_index_document(ix, r->hits[i].doc, NULL, &src, &sl) != UNSPIN_OK)
                abort();
            if (!(r->hits[i].score >= 0 && r->hits[i].score <= 1))
                abort();
            for (size_t k = 0; k < r->hits[i].nspans; k++)
                if (r->hits[i].spans[k].query_end > len || r->hits[i].spans[k].source_end > sl)
                    abort();
        }
    }
    unspin_matcher_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unspin_match_index *ix;
    unspin_error err;
    if (mt_index_open_memory(data, size, "fuzz.usidx", 0, &ix, &err) == UNSPIN_OK) {
        size_t n = unspin_match_index_count(ix);
        for (size_t d = 0; d < n && d < 16; d++) {
            const char *name, *text;
            size_t len;
            if (unspin_match_index_document(ix, d, &name, &text, &len) != UNSPIN_OK)
                abort();
            (void)strlen(name);
            query_all(ix, text, len);
        }
        query_all(ix, "the city council voted to build a bridge", 40);
        unspin_match_index_free(ix);
    }
    /* the bytes as a text: index two halves, query the whole */
    if (unspin_match_index_create(&ix, &err) != UNSPIN_OK)
        return 0;
    if (unspin_match_index_add(ix, "a", (const char *)data, size / 2, &err) == UNSPIN_OK &&
        unspin_match_index_add(ix, "b", (const char *)data + size / 2, size - size / 2, &err) == UNSPIN_OK &&
        unspin_match_index_finish(ix, &err) == UNSPIN_OK)
        query_all(ix, (const char *)data, size);
    unspin_match_index_free(ix);
    return 0;
}
