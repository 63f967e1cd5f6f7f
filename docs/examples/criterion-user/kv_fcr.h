/* The example decoder as fraglab Criterion callbacks (struct fcr_decoder):
 * each frame kv decodes is reported with fcr_frame(). */
#ifndef KV_FCR_H
#define KV_FCR_H

#include <stdlib.h>

#include <fraglab/criterion.h>

#include "kv.h"

struct kv_run {
	struct kv_dec d;
	struct fcr_out *out;
};

static inline void kv_report(void *ctx, const uint8_t *frame, size_t len)
{
	struct kv_run *r = ctx;

	fcr_frame(r->out, frame, len);
}

static inline void *kv_open(void *arg)
{
	struct kv_run *r = malloc(sizeof(*r));

	(void)arg;
	if (r)
		kv_init(&r->d);
	return r;
}

static inline int kv_fcr_feed(void *st, const uint8_t *chunk, size_t len,
			      struct fcr_out *out)
{
	struct kv_run *r = st;

	r->out = out;
	kv_feed(&r->d, chunk, len, kv_report, r);
	return 0;
}

static inline int kv_fcr_feed_buggy(void *st, const uint8_t *chunk, size_t len,
				    struct fcr_out *out)
{
	struct kv_run *r = st;

	r->out = out;
	kv_feed_buggy(&r->d, chunk, len, kv_report, r);
	return 0;
}

/* A stream of n frames of growing sizes. Returns its length. */
static inline size_t kv_sample(uint8_t *wire, size_t cap, int n)
{
	uint8_t msg[300];
	size_t w = 0;

	for (int i = 0; i < n; i++) {
		size_t len = (size_t)(i * 37) % sizeof(msg);

		if (w + len + 2 > cap)
			break;
		for (size_t k = 0; k < len; k++)
			msg[k] = (uint8_t)('a' + (i + k) % 26);
		w += kv_encode(msg, len, wire + w);
	}
	return w;
}

#endif
