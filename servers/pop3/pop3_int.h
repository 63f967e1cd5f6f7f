/* Internals of the POP3 core shared by its three files: pop3_core.c (the
 * state table, the line queue, output and the public API), pop3_cmds.c
 * (one handler per command) and pop3_xfer.c (a message on the wire). */
#ifndef SERVERS_POP3_INT_H
#define SERVERS_POP3_INT_H

#include "pop3_core.h"

#define POP3_CHUNK ((size_t)16 << 10)	 /* stored bytes read per store call */
#define POP3_REFILL (POP3_OUT_LIMIT / 4) /* stream more below this much */

struct pop3_args {
	char rest[POP3_CMD_MAX + 1]; /* everything after "KEYWORD " */
	const char *v[3];	     /* space-separated arguments */
	size_t n; /* how many (more than 2 means "too many") */
};

/* Output (pop3_core.c). pop3_out_room makes room for n more bytes, or
 * fails the session (out of memory) and returns false. */
void pop3_slog(struct pop3_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void pop3_reply(struct pop3_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
bool pop3_out_room(struct pop3_session *s, size_t n);

/* The session cannot go on (out of memory, a message unreadable halfway):
 * log why, leave the mailbox without UPDATE, and close (POP3_CLOSED). */
void pop3_fail(struct pop3_session *s, const char *why);
void pop3_out_put(struct pop3_session *s, const void *p, size_t n);

/* A PASS was refused (bad user or password) and its -ERR queued after
 * `before` bytes of output: the throttle counts it and holds that reply. */
void pop3_login_failed(struct pop3_session *s, size_t before);

/* The mailbox as listed at login (pop3_cmds.c). */
struct pop3_msginfo pop3_msg_info(const struct pop3_session *s, size_t i);
void pop3_box_totals(const struct pop3_session *s, size_t *n, uint64_t *oct);
void pop3_box_release(struct pop3_session *s, const char *why);

/* Handlers (pop3_cmds.c): each replies and returns true for +OK, false
 * for -ERR; the state table picks the next state from that. */
bool pop3_do_user(struct pop3_session *s, const struct pop3_args *a);
bool pop3_do_pass(struct pop3_session *s, const struct pop3_args *a);
bool pop3_do_quit_auth(struct pop3_session *s, const struct pop3_args *a);
bool pop3_do_quit_update(struct pop3_session *s, const struct pop3_args *a);
bool pop3_do_stat(struct pop3_session *s, const struct pop3_args *a);
bool pop3_do_list(struct pop3_session *s, const struct pop3_args *a);
bool pop3_do_retr(struct pop3_session *s, const struct pop3_args *a);
bool pop3_do_top(struct pop3_session *s, const struct pop3_args *a);
bool pop3_do_dele(struct pop3_session *s, const struct pop3_args *a);
bool pop3_do_noop(struct pop3_session *s, const struct pop3_args *a);
bool pop3_do_rset(struct pop3_session *s, const struct pop3_args *a);
bool pop3_do_uidl(struct pop3_session *s, const struct pop3_args *a);
bool pop3_do_capa(struct pop3_session *s, const struct pop3_args *a);

/* RETR/TOP (pop3_xfer.c): start sending message idx, and send more of it
 * while the output is short. */
bool pop3_xfer_start(struct pop3_session *s, size_t idx, bool top,
		     uint64_t lines, const char *okfmt);
void pop3_xfer_pump(struct pop3_session *s);

#endif
