/* Internals of the structure-aware mutator: an input read into options,
 * front part and frames (fm_input.c), written back after an edit. */
#ifndef FRAGLAB_FM_INT_H
#define FRAGLAB_FM_INT_H

#include <stdbool.h>

#include "fm_mutator.h"
#include "framing/framing.h"
#include "fuzz_input.h"

#define FM_MAX_FRAMES 256
#define FM_PAY_MAX 1100 /* largest payload built (message list: < 1024) */

/* One frame: its bytes in the front part [at, at + span) (wire bytes, or
 * a message's length header and bytes) and its payload (a copy). */
struct fm_frame {
	size_t at, span;
	const uint8_t *pay; /* into fm_input.arena */
	size_t len;
};

struct fm_input {
	struct fm_target t;
	int kind;	  /* the codec (server_echo: read from the input) */
	struct fz_opts o; /* the choices as read */
	bool dirty;	  /* o changed: write the trailer anew */
	struct fr_spec spec;
	bool spec_ok;
	bool msgs;	/* front is a message list, not wire bytes */
	uint8_t *front; /* owned copy; server_echo: without mode byte */
	size_t front_len;
	bool has_mode; /* server_echo: the mode byte after the front */
	uint8_t mode;
	const uint8_t *trailer; /* the choices' raw bytes, as in the input */
	size_t trailer_len;
	const uint8_t *kind_raw; /* server_echo: the codec choice's bytes */
	size_t kind_len;
	struct fm_frame fr[FM_MAX_FRAMES];
	size_t nfr;
	size_t end; /* frames cover front[0..end); the rest is kept as is */
	uint8_t *arena;
};

/* Read data (which must outlive in). Returns 0 or -ENOMEM. */
int fm_input_read(struct fm_input *in, const struct fm_target *t,
		  const uint8_t *data, size_t size);
void fm_input_free(struct fm_input *in);

/* Write in into out (cap bytes); returns the size or 0 if over cap. */
size_t fm_input_write(const struct fm_input *in, uint8_t *out, size_t cap);

/* Replace front[a..b) with n bytes of p. Returns 0 or -ENOMEM. Frames
 * are stale afterwards (only writing is allowed). */
int fm_front_edit(struct fm_input *in, size_t a, size_t b, const uint8_t *p,
		  size_t n);

/* One frame's bytes as they go into the front part for payload p[0..n):
 * encoded by the codec (wire), or a message header and p (message list).
 * Returns the length written to out (cap bytes) or 0 if it cannot. */
size_t fm_frame_bytes(const struct fm_input *in, const uint8_t *p, size_t n,
		      uint8_t *out, size_t cap);

/* Shared by the operations (fm_ops.c, fm_corrupt.c, fm_choices.c). */
size_t fm_pick(uint64_t *rng, size_t n); /* 0..n-1 (0 when n is 0) */
uint8_t fm_special(const struct fm_input *in, uint64_t *rng);
int fm_put_frame(struct fm_input *in, size_t a, size_t b, const uint8_t *p,
		 size_t n);
int fm_corrupt(struct fm_input *in, uint64_t *rng);
int fm_cut(struct fm_input *in, uint64_t *rng);
int fm_max(struct fm_input *in, uint64_t *rng);
int fm_opts(struct fm_input *in, uint64_t *rng);

#endif
