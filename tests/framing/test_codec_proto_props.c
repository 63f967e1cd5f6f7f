/* Criterion property suite for resp, http1 and ws: seeded generators make
 * random valid wire units (nested RESP3 values, HTTP messages with every
 * body kind, WebSocket frames of every length form); fr_encode must take
 * each one unchanged, and the stream of them must decode back to exactly
 * those units under random schedules and byte by byte. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_util.h"
#include "framing/codec.h"

#define UNITS 40
#define ROUNDS 25

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned pick(uint64_t *s, unsigned n)
{
	return (unsigned)(rnd(s) % n);
}

static void put(struct du_buf *b, const char *s)
{
	du_buf_put(b, s, strlen(s));
}

static void putf(struct du_buf *b, const char *fmt, unsigned long long v)
{
	char t[64];
	int n = snprintf(t, sizeof(t), fmt, v);

	du_buf_put(b, t, (size_t)n);
}

/* n bytes from a set that includes CR, LF and NUL (for bodies). */
static void put_bytes(struct du_buf *b, uint64_t *s, size_t n, bool any)
{
	static const char text[] = "abcXYZ019 -_:;,.";
	static const char bin[] = "ab\r\n\0\x7f\xff:$*+";

	for (size_t i = 0; i < n; i++) {
		char c = any ? bin[pick(s, sizeof(bin) - 1)]
			     : text[pick(s, sizeof(text) - 1)];
		du_buf_put(b, &c, 1);
	}
}

static void gen_resp(struct du_buf *b, uint64_t *s, int depth)
{
	static const char *const simple[] = {"_\r\n",
					     "#t\r\n",
					     "#f\r\n",
					     ",3.5\r\n",
					     ",-inf\r\n",
					     ",1e-3\r\n",
					     "(-123456789012345678901\r\n",
					     ":-9223372036854775808\r\n"};
	unsigned k = pick(s, depth > 0 ? 12 : 7);
	unsigned n = pick(s, 4);

	switch (k) {
	case 0:
		put(b, pick(s, 2) ? "+" : "-");
		put_bytes(b, s, pick(s, 20), false);
		put(b, "\r\n");
		return;
	case 1:
		putf(b, ":%llu\r\n", rnd(s) >> (1 + pick(s, 63)));
		return;
	case 2:
	case 3: {
		size_t len = pick(s, 3) ? pick(s, 40) : 200 + pick(s, 2000);
		putf(b, pick(s, 2) ? "$%llu\r\n" : "!%llu\r\n", len);
		put_bytes(b, s, len, true);
		put(b, "\r\n");
		return;
	}
	case 4:
		put(b, pick(s, 2) ? "$-1\r\n" : "*-1\r\n");
		return;
	case 5:
		put(b, simple[pick(s, 8)]);
		return;
	case 6:
		putf(b, "=%llu\r\ntxt:", 4 + (unsigned long long)n);
		put_bytes(b, s, n, true);
		put(b, "\r\n");
		return;
	case 7: /* attribute, then the value it annotates */
		putf(b, "|%llu\r\n", n);
		for (unsigned i = 0; i < 2 * n; i++)
			gen_resp(b, s, depth - 1);
		gen_resp(b, s, depth - 1);
		return;
	default: /* * % ~ > */
		putf(b,
		     k == 8    ? "*%llu\r\n"
		     : k == 9  ? "%%%llu\r\n"
		     : k == 10 ? "~%llu\r\n"
			       : ">%llu\r\n",
		     n);
		for (unsigned i = 0; i < (k == 9 ? 2 * n : n); i++)
			gen_resp(b, s, depth - 1);
	}
}

static void gen_fields(struct du_buf *b, uint64_t *s)
{
	static const char *const names[] = {"Host",   "User-Agent",   "X-a.b",
					    "Accept", "content-type", "ETag"};

	for (unsigned i = pick(s, 5); i > 0; i--) {
		put(b, names[pick(s, 6)]);
		put(b, pick(s, 2) ? ": " : ":\t");
		put_bytes(b, s, pick(s, 30), false);
		put(b, pick(s, 4) ? "\r\n" : " \t\r\n");
	}
}

static void gen_http(struct du_buf *b, uint64_t *s, bool response)
{
	static const int status[] = {200, 404, 100, 204, 304, 500};
	unsigned kind = pick(s, 3); /* 0: none, 1: Content-Length, 2: chunked */
	int st = status[pick(s, 6)];

	if (response) {
		putf(b, "HTTP/1.1 %llu OK\r\n", (unsigned long long)st);
		if (st < 200 || st == 204 || st == 304)
			kind = 0; /* no body whatever the fields say */
	} else {
		put(b, pick(s, 2) ? "GET /a?b=c HTTP/1.1\r\n"
				  : "POST /form HTTP/1.1\r\n");
	}
	gen_fields(b, s);
	if (kind == 0 && response && st >= 200 && st != 204 && st != 304)
		kind = 1; /* no length would run to EOF */
	if (kind == 0) {
		put(b, "\r\n");
		return;
	}
	if (kind == 1) {
		size_t len = pick(s, 4) ? pick(s, 100) : 1000 + pick(s, 3000);
		putf(b, "Content-Length: %llu\r\n\r\n", len);
		put_bytes(b, s, len, true);
		return;
	}
	put(b, "Transfer-Encoding: gzip, chunked\r\n\r\n");
	for (unsigned i = pick(s, 4); i > 0; i--) {
		size_t len = 1 + pick(s, 300);
		putf(b, pick(s, 2) ? "%llx" : "%llX", len);
		put(b, pick(s, 2) ? "\r\n" : " ;name=\"v a\";x\r\n");
		put_bytes(b, s, len, true);
		put(b, "\r\n");
	}
	put(b, "0\r\n");
	gen_fields(b, s);
	put(b, "\r\n");
}

static void gen_ws(struct du_buf *b, uint64_t *s, bool masked)
{
	static const uint8_t ops[] = {0x0, 0x1, 0x2, 0x8, 0x9, 0xa};
	uint8_t op = ops[pick(s, 6)], h[14];
	size_t len = op >= 8	       ? pick(s, 126)
		     : pick(s, 8) == 0 ? 65536 + pick(s, 1000)
		     : pick(s, 2)      ? 126 + pick(s, 1000)
				       : pick(s, 126);
	size_t n = 0;

	h[n++] = (uint8_t)((op >= 8 || pick(s, 2) ? 0x80 : 0) |
			   (pick(s, 4) == 0 ? 0x40 : 0) | op);
	uint8_t m = masked ? 0x80 : 0;
	if (len < 126) {
		h[n++] = (uint8_t)(m | len);
	} else if (len < 65536) {
		h[n++] = (uint8_t)(m | 126);
		h[n++] = (uint8_t)(len >> 8);
		h[n++] = (uint8_t)len;
	} else {
		h[n++] = (uint8_t)(m | 127);
		for (int i = 7; i >= 0; i--)
			h[n++] = (uint8_t)((uint64_t)len >> (8 * i));
	}
	if (masked)
		for (int i = 0; i < 4; i++)
			h[n++] = (uint8_t)rnd(s);
	du_buf_put(b, h, n);
	put_bytes(b, s, len, true);
}

/* Build UNITS units with gen, check fr_encode takes each as is, then the
 * stream decodes to exactly them whole, byte by byte and under random
 * schedules. */
static void check_units(const char *spec_text, int which, uint64_t seed)
{
	struct fr_spec spec;
	struct du_buf stream = {0};
	size_t off[UNITS + 1];
	uint64_t s = seed;

	du_spec(&spec, spec_text);
	for (int u = 0; u < UNITS; u++) {
		struct du_buf one = {0};
		uint8_t *out;
		size_t olen = 0;

		if (which == 0)
			gen_resp(&one, &s, 3);
		else if (which < 3)
			gen_http(&one, &s, which == 2);
		else
			gen_ws(&one, &s, which == 3 ? pick(&s, 2) : false);
		out = malloc(one.len);
		int rc = fr_encode(&spec, one.p, one.len, out, one.len, &olen);
		char *hex = du_hex(one.p, one.len < 200 ? one.len : 200);

		cr_assert_eq(rc, FR_OK, "%s seed %llu unit %d: %s on %s",
			     spec_text, (unsigned long long)seed, u,
			     du_code_name(rc), hex);
		free(hex);
		cr_assert_eq(olen, one.len);
		cr_assert_eq(memcmp(out, one.p, olen), 0);
		off[u] = stream.len;
		du_buf_put(&stream, one.p, one.len);
		free(out);
		du_buf_free(&one);
	}
	off[UNITS] = stream.len;
	const char *scheds[] = {"whole", "bytes", "random:1-64", "random:1-7",
				"fixed:1460"};
	for (size_t k = 0; k < sizeof(scheds) / sizeof(scheds[0]); k++) {
		struct du_events ev;

		du_decode_sched(&spec, stream.p, stream.len, scheds[k], seed, 0,
				&ev);
		cr_assert_eq(ev.n, UNITS + 1, "%s seed %llu %s: %zu events",
			     spec_text, (unsigned long long)seed, scheds[k],
			     ev.n);
		for (int u = 0; u < UNITS; u++) {
			const struct du_event *e = &ev.ev[u];

			cr_assert_eq(e->code, FR_FRAME,
				     "%s seed %llu %s unit %d", spec_text,
				     (unsigned long long)seed, scheds[k], u);
			cr_assert_eq(e->off, off[u]);
			cr_assert_eq(e->len, off[u + 1] - off[u]);
			cr_assert_eq(memcmp(e->data, stream.p + off[u], e->len),
				     0);
		}
		cr_assert_eq(ev.ev[UNITS].code, FR_DONE);
		du_events_free(&ev);
	}
	du_buf_free(&stream);
}

static uint64_t seed0(void)
{
	const char *env = getenv("FRAGLAB_SEED");

	return env ? strtoull(env, NULL, 0) : 0x5eed2026;
}

Test(proto_props, resp_values_round_trip)
{
	for (uint64_t r = 0; r < ROUNDS; r++)
		check_units("resp,depth=8", 0, seed0() + r);
}

Test(proto_props, http1_requests_round_trip)
{
	for (uint64_t r = 0; r < ROUNDS; r++)
		check_units("http1:req", 1, seed0() + r);
}

Test(proto_props, http1_responses_round_trip)
{
	for (uint64_t r = 0; r < ROUNDS; r++)
		check_units("http1:resp", 2, seed0() + r);
}

Test(proto_props, ws_frames_round_trip)
{
	for (uint64_t r = 0; r < ROUNDS; r++) {
		check_units("ws", 3, seed0() + r);
		check_units("ws,unmask", 4, seed0() + r);
	}
}

/* Units of exactly the default max decode whole under a random split and
 * are taken by fr_encode; one byte more is EOVERSIZE for both. */
Test(proto_props, units_at_default_max, .timeout = 120)
{
	static const char *const specs[] = {"resp", "http1:req", "ws"};
	const size_t max = FR_DEFAULT_MAX;

	for (size_t k = 0; k < 3; k++) {
		for (size_t extra = 0; extra < 2; extra++) {
			struct du_buf b = {0};
			struct fr_spec s;
			struct du_events ev;
			size_t total = max + extra, hl, olen;
			uint8_t *out = malloc(total);
			char h[64];

			if (k == 0) /* "$NNNNNNN\r\n" is 10 bytes, CRLF after */
				hl = (size_t)snprintf(h, sizeof(h), "$%zu\r\n",
						      total - 12);
			else if (k == 1)
				hl = (size_t)snprintf(
				    h, sizeof(h),
				    "PUT / HTTP/1.1\r\nContent-Length: "
				    "%zu\r\n\r\n",
				    total - 43);
			else
				hl = 10;
			if (k == 2) {
				uint64_t p = total - 10;

				h[0] = (char)0x82;
				h[1] = 127;
				for (int i = 0; i < 8; i++)
					h[2 + i] = (char)(p >> (56 - 8 * i));
			}
			cr_assert_eq(hl, k == 0 ? 10 : k == 1 ? 43 : 10);
			du_buf_put(&b, h, hl);
			while (b.len < total - (k == 0 ? 2 : 0))
				du_buf_put(&b, "z", 1);
			if (k == 0)
				du_buf_put(&b, "\r\n", 2);
			cr_assert_eq(b.len, total, "%s: built %zu", specs[k],
				     b.len);
			du_spec(&s, specs[k]);
			cr_expect_eq(
			    fr_encode(&s, b.p, b.len, out, total, &olen),
			    extra ? FR_EOVERSIZE : FR_OK, "%s +%zu", specs[k],
			    extra);
			du_decode_sched(&s, b.p, b.len, "random:1000-70000", k,
					0, &ev);
			if (extra) {
				cr_expect_eq(ev.ev[0].code, FR_EOVERSIZE, "%s",
					     specs[k]);
			} else {
				cr_expect_eq(ev.n, 2, "%s", specs[k]);
				cr_expect_eq(ev.ev[0].len, max, "%s", specs[k]);
				cr_expect_eq(ev.ev[1].code, FR_DONE);
			}
			du_events_free(&ev);
			du_buf_free(&b);
			free(out);
		}
	}
}
