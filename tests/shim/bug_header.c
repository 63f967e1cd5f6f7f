/* Bug class: assumes one read returns a whole header. Echo for len:4be
 * frames that reads the 4-byte length with a single recv() (the body it
 * reads correctly), so a header cut in two is taken for a short length. */
#include <stdint.h>
#include <sys/socket.h>

#include "bug_common.h"

static int full(int fd, uint8_t *p, size_t n, int (*io)(int, uint8_t *, size_t))
{
	while (n > 0) {
		int r = io(fd, p, n);

		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int rd(int fd, uint8_t *p, size_t n)
{
	return (int)recv(fd, p, n, 0);
}

static int wr(int fd, uint8_t *p, size_t n)
{
	return (int)send(fd, p, n, MSG_NOSIGNAL);
}

static void handle(int fd)
{
	uint8_t hdr[4], body[65536];

	for (;;) {
		uint32_t len;

		if (recv(fd, hdr, 4, 0) <= 0) /* BUG: may return 1..3 bytes */
			return;
		len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
		      (uint32_t)hdr[2] << 8 | hdr[3];
		if (len > sizeof(body) || full(fd, body, len, rd) ||
		    full(fd, hdr, 4, wr) || full(fd, body, len, wr))
			return;
	}
}

int main(int argc, char **argv)
{
	return bug_serve(argc, argv, handle);
}
