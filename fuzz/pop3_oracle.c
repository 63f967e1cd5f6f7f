/* The model behind the pop3_session fuzz target: what RFC 1939 says each
 * command line gets in each state (+OK or -ERR, the next state, the exact
 * listing or message body), the syntax of every reply (CRLF, 512 octets,
 * dot-stuffing, one terminator), and one abort site per invariant. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pop3_int.h" /* POP3_CHUNK: how much the core asks a read for */
#include "pop3_oracle.h"

#define PS_LINE_MAX 512 /* RFC 2449: a reply line with its CRLF */

unsigned ps_fault;
size_t ps_read_max;
size_t ps_lineno;

void ps_ctx(FILE *f)
{
	fprintf(f, " line=%zu fault=%u read=%zu", ps_lineno, ps_fault,
		ps_read_max);
}

/* ---- one function per invariant ---- */

FZ_FAIL_W(ps_fail_crlf, "reply line not ended by CRLF, or a bare LF")
FZ_FAIL(ps_fail_too_long, "reply line over 512 octets", "status or listing")
FZ_FAIL(ps_fail_status, "reply does not start with +OK or -ERR", "status")
FZ_FAIL(ps_fail_chars, "status line has non-printable bytes", "status")
FZ_FAIL(ps_fail_unterminated, "multi-line reply has no '.' line at its end",
	"terminator")
FZ_FAIL(ps_fail_stuffing, "multi-line body line starts with a lone '.'",
	"dot-stuffing")
FZ_FAIL_W(ps_fail_reply_count, "not exactly one reply per command run")
FZ_FAIL(ps_fail_bad_state, "pop3_state out of range or UPDATE between lines",
	"state")
FZ_FAIL_W(ps_fail_not_allowed, "command not allowed in its state got +OK")
FZ_FAIL_W(ps_fail_verdict, "+OK/-ERR differs from RFC 1939")
FZ_FAIL_W(ps_fail_transition,
	  "state after the reply differs from the state table")
FZ_FAIL_W(ps_fail_listing, "STAT/LIST/UIDL reply differs from the mailbox")
FZ_FAIL_W(ps_fail_body, "RETR/TOP body differs from the stored message")
FZ_FAIL(ps_fail_size, "RETR octet count differs from the wire size", "RETR")

/* A command line cut the way RFC 1939 words it: a keyword, then
 * arguments separated by spaces (PASS takes the rest of the line). */
struct ps_args {
	const uint8_t *rest; /* after "KEYWORD " (PASS takes it whole) */
	size_t rest_len, n;
	const uint8_t *tok[3];
	size_t tlen[3];
};

enum ps_shape { PS_SINGLE, PS_MULTI, PS_XFER };

/* The model's verdict on one command line. */
struct ps_want {
	bool ok;
	enum pop3_state next;
	enum ps_shape shape; /* of a +OK reply */
	int msg;	     /* message index the command names, or -1 */
	uint64_t lines;	     /* TOP */
};

static void ps_split(const uint8_t *line, size_t len, struct ps_args *a)
{
	size_t kw = 0, i;

	memset(a, 0, sizeof(*a));
	while (kw < len && line[kw] != ' ')
		kw++;
	if (kw == len)
		return;
	a->rest = line + kw + 1;
	a->rest_len = len - kw - 1;
	for (i = kw + 1; i < len;) {
		size_t start = i;

		if (line[i] == ' ') {
			i++;
			continue;
		}
		while (i < len && line[i] != ' ')
			i++;
		if (a->n < 3) {
			a->tok[a->n] = line + start;
			a->tlen[a->n] = i - start;
		}
		a->n++;
	}
}

/* RFC 1939 numbers as the core takes them: 1..19 digits. The model's
 * own on purpose, like all of it: an oracle that shared the core's code
 * would share its bugs. */
static bool ps_num(const uint8_t *t, size_t n, uint64_t *v)
{
	*v = 0;
	if (n == 0 || n > 19)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (t[i] < '0' || t[i] > '9')
			return false;
		*v = *v * 10 + (uint64_t)(t[i] - '0');
	}
	return true;
}

/* Index of a listed, unmarked message named by token i, or -1. */
static int ps_msgno(const struct ps_model *md, const struct ps_args *a,
		    size_t i)
{
	uint64_t v;

	if (!ps_num(a->tok[i], a->tlen[i], &v) || v == 0 || v > PS_NMSG ||
	    md->del[v - 1])
		return -1;
	return (int)v - 1;
}

static bool ps_marked(const struct ps_model *md)
{
	for (size_t i = 0; i < PS_NMSG; i++)
		if (md->del[i])
			return true;
	return false;
}

/* What a printable line with a known keyword gets in the model's state:
 * RFC 1939's table (USER/PASS in AUTHORIZATION, QUIT and RFC 2449's CAPA
 * anywhere, the rest in TRANSACTION), argument counts and message numbers
 * checked the way the core documents, and the store faults. */
static struct ps_want ps_predict(const struct ps_model *md, enum pop3_cmd cmd,
				 const struct ps_args *a)
{
	struct ps_want w = {false, md->st, PS_SINGLE, -1, 0};
	bool tr = md->st == POP3_TRANSACTION, auth = !tr;

	switch (cmd) {
	case POP3_C_USER:
		w.ok = auth && a->n == 1 && a->tlen[0] <= POP3_NAME_MAX;
		w.next = !auth	? md->st
			 : w.ok ? POP3_AUTH_PASS
				: POP3_AUTH_USER;
		break;
	case POP3_C_PASS:
		if (md->st != POP3_AUTH_PASS)
			break;
		w.ok = ps_fault != PS_F_LOCKED &&
		       strcmp(md->user, PS_USER) == 0 &&
		       a->rest_len == strlen(PS_PASS) &&
		       memcmp(a->rest, PS_PASS, a->rest_len) == 0;
		w.next = w.ok ? POP3_TRANSACTION : POP3_AUTH_USER;
		break;
	case POP3_C_QUIT:
		w.ok = !tr || ps_fault != PS_F_COMMIT || !ps_marked(md);
		w.next = POP3_CLOSED;
		break;
	case POP3_C_CAPA:
		w.ok = a->n == 0;
		w.shape = PS_MULTI;
		break;
	case POP3_C_STAT:
	case POP3_C_NOOP:
	case POP3_C_RSET:
		w.ok = tr && a->n == 0;
		break;
	case POP3_C_LIST:
	case POP3_C_UIDL:
		if (tr && a->n == 1)
			w.msg = ps_msgno(md, a, 0);
		w.ok = tr && (a->n == 0 || w.msg >= 0);
		w.shape = a->n == 0 ? PS_MULTI : PS_SINGLE;
		break;
	case POP3_C_RETR:
	case POP3_C_DELE:
	case POP3_C_TOP:
		if (tr && a->n == (cmd == POP3_C_TOP ? 2u : 1u))
			w.msg = ps_msgno(md, a, 0);
		w.ok = w.msg >= 0;
		if (cmd == POP3_C_DELE)
			break;
		if (cmd == POP3_C_TOP && w.ok)
			w.ok = ps_num(a->tok[1], a->tlen[1], &w.lines);
		if (ps_fault == PS_F_UNREADABLE && w.msg == 1)
			w.ok = false;
		w.shape = PS_XFER;
		break;
	default:
		break;
	}
	return w;
}

/* ---- reply syntax ---- */

/* The status line: +OK or -ERR, printable, CRLF, at most 512 octets.
 * Returns its length with CRLF; *ok is the verdict. */
static size_t ps_status(const uint8_t *r, size_t n, bool *ok)
{
	const uint8_t *lf = n > 0 ? memchr(r, '\n', n) : NULL;
	size_t len;

	if (lf == NULL || lf == r || lf[-1] != '\r')
		ps_fail_crlf("status");
	len = (size_t)(lf - r) + 1;
	if (len > PS_LINE_MAX)
		ps_fail_too_long();
	for (size_t i = 0; i + 2 < len; i++)
		if (r[i] < 0x20 || r[i] > 0x7e)
			ps_fail_chars();
	*ok = len >= 5 && memcmp(r, "+OK", 3) == 0 && (len == 5 || r[3] == ' ');
	if (!*ok && !(len >= 6 && memcmp(r, "-ERR", 4) == 0 &&
		      (len == 6 || r[4] == ' ')))
		ps_fail_status();
	return len;
}

/* Lines of a multi-line body: CRLF each, dot-stuffed, the first line
 * that is exactly "." ends the reply and must be its last. listing: the
 * 512-octet limit applies (CAPA, LIST, UIDL; not message lines). */
static void ps_multi(const uint8_t *r, size_t n, bool listing)
{
	size_t pos = 0;

	while (pos < n) {
		const uint8_t *lf = memchr(r + pos, '\n', n - pos);
		size_t len;

		if (lf == NULL || lf == r + pos || lf[-1] != '\r')
			ps_fail_crlf("multi-line");
		len = (size_t)(lf - (r + pos)) + 1;
		if (listing && len > PS_LINE_MAX)
			ps_fail_too_long();
		if (len == 3 && r[pos] == '.') {
			if (pos + len != n)
				ps_fail_unterminated();
			return;
		}
		if (r[pos] == '.' && r[pos + 1] != '.')
			ps_fail_stuffing();
		pos += len;
	}
	ps_fail_unterminated();
}

/* ---- the content of +OK replies ---- */

static void ps_expect(const uint8_t *r, size_t n, const char *want,
		      const char *cmd)
{
	size_t len = strlen(want);

	if (n != len || memcmp(r, want, len) != 0)
		ps_fail_listing(cmd);
}

/* STAT, LIST and UIDL with or without a message number. */
static void ps_check_listing(const struct ps_model *md, enum pop3_cmd cmd,
			     const struct ps_want *w, const uint8_t *r,
			     size_t n, size_t first)
{
	static char buf[PS_NMSG * (POP3_UID_MAX + 32) + 8];
	size_t k = 0, count = 0;
	uint64_t oct = 0;
	const char *name = pop3_cmd_name(cmd);

	for (size_t i = 0; i < PS_NMSG; i++) {
		if (md->del[i])
			continue;
		count++;
		oct += ps_octets[i];
		if (cmd == POP3_C_LIST)
			k += (size_t)snprintf(buf + k, sizeof(buf) - k,
					      "%zu %llu\r\n", i + 1,
					      (unsigned long long)ps_octets[i]);
		else
			k += (size_t)snprintf(buf + k, sizeof(buf) - k,
					      "%zu %s\r\n", i + 1,
					      ps_box.msg[i].uid);
	}
	if (cmd == POP3_C_STAT) {
		snprintf(buf, sizeof(buf), "+OK %zu %llu\r\n", count,
			 (unsigned long long)oct);
		ps_expect(r, n, buf, name);
	} else if (w->shape == PS_MULTI) {
		snprintf(buf + k, sizeof(buf) - k, ".\r\n");
		ps_expect(r + first, n - first, buf, name);
	} else if (cmd == POP3_C_LIST) {
		snprintf(buf, sizeof(buf), "+OK %d %llu\r\n", w->msg + 1,
			 (unsigned long long)ps_octets[w->msg]);
		ps_expect(r, n, buf, name);
	} else {
		snprintf(buf, sizeof(buf), "+OK %d %s\r\n", w->msg + 1,
			 ps_box.msg[w->msg].uid);
		ps_expect(r, n, buf, name);
	}
}

/* RETR/TOP: the body as ps_ref_xfer has it, however the store's reads
 * cut it. Returns true when the session failed mid-reply. */
static bool ps_check_xfer(enum pop3_cmd cmd, const struct ps_want *w,
			  const uint8_t *r, size_t n, size_t first)
{
	const struct pop3_mem_msg *m = &ps_box.msg[w->msg];
	const char *name = pop3_cmd_name(cmd);
	size_t first_read = ps_read_max ? ps_read_max : POP3_CHUNK;
	static uint8_t body[PS_EXP_MAX];
	struct ps_ref ref;
	bool fails;

	/* PS_F_MIDREPLY: the second read of message 1 fails, so what went
	 * out is the first read's worth, unless TOP was done by then. */
	fails = ps_fault == PS_F_MIDREPLY && w->msg == 0;
	if (fails && first_read < m->len)
		ps_ref_xfer(m->data, first_read, cmd == POP3_C_TOP, w->lines,
			    body, &ref);
	else
		ps_ref_xfer(m->data, m->len, cmd == POP3_C_TOP, w->lines, body,
			    &ref);
	fails = fails && !ref.stopped;
	if (!fails) {
		ps_multi(r + first, n - first, false);
		if (ref.open) {
			memcpy(body + ref.len, "\r\n", 2);
			ref.len += 2;
		}
		memcpy(body + ref.len, ".\r\n", 3);
		ref.len += 3;
	}
	if (n - first != ref.len || memcmp(r + first, body, ref.len) != 0)
		ps_fail_body(name);
	if (cmd == POP3_C_RETR) {
		char want[48];
		int k = snprintf(want, sizeof(want), "+OK %llu ",
				 (unsigned long long)ps_octets[w->msg]);

		if (first < (size_t)k + 2 || memcmp(r, want, (size_t)k) != 0)
			ps_fail_size();
	}
	return fails;
}

/* ---- one unit of the line-at-a-time run against the model ---- */

static bool ps_printable(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return false;
	return true;
}

void ps_check_unit(struct ps_model *md, const uint8_t *line, size_t len,
		   enum ps_kind kind, const uint8_t *r, size_t n,
		   enum pop3_state after)
{
	enum pop3_cmd cmd = POP3_C_UNKNOWN;
	struct ps_want w = {false, md->st, PS_SINGLE, -1, 0};
	struct ps_args a = {0};
	size_t first;
	bool ok;

	if ((unsigned)after >= POP3_NSTATES || after == POP3_UPDATE)
		ps_fail_bad_state();
	if (md->over || kind == PS_PARTIAL) {
		if (n != 0)
			ps_fail_reply_count("reply to a line that never ran");
		if (after != md->st)
			ps_fail_transition("(not run)");
		return;
	}
	if (n == 0)
		ps_fail_reply_count("no reply");
	first = ps_status(r, n, &ok);
	if (kind == PS_LINE && ps_printable(line, len)) {
		cmd = pop3_parse_cmd((const char *)line, len);
		ps_split(line, len, &a);
		if (!pop3_allowed(md->st, cmd) && ok)
			ps_fail_not_allowed(pop3_cmd_name(cmd));
		if (cmd != POP3_C_UNKNOWN)
			w = ps_predict(md, cmd, &a);
	}
	if (ok != w.ok)
		ps_fail_verdict(pop3_cmd_name(cmd));
	if (!ok || w.shape == PS_SINGLE) {
		if (first != n)
			ps_fail_reply_count("more than one line");
	} else if (w.shape == PS_MULTI) {
		ps_multi(r + first, n - first, true);
	} else if (ps_check_xfer(cmd, &w, r, n, first)) {
		/* a session that fails mid-reply closes */
		md->over = md->failed = true;
		w.next = POP3_CLOSED;
	}
	if (after != w.next)
		ps_fail_transition(pop3_cmd_name(cmd));
	if (ok &&
	    (cmd == POP3_C_STAT || cmd == POP3_C_LIST || cmd == POP3_C_UIDL))
		ps_check_listing(md, cmd, &w, r, n, first);
	if (ok && cmd == POP3_C_USER) {
		memcpy(md->user, a.tok[0], a.tlen[0]);
		md->user[a.tlen[0]] = '\0';
	}
	if (ok && cmd == POP3_C_DELE)
		md->del[w.msg] = true;
	if (ok && cmd == POP3_C_RSET)
		memset(md->del, 0, sizeof(md->del));
	if (cmd == POP3_C_QUIT) {
		md->over = true;
		if (md->st == POP3_TRANSACTION)
			md->update = ok ? PS_U_DONE : PS_U_FAILED;
	}
	md->st = after;
}

void ps_model_init(struct ps_model *md)
{
	memset(md, 0, sizeof(*md));
	md->st = POP3_AUTH_USER;
}

void ps_check_greeting(const uint8_t *r, size_t n)
{
	bool ok;

	if (ps_status(r, n, &ok) != n || !ok)
		ps_fail_reply_count("greeting");
}
