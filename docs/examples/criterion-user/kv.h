/* The example's own framing: a 2-byte big-endian length, then that many
 * bytes. kv_dec is an incremental decoder; kv_dec_buggy has a split bug. */
#ifndef KV_H
#define KV_H

#include <stddef.h>
#include <stdint.h>

#define KV_MAX 65535

struct kv_dec {
	uint8_t hdr[2];
	size_t hdr_got;
	size_t need, got;
	uint8_t buf[KV_MAX];
};

/* Called for each complete frame. */
typedef void (*kv_frame_fn)(void *ctx, const uint8_t *frame, size_t len);

void kv_init(struct kv_dec *d);
/* Feed one chunk; every frame completed in it goes to fn. */
void kv_feed(struct kv_dec *d, const uint8_t *p, size_t n, kv_frame_fn fn,
	     void *ctx);
/* The same with a bug: a length header split across two chunks is read
 * as if its first byte were the whole of it. */
void kv_feed_buggy(struct kv_dec *d, const uint8_t *p, size_t n, kv_frame_fn fn,
		   void *ctx);
/* Encode: out must hold len + 2 bytes. Returns the wire size. */
size_t kv_encode(const void *msg, size_t len, uint8_t *out);

#endif
