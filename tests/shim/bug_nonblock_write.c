/* Bug class: ignores a short write on a non-blocking socket and drops the
 * rest (a poll loop that treats "wrote something" as "wrote it all"). */
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
		ssize_t n;

		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return;
		n = read(fd, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return;
		if (n > 0 && write(fd, buf, (size_t)n) < 0 &&
		    errno != EAGAIN) /* BUG: a short write drops the rest */
			return;
	}
}

int main(int argc, char **argv)
{
	return bug_serve(argc, argv, handle);
}
