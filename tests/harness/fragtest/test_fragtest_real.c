/* fragtest capture, diff and client with real programs no one here wrote:
 * redis-server with redis-cli (pipelined commands, a 120 KB value,
 * MULTI/EXEC), pop3d with Python's poplib and curl, python3 -m http.server
 * with curl keep-alive. Each passes the default policy set over 20 seeds:
 * no false alarm. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_fragtest_util.h"
#include "test_servers_util.h"

/* 20 seeds prove "no false alarm" in the plain build. Under ASan the
 * suite is there to catch memory errors in fragtest and fragproxy, which
 * the first seeds exercise as well as the last, at three times the cost
 * each: 5 seeds there. Policies: 2 directions x (bytes, coalesce, fixed
 * + one random per seed). */
#if TS_ASAN
#define SEEDS "--seeds 5 --start-timeout 60"
#define POLICIES "16 policies"
#define POPLIB_SEEDS_A "1-2"
#define POPLIB_SEEDS_B "3-5"
#define POPLIB_POLICIES_A "under 10 policies"
#define POPLIB_POLICIES_B "under 12 policies"
#else
#define SEEDS "--seeds 20 --start-timeout 60"
#define POLICIES "46 policies"
#define POPLIB_SEEDS_A "1-10"
#define POPLIB_SEEDS_B "11-20"
#define POPLIB_POLICIES_A "under 26 policies"
#define POPLIB_POLICIES_B "under 26 policies"
#endif

static struct ftt_out o;

static void need(const char *prog)
{
	cr_assert(ftt_have(prog), "%s is not installed (ci/deps.d)", prog);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* Exit 0 and the pass line naming every default policy over SEEDS. */
static void assert_pass(const char *what)
{
	cr_assert_eq(o.status, 0, "%s: status %d: %s%s", what, o.status, o.out,
		     o.err);
	cr_assert(strstr(o.out, POLICIES), "%s: %s", what, o.out);
}

TestSuite(fragtest_real, .timeout = 900);

#define REDIS                                                                  \
	"redis-server --port {port} --bind 127.0.0.1 --save '' "               \
	"--appendonly no --protected-mode no --daemonize no --loglevel "       \
	"warning"

/* A redis-cli session: pipelined commands with MULTI/EXEC (--pipe), a
 * 120 KB value set and read back. */
static const char *redis_client(const char *dir)
{
	static char path[1024];
	char buf[256];

	snprintf(buf, sizeof(buf), "%.200s/big", dir);
	ftt_sh(&o, "head -c 90000 /dev/zero | base64 -w0 > %s", buf);
	snprintf(path, sizeof(path), "%s/client.sh", dir);
	write_file(path,
		   "#!/bin/sh\n"
		   "# $1: port; $2: the file with the big value\n"
		   "printf 'SET a 1\\r\\nINCR a\\r\\nMULTI\\r\\nSET b 2\\r\\n"
		   "INCR b\\r\\nEXEC\\r\\nMGET a b\\r\\n' |\n"
		   "  redis-cli -p \"$1\" --pipe > /dev/null || exit 1\n"
		   "redis-cli -p \"$1\" SET big \"$(cat \"$2\")\" || exit 1\n"
		   "redis-cli -p \"$1\" STRLEN big || exit 1\n"
		   "redis-cli -p \"$1\" GET big | md5sum\n");
	snprintf(path, sizeof(path), "sh %s/client.sh {port} %s", dir, buf);
	return path;
}

Test(fragtest_real, redis_captured_conversation_replays_under_cuts)
{
	const char *dir = ftt_tmpdir();

	need("redis-server");
	need("redis-cli");
	ftt_sh(&o,
	       "%s capture --server-cmd \"" REDIS "\" --client-cmd '%s' --out "
	       "%s/cap --start-timeout 60",
	       run_tool_path("fragtest"), redis_client(dir), dir);
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(strstr(o.out, "captured 4 connections"), "%s", o.out);
	/* fresh server per run, pipelined, read to EOF after a half-close */
	ftt_sh(&o,
	       "%s diff --server-cmd \"" REDIS "\" --requests %s/cap "
	       "--half-close " SEEDS,
	       run_tool_path("fragtest"), dir);
	assert_pass("redis diff");
	/* one server, flushed between runs, replies ended by quiet */
	ftt_sh(&o,
	       "%s diff --server-cmd \"" REDIS "\" --requests %s/cap "
	       "--reset-cmd 'redis-cli -p {port} FLUSHALL' --quiet 100ms "
	       "--seed 7 --split bytes",
	       run_tool_path("fragtest"), dir);
	cr_assert_eq(o.status, 0, "%s%s", o.out, o.err);
}

Test(fragtest_real, redis_cli_as_client_under_cuts)
{
	const char *dir = ftt_tmpdir();

	need("redis-server");
	need("redis-cli");
	ftt_sh(&o,
	       "%s client --server-cmd \"" REDIS "\" --client-cmd '%s' "
	       "--reset-cmd 'redis-cli -p {port} FLUSHALL' " SEEDS,
	       run_tool_path("fragtest"), redis_client(dir));
	assert_pass("redis-cli client");
}

/* pop3d over a maildir of three messages (one with a dot-stuffed line). */
static const char *pop3d(const char *dir)
{
	static char cmd[1024];
	char path[512];

	ftt_sh(&o, "mkdir -p %s/mail/alice && echo 'alice:secret' > %s/users",
	       dir, dir);
	for (int m = 1; m <= 3; m++) {
		snprintf(path, sizeof(path), "%s/mail/alice/msg%d", dir, m);
		ftt_sh(&o,
		       "{ printf 'From: a@example.org\\r\\nSubject: m%d\\r\\n"
		       "\\r\\n'; seq -f 'line %%g of message %d\\r' %d; "
		       "printf '.dotted\\r\\n'; } > %s",
		       m, m, 60 * m, path);
	}
	snprintf(cmd, sizeof(cmd),
		 "%s --listen 127.0.0.1:0 --users %s/users --maildir %s/mail",
		 run_tool_path("pop3d"), dir, dir);
	return cmd;
}

static const char *poplib(void)
{
	static char cmd[1024];

	snprintf(
	    cmd, sizeof(cmd),
	    "python3 %s/tests/support/pop3_poplib.py --port {port} --user "
	    "alice --password secret --ops stat,list,uidl,retr:all,top:2:3,"
	    "quit",
	    getenv("FRAGLAB_SRC"));
	return cmd;
}

#define CURL "curl -sS -q --noproxy '*' "

/* A poplib session and a curl RETR through fragproxy with --capture. */
static void pop3_capture(const char *dir, const char *srv)
{
	need("python3");
	need("curl");
	ftt_sh(&o,
	       "%s capture --server-cmd '%s' --client-cmd \"%s && " CURL
	       "-u alice:secret pop3://{host}:{port}/3 > /dev/null\" --out "
	       "%s/cap --start-timeout 60",
	       run_tool_path("fragtest"), srv, poplib(), dir);
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(strstr(o.out, "captured 2 connections"), "%s", o.out);
}

Test(fragtest_real, pop3d_conversation_replays_lock_step)
{
	const char *dir = ftt_tmpdir();
	const char *srv = pop3d(dir);

	pop3_capture(dir, srv);
	/* one command line at a time; replies compared line by line */
	ftt_sh(&o,
	       "%s diff --server-cmd '%s' --requests %s/cap --up-framing crlf "
	       "--down-framing crlf --quiet 100ms " SEEDS,
	       run_tool_path("fragtest"), srv, dir);
	assert_pass("pop3d diff lock-step");
}

Test(fragtest_real, pop3d_conversation_replays_pipelined)
{
	const char *dir = ftt_tmpdir();
	const char *srv = pop3d(dir);

	pop3_capture(dir, srv);
	/* all commands at once (pop3d must queue them), half-closed */
	ftt_sh(
	    &o,
	    "%s diff --server-cmd '%s' --requests %s/cap --half-close " SEEDS,
	    run_tool_path("fragtest"), srv, dir);
	assert_pass("pop3d diff pipelined");
}

/* Python starts once per run: the seeds are two shards (two tests
 * Criterion runs side by side), each within its time limit. poplib as the
 * client under test: fragtest's result is left in o. */
static void poplib_client(const char *seeds)
{
	const char *dir = ftt_tmpdir();

	need("python3");
	ftt_sh(&o,
	       "%s client --server-cmd '%s' --client-cmd '%s' --no-fresh "
	       "--seeds %s --start-timeout 60",
	       run_tool_path("fragtest"), pop3d(dir), poplib(), seeds);
}

Test(fragtest_real, poplib_as_client_under_cuts_first_seeds)
{
	poplib_client(POPLIB_SEEDS_A);
	cr_assert_eq(o.status, 0, "poplib client: %s%s", o.out, o.err);
	cr_assert(strstr(o.out, POPLIB_POLICIES_A), "%s", o.out);
}

Test(fragtest_real, poplib_as_client_under_cuts_last_seeds)
{
	poplib_client(POPLIB_SEEDS_B);
	cr_assert_eq(o.status, 0, "poplib client: %s%s", o.out, o.err);
	cr_assert(strstr(o.out, POPLIB_POLICIES_B), "%s", o.out);
}

Test(fragtest_real, curl_pop3_as_client_under_cuts)
{
	const char *dir = ftt_tmpdir();

	need("curl");
	ftt_sh(&o,
	       "%s client --server-cmd '%s' --client-cmd \"" CURL
	       "-u alice:secret pop3://{host}:{port}/2 && " CURL
	       "-u alice:secret pop3://{host}:{port}/\" --no-fresh " SEEDS,
	       run_tool_path("fragtest"), pop3d(dir));
	assert_pass("curl pop3 client");
}

/* python3 -m http.server, HTTP/1.1 so curl keeps the connection. */
static const char *http_server(const char *dir)
{
	static char cmd[1024];

	ftt_sh(&o,
	       "mkdir -p %s/www && for f in a b c; do seq -f \"$f line %%g\" "
	       "4000 > %s/www/$f.txt; done && touch -d 2020-01-01 %s/www/*",
	       dir, dir, dir);
	cr_assert_eq(o.status, 0, "%s", o.err);
	snprintf(cmd, sizeof(cmd),
		 "python3 -m http.server {port} --bind 127.0.0.1 --directory "
		 "%s/www --protocol HTTP/1.1",
		 dir);
	return cmd;
}

#define URLS                                                                   \
	"http://{host}:{port}/a.txt http://{host}:{port}/b.txt "               \
	"http://{host}:{port}/c.txt http://{host}:{port}/missing"

Test(fragtest_real, http_server_keep_alive_conversation_replays_under_cuts)
{
	const char *dir = ftt_tmpdir();
	const char *srv = http_server(dir);

	need("python3");
	need("curl");
	ftt_sh(&o,
	       "%s capture --server-cmd '%s' --client-cmd \"" CURL URLS
	       " > /dev/null\" --out %s/cap --start-timeout 60",
	       run_tool_path("fragtest"), srv, dir);
	cr_assert_eq(o.status, 0, "%s", o.err);
	/* one connection, four requests on it */
	cr_assert(strstr(o.out, "captured 1 connection in"), "%s", o.out);
	ftt_sh(&o, "grep -c '^GET ' %s/cap/conn-0.up", dir);
	cr_assert_str_eq(o.out, "4\n");
	ftt_sh(&o,
	       "%s diff --server-cmd '%s' --requests %s/cap --no-fresh "
	       "--half-close --mask 'Date: [^\\r]*' " SEEDS,
	       run_tool_path("fragtest"), srv, dir);
	assert_pass("http.server diff");
}

Test(fragtest_real, curl_keep_alive_as_client_under_cuts)
{
	const char *dir = ftt_tmpdir();

	need("python3");
	need("curl");
	ftt_sh(&o,
	       "%s client --server-cmd '%s' --client-cmd \"" CURL URLS
	       " | md5sum\" --no-fresh " SEEDS,
	       run_tool_path("fragtest"), http_server(dir));
	assert_pass("curl http client");
}
