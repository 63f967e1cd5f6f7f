/* epoll model: one thread, level-triggered epoll over non-blocking
 * sockets. Interest follows each connection's state (read while its
 * output is under the bound, write while output is pending); every ready
 * connection gets one bounded step per round, so none starves others. */
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "echo_mux.h"

#define EP_BATCH 256

struct ep {
	int efd;
	bool listening; /* listener registered */
};

static unsigned interest(const struct echo_mux_conn *c)
{
	return (echo_mux_want_read(c) ? EPOLLIN : 0u) |
	       (echo_mux_want_write(c) ? EPOLLOUT : 0u);
}

static bool ep_open(struct echo_mux *m, struct echo_mux_conn *c)
{
	struct ep *ep = m->model;
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = c->io.fd};

	c->events = EPOLLIN;
	return epoll_ctl(ep->efd, EPOLL_CTL_ADD, c->io.fd, &ev) == 0;
}

static void ep_update(struct ep *ep, struct echo_mux_conn *c)
{
	unsigned want = interest(c);
	struct epoll_event ev = {.events = want, .data.fd = c->io.fd};

	if (want == c->events)
		return;
	if (epoll_ctl(ep->efd, EPOLL_CTL_MOD, c->io.fd, &ev) == 0)
		c->events = want;
}

/* Register the listener only while accepting makes sense. */
static void ep_listener(struct echo_mux *m, struct ep *ep)
{
	bool want = echo_mux_listen_ok(m);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = m->s->lfd};

	if (want == ep->listening)
		return;
	if (epoll_ctl(ep->efd, want ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, m->s->lfd,
		      &ev) == 0)
		ep->listening = want;
}

static void dispatch(struct echo_mux *m, struct ep *ep, struct epoll_event *e)
{
	struct echo_mux_conn *c = m->by_fd[e->data.fd];

	if (c == NULL)
		return;
	bool bad = e->events & (EPOLLERR | EPOLLHUP);
	if (echo_mux_service(m, c, bad || (e->events & EPOLLIN),
			     bad || (e->events & EPOLLOUT)))
		ep_update(ep, c);
}

static int loop(struct echo_mux *m, struct ep *ep)
{
	struct epoll_event ev[EP_BATCH];
	int wake = net_wake_fd();

	while (!net_stop) {
		if (m->backoff_until && echo_mux_timeout(m) == 0)
			m->backoff_until = 0;
		ep_listener(m, ep);
		int n = epoll_wait(ep->efd, ev, EP_BATCH, echo_mux_timeout(m));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		bool accept_now = false;
		for (int i = 0; i < n; i++) {
			if (ev[i].data.fd == wake)
				net_wake_drain();
			else if (ev[i].data.fd == m->s->lfd)
				accept_now = true;
			else
				dispatch(m, ep, &ev[i]);
		}
		if (accept_now) {
			int rc = echo_mux_accept(m);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

int echo_model_epoll(const struct echo_srv *s)
{
	struct ep ep = {.efd = epoll_create1(EPOLL_CLOEXEC)};
	struct echo_mux m;
	int rc;

	if (ep.efd < 0)
		return -errno;
	rc = echo_mux_init(&m, s, 0);
	m.model = &ep;
	m.on_open = ep_open;
	struct epoll_event wev = {.events = EPOLLIN, .data.fd = net_wake_fd()};
	if (rc == 0 && epoll_ctl(ep.efd, EPOLL_CTL_ADD, net_wake_fd(), &wev))
		rc = -errno;
	if (rc == 0)
		rc = loop(&m, &ep);
	echo_mux_free(&m);
	close(ep.efd);
	return rc;
}
