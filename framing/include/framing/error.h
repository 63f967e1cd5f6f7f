/* libframing result codes: 0 is success, negative values are errors.
 * Codes in (-4096, 0) are negated errno values (libuv style); codes at or
 * below FR_ERR_BASE are libframing's own. fr_strerror() names every code. */
#ifndef FRAMING_ERROR_H
#define FRAMING_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

#define FR_ERR_BASE (-5000)

enum fr_err {
	FR_OK = 0,
	/* usage / configuration */
	FR_EINVAL = FR_ERR_BASE - 1, /* bad argument */
	FR_ESPEC = FR_ERR_BASE - 2,  /* framing spec does not parse */
	FR_ESCHED = FR_ERR_BASE - 3, /* split schedule does not parse */
	FR_ENOMEM = FR_ERR_BASE - 4, /* allocation failed */
	FR_ENOSPC = FR_ERR_BASE - 5, /* caller's output buffer too small */
	/* decoding: wire data is wrong */
	FR_EOVERSIZE = FR_ERR_BASE - 10, /* frame longer than max */
	FR_EBADLEN = FR_ERR_BASE - 11,	 /* length field invalid (negative after
					    adjust, shorter than header/strip) */
	FR_EVARINT = FR_ERR_BASE - 12,	 /* varint longer than 10 bytes or
					    overflowing 2^64 */
	FR_EESCAPE = FR_ERR_BASE - 13,	 /* SLIP: ESC followed by a bad byte */
	FR_ECOBS = FR_ERR_BASE - 14, /* COBS: code byte runs past frame end */
	FR_ENETSTRING =
	    FR_ERR_BASE - 15, /* netstring syntax (digits, ':', ',') */
	FR_ETRUNCATED = FR_ERR_BASE - 16, /* EOF inside a frame */
	FR_ETRAILER = FR_ERR_BASE - 19,	  /* len: trailer= bytes missing */
	/* decoding: the protocol codecs resp, http1, ws */
	FR_ERESP = FR_ERR_BASE - 40,	/* RESP syntax: type byte, CRLF, a
					   decimal that is not strict */
	FR_EDEPTH = FR_ERR_BASE - 41,	/* RESP aggregates nested past depth */
	FR_EHTTP = FR_ERR_BASE - 42,	/* HTTP/1 syntax: start line, field
					   line, bare CR/LF, obs-fold, chunk */
	FR_EHTTPLEN = FR_ERR_BASE - 43, /* HTTP/1 body length ambiguous: CL
					   twice, TE with CL, TE without
					   final chunked (smuggling) */
	FR_EWS = FR_ERR_BASE - 44,	/* WebSocket frame breaks RFC 6455:
					   length encoding, control frame,
					   reserved opcode */
	/* encoding */
	FR_EUNENCODABLE = FR_ERR_BASE - 20, /* message cannot be framed so that
					       the decoder reads it back */
	/* I/O helpers */
	FR_ECLOSED = FR_ERR_BASE - 30,	 /* peer closed (EOF) before the end */
	FR_ETIMEDOUT = FR_ERR_BASE - 31, /* deadline passed */
	FR_EAGAIN = FR_ERR_BASE - 32,	 /* non-blocking fd would block */
};

/* Human-readable name of any code (libframing's or a negated errno).
 * Never returns NULL. */
const char *fr_strerror(int code);

/* Short symbolic name, e.g. "EOVERSIZE"; for JSON output and tests. */
const char *fr_errname(int code);

#ifdef __cplusplus
}
#endif
#endif
