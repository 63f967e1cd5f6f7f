/* Internal to the pop3_session fuzz target: the fixed mailbox and the
 * reference wire form of its messages (pop3_mailbox.c), and the model of
 * RFC 1939 that checks every reply of a session (pop3_oracle.c). */
#ifndef FRAGLAB_FUZZ_POP3_ORACLE_H
#define FRAGLAB_FUZZ_POP3_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fuzz_die.h"
#include "fuzz_input.h"
#include "pop3_core.h"
#include "pop3_mem.h"

#define PS_NMSG POP3_MEM_MAX /* a full mailbox: long LIST/UIDL replies */
#define PS_MSG_MAX 1100	     /* the longest stored message */
#define PS_EXP_MAX (2 * PS_MSG_MAX + 8) /* its wire form, at worst */
#define PS_READ_MAX 64 /* short store reads: 1..64 bytes, or 0: none */

/* The input's store choices, and the line a failure message names. */
extern unsigned ps_fault;
extern size_t ps_read_max; /* a store read returns at most this, 0: cap */
extern size_t ps_lineno;   /* 1-based unit of the line-at-a-time run */

/* The session's own failure context after spec= and split= (fz_die):
 * " line=N fault=F read=R". */
void ps_ctx(FILE *f);

/* ---- pop3_mailbox.c ---- */

/* The mailbox every session starts from (a copy of it), built once. */
extern struct pop3_mem ps_box;
extern uint64_t ps_octets[PS_NMSG]; /* wire sizes, from ps_ref_xfer */
void ps_box_build(void);

/* What RETR (top false) or TOP sends of a stored message, up to the
 * terminator, into out (PS_EXP_MAX bytes). */
struct ps_ref {
	size_t len;	 /* bytes in out */
	bool open;	 /* the last line had no LF: the end adds CRLF */
	bool stopped;	 /* TOP ended before the message did */
	uint64_t octets; /* wire size before dot-stuffing */
};
void ps_ref_xfer(const uint8_t *p, size_t n, bool top, uint64_t lines,
		 uint8_t *out, struct ps_ref *r);

struct ps_model;

/* The store after pop3_free: unlocked (PS_F_LOCKED: still held by the
 * other session), and UPDATE removed exactly the marked messages
 * (PS_F_COMMIT: all but the first), or nothing. */
void ps_check_box(const struct pop3_mem *m, const struct ps_model *md);

/* ---- pop3_oracle.c ---- */

/* How the session ended for the store: no UPDATE, UPDATE, or UPDATE
 * whose commit failed (PS_F_COMMIT). */
enum ps_update { PS_U_NONE, PS_U_DONE, PS_U_FAILED };

/* The session as the model sees it, advanced by ps_check_unit. */
struct ps_model {
	enum pop3_state st;
	char user[POP3_NAME_MAX + 1];
	bool del[PS_NMSG];
	bool over;   /* CLOSED, or failed mid-reply: nothing more runs */
	bool failed; /* ... the latter */
	enum ps_update update;
};

/* How the core's crlf,max=253 decoder takes a piece of input. */
enum ps_kind {
	PS_LINE,    /* a command line (CRLF not included) */
	PS_TOOLONG, /* one "line too long" */
	PS_PARTIAL, /* a short last fragment without CRLF: never runs */
};

void ps_model_init(struct ps_model *md);
void ps_check_greeting(const uint8_t *r, size_t n);

/* Check the reply r[0..n) the core gave to one piece of input (fed and
 * drained on its own) and the state after it; advance the model. */
void ps_check_unit(struct ps_model *md, const uint8_t *line, size_t len,
		   enum ps_kind kind, const uint8_t *r, size_t n,
		   enum pop3_state after);

#endif
