/* The wrappers inside a real program (shim_probe under fragshim): byte-
 * exact streams through every call family under every policy, iovec and
 * msghdr trimming on copies, MSG_PEEK/MSG_WAITALL, when EINTR and EAGAIN
 * may appear, which descriptors are touched, threads, fork, exec, the log
 * and reproducibility. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "shim_test.h"

static struct ftt_out o;

/* shim_probe ARGS, under fragshim OPTS unless opts is NULL. */
static void probe(const char *opts, const char *args)
{
	if (opts)
		ftt_sh(&o, "%s %s -- %s %s", run_tool_path("fragshim"), opts,
		       run_tool_path("shim_probe"), args);
	else
		ftt_sh(&o, "%s %s", run_tool_path("shim_probe"), args);
}

#define SHOW "status %d\nout: %s\nerr: %s", o.status, o.out, o.err
/* The same with a prefix that has arguments of its own. */
#define SHOWF "status %d\nout: %s\nerr: %s"
#define SHOWA o.status, o.out, o.err

TestSuite(shim_wrap, .timeout = 120);

static const char *const apis[] = {"rw", "sr", "to", "v", "msg"};
static const char *const policies[] = {
    "--split bytes",
    "--split fixed:7",
    "--split random:1-300 --seed 9",
    "--read list:1,2,3,500,repeat --write random:1-64,seed=4",
    "--split random:1-50 --eintr 0.3",
    "--split random:1-50 --eintr 0.3 --eintr-any",
};

/* Every call family, every policy: the bytes arrive exact and in order. */
Test(shim_wrap, byte_exact_every_api_every_policy)
{
	char args[128];

	for (size_t a = 0; a < sizeof(apis) / sizeof(apis[0]); a++)
		for (size_t p = 0; p < sizeof(policies) / sizeof(policies[0]);
		     p++) {
			snprintf(args, sizeof(args), "stream %s 100000 sig",
				 apis[a]);
			probe(policies[p], args);
			cr_assert(
			    o.status == 0 && sh_val(o.out, "bytes") == 100000 &&
				sh_val(o.out, "match") == 1,
			    "%s [%s]: " SHOWF, apis[a], policies[p], SHOWA);
		}
}

/* Cutting really happens: 1-byte chunks mean one call per byte each way,
 * where without the shim a few calls move everything. */
Test(shim_wrap, bytes_means_one_byte_per_call)
{
	probe(NULL, "stream sr 20000");
	cr_assert(o.status == 0 && sh_val(o.out, "wcalls") < 100, SHOW);
	cr_assert_eq(sh_val(o.out, "wshort"), 0, SHOW);
	probe("--split bytes", "stream sr 20000");
	cr_assert(o.status == 0 && sh_val(o.out, "match") == 1, SHOW);
	cr_assert_eq(sh_val(o.out, "wcalls"), 20000, SHOW);
	cr_assert_geq(sh_val(o.out, "rcalls"), 20000, SHOW);
	cr_assert_gt(sh_val(o.out, "wshort"), 0, SHOW);
}

Test(shim_wrap, tcp_nonblocking_with_eagain)
{
	probe("--split random:1-100 --eagain 0.4 --seed 3",
	      "stream sr 200000 tcp nb");
	cr_assert(o.status == 0 && sh_val(o.out, "match") == 1 &&
		      sh_val(o.out, "bytes") == 200000,
		  SHOW);
	cr_assert_gt(sh_val(o.out, "eagain"), 100, SHOW);
	cr_assert_eq(sh_val(o.out, "eintr"), 0, SHOW);
}

/* The default --fds is stream sockets: TCP and AF_UNIX alike. tcp only
 * leaves AF_UNIX alone. */
Test(shim_wrap, fds_tcp_leaves_unix_sockets_alone)
{
	probe("--split bytes --fds tcp", "stream sr 5000");
	cr_assert(o.status == 0 && sh_val(o.out, "wshort") == 0, SHOW);
	probe("--split bytes --fds tcp", "stream sr 5000 tcp");
	cr_assert(o.status == 0 && sh_val(o.out, "wcalls") == 5000, SHOW);
}

Test(shim_wrap, iovec_and_msghdr_trimmed_on_copies)
{
	probe(NULL, "iov");
	cr_assert(strstr(o.out, "writev=12 sendmsg=12 readv=12 recvmsg=12 "
				"bigw=100 bigr=100 untouched=1 "
				"d1=abcdefghijkl d2=abcdefghijkl"),
		  SHOW);
	probe("--write list:5,5,50 --read list:6,6,30", "iov");
	/* writev sent abcde, sendmsg abcde: the reads see abcdeabcde. */
	cr_assert(strstr(o.out,
			 "writev=5 sendmsg=5 readv=6 recvmsg=4 "
			 "bigw=50 bigr=30 untouched=1 d1=abcdea d2=bcde"),
		  SHOW);
}

/* MSG_PEEK neither is cut nor uses up a chunk; MSG_WAITALL is not cut. */
Test(shim_wrap, peek_and_waitall)
{
	probe("--read list:3,5,7", "peek");
	cr_assert(strstr(o.out, "peek=100 r1=3 waitall=20 r2=5"), SHOW);
}

/* --eintr 1: EINTR only with a non-SA_RESTART handler this thread does
 * not block, only on blocking calls, never twice in a row. */
Test(shim_wrap, eintr_only_where_a_program_could_see_it)
{
	probe("--eintr 1", "eintr");
	cr_assert(strstr(o.out, "nohandler=0 restart=0 norestart=5 run=1 "
				"nonblock=0 blocked=0"),
		  SHOW);
	probe("--eintr 1 --eintr-any", "eintr");
	cr_assert(strstr(o.out, "nohandler=5 restart=5 norestart=5 run=1 "
				"nonblock=0 blocked=5"),
		  SHOW);
}

Test(shim_wrap, eagain_only_on_nonblocking_calls)
{
	probe("--eagain 1", "eagain");
	cr_assert(strstr(o.out, "blocking=0 dontwait=5 run=1 nonblock=5 run=1"),
		  SHOW);
}

/* Pipes, files and datagram sockets untouched by default; with --fds
 * pipes a pipe is cut except for writes up to PIPE_BUF (atomic); a number
 * reused for a file after close() is looked at afresh. */
Test(shim_wrap, only_selected_descriptors)
{
	char args[128];

	snprintf(args, sizeof(args), "fdkinds %s", ftt_tmpdir());
	probe("--split bytes", args);
	cr_assert(strstr(o.out, "pipe_w100=100 pipe_wbig=5096 pipe_r=100 "
				"dgram=100 file=100 sock=1 reused=1 "
				"reused_r=100"),
		  SHOW);
	probe("--split bytes --fds pipes", args);
	cr_assert(strstr(o.out, "pipe_w100=100 pipe_wbig=1 pipe_r=1 dgram=100 "
				"file=100 sock=100 reused=1 reused_r=100"),
		  SHOW);
	probe("--split bytes --fds sockets", args);
	cr_assert(strstr(o.out, "pipe_r=100 dgram=100 file=100 sock=1 "), SHOW);
}

Test(shim_wrap, threads)
{
	probe("--split random:1-9 --seed 5", "threads 8");
	cr_assert(o.status == 0 && strstr(o.out, "threads=8 ok=8"), SHOW);
}

/* A forked child is still under the shim, with its own decisions. */
Test(shim_wrap, fork_child_has_its_own_stream)
{
	char log[256], opts[1024];
	struct ftt_out *l = &o;

	snprintf(log, sizeof(log), "%s/log", ftt_tmpdir());
	snprintf(opts, sizeof(opts), "--split random:1-9 --seed 2 --log %s",
		 log);
	probe(opts, "fork");
	cr_assert(o.status == 0 && strstr(o.out, "parent=0 child=0"), SHOW);
	/* Parent and child both wrote sendto... on their own socket pairs:
	 * the first 40 write sizes per pid must differ. */
	ftt_sh(l,
	       "for p in $(cut -d' ' -f1 %s | sort -u); do grep \"^$p \" %s "
	       "| grep call=send | head -40 | sed 's/.*passed=//;s/ .*//' "
	       "| tr '\\n' ,; echo; done",
	       log, log);
	cr_assert_eq(sh_count(l->out, "\n"), 2, "%s", l->out);
	cr_assert(strncmp(l->out, strchr(l->out, '\n') + 1, 60) != 0,
		  "parent and child made the same cuts:\n%s", l->out);
}

Test(shim_wrap, exec_children_inherit_unless_no_children)
{
	probe("--split bytes", "exec");
	cr_assert(o.status == 0 && strstr(o.out, "child_preload=1") &&
		      sh_val(o.out, "wcalls") == 20000,
		  SHOW);
	probe("--split bytes --no-children", "exec");
	cr_assert(o.status == 0 && strstr(o.out, "child_preload=0") &&
		      sh_val(o.out, "wcalls") < 100,
		  SHOW);
}

/* One line per injected event with what it did; the same seed gives the
 * same decisions, another seed other ones. */
Test(shim_wrap, log_lines_and_reproducible_decisions)
{
	char log[3][256], opts[1024], *cut[3];
	static struct ftt_out l;

	for (int i = 0; i < 3; i++) {
		snprintf(log[i], sizeof(log[i]), "%s/log", ftt_tmpdir());
		snprintf(opts, sizeof(opts),
			 "--read random:1-300 --eagain 0.2 --seed %d --log %s",
			 i == 2 ? 8 : 7, log[i]);
		probe(opts, "stream rw 30000 nb");
		cr_assert(o.status == 0 && sh_val(o.out, "match") == 1, SHOW);
		/* The reader's decisions: call index, passed, errno. How
		 * many calls it makes depends on timing (real EAGAINs), the
		 * decisions for the first 100 do not. */
		ftt_sh(
		    &l,
		    "grep 'call=read ' %s | sed 's/.* n=//;s/ asked=[0-9]*//;"
		    "s/returned=[-0-9]* //' | head -100",
		    log[i]);
		cr_assert(l.status == 0 && l.out[0], "%s", l.err);
		cut[i] = strdup(l.out);
	}
	cr_assert(strstr(cut[0], "passed=0 errno=EAGAIN"), "%s", cut[0]);
	cr_assert_str_eq(cut[0], cut[1]);
	cr_assert_str_neq(cut[0], cut[2]);
	ftt_sh(&l, "head -1 %s", log[0]);
	cr_assert(strncmp(l.out, "pid=", 4) == 0 && strstr(l.out, " fd=") &&
		      strstr(l.out, " call=") && strstr(l.out, " asked=") &&
		      strstr(l.out, " returned=") && strstr(l.out, " errno="),
		  "%s", l.out);
	for (int i = 0; i < 3; i++)
		free(cut[i]);
}
