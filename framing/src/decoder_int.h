/* Internal interface between the decoder core (decoder.c) and the codec
 * files (dec_delim.c, dec_len.c, dec_misc.c). */
#ifndef FRAMING_DECODER_INT_H
#define FRAMING_DECODER_INT_H

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

#endif
