/* fragtest --shim: the server (and for `client`, the client) runs under
 * libfragshim; a server that ignores short sends passes without it and is
 * caught with it, and the reproduce line carries the shim options. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "run_util.h"

#define SHOW "status %d\nout: %s\nerr: %s", r.status, r.out, r.err

static struct run_result r;

/* fragtest with args (NULL-terminated), result in r. */
static void ft(const char *const *args)
{
	char *argv[40] = {(char *)run_tool_path("fragtest")};

	for (int i = 0; args[i] != NULL && i < 38; i++)
		argv[i + 1] = (char *)args[i];
	cr_assert_eq(run_prog(argv, "", 0, &r), 0, "cannot run fragtest");
}
#define FT(...) ft((const char *[]){__VA_ARGS__, NULL})
#define RUN                                                                    \
	"run", "--framing", "line", "--direct", "--clients", "2",              \
	    "--messages", "40", "--size", "1-300", "--timeout", "2",           \
	    "--start-timeout", "60", "--seed", "3"

static void fini(void)
{
	run_free(&r);
}

TestSuite(shim_fragtest, .fini = fini, .timeout = 120);

Test(shim_fragtest, short_send_caught_only_with_shim)
{
	char srv[512], line[2048];
	const char *rep, *nl;

	snprintf(srv, sizeof(srv), "%s {port}",
		 run_tool_path("bug_short_send"));
	FT(RUN, "--server-cmd", srv);
	cr_assert(r.status == 0 && strstr(r.out, "pass"), SHOW);
	run_free(&r);

	FT(RUN, "--server-cmd", srv, "--shim", "--write fixed:3");
	cr_assert_eq(r.status, 1, SHOW);
	rep = strstr(r.err, "reproduce: ");
	cr_assert(rep, SHOW);
	/* the run's seed is made the shim's seed, and printed */
	cr_assert(strstr(rep, " --shim '--write fixed:3 --seed 3'"), SHOW);

	/* the reproduce line, run as printed, fails the same way */
	rep += strlen("reproduce: fragtest");
	nl = strchr(rep, '\n');
	cr_assert(nl, SHOW);
	snprintf(line, sizeof(line), "exec '%s'%.*s", run_tool_path("fragtest"),
		 (int)(nl - rep), rep);
	run_free(&r);
	char *sh[] = {"/bin/sh", "-c", line, NULL};
	cr_assert_eq(run_prog(sh, "", 0, &r), 0);
	cr_assert_eq(r.status, 1, "%s\nstatus %d\nout: %s\nerr: %s", line,
		     r.status, r.out, r.err);
	cr_assert(strstr(r.err, "--shim '--write fixed:3 --seed 3'"), SHOW);
}

Test(shim_fragtest, correct_server_passes_and_own_seed_is_kept)
{
	char srv[512];

	snprintf(srv, sizeof(srv),
		 "%s --model poll --framing line --listen 127.0.0.1:{port}",
		 run_tool_path("echod"));
	FT(RUN, "--server-cmd", srv, "--shim", "--split bytes --seed 7");
	cr_assert(r.status == 0 && strstr(r.out, "pass"), SHOW);
	run_free(&r);
	/* a failing run shows the options as given when they name a seed */
	snprintf(srv, sizeof(srv), "%s {port}",
		 run_tool_path("bug_short_send"));
	FT(RUN, "--server-cmd", srv, "--shim", "--write bytes --seed 7");
	cr_assert_eq(r.status, 1, SHOW);
	cr_assert(strstr(r.err, "--shim '--write bytes --seed 7' --seed 3"),
		  SHOW);
}

Test(shim_fragtest, bad_shim_usage)
{
	FT("run", "--framing", "line", "--target", "127.0.0.1:1", "--shim",
	   "--split bytes");
	cr_assert(r.status == 2 && strstr(r.err, "--shim"), SHOW);
	run_free(&r);
	FT("matrix", "--shim", "--split bytes");
	cr_assert(r.status == 2 && strstr(r.err, "--shim"), SHOW);
	run_free(&r);
	/* a bad shim option: the launcher refuses it, the run fails */
	char srv[512];

	snprintf(srv, sizeof(srv), "%s {port}",
		 run_tool_path("bug_short_send"));
	FT(RUN, "--server-cmd", srv, "--shim", "--no-such-option 1");
	cr_assert(r.status == 1 && strstr(r.err, "no-such-option"), SHOW);
}

/* client: the client command runs under the shim too (it fails unless
 * it sees the shim's variables; fragtest then reports a bad baseline). */
Test(shim_fragtest, client_runs_under_shim)
{
	static const char client[] =
	    "case \"$LD_PRELOAD\" in *fragshim*) ;; *) exit 3;; esac; "
	    "test -n \"$FRAGSHIM\" || exit 4; echo ok";
	char srv[512];

	snprintf(srv, sizeof(srv),
		 "%s --model poll --framing line --listen 127.0.0.1:{port}",
		 run_tool_path("echod"));
	FT("client", "--server-cmd", srv, "--client-cmd", client, "--split",
	   "bytes", "--seed", "1", "--start-timeout", "60");
	cr_assert_eq(r.status, 2, "without --shim: " SHOW);
	run_free(&r);
	FT("client", "--server-cmd", srv, "--client-cmd", client, "--split",
	   "bytes", "--seed", "1", "--start-timeout", "60", "--shim",
	   "--split random:1-9");
	cr_assert_eq(r.status, 0, "with --shim: " SHOW);
}
