/* poll model: one thread multiplexes all connections with poll(); the
 * pollfd array is rebuilt from the connection table on every round. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "cm_buf.h"
#include "echo_srv.h"

struct pset {
	struct pollfd *p;
	size_t n, cap;
};

static int build(struct net_mux *m, struct pset *ps)
{
	struct pollfd *p = cm_grow(ps->p, &ps->cap, m->n + 2, sizeof(*p));

	if (p == NULL)
		return -ENOMEM;
	ps->p = p;
	p[0] = (struct pollfd){.fd = net_wake_fd(), .events = POLLIN};
	p[1] = (struct pollfd){.fd = net_mux_listen_ok(m) ? m->cfg.lfd : -1,
			       .events = POLLIN};
	ps->n = 2;
	for (struct net_conn *c = m->head; c; c = c->next) {
		short ev = (short)((net_conn_want_read(c) ? POLLIN : 0) |
				   (net_conn_want_write(c) ? POLLOUT : 0));
		p[ps->n++] = (struct pollfd){.fd = c->fd, .events = ev};
	}
	return 0;
}

static void dispatch(struct net_mux *m, struct pset *ps)
{
	for (size_t i = 2; i < ps->n; i++) {
		short re = ps->p[i].revents;
		struct net_conn *c = net_mux_conn(m, ps->p[i].fd);
		if (re == 0 || c == NULL)
			continue;
		bool bad = re & (POLLERR | POLLHUP | POLLNVAL);
		unsigned ready = (re & POLLIN ? NET_READY_IN : 0u) |
				 (re & POLLOUT ? NET_READY_OUT : 0u) |
				 (bad ? NET_READY_HUP : 0u);
		net_mux_service(m, c, ready);
	}
}

int echo_model_poll(const struct echo_srv *s)
{
	struct net_mux_cfg cfg = echo_mux_cfg(s, 0);
	struct net_mux m;
	struct pset ps = {0};
	int rc = net_mux_init(&m, &cfg);

	while (rc == 0 && !net_stop) {
		net_mux_tick(&m);
		rc = build(&m, &ps);
		if (rc != 0)
			break;
		int n = poll(ps.p, ps.n, net_mux_timeout(&m));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		if (ps.p[0].revents)
			net_wake_drain();
		dispatch(&m, &ps);
		if (ps.p[1].revents)
			rc = net_mux_accept(&m);
	}
	free(ps.p);
	net_mux_free(&m);
	return rc;
}
