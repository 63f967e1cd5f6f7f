/* The connection-multiplexing layer of the non-blocking servers: a table of
 * generic connections (net_conn.h) by fd, accepting in batches with
 * EMFILE back-off and a connection limit, idle timeouts kept in a list
 * ordered by last activity (expiry costs O(expired)), per-connection
 * timers a core asks for (net_want.wait_ms), and bounded work
 * per readiness so no connection starves the others. echod's select and
 * poll models wait for readiness themselves and call in here; echod's
 * epoll model and pop3d run net_mux_run_epoll. */
#ifndef SERVERS_NET_MUX_H
#define SERVERS_NET_MUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net_conn.h"

struct net_mux_cfg {
	const char *prog; /* names the log lines */
	int lfd;	  /* listening socket, non-blocking */
	const struct net_proto *proto;
	void *arg;	  /* proto->open's first argument */
	size_t max_conns; /* 0: no limit of our own */
	int fd_limit;	  /* fds >= this are refused (select: FD_SETSIZE) */
	int64_t idle_ms;  /* close after this long without a byte; 0: never */
	size_t rbuf;	  /* bytes per recv(); 0: NET_RBUF */
	size_t budget;	  /* bytes sent per step; 0: NET_BUDGET */
};

struct net_mux {
	struct net_mux_cfg cfg;
	struct net_conn **by_fd;      /* table indexed by fd */
	size_t cap;		      /* entries in by_fd */
	size_t n;		      /* open connections */
	struct net_conn *head, *tail; /* oldest activity first */
	struct net_conn *thead;	      /* cores' timers, soonest first */
	struct net_conn *cur;	      /* being served (for log callbacks) */
	uint8_t *rbuf;		      /* one read buffer shared by all */
	int64_t backoff_until;	      /* ms, cm_now_ms: listener paused */
	bool emfile_logged;
	int efd;	/* epoll descriptor while net_mux_run_epoll runs */
	bool listening; /* epoll: listener registered */
};

/* Copy cfg and allocate. Returns 0 or -ENOMEM. */
int net_mux_init(struct net_mux *m, const struct net_mux_cfg *cfg);

/* Close every connection (NET_CLOSE_STOP) and free the table. */
void net_mux_free(struct net_mux *m);

/* Accept up to a batch of pending connections. Returns 0 or a fatal
 * -errno. EMFILE/ENFILE never spin: a spare fd drops the connection, or
 * the listener is paused (see net_mux_listen_ok). */
int net_mux_accept(struct net_mux *m);

/* Whether to wait on the listener now (under max_conns, not backing off). */
bool net_mux_listen_ok(const struct net_mux *m);

/* Wait timeout in ms: -1, or the time to the end of a back-off, to the
 * oldest idle deadline or to the soonest core timer. */
int net_mux_timeout(const struct net_mux *m);

/* After every wait: end a finished back-off, run the cores' timers that
 * are due (then service those connections), close idle connections. */
void net_mux_tick(struct net_mux *m);

/* The connection on fd, or NULL. */
struct net_conn *net_mux_conn(const struct net_mux *m, int fd);

/* One bounded step (net_conn_step) for c with readiness NET_READY_*.
 * Closes the connection (and returns false) when it is finished. */
bool net_mux_service(struct net_mux *m, struct net_conn *c, unsigned ready);

/* The whole level-triggered epoll loop until net_stop: listener only
 * while net_mux_listen_ok, the self-pipe, interest following each
 * connection. Returns 0 or a fatal -errno; call net_mux_free after. */
int net_mux_run_epoll(struct net_mux *m);

#endif
