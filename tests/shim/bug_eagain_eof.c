/* Bug class: treats EAGAIN as end of stream. A poll loop on a non-blocking
 * socket that reads once per wake-up and takes -1 (any errno) as "closed";
 * a spurious wake-up ends the connection. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bug_common.h"

static void handle(int fd)
{
	char buf[4096];
	struct pollfd p = {.fd = fd, .events = POLLIN};

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		ssize_t n, off = 0;

		if (poll(&p, 1, -1) < 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			return; /* BUG: EAGAIN is not the end of the stream */
		while (off < n) {
			ssize_t w = send(fd, buf + off, (size_t)(n - off), 0);

			if (w > 0)
				off += w;
			else if (w < 0 && errno == EAGAIN)
				poll(&(struct pollfd){fd, POLLOUT, 0}, 1, -1);
			else if (w < 0 && errno != EINTR)
				return;
		}
	}
}

int main(int argc, char **argv)
{
	return bug_serve(argc, argv, handle);
}
