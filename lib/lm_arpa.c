/* lm_arpa.c - read and write ARPA back-off language models.
 *
 * Reading streams line by line (from a file or a memory buffer) into an
 * lm_writer, so memory grows with the model, not with the text. Errors name
 * the line: "model.arpa:123: expected 3 words, got 2". */
#include "lm_format.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

typedef struct line_src {
    const char *data; /* memory input */
    size_t len, pos;
    FILE *f; /* file input */
    char *buf;
    size_t cap;
    unsigned long lineno;
    const char *name;
} line_src;

/* Next line (without terminator, NUL-terminated copy in src->buf).
 * Returns 1, 0 at the end, or a negative error. */
static int next_line(line_src *src, char **line, size_t *len, unspin_error *err)
{
    size_t n;
    if (src->f) {
        n = 0;
        for (;;) {
            if (n + 2 > src->cap && us_grow((void **)&src->buf, &src->cap, n + 4096, 1) < 0)
                return us_error(err, UNSPIN_E_NOMEM, "%s: out of memory", src->name);
            if (!fgets(src->buf + n, (int)(src->cap - n > INT32_MAX ? INT32_MAX : src->cap - n), src->f)) {
                if (ferror(src->f))
                    return us_error(err, UNSPIN_E_IO, "%s: read error: %s", src->name, strerror(errno));
                break;
            }
            n += strlen(src->buf + n);
            if (n > 0 && src->buf[n - 1] == '\n')
                break;
        }
        if (n == 0 && feof(src->f))
            return 0;
        /* an embedded NUL byte ends the line early with fgets; such a file is malformed anyway */
    } else {
        if (src->pos >= src->len)
            return 0;
        const char *s = src->data + src->pos;
        const char *nl = memchr(s, '\n', src->len - src->pos);
        n = nl ? (size_t)(nl - s) + 1 : src->len - src->pos;
        if (us_grow((void **)&src->buf, &src->cap, n + 1, 1) < 0)
            return us_error(err, UNSPIN_E_NOMEM, "%s: out of memory", src->name);
        memcpy(src->buf, s, n);
        src->pos += n;
    }
    src->buf[n] = 0;
    while (n > 0 && (src->buf[n - 1] == '\n' || src->buf[n - 1] == '\r'))
        src->buf[--n] = 0;
    src->lineno++;
    *line = src->buf;
    *len = n;
    return 1;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/* Split in place on whitespace; returns the number of fields (at most max+1). */
static int split(char *s, char **fields, int max)
{
    int k = 0;
    while (*s) {
        while (is_space(*s))
            s++;
        if (!*s)
            break;
        if (k == max + 1)
            return k;
        fields[k++] = s;
        while (*s && !is_space(*s))
            s++;
        if (*s)
            *s++ = 0;
    }
    return k;
}

static char *trim(char *s)
{
    while (is_space(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && is_space(s[n - 1]))
        s[--n] = 0;
    return s;
}

static int parse_float(const char *s, float *out)
{
    char *end;
    errno = 0;
    float v = strtof(s, &end);
    if (end == s || *end || isnan(v))
        return -1;
    *out = v;
    return 0;
}

/* "\N-grams:" -> N, else 0 */
static int section_header(const char *s)
{
    if (s[0] != '\\' || s[1] < '1' || s[1] > '9')
        return 0;
    char *end;
    long n = strtol(s + 1, &end, 10);
    if (strcmp(end, "-grams:") != 0 || n < 1 || n > 1000)
        return 0;
    return (int)n;
}

#define LERR(code, ...) line_error(err, code, src, __VA_ARGS__)

static int line_error(unspin_error *err, int code, const line_src *src, const char *fmt, ...) US_PRINTF(4, 5);
static int line_error(unspin_error *err, int code, const line_src *src, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return us_error(err, code, "%s:%lu: %s", src->name, src->lineno, msg);
}

static int parse(line_src *src, lm_writer **out, unspin_error *err)
{
    char *line;
    size_t len;
    int r;
    *out = NULL;
    /* preamble */
    for (;;) {
        r = next_line(src, &line, &len, err);
        if (r < 0)
            return r;
        if (r == 0)
            return us_error(err, UNSPIN_E_FORMAT, "%s: no \\data\\ section (not an ARPA file)", src->name);
        if (strcmp(trim(line), "\\data\\") == 0)
            break;
    }
    /* counts */
    uint64_t counts[UNSPIN_LM_MAX_ORDER] = {0};
    int order = 0, section = 0;
    for (;;) {
        r = next_line(src, &line, &len, err);
        if (r < 0)
            return r;
        if (r == 0)
            return us_error(err, UNSPIN_E_FORMAT, "%s: ends inside the \\data\\ section", src->name);
        char *s = trim(line);
        if (!*s)
            continue;
        if (s[0] == '\\') {
            section = section_header(s);
            if (section != 1)
                return LERR(UNSPIN_E_FORMAT, "expected \\1-grams:, got '%.40s'", s);
            break;
        }
        if (strncmp(s, "ngram", 5) != 0 || !is_space(s[5]))
            return LERR(UNSPIN_E_FORMAT, "expected 'ngram N=COUNT', got '%.40s'", s);
        char *p = trim(s + 5), *end;
        errno = 0;
        long n = strtol(p, &end, 10);
        while (is_space(*end))
            end++;
        if (end == p || *end != '=')
            return LERR(UNSPIN_E_FORMAT, "expected 'ngram N=COUNT', got '%.40s'", s);
        p = end + 1;
        while (is_space(*p))
            p++;
        unsigned long long c = strtoull(p, &end, 10);
        if (end == p || *end || *p == '-' || errno)
            return LERR(UNSPIN_E_FORMAT, "bad n-gram count '%.40s'", p);
        if (n < 1)
            return LERR(UNSPIN_E_FORMAT, "bad n-gram order %ld", n);
        if (n > UNSPIN_LM_MAX_ORDER)
            return LERR(UNSPIN_E_LIMIT, "order %ld is not supported (at most %d)", n, UNSPIN_LM_MAX_ORDER);
        if (n != order + 1)
            return LERR(UNSPIN_E_FORMAT, "'ngram %ld=' out of order (expected ngram %d=)", n, order + 1);
        counts[n - 1] = c;
        order = (int)n;
    }
    if (order == 0)
        return LERR(UNSPIN_E_FORMAT, "no 'ngram N=COUNT' lines in the \\data\\ section");
    lm_writer *w;
    int rc = lm_writer_create(&w, order, counts, err);
    if (rc < 0)
        return rc;
    char *fields[UNSPIN_LM_MAX_ORDER + 3];
    uint32_t ids[UNSPIN_LM_MAX_ORDER];
    int ended = 0;
    for (;;) {
        r = next_line(src, &line, &len, err);
        if (r < 0) {
            rc = r;
            goto fail;
        }
        if (r == 0)
            break;
        char *s = trim(line);
        if (!*s)
            continue;
        if (s[0] == '\\') {
            if (strcmp(s, "\\end\\") == 0) {
                ended = 1;
                break;
            }
            int n = section_header(s);
            if (n != section + 1) {
                rc = LERR(UNSPIN_E_FORMAT, "expected \\%d-grams: or \\end\\, got '%.40s'", section + 1, s);
                goto fail;
            }
            if (n > order) {
                rc = LERR(UNSPIN_E_FORMAT, "\\%d-grams: section in a model of order %d", n, order);
                goto fail;
            }
            section = n;
            continue;
        }
        int n = section;
        int k = split(s, fields, n + 2);
        float p, bo = 0;
        if (k < n + 1 || k > n + 2) {
            rc = LERR(UNSPIN_E_FORMAT, "expected %d word%s, got %d", n, n > 1 ? "s" : "",
                      k > n + 2 ? k - 1 : (k > 0 ? k - 1 : 0));
            goto fail;
        }
        if (parse_float(fields[0], &p) < 0) {
            rc = LERR(UNSPIN_E_FORMAT, "bad probability '%.40s'", fields[0]);
            goto fail;
        }
        if (k == n + 2 && parse_float(fields[n + 1], &bo) < 0) {
            rc = LERR(UNSPIN_E_FORMAT, "expected %d word%s, got %d", n, n > 1 ? "s" : "", k - 1);
            goto fail;
        }
        if (n == 1) {
            rc = lm_writer_add_word(w, fields[1], strlen(fields[1]), p, bo, err);
        } else {
            for (int i = 0; i < n; i++) {
                long id = lm_writer_word_id(w, fields[1 + i], strlen(fields[1 + i]));
                if (id < 0) {
                    rc = LERR(UNSPIN_E_FORMAT, "word '%.40s' is not among the unigrams", fields[1 + i]);
                    goto fail;
                }
                ids[i] = (uint32_t)id;
            }
            rc = lm_writer_add(w, n, ids, p, bo, err);
        }
        if (rc < 0) {
            char msg[256];
            snprintf(msg, sizeof msg, "%s", err ? err->message : "invalid n-gram");
            rc = LERR(rc, "%s", msg);
            goto fail;
        }
    }
    if (!ended) {
        rc = us_error(err, UNSPIN_E_FORMAT, "%s:%lu: missing \\end\\ (truncated file?)", src->name, src->lineno);
        goto fail;
    }
    *out = w;
    return UNSPIN_OK;
fail:
    lm_writer_free(w);
    return rc;
}

int lm_arpa_read_memory(const char *data, size_t len, const char *name, lm_writer **out, unspin_error *err)
{
    line_src src = {0};
    src.data = data;
    src.len = len;
    src.name = name ? name : "<memory>";
    int rc = parse(&src, out, err);
    us_free(src.buf);
    return rc;
}

int lm_arpa_read_file(const char *path, lm_writer **out, unspin_error *err)
{
    *out = NULL;
    line_src src = {0};
    src.name = path;
    int is_stdin = strcmp(path, "-") == 0;
    src.f = is_stdin ? stdin : fopen(path, "r");
    if (!src.f)
        return us_error(err, UNSPIN_E_IO, "%s: %s", path, strerror(errno));
    int rc = parse(&src, out, err);
    us_free(src.buf);
    if (!is_stdin)
        fclose(src.f);
    return rc;
}

int unspin_lm_import_arpa(const char *arpa_path, const char *out_path, int quantize_bits, unspin_error *err)
{
    if (!arpa_path || !out_path)
        return us_error(err, UNSPIN_E_INVALID, "unspin_lm_import_arpa: NULL path");
    if (quantize_bits != 0 && (quantize_bits < 2 || quantize_bits > 16))
        return us_error(err, UNSPIN_E_INVALID, "quantisation to %d bits: use 0 (none) or 2 to 16", quantize_bits);
    lm_writer *w;
    US_TRY(lm_arpa_read_file(arpa_path, &w, err));
    lm_write_opts opts = {quantize_bits};
    int rc = lm_writer_finish(w, out_path, &opts, err);
    lm_writer_free(w);
    return rc;
}

/* ---- writing ---- */

typedef struct arpa_out {
    const unspin_lm *lm;
    FILE *f;
    int order;
} arpa_out;

static int put_ngram(void *ctx, int n, const unspin_word *ids, float logprob, float backoff)
{
    arpa_out *o = ctx;
    fprintf(o->f, "%.9g", (double)logprob);
    for (int i = 0; i < n; i++) {
        const char *s = unspin_lm_word_string(o->lm, ids[i]);
        if (!s)
            return UNSPIN_E_FORMAT;
        fputc(i ? ' ' : '\t', o->f);
        fputs(s, o->f);
    }
    if (n < o->order)
        fprintf(o->f, "\t%.9g", (double)backoff);
    fputc('\n', o->f);
    return ferror(o->f) ? UNSPIN_E_IO : 0;
}

int lm_arpa_write(const unspin_lm *lm, FILE *f, const char *name, unspin_error *err)
{
    arpa_out o = {lm, f, unspin_lm_order(lm)};
    fputs("\\data\\\n", f);
    for (int n = 1; n <= o.order; n++)
        fprintf(f, "ngram %d=%llu\n", n, (unsigned long long)unspin_lm_ngram_count(lm, n));
    for (int n = 1; n <= o.order; n++) {
        fprintf(f, "\n\\%d-grams:\n", n);
        int rc = lm_foreach_ngram(lm, n, put_ngram, &o);
        if (rc == UNSPIN_E_IO || ferror(f))
            return us_error(err, UNSPIN_E_IO, "%s: write error", name);
        if (rc)
            return us_error(err, UNSPIN_E_FORMAT, "corrupt %d-gram table (run 'unspin lm verify')", n);
    }
    fputs("\n\\end\\\n", f);
    if (fflush(f) != 0 || ferror(f))
        return us_error(err, UNSPIN_E_IO, "%s: write error: %s", name, strerror(errno));
    return UNSPIN_OK;
}

int unspin_lm_export_arpa(const unspin_lm *lm, const char *path, unspin_error *err)
{
    if (!lm || !path)
        return us_error(err, UNSPIN_E_INVALID, "unspin_lm_export_arpa: NULL argument");
    if (strcmp(path, "-") == 0)
        return lm_arpa_write(lm, stdout, "<stdout>", err);
    FILE *f = fopen(path, "w");
    if (!f)
        return us_error(err, UNSPIN_E_IO, "%s: %s", path, strerror(errno));
    int rc = lm_arpa_write(lm, f, path, err);
    if (fclose(f) != 0 && rc == UNSPIN_OK)
        rc = us_error(err, UNSPIN_E_IO, "%s: write error: %s", path, strerror(errno));
    return rc;
}
