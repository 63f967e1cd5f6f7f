/* The generic connection: a socket plus a pointer to its protocol core and
 * the callbacks (struct net_proto) that drive that core, with the one
 * bounded I/O step every loop uses (blocking one-connection loop here, the
 * multiplexed loops in net_mux.h), and the blocking accept loop. */
#ifndef SERVERS_NET_CONN_H
#define SERVERS_NET_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cm_addr.h"

#define NET_RBUF ((size_t)64 << 10)    /* default bytes per recv() */
#define NET_BUDGET ((size_t)256 << 10) /* default bytes sent per step */

/* Why a connection closes, for the core's close callback. */
enum net_close_why {
	NET_CLOSE_DONE, /* finished, failed, or the peer went away */
	NET_CLOSE_IDLE, /* no byte in or out for the loop's idle time */
	NET_CLOSE_STOP, /* the server is stopping (SIGTERM/SIGINT) */
};

struct net_conn;

/* What a core wants now: its pending output (valid until the next call
 * into the core), whether it takes more input (false: backpressure),
 * whether it is done once that output is sent, and whether it waits for
 * a timer: wait_ms > 0 asks the layer to call proto->timer that long
 * after it first saw the request (a core waiting usually wants neither to
 * read nor to write meanwhile; other connections go on being served). */
struct net_want {
	const uint8_t *out;
	size_t len;
	bool read;
	bool done;
	uint32_t wait_ms;
};

/* What a protocol core does for the connection layer. core is the pointer
 * open returned. Every callback but timer is required. */
struct net_proto {
	/* A connection was accepted (c->fd, c->peer set): make its core, or
	 * return NULL to refuse it (the caller logs and closes). */
	void *(*open)(void *arg, struct net_conn *c);
	/* n > 0 bytes arrived. Returns 0, or negative: the core failed; what
	 * it queued is sent once more (best effort), then it closes. */
	int (*input)(void *core, const uint8_t *p, size_t n);
	/* The peer finished sending (reset: the connection broke and nothing
	 * more will be sent either). Returns as input does. */
	int (*eof)(void *core, bool reset);
	/* What the core wants now (struct net_want). */
	void (*want)(const void *core, struct net_want *w);
	/* n bytes of the pending output were sent. */
	void (*consume)(void *core, size_t n);
	/* Release the core (the socket is closed by the layer). */
	void (*close)(void *core, enum net_close_why why);
	/* The wait the core asked for (net_want.wait_ms) is over. Only a
	 * core that ever asks for one needs it; may be NULL otherwise. */
	void (*timer)(void *core);
};

/* Readiness the loop saw, for net_conn_step. */
enum {
	NET_READY_IN = 1,
	NET_READY_OUT = 2,
	NET_READY_HUP =
	    4, /* error or hang-up, reported whatever the interest */
};

struct net_conn {
	int fd;
	bool eof;	 /* peer finished sending */
	bool dead;	 /* peer gone or core failed: close now */
	unsigned events; /* interest a loop registered (the loop's use) */
	int64_t last;	 /* ms of the last byte in or out (net_mux) */
	struct net_conn *prev, *next;	/* net_mux: by activity, oldest first */
	int64_t timer_at;		/* ms of the core's timer; 0: none */
	struct net_conn *tprev, *tnext; /* net_mux: by timer_at */
	char peer[CM_ADDRLEN];
	const struct net_proto *proto;
	void *core;
};

/* Interest: read while the peer sends and the core takes input; write
 * while output is pending. */
bool net_conn_want_read(const struct net_conn *c);
bool net_conn_want_write(const struct net_conn *c);

/* Close now: the connection is dead, or done with nothing left to send. */
bool net_conn_finished(const struct net_conn *c);

/* One bounded step: at most one recv() of rcap bytes into rbuf (when
 * readable and wanted), then send while output is pending, up to budget
 * bytes. An error or a hang-up without progress marks the connection
 * dead. Returns true if any byte moved in or out. */
bool net_conn_step(struct net_conn *c, unsigned ready, uint8_t *rbuf,
		   size_t rcap, size_t budget);

/* The wait c's core asks for now (net_want.wait_ms), 0 if none or if a
 * timer is already armed. */
uint32_t net_conn_wait_ms(const struct net_conn *c);

/* Serve fd to its end with blocking waits: every step waits in poll() on
 * fd and, if >= 0, stop_fd, so a signal or a shutdown() ends it promptly;
 * a core's timer (net_want.wait_ms) bounds the wait.
 * The core is made with p->open(arg, ...) and closed here; the caller
 * closes fd. Returns 0, or -ENOMEM when no core or buffer could be had. */
int net_serve_conn(const struct net_proto *p, void *arg, int fd, int stop_fd);

/* Accept on the non-blocking listener lfd until net_stop. serve(arg, fd)
 * owns each new blocking fd; tick(arg), if not NULL, runs after every
 * wake-up (signal). EMFILE/ENFILE are logged (as prog) and backed off,
 * never spun on. Returns 0 or a fatal -errno. */
int net_accept_loop(const char *prog, int lfd, void (*serve)(void *arg, int fd),
		    void (*tick)(void *arg), void *arg);

#endif
