/* cli.c - shared helpers of the command-line front end. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("unspin: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "unspin %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (try 'unspin %s --help')\n", cmd);
    return CLI_USAGE;
}

int cli_lib_error(const unspin_error *err, bool model)
{
    cli_error("%s", err->message[0] ? err->message : unspin_strerror(err->code));
    switch (err->code) {
    case UNSPIN_E_NOMEM: return CLI_FAIL;
    case UNSPIN_E_FORMAT:
    case UNSPIN_E_VERSION:
    case UNSPIN_E_CHECKSUM:
    case UNSPIN_E_INCOMPLETE:
    case UNSPIN_E_IO: return model ? CLI_MODEL : CLI_USAGE;
    case UNSPIN_E_INVALID:
    case UNSPIN_E_LIMIT:
    case UNSPIN_E_NOTFOUND: return CLI_USAGE;
    default: return CLI_FAIL;
    }
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
    static char **seen;
    if (seen != argv) {
        seen = argv;
        optind = 1;
    }
    opterr = 0;
    int idx = 0;
    int c = getopt_long(argc, argv, shortopts, longopts, &idx);
    if (c == '?') {
        const char *arg = argv[optind - 1];
        if (optopt && strchr(shortopts, optopt))
            cli_usage(argv[0], "option '-%c' needs a value", optopt);
        else if (optopt)
            cli_usage(argv[0], "unknown option '-%c'", optopt);
        else if (strncmp(arg, "--", 2) == 0 && strchr(arg, '='))
            cli_usage(argv[0], "option '%.*s' takes no value or is unknown", (int)(strchr(arg, '=') - arg), arg);
        else
            cli_usage(argv[0], "unknown option '%s' (or it needs a value)", arg);
    } else if (c == ':') {
        cli_usage(argv[0], "option '%s' needs a value", argv[optind - 1]);
        c = '?';
    }
    return c;
}

bool cli_parse_double(const char *cmd, const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi)) {
        cli_usage(cmd, "%s: '%s' is not a number in [%g, %g]", opt, s, lo, hi);
        return false;
    }
    *out = v;
    return true;
}

bool cli_parse_long(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        cli_usage(cmd, "%s: '%s' is not an integer in [%ld, %ld]", opt, s, lo, hi);
        return false;
    }
    *out = v;
    return true;
}

/* ---- input ---- */

int cli_input_open(const char *cmd, const char *path, cli_input *in)
{
    in->name = path;
    if (strcmp(path, "-") == 0) {
        in->fd = STDIN_FILENO;
        return CLI_OK;
    }
    in->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (in->fd < 0) {
        cli_error("%s: %s: %s", cmd, path, strerror(errno));
        return CLI_USAGE;
    }
    struct stat st;
    if (fstat(in->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(in->fd);
        in->fd = -1;
        cli_error("%s: %s: is a directory", cmd, path);
        return CLI_USAGE;
    }
    return CLI_OK;
}

long cli_input_read(const char *cmd, cli_input *in, char *buf, size_t cap)
{
    size_t got = 0;
    while (got < cap) {
        ssize_t r = read(in->fd, buf + got, cap - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            cli_error("%s: %s: %s", cmd, in->name, strerror(errno));
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (long)got;
}

void cli_input_close(cli_input *in)
{
    if (in->fd > STDIN_FILENO)
        close(in->fd);
    in->fd = -1;
}

int cli_read_all(const char *cmd, const char *path, char **data, size_t *len)
{
    cli_input in;
    int rc = cli_input_open(cmd, path, &in);
    if (rc)
        return rc;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (!buf) {
            cli_input_close(&in);
            cli_error("%s: out of memory", cmd);
            return CLI_FAIL;
        }
        long r = cli_input_read(cmd, &in, buf + n, cap - n);
        if (r < 0) {
            free(buf);
            cli_input_close(&in);
            return CLI_USAGE;
        }
        n += (size_t)r;
        if (r == 0 || n < cap)
            break;
        char *nb = realloc(buf, cap * 2 + 1);
        if (!nb) free(buf);
        buf = nb;
        cap *= 2;
    }
    cli_input_close(&in);
    buf[n] = 0;
    *data = buf;
    *len = n;
    return CLI_OK;
}

int cli_for_each_line(const char *cmd, int nfiles, char **files, size_t max_line, cli_line_fn fn, void *ctx)
{
    static char dash[] = "-";
    static char *stdin_only[] = {dash};
    if (nfiles == 0) {
        nfiles = 1;
        files = stdin_only;
    }
    size_t cap = max_line + 65536;
    char *buf = malloc(cap);
    if (!buf) {
        cli_error("%s: out of memory", cmd);
        return CLI_FAIL;
    }
    int status = CLI_OK;
    for (int i = 0; i < nfiles && status == CLI_OK; i++) {
        cli_input in;
        if ((status = cli_input_open(cmd, files[i], &in)) != CLI_OK)
            break;
        size_t len = 0;
        bool eof = false;
        while (status == CLI_OK && (!eof || len > 0)) {
            if (!eof && len < cap) {
                long r = cli_input_read(cmd, &in, buf + len, cap - len);
                if (r < 0) { status = CLI_USAGE; break; }
                if (r == 0) eof = true;
                len += (size_t)r;
            }
            size_t off = 0;
            while (status == CLI_OK && off < len) {
                char *nl = memchr(buf + off, '\n', len - off);
                if (nl) {
                    size_t n = (size_t)(nl - (buf + off));
                    if (n > max_line) n = max_line, nl = NULL;
                    status = fn(ctx, buf + off, n, nl != NULL);
                    off += n + (nl != NULL);
                } else if (len - off >= max_line) {
                    status = fn(ctx, buf + off, max_line, false);
                    off += max_line;
                } else if (eof) {
                    status = fn(ctx, buf + off, len - off, false);
                    off = len;
                } else {
                    break;
                }
            }
            memmove(buf, buf + off, len - off);
            len -= off;
        }
        cli_input_close(&in);
    }
    free(buf);
    return status;
}

/* ---- output ---- */

void cli_json_string(FILE *f, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    putc('"', f);
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        if (c < 0x80) {
            switch (c) {
            case '"': fputs("\\\"", f); break;
            case '\\': fputs("\\\\", f); break;
            case '\n': fputs("\\n", f); break;
            case '\r': fputs("\\r", f); break;
            case '\t': fputs("\\t", f); break;
            default:
                if (c < 0x20 || c == 0x7f)
                    fprintf(f, "\\u%04x", c);
                else
                    putc((int)c, f);
            }
            i++;
            continue;
        }
        /* validate one UTF-8 sequence */
        size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        bool valid = n && i + n <= len;
        for (size_t k = 1; valid && k < n; k++)
            valid = (p[i + k] & 0xC0) == 0x80;
        if (valid && n == 3) {
            unsigned v = (c & 0x0F) << 12 | (p[i + 1] & 0x3Fu) << 6;
            valid = v >= 0x800 && !(v >= 0xD800 && v <= 0xDFFF);
        } else if (valid && n == 4) {
            unsigned v = (c & 0x07) << 18 | (p[i + 1] & 0x3Fu) << 12;
            valid = v >= 0x10000 && v <= 0x10FFFF;
        }
        if (valid) {
            fwrite(p + i, 1, n, f);
            i += n;
        } else {
            fprintf(f, "\\udc%02x", c);
            i++;
        }
    }
    putc('"', f);
}

int cli_finish_output(void)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (errno == EPIPE)
            return CLI_OK;
        cli_error("write error: %s", strerror(errno));
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* ---- progress ---- */

bool cli_progress_enabled(void)
{
    static int enabled = -1;
    if (enabled < 0) {
        const char *ci = getenv("CI");
        enabled = isatty(STDERR_FILENO) && !(ci && *ci);
    }
    return enabled;
}

void cli_progress(const char *what, double done, double total)
{
    if (!cli_progress_enabled())
        return;
    if (total > 0)
        fprintf(stderr, "\r%s: %5.1f%%", what, 100.0 * done / total);
    else
        fprintf(stderr, "\r%s: %.0f", what, done);
    fflush(stderr);
}

void cli_progress_end(void)
{
    if (cli_progress_enabled())
        fputs("\r\033[K", stderr);
}

/* ---- models ---- */

bool cli_default_model(const char *name, char *buf, size_t cap)
{
    const char *dirs[3];
    int n = 0;
    const char *env = getenv("UNSPIN_MODELS");
    if (env && *env)
        dirs[n++] = env;
    dirs[n++] = "models";
    dirs[n++] = UNSPIN_DATADIR;
    for (int i = 0; i < n; i++) {
        snprintf(buf, cap, "%s/%s", dirs[i], name);
        if (access(buf, R_OK) == 0)
            return true;
    }
    snprintf(buf, cap, "%s/%s", env && *env ? env : "models", name);
    return false;
}

bool cli_model_path(const char *given, const char *name, char *buf, size_t cap)
{
    if (given) {
        snprintf(buf, cap, "%s", given);
        return access(buf, R_OK) == 0;
    }
    return cli_default_model(name, buf, cap);
}

bool cli_find_model(const char *cmd, const char *what, const char *opt, const char *given, const char *name,
                       char *buf, size_t cap)
{
    if (cli_model_path(given, name, buf, cap))
        return true;
    cli_error("%s: %s not found: %s (build the models with 'make models' or give --%s)", cmd, what, buf, opt);
    return false;
}

int cli_open_lm(const char *cmd, const char *opt, const char *given, unspin_lm **out)
{
    char path[4096];
    unspin_error err;
    if (!cli_find_model(cmd, "language model", opt, given, "default.uslm", path, sizeof path))
        return CLI_MODEL;
    return unspin_lm_open(path, out, &err) == UNSPIN_OK ? CLI_OK : cli_lib_error(&err, true);
}

int cli_open_lexicon(const char *cmd, const char *opt, const char *given, unspin_lexicon **out)
{
    char path[4096];
    unspin_error err;
    if (!cli_find_model(cmd, "lexicon", opt, given, "default.uslex", path, sizeof path))
        return CLI_MODEL;
    return unspin_lexicon_open(path, out, &err) == UNSPIN_OK ? CLI_OK : cli_lib_error(&err, true);
}
