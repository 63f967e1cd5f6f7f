/* Connection layer of the multiplexing models (select, poll, epoll):
 * non-blocking sockets, a table of connections by fd, each with its echo
 * core, and bounded work per readiness so no connection starves others.
 * The model files only wait for readiness and call in here. */
#ifndef SERVERS_ECHO_MUX_H
#define SERVERS_ECHO_MUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "echo_srv.h"

struct echo_mux_conn {
	struct echo_srv_conn io; /* socket + echo core (srv.h) */
	unsigned events; /* interest the model registered (model's use) */
};

struct echo_mux {
	const struct echo_srv *s;
	struct echo_mux_conn **by_fd; /* table indexed by fd */
	size_t cap;		      /* entries in by_fd */
	size_t n;		      /* open connections */
	int fd_limit;  /* fds >= this are refused (select: FD_SETSIZE) */
	uint8_t *rbuf; /* one read buffer shared by all */
	int64_t backoff_until; /* ms, CLOCK_MONOTONIC: listener paused */
	bool emfile_logged;
	/* called for each new connection; return false to refuse it */
	bool (*on_open)(struct echo_mux *m, struct echo_mux_conn *c);
	void *model; /* model's own state */
};

int echo_mux_init(struct echo_mux *m, const struct echo_srv *s, int fd_limit);

/* Close every connection and free the table. */
void echo_mux_free(struct echo_mux *m);

/* Accept up to a batch of pending connections. Returns 0 or a fatal
 * -errno. EMFILE/ENFILE never spin: a spare fd drops the connection, or
 * the listener is paused (see echo_mux_listen_ok). */
int echo_mux_accept(struct echo_mux *m);

/* Whether to wait on the listener now (under max_conns, not backing off). */
bool echo_mux_listen_ok(const struct echo_mux *m);

/* Poll timeout in ms: -1, or the time left in a back-off. */
int echo_mux_timeout(const struct echo_mux *m);

/* Interest the connection has now. */
bool echo_mux_want_read(const struct echo_mux_conn *c);
bool echo_mux_want_write(const struct echo_mux_conn *c);

/* Do one bounded step: one send if writable, one recv if readable.
 * Closes the connection (and returns false) when it is finished. */
bool echo_mux_service(struct echo_mux *m, struct echo_mux_conn *c,
		      bool readable, bool writable);

#endif
