/* naive model: WRONG ON PURPOSE. It takes one recv() as one whole message,
 * sends back exactly what that recv() returned (decoding nothing), then
 * closes: the classic bug that fragmentation and coalescing expose. */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "framing/io.h"
#include "net.h"
#include "srv.h"

/* The bug, isolated: "one recv() is one message". */
static void naive_serve(const struct srv *s, int fd, char *buf, size_t cap)
{
	struct pollfd p[2] = {{.fd = fd, .events = POLLIN},
			      {.fd = net_wake_fd(), .events = POLLIN}};

	while (poll(p, 2, -1) < 0 && errno == EINTR && !net_stop)
		;
	if (net_stop || p[1].revents)
		return;
	ssize_t n = recv(fd, buf, cap, MSG_DONTWAIT);
	if (n > 0)
		fr_send_all(fd, buf, (size_t)n, 5000, NULL);
	(void)s;
}

int model_naive(const struct srv *s)
{
	static char buf[SRV_RBUF];

	while (!net_stop) {
		int fd = srv_accept_wait(s, net_wake_fd());
		if (fd == -EINTR)
			continue;
		if (fd < 0)
			return fd;
		naive_serve(s, fd, buf, sizeof(buf));
		close(fd);
	}
	return 0;
}
