/* echod internals: the server context every model gets, shared logging,
 * the one-connection loop of the blocking models, and the model entry
 * points (one file per model, like redis ae_*.c / c-ares backends). */
#ifndef SERVERS_SRV_H
#define SERVERS_SRV_H

#include <stdbool.h>
#include <stddef.h>

#include "echo_core.h"
#include "framing/spec.h"

#define SRV_RBUF ((size_t)64 << 10) /* bytes read per recv() */

struct srv {
	const char *prog;
	struct fr_spec spec;
	int lfd;          /* listening socket */
	bool quiet;       /* no per-connection log lines */
	size_t max_conns; /* 0: no limit of our own */
};

/* One line on stderr, prefixed with the program name. */
void srv_log(const struct srv *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The decode-error line: peer, offset, reason. Printed even with quiet. */
void srv_log_error(const struct srv *s, const char *peer,
		   const struct ec_error *e);

/* Wait for and accept one connection (blocking fd). Returns the fd, or
 * -EINTR when a signal (net_stop/net_child) or wake_fd woke it, or another
 * -errno. EMFILE/ENFILE are logged and backed off, never spun on. */
int srv_accept_wait(const struct srv *s, int wake_fd);

/* Serve one connection until EOF, error or stop: fd stays blocking but
 * every recv/send waits in poll() on fd and, if >= 0, stop_fd, so a
 * signal or a shutdown() ends it promptly. The caller closes fd. */
void srv_serve_conn(const struct srv *s, int fd, int stop_fd);

/* Models: each runs until net_stop, then closes everything it opened
 * (not s->lfd) and returns 0, or returns -errno on a fatal error. */
int model_iterative(const struct srv *s);
int model_fork(const struct srv *s);
int model_thread(const struct srv *s);
int model_select(const struct srv *s);
int model_poll(const struct srv *s);
int model_epoll(const struct srv *s);
int model_naive(const struct srv *s);

#endif
