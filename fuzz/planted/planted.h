/* The planted len:2be decoder (planted_len2be.c): push API, frames go to
 * a callback. Exists only to prove split_planted finds boundary bugs. */
#ifndef FRAGLAB_PLANTED_H
#define FRAGLAB_PLANTED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PL_MAX 1024

struct pl_dec {
	uint8_t hdr0;  /* first length byte when the field is split */
	unsigned hgot; /* length bytes seen (0..2) */
	uint32_t need; /* payload length */
	size_t blen;
	bool failed;
	uint8_t buf[PL_MAX];
};

typedef void (*pl_frame_fn)(void *arg, const uint8_t *p, size_t n);

void pl_init(struct pl_dec *d);
int pl_feed(struct pl_dec *d, const uint8_t *p, size_t n, pl_frame_fn fn,
	    void *arg);
bool pl_finish(const struct pl_dec *d);

#endif
