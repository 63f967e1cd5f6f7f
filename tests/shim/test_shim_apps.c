/* Programs no one here wrote keep working under fragshim (any failure is
 * a false alarm, so a shim bug): socat as an echo server, redis-server
 * with redis-cli, curl against python3 -m http.server, and Python's poplib
 * against pop3d, each side under the shim with cuts, EINTR and EAGAIN. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shim_pop3d.h"
#include "shim_test.h"
#include "test_pop3d_util.h"

static struct ftt_out o;

#define SHOW "status %d\nout: %s\nerr: %s", o.status, o.out, o.err
/* The same with a prefix that has arguments of its own. */
#define SHOWF "status %d\nout: %s\nerr: %s"
#define SHOWA o.status, o.out, o.err

TestSuite(shim_apps, .timeout = 300);

/* ---- background servers, in their own process group ---- */

/* Start `fragshim opts -- cmd` with /bin/sh, output to dir/out and
 * dir/err (removed first). Returns the pid (a process group leader). */
static pid_t spawn(const char *dir, const char *opts, const char *cmd)
{
	char line[2048];
	pid_t pid;

	/* A server started before in the same dir left its output there;
	 * until the new shell truncates it, a poll would read the old
	 * server's port. */
	snprintf(line, sizeof(line), "%s/out", dir);
	unlink(line);
	snprintf(line, sizeof(line), "%s/err", dir);
	unlink(line);
	snprintf(line, sizeof(line), "exec %s %s -- %s >%s/out 2>%s/err",
		 run_tool_path("fragshim"), opts, cmd, dir, dir);
	pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl("/bin/sh", "sh", "-c", line, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	return pid;
}

/* SIGTERM the group, then SIGKILL after 20 s. Returns the exit status. */
static int stop(pid_t pid)
{
	int st = 0;

	kill(-pid, SIGTERM);
	for (int i = 0; i < 2000; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			kill(-pid, SIGKILL); /* stragglers (forked children) */
			return WIFEXITED(st) ? WEXITSTATUS(st)
					     : 128 + WTERMSIG(st);
		}
		usleep(10000);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&a, len) == 0 &&
		  getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* Wait (up to 30 s) until the shell command succeeds. */
static bool wait_for(const char *fmt, const char *a, int port)
{
	static struct ftt_out w;

	for (int i = 0; i < 300; i++) {
		ftt_sh(&w, fmt, a, port);
		if (w.status == 0)
			return true;
		usleep(100000);
	}
	return false;
}

/* A directory of our own: ftt_tmpdir's rotate out after 16 commands,
 * and the polling loops run more than that. */
static const char *own_dir(void)
{
	static char dir[64];

	snprintf(dir, sizeof(dir), "/tmp/shim-apps-XXXXXX");
	cr_assert(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	return dir;
}

static void rm_dir(const char *dir)
{
	ftt_sh(&o, "rm -rf %s", dir);
}

static void need(const char *prog)
{
	cr_assert(ftt_have(prog), "%s is not installed (ci/deps.d/shim.txt)",
		  prog);
}

/* ---- socat ---- */

/* socat backs off for a second after an EINTR on write (correct, but
 * slow), so its EINTR run is short. */
Test(shim_apps, socat_echo)
{
	static const char *const runs[][2] = {
	    {"--split bytes", "--messages 40"},
	    {"--split random:1-7 --eagain 0.3 --seed 2", "--messages 60"},
	    {"--split random:1-64 --eintr 0.02 --seed 3", "--messages 20"},
	};

	need("socat");
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		ftt_sh(&o,
		       "%s run --direct --framing line --clients 2 %s "
		       "--timeout 20 --start-timeout 60 --server-cmd '%s %s -- "
		       "socat TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork "
		       "PIPE'",
		       run_tool_path("fragtest"), runs[i][1],
		       run_tool_path("fragshim"), runs[i][0]);
		cr_assert(o.status == 0 && strstr(o.out, "pass"), "[%s] " SHOWF,
			  runs[i][0], SHOWA);
	}
}

/* ---- redis ---- */

Test(shim_apps, redis_server_and_cli)
{
	const char *dir = own_dir();
	char cmd[512];
	int port = free_port();
	pid_t srv;

	need("redis-server");
	need("redis-cli");
	snprintf(cmd, sizeof(cmd),
		 "redis-server --port %d --bind 127.0.0.1 --save '' "
		 "--appendonly no --dir %s",
		 port, dir);
	srv = spawn(dir, "--split random:1-5 --eagain 0.3 --eintr 0.3 --seed 6",
		    cmd);
	cr_assert(wait_for("redis-cli -p %.0s%d PING | grep -q PONG", "", port),
		  "redis-server did not answer");
	/* A value of 200 KB, through cut reads and writes on both sides. */
	ftt_sh(&o,
	       "cd %s && head -c 150000 /dev/urandom | base64 -w0 > v && "
	       "%s --split bytes --eintr 0.3 -- redis-cli -p %d -x SET k < v "
	       "&& %s --split random:1-9 --eagain 0.3 -- redis-cli -p %d "
	       "--raw GET k | head -c $(wc -c < v) | cmp - v && "
	       "%s --split random:1-3 -- redis-cli -p %d INCRBY n 41 && "
	       "%s --split bytes -- redis-cli -p %d INCR n",
	       dir, run_tool_path("fragshim"), port, run_tool_path("fragshim"),
	       port, run_tool_path("fragshim"), port, run_tool_path("fragshim"),
	       port);
	cr_assert(o.status == 0 && strstr(o.out, "OK\n41\n42\n"), SHOW);
	cr_assert_eq(stop(srv), 0, "redis-server did not stop cleanly");
	rm_dir(dir);
}

/* ---- curl and python3 -m http.server ---- */

Test(shim_apps, curl_against_python_http_server)
{
	static const char *const srv_opts[] = {
	    "--split bytes --seed 1",
	    "--split random:1-200 --eintr 0.3 --eagain 0.3 --seed 2",
	};
	static const char *const cl_opts[] = {
	    "--split random:1-50 --eagain 0.3 --eintr 0.3 --seed 3",
	    "--split bytes --eintr 0.2 --eintr-any",
	};
	const char *dir = own_dir();
	char cmd[512];
	static struct ftt_out w;

	need("curl");
	need("python3");
	for (size_t i = 0; i < 2; i++) {
		int port = -1;
		pid_t srv;

		snprintf(cmd, sizeof(cmd),
			 "python3 -u -m http.server 0 --bind 127.0.0.1 "
			 "--directory %s",
			 dir);
		ftt_sh(&o, "head -c 300000 /dev/urandom > %s/f.bin", dir);
		srv = spawn(dir, srv_opts[i], cmd);
		for (int t = 0; t < 300 && port < 0; t++) {
			const char *p;

			ftt_sh(&w, "cat %s/out", dir);
			p = strstr(w.out, " port ");
			if (p)
				port = atoi(p + 6);
			else
				usleep(100000);
		}
		ftt_sh(&o, "cat %s/err", dir);
		cr_assert(port > 0, "[%s] no port from http.server: %s %s",
			  srv_opts[i], w.out, o.out);
		for (size_t c = 0; c < 2; c++) {
			ftt_sh(
			    &o,
			    "%s %s -- curl -sS -o %s/got http://127.0.0.1:%d/"
			    "f.bin && cmp %s/got %s/f.bin",
			    run_tool_path("fragshim"), cl_opts[c], dir, port,
			    dir, dir);
			cr_assert(o.status == 0, "[%s | %s] " SHOWF,
				  srv_opts[i], cl_opts[c], SHOWA);
		}
		stop(srv);
	}
	rm_dir(dir);
}

/* ---- poplib and pop3d ---- */

#define USER "carol"
#define PASS "pw"

static void pop3_teardown(void)
{
	pt_md_remove();
}

static void hex(char *out, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", (unsigned char)p[i]);
}

Test(shim_apps, poplib_against_pop3d, .fini = pop3_teardown)
{
	static const char *const opts[] = {
	    "--split bytes --seed 1",
	    "--split random:1-30 --eintr 0.3 --eagain 0.3 --seed 2",
	};
	static char body[20000], want[2 * sizeof(body) + 64];
	const char *src = getenv("FRAGLAB_SRC");
	size_t n = 0;

	need("python3");
	cr_assert(src, "FRAGLAB_SRC is not set");
	cr_assert(pt_md_make(USER ":" PASS "\n") && pt_md_user(USER));
	for (int i = 0; n + 100 < sizeof(body); i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n,
				      "%sline %d\r\n", i % 5 ? "" : ".", i);
	cr_assert(pt_md_put(USER, "m1", body, n));
	for (size_t s = 0; s < 2; s++)
		for (size_t c = 0; c < 2; c++) {
			struct ts_proc p;

			cr_assert(sh_start_pop3d(&p, opts[s]) == 0);
			ftt_sh(
			    &o,
			    "%s %s -- python3 %s/tests/support/pop3_poplib.py "
			    "--port %d --user " USER " --password " PASS
			    " --ops stat,list,retr:1,quit --login-retry 5",
			    run_tool_path("fragshim"), opts[c], src, p.port);
			cr_assert_eq(ts_stop(&p), 0, "%s", ts_stderr(&p));
			snprintf(want, sizeof(want), "retr 1 %zu ", n);
			cr_assert(o.status == 0 && strstr(o.out, "login +OK") &&
				      strstr(o.out, "quit +OK"),
				  "[%s | %s] " SHOWF, opts[s], opts[c], SHOWA);
			/* poplib undoes the dot-stuffing: the stored bytes. */
			hex(want, body, n);
			cr_assert(strstr(o.out, want), "[%s | %s] RETR differs",
				  opts[s], opts[c]);
		}
}
