/* Sans-I/O echo core (echo_core.h): decode what arrives, re-encode each
 * frame with the same spec into a bounded output buffer. */
#include <stdlib.h>
#include <string.h>

#include "echo_core.h"

#define ECHO_DEC_MIN 256 /* the decoder's first allocation */

int echo_init(struct echo_conn *c, const struct fr_spec *spec)
{
	memset(c, 0, sizeof(*c));
	c->raw = spec->kind == FR_RAW;
	c->spec = *spec;
	return fr_decoder_init(&c->dec, spec, NULL, 0);
}

void echo_free(struct echo_conn *c)
{
	fr_decoder_free(&c->dec);
	cm_buf_free(&c->out);
}

static int fail(struct echo_conn *c, int code, uint64_t offset,
		const char *reason)
{
	if (c->err.code == 0) {
		c->err.code = code;
		c->err.offset = offset;
		c->err.reason = reason;
	}
	return c->err.code;
}

static int append_raw(struct echo_conn *c, const void *data, size_t len)
{
	if (cm_buf_append(&c->out, data, len) != 0)
		return fail(c, FR_ENOMEM, c->received, "out of memory");
	return FR_OK;
}

static int echo_frame(struct echo_conn *c, const struct fr_frame *f)
{
	const struct fr_spec *spec = &c->dec.spec;
	size_t bound = fr_encode_bound(spec, f->len);
	size_t n = 0;
	int rc;

	if (cm_buf_reserve(&c->out, bound) != 0)
		return fail(c, FR_ENOMEM, f->offset, "out of memory");
	rc = fr_encode(spec, f->data, f->len, cm_buf_tail(&c->out),
		       cm_buf_room(&c->out), &n);
	if (rc != FR_OK)
		return fail(c, rc, f->offset, "frame cannot be re-encoded");
	cm_buf_commit(&c->out, n);
	c->frames++;
	return FR_OK;
}

/* Between frames, after a big one: a fresh decoder (its buffer freed),
 * offsets going on from where the old one stopped. */
static int restart(struct echo_conn *c)
{
	c->base += fr_decoder_offset(&c->dec);
	fr_decoder_free(&c->dec);
	c->frame_end = 0;
	c->dec_peak = 0;
	if (fr_decoder_init(&c->dec, &c->spec, NULL, 0) != FR_OK)
		return fail(c, FR_ENOMEM, c->base, "decoder restart failed");
	return FR_OK;
}

size_t echo_partial(const struct echo_conn *c)
{
	return c->raw ? 0 : (size_t)(fr_decoder_offset(&c->dec) - c->frame_end);
}

/* What the decoder allocates to hold peak bytes: doubling from
 * ECHO_DEC_MIN, at most its bound. */
static size_t dec_bytes(const struct echo_conn *c, size_t peak)
{
	size_t cap = ECHO_DEC_MIN, bound = fr_decoder_bufsize(&c->spec);

	if (c->raw || peak == 0)
		return 0;
	while (cap < peak && cap < bound)
		cap *= 2;
	return cap < bound ? cap : bound;
}

size_t echo_held(const struct echo_conn *c)
{
	return dec_bytes(c, c->dec_peak) + c->out.cap;
}

size_t echo_held_after(const struct echo_conn *c, size_t n)
{
	size_t peak = echo_partial(c) + n;

	if (peak < c->dec_peak)
		peak = c->dec_peak;
	/* the output may grow by about what comes in (raw: exactly) */
	return dec_bytes(c, peak) + c->out.cap + n + ECHO_DEC_MIN;
}

int echo_input(struct echo_conn *c, const void *data, size_t len)
{
	struct fr_frame f;
	int rc;

	if (c->err.code != 0)
		return c->err.code;
	if (len == 0)
		return FR_OK;
	c->received += len;
	if (c->raw)
		return append_raw(c, data, len);
	rc = fr_decoder_feed(&c->dec, data, len);
	if (rc != FR_OK)
		return fail(c, rc, c->base + fr_decoder_offset(&c->dec),
			    "decoder misuse");
	for (;;) {
		rc = fr_decoder_next(&c->dec, &f);
		if (rc == FR_NEED_MORE)
			break;
		if (rc < 0)
			return fail(c, rc, c->base + f.offset, fr_strerror(rc));
		f.offset += c->base;
		rc = echo_frame(c, &f);
		if (rc != FR_OK)
			return rc;
		c->frame_end = fr_decoder_offset(&c->dec);
	}
	size_t partial = echo_partial(c);
	if (partial > c->dec_peak)
		c->dec_peak = partial;
	return partial == 0 && c->dec_peak > ECHO_KEEP_CAP ? restart(c) : FR_OK;
}

int echo_eof(struct echo_conn *c)
{
	struct fr_frame f;
	int rc;

	if (c->err.code != 0)
		return c->err.code;
	if (c->raw)
		return FR_OK;
	rc = fr_decoder_finish(&c->dec, &f);
	if (rc == FR_FRAME) {
		/* http1:resp: a response ended by the close is a frame. The
		 * encoder refuses it (mid-stream it would swallow what
		 * follows), but here it is the last thing the echo sends
		 * before closing too, so its wire bytes are echoed as they
		 * are and read back as the same frame. */
		rc = append_raw(c, f.data, f.len);
		if (rc != FR_OK)
			return rc;
		c->frames++;
		rc = fr_decoder_finish(&c->dec, &f);
	}
	if (rc == FR_DONE)
		return FR_OK;
	if (rc >= 0)
		return fail(c, FR_EINVAL, c->base + fr_decoder_offset(&c->dec),
			    "unexpected finish result");
	return fail(c, rc, c->base + f.offset, fr_strerror(rc));
}

const uint8_t *echo_output(const struct echo_conn *c, size_t *len)
{
	*len = cm_buf_len(&c->out);
	return *len ? cm_buf_data(&c->out) : NULL;
}

void echo_consume(struct echo_conn *c, size_t n)
{
	size_t pending = cm_buf_len(&c->out);

	cm_buf_consume(&c->out, n < pending ? n : pending);
	if (cm_buf_len(&c->out) == 0 && c->out.cap > ECHO_KEEP_CAP)
		cm_buf_free(&c->out);
}

size_t echo_pending(const struct echo_conn *c)
{
	return cm_buf_len(&c->out);
}

bool echo_want_read(const struct echo_conn *c)
{
	return c->err.code == 0 && echo_pending(c) < ECHO_OUT_LIMIT;
}

const struct echo_error *echo_error(const struct echo_conn *c)
{
	return c->err.code != 0 ? &c->err : NULL;
}
