/* The generic connection (net_conn.h): the bounded I/O step over a
 * protocol core, the blocking one-connection loop and the blocking accept
 * loop with EMFILE back-off. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cm_clock.h"
#include "net_conn.h"
#include "net_sock.h"

#define NET_BACKOFF_BLOCKING_MS 100 /* accept pause out of descriptors */

static struct net_want want(const struct net_conn *c)
{
	struct net_want w = {0};

	c->proto->want(c->core, &w);
	return w;
}

bool net_conn_want_read(const struct net_conn *c)
{
	return !c->eof && !c->dead && want(c).read;
}

bool net_conn_want_write(const struct net_conn *c)
{
	return !c->dead && want(c).len > 0;
}

bool net_conn_finished(const struct net_conn *c)
{
	struct net_want w = want(c);

	return c->dead || (w.len == 0 && w.done);
}

/* The connection broke: the core hears of it once, nothing more moves. */
static void broken(struct net_conn *c)
{
	if (!c->eof) {
		c->eof = true;
		c->proto->eof(c->core, true);
	}
	c->dead = true;
}

/* One recv(). Returns the core's verdict (0 or negative); *moved tells
 * whether anything happened (bytes, EOF or an error). */
static int conn_read(struct net_conn *c, uint8_t *rbuf, size_t rcap,
		     bool *moved)
{
	ssize_t n = recv(c->fd, rbuf, rcap, MSG_DONTWAIT);

	if (n > 0) {
		*moved = true;
		return c->proto->input(c->core, rbuf, (size_t)n);
	}
	if (n < 0 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	*moved = true;
	if (n < 0) {
		broken(c);
		return 0;
	}
	c->eof = true;
	return c->proto->eof(c->core, false);
}

/* Send while the core has output (it may produce more as it drains), up
 * to budget bytes. Returns the bytes sent. */
static size_t conn_send(struct net_conn *c, size_t budget)
{
	size_t sent = 0;

	while (sent < budget && !c->dead) {
		struct net_want w = want(c);
		if (w.len == 0)
			break;
		if (w.len > budget - sent)
			w.len = budget - sent;
		ssize_t n =
		    send(c->fd, w.out, w.len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			broken(c);
			break;
		}
		c->proto->consume(c->core, (size_t)n);
		sent += (size_t)n;
	}
	return sent;
}

uint32_t net_conn_wait_ms(const struct net_conn *c)
{
	return c->dead || c->timer_at ? 0 : want(c).wait_ms;
}

bool net_conn_step(struct net_conn *c, unsigned ready, uint8_t *rbuf,
		   size_t rcap, size_t budget)
{
	bool hup = ready & NET_READY_HUP, moved = false, bytes = false;
	int rc = 0;

	if ((hup || (ready & NET_READY_IN)) && net_conn_want_read(c)) {
		rc = conn_read(c, rbuf, rcap, &moved);
		bytes = moved && !c->eof;
	}
	/* answer at once (saves a wake-up); after a core error this is the
	 * best effort to deliver what it queued before failing */
	if (conn_send(c, budget) > 0)
		moved = bytes = true;
	if (rc < 0)
		c->dead = true;
	/* HUP/ERR come whatever the interest: never spin on them */
	if (hup && !moved && !c->dead)
		broken(c);
	return bytes;
}

int net_serve_conn(const struct net_proto *p, void *arg, int fd, int stop_fd)
{
	struct net_conn c = {.fd = fd, .proto = p};
	uint8_t *buf = malloc(NET_RBUF);

	net_peer(fd, c.peer, sizeof(c.peer));
	c.core = buf ? p->open(arg, &c) : NULL;
	if (c.core == NULL) {
		free(buf);
		return -ENOMEM;
	}
	while (!net_conn_finished(&c) && !net_stop) {
		uint32_t wait = net_conn_wait_ms(&c);
		if (wait)
			c.timer_at = cm_now_ms() + wait;
		if (c.timer_at && cm_now_ms() >= c.timer_at) {
			c.timer_at = 0;
			p->timer(c.core);
			net_conn_step(&c, 0, buf, NET_RBUF, NET_BUDGET);
			continue;
		}
		bool rd = net_conn_want_read(&c);
		bool wr = net_conn_want_write(&c);
		if (!rd && !wr && !c.timer_at)
			break; /* nothing can move any more */
		int64_t left = -1;
		if (c.timer_at) {
			left = c.timer_at - cm_now_ms();
			left = left < 0 ? 0 : left;
		}
		struct pollfd pf[2] = {
		    {.fd = fd,
		     .events = (short)((rd ? POLLIN : 0) | (wr ? POLLOUT : 0))},
		    {.fd = stop_fd, .events = POLLIN}};
		int n = poll(pf, stop_fd >= 0 ? 2 : 1,
			     left > INT_MAX ? INT_MAX : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (stop_fd >= 0 && pf[1].revents))
			break;
		if (n == 0)
			continue; /* the timer */
		short re = pf[0].revents;
		unsigned ready =
		    (re & POLLIN ? NET_READY_IN : 0u) |
		    (re & POLLOUT ? NET_READY_OUT : 0u) |
		    (re & (POLLERR | POLLHUP) ? NET_READY_HUP : 0u);
		net_conn_step(&c, ready, buf, NET_RBUF, NET_BUDGET);
	}
	p->close(c.core, net_stop ? NET_CLOSE_STOP : NET_CLOSE_DONE);
	free(buf);
	return 0;
}

/* Wait for and accept one connection. Returns the fd, or -EINTR when a
 * signal woke it, or another -errno. */
static int accept_wait(const char *prog, int lfd)
{
	struct pollfd p[2] = {{.fd = lfd, .events = POLLIN},
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
		int fd = net_accept(lfd, false);
		if (fd >= 0)
			return fd;
		switch (net_accept_next(fd)) {
		case NET_ACCEPT_STOP:
		case NET_ACCEPT_RETRY:
			continue;
		case NET_ACCEPT_DROPPED:
		case NET_ACCEPT_BACKOFF:
			net_log(prog, "accept: %s; backing off",
				strerror(fd == -ENOSPC ? EMFILE : -fd));
			poll(NULL, 0, NET_BACKOFF_BLOCKING_MS);
			continue;
		case NET_ACCEPT_FATAL:
			return fd;
		}
	}
}

int net_accept_loop(const char *prog, int lfd, void (*serve)(void *arg, int fd),
		    void (*tick)(void *arg), void *arg)
{
	while (!net_stop) {
		int fd = accept_wait(prog, lfd);
		if (fd >= 0)
			serve(arg, fd);
		else if (fd != -EINTR)
			return fd;
		else if (tick)
			tick(arg);
	}
	return 0;
}
