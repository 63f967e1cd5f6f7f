/* Built with -D_FORTIFY_SOURCE=2 -O2 so that read, recv and recvfrom into
 * buffers of known size become __read_chk, __recv_chk, __recvfrom_chk;
 * under fragshim those calls must be cut like the plain ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[64];
	size_t want = argc > 1 ? strtoul(argv[1], NULL, 10) : 30;
	ssize_t r1, r2, r3;
	int sv[2];

	/* No bound check on want: the compiler must not be able to prove the
	 * calls safe, or it calls the plain functions. Callers pass <= 64. */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 ||
	    write(sv[0], "0123456789012345678901234567890123456789", 40) !=
		40 ||
	    shutdown(sv[0], SHUT_WR) != 0) {
		perror("shim_fortify");
		return 1;
	}
	r1 = read(sv[1], buf, want);
	r2 = recv(sv[1], buf, want, 0);
	r3 = recvfrom(sv[1], buf, want, 0, NULL, NULL);
	printf("read=%zd recv=%zd recvfrom=%zd\n", r1, r2, r3);
	return 0;
}
