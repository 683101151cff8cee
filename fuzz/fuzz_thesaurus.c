/* fuzz_thesaurus.c - the thesaurus parsers on arbitrary bytes. The first
 * byte picks the parser (WordNet data, MyThes, Aiksaurus, GCIDE, Moby); for
 * Aiksaurus the rest is split in two at its middle (words.dat, meanings.dat). */
#include "lex_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    lexb *b;
    unspin_error err;
    if (lexb_create(&b, &err) != UNSPIN_OK)
        return 0;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    switch (data[0] % 5) {
    case 0: {
        const char *d[4] = {s, NULL, s, NULL};
        size_t l[4] = {n, 0, n, 0};
        lex_parse_wordnet(b, d, l, "fuzz", &err);
        break;
    }
    case 1: lex_parse_mythes(b, s, n, "fuzz", &err); break;
    case 2: lex_parse_aiksaurus(b, data + 1, n / 2, data + 1 + n / 2, n - n / 2, "fuzz", &err); break;
    case 3: lex_parse_gcide(b, s, n, "fuzz", &err); break;
    default: lex_parse_moby(b, s, n, "fuzz", &err); break;
    }
    lexb_free(b);
    return 0;
}
