/* naive model: WRONG ON PURPOSE. It takes one recv() as one whole message,
 * sends back exactly what that recv() returned (decoding nothing), then
 * closes: the classic bug that fragmentation and coalescing expose. */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "echo_srv.h"

/* The bug, isolated: "one recv() is one message". */
static void serve(void *arg, int fd)
{
	static char buf[NET_RBUF];
	struct pollfd p[2] = {{.fd = fd, .events = POLLIN},
			      {.fd = net_wake_fd(), .events = POLLIN}};

	(void)arg;
	while (poll(p, 2, -1) < 0 && errno == EINTR && !net_stop)
		;
	if (!net_stop && !p[1].revents) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n >
		    0) /* one send(), as naive code does; SIGTERM interrupts */
			send(fd, buf, (size_t)n, MSG_NOSIGNAL);
	}
	close(fd);
}

int echo_model_naive(const struct echo_srv *s)
{
	return net_accept_loop(s->prog, s->lfd, serve, NULL, NULL);
}
