/* pop3d integration suite: real pop3d processes over temporary maildirs,
 * spoken to over plain sockets: whole sessions, pipelining, streaming,
 * listing rules, deletion only at QUIT, the mailbox lock, authentication,
 * idle autologout, many sessions and EMFILE in one loop, --max-conns. */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cm_clock.h"
#include "test_pop3d_util.h"

#define MANY 50

/* Per test process (Criterion forks each test): what fini cleans up. */
static struct ts_proc srv[2];

static void cleanup(void)
{
	for (int i = 0; i < 2; i++)
		if (srv[i].pid > 0)
			ts_stop(&srv[i]);
	pt_md_remove();
}

TestSuite(pop3d, .fini = cleanup, .timeout = 120);

static const char msg1[] = "Subject: one\r\n\r\nhello\r\n.dot line\r\n"
			   "..two dots\r\n.\r\nend\r\n";
static const char msg2[] = "Subject: two\r\n\r\nsecond body\r\n";

static void two_messages(void)
{
	cr_assert(pt_md_make("# test users\n\nalice:s3cret-A\n"));
	cr_assert(pt_md_user("alice"));
	cr_assert(pt_md_put("alice", "a-001", msg1, strlen(msg1)));
	cr_assert(pt_md_put("alice", "a-002", msg2, strlen(msg2)));
}

Test(pop3d, full_session)
{
	struct pt_cl c;
	char body[1024], want[64];

	two_messages();
	cr_assert_eq(pt_start(&srv[0], NULL), 0, "pop3d did not start");
	cr_assert(pt_open(&c, srv[0].port), "no greeting");
	cr_assert(pt_login(&c, "alice", "s3cret-A"), "login: %s", c.reply);
	snprintf(want, sizeof(want), "+OK 2 %zu", strlen(msg1) + strlen(msg2));
	cr_assert_str_eq(pt_cmd(&c, "STAT"), want);
	cr_assert(pt_ok(pt_cmd(&c, "RETR 1")), "RETR 1: %s", c.reply);
	long n = pt_multi(&c, body, sizeof(body));
	cr_assert_eq(n, (long)strlen(msg1), "RETR 1: %ld bytes", n);
	cr_assert(memcmp(body, msg1, (size_t)n) == 0, "RETR 1 differs");
	cr_assert(pt_ok(pt_cmd(&c, "RETR 2")));
	n = pt_multi(&c, body, sizeof(body));
	cr_assert(n == (long)strlen(msg2) && memcmp(body, msg2, (size_t)n) == 0,
		  "RETR 2 differs");
	cr_assert(pt_ok(pt_cmd(&c, "UIDL")));
	n = pt_multi(&c, body, sizeof(body));
	cr_assert(n > 0);
	body[n] = '\0';
	cr_assert_str_eq(body, "1 a-001\r\n2 a-002\r\n");
	cr_assert(pt_ok(pt_cmd(&c, "DELE 1")));
	snprintf(want, sizeof(want), "+OK 1 %zu", strlen(msg2));
	cr_assert_str_eq(pt_cmd(&c, "STAT"), want);
	cr_assert(pt_md_has("alice", "a-001"), "removed before QUIT");
	cr_assert(pt_ok(pt_cmd(&c, "QUIT")), "QUIT: %s", c.reply);
	cr_assert(pt_closed(&c, 5000), "not closed after QUIT");
	pt_close(&c);
	cr_assert(!pt_md_has("alice", "a-001"), "DELE'd message still there");
	cr_assert(pt_md_has("alice", "a-002"), "the other message is gone");

	cr_assert(pt_login_retry(&c, srv[0].port, "alice", "s3cret-A"));
	cr_assert_str_eq(pt_cmd(&c, "STAT"), want);
	cr_assert_str_eq(pt_cmd(&c, "UIDL 1"), "+OK 1 a-002");
	cr_assert(pt_ok(pt_cmd(&c, "QUIT")));
	pt_close(&c);
	cr_assert_eq(ts_stop(&srv[0]), 0);
}

/* The same session in one write and one byte per send(): the server's
 * transcript must be the same bytes (the core is split-invariant and the
 * loop must not lose or reorder anything). */
Test(pop3d, pipelined_and_bytewise_give_the_same_transcript)
{
	static const char script[] = "CAPA\r\nUSER alice\r\nPASS s3cret-A\r\n"
				     "STAT\r\nLIST\r\nUIDL\r\nRETR 1\r\n"
				     "TOP 1 1\r\nNOOP\r\nQUIT\r\n";
	static char t1[8192], t2[8192];
	struct pt_cl c;

	two_messages();
	cr_assert_eq(pt_start(&srv[0], NULL), 0, "pop3d did not start");
	cr_assert(pt_open(&c, srv[0].port));
	cr_assert(pt_send(&c, script, strlen(script)));
	long n1 = pt_drain(&c, t1, sizeof(t1));
	pt_close(&c);
	cr_assert(n1 > 0);
	cr_assert(pt_login_retry(&c, srv[0].port, "alice", "s3cret-A"));
	cr_assert(pt_ok(pt_cmd(&c, "QUIT"))); /* the lock is free again */
	pt_close(&c);
	cr_assert(pt_open(&c, srv[0].port));
	for (size_t i = 0; i < strlen(script); i++)
		cr_assert(pt_send(&c, script + i, 1));
	long n2 = pt_drain(&c, t2, sizeof(t2));
	pt_close(&c);
	cr_assert_eq(n1, n2, "transcripts: %ld vs %ld bytes", n1, n2);
	cr_assert(memcmp(t1, t2, (size_t)n1) == 0, "transcripts differ");
	t1[n1] = '\0';
	cr_assert_eq(pt_count(t1, "+OK"), 10, "replies: %s", t1);
	cr_assert(strstr(t1, "\r\n.dot line") == NULL &&
		      strstr(t1, "\r\n..dot line"),
		  "RETR not dot-stuffed: %s", t1);
	cr_assert(pt_md_has("alice", "a-001") && pt_md_has("alice", "a-002"));
}

/* A long message with LF line ends streams out as CRLF lines while the
 * loop keeps serving another connection that never waits for it. */
Test(pop3d, big_message_streams_without_blocking_others)
{
	const size_t lines = 200000; /* ~4.6 MB: more than socket buffers */
	size_t cap = lines * 32, slen = 0, wlen = 0;
	char *stored = malloc(cap), *wire = malloc(cap), *got = malloc(cap);
	char want[64];
	struct pt_cl a, b;

	cr_assert(stored && wire && got);
	for (size_t i = 0; i < lines; i++) {
		int k =
		    snprintf(stored + slen, cap - slen, "%s%zu line of text\n",
			     i % 7 == 0 ? "." : "", i);
		memcpy(wire + wlen, stored + slen, (size_t)k - 1);
		memcpy(wire + wlen + k - 1, "\r\n", 2);
		slen += (size_t)k;
		wlen += (size_t)k + 1;
	}
	cr_assert(pt_md_make("alice:pw-alice\nbob:pw-bob\n"));
	cr_assert(pt_md_user("alice"));
	cr_assert(pt_md_user("bob"));
	cr_assert(pt_md_put("alice", "big", stored, slen));
	cr_assert_eq(pt_start(&srv[0], NULL), 0, "pop3d did not start");
	cr_assert(pt_open(&a, srv[0].port) &&
		  pt_login(&a, "alice", "pw-alice"));
	snprintf(want, sizeof(want), "+OK 1 %zu", wlen);
	cr_assert_str_eq(pt_cmd(&a, "LIST 1"), want, "wire size");
	cr_assert(pt_send(&a, "RETR 1\r\n", 8));
	/* a does not read: its output backs up; b must still be served */
	cr_assert(pt_open(&b, srv[0].port), "second connection starved");
	cr_assert(pt_login(&b, "bob", "pw-bob"), "bob: %s", b.reply);
	cr_assert_str_eq(pt_cmd(&b, "STAT"), "+OK 0 0");
	cr_assert(pt_ok(pt_reply(&a)), "RETR: %s", a.reply);
	long n = pt_multi(&a, got, cap);
	cr_assert_eq(n, (long)wlen, "RETR: %ld bytes, want %zu", n, wlen);
	cr_assert(memcmp(got, wire, wlen) == 0, "RETR differs");
	cr_assert(pt_ok(pt_cmd(&a, "QUIT")) && pt_ok(pt_cmd(&b, "QUIT")));
	pt_close(&a);
	pt_close(&b);
	free(stored);
	free(wire);
	free(got);
}

/* Dot files ignored, bad names skipped and logged, only regular files,
 * strcmp order, LF-only files sized as CRLF, missing folder refused. */
Test(pop3d, listing_rules)
{
	char body[1024], name71[72], path[256], target[256];
	struct pt_cl c;

	cr_assert(pt_md_make("alice:pw-a\ncarol:pw-c\n"));
	cr_assert(pt_md_user("alice"));
	cr_assert(pt_md_put("alice", "b", "bbb\r\n", 5));
	cr_assert(pt_md_put("alice", "a", "x\ny", 3)); /* wire: x CRLF y CRLF */
	cr_assert(pt_md_put("alice", "C", "c\r\n", 3));
	cr_assert(pt_md_put("alice", ".hidden", "h\r\n", 3));
	cr_assert(pt_md_put("alice", "bad name", "n\r\n", 3));
	memset(name71, 'z', 71);
	name71[71] = '\0';
	cr_assert(pt_md_put("alice", name71, "z\r\n", 3));
	pt_md_path(path, sizeof(path), "alice", "sub");
	cr_assert_eq(mkdir(path, 0700), 0);
	pt_md_path(target, sizeof(target), "alice", "b");
	pt_md_path(path, sizeof(path), "alice", "link");
	cr_assert_eq(symlink(target, path), 0);
	cr_assert_eq(pt_start(&srv[0], NULL), 0, "pop3d did not start");
	cr_assert(pt_open(&c, srv[0].port) && pt_login(&c, "alice", "pw-a"),
		  "login: %s", c.reply);
	cr_assert_str_eq(pt_cmd(&c, "STAT"), "+OK 3 14");
	cr_assert(pt_ok(pt_cmd(&c, "UIDL")));
	long n = pt_multi(&c, body, sizeof(body));
	cr_assert(n > 0);
	body[n] = '\0';
	cr_assert_str_eq(body, "1 C\r\n2 a\r\n3 b\r\n");
	cr_assert_str_eq(pt_cmd(&c, "LIST 2"), "+OK 2 6");
	cr_assert(pt_ok(pt_cmd(&c, "RETR 2")));
	n = pt_multi(&c, body, sizeof(body));
	cr_assert(n == 6 && memcmp(body, "x\r\ny\r\n", 6) == 0);
	cr_assert(pt_ok(pt_cmd(&c, "QUIT")));
	pt_close(&c);
	cr_assert(pt_open(&c, srv[0].port));
	cr_assert(pt_ok(pt_cmd(&c, "USER carol")));
	cr_assert(pt_err(pt_cmd(&c, "PASS pw-c")), "no folder: %s", c.reply);
	pt_close(&c);
	cr_assert_eq(ts_stop(&srv[0]), 0);
	const char *log = ts_stderr(&srv[0]);
	cr_assert(strstr(log, "skipping 'bad name'"), "log: %s", log);
	cr_assert(strstr(log, name71), "71-char name not logged: %s", log);
	cr_assert(strstr(log, "mailbox carol"), "log: %s", log);
	cr_assert(strstr(log, ".hidden") == NULL, "log: %s", log);
}

/* ---- deletion only at QUIT ---- */

/* pop3d over two messages, and alice's session with message 1 marked. */
static void start_and_mark_one(struct pt_cl *c)
{
	two_messages();
	cr_assert_eq(pt_start(&srv[0], NULL), 0, "pop3d did not start");
	cr_assert(pt_open(c, srv[0].port) && pt_login(c, "alice", "s3cret-A"));
	cr_assert(pt_ok(pt_cmd(c, "DELE 1")));
}

Test(pop3d, dele_then_drop_deletes_nothing)
{
	char want[64];
	struct pt_cl c;

	start_and_mark_one(&c);
	pt_close(&c); /* no QUIT */
	/* the next login succeeds once the old session let go of the lock */
	cr_assert(pt_login_retry(&c, srv[0].port, "alice", "s3cret-A"),
		  "relogin: %s", c.reply);
	snprintf(want, sizeof(want), "+OK 2 %zu", strlen(msg1) + strlen(msg2));
	cr_assert_str_eq(pt_cmd(&c, "STAT"), want);
	cr_assert(pt_md_has("alice", "a-001"), "deleted without QUIT");
	cr_assert(pt_ok(pt_cmd(&c, "QUIT")));
	pt_close(&c);
	cr_assert_eq(ts_stop(&srv[0]), 0);
	const char *log = ts_stderr(&srv[0]);
	cr_assert(strstr(log, "before QUIT; no message deleted"), "log: %s",
		  log);
}

Test(pop3d, dele_then_kill9_deletes_nothing)
{
	struct pt_cl c;
	int st;

	start_and_mark_one(&c);
	cr_assert(pt_ok(pt_cmd(&c, "NOOP")));
	cr_assert_eq(kill(srv[0].pid, SIGKILL), 0);
	cr_assert_eq(waitpid(srv[0].pid, &st, 0), srv[0].pid);
	srv[0].pid = 0;
	cr_assert(pt_closed(&c, 5000));
	pt_close(&c);
	cr_assert(pt_md_has("alice", "a-001"), "deleted without QUIT");
	/* the crash released the lock: a fresh pop3d logs in at once */
	cr_assert_eq(pt_start(&srv[1], NULL), 0, "pop3d did not start");
	cr_assert(pt_open(&c, srv[1].port) && pt_login(&c, "alice", "s3cret-A"),
		  "login after crash: %s", c.reply);
	cr_assert(strncmp(pt_cmd(&c, "STAT"), "+OK 2 ", 6) == 0, "%s", c.reply);
	cr_assert(pt_ok(pt_cmd(&c, "QUIT")));
	pt_close(&c);
}

Test(pop3d, sigterm_mid_transaction_deletes_nothing)
{
	struct pt_cl c;

	start_and_mark_one(&c);
	cr_assert(pt_ok(pt_cmd(&c, "NOOP")));
	cr_assert_eq(ts_stop(&srv[0]), 0, "pop3d did not exit 0 on SIGTERM");
	cr_assert(pt_closed(&c, 5000));
	pt_close(&c);
	cr_assert(pt_md_has("alice", "a-001"), "deleted without QUIT");
	cr_assert(pt_md_has("alice", "a-002"));
	const char *log = ts_stderr(&srv[0]);
	cr_assert(strstr(log, "no message deleted"), "log: %s", log);
}

/* ---- the mailbox lock ---- */

/* alice logs in on port_a; a second session on port_b is refused her
 * mailbox while the first holds it, and gets it once the first quits. */
static void lock_check(int port_a, int port_b, const char *what)
{
	struct pt_cl a, b;

	cr_assert(pt_open(&a, port_a) && pt_login(&a, "alice", "s3cret-A"));
	cr_assert(pt_open(&b, port_b));
	cr_assert(pt_ok(pt_cmd(&b, "USER alice")));
	cr_assert(pt_err(pt_cmd(&b, "PASS s3cret-A")), "%s: %s", what, b.reply);
	cr_assert(pt_ok(pt_cmd(&a, "NOOP")), "first session: %s", a.reply);
	cr_assert(strncmp(pt_cmd(&a, "STAT"), "+OK 2 ", 6) == 0);
	cr_assert(pt_ok(pt_cmd(&a, "QUIT")));
	cr_assert(pt_closed(&a, 5000));
	pt_close(&a);
	/* b is back in AUTHORIZATION and may try again */
	cr_assert(pt_login(&b, "alice", "s3cret-A"), "retry: %s", b.reply);
	cr_assert(pt_ok(pt_cmd(&b, "QUIT")));
	pt_close(&b);
}

Test(pop3d, second_login_is_refused_until_the_first_ends)
{
	two_messages();
	cr_assert_eq(pt_start(&srv[0], NULL), 0, "pop3d did not start");
	lock_check(srv[0].port, srv[0].port, "second login");
}

Test(pop3d, lock_holds_across_processes)
{
	two_messages();
	cr_assert_eq(pt_start(&srv[0], NULL), 0, "pop3d did not start");
	cr_assert_eq(pt_start(&srv[1], NULL), 0, "pop3d did not start");
	lock_check(srv[0].port, srv[1].port, "other pop3d");
}

/* ---- authentication ---- */

Test(pop3d, bad_password_and_unknown_user_look_the_same)
{
	char r1[1024];
	struct pt_cl c;

	cr_assert(pt_md_make("alice:Corr3ct-Horse\nbob:pa ss:w0rd\n"));
	cr_assert(pt_md_user("alice"));
	cr_assert(pt_md_user("bob"));
	cr_assert_eq(pt_start(&srv[0], NULL), 0, "pop3d did not start");
	cr_assert(pt_open(&c, srv[0].port));
	cr_assert(pt_ok(pt_cmd(&c, "USER alice")));
	cr_assert(pt_err(pt_cmd(&c, "PASS Wr0ng-Battery")), "%s", c.reply);
	snprintf(r1, sizeof(r1), "%s", c.reply);
	cr_assert(pt_ok(pt_cmd(&c, "USER mallory")));
	cr_assert(pt_err(pt_cmd(&c, "PASS Wr0ng-Battery")), "%s", c.reply);
	cr_assert_str_eq(c.reply, r1, "replies tell users apart");
	cr_assert(pt_ok(pt_cmd(&c, "USER alice")));
	cr_assert(pt_err(pt_cmd(&c, "PASS Corr3ct-Horse-and-more")));
	cr_assert(pt_ok(pt_cmd(&c, "USER alice")));
	cr_assert(pt_err(pt_cmd(&c, "PASS Corr3ct")), "prefix accepted");
	pt_close(&c);
	/* a password may hold spaces and ':' */
	cr_assert(pt_open(&c, srv[0].port) && pt_login(&c, "bob", "pa ss:w0rd"),
		  "bob: %s", c.reply);
	cr_assert(pt_ok(pt_cmd(&c, "QUIT")));
	pt_close(&c);
	cr_assert(pt_open(&c, srv[0].port) &&
		  pt_login(&c, "alice", "Corr3ct-Horse"));
	cr_assert(pt_ok(pt_cmd(&c, "QUIT")));
	pt_close(&c);
	cr_assert_eq(ts_stop(&srv[0]), 0);
	const char *log = ts_stderr(&srv[0]);
	cr_assert(strstr(log, "Wr0ng") == NULL, "password logged: %s", log);
	cr_assert(strstr(log, "Corr3ct") == NULL, "password logged: %s", log);
	cr_assert(strstr(log, "w0rd") == NULL, "password logged: %s", log);
}

/* ---- idle autologout ---- */

Test(pop3d, idle_sessions_are_closed_without_update)
{
	struct pt_cl a, b;

	two_messages();
	cr_assert_eq(pt_start(&srv[0], "1"), 0, "pop3d did not start");
	cr_assert(pt_open(&a, srv[0].port) &&
		  pt_login(&a, "alice", "s3cret-A"));
	cr_assert(pt_ok(pt_cmd(&a, "DELE 1")));
	cr_assert(pt_open(&b, srv[0].port));
	cr_assert(pt_send(&b, "US", 2)); /* half a command, then nothing */
	int64_t t0 = cm_now_ms();
	cr_assert(pt_closed(&b, 6000), "half-command peer not closed");
	cr_assert(pt_closed(&a, 6000), "idle session not closed");
	int64_t took = cm_now_ms() - t0;
	cr_assert(took >= 500 && took <= 6000, "closed after %lld ms",
		  (long long)took);
	pt_close(&a);
	pt_close(&b);
	cr_assert(pt_md_has("alice", "a-001"), "idle session ran UPDATE");
	cr_assert(pt_login_retry(&a, srv[0].port, "alice", "s3cret-A"));
	cr_assert(strncmp(pt_cmd(&a, "STAT"), "+OK 2 ", 6) == 0, "%s", a.reply);
	cr_assert(pt_ok(pt_cmd(&a, "QUIT")));
	pt_close(&a);
	cr_assert_eq(ts_stop(&srv[0]), 0);
	const char *log = ts_stderr(&srv[0]);
	cr_assert_geq(pt_count(log, "idle for 1 s, closed without UPDATE"), 2,
		      "log: %s", log);
}

Test(pop3d, activity_keeps_a_session_open)
{
	struct pt_cl c;

	two_messages();
	cr_assert_eq(pt_start(&srv[0], "2"), 0, "pop3d did not start");
	cr_assert(pt_open(&c, srv[0].port) &&
		  pt_login(&c, "alice", "s3cret-A"));
	for (int i = 0; i < 10; i++) { /* 3 s in all, never 2 s idle */
		poll(NULL, 0, 300);
		cr_assert(pt_ok(pt_cmd(&c, "NOOP")), "NOOP %d: '%s'", i,
			  c.reply);
	}
	cr_assert(pt_closed(&c, 8000), "idle session not closed");
	pt_close(&c);
}

/* ---- one loop, many connections ---- */

/* pop3d (srv[0]) uses next to no CPU for a second while clients wait. */
static void assert_no_spin(void)
{
	double c0 = ts_cpu_seconds(srv[0].pid);
	poll(NULL, 0, 1000);
	double c1 = ts_cpu_seconds(srv[0].pid);
	cr_assert(c0 >= 0 && c1 - c0 < 0.3, "pop3d used %.2f s CPU idle",
		  c1 - c0);
}

/* One process serves MANY sessions at once, some of them mid-command,
 * and sits idle (no busy loop) while they say nothing. */
Test(pop3d, many_sessions_at_once)
{
	static struct pt_cl c[MANY];

	two_messages();
	cr_assert_eq(pt_start(&srv[0], NULL), 0, "pop3d did not start");
	for (int i = 0; i < MANY; i++)
		cr_assert(pt_open(&c[i], srv[0].port), "session %d: %s", i,
			  c[i].reply);
	for (int i = 0; i < MANY; i++)
		cr_assert(pt_send(&c[i], "NO", 2));
	assert_no_spin();
	for (int i = 0; i < MANY; i++)
		cr_assert(pt_send(&c[i], "OP\r\n", 4));
	for (int i = 0; i < MANY; i++)
		cr_assert(pt_err(pt_reply(&c[i])), "session %d NOOP: %s", i,
			  c[i].reply);
	for (int i = 0; i < MANY; i++)
		cr_assert(pt_send(&c[i], "QUIT\r\n", 6));
	for (int i = 0; i < MANY; i++) {
		cr_assert(pt_ok(pt_reply(&c[i])), "session %d QUIT", i);
		cr_assert(pt_closed(&c[i], 5000), "session %d open", i);
		pt_close(&c[i]);
	}
	cr_assert_eq(ts_stop(&srv[0]), 0);
}

/* Out of descriptors: connections over the limit are dropped, pop3d
 * does not spin, and it serves again once descriptors free up. */
Test(pop3d, emfile_drops_without_spinning)
{
	const char *argv[] = {"pop3d",	  "--listen",  "127.0.0.1:0",
			      "--users",  pt_md.users, "--maildir",
			      pt_md.mail, NULL};
	static struct pt_cl c[MANY];
	int greeted = 0;

	two_messages();
	cr_assert_eq(ts_start(&srv[0], argv, 24), 0);
	for (int i = 0; i < MANY; i++)
		greeted += pt_open(&c[i], srv[0].port);
	cr_assert(greeted > 0 && greeted < MANY, "%d of %d greeted", greeted,
		  MANY);
	assert_no_spin();
	for (int i = 0; i < MANY; i++)
		pt_close(&c[i]);
	cr_assert(pt_login_retry(&c[0], srv[0].port, "alice", "s3cret-A"),
		  "after EMFILE: %s", c[0].reply);
	cr_assert(strncmp(pt_cmd(&c[0], "STAT"), "+OK 2 ", 6) == 0);
	cr_assert(pt_ok(pt_cmd(&c[0], "QUIT")));
	pt_close(&c[0]);
	cr_assert_eq(ts_stop(&srv[0]), 0);
	const char *log = ts_stderr(&srv[0]);
	cr_assert(strstr(log, "accept: out of descriptors"), "log: %s", log);
}

Test(pop3d, max_conns_pauses_accepting)
{
	const char *argv[] = {
	    "pop3d",	 "--listen", "127.0.0.1:0", "--users", pt_md.users,
	    "--maildir", pt_md.mail, "--max-conns", "2",       NULL};
	struct pt_cl c[3];

	two_messages();
	cr_assert_eq(ts_start(&srv[0], argv, 0), 0);
	cr_assert(pt_open(&c[0], srv[0].port) && pt_open(&c[1], srv[0].port));
	memset(&c[2], 0, sizeof(c[2]));
	c[2].fd = ts_connect(srv[0].port, false); /* the backlog takes it */
	cr_assert(c[2].fd >= 0);
	struct pollfd p = {.fd = c[2].fd, .events = POLLIN};
	cr_assert_eq(poll(&p, 1, 300), 0, "third connection served");
	cr_assert(pt_ok(pt_cmd(&c[0], "QUIT")));
	pt_close(&c[0]);
	cr_assert(pt_ok(pt_reply(&c[2])), "third connection never greeted");
	pt_close(&c[1]);
	pt_close(&c[2]);
}
