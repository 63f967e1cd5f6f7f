/* Length-prefixed codecs: len:W{be,le} / len:varint with Netty's offset,
 * adjust and strip (and trailer=, vmax=), tlv and netstring. Every length
 * is checked against max before a byte of payload is buffered; errors are
 * fatal and sticky. */
#include <string.h>

#include "decoder_int.h"

enum { LEN_HDR = 0, LEN_BODY = 1 };

static uint64_t field_value(const struct fr_spec *s, const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < s->width; i++) {
		unsigned sh = s->little ? 8 * i : 8 * (s->width - 1 - i);
		v |= (uint64_t)p[i] << sh;
	}
	return v;
}

/* One varint byte: 1 done, 0 more bytes follow, FR_EVARINT. Strict: at
 * most 10 bytes (vmax if set), value below 2^64. */
static int varint_step(const struct fr_spec *s, uint64_t *value,
		       unsigned *shift, uint8_t b)
{
	uint64_t part = b & 0x7f;

	if (*shift == 63 && (part > 1 || (b & 0x80)))
		return FR_EVARINT;
	*value |= part << *shift;
	if (!(b & 0x80))
		return 1;
	*shift += 7;
	if (s->vmax && *shift >= 7 * s->vmax) /* vmax bytes, and more */
		return FR_EVARINT;
	return 0;
}

/* With the header read (value, hdr_len known), compute the wire length of
 * the frame and check it: d->total, d->need set. */
static int len_check(struct fr_decoder *d, uint64_t v, size_t hdr_len)
{
	const struct fr_spec *s = &d->spec;
	uint64_t rest, total, strip;

	if (s->adjust >= 0) {
		uint64_t a = (uint64_t)s->adjust;
		if (v > UINT64_MAX - a - hdr_len)
			return FR_EOVERSIZE;
		rest = v + a;
	} else {
		uint64_t a = (uint64_t)(-s->adjust);
		if (v < a)
			return FR_EBADLEN;
		rest = v - a;
	}
	if (rest > UINT64_MAX - hdr_len) /* far past any max; don't wrap */
		return FR_EOVERSIZE;
	total = hdr_len + rest;
	strip = s->strip_set ? s->strip : hdr_len;
	if (total < strip)
		return FR_EBADLEN;
	if (total - strip > s->max)
		return FR_EOVERSIZE;
	d->hdr_len = hdr_len;
	d->total = total;
	return FR_OK;
}

/* Fast path: the whole header is in the chunk at in[pos..len). Returns
 * FR_FRAME, an error, or FR_NEED_MORE: either the header is incomplete here
 * (nothing consumed, in_frame still false: read it byte by byte) or the
 * header was read and the body goes on in later chunks (in_frame set). */
static int len_fast(struct fr_decoder *d, struct fr_frame *f)
{
	const struct fr_spec *s = &d->spec;
	const uint8_t *p = d->in + d->in_pos;
	size_t avail = d->in_len - d->in_pos;
	size_t hdr;
	uint64_t v = 0;

	if (avail <= s->offset)
		return FR_NEED_MORE;
	if (s->width) {
		hdr = s->offset + s->width;
		if (avail < hdr)
			return FR_NEED_MORE;
		v = field_value(s, p + s->offset);
	} else {
		unsigned shift = 0;
		size_t i = s->offset;
		for (;; i++) {
			if (i == avail)
				return FR_NEED_MORE;
			int rc = varint_step(s, &v, &shift, p[i]);
			if (rc < 0) {
				fr_dec_begin(d);
				return fr_dec_fail(d, rc, f);
			}
			if (rc)
				break;
		}
		hdr = i + 1;
	}
	int rc = len_check(d, v, hdr);
	if (rc) {
		fr_dec_begin(d);
		return fr_dec_fail(d, rc, f);
	}
	size_t strip = s->strip_set ? s->strip : hdr;
	size_t tl = s->trailer_len;
	if (d->total + tl > avail) {
		/* the rest comes in later chunks: go on with the body, the
		 * header is already read (kept bytes of it go to the buffer) */
		fr_dec_begin(d);
		if (strip < hdr) {
			rc = fr_dec_append(d, p + strip, hdr - strip);
			if (rc)
				return fr_dec_fail(d, rc, f);
		}
		d->in_pos += hdr;
		d->seen = hdr;
		d->phase = LEN_BODY;
		return FR_NEED_MORE;
	}
	if (tl && memcmp(p + d->total, s->trailer, tl) != 0) {
		fr_dec_begin(d);
		return fr_dec_fail(d, FR_ETRAILER, f);
	}
	uint64_t off = d->in_off + d->in_pos;
	d->in_pos += (size_t)d->total + tl;
	return fr_dec_emit(f, p + strip, (size_t)(d->total - strip), off);
}

/* Slow path: one header byte at a time, state in d. */
static int len_hdr_byte(struct fr_decoder *d, uint8_t b, struct fr_frame *f)
{
	const struct fr_spec *s = &d->spec;
	uint64_t pos = d->seen; /* wire position of b in the frame */
	bool done = false;

	if (s->strip_set && pos >= s->strip) {
		int rc = fr_dec_append(d, &b, 1);
		if (rc)
			return fr_dec_fail(d, rc, f);
	}
	d->seen++;
	if (pos < s->offset)
		return FR_OK;
	if (s->width) {
		d->field[d->field_got++] = b;
		done = d->field_got == s->width;
		if (done)
			d->value = field_value(s, d->field);
	} else {
		int rc = varint_step(s, &d->value, &d->shift, b);
		if (rc < 0)
			return fr_dec_fail(d, rc, f);
		done = rc > 0;
	}
	if (!done)
		return FR_OK;
	int rc = len_check(d, d->value, (size_t)d->seen);
	if (rc)
		return fr_dec_fail(d, rc, f);
	d->phase = LEN_BODY;
	return FR_OK;
}

/* Buffer what the input holds of the rest of the frame (total - seen wire
 * bytes): FR_OK (complete when seen == total) or an error. */
static int buffer_rest(struct fr_decoder *d, struct fr_frame *f)
{
	size_t avail = d->in_len - d->in_pos;
	uint64_t left = d->total - d->seen;
	size_t n = left < avail ? (size_t)left : avail;
	int rc = fr_dec_append(d, d->in + d->in_pos, n);

	if (rc)
		return fr_dec_fail(d, rc, f);
	d->in_pos += n;
	d->seen += n;
	return FR_OK;
}

/* buffer_rest, then the frame once complete. Shared by len and tlv. */
static int take_rest(struct fr_decoder *d, struct fr_frame *f)
{
	int rc = buffer_rest(d, f);

	if (rc)
		return rc;
	if (d->seen < d->total)
		return FR_NEED_MORE;
	return fr_dec_emit_buf(d, f);
}

/* trailer=: after the body, match the trailer bytes (d->need of them are
 * matched so far), then deliver the frame without them. */
static int len_trailer(struct fr_decoder *d, struct fr_frame *f)
{
	const struct fr_spec *s = &d->spec;

	while (d->need < s->trailer_len) {
		if (d->in_pos == d->in_len)
			return FR_NEED_MORE;
		if (d->in[d->in_pos] != s->trailer[d->need])
			return fr_dec_fail(d, FR_ETRAILER, f);
		d->in_pos++;
		d->need++;
	}
	return fr_dec_emit_buf(d, f);
}

static int len_body(struct fr_decoder *d, struct fr_frame *f)
{
	const struct fr_spec *s = &d->spec;
	size_t strip = s->strip_set ? s->strip : d->hdr_len;

	/* bytes before strip are dropped, the rest delivered */
	if (d->seen < strip) {
		size_t avail = d->in_len - d->in_pos;
		uint64_t skip = strip - d->seen;
		uint64_t left = d->total - d->seen;
		size_t k = skip < avail ? (size_t)skip : avail;
		if (k > left)
			k = (size_t)left;
		d->in_pos += k;
		d->seen += k;
	}
	if (!s->trailer_len)
		return take_rest(d, f);
	int rc = buffer_rest(d, f);
	if (rc)
		return rc;
	if (d->seen < d->total)
		return FR_NEED_MORE;
	return len_trailer(d, f);
}

int fr_dec_len_next(struct fr_decoder *d, struct fr_frame *f)
{
	while (d->in_pos < d->in_len) {
		if (!d->in_frame) {
			int rc = len_fast(d, f);
			if (rc != FR_NEED_MORE)
				return rc;
			if (!d->in_frame)
				fr_dec_begin(d);
		}
		if (d->phase == LEN_HDR) {
			int rc = len_hdr_byte(d, d->in[d->in_pos++], f);
			if (rc)
				return rc;
			if (d->phase == LEN_HDR)
				continue;
		}
		/* may complete with no input left: an empty body */
		int rc = len_body(d, f);
		if (rc != FR_NEED_MORE)
			return rc;
	}
	return FR_NEED_MORE;
}

/* ---- tlv: type (1), length (4, BE), value; frame = type + value. */

int fr_dec_tlv_next(struct fr_decoder *d, struct fr_frame *f)
{
	while (d->in_pos < d->in_len) {
		if (!d->in_frame)
			fr_dec_begin(d);
		if (d->seen < 5) {
			uint8_t b = d->in[d->in_pos++];
			d->field[d->seen++] = b;
			if (d->seen < 5)
				continue;
			uint64_t v = (uint64_t)d->field[1] << 24 |
				     (uint64_t)d->field[2] << 16 |
				     (uint64_t)d->field[3] << 8 | d->field[4];
			if (v + 1 > d->spec.max)
				return fr_dec_fail(d, FR_EOVERSIZE, f);
			d->total = 5 + v;
			int rc = fr_dec_append(d, d->field, 1);
			if (rc)
				return fr_dec_fail(d, rc, f);
		}
		return take_rest(d, f);
	}
	return FR_NEED_MORE;
}

/* ---- netstring: <decimal length>:<payload>,  (no leading zeros) */

enum { NS_DIGITS = 0, NS_BODY = 1, NS_COMMA = 2 };

static int ns_digit(struct fr_decoder *d, uint8_t b, struct fr_frame *f)
{
	if (b == ':') {
		if (d->field_got == 0)
			return fr_dec_fail(d, FR_ENETSTRING, f);
		d->phase = NS_BODY;
		d->need = d->value;
		return FR_OK;
	}
	if (b < '0' || b > '9')
		return fr_dec_fail(d, FR_ENETSTRING, f);
	if (d->field_got == 1 && d->value == 0) /* leading zero */
		return fr_dec_fail(d, FR_ENETSTRING, f);
	d->value = d->value * 10 + (uint64_t)(b - '0');
	d->field_got++;
	if (d->value > d->spec.max)
		return fr_dec_fail(d, FR_EOVERSIZE, f);
	return FR_OK;
}

int fr_dec_netstring_next(struct fr_decoder *d, struct fr_frame *f)
{
	while (d->in_pos < d->in_len) {
		if (!d->in_frame)
			fr_dec_begin(d);
		if (d->phase == NS_DIGITS) {
			d->seen++;
			int rc = ns_digit(d, d->in[d->in_pos++], f);
			if (rc)
				return rc;
			continue;
		}
		if (d->phase == NS_BODY) {
			size_t avail = d->in_len - d->in_pos;
			const uint8_t *p = d->in + d->in_pos;
			/* zero-copy: payload and comma both in this chunk */
			if (d->len == 0 && avail > d->need &&
			    p[d->need] == ',') {
				size_t len = (size_t)d->need;
				uint64_t off = d->frame_off;
				d->in_pos += len + 1;
				fr_dec_end(d);
				return fr_dec_emit(f, p, len, off);
			}
			size_t n = d->need < avail ? (size_t)d->need : avail;
			int rc = fr_dec_append(d, p, n);
			if (rc)
				return fr_dec_fail(d, rc, f);
			d->in_pos += n;
			d->seen += n;
			d->need -= n;
			if (d->need == 0)
				d->phase = NS_COMMA;
			continue;
		}
		/* NS_COMMA */
		if (d->in[d->in_pos] != ',')
			return fr_dec_fail(d, FR_ENETSTRING, f);
		d->in_pos++;
		return fr_dec_emit_buf(d, f);
	}
	return FR_NEED_MORE;
}
