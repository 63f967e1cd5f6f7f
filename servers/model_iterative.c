/* iterative model: one connection at a time, served to its end before the
 * next accept(). The lecture's first server, done right: every frame is
 * decoded and echoed whatever the split, and SIGTERM ends it promptly. */
#include <errno.h>
#include <unistd.h>

#include "net.h"
#include "srv.h"

int model_iterative(const struct srv *s)
{
	while (!net_stop) {
		int fd = srv_accept_wait(s, net_wake_fd());
		if (fd == -EINTR)
			continue;
		if (fd < 0)
			return fd;
		srv_serve_conn(s, fd, net_wake_fd());
		close(fd);
	}
	return 0;
}
