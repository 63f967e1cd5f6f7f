/* The connection-multiplexing layer (net_mux.h): the table, accepting with
 * back-off, idle expiry, the per-connection step and the epoll loop. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "cm_buf.h"
#include "cm_clock.h"
#include "net_mux.h"
#include "net_sock.h"

#define NET_ACCEPT_BATCH 64 /* accepts per wake-up: keep serving the rest */
#define NET_BACKOFF_MS 100  /* listener pause when out of descriptors */
#define NET_EPOLL_BATCH 256 /* events per epoll_wait */

int net_mux_init(struct net_mux *m, const struct net_mux_cfg *cfg)
{
	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	m->efd = -1;
	if (m->cfg.rbuf == 0)
		m->cfg.rbuf = NET_RBUF;
	if (m->cfg.budget == 0)
		m->cfg.budget = NET_BUDGET;
	m->rbuf = malloc(m->cfg.rbuf);
	return m->rbuf ? 0 : -ENOMEM;
}

static void list_unlink(struct net_mux *m, struct net_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		m->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		m->tail = c->prev;
	c->prev = c->next = NULL;
}

static void list_append(struct net_mux *m, struct net_conn *c)
{
	c->prev = m->tail;
	c->next = NULL;
	if (m->tail)
		m->tail->next = c;
	else
		m->head = c;
	m->tail = c;
}

/* Activity: the connection becomes the youngest, so the list stays
 * ordered by deadline and expiry only looks at its head. */
static void touch(struct net_mux *m, struct net_conn *c)
{
	c->last = cm_now_ms();
	if (m->tail == c)
		return;
	list_unlink(m, c);
	list_append(m, c);
}

/* The timer list, soonest first. Cores ask for waits of similar lengths,
 * so inserting from the tail is short; a heap would bound the worst
 * case if cores ever mixed very different waits. */
static void timer_unlink(struct net_mux *m, struct net_conn *c)
{
	if (c->timer_at == 0)
		return;
	if (c->tprev)
		c->tprev->tnext = c->tnext;
	else
		m->thead = c->tnext;
	if (c->tnext)
		c->tnext->tprev = c->tprev;
	c->tprev = c->tnext = NULL;
	c->timer_at = 0;
}

static void timer_arm(struct net_mux *m, struct net_conn *c)
{
	uint32_t wait = net_conn_wait_ms(c);
	struct net_conn *after = NULL, *p = m->thead;

	if (wait == 0)
		return;
	c->timer_at = cm_now_ms() + wait;
	while (p && p->timer_at <= c->timer_at) {
		after = p;
		p = p->tnext;
	}
	c->tprev = after;
	c->tnext = p;
	if (p)
		p->tprev = c;
	if (after)
		after->tnext = c;
	else
		m->thead = c;
}

static void conn_close(struct net_mux *m, struct net_conn *c,
		       enum net_close_why why)
{
	timer_unlink(m, c);
	m->by_fd[c->fd] = NULL;
	m->n--;
	list_unlink(m, c);
	m->cur = c;
	c->proto->close(c->core, why);
	m->cur = NULL;
	close(c->fd); /* also leaves the epoll set */
	free(c);
}

void net_mux_free(struct net_mux *m)
{
	while (m->head)
		conn_close(m, m->head, NET_CLOSE_STOP);
	free(m->by_fd);
	free(m->rbuf);
	m->by_fd = NULL;
	m->rbuf = NULL;
	m->cap = 0;
}

static int table_room(struct net_mux *m, int fd)
{
	size_t old = m->cap;

	if ((size_t)fd < m->cap)
		return 0;
	struct net_conn **t =
	    cm_grow(m->by_fd, &m->cap, (size_t)fd + 1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	memset(t + old, 0, (m->cap - old) * sizeof(*t));
	m->by_fd = t;
	return 0;
}

/* Interest of c registered with epoll, when the epoll loop runs. */
static void rearm(struct net_mux *m, struct net_conn *c)
{
	unsigned want = (net_conn_want_read(c) ? EPOLLIN : 0u) |
			(net_conn_want_write(c) ? EPOLLOUT : 0u);
	struct epoll_event ev = {.events = want, .data.fd = c->fd};

	if (m->efd < 0 || want == c->events)
		return;
	if (epoll_ctl(m->efd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = want;
}

static void conn_open(struct net_mux *m, int fd)
{
	struct net_conn *c = NULL;
	struct epoll_event ev = {.events = 0, .data.fd = fd};

	if (m->cfg.fd_limit > 0 && fd >= m->cfg.fd_limit) {
		net_log(m->cfg.prog, "fd %d over this model's limit; dropping",
			fd);
		goto fail;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL || table_room(m, fd) != 0) {
		net_log(m->cfg.prog, "out of memory; dropping a connection");
		goto fail;
	}
	c->fd = fd;
	c->proto = m->cfg.proto;
	net_peer(fd, c->peer, sizeof(c->peer));
	c->core = c->proto->open(m->cfg.arg, c);
	if (c->core == NULL) {
		net_log(m->cfg.prog, "out of memory; dropping a connection");
		goto fail;
	}
	if (m->efd >= 0 && epoll_ctl(m->efd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		net_log(m->cfg.prog, "%s: epoll: %s; dropped", c->peer,
			strerror(errno));
		c->proto->close(c->core, NET_CLOSE_DONE);
		goto fail;
	}
	m->by_fd[fd] = c;
	m->n++;
	c->last = cm_now_ms();
	list_append(m, c);
	net_mux_service(m, c, 0); /* what the core says first (a greeting) */
	return;
fail:
	free(c);
	close(fd);
}

int net_mux_accept(struct net_mux *m)
{
	for (int i = 0; i < NET_ACCEPT_BATCH && net_mux_listen_ok(m); i++) {
		int fd = net_accept(m->cfg.lfd, true);
		if (fd >= 0) {
			m->emfile_logged = false;
			conn_open(m, fd);
			continue;
		}
		enum net_accept_next next = net_accept_next(fd);
		if (next == NET_ACCEPT_STOP)
			return 0;
		if (next == NET_ACCEPT_FATAL)
			return fd;
		if (next == NET_ACCEPT_RETRY)
			continue;
		if (!m->emfile_logged)
			net_log(m->cfg.prog,
				"accept: out of descriptors or memory "
				"(%s); dropping new connections",
				strerror(fd == -ENOSPC ? EMFILE : -fd));
		m->emfile_logged = true;
		if (next == NET_ACCEPT_BACKOFF) {
			m->backoff_until = cm_now_ms() + NET_BACKOFF_MS;
			return 0;
		}
	}
	return 0;
}

bool net_mux_listen_ok(const struct net_mux *m)
{
	if (m->cfg.max_conns && m->n >= m->cfg.max_conns)
		return false;
	return m->backoff_until == 0 || cm_now_ms() >= m->backoff_until;
}

int net_mux_timeout(const struct net_mux *m)
{
	int64_t until = INT64_MAX;

	if (m->cfg.idle_ms > 0 && m->head)
		until = m->head->last + m->cfg.idle_ms;
	if (m->backoff_until && m->backoff_until < until)
		until = m->backoff_until;
	if (m->thead && m->thead->timer_at < until)
		until = m->thead->timer_at;
	if (until == INT64_MAX)
		return -1;
	int64_t left = until - cm_now_ms();
	if (left <= 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

void net_mux_tick(struct net_mux *m)
{
	int64_t now = cm_now_ms();

	if (m->backoff_until && now >= m->backoff_until)
		m->backoff_until = 0;
	while (m->thead && m->thead->timer_at <= now) {
		struct net_conn *c = m->thead;
		timer_unlink(m, c);
		m->cur = c;
		c->proto->timer(c->core);
		m->cur = NULL;
		touch(m, c); /* a wait the core chose is not idleness */
		net_mux_service(m, c, 0); /* may close c */
	}
	while (m->cfg.idle_ms > 0 && m->head &&
	       now - m->head->last >= m->cfg.idle_ms)
		conn_close(m, m->head, NET_CLOSE_IDLE);
}

struct net_conn *net_mux_conn(const struct net_mux *m, int fd)
{
	return fd >= 0 && (size_t)fd < m->cap ? m->by_fd[fd] : NULL;
}

bool net_mux_service(struct net_mux *m, struct net_conn *c, unsigned ready)
{
	m->cur = c;
	/* a client reading a long reply slowly is busy, not idle */
	if (net_conn_step(c, ready, m->rbuf, m->cfg.rbuf, m->cfg.budget))
		touch(m, c);
	m->cur = NULL;
	if (net_conn_finished(c)) {
		conn_close(m, c, NET_CLOSE_DONE);
		return false;
	}
	timer_arm(m, c);
	rearm(m, c);
	return true;
}

/* Register the listener only while accepting makes sense. */
static void epoll_listener(struct net_mux *m)
{
	bool want = net_mux_listen_ok(m);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = m->cfg.lfd};

	if (want == m->listening)
		return;
	if (epoll_ctl(m->efd, want ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, m->cfg.lfd,
		      &ev) == 0)
		m->listening = want;
}

static void epoll_dispatch(struct net_mux *m, const struct epoll_event *e)
{
	struct net_conn *c = net_mux_conn(m, e->data.fd);

	if (c == NULL)
		return;
	unsigned ready =
	    (e->events & EPOLLIN ? NET_READY_IN : 0u) |
	    (e->events & EPOLLOUT ? NET_READY_OUT : 0u) |
	    (e->events & (EPOLLERR | EPOLLHUP) ? NET_READY_HUP : 0u);
	net_mux_service(m, c, ready);
}

static int epoll_loop(struct net_mux *m)
{
	struct epoll_event ev[NET_EPOLL_BATCH];
	int wake = net_wake_fd();

	while (!net_stop) {
		net_mux_tick(m);
		epoll_listener(m);
		int n =
		    epoll_wait(m->efd, ev, NET_EPOLL_BATCH, net_mux_timeout(m));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		bool accept_now = false;
		for (int i = 0; i < n; i++) {
			if (ev[i].data.fd == wake)
				net_wake_drain();
			else if (ev[i].data.fd == m->cfg.lfd)
				accept_now = true;
			else
				epoll_dispatch(m, &ev[i]);
		}
		int rc = accept_now ? net_mux_accept(m) : 0;
		if (rc != 0)
			return rc;
	}
	return 0;
}

int net_mux_run_epoll(struct net_mux *m)
{
	struct epoll_event wev = {.events = EPOLLIN, .data.fd = net_wake_fd()};
	int rc = 0;

	m->efd = epoll_create1(EPOLL_CLOEXEC);
	m->listening = false;
	if (m->efd < 0 ||
	    epoll_ctl(m->efd, EPOLL_CTL_ADD, net_wake_fd(), &wev) != 0)
		rc = -errno;
	if (rc == 0)
		rc = epoll_loop(m);
	/* connections still open leave the set when they close */
	if (m->efd >= 0)
		close(m->efd);
	m->efd = -1;
	return rc;
}
