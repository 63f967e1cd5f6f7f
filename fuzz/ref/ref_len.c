/* Reference decoders for the length-prefixed codecs: len: (fixed-width or
 * LEB128 field, Netty's offset/adjust/strip), tlv and netstring. Any bad
 * frame is fatal: the error, at the frame's first byte, ends the stream. */
#include <errno.h>

#include "framing/codec.h"
#include "ref_int.h"

/* Read the length field at p[0..avail). Returns its size in bytes, 0 if
 * the stream ends inside it, or a negative FR_EVARINT. */
static long ref_field(const struct fr_spec *s, const uint8_t *p, size_t avail,
		      uint64_t *value)
{
	*value = 0;
	if (s->width == 0) {
		for (unsigned i = 0; i < 10; i++) {
			if (i >= avail)
				return 0;
			/* the tenth byte may hold bit 63 only, and must
			 * be the last one */
			if (i == 9 && p[i] > 1)
				return FR_EVARINT;
			*value |= (uint64_t)(p[i] & 0x7f) << (7 * i);
			if (!(p[i] & 0x80))
				return i + 1;
		}
		return FR_EVARINT; /* not reached */
	}
	if (avail < s->width)
		return 0;
	for (unsigned i = 0; i < s->width; i++) {
		unsigned b = s->little ? s->width - 1 - i : i;

		*value = *value << 8 | p[b];
	}
	return s->width;
}

int ref_len(const struct fr_spec *s, const uint8_t *p, size_t n,
	    struct ref_result *r)
{
	size_t pos = 0;

	while (pos < n) {
		size_t avail = n - pos, hdr, strip;
		uint64_t value, body, wire;
		long fl;

		if (avail < s->offset)
			return ref_finish(r, FR_ETRUNCATED, pos);
		fl = ref_field(s, p + pos + s->offset, avail - s->offset,
			       &value);
		if (fl < 0)
			return ref_fatal(r, (int)fl, pos);
		if (fl == 0)
			return ref_finish(r, FR_ETRUNCATED, pos);
		hdr = s->offset + (size_t)fl;
		strip = s->strip_set ? s->strip : hdr;
		/* bytes after the field: value + adjust, which must not
		 * be negative; a sum past 2^64 is far over any max */
		if (s->adjust < 0 && value < (uint64_t)-s->adjust)
			return ref_fatal(r, FR_EBADLEN, pos);
		if (s->adjust > 0 &&
		    value > UINT64_MAX - (uint64_t)s->adjust - hdr)
			return ref_fatal(r, FR_EOVERSIZE, pos);
		body = s->adjust < 0 ? value - (uint64_t)-s->adjust
				     : value + (uint64_t)s->adjust;
		if (body > UINT64_MAX - hdr)
			return ref_fatal(r, FR_EOVERSIZE, pos);
		wire = hdr + body;
		if (wire < strip)
			return ref_fatal(r, FR_EBADLEN, pos);
		if (wire - strip > s->max)
			return ref_fatal(r, FR_EOVERSIZE, pos);
		if (avail < wire)
			return ref_finish(r, FR_ETRUNCATED, pos);
		if (ref_frame(r, pos, p + pos + strip, wire - strip))
			return -ENOMEM;
		pos += wire;
	}
	return ref_finish(r, FR_DONE, 0);
}

/* tlv: type (1), length (4, big-endian), value; the frame delivered is the
 * type byte followed by the value, so it is 1 + length bytes long. */
int ref_tlv(const struct fr_spec *s, const uint8_t *p, size_t n,
	    struct ref_result *r)
{
	size_t pos = 0;

	while (pos < n) {
		uint64_t vlen;

		if (n - pos < 5)
			return ref_finish(r, FR_ETRUNCATED, pos);
		vlen = (uint64_t)p[pos + 1] * 16777216u +
		       (uint64_t)p[pos + 2] * 65536u +
		       (uint64_t)p[pos + 3] * 256u + p[pos + 4];
		if (1 + vlen > s->max)
			return ref_fatal(r, FR_EOVERSIZE, pos);
		if (n - pos - 5 < vlen)
			return ref_finish(r, FR_ETRUNCATED, pos);
		if (ref_frame_begin(r, pos) || ref_frame_byte(r, p[pos]))
			return -ENOMEM;
		for (size_t i = 0; i < vlen; i++)
			if (ref_frame_byte(r, p[pos + 5 + i]))
				return -ENOMEM;
		pos += 5 + (size_t)vlen;
	}
	return ref_finish(r, FR_DONE, 0);
}

static int ref_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* netstring: decimal length (no leading zeros; "0" alone is fine), ':',
 * that many bytes, ','. A length over max is known, and reported, as soon
 * as its digits say so. */
int ref_netstring(const struct fr_spec *s, const uint8_t *p, size_t n,
		  struct ref_result *r)
{
	size_t pos = 0;

	while (pos < n) {
		size_t i = pos;
		uint64_t len = 0;

		for (; i < n && ref_digit(p[i]); i++) {
			if (i > pos && p[pos] == '0')
				return ref_fatal(r, FR_ENETSTRING, pos);
			len = len * 10 + (uint64_t)(p[i] - '0');
			if (len > s->max)
				return ref_fatal(r, FR_EOVERSIZE, pos);
		}
		if (i == n)
			return ref_finish(r, FR_ETRUNCATED, pos);
		if (i == pos || p[i] != ':')
			return ref_fatal(r, FR_ENETSTRING, pos);
		i++;
		if (n - i <= len)
			return ref_finish(r, FR_ETRUNCATED, pos);
		if (p[i + len] != ',')
			return ref_fatal(r, FR_ENETSTRING, pos);
		if (ref_frame(r, pos, p + i, (size_t)len))
			return -ENOMEM;
		pos = i + (size_t)len + 1;
	}
	return ref_finish(r, FR_DONE, 0);
}
