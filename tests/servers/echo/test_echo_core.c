/* Echo core unit suite (servers/echo/echo_core.h), no sockets: output equals
 * the re-encoded frames however the input is split; errors carry the
 * same offset byte by byte as whole; output is bounded; raw passes bytes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo_core.h"
#include "framing/spec.h"

struct run {
	uint8_t out[1 << 16];
	size_t len;
	int rc;
	struct echo_error err;
};

static void init(struct echo_conn *c, const char *spec)
{
	struct fr_spec sp;
	cr_assert_eq(fr_spec_parse(&sp, spec, NULL, 0), FR_OK, "%s", spec);
	cr_assert_eq(echo_init(c, &sp), FR_OK);
}

static void drain(struct echo_conn *c, struct run *r)
{
	size_t n;
	const uint8_t *p = echo_output(c, &n);
	cr_assert_leq(r->len + n, sizeof(r->out));
	if (n)
		memcpy(r->out + r->len, p, n);
	r->len += n;
	echo_consume(c, n);
	cr_assert_eq(echo_pending(c), 0);
}

/* Feed `in` in chunks of `step` bytes (0: whole), then EOF. Each chunk is
 * copied into an exact-size heap buffer so ASan sees over-reads. */
static void feed(const char *spec, const void *in, size_t len, size_t step,
		 struct run *r)
{
	struct echo_conn c;

	memset(r, 0, sizeof(*r));
	init(&c, spec);
	for (size_t off = 0; off < len && r->rc == FR_OK;) {
		size_t n = step && step < len - off ? step : len - off;
		uint8_t *chunk = malloc(n);
		memcpy(chunk, (const uint8_t *)in + off, n);
		r->rc = echo_input(&c, chunk, n);
		free(chunk);
		drain(&c, r);
		off += n;
	}
	if (r->rc == FR_OK) {
		r->rc = echo_eof(&c);
		drain(&c, r); /* what the end of the stream completed */
	}
	if (echo_error(&c))
		r->err = *echo_error(&c);
	echo_free(&c);
}

/* Feeds `in` whole and in steps of 1..7 bytes. Returns NULL when every
 * run gives want_rc, exactly `want` out and the same error offset, else a
 * description of the first difference. */
static const char *split_mismatch(const char *spec, const void *in, size_t len,
				  const void *want, size_t want_len,
				  int want_rc)
{
	static struct run whole, piece;
	static char why[256];

	feed(spec, in, len, 0, &whole);
	if (whole.rc != want_rc)
		snprintf(why, sizeof(why), "%s whole: rc %d", spec, whole.rc);
	else if (whole.len != want_len)
		snprintf(why, sizeof(why), "%s: %zu bytes out", spec,
			 whole.len);
	else if (memcmp(whole.out, want, want_len) != 0)
		snprintf(why, sizeof(why), "%s output", spec);
	else
		why[0] = 0;
	for (size_t step = 1; step <= 7 && !why[0]; step++) {
		feed(spec, in, len, step, &piece);
		if (piece.rc != whole.rc || piece.len != whole.len ||
		    memcmp(piece.out, whole.out, whole.len) != 0)
			snprintf(why, sizeof(why),
				 "%s step %zu: rc %d, %zu bytes", spec, step,
				 piece.rc, piece.len);
		else if (piece.err.offset != whole.err.offset)
			snprintf(why, sizeof(why), "%s step %zu: error offset",
				 spec, step);
	}
	return why[0] ? why : NULL;
}

Test(echo_core, line_echoes_frames)
{
	static const char in[] = "a\n\nhello world\n";
	const char *why = split_mismatch("line", in, sizeof(in) - 1, in,
					 sizeof(in) - 1, FR_OK);
	cr_assert_null(why, "%s", why);
}

Test(echo_core, len4be_echoes_frames)
{
	static const uint8_t in[] = {0, 0, 0, 2, 'h', 'i', 0, 0,
				     0, 0, 0, 0, 0,   1,   0};
	const char *why =
	    split_mismatch("len:4be", in, sizeof(in), in, sizeof(in), FR_OK);
	cr_assert_null(why, "%s", why);
}

Test(echo_core, cobs_reencodes_zeros)
{
	/* COBS of {11 00 22} then 00, and of {} */
	static const uint8_t in[] = {0x02, 0x11, 0x02, 0x22, 0x00, 0x01, 0x00};
	const char *why =
	    split_mismatch("cobs", in, sizeof(in), in, sizeof(in), FR_OK);
	cr_assert_null(why, "%s", why);
}

Test(echo_core, crlf_reencodes_to_same_spec)
{
	static const char in[] = "x\r\nyz\r\n";
	const char *why = split_mismatch("crlf", in, sizeof(in) - 1, in,
					 sizeof(in) - 1, FR_OK);
	cr_assert_null(why, "%s", why);
}

Test(echo_core, oversize_length_fails_at_its_offset)
{
	/* frame "hi" is echoed, then a length of 9 > max=4 at offset 6 */
	static const uint8_t in[] = {0, 2, 'h', 'i', 0, 9, 'x'};
	static const uint8_t want[] = {0, 2, 'h', 'i'};
	static struct run r;

	const char *why = split_mismatch("len:2be,max=4", in, sizeof(in), want,
					 sizeof(want), FR_EOVERSIZE);
	cr_assert_null(why, "%s", why);
	feed("len:2be,max=4", in, sizeof(in), 1, &r);
	cr_assert_eq(r.err.code, FR_EOVERSIZE);
	cr_assert_eq(r.err.offset, 4);
	cr_assert_not_null(r.err.reason);
}

Test(echo_core, oversize_line_closes_the_connection)
{
	static const char in[] = "ok\ntoolong\nlater\n";
	static struct run r;

	const char *why = split_mismatch("line,max=4", in, sizeof(in) - 1,
					 "ok\n", 3, FR_EOVERSIZE);
	cr_assert_null(why, "%s", why);
	feed("line,max=4", in, sizeof(in) - 1, 0, &r);
	cr_assert_eq(r.err.offset, 3);
}

Test(echo_core, error_is_sticky)
{
	struct echo_conn c;

	init(&c, "len:1be,max=2");
	cr_assert_eq(echo_input(&c, "\x05", 1), FR_EOVERSIZE);
	cr_assert_eq(echo_input(&c, "\x01z", 2), FR_EOVERSIZE);
	cr_assert_eq(echo_eof(&c), FR_EOVERSIZE);
	cr_assert_not(echo_want_read(&c));
	echo_free(&c);
}

Test(echo_core, eof_inside_frame_is_truncated)
{
	static const uint8_t in[] = {0, 0, 0, 3, 'a', 'b'};
	static struct run r;

	feed("len:4be", in, sizeof(in), 1, &r);
	cr_assert_eq(r.rc, FR_ETRUNCATED);
	cr_assert_eq(r.err.offset, 0);
	cr_assert_eq(r.len, 0);
}

Test(echo_core, http1_response_ended_by_close_is_echoed)
{
	/* the second response has no length: the close ends it, and
	 * fr_decoder_finish hands it over as a frame before FR_DONE */
	static const char in[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"
				 "hiHTTP/1.0 200 OK\r\n\r\nuntil the close";
	const char *why = split_mismatch("http1:resp", in, sizeof(in) - 1, in,
					 sizeof(in) - 1, FR_OK);
	cr_assert_null(why, "%s", why);
}

Test(echo_core, raw_passes_bytes_through)
{
	static const char in[] = "no\nframing\0at all";
	const char *why =
	    split_mismatch("raw", in, sizeof(in), in, sizeof(in), FR_OK);
	cr_assert_null(why, "%s", why);
}

Test(echo_core, output_is_bounded_until_drained)
{
	struct echo_conn c;
	static char chunk[4096];
	size_t fed = 0;

	memset(chunk, 'a', sizeof(chunk));
	for (size_t i = 63; i < sizeof(chunk); i += 64)
		chunk[i] = '\n';
	init(&c, "line");
	while (echo_want_read(&c)) {
		cr_assert_eq(echo_input(&c, chunk, sizeof(chunk)), FR_OK);
		fed += sizeof(chunk);
		cr_assert_leq(fed, 2 * ECHO_OUT_LIMIT, "never stops reading");
	}
	cr_assert_geq(echo_pending(&c), ECHO_OUT_LIMIT);
	cr_assert_leq(echo_pending(&c), ECHO_OUT_LIMIT + sizeof(chunk));
	size_t n;
	echo_output(&c, &n);
	echo_consume(&c, n / 2);
	cr_assert(echo_want_read(&c) || echo_pending(&c) >= ECHO_OUT_LIMIT);
	echo_consume(&c, n);
	cr_assert(echo_want_read(&c));
	cr_assert_eq(echo_pending(&c), 0);
	cr_assert_eq(c.frames, fed / 64);
	echo_free(&c);
}

/* Random messages, encoded, fed at random splits: echoed byte-exact. */
Test(echo_core, random_splits_echo_exactly)
{
	static const char *specs[] = {"line", "len:4be",   "cobs",
				      "slip", "netstring", "len:varint"};
	static uint8_t wire[1 << 15];
	static struct run r;
	unsigned seed = 12345;

	for (size_t s = 0; s < sizeof(specs) / sizeof(specs[0]); s++) {
		struct fr_spec sp;
		size_t used = 0;
		cr_assert_eq(fr_spec_parse(&sp, specs[s], NULL, 0), FR_OK);
		for (int m = 0; m < 50; m++) {
			uint8_t msg[60];
			size_t len = 1 + (size_t)rand_r(&seed) % sizeof(msg), n;
			for (size_t i = 0; i < len; i++)
				msg[i] = (uint8_t)rand_r(&seed);
			if (sp.kind == FR_LINE)
				for (size_t i = 0; i < len; i++)
					msg[i] = msg[i] == '\n' ? 'n' : msg[i];
			cr_assert_eq(fr_encode(&sp, msg, len, wire + used,
					       sizeof(wire) - used, &n),
				     FR_OK);
			used += n;
		}
		for (int k = 0; k < 5; k++) {
			size_t step = 1 + (size_t)rand_r(&seed) % 97;
			feed(specs[s], wire, used, step, &r);
			cr_assert_eq(r.rc, FR_OK, "%s step %zu (seed 12345)",
				     specs[s], step);
			cr_assert_eq(r.len, used);
			cr_assert_eq(memcmp(r.out, wire, used), 0, "%s",
				     specs[s]);
		}
	}
}

/* What a connection holds (the --max-memory charge): it grows with an
 * unfinished frame as the decoder does, drops back once a big frame is
 * echoed (the decoder starts afresh), and error offsets go on counting
 * from the stream's start across that restart. */
Test(echo_core, held_memory_follows_frames_and_restarts)
{
	size_t big = 100000;
	uint8_t *in = malloc(4 + big);
	struct echo_conn c;
	size_t len;

	cr_assert_not_null(in);
	in[0] = 0;
	in[1] = (uint8_t)(big >> 16);
	in[2] = (uint8_t)(big >> 8);
	in[3] = (uint8_t)big;
	memset(in + 4, 'z', big);
	init(&c, "len:4be,max=200000");
	cr_assert_eq(echo_held(&c), 0);
	cr_assert_eq(echo_input(&c, in, 4 + big / 2), FR_OK);
	cr_assert_eq(echo_partial(&c), 4 + big / 2);
	cr_assert_geq(echo_held(&c), big / 2, "%zu", echo_held(&c));
	cr_assert_leq(echo_held(&c), big, "%zu", echo_held(&c));
	cr_assert_geq(echo_held_after(&c, big / 2), big);
	cr_assert_eq(echo_input(&c, in + 4 + big / 2, big - big / 2), FR_OK);
	cr_assert_eq(echo_partial(&c), 0);
	cr_assert_not_null(echo_output(&c, &len));
	cr_assert_eq(len, 4 + big);
	echo_consume(&c, len);
	cr_assert_eq(echo_held(&c), 0, "%zu held after the frame",
		     echo_held(&c));
	/* an oversize length right after: its offset is the stream's */
	static const uint8_t bad[] = {0, 0x0f, 0xff, 0xff};
	cr_assert_eq(echo_input(&c, bad, sizeof(bad)), FR_EOVERSIZE);
	cr_assert_eq(echo_error(&c)->offset, 4 + big);
	echo_free(&c);
	free(in);
}

/* Big frames (over ECHO_KEEP_CAP, so the decoder restarts between them)
 * mixed with small ones echo exactly in every codec, whether each call
 * ends on a frame boundary (restarts happen) or anywhere. */
Test(echo_core, big_frames_echo_exactly_across_decoder_restarts)
{
	static const char *specs[] = {"line,max=65536",	     "len:4be",
				      "cobs,max=65536",	     "slip,max=65536",
				      "netstring,max=65536", "len:varint"};
	static uint8_t wire[1 << 16], msg[20000];
	static struct run r;
	size_t at[7];
	unsigned seed = 777;

	for (size_t s = 0; s < sizeof(specs) / sizeof(specs[0]); s++) {
		struct fr_spec sp;
		struct echo_conn c;
		size_t used = 0, n;
		cr_assert_eq(fr_spec_parse(&sp, specs[s], NULL, 0), FR_OK);
		for (int m = 0; m < 6; m++) {
			size_t len =
			    m % 2 ? 17000 + (size_t)m * 500 : 5 + (size_t)m;
			for (size_t i = 0; i < len; i++)
				msg[i] = (uint8_t)rand_r(&seed);
			if (sp.kind == FR_LINE)
				for (size_t i = 0; i < len; i++)
					msg[i] = msg[i] == '\n' ? 'n' : msg[i];
			at[m] = used;
			cr_assert_eq(fr_encode(&sp, msg, len, wire + used,
					       sizeof(wire) - used, &n),
				     FR_OK);
			used += n;
		}
		at[6] = used;
		memset(&r, 0, sizeof(r));
		init(&c, specs[s]);
		for (int m = 0; m < 6; m++) {
			cr_assert_eq(
			    echo_input(&c, wire + at[m], at[m + 1] - at[m]),
			    FR_OK, "%s frame %d", specs[s], m);
			drain(&c, &r);
			if (m % 2)
				cr_assert_leq(echo_held(&c), 2048,
					      "%s: %zu held after frame %d",
					      specs[s], echo_held(&c), m);
		}
		cr_assert_eq(echo_eof(&c), FR_OK);
		cr_assert_eq(r.len, used, "%s", specs[s]);
		cr_assert_eq(memcmp(r.out, wire, used), 0, "%s", specs[s]);
		echo_free(&c);
		size_t step = 1000 + (size_t)rand_r(&seed) % 9000;
		feed(specs[s], wire, used, step, &r);
		cr_assert_eq(r.rc, FR_OK, "%s step %zu", specs[s], step);
		cr_assert(r.len == used && memcmp(r.out, wire, used) == 0,
			  "%s step %zu", specs[s], step);
	}
}
