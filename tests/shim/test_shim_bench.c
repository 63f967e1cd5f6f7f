/* shim_bench with tiny sizes, so its plumbing (re-running itself with and
 * without the preload) cannot rot between hand-run measurements. No speed
 * is asserted, except that cutting 64-byte messages into bytes costs more
 * calls' worth of time than not cutting them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "shim_test.h"

static struct ftt_out o;

Test(shim_bench, measures_every_mode, .timeout = 120)
{
	double none, idle, bytes;
	const char *row;

	ftt_sh(&o, "%s --iters 2000 --rounds 1", run_tool_path("shim_bench"));
	cr_assert_eq(o.status, 0, "%s%s", o.out, o.err);
	cr_assert(strstr(o.out, "no shim") && strstr(o.out, "shim idle") &&
		      strstr(o.out, "shim bytes") &&
		      strstr(o.out, "added per socket call"),
		  "%s", o.out);
	row = strstr(o.out, "ns/64-byte message, socket");
	cr_assert(
	    row && sscanf(row + 26, "%lf %lf %lf", &none, &idle, &bytes) == 3,
	    "%s", o.out);
	/* 128 calls per message against 2: the cuts really happened. */
	cr_assert_gt(bytes, 5 * none, "%s", o.out);
}

Test(shim_bench, refuses_bad_options)
{
	ftt_sh(&o, "%s --iters 0", run_tool_path("shim_bench"));
	cr_assert(o.status == 2 && strstr(o.err, "--iters"), "%s", o.err);
	ftt_sh(&o, "%s --lib /nonexistent.so", run_tool_path("shim_bench"));
	cr_assert(o.status == 2 && strstr(o.err, "/nonexistent.so"), "%s",
		  o.err);
}
