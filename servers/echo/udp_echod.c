/* udp-echod: echoes each datagram to its sender. A datagram larger than
 * the receive buffer is detected with recvmsg() + MSG_TRUNC, counted and
 * logged (unless --quiet), never echoed cut short. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cm_opt.h"
#include "fraglab/version.h"
#include "net_sock.h"

#define UDP_MAX 65536
#define UDP_BATCH 64 /* datagrams per wake-up */

static const char *prog = "udp-echod";

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: %s --listen HOST:PORT [--bufsize N] [--quiet]\n"
	    "Echo each UDP datagram back to its sender.\n\n"
	    "  -l, --listen HOST:PORT  address; port 0 picks one; [::1]:0 "
	    "for IPv6\n"
	    "  -b, --bufsize N         receive buffer, 1..%d bytes (K: KiB) "
	    "(default %d); a longer\n"
	    "                          datagram is reported as truncated "
	    "and not echoed\n"
	    "  -q, --quiet             no log line per truncated datagram "
	    "or send error\n"
	    "                          (they are still counted)\n"
	    "  -h, --help              this text\n"
	    "      --version           print the name and version, exit\n\n"
	    "Prints 'listening on HOST:PORT' when ready; SIGTERM/SIGINT "
	    "stop it (exit 0)\nafter one line of stats: datagrams echoed, "
	    "truncated, send errors.\n"
	    "Exit status: 0 stopped by SIGTERM/SIGINT, 1 runtime failure, "
	    "2 bad usage.\n",
	    prog, UDP_MAX, UDP_MAX);
}

/* Usage error: what (may be "") and a message that quotes the value. */
static void die_msg(const char *what, const char *msg)
{
	fprintf(stderr, "%s: %s%s (try --help)\n", prog, what, msg);
	exit(2);
}

static void die_usage(const char *what, const char *arg)
{
	fprintf(stderr, "%s: %s '%s' (try --help)\n", prog, what, arg);
	exit(2);
}

struct udp_stats {
	uint64_t echoed, truncated, send_errors;
};

/* One datagram; returns false when the socket has nothing more. */
static bool echo_one(int fd, char *buf, size_t cap, bool quiet,
		     struct udp_stats *st)
{
	struct sockaddr_storage peer;
	struct iovec iov = {.iov_base = buf, .iov_len = cap};
	struct msghdr msg = {.msg_name = &peer,
			     .msg_namelen = sizeof(peer),
			     .msg_iov = &iov,
			     .msg_iovlen = 1};
	char name[CM_ADDRLEN];

	/* MSG_TRUNC: the result is the datagram's real length */
	ssize_t n = recvmsg(fd, &msg, MSG_TRUNC | MSG_DONTWAIT);
	if (n < 0)
		return errno == EINTR;
	if ((msg.msg_flags & MSG_TRUNC) || (size_t)n > cap) {
		st->truncated++;
		if (quiet)
			return true;
		cm_format_addr((struct sockaddr *)&peer, name, sizeof(name));
		fprintf(stderr,
			"%s: %s: datagram of %zd bytes truncated to %zu; "
			"not echoed\n",
			prog, name, n, cap);
		return true;
	}
	if (sendto(fd, buf, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&peer,
		   msg.msg_namelen) >= 0) {
		st->echoed++;
		return true;
	}
	st->send_errors++;
	if (!quiet) {
		cm_format_addr((struct sockaddr *)&peer, name, sizeof(name));
		fprintf(stderr, "%s: %s: sendto: %s\n", prog, name,
			strerror(errno));
	}
	return true;
}

static int serve(int fd, size_t cap, bool quiet, struct udp_stats *st)
{
	char *buf = malloc(cap);
	struct pollfd p[2] = {{.fd = fd, .events = POLLIN},
			      {.fd = net_wake_fd(), .events = POLLIN}};

	if (buf == NULL)
		return -ENOMEM;
	while (!net_stop) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return -errno;
		}
		if (p[1].revents)
			net_wake_drain();
		for (int i = 0; i < UDP_BATCH && p[0].revents; i++)
			if (!echo_one(fd, buf, cap, quiet, st))
				break;
	}
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"bufsize", required_argument, NULL, 'b'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0}};
	const char *listen_at = NULL;
	size_t cap = UDP_MAX;
	bool quiet = false;
	char err[256];
	uint64_t v;
	int c;

	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("udp-echod %s\n", FRAGLAB_VERSION);
		return 0;
	}

	while ((c = getopt_long(argc, argv, "l:b:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen_at = optarg;
			break;
		case 'b':
			if (cm_opt_size("--bufsize", optarg, 1, UDP_MAX, &v,
					err, sizeof(err)) != 0)
				die_msg("", err);
			cap = (size_t)v;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			die_usage("bad option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument", argv[optind]);
	if (listen_at == NULL)
		die_usage("--listen is required", "");
	struct sockaddr_storage ss;
	socklen_t sl;
	if (cm_parse_addr(listen_at, &ss, &sl, err, sizeof(err)) != 0)
		die_msg("--listen: ", err);
	if (net_signals_init(false) != 0)
		return 1;
	int fd = net_listen(&ss, sl, SOCK_DGRAM);
	if (fd < 0) {
		fprintf(stderr, "%s: bind %s: %s\n", prog, listen_at,
			strerror(-fd));
		return 1;
	}
	net_announce(fd);
	struct udp_stats st = {0};
	int rc = serve(fd, cap, quiet, &st);
	close(fd);
	fprintf(stderr,
		"%s: %llu datagrams echoed, %llu truncated (not echoed), "
		"%llu send errors\n",
		prog, (unsigned long long)st.echoed,
		(unsigned long long)st.truncated,
		(unsigned long long)st.send_errors);
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", prog, strerror(-rc));
		return 1;
	}
	return 0;
}
