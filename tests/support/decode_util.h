/* Shared test helpers for libframing suites: decode a stream under a given
 * chunking into a comparable event list, hex helpers, guard-page buffers.
 * Every chunk is copied into its own exact-size buffer so over-reads show. */
#ifndef FRAGLAB_TESTS_DECODE_UTIL_H
#define FRAGLAB_TESTS_DECODE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "framing/codec.h"
#include "framing/sched.h"
#include "framing/spec.h"

/* One observable result of a decode run. */
struct du_event {
	int code;      /* FR_FRAME, or a negative error from next/finish */
	bool fin;      /* result of fr_decoder_finish (FR_DONE or error) */
	uint64_t off;  /* frame or error offset (0 for FR_DONE) */
	uint8_t *data; /* owned copy of the frame */
	size_t len;
	bool zero_copy; /* frame data pointed into the chunk just fed */
};

struct du_events {
	struct du_event *ev;
	size_t n, cap;
	int init_err;	   /* fr_decoder_init result if it failed */
	int feed_err;	   /* first fr_decoder_feed failure, 0 if none */
	bool runaway;	   /* next() kept producing events: stopped */
	uint64_t consumed; /* fr_decoder_offset after the run */
	size_t chunks;	   /* chunks fed */
};

enum du_flags {
	DU_CALLER_BUF = 1,   /* decoder storage: guard buffer of exactly
				fr_decoder_bufsize bytes */
	DU_GUARD_CHUNKS = 2, /* chunks end at a PROT_NONE page, not malloc */
};

/* Decode data[0..len) cut into chunks of sizes[0..nsizes) (FR_CHUNK_REST or
 * running out of sizes: the rest is one chunk). sizes NULL: one chunk.
 * Feeding stops at a fatal error (fr_decoder_failed), then finish is
 * called. Results go into *out (freed with du_events_free). */
void du_decode(const struct fr_spec *spec, const void *data, size_t len,
	       const size_t *sizes, size_t nsizes, unsigned flags,
	       struct du_events *out);

/* Same, with chunk sizes from a split schedule text and stream id. */
void du_decode_sched(const struct fr_spec *spec, const void *data, size_t len,
		     const char *sched, uint64_t stream_id, unsigned flags,
		     struct du_events *out);

void du_events_free(struct du_events *ev);

/* Compact text of an event list, e.g.
 * "f@0:6869 e@3:EOVERSIZE f@8: done" or "... fin@4:ETRUNCATED".
 * Returns a malloc'ed string. */
char *du_events_str(const struct du_events *ev);

/* Same as du_events_str but frames are concatenated into one "data:HEX"
 * item followed by the finish result: for raw, where only the
 * concatenation is split invariant. */
char *du_events_concat_str(const struct du_events *ev);

/* Decode spec text + hex wire under the given chunking and return
 * du_events_str of the result (malloc'ed). */
char *du_run(const char *spec, const char *hex, const size_t *sizes,
	     size_t nsizes, unsigned flags);

/* Decode wire under one chunk, 1-byte chunks, every two-way split, every
 * three-way split (short streams), and with a caller buffer of exactly
 * fr_decoder_bufsize plus guard-page chunks; every run must give want
 * (du_events_str form). Returns NULL when every run does, else a
 * malloc'ed description naming the chunking: assert it is NULL. */
char *du_expect_all_splits(const char *spec, const void *wire, size_t len,
			   const char *want);

/* A decode vector: spec, wire in hex, expected du_events_str. */
struct du_vec {
	const char *spec, *wire, *want;
};

/* du_expect_all_splits for each vector; the first mismatch or NULL. */
char *du_expect_vecs(const struct du_vec *v, size_t n);
#define DU_EXPECT_VECS(v) du_expect_vecs(v, sizeof(v) / sizeof(v[0]))

/* A text a parser must reject, and the substrings of which at least one
 * must appear in its error message (the part that is wrong). */
struct du_bad {
	const char *text;
	const char *any[3];
};

/* Check one rejection: r == want, err non-empty, one line, naming one of
 * bad->any. Uses cr_expect, so every bad input gets reported. Returns
 * true when r == want. */
bool du_expect_rejected(const struct du_bad *bad, int r, int want,
			const char *err);

/* "EOVERSIZE" etc., independent of the library's fr_errname. */
const char *du_code_name(int code);

/* Parse a spec or fail the current test, naming the spec. */
void du_spec(struct fr_spec *spec, const char *text);

/* Hex "c0 db dc" (spaces ignored) to bytes; *len gets the size. Returns a
 * malloc'ed buffer (never NULL). Fails the test on bad hex. */
uint8_t *du_unhex(const char *hex, size_t *len);

/* Lowercase hex of data, malloc'ed. */
char *du_hex(const void *data, size_t len);

/* Encode msgs one after the other into a malloc'ed stream. Returns FR_OK
 * or the first fr_encode error (then *idx is the refused message). */
int du_encode_all(const struct fr_spec *spec, uint8_t *const *msgs,
		  const size_t *lens, size_t n, uint8_t **out, size_t *outlen,
		  size_t *idx);

/* len bytes whose end touches a PROT_NONE page: reading p[len] faults. */
void *du_guard_alloc(size_t len);
void du_guard_free(void *p, size_t len);

/* Append to a growable byte buffer (for building streams). */
struct du_buf {
	uint8_t *p;
	size_t len, cap;
};
void du_buf_put(struct du_buf *b, const void *data, size_t len);
void du_buf_free(struct du_buf *b);

#endif
