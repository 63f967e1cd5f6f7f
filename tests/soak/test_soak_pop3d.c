/* Soak, pop3d part (issue 17): hostile clients — random garbage, endless
 * lines, traversal names and a symlinked user folder, many failed logins
 * on many connections at once — then RSS bounded, descriptors back to
 * baseline, nothing outside the maildir touched, and a real login still
 * served. FRAGLAB_SOAK_SCALE (default 1) multiplies the counts. */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
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

TestSuite(soak_pop3d, .fini = cleanup, .timeout = 600);

static unsigned scale(void)
{
	const char *s = getenv("FRAGLAB_SOAK_SCALE");
	long v = s ? strtol(s, NULL, 10) : 1;

	return v >= 1 && v <= 1000 ? (unsigned)v : 1;
}

static int back_to(int base)
{
	int fds = ts_fd_count(srv.pid);

	for (int64_t end = cm_now_ms() + 10000;
	     fds != base && cm_now_ms() < end; fds = ts_fd_count(srv.pid))
		poll(NULL, 0, 20);
	return fds;
}

/* Connect, send len bytes (as much as the server takes in 2 s), close
 * (with an RST when reset). Returns bytes sent. */
static size_t blast(const void *p, size_t len, bool reset)
{
	int fd = ts_connect(srv.port, false);
	size_t sent = 0;

	cr_assert_geq(fd, 0);
	for (int64_t end = cm_now_ms() + 2000;
	     sent < len && cm_now_ms() < end;) {
		ssize_t n = send(fd, (const char *)p + sent, len - sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			sent += (size_t)n;
		else if (n < 0 && errno != EAGAIN)
			break;
		else
			poll(NULL, 0, 5);
	}
	if (reset) {
		struct linger l = {.l_onoff = 1, .l_linger = 0};
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	close(fd);
	return sent;
}

Test(soak_pop3d, hostile_clients)
{
	unsigned k = scale();
	char outside[256], victim[300], link[256], body[4096];
	const char *argv[] = {
	    "pop3d", "--listen",	 "127.0.0.1:0", "--users",
	    NULL,    "--maildir",	 NULL,		"--login-delay",
	    "5",     "--login-failures", "3",		NULL};
	struct pt_cl c;

	cr_assert(pt_md_make("alice:Sekr1t-A\ncarol:pw-c\n"));
	argv[4] = pt_md.users;
	argv[6] = pt_md.mail;
	cr_assert(pt_md_user("alice"));
	cr_assert(pt_md_put("alice", "m1", "Subject: a\r\n\r\nhi\r\n", 18));
	snprintf(outside, sizeof(outside), "%s/outside", pt_md.root);
	cr_assert_eq(mkdir(outside, 0700), 0);
	snprintf(victim, sizeof(victim), "%s/secret", outside);
	cr_assert(pt_write_file(victim, "x\r\n", 3));
	pt_md_path(link, sizeof(link), "carol", NULL);
	cr_assert_eq(symlink("../outside", link), 0);
	cr_assert_eq(ts_start(&srv, argv, 0), 0, "pop3d did not start");
	cr_assert(pt_login_retry(&c, srv.port, "alice", "Sekr1t-A"));
	cr_assert(pt_ok(pt_cmd(&c, "QUIT")));
	cr_assert(pt_closed(&c, 2000));
	pt_close(&c);
	poll(NULL, 0, 100);
	int base = ts_fd_count(srv.pid);
	long rss0 = ts_mem_kb(srv.pid, "VmRSS");
	int64_t t0 = cm_now_ms();
	uint64_t bytes = 0;
	unsigned conns = 0;

	/* garbage: random bytes, closed or reset */
	size_t glen = 64 << 10;
	uint8_t *junk = malloc(glen);
	cr_assert(junk);
	unsigned seed = 17;
	for (size_t i = 0; i < glen; i++)
		junk[i] = (uint8_t)rand_r(&seed);
	for (unsigned i = 0; i < 20 * k; i++, conns++)
		bytes += blast(junk, glen, i % 2);
	/* endless lines: no CRLF at all */
	memset(junk, 'A', glen);
	for (unsigned i = 0; i < 20 * k; i++, conns++)
		bytes += blast(junk, glen, i % 2);
	free(junk);

	/* traversal names, the symlinked folder: all refused */
	static const char *const tries[] = {
	    "USER ../../etc/passwd", "USER ..",
	    "USER carol/../alice",   "USER /etc",
	    "USER alice/../carol",   "USER %2e%2e"};
	for (unsigned r = 0; r < 5 * k; r++) {
		for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
			cr_assert(pt_open(&c, srv.port));
			conns++;
			pt_cmd(&c, "%s", tries[i]);
			cr_assert(!pt_ok(pt_cmd(&c, "PASS x")), "%s: %s",
				  tries[i], c.reply);
			pt_close(&c);
		}
		cr_assert(pt_open(&c, srv.port));
		conns++;
		cr_assert(pt_ok(pt_cmd(&c, "USER carol")));
		cr_assert(pt_err(pt_cmd(&c, "PASS pw-c")), "%s", c.reply);
		cr_assert(pt_err(pt_cmd(&c, "RETR 1")));
		cr_assert(pt_err(pt_cmd(&c, "DELE 1")));
		cr_assert(pt_ok(pt_cmd(&c, "QUIT")));
		pt_close(&c);
	}

	/* failed logins: many connections at once, guesses pipelined */
	unsigned nguess = 50 * k;
	struct pt_cl *g = calloc(nguess, sizeof(*g));
	char batch[1024] = "";
	cr_assert(g);
	for (int i = 0; i < 10; i++)
		strcat(batch, "USER alice\r\nPASS guess\r\n");
	for (unsigned i = 0; i < nguess; i++, conns++) {
		cr_assert(pt_open(&g[i], srv.port), "guesser %u", i);
		cr_assert(pt_send(&g[i], batch, strlen(batch)));
	}
	unsigned closed = 0, errs = 0;
	for (unsigned i = 0; i < nguess; i++) {
		long n = pt_drain(&g[i], body, sizeof(body) - 1);
		if (n >= 0) {
			body[n] = '\0';
			errs += (unsigned)pt_count(body, "-ERR");
			closed++;
		}
		pt_close(&g[i]);
	}
	free(g);
	cr_assert_eq(closed, nguess, "%u of %u closed", closed, nguess);
	cr_assert_eq(errs, 3 * nguess, "%u -ERR for %u connections", errs,
		     nguess);

	int fdn = back_to(base);
	long rss = ts_mem_kb(srv.pid, "VmRSS");
	long hwm = ts_mem_kb(srv.pid, "VmHWM");
	cr_assert_eq(fdn, base, "%d fds after, %d before", fdn, base);
	cr_assert(TS_ASAN || rss <= rss0 + 8192, "RSS %ld KiB, %ld before", rss,
		  rss0);
	cr_assert_eq(access(victim, F_OK), 0, "a file outside was removed");
	cr_assert(pt_login_retry(&c, srv.port, "alice", "Sekr1t-A"));
	cr_assert(pt_ok(pt_cmd(&c, "RETR 1")));
	cr_assert_eq(pt_multi(&c, body, sizeof(body)), 18);
	cr_assert(pt_ok(pt_cmd(&c, "QUIT")));
	pt_close(&c);
	printf("soak: pop3d hostile: %u connections (garbage, endless lines, "
	       "traversal, %u x 10 pipelined guesses each cut at 3) in %lld "
	       "ms, %llu bytes of junk; RSS %ld -> %ld KiB (peak %ld); fds "
	       "%d back to %d\n",
	       conns, nguess, (long long)(cm_now_ms() - t0),
	       (unsigned long long)bytes, rss0, rss, hwm, fdn, base);
	cr_assert_eq(ts_stop(&srv), 0);
	const char *log = ts_stderr(&srv);
	cr_assert(strstr(log, "Sekr1t") == NULL && strstr(log, "guess") == NULL,
		  "a password in the log");
}
