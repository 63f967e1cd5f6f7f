/* Bug class: ignores a short send. Echoes what it reads with one send()
 * and never looks at how much it took. */
#include <sys/socket.h>

#include "bug_common.h"

static void handle(int fd)
{
	char buf[4096];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		send(fd, buf, (size_t)n, 0); /* BUG: return value ignored */
}

int main(int argc, char **argv)
{
	return bug_serve(argc, argv, handle);
}
