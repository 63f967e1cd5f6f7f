/* Every echod model and pop3d run correctly under fragshim (bytes and
 * random cuts, EINTR and EAGAIN injection), while echod's naive model and
 * one deliberately buggy server per bug class pass without the shim and
 * are caught with it. fragtest drives the echo servers (--direct: the cuts
 * come from inside the server, not from a proxy). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "shim_pop3d.h"
#include "shim_test.h"
#include "test_pop3d_util.h"

static struct ftt_out o;

#define SHOW "status %d\nout: %s\nerr: %s", o.status, o.out, o.err
/* The same with a prefix that has arguments of its own. */
#define SHOWF "status %d\nout: %s\nerr: %s"
#define SHOWA o.status, o.out, o.err
#define RUN                                                                    \
	"--direct --clients 2 --messages 60 --size 1-300 --timeout 5 "         \
	"--start-timeout 60 --seed 3"

static const char *const policies[] = {
    "--split bytes --seed 1",
    "--split random:1-9 --seed 2",
    "--split random:1-64 --eintr 0.3 --seed 3",
    "--split random:1-64 --eintr 0.3 --eintr-any --seed 4",
    "--split random:1-64 --eagain 0.3 --seed 5",
};

/* fragtest on `server` (a command with {port}), under fragshim opts
 * unless opts is NULL. */
static void ftest(const char *framing, const char *opts, const char *server)
{
	if (opts)
		ftt_sh(&o,
		       "%s run --framing %s " RUN " --server-cmd '%s %s -- %s'",
		       run_tool_path("fragtest"), framing,
		       run_tool_path("fragshim"), opts, server);
	else
		ftt_sh(&o, "%s run --framing %s " RUN " --server-cmd '%s'",
		       run_tool_path("fragtest"), framing, server);
}

/* NULL when the model echoes every framing under every policy, else the
 * first combination that failed and what fragtest said. */
static const char *model_failure(const char *model)
{
	static const char *const framings[] = {"line", "len:4be", "cobs"};
	static char why[4096];
	char srv[512];

	for (size_t f = 0; f < 3; f++) {
		snprintf(srv, sizeof(srv),
			 "%s --model %s --framing %s --listen 127.0.0.1:{port}",
			 run_tool_path("echod"), model, framings[f]);
		for (size_t p = 0; p < sizeof(policies) / sizeof(policies[0]);
		     p++) {
			ftest(framings[f], policies[p], srv);
			if (o.status == 0 && strstr(o.out, "pass"))
				continue;
			snprintf(why, sizeof(why),
				 "%s %s [%s]: status %d\nout: %.1800s\nerr: "
				 "%.1800s",
				 model, framings[f], policies[p], o.status,
				 o.out, o.err);
			return why;
		}
	}
	return NULL;
}

TestSuite(shim_servers, .timeout = 300);

Test(shim_servers, iterative)
{
	const char *why = model_failure("iterative");

	cr_assert_null(why, "%s", why);
}
Test(shim_servers, fork)
{
	const char *why = model_failure("fork");

	cr_assert_null(why, "%s", why);
}
Test(shim_servers, thread)
{
	const char *why = model_failure("thread");

	cr_assert_null(why, "%s", why);
}
Test(shim_servers, select)
{
	const char *why = model_failure("select");

	cr_assert_null(why, "%s", why);
}
Test(shim_servers, poll)
{
	const char *why = model_failure("poll");

	cr_assert_null(why, "%s", why);
}
Test(shim_servers, epoll)
{
	const char *why = model_failure("epoll");

	cr_assert_null(why, "%s", why);
}

/* The naive model trusts one recv per frame: the shim alone catches it. */
Test(shim_servers, naive_is_caught)
{
	char srv[512];

	snprintf(srv, sizeof(srv),
		 "%s --model naive --framing len:4be --listen 127.0.0.1:{port}",
		 run_tool_path("echod"));
	ftest("len:4be", "--read bytes --seed 1", srv);
	cr_assert(o.status == 1 && strstr(o.err, "reproduce: ") &&
		      strstr(o.err, "--read bytes --seed 1"),
		  SHOW);
}

/* One buggy server under fragtest, with the shim options opts (NULL: no
 * shim); fragtest's result is left in o. */
static void bug_run(const char *bug, const char *framing, const char *opts)
{
	char srv[512];

	snprintf(srv, sizeof(srv), "%s {port}", run_tool_path(bug));
	ftest(framing, opts, srv);
}

Test(shim_servers, ignored_short_send_is_caught)
{
	bug_run("bug_short_send", "line", NULL);
	cr_assert(o.status == 0, "without the shim: " SHOW);
	bug_run("bug_short_send", "line", "--write fixed:3");
	cr_assert(o.status == 1 && strstr(o.err, "reproduce: "),
		  "[--write fixed:3] not caught: " SHOW);
}

Test(shim_servers, dropped_rest_of_nonblocking_write_is_caught)
{
	bug_run("bug_nonblock_write", "line", NULL);
	cr_assert(o.status == 0, "without the shim: " SHOW);
	bug_run("bug_nonblock_write", "line", "--write random:1-8 --seed 2");
	cr_assert(o.status == 1 && strstr(o.err, "reproduce: "),
		  "[--write random:1-8 --seed 2] not caught: " SHOW);
}

Test(shim_servers, fatal_eintr_is_caught)
{
	bug_run("bug_eintr", "line", NULL);
	cr_assert(o.status == 0, "without the shim: " SHOW);
	bug_run("bug_eintr", "line", "--eintr 0.2 --seed 2");
	cr_assert(o.status == 1 && strstr(o.err, "reproduce: "),
		  "[--eintr 0.2 --seed 2] not caught: " SHOW);
}

Test(shim_servers, eagain_as_eof_is_caught)
{
	bug_run("bug_eagain_eof", "line", NULL);
	cr_assert(o.status == 0, "without the shim: " SHOW);
	bug_run("bug_eagain_eof", "line", "--eagain 0.2 --seed 2");
	cr_assert(o.status == 1 && strstr(o.err, "reproduce: "),
		  "[--eagain 0.2 --seed 2] not caught: " SHOW);
}

Test(shim_servers, whole_header_assumed_is_caught)
{
	bug_run("bug_header", "len:4be", NULL);
	cr_assert(o.status == 0, "without the shim: " SHOW);
	bug_run("bug_header", "len:4be", "--read random:1-3 --seed 2");
	cr_assert(o.status == 1 && strstr(o.err, "reproduce: "),
		  "[--read random:1-3 --seed 2] not caught: " SHOW);
}

/* ---- pop3d ---- */

#define USER "bob"
#define PASS "secret"

static char msg[150000];

static void pop3_setup(void)
{
	size_t n = 0;

	cr_assert(pt_md_make(USER ":" PASS "\n"), "%s", strerror(errno));
	cr_assert(pt_md_user(USER));
	/* Long CRLF lines, some starting with a dot (stuffed on the wire). */
	for (int i = 0; n + 200 < sizeof(msg); i++)
		n += (size_t)snprintf(msg + n, sizeof(msg) - n,
				      "%sline %d of the message, %0*d\r\n",
				      i % 7 ? "" : ".", i, i % 90, 0);
	cr_assert(pt_md_put(USER, "m1", msg, n));
	cr_assert(pt_md_put(USER, "m2", "Subject: x\r\n\r\nhi\r\n", 18));
}

static void pop3_teardown(void)
{
	pt_md_remove();
}

/* One session under opts: login, STAT, RETR 1 byte for byte, DELE 2, QUIT.
 * Returns whether m2 was really deleted (it is put back for the next). */
static bool pop3_session(const char *opts)
{
	static char got[sizeof(msg) + 1024];
	struct ts_proc p;
	struct pt_cl *c = calloc(1, sizeof(*c));

	cr_assert(sh_start_pop3d(&p, opts) == 0, "[%s] did not start", opts);
	cr_assert(pt_login_retry(c, p.port, USER, PASS), "[%s] login", opts);
	cr_assert(pt_ok(pt_cmd(c, "STAT")), "[%s] %s", opts, c->reply);
	cr_assert(strncmp(c->reply, "+OK 2 ", 6) == 0, "%s", c->reply);
	cr_assert(pt_ok(pt_cmd(c, "RETR 1")), "[%s] %s", opts, c->reply);
	cr_assert_eq(pt_multi(c, got, sizeof(got)), (long)strlen(msg), "[%s]",
		     opts);
	cr_assert(memcmp(got, msg, strlen(msg)) == 0, "[%s] RETR differs",
		  opts);
	cr_assert(pt_ok(pt_cmd(c, "DELE 2")), "[%s] %s", opts, c->reply);
	cr_assert(pt_ok(pt_cmd(c, "QUIT")), "[%s] %s", opts, c->reply);
	pt_close(c);
	cr_assert_eq(ts_stop(&p), 0, "[%s] %s", opts, ts_stderr(&p));
	bool deleted = !pt_md_has(USER, "m2");
	cr_assert(pt_md_put(USER, "m2", "Subject: x\r\n\r\nhi\r\n", 18));
	free(c);
	return deleted;
}

Test(shim_servers, pop3d_every_policy, .init = pop3_setup,
     .fini = pop3_teardown)
{
	for (size_t p = 0; p < sizeof(policies) / sizeof(policies[0]); p++)
		cr_assert(pop3_session(policies[p]), "[%s] DELE not applied",
			  policies[p]);
}
