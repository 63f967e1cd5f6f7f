/* epoll model: one thread, level-triggered epoll over non-blocking
 * sockets. The loop is the connection layer's own (net_mux_run_epoll, the
 * one pop3d runs too): interest follows each connection's state, and every
 * ready connection gets one bounded step per round. */
#include "echo_srv.h"

int echo_model_epoll(const struct echo_srv *s)
{
	struct net_mux_cfg cfg = echo_mux_cfg(s, 0);
	struct net_mux m;
	int rc = net_mux_init(&m, &cfg);

	if (rc == 0)
		rc = net_mux_run_epoll(&m);
	net_mux_free(&m);
	return rc;
}
