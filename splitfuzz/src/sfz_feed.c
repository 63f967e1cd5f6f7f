/* One feeding: a fresh decoder fed the stream whole, under the schedule's
 * chunks or byte by byte, each chunk placed where ASan sees misuse; its
 * events logged; two logs compared event by event. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfz_int.h"

const char *const sfz_inv_name[SFZ_NINV] = {
    [SFZ_OK] = "no finding",
    [SFZ_I_REFUSED] = "feed refused a chunk",
    [SFZ_I_PROGRESS] = "more events than bytes fed",
    [SFZ_I_BADEV] = "event outside the interface",
    [SFZ_I_COUNT] = "event counts differ",
    [SFZ_I_KIND] = "event kinds differ",
    [SFZ_I_MSG] = "messages differ",
    [SFZ_I_CODE] = "error codes differ",
    [SFZ_I_OFFSET] = "error offsets differ",
    [SFZ_I_FATAL] = "fatal flags differ",
    [SFZ_I_FINISH] = "finish results differ",
    [SFZ_I_REF] = "differs from the reference",
    [SFZ_I_ROUNDTRIP] = "round trip changed the messages",
    [SFZ_I_PARSE] = "parse returned more bytes than it was given",
};

void *sfz_must(void *p)
{
	if (p == NULL)
		abort();
	return p;
}

void *sfz_grow(void *p, size_t *cap, size_t want, size_t sz)
{
	size_t n = *cap ? *cap : 16;
	void *g;

	if (want <= *cap)
		return p;
	while (n < want) {
		if (n > SIZE_MAX / 2 / sz)
			return NULL;
		n *= 2;
	}
	g = realloc(p, n * sz);
	if (g != NULL)
		*cap = n;
	return g;
}

/* ASan is linked in: its runtime defines __asan_init. */
extern void __asan_init(void) __attribute__((weak));

bool sfz_exact(void)
{
	static int exact = -1;

	if (exact < 0) {
		const char *e = getenv("SFZ_EXACT_CHUNKS");

		exact = (__asan_init != NULL) || (e != NULL && e[0] == '1');
	}
	return exact == 1;
}

static uint8_t *sfz_scratch;
static size_t sfz_scratch_cap;

uint8_t *sfz_chunk_dup(const void *src, size_t n)
{
	uint8_t *c;

	if (sfz_exact()) {
		c = sfz_must(malloc(n ? n : 1));
	} else {
		sfz_scratch = sfz_must(
		    sfz_grow(sfz_scratch, &sfz_scratch_cap, n ? n : 1, 1));
		c = sfz_scratch;
	}
	if (n > 0)
		memcpy(c, src, n);
	return c;
}

/* Without ASan the buffer is overwritten: a pointer kept into an old
 * chunk then sees different bytes, which the comparison shows. */
void sfz_chunk_free(uint8_t *c, size_t n)
{
	if (sfz_exact())
		free(c);
	else if (n > 0)
		memset(c, 0xa5, n);
}

/* "INVARIANT (FEEDING feeding WHERE)" */
static void sfz_setf(struct sfz_finding *f, enum sfz_inv inv,
		     const char *feeding, const char *where)
{
	f->inv = inv;
	snprintf(f->why, sizeof(f->why), "%s (%s feeding%s)", sfz_inv_name[inv],
		 feeding, where);
}

static struct sfz_rec *sfz_push(struct sfz_log *l, enum sfz_rec_kind kind)
{
	struct sfz_rec *r;

	l->ev = sfz_must(sfz_grow(l->ev, &l->cap, l->n + 1, sizeof(*l->ev)));
	r = &l->ev[l->n++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	return r;
}

/* Log ev (from next, or from finish when fin); 1 when it ends the
 * feeding, 0 to go on, -1 on an event the interface does not allow. */
static int sfz_log_ev(struct sfz_log *l, const struct sfz_event *ev, bool fin)
{
	struct sfz_rec *r;

	switch (ev->kind) {
	case SFZ_MSG:
		if (ev->len > 0 && ev->data == NULL)
			return -1;
		r = sfz_push(l, SFZ_R_MSG);
		r->at = l->nb;
		r->len = ev->len;
		if (ev->len > 0) {
			l->bytes = sfz_must(
			    sfz_grow(l->bytes, &l->bcap, l->nb + ev->len, 1));
			memcpy(l->bytes + l->nb, ev->data, ev->len);
			l->nb += ev->len;
		}
		return 0;
	case SFZ_ERR:
		if (ev->code == 0)
			return -1;
		r = sfz_push(l, fin ? SFZ_R_ENDERR : SFZ_R_ERR);
		r->code = ev->code;
		r->off = ev->offset;
		r->fatal = fin ? 1 : ev->fatal != 0;
		return fin || r->fatal;
	case SFZ_MORE:
		if (!fin)
			return 0; /* the chunk is used up: the caller moves on
				   */
		sfz_push(l, SFZ_R_END);
		return 1;
	default:
		return -1;
	}
}

static const char *const sfz_feed_name[] = {"whole", "schedule", "bytes"};

int sfz_feed_log(const struct sfz_target *t, const struct sfz_decoder *d,
		 void *arg, const uint8_t *stream, size_t len,
		 const size_t *chunks, size_t nchunks, enum sfz_feed feed,
		 struct sfz_log *log, struct sfz_finding *f)
{
	const char *fn = sfz_feed_name[feed];
	void *dec = d->create(arg);
	size_t pos = 0, i = 0;
	int end = 0;

	log->n = 0;
	log->nb = 0;
	if (dec == NULL)
		return 1;
	while (pos < len && end == 0) {
		size_t n = len - pos, events = 0;
		uint8_t *c;

		if (feed == SFZ_BYTES)
			n = 1;
		else if (feed == SFZ_PLAN && i < nchunks && chunks[i] > 0 &&
			 chunks[i] < n)
			n = chunks[i++];
		c = sfz_chunk_dup(stream + pos, n);
		if (d->feed(dec, c, n) != 0) {
			sfz_setf(f, SFZ_I_REFUSED, fn, "");
			end = -1;
		}
		while (end == 0) {
			struct sfz_event ev;

			memset(&ev, 0, sizeof(ev));
			d->next(dec, &ev);
			if (f->inv != SFZ_OK) /* the parse adapter's own */
				end = -1;
			else if (++events > 2 * n + 4)
				sfz_setf(f, SFZ_I_PROGRESS, fn, ""), end = -1;
			else if ((end = sfz_log_ev(log, &ev, false)) < 0)
				sfz_setf(f, SFZ_I_BADEV, fn, ", from next");
			else if (ev.kind == SFZ_MORE)
				break;
		}
		sfz_chunk_free(c, n);
		pos += n;
	}
	for (size_t events = 0; end == 0;) {
		struct sfz_event ev;

		memset(&ev, 0, sizeof(ev));
		d->finish(dec, &ev);
		if (f->inv != SFZ_OK)
			end = -1;
		else if (++events > len + 4)
			sfz_setf(f, SFZ_I_PROGRESS, fn, ", from finish"),
			    end = -1;
		else if ((end = sfz_log_ev(log, &ev, true)) < 0)
			sfz_setf(f, SFZ_I_BADEV, fn, ", from finish");
	}
	d->destroy(dec);
	return end < 0 ? -1 : 0;
}

static void sfz_hex(char *buf, size_t len, const uint8_t *p, size_t n)
{
	size_t pos = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && pos + 3 < len; i++)
		pos += (size_t)snprintf(buf + pos, len - pos, "%02x", p[i]);
	if (n > 0 && pos + 3 >= len && len > 4)
		snprintf(buf + len - 4, 4, "...");
}

void sfz_rec_text(const struct sfz_target *t, const struct sfz_log *l, size_t i,
		  char *buf, size_t len)
{
	const struct sfz_rec *r = i < l->n ? &l->ev[i] : NULL;
	const char *name = NULL;
	char num[32], hex[64];

	if (r == NULL) {
		snprintf(buf, len, "nothing");
		return;
	}
	if (r->kind == SFZ_R_ERR || r->kind == SFZ_R_ENDERR) {
		if (t->errname != NULL)
			name = t->errname(r->code);
		if (name == NULL) {
			snprintf(num, sizeof(num), "%ld", r->code);
			name = num;
		}
	}
	switch (r->kind) {
	case SFZ_R_MSG:
		sfz_hex(hex, sizeof(hex), r->len ? l->bytes + r->at : NULL,
			r->len);
		snprintf(buf, len, "message %zu bytes %s", r->len, hex);
		break;
	case SFZ_R_ERR:
		snprintf(buf, len, "error %s@%llu%s", name,
			 (unsigned long long)r->off, r->fatal ? " fatal" : "");
		break;
	case SFZ_R_ENDERR:
		snprintf(buf, len, "finish error %s@%llu", name,
			 (unsigned long long)r->off);
		break;
	default:
		snprintf(buf, len, "finish clean");
		break;
	}
}

static enum sfz_inv sfz_rec_differs(const struct sfz_log *a,
				    const struct sfz_log *b,
				    const struct sfz_rec *x,
				    const struct sfz_rec *y)
{
	if (x->kind != y->kind) {
		if (x->kind >= SFZ_R_END && y->kind >= SFZ_R_END)
			return SFZ_I_FINISH;
		return SFZ_I_KIND;
	}
	switch (x->kind) {
	case SFZ_R_MSG:
		if (x->len != y->len ||
		    (x->len > 0 &&
		     memcmp(a->bytes + x->at, b->bytes + y->at, x->len) != 0))
			return SFZ_I_MSG;
		return SFZ_OK;
	case SFZ_R_ERR:
		if (x->code != y->code)
			return SFZ_I_CODE;
		if (x->off != y->off)
			return SFZ_I_OFFSET;
		return x->fatal != y->fatal ? SFZ_I_FATAL : SFZ_OK;
	case SFZ_R_ENDERR:
		return x->code != y->code || x->off != y->off ? SFZ_I_FINISH
							      : SFZ_OK;
	default:
		return SFZ_OK;
	}
}

int sfz_log_compare(const struct sfz_target *t, const struct sfz_log *a,
		    const struct sfz_log *b, const char *what, bool ref,
		    struct sfz_finding *f)
{
	size_t n = a->n > b->n ? a->n : b->n;
	char x[160], y[160];

	for (size_t i = 0; i < n; i++) {
		enum sfz_inv inv = SFZ_I_COUNT;

		if (i < a->n && i < b->n)
			inv = sfz_rec_differs(a, b, &a->ev[i], &b->ev[i]);
		if (inv == SFZ_OK)
			continue;
		sfz_rec_text(t, a, i, x, sizeof(x));
		sfz_rec_text(t, b, i, y, sizeof(y));
		f->inv = ref ? SFZ_I_REF : inv;
		snprintf(f->why, sizeof(f->why),
			 "%s%s (%s) at event %zu: %s / %s",
			 ref ? "fast decoder differs from the reference: " : "",
			 sfz_inv_name[inv], what, i, x, y);
		return -1;
	}
	return 0;
}
