/* Sans-I/O echo core (echo_core.h): decode what arrives, re-encode each
 * frame with the same spec into a bounded output buffer. */
#include <stdlib.h>
#include <string.h>

#include "echo_core.h"

/* Output buffer kept allocated while idle; bigger ones are released once
 * drained so thousands of idle connections stay cheap. */
#define ECHO_KEEP_CAP ((size_t)16 << 10)

int echo_init(struct echo_conn *c, const struct fr_spec *spec)
{
	memset(c, 0, sizeof(*c));
	c->raw = spec->kind == FR_RAW;
	return fr_decoder_init(&c->dec, spec, NULL, 0);
}

void echo_free(struct echo_conn *c)
{
	fr_decoder_free(&c->dec);
	free(c->out);
	c->out = NULL;
	c->out_pos = c->out_len = c->out_cap = 0;
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

/* Make room for need more bytes after out_len; compacts first. */
static int reserve(struct echo_conn *c, size_t need)
{
	if (need <= c->out_cap - c->out_len)
		return FR_OK;
	if (c->out_pos > 0) {
		memmove(c->out, c->out + c->out_pos, c->out_len - c->out_pos);
		c->out_len -= c->out_pos;
		c->out_pos = 0;
	}
	if (need <= c->out_cap - c->out_len)
		return FR_OK;
	if (need > SIZE_MAX / 2 - c->out_len)
		return FR_ENOMEM;
	size_t cap = c->out_cap ? c->out_cap : 4096;
	while (cap - c->out_len < need)
		cap *= 2;
	uint8_t *p = realloc(c->out, cap);
	if (p == NULL)
		return FR_ENOMEM;
	c->out = p;
	c->out_cap = cap;
	return FR_OK;
}

static int append_raw(struct echo_conn *c, const void *data, size_t len)
{
	if (reserve(c, len) != FR_OK)
		return fail(c, FR_ENOMEM, c->received, "out of memory");
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	return FR_OK;
}

static int echo_frame(struct echo_conn *c, const struct fr_frame *f)
{
	const struct fr_spec *spec = &c->dec.spec;
	size_t bound = fr_encode_bound(spec, f->len);
	size_t n = 0;
	int rc;

	if (reserve(c, bound) != FR_OK)
		return fail(c, FR_ENOMEM, f->offset, "out of memory");
	rc = fr_encode(spec, f->data, f->len, c->out + c->out_len,
		       c->out_cap - c->out_len, &n);
	if (rc != FR_OK)
		return fail(c, rc, f->offset, "frame cannot be re-encoded");
	c->out_len += n;
	c->frames++;
	return FR_OK;
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
		return fail(c, rc, fr_decoder_offset(&c->dec),
			    "decoder misuse");
	for (;;) {
		rc = fr_decoder_next(&c->dec, &f);
		if (rc == FR_NEED_MORE)
			return FR_OK;
		if (rc < 0)
			return fail(c, rc, f.offset, fr_strerror(rc));
		rc = echo_frame(c, &f);
		if (rc != FR_OK)
			return rc;
	}
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
	if (rc == FR_DONE)
		return FR_OK;
	if (rc >= 0)
		return fail(c, FR_EINVAL, fr_decoder_offset(&c->dec),
			    "unexpected finish result");
	return fail(c, rc, f.offset, fr_strerror(rc));
}

const uint8_t *echo_output(const struct echo_conn *c, size_t *len)
{
	*len = c->out_len - c->out_pos;
	return *len ? c->out + c->out_pos : NULL;
}

void echo_consume(struct echo_conn *c, size_t n)
{
	size_t pending = c->out_len - c->out_pos;

	if (n > pending)
		n = pending;
	c->out_pos += n;
	if (c->out_pos < c->out_len)
		return;
	c->out_pos = c->out_len = 0;
	if (c->out_cap > ECHO_KEEP_CAP) {
		free(c->out);
		c->out = NULL;
		c->out_cap = 0;
	}
}

size_t echo_pending(const struct echo_conn *c)
{
	return c->out_len - c->out_pos;
}

bool echo_want_read(const struct echo_conn *c)
{
	return c->err.code == 0 && echo_pending(c) < ECHO_OUT_LIMIT;
}

const struct echo_error *echo_error(const struct echo_conn *c)
{
	return c->err.code != 0 ? &c->err : NULL;
}
