/* Soak, servers part (issue 17): echod in every model under slowloris
 * clients, RST storms mid-frame and EMFILE (a low RLIMIT_NOFILE), each
 * asserting the server still echoes, its RSS stays bounded and its
 * descriptors come back to baseline. FRAGLAB_SOAK_SCALE (default 1)
 * multiplies the counts; figures are printed as "soak: ..." lines. */
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

#define SPEC "len:4be,max=65536"

static const char *const models[] = {"iterative", "fork", "thread",
				     "select",	  "poll", "epoll"};
#define NMODELS (sizeof(models) / sizeof(models[0]))

static struct ts_proc server;

static void stop_server(void)
{
	if (server.pid > 0)
		ts_stop(&server);
}

TestSuite(soak_echod, .fini = stop_server, .timeout = 600);

static unsigned scale(void)
{
	const char *s = getenv("FRAGLAB_SOAK_SCALE");
	long v = s ? strtol(s, NULL, 10) : 1;

	return v >= 1 && v <= 1000 ? (unsigned)v : 1;
}

static void start(const char *model, long nofile)
{
	const char *argv[] = {"echod",	     "--model", model,
			      "--framing",   SPEC,	"--listen",
			      "127.0.0.1:0", "--quiet", NULL};

	cr_assert_eq(ts_start(&server, argv, nofile), 0, "echod %s: not ready",
		     model);
}

/* One frame echoed on a new connection. */
static void ping(const char *model)
{
	static const char *const msgs[] = {"ping"};
	static const size_t lens[] = {4};
	int fd = -1;

	/* right after an EMFILE storm the backlog may still be draining */
	for (int i = 0; i < 100 && fd < 0; i++)
		if ((fd = ts_connect(server.port, false)) < 0)
			poll(NULL, 0, 50);
	cr_assert_geq(fd, 0, "%s: cannot connect", model);
	const char *why = ts_echo_check(fd, SPEC, msgs, lens, 1, false);
	cr_assert_null(why, "%s: ping: %s", model, why);
	close(fd);
}

/* Descriptors back to base within 10 s (fork: children are gone too). */
static int back_to(int base)
{
	int fds = ts_fd_count(server.pid);

	for (int64_t end = cm_now_ms() + 10000;
	     fds != base && cm_now_ms() < end; fds = ts_fd_count(server.pid))
		poll(NULL, 0, 20);
	return fds;
}

/* The baseline, after one connection made the loop's own descriptors
 * (epoll set, EMFILE spare). */
static int baseline(const char *model)
{
	ping(model);
	poll(NULL, 0, 100); /* the server closes its end after ours */
	return ts_fd_count(server.pid);
}

static void reset_close(int fd)
{
	struct linger l = {.l_onoff = 1, .l_linger = 0};

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

/* ---- slowloris: n connections dribble a frame one byte at a time ---- */

Test(soak_echod, slowloris_every_model)
{
	int n = 40 * (int)scale();
	int64_t dur = 600 * (int64_t)scale();
	int *fds = calloc((size_t)n, sizeof(*fds));

	cr_assert(fds);
	for (size_t m = 0; m < NMODELS; m++) {
		start(models[m], 0);
		int base = baseline(models[m]);
		long rss0 = ts_mem_kb(server.pid, "VmRSS");
		int open = 0;
		for (int i = 0; i < n; i++) {
			fds[i] = ts_connect(server.port, false);
			open += fds[i] >= 0;
			/* a frame of 60000 bytes that never completes */
			if (fds[i] >= 0)
				send(fds[i], "\0\0\xea", 3, MSG_NOSIGNAL);
		}
		cr_assert_eq(open, n, "%s: %d of %d connected", models[m], open,
			     n);
		uint64_t dribbled = 0;
		for (int64_t end = cm_now_ms() + dur; cm_now_ms() < end;) {
			for (int i = 0; i < n; i++)
				if (send(fds[i], "x", 1,
					 MSG_NOSIGNAL | MSG_DONTWAIT) == 1)
					dribbled++;
			poll(NULL, 0, 50);
		}
		/* every model but iterative serves others meanwhile */
		if (strcmp(models[m], "iterative") != 0)
			ping(models[m]);
		long rss = ts_mem_kb(server.pid, "VmRSS");
		for (int i = 0; i < n; i++)
			close(fds[i]);
		int fdn = back_to(base);
		cr_assert_eq(fdn, base, "%s: %d fds after, %d before",
			     models[m], fdn, base);
		ping(models[m]);
		/* fork: children have their own RSS; thread: stacks */
		cr_assert(TS_ASAN || rss <= rss0 + 16384 + n * 64L,
			  "%s: RSS %ld KiB, %ld at start", models[m], rss,
			  rss0);
		printf("soak: echod %s slowloris: %d connections held %lld "
		       "ms, %llu bytes dribbled; RSS %ld -> %ld KiB; fds %d "
		       "back to %d\n",
		       models[m], n, (long long)dur,
		       (unsigned long long)dribbled, rss0, rss, fdn, base);
		cr_assert_eq(ts_stop(&server), 0);
	}
	free(fds);
}

/* ---- RST storm: connections send half a frame, then reset ---- */

Test(soak_echod, rst_storm_every_model)
{
	int n = 300 * (int)scale();
	static char half[3000];

	memcpy(half, "\0\0\x17\x70", 4); /* 6000 bytes announced */
	memset(half + 4, 'r', sizeof(half) - 4);
	for (size_t m = 0; m < NMODELS; m++) {
		start(models[m], 0);
		int base = baseline(models[m]);
		long rss0 = ts_mem_kb(server.pid, "VmRSS");
		int64_t t0 = cm_now_ms();
		for (int i = 0; i < n; i++) {
			int fd = ts_connect(server.port, false);
			cr_assert_geq(fd, 0, "%s: connection %d", models[m], i);
			send(fd, half, sizeof(half), MSG_NOSIGNAL);
			reset_close(fd);
		}
		int64_t took = cm_now_ms() - t0;
		ping(models[m]);
		int fdn = back_to(base);
		long rss = ts_mem_kb(server.pid, "VmRSS");
		cr_assert_eq(fdn, base, "%s: %d fds after, %d before",
			     models[m], fdn, base);
		cr_assert(TS_ASAN || rss <= rss0 + 16384,
			  "%s: RSS %ld KiB, %ld before", models[m], rss, rss0);
		printf("soak: echod %s RST storm: %d resets mid-frame in %lld "
		       "ms; RSS %ld -> %ld KiB; fds %d back to %d\n",
		       models[m], n, (long long)took, rss0, rss, fdn, base);
		cr_assert_eq(ts_stop(&server), 0);
	}
}

/* ---- EMFILE: RLIMIT_NOFILE 48, twice as many connections ---- */

Test(soak_echod, emfile_recovery_every_model)
{
	int n = 96 * (int)scale();
	int *fds = calloc((size_t)n, sizeof(*fds));

	cr_assert(fds);
	for (size_t m = 0; m < NMODELS; m++) {
		if (strcmp(models[m], "iterative") == 0)
			continue; /* holds one connection: never runs out */
		start(models[m], 48);
		int base = baseline(models[m]);
		double cpu0 = ts_cpu_seconds(server.pid);
		for (int i = 0; i < n; i++)
			fds[i] = ts_connect(server.port, false);
		poll(NULL, 0, 300 * (int)scale());
		double cpu = ts_cpu_seconds(server.pid) - cpu0;
		int served = 0;
		for (int i = 0; i < n; i++) {
			struct pollfd p = {.fd = fds[i], .events = POLLIN};
			/* dropped ones read EOF or reset */
			if (fds[i] >= 0 && poll(&p, 1, 0) == 0)
				served++;
			if (fds[i] >= 0)
				close(fds[i]);
		}
		int fdn = back_to(base);
		cr_assert_eq(fdn, base, "%s: %d fds after, %d before",
			     models[m], fdn, base);
		ping(models[m]);
		/* back-off, not a spin: well under the time waited */
		cr_assert_lt(cpu, 0.25 * scale(),
			     "%s: %.2f s CPU while out of "
			     "descriptors",
			     models[m], cpu);
		const char *log = ts_stderr(&server);
		printf("soak: echod %s EMFILE: %d connections against "
		       "RLIMIT_NOFILE 48, %d not dropped (held or in the "
		       "backlog), %.3f s CPU; fds %d "
		       "back to %d\n",
		       models[m], n, served, cpu, fdn, base);
		cr_assert_eq(ts_stop(&server), 0);
		/* fork hands each descriptor to a child and closes its own:
		 * the parent never runs out */
		cr_assert(strcmp(models[m], "fork") == 0 ||
			      strstr(log, "out of descriptors") ||
			      strstr(log, "Too many open files"),
			  "%s: no EMFILE in the log: %s", models[m], log);
	}
	free(fds);
}
