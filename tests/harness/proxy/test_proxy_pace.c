/* fragproxy pacing and toxicity: --delay, --latency and --rate hold chunks
 * back at least as long as they say (lower bounds only: a loaded machine
 * may be slower, never faster), bytes stay exact, --toxicity applies a
 * policy to the seeded fraction of connections, and coalesce gathers small
 * writes until its size or its timeout. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cm_clock.h"
#include "test_proxy_util.h"

static double now_s(void)
{
	return (double)cm_now_ns() / 1e9;
}

/* Echo n bytes through a proxy started with the given options; returns
 * the elapsed time. */
static double echo_time(size_t n, const char *o1, const char *v1,
			const char *o2, const char *v2)
{
	struct tp_server s = {0};
	uint8_t *data = malloc(n), *back = malloc(n);
	int err;

	tp_server_start(&s, TP_ECHO);
	struct fp_proxy *p = tp_proxy(s.port, o1, v1, o2, v2, NULL);
	int fd = tp_connect(fp_port(p));
	tp_fill(data, n, 4);
	double t0 = now_s();
	cr_assert_eq(send(fd, data, n, 0), (ssize_t)n);
	shutdown(fd, SHUT_WR);
	cr_assert_eq(tp_read_all(fd, back, n, &err), n);
	double dt = now_s() - t0;
	cr_expect(memcmp(data, back, n) == 0);
	close(fd);
	fp_stop(p);
	tp_server_stop(&s);
	free(data);
	free(back);
	return dt;
}

Test(proxy_pace, delay_between_chunks)
{
	/* 5 chunks up: at least 4 gaps of 30 ms (down overlaps with up) */
	double dt = echo_time(5000, "--split", "fixed:1000", "--delay", "30");
	cr_expect(dt >= 0.12, "took %.3f s", dt);
}

Test(proxy_pace, delay_range_one_direction)
{
	double dt =
	    echo_time(3000, "--split", "fixed:1000", "--delay", "up:40-60");
	cr_expect(dt >= 0.08, "took %.3f s", dt);
}

Test(proxy_pace, latency_each_way)
{
	double dt = echo_time(100, "--latency", "150,jitter=20", "--seed", "3");
	cr_expect(dt >= 0.26, "took %.3f s", dt);
}

Test(proxy_pace, rate_limit)
{
	/* 100 KB at 400 KB/s each way */
	double dt =
	    echo_time(100000, "--rate", "400000", "--split", "fixed:4000");
	cr_expect(dt >= 0.2, "took %.3f s", dt);
}

Test(proxy_pace, toxicity_fraction)
{
	struct tp_server s = {0};
	char rec[] = "/tmp/fp_tox_XXXXXX";
	unsigned per[16];
	uint8_t data[100], back[100];
	int err;

	close(mkstemp(rec));
	tp_server_start(&s, TP_ECHO);
	struct fp_proxy *p =
	    tp_proxy(s.port, "--up", "fixed:10", "--toxicity", "up:0.5",
		     "--hold", "60000", "--record", rec, NULL);
	for (int i = 0; i < 16; i++) {
		int fd = tp_connect(fp_port(p));
		cr_assert_eq(send(fd, data, sizeof(data), 0), 100);
		shutdown(fd, SHUT_WR);
		cr_assert_eq(tp_read_all(fd, back, sizeof(back), &err), 100);
		close(fd);
	}
	tp_wait_idle(p);
	fp_stop(p);
	tp_server_stop(&s);
	tp_count_chunks(rec, per, 16);
	int cut = 0, whole = 0;
	for (int i = 0; i < 16; i++) {
		cr_expect(per[i] == 10 || per[i] == 1, "conn %d: %u chunks", i,
			  per[i]);
		cut += per[i] == 10;
		whole += per[i] == 1;
	}
	cr_expect(cut >= 3 && whole >= 3, "cut %d whole %d", cut, whole);
	unlink(rec);
}

Test(proxy_pace, coalesce_joins_small_writes)
{
	struct tp_server s = {0};
	uint8_t data[1000];

	tp_server_start(&s, TP_RECORD);
	struct fp_proxy *p = tp_proxy(s.port, "--up", "coalesce:1000", NULL);
	int fd = tp_connect(fp_port(p));
	tp_fill(data, sizeof(data), 8);
	for (int i = 0; i < 10; i++) {
		cr_assert_eq(send(fd, data + i * 100, 100, 0), 100);
		usleep(3000);
	}
	shutdown(fd, SHUT_WR);
	struct tp_conn_result *r = tp_server_wait(&s, 0);
	cr_expect_eq(r->total, sizeof(data));
	cr_expect_eq(r->nreads, 1, "%zu reads, first %zu", r->nreads,
		     r->reads[0]);
	cr_expect(memcmp(r->head, data, sizeof(data)) == 0);
	close(fd);
	fp_stop(p);
	tp_server_stop(&s);
}

/* coalesce:BYTES,ms=T: fewer than BYTES gathered leave together once T ms
 * have passed since the first of them arrived, without waiting for EOF. */
Test(proxy_pace, coalesce_timeout_flushes_partial)
{
	int port;
	int lfd = tp_listen(&port);
	uint8_t data[300], got[sizeof(data)];
	struct fp_proxy *p =
	    tp_proxy(port, "--up", "coalesce:1000,ms=150", NULL);
	int fd = tp_connect(fp_port(p));
	int ufd = accept(lfd, NULL, NULL);

	cr_assert(ufd >= 0);
	tp_fill(data, sizeof(data), 9);
	double t0 = now_s();
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(send(fd, data + i * 100, 100, 0), 100);
		usleep(10000);
	}
	/* one read gets all 300 bytes: they left as one chunk */
	struct timeval tv = {.tv_sec = 10};
	setsockopt(ufd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ssize_t n = recv(ufd, got, sizeof(got), 0);
	double dt = now_s() - t0;
	cr_assert_eq(n, (ssize_t)sizeof(data), "first read %zd bytes", n);
	cr_expect(memcmp(got, data, sizeof(data)) == 0);
	cr_expect(dt >= 0.14, "flushed after %.3f s, before ms=150", dt);
	close(fd);
	close(ufd);
	close(lfd);
	tp_wait_idle(p);
	fp_stop(p);
}
