/*
 * lex_sources.c - parsers of the thesaurus sources of the lexicon: WordNet 3.0
 * data files, MyThes .dat, Aiksaurus words.dat/meanings.dat, GCIDE (dictd
 * text). Each turns its source into links "spun -> original" in a lexb, as
 * seen from the original's entry: if thesaurus(w) lists s, a spinner that
 * started from w may have written s, so s gets the candidate w.
 * All parsers work on memory buffers, check every length, and never read
 * past the end (they are fuzzed).
 */
#include "lex_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ---------------------------------------------------------------- helpers */

typedef struct idvec {
    int64_t *v;
    size_t n, cap;
} idvec;

static int idvec_push(idvec *a, int64_t x)
{
    if (us_grow((void **)&a->v, &a->cap, a->n + 1, sizeof *a->v) < 0)
        return UNSPIN_E_NOMEM;
    a->v[a->n++] = x;
    return UNSPIN_OK;
}

/* Next line of buf[*pos..len): returns 0 at the end. */
static int next_line(const char *buf, size_t len, size_t *pos, const char **line, size_t *llen)
{
    if (*pos >= len)
        return 0;
    const char *s = buf + *pos;
    const char *nl = memchr(s, '\n', len - *pos);
    size_t n = nl ? (size_t)(nl - s) : len - *pos;
    *line = s;
    *llen = n;
    *pos += n + (nl ? 1 : 0);
    return 1;
}

/* next_line() without the trailing '\r's of a CRLF file. */
static int next_line_nocr(const char *buf, size_t len, size_t *pos, const char **line, size_t *llen)
{
    if (!next_line(buf, len, pos, line, llen))
        return 0;
    while (*llen && (*line)[*llen - 1] == '\r')
        (*llen)--;
    return 1;
}

static int intern_cleaned(lexb *b, const char *s, size_t n, int underscores, int64_t *id, unspin_error *err)
{
    char tmp[256];
    *id = -1;
    if (n == 0 || n >= sizeof tmp)
        return UNSPIN_OK;
    memcpy(tmp, s, n);
    if (underscores)
        for (size_t i = 0; i < n; i++)
            if (tmp[i] == '_' || tmp[i] == ':')
                tmp[i] = ' ';
    return lexb_intern(b, tmp, n, id, err);
}

/* ---------------------------------------------------------------- WordNet */

typedef struct wn_synset {
    uint32_t offset;
    uint32_t first; /* index into words */
    uint32_t count;
    uint32_t line;  /* line number (for pointers) */
} wn_synset;

typedef struct wn_file {
    wn_synset *ss;
    size_t n, cap;
} wn_file;

static int wn_file_index(char pos)
{
    switch (pos) {
    case 'n': return 0;
    case 'v': return 1;
    case 'a': case 's': return 2;
    case 'r': return 3;
    default: return -1;
    }
}

static const wn_synset *wn_find(const wn_file *f, uint32_t off)
{
    size_t lo = 0, hi = f->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->ss[mid].offset < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < f->n && f->ss[lo].offset == off ? &f->ss[lo] : NULL;
}

/* Split a line (up to '|') into fields separated by spaces. */
#define WN_MAX_FIELDS 4096
typedef struct fields {
    const char *p[WN_MAX_FIELDS];
    size_t n[WN_MAX_FIELDS];
    size_t count;
} fields;

static void split_fields(const char *s, size_t len, fields *f)
{
    f->count = 0;
    size_t i = 0;
    while (i < len && f->count < WN_MAX_FIELDS) {
        while (i < len && s[i] == ' ')
            i++;
        if (i >= len || s[i] == '|')
            break;
        size_t st = i;
        while (i < len && s[i] != ' ')
            i++;
        f->p[f->count] = s + st;
        f->n[f->count++] = i - st;
    }
}

static int parse_num(const char *s, size_t n, int base, uint32_t *out)
{
    if (n == 0 || n > 10)
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int d;
        char c = s[i];
        if (c >= '0' && c <= '9') d = c - '0';
        else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return 0;
        if (d >= base)
            return 0;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    if (v > 0xffffffffu)
        return 0;
    *out = (uint32_t)v;
    return 1;
}

static unsigned wn_relation(const char *s, size_t n)
{
    if ((n == 1 && s[0] == '@') || (n == 2 && s[0] == '@' && s[1] == 'i'))
        return UNSPIN_REL_HYPERNYM;
    if ((n == 1 && s[0] == '~') || (n == 2 && s[0] == '~' && s[1] == 'i'))
        return UNSPIN_REL_HYPONYM;
    if (n == 1 && s[0] == '&')
        return UNSPIN_REL_SIMILAR;
    if (n == 1 && s[0] == '^')
        return UNSPIN_REL_ALSO;
    if (n == 1 && s[0] == '+')
        return UNSPIN_REL_DERIV;
    if (n == 2 && (s[0] == '%' || s[0] == '#') && (s[1] == 'p' || s[1] == 'm' || s[1] == 's'))
        return UNSPIN_REL_PART;
    return 0;
}

int lex_parse_wordnet(lexb *b, const char *const data[4], const size_t len[4], const char *name,
                      unspin_error *err)
{
    static const char *const fname[4] = {"data.noun", "data.verb", "data.adj", "data.adv"};
    wn_file files[4];
    memset(files, 0, sizeof files);
    idvec words = {0};
    fields *f = us_malloc(sizeof *f);
    int rc = f ? UNSPIN_OK : us_error(err, UNSPIN_E_NOMEM, "%s: out of memory", name);

    /* pass 1: synsets and their words */
    for (int fi = 0; fi < 4 && rc == UNSPIN_OK; fi++) {
        if (!data[fi])
            continue;
        size_t pos = 0, llen;
        const char *line;
        uint32_t lineno = 0;
        while (rc == UNSPIN_OK && next_line(data[fi], len[fi], &pos, &line, &llen)) {
            lineno++;
            if (llen == 0 || line[0] == ' ')
                continue; /* licence header */
            split_fields(line, llen, f);
            uint32_t off, wcnt;
            if (f->count < 4 || !parse_num(f->p[0], f->n[0], 10, &off) ||
                !parse_num(f->p[3], f->n[3], 16, &wcnt) || 4 + 2 * (size_t)wcnt > f->count) {
                rc = us_error(err, UNSPIN_E_FORMAT, "%s/%s:%u: malformed synset line", name, fname[fi],
                              lineno);
                break;
            }
            if (files[fi].n && files[fi].ss[files[fi].n - 1].offset >= off) {
                rc = us_error(err, UNSPIN_E_FORMAT, "%s/%s:%u: synset offsets not increasing", name,
                              fname[fi], lineno);
                break;
            }
            if (us_grow((void **)&files[fi].ss, &files[fi].cap, files[fi].n + 1, sizeof(wn_synset)) < 0) {
                rc = us_error(err, UNSPIN_E_NOMEM, "%s: out of memory", name);
                break;
            }
            wn_synset *ss = &files[fi].ss[files[fi].n++];
            ss->offset = off;
            ss->first = (uint32_t)words.n;
            ss->count = wcnt;
            ss->line = lineno;
            for (uint32_t w = 0; w < wcnt && rc == UNSPIN_OK; w++) {
                const char *ws = f->p[4 + 2 * w];
                size_t wn = f->n[4 + 2 * w];
                /* adjective markers: "able(a)", "galore(ip)" */
                if (wn > 2 && ws[wn - 1] == ')') {
                    const char *lp = memchr(ws, '(', wn);
                    if (lp)
                        wn = (size_t)(lp - ws);
                }
                int64_t id;
                rc = intern_cleaned(b, ws, wn, 1, &id, err);
                if (rc == UNSPIN_OK && idvec_push(&words, id) < 0)
                    rc = us_error(err, UNSPIN_E_NOMEM, "%s: out of memory", name);
            }
            if (rc == UNSPIN_OK && ss->count)
                rc = lexb_group(b, words.v + ss->first, ss->count, UNSPIN_SRC_WORDNET, err);
        }
    }

    /* pass 2: pointers */
    for (int fi = 0; fi < 4 && rc == UNSPIN_OK; fi++) {
        if (!data[fi])
            continue;
        size_t pos = 0, llen, si = 0;
        const char *line;
        uint32_t lineno = 0;
        while (rc == UNSPIN_OK && next_line(data[fi], len[fi], &pos, &line, &llen)) {
            lineno++;
            if (llen == 0 || line[0] == ' ')
                continue;
            if (si >= files[fi].n)
                break;
            const wn_synset *src = &files[fi].ss[si++];
            split_fields(line, llen, f);
            size_t k = 4 + 2 * (size_t)src->count;
            uint32_t pcnt;
            if (k >= f->count || !parse_num(f->p[k], f->n[k], 10, &pcnt) || k + 1 + 4 * (size_t)pcnt > f->count) {
                rc = us_error(err, UNSPIN_E_FORMAT, "%s/%s:%u: malformed pointer list", name, fname[fi],
                              lineno);
                break;
            }
            k++;
            for (uint32_t p = 0; p < pcnt && rc == UNSPIN_OK; p++, k += 4) {
                unsigned rel = wn_relation(f->p[k], f->n[k]);
                if (!rel)
                    continue;
                uint32_t toff, st;
                int tf = f->n[k + 2] == 1 ? wn_file_index(f->p[k + 2][0]) : -1;
                if (!parse_num(f->p[k + 1], f->n[k + 1], 10, &toff) || tf < 0 || f->n[k + 3] != 4 ||
                    !parse_num(f->p[k + 3], 4, 16, &st)) {
                    rc = us_error(err, UNSPIN_E_FORMAT, "%s/%s:%u: malformed pointer", name, fname[fi], lineno);
                    break;
                }
                const wn_synset *dst = wn_find(&files[tf], toff);
                if (!dst)
                    continue; /* dangling pointer (file not given): skip */
                uint32_t sw = st >> 8, tw = st & 0xff;
                for (uint32_t a = 0; a < src->count && rc == UNSPIN_OK; a++) {
                    if (sw && a + 1 != sw)
                        continue;
                    for (uint32_t c = 0; c < dst->count && rc == UNSPIN_OK; c++) {
                        if (tw && c + 1 != tw)
                            continue;
                        /* the original is a word of src, the spun word is in dst */
                        rc = lexb_link(b, words.v[dst->first + c], words.v[src->first + a],
                                       UNSPIN_SRC_WORDNET, rel, err);
                    }
                }
            }
        }
    }
    for (int i = 0; i < 4; i++)
        us_free(files[i].ss);
    us_free(words.v);
    us_free(f);
    return rc;
}

/* ---------------------------------------------------------------- MyThes */

/* Convert ISO-8859-1 to UTF-8 into buf (cap >= 2n+1). */
static size_t latin1_to_utf8(const char *s, size_t n, char *buf)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            buf[o++] = (char)c;
        } else {
            buf[o++] = (char)(0xc0 | (c >> 6));
            buf[o++] = (char)(0x80 | (c & 0x3f));
        }
    }
    return o;
}

static int intern_enc(lexb *b, const char *s, size_t n, int latin1, int64_t *id, unspin_error *err)
{
    if (!latin1)
        return intern_cleaned(b, s, n, 0, id, err);
    char tmp[512];
    *id = -1;
    if (n > 250)
        return UNSPIN_OK;
    size_t m = latin1_to_utf8(s, n, tmp);
    return lexb_intern(b, tmp, m, id, err);
}

int lex_parse_mythes(lexb *b, const char *data, size_t len, const char *name, unspin_error *err)
{
    size_t pos = 0, llen;
    const char *line;
    uint32_t lineno = 0;
    if (!next_line_nocr(data, len, &pos, &line, &llen))
        return us_error(err, UNSPIN_E_FORMAT, "%s: empty thesaurus file", name);
    lineno++;
    int latin1 = 0;
    if (llen == 5 && memcmp(line, "UTF-8", 5) == 0)
        latin1 = 0;
    else if (llen >= 8 && (memcmp(line, "ISO8859-", 8) == 0 || memcmp(line, "ISO-8859", 8) == 0))
        latin1 = 1;
    else
        return us_error(err, UNSPIN_E_FORMAT, "%s:1: unknown encoding line (want UTF-8 or ISO8859-1)", name);
    while (next_line_nocr(data, len, &pos, &line, &llen)) {
        lineno++;
        if (!llen)
            continue;
        const char *bar = memchr(line, '|', llen);
        uint32_t nsenses;
        if (!bar || !parse_num(bar + 1, (size_t)(line + llen - bar - 1), 10, &nsenses))
            return us_error(err, UNSPIN_E_FORMAT, "%s:%u: expected 'word|count'", name, lineno);
        int64_t head;
        US_TRY(intern_enc(b, line, (size_t)(bar - line), latin1, &head, err));
        for (uint32_t s = 0; s < nsenses; s++) {
            if (!next_line_nocr(data, len, &pos, &line, &llen))
                return us_error(err, UNSPIN_E_FORMAT, "%s:%u: file ends inside an entry", name, lineno);
            lineno++;
            size_t i = 0;
            int field = 0;
            while (i <= llen) {
                size_t st = i;
                while (i < llen && line[i] != '|')
                    i++;
                const char *t = line + st;
                size_t tn = i - st;
                i++;
                if (field++ == 0)
                    continue; /* "(noun)" */
                unsigned rel = UNSPIN_REL_SYNONYM;
                while (tn && t[tn - 1] == ' ')
                    tn--;
                if (tn && t[tn - 1] == ')') {
                    const char *lp = NULL;
                    for (size_t k = tn; k-- > 0;)
                        if (t[k] == '(') { lp = t + k; break; }
                    if (lp) {
                        size_t an = (size_t)(t + tn - lp);
                        if (an == 14 && memcmp(lp, "(generic term)", 14) == 0) rel = UNSPIN_REL_HYPERNYM;
                        else if (an == 15 && memcmp(lp, "(specific term)", 15) == 0) rel = UNSPIN_REL_HYPONYM;
                        else if (an == 14 && memcmp(lp, "(similar term)", 14) == 0) rel = UNSPIN_REL_SIMILAR;
                        else if (an == 14 && memcmp(lp, "(related term)", 14) == 0) rel = UNSPIN_REL_RELATED;
                        else if (an == 9 && memcmp(lp, "(antonym)", 9) == 0) rel = 0;
                        tn = (size_t)(lp - t);
                    }
                }
                if (!rel || !tn)
                    continue;
                int64_t id;
                US_TRY(intern_enc(b, t, tn, latin1, &id, err));
                US_TRY(lexb_link(b, id, head, UNSPIN_SRC_MYTHES, rel, err));
                US_TRY(lexb_link(b, head, id, UNSPIN_SRC_MYTHES, UNSPIN_REL_RELATED, err));
            }
        }
    }
    return UNSPIN_OK;
}

/* ---------------------------------------------------------------- Aiksaurus */

/* words.dat: records "word\0" then big-endian uint16 meaning ids ending with
 * 0xffff (':' stands for a space in words). meanings.dat: records of
 * big-endian uint16: two title word ids, one unused value, then the word ids
 * of the meaning, ending with 0xffff. Word ids count records of words.dat. */
int lex_parse_aiksaurus(lexb *b, const unsigned char *wd, size_t wlen, const unsigned char *md, size_t mlen,
                        const char *name, unspin_error *err)
{
    idvec ids = {0}, grp = {0};
    int rc = UNSPIN_OK;
    size_t i = 0;
    while (i < wlen && rc == UNSPIN_OK) {
        const unsigned char *z = memchr(wd + i, 0, wlen - i);
        if (!z) {
            rc = us_error(err, UNSPIN_E_FORMAT, "%s/words.dat: offset %zu: unterminated word", name, i);
            break;
        }
        size_t n = (size_t)(z - (wd + i));
        int64_t id = -1;
        int latin = 0;
        for (size_t k = 0; k < n; k++)
            if (wd[i + k] >= 0x80)
                latin = 1;
        char tmp[256];
        if (n > 0 && n < 120) {
            memcpy(tmp, wd + i, n);
            for (size_t k = 0; k < n; k++)
                if (tmp[k] == ':')
                    tmp[k] = ' ';
            rc = intern_enc(b, tmp, n, latin, &id, err);
        }
        if (rc == UNSPIN_OK && idvec_push(&ids, id) < 0)
            rc = us_error(err, UNSPIN_E_NOMEM, "%s: out of memory", name);
        i += n + 1;
        for (;;) {
            if (i + 2 > wlen) {
                if (rc == UNSPIN_OK)
                    rc = us_error(err, UNSPIN_E_FORMAT, "%s/words.dat: offset %zu: truncated record", name, i);
                break;
            }
            unsigned v = (unsigned)wd[i] << 8 | wd[i + 1];
            i += 2;
            if (v == 0xffff)
                break;
        }
    }
    i = 0;
    size_t rec = 0;
    while (i < mlen && rc == UNSPIN_OK) {
        grp.n = 0;
        size_t k = 0;
        for (;; k++) {
            if (i + 2 > mlen) {
                rc = us_error(err, UNSPIN_E_FORMAT, "%s/meanings.dat: offset %zu: truncated record", name, i);
                break;
            }
            unsigned v = (unsigned)md[i] << 8 | md[i + 1];
            i += 2;
            if (v == 0xffff)
                break;
            if (k < 3)
                continue;
            if (v >= ids.n) {
                rc = us_error(err, UNSPIN_E_FORMAT, "%s/meanings.dat: offset %zu: word id %u out of range",
                              name, i - 2, v);
                break;
            }
            if (ids.v[v] >= 0 && idvec_push(&grp, ids.v[v]) < 0)
                rc = us_error(err, UNSPIN_E_NOMEM, "%s: out of memory", name);
        }
        if (rc == UNSPIN_OK)
            rc = lexb_group(b, grp.v, grp.n, UNSPIN_SRC_AIKSAURUS, err);
        rec++;
    }
    us_free(ids.v);
    us_free(grp.v);
    return rc;
}

/* ---------------------------------------------------------------- GCIDE */

static int gcide_item(lexb *b, int64_t head, const char *s, size_t n, unspin_error *err)
{
    char tmp[256];
    size_t o = 0;
    int depth = 0;
    for (size_t i = 0; i < n && o < sizeof tmp - 1; i++) {
        char c = s[i];
        if (c == '(' || c == '[') { depth++; continue; }
        if (c == ')' || c == ']') { if (depth) depth--; continue; }
        if (depth || c == '{' || c == '}' || c == '\n' || c == '\r' || c == '\t') {
            if (c == '\n' || c == '\t' || c == '\r')
                tmp[o++] = ' ';
            continue;
        }
        tmp[o++] = c;
    }
    size_t st = 0;
    while (st < o && tmp[st] == ' ')
        st++;
    while (o > st && (tmp[o - 1] == ' ' || tmp[o - 1] == '.'))
        o--;
    if (o - st >= 4 && (memcmp(tmp + st, "See ", 4) == 0 || memcmp(tmp + st, "see ", 4) == 0))
        return UNSPIN_OK;
    if (o - st > 3 && (memcmp(tmp + st, "To ", 3) == 0 || memcmp(tmp + st, "to ", 3) == 0))
        st += 3;
    if (o <= st)
        return UNSPIN_OK;
    int64_t id;
    US_TRY(lexb_intern(b, tmp + st, o - st, &id, err));
    return lexb_link(b, id, head, UNSPIN_SRC_GCIDE, UNSPIN_REL_SYNONYM, err);
}

int lex_parse_gcide(lexb *b, const char *data, size_t len, const char *name, unspin_error *err)
{
    (void)name;
    size_t pos = 0, llen;
    const char *line;
    int64_t head = -1;
    while (next_line(data, len, &pos, &line, &llen)) {
        if (llen && line[0] != ' ' && line[0] != '\t') {
            /* "Word \Pro*nun"ci*a`tion\, n." */
            const char *bs = NULL;
            for (size_t i = 0; i + 1 < llen; i++)
                if (line[i] == ' ' && line[i + 1] == '\\') { bs = line + i; break; }
            if (bs) {
                size_t hn = (size_t)(bs - line);
                int bad = 0;
                for (size_t i = 0; i < hn; i++)
                    if (line[i] == '[' || line[i] == '"' || line[i] == '*' || line[i] == '\\')
                        bad = 1;
                head = -1;
                if (!bad)
                    US_TRY(lexb_intern(b, line, hn, &head, err));
            }
            continue;
        }
        size_t i = 0;
        while (i < llen && line[i] == ' ')
            i++;
        if (llen - i < 4 || memcmp(line + i, "Syn:", 4) != 0 || head < 0)
            continue;
        /* gather the block: this line and the indented lines after it */
        const char *bstart = line + i + 4;
        size_t bend = pos; /* end offset in data */
        size_t p2 = pos, l2;
        const char *ln2;
        const char *block_end = line + llen;
        while (next_line(data, len, &p2, &ln2, &l2)) {
            size_t j = 0;
            while (j < l2 && ln2[j] == ' ')
                j++;
            if (j == l2 || j == 0 || ln2[j] == '[' || (l2 - j >= 5 && memcmp(ln2 + j, "Note:", 5) == 0) ||
                (l2 - j >= 6 && memcmp(ln2 + j, "Usage:", 6) == 0) || (l2 - j >= 4 && memcmp(ln2 + j, "Syn:", 4) == 0))
                break;
            block_end = ln2 + l2;
            bend = p2;
        }
        pos = bend;
        const char *s = bstart, *e = block_end;
        while (s < e && (*s == ' ' || *s == '-'))
            s++;
        /* cut at " --" (run-on entries) */
        for (const char *q = s; q + 2 < e; q++)
            if (q[0] == ' ' && q[1] == '-' && q[2] == '-') { e = q; break; }
        const char *it = s;
        for (const char *q = s; q <= e; q++) {
            if (q == e || *q == ';' || *q == ',') {
                US_TRY(gcide_item(b, head, it, (size_t)(q - it), err));
                it = q + 1;
            }
        }
    }
    return UNSPIN_OK;
}

/* ---------------------------------------------------------------- Moby */

/* Moby thesaurus (words.txt of the npm "moby" package): one entry a line,
 * "root,syn,syn,...". The root is the original; each synonym may be spun. */
int lex_parse_moby(lexb *b, const char *data, size_t len, const char *name, unspin_error *err)
{
    size_t pos = 0, llen;
    const char *line;
    uint32_t lineno = 0;
    while (next_line_nocr(data, len, &pos, &line, &llen)) {
        lineno++;
        if (!llen)
            continue;
        const char *comma = memchr(line, ',', llen);
        if (!comma)
            return us_error(err, UNSPIN_E_FORMAT, "%s:%u: expected 'word,synonym,...'", name, lineno);
        int64_t head;
        US_TRY(intern_cleaned(b, line, (size_t)(comma - line), 0, &head, err));
        if (head < 0)
            continue;
        const char *it = comma + 1, *e = line + llen;
        for (const char *q = it; q <= e; q++) {
            if (q == e || *q == ',') {
                int64_t id;
                US_TRY(intern_cleaned(b, it, (size_t)(q - it), 0, &id, err));
                US_TRY(lexb_link(b, id, head, UNSPIN_SRC_MOBY, UNSPIN_REL_SYNONYM, err));
                US_TRY(lexb_link(b, head, id, UNSPIN_SRC_MOBY, UNSPIN_REL_RELATED, err));
                it = q + 1;
            }
        }
    }
    return UNSPIN_OK;
}

/* ---------------------------------------------------------------- gzip */

int lex_read_gzip(const char *path, char **data, size_t *len, unspin_error *err)
{
    gzFile g = gzopen(path, "rb");
    if (!g)
        return us_error(err, UNSPIN_E_IO, "%s: cannot open", path);
    size_t cap = 1 << 20, n = 0;
    char *buf = us_malloc(cap);
    if (!buf) {
        gzclose(g);
        return us_error(err, UNSPIN_E_NOMEM, "%s: out of memory", path);
    }
    for (;;) {
        if (cap - n < (1u << 16)) {
            if (us_grow((void **)&buf, &cap, n + (1u << 20), 1) < 0) {
                us_free(buf);
                gzclose(g);
                return us_error(err, UNSPIN_E_NOMEM, "%s: out of memory", path);
            }
        }
        int r = gzread(g, buf + n, (unsigned)(cap - n > (1u << 30) ? (1u << 30) : cap - n));
        if (r < 0) {
            int e;
            const char *msg = gzerror(g, &e);
            us_error(err, UNSPIN_E_FORMAT, "%s: offset %zu: %s", path, n, msg ? msg : "gzip error");
            us_free(buf);
            gzclose(g);
            return UNSPIN_E_FORMAT;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    gzclose(g);
    *data = buf;
    *len = n;
    return UNSPIN_OK;
}
