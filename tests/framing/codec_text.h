/* Vectors for the text protocol codecs (resp, http1), written as text:
 * the expected frames are given by their lengths, since each frame is a
 * run of the wire's own bytes (tests/framing/test_codec_{resp,http1}.c). */
#ifndef FRAGLAB_TESTS_CODEC_TEXT_H
#define FRAGLAB_TESTS_CODEC_TEXT_H

#include <stddef.h>

/* spec, wire text, want: space-separated tokens; a number N stands for
 * the next N wire bytes as a frame ("f@OFF:HEX"), anything else ("done",
 * "e@5:ERESP", "fin@0:ETRUNCATED") is taken as is. */
struct ct_vec {
	const char *spec, *wire, *want;
};

/* du_expect_all_splits for each vector: NULL, or a malloc'ed description
 * of the first mismatch (vector index, chunking, got and want). */
char *ct_expect_vecs(const struct ct_vec *v, size_t n);
#define CT_EXPECT_VECS(v) ct_expect_vecs(v, sizeof(v) / sizeof(v[0]))

/* The du_events_str form of want for wire (malloc'ed). */
char *ct_want(const char *wire, size_t len, const char *want);

#endif
