/* Encoders of resp, http1 and ws. Their decoders deliver whole wire units
 * (a RESP value, an HTTP message, a WebSocket frame), so the encoder takes
 * one such unit, checks with the decoder that it is exactly one, and copies
 * it: decode(encode(m)) == m, and nothing else is accepted. */
#include "decoder_int.h"

int fr_dec_validate(const struct fr_spec *spec, const uint8_t *m, size_t n)
{
	struct fr_spec s = *spec;
	struct fr_decoder d;
	struct fr_frame f;

	if (n == 0)
		return FR_EUNENCODABLE;
	if (s.kind == FR_WS && s.unmask) {
		/* delivered unmasked: only an unmasked frame comes back as is
		 */
		if (n < 2 || m[1] & 0x80)
			return FR_EUNENCODABLE;
		s.unmask = false;
	}
	if (fr_decoder_init(&d, &s, NULL, 0) != FR_OK)
		return FR_EUNENCODABLE;
	d.own_buf = false; /* in place only: a partial unit fails, no malloc */
	if (fr_decoder_feed(&d, m, n) != FR_OK ||
	    fr_decoder_next(&d, &f) != FR_FRAME || f.len != n)
		return FR_EUNENCODABLE;
	return FR_OK;
}
