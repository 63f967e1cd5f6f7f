/* Socket and signal helpers of every server and client in servers/:
 * listeners, the `listening on` line, peer names, EMFILE-safe accept, one
 * log line per event, and SIGTERM/SIGINT/SIGCHLD via a self-pipe. HOST:PORT
 * text is parsed and printed by common/cm_addr.h. */
#ifndef SERVERS_NET_SOCK_H
#define SERVERS_NET_SOCK_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "cm_addr.h"

/* Set by the SIGTERM/SIGINT handler; SIGCHLD sets net_child. */
extern volatile sig_atomic_t net_stop;
extern volatile sig_atomic_t net_child;

/* Name of the peer of fd (or "?"), into buf of CM_ADDRLEN bytes. */
void net_peer(int fd, char *buf, size_t len);

/* Bound socket (type SOCK_STREAM: listening, SO_REUSEADDR) on ss.
 * Returns the fd or -errno. */
int net_listen(const struct sockaddr_storage *ss, socklen_t len, int type);

/* Print exactly "listening on HOST:PORT" with the bound port, flushed. */
int net_announce(int fd);

int net_set_nonblock(int fd);

/* One line on stderr, "PROG: " + the formatted text, in one write so lines
 * from threads and children don't mix. */
void net_log(const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* SIGPIPE ignored; SIGTERM/SIGINT set net_stop, SIGCHLD sets net_child
 * (when want_chld), each also writes a byte to the self-pipe. No
 * SA_RESTART, so blocking calls see EINTR. Returns 0 or -errno. */
int net_signals_init(bool want_chld);

/* Read end of the self-pipe (non-blocking) and a drain for it. */
int net_wake_fd(void);
void net_wake_drain(void);

/* Signals back to default in a forked child (closes the self-pipe). */
void net_signals_child(void);

/* accept4(SOCK_NONBLOCK|SOCK_CLOEXEC if nonblock). On EMFILE/ENFILE a
 * spare descriptor is closed so the pending connection can be accepted
 * and dropped at once, which keeps a level-triggered loop from spinning.
 * Returns the fd or -errno (-EAGAIN when nothing is pending; -EMFILE/
 * -ENFILE after dropping a connection, -ENOSPC if the spare is gone and the
 * caller must back off). */
int net_accept(int lfd, bool nonblock);

/* What a non-blocking accept loop does with a negative net_accept result:
 * stop (nothing pending), try again (the peer gave up: ECONNABORTED,
 * EPROTO, EINTR), go on (EMFILE/ENFILE: that connection was dropped),
 * back off (no spare descriptor, no buffers or memory: pause the
 * listener), or give up (anything else is fatal). */
enum net_accept_next {
	NET_ACCEPT_STOP,
	NET_ACCEPT_RETRY,
	NET_ACCEPT_DROPPED,
	NET_ACCEPT_BACKOFF,
	NET_ACCEPT_FATAL,
};
enum net_accept_next net_accept_next(int rc);

#endif
