/* Internals of the POP3 core shared by its three files: pop3_core.c (the
 * state table, the line queue, output and the public API), pop3_cmds.c
 * (one handler per command) and pop3_xfer.c (a message on the wire). */
#ifndef SERVERS_POP3_INT_H
#define SERVERS_POP3_INT_H

#include "pop3_core.h"

#define P3_CHUNK ((size_t)16 << 10)  /* stored bytes read per store call */
#define P3_REFILL (P3_OUT_LIMIT / 4) /* stream more below this much */

struct p3_args {
	char rest[P3_CMD_MAX + 1]; /* everything after "KEYWORD " */
	const char *v[3];	   /* space-separated arguments */
	size_t n;		   /* how many (more than 2 means "too many") */
};

/* Output (pop3_core.c). p3i_out_room makes room for n more bytes, or
 * fails the session (out of memory) and returns false. */
void p3i_log(struct p3_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void p3i_reply(struct p3_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
bool p3i_out_room(struct p3_session *s, size_t n);

/* The session cannot go on (out of memory, a message unreadable halfway):
 * log why, leave the mailbox without UPDATE, and close (P3_CLOSED). */
void p3i_fail(struct p3_session *s, const char *why);
void p3i_out_put(struct p3_session *s, const void *p, size_t n);

/* The mailbox as listed at login (pop3_cmds.c). */
struct p3_msginfo p3i_msg_info(const struct p3_session *s, size_t i);
void p3i_box_totals(const struct p3_session *s, size_t *n, uint64_t *oct);
void p3i_box_release(struct p3_session *s, const char *why);

/* Handlers (pop3_cmds.c): each replies and returns true for +OK, false
 * for -ERR; the state table picks the next state from that. */
bool p3i_do_user(struct p3_session *s, const struct p3_args *a);
bool p3i_do_pass(struct p3_session *s, const struct p3_args *a);
bool p3i_do_quit_auth(struct p3_session *s, const struct p3_args *a);
bool p3i_do_quit_update(struct p3_session *s, const struct p3_args *a);
bool p3i_do_stat(struct p3_session *s, const struct p3_args *a);
bool p3i_do_list(struct p3_session *s, const struct p3_args *a);
bool p3i_do_retr(struct p3_session *s, const struct p3_args *a);
bool p3i_do_top(struct p3_session *s, const struct p3_args *a);
bool p3i_do_dele(struct p3_session *s, const struct p3_args *a);
bool p3i_do_noop(struct p3_session *s, const struct p3_args *a);
bool p3i_do_rset(struct p3_session *s, const struct p3_args *a);
bool p3i_do_uidl(struct p3_session *s, const struct p3_args *a);
bool p3i_do_capa(struct p3_session *s, const struct p3_args *a);

/* RETR/TOP (pop3_xfer.c): start sending message idx, and send more of it
 * while the output is short. */
bool p3i_xfer_start(struct p3_session *s, size_t idx, bool top, uint64_t lines,
		    const char *okfmt);
void p3i_xfer_pump(struct p3_session *s);

#endif
