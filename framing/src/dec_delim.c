/* Delimited codecs: line, crlf, delim:HEX (memchr scan that resumes where
 * it stopped, delimiter matched across chunk boundaries); cobs and slip are
 * in dec_stuff.c. Errors are recoverable: reported once, frame discarded
 * to its end. */
#include <string.h>

#include "decoder_int.h"

/* Keep the last (k-1) raw bytes of the current frame in d->tail, so that a
 * delimiter split across chunks is recognised without rescanning. */
static void tail_push(struct fr_decoder *d, const uint8_t *p, size_t n)
{
	size_t keep = d->spec.delim_len - 1;

	if (keep == 0)
		return;
	if (n >= keep) {
		memcpy(d->tail, p + n - keep, keep);
		d->tail_len = keep;
		return;
	}
	size_t old = d->tail_len + n > keep ? keep - n : d->tail_len;
	memmove(d->tail, d->tail + d->tail_len - old, old);
	memcpy(d->tail + old, p, n);
	d->tail_len = old + n;
}

/* Does the delimiter end at in[j]? m = bytes of this chunk before j that
 * belong to the frame (j - in_pos). */
static bool delim_ends_at(const struct fr_decoder *d, const uint8_t *in,
			  size_t j, size_t m)
{
	const uint8_t *D = d->spec.delim;
	size_t k1 = d->spec.delim_len - 1;

	if (m >= k1)
		return memcmp(in + j - k1, D, k1) == 0;
	if (d->seen + m < k1 || d->tail_len < k1 - m)
		return false;
	/* first (k1 - m) bytes come from the tail, the rest from the chunk */
	size_t from_tail = k1 - m;
	if (memcmp(d->tail + d->tail_len - from_tail, D, from_tail) != 0)
		return false;
	return memcmp(in + j - m, D + from_tail, m) == 0;
}

/* Position of the first delimiter end in in[pos..len), or len. */
static size_t find_delim(const struct fr_decoder *d, const uint8_t *in,
			 size_t pos, size_t len)
{
	uint8_t last = d->spec.delim[d->spec.delim_len - 1];
	size_t j = pos;

	for (;;) {
		const uint8_t *p = memchr(in + j, last, len - j);
		if (!p)
			return len;
		j = (size_t)(p - in);
		if (d->spec.delim_len == 1 || delim_ends_at(d, in, j, j - pos))
			return j;
		j++;
	}
}

int fr_dec_delim_next(struct fr_decoder *d, struct fr_frame *f)
{
	const uint8_t *in = d->in;
	size_t k = d->spec.delim_len, max = d->spec.max;

	while (d->in_pos < d->in_len) {
		size_t pos = d->in_pos;
		if (!d->in_frame)
			fr_dec_begin(d);
		size_t j = find_delim(d, in, pos, d->in_len);
		if (j == d->in_len) {
			/* no delimiter: keep the bytes, or discard if the
			 * frame can no longer fit */
			size_t n = d->in_len - pos;
			tail_push(d, in + pos, n);
			d->in_pos = d->in_len;
			d->seen += n;
			if (d->discarding)
				return FR_NEED_MORE;
			if (d->seen >= (uint64_t)max + k) {
				d->discarding = true;
				d->len = 0;
				return fr_dec_report(d, FR_EOVERSIZE, f);
			}
			int rc = fr_dec_append(d, in + pos, n);
			if (rc)
				return fr_dec_fail(d, rc, f);
			return FR_NEED_MORE;
		}
		/* delimiter ends at j: frame content = raw - k */
		uint64_t raw = d->seen + (j - pos) + 1;
		uint64_t off = d->frame_off;
		bool was_discarding = d->discarding;
		d->in_pos = j + 1;
		if (was_discarding) {
			fr_dec_end(d);
			continue;
		}
		uint64_t content = raw - k;
		if (content > max) {
			int rc = fr_dec_report(d, FR_EOVERSIZE, f);
			fr_dec_end(d);
			return rc;
		}
		if (d->seen == 0) { /* whole frame inside this chunk */
			fr_dec_end(d);
			return fr_dec_emit(f, in + pos, (size_t)content, off);
		}
		if (content > d->len) {
			int rc = fr_dec_append(d, in + pos,
					       (size_t)content - d->len);
			if (rc)
				return fr_dec_fail(d, rc, f);
		}
		size_t flen = (size_t)content;
		fr_dec_end(d);
		return fr_dec_emit(f, d->buf, flen, off);
	}
	return FR_NEED_MORE;
}
