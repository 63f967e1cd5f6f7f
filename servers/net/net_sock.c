/* Socket and signal helpers for the servers and clients (net_sock.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net_sock.h"

volatile sig_atomic_t net_stop;
volatile sig_atomic_t net_child;
static int wake_pipe[2] = {-1, -1};
static int spare_fd = -1;

void net_peer(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &sl) != 0) {
		snprintf(buf, len, "?");
		return;
	}
	cm_format_addr((struct sockaddr *)&ss, buf, len);
}

int net_listen(const struct sockaddr_storage *ss, socklen_t len, int type)
{
	int one = 1;
	int fd = socket(ss->ss_family, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (type == SOCK_STREAM &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
		goto fail;
	if (bind(fd, (const struct sockaddr *)ss, len) != 0)
		goto fail;
	if (type == SOCK_STREAM && listen(fd, SOMAXCONN) != 0)
		goto fail;
	return fd;
fail:;
	int err = errno;
	close(fd);
	return -err;
}

int net_announce(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char name[CM_ADDRLEN];

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return -errno;
	cm_format_addr((struct sockaddr *)&ss, name, sizeof(name));
	printf("listening on %s\n", name);
	fflush(stdout);
	return 0;
}

int net_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

void net_log(const char *prog, const char *fmt, ...)
{
	char line[640];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", prog, line);
}

static void on_signal(int sig)
{
	int saved = errno;
	char b = (char)sig;

	if (sig == SIGCHLD)
		net_child = 1;
	else
		net_stop = 1;
	if (wake_pipe[1] >= 0 && write(wake_pipe[1], &b, 1) < 0) {
		/* pipe full: a wake-up is already pending */
	}
	errno = saved;
}

int net_signals_init(bool want_chld)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (wake_pipe[0] < 0 && pipe2(wake_pipe, O_NONBLOCK | O_CLOEXEC) != 0)
		return -errno;
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: blocking calls return EINTR */
	if (sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGINT, &sa, NULL) != 0)
		return -errno;
	if (want_chld && sigaction(SIGCHLD, &sa, NULL) != 0)
		return -errno;
	return 0;
}

int net_wake_fd(void)
{
	return wake_pipe[0];
}

void net_wake_drain(void)
{
	char buf[64];

	while (wake_pipe[0] >= 0 && read(wake_pipe[0], buf, sizeof(buf)) > 0)
		;
}

void net_signals_child(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	for (int i = 0; i < 2; i++) {
		if (wake_pipe[i] >= 0)
			close(wake_pipe[i]);
		wake_pipe[i] = -1;
	}
	if (spare_fd >= 0)
		close(spare_fd);
	spare_fd = -1;
}

int net_accept(int lfd, bool nonblock)
{
	int flags = SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0);
	int fd, err;

	if (spare_fd < 0)
		spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	fd = accept4(lfd, NULL, NULL, flags);
	if (fd >= 0)
		return fd;
	err = errno;
	if (err == EWOULDBLOCK)
		return -EAGAIN;
	if (err != EMFILE && err != ENFILE)
		return -err;
	if (spare_fd < 0)
		return -ENOSPC;
	/* Out of descriptors: free the spare, take the connection and drop
	 * it so it stops making the listener readable, then re-arm. */
	close(spare_fd);
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		close(fd);
	spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return -err;
}

enum net_accept_next net_accept_next(int rc)
{
	switch (rc) {
	case -EAGAIN:
		return NET_ACCEPT_STOP;
	case -EINTR:
	case -ECONNABORTED:
	case -EPROTO:
		return NET_ACCEPT_RETRY;
	case -EMFILE:
	case -ENFILE:
		return NET_ACCEPT_DROPPED;
	case -ENOSPC:
	case -ENOBUFS:
	case -ENOMEM:
		return NET_ACCEPT_BACKOFF;
	default:
		return NET_ACCEPT_FATAL;
	}
}
