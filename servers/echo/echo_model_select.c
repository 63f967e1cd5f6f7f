/* select model: one thread multiplexes all connections with select().
 * Connections whose fd would not fit an fd_set (>= FD_SETSIZE) are
 * refused rather than corrupting the stack. */
#include <errno.h>
#include <sys/select.h>

#include "echo_mux.h"

static int wait_ready(struct echo_mux *m, fd_set *r, fd_set *w)
{
	int wake = net_wake_fd();
	int maxfd = wake;
	int t = echo_mux_timeout(m);
	struct timeval tv = {.tv_sec = t / 1000, .tv_usec = (t % 1000) * 1000};

	FD_ZERO(r);
	FD_ZERO(w);
	FD_SET(wake, r);
	if (echo_mux_listen_ok(m)) {
		FD_SET(m->s->lfd, r);
		maxfd = m->s->lfd > maxfd ? m->s->lfd : maxfd;
	}
	for (size_t fd = 0; fd < m->cap; fd++) {
		struct echo_mux_conn *c = m->by_fd[fd];
		if (c == NULL)
			continue;
		if (echo_mux_want_read(c))
			FD_SET(c->io.fd, r);
		if (echo_mux_want_write(c))
			FD_SET(c->io.fd, w);
		maxfd = c->io.fd > maxfd ? c->io.fd : maxfd;
	}
	return select(maxfd + 1, r, w, NULL, t < 0 ? NULL : &tv);
}

int echo_model_select(const struct echo_srv *s)
{
	struct echo_mux m;
	fd_set r, w;
	int rc = echo_mux_init(&m, s, FD_SETSIZE);

	while (rc == 0 && !net_stop) {
		int n = wait_ready(&m, &r, &w);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		if (FD_ISSET(net_wake_fd(), &r))
			net_wake_drain();
		for (size_t fd = 0; fd < m.cap; fd++) {
			struct echo_mux_conn *c = m.by_fd[fd];
			if (c == NULL)
				continue;
			bool rd = FD_ISSET(c->io.fd, &r),
			     wr = FD_ISSET(c->io.fd, &w);
			if (rd || wr)
				echo_mux_service(&m, c, rd, wr);
		}
		if (FD_ISSET(s->lfd, &r) || m.backoff_until)
			rc = echo_mux_accept(&m);
		if (m.backoff_until && echo_mux_timeout(&m) == 0)
			m.backoff_until = 0;
	}
	echo_mux_free(&m);
	return rc;
}
