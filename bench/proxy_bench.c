/* proxy_bench: throughput of a large one-way stream and added p50 latency
 * of small request/response round trips, direct and through fragproxy
 * (whole, fixed:1460, fixed:1) and socat (-b 8192, -b 1), in one run.
 * usage: proxy_bench [--fragproxy PATH] [--mib N] [--small-kib N]
 *                    [--rounds N] */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int listen_any(int *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 64) < 0)
		return -1;
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	*port = ntohs(sa.sin_port);
	return fd;
}

static int dial(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};
	int one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < 200; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				   sizeof(one));
			return fd;
		}
		close(fd);
		usleep(10000);
	}
	return -1;
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
	int fd = accept(s->lfd, NULL, NULL), one = 1;

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

	if (pipe(o) < 0)
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
		if (!fgets(line, sizeof(line), f) || !strrchr(line, ':'))
			return -1;
		*port = atoi(strrchr(line, ':') + 1);
	}
	fclose(f);
	return pid;
}

enum kind { DIRECT, FRAG, SOCAT };

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
	if (s->kind == FRAG) {
		char *argv[] = {(char *)fp,	"--upstream", upstr, "--split",
				(char *)s->arg, "--seed",     "1",   NULL};
		return start_proxy(argv, port);
	}
	/* socat can't report its port: take a free one from the kernel */
	int probe = listen_any(port);
	if (probe >= 0)
		close(probe);
	snprintf(lst, sizeof(lst), "TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr",
		 *port);
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
		fprintf(stderr, "%s: could not connect to port %d\n",
			st->name, port);
		stop(pid);
		shutdown(s.lfd, SHUT_RDWR);
		pthread_join(t, NULL);
		close(s.lfd);
		return 0;
	}
	double t0 = now_s();
	for (size_t left = bytes; left;) {
		size_t k = left < sizeof(buf) ? left : sizeof(buf);
		ssize_t w = send(fd, buf, k, MSG_NOSIGNAL);
		if (w <= 0)
			break;
		left -= (size_t)w;
	}
	shutdown(fd, SHUT_WR);
	pthread_join(t, NULL);
	double dt = now_s() - t0;
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

static double p50_rtt_us(const struct setup *st, const char *fp, int rounds)
{
	struct server s = {.echo = 1};
	pthread_t t;
	int port;
	char msg[32] = "0123456789abcdef0123456789abcdef", back[32];
	double *v = malloc(sizeof(double) * (size_t)rounds);

	s.lfd = listen_any(&s.port);
	pthread_create(&t, NULL, server_main, &s);
	pid_t pid = via(st, fp, s.port, &port);
	int fd = dial(port);
	for (int i = 0; i < rounds && fd >= 0; i++) {
		double t0 = now_s();
		send(fd, msg, sizeof(msg), 0);
		if (recv(fd, back, sizeof(back), MSG_WAITALL) != sizeof(back))
			break;
		v[i] = (now_s() - t0) * 1e6;
	}
	close(fd);
	pthread_join(t, NULL);
	close(s.lfd);
	stop(pid);
	qsort(v, (size_t)rounds, sizeof(double), cmp_d);
	double r = v[rounds / 2];
	free(v);
	return r;
}

int main(int argc, char **argv)
{
	const char *fp = "fragproxy";
	size_t mib = 256, small_kib = 2048;
	int rounds = 20000;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--fragproxy"))
			fp = argv[i + 1];
		else if (!strcmp(argv[i], "--mib"))
			mib = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--small-kib"))
			small_kib = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--rounds"))
			rounds = atoi(argv[i + 1]);
	}
	if (argc > 1 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		puts("usage: proxy_bench [--fragproxy PATH] [--mib N] "
		     "[--small-kib N] [--rounds N]");
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	const struct setup su[] = {
	    {"direct", DIRECT, NULL, 0},
	    {"socat -b 8192", SOCAT, "8192", 0},
	    {"fragproxy whole", FRAG, "whole", 0},
	    {"fragproxy fixed:1460", FRAG, "fixed:1460", 0},
	    {"socat -b 1", SOCAT, "1", 1},
	    {"fragproxy fixed:1", FRAG, "fixed:1", 1},
	};
	printf("| path | stream | MB/s | p50 RTT 32 B (us) |\n");
	printf("|---|---|---|---|\n");
	for (size_t i = 0; i < sizeof(su) / sizeof(su[0]); i++) {
		size_t bytes = su[i].small ? small_kib << 10 : mib << 20;
		double mbs = throughput(&su[i], fp, bytes);
		double rtt = p50_rtt_us(&su[i], fp, rounds);
		printf("| %s | %zu KiB | %.3f | %.1f |\n", su[i].name,
		       bytes >> 10, mbs, rtt);
		fflush(stdout);
	}
	return 0;
}
