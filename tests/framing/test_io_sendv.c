/* Criterion suite for fr_sendv_all (many iovecs, more than IOV_MAX, empty
 * ones, partial writes, byte-exact) and for EINTR being retried by every
 * blocking helper (signal handler installed without SA_RESTART). */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "framing/io.h"
#include "io_util.h"

#define NIOV 3000 /* more than IOV_MAX (1024) */

/* NIOV slices of a source buffer, with gaps between them so a wrong
 * advance can't accidentally send the right bytes; every third is
 * empty. want is their concatenation. */
struct gather {
	uint8_t *src, *want;
	struct iovec iov[NIOV], copy[NIOV];
	size_t total;
};

static void gather_init(struct gather *g, uint32_t seed)
{
	size_t off = 0;

	g->src = malloc(NIOV * 800);
	g->want = malloc(NIOV * 800);
	io_fill(g->src, NIOV * 800, seed);
	g->total = 0;
	for (int i = 0; i < NIOV; i++) {
		size_t len = i % 3 == 0 ? 0 : (size_t)(i * 7919 % 700) + 1;
		g->iov[i].iov_base = g->src + off + 13;
		g->iov[i].iov_len = len;
		memcpy(g->want + g->total, g->src + off + 13, len);
		g->total += len;
		off += len + 29;
	}
	memcpy(g->copy, g->iov, sizeof(g->iov));
}

static void gather_free(struct gather *g)
{
	free(g->src);
	free(g->want);
}

static void check_received(struct io_reader *r, const uint8_t *want, size_t len)
{
	io_reader_join(r);
	cr_assert_eq(r->err, 0);
	cr_assert_eq(r->len, len, "received %zu of %zu", r->len, len);
	cr_assert(memcmp(r->data, want, len) == 0, "bytes differ");
	free(r->data);
}

Test(sendv_all, many_iovecs_byte_exact)
{
	static struct gather g;
	static const enum pair_kind kinds[] = {PAIR_UNIX, PAIR_TCP};

	gather_init(&g, 11);
	cr_assert(NIOV > IOV_MAX);
	for (int k = 0; k < 2; k++) {
		/* blocking, then non-blocking with a deadline: the latter
		 * makes sendmsg return short counts over and over */
		for (int nb = 0; nb < 2; nb++) {
			int sv[2];
			size_t done = 0;
			struct io_reader r;
			cr_assert_eq(io_pair(kinds[k], sv, IO_SMALLBUF), 0);
			io_set_nonblock(sv[0], nb);
			io_reader_start(&r, sv[1], 333);
			int rc = fr_sendv_all(sv[0], g.iov, NIOV,
					      nb ? IO_LONG_MS : FR_NO_DEADLINE,
					      &done);
			cr_assert_eq(rc, FR_OK, "%s nb=%d: %s",
				     io_pair_name(kinds[k]), nb,
				     fr_strerror(rc));
			cr_assert_eq(done, g.total);
			shutdown(sv[0], SHUT_WR);
			check_received(&r, g.want, g.total);
			cr_assert(memcmp(g.iov, g.copy, sizeof(g.iov)) == 0,
				  "iov modified");
			close(sv[0]);
			close(sv[1]);
		}
	}
	gather_free(&g);
}

Test(sendv_all, eagain_progress_is_exact)
{
	static struct gather g;
	struct io_reader r;
	size_t d1 = 0, d2 = 0;
	int sv[2];

	gather_init(&g, 12);
	cr_assert_eq(io_pair(PAIR_UNIX, sv, IO_SMALLBUF), 0);
	io_set_nonblock(sv[0], true);
	int rc = fr_sendv_all(sv[0], g.iov, NIOV, FR_NO_DEADLINE, &d1);
	cr_assert_eq(rc, FR_EAGAIN, "%s", fr_strerror(rc));
	cr_assert(d1 > 0 && d1 < g.total, "progress %zu", d1);
	rc = fr_sendv_all(sv[0], g.iov, NIOV, 20, &d2);
	cr_assert_eq(rc, FR_ETIMEDOUT, "%s", fr_strerror(rc));
	shutdown(sv[0], SHUT_WR);
	io_reader_start(&r, sv[1], 1000);
	io_reader_join(&r);
	/* what was sent: the first d1 bytes, then the first d2 again */
	cr_assert_eq(r.len, d1 + d2);
	cr_assert(memcmp(r.data, g.want, d1) == 0);
	cr_assert(memcmp(r.data + d1, g.want, d2) == 0);
	free(r.data);
	close(sv[0]);
	close(sv[1]);
	gather_free(&g);
}

Test(sendv_all, empty_and_zero_length_only)
{
	struct iovec iov[3] = {{"", 0}, {NULL, 0}, {"", 0}};
	size_t done = 9;
	int sv[2];

	cr_assert_eq(io_pair(PAIR_UNIX, sv, 0), 0);
	cr_assert_eq(fr_sendv_all(sv[0], iov, 3, FR_NO_DEADLINE, &done), FR_OK);
	cr_assert_eq(done, 0);
	cr_assert_eq(fr_sendv_all(sv[0], iov, 0, 10, &done), FR_OK);
	close(sv[0]);
	close(sv[1]);
}

/* ---- EINTR: a peer thread interrupts the main thread's blocking call */

static atomic_int sig_count;

static void on_sigusr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&sig_count, 1);
}

static void install_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;
	sa.sa_flags = 0; /* no SA_RESTART: syscalls see EINTR */
	sigemptyset(&sa.sa_mask);
	cr_assert_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	atomic_store(&sig_count, 0);
}

struct interrupter {
	pthread_t th, victim;
	pid_t victim_tid;
	atomic_int armed; /* victim is about to block */
	int fd;		  /* then: send src to fd, or drain fd */
	const uint8_t *src;
	size_t len;
	bool drain;
	struct io_reader r;
	int interrupted; /* signals delivered while victim blocked */
};

/* Twice: wait until the victim sleeps in the kernel, signal it, wait
 * for the handler. Then unblock it by writing or draining. */
static void *interrupter_main(void *arg)
{
	struct interrupter *it = arg;

	while (!atomic_load(&it->armed))
		sched_yield();
	for (int i = 0; i < 2; i++) {
		if (!io_wait_blocked(it->victim_tid))
			break;
		int before = atomic_load(&sig_count);
		pthread_kill(it->victim, SIGUSR1);
		while (atomic_load(&sig_count) == before)
			sched_yield();
		it->interrupted++;
	}
	if (it->drain)
		io_reader_start(&it->r, it->fd, 4096);
	else
		fr_send_all(it->fd, it->src, it->len, FR_NO_DEADLINE, NULL);
	return NULL;
}

static void interrupter_start(struct interrupter *it)
{
	it->victim = pthread_self();
	it->victim_tid = io_gettid();
	pthread_create(&it->th, NULL, interrupter_main, it);
}

Test(eintr, recv_all_retried)
{
	uint8_t src[100], dst[100];

	io_fill(src, sizeof(src), 21);
	install_handler();
	for (int timed = 0; timed < 2; timed++) {
		int sv[2];
		size_t done = 0;
		cr_assert_eq(io_pair(PAIR_UNIX, sv, 0), 0);
		struct interrupter it = {.fd = sv[1], .src = src, .len = 100};
		interrupter_start(&it);
		atomic_store(&it.armed, 1);
		int rc =
		    fr_recv_all(sv[0], dst, 100,
				timed ? IO_LONG_MS : FR_NO_DEADLINE, &done);
		pthread_join(it.th, NULL);
		cr_assert_eq(it.interrupted, 2, "signals landed: %d",
			     it.interrupted);
		cr_assert_eq(rc, FR_OK, "timed=%d: %s", timed, fr_strerror(rc));
		cr_assert_eq(done, 100);
		cr_assert_arr_eq(dst, src, 100);
		close(sv[0]);
		close(sv[1]);
	}
}

Test(eintr, send_all_retried)
{
	size_t len = (size_t)2 << 20, done = 0;
	uint8_t *src = malloc(len);

	io_fill(src, len, 22);
	install_handler();
	for (int timed = 0; timed < 2; timed++) {
		int sv[2];
		cr_assert_eq(io_pair(PAIR_UNIX, sv, IO_SMALLBUF), 0);
		struct interrupter it = {.fd = sv[1], .drain = true};
		interrupter_start(&it);
		atomic_store(&it.armed, 1);
		int rc =
		    fr_send_all(sv[0], src, len,
				timed ? IO_LONG_MS : FR_NO_DEADLINE, &done);
		pthread_join(it.th, NULL);
		cr_assert_eq(it.interrupted, 2);
		cr_assert_eq(rc, FR_OK, "timed=%d: %s", timed, fr_strerror(rc));
		cr_assert_eq(done, len);
		shutdown(sv[0], SHUT_WR);
		check_received(&it.r, src, len);
		close(sv[0]);
		close(sv[1]);
	}
	free(src);
}

Test(eintr, sendv_all_retried)
{
	static struct gather g;
	size_t done = 0;
	int sv[2];

	gather_init(&g, 23);
	install_handler();
	cr_assert_eq(io_pair(PAIR_UNIX, sv, IO_SMALLBUF), 0);
	struct interrupter it = {.fd = sv[1], .drain = true};
	interrupter_start(&it);
	atomic_store(&it.armed, 1);
	int rc = fr_sendv_all(sv[0], g.iov, NIOV, FR_NO_DEADLINE, &done);
	pthread_join(it.th, NULL);
	cr_assert_eq(it.interrupted, 2);
	cr_assert_eq(rc, FR_OK, "%s", fr_strerror(rc));
	cr_assert_eq(done, g.total);
	shutdown(sv[0], SHUT_WR);
	check_received(&it.r, g.want, g.total);
	close(sv[0]);
	close(sv[1]);
	gather_free(&g);
}
