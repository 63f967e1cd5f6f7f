/* The example's 2-byte length-prefix codec (see kv.h). */
#include <string.h>

#include "kv.h"

void kv_init(struct kv_dec *d)
{
	d->hdr_got = 0;
	d->need = 0;
	d->got = 0;
}

static void take_payload(struct kv_dec *d, const uint8_t *p, size_t n,
			 size_t *i, kv_frame_fn fn, void *ctx)
{
	size_t k = d->need - d->got;

	if (k > n - *i)
		k = n - *i;
	memcpy(d->buf + d->got, p + *i, k);
	d->got += k;
	*i += k;
	if (d->got == d->need) {
		fn(ctx, d->buf, d->need);
		d->hdr_got = 0;
	}
}

void kv_feed(struct kv_dec *d, const uint8_t *p, size_t n, kv_frame_fn fn,
	     void *ctx)
{
	size_t i = 0;

	while (i < n) {
		if (d->hdr_got < 2) {
			d->hdr[d->hdr_got++] = p[i++];
			if (d->hdr_got < 2)
				continue;
			d->need = (size_t)d->hdr[0] << 8 | d->hdr[1];
			d->got = 0;
			if (d->need == 0) {
				fn(ctx, d->buf, 0);
				d->hdr_got = 0;
			}
			continue;
		}
		take_payload(d, p, n, &i, fn, ctx);
	}
}

void kv_feed_buggy(struct kv_dec *d, const uint8_t *p, size_t n, kv_frame_fn fn,
		   void *ctx)
{
	size_t i = 0;

	while (i < n) {
		if (d->hdr_got < 2) {
			/* BUG: assumes both header bytes are in this chunk */
			d->need =
			    i + 1 < n ? (size_t)p[i] << 8 | p[i + 1] : p[i];
			i += i + 1 < n ? 2 : 1;
			d->hdr_got = 2;
			d->got = 0;
			if (d->need == 0) {
				fn(ctx, d->buf, 0);
				d->hdr_got = 0;
			}
			continue;
		}
		take_payload(d, p, n, &i, fn, ctx);
	}
}

size_t kv_encode(const void *msg, size_t len, uint8_t *out)
{
	out[0] = (uint8_t)(len >> 8);
	out[1] = (uint8_t)len;
	memcpy(out + 2, msg, len);
	return len + 2;
}
