/* fragproxy faults: each fires at the offset or chunk count it names and
 * does what it says (FIN, RST, half-close, stall, black hole, limit,
 * refuse), on every connection or only the one it names. */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "test_proxy_util.h"

static uint8_t data[5000];

struct fault_run {
	struct tp_server s;
	struct fp_proxy *p;
	int fd;
};

/* Client sends data[] and half-closes; the recorder upstream keeps it. */
static void start(struct fault_run *r, const char *fault, const char *split)
{
	memset(r, 0, sizeof(*r));
	tp_server_start(&r->s, TP_RECORD);
	r->p = tp_proxy(r->s.port, "--fault", fault, "--split", split, NULL);
	r->fd = tp_connect(fp_port(r->p));
	tp_fill(data, sizeof(data), 11);
	cr_assert_eq(send(r->fd, data, sizeof(data), 0), (ssize_t)sizeof(data));
}

static void finish(struct fault_run *r)
{
	close(r->fd);
	tp_wait_idle(r->p);
	fp_stop(r->p);
	tp_server_stop(&r->s);
}

static void expect_prefix(struct tp_conn_result *res, size_t n)
{
	cr_expect_eq(res->total, n, "upstream got %zu bytes, want %zu",
		     res->total, n);
	cr_expect(memcmp(res->head, data, n) == 0, "bytes differ");
}

/* The fault ends the connection at byte 1000 both ways with FIN (0) or
 * RST (ECONNRESET), whatever the split. */
static void ends_at_offset(const char *fault, const char *split, int want)
{
	struct fault_run r;
	uint8_t b[64];
	int err;

	start(&r, fault, split);
	struct tp_conn_result *res = tp_server_wait(&r.s, 0);
	expect_prefix(res, 1000);
	cr_expect_eq(res->end_errno, want, "upstream wants %s, got %s",
		     strerror(want), strerror(res->end_errno));
	cr_expect_eq(tp_read_all(r.fd, b, sizeof(b), &err), 0);
	cr_expect_eq(err, want, "client wants %s, got %s", strerror(want),
		     strerror(err));
	finish(&r);
}

Test(proxy_fault, close_at_offset)
{
	ends_at_offset("up:close@offset=1000", "random:1-300", 0);
}

Test(proxy_fault, reset_at_offset)
{
	ends_at_offset("up:reset@offset=1000", "fixed:64", ECONNRESET);
}

Test(proxy_fault, half_close_keeps_other_direction)
{
	struct fault_run r;
	uint8_t b[2000];
	int err;

	memset(&r, 0, sizeof(r));
	r.s.reply_len = 1500;
	tp_server_start(&r.s, TP_RECORD);
	r.p = tp_proxy(r.s.port, "--fault", "up:half@offset=1000", NULL);
	r.fd = tp_connect(fp_port(r.p));
	tp_fill(data, sizeof(data), 11);
	cr_assert_eq(send(r.fd, data, sizeof(data), 0), (ssize_t)sizeof(data));
	struct tp_conn_result *res = tp_server_wait(&r.s, 0);
	expect_prefix(res, 1000);
	cr_expect_eq(res->end_errno, 0);
	/* the server answered after its EOF: the down direction still works */
	shutdown(r.fd, SHUT_WR);
	cr_expect_eq(tp_read_all(r.fd, b, sizeof(b), &err), 1500);
	cr_expect_eq(err, 0);
	struct fp_stats st;
	fp_get_stats(r.p, &st);
	cr_expect_eq(st.dropped[FP_UP], sizeof(data) - 1000);
	finish(&r);
}

Test(proxy_fault, stall_loses_nothing)
{
	struct fault_run r;

	start(&r, "up:stall:400@offset=1000", "whole");
	shutdown(r.fd, SHUT_WR);
	struct tp_conn_result *res = tp_server_wait(&r.s, 0);
	expect_prefix(res, sizeof(data));
	size_t pos = 0;
	bool cut = false;
	for (size_t i = 0; i < res->nreads; i++) {
		pos += res->reads[i];
		cut |= pos == 1000;
	}
	cr_expect(cut, "no read ended at the stall offset");
	struct fp_stats st;
	fp_get_stats(r.p, &st);
	cr_expect_eq(st.faults, 1);
	finish(&r);
}

/* A black hole drops the bytes after its offset and the FIN after them:
 * the upstream hears nothing more while the connection lives, and the
 * other direction keeps flowing until the upstream itself closes. */
Test(proxy_fault, blackhole_drops_bytes_and_fin)
{
	int port, err;
	int lfd = tp_listen(&port);
	uint8_t b[sizeof(data)];
	struct fp_proxy *p =
	    tp_proxy(port, "--fault", "up:blackhole@offset=1000", "--split",
		     "fixed:100", NULL);
	int cfd = tp_connect(fp_port(p));
	int ufd = accept(lfd, NULL, NULL);
	cr_assert(ufd >= 0);
	tp_fill(data, sizeof(data), 11);
	cr_assert_eq(send(cfd, data, sizeof(data), 0), (ssize_t)sizeof(data));
	shutdown(cfd, SHUT_WR);

	size_t got = 0;
	while (got < 1000) {
		ssize_t n = recv(ufd, b + got, sizeof(b) - got, 0);
		cr_assert(n > 0, "upstream lost the connection at %zu", got);
		got += (size_t)n;
	}
	cr_expect(memcmp(b, data, 1000) == 0, "bytes before the offset differ");
	struct pollfd pfd = {.fd = ufd, .events = POLLIN};
	cr_expect_eq(poll(&pfd, 1, 300), 0,
		     "upstream got more bytes or a FIN after the black hole");

	/* the other direction still works, and the upstream's close ends
	 * the connection */
	cr_assert_eq(send(ufd, "pong", 4, 0), 4);
	close(ufd);
	cr_expect_eq(tp_read_all(cfd, b, sizeof(b), &err), 4);
	cr_expect_eq(err, 0);
	cr_expect(memcmp(b, "pong", 4) == 0);
	tp_wait_idle(p);
	struct fp_stats st;
	fp_get_stats(p, &st);
	cr_expect_eq(st.dropped[FP_UP], sizeof(data) - 1000);
	cr_expect_eq(st.faults, 1);
	close(cfd);
	close(lfd);
	fp_stop(p);
}

/* --toxicity picks the connections a direction's faults fire on, the same
 * ones its policy applies to: a connection cut into 10-byte chunks is
 * closed at offset 50, one passed whole gets all 100 bytes. */
Test(proxy_fault, toxicity_selects_faulted_connections)
{
	struct tp_server s = {0};
	char rec[] = "/tmp/fp_toxf_XXXXXX";
	enum { N = 16 };
	uint8_t msg[100];
	size_t total[N];
	unsigned chunks[N];
	int faulted = 0, clean = 0;

	close(mkstemp(rec));
	tp_fill(msg, sizeof(msg), 5);
	tp_server_start(&s, TP_RECORD);
	struct fp_proxy *p = tp_proxy(
	    s.port, "--up", "fixed:10", "--toxicity", "up:0.5", "--hold",
	    "60000", "--fault", "up:close@offset=50", "--record", rec, NULL);
	for (int i = 0; i < N; i++) {
		int fd = tp_connect(fp_port(p));
		cr_assert_eq(send(fd, msg, sizeof(msg), 0), 100);
		shutdown(fd, SHUT_WR);
		total[i] = tp_server_wait(&s, i)->total;
		close(fd);
	}
	tp_wait_idle(p);
	fp_stop(p);
	tp_server_stop(&s);

	tp_count_chunks(rec, chunks, N);
	unlink(rec);
	for (int i = 0; i < N; i++) {
		bool cut = chunks[i] > 1;
		cr_expect_eq(total[i], cut ? 50u : 100u,
			     "conn %d: %u chunks but %zu bytes", i, chunks[i],
			     total[i]);
		faulted += cut;
		clean += !cut;
	}
	cr_expect(faulted >= 3 && clean >= 3, "faulted %d, clean %d", faulted,
		  clean);
}

Test(proxy_fault, limit_closes_after_bytes)
{
	struct fault_run r;

	start(&r, "up:limit:2500", "whole");
	struct tp_conn_result *res = tp_server_wait(&r.s, 0);
	expect_prefix(res, 2500);
	cr_expect_eq(res->end_errno, 0);
	finish(&r);
}

Test(proxy_fault, down_close_after_chunks)
{
	struct tp_server s = {.send_first = 100};
	uint8_t b[200];
	int err;

	tp_server_start(&s, TP_RECORD);
	struct fp_proxy *p = tp_proxy(s.port, "--down", "fixed:10", "--fault",
				      "down:close@chunks=3", NULL);
	int fd = tp_connect(fp_port(p));
	size_t got = tp_read_all(fd, b, sizeof(b), &err);
	cr_expect_eq(got, 30);
	cr_expect_eq(err, 0);
	for (size_t i = 0; i < got; i++)
		cr_expect_eq(b[i], (uint8_t)i);
	close(fd);
	tp_wait_idle(p);
	fp_stop(p);
	tp_server_stop(&s);
}

Test(proxy_fault, refuse_only_named_connection)
{
	struct tp_server s = {0};
	uint8_t b[16];
	int err;

	tp_server_start(&s, TP_ECHO);
	struct fp_proxy *p = tp_proxy(s.port, "--fault", "refuse,conn=0", NULL);
	int fd = tp_connect(fp_port(p));
	tp_read_all(fd, b, sizeof(b), &err);
	cr_expect_eq(err, ECONNRESET, "refused conn: %s", strerror(err));
	close(fd);
	fd = tp_connect(fp_port(p));
	cr_assert_eq(send(fd, "ping", 4, 0), 4);
	shutdown(fd, SHUT_WR);
	cr_expect_eq(tp_read_all(fd, b, sizeof(b), &err), 4);
	cr_expect_eq(err, 0);
	cr_expect(memcmp(b, "ping", 4) == 0);
	close(fd);
	struct fp_stats st;
	fp_get_stats(p, &st);
	cr_expect_eq(st.refused, 1);
	fp_stop(p);
	tp_server_stop(&s);
}

Test(proxy_fault, parse_errors_name_the_part)
{
	struct fp_fault f;
	char err[128];

	cr_expect_eq(
	    fp_fault_parse(&f, "up:reset@offset=7,conn=2", err, sizeof(err)),
	    0);
	cr_expect_eq(f.kind, FP_FAULT_RESET);
	cr_expect_eq(f.at, 7);
	cr_expect_eq(f.conn, 2);
	cr_expect_eq(
	    fp_fault_parse(&f, "down:stall:50@chunks=4", err, sizeof(err)), 0);
	cr_expect_eq(f.kind, FP_FAULT_STALL);
	cr_expect_eq(f.arg, 50);
	cr_expect_eq(f.when, FP_AT_CHUNKS);
	cr_expect_eq(fp_fault_parse(&f, "sideways:close", err, sizeof(err)),
		     -EINVAL);
	cr_expect(strstr(err, "sideways:close") != NULL, "%s", err);
	cr_expect_eq(fp_fault_parse(&f, "up:explode", err, sizeof(err)),
		     -EINVAL);
	cr_expect(strstr(err, "unknown kind") != NULL, "%s", err);
	cr_expect_eq(fp_fault_parse(&f, "up:stall", err, sizeof(err)), -EINVAL);
	cr_expect_eq(fp_fault_parse(&f, "up:close@when=3", err, sizeof(err)),
		     -EINVAL);
}

/* Issue 17.1: a black hole that fires while the buffer is full (the
 * upstream's 100 KB and FIN already waiting) must go on reading to the FIN,
 * or under edge-triggered epoll nothing wakes the connection again (the
 * latency makes the fault fire after all of it has arrived). The
 * client, whose own FIN went up first, gets the bytes before the offset,
 * then EOF when the connection ends; descriptors and /stats go back. */
static void blackhole_full_buffer(const char *fault, size_t offset)
{
	struct tp_server s = {.send_first = 100000};
	struct timeval tv = {.tv_sec = 5};
	uint8_t b[8192];
	int err;

	tp_server_start(&s, TP_RECORD);
	struct fp_proxy *p =
	    tp_proxy(s.port, "--fault", fault, "--split", "whole", "--buffer",
		     "4096", "--latency", "down:100", NULL);
	int base = tp_count_fds();
	int fd = tp_connect(fp_port(p));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	shutdown(fd, SHUT_WR);
	size_t got = tp_read_all(fd, b, sizeof(b), &err);
	cr_assert_eq(err, 0, "client got %zu bytes and no EOF: %s", got,
		     strerror(err));
	cr_expect_eq(got, offset);
	for (size_t i = 0; i < got && i < sizeof(b); i++)
		cr_assert_eq(b[i], (uint8_t)i, "byte %zu differs", i);
	close(fd);
	tp_wait_idle(p);
	tp_server_wait(&s, 0);
	cr_expect_eq(tp_count_fds(), base, "proxy kept descriptors");
	struct fp_stats st;
	fp_get_stats(p, &st);
	cr_expect_eq(st.dropped[FP_DOWN], 100000 - offset);
	fp_stop(p);
	tp_server_stop(&s);
}

Test(proxy_fault, blackhole_below_half_buffer_ends)
{
	blackhole_full_buffer("down:blackhole@offset=1000", 1000);
}

Test(proxy_fault, blackhole_above_half_buffer_ends)
{
	blackhole_full_buffer("down:blackhole@offset=3000", 3000);
}
