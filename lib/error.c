/* error.c - status codes and error messages. */
#include "internal.h"

#include <stdio.h>

const char *unspin_version(void) { return UNSPIN_VERSION_STRING; }

const char *unspin_strerror(int code)
{
    switch (code) {
    case UNSPIN_OK: return "success";
    case UNSPIN_E_NOMEM: return "out of memory";
    case UNSPIN_E_IO: return "input/output error";
    case UNSPIN_E_FORMAT: return "malformed input";
    case UNSPIN_E_VERSION: return "unsupported format version";
    case UNSPIN_E_CHECKSUM: return "checksum mismatch";
    case UNSPIN_E_INCOMPLETE: return "incomplete file";
    case UNSPIN_E_INVALID: return "invalid argument";
    case UNSPIN_E_LIMIT: return "limit exceeded";
    case UNSPIN_E_NOTFOUND: return "not found";
    default: return "unknown error";
    }
}

int us_verror(unspin_error *err, int code, const char *fmt, va_list ap)
{
    if (err) {
        err->code = code;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
    }
    return code;
}

int us_error(unspin_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    us_verror(err, code, fmt, ap);
    va_end(ap);
    return code;
}
