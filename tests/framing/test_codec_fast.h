/* Shared by the fast-path suite's files (test_codec_fast.c and
 * test_codec_fast_stuff.c). */
#ifndef TEST_CODEC_FAST_H
#define TEST_CODEC_FAST_H

#include <stddef.h>

/* want under one chunk (also guarded, in a caller buffer) and at every
 * two-way split: the fast paths' runs, lighter than du_expect_all_splits
 * (whose byte-by-byte guarded run maps a page per byte) for the many
 * cases of these suites. NULL, or a malloc'ed description of the first
 * mismatch. */
char *fast_splits(const char *spec, const char *w, size_t len,
		  const char *want);

#endif
