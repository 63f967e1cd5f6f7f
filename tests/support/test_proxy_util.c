/* Helpers for the fragproxy suites (see test_proxy_util.h). */
#include "test_proxy_util.h"
#include "cm_record.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

uint64_t tp_fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

void tp_fill(uint8_t *buf, size_t n, uint64_t seed)
{
	uint64_t s = seed;

	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(fr_rng_next(&s) >> 56);
}

static void send_pattern(int fd, size_t n)
{
	uint8_t b[4096];

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)i;
	while (n) {
		size_t k = n < sizeof(b) ? n : sizeof(b);
		ssize_t w = send(fd, b, k, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		n -= (size_t)w;
	}
}

struct conn_arg {
	struct tp_server *s;
	int fd, idx;
};

static void record_conn(struct tp_server *s, int fd, struct tp_conn_result *r)
{
	uint8_t buf[65536];

	r->hash = TP_FNV_INIT;
	if (s->send_first)
		send_pattern(fd, s->send_first);
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0) {
			r->end_errno = n < 0 ? errno : 0;
			break;
		}
		if (r->total < sizeof(r->head)) {
			size_t k = sizeof(r->head) - r->total;
			memcpy(r->head + r->total, buf,
			       (size_t)n < k ? (size_t)n : k);
		}
		r->total += (size_t)n;
		r->hash = tp_fnv(r->hash, buf, (size_t)n);
		if (r->nreads < TP_MAXREADS)
			r->reads[r->nreads] = (size_t)n;
		r->nreads++;
		if (s->mode == TP_ECHO) {
			size_t off = 0;
			while (off < (size_t)n) {
				ssize_t w = send(fd, buf + off, (size_t)n - off,
						 MSG_NOSIGNAL);
				if (w <= 0)
					break;
				off += (size_t)w;
			}
		}
	}
	if (r->end_errno == 0) {
		if (s->reply_len)
			send_pattern(fd, s->reply_len);
		shutdown(fd, SHUT_WR);
	}
}

static void *conn_main(void *arg)
{
	struct conn_arg *a = arg;
	struct tp_server *s = a->s;
	struct tp_conn_result *r =
	    a->idx < TP_MAXCONN ? &s->res[a->idx] : calloc(1, sizeof(*r));

	if (r)
		record_conn(s, a->fd, r);
	close(a->fd);
	pthread_mutex_lock(&s->mu);
	if (r)
		r->done = true;
	s->nlive--;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (a->idx >= TP_MAXCONN)
		free(r);
	free(a);
	return NULL;
}

static void *accept_main(void *arg)
{
	struct tp_server *s = arg;

	while (!s->stop) {
		struct pollfd pfd = {.fd = s->lfd, .events = POLLIN};
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		int fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&s->mu);
		int idx = s->nconn++;
		s->nlive++;
		pthread_mutex_unlock(&s->mu);
		struct conn_arg *a = malloc(sizeof(*a));
		pthread_t t;
		cr_assert(a);
		*a = (struct conn_arg){s, fd, idx};
		cr_assert(pthread_create(&t, NULL, conn_main, a) == 0);
		pthread_detach(t);
	}
	return NULL;
}

void tp_server_start(struct tp_server *s, enum tp_mode mode)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	int one = 1;

	s->mode = mode;
	s->stop = 0;
	s->nconn = s->nlive = 0;
	s->res = calloc(TP_MAXCONN, sizeof(*s->res));
	cr_assert(s->res);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(s->lfd >= 0);
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	cr_assert(bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	cr_assert(listen(s->lfd, 256) == 0);
	getsockname(s->lfd, (struct sockaddr *)&sa, &sl);
	s->port = ntohs(sa.sin_port);
	cr_assert(pthread_create(&s->thr, NULL, accept_main, s) == 0);
}

void tp_server_stop(struct tp_server *s)
{
	s->stop = 1;
	pthread_join(s->thr, NULL);
	close(s->lfd);
	/* wait for connection threads that are still running */
	pthread_mutex_lock(&s->mu);
	while (s->nlive > 0)
		pthread_cond_wait(&s->cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s->res);
	s->res = NULL;
}

struct tp_conn_result *tp_server_wait(struct tp_server *s, int i)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 60;
	pthread_mutex_lock(&s->mu);
	while (!(i < s->nconn && i < TP_MAXCONN && s->res[i].done))
		if (pthread_cond_timedwait(&s->cv, &s->mu, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&s->mu);
	cr_assert(i < s->nconn && s->res[i].done,
		  "upstream connection %d did not finish", i);
	return &s->res[i];
}

int tp_listen(int *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(fd >= 0);
	cr_assert(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	cr_assert(listen(fd, 16) == 0);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	*port = ntohs(sa.sin_port);
	return fd;
}

int tp_connect(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};
	struct timeval tv = {.tv_sec = 60};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	cr_assert(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
		  "connect: %s", strerror(errno));
	return fd;
}

size_t tp_read_all(int fd, uint8_t *buf, size_t cap, int *err)
{
	size_t got = 0;
	uint8_t junk[4096];

	*err = 0;
	for (;;) {
		uint8_t *dst = got < cap ? buf + got : junk;
		size_t room = got < cap ? cap - got : sizeof(junk);
		ssize_t n = recv(fd, dst, room, 0);
		if (n == 0)
			return got;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			*err = errno;
			return got;
		}
		got += (size_t)n;
	}
}

struct fp_proxy *tp_proxy(int up_port, ...)
{
	struct fp_config c;
	struct fp_proxy *p = NULL;
	char err[256], up[32];
	va_list ap;

	fp_config_init(&c);
	snprintf(up, sizeof(up), "127.0.0.1:%d", up_port);
	cr_assert(fp_config_set(&c, "--upstream", up, err, sizeof(err)) == 0);
	cr_assert(fp_config_set(&c, "--seed", "42", err, sizeof(err)) == 0);
	va_start(ap, up_port);
	for (;;) {
		const char *o = va_arg(ap, const char *);
		if (!o)
			break;
		const char *v = va_arg(ap, const char *);
		cr_assert(fp_config_set(&c, o, v, err, sizeof(err)) == 0,
			  "%s %s: %s", o, v, err);
	}
	va_end(ap);
	cr_assert(fp_start(&c, &p) == 0);
	fp_config_free(&c);
	return p;
}

int tp_http(int port, const char *method, const char *path, const void *body,
	    size_t blen, char **out)
{
	char head[512];
	int fd = tp_connect(port), status = 0, err;
	struct timeval tv = {.tv_sec = 10};
	size_t cap = 1 << 16;
	char *resp = malloc(cap + 1);

	cr_assert(resp);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	int n = snprintf(head, sizeof(head),
			 "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			 "Connection: close\r\nContent-Length: %zu\r\n\r\n",
			 method, path, blen);
	/* the server may answer and close before the body is all sent */
	if (send(fd, head, (size_t)n, MSG_NOSIGNAL) == n) {
		for (size_t off = 0; off < blen;) {
			ssize_t w = send(fd, (const char *)body + off,
					 blen - off, MSG_NOSIGNAL);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
	}
	size_t got = tp_read_all(fd, (uint8_t *)resp, cap, &err);
	close(fd);
	resp[got < cap ? got : cap] = '\0';
	if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1)
		status = 0;
	if (out) {
		char *b = strstr(resp, "\r\n\r\n");
		*out = strdup(b ? b + 4 : "");
		cr_assert(*out);
	}
	free(resp);
	return status;
}

uint64_t tp_stat(int port, const char *key)
{
	char *out, pat[64];

	cr_assert_eq(tp_http(port, "GET", "/stats", NULL, 0, &out), 200,
		     "/stats did not answer");
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	char *at = strstr(out, pat);
	cr_assert(at, "no %s in %s", key, out);
	uint64_t v = strtoull(at + strlen(pat), NULL, 10);
	free(out);
	return v;
}

long tp_raise_nofile(void)
{
	struct rlimit rl;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur > (rlim_t)LONG_MAX ? LONG_MAX : (long)rl.rlim_cur;
}

int tp_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	cr_assert(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

void tp_wait_idle(struct fp_proxy *p)
{
	struct fp_stats st;

	for (int i = 0; i < 2000; i++) {
		fp_get_stats(p, &st);
		if (st.active == 0)
			return;
		usleep(10000);
	}
	cr_assert_fail("proxy still has %llu active connections",
		       (unsigned long long)st.active);
}

struct chunk_count {
	unsigned *per_conn;
	int n;
};

static int count_row(void *arg, const struct cm_record_row *row)
{
	struct chunk_count *cc = arg;

	if (row->dir == 0 && row->conn < (uint64_t)cc->n)
		cc->per_conn[row->conn]++;
	return 0;
}

void tp_count_chunks(const char *path, unsigned *per_conn, int n)
{
	struct chunk_count cc = {per_conn, n};
	char err[300];

	memset(per_conn, 0, sizeof(unsigned) * (size_t)n);
	cr_assert_eq(cm_record_each(path, count_row, &cc, err, sizeof(err)), 0,
		     "%s", err);
}
