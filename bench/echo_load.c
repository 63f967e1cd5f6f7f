/* echo-load: load benchmark for echod. N connections each pipeline small
 * frames over loopback; prints frames/s and p50/p99 round-trip latency per
 * model next to a raw loopback echo baseline measured in the same run,
 * plus epoll holding thousands of idle connections beside 100 active. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cm_addr.h"
#include "cm_buf.h"
#include "cm_clock.h"
#include "echo_load.h"
#include "framing/codec.h"

#define RES_MAX ((size_t)1 << 20) /* latency samples kept (reservoir) */
#define RBUF 65536

struct lc {
	int fd;
	struct fr_decoder dec;
	struct cm_buf out; /* encoded frames not yet sent */
	bool pollout;
};

struct result {
	double fps, p50_us, p99_us;
	bool ok;
};

struct lat {
	uint64_t *v;
	size_t n;
	uint64_t seen;
	unsigned seed;
};

static void lat_add(struct lat *l, uint64_t ns)
{
	l->seen++;
	if (l->n < RES_MAX) {
		l->v[l->n++] = ns;
		return;
	}
	uint64_t k =
	    (uint64_t)rand_r(&l->seed) * 65536u + (unsigned)rand_r(&l->seed);
	if (k % l->seen < RES_MAX)
		l->v[k % RES_MAX] = ns;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Queue one frame whose payload starts with the send time in hex. */
static int queue_frame(struct lc *c, const struct el_opts *o)
{
	char msg[EL_SIZE_MAX + 1];
	size_t need = fr_encode_bound(&o->spec, o->size), n;

	snprintf(msg, sizeof(msg), "%016llx", (unsigned long long)cm_now_ns());
	memset(msg + 16, 'x', o->size - 16);
	if (cm_buf_reserve(&c->out, need) < 0 ||
	    fr_encode(&o->spec, msg, o->size, cm_buf_tail(&c->out),
		      cm_buf_room(&c->out), &n) != FR_OK)
		return -1;
	cm_buf_commit(&c->out, n);
	return 0;
}

static int flush(int ep, struct lc *c)
{
	while (cm_buf_len(&c->out) > 0) {
		ssize_t n = send(c->fd, cm_buf_data(&c->out),
				 cm_buf_len(&c->out), MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			return -1;
		cm_buf_consume(&c->out, (size_t)n);
	}
	bool want = cm_buf_len(&c->out) > 0;
	if (want != c->pollout) {
		struct epoll_event ev = {
		    .events = EPOLLIN | (want ? EPOLLOUT : 0u), .data.ptr = c};
		epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
		c->pollout = want;
	}
	return 0;
}

/* Read echoes; each frame's latency is recorded and a new frame sent. */
static int on_read(struct lc *c, const struct el_opts *o, uint8_t *rbuf,
		   struct lat *l, uint64_t *frames, bool measuring)
{
	ssize_t n = recv(c->fd, rbuf, RBUF, 0);
	struct fr_frame f;
	int rc;

	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n <= 0 || fr_decoder_feed(&c->dec, rbuf, (size_t)n) != FR_OK)
		return -1;
	while ((rc = fr_decoder_next(&c->dec, &f)) == FR_FRAME) {
		char hex[17];
		if (f.len < 16)
			return -1;
		memcpy(hex, f.data, 16);
		hex[16] = '\0';
		uint64_t sent = strtoull(hex, NULL, 16);
		if (measuring) {
			lat_add(l, (uint64_t)cm_now_ns() - sent);
			(*frames)++;
		}
		if (queue_frame(c, o) != 0)
			return -1;
	}
	return rc == FR_NEED_MORE ? 0 : -1;
}

static int connect_to(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void close_all(struct lc *c, int n)
{
	for (int i = 0; i < n; i++) {
		if (c[i].fd >= 0)
			close(c[i].fd);
		fr_decoder_free(&c[i].dec);
		cm_buf_free(&c[i].out);
	}
	free(c);
}

static int open_all(struct lc *c, int n, int ep, int port,
		    const struct el_opts *o)
{
	for (int i = 0; i < n; i++)
		c[i].fd = -1;
	for (int i = 0; i < n; i++) {
		c[i].fd = connect_to(port);
		if (c[i].fd < 0 ||
		    fr_decoder_init(&c[i].dec, &o->spec, NULL, 0) != FR_OK)
			return -1;
		fcntl(c[i].fd, F_SETFL, fcntl(c[i].fd, F_GETFL) | O_NONBLOCK);
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &c[i]};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev) != 0)
			return -1;
		for (int k = 0; k < o->pipeline; k++)
			if (queue_frame(&c[i], o) != 0)
				return -1;
	}
	return 0;
}

/* Drive n connections for the duration (after a warm-up of a fifth). */
static struct result run_load(const struct el_opts *o, int port, int n)
{
	struct result r = {0};
	struct lat l = {.v = malloc(RES_MAX * sizeof(uint64_t)), .seed = 7};
	struct lc *c = calloc((size_t)n, sizeof(*c));
	uint8_t *rbuf = malloc(RBUF);
	struct epoll_event ev[256];
	uint64_t frames = 0;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (!l.v || !c || !rbuf || ep < 0 || open_all(c, n, ep, port, o) != 0)
		goto out;
	for (int i = 0; i < n; i++)
		if (flush(ep, &c[i]) != 0)
			goto out;
	uint64_t t0 = (uint64_t)cm_now_ns();
	uint64_t warm = t0 + (uint64_t)o->duration_ms * 200000u;
	uint64_t end = warm + (uint64_t)o->duration_ms * 1000000u;
	uint64_t t;
	while ((t = (uint64_t)cm_now_ns()) < end) {
		int k = epoll_wait(ep, ev, 256, 10);
		for (int i = 0; i < k; i++) {
			struct lc *cc = ev[i].data.ptr;
			if ((ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) &&
			    on_read(cc, o, rbuf, &l, &frames, t >= warm) != 0)
				goto out;
			if (flush(ep, cc) != 0)
				goto out;
		}
	}
	qsort(l.v, l.n, sizeof(uint64_t), cmp_u64);
	r.fps = (double)frames / ((double)o->duration_ms / 1000.0);
	r.p50_us = l.n ? (double)l.v[l.n / 2] / 1000.0 : 0;
	r.p99_us = l.n ? (double)l.v[l.n * 99 / 100] / 1000.0 : 0;
	r.ok = frames > 0;
out:
	if (c)
		close_all(c, n);
	if (ep >= 0)
		close(ep);
	free(rbuf);
	free(l.v);
	return r;
}

/* Start echod; returns its pid and port, or -1. */
static pid_t spawn_echod(const struct el_opts *o, const char *model, int *port)
{
	int p[2];
	char line[128];
	size_t n = 0;

	if (pipe(p) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execl(o->echod, "echod", "--model", model, "--framing",
		      o->spec_text, "--listen", "127.0.0.1:0", "--quiet",
		      (char *)NULL);
		fprintf(stderr, "echo-load: exec %s: %s\n", o->echod,
			strerror(errno));
		_exit(127);
	}
	close(p[1]);
	while (pid > 0 && n + 1 < sizeof(line) &&
	       read(p[0], line + n, 1) == 1 && line[n] != '\n')
		n++;
	line[n] = '\0';
	close(p[0]);
	char host[CM_HOSTLEN], ps[CM_PORTLEN], err[256];
	if (pid < 0 ||
	    cm_parse_listening(line, host, ps, err, sizeof(err)) < 0) {
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		return -1;
	}
	*port = atoi(ps);
	return pid;
}

static void stop_echod(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

static void row(const char *name, int conns, const char *note,
		const struct result *r, const struct result *base)
{
	if (!r->ok) {
		printf("| %-9s | %5d | %-12s | %10s | %8s | %8s | %6s |\n",
		       name, conns, note, "failed", "-", "-", "-");
		return;
	}
	printf("| %-9s | %5d | %-12s | %10.0f | %8.0f | %8.0f | %5.2fx |\n",
	       name, conns, note, r->fps, r->p50_us, r->p99_us,
	       base && base->fps > 0 ? r->fps / base->fps : 1.0);
	fflush(stdout);
}

static struct result measure(const struct el_opts *o, const char *model,
			     int conns)
{
	struct result r = {0};
	struct el_raw raw;
	int port;

	if (model == NULL) {
		if (el_raw_start(&raw) != 0)
			return r;
		r = run_load(o, raw.port, conns);
		el_raw_stop(&raw);
		return r;
	}
	pid_t pid = spawn_echod(o, model, &port);
	if (pid < 0)
		return r;
	r = run_load(o, port, conns);
	stop_echod(pid);
	return r;
}

/* epoll with o->idle idle connections held open beside the active ones.
 * *dropped counts idle connections the server closed. */
static struct result measure_idle(const struct el_opts *o, int *dropped)
{
	struct result r = {0};
	int port, *idle = calloc((size_t)o->idle, sizeof(int)), n = 0;
	pid_t pid = spawn_echod(o, "epoll", &port);

	*dropped = 0;
	if (pid < 0 || idle == NULL)
		goto out;
	for (n = 0; n < o->idle; n++) {
		idle[n] = connect_to(port);
		if (idle[n] < 0) {
			fprintf(stderr, "echo-load: idle connection %d: %s\n",
				n, strerror(errno));
			goto out;
		}
	}
	r = run_load(o, port, o->idle_active);
	for (int i = 0; i < n; i++) {
		struct pollfd p = {.fd = idle[i], .events = POLLIN};
		if (poll(&p, 1, 0) > 0)
			(*dropped)++; /* EOF: the server let it go */
	}
out:
	for (int i = 0; i < n; i++)
		close(idle[i]);
	free(idle);
	if (pid > 0)
		stop_echod(pid);
	return r;
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void table(const struct el_opts *o)
{
	for (size_t i = 0; i < o->nconns; i++) {
		int n = o->conns[i];
		struct result base = measure(o, NULL, n);
		row("raw", n, "baseline", &base, &base);
		char models[256], *save = NULL;
		snprintf(models, sizeof(models), "%s", o->models);
		for (char *m = strtok_r(models, ",", &save); m;
		     m = strtok_r(NULL, ",", &save)) {
			if (strcmp(m, "iterative") == 0 && n > 1) {
				printf("| %-9s | %5d | %-12s | %10s | %8s | "
				       "%8s | %6s |\n",
				       m, n, "1 at a time", "n/a", "-", "-",
				       "-");
				continue;
			}
			struct result r = measure(o, m, n);
			row(m, n, "", &r, &base);
		}
	}
}

int main(int argc, char **argv)
{
	static char self[4096];
	struct el_opts o = {.models = "iterative,fork,thread,select,poll,epoll",
			    .conns = {1, 100, 1000},
			    .nconns = 3,
			    .spec_text = "len:4be",
			    .duration_ms = 1000,
			    .pipeline = 8,
			    .size = 32,
			    .idle = 10000,
			    .idle_active = 100};

	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 16);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		strcpy(slash ? slash + 1 : self, "echod");
		o.echod = self;
	}
	el_parse(&o, argc, argv);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	printf("echo-load: %s, payload %zu B, pipeline %d, %d ms per row\n\n",
	       o.spec_text, o.size, o.pipeline, o.duration_ms);
	printf("| model     | conns | note         |   frames/s |  p50 us "
	       " |  p99 us  | vs raw |\n"
	       "|-----------|------:|--------------|-----------:|---------:"
	       "|---------:|-------:|\n");
	table(&o);
	if (o.idle > 0) {
		int dropped;
		struct result base = measure(&o, NULL, o.idle_active);
		row("raw", o.idle_active, "baseline", &base, &base);
		struct result r = measure_idle(&o, &dropped);
		char note[32];
		snprintf(note, sizeof(note), "+%d idle", o.idle);
		row("epoll", o.idle_active, note, &r, &base);
		if (dropped)
			printf("echo-load: %d idle connections were dropped\n",
			       dropped);
		if (!r.ok || dropped)
			return 1;
	}
	return 0;
}
