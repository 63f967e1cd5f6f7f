/* echod's server-wide memory budget (--max-memory): many connections each
 * holding an unfinished 1 MiB - 1 frame keep the server under the budget
 * in every model that shares memory, and small frames keep being echoed
 * meanwhile; under fork the budget is each child's. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cm_clock.h"
#include "test_servers_util.h"

#define FRAME ((size_t)1 << 20) /* a frame of FRAME - 1 bytes, unfinished */
#define SPEC "len:4be,max=1048576"

static struct ts_proc server;

static void stop_server(void)
{
	if (server.pid > 0)
		ts_stop(&server);
}

static void start(const char *model, const char *budget)
{
	const char *argv[] = {
	    "echod",	"--model",     model,	       "--framing", SPEC,
	    "--listen", "127.0.0.1:0", "--max-memory", budget,	    NULL};

	cr_assert_eq(ts_start(&server, argv, 4096), 0, "echod %s: not ready",
		     model);
}

/* Connections of fds the server has not closed (-1: closed here). Held
 * frames are unfinished, so a kept connection has nothing to read. */
static int count_kept(int *fds, int n)
{
	int kept = 0;
	char c;

	for (int i = 0; i < n; i++) {
		struct pollfd p = {.fd = fds[i], .events = POLLIN};
		if (fds[i] >= 0 && poll(&p, 1, 0) == 1 &&
		    recv(fds[i], &c, 1, MSG_DONTWAIT) <= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
		kept += fds[i] >= 0;
	}
	return kept;
}

/* Each of n connections sends the header of a FRAME - 1 byte frame and
 * all of it but its last byte, as fast as the server takes it (or until
 * the server closes it: those fds become -1). */
static void hold_frames(int port, int *fds, int n)
{
	static uint8_t data[FRAME + 4];
	uint32_t len = htonl((uint32_t)(FRAME - 1));
	size_t total = 4 + FRAME - 2;
	size_t *sent = calloc((size_t)n, sizeof(*sent));
	struct pollfd *p = calloc((size_t)n, sizeof(*p));
	int busy = n;

	cr_assert(sent && p);
	memcpy(data, &len, 4);
	memset(data + 4, 'x', FRAME);
	for (int i = 0; i < n; i++) {
		fds[i] = ts_connect(port, false);
		cr_assert_geq(fds[i], 0, "connection %d", i);
	}
	for (int64_t end = cm_now_ms() + 60000; busy > 0;) {
		cr_assert_lt(cm_now_ms(), end, "%d connections still sending",
			     busy);
		for (int i = 0; i < n; i++)
			p[i] = (struct pollfd){
			    .fd = fds[i] >= 0 && sent[i] < total ? fds[i] : -1,
			    .events = POLLOUT};
		poll(p, (nfds_t)n, 200);
		for (int i = 0; i < n; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			ssize_t k =
			    send(fds[i], data + sent[i], total - sent[i],
				 MSG_DONTWAIT | MSG_NOSIGNAL);
			if (k > 0)
				sent[i] += (size_t)k;
			if (k < 0 && errno != EAGAIN && errno != EINTR) {
				close(fds[i]);
				fds[i] = -1;
			}
			if (fds[i] < 0 || sent[i] == total)
				busy--;
		}
	}
	free(sent);
	free(p);
}

/* The server read everything sent on the kept connections (or closed
 * them): wait until its RSS stops growing, then return it (KiB). */
static long settled_rss(void)
{
	long last = -1, now = ts_mem_kb(server.pid, "VmRSS");

	for (int i = 0; i < 50 && now != last; i++) {
		poll(NULL, 0, 100);
		last = now;
		now = ts_mem_kb(server.pid, "VmRSS");
	}
	return now;
}

/* A small frame is echoed, on a new connection, within 2 s. */
static void small_frame_served(const char *model)
{
	static const char *const msgs[] = {"still here"};
	static const size_t lens[] = {10};
	int fd = ts_connect(server.port, false);

	cr_assert_geq(fd, 0);
	int64_t t0 = cm_now_ms();
	const char *why = ts_echo_check(fd, SPEC, msgs, lens, 1, false);
	cr_assert_null(why, "%s: small frame: %s", model, why);
	cr_assert_lt(cm_now_ms() - t0, 2000, "%s: small frame slow", model);
	close(fd);
}

/* Holds n unfinished frames against budget; returns how many connections
 * the server kept (each holding about FRAME bytes). */
static int budget_holds(const char *model, int n, const char *budget,
			long budget_kb)
{
	int *fds = calloc((size_t)n, sizeof(*fds));

	cr_assert(fds);
	start(model, budget);
	small_frame_served(model);
	long rss0 = ts_mem_kb(server.pid, "VmRSS");
	hold_frames(server.port, fds, n);
	long rss = settled_rss();
	int kept = count_kept(fds, n);
	small_frame_served(model);
	long hwm = ts_mem_kb(server.pid, "VmHWM");
	/* each kept connection holds about FRAME bytes */
	cr_assert_leq((long)kept * (long)(FRAME >> 10), budget_kb,
		      "%s: %d connections kept", model, kept);
	cr_assert(TS_ASAN || hwm <= rss0 + budget_kb + 8192,
		  "%s: peak %ld KiB (start %ld, budget %ld)", model, hwm, rss0,
		  budget_kb);
	printf("budget: echod %s: %d of %d x 1 MiB-1 frames held under %s; "
	       "RSS %ld KiB at start, %ld KiB held, %ld KiB peak\n",
	       model, kept, n, budget, rss0, rss, hwm);
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	cr_assert_eq(ts_stop(&server), 0);
	cr_assert(strstr(ts_stderr(&server), "memory budget"), "%s",
		  ts_stderr(&server));
	return kept;
}

Test(budget, epoll_200_frames_against_64m, .fini = stop_server, .timeout = 180)
{
	cr_assert_gt(budget_holds("epoll", 200, "64M", 64 << 10), 0,
		     "epoll: nothing kept");
}

Test(budget, thread_select_poll_48_frames_against_16m, .fini = stop_server,
     .timeout = 300)
{
	static const char *const models[] = {"thread", "select", "poll"};

	for (int m = 0; m < 3; m++)
		cr_assert_gt(budget_holds(models[m], 48, "16M", 16 << 10), 0,
			     "%s: nothing kept", models[m]);
}

/* iterative serves one connection at a time, fork one per child: the
 * budget caps that connection. A frame over it closes the connection;
 * the next one is served. */
Test(budget, one_connection_models_cap_the_connection, .fini = stop_server,
     .timeout = 120)
{
	static const char *const models[] = {"iterative", "fork"};
	int fd;

	for (int m = 0; m < 2; m++) {
		start(models[m], "256K");
		hold_frames(server.port, &fd, 1);
		settled_rss();
		cr_assert_eq(count_kept(&fd, 1), 0,
			     "%s: a 1 MiB frame was held under 256K",
			     models[m]);
		small_frame_served(models[m]);
		cr_assert_eq(ts_stop(&server), 0);
		cr_assert(strstr(ts_stderr(&server), "memory budget"), "%s",
			  ts_stderr(&server));
	}
}

Test(budget, bad_values_exit_2, .timeout = 60)
{
	static const char *const bad[] = {"0", "1K", "2T", "x", "-1"};
	char out[256], err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *argv[] = {"echod",	     "--model",	     "epoll",
				      "--framing",   "line",	     "--listen",
				      "127.0.0.1:0", "--max-memory", bad[i],
				      NULL};
		cr_assert_eq(
		    ts_run(argv, NULL, out, sizeof(out), err, sizeof(err)), 2,
		    "%s", bad[i]);
		cr_assert(strstr(err, "--max-memory"), "%s", err);
	}
}
