/* poll model: one thread multiplexes all connections with poll(); the
 * pollfd array is rebuilt from the connection table on every round. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "echo_mux.h"

struct pset {
	struct pollfd *p;
	size_t n, cap;
};

static int build(struct echo_mux *m, struct pset *ps)
{
	size_t need = m->n + 2;

	if (need > ps->cap) {
		struct pollfd *p = realloc(ps->p, need * 2 * sizeof(*p));
		if (p == NULL)
			return -ENOMEM;
		ps->p = p;
		ps->cap = need * 2;
	}
	ps->p[0] = (struct pollfd){.fd = net_wake_fd(), .events = POLLIN};
	ps->p[1] = (struct pollfd){.fd = echo_mux_listen_ok(m) ? m->s->lfd : -1,
				   .events = POLLIN};
	ps->n = 2;
	for (size_t fd = 0; fd < m->cap; fd++) {
		struct echo_mux_conn *c = m->by_fd[fd];
		if (c == NULL)
			continue;
		short ev = (short)((echo_mux_want_read(c) ? POLLIN : 0) |
				   (echo_mux_want_write(c) ? POLLOUT : 0));
		ps->p[ps->n++] = (struct pollfd){.fd = c->io.fd, .events = ev};
	}
	return 0;
}

static void dispatch(struct echo_mux *m, struct pset *ps)
{
	for (size_t i = 2; i < ps->n; i++) {
		short re = ps->p[i].revents;
		struct echo_mux_conn *c = m->by_fd[ps->p[i].fd];
		if (re == 0 || c == NULL)
			continue;
		bool bad = re & (POLLERR | POLLHUP | POLLNVAL);
		echo_mux_service(m, c, bad || (re & POLLIN),
				 bad || (re & POLLOUT));
	}
}

int echo_model_poll(const struct echo_srv *s)
{
	struct echo_mux m;
	struct pset ps = {0};
	int rc = echo_mux_init(&m, s, 0);

	while (rc == 0 && !net_stop) {
		rc = build(&m, &ps);
		if (rc != 0)
			break;
		int n = poll(ps.p, ps.n, echo_mux_timeout(&m));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		if (ps.p[0].revents)
			net_wake_drain();
		dispatch(&m, &ps);
		if (ps.p[1].revents || m.backoff_until)
			rc = echo_mux_accept(&m);
		if (m.backoff_until && echo_mux_timeout(&m) == 0)
			m.backoff_until = 0;
	}
	free(ps.p);
	echo_mux_free(&m);
	return rc;
}
