/* fragproxy as a program and as a service: --help, bad options (exit 2,
 * one line naming the bad part), the listening line, SIGTERM with stats,
 * a --pcap capture read back, and the HTTP control API driven by curl. */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_proxy_util.h"

extern char **environ;

struct child {
	pid_t pid;
	FILE *out, *err;
};

static void spawn(struct child *c, const char *const *args)
{
	char path[512];
	const char *bin = getenv("FRAGLAB_BIN");
	int o[2], e[2];
	posix_spawn_file_actions_t fa;
	char *argv[32];
	size_t n = 0;

	cr_assert(bin, "FRAGLAB_BIN not set");
	snprintf(path, sizeof(path), "%s/fragproxy", bin);
	argv[n++] = path;
	for (; args[n - 1] && n < 31; n++)
		argv[n] = (char *)args[n - 1];
	argv[n] = NULL;
	cr_assert(pipe(o) == 0 && pipe(e) == 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, o[1], 1);
	posix_spawn_file_actions_adddup2(&fa, e[1], 2);
	posix_spawn_file_actions_addclose(&fa, o[0]);
	posix_spawn_file_actions_addclose(&fa, e[0]);
	cr_assert(posix_spawn(&c->pid, path, &fa, NULL, argv, environ) == 0);
	posix_spawn_file_actions_destroy(&fa);
	close(o[1]);
	close(e[1]);
	c->out = fdopen(o[0], "r");
	c->err = fdopen(e[0], "r");
}

static int reap(struct child *c)
{
	int st;

	cr_assert(waitpid(c->pid, &st, 0) == c->pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void run_bad(const char *want, const char *const *args)
{
	struct child c;
	char line[512] = "";

	spawn(&c, args);
	cr_expect(fgets(line, sizeof(line), c.err) != NULL);
	cr_expect_eq(reap(&c), 2, "exit status for %s", want);
	cr_expect(strstr(line, want) != NULL, "error '%s' lacks '%s'", line,
		  want);
	fclose(c.out);
	fclose(c.err);
}

Test(proxy_cli, help_and_bad_options)
{
	struct child c;
	char buf[8192];

	spawn(&c, (const char *[]){"--help", NULL});
	size_t n = fread(buf, 1, sizeof(buf) - 1, c.out);
	buf[n] = '\0';
	cr_expect_eq(reap(&c), 0);
	cr_expect(strstr(buf, "--fault") && strstr(buf, "--pace"));
	fclose(c.out);
	fclose(c.err);
	run_bad("--upstream", (const char *[]){"--split", "bytes", NULL});
	run_bad("fixed:0", (const char *[]){"--upstream", "127.0.0.1:1",
					    "--split", "fixed:0", NULL});
	run_bad("up:explode", (const char *[]){"--upstream", "127.0.0.1:1",
					       "--fault", "up:explode", NULL});
	run_bad("abc", (const char *[]){"--upstream", "127.0.0.1:1", "--delay",
					"abc", NULL});
	run_bad("--frobnicate", (const char *[]){"--upstream", "127.0.0.1:1",
						 "--frobnicate", "1", NULL});
	run_bad("nohost", (const char *[]){"--upstream", "nohost", NULL});
	run_bad("2", (const char *[]){"--upstream", "127.0.0.1:1", "--toxicity",
				      "2", NULL});
}

static int listening_port(struct child *c)
{
	char line[256];
	int port = -1;

	cr_assert(fgets(line, sizeof(line), c->out) != NULL);
	char *colon = strrchr(line, ':');
	cr_assert(strncmp(line, "listening on ", 13) == 0 && colon, "%s", line);
	port = atoi(colon + 1);
	cr_assert(port > 0);
	return port;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Reassemble one direction (by source port) of a raw-IP capture. */
static size_t pcap_stream(const char *path, int sport, uint8_t *out, size_t cap,
			  size_t *segs)
{
	FILE *f = fopen(path, "rb");
	uint8_t gh[24], rh[16], pkt[70000];
	uint32_t magic, link, hl[4];
	size_t len = 0;

	cr_assert(f);
	cr_assert_eq(fread(gh, 1, 24, f), 24);
	memcpy(&magic, gh, 4);
	memcpy(&link, gh + 20, 4);
	cr_assert_eq(magic, 0xa1b2c3d4);
	cr_assert_eq(link, 101);
	*segs = 0;
	while (fread(rh, 1, 16, f) == 16) {
		memcpy(hl, rh, 16);
		cr_assert(hl[2] <= sizeof(pkt));
		cr_assert_eq(fread(pkt, 1, hl[2], f), hl[2]);
		cr_assert_eq(pkt[0] >> 4, 4);
		size_t ihl = (size_t)(pkt[0] & 15) * 4;
		const uint8_t *t = pkt + ihl;
		size_t th = (size_t)(t[12] >> 4) * 4;
		size_t n = hl[2] - ihl - th;
		if ((t[0] << 8 | t[1]) != sport || n == 0)
			continue;
		uint32_t seq = rd32(t + 4);
		cr_assert_eq(seq, 1001 + len, "sequence gap");
		cr_assert(len + n <= cap);
		memcpy(out + len, t + th, n);
		len += n;
		(*segs)++;
	}
	fclose(f);
	return len;
}

Test(proxy_cli, listen_pcap_sigterm_stats)
{
	struct tp_server s = {0};
	struct child c;
	char cap[] = "/tmp/fp_pcap_XXXXXX", up[32], line[256];
	uint8_t data[30000], back[30000], seen[30000];
	int err;

	close(mkstemp(cap));
	tp_server_start(&s, TP_ECHO);
	snprintf(up, sizeof(up), "127.0.0.1:%d", s.port);
	spawn(&c, (const char *[]){"--upstream", up, "--up", "fixed:100",
				   "--pcap", cap, "--seed", "5", NULL});
	int port = listening_port(&c);
	int fd = tp_connect(port);
	struct sockaddr_in me;
	socklen_t sl = sizeof(me);
	getsockname(fd, (struct sockaddr *)&me, &sl);
	tp_fill(data, sizeof(data), 2);
	cr_assert_eq(send(fd, data, sizeof(data), 0), (ssize_t)sizeof(data));
	shutdown(fd, SHUT_WR);
	cr_assert_eq(tp_read_all(fd, back, sizeof(back), &err), sizeof(data));
	close(fd);
	/* SIGUSR1: stats while running (read before asking it to stop) */
	kill(c.pid, SIGUSR1);
	bool usr1 = false;
	while (!usr1 && fgets(line, sizeof(line), c.err))
		usr1 = strstr(line, "stats: down bytes=30000") != NULL;
	cr_expect(usr1, "no stats on SIGUSR1");
	kill(c.pid, SIGTERM);
	cr_expect_eq(reap(&c), 0);
	bool stats = false;
	while (fgets(line, sizeof(line), c.err))
		stats |= strstr(line, "stats: up bytes=30000 chunks=300") != 0;
	cr_expect(stats, "no stats line on exit");
	size_t segs;
	size_t n =
	    pcap_stream(cap, ntohs(me.sin_port), seen, sizeof(seen), &segs);
	cr_expect_eq(n, sizeof(data));
	cr_expect(memcmp(seen, data, sizeof(data)) == 0);
	cr_expect_eq(segs, 300, "one segment per chunk");
	fclose(c.out);
	fclose(c.err);
	unlink(cap);
	tp_server_stop(&s);
}

static char *curl(int port, const char *method, const char *path,
		  const char *body)
{
	char cmd[512];
	static char out[8192];

	snprintf(cmd, sizeof(cmd),
		 "curl -s -m 20 -X %s %s%s%s 'http://127.0.0.1:%d%s'", method,
		 body ? "--data-binary '" : "", body ? body : "",
		 body ? "'" : "", port, path);
	FILE *f = popen(cmd, "r");
	cr_assert(f, "popen curl");
	size_t n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	cr_assert_eq(pclose(f), 0, "%s failed", cmd);
	return out;
}

Test(proxy_cli, control_api_with_curl)
{
	struct tp_server s = {0};
	uint8_t b[64];
	int err;

	tp_server_start(&s, TP_ECHO);
	struct fp_proxy *p = tp_proxy(s.port, "--control", "127.0.0.1:0", NULL);
	int cport = fp_control_port(p);
	cr_assert(cport > 0);
	int fd = tp_connect(fp_port(p));
	cr_assert_eq(send(fd, "hello", 5, 0), 5);
	cr_assert_eq(recv(fd, b, 5, MSG_WAITALL), 5);
	char *r = curl(cport, "GET", "/stats", NULL);
	cr_expect(strstr(r, "\"accepted\":1") && strstr(r, "\"seed\":42"), "%s",
		  r);
	r = curl(cport, "GET", "/connections", NULL);
	cr_expect(strstr(r, "\"id\":0") && strstr(r, "\"bytes\":5"), "%s", r);
	r = curl(cport, "POST", "/policy/down?live=1", "fixed:1");
	cr_expect(strstr(r, "\"ok\":true"), "%s", r);
	r = curl(cport, "GET", "/connections", NULL);
	cr_expect(strstr(r, "\"policy\":\"fixed:1\""), "%s", r);
	r = curl(cport, "POST", "/policy/up", "fixed:0");
	cr_expect(strstr(r, "error"), "%s", r);
	cr_assert_eq(send(fd, "abcd", 4, 0), 4);
	cr_assert_eq(recv(fd, b, 4, MSG_WAITALL), 4);
	struct fp_stats st;
	fp_get_stats(p, &st);
	cr_expect_eq(st.chunks[FP_DOWN], 1 + 4, "live policy not applied");
	r = curl(cport, "POST", "/connections/0/fault", "up:reset");
	cr_expect(strstr(r, "\"ok\":true"), "%s", r);
	tp_read_all(fd, b, sizeof(b), &err);
	cr_expect_eq(err, ECONNRESET, "%s", strerror(err));
	r = curl(cport, "POST", "/connections/9/fault", "up:reset");
	cr_expect(strstr(r, "no such connection"), "%s", r);
	close(fd);
	fp_stop(p);
	tp_server_stop(&s);
}

Test(proxy_cli, ipv6_client_side)
{
	struct tp_server s = {0};
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6,
				  .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	uint8_t b[16];
	int err;

	tp_server_start(&s, TP_ECHO);
	struct fp_proxy *p =
	    tp_proxy(s.port, "--listen", "[::1]:0", "--split", "bytes", NULL);
	sa.sin6_port = htons((uint16_t)fp_port(p));
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	cr_assert(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
		  "connect [::1]: %s", strerror(errno));
	cr_assert_eq(send(fd, "six", 3, 0), 3);
	shutdown(fd, SHUT_WR);
	cr_expect_eq(tp_read_all(fd, b, sizeof(b), &err), 3);
	cr_expect(memcmp(b, "six", 3) == 0);
	close(fd);
	fp_stop(p);
	tp_server_stop(&s);
}
