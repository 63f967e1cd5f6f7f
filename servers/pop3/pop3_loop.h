/* pop3d's event loop: one epoll thread, non-blocking sockets, one POP3
 * core session per connection, and the RFC 1939 idle autologout kept in a
 * list ordered by last activity so expiry costs O(expired). */
#ifndef SERVERS_POP3_LOOP_H
#define SERVERS_POP3_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pop3_core.h"

struct pop3_srv_conn;

struct pl {
	int lfd; /* listening socket, non-blocking */
	int efd; /* epoll */
	struct pop3_store store;
	int64_t idle_ms;  /* autologout after this long without activity */
	size_t max_conns; /* 0: no limit of our own */
	size_t n;	  /* open connections */
	struct pop3_srv_conn *head, *tail; /* oldest activity first */
	struct pop3_srv_conn *cur; /* being served: store logs name it */
	uint8_t *rbuf;
	int64_t backoff_until; /* ms: listener paused (out of memory) */
	bool listening;	       /* listener registered with epoll */
	bool emfile_logged;
};

/* One line on stderr: "pop3d: " + the formatted text. */
void pop3_srv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Log callback for the store: names the peer being served, if any.
 * arg is the struct pl. */
void pop3_srv_store_log(void *arg, const char *msg);

/* Serve on lfd until net_stop (SIGTERM/SIGINT), then close every
 * connection; sessions still in TRANSACTION end without UPDATE. The
 * caller fills lfd, store, idle_ms and max_conns. Returns 0 or -errno. */
int pop3_srv_run(struct pl *pl);

#endif
