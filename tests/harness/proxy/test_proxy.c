/* fragproxy core: byte-exact transfers through every policy with many
 * connections, chunk boundaries at a drained receiver, seeded determinism,
 * record/replay, half-close, unreachable upstream, no fd leaks. */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cm_buf.h"
#include "cm_record.h"
#include "test_proxy_util.h"

struct xfer {
	int port;
	size_t len;
	uint64_t seed;
	uint8_t *data;
	uint64_t got_hash;
	size_t got;
	int err;
};

static void *writer(void *arg)
{
	struct xfer *x = arg;
	int fd = x->err; /* fd passed through err before the reader uses it */
	size_t off = 0;

	while (off < x->len) {
		ssize_t w = send(fd, x->data + off, x->len - off, MSG_NOSIGNAL);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	shutdown(fd, SHUT_WR);
	return NULL;
}

static void *client(void *arg)
{
	struct xfer *x = arg;
	uint8_t buf[65536];
	pthread_t w;
	int fd = tp_connect(x->port);

	x->data = malloc(x->len);
	tp_fill(x->data, x->len, x->seed);
	x->err = fd;
	pthread_create(&w, NULL, writer, x);
	x->got_hash = TP_FNV_INIT;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0) {
			x->err = n < 0 ? errno : 0;
			break;
		}
		x->got_hash = tp_fnv(x->got_hash, buf, (size_t)n);
		x->got += (size_t)n;
	}
	pthread_join(w, NULL);
	close(fd);
	return NULL;
}

/* nconn echo clients through `policy`; returns how many checks failed
 * (each logged): a connection's error, byte count or hash, or the number
 * of connections the proxy accepted. */
static int run_policy(const char *policy, int nconn, size_t len)
{
	struct tp_server s = {0};
	struct xfer x[16];
	pthread_t t[16];
	int bad = 0;

	tp_server_start(&s, TP_ECHO);
	struct fp_proxy *p = tp_proxy(s.port, "--split", policy, NULL);
	for (int i = 0; i < nconn; i++) {
		x[i] = (struct xfer){.port = fp_port(p),
				     .len = len + (size_t)i,
				     .seed = (uint64_t)i + 1};
		pthread_create(&t[i], NULL, client, &x[i]);
	}
	for (int i = 0; i < nconn; i++) {
		pthread_join(t[i], NULL);
		bool same =
		    x[i].got_hash == tp_fnv(TP_FNV_INIT, x[i].data, x[i].len);
		if (x[i].err != 0 || x[i].got != x[i].len || !same) {
			cr_log_error("%s conn %d: %s, got %zu of %zu, bytes %s",
				     policy, i, strerror(x[i].err), x[i].got,
				     x[i].len, same ? "equal" : "differ");
			bad++;
		}
		free(x[i].data);
	}
	tp_wait_idle(p);
	struct fp_stats st;
	fp_get_stats(p, &st);
	if (st.accepted != (uint64_t)nconn) {
		cr_log_error("%s: accepted %llu of %d", policy,
			     (unsigned long long)st.accepted, nconn);
		bad++;
	}
	fp_stop(p);
	tp_server_stop(&s);
	return bad;
}

Test(proxy, transfer_large_policies)
{
	cr_expect_eq(run_policy("whole", 8, 1 << 20), 0);
	cr_expect_eq(run_policy("fixed:1460", 8, 1 << 20), 0);
	cr_expect_eq(run_policy("random:1-3000", 8, 512 << 10), 0);
	cr_expect_eq(run_policy("coalesce:4096,ms=2", 8, 512 << 10), 0);
}

Test(proxy, transfer_small_policies)
{
	cr_expect_eq(run_policy("bytes", 4, 16 << 10), 0);
	cr_expect_eq(run_policy("fixed:7", 6, 64 << 10), 0);
	cr_expect_eq(run_policy("list:1,2,3,5,8,13,repeat", 6, 64 << 10), 0);
	cr_expect_eq(run_policy("random:1-64,seed=99", 6, 64 << 10), 0);
}

Test(proxy, transfer_asymmetric_small_buffer)
{
	struct tp_server s = {0};
	struct xfer x;
	pthread_t t;

	tp_server_start(&s, TP_ECHO);
	/* a buffer smaller than a chunk: backpressure, chunks sent in part */
	struct fp_proxy *p = tp_proxy(s.port, "--up", "fixed:3000", "--down",
				      "random:1-500", "--buffer", "1024", NULL);
	x = (struct xfer){.port = fp_port(p), .len = 300000, .seed = 5};
	pthread_create(&t, NULL, client, &x);
	pthread_join(t, NULL);
	cr_expect_eq(x.got, x.len);
	cr_expect_eq(x.got_hash, tp_fnv(TP_FNV_INIT, x.data, x.len));
	free(x.data);
	fp_stop(p);
	tp_server_stop(&s);
}

/* Every read boundary at a drained receiver is a schedule cut point. */
Test(proxy, drained_boundaries_match_schedule)
{
	struct tp_server s = {0};
	uint8_t data[6000];
	char err[128];
	struct fr_sched sch;
	struct fr_sched_iter it;
	static bool cut[sizeof(data) + 1];

	tp_server_start(&s, TP_RECORD);
	struct fp_proxy *p = tp_proxy(s.port, "--up", "random:1-40", "--pace",
				      "drain", "--hold", "60000", NULL);
	int fd = tp_connect(fp_port(p));
	tp_fill(data, sizeof(data), 3);
	cr_assert_eq(send(fd, data, sizeof(data), 0), (ssize_t)sizeof(data));
	shutdown(fd, SHUT_WR);
	struct tp_conn_result *r = tp_server_wait(&s, 0);
	cr_assert_eq(r->total, sizeof(data));
	cr_assert(memcmp(r->head, data, sizeof(data)) == 0);
	/* the schedule, computed independently: seed 42, stream conn*2+dir */
	cr_assert_eq(
	    fr_sched_parse(&sch, "random:1-40,seed=42", err, sizeof(err)),
	    FR_OK);
	fr_sched_begin(&it, &sch, 0 * 2 + 0);
	size_t off = 0, nchunks = 0;
	while (off < sizeof(data)) {
		off += fr_sched_next(&it);
		nchunks++;
		if (off <= sizeof(data))
			cut[off] = true;
	}
	cut[sizeof(data)] = true;
	size_t pos = 0;
	for (size_t i = 0; i < r->nreads && i < TP_MAXREADS; i++) {
		pos += r->reads[i];
		cr_expect(cut[pos], "read %zu ends at %zu, not a cut point", i,
			  pos);
	}
	struct fp_stats st;
	fp_get_stats(p, &st);
	cr_expect_eq(st.chunks[FP_UP], nchunks);
	close(fd);
	fp_stop(p);
	tp_server_stop(&s);
}

static void record_run(const char *path, const char *seed, const char *split)
{
	struct tp_server s = {0};
	uint8_t data[20000], back[20000];
	int err;

	tp_server_start(&s, TP_ECHO);
	struct fp_proxy *p =
	    tp_proxy(s.port, "--seed", seed, "--split", split, "--hold",
		     "60000", "--record", path, NULL);
	for (int c = 0; c < 2; c++) {
		int fd = tp_connect(fp_port(p));
		tp_fill(data, sizeof(data), 9 + (uint64_t)c);
		cr_assert_eq(send(fd, data, sizeof(data), 0),
			     (ssize_t)sizeof(data));
		shutdown(fd, SHUT_WR);
		cr_assert_eq(tp_read_all(fd, back, sizeof(back), &err),
			     sizeof(data));
		cr_assert(memcmp(back, data, sizeof(data)) == 0);
		close(fd);
		tp_wait_idle(p);
	}
	fp_stop(p);
	tp_server_stop(&s);
}

struct sched_rows {
	struct cm_record_row *r;
	size_t n, cap;
};

static int add_row(void *arg, const struct cm_record_row *row)
{
	struct sched_rows *t = arg;

	t->r = cm_grow(t->r, &t->cap, t->n + 1, sizeof(*t->r));
	cr_assert(t->r);
	t->r[t->n++] = *row;
	return 0;
}

static int row_cmp(const void *pa, const void *pb)
{
	const struct cm_record_row *a = pa, *b = pb;

	if (a->conn != b->conn)
		return a->conn < b->conn ? -1 : 1;
	if (a->dir != b->dir)
		return a->dir - b->dir;
	return a->offset < b->offset ? -1 : a->offset > b->offset;
}

/* The record's chunk sizes per connection and direction, without the time
 * column: the two directions of a connection interleave in the file as
 * the scheduler ran them, which is not part of the schedule. */
static char *schedule_of(const char *path)
{
	struct sched_rows t = {0};
	size_t cap = 1 << 20, len = 0;
	char err[300], *out = calloc(1, cap);

	cr_assert(out);
	cr_assert_eq(cm_record_each(path, add_row, &t, err, sizeof(err)), 0,
		     "%s", err);
	if (t.n > 0)
		qsort(t.r, t.n, sizeof(*t.r), row_cmp);
	for (size_t i = 0; i < t.n; i++) {
		len += (size_t)snprintf(
		    out + len, cap - len,
		    "%" PRIu64 " %s %" PRIu64 " %" PRIu64 "\n", t.r[i].conn,
		    t.r[i].dir ? "down" : "up", t.r[i].offset, t.r[i].size);
		cr_assert(len < cap);
	}
	free(t.r);
	return out;
}

Test(proxy, same_seed_same_record_and_replay)
{
	char a[] = "/tmp/fp_rec_a_XXXXXX", b[] = "/tmp/fp_rec_b_XXXXXX",
	     c[] = "/tmp/fp_rec_c_XXXXXX", d[] = "/tmp/fp_rec_d_XXXXXX";
	char replay[64];
	int fds[] = {mkstemp(a), mkstemp(b), mkstemp(c), mkstemp(d)};

	for (int i = 0; i < 4; i++)
		close(fds[i]);
	record_run(a, "7", "random:1-700");
	record_run(b, "7", "random:1-700");
	record_run(c, "8", "random:1-700");
	snprintf(replay, sizeof(replay), "replay:%s", a);
	record_run(d, "123", replay);
	char *sa = schedule_of(a), *sb = schedule_of(b), *sc = schedule_of(c),
	     *sd = schedule_of(d);
	cr_expect(strlen(sa) > 200, "record too short: %s", sa);
	cr_expect_str_eq(sa, sb, "same seed, different schedule");
	cr_expect_str_neq(sa, sc, "different seeds, same schedule");
	cr_expect_str_eq(sa, sd, "replay differs from the record");
	free(sa);
	free(sb);
	free(sc);
	free(sd);
	unlink(a);
	unlink(b);
	unlink(c);
	unlink(d);
}

Test(proxy, half_close_propagates)
{
	struct tp_server s = {.reply_len = 70000};
	uint8_t data[3000], back[80000];
	int err;

	tp_server_start(&s, TP_RECORD);
	struct fp_proxy *p = tp_proxy(s.port, "--split", "fixed:100", NULL);
	int fd = tp_connect(fp_port(p));
	tp_fill(data, sizeof(data), 1);
	cr_assert_eq(send(fd, data, sizeof(data), 0), (ssize_t)sizeof(data));
	shutdown(fd, SHUT_WR);
	/* the server sees EOF, then answers on the still-open other half */
	size_t got = tp_read_all(fd, back, sizeof(back), &err);
	cr_expect_eq(err, 0);
	cr_expect_eq(got, s.reply_len);
	struct tp_conn_result *r = tp_server_wait(&s, 0);
	cr_expect_eq(r->end_errno, 0);
	cr_expect_eq(r->total, sizeof(data));
	for (size_t i = 0; i < got; i++)
		cr_assert_eq(back[i], (uint8_t)(i % 4096));
	close(fd);
	fp_stop(p);
	tp_server_stop(&s);
}

Test(proxy, unreachable_upstream)
{
	struct tp_server s = {0};
	uint8_t b[16];
	int err;

	tp_server_start(&s, TP_ECHO);
	int dead = s.port;
	tp_server_stop(&s); /* nothing listens there now */
	struct fp_proxy *p = tp_proxy(dead, NULL);
	for (int i = 0; i < 3; i++) {
		int fd = tp_connect(fp_port(p));
		cr_expect_eq(tp_read_all(fd, b, sizeof(b), &err), 0);
		close(fd);
	}
	tp_wait_idle(p);
	struct fp_stats st;
	fp_get_stats(p, &st);
	cr_expect_eq(st.upstream_fail, 3);
	fp_stop(p);
}

static void churn(int port, int n)
{
	uint8_t data[2048], back[4096];
	int err;

	tp_fill(data, sizeof(data), 77);
	for (int i = 0; i < n; i++) {
		int fd = tp_connect(port);
		if (i % 3 == 1) {
			/* reset mid-stream */
			struct linger lg = {1, 0};
			send(fd, data, sizeof(data), 0);
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		} else if (i % 3 == 2) {
			send(fd, data, sizeof(data), 0);
			shutdown(fd, SHUT_WR);
			tp_read_all(fd, back, sizeof(back), &err);
		}
		close(fd);
	}
}

Test(proxy, churn_no_fd_leak)
{
	struct tp_server s = {0};

	tp_server_start(&s, TP_ECHO);
	int before = tp_count_fds();
	struct fp_proxy *p = tp_proxy(s.port, "--split", "fixed:100", NULL);
	churn(fp_port(p), 1500);
	tp_wait_idle(p);
	struct fp_stats st;
	fp_get_stats(p, &st);
	cr_expect_eq(st.accepted, 1500);
	cr_expect_eq(st.closed + st.upstream_fail, 1500);
	fp_stop(p);
	tp_server_stop(&s);
	cr_expect_eq(tp_count_fds(), before - 1, "fds before %d after %d",
		     before, tp_count_fds());
}

Test(proxy, many_concurrent_connections)
{
	struct tp_server s = {0};
	enum { N = 300 };
	static int fds[N];
	uint8_t data[1000], back[1000];
	int err;

	tp_server_start(&s, TP_ECHO);
	int before = tp_count_fds();
	struct fp_proxy *p = tp_proxy(s.port, "--split", "random:1-200", NULL);
	tp_fill(data, sizeof(data), 6);
	for (int i = 0; i < N; i++)
		fds[i] = tp_connect(fp_port(p));
	for (int i = 0; i < N; i++) {
		cr_assert_eq(send(fds[i], data, sizeof(data), 0),
			     (ssize_t)sizeof(data));
		shutdown(fds[i], SHUT_WR);
	}
	for (int i = 0; i < N; i++) {
		memset(back, 0, sizeof(back));
		cr_expect_eq(tp_read_all(fds[i], back, sizeof(back), &err),
			     sizeof(data), "conn %d", i);
		cr_expect(memcmp(back, data, sizeof(data)) == 0, "conn %d", i);
		close(fds[i]);
	}
	tp_wait_idle(p);
	struct fp_stats st;
	fp_get_stats(p, &st);
	cr_expect_eq(st.accepted, N);
	cr_expect_eq(st.bytes[FP_UP], (uint64_t)N * sizeof(data));
	fp_stop(p);
	tp_server_stop(&s); /* waits for its connection threads */
	cr_expect_eq(tp_count_fds(), before - 1, "fds before %d after %d",
		     before, tp_count_fds());
}
