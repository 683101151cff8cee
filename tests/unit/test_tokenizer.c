/* test_tokenizer.c - the tokenizer's rules, round trip and block independence. */
#include "test.h"

#include "unspin.h"

#include <stdlib.h>
#include <string.h>

/* Tokenize s in one call; write the non-space tokens as "tok|tok|..." into out
 * (the text, or with mode 'n' the norm, 'k' kind:text, 'c' case:text, 'f' flags:text). */
static void tok_str(const char *s, int mode, char *out, size_t cap)
{
    unspin_tokenizer *tk;
    unspin_error e;
    out[0] = 0;
    if (unspin_tokenizer_create(&tk, &e) != UNSPIN_OK)
        return;
    const unspin_token *t;
    size_t n, used;
    size_t len = strlen(s), k = 0;
    if (unspin_tokenize(tk, s, len, 1, &t, &n, &used, &e) == UNSPIN_OK) {
        CHECK_EQ_INT(used, len);
        for (size_t i = 0; i < n; i++) {
            if (t[i].kind == UNSPIN_TOKEN_SPACE)
                continue;
            char pre[32] = "";
            if (mode == 'k')
                snprintf(pre, sizeof pre, "%s:", unspin_token_kind_name(t[i].kind));
            else if (mode == 'c')
                snprintf(pre, sizeof pre, "%s:", unspin_case_name(t[i].casing));
            else if (mode == 'f')
                snprintf(pre, sizeof pre, "%s%s:", t[i].flags & UNSPIN_TOKEN_SENT_START ? "S" : "",
                         t[i].flags & UNSPIN_TOKEN_QUOTED ? "Q" : "");
            int w = mode == 'n' ? snprintf(out + k, cap - k, "%s%s%s", k ? "|" : "", pre, t[i].norm)
                                : snprintf(out + k, cap - k, "%s%s%.*s", k ? "|" : "", pre, (int)t[i].length,
                                           s + t[i].start);
            if (w < 0 || (size_t)w >= cap - k)
                break;
            k += (size_t)w;
        }
    }
    unspin_tokenizer_free(tk);
}

#define TOKS(in, mode, want)                                                                      \
    do {                                                                                          \
        char got_[4096];                                                                          \
        tok_str(in, mode, got_, sizeof got_);                                                     \
        CHECK_STR(got_, want);                                                                    \
    } while (0)

TEST(tokenizer_words)
{
    TOKS("Kim Jong-un met 18-month-old state-of-the-art O'Brien", 0,
         "Kim|Jong-un|met|18-month-old|state-of-the-art|O'Brien");
    TOKS("the U.N. and U.S. e.g. this", 0, "the|U.N.|and|U.S.|e.g.|this");
    TOKS("Mr. Mrs. Dr. Gov. Sen. Rep. Gen. Lt. Col. St. Jr. Inc. Corp. vs. etc. Jan. Dec.", 0,
         "Mr.|Mrs.|Dr.|Gov.|Sen.|Rep.|Gen.|Lt.|Col.|St.|Jr.|Inc.|Corp.|vs.|etc.|Jan.|Dec.");
    TOKS("No. 5 and No.7 but say no. Then", 0, "No.|5|and|No.|7|but|say|no|.|Then");
    TOKS("George W. Bush", 0, "George|W.|Bush");
    TOKS("so did I. Then", 0, "so|did|I|.|Then");
    TOKS("He was ill. Then", 0, "He|was|ill|.|Then");
    TOKS("COVID-19 F-16 1990-2000", 0, "COVID-19|F-16|1990|-|2000");
    TOKS("a -- b ... c", 0, "a|--|b|...|c");
    TOKS("Cafe\xcc\x81 Москва Αθήνα 東京", 0, "Cafe\xcc\x81|Москва|Αθήνα|東京");
}

TEST(tokenizer_clitics)
{
    TOKS("Kim’s didn't who’re I'm we've they'll I'd", 0, "Kim|’s|did|n't|who|’re|I|'m|we|'ve|they|'ll|I|'d");
    TOKS("can't won't don’t DIDN'T", 0, "ca|n't|wo|n't|do|n’t|DID|N'T");
    TOKS("Kim’s who’re didn’t CAN'T", 'n', "kim|'s|who|'re|did|n't|ca|n't");
    TOKS("the states’ rights and the Jones's car", 0, "the|states|’|rights|and|the|Jones|'s|car");
    TOKS("the states’ rights", 'k', "word:the|word:states|word:’|word:rights");
    TOKS("O'Neill's plan", 0, "O'Neill|'s|plan");
    TOKS("rock 'n' roll", 0, "rock|'|n|'|roll");
}

TEST(tokenizer_numbers)
{
    TOKS("2022 1,000 3.5 1.2m 127km 18th 10%", 'k',
         "number:2022|number:1,000|number:3.5|number:1.2m|number:127km|number:18th|number:10|punct:%");
    TOKS("in 2022. Then 3.5, 4", 0, "in|2022|.|Then|3.5|,|4");
}

TEST(tokenizer_urls)
{
    TOKS("see http://example.com/a?b=1, https://x.org/wiki/A_(b). and www.ipcc.ch.", 'k',
         "word:see|url:http://example.com/a?b=1|punct:,|url:https://x.org/wiki/A_(b)|punct:.|word:and|"
         "url:www.ipcc.ch|punct:.");
    TOKS("mail john.smith@example.co.uk or a@b.", 'k',
         "word:mail|url:john.smith@example.co.uk|word:or|word:a|punct:@|word:b|punct:.");
    TOKS("(http://a.b/c)", 0, "(|http://a.b/c|)");
}

TEST(tokenizer_space)
{
    unspin_tokenizer *tk;
    unspin_error e;
    CHECK(unspin_tokenizer_create(&tk, &e) == UNSPIN_OK);
    const char *s = "a  b\nc \n \t\nd\r\ne";
    const unspin_token *t;
    size_t n, used;
    CHECK(unspin_tokenize(tk, s, strlen(s), 1, &t, &n, &used, &e) == UNSPIN_OK);
    CHECK_EQ_INT(n, 9);
    if (n == 9) {
        CHECK_EQ_INT(t[1].kind, UNSPIN_TOKEN_SPACE);
        CHECK_STR(t[1].norm, " ");
        CHECK_EQ_INT(t[1].flags, 0);
        CHECK_STR(t[3].norm, "\n");
        CHECK_EQ_INT(t[3].flags & (UNSPIN_TOKEN_NEWLINE | UNSPIN_TOKEN_PARAGRAPH), UNSPIN_TOKEN_NEWLINE);
        CHECK_EQ_INT(t[5].length, 5);
        CHECK_EQ_INT(t[5].flags & (UNSPIN_TOKEN_NEWLINE | UNSPIN_TOKEN_PARAGRAPH),
                     UNSPIN_TOKEN_NEWLINE | UNSPIN_TOKEN_PARAGRAPH);
        CHECK_EQ_INT(t[7].flags & (UNSPIN_TOKEN_NEWLINE | UNSPIN_TOKEN_PARAGRAPH), UNSPIN_TOKEN_NEWLINE);
        CHECK_EQ_INT(t[7].norm_length, 1);
    }
    unspin_tokenizer_free(tk);
}

TEST(tokenizer_case)
{
    TOKS("train Train TRAIN iPhone McDonald A U.N. 2022 127km", 'c',
         "lower:train|title:Train|upper:TRAIN|mixed:iPhone|mixed:McDonald|title:A|upper:U.N.|none:2022|lower:127km");
    TOKS("Ça ÉTÉ été", 'c', "title:Ça|upper:ÉTÉ|lower:été");
}

TEST(tokenizer_sentences)
{
    TOKS("The cat sat. A dog! Why? \"No.\" He went", 'f', "S:The|:cat|:sat|:.|S:A|:dog|:!|S:Why|:?|:\"|SQ:No|Q:.|:\"|S:He|:went");
    TOKS("Mr. Smith met the U.S. envoy", 'f', "S:Mr.|:Smith|:met|:the|:U.S.|:envoy");
    TOKS("in the U.S.\nThe end\n\n2022 was", 'f', "S:in|:the|:U.S.|S:The|:end|S:2022|:was");
    TOKS("(It rained.) Then", 'f', ":(|S:It|:rained|:.|:)|S:Then");
}

TEST(tokenizer_quotes)
{
    TOKS("He said \"it is\" and “so it is” ok", 'f', "S:He|:said|:\"|Q:it|Q:is|:\"|:and|:“|Q:so|Q:it|Q:is|:”|:ok");
    TOKS("«Oui» dit-il", 'f', ":«|SQ:Oui|:»|:dit-il");
    TOKS("a ‘quoted word’ and Kim’s ‘x’", 'f', "S:a|:‘|Q:quoted|Q:word|:’|:and|:Kim|:’s|:‘|Q:x|:’");
    /* an unclosed quote ends at the line break */
    TOKS("\"open quote\nnext line", 'f', ":\"|SQ:open|Q:quote|S:next|:line");
    TOKS("“open\n\nnext", 'f', ":“|SQ:open|S:next");
    /* the space inside quotes is flagged too */
    unspin_tokenizer *tk;
    unspin_error e;
    CHECK(unspin_tokenizer_create(&tk, &e) == UNSPIN_OK);
    const unspin_token *t;
    size_t n, used;
    CHECK(unspin_tokenize(tk, "\"a b\"", 5, 1, &t, &n, &used, &e) == UNSPIN_OK);
    CHECK_EQ_INT(n, 5);
    if (n == 5)
        CHECK(t[2].flags & UNSPIN_TOKEN_QUOTED);
    unspin_tokenizer_free(tk);
}

TEST(tokenizer_norm)
{
    TOKS("Straße ÉTÉ “Hi” Kim’s Cafe\xcc\x81 ΣΟΦΟΣ", 'n', "strasse|été|\"|hi|\"|kim|'s|café|σοφοσ");
    TOKS("‘It’", 'n', "'|it|'");
}

TEST(tokenizer_other)
{
    TOKS("ok 👍🏽 👨\xe2\x80\x8d👩\xe2\x80\x8d👧 🇫🇷 $5 a\x01z", 'k',
         "word:ok|other:👍🏽|other:👨\xe2\x80\x8d👩\xe2\x80\x8d👧|other:🇫🇷|other:$|number:5|word:a|other:\x01|word:z");
}

/* ---- round trip and block independence ---- */

typedef struct {
    size_t start, length;
    int kind, casing;
    unsigned flags;
    char norm[64];
} rec;

typedef struct {
    rec *r;
    size_t n, cap;
} recs;

static void rec_add(recs *v, size_t base, const unspin_token *t)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 256;
        v->r = realloc(v->r, v->cap * sizeof *v->r);
    }
    rec *r = &v->r[v->n++];
    r->start = base + t->start;
    r->length = t->length;
    r->kind = t->kind;
    r->casing = t->casing;
    r->flags = t->flags;
    snprintf(r->norm, sizeof r->norm, "%s", t->norm);
    CHECK_EQ_INT(strlen(t->norm), t->norm_length);
}

/* Tokenize text in blocks: cut == 0 means one call, else feed random amounts
 * (like a reader refilling a buffer). Checks coverage; returns the tokens. */
static void run_blocks(const char *text, size_t len, int cut, recs *out)
{
    unspin_tokenizer *tk;
    unspin_error e;
    if (unspin_tokenizer_create(&tk, &e) != UNSPIN_OK)
        return;
    size_t pos = 0, avail = 0;
    int stalls = 0;
    for (;;) {
        if (cut) {
            size_t add = (size_t)(test_rand() % 64);
            if (test_rand() % 16 == 0)
                add = (size_t)(test_rand() % 6000);
            avail += add;
        } else
            avail = len - pos;
        if (pos + avail > len)
            avail = len - pos;
        int final = pos + avail == len;
        const unspin_token *t;
        size_t n, used;
        if (unspin_tokenize(tk, text + pos, avail, final, &t, &n, &used, &e) != UNSPIN_OK) {
            CHECK(0);
            break;
        }
        size_t expect = 0;
        for (size_t i = 0; i < n; i++) {
            CHECK_EQ_INT(t[i].start, expect);
            CHECK(t[i].length > 0);
            expect += t[i].length;
            rec_add(out, pos, &t[i]);
        }
        CHECK_EQ_INT(expect, used);
        CHECK(used <= avail);
        if (avail > UNSPIN_TOKEN_MAX_LEN)
            CHECK(used > 0);
        if (final) {
            CHECK_EQ_INT(used, avail);
            break;
        }
        pos += used;
        avail -= used;
        if (used == 0 && ++stalls > 100000) {
            CHECK(0);
            break;
        }
    }
    unspin_tokenizer_free(tk);
}

static int recs_equal(const recs *a, const recs *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        const rec *x = &a->r[i], *y = &b->r[i];
        if (x->start != y->start || x->length != y->length || x->kind != y->kind || x->casing != y->casing ||
            x->flags != y->flags || strcmp(x->norm, y->norm) != 0) {
            fprintf(stderr, "  token %zu differs: @%zu+%zu k%d f%u '%s' vs @%zu+%zu k%d f%u '%s'\n", i, x->start,
                    x->length, x->kind, x->flags, x->norm, y->start, y->length, y->kind, y->flags, y->norm);
            return 0;
        }
    }
    return 1;
}

static const char *const pieces[] = {
    "Kim", "’s", "didn't", " ", "  ", "\n", "\n\n", "\r\n", "U.S.", "Mr.", ".", ",", "\"", "“", "”", "‘",
    "’", "'", "state-of-the-art", "-", "1,000", "3.5", "127km", "http://x.com/a", "www.a.b", "a@b.com",
    "Москва", "東京", "👍🏽", "\xe2\x80\x8d", "\xcc\x81", "\xff", "\x80", "\xe2\x80", "\xf0\x9f", "No.", "5",
    "can't", "O'Brien", "!", "?", "...", "«", "»", "e.g.", "A", "\t", "\xc2\xa0", "s", "n", "t", "@", "www",
    "http", "é", "I", "x"};

static char *random_text(size_t *len, int bytes)
{
    size_t cap = 20000 + (size_t)(test_rand() % 20000);
    char *s = malloc(cap + 64);
    size_t n = 0;
    while (n < cap) {
        if (bytes) {
            s[n++] = (char)(test_rand() & 0xff);
        } else {
            const char *p = pieces[test_rand() % (sizeof pieces / sizeof pieces[0])];
            size_t l = strlen(p);
            memcpy(s + n, p, l);
            n += l;
        }
    }
    *len = n;
    return s;
}

TEST(tokenizer_block_independence)
{
    for (int round = 0; round < 12; round++) {
        size_t len;
        char *s = random_text(&len, round % 3 == 2);
        recs one = {0}, many = {0};
        run_blocks(s, len, 0, &one);
        run_blocks(s, len, 1, &many);
        /* the tokens cover the input exactly */
        size_t pos = 0;
        for (size_t i = 0; i < one.n; i++) {
            CHECK_EQ_INT(one.r[i].start, pos);
            pos += one.r[i].length;
        }
        CHECK_EQ_INT(pos, len);
        if (!recs_equal(&one, &many))
            CHECK(!"block cuts changed the tokens");
        free(one.r);
        free(many.r);
        free(s);
    }
}

TEST(tokenizer_long_tokens)
{
    size_t len = 3 * UNSPIN_TOKEN_MAX_LEN + 100;
    char *s = malloc(len);
    memset(s, 'a', len);
    recs one = {0}, many = {0};
    run_blocks(s, len, 0, &one);
    run_blocks(s, len, 1, &many);
    CHECK_EQ_INT(one.n, 4);
    for (size_t i = 0; i < one.n; i++)
        CHECK(one.r[i].length <= UNSPIN_TOKEN_MAX_LEN);
    CHECK(recs_equal(&one, &many));
    free(one.r);
    free(many.r);
    /* multi-byte letters: pieces end on character boundaries */
    for (size_t i = 0; i + 2 <= len; i += 2)
        memcpy(s + i, "\xd0\xb6", 2);
    one.r = NULL; one.n = one.cap = 0;
    run_blocks(s, len, 0, &one);
    for (size_t i = 0; i < one.n; i++)
        CHECK(one.r[i].kind != UNSPIN_TOKEN_OTHER || one.r[i].length == 1);
    free(one.r);
    free(s);
}

TEST(tokenizer_invalid_utf8)
{
    TOKS("a\x80" "b", 'k', "word:a|other:\x80|word:b");
    TOKS("\xc0\xaf", 'k', "other:\xc0\xaf");          /* overlong "/" */
    TOKS("\xed\xa0\x80", 'k', "other:\xed\xa0\x80");  /* surrogate */
    TOKS("x\xe2\x82", 'k', "word:x|other:\xe2\x82"); /* truncated at the end */
    unspin_tokenizer *tk;
    unspin_error e;
    CHECK(unspin_tokenizer_create(&tk, &e) == UNSPIN_OK);
    const unspin_token *t;
    size_t n, used;
    /* a truncated sequence at the end of a non-final block waits for more */
    CHECK(unspin_tokenize(tk, "ab!\xe2\x82", 5, 0, &t, &n, &used, &e) == UNSPIN_OK);
    CHECK_EQ_INT(used, 3);
    CHECK(unspin_tokenize(tk, "\xe2\x82\xac!", 4, 1, &t, &n, &used, &e) == UNSPIN_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(used, 4);
    if (n == 2) {
        CHECK_EQ_INT(t[0].length, 3);
        CHECK_EQ_INT(t[0].flags & UNSPIN_TOKEN_INVALID, 0);
    }
    CHECK(unspin_tokenize(tk, "\xff", 1, 1, &t, &n, &used, &e) == UNSPIN_OK);
    CHECK_EQ_INT(n, 1);
    if (n == 1)
        CHECK(t[0].flags & UNSPIN_TOKEN_INVALID);
    /* NUL */
    CHECK(unspin_tokenize(tk, "a\0b", 3, 1, &t, &n, &used, &e) == UNSPIN_OK);
    CHECK_EQ_INT(n, 3);
    if (n == 3)
        CHECK_EQ_INT(t[1].norm_length, 0);
    /* argument errors */
    CHECK_EQ_INT(unspin_tokenize(tk, NULL, 3, 1, &t, &n, &used, &e), UNSPIN_E_INVALID);
    CHECK_EQ_INT(unspin_tokenize(tk, "", 0, 1, &t, &n, &used, &e), UNSPIN_OK);
    CHECK_EQ_INT(n, 0);
    unspin_tokenizer_free(tk);
    unspin_tokenizer_free(NULL);
    CHECK_STR(unspin_token_kind_name(UNSPIN_TOKEN_URL), "url");
    CHECK_STR(unspin_case_name(UNSPIN_CASE_MIXED), "mixed");
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *s = malloc(1 << 16);
    *len = fread(s, 1, (1 << 16) - 1, f);
    s[*len] = 0;
    fclose(f);
    return s;
}

TEST(tokenizer_fixtures)
{
    static const char *const names[] = {"tok-news.txt", "tok-science.txt", "tok-mixed.txt"};
    for (size_t k = 0; k < 3; k++) {
        size_t len;
        char *s = slurp(test_data(names[k]), &len);
        CHECK(s != NULL);
        if (!s)
            continue;
        recs one = {0}, many = {0};
        run_blocks(s, len, 0, &one);
        run_blocks(s, len, 1, &many);
        CHECK(recs_equal(&one, &many));
        size_t pos = 0;
        for (size_t i = 0; i < one.n; i++) {
            CHECK(!(one.r[i].flags & UNSPIN_TOKEN_INVALID));
            pos += one.r[i].length;
        }
        CHECK_EQ_INT(pos, len);
        free(one.r);
        free(many.r);
        free(s);
    }
    size_t len;
    char *s = slurp(test_data("tok-news.txt"), &len);
    if (s) {
        char got[8192];
        tok_str(s, 0, got, sizeof got);
        CHECK(strstr(got, "|U.S.|President|") != NULL);
        CHECK(strstr(got, "|ca|n’t|wait|") != NULL);
        CHECK(strstr(got, "|McConnell|’s|office|") != NULL);
        CHECK(strstr(got, "|Kim|Jong-un|'s|envoy|") != NULL);
        CHECK(strstr(got, "|https://www.example.com/news/2022/01/05/story.html|or|press@example.com|.") != NULL);
        CHECK(strstr(got, "|states|’|decision|") != NULL);
        CHECK(strstr(got, "|Jan.|5|,|2022|.|") != NULL);
        free(s);
    }
}
