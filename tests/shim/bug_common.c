/* Skeleton of the buggy echo servers (bug_common.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bug_common.h"

int bug_serve(int argc, char **argv, void (*handle)(int fd))
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int one = 1, l;

	signal(SIGPIPE, SIG_IGN);
	a.sin_port = htons((uint16_t)(argc > 1 ? atoi(argv[1]) : 0));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, 4) ||
	    bind(l, (struct sockaddr *)&a, len) || listen(l, 16) ||
	    getsockname(l, (struct sockaddr *)&a, &len)) {
		perror("bug server");
		return 1;
	}
	printf("listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
	fflush(stdout);
	for (;;) {
		int fd = accept(l, NULL, NULL);

		if (fd < 0)
			continue;
		handle(fd);
		close(fd);
	}
}
