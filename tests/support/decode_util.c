/* Shared test helpers for libframing suites (see decode_util.h): run a
 * decoder over a chunked stream and record what it says, comparably. */
#include "decode_util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cm_buf.h"

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	cr_assert_not_null(p, "out of memory");
	return p;
}

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

void *du_guard_alloc(size_t len)
{
	size_t pg = page_size();
	size_t data_pages = (len + pg - 1) / pg;
	uint8_t *base =
	    mmap(NULL, (data_pages + 1) * pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(base, MAP_FAILED, "mmap guard buffer");
	cr_assert_eq(mprotect(base + data_pages * pg, pg, PROT_NONE), 0);
	return base + data_pages * pg - len;
}

void du_guard_free(void *p, size_t len)
{
	size_t pg = page_size();
	size_t data_pages = (len + pg - 1) / pg;
	uint8_t *end = (uint8_t *)p + len;

	munmap(end - data_pages * pg, (data_pages + 1) * pg);
}

void du_buf_put(struct du_buf *b, const void *data, size_t len)
{
	b->p = cm_grow(b->p, &b->cap, b->len + len + 1, 1);
	cr_assert_not_null(b->p, "out of memory");
	if (len)
		memcpy(b->p + b->len, data, len);
	b->len += len;
}

void du_buf_free(struct du_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static struct du_event *push(struct du_events *out)
{
	out->ev = cm_grow(out->ev, &out->cap, out->n + 1, sizeof(*out->ev));
	cr_assert_not_null(out->ev, "out of memory");
	memset(&out->ev[out->n], 0, sizeof(out->ev[0]));
	return &out->ev[out->n++];
}

static void push_frame(struct du_events *out, const struct fr_frame *f,
		       const uint8_t *chunk, size_t clen)
{
	struct du_event *e = push(out);

	e->code = FR_FRAME;
	e->off = f->offset;
	e->len = f->len;
	e->data = xmalloc(f->len);
	if (f->len)
		memcpy(e->data, f->data, f->len);
	e->zero_copy = chunk && f->data && f->data >= chunk &&
		       f->data + f->len <= chunk + clen;
}

static void push_result(struct du_events *out, int code, uint64_t off, bool fin)
{
	struct du_event *e = push(out);

	e->code = code;
	e->off = code < 0 ? off : 0;
	e->fin = fin;
}

/* Drain events after a feed; returns false when feeding must stop. */
static bool drain(struct fr_decoder *d, struct du_events *out,
		  const uint8_t *chunk, size_t clen, size_t limit)
{
	struct fr_frame f;

	for (;;) {
		int r;

		if (out->n > limit) {
			out->runaway = true;
			return false;
		}
		memset(&f, 0, sizeof(f));
		r = fr_decoder_next(d, &f);
		if (r == FR_NEED_MORE)
			return true;
		if (r == FR_FRAME) {
			push_frame(out, &f, chunk, clen);
			continue;
		}
		push_result(out, r, f.offset, false);
		if (r > 0 || fr_decoder_failed(d))
			return false;
	}
}

static uint8_t *chunk_alloc(size_t n, unsigned flags)
{
	if (flags & DU_GUARD_CHUNKS)
		return du_guard_alloc(n);
	return xmalloc(n);
}

static void chunk_free(uint8_t *p, size_t n, unsigned flags)
{
	if (flags & DU_GUARD_CHUNKS)
		du_guard_free(p, n);
	else
		free(p);
}

void du_decode(const struct fr_spec *spec, const void *data, size_t len,
	       const size_t *sizes, size_t nsizes, unsigned flags,
	       struct du_events *out)
{
	struct fr_decoder d;
	struct fr_frame f;
	size_t bufsize = fr_decoder_bufsize(spec);
	void *buf = NULL;
	size_t pos = 0, idx = 0, limit = 2 * len + 64;
	int r;

	memset(out, 0, sizeof(*out));
	if (flags & DU_CALLER_BUF)
		buf = du_guard_alloc(bufsize);
	r = fr_decoder_init(&d, spec, buf, buf ? bufsize : 0);
	if (r != FR_OK) {
		out->init_err = r;
		goto done;
	}
	while (pos < len) {
		size_t n = idx < nsizes && sizes ? sizes[idx++] : FR_CHUNK_REST;
		uint8_t *chunk;
		bool go_on;

		if (n == FR_CHUNK_REST || n > len - pos)
			n = len - pos;
		chunk = chunk_alloc(n, flags);
		memcpy(chunk, (const uint8_t *)data + pos, n);
		out->chunks++;
		r = fr_decoder_feed(&d, chunk, n);
		if (r != FR_OK) {
			out->feed_err = r;
			chunk_free(chunk, n, flags);
			break;
		}
		go_on = drain(&d, out, chunk, n, limit);
		chunk_free(chunk, n, flags);
		pos += n;
		if (!go_on)
			break;
	}
	if (!out->runaway) {
		memset(&f, 0, sizeof(f));
		r = fr_decoder_finish(&d, &f);
		/* http1:resp: a body delimited by close ends at finish */
		for (int k = 0; r == FR_FRAME && k < 2; k++) {
			push_frame(out, &f, NULL, 0);
			r = fr_decoder_finish(&d, &f);
		}
		push_result(out, r, f.offset, true);
	}
	out->consumed = fr_decoder_offset(&d);
	fr_decoder_free(&d);
done:
	if (buf)
		du_guard_free(buf, bufsize);
}

void du_decode_sched(const struct fr_spec *spec, const void *data, size_t len,
		     const char *sched, uint64_t stream_id, unsigned flags,
		     struct du_events *out)
{
	struct fr_sched s;
	struct fr_sched_iter it;
	char err[256];
	size_t *sizes = xmalloc((len + 1) * sizeof(*sizes));
	size_t n = 0, sum = 0;

	cr_assert_eq(fr_sched_parse(&s, sched, err, sizeof(err)), FR_OK,
		     "schedule %s: %s", sched, err);
	fr_sched_begin(&it, &s, stream_id);
	while (sum < len) {
		size_t c = fr_sched_next(&it);

		cr_assert_gt(c, 0, "schedule %s gave a 0-byte chunk", sched);
		sizes[n++] = c;
		if (c == FR_CHUNK_REST || c >= len - sum)
			break;
		sum += c;
	}
	du_decode(spec, data, len, sizes, n, flags, out);
	fr_sched_free(&s);
	free(sizes);
}

void du_events_free(struct du_events *ev)
{
	for (size_t i = 0; i < ev->n; i++)
		free(ev->ev[i].data);
	free(ev->ev);
	memset(ev, 0, sizeof(*ev));
}

static const struct {
	int code;
	const char *name;
} names[] = {
    {FR_OK, "OK"},
    {FR_NEED_MORE, "NEED_MORE"},
    {FR_FRAME, "FRAME"},
    {FR_DONE, "DONE"},
    {FR_EINVAL, "EINVAL"},
    {FR_ESPEC, "ESPEC"},
    {FR_ESCHED, "ESCHED"},
    {FR_ENOMEM, "ENOMEM"},
    {FR_ENOSPC, "ENOSPC"},
    {FR_EOVERSIZE, "EOVERSIZE"},
    {FR_EBADLEN, "EBADLEN"},
    {FR_EVARINT, "EVARINT"},
    {FR_EESCAPE, "EESCAPE"},
    {FR_ECOBS, "ECOBS"},
    {FR_ENETSTRING, "ENETSTRING"},
    {FR_ETRUNCATED, "ETRUNCATED"},
    {FR_ETRAILER, "ETRAILER"},
    {FR_ERESP, "ERESP"},
    {FR_EDEPTH, "EDEPTH"},
    {FR_EHTTP, "EHTTP"},
    {FR_EHTTPLEN, "EHTTPLEN"},
    {FR_EWS, "EWS"},
    {FR_EUNENCODABLE, "EUNENCODABLE"},
    {FR_ECLOSED, "ECLOSED"},
    {FR_ETIMEDOUT, "ETIMEDOUT"},
    {FR_EAGAIN, "EAGAIN"},
};

const char *du_code_name(int code)
{
	static __thread char other[32];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].code == code)
			return names[i].name;
	snprintf(other, sizeof(other), "code%d", code);
	return other;
}

static void put_str(struct du_buf *b, const char *s)
{
	du_buf_put(b, s, strlen(s));
}

static void put_hex(struct du_buf *b, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		char h[2] = {digits[p[i] >> 4], digits[p[i] & 15]};

		du_buf_put(b, h, 2);
	}
}

static void put_result(struct du_buf *b, const struct du_event *e)
{
	char tmp[64];

	if (e->fin && e->code == FR_DONE)
		snprintf(tmp, sizeof(tmp), "done");
	else
		snprintf(tmp, sizeof(tmp), "%s@%llu:%s", e->fin ? "fin" : "e",
			 (unsigned long long)e->off, du_code_name(e->code));
	put_str(b, tmp);
}

static void put_trailer(struct du_buf *b, const struct du_events *ev)
{
	char tmp[64];

	if (ev->init_err) {
		snprintf(tmp, sizeof(tmp), " init:%s",
			 du_code_name(ev->init_err));
		put_str(b, tmp);
	}
	if (ev->feed_err) {
		snprintf(tmp, sizeof(tmp), " feed:%s",
			 du_code_name(ev->feed_err));
		put_str(b, tmp);
	}
	if (ev->runaway)
		put_str(b, " runaway");
	du_buf_put(b, "", 1);
}

char *du_events_str(const struct du_events *ev)
{
	struct du_buf b = {0};
	char tmp[64];

	for (size_t i = 0; i < ev->n; i++) {
		const struct du_event *e = &ev->ev[i];

		if (i)
			put_str(&b, " ");
		if (e->code == FR_FRAME && !e->fin) {
			snprintf(tmp, sizeof(tmp),
				 "f@%llu:", (unsigned long long)e->off);
			put_str(&b, tmp);
			put_hex(&b, e->data, e->len);
		} else {
			put_result(&b, e);
		}
	}
	put_trailer(&b, ev);
	return (char *)b.p;
}

char *du_events_concat_str(const struct du_events *ev)
{
	struct du_buf b = {0};

	put_str(&b, "data:");
	for (size_t i = 0; i < ev->n; i++)
		if (ev->ev[i].code == FR_FRAME && !ev->ev[i].fin)
			put_hex(&b, ev->ev[i].data, ev->ev[i].len);
	for (size_t i = 0; i < ev->n; i++) {
		if (ev->ev[i].code == FR_FRAME && !ev->ev[i].fin)
			continue;
		put_str(&b, " ");
		put_result(&b, &ev->ev[i]);
	}
	put_trailer(&b, ev);
	return (char *)b.p;
}

void du_spec(struct fr_spec *spec, const char *text)
{
	char err[256] = "";

	cr_assert_eq(fr_spec_parse(spec, text, err, sizeof(err)), FR_OK,
		     "spec \"%s\" does not parse: %s", text, err);
}

char *du_run(const char *spec, const char *hex, const size_t *sizes,
	     size_t nsizes, unsigned flags)
{
	struct fr_spec s;
	struct du_events ev;
	size_t len;
	uint8_t *wire = du_unhex(hex, &len);
	char *str;

	du_spec(&s, spec);
	du_decode(&s, wire, len, sizes, nsizes, flags, &ev);
	str = du_events_str(&ev);
	du_events_free(&ev);
	free(wire);
	return str;
}

uint8_t *du_unhex(const char *hex, size_t *len)
{
	uint8_t *out = xmalloc(strlen(hex) / 2 + 1);
	size_t n = 0;
	int hi = -1;

	for (const char *p = hex; *p; p++) {
		int v;

		if (*p == ' ')
			continue;
		v = fr_hexval(*p);
		cr_assert_geq(v, 0, "bad hex in test data: \"%s\"", hex);
		if (hi < 0) {
			hi = v;
			continue;
		}
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	cr_assert_lt(hi, 0, "odd hex in test data: \"%s\"", hex);
	*len = n;
	return out;
}

char *du_hex(const void *data, size_t len)
{
	struct du_buf b = {0};

	put_hex(&b, data, len);
	du_buf_put(&b, "", 1);
	return (char *)b.p;
}

int du_encode_all(const struct fr_spec *spec, uint8_t *const *msgs,
		  const size_t *lens, size_t n, uint8_t **out, size_t *outlen,
		  size_t *idx)
{
	struct du_buf b = {0};

	for (size_t i = 0; i < n; i++) {
		size_t cap = fr_encode_bound(spec, lens[i]);
		size_t wl = 0;
		uint8_t *tmp = xmalloc(cap);
		int r = fr_encode(spec, msgs[i], lens[i], tmp, cap, &wl);

		if (r != FR_OK) {
			free(tmp);
			du_buf_free(&b);
			*idx = i;
			return r;
		}
		cr_assert_leq(wl, cap, "fr_encode wrote %zu > bound %zu", wl,
			      cap);
		du_buf_put(&b, tmp, wl);
		free(tmp);
	}
	du_buf_put(&b, "", 0);
	*out = b.p ? b.p : xmalloc(1);
	*outlen = b.len;
	return FR_OK;
}

/* NULL if decoding under this chunking gives want, else a malloc'ed
 * description of the mismatch. */
static char *expect_run(const struct fr_spec *s, const char *spec,
			const void *wire, size_t len, const size_t *sizes,
			size_t nsizes, unsigned flags, const char *want,
			const char *how)
{
	struct du_events ev;
	char *got, *why = NULL;

	du_decode(s, wire, len, sizes, nsizes, flags, &ev);
	got = du_events_str(&ev);
	du_events_free(&ev);
	if (strcmp(got, want) != 0 &&
	    asprintf(&why, "%s, %zu-byte stream, %s:\n got  %s\n want %s", spec,
		     len, how, got, want) < 0)
		why = strdup("out of memory describing a mismatch");
	free(got);
	return why;
}

char *du_expect_all_splits(const char *spec, const void *wire, size_t len,
			   const char *want)
{
	struct fr_spec s;
	size_t *ones = xmalloc((len + 1) * sizeof(size_t));
	char how[96];
	char *why;

	du_spec(&s, spec);
	for (size_t i = 0; i <= len; i++)
		ones[i] = 1;
	why = expect_run(&s, spec, wire, len, NULL, 0, 0, want, "one chunk");
	if (!why)
		why = expect_run(&s, spec, wire, len, NULL, 0,
				 DU_CALLER_BUF | DU_GUARD_CHUNKS, want,
				 "one guarded chunk, caller buffer");
	if (!why)
		why = expect_run(&s, spec, wire, len, ones, len, 0, want,
				 "1-byte chunks");
	if (!why && len <= 4096)
		why = expect_run(&s, spec, wire, len, ones, len,
				 DU_CALLER_BUF | DU_GUARD_CHUNKS, want,
				 "1-byte guarded chunks, caller buffer");
	for (size_t k = 1; !why && k < len && len <= 4096; k++) {
		size_t two[2] = {k, FR_CHUNK_REST};

		snprintf(how, sizeof(how), "split at %zu", k);
		why = expect_run(&s, spec, wire, len, two, 2, 0, want, how);
	}
	for (size_t i = 1; !why && len <= 32 && i < len; i++) {
		for (size_t j = i + 1; !why && j < len; j++) {
			size_t three[3] = {i, j - i, FR_CHUNK_REST};

			snprintf(how, sizeof(how), "split at %zu and %zu", i,
				 j);
			why = expect_run(&s, spec, wire, len, three, 3, 0, want,
					 how);
		}
	}
	free(ones);
	return why;
}

char *du_expect_vecs(const struct du_vec *v, size_t n)
{
	char *why = NULL;

	for (size_t i = 0; !why && i < n; i++) {
		size_t len;
		uint8_t *wire = du_unhex(v[i].wire, &len);

		why = du_expect_all_splits(v[i].spec, wire, len, v[i].want);
		free(wire);
	}
	return why;
}

bool du_expect_rejected(const struct du_bad *bad, int r, int want,
			const char *err)
{
	bool named = false;

	cr_expect_eq(r, want, "\"%s\" accepted (r=%d)", bad->text, r);
	if (r != want)
		return false;
	for (int k = 0; k < 3 && bad->any[k]; k++)
		named |= strstr(err, bad->any[k]) != NULL;
	cr_expect_gt(strlen(err), 0, "\"%s\": no message", bad->text);
	cr_expect_null(strchr(err, '\n'), "\"%s\": multi-line: %s", bad->text,
		       err);
	cr_expect(named, "\"%s\": message does not name the bad part: %s",
		  bad->text, err);
	return true;
}
