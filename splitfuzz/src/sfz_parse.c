/* The parse adapter: an incremental decoder over a "consume a buffer"
 * function. It holds the bytes not yet consumed in one buffer (amortised
 * growth, consumed from an offset, compacted when the consumed prefix is
 * the larger part), hands parse at most parse_max + 1 of them and reports
 * SFZ_EOVERFLOW where a message would pass parse_max, at the same offset
 * however the stream was cut. Linear in the stream when parse consumes
 * whole messages, byte-by-byte feeding included.
 *
 * What parse's buf ends on, so that a read past len shows:
 *  - under ASan: buf is the held bytes in place, and every byte of the
 *    allocation outside them is poisoned (the tail when it is appended
 *    to, the consumed prefix at the next call, after the harness has
 *    logged the message in it): a read past len is a use-after-poison, or
 *    a heap-buffer-overflow when len ends the allocation. Reads before
 *    buf are caught up to ASan's 8-byte granularity. When more than
 *    parse_max + 1 bytes are held, parse gets an exact-size copy of its
 *    window instead (at most parse_max + 1 bytes a call);
 *  - with SFZ_EXACT_CHUNKS=1 and no ASan (e.g. valgrind): an exact-size
 *    copy of the window on every call, as before (quadratic when one
 *    message is fed byte by byte; that mode is for tools ASan is not);
 *  - else the held bytes in place (nothing sees a read past them).
 * A pointer parse keeps into buf is caught (poisoned, or the copy freed)
 * once the bytes are consumed; into bytes not yet consumed, only when the
 * buffer moves or a copy was handed over. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfz_int.h"

#define SFZ_PARSE_MAX_DEFAULT ((size_t)1 << 20)

/* ASan's manual poisoning, when its runtime is linked in. */
extern void __asan_poison_memory_region(void const volatile *addr, size_t size)
    __attribute__((weak));
extern void __asan_unpoison_memory_region(void const volatile *addr,
					  size_t size) __attribute__((weak));

struct sfz_pa {
	const struct sfz_target *t;
	void *conf;
	struct sfz_finding *f;
	size_t max;
	bool poison; /* ASan: bytes outside buf[live..len) are poisoned */
	uint8_t *buf;
	size_t live;  /* buf[live..start): consumed, the last message's */
	size_t start; /* buf[start..len): the bytes not yet consumed */
	size_t len, cap;
	uint64_t base; /* stream offset of buf[start] */
	uint8_t *view; /* exact-size copy handed to parse (freed next call) */
};

static void sfz_pa_mark(struct sfz_pa *p, size_t a, size_t b, bool ok)
{
	if (!p->poison || b <= a)
		return;
	if (ok)
		__asan_unpoison_memory_region(p->buf + a, b - a);
	else
		__asan_poison_memory_region(p->buf + a, b - a);
}

static void *sfz_pa_create(void *arg)
{
	const struct sfz_pa_arg *a = arg;
	struct sfz_pa *p = sfz_must(calloc(1, sizeof(*p)));

	p->t = a->t;
	p->conf = a->conf;
	p->f = a->f;
	p->max = a->t->parse_max ? a->t->parse_max : SFZ_PARSE_MAX_DEFAULT;
	p->poison = sfz_exact() && __asan_poison_memory_region != NULL &&
		    __asan_unpoison_memory_region != NULL;
	return p;
}

static void sfz_pa_destroy(void *dec)
{
	struct sfz_pa *p = dec;

	free(p->view);
	sfz_pa_mark(p, 0, p->cap, true);
	free(p->buf);
	free(p);
}

/* The last message's bytes are logged by now: poison them. */
static void sfz_pa_settle(struct sfz_pa *p)
{
	sfz_pa_mark(p, p->live, p->start, false);
	p->live = p->start;
	free(p->view);
	p->view = NULL;
}

static int sfz_pa_feed(void *dec, const uint8_t *chunk, size_t len)
{
	struct sfz_pa *p = dec;
	size_t held;

	sfz_pa_settle(p);
	held = p->len - p->start;
	if (p->start > 0 && (p->start > held || p->len + len > p->cap)) {
		/* compact: held < start, or it is grown below anyway */
		sfz_pa_mark(p, 0, p->start, true);
		memmove(p->buf, p->buf + p->start, held);
		sfz_pa_mark(p, held, p->len, false);
		p->start = p->live = 0;
		p->len = held;
	}
	if (p->len + len > p->cap) {
		size_t cap = p->cap;
		uint8_t *g = sfz_must(sfz_grow(NULL, &cap, p->len + len, 1));

		if (p->len > 0)
			memcpy(g, p->buf, p->len);
		sfz_pa_mark(p, 0, p->cap, true);
		free(p->buf);
		p->buf = g;
		p->cap = cap;
		sfz_pa_mark(p, p->len, p->cap, false);
	}
	sfz_pa_mark(p, p->len, p->len + len, true);
	if (len > 0)
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

	sfz_pa_settle(p);
	if (!at_eof && held == 0) {
		memset(ev, 0, sizeof(*ev));
		return; /* SFZ_MORE */
	}
	if (sfz_exact() && (!p->poison || win < held)) {
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
