/* The connection layer's per-connection timer (net_want.wait_ms) with a
 * toy core that, on 'w', holds its answer until its timer fires: the mux
 * bounds its wait by the timer and serves others meanwhile, and the
 * blocking loop bounds its poll() the same way. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cm_clock.h"
#include "net_conn.h"
#include "net_mux.h"
#include "net_sock.h"
#include "test_servers_util.h"

#define WAIT_MS 200

struct wcore {
	char out[64];
	size_t len;
	bool waiting, eof;
};

static unsigned timers; /* timer callbacks run */

static void *w_open(void *arg, struct net_conn *c)
{
	(void)arg;
	(void)c;
	return calloc(1, sizeof(struct wcore));
}

static int w_input(void *core, const uint8_t *p, size_t n)
{
	struct wcore *w = core;

	for (size_t i = 0; i < n && w->len < sizeof(w->out) - 1; i++) {
		w->out[w->len++] = (char)(p[i] - 32); /* upper case */
		w->waiting = w->waiting || p[i] == 'w';
	}
	return 0;
}

static int w_eof(void *core, bool reset)
{
	(void)reset;
	((struct wcore *)core)->eof = true;
	return 0;
}

static void w_want(const void *core, struct net_want *nw)
{
	const struct wcore *w = core;

	nw->out = (const uint8_t *)w->out;
	nw->len = w->waiting ? 0 : w->len;
	nw->read = !w->waiting;
	nw->done = w->eof;
	nw->wait_ms = w->waiting ? WAIT_MS : 0;
}

static void w_consume(void *core, size_t n)
{
	struct wcore *w = core;

	memmove(w->out, w->out + n, w->len - n);
	w->len -= n;
}

static void w_close(void *core, enum net_close_why why)
{
	(void)why;
	free(core);
}

static void w_timer(void *core)
{
	struct wcore *w = core;

	timers++;
	w->waiting = false;
	w->out[w->len++] = 'T';
}

static const struct net_proto wproto = {
    .open = w_open,
    .input = w_input,
    .eof = w_eof,
    .want = w_want,
    .consume = w_consume,
    .close = w_close,
    .timer = w_timer,
};

/* Read exactly want within ms, or fail. */
static void expect_within(int fd, const char *want, int ms)
{
	char got[64] = {0};
	size_t n = 0, len = strlen(want);
	int64_t end = cm_now_ms() + ms;

	while (n < len) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int left = (int)(end - cm_now_ms());
		cr_assert(left > 0 && poll(&p, 1, left) == 1,
			  "got '%s' of '%s' in %d ms", got, want, ms);
		ssize_t r = recv(fd, got + n, len - n, 0);
		cr_assert_gt(r, 0);
		n += (size_t)r;
	}
	cr_assert_str_eq(got, want);
}

TestSuite(net_timer, .timeout = 60);

/* One poll()-driven round of the mux over its connections. */
static void mux_round(struct net_mux *m, int wait)
{
	struct pollfd p[8];
	struct net_conn *c[8];
	nfds_t n = 0;

	for (struct net_conn *k = m->head; k && n < 8; k = k->next) {
		c[n] = k;
		p[n++] = (struct pollfd){.fd = k->fd, .events = POLLIN};
	}
	poll(p, n, wait);
	for (nfds_t i = 0; i < n; i++)
		if (p[i].revents)
			net_mux_service(m, c[i], NET_READY_IN);
	net_mux_tick(m);
}

Test(net_timer, mux_holds_one_connection_and_serves_the_other)
{
	struct sockaddr_storage ss;
	socklen_t sl = ts_loopback(&ss, 0, false);
	int lfd = net_listen(&ss, sl, SOCK_STREAM);
	struct net_mux m;

	cr_assert_geq(lfd, 0);
	cr_assert_eq(net_set_nonblock(lfd), 0);
	cr_assert_eq(getsockname(lfd, (struct sockaddr *)&ss, &sl), 0);
	int port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	struct net_mux_cfg cfg = {.prog = "test", .lfd = lfd, .proto = &wproto};
	cr_assert_eq(net_mux_init(&m, &cfg), 0);
	int a = ts_connect(port, false), b = ts_connect(port, false);
	for (int i = 0; i < 200 && m.n < 2; i++) {
		cr_assert_eq(net_mux_accept(&m), 0);
		poll(NULL, 0, 5);
	}
	cr_assert_eq(m.n, 2);
	cr_assert_eq(net_mux_timeout(&m), -1, "no timer yet");
	int64_t t0 = cm_now_ms();
	cr_assert_eq(send(a, "w", 1, 0), 1);
	while (m.thead == NULL && cm_now_ms() - t0 < 2000)
		mux_round(&m, 10);
	int t = net_mux_timeout(&m);
	cr_assert(t > 0 && t <= WAIT_MS, "wait bounded by the timer: %d", t);
	/* b is answered at once while a waits */
	cr_assert_eq(send(b, "xy", 2, 0), 2);
	for (int i = 0; i < 10; i++)
		mux_round(&m, 5);
	expect_within(b, "XY", 100);
	struct pollfd pa = {.fd = a, .events = POLLIN};
	cr_assert_eq(poll(&pa, 1, 0), 0, "a answered before its timer");
	cr_assert_eq(timers, 0);
	while (timers == 0 && cm_now_ms() - t0 < 2000)
		mux_round(&m, net_mux_timeout(&m));
	cr_assert_geq(cm_now_ms() - t0, WAIT_MS - 5, "timer fired early");
	expect_within(a, "WT", 500);
	cr_assert_null(m.thead, "timer still listed");
	/* closing a connection with a pending timer unlists it */
	cr_assert_eq(send(a, "w", 1, 0), 1);
	while (m.thead == NULL && cm_now_ms() - t0 < 4000)
		mux_round(&m, 10);
	cr_assert_not_null(m.thead);
	net_mux_free(&m);
	cr_assert_null(m.thead);
	close(a);
	close(b);
	close(lfd);
}

static void *serve(void *p)
{
	net_serve_conn(&wproto, NULL, *(int *)p, -1);
	return NULL;
}

Test(net_timer, blocking_loop_waits_for_the_timer)
{
	int sv[2];
	pthread_t th;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(pthread_create(&th, NULL, serve, &sv[0]), 0);
	int64_t t0 = cm_now_ms();
	cr_assert_eq(send(sv[1], "w", 1, 0), 1);
	expect_within(sv[1], "WT", 2000);
	cr_assert_geq(cm_now_ms() - t0, WAIT_MS - 5);
	cr_assert_eq(send(sv[1], "ab", 2, 0), 2);
	expect_within(sv[1], "AB", 500);
	shutdown(sv[1], SHUT_WR);
	pthread_join(th, NULL);
	close(sv[0]);
	close(sv[1]);
}
