/* Reference decoder for ws (docs/specs.md "ws", RFC 6455 5.2): one frame
 * per WebSocket frame, read from the whole stream; `unmask` rewrites the
 * frame without its key. Every error is fatal at the frame's first byte. */
#include <errno.h>
#include <stdbool.h>

#include "framing/codec.h"
#include "ref_int.h"

/* RFC 6455 5.2 opcodes: 0 continuation, 1 text, 2 binary, 8 close,
 * 9 ping, 10 pong; 3-7 and 11-15 are reserved. */
static bool ws_opcode_ok(unsigned op)
{
	return op <= 2 || (op >= 8 && op <= 10);
}

/* One frame at p[0..avail): 0 and *wire set, 1 if the stream ends first,
 * or a negative FR_E*. */
static int ws_frame(const struct fr_spec *s, const uint8_t *p, size_t avail,
		    size_t *hdr, uint64_t *plen, size_t *wire)
{
	unsigned op, len7;
	bool mask;
	size_t ext;
	uint64_t len = 0, delivered;

	if (avail < 2)
		return 1;
	op = p[0] & 0x0f;
	mask = p[1] & 0x80;
	len7 = p[1] & 0x7f;
	/* 5.5: control frames are not fragmented and carry <= 125 bytes;
	 * both are visible in the first two bytes */
	if (!ws_opcode_ok(op))
		return FR_EWS;
	if (op >= 8 && (!(p[0] & 0x80) || len7 > 125))
		return FR_EWS;
	ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
	*hdr = 2 + ext + (mask ? 4 : 0);
	if (avail < *hdr)
		return 1;
	if (ext == 0)
		len = len7;
	for (size_t i = 0; i < ext; i++)
		len = len << 8 | p[2 + i];
	/* 5.2: the minimal number of bytes must be used; a 64-bit length
	 * has its most significant bit clear */
	if ((ext == 2 && len < 126) ||
	    (ext == 8 && (len <= 0xffff || (len >> 63) != 0)))
		return FR_EWS;
	delivered = (s->unmask && mask ? *hdr - 4 : *hdr);
	if (len > s->max || delivered + len > s->max)
		return FR_EOVERSIZE;
	if (avail - *hdr < len)
		return 1;
	*plen = len;
	*wire = *hdr + (size_t)len;
	return 0;
}

int ref_ws(const struct fr_spec *s, const uint8_t *p, size_t n,
	   struct ref_result *r)
{
	size_t pos = 0;

	while (pos < n) {
		const uint8_t *f = p + pos;
		size_t hdr = 0, wire = 0;
		uint64_t len = 0;
		int rc = ws_frame(s, f, n - pos, &hdr, &len, &wire);

		if (rc == 1)
			return ref_finish(r, FR_ETRUNCATED, pos);
		if (rc < 0)
			return ref_fatal(r, rc, pos);
		if (!s->unmask || !(f[1] & 0x80)) {
			if (ref_frame(r, pos, f, wire))
				return -ENOMEM;
		} else {
			/* the same frame with MASK clear, no key, and the
			 * payload XORed with the key (5.3) */
			const uint8_t *key = f + hdr - 4;

			if (ref_frame_begin(r, pos) ||
			    ref_frame_byte(r, f[0]) ||
			    ref_frame_byte(r, f[1] & 0x7f))
				return -ENOMEM;
			for (size_t i = 2; i < hdr - 4; i++)
				if (ref_frame_byte(r, f[i]))
					return -ENOMEM;
			for (size_t i = 0; i < len; i++)
				if (ref_frame_byte(r, f[hdr + i] ^ key[i % 4]))
					return -ENOMEM;
		}
		pos += wire;
	}
	return ref_finish(r, FR_DONE, 0);
}
