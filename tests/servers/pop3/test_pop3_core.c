/* Criterion suite for the sans-I/O POP3 core (servers/pop3/pop3_core.c,
 * pop3_cmds.c): the state table (every state x every command), a session
 * byte for byte and under every split, deletion only in UPDATE, the
 * mailbox lock, and bad input. Message streaming: test_pop3_xfer.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_pop3_util.h"

/* ---- the state table ---- */

/* What RFC 1939 says each command does in each open state: +OK (1),
 * -ERR (0), and the state after it. Written out by hand, apart from the
 * core's own table, so a change to either shows. */
struct cell {
	int ok;
	enum pop3_state next;
};

static const char *const cmd_lines[POP3_NCMDS] = {
    [POP3_C_USER] = "USER alice",
    [POP3_C_PASS] = "PASS s3cret pass",
    [POP3_C_QUIT] = "QUIT",
    [POP3_C_STAT] = "STAT",
    [POP3_C_LIST] = "LIST",
    [POP3_C_RETR] = "RETR 1",
    [POP3_C_DELE] = "DELE 1",
    [POP3_C_NOOP] = "NOOP",
    [POP3_C_RSET] = "RSET",
    [POP3_C_TOP] = "TOP 1 0",
    [POP3_C_UIDL] = "UIDL",
    [POP3_C_CAPA] = "CAPA",
    [POP3_C_UNKNOWN] = "APOP alice 0123456789abcdef0123456789abcdef"};

#define A POP3_AUTH_USER
#define B POP3_AUTH_PASS
#define T POP3_TRANSACTION
#define C POP3_CLOSED
static const struct cell expect[3][POP3_NCMDS] = {
    /* USER      PASS    QUIT    STAT    LIST    RETR    DELE    NOOP
       RSET      TOP     UIDL    CAPA    unknown */
    [A] = {{1, B},
	   {0, A},
	   {1, C},
	   {0, A},
	   {0, A},
	   {0, A},
	   {0, A},
	   {0, A},
	   {0, A},
	   {0, A},
	   {0, A},
	   {1, A},
	   {0, A}},
    [B] = {{1, B},
	   {1, T},
	   {1, C},
	   {0, B},
	   {0, B},
	   {0, B},
	   {0, B},
	   {0, B},
	   {0, B},
	   {0, B},
	   {0, B},
	   {1, B},
	   {0, B}},
    [T] = {{0, T},
	   {0, T},
	   {1, C},
	   {1, T},
	   {1, T},
	   {1, T},
	   {1, T},
	   {1, T},
	   {1, T},
	   {1, T},
	   {1, T},
	   {1, T},
	   {0, T}},
};
#undef A
#undef B
#undef T
#undef C

static void reach(struct drv *d, enum pop3_state st)
{
	if (st >= POP3_AUTH_PASS)
		say(d, "USER alice\r\n");
	if (st >= POP3_TRANSACTION)
		say(d, "PASS s3cret pass\r\n");
	cr_assert_eq(pop3_state(&d->s), st);
}

Test(pop3_table, every_state_times_every_command)
{
	for (int st = POP3_AUTH_USER; st <= POP3_TRANSACTION; st++) {
		for (int c = 0; c < POP3_NCMDS; c++) {
			struct drv d;
			char line[128];
			drv_setup(&d);
			add_two(&d);
			reach(&d, (enum pop3_state)st);
			snprintf(line, sizeof(line), "%s\r\n", cmd_lines[c]);
			const char *r = say(&d, line);
			const struct cell *e = &expect[st][c];
			cr_assert(strncmp(r, e->ok ? "+OK" : "-ERR",
					  e->ok ? 3 : 4) == 0,
				  "%s in %s: got %s", pop3_cmd_name(c),
				  pop3_state_name(st), r);
			cr_assert_eq(pop3_state(&d.s), e->next,
				     "%s in %s: state %s, want %s",
				     pop3_cmd_name(c), pop3_state_name(st),
				     pop3_state_name(pop3_state(&d.s)),
				     pop3_state_name(e->next));
			/* every line above is valid: allowed <=> +OK */
			cr_assert_eq(pop3_allowed(st, c), e->ok,
				     "pop3_allowed(%s, %s)",
				     pop3_state_name(st), pop3_cmd_name(c));
			drv_free(&d);
		}
	}
}

Test(pop3_table, closed_state_ignores_everything)
{
	struct drv d;

	drv_setup(&d);
	add_two(&d);
	login(&d);
	cr_assert_str_eq(say(&d, "QUIT\r\n"), "+OK bye, 2 messages left\r\n");
	cr_assert(pop3_done(&d.s));
	for (int c = 0; c < POP3_NCMDS; c++) {
		char line[128];
		snprintf(line, sizeof(line), "%s\r\n", cmd_lines[c]);
		cr_assert_str_eq(say(&d, line), "", "%s after QUIT",
				 pop3_cmd_name(c));
		cr_assert_eq(pop3_state(&d.s), POP3_CLOSED);
		cr_assert(!pop3_allowed(POP3_CLOSED, c));
		cr_assert(!pop3_allowed(POP3_UPDATE, c));
	}
	cr_assert(!pop3_want_read(&d.s));
	drv_free(&d);
}

Test(pop3_table, keywords_are_case_insensitive)
{
	cr_assert_eq(pop3_parse_cmd("user x", 6), POP3_C_USER);
	cr_assert_eq(pop3_parse_cmd("sTaT", 4), POP3_C_STAT);
	cr_assert_eq(pop3_parse_cmd("top 1 2", 7), POP3_C_TOP);
	cr_assert_eq(pop3_parse_cmd("STATS", 5), POP3_C_UNKNOWN);
	cr_assert_eq(pop3_parse_cmd("STA", 3), POP3_C_UNKNOWN);
	cr_assert_eq(pop3_parse_cmd("", 0), POP3_C_UNKNOWN);
	cr_assert_eq(pop3_parse_cmd(" STAT", 5), POP3_C_UNKNOWN);
}

/* ---- a whole session, byte for byte ---- */

static const char session_in[] =
    "CAPA\r\nUSER alice\r\nPASS s3cret pass\r\nSTAT\r\nLIST\r\nLIST 2\r\n"
    "UIDL\r\nUIDL 1\r\nRETR 1\r\nRETR 2\r\nTOP 2 1\r\nDELE 1\r\n"
    "LIST 1\r\nSTAT\r\nRSET\r\nDELE 2\r\nNOOP\r\nQUIT\r\n";

/* msg2 on the wire: LF -> CRLF, ".\n" stuffed, CRLF added after "last".
 * 12+2 + 4+2 + 2 + 6+2 + 6+2 + 1+2 + 4+2 = 47 octets. */
static const char session_out[] =
    "+OK capability list follows\r\nUSER\r\nTOP\r\nUIDL\r\nPIPELINING\r\n"
    "RESP-CODES\r\nAUTH-RESP-CODE\r\nIMPLEMENTATION fraglab-pop3d\r\n.\r\n"
    "+OK send PASS\r\n"
    "+OK 2 messages (81 octets)\r\n"
    "+OK 2 81\r\n"
    "+OK 2 messages (81 octets)\r\n1 34\r\n2 47\r\n.\r\n"
    "+OK 2 47\r\n"
    "+OK unique-id listing follows\r\n1 uid-1\r\n2 uid-2\r\n.\r\n"
    "+OK 1 uid-1\r\n"
    "+OK 34 octets\r\nSubject: one\r\n\r\nhello\r\n..dot line\r\n.\r\n"
    "+OK 47 octets\r\nSubject: two\r\nX: y\r\n\r\nbody 1\r\nbody 2\r\n"
    "..\r\nlast\r\n.\r\n"
    "+OK top of message follows\r\nSubject: two\r\nX: y\r\n\r\nbody 1\r\n"
    ".\r\n"
    "+OK message 1 deleted\r\n"
    "-ERR message 1 already deleted\r\n"
    "+OK 1 47\r\n"
    "+OK 2 messages (81 octets)\r\n"
    "+OK message 2 deleted\r\n"
    "+OK\r\n"
    "+OK bye, 1 messages left\r\n";

Test(pop3_session, whole_session_byte_for_byte)
{
	struct drv d;

	drv_setup(&d);
	add_two(&d);
	cr_assert_str_eq(d.out, "+OK fraglab pop3d ready\r\n");
	cr_assert_str_eq(say(&d, session_in), session_out);
	cr_assert_eq(pop3_state(&d.s), POP3_CLOSED);
	/* UPDATE removed exactly message 2 */
	cr_assert_eq(d.m.n, 1);
	cr_assert_str_eq(d.m.msg[0].uid, "uid-1");
	cr_assert(!d.m.locked);
	drv_free(&d);
}

Test(pop3_session, replies_do_not_depend_on_how_input_was_split)
{
	for (size_t chunk = 1; chunk <= 9; chunk++) {
		struct drv d;
		drv_setup(&d);
		add_two(&d);
		cr_assert_str_eq(say_chunked(&d, session_in, chunk),
				 session_out, "chunk %zu", chunk);
		drv_free(&d);
	}
}

/* ---- UPDATE, and only UPDATE, deletes ---- */

Test(pop3_update, eof_before_quit_deletes_nothing)
{
	struct drv d;

	drv_setup(&d);
	add_two(&d);
	login(&d);
	cr_assert_str_eq(say(&d, "DELE 1\r\nDELE 2\r\n"),
			 "+OK message 1 deleted\r\n+OK message 2 deleted\r\n");
	pop3_eof(&d.s);
	cr_assert(pop3_done(&d.s));
	cr_assert_eq(d.m.commits, 0);
	cr_assert_eq(d.m.n, 2);
	cr_assert(!d.m.locked, "the lock goes with the session");
	cr_assert(strstr(d.log, "no message deleted (2 marked)") != NULL, "%s",
		  d.log);
	drv_free(&d);
}

Test(pop3_update, free_in_transaction_deletes_nothing)
{
	struct drv d;

	drv_setup(&d);
	add_two(&d);
	login(&d);
	say(&d, "DELE 2\r\n");
	drv_free(&d);
	cr_assert_eq(d.m.commits, 0);
	cr_assert_eq(d.m.n, 2);
	cr_assert(!d.m.locked);
}

Test(pop3_update, rset_unmarks)
{
	struct drv d;

	drv_setup(&d);
	add_two(&d);
	login(&d);
	say(&d, "DELE 1\r\nRSET\r\n");
	cr_assert_str_eq(say(&d, "QUIT\r\n"), "+OK bye, 2 messages left\r\n");
	cr_assert_eq(d.m.n, 2);
	drv_free(&d);
}

Test(pop3_update, quit_after_eof_still_runs)
{
	/* A scripted client sends everything, QUIT included, then shuts
	 * its side: the queued commands still run. */
	struct drv d;

	drv_setup(&d);
	add_two(&d);
	static const char in[] =
	    "USER alice\r\nPASS s3cret pass\r\nDELE 1\r\nQUIT\r\n";
	pop3_input(&d.s, in, strlen(in));
	pop3_eof(&d.s);
	drain(&d);
	cr_assert(strstr(d.out, "+OK bye, 1 messages left\r\n") != NULL, "%s",
		  d.out);
	cr_assert_eq(d.m.n, 1);
	drv_free(&d);
}

Test(pop3_update, failed_removal_is_reported)
{
	struct drv d;

	drv_setup(&d);
	add_two(&d);
	d.m.fail_commit = 1;
	login(&d);
	say(&d, "DELE 1\r\nDELE 2\r\n");
	cr_assert_str_eq(say(&d, "QUIT\r\n"),
			 "-ERR 1 deleted messages not removed\r\n");
	cr_assert_eq(pop3_state(&d.s), POP3_CLOSED);
	cr_assert_eq(d.m.n, 1);
	/* counted before the store renumbered: the one not removed is left */
	cr_assert(strstr(d.log, "1 deleted, 1 failed, 1 left") != NULL, "%s",
		  d.log);
	drv_free(&d);
}

Test(pop3_update, second_login_is_refused_while_locked)
{
	struct drv a, b;

	drv_setup(&a);
	add_two(&a);
	login(&a);
	memset(&b, 0, sizeof(b));
	b.st = pop3_mem_store(&a.m); /* same mailbox */
	cr_assert_eq(pop3_init(&b.s, &b.st, drv_log, &b), 0);
	drain(&b);
	say(&b, "USER alice\r\n");
	cr_assert_str_eq(say(&b, "PASS s3cret pass\r\n"),
			 "-ERR [IN-USE] mailbox already locked\r\n");
	cr_assert_eq(pop3_state(&b.s), POP3_AUTH_USER);
	cr_assert_str_eq(say(&a, "STAT\r\n"), "+OK 2 81\r\n");
	say(&a, "QUIT\r\n");
	say(&b, "USER alice\r\n");
	cr_assert(strncmp(say(&b, "PASS s3cret pass\r\n"), "+OK", 3) == 0);
	pop3_free(&b.s);
	free(b.out);
	drv_free(&a);
}

/* ---- bad input ---- */

Test(pop3_bad, wrong_password_and_logs_never_hold_it)
{
	struct drv d;

	drv_setup(&d);
	say(&d, "USER alice\r\n");
	cr_assert_str_eq(say(&d, "PASS wrong horse\r\n"),
			 "-ERR [AUTH] invalid user name or password\r\n");
	cr_assert_eq(pop3_state(&d.s), POP3_AUTH_USER);
	say(&d, "USER bob\r\n");
	cr_assert_str_eq(say(&d, "PASS s3cret pass\r\n"),
			 "-ERR [AUTH] invalid user name or password\r\n");
	login(&d);
	cr_assert(strstr(d.log, "login failed for user 'alice'") != NULL);
	cr_assert(strstr(d.log, "wrong horse") == NULL, "%s", d.log);
	cr_assert(strstr(d.log, "s3cret") == NULL, "%s", d.log);
	drv_free(&d);
}

Test(pop3_bad, password_bytes_do_not_stay_in_session_memory)
{
	struct drv d;

	drv_setup(&d);
	/* refused (PASS before USER), then accepted */
	cr_assert(strncmp(say(&d, "PASS hunter22\r\n"), "-ERR", 4) == 0);
	say(&d, "USER alice\r\nPASS s3cret pass\r\n");
	cr_assert_eq(pop3_state(&d.s), POP3_TRANSACTION);
	cr_assert_not_null(d.s.q.p);
	cr_assert_null(memmem(d.s.q.p, d.s.q.cap, "hunter22", 8));
	cr_assert_null(memmem(d.s.q.p, d.s.q.cap, "s3cret", 6));
	drv_free(&d);
}

Test(pop3_bad, arguments_are_checked)
{
	static const char *const cases[][2] = {
	    {"RETR\r\n", "-ERR missing argument\r\n"},
	    {"RETR 1 2\r\n", "-ERR too many arguments\r\n"},
	    {"RETR x\r\n", "-ERR invalid message number\r\n"},
	    {"RETR -1\r\n", "-ERR invalid message number\r\n"},
	    {"RETR +1\r\n", "-ERR invalid message number\r\n"},
	    {"RETR 1x\r\n", "-ERR invalid message number\r\n"},
	    {"RETR 0\r\n", "-ERR no such message\r\n"},
	    {"RETR 3\r\n", "-ERR no such message\r\n"},
	    {"RETR 99999999999999999999\r\n",
	     "-ERR invalid message number\r\n"},
	    {"RETR 18446744073709551617\r\n",
	     "-ERR invalid message number\r\n"},
	    {"DELE 9999999999999999999\r\n", "-ERR no such message\r\n"},
	    {"LIST 0\r\n", "-ERR no such message\r\n"},
	    {"STAT 1\r\n", "-ERR too many arguments\r\n"},
	    {"UIDL 7\r\n", "-ERR no such message\r\n"},
	    {"NOOP x\r\n", "-ERR too many arguments\r\n"},
	    {"XYZZY\r\n", "-ERR unknown command\r\n"},
	    {"\r\n", "-ERR unknown command\r\n"},
	    {"STAT\tx\r\n", "-ERR invalid characters in command\r\n"},
	    {"NOOP\xff\r\n", "-ERR invalid characters in command\r\n"},
	    {"USER x\r\n", "-ERR USER not allowed in TRANSACTION state\r\n"},
	};
	struct drv d;

	drv_setup(&d);
	add_two(&d);
	login(&d);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_str_eq(say(&d, cases[i][0]), cases[i][1], "case %zu",
				 i);
	/* NUL inside a line */
	size_t before = d.out_len;
	pop3_input(&d.s, "NO\0P\r\n", 6);
	drain(&d);
	cr_assert_str_eq(d.out + before,
			 "-ERR invalid characters in command\r\n");
	cr_assert_str_eq(say(&d, "STAT\r\n"), "+OK 2 81\r\n");
	drv_free(&d);
}

Test(pop3_bad, long_line_gets_err_and_the_session_goes_on)
{
	char line[1200];
	struct drv d;

	drv_setup(&d);
	memset(line, 'A', sizeof(line) - 3);
	memcpy(line + sizeof(line) - 3, "\r\n", 3);
	cr_assert_str_eq(say_chunked(&d, line, 7), "-ERR line too long\r\n");
	/* 253 octets + CRLF is the longest line taken */
	char ok[260] = "USER ";
	memset(ok + 5, 'b', 248);
	strcpy(ok + 253, "\r\n");
	cr_assert_str_eq(say(&d, ok), "-ERR user name too long\r\n");
	ok[252] = '\0';
	cr_assert_str_eq(say(&d, "USER alice\r\n"), "+OK send PASS\r\n");
	cr_assert_eq(pop3_state(&d.s), POP3_AUTH_PASS);
	drv_free(&d);
}

Test(pop3_bad, half_a_command_then_eof_runs_nothing)
{
	struct drv d;

	drv_setup(&d);
	add_two(&d);
	login(&d);
	say(&d, "DELE 1\r\nQU");
	pop3_eof(&d.s);
	drain(&d);
	cr_assert(pop3_done(&d.s));
	cr_assert_eq(d.m.n, 2);
	cr_assert_eq(d.m.commits, 0);
	drv_free(&d);
}

static size_t pt_count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* The throttle: the core holds the -ERR of a failed PASS (and everything
 * pipelined after it) until the I/O loop releases it, the hold doubles up
 * to its cap, and the session closes at the failure limit. */
Test(pop3_bad, failed_logins_are_held_then_closed)
{
	struct drv d;

	drv_setup(&d);
	pop3_set_login_limits(&d.s, 100, 6);
	cr_assert_str_eq(say(&d, "USER alice\r\n"), "+OK send PASS\r\n");
	/* a pipelined guess and a NOOP wait behind the held reply */
	cr_assert_str_eq(say(&d, "PASS bad\r\nUSER alice\r\nPASS bad\r\n"), "");
	cr_assert_eq(pop3_hold_ms(&d.s), 100);
	cr_assert(!pop3_want_read(&d.s), "reads while held");
	pop3_release(&d.s);
	drain(&d);
	cr_assert_eq(pop3_hold_ms(&d.s), 200, "second hold not doubled");
	cr_assert(strstr(d.out, "-ERR [AUTH]") != NULL, "%s", d.out);
	pop3_release(&d.s);
	drain(&d);
	cr_assert_eq(pt_count_of(d.out, "-ERR [AUTH]"), 2, "%s", d.out);
	static const uint32_t holds[] = {400, 800, 1600};
	for (size_t i = 0; i < 3; i++) {
		say(&d, "USER alice\r\nPASS bad\r\n");
		cr_assert_eq(pop3_hold_ms(&d.s), holds[i]);
		pop3_release(&d.s);
	}
	/* the sixth failure is answered and closes: no hold */
	say(&d, "USER alice\r\nPASS bad\r\n");
	cr_assert_eq(pop3_hold_ms(&d.s), 0);
	cr_assert(pop3_done(&d.s), "not closed at the limit");
	cr_assert(strstr(d.log, "6 failed logins; closing"), "%s", d.log);
	drv_free(&d);

	/* the cap: 16 times the delay at most */
	drv_setup(&d);
	pop3_set_login_limits(&d.s, 10, 0);
	for (int i = 0; i < 12; i++) {
		say(&d, "USER alice\r\nPASS bad\r\n");
		uint32_t want = i < 4 ? 10u << i : 160u;
		cr_assert_eq(pop3_hold_ms(&d.s), want, "failure %d", i + 1);
		pop3_release(&d.s);
	}
	drain(&d);
	login(&d); /* the right password still works */
	drv_free(&d);
}
