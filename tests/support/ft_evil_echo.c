/* Test helper for the fragtest suites: a framed echo server (fork per
 * connection) that misbehaves on purpose - flips a byte, drops or
 * duplicates a frame, ignores SIGTERM, never gets ready, dies. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cm_opt.h"
#include "framing/framing.h"

struct evil {
	const char *mode;
	unsigned long frame;
	struct fr_spec spec;
	const char *pidfile;
};

static void note_pid(const struct evil *e)
{
	FILE *f;

	if (!e->pidfile)
		return;
	f = fopen(e->pidfile, "a");
	if (f) {
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}
}

static pid_t server_pid;

static void die_now(int sig)
{
	(void)sig;
	_exit(4);
}

static int send_frame(int fd, const struct evil *e, const uint8_t *p, size_t n)
{
	size_t cap = fr_encode_bound(&e->spec, n), len;
	uint8_t *w = malloc(cap ? cap : 1);
	int rc = w ? fr_encode(&e->spec, p, n, w, cap, &len) : FR_ENOMEM;

	if (rc == FR_OK)
		rc = fr_send_all(fd, w, len, 5000, NULL);
	free(w);
	return rc;
}

/* One frame in, zero, one or two (maybe altered) frames out. */
static int echo_one(int fd, const struct evil *e, unsigned long idx,
		    const struct fr_frame *f)
{
	uint8_t *copy;
	int rc = 0;

	if (idx == e->frame && !strcmp(e->mode, "drop"))
		return 0;
	if (idx == e->frame && !strcmp(e->mode, "die")) {
		kill(server_pid, SIGUSR1); /* the whole server goes down */
		_exit(4);
	}
	copy = malloc(f->len ? f->len : 1);
	if (!copy)
		return FR_ENOMEM;
	memcpy(copy, f->data, f->len);
	if (idx == e->frame && !strcmp(e->mode, "flip") && f->len) {
		/* a flip that the framing can still carry (no new '\n') */
		for (uint8_t bit = 1; bit; bit <<= 1) {
			copy[f->len - 1] ^= bit;
			rc = send_frame(fd, e, copy, f->len);
			copy[f->len - 1] ^= bit;
			if (rc != FR_EUNENCODABLE)
				break;
		}
		free(copy);
		return rc;
	}
	rc = send_frame(fd, e, copy, f->len);
	if (rc == 0 && idx == e->frame && !strcmp(e->mode, "dup"))
		rc = send_frame(fd, e, copy, f->len);
	free(copy);
	return rc;
}

static void serve(int fd, const struct evil *e)
{
	struct fr_decoder d;
	struct fr_frame f;
	uint8_t rbuf[4096];
	unsigned long idx = 0;
	int rc;

	note_pid(e);
	if (!strcmp(e->mode, "stall")) {
		while (recv(fd, rbuf, sizeof(rbuf), 0) > 0)
			;
		_exit(0);
	}
	fr_decoder_init(&d, &e->spec, NULL, 0);
	while ((rc = fr_recv_frame(fd, &d, rbuf, sizeof(rbuf), &f,
				   FR_NO_DEADLINE)) == FR_FRAME) {
		if (echo_one(fd, e, idx++, &f) != 0)
			break;
	}
	fr_decoder_free(&d);
	_exit(0);
}

static int listen_on(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)*port);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) < 0)
		return -1;
	*port = ntohs(a.sin_port);
	return fd;
}

int main(int argc, char **argv)
{
	struct evil e = {.mode = "echo", .frame = 0};
	const char *framing = "line";
	int port = 0, lfd, rc = 0;
	uint64_t v = 0;
	char err[256];

	for (int i = 1; i + 1 < argc && rc == 0; i += 2) {
		if (!strcmp(argv[i], "--mode")) {
			e.mode = argv[i + 1];
		} else if (!strcmp(argv[i], "--frame")) {
			rc = cm_opt_uint("--frame", argv[i + 1], 0, UINT64_MAX,
					 &v, err, sizeof(err));
			e.frame = (unsigned long)v;
		} else if (!strcmp(argv[i], "--framing")) {
			framing = argv[i + 1];
		} else if (!strcmp(argv[i], "--port")) {
			rc = cm_opt_uint("--port", argv[i + 1], 0, 65535, &v,
					 err, sizeof(err));
			port = (int)v;
		} else if (!strcmp(argv[i], "--pidfile")) {
			e.pidfile = argv[i + 1];
		}
	}
	if (rc != 0) {
		fprintf(stderr, "ft_evil_echo: %s\n", err);
		return 2;
	}
	if (fr_spec_parse(&e.spec, framing, err, sizeof(err)) != FR_OK) {
		fprintf(stderr, "ft_evil_echo: %s\n", err);
		return 2;
	}
	note_pid(&e);
	server_pid = getpid();
	if (!strcmp(e.mode, "exit")) {
		fprintf(stderr, "ft_evil_echo: exiting at start on purpose\n");
		return 3;
	}
	if (!strcmp(e.mode, "silent")) { /* never says it is listening */
		for (;;)
			pause();
	}
	if (!strcmp(e.mode, "ignore-term"))
		signal(SIGTERM, SIG_IGN);
	signal(SIGCHLD, SIG_IGN); /* children reap themselves */
	signal(SIGUSR1, die_now);
	signal(SIGPIPE, SIG_IGN);
	lfd = listen_on(&port);
	if (lfd < 0) {
		perror("ft_evil_echo: listen");
		return 1;
	}
	printf("listening on 127.0.0.1:%d\n", port);
	fflush(stdout);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0)
			return 1;
		if (fork() == 0) {
			close(lfd);
			serve(fd, &e);
		}
		close(fd);
	}
}
