/* Criterion suite for fr_recv_frame: a decoder fed from a socket by a
 * byte-at-a-time writer and by a many-frames-in-one-write writer, clean
 * close (FR_DONE), close mid-frame (FR_ETRUNCATED), decoder errors,
 * deadlines and non-blocking fds. Wire bytes are built by hand. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "framing/codec.h"
#include "framing/io.h"
#include "framing/spec.h"
#include "io_util.h"

#define NMSG 40

struct stream {
	uint8_t wire[NMSG * 600];
	size_t len;
	size_t off[NMSG], mlen[NMSG]; /* payload offsets/lengths in wire */
	size_t n;
};

/* len:2be frames with payload lengths 0, 1, 2, ... varied up to 520. */
static void build_len2be(struct stream *s)
{
	s->len = s->n = 0;
	for (size_t i = 0; i < NMSG; i++) {
		size_t len = i * 37 % 521;
		s->wire[s->len++] = (uint8_t)(len >> 8);
		s->wire[s->len++] = (uint8_t)len;
		s->off[i] = s->len;
		s->mlen[i] = len;
		io_fill(s->wire + s->len, len, (uint32_t)i);
		s->len += len;
		s->n++;
	}
}

/* line frames: printable payloads (never '\n'), some empty. */
static void build_line(struct stream *s)
{
	s->len = s->n = 0;
	for (size_t i = 0; i < NMSG; i++) {
		size_t len = i * 53 % 400;
		s->off[i] = s->len;
		s->mlen[i] = len;
		for (size_t j = 0; j < len; j++)
			s->wire[s->len++] = (uint8_t)(' ' + (i + j * 7) % 90);
		s->wire[s->len++] = '\n';
		s->n++;
	}
}

static void decoder_for(struct fr_decoder *d, const char *spec_text)
{
	struct fr_spec spec;
	char err[200];

	cr_assert_eq(fr_spec_parse(&spec, spec_text, err, sizeof(err)), FR_OK,
		     "%s: %s", spec_text, err);
	cr_assert_eq(fr_decoder_init(d, &spec, NULL, 0), FR_OK);
}

/* What went wrong in expect_frames/run, for the Test body to assert on. */
static char why_buf[256];

/* Read every frame of s from fd and expect `last` after them. Returns NULL,
 * or the first difference (why_buf). */
static const char *expect_frames(int fd, struct fr_decoder *d,
				 const struct stream *s, size_t rcap, int last,
				 uint64_t last_off)
{
	uint8_t rbuf[4096];
	struct fr_frame f;

	cr_assert(rcap <= sizeof(rbuf));
	for (size_t i = 0; i < s->n; i++) {
		int rc = fr_recv_frame(fd, d, rbuf, rcap, &f, IO_LONG_MS);
		if (rc != FR_FRAME) {
			snprintf(why_buf, sizeof(why_buf), "frame %zu: %s", i,
				 fr_strerror(rc));
			return why_buf;
		}
		if (f.len != s->mlen[i]) {
			snprintf(why_buf, sizeof(why_buf),
				 "frame %zu: %zu bytes, want %zu", i, f.len,
				 s->mlen[i]);
			return why_buf;
		}
		if (f.len > 0 &&
		    memcmp(f.data, s->wire + s->off[i], f.len) != 0) {
			snprintf(why_buf, sizeof(why_buf),
				 "frame %zu: bytes differ", i);
			return why_buf;
		}
	}
	int rc = fr_recv_frame(fd, d, rbuf, rcap, &f, IO_LONG_MS);
	if (rc != last) {
		snprintf(why_buf, sizeof(why_buf), "after %zu frames: got %s",
			 s->n, fr_strerror(rc));
		return why_buf;
	}
	if (last == FR_ETRUNCATED && f.offset != last_off) {
		snprintf(why_buf, sizeof(why_buf),
			 "truncated at offset %llu, want %llu",
			 (unsigned long long)f.offset,
			 (unsigned long long)last_off);
		return why_buf;
	}
	return NULL;
}

/* One writer over one socket pair: write wire[0..len) in steps, close.
 * Returns NULL, or what differed. */
static const char *run(enum pair_kind k, const char *spec,
		       const struct stream *s, size_t wire_len, size_t step,
		       size_t rcap, int last, uint64_t last_off)
{
	struct fr_decoder d;
	int sv[2];

	decoder_for(&d, spec);
	cr_assert_eq(io_pair(k, sv, 0), 0);
	struct io_writer w = {.fd = sv[1],
			      .data = s->wire,
			      .len = wire_len,
			      .step = step,
			      .close_fd = true};
	io_writer_start(&w);
	const char *bad = expect_frames(sv[0], &d, s, rcap, last, last_off);
	/* a reader that stopped early: let the writer finish */
	close(sv[0]);
	int wrc = io_writer_join(&w);
	fr_decoder_free(&d);
	if (bad == NULL && wrc != FR_OK) {
		snprintf(why_buf, sizeof(why_buf), "writer: %s",
			 fr_strerror(wrc));
		bad = why_buf;
	}
	return bad;
}

/* Byte-at-a-time and coalesced writes, a small and a large read buffer,
 * over a unix and a TCP pair; the first failing way, or NULL. */
static const char *run_all_ways(const char *spec, const struct stream *s)
{
	static const enum pair_kind kinds[] = {PAIR_UNIX, PAIR_TCP};
	static const size_t steps[] = {1, 0, 0}, rcaps[] = {4096, 4096, 3};

	for (int k = 0; k < 2; k++) {
		for (int w = 0; w < 3; w++) {
			const char *bad = run(kinds[k], spec, s, s->len,
					      steps[w], rcaps[w], FR_DONE, 0);
			if (bad != NULL)
				return bad;
		}
	}
	return NULL;
}

Test(recv_frame, len2be_byte_at_a_time_and_coalesced)
{
	static struct stream s;

	build_len2be(&s);
	const char *bad = run_all_ways("len:2be", &s);
	cr_assert_null(bad, "%s", bad);
}

Test(recv_frame, line_byte_at_a_time_and_coalesced)
{
	static struct stream s;

	build_line(&s);
	const char *bad = run_all_ways("line", &s);
	cr_assert_null(bad, "%s", bad);
}

Test(recv_frame, close_mid_frame_is_truncated)
{
	static struct stream s;
	const char *bad;

	build_len2be(&s);
	s.n--; /* last frame cut: header plus 1 payload byte */
	size_t start = s.off[s.n] - 2;
	bad = run(PAIR_UNIX, "len:2be", &s, start + 3, 1, 4096, FR_ETRUNCATED,
		  start);
	cr_assert_null(bad, "len:2be, unix, bytewise: %s", bad);
	bad = run(PAIR_TCP, "len:2be", &s, start + 1, 0, 4096, FR_ETRUNCATED,
		  start);
	cr_assert_null(bad, "len:2be, tcp, coalesced: %s", bad);

	build_line(&s);
	s.n--; /* last line without its newline */
	start = s.off[s.n];
	bad =
	    run(PAIR_TCP, "line", &s, s.len - 1, 1, 4096, FR_ETRUNCATED, start);
	cr_assert_null(bad, "line, tcp, bytewise: %s", bad);
}

Test(recv_frame, recoverable_error_then_more_frames)
{
	static const char wire[] = "ab\nabcdefgh\ncd\n";
	uint8_t rbuf[64];
	struct fr_decoder d;
	struct fr_frame f;
	int sv[2];

	decoder_for(&d, "line,max=4");
	cr_assert_eq(io_pair(PAIR_UNIX, sv, 0), 0);
	struct io_writer w = {.fd = sv[1],
			      .data = (const uint8_t *)wire,
			      .len = sizeof(wire) - 1,
			      .step = 1,
			      .close_fd = true};
	io_writer_start(&w);
	cr_assert_eq(fr_recv_frame(sv[0], &d, rbuf, 64, &f, IO_LONG_MS),
		     FR_FRAME);
	cr_assert(f.len == 2 && memcmp(f.data, "ab", 2) == 0);
	cr_assert_eq(fr_recv_frame(sv[0], &d, rbuf, 64, &f, IO_LONG_MS),
		     FR_EOVERSIZE);
	cr_assert_eq(f.offset, 3);
	cr_assert_eq(fr_recv_frame(sv[0], &d, rbuf, 64, &f, IO_LONG_MS),
		     FR_FRAME);
	cr_assert(f.len == 2 && memcmp(f.data, "cd", 2) == 0);
	cr_assert_eq(fr_recv_frame(sv[0], &d, rbuf, 64, &f, IO_LONG_MS),
		     FR_DONE);
	io_writer_join(&w);
	fr_decoder_free(&d);
	close(sv[0]);
}

Test(recv_frame, deadline_and_nonblocking)
{
	uint8_t rbuf[64];
	struct fr_decoder d;
	struct fr_frame f;
	int sv[2];

	decoder_for(&d, "len:2be");
	cr_assert_eq(io_pair(PAIR_UNIX, sv, 0), 0);
	/* half a frame, then silence */
	cr_assert_eq(send(sv[1], "\x00\x03x", 3, 0), 3);
	cr_assert_eq(fr_recv_frame(sv[0], &d, rbuf, 64, &f, 30), FR_ETIMEDOUT);
	io_set_nonblock(sv[0], true);
	cr_assert_eq(fr_recv_frame(sv[0], &d, rbuf, 64, &f, FR_NO_DEADLINE),
		     FR_EAGAIN);
	/* the rest arrives: the frame is whole across both calls */
	cr_assert_eq(send(sv[1], "yz", 2, 0), 2);
	cr_assert_eq(fr_recv_frame(sv[0], &d, rbuf, 64, &f, IO_LONG_MS),
		     FR_FRAME);
	cr_assert(f.len == 3 && memcmp(f.data, "xyz", 3) == 0);
	cr_assert_eq(f.offset, 0);
	close(sv[1]);
	cr_assert_eq(fr_recv_frame(sv[0], &d, rbuf, 64, &f, IO_LONG_MS),
		     FR_DONE);
	cr_assert_eq(fr_recv_frame(sv[0], &d, rbuf, 0, &f, IO_LONG_MS),
		     FR_EINVAL);
	fr_decoder_free(&d);
	close(sv[0]);
}
