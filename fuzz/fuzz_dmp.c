/* fuzz_dmp.c - the Sphinx binary LM reader on arbitrary bytes (parse and
 * walk every n-gram, no output file). */
#include "unspin.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unspin_error err;
    (void)unspin_lm_import_sphinx_mem(data, size, "fuzz", NULL, &err);
    return 0;
}
