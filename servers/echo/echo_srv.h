/* echod internals: the server context every model gets, shared logging,
 * the accept loop and one-connection loop of the blocking models, the
 * connection I/O step every model uses, and the model entry points (one
 * file per model, like redis ae_*.c / c-ares backends). */
#ifndef SERVERS_ECHO_SRV_H
#define SERVERS_ECHO_SRV_H

#include <stdbool.h>
#include <stddef.h>

#include "echo_core.h"
#include "framing/spec.h"
#include "net_sock.h"

#define ECHO_RBUF ((size_t)64 << 10) /* bytes read per recv() */

struct echo_srv {
	const char *prog;
	struct fr_spec spec;
	int lfd;	  /* listening socket (non-blocking) */
	bool quiet;	  /* don't log peers that close mid-frame */
	size_t max_conns; /* 0: no limit of our own */
};

/* One connection: socket, echo core and where it stands. */
struct echo_srv_conn {
	int fd;
	bool eof;  /* peer finished sending */
	bool dead; /* peer gone or core failed: close now */
	char peer[NET_NAMELEN];
	struct echo_conn ec;
};

/* One line on stderr, prefixed with the program name. */
void echo_log(const struct echo_srv *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Set up c for fd (not closed by echo_srv_conn_free). Returns FR_OK or error.
 */
int echo_srv_conn_init(const struct echo_srv *s, struct echo_srv_conn *c,
		       int fd);
void echo_srv_conn_free(struct echo_srv_conn *c);

/* Interest: read while the peer sends and output is under the bound;
 * write while output is pending. */
bool echo_srv_conn_want_read(const struct echo_srv_conn *c);
bool echo_srv_conn_want_write(const struct echo_srv_conn *c);

/* One non-blocking send of pending output. */
void echo_srv_conn_send(struct echo_srv_conn *c);

/* One non-blocking recv of at most ECHO_RBUF bytes into buf, fed to the
 * core, then one send. A decode error is logged (peer, offset, reason)
 * and marks the connection dead. Bounded work: fair in any loop. */
void echo_srv_conn_recv(const struct echo_srv *s, struct echo_srv_conn *c,
			uint8_t *buf);

/* Accept until net_stop. serve(arg, fd) owns each new blocking fd;
 * tick(arg), if not NULL, runs after every wake-up (signal). EMFILE/
 * ENFILE are logged and backed off, never spun on. Returns 0 or -errno. */
int echo_srv_accept_loop(const struct echo_srv *s,
			 void (*serve)(void *arg, int fd),
			 void (*tick)(void *arg), void *arg);

/* Serve one connection until EOF, error or stop: fd stays blocking but
 * every recv/send waits in poll() on fd and, if >= 0, stop_fd, so a
 * signal or a shutdown() ends it promptly. The caller closes fd. */
void echo_srv_serve_conn(const struct echo_srv *s, int fd, int stop_fd);

/* Models: each runs until net_stop, then closes everything it opened
 * (not s->lfd) and returns 0, or returns -errno on a fatal error. */
int echo_model_iterative(const struct echo_srv *s);
int echo_model_fork(const struct echo_srv *s);
int echo_model_thread(const struct echo_srv *s);
int echo_model_select(const struct echo_srv *s);
int echo_model_poll(const struct echo_srv *s);
int echo_model_epoll(const struct echo_srv *s);
int echo_model_naive(const struct echo_srv *s);

#endif
