/* pop3d's server: the POP3 core (pop3_core.h) as a protocol of the generic
 * connection layer (servers/net/net_mux.h), one core session per
 * connection, run by the layer's epoll loop with the RFC 1939 idle
 * autologout as its idle timeout and the layer's per-connection timer
 * holding a session after a failed login. */
#ifndef SERVERS_POP3_SRV_H
#define SERVERS_POP3_SRV_H

#include <stddef.h>
#include <stdint.h>

#include "net_mux.h"
#include "pop3_core.h"

struct pop3_srv {
	int lfd; /* listening socket, non-blocking */
	struct pop3_store store;
	int64_t idle_ms;  /* autologout after this long without activity */
	size_t max_conns; /* 0: no limit of our own */
	uint32_t login_delay_ms; /* pop3_set_login_limits, per session */
	unsigned login_max;
	struct net_mux mux;
};

/* One line on stderr: "pop3d: " + the formatted text. */
void pop3_srv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Log callback for the store: names the peer being served, if any.
 * arg is the struct pop3_srv (zero-initialised before its first use). */
void pop3_srv_store_log(void *arg, const char *msg);

/* Serve on lfd until net_stop (SIGTERM/SIGINT), then close every
 * connection; sessions still in TRANSACTION end without UPDATE. The
 * caller fills lfd, store, idle_ms, max_conns and the login limits.
 * Returns 0 or -errno. */
int pop3_srv_run(struct pop3_srv *srv);

#endif
