/* shim_probe: I/O scenarios the shim suites run under fragshim (and
 * without it); each prints one line of key=value results the suite checks.
 * A correct program: it loops on short reads/writes, EINTR and EAGAIN. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shim_probe.h"

struct xfer {
	int fd;
	const char *api; /* rw, sr, to, v, msg */
	size_t total;
	unsigned long calls, shorts, eintr, eagain;
	bool match;
	size_t bad_at;
};

static uint8_t byte_at(size_t i)
{
	uint64_t x = (uint64_t)i * 0x9e3779b97f4a7c15ULL;

	return (uint8_t)((x >> 29) ^ (x >> 47) ^ i);
}

void sp_usr1(int sig)
{
	(void)sig;
}

void die(const char *what)
{
	fprintf(stderr, "shim_probe: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Wait until fd is ready for ev; for non-blocking descriptors. */
static void wait_fd(int fd, short ev)
{
	struct pollfd p = {.fd = fd, .events = ev};

	while (poll(&p, 1, 10000) < 0 && errno == EINTR)
		;
}

static ssize_t do_write(const char *api, int fd, const uint8_t *p, size_t n)
{
	struct iovec iov[3];
	struct msghdr m;
	size_t a = n / 3, b = n / 3;

	if (strcmp(api, "rw") == 0)
		return write(fd, p, n);
	if (strcmp(api, "sr") == 0)
		return send(fd, p, n, MSG_NOSIGNAL);
	if (strcmp(api, "to") == 0)
		return sendto(fd, p, n, MSG_NOSIGNAL, NULL, 0);
	iov[0] = (struct iovec){(void *)p, a};
	iov[1] = (struct iovec){(void *)(p + a), b};
	iov[2] = (struct iovec){(void *)(p + a + b), n - a - b};
	if (strcmp(api, "v") == 0)
		return writev(fd, iov, 3);
	memset(&m, 0, sizeof(m));
	m.msg_iov = iov;
	m.msg_iovlen = 3;
	return sendmsg(fd, &m, MSG_NOSIGNAL);
}

static ssize_t do_read(const char *api, int fd, uint8_t *p, size_t n)
{
	struct iovec iov[3];
	struct msghdr m;
	size_t a = n / 4, b = n / 2;

	if (strcmp(api, "rw") == 0)
		return read(fd, p, n);
	if (strcmp(api, "sr") == 0)
		return recv(fd, p, n, 0);
	if (strcmp(api, "to") == 0)
		return recvfrom(fd, p, n, 0, NULL, NULL);
	iov[0] = (struct iovec){p, a};
	iov[1] = (struct iovec){p + a, b};
	iov[2] = (struct iovec){p + a + b, n - a - b};
	if (strcmp(api, "v") == 0)
		return readv(fd, iov, 3);
	memset(&m, 0, sizeof(m));
	m.msg_iov = iov;
	m.msg_iovlen = 3;
	return recvmsg(fd, &m, 0);
}

/* true: go on (after a wait if needed); false: a real error. */
static bool retry(struct xfer *x, short ev)
{
	if (errno == EINTR) {
		x->eintr++;
		return true;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		x->eagain++;
		wait_fd(x->fd, ev);
		return true;
	}
	return false;
}

static void *writer(void *arg)
{
	struct xfer *x = arg;
	uint8_t buf[4096];
	size_t off = 0;

	while (off < x->total) {
		size_t n =
		    x->total - off < sizeof(buf) ? x->total - off : sizeof(buf);
		size_t done = 0;

		for (size_t i = 0; i < n; i++)
			buf[i] = byte_at(off + i);
		while (done < n) {
			ssize_t r =
			    do_write(x->api, x->fd, buf + done, n - done);

			x->calls++;
			if (r < 0) {
				if (!retry(x, POLLOUT))
					die("write");
				continue;
			}
			if ((size_t)r < n - done)
				x->shorts++;
			done += (size_t)r;
		}
		off += n;
	}
	shutdown(x->fd, SHUT_WR);
	return NULL;
}

static void reader(struct xfer *x)
{
	uint8_t buf[8192];
	size_t off = 0;

	x->match = true;
	for (;;) {
		ssize_t r = do_read(x->api, x->fd, buf, sizeof(buf));

		x->calls++;
		if (r < 0) {
			if (!retry(x, POLLIN))
				die("read");
			continue;
		}
		if (r == 0)
			break;
		for (ssize_t i = 0; i < r && x->match; i++)
			if (buf[i] != byte_at(off + (size_t)i)) {
				x->match = false;
				x->bad_at = off + (size_t)i;
			}
		off += (size_t)r;
	}
	x->total = off;
}

static void tcp_pair(int sv[2])
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)&a, len) != 0 ||
	    listen(l, 1) != 0 || getsockname(l, (struct sockaddr *)&a, &len))
		die("listen");
	sv[0] = socket(AF_INET, SOCK_STREAM, 0);
	if (sv[0] < 0 || connect(sv[0], (struct sockaddr *)&a, len) != 0)
		die("connect");
	sv[1] = accept(l, NULL, NULL);
	if (sv[1] < 0)
		die("accept");
	close(l);
}

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* stream API N [tcp] [nb] [sig]: N bytes writer thread -> reader. */
static int cmd_stream(const char *api, size_t n, bool tcp, bool nb, bool sig,
		      bool quiet)
{
	struct xfer w = {.api = api, .total = n}, r = {.api = api};
	pthread_t t;
	int sv[2];

	if (sig) {
		struct sigaction sa = {.sa_handler = sp_usr1};

		sigaction(SIGUSR1, &sa, NULL); /* no SA_RESTART */
	}
	if (tcp)
		tcp_pair(sv);
	else if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		die("socketpair");
	if (nb) {
		set_nonblock(sv[0]);
		set_nonblock(sv[1]);
	}
	w.fd = sv[0];
	r.fd = sv[1];
	if (pthread_create(&t, NULL, writer, &w) != 0)
		die("pthread_create");
	reader(&r);
	pthread_join(t, NULL);
	close(sv[0]);
	close(sv[1]);
	if (!quiet || !r.match || r.total != n)
		printf("bytes=%zu match=%d bad_at=%zu rcalls=%lu wcalls=%lu "
		       "wshort=%lu eintr=%lu eagain=%lu\n",
		       r.total, r.match, r.bad_at, r.calls, w.calls, w.shorts,
		       r.eintr + w.eintr, r.eagain + w.eagain);
	return r.match && r.total == n ? 0 : 1;
}

static void *thread_main(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)cmd_stream("sr", 50000, false, false, false,
					    true);
}

static int cmd_threads(int n)
{
	pthread_t t[16];
	int ok = 0;

	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, thread_main, NULL) != 0)
			die("pthread_create");
	for (int i = 0; i < n; i++) {
		void *rc;

		pthread_join(t[i], &rc);
		ok += rc == NULL;
	}
	printf("threads=%d ok=%d\n", n, ok);
	return ok == n ? 0 : 1;
}

/* fork: parent and child each run a transfer (own stream of decisions). */
static int cmd_fork(void)
{
	int st = 0, prc;
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0)
		_exit(cmd_stream("sr", 20000, false, false, false, true));
	prc = cmd_stream("sr", 20000, false, false, false, true);
	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
	printf("parent=%d child=%d\n", prc,
	       WIFEXITED(st) ? WEXITSTATUS(st) : 128);
	return prc == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

/* exec: run this program again (stream sr), report LD_PRELOAD there. */
static int cmd_exec(const char *self)
{
	const char *pre = getenv("LD_PRELOAD");

	if (strcmp(self, "child") == 0) {
		printf("child_preload=%d ", pre && strstr(pre, "fragshim"));
		fflush(stdout);
		return cmd_stream("sr", 20000, false, false, false, false);
	}
	execl("/proc/self/exe", "shim_probe", "exec", "child", (char *)NULL);
	die("exec");
	return 1;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(cmd, "stream") == 0 && argc >= 4) {
		bool tcp = false, nb = false, sig = false;

		for (int i = 4; i < argc; i++) {
			tcp |= strcmp(argv[i], "tcp") == 0;
			nb |= strcmp(argv[i], "nb") == 0;
			sig |= strcmp(argv[i], "sig") == 0;
		}
		return cmd_stream(argv[2], strtoul(argv[3], NULL, 10), tcp, nb,
				  sig, false);
	}
	if (strcmp(cmd, "threads") == 0 && argc == 3)
		return cmd_threads(atoi(argv[2]) > 16 ? 16 : atoi(argv[2]));
	if (strcmp(cmd, "fork") == 0)
		return cmd_fork();
	if (strcmp(cmd, "exec") == 0)
		return cmd_exec(argc > 2 ? argv[2] : "");
	if (strcmp(cmd, "iov") == 0)
		return sp_iov();
	if (strcmp(cmd, "peek") == 0)
		return sp_peek();
	if (strcmp(cmd, "eintr") == 0)
		return sp_eintr();
	if (strcmp(cmd, "eagain") == 0)
		return sp_eagain();
	if (strcmp(cmd, "fdkinds") == 0)
		return sp_fdkinds(argc > 2 ? argv[2] : "/tmp");
	fprintf(stderr, "usage: shim_probe stream|threads|fork|exec|iov|peek|"
			"eintr|eagain|fdkinds ...\n");
	return 2;
}
