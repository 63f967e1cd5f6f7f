/* Shared pieces of echod's models: logging, the blocking accept wait and
 * the one-connection loop used by iterative, fork and thread. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"
#include "srv.h"

void srv_log(const struct srv *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* one write per line so lines from threads/children don't mix */
	fprintf(stderr, "%s: %s\n", s->prog, line);
}

void srv_log_error(const struct srv *s, const char *peer,
		   const struct ec_error *e)
{
	srv_log(s, "%s: closing: %s at offset %" PRIu64 " (%s)", peer,
		e->reason, e->offset, fr_errname(e->code));
}

int srv_accept_wait(const struct srv *s, int wake_fd)
{
	struct pollfd p[2] = {{.fd = s->lfd, .events = POLLIN},
			      {.fd = wake_fd, .events = POLLIN}};

	for (;;) {
		if (net_stop || net_child)
			return -EINTR;
		int n = poll(p, wake_fd >= 0 ? 2 : 1, -1);
		if (n < 0 && errno == EINTR)
			return -EINTR;
		if (n < 0)
			return -errno;
		if (wake_fd >= 0 && p[1].revents) {
			net_wake_drain();
			return -EINTR;
		}
		int fd = net_accept(s->lfd, false);
		if (fd >= 0)
			return fd;
		if (fd == -EMFILE || fd == -ENFILE || fd == -ENOSPC) {
			srv_log(s, "accept: %s; backing off",
				fr_strerror(fd == -ENOSPC ? -EMFILE : fd));
			poll(NULL, 0, 100);
			continue;
		}
		if (fd != -EAGAIN && fd != -EINTR && fd != -ECONNABORTED)
			return fd;
	}
}

struct conn_loop {
	const struct srv *s;
	int fd;
	char peer[NET_NAMELEN];
	struct ec_conn ec;
	bool eof;
	bool dead; /* peer gone or failed: stop now */
};

static void do_send(struct conn_loop *l)
{
	size_t len;
	const uint8_t *out = ec_output(&l->ec, &len);

	if (len == 0)
		return;
	ssize_t n = send(l->fd, out, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n > 0)
		ec_consume(&l->ec, (size_t)n);
	else if (n < 0 && errno != EAGAIN && errno != EINTR)
		l->dead = true;
}

static void do_recv(struct conn_loop *l, uint8_t *buf)
{
	ssize_t n = recv(l->fd, buf, SRV_RBUF, MSG_DONTWAIT);
	int rc;

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			l->dead = true;
		return;
	}
	if (n == 0) {
		l->eof = true;
		rc = ec_eof(&l->ec);
	} else {
		rc = ec_input(&l->ec, buf, (size_t)n);
	}
	if (rc == FR_OK)
		return;
	srv_log_error(l->s, l->peer, ec_error(&l->ec));
	do_send(l); /* best effort: frames echoed before the error */
	l->dead = true;
}

void srv_serve_conn(const struct srv *s, int fd, int stop_fd)
{
	struct conn_loop l = {.s = s, .fd = fd};
	uint8_t *buf = malloc(SRV_RBUF);

	net_peer(fd, l.peer, sizeof(l.peer));
	if (buf == NULL || ec_init(&l.ec, &s->spec) != FR_OK) {
		srv_log(s, "%s: out of memory", l.peer);
		goto out;
	}
	while (!l.dead && !net_stop) {
		bool rd = !l.eof && ec_want_read(&l.ec);
		bool wr = ec_pending(&l.ec) > 0;
		if (!rd && !wr)
			break; /* EOF seen and everything echoed */
		struct pollfd p[2] = {
			{.fd = fd,
			 .events = (short)((rd ? POLLIN : 0) | (wr ? POLLOUT : 0))},
			{.fd = stop_fd, .events = POLLIN}};
		int n = poll(p, stop_fd >= 0 ? 2 : 1, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (stop_fd >= 0 && p[1].revents))
			break;
		if (wr && (p[0].revents & (POLLOUT | POLLERR | POLLHUP)))
			do_send(&l);
		if (rd && !l.dead && (p[0].revents & (POLLIN | POLLERR | POLLHUP)))
			do_recv(&l, buf);
	}
	ec_free(&l.ec);
out:
	free(buf);
}
