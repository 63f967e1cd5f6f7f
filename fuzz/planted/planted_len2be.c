/* A deliberately broken len:2be decoder for the planted-bug test: when
 * the 2-byte length field is split across two chunks, the buggy build
 * assembles it in the wrong byte order. -DPLANTED_FIXED builds it right.
 * Self-contained on purpose: it is not libframing and must not be used. */
#include <string.h>

#include "planted.h"

void pl_init(struct pl_dec *d)
{
	memset(d, 0, sizeof(*d));
}

static uint32_t pl_join(const struct pl_dec *d, uint8_t second)
{
#ifdef PLANTED_FIXED
	return (uint32_t)d->hdr0 << 8 | second;
#else
	return (uint32_t)second << 8 | d->hdr0; /* the planted bug */
#endif
}

/* Header byte i of the current frame; true once the length is known. */
static bool pl_header(struct pl_dec *d, const uint8_t *p, size_t n, size_t *i)
{
	if (d->hgot == 0 && n - *i >= 2) { /* whole header in this chunk */
		d->need = (uint32_t)p[*i] << 8 | p[*i + 1];
		*i += 2;
		d->hgot = 2;
		return true;
	}
	if (d->hgot == 0) {
		d->hdr0 = p[(*i)++];
		d->hgot = 1;
		return false;
	}
	d->need = pl_join(d, p[(*i)++]);
	d->hgot = 2;
	return true;
}

int pl_feed(struct pl_dec *d, const uint8_t *p, size_t n, pl_frame_fn fn,
	    void *arg)
{
	size_t i = 0;

	while (i < n && !d->failed) {
		size_t take;

		if (d->hgot < 2) {
			if (!pl_header(d, p, n, &i))
				continue;
			if (d->need > PL_MAX) {
				d->failed = true;
				return -1;
			}
			d->blen = 0;
		}
		take = d->need - d->blen;
		if (take > n - i)
			take = n - i;
		memcpy(d->buf + d->blen, p + i, take);
		d->blen += take;
		i += take;
		if (d->blen == d->need) {
			fn(arg, d->buf, d->blen);
			d->hgot = 0;
		}
	}
	return d->failed ? -1 : 0;
}

bool pl_finish(const struct pl_dec *d)
{
	return !d->failed && d->hgot == 0;
}
