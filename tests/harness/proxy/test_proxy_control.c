/* fragproxy's control API under abuse (issue 17, items 2-5): file: policies
 * confined to --policy-dir and never blocking, replaced policies freed,
 * idle connections bounded, oversized bodies refused with 413. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "cm_clock.h"
#include "test_proxy_util.h"

struct ctl_run {
	struct tp_server s;
	struct fp_proxy *p;
	int port; /* control */
};

static void ctl_start(struct ctl_run *r, const char *o1, const char *v1,
		      const char *o2, const char *v2)
{
	memset(r, 0, sizeof(*r));
	tp_server_start(&r->s, TP_ECHO);
	r->p = tp_proxy(r->s.port, "--control", "127.0.0.1:0", o1 ? o1 : NULL,
			v1, o2, v2, NULL);
	r->port = fp_control_port(r->p);
	cr_assert(r->port > 0);
}

static void ctl_stop(struct ctl_run *r)
{
	fp_stop(r->p);
	tp_server_stop(&r->s);
}

/* POST body (a string) and return the status; the answer in *out. */
static int post(struct ctl_run *r, const char *path, const char *body,
		char **out)
{
	return tp_http(r->port, "POST", path, body, strlen(body), out);
}

static uint64_t stat_of(struct ctl_run *r, const char *key)
{
	return tp_stat(r->port, key);
}

/* Policy text of connection 0's up direction in GET /connections. */
static void expect_policy(struct ctl_run *r, const char *want)
{
	char *out, pat[128];

	cr_assert_eq(tp_http(r->port, "GET", "/connections", NULL, 0, &out),
		     200);
	snprintf(pat, sizeof(pat), "\"policy\":\"%s\"", want);
	cr_expect(strstr(out, pat), "want %s in %s", pat, out);
	free(out);
}

Test(proxy_control, file_policy_refused_without_policy_dir)
{
	struct ctl_run r;
	char *a, *b;

	ctl_start(&r, NULL, NULL, NULL, NULL);
	/* the same answer for a file that exists and one that does not */
	cr_expect_eq(post(&r, "/policy/up", "file:/etc/hostname", &a), 403);
	cr_expect_eq(post(&r, "/policy/up", "file:/nonexistent/x", &b), 403);
	cr_expect(strstr(a, "--policy-dir"), "%s", a);
	cr_expect_str_eq(a, b);
	free(a);
	free(b);
	cr_expect_eq(stat_of(&r, "policies"), 2);
	ctl_stop(&r);
}

Test(proxy_control, file_policy_confined_and_never_blocks)
{
	char dir[] = "/tmp/fp_pdir_XXXXXX", path[128], *a, *b;
	struct ctl_run r;

	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sizes", dir);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs("# three sizes\n10 20,\n30 # done\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	snprintf(path, sizeof(path), "%s/link", dir);
	cr_assert_eq(symlink("/etc/hostname", path), 0);
	snprintf(path, sizeof(path), "%s/bad", dir);
	f = fopen(path, "w");
	cr_assert(f);
	fputs("10 2x0\n", f);
	fclose(f);

	ctl_start(&r, "--policy-dir", dir, NULL, NULL);
	int fd = tp_connect(fp_port(r.p));
	/* a FIFO with no writer must not block the loop: answered at once */
	cr_assert_eq(post(&r, "/policy/up", "file:fifo", &a), 403);
	cr_expect(strstr(a, "not a readable regular file"), "%s", a);
	/* nor may a name leave the folder, through a path or a link */
	const char *names[] = {"file:missing", "file:link", "file:../etc",
			       "file:/etc/hostname", "file:."};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		cr_expect_eq(post(&r, "/policy/up", names[i], &b), 403, "%s",
			     names[i]);
		cr_expect(strstr(b, "not a readable regular file"), "%s: %s",
			  names[i], b);
		free(b);
	}
	free(a);
	cr_expect_eq(post(&r, "/policy/up", "file:bad", &b), 400);
	cr_expect(strstr(b, "not a chunk size"), "%s", b);
	free(b);
	cr_expect_eq(post(&r, "/policy/up?live=1", "file:sizes", NULL), 200);
	expect_policy(&r, "list:10,20,30");
	close(fd);
	tp_wait_idle(r.p);
	ctl_stop(&r);
	const char *files[] = {"sizes", "fifo", "link", "bad"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* On the command line file: takes any path, but still never blocks on a
 * FIFO and reads only regular files. */
Test(proxy_control, cli_file_policy_never_blocks)
{
	char dir[] = "/tmp/fp_cdir_XXXXXX", path[128], opt[160], err[256];
	struct fp_config c;

	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	fp_config_init(&c);
	snprintf(opt, sizeof(opt), "file:%s", path);
	cr_expect_eq(fp_config_set(&c, "--up", opt, err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "not a regular file"), "%s", err);
	cr_expect_eq(
	    fp_config_set(&c, "--up", "file:/dev/zero", err, sizeof(err)),
	    -EINVAL);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sizes", dir);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs("4,5 6\n", f);
	fclose(f);
	snprintf(opt, sizeof(opt), "file:%s", path);
	cr_expect_eq(fp_config_set(&c, "--up", opt, err, sizeof(err)), 0, "%s",
		     err);
	cr_expect_eq(c.dir[FP_UP].sched.list_len, 3);
	fp_config_free(&c);
	unlink(path);
	rmdir(dir);
}

/* Replaced policies live as long as a connection uses them, no longer. */
Test(proxy_control, replaced_policies_are_freed)
{
	struct ctl_run r;
	char body[64];

	ctl_start(&r, NULL, NULL, NULL, NULL);
	cr_expect_eq(stat_of(&r, "policies"), 2);
	int fd = tp_connect(fp_port(r.p));
	cr_assert_eq(send(fd, "x", 1, 0), 1);
	cr_assert_eq(recv(fd, body, 1, MSG_WAITALL), 1);
	for (int i = 0; i < 300; i++) {
		snprintf(body, sizeof(body), "list:%d,7,9", i + 1);
		cr_assert_eq(post(&r, "/policy/both", body, NULL), 200);
	}
	/* two current ones, and the two the open connection started with */
	cr_expect_eq(stat_of(&r, "policies"), 4);
	cr_assert_eq(post(&r, "/policy/up?live=1", "fixed:3", NULL), 200);
	/* the live switch gave the connection its own copy of up's */
	cr_expect_eq(stat_of(&r, "policies"), 3);
	close(fd);
	tp_wait_idle(r.p);
	cr_expect_eq(stat_of(&r, "policies"), 2);
	ctl_stop(&r);
}

Test(proxy_control, body_over_limit_is_413_and_not_applied)
{
	struct ctl_run r;
	size_t big = 10u << 20;
	char *body = malloc(big + 1), *out;

	cr_assert(body);
	ctl_start(&r, NULL, NULL, NULL, NULL);
	int fd = tp_connect(fp_port(r.p));
	cr_assert_eq(post(&r, "/policy/up?live=1", "fixed:7", NULL), 200);
	/* exactly FP_CONTROL_BODY_MAX bytes is fine */
	size_t max = FP_CONTROL_BODY_MAX;
	memcpy(body, "list:", 5);
	for (size_t i = 5; i + 1 < max; i += 2)
		memcpy(body + i, "1,", 2);
	body[max - 1] = '1';
	cr_expect_eq(tp_http(r.port, "POST", "/policy/down", body, max, NULL),
		     200);
	/* one byte more, and 10 MB, are refused whole: a cut inside a
	 * number would otherwise apply a different policy */
	memcpy(body, "list:", 5);
	for (size_t i = 5; i + 5 <= big; i += 5)
		memcpy(body + i, "1000,", 5);
	cr_expect_eq(
	    tp_http(r.port, "POST", "/policy/up?live=1", body, max + 1, &out),
	    413);
	cr_expect(strstr(out, "nothing applied"), "%s", out);
	free(out);
	cr_expect_eq(
	    tp_http(r.port, "POST", "/policy/up?live=1", body, big, NULL), 413);
	expect_policy(&r, "fixed:7");
	cr_expect_eq(stat_of(&r, "active"), 1);
	close(fd);
	free(body);
	ctl_stop(&r);
}

/* 1,100 idle connections (more than select() can watch) leave the API
 * answering; with a small limit and timeout, a flood is shed in time. */
Test(proxy_control, idle_connections_do_not_lock_out)
{
	enum { N = 1100 };
	static int fds[N];
	struct ctl_run r;

	/* both ends of each connection live in this process */
	long lim = tp_raise_nofile();
	if (lim < 2 * N + 64)
		cr_skip_test("RLIMIT_NOFILE %ld: too low for %d connections",
			     lim, N);
	ctl_start(&r, NULL, NULL, NULL, NULL);
	for (int i = 0; i < N; i++)
		fds[i] = tp_connect(r.port);
	cr_expect_eq(stat_of(&r, "accepted"), 0);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	ctl_stop(&r);
}

/* At the limit, new connections wait in the backlog until idle ones time
 * out: /stats answers within the timeout, and every idle one is closed. */
Test(proxy_control, idle_connections_time_out)
{
	enum { N = 20 };
	int fds[N];
	struct ctl_run r;
	struct timeval tv = {.tv_sec = 5};
	char c;

	ctl_start(&r, "--control-timeout", "1", "--control-max", "20");
	for (int i = 0; i < N; i++)
		fds[i] = tp_connect(r.port);
	int64_t t0 = cm_now_ms();
	cr_expect_eq(stat_of(&r, "active"), 0);
	cr_expect_lt(cm_now_ms() - t0, 4000);
	for (int i = 0; i < N; i++) {
		setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		cr_expect_eq(recv(fds[i], &c, 1, 0), 0,
			     "idle connection %d not closed", i);
		close(fds[i]);
	}
	ctl_stop(&r);
}
