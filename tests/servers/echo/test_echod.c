/* echod integration suite: every model x {line, len:4be, cobs} with many
 * concurrent clients, byte-at-a-time and batched frames and a 1 MiB frame,
 * echo checked byte for byte; the naive model shown to fail; CLI errors. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_servers_util.h"

#define CLIENTS 8
#define SMALL 12  /* frames sent one byte at a time */
#define BATCH 200 /* frames sent in one write */
#define BIG ((size_t)1 << 20)

struct mparam {
	char model[16];
	char spec[48];
	bool v6;
};

struct job {
	int port;
	bool v6;
	const char *spec;
	unsigned seed;
	bool big;
	char err[200];
};

static struct ts_proc server;

static void stop_server(void)
{
	if (server.pid > 0)
		ts_stop(&server);
}

/* n random messages of 1..40 bytes (or one of BIG bytes). */
static const char *run_round(struct job *j, int fd, size_t n, size_t size,
			     bool bytewise)
{
	char **msgs = calloc(n, sizeof(*msgs));
	size_t *lens = calloc(n, sizeof(*lens));
	const char *why = "out of memory";

	if (msgs == NULL || lens == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		lens[i] = size ? size : 1 + (size_t)rand_r(&j->seed) % 40;
		msgs[i] = malloc(lens[i]);
		if (msgs[i] == NULL)
			goto out;
		ts_random_msg(msgs[i], lens[i], j->spec, &j->seed);
	}
	why = ts_echo_check(fd, j->spec, (const char *const *)msgs, lens, n,
			    bytewise);
out:
	for (size_t i = 0; msgs && i < n; i++)
		free(msgs[i]);
	free(msgs);
	free(lens);
	return why;
}

static void *client(void *arg)
{
	struct job *j = arg;
	int fd = ts_connect(j->port, j->v6);
	const char *why = fd < 0 ? "connect failed" : NULL;

	if (why == NULL)
		why = run_round(j, fd, SMALL, 0, true);
	if (why == NULL)
		why = run_round(j, fd, BATCH, 0, false);
	if (why == NULL && j->big)
		why = run_round(j, fd, 1, BIG, false);
	if (why)
		snprintf(j->err, sizeof(j->err), "client seed %u: %s", j->seed,
			 why);
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void start(const char *model, const char *spec, bool v6)
{
	const char *argv[] = {"echod",
			      "--model",
			      model,
			      "--framing",
			      spec,
			      "--listen",
			      v6 ? "[::1]:0" : "127.0.0.1:0",
			      NULL};
	cr_assert_eq(ts_start(&server, argv, 0), 0,
		     "echod %s %s: no listening line", model, spec);
	cr_assert_gt(server.port, 0);
}

#define M(m)                                                                   \
	{m, "line,max=2097152", false}, {m, "len:4be,max=2097152", false},     \
	{                                                                      \
		m, "cobs,max=2097152", true                                    \
	}

ParameterizedTestParameters(echod, echo)
{
	static struct mparam params[] = {M("iterative"), M("fork"), M("thread"),
					 M("select"),	 M("poll"), M("epoll")};
	return cr_make_param_array(struct mparam, params,
				   sizeof(params) / sizeof(params[0]));
}

ParameterizedTest(struct mparam *mp, echod, echo, .fini = stop_server,
		  .timeout = 240)
{
	pthread_t t[CLIENTS];
	static struct job jobs[CLIENTS];

	start(mp->model, mp->spec, mp->v6);
	cr_assert(strstr(server.addr, mp->v6 ? "[::1]:" : "127.0.0.1:"),
		  "announced %s", server.addr);
	for (int i = 0; i < CLIENTS; i++) {
		jobs[i] = (struct job){.port = server.port,
				       .v6 = mp->v6,
				       .spec = mp->spec,
				       .seed = 1000u + (unsigned)i,
				       .big = i == 0};
		cr_assert_eq(pthread_create(&t[i], NULL, client, &jobs[i]), 0);
	}
	for (int i = 0; i < CLIENTS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < CLIENTS; i++)
		cr_expect_str_empty(jobs[i].err, "%s %s: %s", mp->model,
				    mp->spec, jobs[i].err);
	cr_assert_eq(ts_stop(&server), 0, "SIGTERM: exit status; stderr: %s",
		     ts_stderr(&server));
}

/* The naive server answers what one recv() returned: give it half a frame,
 * wait for its answer, and the frame never comes back whole. */
Test(echod, naive_fails_on_fragmented_frame, .fini = stop_server,
     .timeout = 120)
{
	char buf[64];
	ssize_t n, got = 0;

	start("naive", "line", false);
	int fd = ts_connect(server.port, false);
	cr_assert_geq(fd, 0);
	cr_assert_eq(send(fd, "hel", 3, 0), 3);
	while ((n = recv(fd, buf + got, sizeof(buf) - 1 - (size_t)got, 0)) > 0)
		got += n;
	buf[got] = '\0';
	/* too late: the server already answered and closed */
	send(fd, "lo\n", 3, MSG_NOSIGNAL);
	close(fd);
	cr_assert_str_eq(buf, "hel", "naive echoed '%s'", buf);
	cr_assert_null(strchr(buf, '\n'),
		       "naive should not echo a whole frame");
	cr_assert_eq(ts_stop(&server), 0);
}

/* The same fragmented frame through a correct model comes back whole. */
Test(echod, epoll_joins_fragmented_frame, .fini = stop_server, .timeout = 120)
{
	char buf[8] = {0};

	start("epoll", "line", false);
	int fd = ts_connect(server.port, false);
	cr_assert_geq(fd, 0);
	cr_assert_eq(send(fd, "hel", 3, 0), 3);
	cr_assert_eq(send(fd, "lo\n", 3, 0), 3);
	cr_assert_eq(recv(fd, buf, 6, MSG_WAITALL), 6);
	cr_assert_str_eq(buf, "hello\n");
	close(fd);
	cr_assert_eq(ts_stop(&server), 0);
}

/* raw: no framing, bytes come back as they were sent, in any pieces. */
Test(echod, raw_echoes_bytes_as_they_come, .fini = stop_server, .timeout = 120)
{
	static const char part1[] = "no\nframes\0", part2[] = "at all\xff";
	char buf[64] = {0};
	size_t n1 = sizeof(part1) - 1, n2 = sizeof(part2) - 1;

	start("select", "raw", false);
	int fd = ts_connect(server.port, false);
	cr_assert_geq(fd, 0);
	cr_assert_eq(send(fd, part1, n1, 0), (ssize_t)n1);
	cr_assert_eq(recv(fd, buf, n1, MSG_WAITALL), (ssize_t)n1);
	cr_assert_eq(send(fd, part2, n2, 0), (ssize_t)n2);
	cr_assert_eq(recv(fd, buf + n1, n2, MSG_WAITALL), (ssize_t)n2);
	cr_assert_eq(memcmp(buf, part1, n1), 0);
	cr_assert_eq(memcmp(buf + n1, part2, n2), 0);
	close(fd);
	cr_assert_eq(ts_stop(&server), 0);
}

Test(echod, help_and_usage_errors, .timeout = 60)
{
	static char out[16384], err[4096];
	const char *help[] = {"echod", "--help", NULL};
	const char *bad_model[] = {"echod",	  "--model", "nope",
				   "--framing",	  "line",    "--listen",
				   "127.0.0.1:0", NULL};
	const char *bad_spec[] = {"echod",	 "--model", "epoll",
				  "--framing",	 "len:9be", "--listen",
				  "127.0.0.1:0", NULL};
	const char *bad_addr[] = {"echod", "--model",  "epoll",	    "--framing",
				  "line",  "--listen", "127.0.0.1", NULL};
	const char *bad_max[] = {
	    "echod",	"--model",     "epoll",	      "--framing", "line",
	    "--listen", "127.0.0.1:0", "--max-conns", "-1",	   NULL};
	const char *missing[] = {"echod", "--model", "epoll", NULL};

	cr_assert_eq(ts_run(help, NULL, out, sizeof(out), err, sizeof(err)), 0);
	cr_assert(strstr(out, "naive"));
	cr_assert(strstr(out, "deliberately wrong"), "help: %s", out);
	cr_assert_eq(
	    ts_run(bad_model, NULL, out, sizeof(out), err, sizeof(err)), 2);
	cr_assert(strstr(err, "echod: unknown model 'nope'"), "%s", err);
	cr_assert_eq(ts_run(bad_spec, NULL, out, sizeof(out), err, sizeof(err)),
		     2);
	cr_assert(strstr(err, "--framing"), "%s", err);
	cr_assert_eq(ts_run(bad_addr, NULL, out, sizeof(out), err, sizeof(err)),
		     2);
	cr_assert(strstr(err, "--listen"), "%s", err);
	cr_assert_eq(ts_run(bad_max, NULL, out, sizeof(out), err, sizeof(err)),
		     2);
	cr_assert(strstr(err, "--max-conns: '-1'"), "%s", err);
	cr_assert_eq(ts_run(missing, NULL, out, sizeof(out), err, sizeof(err)),
		     2);
}

/* echo-client by hand: arguments and stdin lines, TCP with a spec. */
Test(echod, echo_client_tcp, .fini = stop_server, .timeout = 120)
{
	static char out[4096], err[4096];
	char to[64];

	start("thread", "len:2be", false);
	snprintf(to, sizeof(to), "127.0.0.1:%d", server.port);
	const char *args[] = {"echo-client", "--connect", to,
			      "--framing",   "len:2be",	  "one",
			      "two words",   NULL};
	cr_assert_eq(ts_run(args, NULL, out, sizeof(out), err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_str_eq(out, "one\ntwo words\n");
	const char *stdin_args[] = {"echo-client", "-c",      to,
				    "-f",	   "len:2be", NULL};
	cr_assert_eq(
	    ts_run(stdin_args, "a\nbb\n", out, sizeof(out), err, sizeof(err)),
	    0, "%s", err);
	cr_assert_str_eq(out, "a\nbb\n");
	cr_assert_eq(ts_stop(&server), 0);
}

/* echo-client against a listener that never answers, and a closed port. */
Test(echod, echo_client_tcp_timeout_and_refused, .timeout = 60)
{
	static char out[4096], err[4096];
	struct sockaddr_storage ss;
	socklen_t len = ts_loopback(&ss, 0, false);
	char to[64];

	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&ss, len), 0);
	cr_assert_eq(listen(lfd, 4), 0);
	cr_assert_eq(getsockname(lfd, (struct sockaddr *)&ss, &len), 0);
	int port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	snprintf(to, sizeof(to), "127.0.0.1:%d", port);
	const char *mute[] = {"echo-client", "-c",    to,  "--timeout",
			      "200",	     "hello", NULL};
	cr_assert_eq(ts_run(mute, NULL, out, sizeof(out), err, sizeof(err)), 1);
	cr_assert(strstr(err, "no reply"), "stderr: %s", err);
	close(lfd); /* now nobody listens there */
	cr_assert_eq(ts_run(mute, NULL, out, sizeof(out), err, sizeof(err)), 1);
	cr_assert(strstr(err, "refused"), "stderr: %s", err);
}
