/*
 * matcher_internal.h - internals of lib/matcher.c (`unspin match`) shared
 * with its fuzz target and unit tests. See docs/match.md for the .usidx
 * file format.
 */
#ifndef UNSPIN_MATCHER_INTERNAL_H
#define UNSPIN_MATCHER_INTERNAL_H

#include "internal.h"

#define MT_MAGIC "USMATCH\0"
#define MT_VERSION 1u
#define MT_FEATURE_VERSION 1u /* version of the word normalisation (stemmer, function words) */
#define MT_FLAG_INCOMPLETE 0x1u
#define MT_HEADER_SIZE 64u
#define MT_DOC_SIZE 32u
#define MT_FEAT_SIZE 16u

/*! mt_index_open_memory() :
 * A read-only index over data[0..size) (the bytes of a .usidx file; not
 * copied: they must stay valid until unspin_match_index_free()). Checks the
 * header, every section bound, every offset and doc id, then (if `verify`)
 * the checksum: the structural checks alone keep every query in bounds,
 * which the fuzz target tests with verify = 0. `name` names the source in
 * error messages. */
US_INTERNAL int mt_index_open_memory(const void *data, size_t size, const char *name, int verify,
                                     unspin_match_index **out, unspin_error *err);

/*! mt_stem() : the match key of a lower-case word: function words give 0
 * (not a content word), small number words their digits, other words a light
 * suffix-stripped stem. Writes at most cap-1 bytes and a NUL into out.
 * @return the key length (0: function word). */
US_INTERNAL size_t mt_stem(const char *w, size_t n, char *out, size_t cap);

#endif
