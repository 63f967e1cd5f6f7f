/* Helpers shared by the I/O suites (io_util.h): socket pairs, writer and
 * reader peer threads, and the "thread is blocked" handshake. */
#include "io_util.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cm_buf.h"
#include "framing/io.h"

static void set_bufs(int fd, int bufsize)
{
	if (bufsize <= 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof(bufsize));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize));
}

static int tcp_pair(int sv[2], int bufsize)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int one = 1;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	int cfd = socket(AF_INET, SOCK_STREAM, 0);
	int afd = -1;

	if (lfd < 0 || cfd < 0)
		goto fail;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	set_bufs(lfd, bufsize);
	set_bufs(cfd, bufsize);
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) < 0 ||
	    connect(cfd, (struct sockaddr *)&a, sizeof(a)) < 0)
		goto fail;
	afd = accept(lfd, NULL, NULL);
	if (afd < 0)
		goto fail;
	close(lfd);
	setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(afd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	sv[0] = afd;
	sv[1] = cfd;
	return 0;
fail:
	if (lfd >= 0)
		close(lfd);
	if (cfd >= 0)
		close(cfd);
	return -1;
}

int io_pair(enum pair_kind kind, int sv[2], int bufsize)
{
	if (kind == PAIR_TCP)
		return tcp_pair(sv, bufsize);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	set_bufs(sv[0], bufsize);
	set_bufs(sv[1], bufsize);
	return 0;
}

const char *io_pair_name(enum pair_kind kind)
{
	return kind == PAIR_TCP ? "tcp" : "unix";
}

void io_set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

void io_fill(uint8_t *buf, size_t n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)(x >> 7);
	}
}

static void *writer_main(void *arg)
{
	struct io_writer *w = arg;
	size_t step = w->step ? w->step : w->len;

	w->rc = FR_OK;
	for (size_t off = 0; off < w->len; off += step) {
		size_t n = w->len - off < step ? w->len - off : step;
		w->rc =
		    fr_send_all(w->fd, w->data + off, n, FR_NO_DEADLINE, NULL);
		if (w->rc != FR_OK)
			break;
	}
	if (w->close_fd)
		close(w->fd);
	return NULL;
}

void io_writer_start(struct io_writer *w)
{
	pthread_create(&w->th, NULL, writer_main, w);
}

int io_writer_join(struct io_writer *w)
{
	pthread_join(w->th, NULL);
	return w->rc;
}

static void *reader_main(void *arg)
{
	struct io_reader *r = arg;

	for (;;) {
		r->data = cm_grow(r->data, &r->cap, r->len + r->step, 1);
		if (r->data == NULL) {
			r->err = ENOMEM;
			return NULL;
		}
		ssize_t n = read(r->fd, r->data + r->len, r->step);
		if (n == 0)
			return NULL;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r->err = errno;
			return NULL;
		}
		r->len += (size_t)n;
	}
}

void io_reader_start(struct io_reader *r, int fd, size_t step)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->step = step;
	pthread_create(&r->th, NULL, reader_main, r);
}

void io_reader_join(struct io_reader *r)
{
	pthread_join(r->th, NULL);
}

pid_t io_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static char thread_state(pid_t tid)
{
	char path[64], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = fopen(path, "r");
	if (f == NULL)
		return '?';
	size_t n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[n] = '\0';
	char *p = strrchr(line, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

bool io_wait_blocked(pid_t tid)
{
	struct timespec ms = {.tv_nsec = 1000000};

	for (int i = 0; i < 20000; i++) {
		if (thread_state(tid) == 'S')
			return true;
		nanosleep(&ms, NULL);
	}
	return false;
}
