/* Encoders for every framing spec. Each refuses a message its decoder
 * could not read back, so decode(encode(m)) == m always holds. */
#include <stdio.h>
#include <string.h>

#include "decoder_int.h"

static size_t codec_bound(const struct fr_spec *s, size_t n)
{
	switch (s->kind) {
	case FR_FIXED:
		return s->fixed > n ? s->fixed : n;
	case FR_LINE:
	case FR_CRLF:
	case FR_DELIM:
		return n + s->delim_len;
	case FR_LEN:
		return s->offset + 10 + (s->strip_set ? s->strip : 0) + n +
		       s->trailer_len;
	case FR_COBS:
		return n + n / 254 + 2;
	case FR_SLIP:
		return 2 * n + 1;
	case FR_NETSTRING:
		return n + 22;
	case FR_TLV:
		return n + 4;
	default:
		return n;
	}
}

size_t fr_encode_bound(const struct fr_spec *s, size_t n)
{
	struct fr_spec pre;
	size_t b = codec_bound(s, n);

	if (fr_spec_preamble(s, &pre) && codec_bound(&pre, n) > b)
		return codec_bound(&pre, n);
	return b;
}

/* Would msg followed by the delimiter contain the delimiter before its
 * end? (then the decoder would cut the frame short) */
static bool delim_early(const struct fr_spec *s, const uint8_t *m, size_t n)
{
	const uint8_t *D = s->delim;
	size_t k = s->delim_len;

	/* end positions e < n + k - 1 in the virtual string m || D */
	for (size_t e = k - 1; e + 1 < n + k; e++) {
		size_t start = e + 1 - k;
		bool match = true;
		for (size_t i = 0; i < k && match; i++) {
			size_t q = start + i;
			uint8_t c = q < n ? m[q] : D[q - n];
			match = c == D[i];
		}
		if (match)
			return true;
		/* skip quickly to the next place the last byte occurs */
		if (e + 1 < n) {
			const uint8_t *p =
			    memchr(m + e + 1, D[k - 1], n - e - 1);
			size_t next = p ? (size_t)(p - m) : n;
			if (next > e + 1)
				e = next - 1;
		}
	}
	return false;
}

static size_t varint_put(uint8_t *out, uint64_t v)
{
	size_t i = 0;

	while (v >= 0x80) {
		out[i++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[i++] = (uint8_t)v;
	return i;
}

static size_t varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* Length value v for a field of fl bytes when the wire frame is W bytes
 * long; false if it would be negative. */
static bool len_value(const struct fr_spec *s, uint64_t W, size_t fl,
		      uint64_t *v)
{
	uint64_t hdr = s->offset + fl;
	if (W < hdr)
		return false;
	uint64_t rest = W - hdr;
	if (s->adjust >= 0) {
		if (rest < (uint64_t)s->adjust)
			return false;
		*v = rest - (uint64_t)s->adjust;
	} else {
		*v = rest + (uint64_t)(-s->adjust);
	}
	return true;
}

static int encode_len(const struct fr_spec *s, const uint8_t *m, size_t n,
		      uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t fb[10];
	size_t fl = 0;
	uint64_t v = 0, W = 0;

	if (s->width) {
		fl = s->width;
		W = s->strip_set ? s->strip + n : s->offset + fl + n;
		if (!len_value(s, W, fl, &v))
			return FR_EUNENCODABLE;
		if (fl < 8 && v >> (8 * fl))
			return FR_EUNENCODABLE;
		for (size_t i = 0; i < fl; i++) {
			size_t sh = s->little ? 8 * i : 8 * (fl - 1 - i);
			fb[i] = (uint8_t)(v >> sh);
		}
	} else {
		/* the header length depends on the value's own length */
		size_t most = s->vmax ? s->vmax : 10;
		for (fl = 1; fl <= most; fl++) {
			W = s->strip_set ? s->strip + n : s->offset + fl + n;
			if (len_value(s, W, fl, &v) && varint_len(v) == fl)
				break;
		}
		if (fl > most)
			return FR_EUNENCODABLE;
		varint_put(fb, v);
	}
	size_t strip = s->strip_set ? s->strip : s->offset + fl;
	if (W < s->offset + fl)
		return FR_EUNENCODABLE;
	/* field bytes the message itself carries must agree */
	for (size_t i = 0; i < fl; i++) {
		size_t q = s->offset + i;
		if (q >= strip && m[q - strip] != fb[i])
			return FR_EUNENCODABLE;
	}
	if (W + s->trailer_len > cap)
		return FR_ENOSPC;
	size_t lead = strip < W ? strip : (size_t)W;
	memset(out, 0, lead);
	for (size_t i = 0; i < fl; i++)
		if (s->offset + i < strip)
			out[s->offset + i] = fb[i];
	memcpy(out + strip, m, n);
	memcpy(out + W, s->trailer, s->trailer_len);
	*out_len = (size_t)W + s->trailer_len;
	return FR_OK;
}

static size_t encode_cobs(const uint8_t *m, size_t n, uint8_t *out)
{
	size_t o = 1, code_at = 0;
	uint8_t code = 1;

	for (size_t i = 0; i < n; i++) {
		if (m[i] == 0) {
			out[code_at] = code;
			code_at = o++;
			code = 1;
			continue;
		}
		out[o++] = m[i];
		if (++code == 0xff && i + 1 < n) {
			out[code_at] = code;
			code_at = o++;
			code = 1;
		}
	}
	out[code_at] = code;
	out[o++] = 0;
	return o;
}

static size_t encode_slip(const uint8_t *m, size_t n, uint8_t *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (m[i] == 0xc0) {
			out[o++] = 0xdb;
			out[o++] = 0xdc;
		} else if (m[i] == 0xdb) {
			out[o++] = 0xdb;
			out[o++] = 0xdd;
		} else {
			out[o++] = m[i];
		}
	}
	out[o++] = 0xc0;
	return o;
}

/* Exact wire size of an accepted message (all codecs but len). */
static size_t exact_size(const struct fr_spec *s, const uint8_t *m, size_t n)
{
	size_t extra = 0;

	switch (s->kind) {
	case FR_COBS: /* zeros become code bytes; a full 254-run adds one */
		for (size_t i = 0, run = 0; i < n; i++) {
			if (m[i] == 0) {
				run = 0;
			} else if (++run == 254 && i + 1 < n) {
				extra++;
				run = 0;
			}
		}
		return n + extra + 2;
	case FR_SLIP:
		for (size_t i = 0; i < n; i++)
			extra += m[i] == 0xc0 || m[i] == 0xdb;
		return n + extra + 1;
	case FR_NETSTRING:
		for (size_t v = n; v >= 10; v /= 10)
			extra++;
		return n + extra + 3;
	default:
		return fr_encode_bound(s, n);
	}
}

/* Refusals that do not depend on the output buffer. */
static int encode_check(const struct fr_spec *s, const uint8_t *m, size_t n)
{
	if (n > s->max)
		return FR_EOVERSIZE;
	switch (s->kind) {
	case FR_FIXED:
		return n == s->fixed ? FR_OK : FR_EUNENCODABLE;
	case FR_LINE:
	case FR_CRLF:
	case FR_DELIM:
		return delim_early(s, m, n) ? FR_EUNENCODABLE : FR_OK;
	case FR_SLIP:
		return n == 0 ? FR_EUNENCODABLE : FR_OK;
	case FR_TLV:
		if (n == 0 || n - 1 > UINT32_MAX)
			return FR_EUNENCODABLE;
		return FR_OK;
	case FR_RESP:
	case FR_HTTP1:
	case FR_WS:
		return fr_dec_validate(s, m, n);
	default:
		return FR_OK;
	}
}

int fr_encode(const struct fr_spec *s, const void *msg, size_t n, void *outv,
	      size_t cap, size_t *out_len)
{
	const uint8_t *m = msg;
	uint8_t *out = outv;
	int rc;

	if (!s || (n && !msg) || !out_len || (!out && cap))
		return FR_EINVAL;
	rc = encode_check(s, m, n);
	if (rc)
		return rc;
	if (s->kind == FR_LEN)
		return encode_len(s, m, n, out, cap, out_len);
	if (exact_size(s, m, n) > cap)
		return FR_ENOSPC;
	switch (s->kind) {
	case FR_LINE:
	case FR_CRLF:
	case FR_DELIM:
		memcpy(out, m, n);
		memcpy(out + n, s->delim, s->delim_len);
		*out_len = n + s->delim_len;
		return FR_OK;
	case FR_COBS:
		*out_len = encode_cobs(m, n, out);
		return FR_OK;
	case FR_SLIP:
		*out_len = encode_slip(m, n, out);
		return FR_OK;
	case FR_NETSTRING: {
		char hdr[24];
		int h = snprintf(hdr, sizeof(hdr), "%zu:", n);
		memcpy(out, hdr, (size_t)h);
		memcpy(out + h, m, n);
		out[(size_t)h + n] = ',';
		*out_len = (size_t)h + n + 1;
		return FR_OK;
	}
	case FR_TLV:
		out[0] = m[0];
		out[1] = (uint8_t)((n - 1) >> 24);
		out[2] = (uint8_t)((n - 1) >> 16);
		out[3] = (uint8_t)((n - 1) >> 8);
		out[4] = (uint8_t)(n - 1);
		memcpy(out + 5, m + 1, n - 1);
		*out_len = n + 4;
		return FR_OK;
	default: /* fixed, raw, and resp, http1, ws (checked whole units) */
		if (n)
			memcpy(out, m, n);
		*out_len = n;
		return FR_OK;
	}
}

int fr_encode_preamble(const struct fr_spec *s, const void *msg, size_t n,
		       void *out, size_t cap, size_t *out_len)
{
	struct fr_spec pre;

	if (!s || !fr_spec_preamble(s, &pre))
		return FR_EINVAL;
	return fr_encode(&pre, msg, n, out, cap, out_len);
}
