/* fragproxy --capture DIR: every byte the proxy reads, per connection and
 * direction, in DIR/conn-N.up (client->server) and DIR/conn-N.down, listed
 * in DIR/index ("# fragproxy capture v1", then "N conn-N.up conn-N.down"). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fp_internal.h"

#define FP_CAP_MAGIC "# fragproxy capture v1\n"

struct fp_capconn {
	int fd[2]; /* up, down */
};

static int fp_cap_write(int fd, const void *data, size_t n)
{
	const uint8_t *p = data;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int fp_capture_open(struct fp_proxy *p, char *msg, size_t len)
{
	char path[4096];
	int fd;

	p->cap_index = -1;
	if (!p->cfg.capture)
		return 0;
	if (mkdir(p->cfg.capture, 0777) < 0 && errno != EEXIST) {
		snprintf(msg, len, "--capture %s: %s", p->cfg.capture,
			 strerror(errno));
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/index", p->cfg.capture);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0 || fp_cap_write(fd, FP_CAP_MAGIC, strlen(FP_CAP_MAGIC))) {
		int e = errno;

		snprintf(msg, len, "--capture %s: %s", path, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	p->cap_index = fd;
	return 0;
}

/* Opens the connection's two files and lists them in the index, in accept
 * order. A failure is logged once and the connection goes uncaptured. */
void fp_capture_conn(struct fp_conn *c)
{
	struct fp_proxy *p = c->p;
	struct fp_capconn *cc;
	char path[4096], line[128];
	static const char *names[2] = {"up", "down"};

	if (p->cap_index < 0)
		return;
	cc = calloc(1, sizeof(*cc));
	if (!cc)
		return;
	for (int d = 0; d < 2; d++) {
		snprintf(path, sizeof(path), "%s/conn-%" PRIu64 ".%s",
			 p->cfg.capture, c->id, names[d]);
		cc->fd[d] =
		    open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (cc->fd[d] < 0) {
			fp_log(p, "--capture %s: %s", path, strerror(errno));
			if (d == 1)
				close(cc->fd[0]);
			free(cc);
			return;
		}
	}
	snprintf(line, sizeof(line),
		 "%" PRIu64 " conn-%" PRIu64 ".up conn-%" PRIu64 ".down\n",
		 c->id, c->id, c->id);
	if (fp_cap_write(p->cap_index, line, strlen(line)) < 0)
		fp_log(p, "--capture index: %s", strerror(errno));
	c->cap = cc;
}

void fp_capture_data(struct fp_dirst *d, const uint8_t *data, size_t n)
{
	struct fp_capconn *cc = d->c->cap;

	if (!cc || cc->fd[d->dir] < 0)
		return;
	if (fp_cap_write(cc->fd[d->dir], data, n) < 0) {
		fp_log(d->c->p, "conn %" PRIu64 ": --capture: %s", d->c->id,
		       strerror(errno));
		close(cc->fd[d->dir]);
		cc->fd[d->dir] = -1;
	}
}

void fp_capture_conn_close(struct fp_conn *c)
{
	struct fp_capconn *cc = c->cap;

	if (!cc)
		return;
	for (int d = 0; d < 2; d++)
		if (cc->fd[d] >= 0)
			close(cc->fd[d]);
	free(cc);
	c->cap = NULL;
}

void fp_capture_close(struct fp_proxy *p)
{
	if (p->cap_index >= 0)
		close(p->cap_index);
	p->cap_index = -1;
}
