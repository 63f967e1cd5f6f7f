/* pop3d's event loop (pop3_loop.h): accept, read, feed the POP3 core,
 * send what it has to say, and close sessions that are finished, gone or
 * idle. Level-triggered epoll; interest follows the core's state. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net_sock.h"
#include "pop3_loop.h"

#define POP3_SRV_RBUF ((size_t)16 << 10) /* bytes per recv() */
#define POP3_SRV_BUDGET                                                        \
	((size_t)256 << 10)	 /* bytes sent per connection per wake */
#define POP3_SRV_BATCH 256	 /* epoll events per wait */
#define POP3_SRV_ACCEPT_BATCH 64 /* accepts per wake: serve the rest too */
#define POP3_SRV_BACKOFF_MS 100	 /* listener pause when out of memory */

struct pop3_srv_conn {
	int fd;
	unsigned events; /* interest registered with epoll */
	bool dead;	 /* peer gone: close now */
	int64_t last;	 /* ms of the last byte in or out */
	struct pop3_srv_conn *prev, *next;
	char peer[NET_NAMELEN];
	struct pop3_session s;
};

enum pop3_srv_why { POP3_SRV_DONE, POP3_SRV_IDLE, POP3_SRV_STOP };

static char wake_tag; /* epoll data of the self-pipe */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void pop3_srv_log(const char *fmt, ...)
{
	char line[640];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "pop3d: %s\n", line);
}

static void conn_log(void *arg, const char *msg)
{
	const struct pop3_srv_conn *c = arg;

	pop3_srv_log("%s: %s", c->peer, msg);
}

void pop3_srv_store_log(void *arg, const char *msg)
{
	const struct pl *pl = arg;

	if (pl->cur)
		pop3_srv_log("%s: %s", pl->cur->peer, msg);
	else
		pop3_srv_log("%s", msg);
}

static void list_unlink(struct pl *pl, struct pop3_srv_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		pl->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		pl->tail = c->prev;
	c->prev = c->next = NULL;
}

static void list_append(struct pl *pl, struct pop3_srv_conn *c)
{
	c->prev = pl->tail;
	c->next = NULL;
	if (pl->tail)
		pl->tail->next = c;
	else
		pl->head = c;
	pl->tail = c;
}

/* Activity: the connection becomes the youngest, so the list stays
 * ordered by deadline and expiry only looks at its head. */
static void touch(struct pl *pl, struct pop3_srv_conn *c)
{
	c->last = now_ms();
	if (pl->tail == c)
		return;
	list_unlink(pl, c);
	list_append(pl, c);
}

/* The core logs what happens to a mailbox left in TRANSACTION (closed
 * before QUIT, nothing deleted); the loop logs only why it closed. */
static void conn_close(struct pl *pl, struct pop3_srv_conn *c,
		       enum pop3_srv_why why)
{
	if (why == POP3_SRV_IDLE)
		pop3_srv_log("%s: idle for %lld s, closed without UPDATE",
			     c->peer, (long long)(pl->idle_ms / 1000));
	pl->cur = c;
	pop3_free(&c->s); /* TRANSACTION ends here without UPDATE */
	pl->cur = NULL;
	close(c->fd);
	list_unlink(pl, c);
	pl->n--;
	free(c);
}

/* The peer closed or reset: the core ends a TRANSACTION without UPDATE
 * (RFC 1939 6) and says so in the log. */
static void peer_gone(struct pop3_srv_conn *c, bool reset)
{
	c->dead = c->dead || reset;
	pop3_eof(&c->s);
}

/* One recv() at most: a fast sender can't starve the others. */
static bool conn_read(struct pl *pl, struct pop3_srv_conn *c)
{
	ssize_t n = recv(c->fd, pl->rbuf, POP3_SRV_RBUF, MSG_DONTWAIT);

	if (n > 0) {
		touch(pl, c);
		pop3_input(&c->s, pl->rbuf, (size_t)n);
		return true;
	}
	if (n < 0 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return false;
	peer_gone(c, n < 0);
	return true;
}

/* Send while the core keeps producing (a message streams out as its
 * output drains; queued commands run), up to POP3_SRV_BUDGET for fairness. */
static bool conn_send(struct pl *pl, struct pop3_srv_conn *c)
{
	size_t sent = 0, len;

	while (sent < POP3_SRV_BUDGET && !c->dead) {
		const uint8_t *out = pop3_output(&c->s, &len);
		if (len == 0)
			break;
		if (len > POP3_SRV_BUDGET - sent)
			len = POP3_SRV_BUDGET - sent;
		ssize_t n = send(c->fd, out, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			peer_gone(c, true);
			break;
		}
		pop3_consume(&c->s, (size_t)n);
		sent += (size_t)n;
	}
	/* a client reading a long RETR slowly is busy, not idle */
	if (sent)
		touch(pl, c);
	return sent > 0;
}

static void rearm(struct pl *pl, struct pop3_srv_conn *c)
{
	unsigned want = (pop3_want_read(&c->s) ? EPOLLIN : 0u) |
			(pop3_pending(&c->s) ? EPOLLOUT : 0u);
	struct epoll_event ev = {.events = want, .data.ptr = c};

	if (want == c->events)
		return;
	if (epoll_ctl(pl->efd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = want;
}

static void serve(struct pl *pl, struct pop3_srv_conn *c, unsigned events)
{
	bool hup = events & (EPOLLHUP | EPOLLERR), moved = false;

	pl->cur = c;
	if ((hup || (events & EPOLLIN)) && pop3_want_read(&c->s))
		moved = conn_read(pl, c);
	moved = conn_send(pl, c) || moved;
	/* HUP/ERR are reported whatever the interest: never spin on them */
	if (hup && !moved && !c->dead)
		peer_gone(c, true);
	pl->cur = NULL;
	/* after pop3_eof the core reads nothing more and ends the session
	 * once its queue is answered: pop3_done covers EOF too */
	if (c->dead || (pop3_pending(&c->s) == 0 && pop3_done(&c->s))) {
		conn_close(pl, c, POP3_SRV_DONE);
		return;
	}
	rearm(pl, c);
}

static void conn_open(struct pl *pl, int fd)
{
	struct pop3_srv_conn *c = calloc(1, sizeof(*c));
	struct epoll_event ev = {.events = 0, .data.ptr = c};

	if (c) {
		c->fd = fd;
		net_peer(fd, c->peer, sizeof(c->peer));
	}
	if (c == NULL || pop3_init(&c->s, &pl->store, conn_log, c) != 0) {
		pop3_srv_log("out of memory; dropping a connection");
		free(c);
		close(fd);
		return;
	}
	if (epoll_ctl(pl->efd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		pop3_srv_log("%s: epoll: %s; dropped", c->peer,
			     strerror(errno));
		pop3_free(&c->s);
		free(c);
		close(fd);
		return;
	}
	c->last = now_ms();
	list_append(pl, c);
	pl->n++;
	serve(pl, c, 0); /* the greeting */
}

static bool listen_ok(const struct pl *pl)
{
	if (pl->max_conns && pl->n >= pl->max_conns)
		return false;
	return pl->backoff_until == 0 || now_ms() >= pl->backoff_until;
}

/* Wait on the listener only while accepting makes sense. */
static void listener(struct pl *pl)
{
	bool want = listen_ok(pl);
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = pl};

	if (want == pl->listening)
		return;
	if (epoll_ctl(pl->efd, want ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, pl->lfd,
		      &ev) == 0)
		pl->listening = want;
}

/* EMFILE/ENFILE never spin: net_accept drops the connection with its
 * spare fd; other shortages pause the listener. */
static int accept_some(struct pl *pl)
{
	for (int i = 0; i < POP3_SRV_ACCEPT_BATCH && listen_ok(pl); i++) {
		int fd = net_accept(pl->lfd, true);
		if (fd >= 0) {
			pl->emfile_logged = false;
			conn_open(pl, fd);
			continue;
		}
		enum net_accept_next next = net_accept_next(fd);
		if (next == NET_ACCEPT_STOP)
			return 0;
		if (next == NET_ACCEPT_FATAL)
			return fd;
		if (next == NET_ACCEPT_RETRY)
			continue;
		if (!pl->emfile_logged)
			pop3_srv_log(
			    "accept: out of descriptors or memory (%s); "
			    "dropping new connections",
			    strerror(fd == -ENOSPC ? EMFILE : -fd));
		pl->emfile_logged = true;
		if (next == NET_ACCEPT_BACKOFF) {
			pl->backoff_until = now_ms() + POP3_SRV_BACKOFF_MS;
			return 0;
		}
	}
	return 0;
}

/* Until the oldest idle deadline or the end of a back-off. */
static int wait_ms(const struct pl *pl)
{
	int64_t until = INT64_MAX;

	if (pl->head)
		until = pl->head->last + pl->idle_ms;
	if (pl->backoff_until && pl->backoff_until < until)
		until = pl->backoff_until;
	if (until == INT64_MAX)
		return -1;
	int64_t left = until - now_ms();
	if (left <= 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

static void expire(struct pl *pl)
{
	int64_t now = now_ms();

	while (pl->head && now - pl->head->last >= pl->idle_ms)
		conn_close(pl, pl->head, POP3_SRV_IDLE);
}

static int run(struct pl *pl)
{
	struct epoll_event ev[POP3_SRV_BATCH];

	while (!net_stop) {
		if (pl->backoff_until && now_ms() >= pl->backoff_until)
			pl->backoff_until = 0;
		listener(pl);
		int n = epoll_wait(pl->efd, ev, POP3_SRV_BATCH, wait_ms(pl));
		if (n < 0 && errno != EINTR)
			return -errno;
		bool accept_now = false;
		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr == &wake_tag)
				net_wake_drain();
			else if (ev[i].data.ptr == pl)
				accept_now = true;
			else
				serve(pl, ev[i].data.ptr, ev[i].events);
		}
		int rc = accept_now ? accept_some(pl) : 0;
		if (rc != 0)
			return rc;
		expire(pl);
	}
	return 0;
}

int pop3_srv_run(struct pl *pl)
{
	struct epoll_event wev = {.events = EPOLLIN, .data.ptr = &wake_tag};
	int rc = 0;

	pl->efd = epoll_create1(EPOLL_CLOEXEC);
	pl->rbuf = malloc(POP3_SRV_RBUF);
	pl->n = 0;
	pl->head = pl->tail = pl->cur = NULL;
	pl->listening = false;
	if (pl->efd < 0 || pl->rbuf == NULL ||
	    epoll_ctl(pl->efd, EPOLL_CTL_ADD, net_wake_fd(), &wev) != 0)
		rc = pl->rbuf ? -errno : -ENOMEM;
	if (rc == 0)
		rc = run(pl);
	if (pl->n)
		pop3_srv_log("stopping: closing %zu connection%s", pl->n,
			     pl->n == 1 ? "" : "s");
	while (pl->head)
		conn_close(pl, pl->head, POP3_SRV_STOP);
	if (pl->efd >= 0)
		close(pl->efd);
	free(pl->rbuf);
	pl->rbuf = NULL;
	return rc;
}
