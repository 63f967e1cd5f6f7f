/* ws codec: one frame = one RFC 6455 WebSocket frame as its wire bytes, or
 * with unmask the same frame as an unmasked sender would write it. The
 * header (at most 14 bytes) is gathered in d->tail, checked, then the
 * payload follows; nothing past the frame's own length is ever read. */
#include "decoder_int.h"

enum { WS_HDR = 0, WS_BODY = 1 };

#define WS_MASK 0x80

/* Wire header length once its first two bytes are known. */
static size_t ws_hdr_len(const uint8_t *h)
{
	size_t n = 2;

	if ((h[1] & 0x7f) == 126)
		n += 2;
	else if ((h[1] & 0x7f) == 127)
		n += 8;
	if (h[1] & WS_MASK)
		n += 4;
	return n;
}

/* Bytes of the header as delivered (unmask drops the key). */
static size_t ws_out_hdr(const struct fr_decoder *d)
{
	bool masked = d->tail[1] & WS_MASK;

	return d->hdr_len - (d->spec.unmask && masked ? 4 : 0);
}

/* The first two bytes: opcode and control-frame rules (RFC 6455 5.2,
 * 5.5), checked before a byte more is read. */
static int ws_check_first(const uint8_t *h)
{
	unsigned op = h[0] & 0x0f;

	if ((op >= 3 && op <= 7) || op >= 0xb)
		return FR_EWS; /* reserved opcode */
	if (op >= 8 && (!(h[0] & 0x80) || (h[1] & 0x7f) > 125))
		return FR_EWS; /* control frames: FIN set, <= 125 bytes */
	return FR_OK;
}

/* The whole header is in d->tail: lengths minimal (5.2), size <= max. */
static int ws_check(struct fr_decoder *d)
{
	const uint8_t *h = d->tail;
	unsigned len7 = h[1] & 0x7f;
	uint64_t plen = len7;

	if (len7 == 126) {
		plen = (uint64_t)h[2] << 8 | h[3];
		if (plen < 126)
			return FR_EWS; /* not the minimal encoding */
	} else if (len7 == 127) {
		plen = 0;
		for (int i = 0; i < 8; i++)
			plen = plen << 8 | h[2 + i];
		if (plen >> 63 || plen < 65536)
			return FR_EWS; /* MSB set, or not minimal */
	}
	d->hdr_len = ws_hdr_len(h);
	if (h[1] & WS_MASK)
		memcpy(d->field, h + d->hdr_len - 4, 4);
	size_t out = ws_out_hdr(d);
	if (out > d->spec.max || plen > d->spec.max - out)
		return FR_EOVERSIZE;
	d->need = plen;
	d->total = d->hdr_len + plen;
	d->phase = WS_BODY;
	return FR_OK;
}

/* Gather header bytes: 1 when complete and checked, 0 (FR_NEED_MORE)
 * when the chunk is used up, or an error. */
static int ws_header(struct fr_decoder *d)
{
	while (d->in_pos < d->in_len) {
		size_t want = d->seen < 2 ? 2 : ws_hdr_len(d->tail);
		size_t avail = d->in_len - d->in_pos;
		size_t n = want - (size_t)d->seen;

		if (n > avail)
			n = avail;
		memcpy(d->tail + d->seen, d->in + d->in_pos, n);
		d->in_pos += n;
		d->seen += n;
		if (d->seen == 2 && want == 2) {
			int rc = ws_check_first(d->tail);
			if (rc)
				return rc;
		}
		if (d->seen >= 2 && d->seen == ws_hdr_len(d->tail)) {
			int rc = ws_check(d);
			return rc ? rc : 1;
		}
	}
	return FR_NEED_MORE;
}

/* Payload: zero-copy when the whole frame is in this chunk and delivered
 * as is; else into the buffer behind the delivered header. */
static int ws_body(struct fr_decoder *d, struct fr_frame *f)
{
	size_t avail = d->in_len - d->in_pos;
	size_t n = d->need < avail ? (size_t)d->need : avail;
	int rc;

	if (!d->spec.unmask && fr_dec_inplace(d) && n == d->need) {
		const uint8_t *p = d->in + (size_t)(d->frame_off - d->in_off);
		uint64_t off = d->frame_off;
		size_t len = (size_t)d->total;

		d->in_pos += n;
		fr_dec_end(d);
		return fr_dec_emit(f, p, len, off);
	}
	if (d->len == 0) {
		uint8_t h[14];
		size_t hl = ws_out_hdr(d);

		memcpy(h, d->tail, hl);
		if (d->spec.unmask)
			h[1] &= (uint8_t)~WS_MASK;
		rc = fr_dec_append(d, h, hl);
		if (rc)
			return rc;
	}
	size_t at = d->len;
	uint64_t pos = d->seen - d->hdr_len; /* payload index of the first */
	rc = fr_dec_append(d, d->in + d->in_pos, n);
	if (rc)
		return rc;
	if (d->spec.unmask && d->tail[1] & WS_MASK)
		for (size_t i = 0; i < n; i++)
			d->buf[at + i] ^= d->field[(pos + i) & 3];
	d->in_pos += n;
	d->seen += n;
	d->need -= n;
	if (d->need > 0)
		return FR_NEED_MORE;
	return fr_dec_emit_buf(d, f);
}

int fr_dec_ws_next(struct fr_decoder *d, struct fr_frame *f)
{
	int rc;

	for (;;) {
		if (!d->in_frame) {
			if (d->in_pos >= d->in_len)
				return FR_NEED_MORE;
			fr_dec_begin(d);
			d->phase = WS_HDR;
		}
		if (d->phase == WS_HDR) {
			rc = ws_header(d);
			if (rc == FR_NEED_MORE)
				return rc;
			if (rc < 0)
				return fr_dec_fail(d, rc, f);
		}
		/* an empty payload completes with no input left */
		if (d->need > 0 && d->in_pos >= d->in_len)
			return FR_NEED_MORE;
		rc = ws_body(d, f);
		if (rc < 0)
			return fr_dec_fail(d, rc, f);
		if (rc == FR_FRAME || d->in_pos >= d->in_len)
			return rc;
	}
}
