/* Internal to fuzz/: decode a stream under a chunk plan into an event log
 * (frames, errors with offsets, finish result) and compare logs, with one
 * abort site per broken invariant so crashes do not merge in triage. */
#ifndef FRAGLAB_FUZZ_CHECK_H
#define FRAGLAB_FUZZ_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fraglab/splitfuzz.h" /* sfz_chunk_dup/free: chunk placement */
#include "framing/framing.h"
#include "fuzz_die.h"

enum fz_ev_kind { FZ_EV_FRAME = 1, FZ_EV_ERROR, FZ_EV_FINISH };

struct fz_ev {
	enum fz_ev_kind kind;
	int code;     /* error or finish result */
	uint64_t off; /* frame or error stream offset */
	size_t len;   /* frame length */
	size_t at;    /* frame bytes start in fz_log.bytes */
};

/* Reused across runs: grows, never shrinks, never freed. */
struct fz_log {
	struct fz_ev *ev;
	size_t n, cap;
	uint8_t *bytes; /* frame payloads, concatenated */
	size_t nb, bcap;
	uint64_t
	    next_off; /* a frame (>= 1 wire byte) must start here or later */
};

/* How the stream is fed. */
enum fz_feed {
	FZ_FEED_WHOLE, /* one chunk, caller-supplied buffer when small */
	FZ_FEED_PLAN,  /* the schedule's chunks, self-allocating decoder */
	FZ_FEED_BYTES, /* one byte per chunk, self-allocating decoder */
};

void fz_decode(const struct fr_spec *spec, const uint8_t *stream, size_t len,
	       const size_t *chunks, size_t nchunks, enum fz_feed feed,
	       struct fz_log *log);

/* Encode the message list of a roundtrip input's front part (layout in
 * fuzz_input.h); *wire points to the encoded stream, valid until the next
 * call. Returns its length. Aborts if the encoder misbehaves. */
size_t fz_roundtrip_wire(const struct fr_spec *spec, const uint8_t *front,
			 size_t len, const uint8_t **wire);

/* Abort (fuzz_ref.c) unless fast, the log of stream decoded by the fast
 * decoder, holds what the reference decoder (fuzz/ref) makes of it. */
void fz_check_reference(const struct fr_spec *spec, const uint8_t *stream,
			size_t len, const struct fz_log *fast);

struct fz_setup;

/* fz_setup_read + spec parse + failure context: 0, or -1 (input skipped,
 * nothing left to free). */
int fz_begin(struct fz_setup *s, struct fr_spec *spec, int kind,
	     const uint8_t *data, size_t size);

/* Parse spec text; -1 if it does not parse (input skipped). */
int fz_spec(struct fr_spec *spec, const char *text);

#endif
