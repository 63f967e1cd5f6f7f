/* fixed:N and raw decoders. */
#include "decoder_int.h"

int fr_dec_fixed_next(struct fr_decoder *d, struct fr_frame *f)
{
	size_t n = d->spec.fixed;
	size_t avail = d->in_len - d->in_pos;
	const uint8_t *p = d->in + d->in_pos;

	if (!d->in_frame && avail >= n) { /* zero-copy */
		uint64_t off = d->in_off + d->in_pos;
		d->in_pos += n;
		return fr_dec_emit(f, p, n, off);
	}
	if (!d->in_frame)
		fr_dec_begin(d);
	size_t take = n - d->len < avail ? n - d->len : avail;
	int rc = fr_dec_append(d, p, take);
	if (rc)
		return fr_dec_fail(d, rc, f);
	d->in_pos += take;
	d->seen += take;
	if (d->len < n)
		return FR_NEED_MORE;
	uint64_t off = d->frame_off;
	fr_dec_end(d);
	return fr_dec_emit(f, d->buf, n, off);
}

int fr_dec_raw_next(struct fr_decoder *d, struct fr_frame *f)
{
	size_t avail = d->in_len - d->in_pos;
	size_t n = avail < d->spec.max ? avail : d->spec.max;
	uint64_t off = d->in_off + d->in_pos;
	const uint8_t *p = d->in + d->in_pos;

	d->in_pos += n;
	return fr_dec_emit(f, p, n, off);
}
