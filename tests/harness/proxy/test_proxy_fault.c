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

/* What a connection ended by a fault looked like from both ends. */
struct fault_end {
	size_t up_total;  /* bytes the upstream got */
	bool up_same;	  /* and they are the client's first bytes */
	int up_errno;	  /* how the upstream's read ended (0: FIN) */
	size_t got;	  /* bytes the client read after the fault */
	int client_errno; /* how the client's read ended */
};

/* The fault ends the connection at byte 1000 both ways with FIN (0) or
 * RST (ECONNRESET), whatever the split. */
static struct fault_end ends_at_offset(const char *fault, const char *split)
{
	struct fault_run r;
	struct fault_end e;
	uint8_t b[64];

	start(&r, fault, split);
	struct tp_conn_result *res = tp_server_wait(&r.s, 0);
	e.up_total = res->total;
	e.up_same =
	    memcmp(res->head, data, res->total < 1000 ? res->total : 1000) == 0;
	e.up_errno = res->end_errno;
	e.got = tp_read_all(r.fd, b, sizeof(b), &e.client_errno);
	finish(&r);
	return e;
}

Test(proxy_fault, close_at_offset)
{
	struct fault_end e =
	    ends_at_offset("up:close@offset=1000", "random:1-300");

	cr_expect_eq(e.up_total, 1000, "upstream got %zu bytes", e.up_total);
	cr_expect(e.up_same, "bytes differ");
	cr_expect_eq(e.up_errno, 0, "upstream: %s", strerror(e.up_errno));
	cr_expect_eq(e.got, 0);
	cr_expect_eq(e.client_errno, 0, "client: %s", strerror(e.client_errno));
}

Test(proxy_fault, reset_at_offset)
{
	struct fault_end e = ends_at_offset("up:reset@offset=1000", "fixed:64");

	cr_expect_eq(e.up_total, 1000, "upstream got %zu bytes", e.up_total);
	cr_expect(e.up_same, "bytes differ");
	cr_expect_eq(e.up_errno, ECONNRESET, "upstream: %s",
		     strerror(e.up_errno));
	cr_expect_eq(e.got, 0);
	cr_expect_eq(e.client_errno, ECONNRESET, "client: %s",
		     strerror(e.client_errno));
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
/* What the client and the proxy show after a black hole swallowed the
 * rest of a 100 KB reply that arrived while the buffer was full. */
struct blackhole_end {
	int err;	  /* how the client's read ended (0: EOF) */
	size_t got;	  /* bytes the client got */
	size_t bad;	  /* first byte that differs, or got */
	int fds_before;	  /* the proxy's descriptors before the client */
	int fds_after;	  /* and once the connection is gone */
	uint64_t dropped; /* bytes the proxy swallowed */
};

static struct blackhole_end blackhole_full_buffer(const char *fault)
{
	struct tp_server s = {.send_first = 100000};
	struct timeval tv = {.tv_sec = 5};
	struct blackhole_end e;
	struct fp_stats st;
	uint8_t b[8192];

	tp_server_start(&s, TP_RECORD);
	struct fp_proxy *p =
	    tp_proxy(s.port, "--fault", fault, "--split", "whole", "--buffer",
		     "4096", "--latency", "down:100", NULL);
	e.fds_before = tp_count_fds();
	int fd = tp_connect(fp_port(p));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	shutdown(fd, SHUT_WR);
	e.got = tp_read_all(fd, b, sizeof(b), &e.err);
	for (e.bad = 0; e.bad < e.got && e.bad < sizeof(b); e.bad++)
		if (b[e.bad] != (uint8_t)e.bad)
			break;
	if (e.bad == sizeof(b))
		e.bad = e.got;
	close(fd);
	tp_wait_idle(p);
	tp_server_wait(&s, 0);
	e.fds_after = tp_count_fds();
	fp_get_stats(p, &st);
	e.dropped = st.dropped[FP_DOWN];
	fp_stop(p);
	tp_server_stop(&s);
	return e;
}

Test(proxy_fault, blackhole_below_half_buffer_ends)
{
	struct blackhole_end e =
	    blackhole_full_buffer("down:blackhole@offset=1000");

	cr_assert_eq(e.err, 0, "client got %zu bytes and no EOF: %s", e.got,
		     strerror(e.err));
	cr_expect_eq(e.got, 1000);
	cr_expect_eq(e.bad, e.got, "byte %zu differs", e.bad);
	cr_expect_eq(e.fds_after, e.fds_before, "proxy kept descriptors");
	cr_expect_eq(e.dropped, 100000 - 1000);
}

Test(proxy_fault, blackhole_above_half_buffer_ends)
{
	struct blackhole_end e =
	    blackhole_full_buffer("down:blackhole@offset=3000");

	cr_assert_eq(e.err, 0, "client got %zu bytes and no EOF: %s", e.got,
		     strerror(e.err));
	cr_expect_eq(e.got, 3000);
	cr_expect_eq(e.bad, e.got, "byte %zu differs", e.bad);
	cr_expect_eq(e.fds_after, e.fds_before, "proxy kept descriptors");
	cr_expect_eq(e.dropped, 100000 - 3000);
}
