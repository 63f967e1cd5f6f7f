/* proxy_bench: throughput of a large one-way stream and added p50 latency
 * of small request/response round trips, direct and through fragproxy
 * (whole, fixed:1460, fixed:1) and socat (-b 8192, -b 1), in one run. The
 * round trips of all paths are interleaved in blocks so they share the
 * same machine.
 * usage: proxy_bench [--fragproxy PATH] [--mib N] [--small-kib N]
 *                    [--rounds N] */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cm_addr.h"
#include "cm_clock.h"
#include "cm_opt.h"

#define PB_NUM_MAX (1u << 20) /* --mib, --small-kib, --rounds */

extern char **environ;

static int listen_any(int *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 64) < 0)
		return -1;
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Connect to sa, retrying for about two seconds while it starts up. */
static int dial_addr(const struct sockaddr *sa, socklen_t sl)
{
	int one = 1;

	for (int i = 0; i < 200; i++) {
		int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (connect(fd, sa, sl) == 0) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				   sizeof(one));
			return fd;
		}
		close(fd);
		usleep(10000);
	}
	return -1;
}

static int dial(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return dial_addr((struct sockaddr *)&sa, sizeof(sa));
}

/* Upstream: sink (count bytes) or echo, one connection at a time. */
struct server {
	int lfd, port, echo;
	size_t got;
};

static void *server_main(void *arg)
{
	struct server *s = arg;
	static char buf[1 << 18];
	int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC), one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		s->got += (size_t)n;
		if (s->echo && send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
			break;
	}
	close(fd);
	return NULL;
}

static pid_t start_proxy(char *const argv[], int *port)
{
	pid_t pid;
	int o[2];
	posix_spawn_file_actions_t fa;
	char line[256];

	if (pipe2(o, O_CLOEXEC) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, o[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 1, 0);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ))
		return -1;
	posix_spawn_file_actions_destroy(&fa);
	close(o[1]);
	FILE *f = fdopen(o[0], "r");
	if (*port == 0) { /* fragproxy tells its port */
		char host[CM_HOSTLEN], ps[CM_PORTLEN], err[256];

		if (!fgets(line, sizeof(line), f) ||
		    cm_parse_listening(line, host, ps, err, sizeof(err)) < 0) {
			fclose(f);
			return -1;
		}
		*port = atoi(ps);
	}
	fclose(f);
	return pid;
}

enum kind { DIRECT, FRAG, SOCAT, MINFWD };

struct setup {
	const char *name;
	enum kind kind;
	const char *arg; /* split policy or socat block size */
	int small;	 /* use the small stream size */
};

static pid_t via(const struct setup *s, const char *fp, int up, int *port)
{
	char upstr[64], lst[64], tgt[64];

	*port = 0;
	if (s->kind == DIRECT) {
		*port = up;
		return 0;
	}
	snprintf(upstr, sizeof(upstr), "127.0.0.1:%d", up);
	if (s->kind == MINFWD) {
		char *argv[] = {"/proc/self/exe", "--forwarder", upstr, NULL};
		return start_proxy(argv, port);
	}
	if (s->kind == FRAG) {
		char *argv[] = {(char *)fp,	"--upstream", upstr, "--split",
				(char *)s->arg, "--seed",     "1",   NULL};
		return start_proxy(argv, port);
	}
	/* socat can't report its port: take a free one from the kernel */
	int probe = listen_any(port);
	if (probe >= 0)
		close(probe);
	snprintf(lst, sizeof(lst),
		 "TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr,nodelay", *port);
	snprintf(tgt, sizeof(tgt), "TCP:127.0.0.1:%d,nodelay", up);
	char *argv[] = {"socat", "-b", (char *)s->arg, lst, tgt, NULL};
	return start_proxy(argv, port);
}

static void stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

static double throughput(const struct setup *st, const char *fp, size_t bytes)
{
	struct server s = {0};
	static char buf[1 << 16];
	pthread_t t;
	int port;

	s.lfd = listen_any(&s.port);
	pthread_create(&t, NULL, server_main, &s);
	pid_t pid = via(st, fp, s.port, &port);
	int fd = dial(port);
	if (fd < 0) {
		fprintf(stderr, "%s: could not connect to port %d\n", st->name,
			port);
		stop(pid);
		shutdown(s.lfd, SHUT_RDWR);
		pthread_join(t, NULL);
		close(s.lfd);
		return 0;
	}
	int64_t t0 = cm_now_ns();
	for (size_t left = bytes; left;) {
		size_t k = left < sizeof(buf) ? left : sizeof(buf);
		ssize_t w = send(fd, buf, k, MSG_NOSIGNAL);
		if (w <= 0)
			break;
		left -= (size_t)w;
	}
	shutdown(fd, SHUT_WR);
	pthread_join(t, NULL);
	double dt = (double)(cm_now_ns() - t0) / 1e9;
	close(fd);
	close(s.lfd);
	stop(pid);
	if (s.got != bytes)
		fprintf(stderr, "%s: got %zu of %zu\n", st->name, s.got, bytes);
	return (double)bytes / dt / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Added latency: one connection per path, all open at once, and the round
 * trips interleaved in blocks (100 on path 0, 100 on path 1, ... then
 * again), so every path sees the same machine: drift, other load and CPU
 * frequency fall on all alike. */
struct rtt_path {
	struct server s;
	pthread_t t;
	pid_t pid;
	int fd;
	double *v;
};

static void rtt_interleaved(const struct setup *su, size_t n, const char *fp,
			    int rounds, double *p50, double *p99)
{
	struct rtt_path *rp = calloc(n, sizeof(*rp));
	char msg[32] = "0123456789abcdef0123456789abcdef", back[32];
	int port, done = 0;

	for (size_t i = 0; i < n; i++) {
		rp[i].s.echo = 1;
		rp[i].s.lfd = listen_any(&rp[i].s.port);
		pthread_create(&rp[i].t, NULL, server_main, &rp[i].s);
		rp[i].pid = via(&su[i], fp, rp[i].s.port, &port);
		rp[i].fd = dial(port);
		rp[i].v = calloc((size_t)rounds, sizeof(double));
	}
	/* blocks of BLOCK round trips per path: warm within a block, and
	 * every path still samples the whole run */
	enum { BLOCK = 100 };
	bool failed = false;
	while (done < rounds && !failed) {
		int k = rounds - done < BLOCK ? rounds - done : BLOCK;
		for (size_t i = 0; i < n && !failed; i++)
			for (int j = 0; j < k && !failed; j++) {
				int64_t t0 = cm_now_ns();
				failed = rp[i].fd < 0 ||
					 send(rp[i].fd, msg, sizeof(msg),
					      MSG_NOSIGNAL) != sizeof(msg) ||
					 recv(rp[i].fd, back, sizeof(back),
					      MSG_WAITALL) != sizeof(back);
				if (failed)
					fprintf(stderr,
						"%s: round trip %d failed\n",
						su[i].name, done + j);
				else
					rp[i].v[done + j] =
					    (double)(cm_now_ns() - t0) / 1e3;
			}
		if (!failed)
			done += k;
	}
	for (size_t i = 0; i < n; i++) {
		if (rp[i].fd >= 0)
			close(rp[i].fd);
		else
			shutdown(rp[i].s.lfd, SHUT_RDWR);
		pthread_join(rp[i].t, NULL);
		close(rp[i].s.lfd);
		stop(rp[i].pid);
		p50[i] = p99[i] = 0;
		if (done > 0) {
			qsort(rp[i].v, (size_t)done, sizeof(double), cmp_d);
			p50[i] = rp[i].v[done / 2];
			p99[i] = rp[i].v[(size_t)done * 99 / 100];
		}
		free(rp[i].v);
	}
	free(rp);
}

/* The floor for a user-space proxy: --forwarder runs this, two threads
 * per connection doing blocking recv() and send() of whatever arrives,
 * nothing else. Latency a proxy adds beyond it is the proxy's own. */
struct fwd_conn {
	int fd[2];
	int running; /* threads left; the last one closes and frees */
};

struct fwd_dir {
	struct fwd_conn *c;
	int from; /* index into c->fd; sends to the other one */
};

static void *fwd_main(void *arg)
{
	struct fwd_dir *d = arg;
	struct fwd_conn *c = d->c;
	int from = c->fd[d->from], to = c->fd[!d->from];
	static _Thread_local char buf[1 << 16];
	ssize_t n;

	while ((n = recv(from, buf, sizeof(buf), 0)) > 0)
		if (send(to, buf, (size_t)n, MSG_NOSIGNAL) != n)
			break;
	shutdown(to, SHUT_WR);
	free(d);
	if (__atomic_sub_fetch(&c->running, 1, __ATOMIC_ACQ_REL) == 0) {
		close(c->fd[0]);
		close(c->fd[1]);
		free(c);
	}
	return NULL;
}

static int forwarder(const char *upstream)
{
	struct sockaddr_storage up;
	socklen_t ul;
	char err[256];
	int port, lfd;

	if (cm_parse_addr(upstream, &up, &ul, err, sizeof(err)) < 0) {
		fprintf(stderr, "proxy_bench: --forwarder: %s\n", err);
		return 2;
	}
	lfd = listen_any(&port);
	if (lfd < 0) {
		perror("proxy_bench: forwarder");
		return 1;
	}
	printf("listening on 127.0.0.1:%d\n", port);
	fflush(stdout);
	for (;;) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC), one = 1;
		int u = c < 0 ? -1 : dial_addr((struct sockaddr *)&up, ul);
		struct fwd_conn *fc = malloc(sizeof(*fc));
		if (u < 0 || !fc) {
			perror("proxy_bench: forwarder");
			return 1;
		}
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		*fc = (struct fwd_conn){{c, u}, 2};
		for (int i = 0; i < 2; i++) {
			struct fwd_dir *d = malloc(sizeof(*d));
			pthread_t t;
			if (!d) {
				perror("proxy_bench: forwarder");
				return 1;
			}
			*d = (struct fwd_dir){fc, i};
			if (pthread_create(&t, NULL, fwd_main, d)) {
				perror("proxy_bench: forwarder");
				return 1;
			}
			pthread_detach(t);
		}
	}
}

int main(int argc, char **argv)
{
	const char *fp = "fragproxy";
	size_t mib = 256, small_kib = 2048;
	int rounds = 20000;

	static const char usage[] =
	    "usage: proxy_bench [--fragproxy PATH] [--mib N] [--small-kib N] "
	    "[--rounds N]\n"
	    "Throughput of one large stream and p50/p99 round trip of 32-byte\n"
	    "requests: direct, socat, a minimal forwarder and fragproxy, all\n"
	    "in one run. Prints two Markdown tables.\n";

	signal(SIGPIPE, SIG_IGN);
	if (argc == 3 && !strcmp(argv[1], "--forwarder"))
		return forwarder(argv[2]);
	for (int i = 1; i < argc; i += 2) {
		char err[256];
		uint64_t v = 0;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "proxy_bench: %s needs a value\n%s",
				argv[i], usage);
			return 2;
		}
		if (strcmp(argv[i], "--fragproxy") &&
		    cm_opt_uint(argv[i], argv[i + 1], 1, PB_NUM_MAX, &v, err,
				sizeof(err)) < 0) {
			fprintf(stderr, "proxy_bench: %s\n", err);
			return 2;
		}
		if (!strcmp(argv[i], "--fragproxy"))
			fp = argv[i + 1];
		else if (!strcmp(argv[i], "--mib"))
			mib = v;
		else if (!strcmp(argv[i], "--small-kib"))
			small_kib = v;
		else if (!strcmp(argv[i], "--rounds"))
			rounds = (int)v;
		else {
			fprintf(stderr, "proxy_bench: unknown option '%s'\n%s",
				argv[i], usage);
			return 2;
		}
	}
	const struct setup su[] = {
	    {"direct", DIRECT, NULL, 0},
	    {"socat -b 8192", SOCAT, "8192", 0},
	    {"minimal forwarder", MINFWD, NULL, 0},
	    {"fragproxy whole", FRAG, "whole", 0},
	    {"fragproxy fixed:1460", FRAG, "fixed:1460", 0},
	    {"socat -b 1", SOCAT, "1", 1},
	    {"fragproxy fixed:1", FRAG, "fixed:1", 1},
	};
	printf("| path | stream | MB/s |\n");
	printf("|---|---|---:|\n");
	for (size_t i = 0; i < sizeof(su) / sizeof(su[0]); i++) {
		size_t bytes = su[i].small ? small_kib << 10 : mib << 20;
		printf("| %s | %zu KiB | %.3f |\n", su[i].name, bytes >> 10,
		       throughput(&su[i], fp, bytes));
		fflush(stdout);
	}
	/* 32-byte round trips fit one chunk under every policy but fixed:1,
	 * whose round trip is 64 paced sends, not a per-request latency. */
	const size_t nl = 5;
	double p50[5], p99[5];
	rtt_interleaved(su, nl, fp, rounds, p50, p99);
	printf("\n| path | p50 RTT 32 B (us) | p99 (us) | added p50 (us) "
	       "|\n|---|---:|---:|---:|\n");
	for (size_t i = 0; i < nl; i++)
		printf("| %s | %.1f | %.1f | %.1f |\n", su[i].name, p50[i],
		       p99[i], p50[i] - p50[0]);
	return 0;
}
