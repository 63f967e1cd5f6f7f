/* echod internals: the server context every model gets, the echo core as
 * a protocol of the generic connection layer (net_conn.h), and the model
 * entry points, one file per model (echo_model_*.c). */
#ifndef SERVERS_ECHO_SRV_H
#define SERVERS_ECHO_SRV_H

#include <stdbool.h>
#include <stddef.h>

#include "echo_core.h"
#include "framing/spec.h"
#include "net_conn.h"
#include "net_mux.h"
#include "net_sock.h"

/* The server-wide memory budget (--max-memory): bytes every connection
 * may hold (echo_held), shared by the threads of the thread model. Input
 * that would take the total over max is refused and its connection
 * closed; an unfinished frame over ECHO_SMALL may only use max -
 * max / ECHO_RESERVE_DIV, so the rest stays for connections with small
 * frames and they keep being served. */
#define ECHO_SMALL ((size_t)64 << 10)
#define ECHO_RESERVE_DIV 8
struct echo_budget {
	_Atomic size_t used;
	size_t max;		/* 0: no budget */
	_Atomic size_t refused; /* connections closed for it */
};

struct echo_srv {
	const char *prog;
	struct fr_spec spec;
	int lfd;		    /* listening socket (non-blocking) */
	bool quiet;		    /* don't log peers that close mid-frame */
	size_t max_conns;	    /* 0: no limit of our own */
	struct echo_budget *budget; /* NULL: none */
};

/* The echo core behind the connection layer: open's arg is the struct
 * echo_srv. A decode error is logged (peer, offset, reason) and closes
 * the connection once what was echoed before it is sent. */
extern const struct net_proto echo_proto;

/* Serve one connection to its end with blocking waits (iterative, fork,
 * thread), stopping early when stop_fd (if >= 0) becomes readable. */
void echo_serve_blocking(const struct echo_srv *s, int fd, int stop_fd);

/* Configuration of the connection layer for the multiplexing models. */
struct net_mux_cfg echo_mux_cfg(const struct echo_srv *s, int fd_limit);

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
