/* POP3 command handlers, one per command (pop3_int.h): argument checks,
 * the replies RFC 1939 gives, and the mailbox listing they read. Which
 * handler may run in which state is the state table's business. */
#include <stdlib.h>
#include <string.h>

#include "cm_opt.h"
#include "pop3_int.h"

/* ---- the mailbox as listed at login ---- */

struct pop3_msginfo pop3_msg_info(const struct pop3_session *s, size_t i)
{
	struct pop3_msginfo mi = {0, ""};

	s->store->info(s->box, i, &mi);
	return mi;
}

void pop3_box_totals(const struct pop3_session *s, size_t *n, uint64_t *oct)
{
	*n = 0;
	*oct = 0;
	for (size_t i = 0; i < s->nmsg; i++) {
		if (s->del[i])
			continue;
		(*n)++;
		*oct += pop3_msg_info(s, i).size;
	}
}

/* Leave TRANSACTION without UPDATE: the lock goes, nothing is removed. */
void pop3_box_release(struct pop3_session *s, const char *why)
{
	size_t marked = 0;

	if (s->box == NULL)
		return;
	for (size_t i = 0; i < s->nmsg; i++)
		marked += s->del[i];
	pop3_slog(s,
		  "user '%s': %s before QUIT; no message deleted (%zu marked)",
		  s->user, why, marked);
	s->store->close(s->box);
	s->box = NULL;
	free(s->del);
	s->del = NULL;
	s->nmsg = 0;
}

/* ---- arguments ---- */

/* Decimal digits only, at most 19 of them: no sign, no space. */
static bool parse_num(const char *t, uint64_t *v)
{
	return strlen(t) <= 19 &&
	       cm_opt_uint("argument", t, 0, UINT64_MAX, v, NULL, 0) == 0;
}

static bool want_args(struct pop3_session *s, const struct pop3_args *a,
		      size_t min, size_t max)
{
	if (a->n < min) {
		pop3_reply(s, "-ERR missing argument");
		return false;
	}
	if (a->n > max) {
		pop3_reply(s, "-ERR too many arguments");
		return false;
	}
	return true;
}

/* A message number that names a message not marked deleted. */
static bool msg_arg(struct pop3_session *s, const char *t, size_t *idx)
{
	uint64_t v;

	if (!parse_num(t, &v)) {
		pop3_reply(s, "-ERR invalid message number");
		return false;
	}
	if (v == 0 || v > s->nmsg) {
		pop3_reply(s, "-ERR no such message");
		return false;
	}
	if (s->del[v - 1]) {
		pop3_reply(s, "-ERR message %llu already deleted",
			   (unsigned long long)v);
		return false;
	}
	*idx = (size_t)(v - 1);
	return true;
}

/* ---- handlers: one per (command, state family) ---- */

bool pop3_do_user(struct pop3_session *s, const struct pop3_args *a)
{
	if (!want_args(s, a, 1, 1))
		return false;
	if (strlen(a->v[0]) > POP3_NAME_MAX) {
		pop3_reply(s, "-ERR user name too long");
		return false;
	}
	strcpy(s->user, a->v[0]);
	pop3_reply(s, "+OK send PASS");
	return true;
}

bool pop3_do_pass(struct pop3_session *s, const struct pop3_args *a)
{
	/* RFC 1939: PASS has one argument, spaces included. */
	if (a->rest[0] == '\0') {
		pop3_reply(s, "-ERR missing argument");
		return false;
	}
	int rc = s->store->open(s->store->ctx, s->user, a->rest, &s->box);
	if (rc == POP3_ELOCKED) {
		pop3_slog(s, "user '%s': mailbox in use", s->user);
		pop3_reply(s, "-ERR [IN-USE] mailbox already locked");
		return false;
	}
	if (rc == POP3_EIO) {
		pop3_slog(s, "user '%s': mailbox unavailable", s->user);
		pop3_reply(s, "-ERR [SYS/TEMP] mailbox unavailable");
		return false;
	}
	if (rc != POP3_OK) {
		size_t before = pop3_pending(s);
		pop3_slog(s, "login failed for user '%s'", s->user);
		pop3_reply(s, "-ERR [AUTH] invalid user name or password");
		pop3_login_failed(s, before);
		return false;
	}
	s->nmsg = s->store->count(s->box);
	s->del = calloc(s->nmsg ? s->nmsg : 1, sizeof(*s->del));
	if (s->del == NULL) {
		s->store->close(s->box);
		s->box = NULL;
		s->nmsg = 0;
		pop3_reply(s, "-ERR [SYS/TEMP] out of memory");
		return false;
	}
	size_t n;
	uint64_t oct;
	pop3_box_totals(s, &n, &oct);
	pop3_slog(s, "user '%s' logged in, %zu messages", s->user, n);
	pop3_reply(s, "+OK %zu messages (%llu octets)", n,
		   (unsigned long long)oct);
	return true;
}

bool pop3_do_quit_auth(struct pop3_session *s, const struct pop3_args *a)
{
	(void)a;
	pop3_reply(s, "+OK bye");
	return true;
}

/* QUIT in TRANSACTION: UPDATE removes the marked messages, then CLOSED. */
bool pop3_do_quit_update(struct pop3_session *s, const struct pop3_args *a)
{
	size_t kept, marked;
	uint64_t oct;

	(void)a;
	s->state = POP3_UPDATE;
	/* Count before commit: a store may renumber or free its listing. */
	pop3_box_totals(s, &kept, &oct);
	marked = s->nmsg - kept;
	size_t failed = marked ? s->store->commit(s->box, s->del) : 0;
	size_t n = kept + failed;
	s->store->close(s->box);
	s->box = NULL;
	pop3_slog(s, "user '%s' quit: %zu deleted, %zu failed, %zu left",
		  s->user, marked - failed, failed, n);
	if (failed > 0) {
		pop3_reply(s, "-ERR %zu deleted messages not removed", failed);
		return false;
	}
	pop3_reply(s, "+OK bye, %zu messages left", n);
	return true;
}

bool pop3_do_stat(struct pop3_session *s, const struct pop3_args *a)
{
	size_t n;
	uint64_t oct;

	if (!want_args(s, a, 0, 0))
		return false;
	pop3_box_totals(s, &n, &oct);
	pop3_reply(s, "+OK %zu %llu", n, (unsigned long long)oct);
	return true;
}

bool pop3_do_list(struct pop3_session *s, const struct pop3_args *a)
{
	size_t idx, n;
	uint64_t oct;

	if (!want_args(s, a, 0, 1))
		return false;
	if (a->n == 1) {
		if (!msg_arg(s, a->v[0], &idx))
			return false;
		pop3_reply(s, "+OK %zu %llu", idx + 1,
			   (unsigned long long)pop3_msg_info(s, idx).size);
		return true;
	}
	pop3_box_totals(s, &n, &oct);
	pop3_reply(s, "+OK %zu messages (%llu octets)", n,
		   (unsigned long long)oct);
	for (size_t i = 0; i < s->nmsg; i++)
		if (!s->del[i])
			pop3_reply(
			    s, "%zu %llu", i + 1,
			    (unsigned long long)pop3_msg_info(s, i).size);
	pop3_reply(s, ".");
	return true;
}

bool pop3_do_retr(struct pop3_session *s, const struct pop3_args *a)
{
	size_t idx;

	if (!want_args(s, a, 1, 1) || !msg_arg(s, a->v[0], &idx))
		return false;
	return pop3_xfer_start(s, idx, false, 0, "+OK %llu octets");
}

bool pop3_do_top(struct pop3_session *s, const struct pop3_args *a)
{
	size_t idx;
	uint64_t lines;

	if (!want_args(s, a, 2, 2) || !msg_arg(s, a->v[0], &idx))
		return false;
	if (!parse_num(a->v[1], &lines)) {
		pop3_reply(s, "-ERR invalid line count");
		return false;
	}
	return pop3_xfer_start(s, idx, true, lines,
			       "+OK top of message follows");
}

bool pop3_do_dele(struct pop3_session *s, const struct pop3_args *a)
{
	size_t idx;

	if (!want_args(s, a, 1, 1) || !msg_arg(s, a->v[0], &idx))
		return false;
	s->del[idx] = true;
	pop3_reply(s, "+OK message %zu deleted", idx + 1);
	return true;
}

bool pop3_do_noop(struct pop3_session *s, const struct pop3_args *a)
{
	if (!want_args(s, a, 0, 0))
		return false;
	pop3_reply(s, "+OK");
	return true;
}

bool pop3_do_rset(struct pop3_session *s, const struct pop3_args *a)
{
	size_t n;
	uint64_t oct;

	if (!want_args(s, a, 0, 0))
		return false;
	memset(s->del, 0, s->nmsg * sizeof(*s->del));
	pop3_box_totals(s, &n, &oct);
	pop3_reply(s, "+OK %zu messages (%llu octets)", n,
		   (unsigned long long)oct);
	return true;
}

bool pop3_do_uidl(struct pop3_session *s, const struct pop3_args *a)
{
	size_t idx;

	if (!want_args(s, a, 0, 1))
		return false;
	if (a->n == 1) {
		if (!msg_arg(s, a->v[0], &idx))
			return false;
		pop3_reply(s, "+OK %zu %s", idx + 1, pop3_msg_info(s, idx).uid);
		return true;
	}
	pop3_reply(s, "+OK unique-id listing follows");
	for (size_t i = 0; i < s->nmsg; i++)
		if (!s->del[i])
			pop3_reply(s, "%zu %s", i + 1, pop3_msg_info(s, i).uid);
	pop3_reply(s, ".");
	return true;
}

bool pop3_do_capa(struct pop3_session *s, const struct pop3_args *a)
{
	static const char *const caps[] = {"USER",
					   "TOP",
					   "UIDL",
					   "PIPELINING",
					   "RESP-CODES",
					   "AUTH-RESP-CODE",
					   "IMPLEMENTATION fraglab-pop3d",
					   "."};

	if (!want_args(s, a, 0, 0))
		return false;
	pop3_reply(s, "+OK capability list follows");
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		pop3_reply(s, "%s", caps[i]);
	return true;
}
