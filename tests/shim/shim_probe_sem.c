/* shim_probe semantics checks: iovec and msghdr trimming on copies,
 * MSG_PEEK and MSG_WAITALL, when EINTR and EAGAIN may appear, and which
 * descriptors the shim touches (and forgets when a number is reused). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "shim_probe.h"

static void pair(int sv[2], int type)
{
	if (socketpair(AF_UNIX, type, 0, sv) != 0)
		die("socketpair");
}

static void fill(int fd, size_t n)
{
	char buf[4096];

	memset(buf, 'x', sizeof(buf));
	while (n > 0) {
		ssize_t r = write(fd, buf, n < sizeof(buf) ? n : sizeof(buf));

		if (r < 0 && errno != EINTR && errno != EAGAIN)
			die("fill");
		if (r > 0)
			n -= (size_t)r;
	}
}

/* Wait until fd has n bytes queued. */
static void queued(int fd, int n)
{
	int q = 0;

	for (int i = 0; i < 10000; i++) {
		if (ioctl(fd, FIONREAD, &q) == 0 && q >= n)
			return;
		usleep(1000);
	}
	die("queued");
}

int sp_iov(void)
{
	char a[4] = "abcd", b[4] = "efgh", c[4] = "ijkl", in[64], one[100];
	struct iovec iov[3] = {{a, 4}, {b, 4}, {c, 4}}, keep[3], big[100];
	struct iovec riov[3] = {{in, 4}, {in + 4, 4}, {in + 8, 4}};
	struct iovec miov[3] = {{in + 12, 4}, {in + 16, 4}, {in + 20, 4}};
	struct msghdr m, mkeep;
	ssize_t wv, sm, rv, rm, bw, br;
	bool untouched;
	int sv[2];

	pair(sv, SOCK_STREAM);
	memcpy(keep, iov, sizeof(iov));
	wv = writev(sv[0], iov, 3);
	memset(&m, 0, sizeof(m));
	m.msg_iov = iov;
	m.msg_iovlen = 3;
	mkeep = m;
	sm = sendmsg(sv[0], &m, 0);
	untouched = memcmp(keep, iov, sizeof(iov)) == 0 &&
		    memcmp(&m, &mkeep, sizeof(m)) == 0;
	queued(sv[1], (int)(wv + sm));
	memcpy(keep, riov, sizeof(riov));
	rv = readv(sv[1], riov, 3);
	untouched = untouched && memcmp(keep, riov, sizeof(riov)) == 0;
	memcpy(keep, miov, sizeof(miov));
	m.msg_iov = miov;
	mkeep = m;
	rm = recvmsg(sv[1], &m, 0);
	untouched = untouched && memcmp(keep, miov, sizeof(miov)) == 0 &&
		    m.msg_iov == mkeep.msg_iov && m.msg_iovlen == 3;
	/* Many one-byte entries: more than the shim's small copy holds. */
	for (int i = 0; i < 100; i++)
		big[i] = (struct iovec){one + i, 1};
	memset(one, 'z', sizeof(one));
	bw = writev(sv[0], big, 100);
	queued(sv[1], 1);
	br = readv(sv[1], big, 100);
	for (int i = 0; i < 100; i++)
		untouched = untouched && big[i].iov_len == 1;
	printf("writev=%zd sendmsg=%zd readv=%zd recvmsg=%zd bigw=%zd "
	       "bigr=%zd untouched=%d d1=%.*s d2=%.*s\n",
	       wv, sm, rv, rm, bw, br, untouched, (int)rv, in, (int)rm,
	       in + 12);
	return 0;
}

int sp_peek(void)
{
	char buf[200];
	ssize_t peek, r1, wa, r2;
	int sv[2];

	pair(sv, SOCK_STREAM);
	fill(sv[0], 100);
	queued(sv[1], 100);
	peek = recv(sv[1], buf, 100, MSG_PEEK);
	r1 = recv(sv[1], buf, 100, 0);
	wa = recv(sv[1], buf, 20, MSG_WAITALL);
	r2 = recv(sv[1], buf, 100, 0);
	printf("peek=%zd r1=%zd waitall=%zd r2=%zd\n", peek, r1, wa, r2);
	return 0;
}

/* 10 one-byte reads; count EINTRs and the longest run of them. */
static void count_fail(int fd, int flags, int err, int *count, int *run)
{
	char c;
	int cur = 0;

	*count = 0;
	*run = 0;
	for (int i = 0; i < 10; i++) {
		if (recv(fd, &c, 1, flags) < 0 && errno == err) {
			(*count)++;
			cur++;
			*run = cur > *run ? cur : *run;
		} else {
			cur = 0;
		}
	}
}

int sp_eintr(void)
{
	struct sigaction sa;
	sigset_t set;
	int sv[2], a, b, c, d, e, run, r2;

	pair(sv, SOCK_STREAM);
	fill(sv[0], 1000);
	queued(sv[1], 1000);
	count_fail(sv[1], 0, EINTR, &a, &run);
	signal(SIGUSR1, sp_usr1); /* glibc: SA_RESTART */
	count_fail(sv[1], 0, EINTR, &b, &run);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sp_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	count_fail(sv[1], 0, EINTR, &c, &run);
	count_fail(sv[1], MSG_DONTWAIT, EINTR, &d, &r2);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	count_fail(sv[1], 0, EINTR, &e, &r2);
	printf("nohandler=%d restart=%d norestart=%d run=%d nonblock=%d "
	       "blocked=%d\n",
	       a, b, c, run, d, e);
	return 0;
}

int sp_eagain(void)
{
	int sv[2], a, b, c, run_b, run_c;

	pair(sv, SOCK_STREAM);
	fill(sv[0], 1000);
	queued(sv[1], 1000);
	count_fail(sv[1], 0, EAGAIN, &a, &run_b);
	count_fail(sv[1], MSG_DONTWAIT, EAGAIN, &b, &run_b);
	fcntl(sv[1], F_SETFL, fcntl(sv[1], F_GETFL) | O_NONBLOCK);
	count_fail(sv[1], 0, EAGAIN, &c, &run_c);
	printf("blocking=%d dontwait=%d run=%d nonblock=%d run=%d\n", a, b,
	       run_b, c, run_c);
	return 0;
}

/* Bytes one read of 100 gets from fd after 100 (or n) were written. */
static ssize_t read100(int rfd)
{
	char buf[100];

	return read(rfd, buf, sizeof(buf));
}

int sp_fdkinds(const char *tmpdir)
{
	char path[PATH_MAX], buf[PIPE_BUF + 1000];
	ssize_t pr, pw_small, pw_big, fr, dr, sr, rr;
	int p[2], sv[2], dg[2], f, again;

	memset(buf, 'p', sizeof(buf));
	if (pipe(p) != 0)
		die("pipe");
	pw_small = write(p[1], buf, 100);
	pw_big = write(p[1], buf, sizeof(buf));
	pr = read100(p[0]);
	pair(dg, SOCK_DGRAM);
	if (send(dg[0], buf, 100, 0) != 100)
		die("dgram send");
	dr = recv(dg[1], buf, sizeof(buf), 0);
	snprintf(path, sizeof(path), "%s/shim_probe_file", tmpdir);
	f = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (f < 0 || write(f, buf, 100) != 100 || lseek(f, 0, SEEK_SET) != 0)
		die(path);
	fr = read100(f);
	close(f);
	/* A stream socket, then the same number for a regular file. */
	pair(sv, SOCK_STREAM);
	fill(sv[0], 100);
	queued(sv[1], 100);
	sr = read100(sv[1]);
	close(sv[1]);
	f = open(path, O_RDONLY);
	again = f == sv[1];
	rr = read100(f);
	unlink(path);
	printf("pipe_w100=%zd pipe_wbig=%zd pipe_r=%zd dgram=%zd file=%zd "
	       "sock=%zd reused=%d reused_r=%zd\n",
	       pw_small, pw_big, pr, dr, fr, sr, again, rr);
	return 0;
}
