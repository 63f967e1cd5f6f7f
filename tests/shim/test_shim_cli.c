/* The fragshim launcher: help and usage errors, options carried in the one
 * FRAGSHIM variable (and taken from it), targets the loader cannot reach
 * refused with one line, a bad FRAGSHIM refused by the library itself, and
 * glibc's fortified entry points cut like the plain calls. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "shim_test.h"

static struct ftt_out o;

#define SHOW "status %d\nout: %s\nerr: %s", o.status, o.out, o.err

/* Lines in text. */
static int lines(const char *text)
{
	return sh_count(text, "\n");
}

TestSuite(shim_cli, .timeout = 60);

Test(shim_cli, help_and_usage_errors)
{
	ftt_sh(&o, "%s --help", run_tool_path("fragshim"));
	cr_assert(o.status == 0 && strstr(o.out, "usage: fragshim") &&
		      strstr(o.out, "--eintr-any") &&
		      strstr(o.out, "--no-children"),
		  SHOW);
	ftt_sh(&o, "%s --split bytes", run_tool_path("fragshim"));
	cr_assert(o.status == 2 && lines(o.err) == 1 &&
		      strstr(o.err, "no command"),
		  SHOW);
	ftt_sh(&o, "%s --split wobbly -- true", run_tool_path("fragshim"));
	cr_assert(o.status == 2 && lines(o.err) == 1 &&
		      strstr(o.err, "--split") && strstr(o.err, "wobbly"),
		  SHOW);
	ftt_sh(&o, "%s --eintr 1.5 -- true", run_tool_path("fragshim"));
	cr_assert(o.status == 2 && strstr(o.err, "--eintr"), SHOW);
	ftt_sh(&o, "%s --fds disks -- true", run_tool_path("fragshim"));
	cr_assert(o.status == 2 && strstr(o.err, "--fds"), SHOW);
	ftt_sh(&o, "%s --split coalesce:10 -- true", run_tool_path("fragshim"));
	cr_assert(o.status == 2 && strstr(o.err, "--split"), SHOW);
	ftt_sh(&o, "%s --log 'a b' -- true", run_tool_path("fragshim"));
	cr_assert(o.status == 2 && strstr(o.err, "white space"), SHOW);
	ftt_sh(&o, "%s --bogus -- true", run_tool_path("fragshim"));
	cr_assert(o.status == 2 && lines(o.err) == 1 &&
		      strstr(o.err, "--bogus"),
		  SHOW);
	ftt_sh(&o, "%s --seed", run_tool_path("fragshim"));
	cr_assert(o.status == 2 && lines(o.err) == 1 && strstr(o.err, "--seed"),
		  SHOW);
	ftt_sh(&o, "%s -- /nonexistent/prog", run_tool_path("fragshim"));
	cr_assert(o.status == 127 && lines(o.err) == 1, SHOW);
}

/* Options travel in FRAGSHIM; one already set comes first, so a tool can
 * pass a run's options on and a wrapper add to them. */
Test(shim_cli, options_travel_in_one_variable)
{
	ftt_sh(&o,
	       "FRAGSHIM='--seed 4' %s --split bytes --log rel.log "
	       "--print-env",
	       run_tool_path("fragshim"));
	cr_assert(o.status == 0, SHOW);
	cr_assert(strstr(o.out, "FRAGSHIM=--seed 4 --split bytes --log /"),
		  SHOW);
	cr_assert(strstr(o.out, "LD_PRELOAD=/") &&
		      strstr(o.out, "libfragshim.so"),
		  SHOW);
	ftt_sh(&o, "FRAGSHIM='--split bytes' %s -- sh -c 'echo $FRAGSHIM'",
	       run_tool_path("fragshim"));
	cr_assert(o.status == 0 && strstr(o.out, "--split bytes"), SHOW);
	ftt_sh(&o, "FRAGSHIM='--bogus' %s -- true", run_tool_path("fragshim"));
	cr_assert(o.status == 2 && strstr(o.err, "bogus"), SHOW);
	/* The variable alone is enough: what other tools set. */
	ftt_sh(&o,
	       "L=$(%s --print-env | sed -n 's/^LD_PRELOAD=//p'); "
	       "FRAGSHIM='--split bytes' LD_PRELOAD=$L %s stream sr 3000",
	       run_tool_path("fragshim"), run_tool_path("shim_probe"));
	cr_assert(o.status == 0 && sh_val(o.out, "wcalls") == 3000, SHOW);
}

/* Preloaded by hand with a bad FRAGSHIM: one line and exit 2, never a run
 * that silently does nothing. */
Test(shim_cli, library_refuses_bad_options)
{
	ftt_sh(&o,
	       "L=$(%s --print-env | sed -n 's/^LD_PRELOAD=//p'); "
	       "FRAGSHIM='--split nope' LD_PRELOAD=$L /bin/true",
	       run_tool_path("fragshim"));
	cr_assert(o.status == 2 && lines(o.err) == 1 &&
		      strstr(o.err, "fragshim: --split"),
		  SHOW);
}

Test(shim_cli, refuses_static_and_setuid_targets)
{
	const char *dir = ftt_tmpdir();

	ftt_sh(&o, "%s --split bytes -- %s", run_tool_path("fragshim"),
	       run_tool_path("shim_static"));
	cr_assert(o.status == 1 && lines(o.err) == 1 &&
		      strstr(o.err, "statically linked"),
		  SHOW);
	ftt_sh(&o, "cp %s %s/suid && chmod 4755 %s/suid && %s -- %s/suid",
	       run_tool_path("shim_probe"), dir, dir, run_tool_path("fragshim"),
	       dir);
	cr_assert(o.status == 1 && lines(o.err) == 1 && strstr(o.err, "setuid"),
		  SHOW);
	ftt_sh(&o, "cp %s %s/sgid && chmod 2755 %s/sgid && %s -- %s/sgid",
	       run_tool_path("shim_probe"), dir, dir, run_tool_path("fragshim"),
	       dir);
	cr_assert(o.status == 1 && strstr(o.err, "setgid"), SHOW);
	/* A script is judged by its interpreter, which is dynamic. */
	ftt_sh(&o,
	       "printf '#!/bin/sh\\necho ran\\n' > %s/s.sh && chmod +x "
	       "%s/s.sh && %s -- %s/s.sh",
	       dir, dir, run_tool_path("fragshim"), dir);
	cr_assert(o.status == 0 && strstr(o.out, "ran"), SHOW);
}

/* With _FORTIFY_SOURCE the program calls __read_chk, __recv_chk and
 * __recvfrom_chk, not read/recv/recvfrom: those are cut too. */
Test(shim_cli, fortified_entry_points)
{
	ftt_sh(&o, "nm -D %s", run_tool_path("shim_fortify"));
	cr_assert(strstr(o.out, "U __read_chk") &&
		      strstr(o.out, "U __recv_chk") &&
		      strstr(o.out, "U __recvfrom_chk"),
		  "not fortified: %s", o.out);
	ftt_sh(&o, "%s 30", run_tool_path("shim_fortify"));
	cr_assert(strstr(o.out, "read=30 recv=10 recvfrom=0"), SHOW);
	ftt_sh(&o, "%s --read list:2,3,4 -- %s 30", run_tool_path("fragshim"),
	       run_tool_path("shim_fortify"));
	cr_assert(strstr(o.out, "read=2 recv=3 recvfrom=4"), SHOW);
}
