/* Decoder core: init/feed/next/finish, buffer management and error
 * bookkeeping shared by every codec. Codec logic lives in dec_*.c. */
#include <stdlib.h>
#include <string.h>

#include "decoder_int.h"

#define FR_PREFETCH_MAX 8192 /* bytes of a fed chunk to prefetch */

static size_t codec_bufsize(const struct fr_spec *spec)
{
	switch (spec->kind) {
	case FR_FIXED:
		return spec->fixed;
	case FR_LINE:
	case FR_CRLF:
	case FR_DELIM:
		return spec->max + spec->delim_len;
	case FR_LEN:
		return spec->max + 10; /* header bytes kept before the check */
	case FR_RAW:
		return 0;
	default:
		return spec->max;
	}
}

size_t fr_decoder_bufsize(const struct fr_spec *spec)
{
	struct fr_spec pre;
	size_t n = codec_bufsize(spec);

	if (fr_spec_preamble(spec, &pre) && codec_bufsize(&pre) > n)
		return codec_bufsize(&pre);
	return n;
}

/* A spec with a preamble starts on the preamble's spec. */
static void pre_start(struct fr_decoder *d)
{
	if (d->main_spec.pre.kind == 0)
		return;
	fr_spec_preamble(&d->main_spec, &d->spec);
	d->pre_active = true;
}

int fr_decoder_init(struct fr_decoder *d, const struct fr_spec *spec, void *buf,
		    size_t cap)
{
	if (!d || !spec || spec->kind < FR_FIXED || spec->kind > FR_KIND_LAST ||
	    spec->max == 0)
		return FR_EINVAL;
	memset(d, 0, sizeof(*d));
	d->spec = *spec;
	if (spec->pre.kind) {
		d->main_spec = *spec;
		pre_start(d);
	}
	d->bound = fr_decoder_bufsize(spec);
	if (buf) {
		if (cap < d->bound)
			return FR_EINVAL;
		d->buf = buf;
		d->cap = cap;
	} else {
		d->own_buf = true;
	}
	return FR_OK;
}

void fr_decoder_free(struct fr_decoder *d)
{
	if (!d)
		return;
	if (d->own_buf)
		free(d->buf);
	d->buf = NULL;
	d->cap = 0;
}

void fr_decoder_reset(struct fr_decoder *d)
{
	d->in = NULL;
	d->in_len = d->in_pos = 0;
	d->in_off = 0;
	d->fatal = 0;
	d->err_off = 0;
	d->finished = false;
	d->frame_off = 0;
	fr_dec_end(d);
	pre_start(d);
}

/* Length-prefixed decoders hop from header to header, each address known
 * only once the previous length is read: without help every hop is a cache
 * miss. Ask for the start of the chunk now, while the caller still works. */
static void prefetch_chunk(const uint8_t *p, size_t len)
{
#if defined(__GNUC__)
	size_t n = len < FR_PREFETCH_MAX ? len : FR_PREFETCH_MAX;

	for (size_t i = 0; i < n; i += 64)
		__builtin_prefetch(p + i);
#else
	(void)p;
	(void)len;
#endif
}

int fr_decoder_feed(struct fr_decoder *d, const void *data, size_t len)
{
	if (d->in_pos < d->in_len || d->finished || (len && !data))
		return FR_EINVAL;
	d->in_off += d->in_len;
	d->in = data;
	d->in_len = len;
	d->in_pos = 0;
	/* delimited codecs scan every byte anyway: the hardware prefetcher
	 * follows memchr, and extra prefetches only cost (measured) */
	if (d->spec.kind == FR_LEN || d->spec.kind == FR_TLV ||
	    d->spec.kind == FR_NETSTRING)
		prefetch_chunk(data, len);
	return FR_OK;
}

int fr_dec_reserve(struct fr_decoder *d, size_t need)
{
	if (need <= d->cap)
		return FR_OK;
	if (!d->own_buf || need > d->bound)
		return FR_ENOMEM;
	size_t ncap = d->cap ? d->cap : 256;
	while (ncap < need)
		ncap *= 2;
	if (ncap > d->bound)
		ncap = d->bound;
	uint8_t *nb = realloc(d->buf, ncap);
	if (!nb)
		return FR_ENOMEM;
	d->buf = nb;
	d->cap = ncap;
	return FR_OK;
}

int fr_dec_append(struct fr_decoder *d, const uint8_t *p, size_t n)
{
	size_t need = d->len + n;

	if (n == 0)
		return FR_OK;
	if (need > d->cap) {
		int rc = fr_dec_reserve(d, need);
		if (rc)
			return rc;
	}
	memcpy(d->buf + d->len, p, n);
	d->len = need;
	return FR_OK;
}

static int fr_dec_error_out(struct fr_decoder *d, int code, struct fr_frame *f)
{
	d->err_off = d->frame_off;
	f->data = NULL;
	f->len = 0;
	f->offset = d->err_off;
	return code;
}

int fr_dec_fail(struct fr_decoder *d, int code, struct fr_frame *f)
{
	d->fatal = code;
	/* Nothing more is read: drop pending input so feed stays usable. */
	d->in_off += d->in_len;
	d->in_len = 0;
	d->in_pos = 0;
	return fr_dec_error_out(d, code, f);
}

int fr_dec_report(struct fr_decoder *d, int code, struct fr_frame *f)
{
	return fr_dec_error_out(d, code, f);
}

static int fr_dec_sticky(const struct fr_decoder *d, struct fr_frame *f)
{
	f->data = NULL;
	f->len = 0;
	f->offset = d->err_off;
	return d->fatal;
}

static int codec_next(struct fr_decoder *d, struct fr_frame *f)
{
	switch (d->spec.kind) {
	case FR_LINE:
	case FR_CRLF:
	case FR_DELIM:
		return fr_dec_delim_next(d, f);
	case FR_LEN:
		return fr_dec_len_next(d, f);
	case FR_COBS:
		return fr_dec_cobs_next(d, f);
	case FR_SLIP:
		return fr_dec_slip_next(d, f);
	case FR_NETSTRING:
		return fr_dec_netstring_next(d, f);
	case FR_TLV:
		return fr_dec_tlv_next(d, f);
	case FR_FIXED:
		return fr_dec_fixed_next(d, f);
	case FR_RAW:
		return fr_dec_raw_next(d, f);
	case FR_RESP:
		return fr_dec_resp_next(d, f);
	case FR_HTTP1:
		return fr_dec_http1_next(d, f);
	case FR_WS:
		return fr_dec_ws_next(d, f);
	}
	return FR_EINVAL;
}

int fr_decoder_next(struct fr_decoder *d, struct fr_frame *f)
{
	if (d->fatal)
		return fr_dec_sticky(d, f);
	if (d->in_pos >= d->in_len)
		return FR_NEED_MORE;
	int rc = codec_next(d, f);
	if (!d->pre_active)
		return rc;
	if (rc == FR_FRAME) { /* the preamble: main framing from here on */
		d->spec = d->main_spec;
		d->pre_active = false;
	} else if (rc < 0 && !d->fatal) {
		/* nothing after a bad first unit can be trusted */
		d->fatal = rc;
		d->in_off += d->in_len;
		d->in_len = 0;
		d->in_pos = 0;
	}
	return rc;
}

int fr_decoder_finish(struct fr_decoder *d, struct fr_frame *f)
{
	f->data = NULL;
	f->len = 0;
	f->offset = d->in_off + d->in_pos;
	if (d->fatal)
		return fr_dec_sticky(d, f);
	if (d->in_pos < d->in_len)
		return FR_EINVAL;
	d->finished = true;
	if (d->spec.kind == FR_HTTP1 && fr_dec_http1_finish(d, f) == FR_FRAME)
		return FR_FRAME;
	/* A frame under way (and not already reported as discarded) was cut
	 * off by EOF: that is an error, sticky like any other at EOF. */
	if (d->in_frame && !d->discarding && d->seen > 0) {
		d->fatal = FR_ETRUNCATED;
		return fr_dec_error_out(d, FR_ETRUNCATED, f);
	}
	return FR_DONE;
}

bool fr_decoder_failed(const struct fr_decoder *d)
{
	return d->fatal != 0;
}

uint64_t fr_decoder_errpos(const struct fr_decoder *d)
{
	return d->err_off;
}

uint64_t fr_decoder_offset(const struct fr_decoder *d)
{
	return d->in_off + d->in_pos;
}

const struct fr_spec *fr_decoder_spec(const struct fr_decoder *d)
{
	/* while a preamble is read, d->spec is the preamble's own */
	return d->pre_active ? &d->main_spec : &d->spec;
}

size_t fr_decoder_bufcap(const struct fr_decoder *d)
{
	return d->cap;
}

bool fr_error_is_fatal(const struct fr_spec *spec, int err)
{
	if (err >= 0)
		return false;
	switch (spec->kind) {
	case FR_LINE:
	case FR_CRLF:
	case FR_DELIM:
	case FR_COBS:
	case FR_SLIP:
		return err == FR_ENOMEM || err == FR_EINVAL ||
		       err == FR_ETRUNCATED;
	default:
		return true;
	}
}
