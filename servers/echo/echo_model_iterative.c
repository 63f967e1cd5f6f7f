/* iterative model: one connection at a time, served to its end before the
 * next accept(). The lecture's first server, done right: every frame is
 * decoded and echoed whatever the split, and SIGTERM ends it promptly. */
#include <unistd.h>

#include "echo_srv.h"

static void serve(void *arg, int fd)
{
	echo_serve_blocking(arg, fd, net_wake_fd());
	close(fd);
}

int echo_model_iterative(const struct echo_srv *s)
{
	return net_accept_loop(s->prog, s->lfd, serve, NULL, (void *)s);
}
