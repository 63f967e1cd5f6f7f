/* Criterion suite for fr_recv_frame: a decoder fed from a socket by a
 * byte-at-a-time writer and by a many-frames-in-one-write writer, clean
 * close (FR_DONE), close mid-frame (FR_ETRUNCATED), decoder errors,
 * deadlines and non-blocking fds. Wire bytes are built by hand. */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "framing/codec.h"
#include "framing/io.h"
#include "framing/spec.h"
#include "io_util.h"

#define NMSG 40
#define LONG_MS 60000

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

/* Read every frame of s from fd and expect `last` after them. */
static void expect_frames(int fd, struct fr_decoder *d, const struct stream *s,
			  size_t rcap, int last, uint64_t last_off)
{
	uint8_t rbuf[4096];
	struct fr_frame f;

	cr_assert(rcap <= sizeof(rbuf));
	for (size_t i = 0; i < s->n; i++) {
		int rc = fr_recv_frame(fd, d, rbuf, rcap, &f, LONG_MS);
		cr_assert_eq(rc, FR_FRAME, "frame %zu: %s", i, fr_strerror(rc));
		cr_assert_eq(f.len, s->mlen[i], "frame %zu", i);
		cr_assert(f.len == 0 ||
				  memcmp(f.data, s->wire + s->off[i], f.len) == 0,
			  "frame %zu bytes differ", i);
	}
	int rc = fr_recv_frame(fd, d, rbuf, rcap, &f, LONG_MS);
	cr_assert_eq(rc, last, "after %zu frames: got %s", s->n,
		     fr_strerror(rc));
	if (last == FR_ETRUNCATED)
		cr_assert_eq(f.offset, last_off);
}

/* One writer over one socket pair: write wire[0..len) in steps, close. */
static void run(enum pair_kind k, const char *spec, const struct stream *s,
		size_t wire_len, size_t step, size_t rcap, int last,
		uint64_t last_off)
{
	struct fr_decoder d;
	int sv[2];

	decoder_for(&d, spec);
	cr_assert_eq(io_pair(k, sv, 0), 0);
	struct io_writer w = {.fd = sv[1], .data = s->wire, .len = wire_len,
			      .step = step, .close_fd = true};
	io_writer_start(&w);
	expect_frames(sv[0], &d, s, rcap, last, last_off);
	cr_assert_eq(io_writer_join(&w), FR_OK);
	fr_decoder_free(&d);
	close(sv[0]);
}

static void run_all_ways(const char *spec, const struct stream *s)
{
	static const enum pair_kind kinds[] = {PAIR_UNIX, PAIR_TCP};

	for (int k = 0; k < 2; k++) {
		run(kinds[k], spec, s, s->len, 1, 4096, FR_DONE, 0);
		run(kinds[k], spec, s, s->len, 0, 4096, FR_DONE, 0);
		run(kinds[k], spec, s, s->len, 0, 3, FR_DONE, 0);
	}
}

Test(recv_frame, len2be_byte_at_a_time_and_coalesced)
{
	static struct stream s;

	build_len2be(&s);
	run_all_ways("len:2be", &s);
}

Test(recv_frame, line_byte_at_a_time_and_coalesced)
{
	static struct stream s;

	build_line(&s);
	run_all_ways("line", &s);
}

Test(recv_frame, close_mid_frame_is_truncated)
{
	static struct stream s;

	build_len2be(&s);
	s.n--; /* last frame cut: header plus 1 payload byte */
	size_t start = s.off[s.n] - 2;
	run(PAIR_UNIX, "len:2be", &s, start + 3, 1, 4096, FR_ETRUNCATED, start);
	run(PAIR_TCP, "len:2be", &s, start + 1, 0, 4096, FR_ETRUNCATED, start);

	build_line(&s);
	s.n--; /* last line without its newline */
	start = s.off[s.n];
	run(PAIR_TCP, "line", &s, s.len - 1, 1, 4096, FR_ETRUNCATED, start);
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
	struct io_writer w = {.fd = sv[1], .data = (const uint8_t *)wire,
			      .len = sizeof(wire) - 1, .step = 1,
			      .close_fd = true};
	io_writer_start(&w);
	cr_assert_eq(fr_recv_frame(sv[0], &d, rbuf, 64, &f, LONG_MS), FR_FRAME);
	cr_assert(f.len == 2 && memcmp(f.data, "ab", 2) == 0);
	cr_assert_eq(fr_recv_frame(sv[0], &d, rbuf, 64, &f, LONG_MS),
		     FR_EOVERSIZE);
	cr_assert_eq(f.offset, 3);
	cr_assert_eq(fr_recv_frame(sv[0], &d, rbuf, 64, &f, LONG_MS), FR_FRAME);
	cr_assert(f.len == 2 && memcmp(f.data, "cd", 2) == 0);
	cr_assert_eq(fr_recv_frame(sv[0], &d, rbuf, 64, &f, LONG_MS), FR_DONE);
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
	cr_assert_eq(fr_recv_frame(sv[0], &d, rbuf, 64, &f, LONG_MS), FR_FRAME);
	cr_assert(f.len == 3 && memcmp(f.data, "xyz", 3) == 0);
	cr_assert_eq(f.offset, 0);
	close(sv[1]);
	cr_assert_eq(fr_recv_frame(sv[0], &d, rbuf, 64, &f, LONG_MS), FR_DONE);
	cr_assert_eq(fr_recv_frame(sv[0], &d, rbuf, 0, &f, LONG_MS), FR_EINVAL);
	fr_decoder_free(&d);
	close(sv[0]);
}
