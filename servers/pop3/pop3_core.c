/* Sans-I/O POP3 core: command lines come off libframing's crlf decoder,
 * the state table (pop3_rules) says which handler runs in which state and
 * which state follows its +OK or -ERR, and replies are queued for the I/O
 * loop. Handlers are in pop3_cmds.c, message streaming in pop3_xfer.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pop3_int.h"

enum { Q_LINE = 1, Q_TOOLONG = 2 };

typedef bool (*pop3_handler)(struct pop3_session *s, const struct pop3_args *a);

struct pop3_rule {
	pop3_handler fn;	  /* NULL: not allowed in this state */
	enum pop3_state ok, fail; /* state after +OK / after -ERR */
};

static const char *const cmd_names[POP3_NCMDS] = {
    "USER", "PASS", "QUIT", "STAT", "LIST", "RETR",	"DELE",
    "NOOP", "RSET", "TOP",  "UIDL", "CAPA", "(unknown)"};

static const char *const state_names[POP3_NSTATES] = {
    "AUTHORIZATION", "AUTHORIZATION (after USER)", "TRANSACTION", "UPDATE",
    "CLOSED"};

void pop3_slog(struct pop3_session *s, const char *fmt, ...)
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

void pop3_fail(struct pop3_session *s, const char *why)
{
	if (s->failed)
		return;
	pop3_slog(s, "%s; closing", why);
	s->failed = true;
	s->xfer.active = false;
	pop3_box_release(s, "session failed");
	s->state = POP3_CLOSED;
}

/* ---- output ---- */

bool pop3_out_room(struct pop3_session *s, size_t n)
{
	if (cm_buf_reserve(&s->out, n) == 0)
		return true;
	pop3_fail(s, "out of memory for output");
	return false;
}

void pop3_out_put(struct pop3_session *s, const void *p, size_t n)
{
	if (pop3_out_room(s, n)) {
		memcpy(cm_buf_tail(&s->out), p, n);
		cm_buf_commit(&s->out, n);
	}
}

/* One reply line; CRLF is added. Lines are ours, never over 512. */
void pop3_reply(struct pop3_session *s, const char *fmt, ...)
{
	char line[POP3_REPLY_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > POP3_REPLY_MAX)
		n = POP3_REPLY_MAX;
	pop3_out_put(s, line, (size_t)n);
	pop3_out_put(s, "\r\n", 2);
}

/* ---- the state table ---- */

#define STAY(fn, st)                                                           \
	{                                                                      \
		fn, st, st                                                     \
	}
static const struct pop3_rule pop3_rules[POP3_NSTATES][POP3_NCMDS] = {
    [POP3_AUTH_USER] =
	{
	    [POP3_C_USER] = {pop3_do_user, POP3_AUTH_PASS, POP3_AUTH_USER},
	    [POP3_C_QUIT] = STAY(pop3_do_quit_auth, POP3_CLOSED),
	    [POP3_C_CAPA] = STAY(pop3_do_capa, POP3_AUTH_USER),
	},
    [POP3_AUTH_PASS] =
	{
	    [POP3_C_USER] = {pop3_do_user, POP3_AUTH_PASS, POP3_AUTH_USER},
	    [POP3_C_PASS] = {pop3_do_pass, POP3_TRANSACTION, POP3_AUTH_USER},
	    [POP3_C_QUIT] = STAY(pop3_do_quit_auth, POP3_CLOSED),
	    [POP3_C_CAPA] = STAY(pop3_do_capa, POP3_AUTH_PASS),
	},
    [POP3_TRANSACTION] =
	{
	    [POP3_C_QUIT] = STAY(pop3_do_quit_update, POP3_CLOSED),
	    [POP3_C_STAT] = STAY(pop3_do_stat, POP3_TRANSACTION),
	    [POP3_C_LIST] = STAY(pop3_do_list, POP3_TRANSACTION),
	    [POP3_C_RETR] = STAY(pop3_do_retr, POP3_TRANSACTION),
	    [POP3_C_DELE] = STAY(pop3_do_dele, POP3_TRANSACTION),
	    [POP3_C_NOOP] = STAY(pop3_do_noop, POP3_TRANSACTION),
	    [POP3_C_RSET] = STAY(pop3_do_rset, POP3_TRANSACTION),
	    [POP3_C_TOP] = STAY(pop3_do_top, POP3_TRANSACTION),
	    [POP3_C_UIDL] = STAY(pop3_do_uidl, POP3_TRANSACTION),
	    [POP3_C_CAPA] = STAY(pop3_do_capa, POP3_TRANSACTION),
	},
    /* UPDATE lasts only inside QUIT; nothing is read in CLOSED. */
};
#undef STAY

bool pop3_allowed(enum pop3_state st, enum pop3_cmd cmd)
{
	if ((unsigned)st >= POP3_NSTATES || (unsigned)cmd >= POP3_NCMDS)
		return false;
	return pop3_rules[st][cmd].fn != NULL;
}

enum pop3_cmd pop3_parse_cmd(const char *line, size_t len)
{
	size_t kw = 0;

	while (kw < len && line[kw] != ' ')
		kw++;
	for (int c = 0; c < POP3_C_UNKNOWN; c++) {
		const char *name = cmd_names[c];
		size_t i = 0;
		if (strlen(name) != kw)
			continue;
		while (i < kw && (line[i] & ~0x20) == name[i])
			i++;
		if (i == kw)
			return (enum pop3_cmd)c;
	}
	return POP3_C_UNKNOWN;
}

/* Arguments of a command line, split in place on spaces. */
static void split_args(char *line, size_t kwlen, struct pop3_args *a)
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

/* Run one command line (printable ASCII, len <= POP3_CMD_MAX) from line,
 * a NUL-terminated copy that the arguments are split in. */
static void dispatch(struct pop3_session *s, char *line, size_t len)
{
	struct pop3_args a;
	enum pop3_cmd cmd = pop3_parse_cmd(line, len);

	if (cmd == POP3_C_UNKNOWN) {
		pop3_reply(s, "-ERR unknown command");
		return;
	}
	const struct pop3_rule *r = &pop3_rules[s->state][cmd];
	if (r->fn == NULL) {
		pop3_reply(
		    s, "-ERR %s not allowed in %s state", cmd_names[cmd],
		    state_names[s->state == POP3_AUTH_PASS ? POP3_AUTH_USER
							   : s->state]);
		return;
	}
	split_args(line, strlen(cmd_names[cmd]), &a);
	bool ok = r->fn(s, &a);
	if (!s->failed)
		s->state = ok ? r->ok : r->fail;
	if (s->bye)
		s->state = POP3_CLOSED;
	explicit_bzero(&a, sizeof(a));
}

static void run_line(struct pop3_session *s, const uint8_t *p, size_t len)
{
	char line[POP3_CMD_MAX + 1];

	s->commands++;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] > 0x7e) {
			pop3_reply(s, "-ERR invalid characters in command");
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

static void q_push(struct pop3_session *s, int kind, const uint8_t *p, size_t n)
{
	uint8_t hdr[3] = {(uint8_t)kind, (uint8_t)(n >> 8), (uint8_t)n};

	if (cm_buf_reserve(&s->q, n + 3) != 0) {
		pop3_fail(s, "out of memory for input");
		return;
	}
	cm_buf_append(&s->q, hdr, 3); /* room is reserved: cannot fail */
	cm_buf_append(&s->q, p, n);
}

/* Run queued commands while the output has room and no message is on
 * its way; at EOF with nothing left, end the session. */
static void run_queue(struct pop3_session *s)
{
	while (!pop3_done(s) && !s->xfer.active && s->hold_ms == 0 &&
	       cm_buf_len(&s->q) > 0 && pop3_pending(s) < POP3_OUT_LIMIT) {
		/* the record stays in place until the next push */
		uint8_t *r = s->q.p + s->q.head;
		size_t n = ((size_t)r[1] << 8) | r[2];
		cm_buf_consume(&s->q, n + 3);
		if (r[0] == Q_TOOLONG) {
			s->commands++;
			pop3_reply(s, "-ERR line too long");
		} else {
			run_line(s, r + 3, n);
			explicit_bzero(r + 3, n);
		}
		if (s->xfer.active)
			pop3_xfer_pump(s);
	}
	if (s->eof && !s->xfer.active && s->hold_ms == 0 &&
	    cm_buf_len(&s->q) == 0 && s->state != POP3_CLOSED) {
		pop3_box_release(s, "connection ended");
		s->state = POP3_CLOSED;
	}
}

/* ---- public API ---- */

int pop3_init(struct pop3_session *s, const struct pop3_store *store,
	      pop3_log_fn log, void *log_arg)
{
	struct fr_spec spec;

	memset(s, 0, sizeof(*s));
	s->store = store;
	s->log = log;
	s->log_arg = log_arg;
	s->state = POP3_AUTH_USER;
	if (fr_spec_parse(&spec, "crlf,max=253", NULL, 0) != FR_OK ||
	    fr_decoder_bufsize(&spec) > sizeof(s->decbuf) ||
	    fr_decoder_init(&s->dec, &spec, s->decbuf, sizeof(s->decbuf)) !=
		FR_OK)
		return -1;
	pop3_reply(s, "+OK fraglab pop3d ready");
	return s->failed ? -1 : 0;
}

void pop3_free(struct pop3_session *s)
{
	pop3_box_release(s, "session closed");
	fr_decoder_free(&s->dec);
	if (s->q.p != NULL)
		explicit_bzero(s->q.p,
			       s->q.cap); /* lines never run: PASS too */
	cm_buf_free(&s->q);
	cm_buf_free(&s->out);
	free(s->del);
	memset(s, 0, sizeof(*s));
}

void pop3_input(struct pop3_session *s, const void *data, size_t len)
{
	struct fr_frame f;
	int rc;

	if (pop3_done(s) || s->eof || len == 0)
		return;
	if (fr_decoder_feed(&s->dec, data, len) != FR_OK) {
		pop3_fail(s, "line decoder refused input");
		return;
	}
	while (!s->failed &&
	       (rc = fr_decoder_next(&s->dec, &f)) != FR_NEED_MORE) {
		if (rc == FR_FRAME)
			q_push(s, Q_LINE, f.data, f.len);
		else if (rc == FR_EOVERSIZE)
			q_push(s, Q_TOOLONG, NULL, 0);
		else {
			pop3_fail(s, "line decoder failed"); /* crlf can't */
			break;
		}
	}
	run_queue(s);
}

void pop3_eof(struct pop3_session *s)
{
	s->eof = true;
	run_queue(s);
}

void pop3_set_login_limits(struct pop3_session *s, uint32_t delay_ms,
			   unsigned max_fails)
{
	s->login_delay_ms = delay_ms;
	s->login_max = max_fails;
}

/* A failed PASS (pop3_cmds.c): count it, then hold or close. */
void pop3_login_failed(struct pop3_session *s, size_t before)
{
	s->login_fails++;
	if (s->login_max && s->login_fails >= s->login_max) {
		pop3_slog(s, "%u failed logins; closing", s->login_fails);
		s->bye = true;
		return;
	}
	uint64_t d = s->login_delay_ms;
	unsigned shift = s->login_fails - 1;
	d = shift >= 8 ? d * POP3_DELAY_CAP : d << shift;
	if (d > (uint64_t)s->login_delay_ms * POP3_DELAY_CAP)
		d = (uint64_t)s->login_delay_ms * POP3_DELAY_CAP;
	s->hold_ms = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
	s->hold_off = before;
}

uint32_t pop3_hold_ms(const struct pop3_session *s)
{
	return pop3_done(s) ? 0 : s->hold_ms;
}

void pop3_release(struct pop3_session *s)
{
	s->hold_ms = 0;
	s->hold_off = 0;
	run_queue(s);
}

const uint8_t *pop3_output(const struct pop3_session *s, size_t *len)
{
	*len = cm_buf_len(&s->out);
	if (s->hold_ms && !pop3_done(s) && *len > s->hold_off)
		*len = s->hold_off;
	return *len ? cm_buf_data(&s->out) : NULL;
}

void pop3_consume(struct pop3_session *s, size_t n)
{
	size_t have = cm_buf_len(&s->out);

	cm_buf_consume(&s->out, n < have ? n : have);
	s->hold_off -= n < s->hold_off ? n : s->hold_off;
	if (s->xfer.active)
		pop3_xfer_pump(s);
	run_queue(s);
}

size_t pop3_pending(const struct pop3_session *s)
{
	return cm_buf_len(&s->out);
}

bool pop3_want_read(const struct pop3_session *s)
{
	return !pop3_done(s) && !s->eof && !s->xfer.active && !s->hold_ms &&
	       cm_buf_len(&s->q) == 0 && pop3_pending(s) < POP3_OUT_LIMIT;
}

bool pop3_done(const struct pop3_session *s)
{
	return s->state == POP3_CLOSED || s->failed;
}

enum pop3_state pop3_state(const struct pop3_session *s)
{
	return s->state;
}

const char *pop3_state_name(enum pop3_state st)
{
	return (unsigned)st < POP3_NSTATES ? state_names[st] : "?";
}

const char *pop3_cmd_name(enum pop3_cmd c)
{
	return (unsigned)c < POP3_NCMDS ? cmd_names[c] : "?";
}
