/* Socket I/O helpers that survive partial reads and writes (io.h):
 * send_all, recv_all, sendv_all and recv_frame, with an optional
 * poll()-based deadline on CLOCK_MONOTONIC, EINTR retried, MSG_NOSIGNAL. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include "framing/io.h"

/* iovecs handed to one sendmsg(); the kernel refuses more than IOV_MAX. */
#if defined(IOV_MAX) && IOV_MAX < 1024
#define IO_BATCH IOV_MAX
#else
#define IO_BATCH 1024
#endif

/* Largest byte count asked of one syscall (its result is an ssize_t). */
#define IO_CHUNK_MAX ((size_t)SSIZE_MAX)

struct io_deadline {
	bool on;
	int64_t at_ns; /* CLOCK_MONOTONIC */
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void deadline_start(struct io_deadline *dl, int timeout_ms)
{
	dl->on = timeout_ms >= 0;
	dl->at_ns = dl->on ? now_ns() + (int64_t)timeout_ms * 1000000 : 0;
}

/* With a deadline the syscalls never block: poll() does the waiting. */
static int io_flags(const struct io_deadline *dl)
{
	return dl->on ? MSG_DONTWAIT : 0;
}

/* Wait until fd is ready for events or the deadline passes.
 * Returns FR_OK, FR_ETIMEDOUT or -errno. */
static int deadline_wait(int fd, short events, const struct io_deadline *dl)
{
	struct pollfd p = {.fd = fd, .events = events};

	for (;;) {
		int64_t left = dl->at_ns - now_ns();
		int ms = 0;
		if (left > 0) {
			int64_t up = (left + 999999) / 1000000;
			ms = up > INT_MAX ? INT_MAX : (int)up;
		}
		int r = poll(&p, 1, ms);
		if (r > 0)
			return FR_OK; /* ready, or POLLERR/POLLHUP: the
					 syscall will tell which */
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r == 0 && now_ns() >= dl->at_ns)
			return FR_ETIMEDOUT;
	}
}

/* After a failed syscall: 1 means try it again, anything else is the
 * result to return. */
static int io_retry(int fd, short events, const struct io_deadline *dl)
{
	int err = errno;

	if (err == EINTR)
		return 1;
	if (err != EAGAIN && err != EWOULDBLOCK)
		return -err;
	if (!dl->on)
		return FR_EAGAIN;
	int r = deadline_wait(fd, events, dl);
	return r == FR_OK ? 1 : r;
}

static size_t clamp_chunk(size_t n)
{
	return n > IO_CHUNK_MAX ? IO_CHUNK_MAX : n;
}

/* One buffer is the one-entry case of fr_sendv_all. */
int fr_send_all(int fd, const void *buf, size_t len, int timeout_ms,
		size_t *done)
{
	struct iovec one = {.iov_base = (void *)buf, .iov_len = len};

	if (buf == NULL && len > 0) {
		if (done)
			*done = 0;
		return FR_EINVAL;
	}
	return fr_sendv_all(fd, &one, 1, timeout_ms, done);
}

int fr_recv_all(int fd, void *buf, size_t len, int timeout_ms, size_t *done)
{
	uint8_t *p = buf;
	struct io_deadline dl;
	size_t off = 0;
	int rc = FR_OK;

	if (p == NULL && len > 0) {
		rc = FR_EINVAL;
		goto out;
	}
	deadline_start(&dl, timeout_ms);
	while (off < len) {
		ssize_t n =
		    recv(fd, p + off, clamp_chunk(len - off), io_flags(&dl));
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == 0) {
			rc = FR_ECLOSED;
			goto out;
		}
		rc = io_retry(fd, POLLIN, &dl);
		if (rc != 1)
			goto out;
		rc = FR_OK;
	}
out:
	if (done)
		*done = off;
	return rc;
}

/* Position in the caller's iovec array: entry idx, byte off within it. */
struct iov_pos {
	const struct iovec *iov;
	int cnt, idx;
	size_t off;
};

/* Skip exhausted and empty entries; false when nothing is left. */
static bool iov_settle(struct iov_pos *pos)
{
	while (pos->idx < pos->cnt && pos->off >= pos->iov[pos->idx].iov_len) {
		pos->idx++;
		pos->off = 0;
	}
	return pos->idx < pos->cnt;
}

/* Fill batch (local copy) from pos: at most IO_BATCH non-empty entries
 * whose total fits in one syscall. Returns the entry count. */
static int iov_batch(const struct iov_pos *pos, struct iovec *batch)
{
	size_t total = 0;
	int n = 0;
	size_t off = pos->off;

	for (int i = pos->idx; i < pos->cnt && n < IO_BATCH; i++, off = 0) {
		size_t len = pos->iov[i].iov_len - off;
		if (len == 0)
			continue;
		if (len > IO_CHUNK_MAX - total)
			len = IO_CHUNK_MAX - total;
		if (len == 0)
			break;
		batch[n].iov_base = (uint8_t *)pos->iov[i].iov_base + off;
		batch[n].iov_len = len;
		total += len;
		n++;
	}
	return n;
}

static void iov_advance(struct iov_pos *pos, size_t n)
{
	while (n > 0) {
		size_t left = pos->iov[pos->idx].iov_len - pos->off;
		if (n < left) {
			pos->off += n;
			return;
		}
		n -= left;
		pos->idx++;
		pos->off = 0;
	}
}

int fr_sendv_all(int fd, const struct iovec *iov, int iovcnt, int timeout_ms,
		 size_t *done)
{
	struct iovec batch[IO_BATCH];
	struct iov_pos pos = {.iov = iov, .cnt = iovcnt};
	struct io_deadline dl;
	size_t sent = 0;
	int rc = FR_OK;

	if (iovcnt < 0 || (iov == NULL && iovcnt > 0)) {
		rc = FR_EINVAL;
		goto out;
	}
	deadline_start(&dl, timeout_ms);
	while (iov_settle(&pos)) {
		struct msghdr msg = {.msg_iov = batch};
		msg.msg_iovlen = (size_t)iov_batch(&pos, batch);
		ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL | io_flags(&dl));
		if (n >= 0) {
			iov_advance(&pos, (size_t)n);
			sent += (size_t)n;
			continue;
		}
		rc = io_retry(fd, POLLOUT, &dl);
		if (rc != 1)
			goto out;
		rc = FR_OK;
	}
out:
	if (done)
		*done = sent;
	return rc;
}

/* One read into rbuf: >0 bytes read, 0 at EOF, or a negative result. */
static ssize_t recv_some(int fd, void *rbuf, size_t rcap,
			 const struct io_deadline *dl)
{
	for (;;) {
		ssize_t n = recv(fd, rbuf, clamp_chunk(rcap), io_flags(dl));
		if (n >= 0)
			return n;
		int rc = io_retry(fd, POLLIN, dl);
		if (rc != 1)
			return rc;
	}
}

int fr_recv_frame(int fd, struct fr_decoder *dec, void *rbuf, size_t rcap,
		  struct fr_frame *frame, int timeout_ms)
{
	struct io_deadline dl;

	if (dec == NULL || rbuf == NULL || rcap == 0 || frame == NULL)
		return FR_EINVAL;
	deadline_start(&dl, timeout_ms);
	for (;;) {
		int r = fr_decoder_next(dec, frame);
		if (r != FR_NEED_MORE)
			return r; /* a frame, or a decoder error */
		ssize_t n = recv_some(fd, rbuf, rcap, &dl);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return fr_decoder_finish(dec, frame);
		r = fr_decoder_feed(dec, rbuf, (size_t)n);
		if (r != FR_OK)
			return r;
	}
}
