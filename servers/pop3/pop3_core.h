/* Sans-I/O POP3 core (RFC 1939 subset, with CAPA/UIDL/TOP of RFC 2449):
 * bytes received go in, reply bytes come out, and an explicit state table
 * decides which command is legal in which state. No sockets, no files: the
 * mailbox is reached through struct pop3_store, so pop3d, the tests and the
 * fuzz target (fuzz/pop3_session) drive the very same code. */
#ifndef SERVERS_POP3_CORE_H
#define SERVERS_POP3_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cm_buf.h"
#include "framing/codec.h"

/* RFC 2449 section 4: a command line is at most 255 octets with its CRLF,
 * a reply line at most 512. */
#define POP3_CMD_MAX 253
#define POP3_REPLY_MAX 510
#define POP3_UID_MAX 70	 /* RFC 1939: unique-id is 1..70 octets 0x21..0x7E */
#define POP3_NAME_MAX 40 /* RFC 1939: an argument is at most 40 octets */

/* Pending output above which the loop should stop reading (and the core
 * stops running queued commands) until the peer drains it. */
#define POP3_OUT_LIMIT ((size_t)64 << 10)

enum pop3_state {
	POP3_AUTH_USER = 0, /* AUTHORIZATION, waiting for USER */
	POP3_AUTH_PASS,	    /* AUTHORIZATION, USER given, waiting for PASS */
	POP3_TRANSACTION,   /* mailbox locked and listed */
	POP3_UPDATE,	    /* QUIT in TRANSACTION: deletions applied */
	POP3_CLOSED,	    /* QUIT done: send what is pending, then close */
	POP3_NSTATES
};

enum pop3_cmd {
	POP3_C_USER = 0,
	POP3_C_PASS,
	POP3_C_QUIT,
	POP3_C_STAT,
	POP3_C_LIST,
	POP3_C_RETR,
	POP3_C_DELE,
	POP3_C_NOOP,
	POP3_C_RSET,
	POP3_C_TOP,
	POP3_C_UIDL,
	POP3_C_CAPA,
	POP3_C_UNKNOWN, /* any other keyword (APOP, AUTH, STLS...) */
	POP3_NCMDS
};

/* Results of store calls. */
enum pop3_status {
	POP3_OK = 0,
	POP3_EAUTH = -1,   /* no such user or wrong password */
	POP3_ELOCKED = -2, /* mailbox in use by another session */
	POP3_EIO = -3,	   /* mailbox could not be read */
};

/* One message as the store lists it at login. size is the octet count as
 * sent on the wire before dot-stuffing (see pop3_wsize_add). uid is the
 * RFC 1939 unique-id, 1..POP3_UID_MAX octets of 0x21..0x7E. */
struct pop3_msginfo {
	uint64_t size;
	const char *uid;
};

/* The mailbox backend. Every call is synchronous. */
struct pop3_store {
	void *ctx;
	/* Check user/pass and take the mailbox's exclusive lock. On POP3_OK
	 * *box is a handle listing the mailbox as it is now. */
	int (*open)(void *ctx, const char *user, const char *pass, void **box);
	size_t (*count)(void *box);
	void (*info)(void *box, size_t i, struct pop3_msginfo *mi);
	/* Up to cap bytes of message i (0-based) from byte off of its stored
	 * form. Returns bytes read, 0 at the end, or -1 on an error. */
	long (*read)(void *box, size_t i, uint64_t off, void *buf, size_t cap);
	/* UPDATE: remove every message i with del[i] durably. Returns how many
	 * could not be removed. */
	size_t (*commit)(void *box, const bool *del);
	/* Release the lock and the handle (after commit, or without one). */
	void (*close)(void *box);
};

/* What the core has to say to the operator (never a password). */
typedef void (*pop3_log_fn)(void *arg, const char *msg);

/* A message being sent (RETR, TOP): stored bytes are turned into wire
 * lines (LF or CRLF ends a line, sent as CRLF; a leading '.' is doubled)
 * as the output drains, so a large message never sits in memory. */
struct pop3_xfer {
	bool active;
	size_t msg;
	uint64_t off;	/* next stored byte to read */
	bool bol;	/* at the beginning of a line */
	bool cr;	/* last stored byte was CR (an LF may follow) */
	bool cr_only;	/* the line so far is a lone CR */
	bool top;	/* TOP: stop after the header and `lines` body lines */
	bool body;	/* TOP: the blank line after the header was sent */
	uint64_t lines; /* TOP: body lines still to send */
	bool stop;	/* TOP: enough sent; end the reply */
};

struct pop3_session {
	enum pop3_state state;
	const struct pop3_store *store;
	pop3_log_fn log;
	void *log_arg;
	struct fr_decoder dec; /* crlf,max=POP3_CMD_MAX */
	uint8_t decbuf[POP3_CMD_MAX + FR_DELIM_MAX];
	/* command lines decoded but not run yet: records of
	 * [1 byte kind][2 bytes length][bytes] */
	struct cm_buf q;
	struct cm_buf out; /* pending output */
	char user[POP3_NAME_MAX + 1];
	void *box;   /* TRANSACTION: the store's handle */
	size_t nmsg; /* messages listed at login */
	bool *del;   /* deletion marks, nmsg entries */
	struct pop3_xfer xfer;
	/* failed-login throttle (pop3_set_login_limits) */
	uint32_t login_delay_ms; /* hold after the first failed PASS; 0: none */
	unsigned login_max;	 /* close at this many failures; 0: never */
	unsigned login_fails;	 /* failed PASS on this connection */
	uint32_t hold_ms;	 /* > 0: held (pop3_hold_ms) */
	size_t hold_off;	 /* held: output bytes before the held reply */
	bool bye;		 /* the last failure allowed: close */
	bool failed;	   /* out of memory or a store read failed mid-reply */
	bool eof;	   /* peer finished sending */
	uint64_t commands; /* command lines run */
};

/* Start a session: the greeting is queued. Returns 0, or -1 when out of
 * memory. log may be NULL. */
int pop3_init(struct pop3_session *s, const struct pop3_store *store,
	      pop3_log_fn log, void *log_arg);

/* Failed-login throttle (off after pop3_init). After the n-th failed
 * PASS the session holds (pop3_hold_ms) delay_ms << (n - 1), at most
 * POP3_DELAY_CAP times delay_ms, before that -ERR is sent or another
 * command runs; the max_fails-th failure is answered and the session
 * closes (RFC 1939 section 4 lets a server close after a failed login).
 * 0 turns either part off. */
#define POP3_DELAY_CAP 16
void pop3_set_login_limits(struct pop3_session *s, uint32_t delay_ms,
			   unsigned max_fails);

/* Milliseconds the session wants to be held, or 0. While held it shows
 * only the output queued before the held reply, and reads and runs
 * nothing; the I/O loop calls pop3_release that
 * long after it first saw the value (a timer, never a sleep: other
 * sessions go on being served meanwhile). */
uint32_t pop3_hold_ms(const struct pop3_session *s);
void pop3_release(struct pop3_session *s);

/* Release everything. A session still in TRANSACTION closes its mailbox
 * without UPDATE: nothing marked for deletion is removed. */
void pop3_free(struct pop3_session *s);

/* Bytes received; all len bytes are taken. Complete command lines are run
 * while the pending output is under POP3_OUT_LIMIT; the rest wait (see
 * pop3_want_read). Input after QUIT is ignored. */
void pop3_input(struct pop3_session *s, const void *data, size_t len);

/* Peer closed its side: a session in TRANSACTION ends without UPDATE. */
void pop3_eof(struct pop3_session *s);

/* Pending output: *len bytes at the returned pointer (NULL, 0 if none).
 * Valid until the next call other than pop3_pending/pop3_want_read/pop3_done.
 */
const uint8_t *pop3_output(const struct pop3_session *s, size_t *len);

/* n bytes of the pending output were sent: message bytes and queued
 * commands move on. */
void pop3_consume(struct pop3_session *s, size_t n);

size_t pop3_pending(const struct pop3_session *s);

/* Read more from the peer: the session is open, no message is being sent,
 * the output is under POP3_OUT_LIMIT and no command is waiting. */
bool pop3_want_read(const struct pop3_session *s);

/* The session is over (QUIT handled, or failed): send what is pending,
 * then close. */
bool pop3_done(const struct pop3_session *s);

enum pop3_state pop3_state(const struct pop3_session *s);

/* Names for logs, docs and tests ("AUTHORIZATION", "USER", ...). */
const char *pop3_state_name(enum pop3_state st);
const char *pop3_cmd_name(enum pop3_cmd c);

/* Keyword of a command line (case-insensitive), POP3_C_UNKNOWN if none. */
enum pop3_cmd pop3_parse_cmd(const char *line, size_t len);

/* Whether cmd is allowed in state st by the state table (CAPA and QUIT in
 * every open state; USER/PASS only in AUTHORIZATION; the rest only in
 * TRANSACTION). */
bool pop3_allowed(enum pop3_state st, enum pop3_cmd cmd);

/* Wire size of a stored message, fed in pieces: the octets RETR sends
 * before dot-stuffing (a bare LF goes out as CRLF; a message that does not
 * end in LF gets a CRLF). Zero-initialise, add every piece, then end. */
struct pop3_wsize {
	uint64_t n;
	bool cr;  /* last byte was CR */
	bool mid; /* inside a line (last byte was not LF) */
};
void pop3_wsize_add(struct pop3_wsize *w, const void *p, size_t n);
uint64_t pop3_wsize_end(const struct pop3_wsize *w);

#endif
