/* The test decoders of td_dec.h: messages are a 2-byte big-endian length
 * and that many payload bytes; errors TD_ETOOLONG (fatal) and TD_ETRUNC. */
#include <stdlib.h>
#include <string.h>

#include "td_dec.h"

struct td {
	const struct td_conf *c;
	const uint8_t *in;
	size_t in_len, pos;
	uint64_t off, chunk_start, msg_start;
	uint8_t hdr[2];
	const uint8_t *h0; /* TD_BUG_KEEP_PTR: the header's first byte */
	unsigned hgot;
	size_t need, got;
	uint8_t msg[255];
};

static void *td_create(void *conf)
{
	struct td *d = calloc(1, sizeof(*d));

	if (d != NULL)
		d->c = conf;
	return d;
}

static void td_destroy(void *dec)
{
	free(dec);
}

static int td_feed(void *dec, const uint8_t *chunk, size_t len)
{
	struct td *d = dec;

	if ((d->c->bugs & TD_BUG_REFUSE) && len == 1)
		return -1;
	if (d->c->bugs & TD_BUG_READ_PAST)
		(void)*(const volatile uint8_t *)(chunk + len); /* the bug */
	d->in = chunk;
	d->in_len = len;
	d->pos = 0;
	d->chunk_start = d->off;
	return 0;
}

/* The header is complete: a message to collect, or an error. */
static int td_header(struct td *d, struct sfz_event *ev)
{
	d->need = (size_t)d->hdr[0] << 8 | d->hdr[1];
	d->got = 0;
	if (d->need > d->c->max) {
		ev->kind = SFZ_ERR;
		ev->code = TD_ETOOLONG;
		ev->offset = d->msg_start;
		if (d->c->bugs & TD_BUG_ERR_OFF)
			ev->offset -= d->chunk_start;
		ev->fatal = 1;
		return 1;
	}
	return 0;
}

static int td_msg(struct td *d, struct sfz_event *ev)
{
	d->hgot = 0;
	if (d->need == 0 && (d->c->bugs & TD_BUG_DROP_EMPTY))
		return 0;
	ev->kind = SFZ_MSG;
	ev->data = d->msg;
	ev->len = d->need;
	return 1;
}

static void td_next(void *dec, struct sfz_event *ev)
{
	struct td *d = dec;

	while (d->pos < d->in_len) {
		if (d->hgot < 2) {
			if (d->hgot == 0) {
				d->msg_start = d->off;
				d->h0 = d->in + d->pos;
			}
			d->hdr[d->hgot++] = d->in[d->pos++];
			d->off++;
			if ((d->c->bugs & TD_BUG_SPLIT_HDR) && d->hgot == 1 &&
			    d->pos == d->in_len) {
				d->hdr[1] = d->hdr[0];
				d->hdr[0] = 0;
				d->hgot = 2;
			}
			if (d->hgot < 2)
				continue;
			if (d->c->bugs & TD_BUG_KEEP_PTR)
				d->hdr[0] = *d->h0;
			if (td_header(d, ev))
				return;
			if (d->need == 0 && td_msg(d, ev))
				return;
			continue;
		}
		size_t n = d->need - d->got;

		if (n > d->in_len - d->pos)
			n = d->in_len - d->pos;
		memcpy(d->msg + d->got, d->in + d->pos, n);
		d->got += n;
		d->pos += n;
		d->off += n;
		if (d->got == d->need && td_msg(d, ev))
			return;
	}
	ev->kind = SFZ_MORE;
}

static void td_finish(void *dec, struct sfz_event *ev)
{
	struct td *d = dec;

	if (d->hgot == 0) {
		ev->kind = SFZ_MORE;
		return;
	}
	ev->kind = SFZ_ERR;
	ev->code = TD_ETRUNC;
	ev->offset = d->msg_start;
}

const struct sfz_decoder td_decoder = {
    .create = td_create,
    .destroy = td_destroy,
    .feed = td_feed,
    .next = td_next,
    .finish = td_finish,
};

ptrdiff_t td_parse(void *conf, const uint8_t *buf, size_t len, int at_eof,
		   struct sfz_event *ev)
{
	const struct td_conf *c = conf;
	size_t need;

	if ((c->bugs & TD_BUG_PARSE_PAST) && len > 0)
		(void)*(const volatile uint8_t *)(buf + len); /* the bug */
	if (len < 2)
		return at_eof && len > 0 ? TD_ETRUNC : 0;
	need = (size_t)buf[0] << 8 | buf[1];
	if (need > c->max)
		return TD_ETOOLONG;
	if (len < 2 + need)
		return at_eof ? TD_ETRUNC : 0;
	ev->data = buf + 2;
	ev->len = need;
	if (c->bugs & TD_BUG_PARSE_OVER)
		return (ptrdiff_t)len + 1;
	return (ptrdiff_t)(2 + need);
}

int td_encode(void *conf, const uint8_t *msg, size_t len, struct sfz_out *out)
{
	const struct td_conf *c = conf;
	uint8_t h[2] = {(uint8_t)(len >> 8), (uint8_t)len};

	if (len > c->max)
		return -1;
	if (sfz_out_put(out, h, 2) != 0)
		return -1;
	return sfz_out_put(out, msg, len);
}

const char *td_errname(long code)
{
	switch (code) {
	case TD_ETOOLONG:
		return "ETOOLONG";
	case TD_ETRUNC:
		return "ETRUNC";
	case SFZ_EOVERFLOW:
		return "EOVERFLOW";
	default:
		return NULL;
	}
}
