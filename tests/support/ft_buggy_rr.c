/* Request/response programs with one framing bug each, for the fragtest
 * diff/client suites: `server [--bug B]` answers "N:LINE" to every request
 * line (`echo`: "LINE"); `lenserver` sends length-prefixed messages;
 * `client [--bug splitlen] PORT` prints them. No --bug: fixed. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BR_BUF 65536

static const char br_usage[] =
    "usage: ft_buggy_rr server|echo [--bug B]\n"
    "       ft_buggy_rr lenserver\n"
    "       ft_buggy_rr client [--bug splitlen] PORT\n"
    "Servers listen on 127.0.0.1:0 and print 'listening on HOST:PORT'.\n"
    "B: oneread (one recv() is one request), onereq (one request per read,\n"
    "the rest dropped), dropeof (queued replies dropped at EOF), crash\n"
    "(abort on a read that ends inside a line), pid (replies name the\n"
    "pid: not deterministic), pause (the first connection pauses after\n"
    "its first reply line: not a bug, a slow server).\n";

static bool br_echo; /* reply LINE instead of N:LINE */
static bool br_pid;  /* --bug pid */
static bool paused;  /* --bug pause: done once per process */

static int br_listen(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) < 0) {
		perror("ft_buggy_rr: listen");
		exit(1);
	}
	printf("listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
	fflush(stdout);
	return fd;
}

static int br_write(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reply to one request (without its newline); binary-safe. */
static size_t br_reply(char *out, size_t cap, unsigned n, const char *req,
		       size_t len)
{
	int k = 0;

	if (br_pid)
		k = snprintf(out, cap, "%u:pid=%d:", n, (int)getpid());
	else if (!br_echo)
		k = snprintf(out, cap, "%u:", n);
	if (k < 0 || (size_t)k + len + 1 > cap)
		return 0;
	memcpy(out + k, req, len);
	out[(size_t)k + len] = '\n';
	return (size_t)k + len + 1;
}

/* One connection of the line server. */
static void br_serve(int fd, const char *bug)
{
	static char in[BR_BUF], out[BR_BUF * 2];
	size_t have = 0, olen = 0;
	unsigned n = 0;
	bool eof = false;

	while (!eof) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		ssize_t r;

		if (poll(&pf, 1, -1) < 0 && errno != EINTR)
			break;
		if (!strcmp(bug, "dropeof"))
			poll(NULL, 0, 20); /* batch what arrives meanwhile */
		do {
			r = recv(fd, in + have, sizeof(in) - 1 - have,
				 MSG_DONTWAIT);
			if (r == 0)
				eof = true;
			if (r <= 0)
				break;
			if (!strcmp(bug, "crash") &&
			    in[have + (size_t)r - 1] != '\n')
				abort(); /* BUG: trusts reads to end lines */
			if (!strcmp(bug, "oneread")) {
				/* BUG: one recv() is one request */
				size_t l = (size_t)r;

				if (l && in[l - 1] == '\n')
					l--;
				olen += br_reply(out + olen, sizeof(out) - olen,
						 n++, in, l);
				continue;
			}
			have += (size_t)r;
			char *nl;
			while ((nl = memchr(in, '\n', have)) != NULL) {
				size_t l = (size_t)(nl - in);

				olen += br_reply(out + olen, sizeof(out) - olen,
						 n++, in, l);
				if (!strcmp(bug, "onereq")) {
					have = 0; /* BUG: drops the rest */
					break;
				}
				memmove(in, nl + 1, have - l - 1);
				have -= l + 1;
			}
		} while (!strcmp(bug, "dropeof") && r > 0);
		if (eof && !strcmp(bug, "dropeof"))
			break; /* BUG: queued replies are lost */
		if (!strcmp(bug, "pause") && !paused && olen) {
			/* not a bug: the first connection of the process
			 * pauses 300 ms after its first reply line */
			size_t first =
			    (size_t)((char *)memchr(out, '\n', olen) - out) + 1;

			paused = true;
			if (br_write(fd, out, first) < 0)
				break;
			poll(NULL, 0, 300);
			memmove(out, out + first, olen - first);
			olen -= first;
		}
		if (br_write(fd, out, olen) < 0)
			break;
		olen = 0;
	}
	close(fd);
}

static void br_lenserve(int fd)
{
	char msg[600];

	for (unsigned i = 0; i < 24; i++) {
		size_t len = 5 + (i * 37) % 400; /* some above 255 */

		memset(msg + 2, 'a' + (int)(i % 26), len);
		msg[0] = (char)(len >> 8);
		msg[1] = (char)(len & 0xff);
		if (br_write(fd, msg, len + 2) < 0)
			break;
	}
	close(fd);
}

static int br_server(const char *bug, bool len)
{
	int lfd = br_listen();

	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0)
			return 1;
		if (len)
			br_lenserve(fd);
		else
			br_serve(fd, bug);
	}
}

static int br_read_full(int fd, char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = recv(fd, p, n, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int br_client(const char *bug, int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned count = 0;
	static char msg[65536];

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("ft_buggy_rr: connect");
		return 1;
	}
	for (;;) {
		unsigned char h[2] = {0, 0};
		ssize_t r;
		size_t len;

		if (!strcmp(bug, "splitlen")) {
			/* BUG: assumes the 2-byte prefix comes in one read */
			r = recv(fd, h, 2, 0);
			if (r == 0)
				break;
			if (r < 0)
				return 1;
		} else {
			r = recv(fd, h, 1, 0);
			if (r == 0)
				break;
			if (r < 0 || br_read_full(fd, (char *)h + 1, 1) < 0)
				return 1;
		}
		len = (size_t)h[0] << 8 | h[1];
		if (br_read_full(fd, msg, len) < 0) {
			fprintf(stderr, "ft_buggy_rr: short message %u\n",
				count);
			return 3;
		}
		printf("%u %zu %c\n", count++, len, len ? msg[0] : '-');
	}
	printf("%u messages\n", count);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *bug = "";
	int i = 2;

	signal(SIGPIPE, SIG_IGN);
	if (argc < 2 || !strcmp(argv[1], "--help")) {
		fputs(br_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (argc > 3 && !strcmp(argv[2], "--bug")) {
		bug = argv[3];
		i = 4;
	}
	br_pid = !strcmp(bug, "pid");
	br_echo = !strcmp(argv[1], "echo");
	if ((br_echo || !strcmp(argv[1], "server")) && i == argc)
		return br_server(bug, false);
	if (!strcmp(argv[1], "lenserver") && i == argc)
		return br_server(bug, true);
	if (!strcmp(argv[1], "client") && i + 1 == argc)
		return br_client(bug, atoi(argv[i]));
	fputs(br_usage, stderr);
	return 2;
}
