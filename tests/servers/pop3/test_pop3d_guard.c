/* pop3d against an attacker: a user folder that is a symlink or not the
 * maildir owner's is refused, and failed logins are throttled per
 * connection (held replies, a failure limit) without slowing anyone else. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cm_clock.h"
#include "test_pop3d_util.h"

static struct ts_proc srv;

static void cleanup(void)
{
	if (srv.pid > 0)
		ts_stop(&srv);
	pt_md_remove();
}

TestSuite(pop3d_guard, .fini = cleanup, .timeout = 120);

/* pop3d on the tree with --login-delay and --login-failures. */
static void start(const char *delay, const char *fails)
{
	const char *argv[] = {
	    "pop3d",	 "--listen",	     "127.0.0.1:0", "--users",
	    pt_md.users, "--maildir",	     pt_md.mail,    "--login-delay",
	    delay,	 "--login-failures", fails,	    NULL};

	cr_assert_eq(ts_start(&srv, argv, 0), 0, "pop3d did not start");
}

/* Descriptors pid has open. */
static int fds_of(pid_t pid)
{
	char path[64];
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	cr_assert_not_null(d);
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Close with an RST (SO_LINGER 0). */
static void reset_close(int fd)
{
	struct linger l = {.l_onoff = 1, .l_linger = 0};

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

/* ---- the user folder ---- */

Test(pop3d_guard, symlinked_user_folder_is_refused)
{
	char outside[256], link[256], victim[300];
	struct pt_cl c;

	cr_assert(pt_md_make("alice:pw-a\ncarol:pw-c\n"));
	cr_assert(pt_md_user("alice"));
	snprintf(outside, sizeof(outside), "%s/outside", pt_md.root);
	cr_assert_eq(mkdir(outside, 0700), 0);
	snprintf(victim, sizeof(victim), "%s/secret", outside);
	cr_assert(pt_write_file(victim, "Subject: x\r\n\r\nsecret\r\n", 23));
	pt_md_path(link, sizeof(link), "carol", NULL);
	cr_assert_eq(symlink("../outside", link), 0);
	start("0", "0");
	cr_assert(pt_open(&c, srv.port));
	cr_assert(pt_ok(pt_cmd(&c, "USER carol")));
	cr_assert(pt_err(pt_cmd(&c, "PASS pw-c")), "logged in: %s", c.reply);
	/* nothing to list, serve or delete: try anyway */
	cr_assert(pt_err(pt_cmd(&c, "UIDL")));
	cr_assert(pt_err(pt_cmd(&c, "RETR 1")));
	cr_assert(pt_err(pt_cmd(&c, "DELE 1")));
	cr_assert(pt_ok(pt_cmd(&c, "QUIT")));
	pt_close(&c);
	cr_assert_eq(access(victim, F_OK), 0, "a file outside was removed");
	/* alice's real folder still works */
	cr_assert(pt_login_retry(&c, srv.port, "alice", "pw-a"), "%s", c.reply);
	cr_assert(pt_ok(pt_cmd(&c, "QUIT")));
	pt_close(&c);
	cr_assert_eq(ts_stop(&srv), 0);
	const char *log = ts_stderr(&srv);
	cr_assert(strstr(log, "mailbox carol: not a directory"), "%s", log);
}

Test(pop3d_guard, folder_of_another_owner_is_refused)
{
	char dir[256];
	struct pt_cl c;

	if (geteuid() != 0)
		cr_skip_test("chown needs root");
	cr_assert(pt_md_make("dave:pw-d\n"));
	cr_assert(pt_md_user("dave"));
	cr_assert(pt_md_put("dave", "m1", "x\r\n", 3));
	pt_md_path(dir, sizeof(dir), "dave", NULL);
	cr_assert_eq(chown(dir, 65534, 65534), 0);
	start("0", "0");
	cr_assert(pt_open(&c, srv.port));
	cr_assert(pt_ok(pt_cmd(&c, "USER dave")));
	cr_assert(pt_err(pt_cmd(&c, "PASS pw-d")), "logged in: %s", c.reply);
	pt_close(&c);
	cr_assert_eq(chown(dir, 0, 0), 0);
	cr_assert(pt_login_retry(&c, srv.port, "dave", "pw-d"), "%s", c.reply);
	pt_close(&c);
	cr_assert_eq(ts_stop(&srv), 0);
	cr_assert(strstr(ts_stderr(&srv), "not a directory owned by"), "%s",
		  ts_stderr(&srv));
}

/* ---- failed logins ---- */

/* Pipelined guesses gain nothing: every -ERR waits 100, 200, 400, 800 ms,
 * the fifth failure closes the connection, the guesses after it are
 * never tried. */
Test(pop3d_guard, guesses_per_second_are_bounded_and_capped)
{
	char batch[2048] = "";
	struct pt_cl c;

	cr_assert(pt_md_make("alice:right\n"));
	cr_assert(pt_md_user("alice"));
	start("100", "5");
	cr_assert(pt_open(&c, srv.port));
	for (int i = 0; i < 20; i++)
		strcat(batch, "USER alice\r\nPASS wrong\r\n");
	int64_t t0 = cm_now_ms();
	cr_assert(pt_send(&c, batch, strlen(batch)));
	int64_t at[5];
	int errs = 0;
	while (errs < 6) {
		const char *r = pt_reply(&c);
		if (r[0] == '\0')
			break;
		if (pt_err(r))
			at[errs++] = cm_now_ms() - t0;
		else
			cr_assert(pt_ok(r), "%s", r);
	}
	cr_assert_eq(errs, 5, "%d failures answered before the close", errs);
	cr_assert(pt_closed(&c, 2000), "still open after 5 failures");
	pt_close(&c);
	/* held 100, 200, 400, 800 ms before answers 1..4; the 5th closes */
	static const int64_t min_at[5] = {100, 300, 700, 1500, 1500};
	for (int i = 0; i < 5; i++)
		cr_assert_geq(at[i], min_at[i] - 5, "answer %d after %lld ms",
			      i + 1, (long long)at[i]);
	cr_assert_eq(ts_stop(&srv), 0);
	const char *log = ts_stderr(&srv);
	cr_assert(strstr(log, "5 failed logins; closing"), "%s", log);
	cr_assert_eq(pt_count(log, "login failed"), 5, "%s", log);
}

/* While one connection is held for seconds, another logs in, lists and
 * quits in well under the hold: the hold is a timer, not a sleep. */
Test(pop3d_guard, others_are_served_during_a_hold)
{
	struct pt_cl bad, good;

	cr_assert(pt_md_make("alice:right\nbob:bobpw\n"));
	cr_assert(pt_md_user("alice"));
	cr_assert(pt_md_user("bob"));
	start("3000", "0");
	cr_assert(pt_open(&bad, srv.port));
	cr_assert(pt_ok(pt_cmd(&bad, "USER alice")));
	cr_assert(pt_send(&bad, "PASS wrong\r\n", 12));
	struct pollfd p = {.fd = bad.fd, .events = POLLIN};
	cr_assert_eq(poll(&p, 1, 300), 0, "the -ERR was not held");
	int64_t t0 = cm_now_ms();
	cr_assert(pt_open(&good, srv.port));
	cr_assert(pt_login(&good, "bob", "bobpw"), "%s", good.reply);
	cr_assert(pt_ok(pt_cmd(&good, "STAT")));
	cr_assert(pt_ok(pt_cmd(&good, "QUIT")));
	int64_t took = cm_now_ms() - t0;
	pt_close(&good);
	cr_assert_lt(took, 1500, "served in %lld ms during a hold",
		     (long long)took);
	cr_assert(pt_err(pt_reply(&bad)), "held reply: %s", bad.reply);
	cr_assert_geq(cm_now_ms() - t0, 2000, "hold ended early");
	/* the right password after the hold */
	cr_assert(pt_ok(pt_cmd(&bad, "USER alice")));
	cr_assert(pt_ok(pt_cmd(&bad, "PASS right")), "%s", bad.reply);
	pt_close(&bad);
}

/* A client that resets while held is cleaned up: no descriptor stays. */
Test(pop3d_guard, reset_while_held_closes)
{
	struct pt_cl c;

	cr_assert(pt_md_make("alice:right\n"));
	cr_assert(pt_md_user("alice"));
	start("60000", "0");
	/* the loop's own descriptors (epoll, the EMFILE spare) come first */
	cr_assert(pt_open(&c, srv.port));
	cr_assert(pt_ok(pt_cmd(&c, "QUIT")));
	cr_assert(pt_closed(&c, 2000));
	pt_close(&c);
	int base = fds_of(srv.pid);
	for (int i = 0; i < 20; i++) {
		cr_assert(pt_open(&c, srv.port));
		cr_assert(pt_ok(pt_cmd(&c, "USER a")));
		cr_assert(pt_send(&c, "PASS b\r\n", 8));
		struct pollfd p = {.fd = c.fd, .events = POLLIN};
		cr_assert_eq(poll(&p, 1, 20), 0, "the -ERR was not held");
		reset_close(c.fd);
	}
	int fds = fds_of(srv.pid);
	for (int64_t end = cm_now_ms() + 3000; fds != base && cm_now_ms() < end;
	     fds = fds_of(srv.pid))
		poll(NULL, 0, 20);
	cr_assert_eq(fds, base, "%d descriptors after 20 resets, %d before",
		     fds, base);
	cr_assert(pt_open(&c, srv.port));
	cr_assert(pt_login(&c, "alice", "right"), "%s", c.reply);
	pt_close(&c);
	cr_assert_eq(ts_stop(&srv), 0);
}
