/* fragtest capture, diff and client with programs written to be wrong
 * (tests/support/ft_buggy_rr.c): each framing bug is flagged under the
 * default policy set with a reproduce line and passes once fixed; bad
 * input gives one clear line and the documented exit status; run
 * --half-close; no process outlives fragtest. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test_fragtest_util.h"

/* Cheap but the whole default set: few seeds, short waits. */
#define FAST "--seeds 3 --quiet 50ms --timeout 2s --start-timeout 60"

static struct ftt_out o, r;

static const char *rr(const char *mode, const char *bug)
{
	static char cmd[4][512];
	static int k;
	char *c = cmd[k++ % 4];

	snprintf(c, sizeof(cmd[0]), "%s %s%s%s", run_tool_path("ft_buggy_rr"),
		 mode, bug ? " --bug " : "", bug ? bug : "");
	return c;
}

/* A request file of pipelined lines in a fresh directory. */
static const char *requests(void)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/req", ftt_tmpdir());
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("GET alpha\nSET beta 12345\nGET beta\nDEL alpha\nQUIT now\n", f);
	fclose(f);
	return path;
}

static void diff(const char *server, const char *extra)
{
	ftt_sh(&o, "%s diff --server-cmd '%s' --requests %s " FAST " %s",
	       run_tool_path("fragtest"), server, requests(), extra);
}

/* A fragtest command line against a buggy program, into o: a run that
 * passes is tried again (five runs at most), since whether the program's
 * reads see the proxy's cuts also depends on when it gets to read, and a
 * loaded machine (ASan, two cores) coalesces them. */
__attribute__((format(printf, 1, 2))) static void sh_flagged(const char *fmt,
							     ...)
{
	char cmd[4096];
	va_list ap;
	int tries = 0;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	do
		ftt_sh(&o, "%s", cmd);
	while (o.status == 0 && ++tries < 5);
}

/* diff() for a buggy server (sh_flagged). */
static void diff_flagged(const char *server, const char *extra)
{
	sh_flagged("%s diff --server-cmd '%s' --requests %s " FAST " %s",
		   run_tool_path("fragtest"), server, requests(), extra);
}

/* Exit 1, a FAIL line naming what differs, and a reproduce line whose
 * rerun fails too. The line fixes the cuts fragproxy makes; whether the
 * receiving kernel merges two chunks before the server reads does not
 * follow from it (load), so the rerun gets three tries. */
static void assert_flagged(const char *what)
{
	const char *line;
	int tries = 0;

	cr_assert_eq(o.status, 1, "status %d, want 1: %s%s", o.status, o.out,
		     o.err);
	cr_assert(strstr(o.err, "fragtest: FAIL "), "%s", o.err);
	cr_assert(strstr(o.err, what), "no '%s' in: %s", what, o.err);
	line = ftt_line_after(o.err, "reproduce: fragtest ");
	cr_assert_not_null(line, "no reproduce line: %s", o.err);
	/* The line replays the same cuts at the proxy, but whether the
	 * server's reads see them also depends on when it gets to read (a
	 * busy machine coalesces), so a rerun may pass: give it ten. */
	do
		ftt_sh(&r, "%s %s", run_tool_path("fragtest"), line);
	while (r.status == 0 && ++tries < 10);
	cr_assert_eq(r.status, 1, "reproduce line: status %d: %s: %s", r.status,
		     line, r.err);
}

TestSuite(fragtest_diff, .timeout = 240);

Test(fragtest_diff, fixed_server_passes_pipelined_and_half_closed)
{
	diff(rr("server", NULL), "");
	cr_assert_eq(o.status, 0, "%s%s", o.out, o.err);
	cr_assert(strstr(o.out, "pass: 12 policies x 1 connections"), "%s",
		  o.out);
	diff(rr("server", NULL), "--half-close");
	cr_assert_eq(o.status, 0, "%s%s", o.out, o.err);
	diff(rr("server", NULL), "--up-framing line --down-framing line");
	cr_assert_eq(o.status, 0, "%s%s", o.out, o.err);
}

Test(fragtest_diff, server_taking_one_recv_as_one_request_is_flagged)
{
	diff_flagged(rr("server", "oneread"), "");
	assert_flagged("reply stream differs at byte");
	cr_assert(strstr(o.err, "  baseline ("), "%s", o.err);
	cr_assert(strstr(o.err, "  this run ("), "%s", o.err);
}

Test(fragtest_diff, server_dropping_rest_of_coalesced_read_is_flagged)
{
	diff_flagged(rr("server", "onereq"), "");
	assert_flagged("reply stream has extra bytes");
}

Test(fragtest_diff, server_dropping_replies_at_eof_needs_half_close)
{
	diff_flagged(rr("server", "dropeof"), "");
	cr_assert_eq(o.status, 0, "flagged without --half-close: %s", o.err);
	diff_flagged(rr("server", "dropeof"), "--half-close");
	assert_flagged("reply stream ends early at byte 0");
	cr_assert(strstr(o.err, "--half-close"), "%s", o.err);
}

Test(fragtest_diff, frame_report_names_reply_and_request_frame)
{
	diff_flagged(rr("server", "oneread"),
		     "--up-framing line --down-framing line --split bytes");
	/* which frame the kernel first delivers in part varies */
	assert_flagged(": reply frame ");
	cr_assert(strstr(o.err, "; last request frame sent before it: "), "%s",
		  o.err);
	cr_assert(strstr(o.err, "  baseline (") &&
		      strstr(o.err, " bytes in frame), from frame offset 0: "),
		  "%s", o.err);
	cr_assert(strstr(o.err, "  this run ("), "%s", o.err);
}

Test(fragtest_diff, nondeterministic_baseline_stops_and_points_at_mask)
{
	diff(rr("server", "pid"), "");
	cr_assert_eq(o.status, 2, "%s%s", o.out, o.err);
	cr_assert(strstr(o.err, "the baseline is not deterministic: two "
				"direct runs differ, connection 0: reply "
				"stream differs at byte "),
		  "%s", o.err);
	cr_assert(strstr(o.err, "--mask ERE"), "%s", o.err);
	diff(rr("server", "pid"), "--mask 'pid=[0-9]+'");
	cr_assert_eq(o.status, 0, "%s%s", o.out, o.err);
}

Test(fragtest_diff, baseline_cut_by_a_short_quiet_points_at_quiet)
{
	/* one server: its first connection pauses 300 ms, a 100 ms quiet
	 * ends the first baseline there, the second reads it all */
	ftt_sh(&o,
	       "%s diff --server-cmd '%s' --no-fresh --requests %s --quiet "
	       "100ms --start-timeout 60",
	       run_tool_path("fragtest"), rr("server", "pause"), requests());
	cr_assert_eq(o.status, 2, "%s%s", o.out, o.err);
	cr_assert(strstr(o.err, "reply stream has extra bytes at byte 12: "
				"baseline 12 bytes"),
		  "%s", o.err);
	cr_assert(strstr(o.err, "the first stopped reading at a pause: raise "
				"--quiet MS\n"),
		  "%s", o.err);
	ftt_sh(&o,
	       "%s diff --server-cmd '%s' --no-fresh --requests %s --quiet "
	       "1s --seeds 1 --split bytes --start-timeout 60",
	       run_tool_path("fragtest"), rr("server", "pause"), requests());
	cr_assert_eq(o.status, 0, "%s%s", o.out, o.err);
}

Test(fragtest_diff, reports_as_for_run)
{
	const char *dir = ftt_tmpdir();

	sh_flagged("%s diff --server-cmd '%s' --requests %s " FAST
		   " --json %s/r.json --junit %s/r.xml --html %s/r.html",
		   run_tool_path("fragtest"), rr("server", "oneread"),
		   requests(), dir, dir, dir);
	cr_assert_eq(o.status, 1, "%s", o.err);
	ftt_sh(&r,
	       "grep -c '\"tool\": \"fragtest\", \"ok\": false' %s/r.json; "
	       "grep -c '<testsuite name=\"fragtest\" tests=\"12\"' %s/r.xml; "
	       "grep -q '<failure' %s/r.xml && grep -q 'reproduce: fragtest "
	       "diff' %s/r.html && echo found",
	       dir, dir, dir, dir);
	cr_assert_str_eq(r.out, "1\n1\nfound\n", "%s", r.err);
}

Test(fragtest_diff, client_breaking_on_split_length_prefix_is_flagged)
{
	sh_flagged("%s client --server-cmd '%s' --client-cmd '%s {port}' "
		   "--seeds 3 --timeout 5s --start-timeout 60",
		   run_tool_path("fragtest"), rr("lenserver", NULL),
		   rr("client", "splitlen"));
	assert_flagged("down=bytes seed 1: client exit status 3 (baseline: "
		       "exit status 0)");
	cr_assert(strstr(o.err, "  stdout differs from line"), "%s", o.err);
	cr_assert(strstr(o.err, "\n  - ") && strstr(o.err, "\n  + "), "%s",
		  o.err);
	ftt_sh(&o,
	       "%s client --server-cmd '%s' --client-cmd '%s {port}' --seeds "
	       "3 --timeout 5s --start-timeout 60",
	       run_tool_path("fragtest"), rr("lenserver", NULL),
	       rr("client", NULL));
	cr_assert_eq(o.status, 0, "%s%s", o.out, o.err);
	cr_assert(strstr(o.out, "under 12 policies"), "%s", o.out);
}

Test(fragtest_diff, capture_then_diff)
{
	const char *dir = ftt_tmpdir();
	char buf[256];
	FILE *f;

	ftt_sh(&o,
	       "%s capture --server-cmd '%s' --client-cmd '%s {port}' --out "
	       "%s/cap --start-timeout 60",
	       run_tool_path("fragtest"), rr("lenserver", NULL),
	       rr("client", NULL), dir);
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(strstr(o.out, "captured 1 connection in"), "%s", o.out);
	snprintf(buf, sizeof(buf), "%s/cap/index", dir);
	f = fopen(buf, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(buf, sizeof(buf), f));
	cr_assert_str_eq(buf, "# fragproxy capture v1\n");
	cr_assert_not_null(fgets(buf, sizeof(buf), f));
	cr_assert_str_eq(buf, "0 conn-0.up conn-0.down\n");
	fclose(f);
	ftt_sh(&r, "wc -c < %s/cap/conn-0.down", dir);
	cr_assert_str_eq(r.out, "4380\n"); /* 24 x (2 + 5 + 37i % 400) */
	ftt_sh(&o,
	       "%s diff --server-cmd '%s' --requests %s/cap " FAST
	       " --half-close",
	       run_tool_path("fragtest"), rr("lenserver", NULL), dir);
	cr_assert_eq(o.status, 0, "%s%s", o.out, o.err);
}

Test(fragtest_diff, capture_failures)
{
	const char *dir = ftt_tmpdir();

	ftt_sh(&o,
	       "%s capture --server-cmd '%s' --client-cmd 'true {port}' --out "
	       "%s/c1 --start-timeout 60",
	       run_tool_path("fragtest"), rr("server", NULL), dir);
	cr_assert_eq(o.status, 1);
	cr_assert(strstr(o.err, "the client made no connection"), "%s", o.err);
	ftt_sh(&o,
	       "%s capture --server-cmd '%s' --client-cmd 'exit 4' --out "
	       "%s/c2 --start-timeout 60",
	       run_tool_path("fragtest"), rr("server", NULL), dir);
	cr_assert_eq(o.status, 1);
	cr_assert(strstr(o.err, "the client exited with 4"), "%s", o.err);
	ftt_sh(&o, "%s capture --server-cmd x --out %s/c3",
	       run_tool_path("fragtest"), dir);
	cr_assert_eq(o.status, 2);
}

Test(fragtest_diff, bad_request_input_is_one_line_exit_2)
{
	const char *dir = ftt_tmpdir();
	const char *srv = rr("server", NULL);

	ftt_sh(&o, "%s diff --server-cmd '%s' --requests %s/missing",
	       run_tool_path("fragtest"), srv, dir);
	cr_assert_eq(o.status, 2);
	cr_assert(strstr(o.err, "missing: No such file or directory\n"), "%s",
		  o.err);
	ftt_sh(&o,
	       ": > %s/empty; %s diff --server-cmd '%s' --requests "
	       "%s/empty",
	       dir, run_tool_path("fragtest"), srv, dir);
	cr_assert_eq(o.status, 2);
	cr_assert(strstr(o.err, "empty: the request file is empty\n"), "%s",
		  o.err);
	cr_assert_eq(strchr(o.err, '\n') - o.err + 1, (long)strlen(o.err),
		     "more than one line: %s", o.err);
	ftt_sh(&o,
	       "mkdir %s/other && echo '# fragproxy record v1' > "
	       "%s/other/index; %s diff --server-cmd '%s' --requests "
	       "%s/other",
	       dir, dir, run_tool_path("fragtest"), srv, dir);
	cr_assert_eq(o.status, 2);
	cr_assert(strstr(o.err, "not a fragtest capture (index has another "
				"format"),
		  "%s", o.err);
	cr_assert_eq(strchr(o.err, '\n') - o.err + 1, (long)strlen(o.err),
		     "more than one line: %s", o.err);
	ftt_sh(&o,
	       "mkdir %s/noindex; %s diff --server-cmd '%s' --requests "
	       "%s/noindex",
	       dir, run_tool_path("fragtest"), srv, dir);
	cr_assert_eq(o.status, 2);
	cr_assert(strstr(o.err, "not a fragtest capture (no index"), "%s",
		  o.err);
}

/* `sh -c` that records its pid, then becomes cmd. */
static const char *pidded(const char *dir, const char *cmd)
{
	static char c[1024];

	snprintf(c, sizeof(c), "echo $$ >> %s/pids; exec %s", dir, cmd);
	return c;
}

Test(fragtest_diff, server_never_listening_or_printing_garbage)
{
	const char *dir = ftt_tmpdir();
	char pids[300];

	snprintf(pids, sizeof(pids), "%s/pids", dir);
	ftt_sh(&o, "%s diff --server-cmd '%s' --requests %s --start-timeout 1",
	       run_tool_path("fragtest"), pidded(dir, "sleep 60 {port}"),
	       requests());
	cr_assert_eq(o.status, 2, "%s", o.err);
	cr_assert(strstr(o.err, "baseline (direct, whole writes) failed: "
				"server command failed: server did not accept "
				"on port"),
		  "%s", o.err);
	cr_assert(ftt_pids_gone(pids));
	ftt_sh(&o, "%s diff --server-cmd '%s' --requests %s --start-timeout 1",
	       run_tool_path("fragtest"),
	       pidded(dir, "sh -c \"head -c 3000 /dev/urandom; exec sleep "
			   "60\""),
	       requests());
	cr_assert_eq(o.status, 2, "%s", o.err);
	cr_assert(strstr(o.err, "server printed no 'listening on HOST:PORT' "
				"line within 1 s"),
		  "%s", o.err);
	cr_assert(ftt_pids_gone(pids));
}

Test(fragtest_diff, server_crashing_mid_run_is_a_failure)
{
	const char *dir = ftt_tmpdir();
	char pids[300];

	snprintf(pids, sizeof(pids), "%s/pids", dir);
	diff_flagged(pidded(dir, rr("server", "crash")), "");
	assert_flagged("server was killed by signal 6 during the run");
	cr_assert(ftt_pids_gone(pids));
}

Test(fragtest_diff, usage_and_help)
{
	const char *cmds[] = {"capture", "diff", "client"};

	for (int i = 0; i < 3; i++) {
		ftt_sh(&o, "%s %s --help", run_tool_path("fragtest"), cmds[i]);
		cr_assert_eq(o.status, 0);
		cr_assert(strncmp(o.out, "usage: fragtest ", 16) == 0, "%s",
			  o.out);
	}
	ftt_sh(&o, "%s diff --server-cmd x", run_tool_path("fragtest"));
	cr_assert_eq(o.status, 2);
	cr_assert(strstr(o.err, "diff needs --requests DIR|FILE"), "%s", o.err);
	ftt_sh(&o, "%s client --server-cmd x", run_tool_path("fragtest"));
	cr_assert_eq(o.status, 2);
	cr_assert(strstr(o.err, "client needs --client-cmd"), "%s", o.err);
	ftt_sh(&o, "%s diff --server-cmd x --requests y --seeds 0",
	       run_tool_path("fragtest"));
	cr_assert_eq(o.status, 2);
	cr_assert(strstr(o.err, "--seeds: '0'"), "%s", o.err);
	ftt_sh(&o, "%s diff --server-cmd x --requests y --seeds 5-2",
	       run_tool_path("fragtest"));
	cr_assert_eq(o.status, 2);
	cr_assert(strstr(o.err, "--seeds: '2'"), "%s", o.err);
	ftt_sh(&o, "%s diff --server-cmd x --requests y --mask '('",
	       run_tool_path("fragtest"));
	cr_assert_eq(o.status, 2);
	cr_assert(strstr(o.err, "bad --mask '('"), "%s", o.err);
	ftt_sh(&o, "%s diff --server-cmd x --requests y --up-framing nope",
	       run_tool_path("fragtest"));
	cr_assert_eq(o.status, 2);
	cr_assert(strstr(o.err, "bad --up-framing 'nope'"), "%s", o.err);
}

Test(fragtest_diff, run_half_close_finds_replies_dropped_at_eof)
{
	const char *args = "--framing line --clients 1 --messages 30 "
			   "--timeout 5 --start-timeout 60";

	ftt_sh(&o, "%s run --server-cmd '%s' %s", run_tool_path("fragtest"),
	       rr("echo", "dropeof"), args);
	cr_assert_eq(o.status, 0, "flagged without --half-close: %s", o.err);
	ftt_sh(&o, "%s run --server-cmd '%s' %s --half-close",
	       run_tool_path("fragtest"), rr("echo", "dropeof"), args);
	cr_assert_eq(o.status, 1, "%s", o.err);
	/* how many echoes left before the FIN was read depends on timing;
	 * that the rest were dropped does not */
	cr_assert(strstr(o.err, "connection 0: unexpected close after ") &&
		      strstr(o.err, " of 30 frames verified"),
		  "%s", o.err);
	cr_assert(strstr(o.err, "reproduce: fragtest run --framing line "),
		  "%s", o.err);
	cr_assert(strstr(o.err, " --half-close "), "%s", o.err);
	ftt_sh(&o, "%s run --server-cmd '%s' %s --half-close",
	       run_tool_path("fragtest"), rr("echo", NULL), args);
	cr_assert_eq(o.status, 0, "%s", o.err);
	/* a correct concurrent server, several connections */
	ftt_sh(&o,
	       "%s run --server-cmd '%s --model epoll --framing len:2be "
	       "--listen 127.0.0.1:0' --half-close --framing len:2be "
	       "--clients 3 --messages 40 --split bytes --start-timeout 60",
	       run_tool_path("fragtest"), run_tool_path("echod"));
	cr_assert_eq(o.status, 0, "%s", o.err);
}

Test(fragtest_diff, sigint_stops_server_and_client_groups)
{
	const char *dir = ftt_tmpdir();
	char pids[300], client[600];
	pid_t pid;

	snprintf(pids, sizeof(pids), "%s/pids", dir);
	snprintf(client, sizeof(client), "echo $$ >> %s; exec sleep 60", pids);
	pid = ftt_spawn(dir,
			"exec %s client --server-cmd '%s' --client-cmd '%s' "
			"--timeout 60s --start-timeout 60",
			run_tool_path("fragtest"),
			pidded(dir, rr("server", NULL)), client);
	/* the server and the client are up */
	cr_assert(ftt_wait_lines(pids, 2), "server or client never started");
	kill(pid, SIGINT);
	ftt_wait(pid, dir, &o);
	cr_assert_eq(o.status, 130, "status %d: %s", o.status, o.err);
	cr_assert(ftt_pids_gone(pids));
}

Test(fragtest_diff, target_server_already_running)
{
	const char *dir = ftt_tmpdir();
	char path[300], line[128] = "";
	const char *port = NULL;
	pid_t pid;
	FILE *f;

	/* timeout: never outlives a failed test by long */
	pid = ftt_spawn(dir, "exec timeout 60 %s", rr("server", "onereq"));
	snprintf(path, sizeof(path), "%s/out", dir);
	cr_assert(ftt_wait_lines(path, 1), "server never printed a line");
	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	fclose(f);
	port = strrchr(line, ':');
	cr_assert_not_null(port, "%s", line);
	sh_flagged("%s diff --target 127.0.0.1:%d --requests %s --seeds 3 "
		   "--quiet 50ms --timeout 2s",
		   run_tool_path("fragtest"), atoi(port + 1), requests());
	cr_assert(strstr(o.err, "reproduce: fragtest diff --target "
				"127.0.0.1:"),
		  "%s", o.err);
	assert_flagged("reply stream has extra bytes"); /* reruns it */
	kill(pid, SIGTERM);
	ftt_wait(pid, dir, &r);
}
