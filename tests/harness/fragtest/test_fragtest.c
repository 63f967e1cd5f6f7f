/* fragtest against real servers: every correct echod model passes, naive
 * fails and its reproduce line reproduces; evil servers (flip, drop, dup)
 * are caught; process groups are always cleaned up; usage errors. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "test_fragtest_util.h"

/* Small workloads: the suite runs under ASan on 2 shared cores. */
#define SMALL "--clients 2 --messages 30 --size 1-24 --start-timeout 60"

static struct ftt_out o;

static const char *evil(const char *framing, const char *mode, int frame)
{
	static char cmd[2][1024];
	static int k;
	char *c = cmd[k++ % 2];

	snprintf(c, sizeof(cmd[0]), "%s --framing %s --mode %s --frame %d",
		 run_tool_path("ft_evil_echo"), framing, mode, frame);
	return c;
}

static const char *echod(const char *model, const char *framing)
{
	static char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "%s --model %s --framing %s --listen "
		 "127.0.0.1:0",
		 run_tool_path("echod"), model, framing);
	return cmd;
}

/* Runs the reproduce line printed in o.err; returns its result in r. */
static void rerun(struct ftt_out *r)
{
	const char *line = ftt_line_after(o.err, "reproduce: fragtest ");

	cr_assert_not_null(line, "no reproduce line in: %s", o.err);
	ftt_sh(r, "%s %s", run_tool_path("fragtest"), line);
}

TestSuite(fragtest, .timeout = 120);

/* One test per model so Criterion runs them side by side. The models
 * share echod's codec core, so two framings suffice here; the demo and
 * the evil-server tests cover cobs and others. Runs the 8-cell matrix for
 * `model` into o; true when it exits 0 with every cell passed. */
static bool model_passes(const char *model)
{
	ftt_sh(&o,
	       "%s matrix --models %s --framing line --framing len:4be "
	       "--split bytes --split random:1-16 --split "
	       "fixed:7 --split coalesce:64,ms=2 --clients 2 --messages 20 "
	       "--size 1-24 "
	       "--timeout 30 --start-timeout 60",
	       run_tool_path("fragtest"), model);
	return o.status == 0 && strstr(o.out, "8 cells: 8 passed") &&
	       !strstr(o.out, "FAIL");
}

/* One test per echod model, each named after it. */
#define MODEL_PASSES(m)                                                        \
	Test(fragtest, m##_passes_every_policy)                                \
	{                                                                      \
		cr_assert(model_passes(#m), "status %d\nout: %s\nerr: %s",     \
			  o.status, o.out, o.err);                             \
	}

MODEL_PASSES(iterative)
MODEL_PASSES(fork)
MODEL_PASSES(thread)
MODEL_PASSES(select)
MODEL_PASSES(poll)
MODEL_PASSES(epoll)

Test(fragtest, naive_fails_under_fragmentation_and_reproduces)
{
	static struct ftt_out r;

	ftt_sh(
	    &o,
	    "%s run --framing len:4be --split bytes --server-cmd '%s' " SMALL,
	    run_tool_path("fragtest"), echod("naive", "len:4be"));
	cr_assert_eq(o.status, 1, "err: %s", o.err);
	cr_assert(strstr(o.err, "connection 0: "), "%s", o.err);
	rerun(&r);
	cr_assert_eq(r.status, 1, "reproduce passed: %s %s", r.out, r.err);
	cr_assert(strstr(r.err, "connection 0: "), "%s", r.err);
}

Test(fragtest, matrix_expect_fail_gives_exit_0_only_when_exact)
{
	const char *base = "matrix --models epoll,naive --framing line "
			   "--split random:1-16 " SMALL;

	ftt_sh(&o, "%s %s --expect-fail naive", run_tool_path("fragtest"),
	       base);
	cr_assert_eq(o.status, 0, "%s %s", o.out, o.err);
	cr_assert(strstr(o.out, "xfail"), "%s", o.out);
	cr_assert(strstr(o.out, "every cell as expected"), "%s", o.out);
	ftt_sh(&o, "%s %s", run_tool_path("fragtest"), base);
	cr_assert_eq(o.status, 1, "%s", o.out);
	ftt_sh(&o, "%s %s --expect-fail 'ep*'", run_tool_path("fragtest"),
	       base);
	cr_assert_eq(o.status, 1, "%s", o.out);
	cr_assert(strstr(o.out, "XPASS"), "%s", o.out);
}

Test(fragtest, flipped_byte_is_caught_with_frame_and_byte)
{
	static struct ftt_out r;
	const char *msg;
	char first[512];

	ftt_sh(&o,
	       "%s run --framing len:2be --split random:1-16 "
	       "--server-cmd '%s' " SMALL,
	       run_tool_path("fragtest"), evil("len:2be", "flip", 7));
	cr_assert_eq(o.status, 1, "%s", o.err);
	msg = ftt_line_after(o.err, "connection 0: ");
	cr_assert_not_null(msg, "%s", o.err);
	cr_assert(strstr(msg, "frame 7 byte "), "%s", msg);
	cr_assert(strstr(msg, "expected [") && strstr(msg, "received ["), "%s",
		  msg);
	snprintf(first, sizeof(first), "%s", msg);
	rerun(&r);
	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(ftt_line_after(r.err, "connection 0: "), first);
}

Test(fragtest, dropped_frame_is_caught)
{
	ftt_sh(&o,
	       "%s run --framing line --split bytes --server-cmd '%s' " SMALL,
	       run_tool_path("fragtest"), evil("line", "drop", 4));
	cr_assert_eq(o.status, 1, "%s", o.err);
	cr_assert(strstr(o.err, "connection 0: frame 4"), "%s", o.err);
}

Test(fragtest, duplicated_frame_is_caught)
{
	ftt_sh(&o,
	       "%s run --framing cobs --split random:1-16 --server-cmd "
	       "'%s' " SMALL,
	       run_tool_path("fragtest"), evil("cobs", "dup", 9));
	cr_assert_eq(o.status, 1, "%s", o.err);
	cr_assert(strstr(o.err, "connection 0: frame 10"), "%s", o.err);
	/* the last frame twice: an extra frame after everything matched */
	ftt_sh(&o, "%s run --framing cobs --server-cmd '%s' " SMALL,
	       run_tool_path("fragtest"), evil("cobs", "dup", 29));
	cr_assert_eq(o.status, 1, "%s", o.err);
	cr_assert(strstr(o.err, "frame 30: extra frame never sent"), "%s",
		  o.err);
}

Test(fragtest, correct_evil_echo_passes_with_port_substitution)
{
	ftt_sh(&o,
	       "%s run --framing len:2be --split random:1-16 --delay 0-1 "
	       "--server-cmd '%s --port {port}' " SMALL,
	       run_tool_path("fragtest"), evil("len:2be", "echo", 0));
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(strstr(o.out, "pass: 2 connections, 60 frames verified"),
		  "%s", o.out);
}

Test(fragtest, server_ignoring_sigterm_is_killed)
{
	const char *dir = ftt_tmpdir();

	ftt_sh(&o,
	       "%s run --framing line --server-cmd '%s --pidfile %s/pids'"
	       " " SMALL,
	       run_tool_path("fragtest"), evil("line", "ignore-term", 0), dir);
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(ftt_pids_gone(strcat(strcpy(o.out, dir), "/pids")));
}

Test(fragtest, sigint_stops_the_server_group)
{
	const char *dir = ftt_tmpdir();
	char pids[256];
	pid_t pid;

	snprintf(pids, sizeof(pids), "%s/pids", dir);
	pid = ftt_spawn(dir,
			"exec %s run --framing line --timeout 60 "
			"--server-cmd '%s --pidfile %s' " SMALL,
			run_tool_path("fragtest"), evil("line", "stall", 0),
			pids);
	/* the server and both connection handlers are up */
	cr_assert(ftt_wait_lines(pids, 3), "server never got connections");
	kill(pid, SIGINT);
	ftt_wait(pid, dir, &o);
	cr_assert_eq(o.status, 130, "status %d: %s", o.status, o.err);
	cr_assert(ftt_pids_gone(pids));
}

Test(fragtest, server_without_listening_line_is_a_clear_error)
{
	const char *dir = ftt_tmpdir();

	ftt_sh(&o,
	       "%s run --framing line --start-timeout 1 --server-cmd "
	       "'%s --pidfile %s/pids'",
	       run_tool_path("fragtest"), evil("line", "silent", 0), dir);
	cr_assert_eq(o.status, 1);
	cr_assert(strstr(o.err, "server printed no 'listening on HOST:PORT' "
				"line within 1 s"),
		  "%s", o.err);
	cr_assert(ftt_pids_gone(strcat(strcpy(o.out, dir), "/pids")));
}

Test(fragtest, server_exiting_at_start_is_named)
{
	ftt_sh(&o, "%s run --framing line --server-cmd '%s'",
	       run_tool_path("fragtest"), evil("line", "exit", 0));
	cr_assert_eq(o.status, 1);
	cr_assert(strstr(o.err, "server exited with status 3 before it was "
				"ready"),
		  "%s", o.err);
	cr_assert(strstr(o.err, "exiting at start on purpose"), "%s", o.err);
	ftt_sh(&o, "%s run --framing line --server-cmd 'no-such-server-xyz'",
	       run_tool_path("fragtest"));
	cr_assert_eq(o.status, 1);
	cr_assert(strstr(o.err, "server exited with status 127"), "%s", o.err);
}

Test(fragtest, server_dying_mid_run_is_named)
{
	ftt_sh(&o, "%s run --framing line --server-cmd '%s' " SMALL,
	       run_tool_path("fragtest"), evil("line", "die", 5));
	cr_assert_eq(o.status, 1);
	cr_assert(strstr(o.err, "server exited with status 4 during the run"),
		  "%s", o.err);
}

Test(fragtest, silent_server_times_out)
{
	ftt_sh(&o, "%s run --framing line --timeout 1 --server-cmd '%s' " SMALL,
	       run_tool_path("fragtest"), evil("line", "stall", 0));
	cr_assert_eq(o.status, 1);
	cr_assert(strstr(o.err, "timeout: nothing received for 1.0 s"), "%s",
		  o.err);
}

Test(fragtest, target_reaches_a_running_server)
{
	const char *dir = ftt_tmpdir();
	char port[16];
	pid_t srv = ftt_spawn(dir, "exec %s", evil("len:4le", "echo", 0));
	char out[512];
	static struct ftt_out so;

	snprintf(out, sizeof(out), "%s/out", dir);
	cr_assert(ftt_wait_lines(out, 1));
	ftt_sh(&o, "cat %s", out);
	snprintf(port, sizeof(port), "%s",
		 ftt_line_after(o.out, "listening on 127.0.0.1:"));
	ftt_sh(&o,
	       "%s run --framing len:4le --target 127.0.0.1:%s --split "
	       "bytes " SMALL,
	       run_tool_path("fragtest"), port);
	kill(srv, SIGTERM);
	ftt_wait(srv, dir, &so);
	cr_assert_eq(o.status, 0, "%s", o.err);
}

Test(fragtest, socat_cat_echo_from_outside_the_project)
{
	if (!ftt_have("socat"))
		cr_skip_test("socat is not installed (ci/deps.d/fragtest.txt)");
	ftt_sh(&o,
	       "%s run --framing line --split random:1-16 --server-cmd "
	       "'socat TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork "
	       "EXEC:cat' " SMALL,
	       run_tool_path("fragtest"));
	cr_assert_eq(o.status, 0, "%s", o.err);
	ftt_sh(&o,
	       "%s run --framing raw --up bytes --down random:1-8 "
	       "--server-cmd "
	       "'socat TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork "
	       "EXEC:cat' " SMALL,
	       run_tool_path("fragtest"));
	cr_assert_eq(o.status, 0, "%s", o.err);
}

static const char py_echo[] =
    "import socket, threading, sys\n"
    "s = socket.socket()\n"
    "s.bind(('127.0.0.1', 0))\n"
    "s.listen(16)\n"
    "print('listening on 127.0.0.1:%d' % s.getsockname()[1], flush=True)\n"
    "def echo(c):\n"
    "    while True:\n"
    "        b = c.recv(4096)\n"
    "        if not b:\n"
    "            break\n"
    "        c.sendall(b)\n"
    "    c.close()\n"
    "while True:\n"
    "    c, _ = s.accept()\n"
    "    threading.Thread(target=echo, args=(c,), daemon=True).start()\n";

Test(fragtest, python_echo_server_from_outside_the_project)
{
	const char *dir = ftt_tmpdir();
	char path[256];
	FILE *f;

	if (!ftt_have("python3"))
		cr_skip_test("python3 is not installed");
	snprintf(path, sizeof(path), "%s/echo.py", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(py_echo, f);
	fclose(f);
	/* Debian's own python3 starts faster than a version-manager shim */
	ftt_sh(&o,
	       "%s run --framing cobs --split random:1-16 --start-timeout "
	       "60 --server-cmd '%s %s' " SMALL,
	       run_tool_path("fragtest"),
	       access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3"
						     : "python3",
	       path);
	cr_assert_eq(o.status, 0, "%s", o.err);
}

Test(fragtest, json_and_junit_reports)
{
	const char *dir = ftt_tmpdir();
	static struct ftt_out r;

	ftt_sh(&o,
	       "%s run --framing line --json %s/r.json --junit %s/r.xml "
	       "--server-cmd '%s' " SMALL,
	       run_tool_path("fragtest"), dir, dir, evil("line", "flip", 3));
	cr_assert_eq(o.status, 1);
	ftt_sh(&r,
	       "python3 -c 'import json,sys; d=json.load(open(\"%s/r.json\"));"
	       " c=d[\"cells\"][0]; print(d[\"ok\"], c[\"result\"], "
	       "c[\"connections\"][0][\"status\"], c[\"connections\"][0]"
	       "[\"frame\"])'",
	       dir);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "False FAIL diverge 3\n");
	ftt_sh(&r,
	       "python3 -c 'import xml.etree.ElementTree as E; "
	       "s=E.parse(\"%s/r.xml\").getroot()[0]; "
	       "print(s.get(\"tests\"), s.get(\"failures\"), "
	       "\"reproduce: fragtest run\" in s[0][0].text)'",
	       dir);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "1 1 True\n");
}

Test(fragtest, matrix_config_file)
{
	const char *dir = ftt_tmpdir();
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/m.conf", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f,
		"# two servers, one framing, two policies\n"
		"server good %s\n"
		"server flip %s\n"
		"framing len:1be\nsplit bytes\nsplit fixed:3\n"
		"expect-fail flip\nclients 2\nmessages 20\nsize 1-20\n",
		evil("{framing}", "echo", 0), evil("{framing}", "flip", 2));
	fclose(f);
	ftt_sh(&o, "%s matrix --config %s", run_tool_path("fragtest"), path);
	cr_assert_eq(o.status, 0, "%s %s", o.out, o.err);
	cr_assert(strstr(o.out, "4 cells: 2 passed, 2 failed as expected"),
		  "%s", o.out);
}

Test(fragtest, usage_errors_exit_2)
{
	static const char *const bad[] = {
	    "",
	    "frobnicate",
	    "run",
	    "run --framing line",
	    "run --framing len:5be --target 127.0.0.1:1",
	    "run --framing line --target 127.0.0.1:1 --split bogus:3",
	    "run --framing line --target 127.0.0.1:1 --clients 0",
	    "run --framing line --target 127.0.0.1:1 --size 9-3",
	    "run --framing line --target 127.0.0.1:1 --server-cmd x",
	    "run --framing line --target 127.0.0.1:1 --no-such-flag",
	    "matrix --framing nope",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ftt_sh(&o, "%s %s", run_tool_path("fragtest"), bad[i]);
		cr_assert_eq(o.status, 2, "'%s' gave %d: %s", bad[i], o.status,
			     o.err);
		cr_assert(!strncmp(o.err, "fragtest: ", 10), "'%s': %s", bad[i],
			  o.err);
	}
	ftt_sh(&o, "%s run --framing len:5be --target 127.0.0.1:1",
	       run_tool_path("fragtest"));
	cr_assert(strstr(o.err, "fragtest: bad spec 'len:5be': "), "%s", o.err);
	ftt_sh(&o, "%s run --framing line --target 127.0.0.1:1 --split x:1",
	       run_tool_path("fragtest"));
	cr_assert(strstr(o.err, "fragtest: bad split 'x:1' (--split): "), "%s",
		  o.err);
	ftt_sh(&o, "%s run --help", run_tool_path("fragtest"));
	cr_assert_eq(o.status, 0);
	cr_assert(strstr(o.out, "--server-cmd"));
}

/* Bad option values are reported the one way every tool reports them
 * (cm_opt_*): the option named, the value quoted, exit 2. */
Test(fragtest, option_errors_name_the_option)
{
	static const struct {
		const char *args, *says;
	} bad[] = {
	    {"--clients 0", "--clients: '0'"},
	    {"--messages 1x", "--messages: '1x'"},
	    {"--seed -1", "--seed: '-1'"},
	    {"--size 9-3", "--size: '9-3'"},
	    {"--size 1-17M", "--size: '17M'"},
	    {"--timeout 0", "--timeout: '0'"},
	    {"--start-timeout soon", "--start-timeout: 'soon'"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ftt_sh(&o, "%s run --framing line --target 127.0.0.1:1 %s",
		       run_tool_path("fragtest"), bad[i].args);
		cr_assert_eq(o.status, 2, "'%s' gave %d: %s", bad[i].args,
			     o.status, o.err);
		cr_assert(strstr(o.err, bad[i].says), "'%s': %s", bad[i].args,
			  o.err);
	}
	/* a bad address is bad usage, not a failed run (issue 17, item 8) */
	ftt_sh(&o, "%s run --framing line --target nowhere --direct",
	       run_tool_path("fragtest"));
	cr_assert_eq(o.status, 2, "%s", o.err);
	cr_assert(strstr(o.err, "--target: 'nowhere': expected HOST:PORT"),
		  "%s", o.err);
}

Test(fragtest, timed_schedule_reproduces_from_the_record)
{
	const char *dir = ftt_tmpdir();
	static struct ftt_out r;

	ftt_sh(&o,
	       "%s run --framing line --split coalesce:32,ms=2 --record "
	       "%s/rec --server-cmd '%s' " SMALL,
	       run_tool_path("fragtest"), dir, evil("line", "flip", 6));
	cr_assert_eq(o.status, 1, "%s", o.err);
	cr_assert(strstr(o.err, "--split replay:"), "%s", o.err);
	cr_assert(strstr(o.err, "connection 0: frame 6 byte"), "%s", o.err);
	rerun(&r);
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert(strstr(r.err, "connection 0: frame 6 byte"), "%s", r.err);
}

/* The HTML report's timeline reads fragproxy's record file: with a fixed
 * split, the failing connection shows several chunks in both colours. */
Test(fragtest, html_timeline_draws_the_recorded_chunks)
{
	const char *dir = ftt_tmpdir();

	ftt_sh(&o,
	       "%s run --framing line --split fixed:7 --record %s/rec --html "
	       "%s/r.html --server-cmd '%s' " SMALL " --clients 1",
	       run_tool_path("fragtest"), dir, dir, evil("line", "flip", 3));
	cr_assert_eq(o.status, 1, "%s", o.err);
	ftt_sh(&o, "cat %s/r.html", dir);
	cr_assert_eq(o.status, 0);
	cr_assert(strstr(o.out, "fragproxy chunks to the server"), "%s", o.out);
	cr_assert_null(strstr(o.out, "(no chunks recorded)"), "%s", o.out);
	cr_assert(strstr(o.out, "#9cc3f5") && strstr(o.out, "#cfe3ff"),
		  "fewer than two chunks drawn: %s", o.out);
}

/* A --target that is not HOST:PORT is bad usage (exit 2) naming the
 * option, not a failed run; and every command's help lists exit 130. */
Test(fragtest, bad_target_is_usage_and_help_lists_130)
{
	static const char *const bad[] = {"nope", "127.0.0.1:99999",
					  "127.0.0.1:", "[::1:80"};
	static const char *const cmds[] = {"run", "matrix", "capture", "diff",
					   "client"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ftt_sh(&o, "%s run --framing line --target '%s'",
		       run_tool_path("fragtest"), bad[i]);
		cr_expect_eq(o.status, 2, "--target %s: status %d: %s", bad[i],
			     o.status, o.err);
		cr_expect(strstr(o.err, "--target") != NULL, "%s", o.err);
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		ftt_sh(&o, "%s %s --help", run_tool_path("fragtest"), cmds[i]);
		cr_expect_eq(o.status, 0, "%s --help: %d", cmds[i], o.status);
		cr_expect(strstr(o.out, "130") != NULL,
			  "%s --help does not list exit 130", cmds[i]);
	}
}
