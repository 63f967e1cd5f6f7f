/* select model: one thread multiplexes all connections with select().
 * Connections whose fd would not fit an fd_set (>= FD_SETSIZE) are
 * refused by the connection layer rather than corrupting the stack. */
#include <errno.h>
#include <sys/select.h>

#include "echo_srv.h"

static int wait_ready(struct net_mux *m, fd_set *r, fd_set *w)
{
	int wake = net_wake_fd();
	int maxfd = wake;
	int t = net_mux_timeout(m);
	struct timeval tv = {.tv_sec = t / 1000, .tv_usec = (t % 1000) * 1000};

	FD_ZERO(r);
	FD_ZERO(w);
	FD_SET(wake, r);
	if (net_mux_listen_ok(m)) {
		FD_SET(m->cfg.lfd, r);
		maxfd = m->cfg.lfd > maxfd ? m->cfg.lfd : maxfd;
	}
	for (struct net_conn *c = m->head; c; c = c->next) {
		if (net_conn_want_read(c))
			FD_SET(c->fd, r);
		if (net_conn_want_write(c))
			FD_SET(c->fd, w);
		maxfd = c->fd > maxfd ? c->fd : maxfd;
	}
	return select(maxfd + 1, r, w, NULL, t < 0 ? NULL : &tv);
}

int echo_model_select(const struct echo_srv *s)
{
	struct net_mux_cfg cfg = echo_mux_cfg(s, FD_SETSIZE);
	struct net_mux m;
	fd_set r, w;
	int rc = net_mux_init(&m, &cfg);

	while (rc == 0 && !net_stop) {
		net_mux_tick(&m);
		int n = wait_ready(&m, &r, &w);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		if (FD_ISSET(net_wake_fd(), &r))
			net_wake_drain();
		for (int fd = 0; fd < FD_SETSIZE && (size_t)fd < m.cap; fd++) {
			struct net_conn *c = net_mux_conn(&m, fd);
			if (c == NULL)
				continue;
			unsigned ready =
			    (FD_ISSET(fd, &r) ? NET_READY_IN : 0u) |
			    (FD_ISSET(fd, &w) ? NET_READY_OUT : 0u);
			if (ready)
				net_mux_service(&m, c, ready);
		}
		if (FD_ISSET(s->lfd, &r))
			rc = net_mux_accept(&m);
	}
	net_mux_free(&m);
	return rc;
}
