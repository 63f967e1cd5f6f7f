/* Criterion suite for framing/src/io.c: fr_send_all, fr_recv_all and
 * fr_sendv_all over socketpair() and loopback TCP: byte-at-a-time peers,
 * short writes, EAGAIN/deadlines with progress, peer close, EINTR, EPIPE. */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "framing/io.h"
#include "io_util.h"

static const enum pair_kind kinds[] = {PAIR_UNIX, PAIR_TCP};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))
#define BIG ((size_t)4 << 20) /* far more than small socket buffers hold */

static void pair_or_die(enum pair_kind k, int sv[2], int bufsize)
{
	cr_assert_eq(io_pair(k, sv, bufsize), 0, "%s pair: %s", io_pair_name(k),
		     strerror(errno));
}

static void close_pair(int sv[2])
{
	close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
}

/* Wait until fd has n bytes readable (loopback delivers at once, but a
 * loaded machine may lag). */
static void wait_readable(int fd, size_t n)
{
	uint8_t tmp[256];

	cr_assert(n <= sizeof(tmp));
	for (int i = 0; i < 10000; i++) {
		ssize_t got = recv(fd, tmp, n, MSG_PEEK | MSG_DONTWAIT);
		if (got >= 0 && (size_t)got == n)
			return;
		poll(NULL, 0, 1);
	}
	cr_assert_fail("%zu bytes never arrived", n);
}

Test(recv_all, byte_at_a_time_peer)
{
	enum { N = 3000 };
	uint8_t src[N], dst[N];

	io_fill(src, N, 1);
	for (size_t k = 0; k < NKINDS; k++) {
		for (int timed = 0; timed < 2; timed++) {
			int sv[2];
			size_t done = 0;
			pair_or_die(kinds[k], sv, 0);
			struct io_writer w = {
			    .fd = sv[1], .data = src, .len = N, .step = 1};
			io_writer_start(&w);
			memset(dst, 0, N);
			int rc = fr_recv_all(
			    sv[0], dst, N, timed ? IO_LONG_MS : FR_NO_DEADLINE,
			    &done);
			cr_assert_eq(io_writer_join(&w), FR_OK);
			cr_assert_eq(rc, FR_OK, "%s: %s",
				     io_pair_name(kinds[k]), fr_strerror(rc));
			cr_assert_eq(done, N);
			cr_assert_arr_eq(dst, src, N);
			close_pair(sv);
		}
	}
}

Test(recv_all, peer_closes_after_k_bytes)
{
	static const size_t ks[] = {0, 1, 37, 999};
	uint8_t src[1000], dst[1000];

	io_fill(src, sizeof(src), 2);
	for (size_t k = 0; k < NKINDS; k++) {
		for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
			int sv[2];
			size_t done = 12345;
			pair_or_die(kinds[k], sv, 0);
			struct io_writer w = {.fd = sv[1],
					      .data = src,
					      .len = ks[i],
					      .step = 1,
					      .close_fd = true};
			io_writer_start(&w);
			int rc = fr_recv_all(
			    sv[0], dst, sizeof(dst),
			    i % 2 ? IO_LONG_MS : FR_NO_DEADLINE, &done);
			cr_assert_eq(io_writer_join(&w), FR_OK);
			cr_assert_eq(rc, FR_ECLOSED, "%s k=%zu: %s",
				     io_pair_name(kinds[k]), ks[i],
				     fr_strerror(rc));
			cr_assert_eq(done, ks[i]);
			cr_assert_arr_eq(dst, src, ks[i]);
			sv[1] = -1;
			close_pair(sv);
		}
	}
}

Test(recv_all, nonblocking_eagain_then_deadline_with_progress)
{
	uint8_t src[200], dst[200];
	size_t done;

	io_fill(src, sizeof(src), 3);
	for (size_t k = 0; k < NKINDS; k++) {
		int sv[2];
		pair_or_die(kinds[k], sv, 0);
		io_set_nonblock(sv[0], true);
		/* 50 of 200 bytes there: EAGAIN with the 50 */
		cr_assert_eq(send(sv[1], src, 50, 0), 50);
		wait_readable(sv[0], 50);
		int rc = fr_recv_all(sv[0], dst, 200, FR_NO_DEADLINE, &done);
		cr_assert_eq(rc, FR_EAGAIN, "%s", fr_strerror(rc));
		cr_assert_eq(done, 50);
		cr_assert_arr_eq(dst, src, 50);
		/* 30 more, then a deadline: ETIMEDOUT with the 30 */
		cr_assert_eq(send(sv[1], src + 50, 30, 0), 30);
		wait_readable(sv[0], 30);
		rc = fr_recv_all(sv[0], dst + 50, 150, 50, &done);
		cr_assert_eq(rc, FR_ETIMEDOUT, "%s", fr_strerror(rc));
		cr_assert_eq(done, 30);
		/* the rest completes under a deadline */
		struct io_writer w = {
		    .fd = sv[1], .data = src + 80, .len = 120, .step = 7};
		io_writer_start(&w);
		rc = fr_recv_all(sv[0], dst + 80, 120, IO_LONG_MS, &done);
		cr_assert_eq(io_writer_join(&w), FR_OK);
		cr_assert_eq(rc, FR_OK, "%s", fr_strerror(rc));
		cr_assert_eq(done, 120);
		cr_assert_arr_eq(dst, src, 200);
		close_pair(sv);
	}
}

Test(recv_all, deadline_on_blocking_fd_does_not_hang)
{
	uint8_t dst[16];
	size_t done = 99;
	int sv[2];

	pair_or_die(PAIR_UNIX, sv, 0);
	cr_assert_eq(fr_recv_all(sv[0], dst, 16, 0, &done), FR_ETIMEDOUT);
	cr_assert_eq(done, 0);
	cr_assert_eq(fr_recv_all(sv[0], dst, 16, 20, &done), FR_ETIMEDOUT);
	cr_assert_eq(fr_recv_all(sv[0], dst, 0, FR_NO_DEADLINE, &done), FR_OK);
	cr_assert_eq(done, 0);
	close_pair(sv);
}

/* Sender stalls (nobody reads): non-blocking EAGAIN with progress, then
 * a deadline with progress; a reader then drains and every byte that
 * *done claimed, and only those, arrived in order. */
Test(send_all, short_writes_eagain_and_deadline)
{
	uint8_t *src = malloc(BIG);

	io_fill(src, BIG, 4);
	for (size_t k = 0; k < NKINDS; k++) {
		int sv[2];
		size_t d1 = 0, d2 = 0, d3 = 0;
		pair_or_die(kinds[k], sv, IO_SMALLBUF);
		io_set_nonblock(sv[0], true);
		int rc = fr_send_all(sv[0], src, BIG, FR_NO_DEADLINE, &d1);
		cr_assert_eq(rc, FR_EAGAIN, "%s: %s", io_pair_name(kinds[k]),
			     fr_strerror(rc));
		cr_assert(d1 > 0 && d1 < BIG, "progress %zu", d1);
		rc = fr_send_all(sv[0], src + d1, BIG - d1, 30, &d2);
		cr_assert_eq(rc, FR_ETIMEDOUT, "%s", fr_strerror(rc));
		cr_assert(d1 + d2 < BIG);

		struct io_reader r;
		io_reader_start(&r, sv[1], 1000);
		rc = fr_send_all(sv[0], src + d1 + d2, BIG - d1 - d2,
				 IO_LONG_MS, &d3);
		cr_assert_eq(rc, FR_OK, "%s", fr_strerror(rc));
		cr_assert_eq(d1 + d2 + d3, BIG);
		shutdown(sv[0], SHUT_WR);
		io_reader_join(&r);
		cr_assert_eq(r.err, 0);
		cr_assert_eq(r.len, BIG);
		cr_assert(memcmp(r.data, src, BIG) == 0, "bytes differ");
		free(r.data);
		close_pair(sv);
	}
	free(src);
}

Test(send_all, deadline_on_blocking_fd_reports_progress)
{
	uint8_t *src = malloc(BIG);
	size_t done = 0;
	int sv[2];

	io_fill(src, BIG, 5);
	for (size_t k = 0; k < NKINDS; k++) {
		pair_or_die(kinds[k], sv, IO_SMALLBUF);
		int rc = fr_send_all(sv[0], src, BIG, 50, &done);
		cr_assert_eq(rc, FR_ETIMEDOUT, "%s", fr_strerror(rc));
		cr_assert(done > 0 && done < BIG, "progress %zu", done);
		close_pair(sv);
	}
	free(src);
}

/* SIGPIPE keeps its default action: if a send raised it, the test
 * process would die instead of seeing -EPIPE. */
Test(send_all, epipe_not_sigpipe)
{
	struct iovec iov = {.iov_base = "x", .iov_len = 1};
	uint8_t buf[4096] = {0};
	size_t done = 99;
	int sv[2], rc = FR_OK;

	signal(SIGPIPE, SIG_DFL);
	pair_or_die(PAIR_UNIX, sv, 0);
	close(sv[1]);
	cr_assert_eq(fr_send_all(sv[0], "x", 1, FR_NO_DEADLINE, &done), -EPIPE);
	cr_assert_eq(done, 0);
	cr_assert_eq(fr_sendv_all(sv[0], &iov, 1, 100, &done), -EPIPE);
	close(sv[0]);

	pair_or_die(PAIR_TCP, sv, 0);
	close(sv[1]);
	for (int i = 0; i < 1000 && rc == FR_OK; i++)
		rc = fr_send_all(sv[0], buf, sizeof(buf), IO_LONG_MS, &done);
	cr_assert(rc == -EPIPE || rc == -ECONNRESET, "got %s", fr_strerror(rc));
	close(sv[0]);
}

Test(send_all, bad_fd_and_args)
{
	size_t done = 7;

	cr_assert_eq(fr_send_all(-1, "x", 1, FR_NO_DEADLINE, &done), -EBADF);
	cr_assert_eq(done, 0);
	cr_assert_eq(fr_recv_all(-1, &done, 1, FR_NO_DEADLINE, NULL), -EBADF);
	cr_assert_eq(fr_send_all(-1, NULL, 1, FR_NO_DEADLINE, NULL), FR_EINVAL);
	cr_assert_eq(fr_sendv_all(-1, NULL, -1, FR_NO_DEADLINE, NULL),
		     FR_EINVAL);
	cr_assert_eq(fr_sendv_all(-1, NULL, 0, FR_NO_DEADLINE, &done), FR_OK);
	cr_assert_eq(done, 0);
}
