/* The generic connection layer (servers/net) with a toy protocol core: the
 * bounded step (answers, a core error, EOF, a hang-up that must not spin),
 * the blocking one-connection loop, and the multiplexer's connection limit,
 * EMFILE drop and back-off, idle timeout and epoll loop with SIGTERM. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cm_clock.h"
#include "net_conn.h"
#include "net_mux.h"
#include "net_sock.h"
#include "test_servers_util.h"

/* ---- the toy core: upper-cases its input, 'q' ends it, '!' fails it ---- */

struct toy {
	char out[4096];
	size_t pos, len;
	bool quit, eof;
};

/* What happened to the cores (read after the serving thread ended). */
static struct {
	unsigned opens, closes;
	enum net_close_why why;
	bool reset;
	size_t limit; /* reads while less than limit is pending */
} tl = {.limit = 1024};

static void *toy_open(void *arg, struct net_conn *c)
{
	(void)arg;
	(void)c;
	tl.opens++;
	return calloc(1, sizeof(struct toy));
}

static int toy_input(void *core, const uint8_t *p, size_t n)
{
	struct toy *t = core;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '!')
			return -1;
		if (t->len < sizeof(t->out))
			t->out[t->len++] = (char)toupper(p[i]);
		t->quit = t->quit || p[i] == 'q';
	}
	return 0;
}

static int toy_eof(void *core, bool reset)
{
	struct toy *t = core;

	t->eof = true;
	tl.reset = reset;
	return 0;
}

static void toy_want(const void *core, struct net_want *w)
{
	const struct toy *t = core;

	w->out = (const uint8_t *)t->out + t->pos;
	w->len = t->len - t->pos;
	w->read = !t->quit && w->len < tl.limit;
	w->done = t->quit || t->eof;
}

static void toy_consume(void *core, size_t n)
{
	struct toy *t = core;

	t->pos += n;
	if (t->pos == t->len)
		t->pos = t->len = 0;
}

static void toy_close(void *core, enum net_close_why why)
{
	tl.closes++;
	tl.why = why;
	free(core);
}

static const struct net_proto toy = {
    .open = toy_open,
    .input = toy_input,
    .eof = toy_eof,
    .want = toy_want,
    .consume = toy_consume,
    .close = toy_close,
};

/* ---- helpers ---- */

static uint8_t rbuf[256];

static void pair(struct net_conn *c, int *peer)
{
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	*c = (struct net_conn){.fd = sv[0], .proto = &toy};
	c->core = toy.open(NULL, c);
	*peer = sv[1];
}

/* The peer sends text; the connection takes one step on it. */
static bool feed(struct net_conn *c, int peer, const char *text, size_t budget)
{
	ssize_t len = (ssize_t)strlen(text);

	cr_assert_eq(send(peer, text, (size_t)len, 0), len);
	return net_conn_step(c, NET_READY_IN, rbuf, sizeof(rbuf), budget);
}

static void unpair(struct net_conn *c, int peer)
{
	toy.close(c->core, NET_CLOSE_DONE);
	close(c->fd);
	if (peer >= 0)
		close(peer);
}

/* Read exactly what is expected (blocking, with the suite's timeout). */
static void expect(int fd, const char *want)
{
	char got[256] = {0};
	size_t n = 0, len = strlen(want);

	while (n < len) {
		ssize_t r = recv(fd, got + n, len - n, 0);
		cr_assert_gt(r, 0, "got '%.*s' of '%s'", (int)n, got, want);
		n += (size_t)r;
	}
	cr_assert_str_eq(got, want);
}

static bool peer_closed(int fd)
{
	char b[8];
	ssize_t n = recv(fd, b, sizeof(b), 0);

	return n == 0 || (n < 0 && errno == ECONNRESET);
}

static void sleep_ms(int ms)
{
	poll(NULL, 0, ms);
}

/* A non-blocking listener on 127.0.0.1, its port in *port. */
static int listener(int *port)
{
	struct sockaddr_storage ss;
	socklen_t sl = ts_loopback(&ss, 0, false);
	int lfd = net_listen(&ss, sl, SOCK_STREAM);

	cr_assert_geq(lfd, 0, "listen: %s", strerror(-lfd));
	cr_assert_eq(net_set_nonblock(lfd), 0);
	cr_assert_eq(getsockname(lfd, (struct sockaddr *)&ss, &sl), 0);
	*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return lfd;
}

static void mux_start(struct net_mux *m, int lfd, size_t max_conns,
		      int64_t idle_ms)
{
	struct net_mux_cfg cfg = {.prog = "test_net",
				  .lfd = lfd,
				  .proto = &toy,
				  .max_conns = max_conns,
				  .idle_ms = idle_ms};
	cr_assert_eq(net_mux_init(m, &cfg), 0);
}

/* Accept until the mux holds want connections (the kernel may still be
 * queueing a connect). */
static void accept_until(struct net_mux *m, size_t want)
{
	for (int i = 0; i < 200 && m->n < want; i++) {
		cr_assert_eq(net_mux_accept(m), 0);
		if (m->n < want)
			sleep_ms(10);
	}
	cr_assert_eq(m->n, want);
}

/* Serve the mux's oldest connection until want came back on fd. */
static void serve_until(struct net_mux *m, int fd, const char *want)
{
	char got[256] = {0};
	size_t n = 0, len = strlen(want);

	for (int i = 0; i < 2000 && n < len; i++) {
		if (m->head)
			net_mux_service(m, m->head, NET_READY_IN);
		ssize_t r = recv(fd, got + n, len - n, MSG_DONTWAIT);
		if (r > 0)
			n += (size_t)r;
		else
			sleep_ms(5);
	}
	cr_assert_str_eq(got, want);
}

TestSuite(net, .timeout = 60);

/* ---- the step ---- */

Test(net, step_reads_once_and_answers)
{
	struct net_conn c;
	int peer;

	pair(&c, &peer);
	cr_assert(net_conn_want_read(&c));
	cr_assert(feed(&c, peer, "abc", 1024));
	expect(peer, "ABC");
	cr_assert(!c.dead && !c.eof);
	cr_assert(!net_conn_finished(&c));
	/* nothing ready, nothing pending: no progress, still alive */
	cr_assert(!net_conn_step(&c, 0, rbuf, sizeof(rbuf), 1024));
	cr_assert(!c.dead);
	unpair(&c, peer);
}

Test(net, step_sends_what_a_failing_core_queued_then_closes)
{
	struct net_conn c;
	int peer;

	pair(&c, &peer);
	feed(&c, peer, "ab!cd", 1024);
	cr_assert(c.dead, "a core error closes the connection");
	cr_assert(net_conn_finished(&c));
	expect(peer, "AB");
	unpair(&c, peer);
}

Test(net, step_eof_ends_once_the_output_is_out)
{
	struct net_conn c;
	int peer;

	pair(&c, &peer);
	cr_assert_eq(send(peer, "xy", 2, 0), 2);
	cr_assert_eq(shutdown(peer, SHUT_WR), 0);
	net_conn_step(&c, NET_READY_IN, rbuf, sizeof(rbuf), 1024);
	expect(peer, "XY");
	if (!c.eof) /* the EOF may come with the bytes or on its own */
		net_conn_step(&c, NET_READY_IN, rbuf, sizeof(rbuf), 1024);
	cr_assert(c.eof && !c.dead);
	cr_assert(!tl.reset, "a clean EOF is not a reset");
	cr_assert(net_conn_finished(&c));
	cr_assert(!net_conn_want_read(&c));
	unpair(&c, peer);
}

Test(net, step_budget_bounds_the_bytes_sent)
{
	struct net_conn c;
	int peer;
	char big[101];

	memset(big, 'a', 100);
	big[100] = '\0';
	pair(&c, &peer);
	feed(&c, peer, big, 30);
	cr_assert(net_conn_want_write(&c), "70 bytes wait for the next step");
	struct net_want w;
	toy.want(c.core, &w);
	cr_assert_eq(w.len, 70);
	unpair(&c, peer);
}

Test(net, step_hangup_without_progress_closes_instead_of_spinning)
{
	struct net_conn c;
	int peer;

	pair(&c, &peer);
	tl.limit = 0; /* backpressure: the core takes no input */
	cr_assert(!net_conn_want_read(&c));
	close(peer);
	net_conn_step(&c, NET_READY_HUP, rbuf, sizeof(rbuf), 1024);
	cr_assert(c.dead, "HUP with nothing to do must close");
	cr_assert(tl.reset, "the core hears of the reset");
	cr_assert(net_conn_finished(&c));
	unpair(&c, -1);
}

/* ---- the blocking loop ---- */

struct serve_arg {
	int fd, rc;
};

static void *serve_thread(void *p)
{
	struct serve_arg *a = p;

	a->rc = net_serve_conn(&toy, NULL, a->fd, -1);
	return NULL;
}

Test(net, serve_conn_runs_the_core_to_its_end)
{
	int sv[2];
	pthread_t t;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct serve_arg a = {.fd = sv[0], .rc = -1};
	cr_assert_eq(pthread_create(&t, NULL, serve_thread, &a), 0);
	cr_assert_eq(send(sv[1], "hi ", 3, 0), 3);
	expect(sv[1], "HI ");
	cr_assert_eq(send(sv[1], "q", 1, 0), 1);
	expect(sv[1], "Q");
	pthread_join(t, NULL);
	cr_assert_eq(a.rc, 0);
	cr_assert_eq(tl.opens, 1);
	cr_assert_eq(tl.closes, 1);
	cr_assert_eq(tl.why, NET_CLOSE_DONE);
	close(sv[0]);
	close(sv[1]);
}

/* ---- the multiplexer ---- */

Test(net, mux_stops_accepting_at_max_conns)
{
	struct net_mux m;
	int port, lfd = listener(&port);
	int c1 = ts_connect(port, false);
	int c2 = ts_connect(port, false);

	mux_start(&m, lfd, 1, 0);
	accept_until(&m, 1);
	cr_assert(!net_mux_listen_ok(&m), "at the limit: listener off");
	cr_assert_eq(net_mux_accept(&m), 0);
	cr_assert_eq(m.n, 1, "the second waits in the backlog");
	cr_assert_eq(send(c1, "q", 1, 0), 1);
	serve_until(&m, c1, "Q");
	cr_assert_eq(m.n, 0, "the finished connection closed");
	cr_assert(peer_closed(c1));
	cr_assert(net_mux_listen_ok(&m));
	accept_until(&m, 1);
	cr_assert_eq(send(c2, "z", 1, 0), 1);
	serve_until(&m, c2, "Z");
	net_mux_free(&m);
	cr_assert_eq(tl.closes, 2);
	cr_assert_eq(tl.why, NET_CLOSE_STOP);
	close(c1);
	close(c2);
	close(lfd);
}

/* Take every descriptor left (up to the lowered limit). Returns how many;
 * fds[] holds them. */
static int fill_fds(int *fds, int cap)
{
	struct rlimit rl;
	int n = 0, fd;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = 256 < rl.rlim_max ? 256 : rl.rlim_max;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	while (n < cap && (fd = open("/dev/null", O_RDONLY)) >= 0)
		fds[n++] = fd;
	cr_assert_eq(errno, EMFILE, "filled up to the limit");
	return n;
}

static void free_fds(int *fds, int n)
{
	while (n > 0)
		close(fds[--n]);
}

Test(net, mux_emfile_drops_the_connection_and_keeps_serving)
{
	static int fds[256];
	struct net_mux m;
	int port, lfd = listener(&port);
	int c1 = ts_connect(port, false);

	mux_start(&m, lfd, 0, 0);
	accept_until(&m, 1); /* the spare descriptor is held from here */
	int c2 = ts_connect(port, false);
	int n = fill_fds(fds, 256);
	sleep_ms(20); /* c2 reaches the backlog */
	cr_assert_eq(net_mux_accept(&m), 0, "EMFILE is not fatal");
	cr_assert_eq(m.n, 1);
	cr_assert_eq(m.backoff_until, 0, "dropped with the spare, no pause");
	cr_assert(peer_closed(c2), "the connection over the limit is dropped");
	free_fds(fds, n);
	cr_assert_eq(send(c1, "ok", 2, 0), 2);
	serve_until(&m, c1, "OK");
	net_mux_free(&m);
	close(c1);
	close(c2);
	close(lfd);
}

Test(net, mux_backs_off_when_no_descriptor_is_left)
{
	static int fds[256];
	struct net_mux m;
	int port, lfd = listener(&port);
	int c1 = ts_connect(port, false);

	mux_start(&m, lfd, 0, 0);
	sleep_ms(20);
	int n = fill_fds(fds, 256); /* before any accept: no spare either */
	int64_t t0 = cm_now_ms();
	cr_assert_eq(net_mux_accept(&m), 0);
	int64_t t1 = cm_now_ms();
	cr_assert_eq(m.n, 0);
	/* paused for 100 ms from the failed accept (however slow we are) */
	cr_assert(m.backoff_until >= t0 + 100 && m.backoff_until <= t1 + 100);
	cr_assert(!net_mux_listen_ok(&m) || cm_now_ms() >= m.backoff_until);
	cr_assert_leq(net_mux_timeout(&m), 100);
	free_fds(fds, n);
	while (cm_now_ms() < m.backoff_until)
		sleep_ms(5);
	net_mux_tick(&m);
	cr_assert_eq(m.backoff_until, 0);
	cr_assert_eq(net_mux_timeout(&m), -1, "nothing to wait for");
	accept_until(&m, 1);
	net_mux_free(&m);
	close(c1);
	close(lfd);
}

Test(net, mux_closes_idle_connections)
{
	struct net_mux m;
	int port, lfd = listener(&port);
	int c1 = ts_connect(port, false);

	mux_start(&m, lfd, 0, 60000);
	accept_until(&m, 1);
	int t = net_mux_timeout(&m);
	cr_assert(t > 50000 && t <= 60000, "waits for the idle deadline: %d",
		  t);
	net_mux_tick(&m);
	cr_assert_eq(m.n, 1, "not idle yet");
	m.head->last -= 60000; /* a minute without a byte, without the wait */
	cr_assert_eq(net_mux_timeout(&m), 0);
	net_mux_tick(&m);
	cr_assert_eq(m.n, 0);
	cr_assert_eq(tl.why, NET_CLOSE_IDLE);
	cr_assert(peer_closed(c1));
	net_mux_free(&m);
	close(c1);
	close(lfd);
}

struct epoll_arg {
	struct net_mux *m;
	int rc;
};

static void *epoll_thread(void *p)
{
	struct epoll_arg *a = p;
	sigset_t all;

	sigfillset(&all); /* SIGTERM is for the test's thread */
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	a->rc = net_mux_run_epoll(a->m);
	return NULL;
}

Test(net, mux_epoll_loop_serves_and_stops_on_sigterm)
{
	struct net_mux m;
	pthread_t t;
	int port, lfd = listener(&port);

	cr_assert_eq(net_signals_init(false), 0);
	mux_start(&m, lfd, 0, 0);
	struct epoll_arg a = {.m = &m, .rc = -1};
	cr_assert_eq(pthread_create(&t, NULL, epoll_thread, &a), 0);
	int c1 = ts_connect(port, false);
	int c2 = ts_connect(port, false);
	cr_assert_eq(send(c2, "still here", 10, 0), 10);
	expect(c2, "STILL HERE");
	cr_assert_eq(send(c1, "hello q", 7, 0), 7);
	expect(c1, "HELLO Q");
	cr_assert(peer_closed(c1), "a finished core closes its connection");
	raise(SIGTERM);
	pthread_join(t, NULL);
	cr_assert_eq(a.rc, 0);
	cr_assert_eq(tl.closes, 1);
	cr_assert_eq(m.n, 1);
	net_mux_free(&m);
	cr_assert_eq(tl.closes, 2);
	cr_assert_eq(tl.why, NET_CLOSE_STOP);
	cr_assert(peer_closed(c2));
	close(c1);
	close(c2);
	close(lfd);
}
