/* echod flow-control suite: a peer that sends without reading is stopped
 * (the server's output stays bounded, it stops reading that connection)
 * while other connections carry on; a busy peer does not starve the
 * others; --max-conns holds new connections
 * until a slot frees up. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_servers_util.h"

#define FLOOD ((size_t)64 << 20) /* what an unbounded server would take */

static struct ts_proc server;

static void stop_server(void)
{
	if (server.pid > 0)
		ts_stop(&server);
}

static void start(const char *model, const char *max_conns)
{
	const char *argv[] = {"echod",	     "--model",
			      model,	     "--framing",
			      "line",	     "--listen",
			      "127.0.0.1:0", max_conns ? "--max-conns" : NULL,
			      max_conns,     NULL};
	cr_assert_eq(ts_start(&server, argv, 0), 0, "echod %s: not ready",
		     model);
}

static const char *ping(int fd, const char *text)
{
	size_t len = strlen(text);
	return ts_echo_check(fd, "line", &text, &len, 1, false);
}

/* Send lines without reading until a second passes with no progress;
 * returns the bytes the server let in. */
static size_t flood(int fd)
{
	static char chunk[65536];
	size_t sent = 0;

	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (i % 100 == 99) ? '\n' : 'f';
	while (sent < FLOOD) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		if (poll(&p, 1, 1000) <= 0)
			break; /* stalled: the server stopped reading */
		ssize_t n =
		    send(fd, chunk, sizeof(chunk), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN)
			break;
		if (n > 0)
			sent += (size_t)n;
	}
	return sent;
}

struct model_param {
	char model[16];
};

ParameterizedTestParameters(flow, reader_that_never_reads)
{
	static struct model_param p[] = {{"iterative"}, {"fork"}, {"thread"},
					 {"select"},	{"poll"}, {"epoll"}};
	return cr_make_param_array(struct model_param, p,
				   sizeof(p) / sizeof(p[0]));
}

ParameterizedTest(struct model_param *mp, flow, reader_that_never_reads,
		  .fini = stop_server, .timeout = 120)
{
	bool iterative = strcmp(mp->model, "iterative") == 0;
	int small = 16384;

	start(mp->model, NULL);
	int hog = ts_connect(server.port, false);
	cr_assert_geq(hog, 0);
	setsockopt(hog, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(hog, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	size_t sent = flood(hog);
	cr_assert_lt(sent, FLOOD, "server took all %zu bytes unread", sent);
	if (!iterative) {
		int fd = ts_connect(server.port, false);
		cr_assert_geq(fd, 0);
		const char *why = ping(fd, "others carry on");
		cr_assert_null(why, "%s", why);
		close(fd);
	}
	/* reading now drains the echo: the server was waiting, not dead */
	char buf[4096];
	ssize_t n = recv(hog, buf, sizeof(buf), 0);
	cr_assert_gt(n, 0);
	cr_assert_eq(buf[0], 'f');
	close(hog);
	cr_assert_eq(ts_stop(&server), 0);
}

/* Hog echo bytes that may pass while one ping waits: a few rounds of
 * 64 KiB plus what the socket buffers already held. A server that serves
 * the hog until it runs dry moves far more (hundreds of MiB). */
#define FAIR_BOUND ((size_t)32 << 20)

struct hog {
	int fd;
	atomic_bool stop;
	atomic_size_t echoed; /* bytes the hog got back */
};

static void *hog_write(void *arg)
{
	struct hog *h = arg;
	static char chunk[65536];

	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (i % 64 == 63) ? '\n' : 'h';
	while (!atomic_load(&h->stop))
		if (send(h->fd, chunk, sizeof(chunk), MSG_NOSIGNAL) < 0 &&
		    errno != EAGAIN && errno != EINTR)
			break;
	return NULL;
}

static void *hog_read(void *arg)
{
	struct hog *h = arg;
	static char buf[65536];

	while (!atomic_load(&h->stop)) {
		ssize_t n = recv(h->fd, buf, sizeof(buf), 0);
		if (n > 0)
			atomic_fetch_add(&h->echoed, (size_t)n);
		else if (errno != EAGAIN && errno != EINTR)
			break;
	}
	return NULL;
}

ParameterizedTestParameters(flow, busy_peer_does_not_starve_others)
{
	static struct model_param p[] = {{"select"}, {"poll"}, {"epoll"}};
	return cr_make_param_array(struct model_param, p,
				   sizeof(p) / sizeof(p[0]));
}

/* One peer keeps the server's input full (and reads its echoes as fast
 * as it can); another's pings must still be answered. */
ParameterizedTest(struct model_param *mp, flow,
		  busy_peer_does_not_starve_others, .fini = stop_server,
		  .timeout = 120)
{
	struct hog h = {.fd = -1};
	pthread_t w, r;

	start(mp->model, NULL);
	h.fd = ts_connect(server.port, false);
	int fd = ts_connect(server.port, false);
	cr_assert(h.fd >= 0 && fd >= 0);
	struct timeval tv = {.tv_sec = 1};
	setsockopt(h.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(h.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	cr_assert_eq(pthread_create(&w, NULL, hog_write, &h), 0);
	cr_assert_eq(pthread_create(&r, NULL, hog_read, &h), 0);
	const char *why = NULL;
	size_t worst = 0;
	while (atomic_load(&h.echoed) == 0) /* the hog is being served */
		sched_yield();
	for (int i = 0; i < 20 && why == NULL; i++) {
		size_t before = atomic_load(&h.echoed);
		why = ping(fd, "am I starved?");
		size_t moved = atomic_load(&h.echoed) - before;
		worst = moved > worst ? moved : worst;
	}
	atomic_store(&h.stop, true);
	pthread_join(w, NULL);
	pthread_join(r, NULL);
	close(h.fd);
	close(fd);
	cr_assert_null(why, "%s beside a busy peer: %s", mp->model, why);
	cr_assert_lt(worst, FAIR_BOUND, "%zu hog bytes echoed during one ping",
		     worst);
	cr_assert_eq(ts_stop(&server), 0);
}

Test(flow, max_conns_holds_the_next_connection, .fini = stop_server,
     .timeout = 120)
{
	char buf[8];

	start("epoll", "2");
	int a = ts_connect(server.port, false);
	int b = ts_connect(server.port, false);
	cr_assert(a >= 0 && b >= 0);
	cr_assert_null(ping(a, "a"));
	cr_assert_null(ping(b, "b"));
	int c = ts_connect(server.port, false); /* queued in the backlog */
	cr_assert_geq(c, 0);
	cr_assert_eq(send(c, "c\n", 2, 0), 2);
	struct pollfd p = {.fd = c, .events = POLLIN};
	cr_assert_eq(poll(&p, 1, 300), 0, "served beyond --max-conns 2");
	close(a);
	cr_assert_eq(recv(c, buf, 2, MSG_WAITALL), 2,
		     "served once a slot frees");
	cr_assert_eq(memcmp(buf, "c\n", 2), 0);
	cr_assert_null(ping(b, "b still"));
	close(b);
	close(c);
	cr_assert_eq(ts_stop(&server), 0);
}
