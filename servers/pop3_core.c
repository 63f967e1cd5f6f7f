/* Sans-I/O POP3 core: command lines come off libframing's crlf decoder,
 * the state table (p3_rules) says which handler runs in which state and
 * which state follows its +OK or -ERR, and replies are queued for the I/O
 * loop. Handlers are in pop3_cmds.c, message streaming in pop3_xfer.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pop3_int.h"

enum { Q_LINE = 1, Q_TOOLONG = 2 };

typedef bool (*p3_handler)(struct p3_session *s, const struct p3_args *a);

struct p3_rule {
	p3_handler fn;		/* NULL: not allowed in this state */
	enum p3_state ok, fail; /* state after +OK / after -ERR */
};

static const char *const cmd_names[P3_NCMDS] = {
    "USER", "PASS", "QUIT", "STAT", "LIST", "RETR",	"DELE",
    "NOOP", "RSET", "TOP",  "UIDL", "CAPA", "(unknown)"};

static const char *const state_names[P3_NSTATES] = {
    "AUTHORIZATION", "AUTHORIZATION (after USER)", "TRANSACTION", "UPDATE",
    "CLOSED"};

void p3i_log(struct p3_session *s, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (s->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->log(s->log_arg, msg);
}

void p3i_fail(struct p3_session *s, const char *why)
{
	if (s->failed)
		return;
	p3i_log(s, "%s; closing", why);
	s->failed = true;
	s->xfer.active = false;
	p3i_box_release(s, "session failed");
	s->state = P3_CLOSED;
}

/* ---- output ---- */

bool p3i_out_room(struct p3_session *s, size_t n)
{
	if (s->out_pos == s->out_len)
		s->out_pos = s->out_len = 0;
	if (s->out_cap - s->out_len >= n)
		return true;
	if (s->out_pos > 0) {
		memmove(s->out, s->out + s->out_pos, s->out_len - s->out_pos);
		s->out_len -= s->out_pos;
		s->out_pos = 0;
		if (s->out_cap - s->out_len >= n)
			return true;
	}
	size_t cap = s->out_cap ? s->out_cap : 1024;
	while (cap - s->out_len < n)
		cap *= 2;
	uint8_t *p = realloc(s->out, cap);
	if (p == NULL) {
		p3i_fail(s, "out of memory for output");
		return false;
	}
	s->out = p;
	s->out_cap = cap;
	return true;
}

void p3i_out_put(struct p3_session *s, const void *p, size_t n)
{
	if (p3i_out_room(s, n)) {
		memcpy(s->out + s->out_len, p, n);
		s->out_len += n;
	}
}

/* One reply line; CRLF is added. Lines are ours, never over 512. */
void p3i_reply(struct p3_session *s, const char *fmt, ...)
{
	char line[P3_REPLY_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > P3_REPLY_MAX)
		n = P3_REPLY_MAX;
	p3i_out_put(s, line, (size_t)n);
	p3i_out_put(s, "\r\n", 2);
}

/* ---- the state table ---- */

#define STAY(fn, st)                                                           \
	{                                                                      \
		fn, st, st                                                     \
	}
static const struct p3_rule p3_rules[P3_NSTATES][P3_NCMDS] = {
    [P3_AUTH_USER] =
	{
	    [P3_C_USER] = {p3i_do_user, P3_AUTH_PASS, P3_AUTH_USER},
	    [P3_C_QUIT] = STAY(p3i_do_quit_auth, P3_CLOSED),
	    [P3_C_CAPA] = STAY(p3i_do_capa, P3_AUTH_USER),
	},
    [P3_AUTH_PASS] =
	{
	    [P3_C_USER] = {p3i_do_user, P3_AUTH_PASS, P3_AUTH_USER},
	    [P3_C_PASS] = {p3i_do_pass, P3_TRANSACTION, P3_AUTH_USER},
	    [P3_C_QUIT] = STAY(p3i_do_quit_auth, P3_CLOSED),
	    [P3_C_CAPA] = STAY(p3i_do_capa, P3_AUTH_PASS),
	},
    [P3_TRANSACTION] =
	{
	    [P3_C_QUIT] = STAY(p3i_do_quit_update, P3_CLOSED),
	    [P3_C_STAT] = STAY(p3i_do_stat, P3_TRANSACTION),
	    [P3_C_LIST] = STAY(p3i_do_list, P3_TRANSACTION),
	    [P3_C_RETR] = STAY(p3i_do_retr, P3_TRANSACTION),
	    [P3_C_DELE] = STAY(p3i_do_dele, P3_TRANSACTION),
	    [P3_C_NOOP] = STAY(p3i_do_noop, P3_TRANSACTION),
	    [P3_C_RSET] = STAY(p3i_do_rset, P3_TRANSACTION),
	    [P3_C_TOP] = STAY(p3i_do_top, P3_TRANSACTION),
	    [P3_C_UIDL] = STAY(p3i_do_uidl, P3_TRANSACTION),
	    [P3_C_CAPA] = STAY(p3i_do_capa, P3_TRANSACTION),
	},
    /* UPDATE lasts only inside QUIT; nothing is read in CLOSED. */
};
#undef STAY

bool p3_allowed(enum p3_state st, enum p3_cmd cmd)
{
	if ((unsigned)st >= P3_NSTATES || (unsigned)cmd >= P3_NCMDS)
		return false;
	return p3_rules[st][cmd].fn != NULL;
}

enum p3_cmd p3_parse_cmd(const char *line, size_t len)
{
	size_t kw = 0;

	while (kw < len && line[kw] != ' ')
		kw++;
	for (int c = 0; c < P3_C_UNKNOWN; c++) {
		const char *name = cmd_names[c];
		size_t i = 0;
		if (strlen(name) != kw)
			continue;
		while (i < kw && (line[i] & ~0x20) == name[i])
			i++;
		if (i == kw)
			return (enum p3_cmd)c;
	}
	return P3_C_UNKNOWN;
}

/* Arguments of a command line, split in place on spaces. */
static void split_args(char *line, size_t kwlen, struct p3_args *a)
{
	memset(a, 0, sizeof(*a));
	if (line[kwlen] != ' ')
		return;
	strcpy(a->rest, line + kwlen + 1);
	for (char *p = line + kwlen + 1; *p != '\0';) {
		if (*p == ' ') {
			*p++ = '\0';
			continue;
		}
		if (a->n < 3)
			a->v[a->n] = p;
		a->n++;
		while (*p != '\0' && *p != ' ')
			p++;
	}
}

/* Run one command line (printable ASCII, len <= P3_CMD_MAX) from line,
 * a NUL-terminated copy that the arguments are split in. */
static void dispatch(struct p3_session *s, char *line, size_t len)
{
	struct p3_args a;
	enum p3_cmd cmd = p3_parse_cmd(line, len);

	if (cmd == P3_C_UNKNOWN) {
		p3i_reply(s, "-ERR unknown command");
		return;
	}
	const struct p3_rule *r = &p3_rules[s->state][cmd];
	if (r->fn == NULL) {
		p3i_reply(s, "-ERR %s not allowed in %s state", cmd_names[cmd],
			  state_names[s->state == P3_AUTH_PASS ? P3_AUTH_USER
							       : s->state]);
		return;
	}
	split_args(line, strlen(cmd_names[cmd]), &a);
	bool ok = r->fn(s, &a);
	if (!s->failed)
		s->state = ok ? r->ok : r->fail;
	explicit_bzero(&a, sizeof(a));
}

static void run_line(struct p3_session *s, const uint8_t *p, size_t len)
{
	char line[P3_CMD_MAX + 1];

	s->commands++;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] > 0x7e) {
			p3i_reply(s, "-ERR invalid characters in command");
			return;
		}
	}
	memcpy(line, p, len);
	line[len] = '\0';
	dispatch(s, line, len);
	/* A PASS line, however it was answered, must not outlive its run. */
	explicit_bzero(line, sizeof(line));
}

/* ---- the queue of decoded lines ---- */

static void q_push(struct p3_session *s, int kind, const uint8_t *p, size_t n)
{
	if (s->q_pos == s->q_len)
		s->q_pos = s->q_len = 0;
	if (s->q_cap - s->q_len < n + 3) {
		size_t cap = s->q_cap ? s->q_cap : 512;
		while (cap - s->q_len < n + 3)
			cap *= 2;
		uint8_t *q = realloc(s->q, cap);
		if (q == NULL) {
			p3i_fail(s, "out of memory for input");
			return;
		}
		s->q = q;
		s->q_cap = cap;
	}
	s->q[s->q_len] = (uint8_t)kind;
	s->q[s->q_len + 1] = (uint8_t)(n >> 8);
	s->q[s->q_len + 2] = (uint8_t)n;
	if (n > 0)
		memcpy(s->q + s->q_len + 3, p, n);
	s->q_len += n + 3;
}

/* Run queued commands while the output has room and no message is on
 * its way; at EOF with nothing left, end the session. */
static void run_queue(struct p3_session *s)
{
	while (!p3_done(s) && !s->xfer.active && s->q_pos < s->q_len &&
	       p3_pending(s) < P3_OUT_LIMIT) {
		const uint8_t *r = s->q + s->q_pos;
		size_t n = ((size_t)r[1] << 8) | r[2];
		s->q_pos += n + 3;
		if (r[0] == Q_TOOLONG) {
			s->commands++;
			p3i_reply(s, "-ERR line too long");
		} else {
			run_line(s, r + 3, n);
			explicit_bzero(s->q + s->q_pos - n, n);
		}
		if (s->xfer.active)
			p3i_xfer_pump(s);
	}
	if (s->eof && !s->xfer.active && s->q_pos == s->q_len &&
	    s->state != P3_CLOSED) {
		p3i_box_release(s, "connection ended");
		s->state = P3_CLOSED;
	}
}

/* ---- public API ---- */

int p3_init(struct p3_session *s, const struct p3_store *store, p3_log_fn log,
	    void *log_arg)
{
	struct fr_spec spec;

	memset(s, 0, sizeof(*s));
	s->store = store;
	s->log = log;
	s->log_arg = log_arg;
	s->state = P3_AUTH_USER;
	if (fr_spec_parse(&spec, "crlf,max=253", NULL, 0) != FR_OK ||
	    fr_decoder_bufsize(&spec) > sizeof(s->decbuf) ||
	    fr_decoder_init(&s->dec, &spec, s->decbuf, sizeof(s->decbuf)) !=
		FR_OK)
		return -1;
	p3i_reply(s, "+OK fraglab pop3d ready");
	return s->failed ? -1 : 0;
}

void p3_free(struct p3_session *s)
{
	p3i_box_release(s, "session closed");
	fr_decoder_free(&s->dec);
	if (s->q != NULL)
		explicit_bzero(s->q, s->q_cap); /* lines never run: PASS too */
	free(s->q);
	free(s->out);
	free(s->del);
	memset(s, 0, sizeof(*s));
}

void p3_input(struct p3_session *s, const void *data, size_t len)
{
	struct fr_frame f;
	int rc;

	if (p3_done(s) || s->eof || len == 0)
		return;
	if (fr_decoder_feed(&s->dec, data, len) != FR_OK) {
		p3i_fail(s, "line decoder refused input");
		return;
	}
	while (!s->failed &&
	       (rc = fr_decoder_next(&s->dec, &f)) != FR_NEED_MORE) {
		if (rc == FR_FRAME)
			q_push(s, Q_LINE, f.data, f.len);
		else if (rc == FR_EOVERSIZE)
			q_push(s, Q_TOOLONG, NULL, 0);
		else {
			p3i_fail(s, "line decoder failed"); /* crlf can't */
			break;
		}
	}
	run_queue(s);
}

void p3_eof(struct p3_session *s)
{
	s->eof = true;
	run_queue(s);
}

const uint8_t *p3_output(const struct p3_session *s, size_t *len)
{
	*len = s->out_len - s->out_pos;
	return *len ? s->out + s->out_pos : NULL;
}

void p3_consume(struct p3_session *s, size_t n)
{
	size_t have = s->out_len - s->out_pos;

	s->out_pos += n < have ? n : have;
	if (s->out_pos == s->out_len)
		s->out_pos = s->out_len = 0;
	if (s->xfer.active)
		p3i_xfer_pump(s);
	run_queue(s);
}

size_t p3_pending(const struct p3_session *s)
{
	return s->out_len - s->out_pos;
}

bool p3_want_read(const struct p3_session *s)
{
	return !p3_done(s) && !s->eof && !s->xfer.active &&
	       s->q_pos == s->q_len && p3_pending(s) < P3_OUT_LIMIT;
}

bool p3_done(const struct p3_session *s)
{
	return s->state == P3_CLOSED || s->failed;
}

enum p3_state p3_state(const struct p3_session *s)
{
	return s->state;
}

const char *p3_state_name(enum p3_state st)
{
	return (unsigned)st < P3_NSTATES ? state_names[st] : "?";
}

const char *p3_cmd_name(enum p3_cmd c)
{
	return (unsigned)c < P3_NCMDS ? cmd_names[c] : "?";
}
