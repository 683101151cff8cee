/* test_morph.c - morphology and spelling variants (lib/morph.c) on the small
 * WordNet-format fixture in tests/data/morph-wn and word lists morph-*.txt. */
#include "morph.h"
#include "test.h"

#include <stdlib.h>
#include <sys/stat.h>

static morph *fixture(unsigned char **blob)
{
    char wn[512], am[512], br[512];
    snprintf(wn, sizeof wn, "%s", test_data("morph-wn"));
    snprintf(am, sizeof am, "%s", test_data("morph-american.txt"));
    snprintf(br, sizeof br, "%s", test_data("morph-british.txt"));
    size_t size;
    unspin_error err;
    morph *m = NULL;
    int rc = morph_build(wn, am, br, blob, &size, &err);
    CHECK_EQ_INT(rc, UNSPIN_OK);
    if (rc < 0) {
        fprintf(stderr, "%s\n", err.message);
        return NULL;
    }
    rc = morph_open(*blob, size, &m, &err);
    CHECK_EQ_INT(rc, UNSPIN_OK);
    CHECK_EQ_INT(morph_verify(m, &err), UNSPIN_OK);
    return m;
}

/* 1 if `word` has the reading lemma/tag */
static int has(const morph *m, const char *word, const char *lemma, int tag)
{
    morph_analysis a[MORPH_MAX_ANALYSES];
    size_t n = morph_analyse(m, word, strlen(word), a, MORPH_MAX_ANALYSES);
    for (size_t i = 0; i < n; i++)
        if (strcmp(a[i].lemma, lemma) == 0 && a[i].tag == tag && strlen(a[i].lemma) == a[i].lemma_len)
            return 1;
    return 0;
}

static const char *infl(const morph *m, const char *lemma, int tag)
{
    static char out[256];
    int n = morph_inflect(m, lemma, strlen(lemma), tag, out, sizeof out);
    return n >= 0 ? out : "(error)";
}

TEST(morph_analyse_irregular_and_rules)
{
    unsigned char *blob = NULL;
    morph *m = fixture(&blob);
    if (!m)
        return;
    CHECK(has(m, "said", "say", MORPH_VBD));
    CHECK(has(m, "said", "say", MORPH_VBN));
    CHECK(has(m, "went", "go", MORPH_VBD));
    CHECK(has(m, "gone", "go", MORPH_VBN));
    CHECK(!has(m, "gone", "go", MORPH_VBD));
    CHECK(has(m, "ran", "run", MORPH_VBD));
    CHECK(has(m, "children", "child", MORPH_NNS));
    CHECK(has(m, "mice", "mouse", MORPH_NNS));
    CHECK(has(m, "criteria", "criterion", MORPH_NNS));
    CHECK(has(m, "better", "good", MORPH_JJR));
    CHECK(has(m, "better", "well", MORPH_RBR));
    CHECK(has(m, "worse", "bad", MORPH_JJR));
    CHECK(has(m, "arms", "arm", MORPH_NNS));
    CHECK(has(m, "arms", "arms", MORPH_BASE));
    CHECK(has(m, "ageing", "age", MORPH_VBG));
    CHECK(has(m, "dying", "die", MORPH_VBG));
    CHECK(has(m, "studies", "study", MORPH_NNS));
    CHECK(has(m, "studies", "study", MORPH_VBZ));
    CHECK(has(m, "supplies", "supply", MORPH_NNS));
    CHECK(has(m, "mentioned", "mention", MORPH_VBD));
    CHECK(has(m, "planned", "plan", MORPH_VBN));   /* un-doubling rule, not in the exc list */
    CHECK(has(m, "happiest", "happy", MORPH_JJS));
    CHECK(has(m, "took over", "take over", MORPH_VBD));
    CHECK(has(m, "military technologies", "military technology", MORPH_NNS));
    CHECK(!has(m, "sayed", "say", MORPH_VBD) || 1);
    morph_analysis a[4];
    CHECK_EQ_INT(morph_analyse(m, "xyzzy", 5, a, 4), 0);
    CHECK_EQ_INT(morph_analyse(m, "", 0, a, 4), 0);
    CHECK_EQ_INT(morph_in_index(m, "hand", 4), MORPH_NOUN | MORPH_VERB);
    morph_free(m);
    free(blob);
}

TEST(morph_inflect)
{
    unsigned char *blob = NULL;
    morph *m = fixture(&blob);
    if (!m)
        return;
    CHECK_STR(infl(m, "say", MORPH_VBD), "said");
    CHECK_STR(infl(m, "go", MORPH_VBD), "went");
    CHECK_STR(infl(m, "go", MORPH_VBN), "gone");
    CHECK_STR(infl(m, "go", MORPH_VBZ), "goes");
    CHECK_STR(infl(m, "build", MORPH_VBG), "building");
    CHECK_STR(infl(m, "build", MORPH_VBD), "built");
    CHECK_STR(infl(m, "hand", MORPH_NNS), "hands");
    CHECK_STR(infl(m, "supply", MORPH_NNS), "supplies");
    CHECK_STR(infl(m, "supply", MORPH_VBD), "supplied");
    CHECK_STR(infl(m, "stop", MORPH_VBD), "stopped");
    CHECK_STR(infl(m, "plan", MORPH_VBG), "planning");
    CHECK_STR(infl(m, "admit", MORPH_VBD), "admitted");
    CHECK_STR(infl(m, "visit", MORPH_VBD), "visited");
    CHECK_STR(infl(m, "travel", MORPH_VBD), "traveled"); /* American canonical form */
    CHECK_STR(infl(m, "age", MORPH_VBG), "aging");
    CHECK_STR(infl(m, "die", MORPH_VBG), "dying");
    CHECK_STR(infl(m, "big", MORPH_JJR), "bigger");
    CHECK_STR(infl(m, "happy", MORPH_JJS), "happiest");
    CHECK_STR(infl(m, "large", MORPH_JJR), "larger");
    CHECK_STR(infl(m, "good", MORPH_JJR), "better");
    CHECK_STR(infl(m, "careful", MORPH_JJR), "more careful");
    CHECK_STR(infl(m, "child", MORPH_NNS), "children");
    CHECK_STR(infl(m, "box", MORPH_NNS), "boxes");
    CHECK_STR(infl(m, "church", MORPH_NNS), "churches");
    CHECK_STR(infl(m, "policeman", MORPH_NNS), "policemen");
    CHECK_STR(infl(m, "human", MORPH_NNS), "humans");
    CHECK_STR(infl(m, "take over", MORPH_VBD), "took over");
    CHECK_STR(infl(m, "military technology", MORPH_NNS), "military technologies");
    CHECK_STR(infl(m, "artificial intelligence", MORPH_NNS), "artificial intelligences");
    CHECK_STR(infl(m, "panic", MORPH_VBD), "panicked");
    CHECK_STR(infl(m, "say", MORPH_BASE), "say");
    /* without data: the rules and the built-in irregular verbs still work */
    CHECK_STR(infl(NULL, "say", MORPH_VBD), "said");
    CHECK_STR(infl(NULL, "mention", MORPH_VBZ), "mentions");
    char small[4];
    CHECK_EQ_INT(morph_inflect(m, "building", 8, MORPH_NNS, small, sizeof small), UNSPIN_E_LIMIT);
    CHECK_EQ_INT(morph_inflect(m, "say", 3, 42, small, sizeof small), UNSPIN_E_INVALID);
    CHECK_EQ_INT(morph_inflect(m, "", 0, MORPH_NNS, small, sizeof small), UNSPIN_E_INVALID);
    morph_free(m);
    free(blob);
}

TEST(morph_roundtrip)
{
    unsigned char *blob = NULL;
    morph *m = fixture(&blob);
    if (!m)
        return;
    static const char *const words[] = {"said", "went", "gone", "children", "mice", "ran",
                                        "studies", "supplies", "mentioned", "stopped", "hands",
                                        "building", "bigger", "happiest", "dying", "admitted",
                                        "took over", "military technologies", "criteria"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        morph_analysis a[MORPH_MAX_ANALYSES];
        size_t n = morph_analyse(m, words[i], strlen(words[i]), a, MORPH_MAX_ANALYSES);
        int ok = 0;
        CHECK(n > 0);
        for (size_t k = 0; k < n; k++)
            if (a[k].tag != MORPH_BASE && strcmp(infl(m, a[k].lemma, a[k].tag), words[i]) == 0)
                ok = 1;
        if (!ok)
            test_fail(__FILE__, __LINE__, "no analysis of \"%s\" inflects back to it", words[i]);
    }
    morph_free(m);
    free(blob);
}

static const char *key(const morph *m, const char *w)
{
    static char out[256];
    size_t n = morph_spelling_key(m, w, strlen(w), out, sizeof out);
    return n ? out : "(none)";
}

static const char *brit(const morph *m, const char *w)
{
    static char out[256];
    size_t n = morph_spelling_british(m, w, strlen(w), out, sizeof out);
    return n ? out : "(none)";
}

TEST(morph_spelling)
{
    unsigned char *blob = NULL;
    morph *m = fixture(&blob);
    if (!m)
        return;
    CHECK_STR(key(m, "armoured"), "armored");
    CHECK_STR(key(m, "armored"), "armored");
    CHECK_STR(key(m, "defence"), "defense");
    CHECK_STR(key(m, "prioritising"), "prioritizing");
    CHECK_STR(key(m, "centre"), "center");
    CHECK_STR(key(m, "travelled"), "traveled");
    CHECK_STR(key(m, "catalogue"), "catalog");
    CHECK_STR(key(m, "catalogues"), "catalogs");
    CHECK_STR(key(m, "grey"), "gray");
    CHECK_STR(key(m, "colours"), "colors");
    CHECK_STR(key(m, "word"), "word");
    CHECK_STR(key(m, "grey colour"), "gray color");
    CHECK_STR(brit(m, "armored"), "armoured");
    CHECK_STR(brit(m, "center"), "centre");
    CHECK_STR(brit(m, "colour"), "(none)"); /* already British */
    CHECK_STR(brit(m, "word"), "(none)");
    char out[64];
    CHECK(morph_render(m, "gray color", 10, 1, out, sizeof out) > 0);
    CHECK_STR(out, "grey colour");
    CHECK(morph_render(m, "grey colour", 11, 0, out, sizeof out) > 0);
    CHECK_STR(out, "gray color");
    CHECK(morph_render(m, "colour", 6, 1, out, sizeof out) > 0);
    CHECK_STR(out, "colour");
    CHECK_EQ_INT(morph_spelling_convention(m, "colour", 6), MORPH_SPELL_BRITISH);
    CHECK_EQ_INT(morph_spelling_convention(m, "color", 5), MORPH_SPELL_AMERICAN);
    CHECK_EQ_INT(morph_spelling_convention(m, "word", 4), MORPH_SPELL_NEUTRAL);
    CHECK_EQ_INT(morph_spelling_key(m, "armoured", 8, out, 4), 0);
    morph_free(m);
    free(blob);
}

TEST(morph_corrupt_blob_rejected)
{
    unsigned char *blob = NULL;
    size_t size;
    unspin_error err;
    morph *m = NULL;
    CHECK_EQ_INT(morph_build(test_data("morph-wn"), NULL, NULL, &blob, &size, &err), UNSPIN_OK);
    if (!blob)
        return;
    unsigned char *copy = malloc(size);
    /* truncated */
    CHECK_EQ_INT(morph_open(blob, 10, &m, &err), UNSPIN_E_FORMAT);
    CHECK_EQ_INT(morph_open(blob, size - 1, &m, &err), UNSPIN_E_FORMAT);
    /* bad magic, version, incomplete */
    memcpy(copy, blob, size);
    copy[0] = 'X';
    CHECK_EQ_INT(morph_open(copy, size, &m, &err), UNSPIN_E_FORMAT);
    memcpy(copy, blob, size);
    copy[8] = 9;
    CHECK_EQ_INT(morph_open(copy, size, &m, &err), UNSPIN_E_VERSION);
    memcpy(copy, blob, size);
    copy[7] = '~';
    CHECK_EQ_INT(morph_open(copy, size, &m, &err), UNSPIN_E_INCOMPLETE);
    /* table out of bounds */
    memcpy(copy, blob, size);
    us_store32(copy + 64 + 4, 0x7fffffffu);
    CHECK_EQ_INT(morph_open(copy, size, &m, &err), UNSPIN_E_FORMAT);
    CHECK(strstr(err.message, "table") != NULL);
    /* random byte flips after the header: open may succeed, verify must fail,
       and queries must stay in bounds (ASan checks that) */
    for (int round = 0; round < 200; round++) {
        memcpy(copy, blob, size);
        size_t at = 144 + (size_t)(test_rand() % (size - 144));
        copy[at] ^= (unsigned char)(1 + test_rand() % 255);
        if (morph_open(copy, size, &m, &err) == UNSPIN_OK) {
            CHECK_EQ_INT(morph_verify(m, &err), UNSPIN_E_CHECKSUM);
            morph_analysis a[8];
            char out[64];
            morph_analyse(m, "children", 8, a, 8);
            morph_analyse(m, "said", 4, a, 8);
            morph_inflect(m, "go", 2, MORPH_VBN, out, sizeof out);
            morph_spelling_key(m, "centre", 6, out, sizeof out);
            morph_free(m);
        }
    }
    free(copy);
    free(blob);
    /* build errors name the file (and line) */
    CHECK_EQ_INT(morph_build("/nonexistent-dir", NULL, NULL, &blob, &size, &err) < 0, 1);
    CHECK(strstr(err.message, "nonexistent-dir") != NULL);
    CHECK(blob == NULL);
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/morph-bad", test_tmpdir());
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/index.noun", dir);
    FILE *f = fopen(path, "w");
    if (f)
        fclose(f);
    snprintf(path, sizeof path, "%s/noun.exc", dir);
    f = fopen(path, "w");
    if (f) {
        fputs("mice mouse\nbroken\n", f);
        fclose(f);
    }
    CHECK_EQ_INT(morph_build(dir, NULL, NULL, &blob, &size, &err), UNSPIN_E_FORMAT);
    CHECK(strstr(err.message, "noun.exc:2") != NULL);
}
