/* echo-client: the lecture's echo clients in one tool. TCP with a framing
 * spec, UDP unconnected (sendto/recvfrom) or connected (connect, then
 * send/recv, so ICMP port-unreachable surfaces as ECONNREFUSED). Messages
 * come from arguments or stdin lines; each reply is printed on a line. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cm_addr.h"
#include "cm_opt.h"
#include "fraglab/version.h"
#include "framing/codec.h"
#include "framing/io.h"

#define CL_UDP_MAX 65536
#define CL_TIMEOUT_MAX 999999999 /* ms: about 11.5 days */

static const char *prog = "echo-client";

enum mode { M_TCP, M_UDP, M_UDP_CONNECTED };

struct client {
	enum mode mode;
	struct sockaddr_storage to;
	socklen_t to_len;
	char to_name[CM_ADDRLEN];
	struct fr_spec spec;
	int timeout_ms;
	int fd;
	struct fr_decoder dec;
	uint8_t *rbuf;
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: %s --connect HOST:PORT [--udp | --udp-connected] "
	    "[--framing SPEC]\n"
	    "                   [--timeout MS] [MESSAGE...]\n"
	    "Send each MESSAGE (or each line of stdin) to an echo server "
	    "and print each\nreply on a line.\n\n"
	    "  -c, --connect HOST:PORT  server; [::1]:PORT for IPv6\n"
	    "  -f, --framing SPEC       TCP framing (default line); raw "
	    "reads back as many\n"
	    "                           bytes as were sent\n"
	    "  -u, --udp                UDP, unconnected: sendto/recvfrom "
	    "(a closed port\n"
	    "                           shows as a timeout)\n"
	    "  -U, --udp-connected      UDP, connect()ed: send/recv (a "
	    "closed port shows\n"
	    "                           as 'connection refused')\n"
	    "  -t, --timeout MS         wait at most MS for each reply "
	    "(default 5000; 2s, 1m also work)\n"
	    "  -h, --help               this text\n"
	    "      --version            print the name and version, exit\n\n"
	    "Exit status: 0 all replies received, 1 timeout/refused/"
	    "I/O error, 2 usage.\n",
	    prog);
}

static void die_usage(const char *what, const char *arg)
{
	fprintf(stderr, "%s: %s%s (try --help)\n", prog, what, arg);
	exit(2);
}

static int fail(const struct client *c, const char *what, int code)
{
	if (code == FR_ETIMEDOUT)
		fprintf(stderr, "%s: %s: no reply from %s within %d ms\n", prog,
			what, c->to_name, c->timeout_ms);
	else
		fprintf(stderr, "%s: %s %s: %s\n", prog, what, c->to_name,
			fr_strerror(code));
	return 1;
}

static void print_reply(const void *data, size_t len)
{
	fwrite(data, 1, len, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

static int tcp_one(struct client *c, const char *msg, size_t len)
{
	size_t cap = fr_encode_bound(&c->spec, len), n = 0;
	uint8_t *wire = malloc(cap ? cap : 1);
	struct fr_frame f;
	int rc;

	if (wire == NULL)
		return fail(c, "encode for", FR_ENOMEM);
	if (c->spec.kind == FR_RAW) {
		memcpy(wire, msg, len);
		n = len;
		rc = FR_OK;
	} else {
		rc = fr_encode(&c->spec, msg, len, wire, cap, &n);
	}
	if (rc != FR_OK) {
		free(wire);
		fprintf(stderr, "%s: message cannot be framed: %s\n", prog,
			fr_strerror(rc));
		return 1;
	}
	rc = fr_send_all(c->fd, wire, n, c->timeout_ms, NULL);
	if (rc == FR_OK && c->spec.kind == FR_RAW) {
		rc = fr_recv_all(c->fd, wire, n, c->timeout_ms, NULL);
		if (rc == FR_OK)
			print_reply(wire, n);
		free(wire);
		return rc == FR_OK ? 0 : fail(c, "reply from", rc);
	}
	free(wire);
	if (rc != FR_OK)
		return fail(c, "send to", rc);
	rc = fr_recv_frame(c->fd, &c->dec, c->rbuf, CL_UDP_MAX, &f,
			   c->timeout_ms);
	if (rc == FR_FRAME) {
		print_reply(f.data, f.len);
		return 0;
	}
	if (rc == FR_DONE)
		rc = FR_ECLOSED;
	return fail(c, "reply from", rc);
}

static int udp_one(struct client *c, const char *msg, size_t len)
{
	ssize_t n;

	if (c->mode == M_UDP)
		n = sendto(c->fd, msg, len, MSG_NOSIGNAL,
			   (struct sockaddr *)&c->to, c->to_len);
	else
		n = send(c->fd, msg, len, MSG_NOSIGNAL);
	if (n < 0)
		return fail(c, "send to", -errno);
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	int r;
	do
		r = poll(&p, 1, c->timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return fail(c, "reply", FR_ETIMEDOUT);
	/* connected: a pending ICMP error is reported here as ECONNREFUSED */
	n = c->mode == M_UDP
		? recvfrom(c->fd, c->rbuf, CL_UDP_MAX, 0, NULL, NULL)
		: recv(c->fd, c->rbuf, CL_UDP_MAX, 0);
	if (n < 0)
		return fail(c, "recv from", -errno);
	print_reply(c->rbuf, (size_t)n);
	return 0;
}

static int one(struct client *c, const char *msg, size_t len)
{
	return c->mode == M_TCP ? tcp_one(c, msg, len) : udp_one(c, msg, len);
}

static int open_socket(struct client *c)
{
	int type = c->mode == M_TCP ? SOCK_STREAM : SOCK_DGRAM;

	c->fd = socket(c->to.ss_family, type | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return fail(c, "socket for", -errno);
	if (c->mode == M_UDP)
		return 0;
	if (connect(c->fd, (struct sockaddr *)&c->to, c->to_len) != 0)
		return fail(c, "connect", -errno);
	return 0;
}

static int run(struct client *c, int argc, char **argv)
{
	char *line = NULL;
	size_t lcap = 0;
	ssize_t n;
	int rc = 0;

	for (int i = 0; i < argc && rc == 0; i++)
		rc = one(c, argv[i], strlen(argv[i]));
	if (argc > 0)
		return rc;
	while (rc == 0 && (n = getline(&line, &lcap, stdin)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			n--;
		rc = one(c, line, (size_t)n);
	}
	free(line);
	return rc;
}

static void parse_args(struct client *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"connect", required_argument, NULL, 'c'},
	    {"framing", required_argument, NULL, 'f'},
	    {"udp", no_argument, NULL, 'u'},
	    {"udp-connected", no_argument, NULL, 'U'},
	    {"timeout", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0}};
	const char *to = NULL, *spec = "line";
	char err[256];
	uint64_t ms;
	int o;

	while ((o = getopt_long(argc, argv, "c:f:uUt:h", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			to = optarg;
			break;
		case 'f':
			spec = optarg;
			break;
		case 'u':
			c->mode = M_UDP;
			break;
		case 'U':
			c->mode = M_UDP_CONNECTED;
			break;
		case 't':
			if (cm_opt_ms("--timeout", optarg, 1, 0, CL_TIMEOUT_MAX,
				      &ms, err, sizeof(err)) != 0)
				die_usage(err, "");
			c->timeout_ms = (int)ms;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			die_usage("bad option", "");
		}
	}
	if (to == NULL)
		die_usage("--connect HOST:PORT is required", "");
	if (cm_parse_addr(to, &c->to, &c->to_len, err, sizeof(err)) != 0)
		die_usage("--connect: ", err);
	if (fr_spec_parse(&c->spec, spec, err, sizeof(err)) != FR_OK)
		die_usage("--framing: ", err);
	cm_format_addr((struct sockaddr *)&c->to, c->to_name,
		       sizeof(c->to_name));
}

int main(int argc, char **argv)
{
	struct client c = {.timeout_ms = 5000, .fd = -1};
	int rc;

	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("echo-client %s\n", FRAGLAB_VERSION);
		return 0;
	}

	signal(SIGPIPE, SIG_IGN);
	parse_args(&c, argc, argv);
	c.rbuf = malloc(CL_UDP_MAX);
	if (c.rbuf == NULL ||
	    fr_decoder_init(&c.dec, &c.spec, NULL, 0) != FR_OK) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}
	rc = open_socket(&c);
	if (rc == 0)
		rc = run(&c, argc - optind, argv + optind);
	if (c.fd >= 0)
		close(c.fd);
	fr_decoder_free(&c.dec);
	free(c.rbuf);
	return rc;
}
