/* udp-echod and echo-client UDP suite: echo over IPv4 and IPv6, truncated
 * datagrams reported and not echoed, connected UDP turning ICMP
 * port-unreachable into ECONNREFUSED, the receive timeout, and option
 * values with units (--bufsize 1K) or naming the option when bad. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_servers_util.h"

static struct ts_proc server;
static char out[4096], err[4096];

static void stop_server(void)
{
	if (server.pid > 0)
		ts_stop(&server);
}

static void start(const char *listen_at, const char *bufsize)
{
	const char *argv[] = {"udp-echod", "--listen",
			      listen_at,   bufsize ? "--bufsize" : NULL,
			      bufsize,	   NULL};
	cr_assert_eq(ts_start(&server, argv, 0), 0, "udp-echod: not ready");
}

/* UDP socket connected to loopback port (v4 or v6). */
static int udp_to(int port, bool v6)
{
	struct sockaddr_storage ss;
	socklen_t len = ts_loopback(&ss, port, v6);
	struct timeval tv = {.tv_sec = TS_WAIT_MS / 1000};

	int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	cr_assert_geq(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	cr_assert_eq(connect(fd, (struct sockaddr *)&ss, len), 0);
	return fd;
}

/* A UDP port with nobody on it: bind port 0, note it, close. */
static int closed_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	cr_assert_eq(bind(fd, (struct sockaddr *)&a, len), 0);
	getsockname(fd, (struct sockaddr *)&a, &len);
	close(fd);
	return ntohs(a.sin_port);
}

Test(udp, echoes_datagrams_v4_and_v6, .fini = stop_server, .timeout = 60)
{
	char buf[2048];
	static const char *listen_at[] = {"127.0.0.1:0", "[::1]:0"};

	for (int v6 = 0; v6 < 2; v6++) {
		start(listen_at[v6], NULL);
		int fd = udp_to(server.port, v6);
		for (int i = 0; i < 3; i++) {
			char msg[1500];
			memset(msg, 'a' + i, sizeof(msg));
			size_t len = i == 0 ? 1 : sizeof(msg) - (size_t)i;
			cr_assert_eq(send(fd, msg, len, 0), (ssize_t)len);
			cr_assert_eq(recv(fd, buf, sizeof(buf), 0),
				     (ssize_t)len);
			cr_assert_eq(memcmp(buf, msg, len), 0);
		}
		close(fd);
		cr_assert_eq(ts_stop(&server), 0);
	}
}

Test(udp, truncated_datagram_reported_not_echoed, .fini = stop_server,
     .timeout = 60)
{
	char buf[64];

	start("127.0.0.1:0", "8");
	int fd = udp_to(server.port, false);
	cr_assert_eq(send(fd, "0123456789abcdefghij", 20, 0), 20);
	cr_assert_eq(send(fd, "ok", 2, 0), 2);
	/* the first reply must be the short one: the long one was dropped */
	cr_assert_eq(recv(fd, buf, sizeof(buf), 0), 2);
	cr_assert_eq(memcmp(buf, "ok", 2), 0);
	close(fd);
	cr_assert_eq(ts_stop(&server), 0);
	const char *log = ts_stderr(&server);
	cr_assert(strstr(log, "20 bytes truncated to 8"), "log: %s", log);
	cr_assert(strstr(log, "1 datagrams echoed, 1 truncated"), "log: %s",
		  log);
}

/* --quiet: no line per truncated datagram, but the stats count them. */
Test(udp, quiet_counts_truncated_without_logging, .fini = stop_server,
     .timeout = 60)
{
	const char *argv[] = {"udp-echod", "--listen", "127.0.0.1:0",
			      "--bufsize", "8",	       "--quiet",
			      NULL};
	char buf[64];

	cr_assert_eq(ts_start(&server, argv, 0), 0, "udp-echod: not ready");
	int fd = udp_to(server.port, false);
	for (int i = 0; i < 50; i++)
		cr_assert_eq(send(fd, "0123456789abcdefghij", 20, 0), 20);
	cr_assert_eq(send(fd, "ok", 2, 0), 2);
	cr_assert_eq(recv(fd, buf, sizeof(buf), 0), 2);
	close(fd);
	cr_assert_eq(ts_stop(&server), 0);
	const char *log = ts_stderr(&server);
	cr_assert(strstr(log, "truncated to") == NULL, "quiet logged: %s", log);
	cr_assert(strstr(log, "1 datagrams echoed, 50 truncated"), "log: %s",
		  log);
}

/* Option values are read by common's cm_opt: sizes take K/M suffixes,
 * durations units, and a bad value names its option. */
Test(udp, option_values_take_units_and_name_the_option, .fini = stop_server,
     .timeout = 60)
{
	static char big[1100];
	char buf[64];
	const char *bad_size[] = {"udp-echod", "--listen", "127.0.0.1:0",
				  "--bufsize", "2x",	   NULL};
	const char *bad_time[] = {"echo-client", "--connect", "127.0.0.1:9",
				  "--timeout",	 "5x",	      "x",
				  NULL};

	cr_assert_eq(ts_run(bad_size, NULL, out, sizeof(out), err, sizeof(err)),
		     2);
	cr_assert(strstr(err, "--bufsize: '2x'"), "%s", err);
	cr_assert_eq(ts_run(bad_time, NULL, out, sizeof(out), err, sizeof(err)),
		     2);
	cr_assert(strstr(err, "--timeout: '5x'"), "%s", err);
	start("127.0.0.1:0", "1K");
	int fd = udp_to(server.port, false);
	memset(big, 'x', sizeof(big));
	cr_assert_eq(send(fd, big, sizeof(big), 0), (ssize_t)sizeof(big));
	cr_assert_eq(send(fd, "ok", 2, 0), 2);
	cr_assert_eq(recv(fd, buf, sizeof(buf), 0), 2);
	close(fd);
	cr_assert_eq(ts_stop(&server), 0);
	const char *log = ts_stderr(&server);
	cr_assert(strstr(log, "1100 bytes truncated to 1024"), "log: %s", log);
}

Test(udp, echo_client_unconnected_and_connected, .fini = stop_server,
     .timeout = 60)
{
	char to[64];

	start("127.0.0.1:0", NULL);
	snprintf(to, sizeof(to), "127.0.0.1:%d", server.port);
	const char *u[] = {"echo-client", "--udp", "--connect", to,
			   "one",	  "two",   NULL};
	cr_assert_eq(ts_run(u, NULL, out, sizeof(out), err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_str_eq(out, "one\ntwo\n");
	const char *c[] = {"echo-client", "--udp-connected", "-c", to, NULL};
	cr_assert_eq(ts_run(c, "x y\nz\n", out, sizeof(out), err, sizeof(err)),
		     0, "%s", err);
	cr_assert_str_eq(out, "x y\nz\n");
	cr_assert_eq(ts_stop(&server), 0);
}

Test(udp, connected_udp_sees_econnrefused, .timeout = 60)
{
	char to[64], buf[8];
	int port = closed_port();

	int fd = udp_to(port, false);
	cr_assert_eq(send(fd, "x", 1, 0), 1);
	cr_assert_eq(recv(fd, buf, sizeof(buf), 0), -1);
	cr_assert_eq(errno, ECONNREFUSED, "errno %d", errno);
	close(fd);
	snprintf(to, sizeof(to), "127.0.0.1:%d", port);
	const char *c[] = {"echo-client", "--udp-connected", "-c", to,
			   "--timeout",	  "20000",	     "x",  NULL};
	cr_assert_eq(ts_run(c, NULL, out, sizeof(out), err, sizeof(err)), 1);
	cr_assert(strstr(err, "refused"), "stderr: %s", err);
}

Test(udp, receive_timeout, .timeout = 60)
{
	char to[64];
	int port = closed_port();

	/* unconnected: the ICMP error is not reported, so only the timeout
	 * ends the wait */
	snprintf(to, sizeof(to), "127.0.0.1:%d", port);
	const char *u[] = {"echo-client", "--udp", "-c", to,
			   "--timeout",	  "200",   "x",	 NULL};
	cr_assert_eq(ts_run(u, NULL, out, sizeof(out), err, sizeof(err)), 1);
	cr_assert(strstr(err, "no reply"), "stderr: %s", err);
	cr_assert(strstr(err, "200 ms"), "stderr: %s", err);
	cr_assert_str_empty(out);
}

Test(udp, usage_errors, .timeout = 60)
{
	const char *a[] = {"udp-echod", NULL};
	const char *b[] = {"udp-echod", "--listen", "127.0.0.1:0",
			   "--bufsize", "0",	    NULL};
	const char *c[] = {"echo-client", "x", NULL};
	const char *h[] = {"udp-echod", "--help", NULL};

	cr_assert_eq(ts_run(a, NULL, out, sizeof(out), err, sizeof(err)), 2);
	cr_assert(strstr(err, "udp-echod: "), "%s", err);
	cr_assert_eq(ts_run(b, NULL, out, sizeof(out), err, sizeof(err)), 2);
	cr_assert_eq(ts_run(c, NULL, out, sizeof(out), err, sizeof(err)), 2);
	cr_assert(strstr(err, "--connect"), "%s", err);
	cr_assert_eq(ts_run(h, NULL, out, sizeof(out), err, sizeof(err)), 0);
	cr_assert(strstr(out, "MSG_TRUNC") || strstr(out, "truncated"));
}
