/* Bug class: treats EINTR as fatal while it has a signal handler installed
 * without SA_RESTART (a reload handler on SIGHUP). */
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bug_common.h"

static volatile sig_atomic_t reload;

static void on_hup(int sig)
{
	(void)sig;
	reload = 1;
}

static void handle(int fd)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf)), off = 0;

		if (n <= 0)
			return; /* BUG: EINTR ends the connection */
		while (off < n) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));

			if (w < 0)
				return; /* BUG: here too */
			off += w;
		}
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_hup; /* no SA_RESTART */
	sigaction(SIGHUP, &sa, NULL);
	return bug_serve(argc, argv, handle);
}
