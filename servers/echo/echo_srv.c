/* Shared pieces of echod's models: logging, the connection I/O step, the
 * blocking accept loop and the one-connection loop used by iterative,
 * fork and thread. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "echo_srv.h"

void echo_log(const struct echo_srv *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* one write per line so lines from threads/children don't mix */
	fprintf(stderr, "%s: %s\n", s->prog, line);
}

int echo_srv_conn_init(const struct echo_srv *s, struct echo_srv_conn *c,
		       int fd)
{
	c->fd = fd;
	c->eof = c->dead = false;
	net_peer(fd, c->peer, sizeof(c->peer));
	return echo_init(&c->ec, &s->spec);
}

void echo_srv_conn_free(struct echo_srv_conn *c)
{
	echo_free(&c->ec);
}

bool echo_srv_conn_want_read(const struct echo_srv_conn *c)
{
	return !c->eof && !c->dead && echo_want_read(&c->ec);
}

bool echo_srv_conn_want_write(const struct echo_srv_conn *c)
{
	return !c->dead && echo_pending(&c->ec) > 0;
}

void echo_srv_conn_send(struct echo_srv_conn *c)
{
	size_t len;
	const uint8_t *out = echo_output(&c->ec, &len);

	if (len == 0)
		return;
	ssize_t n = send(c->fd, out, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n > 0)
		echo_consume(&c->ec, (size_t)n);
	else if (n < 0 && errno != EAGAIN && errno != EINTR)
		c->dead = true;
}

void echo_srv_conn_recv(const struct echo_srv *s, struct echo_srv_conn *c,
			uint8_t *buf)
{
	ssize_t n = recv(c->fd, buf, ECHO_RBUF, MSG_DONTWAIT);
	int rc;

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			c->dead = true;
		return;
	}
	if (n == 0) {
		c->eof = true;
		rc = echo_eof(&c->ec);
	} else {
		rc = echo_input(&c->ec, buf, (size_t)n);
	}
	/* answer at once (saves a wake-up); after an error this is the best
	 * effort to deliver the frames echoed before it */
	echo_srv_conn_send(c);
	c->dead = rc != FR_OK;
	if (rc == FR_OK || (rc == FR_ETRUNCATED && s->quiet))
		return;
	const struct echo_error *e = echo_error(&c->ec);
	echo_log(s, "%s: closing: %s at offset %" PRIu64 " (%s)", c->peer,
		 e->reason, e->offset, fr_errname(e->code));
}

/* Wait for and accept one connection. Returns the fd, or -EINTR when a
 * signal woke it, or another -errno. */
static int accept_wait(const struct echo_srv *s)
{
	struct pollfd p[2] = {{.fd = s->lfd, .events = POLLIN},
			      {.fd = net_wake_fd(), .events = POLLIN}};

	for (;;) {
		if (net_stop || net_child)
			return -EINTR;
		int n = poll(p, 2, -1);
		if (n < 0 && errno == EINTR)
			return -EINTR;
		if (n < 0)
			return -errno;
		if (p[1].revents) {
			net_wake_drain();
			return -EINTR;
		}
		int fd = net_accept(s->lfd, false);
		if (fd >= 0)
			return fd;
		if (fd == -EMFILE || fd == -ENFILE || fd == -ENOSPC) {
			echo_log(s, "accept: %s; backing off",
				 fr_strerror(fd == -ENOSPC ? -EMFILE : fd));
			poll(NULL, 0, 100);
			continue;
		}
		if (fd != -EAGAIN && fd != -EINTR && fd != -ECONNABORTED)
			return fd;
	}
}

int echo_srv_accept_loop(const struct echo_srv *s,
			 void (*serve)(void *arg, int fd),
			 void (*tick)(void *arg), void *arg)
{
	while (!net_stop) {
		int fd = accept_wait(s);
		if (fd >= 0)
			serve(arg, fd);
		else if (fd != -EINTR)
			return fd;
		else if (tick)
			tick(arg);
	}
	return 0;
}

void echo_srv_serve_conn(const struct echo_srv *s, int fd, int stop_fd)
{
	struct echo_srv_conn c;
	uint8_t *buf = malloc(ECHO_RBUF);

	if (buf == NULL || echo_srv_conn_init(s, &c, fd) != FR_OK) {
		echo_log(s, "out of memory for a connection");
		free(buf);
		return;
	}
	while (!c.dead && !net_stop) {
		bool rd = echo_srv_conn_want_read(&c);
		bool wr = echo_srv_conn_want_write(&c);
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
			echo_srv_conn_send(&c);
		if (rd && !c.dead &&
		    (p[0].revents & (POLLIN | POLLERR | POLLHUP)))
			echo_srv_conn_recv(s, &c, buf);
	}
	echo_srv_conn_free(&c);
	free(buf);
}
