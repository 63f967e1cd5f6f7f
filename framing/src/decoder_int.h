/* Internal interface between the decoder core (decoder.c) and the codec
 * files (dec_delim.c, dec_stuff.c, dec_len.c, dec_misc.c, ...). */
#ifndef FRAMING_DECODER_INT_H
#define FRAMING_DECODER_INT_H

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "framing/codec.h"

/* Each returns FR_FRAME, FR_NEED_MORE (input used up, partial state
 * saved) or a negative error (via fr_dec_fail / fr_dec_report). */
int fr_dec_delim_next(struct fr_decoder *d, struct fr_frame *f);
int fr_dec_cobs_next(struct fr_decoder *d, struct fr_frame *f);
int fr_dec_slip_next(struct fr_decoder *d, struct fr_frame *f);
int fr_dec_len_next(struct fr_decoder *d, struct fr_frame *f);
int fr_dec_tlv_next(struct fr_decoder *d, struct fr_frame *f);
int fr_dec_netstring_next(struct fr_decoder *d, struct fr_frame *f);
int fr_dec_fixed_next(struct fr_decoder *d, struct fr_frame *f);
int fr_dec_raw_next(struct fr_decoder *d, struct fr_frame *f);
int fr_dec_resp_next(struct fr_decoder *d, struct fr_frame *f);
int fr_dec_http1_next(struct fr_decoder *d, struct fr_frame *f);
int fr_dec_ws_next(struct fr_decoder *d, struct fr_frame *f);
/* http1:resp at EOF: FR_FRAME for a body delimited by close, else 0. */
int fr_dec_http1_finish(struct fr_decoder *d, struct fr_frame *f);

/* Does the one complete wire unit of kind (resp, http1, ws) span exactly
 * msg[0..n)? FR_OK or FR_EUNENCODABLE; allocates nothing. */
int fr_dec_validate(const struct fr_spec *spec, const uint8_t *msg, size_t n);

/* Make the buffer hold at least need bytes (an owned one grows, never
 * past d->bound). Returns FR_OK or FR_ENOMEM. */
int fr_dec_reserve(struct fr_decoder *d, size_t need);

/* Append n bytes to the partial frame, growing an owned buffer (never
 * past d->bound). Returns FR_OK or FR_ENOMEM. */
int fr_dec_append(struct fr_decoder *d, const uint8_t *p, size_t n);

/* Fatal, sticky error at the current frame's offset. */
int fr_dec_fail(struct fr_decoder *d, int code, struct fr_frame *f);
/* Recoverable error at the current frame's offset, reported once. */
int fr_dec_report(struct fr_decoder *d, int code, struct fr_frame *f);

/* Start a new frame at the current input position. */
static inline void fr_dec_begin(struct fr_decoder *d)
{
	d->frame_off = d->in_off + d->in_pos;
	d->in_frame = true;
	d->seen = 0;
	d->len = 0;
}

/* Frame finished: clear per-frame state. */
static inline void fr_dec_end(struct fr_decoder *d)
{
	d->in_frame = false;
	d->discarding = false;
	d->seen = 0;
	d->len = 0;
	d->phase = 0;
	d->need = 0;
	d->value = 0;
	d->shift = 0;
	d->field_got = 0;
	d->tail_len = 0;
	d->cobs_left = 0;
	d->cobs_zero = false;
	d->esc = false;
	d->tok = 0;
	d->pflags = 0;
	d->level = 0;
}

static inline int fr_dec_emit(struct fr_frame *f, const uint8_t *p, size_t n,
			      uint64_t off)
{
	static const uint8_t empty[1];

	f->data = p ? p : empty; /* never NULL for a frame, even an empty one */
	f->len = n;
	f->offset = off;
	return FR_FRAME;
}

/* The frame in the decoder's buffer is complete: emit it, reset state. */
static inline int fr_dec_emit_buf(struct fr_decoder *d, struct fr_frame *f)
{
	uint64_t off = d->frame_off;
	size_t len = d->len;

	fr_dec_end(d);
	return fr_dec_emit(f, d->buf, len, off);
}

/* ---- resp, http1, ws: frames delivered as their wire bytes. While a
 * frame began in the chunk being read it is parsed in place; when the chunk
 * ends inside it, fr_dec_keep moves its bytes to the buffer and later bytes
 * are appended as they are taken, so the frame so far is always contiguous
 * at fr_dec_base. Callers keep d->seen <= max before taking bytes. */

static inline bool fr_dec_inplace(const struct fr_decoder *d)
{
	return d->frame_off >= d->in_off;
}

static inline const uint8_t *fr_dec_base(const struct fr_decoder *d)
{
	if (fr_dec_inplace(d))
		return d->in + (size_t)(d->frame_off - d->in_off);
	return d->buf;
}

/* Take n bytes of the chunk into the frame. FR_OK or FR_ENOMEM. */
static inline int fr_dec_take(struct fr_decoder *d, size_t n)
{
	if (!fr_dec_inplace(d)) {
		int rc = fr_dec_append(d, d->in + d->in_pos, n);
		if (rc)
			return rc;
	}
	d->in_pos += n;
	d->seen += n;
	return FR_OK;
}

/* The chunk is used up inside a frame: keep the frame's bytes. */
static inline int fr_dec_keep(struct fr_decoder *d)
{
	if (!d->in_frame || !fr_dec_inplace(d))
		return FR_OK;
	return fr_dec_append(d, fr_dec_base(d), (size_t)d->seen);
}

/* The frame (d->seen bytes) is complete: emit it and reset state. */
static inline int fr_dec_emit_wire(struct fr_decoder *d, struct fr_frame *f)
{
	if (fr_dec_inplace(d)) {
		const uint8_t *p = fr_dec_base(d);
		size_t n = (size_t)d->seen;
		uint64_t off = d->frame_off;

		fr_dec_end(d);
		return fr_dec_emit(f, p, n, off);
	}
	return fr_dec_emit_buf(d, f);
}

/* First LF in p[0..n), or NULL: protocol lines are short, so 16 bytes at
 * a time inline beat a call to libc's memchr (measured on http1's header
 * lines). */
static inline const uint8_t *fr_dec_find_lf(const uint8_t *p, size_t n)
{
	size_t i = 0;

#if defined(__SSE2__)
	const __m128i lf = _mm_set1_epi8('\n');

	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(p + i));
		int m = _mm_movemask_epi8(_mm_cmpeq_epi8(v, lf));
		if (m)
			return p + i + (unsigned)__builtin_ctz((unsigned)m);
	}
#endif
	return memchr(p + i, '\n', n - i);
}

/* Take bytes of the line that starts at frame position d->tok, up to and
 * including its LF, reading at most lim bytes of it in all. Returns 1 (line
 * complete at fr_dec_base(d) + d->tok, d->seen - d->tok bytes), 0 (chunk
 * used up), -1 (lim bytes and no LF) or FR_ENOMEM. The result depends only
 * on the bytes, never on where the chunks end. */
static inline int fr_dec_line(struct fr_decoder *d, uint64_t lim)
{
	uint64_t have = d->seen - d->tok;
	size_t avail = d->in_len - d->in_pos;
	const uint8_t *p = d->in + d->in_pos;
	const uint8_t *lf;
	size_t n;
	int rc;

	if (have >= lim)
		return -1;
	n = lim - have < avail ? (size_t)(lim - have) : avail;
	lf = fr_dec_find_lf(p, n);
	if (lf) {
		rc = fr_dec_take(d, (size_t)(lf - p) + 1);
		return rc ? rc : 1;
	}
	rc = fr_dec_take(d, n);
	if (rc)
		return rc;
	return have + n >= lim ? -1 : 0;
}

#endif
