/* Sans-I/O POP3 core (RFC 1939 subset, with CAPA/UIDL/TOP of RFC 2449):
 * bytes received go in, reply bytes come out, and an explicit state table
 * decides which command is legal in which state. No sockets, no files: the
 * mailbox is reached through struct p3_store, so pop3d, the tests and the
 * fuzz target (fuzz/pop3_session) drive the very same code. */
#ifndef SERVERS_POP3_CORE_H
#define SERVERS_POP3_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "framing/codec.h"

/* RFC 2449 section 4: a command line is at most 255 octets with its CRLF,
 * a reply line at most 512. */
#define P3_CMD_MAX 253
#define P3_REPLY_MAX 510
#define P3_UID_MAX 70  /* RFC 1939: unique-id is 1..70 octets 0x21..0x7E */
#define P3_NAME_MAX 40 /* RFC 1939: an argument is at most 40 octets */

/* Pending output above which the loop should stop reading (and the core
 * stops running queued commands) until the peer drains it. */
#define P3_OUT_LIMIT ((size_t)64 << 10)

enum p3_state {
	P3_AUTH_USER = 0, /* AUTHORIZATION, waiting for USER */
	P3_AUTH_PASS,	  /* AUTHORIZATION, USER given, waiting for PASS */
	P3_TRANSACTION,	  /* mailbox locked and listed */
	P3_UPDATE,	  /* QUIT in TRANSACTION: deletions applied */
	P3_CLOSED,	  /* QUIT done: send what is pending, then close */
	P3_NSTATES
};

enum p3_cmd {
	P3_C_USER = 0,
	P3_C_PASS,
	P3_C_QUIT,
	P3_C_STAT,
	P3_C_LIST,
	P3_C_RETR,
	P3_C_DELE,
	P3_C_NOOP,
	P3_C_RSET,
	P3_C_TOP,
	P3_C_UIDL,
	P3_C_CAPA,
	P3_C_UNKNOWN, /* any other keyword (APOP, AUTH, STLS...) */
	P3_NCMDS
};

/* Results of store calls. */
enum p3_status {
	P3_OK = 0,
	P3_EAUTH = -1,	 /* no such user or wrong password */
	P3_ELOCKED = -2, /* mailbox in use by another session */
	P3_EIO = -3,	 /* mailbox could not be read */
};

/* One message as the store lists it at login. size is the octet count as
 * sent on the wire before dot-stuffing (see p3_wire_size). uid is the
 * RFC 1939 unique-id, 1..P3_UID_MAX octets of 0x21..0x7E. */
struct p3_msginfo {
	uint64_t size;
	const char *uid;
};

/* The mailbox backend. Every call is synchronous. */
struct p3_store {
	void *ctx;
	/* Check user/pass and take the mailbox's exclusive lock. On P3_OK
	 * *box is a handle listing the mailbox as it is now. */
	int (*open)(void *ctx, const char *user, const char *pass, void **box);
	size_t (*count)(void *box);
	void (*info)(void *box, size_t i, struct p3_msginfo *mi);
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
typedef void (*p3_log_fn)(void *arg, const char *msg);

/* A message being sent (RETR, TOP): stored bytes are turned into wire
 * lines (LF or CRLF ends a line, sent as CRLF; a leading '.' is doubled)
 * as the output drains, so a large message never sits in memory. */
struct p3_xfer {
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

struct p3_session {
	enum p3_state state;
	const struct p3_store *store;
	p3_log_fn log;
	void *log_arg;
	struct fr_decoder dec; /* crlf,max=P3_CMD_MAX */
	uint8_t decbuf[P3_CMD_MAX + FR_DELIM_MAX];
	/* command lines decoded but not run yet: records of
	 * [1 byte kind][2 bytes length][bytes] */
	uint8_t *q;
	size_t q_pos, q_len, q_cap;
	uint8_t *out; /* pending output: out[out_pos .. out_len) */
	size_t out_pos, out_len, out_cap;
	char user[P3_NAME_MAX + 1];
	void *box;   /* TRANSACTION: the store's handle */
	size_t nmsg; /* messages listed at login */
	bool *del;   /* deletion marks, nmsg entries */
	struct p3_xfer xfer;
	bool failed;	   /* out of memory or a store read failed mid-reply */
	bool eof;	   /* peer finished sending */
	uint64_t commands; /* command lines run */
};

/* Start a session: the greeting is queued. Returns 0, or -1 when out of
 * memory. log may be NULL. */
int p3_init(struct p3_session *s, const struct p3_store *store, p3_log_fn log,
	    void *log_arg);

/* Release everything. A session still in TRANSACTION closes its mailbox
 * without UPDATE: nothing marked for deletion is removed. */
void p3_free(struct p3_session *s);

/* Bytes received; all len bytes are taken. Complete command lines are run
 * while the pending output is under P3_OUT_LIMIT; the rest wait (see
 * p3_want_read). Input after QUIT is ignored. */
void p3_input(struct p3_session *s, const void *data, size_t len);

/* Peer closed its side: a session in TRANSACTION ends without UPDATE. */
void p3_eof(struct p3_session *s);

/* Pending output: *len bytes at the returned pointer (NULL, 0 if none).
 * Valid until the next call other than p3_pending/p3_want_read/p3_done. */
const uint8_t *p3_output(const struct p3_session *s, size_t *len);

/* n bytes of the pending output were sent: message bytes and queued
 * commands move on. */
void p3_consume(struct p3_session *s, size_t n);

size_t p3_pending(const struct p3_session *s);

/* Read more from the peer: the session is open, no message is being sent,
 * the output is under P3_OUT_LIMIT and no command is waiting. */
bool p3_want_read(const struct p3_session *s);

/* The session is over (QUIT handled, or failed): send what is pending,
 * then close. */
bool p3_done(const struct p3_session *s);

enum p3_state p3_state(const struct p3_session *s);

/* Names for logs, docs and tests ("AUTHORIZATION", "USER", ...). */
const char *p3_state_name(enum p3_state st);
const char *p3_cmd_name(enum p3_cmd c);

/* Keyword of a command line (case-insensitive), P3_C_UNKNOWN if none. */
enum p3_cmd p3_parse_cmd(const char *line, size_t len);

/* Whether cmd is allowed in state st by the state table (CAPA and QUIT in
 * every open state; USER/PASS only in AUTHORIZATION; the rest only in
 * TRANSACTION). */
bool p3_allowed(enum p3_state st, enum p3_cmd cmd);

/* Wire size of a stored message, fed in pieces: the octets RETR sends
 * before dot-stuffing (a bare LF goes out as CRLF; a message that does not
 * end in LF gets a CRLF). Zero-initialise, add every piece, then end. */
struct p3_wsize {
	uint64_t n;
	bool cr;  /* last byte was CR */
	bool mid; /* inside a line (last byte was not LF) */
};
void p3_wsize_add(struct p3_wsize *w, const void *p, size_t n);
uint64_t p3_wsize_end(const struct p3_wsize *w);

#endif
