/* echo-load's raw loopback baseline: a minimal epoll echo loop in a
 * thread, no framing at all, so the table shows what framing and the
 * server model cost on top of moving the same bytes. */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "echo_load.h"

#define RAW_BUF 16384
#define RAW_FDS 65536

static struct rconn *open_conns[RAW_FDS]; /* by fd, closed on stop */

struct rconn {
	int fd;
	size_t len, pos; /* pending echo in buf */
	char buf[RAW_BUF];
};

static void raw_close(struct rconn *c)
{
	open_conns[c->fd] = NULL;
	close(c->fd);
	free(c);
}

/* Echo what is readable; hold the rest when the peer is slow. */
static void raw_service(int ep, struct rconn *c)
{
	for (;;) {
		if (c->pos < c->len) {
			ssize_t n = send(c->fd, c->buf + c->pos,
					 c->len - c->pos, MSG_NOSIGNAL);
			if (n < 0 && errno == EAGAIN)
				break;
			if (n <= 0) {
				raw_close(c);
				return;
			}
			c->pos += (size_t)n;
			continue;
		}
		ssize_t n = recv(c->fd, c->buf, RAW_BUF, 0);
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			raw_close(c);
			return;
		}
		c->len = (size_t)n;
		c->pos = 0;
	}
	struct epoll_event ev = {.events = c->pos < c->len ? EPOLLOUT : EPOLLIN,
				 .data.ptr = c};
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void raw_accept(int ep, int lfd)
{
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		struct rconn *c = calloc(1, sizeof(*c));
		if (c == NULL || fd >= RAW_FDS) {
			free(c);
			close(fd);
			continue;
		}
		c->fd = fd;
		open_conns[fd] = c;
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	}
}

static void *raw_main(void *arg)
{
	struct el_raw *r = arg;
	struct epoll_event ev[128];
	int ep = epoll_create1(0);
	struct epoll_event a = {.events = EPOLLIN, .data.ptr = &r->lfd};
	struct epoll_event s = {.events = EPOLLIN, .data.ptr = &r->stopfd};

	epoll_ctl(ep, EPOLL_CTL_ADD, r->lfd, &a);
	epoll_ctl(ep, EPOLL_CTL_ADD, r->stopfd, &s);
	for (;;) {
		int n = epoll_wait(ep, ev, 128, -1);
		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr == &r->stopfd)
				goto out;
			if (ev[i].data.ptr == &r->lfd)
				raw_accept(ep, r->lfd);
			else
				raw_service(ep, ev[i].data.ptr);
		}
	}
out:
	for (int fd = 0; fd < RAW_FDS; fd++)
		if (open_conns[fd])
			raw_close(open_conns[fd]);
	close(ep);
	return NULL;
}

int el_raw_start(struct el_raw *r)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);

	r->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	r->stopfd = eventfd(0, 0);
	if (r->lfd < 0 || r->stopfd < 0 ||
	    bind(r->lfd, (struct sockaddr *)&a, len) != 0 ||
	    listen(r->lfd, SOMAXCONN) != 0 ||
	    getsockname(r->lfd, (struct sockaddr *)&a, &len) != 0)
		return -1;
	r->port = ntohs(a.sin_port);
	return pthread_create(&r->thread, NULL, raw_main, r) == 0 ? 0 : -1;
}

void el_raw_stop(struct el_raw *r)
{
	uint64_t one = 1;

	if (write(r->stopfd, &one, sizeof(one)) == sizeof(one))
		pthread_join(r->thread, NULL);
	close(r->lfd);
	close(r->stopfd);
}
