/* Real-traffic suite helpers (real_util.h): processes, pcap reading,
 * framecat and tshark runs. */
#include "real_util.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cm_clock.h"
#include "run_util.h"

const char *ru_which(const char *prog)
{
	static char path[4096];
	const char *env = getenv("PATH");
	char dirs[4096];

	snprintf(dirs, sizeof(dirs), "%s", env ? env : "/usr/bin:/bin");
	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/%s", d, prog);
		if (access(path, X_OK) == 0)
			return path;
	}
	return NULL;
}

/* Number after the last ':' of line, or -1. */
static int port_of(const char *line)
{
	const char *c = strrchr(line, ':');
	long v;
	char *end;

	if (!c)
		return -1;
	v = strtol(c + 1, &end, 10);
	return end == c + 1 || v <= 0 || v > 65535 ? -1 : (int)v;
}

pid_t ru_start(const char *const argv[], const char *marker, int timeout_ms,
	       int *port)
{
	int fds[2];
	char buf[4096];
	size_t got = 0;

	if (pipe(fds) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	int64_t until = cm_now_ms() + timeout_ms;
	*port = -1;
	while (*port < 0 && cm_now_ms() < until && got + 1 < sizeof(buf)) {
		struct pollfd p = {fds[0], POLLIN, 0};
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t n = read(fds[0], buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		for (char *l = buf; l && *l;) {
			char *nl = strchr(l, '\n');
			if (!nl)
				break;
			*nl = '\0';
			if (strstr(l, marker))
				*port = port_of(l);
			*nl = '\n';
			l = nl + 1;
		}
	}
	/* the pipe stays open in the child; drop our end so a chatty child
	 * only ever gets EPIPE, never blocks */
	close(fds[0]);
	if (*port < 0) {
		fprintf(stderr, "%s: no '%s' line; output: %.*s\n", argv[0],
			marker, (int)got, buf);
		ru_stop(pid);
		return -1;
	}
	return pid;
}

int ru_python_script(const char *script, char *py, char *path, size_t len)
{
	const char *src = getenv("FRAGLAB_SRC");
	const char *p = access("/usr/bin/python3", X_OK) == 0
			    ? "/usr/bin/python3"
			    : ru_which("python3");

	if (p == NULL || src == NULL)
		return -1;
	snprintf(py, len, "%s", p);
	snprintf(path, len, "%s/tests/protocols/%s", src, script);
	return 0;
}

pid_t ru_start_peer(const char *script, const char *arg, int *port)
{
	char path[4096], py[4096];

	if (ru_python_script(script, py, path, sizeof(py)) != 0)
		return -1;
	const char *const argv[] = {py, path, arg, NULL};
	return ru_start(argv, "listening on", 15000, port);
}

pid_t ru_start_proxy(int upstream_port, const char *split, const char *seed,
		     const char *pcap, int *port)
{
	char fp[4096], up[64];
	const char *argv[12] = {fp,    "--upstream", up,  "--split",
				split, "--pcap",     pcap};
	int n = 7;

	snprintf(fp, sizeof(fp), "%s", run_tool_path("fragproxy"));
	snprintf(up, sizeof(up), "127.0.0.1:%d", upstream_port);
	if (seed != NULL) {
		argv[n++] = "--seed";
		argv[n++] = seed;
	}
	argv[n] = NULL;
	return ru_start(argv, "listening on", 10000, port);
}

void ru_stop(pid_t pid)
{
	int st;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

static void put(struct ru_stream *s, const uint8_t *p, size_t n)
{
	s->data = realloc(s->data, s->len + n + 1);
	cr_assert_not_null(s->data);
	memcpy(s->data + s->len, p, n);
	s->len += n;
	s->segments++;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

int ru_pcap_streams(const char *path, int server_port, struct ru_stream *up,
		    struct ru_stream *down)
{
	return ru_pcap_conn(path, server_port, 0, up, down);
}

int ru_pcap_conn(const char *path, int server_port, unsigned conn,
		 struct ru_stream *up, struct ru_stream *down)
{
	FILE *f = fopen(path, "rb");
	uint8_t gh[24], rh[16];
	static uint8_t pkt[70000];
	int client_port = -1, ports[64];
	unsigned nports = 0;

	memset(up, 0, sizeof(*up));
	memset(down, 0, sizeof(*down));
	if (!f)
		return -1;
	if (fread(gh, 1, 24, f) != 24 || rd32(gh) != 0xa1b2c3d4 ||
	    rd32(gh + 20) != 101) {
		fclose(f);
		return -1;
	}
	while (fread(rh, 1, 16, f) == 16) {
		uint32_t cap = rd32(rh + 8);
		if (cap > sizeof(pkt) || fread(pkt, 1, cap, f) != cap)
			break;
		if (cap < 20 || (pkt[0] >> 4) != 4 || pkt[9] != 6)
			continue;
		size_t ihl = (size_t)(pkt[0] & 15) * 4;
		size_t tot = (size_t)pkt[2] << 8 | pkt[3];
		if (tot > cap || ihl + 20 > tot)
			continue;
		const uint8_t *t = pkt + ihl;
		int sport = t[0] << 8 | t[1], dport = t[2] << 8 | t[3];
		size_t thl = (size_t)(t[12] >> 4) * 4;
		if (ihl + thl > tot)
			continue;
		size_t n = tot - ihl - thl;
		int cport = dport == server_port ? sport : dport;
		unsigned k = 0;
		while (k < nports && ports[k] != cport)
			k++;
		if (k == nports && nports < 64)
			ports[nports++] = cport; /* connections in order */
		if (k == conn)
			client_port = cport;
		if (k != conn || n == 0) /* connection conn only */
			continue;
		put(dport == server_port ? up : down, t + thl, n);
	}
	fclose(f);
	return client_port < 0 ? -1 : 0;
}

void ru_stream_free(struct ru_stream *s)
{
	free(s->data);
	memset(s, 0, sizeof(*s));
}

static int hexval(int c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

int ru_framecat_lens(const char *spec, const char *split, const uint8_t *data,
		     size_t len, bool whole, size_t **lens, size_t *n)
{
	char fc[4096];
	struct run_result r;
	size_t cap = 16, off = 0;

	snprintf(fc, sizeof(fc), "%s", run_tool_path("framecat"));
	char *argv[] = {fc,	   "decode",	  (char *)spec,
			"--split", (char *)split, "--out",
			"hex",	   NULL};
	cr_assert_eq(run_prog(argv, data, len, &r), 0);
	*n = 0;
	*lens = malloc(cap * sizeof(**lens));
	for (char *l = r.out; *l;) {
		char *nl = strchr(l, '\n');
		cr_assert_not_null(nl);
		size_t hl = (size_t)(nl - l);
		if (*n == cap)
			*lens = realloc(*lens, (cap *= 2) * sizeof(**lens));
		(*lens)[(*n)++] = hl / 2;
		for (size_t i = 0; whole && i + 1 < hl; i += 2) {
			int b = hexval(l[i]) << 4 | hexval(l[i + 1]);
			cr_assert(off < len && data[off] == b,
				  "%s: frame %zu differs from the stream at"
				  " %zu",
				  spec, *n, off);
			off++;
		}
		l = nl + 1;
	}
	if (whole)
		cr_expect_eq(off, len, "%s: frames cover %zu of %zu bytes",
			     spec, off, len);
	if (r.status != 0)
		fprintf(stderr, "framecat: %s", r.err);
	int st = r.status;
	run_free(&r);
	return st;
}

size_t ru_expect_lens(const char *name, const char *spec, const uint8_t *data,
		      size_t len, bool whole, const size_t *want, size_t nwant,
		      long adj)
{
	size_t matched = 0;

	for (unsigned seed = 1; seed <= 3; seed++) {
		char split[64];
		size_t *fl, n;

		snprintf(split, sizeof(split), "random:1-16,seed=%u", seed);
		int st =
		    ru_framecat_lens(spec, split, data, len, whole, &fl, &n);
		cr_expect_eq(st, 0, "%s: framecat %s exit %d", name, spec, st);
		cr_expect_eq(n, nwant, "%s, %s %s: %zu frames, want %zu", name,
			     spec, split, n, nwant);
		for (size_t i = 0; i < n && i < nwant; i++) {
			long exp = (long)want[i] + adj;

			cr_expect_eq((long)fl[i], exp,
				     "%s, %s %s: frame %zu is %zu bytes, want "
				     "%ld (%zu %+ld)",
				     name, spec, split, i, fl[i], exp, want[i],
				     adj);
			matched += (long)fl[i] == exp;
		}
		free(fl);
	}
	return matched;
}

char *ru_tshark(const char *pcap, const char *const extra[])
{
	const char *ts = ru_which("tshark");
	char path[4096], *argv[32];
	struct run_result r;
	int k = 0;

	if (!ts)
		return NULL;
	snprintf(path, sizeof(path), "%s", ts);
	argv[k++] = path;
	argv[k++] = "-r";
	argv[k++] = (char *)pcap;
	for (int i = 0; extra[i] && k < 31; i++)
		argv[k++] = (char *)extra[i];
	argv[k] = NULL;
	if (run_prog(argv, NULL, 0, &r) != 0)
		return NULL;
	if (r.status != 0) {
		fprintf(stderr, "tshark: %s\n", r.err);
		run_free(&r);
		return NULL;
	}
	free(r.err);
	return r.out;
}

int ru_free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &al) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static bool port_open(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

pid_t ru_start_port(const char *const argv[], int port, int timeout_ms)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	for (int64_t until = cm_now_ms() + timeout_ms; cm_now_ms() < until;) {
		if (port_open(port))
			return pid;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			fprintf(stderr, "%s exited before listening\n",
				argv[0]);
			return -1;
		}
		usleep(20000);
	}
	fprintf(stderr, "%s: nothing listens on port %d\n", argv[0], port);
	ru_stop(pid);
	return -1;
}

void ru_lens_put(struct ru_lens *l, size_t v)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		cr_assert_not_null(l->v);
	}
	l->v[l->n++] = v;
}

void ru_lens_free(struct ru_lens *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int ru_tshark_units(const char *pcap, int server_port, const char *decode_as,
		    const char *proto, const char *mode, struct ru_lens *up,
		    struct ru_lens *down)
{
	char py[4096], script[4096], port[16];
	struct run_result r;

	if (ru_python_script("tshark_pdml.py", py, script, sizeof(py)) != 0)
		return -1;
	snprintf(port, sizeof(port), "%d", server_port);
	char *argv[] = {py,
			script,
			(char *)pcap,
			port,
			(char *)decode_as,
			(char *)proto,
			(char *)mode,
			NULL};
	if (run_prog(argv, NULL, 0, &r) != 0)
		return -1;
	if (r.status != 0) {
		fprintf(stderr, "tshark_pdml.py: %s\n", r.err);
		run_free(&r);
		return -1;
	}
	for (char *l = r.out; *l;) {
		char *nl = strchr(l, '\n');
		int sport;
		size_t size;

		if (nl)
			*nl = '\0';
		if (sscanf(l, "%d %zu", &sport, &size) == 2)
			ru_lens_put(sport == server_port ? down : up, size);
		l = nl ? nl + 1 : l + strlen(l);
	}
	run_free(&r);
	return 0;
}
