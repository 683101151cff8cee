/*
 * tokenizer.c - split any byte string into word, number, punctuation, space,
 * URL and "other" tokens (rules and examples: docs/tokenizer.md).
 *
 * Design: every token is decided by a scanner that looks only at the text
 * from the token's start onwards plus the tokenizer state (quotes, sentence
 * start, previous token). All reads go through tk_dec()/tk_byte(), which
 * note when a read falls past the end of a non-final block: the token is
 * then left unconsumed, so tokens never depend on where blocks were cut.
 * Reads are also capped at UNSPIN_TOKEN_MAX_LEN bytes from the token start,
 * which splits over-long tokens and guarantees progress.
 */
#include "internal.h"

#include <string.h>
#include <utf8proc.h>

typedef struct tk_state {
    unsigned char sent;      /* next word/number starts a sentence */
    unsigned char quote;     /* inside double quotes */
    unsigned char squote;    /* inside single quotes opened by U+2018 */
    unsigned char prev_word; /* previous token is a word or number */
    unsigned char prev_s;    /* ... and ends with 's' or 'S' */
} tk_state;

struct unspin_tokenizer {
    unspin_token *toks;
    size_t cap_toks;
    size_t *offs; /* norm offset in the arena per token (SIZE_MAX: static string) */
    size_t cap_offs;
    char *arena;
    size_t arena_len, arena_cap;
    int32_t *ubuf; /* code point scratch for utf8proc */
    size_t ubuf_cap;
    tk_state st;
};

/* ---- character classes ---- */
enum { C_LETTER, C_MARK, C_DIGIT, C_SPACE, C_PUNCT, C_OTHER };

/* ASCII classes: L letter, D digit, S space, P punctuation, O other (control) */
static const char ascii_cls[129] =
    "OOOOOOOOOSSSSSOOOOOOOOOOOOOOOOOO"  /* 0x00-0x1f */
    "SPPPOPPPPPPOPPPP" "DDDDDDDDDDPPOOOP" /* 0x20-0x3f: ! " # $ % & ' ( ) * + , - . / 0-9 : ; < = > ? */
    "PLLLLLLLLLLLLLLL" "LLLLLLLLLLLPPPOP" /* 0x40-0x5f */
    "OLLLLLLLLLLLLLLL" "LLLLLLLLLLLPPPOO"; /* 0x60-0x7f */

static int tk_class(int32_t cp)
{
    if (cp < 0x80) {
        switch (ascii_cls[cp]) {
        case 'L': return C_LETTER;
        case 'D': return C_DIGIT;
        case 'S': return C_SPACE;
        case 'P': return C_PUNCT;
        default: return C_OTHER;
        }
    }
    if (cp == 0x85)
        return C_SPACE;
    if (cp == 0x200C || cp == 0x200D) /* ZWNJ, ZWJ join inside words */
        return C_MARK;
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
        return C_LETTER;
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
        return C_MARK;
    case UTF8PROC_CATEGORY_ND:
        return C_DIGIT;
    case UTF8PROC_CATEGORY_ZS: case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP:
        return C_SPACE;
    case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE: case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
        return C_PUNCT;
    default:
        return C_OTHER;
    }
}

/* ---- bounded reading ---- */
typedef struct tk_scan {
    const unsigned char *s;
    size_t len;    /* block length */
    size_t capend; /* token start + UNSPIN_TOKEN_MAX_LEN */
    int final;
    int more; /* a read needed bytes past the end of a non-final block */
} tk_scan;

/* Byte at i, or -1 past the cap or the block (then notes `more`). */
static inline int tk_byte(tk_scan *c, size_t i)
{
    if (i >= c->capend)
        return -1;
    if (i >= c->len) {
        if (!c->final)
            c->more = 1;
        return -1;
    }
    return c->s[i];
}

/* Decode the character at i: returns its length (1..4) and *cp; 0 at the end
 * (cap or block end: then `more` is noted if the block is not final); -1 for
 * an invalid byte (including a sequence truncated by the end of a final block). */
static int tk_dec(tk_scan *c, size_t i, int32_t *cp)
{
    int b = tk_byte(c, i);
    if (b < 0)
        return 0;
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    int n;
    int32_t v;
    unsigned lo = 0x80, hi = 0xBF; /* range of the second byte */
    if (b >= 0xC2 && b <= 0xDF) { n = 2; v = b & 0x1F; }
    else if (b >= 0xE0 && b <= 0xEF) {
        n = 3; v = b & 0x0F;
        if (b == 0xE0) lo = 0xA0;
        if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        n = 4; v = b & 0x07;
        if (b == 0xF0) lo = 0x90;
        if (b == 0xF4) hi = 0x8F;
    } else
        return -1;
    for (int k = 1; k < n; k++) {
        size_t j = i + (size_t)k;
        if (j >= c->capend)
            return 0;
        if (j >= c->len) {
            if (c->final)
                return -1;
            c->more = 1;
            return 0;
        }
        unsigned x = c->s[j];
        if (k == 1 ? (x < lo || x > hi) : ((x & 0xC0) != 0x80))
            return -1;
        v = (v << 6) | (int32_t)(x & 0x3F);
    }
    *cp = v;
    return n;
}

/* ---- token description produced by the scanners ---- */
enum { Q_NONE, Q_OPEN, Q_CLOSE, Q_TOGGLE, Q_SOPEN, Q_SCLOSE };

typedef struct tk_tok {
    size_t end;
    unspin_token_kind kind;
    unsigned flags;   /* INVALID, NEWLINE, PARAGRAPH */
    int quote;        /* Q_* action of a quotation mark */
    int sent_end;     /* . ! ? */
    const char *norm; /* static norm, or NULL to compute */
} tk_tok;

static int is_apos(int32_t cp) { return cp == '\'' || cp == 0x2019; }
static int is_hyphen(int32_t cp) { return cp == '-' || cp == 0x2010 || cp == 0x2011; }

static int ascii_lower(int b) { return b >= 'A' && b <= 'Z' ? b + 32 : b; }

/* Abbreviations that keep their final dot. First group: any case. Second:
 * only when capitalised (they are also ordinary words: "Ill.", "Mass."). */
static const char *const abbr_any[] = {"vs", "etc", "al", "cf", "approx", "viz", NULL};
static const char *const abbr_title[] = {
    "mr", "mrs", "ms", "messrs", "dr", "prof", "gov", "sen", "rep", "gen", "lt", "col", "capt",
    "sgt", "maj", "adm", "cmdr", "cpl", "pvt", "rev", "hon", "pres", "supt", "st", "jr", "sr",
    "inc", "corp", "co", "ltd", "bros", "dept", "univ", "ave", "blvd", "rd", "mt", "ft",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "ala", "ariz", "ark", "calif", "colo", "conn", "del", "fla", "ga", "ill", "ind", "kan",
    "ky", "la", "md", "mass", "mich", "minn", "miss", "mo", "mont", "neb", "nev", "okla",
    "ore", "pa", "tenn", "va", "vt", "wash", "wis", "wyo", "fig", "figs", "eq", "vol", "ch", "sec", "ref", NULL};

static int in_list(const char *const *list, const unsigned char *w, size_t n)
{
    char low[8];
    if (n == 0 || n >= sizeof low)
        return 0;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)ascii_lower(w[i]);
    low[n] = 0;
    for (; *list; list++)
        if (strcmp(*list, low) == 0)
            return 1;
    return 0;
}

static int is_upper_cp(int32_t cp)
{
    if (cp < 0x80)
        return cp >= 'A' && cp <= 'Z';
    utf8proc_category_t k = utf8proc_category(cp);
    return k == UTF8PROC_CATEGORY_LU || k == UTF8PROC_CATEGORY_LT;
}

/* Word or number starting at p (a letter or digit). noabbr: no abbreviation dots. */
static void scan_alnum(tk_scan *c, size_t p, int noabbr, tk_tok *t)
{
    const unsigned char *s = c->s;
    size_t i = p;
    int32_t cp, first_cp = 0;
    int first_digit = -1, has_letter = 0, has_digit = 0, has_hyph = 0, has_apos = 0, nlet = 0;
    int prev = 0; /* class of the previous letter/digit */
    for (;;) {
        /* ASCII letters fast path */
        if (i < c->len && i < c->capend && ascii_cls[s[i] & 0x7f] == 'L' && s[i] < 0x80) {
            if (first_digit < 0) { first_digit = 0; first_cp = s[i]; }
            size_t lim = c->len < c->capend ? c->len : c->capend;
            size_t j = i + 1;
            while (j < lim && s[j] < 0x80 && ascii_cls[s[j]] == 'L')
                j++;
            nlet += (int)(j - i);
            i = j;
            has_letter = 1;
            prev = C_LETTER;
            continue;
        }
        int n = tk_dec(c, i, &cp);
        if (n <= 0)
            break;
        int k = tk_class(cp);
        if (k == C_LETTER || k == C_DIGIT) {
            if (first_digit < 0) { first_digit = k == C_DIGIT; first_cp = cp; }
            if (k == C_LETTER) { has_letter = 1; nlet++; }
            else has_digit = 1;
            prev = k;
            i += (size_t)n;
            continue;
        }
        if (k == C_MARK && first_digit >= 0) {
            i += (size_t)n;
            continue;
        }
        int32_t cp2;
        if (is_hyphen(cp)) {
            int m = tk_dec(c, i + (size_t)n, &cp2);
            if (m <= 0)
                break;
            int k2 = tk_class(cp2);
            if ((k2 == C_LETTER && (prev == C_LETTER || prev == C_DIGIT)) ||
                (k2 == C_DIGIT && prev == C_LETTER)) {
                has_hyph = 1;
                i += (size_t)n;
                continue;
            }
            break;
        }
        if (is_apos(cp)) {
            if (prev != C_LETTER)
                break;
            int m = tk_dec(c, i + (size_t)n, &cp2);
            if (m <= 0 || tk_class(cp2) != C_LETTER)
                break;
            has_apos = 1;
            i += (size_t)n;
            continue;
        }
        if ((cp == ',' || cp == '.') && prev == C_DIGIT && !has_letter && !has_hyph) {
            int m = tk_dec(c, i + 1, &cp2);
            if (m > 0 && tk_class(cp2) == C_DIGIT) {
                i += 1;
                continue;
            }
            break;
        }
        if (cp == '.' && !noabbr && has_letter && !has_digit && !has_hyph && !has_apos) {
            if (nlet == 1) {
                /* dotted letters: U.N., e.g., a.m.; or an initial: "J." */
                size_t j = i + 1;
                int pairs = 1;
                for (;;) {
                    int32_t a, b;
                    int m1 = tk_dec(c, j, &a);
                    if (m1 <= 0 || tk_class(a) != C_LETTER)
                        break;
                    int m2 = tk_dec(c, j + (size_t)m1, &b);
                    if (m2 <= 0 || b != '.')
                        break;
                    pairs++;
                    j += (size_t)m1 + 1;
                }
                if (pairs >= 2) {
                    t->end = j;
                    t->kind = UNSPIN_TOKEN_WORD;
                    return;
                }
                if (is_upper_cp(first_cp) && first_cp != 'I') {
                    t->end = i + 1;
                    t->kind = UNSPIN_TOKEN_WORD;
                    return;
                }
                break;
            }
            size_t wl = i - p;
            int cap = s[p] >= 'A' && s[p] <= 'Z';
            if (in_list(abbr_any, s + p, wl) || (cap && in_list(abbr_title, s + p, wl))) {
                t->end = i + 1;
                t->kind = UNSPIN_TOKEN_WORD;
                return;
            }
            if (wl == 2 && ascii_lower(s[p]) == 'n' && ascii_lower(s[p + 1]) == 'o') {
                /* "No." before a number */
                int b = tk_byte(c, i + 1);
                if (b == ' ')
                    b = tk_byte(c, i + 2);
                if (b >= '0' && b <= '9') {
                    t->end = i + 1;
                    t->kind = UNSPIN_TOKEN_WORD;
                    return;
                }
            }
            break;
        }
        break;
    }
    t->end = i;
    t->kind = (first_digit == 1 && !has_hyph) ? UNSPIN_TOKEN_NUMBER : UNSPIN_TOKEN_WORD;
    if (i - p + 8 > UNSPIN_TOKEN_MAX_LEN || !has_letter)
        return; /* piece of an over-long token, or no letters: no clitics */
    /* clitics at the end: n't, 's 're 've 'll 'd 'm (straight or curly apostrophe) */
    size_t w = i - p;
    const unsigned char *e = s + i; /* one past the word */
    /* n't */
    if (w >= 3 && ascii_lower(e[-1]) == 't') {
        size_t al = 0;
        if (e[-2] == '\'') al = 1;
        else if (w >= 5 && e[-4] == 0xE2 && e[-3] == 0x80 && e[-2] == 0x99) al = 3;
        if (al && w >= al + 2 && ascii_lower(e[-2 - (ptrdiff_t)al]) == 'n') {
            size_t split = i - al - 2;
            if (split > p)
                t->end = split;
            t->kind = UNSPIN_TOKEN_WORD;
            return;
        }
    }
    if (!has_apos)
        return;
    static const char *const cl[] = {"s", "re", "ve", "ll", "d", "m"};
    for (size_t k = 0; k < US_ARRAY_LEN(cl); k++) {
        size_t n = strlen(cl[k]);
        if (w < n + 2)
            continue;
        int ok = 1;
        for (size_t j = 0; j < n; j++)
            if (ascii_lower(e[-(ptrdiff_t)n + (ptrdiff_t)j]) != cl[k][j])
                ok = 0;
        if (!ok)
            continue;
        const unsigned char *a = e - n;
        if (a[-1] == '\'') {
            t->end = i - n - 1;
        } else if (w >= n + 4 && a[-3] == 0xE2 && a[-2] == 0x80 && a[-1] == 0x99) {
            t->end = i - n - 3;
        } else
            continue;
        t->kind = UNSPIN_TOKEN_WORD;
        return;
    }
}

/* An e-mail address at p (ASCII letter or digit): returns its end or 0. */
static size_t scan_email(tk_scan *c, size_t p)
{
    size_t i = p;
    int b;
    while ((b = tk_byte(c, i)) >= 0 && b < 0x80 &&
           (ascii_cls[b] == 'L' || ascii_cls[b] == 'D' || b == '.' || b == '_' || b == '%' || b == '+' ||
            b == '-'))
        i++;
    if (b != '@' || i == p)
        return 0;
    i++;
    size_t end = 0;
    int labels = 0, lastalpha = 0;
    for (;;) {
        size_t st = i;
        int alpha = 1;
        while ((b = tk_byte(c, i)) >= 0 && b < 0x80 && (ascii_cls[b] == 'L' || ascii_cls[b] == 'D' || b == '-')) {
            if (ascii_cls[b] != 'L')
                alpha = 0;
            i++;
        }
        if (i == st)
            break;
        labels++;
        end = i;
        lastalpha = alpha && i - st >= 2;
        if (b != '.')
            break;
        i++;
    }
    return labels >= 2 && lastalpha ? end : 0;
}

static int match_ci(tk_scan *c, size_t p, const char *lit)
{
    for (size_t k = 0; lit[k]; k++)
        if (ascii_lower(tk_byte(c, p + k)) != lit[k])
            return 0;
    return 1;
}

static int url_stop(int32_t cp)
{
    return cp == '<' || cp == '>' || cp == '"' || cp == 0x201C || cp == 0x201D || cp == 0x2018 ||
           cp == 0x2019 || cp == 0xAB || cp == 0xBB || cp == '`' || cp == '{' || cp == '}' || cp == '|' ||
           cp == '\\' || cp == '^';
}

/* A URL at p (http://, https://, www.): returns its end or 0. */
static size_t scan_url(tk_scan *c, size_t p)
{
    size_t i;
    if (match_ci(c, p, "http://")) i = p + 7;
    else if (match_ci(c, p, "https://")) i = p + 8;
    else if (match_ci(c, p, "www.")) {
        int b = tk_byte(c, p + 4);
        if (b < 0 || b >= 0x80 || (ascii_cls[b] != 'L' && ascii_cls[b] != 'D'))
            return 0;
        i = p + 4;
    } else
        return 0;
    size_t start = i;
    int32_t cp;
    int n;
    while ((n = tk_dec(c, i, &cp)) > 0) {
        int k = tk_class(cp);
        if (k == C_SPACE || url_stop(cp) || cp < 0x20 || cp == 0x7f)
            break;
        i += (size_t)n;
    }
    /* trailing punctuation is not part of the URL; ")" only when unbalanced */
    while (i > start) {
        unsigned char b = c->s[i - 1];
        if (b == '.' || b == ',' || b == ';' || b == ':' || b == '!' || b == '?' || b == '\'' || b == '*') {
            i--;
            continue;
        }
        if (b == ')' || b == ']') {
            unsigned char o = b == ')' ? '(' : '[';
            int bal = 0;
            for (size_t j = p; j < i; j++)
                bal += c->s[j] == o ? 1 : c->s[j] == b ? -1 : 0;
            if (bal < 0) {
                i--;
                continue;
            }
        }
        break;
    }
    return i > start ? i : 0;
}

static int is_emoji_modifier(int32_t cp)
{
    return (cp >= 0x1F3FB && cp <= 0x1F3FF) || cp == 0xFE0F || cp == 0xFE0E || (cp >= 0xE0020 && cp <= 0xE007F) ||
           cp == 0x20E3;
}

static void scan_token(const tk_state *st, tk_scan *c, size_t p, tk_tok *t)
{
    int32_t cp, cp2;
    memset(t, 0, sizeof *t);
    int n = tk_dec(c, p, &cp);
    if (n == 0)
        return; /* truncated sequence at the end of a non-final block: more set */
    if (n < 0) {
        /* a run of invalid bytes */
        size_t i = p + 1;
        while (tk_dec(c, i, &cp2) < 0)
            i++;
        t->end = i;
        t->kind = UNSPIN_TOKEN_OTHER;
        t->flags = UNSPIN_TOKEN_INVALID;
        return;
    }
    int k = tk_class(cp);
    if (k == C_LETTER || k == C_DIGIT) {
        if (cp < 0x80) {
            size_t e = 0;
            if (cp == 'h' || cp == 'H' || cp == 'w' || cp == 'W')
                e = scan_url(c, p);
            if (!e)
                e = scan_email(c, p);
            if (c->more)
                return;
            if (e) {
                t->end = e;
                t->kind = UNSPIN_TOKEN_URL;
                return;
            }
        }
        scan_alnum(c, p, 0, t);
        return;
    }
    if (k == C_SPACE) {
        size_t i = p;
        int nl = 0, cr = 0;
        while ((n = tk_dec(c, i, &cp)) > 0 && tk_class(cp) == C_SPACE) {
            if (cp == '\n') {
                if (!cr)
                    nl++;
            } else if (cp == '\r' || cp == 0x85 || cp == 0x2028)
                nl++;
            else if (cp == 0x2029)
                nl += 2;
            cr = cp == '\r';
            i += (size_t)n;
        }
        t->end = i;
        t->kind = UNSPIN_TOKEN_SPACE;
        t->flags = nl ? UNSPIN_TOKEN_NEWLINE : 0;
        if (nl >= 2)
            t->flags |= UNSPIN_TOKEN_PARAGRAPH;
        t->norm = nl ? "\n" : " ";
        return;
    }
    t->end = p + (size_t)n;
    t->kind = k == C_PUNCT ? UNSPIN_TOKEN_PUNCT : UNSPIN_TOKEN_OTHER;
    switch (cp) {
    case '"': t->quote = Q_TOGGLE; return;
    case 0x201C: case 0x201E: case 0xAB: t->quote = Q_OPEN; return;
    case 0x201D: case 0xBB: t->quote = Q_CLOSE; return;
    case '!': case '?': case 0x3002: case 0xFF01: case 0xFF1F:
        t->sent_end = 1;
        return;
    case '.': case '-': {
        /* runs: "..." and "--" are one token; a single "." ends a sentence */
        size_t i = t->end;
        while (tk_byte(c, i) == cp)
            i++;
        t->end = i;
        t->sent_end = cp == '.' && i == p + 1;
        return;
    }
    case 0x2018:
        if (!st->prev_word) {
            int m = tk_dec(c, t->end, &cp2);
            if (m > 0 && (tk_class(cp2) == C_LETTER || tk_class(cp2) == C_DIGIT))
                t->quote = Q_SOPEN;
        }
        return;
    case '\'': case 0x2019:
        if (st->prev_word) {
            /* clitic: 's 're 've 'll 'd 'm after a word */
            int m = tk_dec(c, t->end, &cp2);
            if (m > 0 && tk_class(cp2) == C_LETTER) {
                tk_tok w;
                memset(&w, 0, sizeof w);
                scan_alnum(c, t->end, 1, &w);
                size_t wl = w.end - t->end;
                if (c->more)
                    return;
                if (wl >= 1 && wl <= 2 &&
                    (in_list((const char *const[]){"s", "re", "ve", "ll", "d", "m", NULL}, c->s + t->end, wl))) {
                    t->end = w.end;
                    t->kind = UNSPIN_TOKEN_WORD;
                    return;
                }
            }
            if (cp == 0x2019 && st->squote) {
                t->quote = Q_SCLOSE;
                return;
            }
            if (st->prev_s && !(m > 0 && (tk_class(cp2) == C_LETTER || tk_class(cp2) == C_DIGIT))) {
                t->kind = UNSPIN_TOKEN_WORD; /* possessive plural: states' */
                return;
            }
            return;
        }
        if (cp == 0x2019 && st->squote)
            t->quote = Q_SCLOSE;
        return;
    default:
        break;
    }
    if (k == C_OTHER || k == C_MARK) {
        /* a symbol or emoji with its modifiers, marks and ZWJ sequences; a
         * run of stray combining marks */
        size_t i = t->end;
        t->kind = UNSPIN_TOKEN_OTHER;
        if (cp < 0x80)
            return; /* control character */
        while ((n = tk_dec(c, i, &cp2)) > 0) {
            int k2 = tk_class(cp2);
            if (cp2 == 0x200D) {
                int32_t cp3;
                int m = tk_dec(c, i + (size_t)n, &cp3);
                if (m > 0 && tk_class(cp3) == C_OTHER && cp3 >= 0x80) {
                    i += (size_t)n + (size_t)m;
                    continue;
                }
                break;
            }
            if ((k2 == C_MARK || is_emoji_modifier(cp2)) ||
                (cp >= 0x1F1E6 && cp <= 0x1F1FF && cp2 >= 0x1F1E6 && cp2 <= 0x1F1FF && i == p + 4)) {
                i += (size_t)n;
                continue;
            }
            break;
        }
        t->end = i;
    }
}

/* ---- lifecycle ---- */
int unspin_tokenizer_create(unspin_tokenizer **out, unspin_error *err)
{
    if (!out)
        return us_error(err, UNSPIN_E_INVALID, "tokenizer: NULL output argument");
    *out = NULL;
    unspin_tokenizer *tk = us_calloc(1, sizeof *tk);
    if (!tk)
        return us_error(err, UNSPIN_E_NOMEM, "tokenizer: out of memory");
    unspin_tokenizer_reset(tk);
    *out = tk;
    return UNSPIN_OK;
}

void unspin_tokenizer_free(unspin_tokenizer *tk)
{
    if (!tk)
        return;
    us_free(tk->toks);
    us_free(tk->offs);
    us_free(tk->arena);
    us_free(tk->ubuf);
    us_free(tk);
}

void unspin_tokenizer_reset(unspin_tokenizer *tk)
{
    if (!tk)
        return;
    memset(&tk->st, 0, sizeof tk->st);
    tk->st.sent = 1;
}

/* ---- normalisation ---- */
static int arena_reserve(unspin_tokenizer *tk, size_t n)
{
    if (tk->arena_len + n <= tk->arena_cap)
        return UNSPIN_OK;
    void *a = tk->arena;
    size_t cap = tk->arena_cap;
    if (us_grow(&a, &cap, tk->arena_len + n, 1) < 0)
        return UNSPIN_E_NOMEM;
    tk->arena = a;
    tk->arena_cap = cap;
    return UNSPIN_OK;
}

/* Append the normal form of s[0..n) to the arena, NUL-terminated; *outlen = its length. */
static int normalise(unspin_tokenizer *tk, const unsigned char *s, size_t n, unsigned flags, size_t *outlen)
{
    int ascii = 1;
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 0x80) { ascii = 0; break; }
    if (ascii || (flags & UNSPIN_TOKEN_INVALID)) {
        if (arena_reserve(tk, n + 1) < 0)
            return UNSPIN_E_NOMEM;
        char *o = tk->arena + tk->arena_len;
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (s[i]) /* a NUL character has an empty norm */
                o[k++] = (char)ascii_lower(s[i]);
        o[k] = 0;
        tk->arena_len += k + 1;
        *outlen = k;
        return UNSPIN_OK;
    }
    const utf8proc_option_t opt = UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE | UTF8PROC_STABLE;
    utf8proc_ssize_t r;
    for (;;) {
        r = utf8proc_decompose(s, (utf8proc_ssize_t)n, tk->ubuf, (utf8proc_ssize_t)tk->ubuf_cap, opt);
        if (r < 0)
            break;
        if ((size_t)r <= tk->ubuf_cap)
            break;
        void *b = tk->ubuf;
        size_t cap = tk->ubuf_cap;
        if (us_grow(&b, &cap, (size_t)r, sizeof(int32_t)) < 0)
            return UNSPIN_E_NOMEM;
        tk->ubuf = b;
        tk->ubuf_cap = cap;
    }
    size_t m = 0;
    const unsigned char *src = s;
    if (r >= 0) {
        r = utf8proc_reencode(tk->ubuf, r, opt);
        if (r >= 0) {
            src = (const unsigned char *)tk->ubuf;
            m = (size_t)r;
        }
    }
    if (r < 0) { /* cannot happen for valid UTF-8; keep the bytes */
        src = s;
        m = n;
    }
    if (arena_reserve(tk, m + 1) < 0)
        return UNSPIN_E_NOMEM;
    char *o = tk->arena + tk->arena_len;
    size_t k = 0;
    for (size_t i = 0; i < m; i++) {
        if (src[i] == 0xE2 && i + 2 < m && src[i + 1] == 0x80) {
            unsigned char x = src[i + 2];
            if (x == 0x98 || x == 0x99) { o[k++] = '\''; i += 2; continue; }
            if (x == 0x9C || x == 0x9D || x == 0x9E) { o[k++] = '"'; i += 2; continue; }
        }
        if (src[i] == 0xC2 && i + 1 < m && (src[i + 1] == 0xAB || src[i + 1] == 0xBB)) {
            o[k++] = '"';
            i += 1;
            continue;
        }
        if (src[i])
            o[k++] = (char)src[i];
    }
    o[k] = 0;
    tk->arena_len += k + 1;
    *outlen = k;
    return UNSPIN_OK;
}

static unspin_case casing(const unsigned char *s, size_t n)
{
    int up = 0, low = 0, first = -1, up_after = 0;
    for (size_t i = 0; i < n;) {
        unsigned b = s[i];
        int u, l;
        if (b < 0x80) {
            u = b >= 'A' && b <= 'Z';
            l = b >= 'a' && b <= 'z';
            i++;
        } else {
            int32_t cp;
            size_t m = us_utf8_decode(s + i, n - i, &cp);
            if (!m) { i++; continue; }
            i += m;
            utf8proc_category_t k = utf8proc_category(cp);
            u = k == UTF8PROC_CATEGORY_LU || k == UTF8PROC_CATEGORY_LT;
            l = k == UTF8PROC_CATEGORY_LL;
        }
        if (!u && !l)
            continue;
        if (first < 0)
            first = u;
        else if (u)
            up_after = 1;
        up += u;
        low += l;
    }
    if (first < 0)
        return UNSPIN_CASE_NONE;
    if (!up)
        return UNSPIN_CASE_LOWER;
    if (!low && up >= 2)
        return UNSPIN_CASE_UPPER;
    if (first && !up_after)
        return UNSPIN_CASE_TITLE;
    return UNSPIN_CASE_MIXED;
}

/* ---- the block interface ---- */
int unspin_tokenize(unspin_tokenizer *tk, const char *text, size_t len, int final,
                    const unspin_token **tokens, size_t *ntokens, size_t *consumed, unspin_error *err)
{
    if (!tk || (!text && len) || !tokens || !ntokens || !consumed)
        return us_error(err, UNSPIN_E_INVALID, "unspin_tokenize: NULL argument");
    *tokens = NULL;
    *ntokens = 0;
    *consumed = 0;
    const unsigned char *s = (const unsigned char *)text;
    size_t nt = 0, p = 0;
    tk->arena_len = 0;
    tk_state st = tk->st;
    while (p < len) {
        tk_scan c = {s, len, p + UNSPIN_TOKEN_MAX_LEN, final, 0};
        tk_tok t;
        scan_token(&st, &c, p, &t);
        if (c.more || t.end <= p)
            break;
        if (nt >= tk->cap_toks) {
            void *a = tk->toks;
            if (us_grow(&a, &tk->cap_toks, nt + 1, sizeof *tk->toks) < 0)
                return us_error(err, UNSPIN_E_NOMEM, "tokenizer: out of memory (%zu tokens)", nt + 1);
            tk->toks = a;
        }
        if (nt >= tk->cap_offs) {
            void *a = tk->offs;
            if (us_grow(&a, &tk->cap_offs, nt + 1, sizeof *tk->offs) < 0)
                return us_error(err, UNSPIN_E_NOMEM, "tokenizer: out of memory (%zu tokens)", nt + 1);
            tk->offs = a;
        }
        unspin_token *o = &tk->toks[nt];
        size_t n = t.end - p;
        o->start = p;
        o->length = n;
        o->kind = t.kind;
        o->flags = t.flags;
        o->casing = (t.kind == UNSPIN_TOKEN_WORD || t.kind == UNSPIN_TOKEN_NUMBER || t.kind == UNSPIN_TOKEN_URL)
                        ? casing(s + p, n)
                        : UNSPIN_CASE_NONE;
        if (t.norm) {
            o->norm = t.norm;
            o->norm_length = strlen(t.norm);
            tk->offs[nt] = SIZE_MAX;
        } else {
            tk->offs[nt] = tk->arena_len;
            if (normalise(tk, s + p, n, t.flags, &o->norm_length) < 0)
                return us_error(err, UNSPIN_E_NOMEM, "tokenizer: out of memory (norm arena)");
        }
        /* state */
        switch (t.quote) {
        case Q_OPEN: st.quote = 1; break;
        case Q_CLOSE: st.quote = 0; break;
        case Q_TOGGLE: st.quote = !st.quote; break;
        case Q_SOPEN: st.squote = 1; break;
        case Q_SCLOSE: st.squote = 0; break;
        default:
            if (t.kind == UNSPIN_TOKEN_SPACE && (t.flags & UNSPIN_TOKEN_NEWLINE)) {
                st.quote = st.squote = 0;
                st.sent = 1;
            }
            if (st.quote || st.squote)
                o->flags |= UNSPIN_TOKEN_QUOTED;
        }
        if (t.kind == UNSPIN_TOKEN_WORD || t.kind == UNSPIN_TOKEN_NUMBER) {
            if (st.sent)
                o->flags |= UNSPIN_TOKEN_SENT_START;
            st.sent = 0;
            st.prev_word = 1;
            st.prev_s = s[t.end - 1] == 's' || s[t.end - 1] == 'S';
        } else {
            if (t.kind == UNSPIN_TOKEN_URL)
                st.sent = 0;
            if (t.sent_end)
                st.sent = 1;
            st.prev_word = 0;
            st.prev_s = 0;
        }
        nt++;
        p = t.end;
    }
    for (size_t i = 0; i < nt; i++)
        if (tk->offs[i] != SIZE_MAX)
            tk->toks[i].norm = tk->arena + tk->offs[i];
    tk->st = st;
    *tokens = tk->toks;
    *ntokens = nt;
    *consumed = p;
    return UNSPIN_OK;
}

const char *unspin_token_kind_name(unspin_token_kind kind)
{
    switch (kind) {
    case UNSPIN_TOKEN_WORD: return "word";
    case UNSPIN_TOKEN_NUMBER: return "number";
    case UNSPIN_TOKEN_PUNCT: return "punct";
    case UNSPIN_TOKEN_SPACE: return "space";
    case UNSPIN_TOKEN_URL: return "url";
    case UNSPIN_TOKEN_OTHER: return "other";
    }
    return "?";
}

const char *unspin_case_name(unspin_case c)
{
    switch (c) {
    case UNSPIN_CASE_NONE: return "none";
    case UNSPIN_CASE_LOWER: return "lower";
    case UNSPIN_CASE_TITLE: return "title";
    case UNSPIN_CASE_UPPER: return "upper";
    case UNSPIN_CASE_MIXED: return "mixed";
    }
    return "?";
}
