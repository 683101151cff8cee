/*
 * channel.c - the channel model's weights and their file format (.uschan).
 *
 * The channel model scores how likely a spinner turned a candidate original
 * w into the observed text s: log P(s | w) is log-linear in the features of
 * the link (decoder_internal.h lists them). The weights are fitted by
 * data/tools/fit_channel.c on simulated spinning and stored here.
 *
 * File layout (little-endian), docs/decoder.md has the same table:
 *   0  magic     8 bytes "USCHAN\x01\n" ("USCHAN~\n" while being written)
 *   8  version   u32 (1)
 *  12  nfeat     u32 (CH_NF of the writer; must equal the reader's)
 *  16  threshold f32 (default change threshold, in (0,1))
 *  20  phrase_threshold f32 (changes of phrases need max(threshold, this); 0: none)
 *  24  weights   nfeat * f32
 *  ..  checksum  u64 XXH64 of every byte before it
 */
#include "decoder_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define CH_MAGIC "USCHAN\x01\n"
#define CH_MAGIC_INCOMPLETE "USCHAN~\n"
#define CH_VERSION 1u
#define CH_HEADER 24u

struct unspin_channel {
    float w[CH_NF];
    double threshold;
    double phrase_threshold;
};

static const char *const feature_names[CH_NF] = {
    "keep", "keep_function_word", "keep_logfreq", "keep_unknown", "keep_ncands",
    "src_wordnet", "src_mythes", "src_aiksaurus", "src_gcide", "src_embedding", "src_spelling", "src_function",
    "rel_synonym", "rel_hypernym", "rel_hyponym", "rel_similar", "rel_also", "rel_deriv", "rel_part", "rel_related",
    "log_links", "similarity", "cand_logfreq", "logfreq_diff", "inflected", "span_extra", "nwords_diff",
    "cand_unknown", "cand_function_word", "coherence", "consistency", "consistency_other", "lm",
    "reverse_found", "reverse_rank", "reverse_fanout", "digit_word",
};

const char *ch_digit_word(const char *norm, size_t len)
{
    static const char *const words[] = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};
    if (len != 1 || norm[0] < '1' || norm[0] > '9')
        return NULL;
    return words[norm[0] - '1'];
}

const char *ch_feature_name(int i)
{
    return i >= 0 && i < CH_NF ? feature_names[i] : "?";
}

void ch_default_weights(float *w)
{
    /* Untrained guesses so that tests can run without a fitted file: keeping
     * is preferred, evidence of the link and the LM (log10 -> ln) decide. */
    memset(w, 0, sizeof(float) * CH_NF);
    w[CH_F_KEEP] = 3.0f;
    w[CH_F_KEEP_FUNC] = 2.0f;
    w[CH_F_REL0] = 0.5f;
    w[CH_F_LINKS] = 0.5f;
    w[CH_F_SIM] = 1.0f;
    w[CH_F_LOGF_W] = 0.3f;
    w[CH_F_COH] = 2.0f;
    w[CH_F_CONS] = 1.5f;
    w[CH_F_CONS_OTHER] = -1.0f;
    w[CH_F_LM] = 2.3f;
    w[CH_F_DIGIT] = -1.0f;
}

int ch_create(const float *w, size_t n, double threshold, double phrase_threshold, unspin_channel **out,
              unspin_error *err)
{
    *out = NULL;
    if (n != CH_NF || !(threshold > 0.0 && threshold < 1.0))
        return us_error(err, UNSPIN_E_INVALID, "channel: %zu weights (want %d) or threshold %g out of (0,1)",
                        n, CH_NF, threshold);
    unspin_channel *ch = us_calloc(1, sizeof *ch);
    if (!ch)
        return us_error(err, UNSPIN_E_NOMEM, "channel: out of memory");
    memcpy(ch->w, w, sizeof ch->w);
    ch->threshold = threshold;
    ch->phrase_threshold = phrase_threshold > 0 && phrase_threshold < 1 ? phrase_threshold : 0;
    *out = ch;
    return UNSPIN_OK;
}

const float *ch_weights(const unspin_channel *ch)
{
    return ch->w;
}

double unspin_channel_threshold(const unspin_channel *ch)
{
    return ch ? ch->threshold : 0.5;
}

double ch_phrase_threshold(const unspin_channel *ch)
{
    return ch ? ch->phrase_threshold : 0.0;
}

int unspin_channel_open(const char *path, unspin_channel **out, unspin_error *err)
{
    if (!out)
        return us_error(err, UNSPIN_E_INVALID, "unspin_channel_open: NULL argument");
    *out = NULL;
    if (!path)
        return us_error(err, UNSPIN_E_INVALID, "unspin_channel_open: NULL path");
    us_map map;
    US_TRY(us_map_open(path, &map, err));
    int rc = UNSPIN_OK;
    const unsigned char *d = map.data;
    size_t size = map.size;
    float w[CH_NF];
    double thr = 0, pthr = 0;
    if (size < CH_HEADER + 8) {
        rc = us_error(err, UNSPIN_E_FORMAT, "%s: too short for a channel model (%zu bytes)", path, size);
    } else if (memcmp(d, CH_MAGIC_INCOMPLETE, 8) == 0) {
        rc = us_error(err, UNSPIN_E_INCOMPLETE, "%s: incomplete channel model (its build failed; rebuild it)", path);
    } else if (memcmp(d, CH_MAGIC, 8) != 0) {
        rc = us_error(err, UNSPIN_E_FORMAT, "%s: not a channel model (bad magic)", path);
    } else if (us_load32(d + 8) != CH_VERSION) {
        rc = us_error(err, UNSPIN_E_VERSION, "%s: channel model version %u, this build reads version %u",
                      path, us_load32(d + 8), CH_VERSION);
    } else if (us_load32(d + 12) != CH_NF) {
        rc = us_error(err, UNSPIN_E_FORMAT, "%s: %u features at offset 12, expected %d", path,
                      us_load32(d + 12), CH_NF);
    } else if (size != CH_HEADER + 4u * CH_NF + 8u) {
        rc = us_error(err, UNSPIN_E_FORMAT, "%s: size %zu, expected %u", path, size, CH_HEADER + 4u * CH_NF + 8u);
    } else if (us_checksum(d, size - 8) != us_load64(d + size - 8)) {
        rc = us_error(err, UNSPIN_E_CHECKSUM, "%s: checksum mismatch (file is corrupt; rebuild it)", path);
    } else {
        uint32_t bits = us_load32(d + 16);
        float t;
        memcpy(&t, &bits, 4);
        thr = t;
        bits = us_load32(d + 20);
        memcpy(&t, &bits, 4);
        pthr = t;
        if (!(pthr >= 0 && pthr < 1))
            rc = us_error(err, UNSPIN_E_FORMAT, "%s: phrase threshold %g at offset 20 out of [0,1)", path, pthr);
        for (int i = 0; i < CH_NF && rc == UNSPIN_OK; i++) {
            bits = us_load32(d + CH_HEADER + 4u * (unsigned)i);
            memcpy(&w[i], &bits, 4);
            if (!isfinite(w[i]) || fabsf(w[i]) > 1e4f)
                rc = us_error(err, UNSPIN_E_FORMAT, "%s: weight %d (offset %u) out of range", path, i,
                              CH_HEADER + 4u * (unsigned)i);
        }
        if (rc == UNSPIN_OK && !(thr > 0.0 && thr < 1.0))
            rc = us_error(err, UNSPIN_E_FORMAT, "%s: threshold %g at offset 16 out of (0,1)", path, thr);
    }
    us_map_close(&map);
    if (rc < 0)
        return rc;
    return ch_create(w, CH_NF, thr, pthr, out, err);
}

void unspin_channel_close(unspin_channel *ch)
{
    us_free(ch);
}

int ch_write(const char *path, const float *w, size_t n, double threshold, double phrase_threshold,
             unspin_error *err)
{
    if (n != CH_NF || !(threshold > 0.0 && threshold < 1.0) || !(phrase_threshold >= 0.0 && phrase_threshold < 1.0))
        return us_error(err, UNSPIN_E_INVALID, "%s: bad channel weights", path);
    unsigned char buf[CH_HEADER + 4 * CH_NF + 8];
    memset(buf, 0, sizeof buf);
    memcpy(buf, CH_MAGIC, 8);
    us_store32(buf + 8, CH_VERSION);
    us_store32(buf + 12, CH_NF);
    float t = (float)threshold;
    uint32_t bits;
    memcpy(&bits, &t, 4);
    us_store32(buf + 16, bits);
    t = (float)phrase_threshold;
    memcpy(&bits, &t, 4);
    us_store32(buf + 20, bits);
    for (size_t i = 0; i < n; i++) {
        memcpy(&bits, &w[i], 4);
        us_store32(buf + CH_HEADER + 4 * i, bits);
    }
    us_store64(buf + sizeof buf - 8, us_checksum(buf, sizeof buf - 8));
    FILE *f = fopen(path, "wb");
    if (!f)
        return us_error(err, UNSPIN_E_IO, "%s: cannot create: %s", path, strerror(errno));
    /* the body under the "incomplete" magic, then the real magic */
    int ok = fwrite(CH_MAGIC_INCOMPLETE, 1, 8, f) == 8 && fwrite(buf + 8, 1, sizeof buf - 8, f) == sizeof buf - 8 &&
             fflush(f) == 0 && fseek(f, 0, SEEK_SET) == 0 && fwrite(buf, 1, 8, f) == 8;
    if (fclose(f) != 0)
        ok = 0;
    if (!ok)
        return us_error(err, UNSPIN_E_IO, "%s: write error: %s", path, strerror(errno));
    return UNSPIN_OK;
}
