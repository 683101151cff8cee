/* lm_dmp.c - CMU Sphinx binary language models. */
#include "lm_train.h"

int unspin_lm_import_sphinx_mem(const unsigned char *data, size_t size, const char *name, const char *out_path,
                                unspin_error *err)
{
    (void)data; (void)size; (void)out_path;
    return us_error(err, UNSPIN_E_FORMAT, "%s: Sphinx import not implemented yet", name);
}

int unspin_lm_import_sphinx(const char *path, const char *out_path, unspin_error *err)
{
    us_map m;
    US_TRY(us_map_open(path, &m, err));
    int rc = unspin_lm_import_sphinx_mem(m.data, m.size, path, out_path, err);
    us_map_close(&m);
    return rc;
}
