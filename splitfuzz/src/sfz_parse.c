/* The parse adapter: an incremental decoder over a "consume a buffer"
 * function. It holds the bytes not yet consumed, hands parse at most
 * parse_max + 1 of them (an exact-size copy when chunks are exact) and
 * reports SFZ_EOVERFLOW where a message would pass parse_max, at the same
 * offset however the stream was cut. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfz_int.h"

#define SFZ_PARSE_MAX_DEFAULT ((size_t)1 << 20)

struct sfz_pa {
	const struct sfz_target *t;
	void *conf;
	struct sfz_finding *f;
	size_t max;
	uint8_t *buf; /* buf[start..len): the bytes not yet consumed */
	size_t start, len, cap;
	uint64_t base; /* stream offset of buf[start] */
	uint8_t *view; /* exact-size copy handed to parse (freed next call) */
};

static void *sfz_pa_create(void *arg)
{
	const struct sfz_pa_arg *a = arg;
	struct sfz_pa *p = sfz_must(calloc(1, sizeof(*p)));

	p->t = a->t;
	p->conf = a->conf;
	p->f = a->f;
	p->max = a->t->parse_max ? a->t->parse_max : SFZ_PARSE_MAX_DEFAULT;
	return p;
}

static void sfz_pa_destroy(void *dec)
{
	struct sfz_pa *p = dec;

	free(p->view);
	free(p->buf);
	free(p);
}

static int sfz_pa_feed(void *dec, const uint8_t *chunk, size_t len)
{
	struct sfz_pa *p = dec;

	if (p->start > 0) {
		memmove(p->buf, p->buf + p->start, p->len - p->start);
		p->len -= p->start;
		p->start = 0;
	}
	p->buf = sfz_must(sfz_grow(p->buf, &p->cap, p->len + len, 1));
	memcpy(p->buf + p->len, chunk, len);
	p->len += len;
	return 0;
}

static void sfz_pa_overflow(struct sfz_pa *p, struct sfz_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = SFZ_ERR;
	ev->code = SFZ_EOVERFLOW;
	ev->offset = p->base;
	ev->fatal = 1;
}

/* One call of parse on what is held; at_eof: the stream has ended. */
static void sfz_pa_step(struct sfz_pa *p, struct sfz_event *ev, int at_eof)
{
	size_t held = p->len - p->start;
	size_t win = held <= p->max ? held : p->max + 1;
	const uint8_t *v = p->buf ? p->buf + p->start : NULL;
	ptrdiff_t r;

	free(p->view);
	p->view = NULL;
	if (!at_eof && held == 0) {
		memset(ev, 0, sizeof(*ev));
		return; /* SFZ_MORE */
	}
	if (sfz_exact()) {
		p->view = sfz_must(malloc(win ? win : 1));
		if (win > 0)
			memcpy(p->view, v, win);
		v = p->view;
	}
	memset(ev, 0, sizeof(*ev));
	r = p->t->parse(p->conf, v, win, at_eof && win == held, ev);
	if (r > 0 && (size_t)r > win) {
		p->f->inv = SFZ_I_PARSE;
		snprintf(p->f->why, sizeof(p->f->why),
			 "%s (%td of %zu at stream offset %llu)",
			 sfz_inv_name[SFZ_I_PARSE], r, win,
			 (unsigned long long)p->base);
		memset(ev, 0, sizeof(*ev));
		return;
	}
	if (r < 0) {
		uint64_t rel = ev->offset;

		memset(ev, 0, sizeof(*ev));
		ev->kind = SFZ_ERR;
		ev->code = r;
		ev->offset = p->base + rel;
		ev->fatal = 1;
		return;
	}
	if (r == 0) {
		if (win < held || held > p->max)
			sfz_pa_overflow(p, ev);
		else
			memset(ev, 0, sizeof(*ev)); /* more, or a clean end */
		return;
	}
	if ((size_t)r > p->max) {
		sfz_pa_overflow(p, ev);
		return;
	}
	ev->kind = SFZ_MSG;
	if (ev->data == NULL) {
		ev->data = v;
		ev->len = (size_t)r;
	}
	p->start += (size_t)r;
	p->base += (size_t)r;
}

static void sfz_pa_next(void *dec, struct sfz_event *ev)
{
	sfz_pa_step(dec, ev, 0);
}

static void sfz_pa_finish(void *dec, struct sfz_event *ev)
{
	sfz_pa_step(dec, ev, 1);
}

const struct sfz_decoder sfz_parse_decoder = {
    .create = sfz_pa_create,
    .destroy = sfz_pa_destroy,
    .feed = sfz_pa_feed,
    .next = sfz_pa_next,
    .finish = sfz_pa_finish,
};
