/* Connection layer of the select/poll/epoll models (mux.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "echo_mux.h"

#define ECHO_MUX_ACCEPT_BATCH                                                  \
	64			/* accepts per wake-up: keep serving the rest */
#define ECHO_MUX_BACKOFF_MS 100 /* listener pause when out of descriptors */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int echo_mux_init(struct echo_mux *m, const struct echo_srv *s, int fd_limit)
{
	memset(m, 0, sizeof(*m));
	m->s = s;
	m->fd_limit = fd_limit;
	m->rbuf = malloc(ECHO_RBUF);
	return m->rbuf ? 0 : -ENOMEM;
}

static void conn_close(struct echo_mux *m, struct echo_mux_conn *c)
{
	m->by_fd[c->io.fd] = NULL;
	m->n--;
	close(c->io.fd);
	echo_srv_conn_free(&c->io);
	free(c);
}

void echo_mux_free(struct echo_mux *m)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->by_fd[i])
			conn_close(m, m->by_fd[i]);
	free(m->by_fd);
	free(m->rbuf);
	m->by_fd = NULL;
	m->rbuf = NULL;
}

static int grow(struct echo_mux *m, int fd)
{
	size_t cap = m->cap ? m->cap : 64;

	while (cap <= (size_t)fd)
		cap *= 2;
	if (cap == m->cap)
		return 0;
	struct echo_mux_conn **t = realloc(m->by_fd, cap * sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	memset(t + m->cap, 0, (cap - m->cap) * sizeof(*t));
	m->by_fd = t;
	m->cap = cap;
	return 0;
}

static void open_conn(struct echo_mux *m, int fd)
{
	struct echo_mux_conn *c = NULL;

	if (m->fd_limit > 0 && fd >= m->fd_limit) {
		echo_log(m->s, "fd %d over this model's limit; dropping", fd);
		goto fail;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL || grow(m, fd) != 0 ||
	    echo_srv_conn_init(m->s, &c->io, fd) != FR_OK) {
		echo_log(m->s, "out of memory; dropping a connection");
		goto fail;
	}
	m->by_fd[fd] = c;
	m->n++;
	if (m->on_open == NULL || m->on_open(m, c))
		return;
	conn_close(m, c);
	return;
fail:
	if (c)
		echo_srv_conn_free(&c->io);
	free(c);
	close(fd);
}

int echo_mux_accept(struct echo_mux *m)
{
	for (int i = 0; i < ECHO_MUX_ACCEPT_BATCH && echo_mux_listen_ok(m);
	     i++) {
		int fd = net_accept(m->s->lfd, true);
		if (fd >= 0) {
			m->emfile_logged = false;
			open_conn(m, fd);
			continue;
		}
		enum net_accept_next next = net_accept_next(fd);
		if (next == NET_ACCEPT_STOP)
			return 0;
		if (next == NET_ACCEPT_FATAL)
			return fd;
		if (next == NET_ACCEPT_RETRY)
			continue;
		if (!m->emfile_logged)
			echo_log(m->s,
				 "accept: out of descriptors or memory "
				 "(%s); dropping new connections",
				 fr_strerror(fd == -ENOSPC ? -EMFILE : fd));
		m->emfile_logged = true;
		if (next == NET_ACCEPT_BACKOFF) {
			m->backoff_until = now_ms() + ECHO_MUX_BACKOFF_MS;
			return 0;
		}
	}
	return 0;
}

bool echo_mux_listen_ok(const struct echo_mux *m)
{
	if (m->s->max_conns && m->n >= m->s->max_conns)
		return false;
	return m->backoff_until == 0 || now_ms() >= m->backoff_until;
}

int echo_mux_timeout(const struct echo_mux *m)
{
	if (m->backoff_until == 0)
		return -1;
	int64_t left = m->backoff_until - now_ms();
	return left > 0 ? (int)left + 1 : 0;
}

bool echo_mux_want_read(const struct echo_mux_conn *c)
{
	return echo_srv_conn_want_read(&c->io);
}

bool echo_mux_want_write(const struct echo_mux_conn *c)
{
	return echo_srv_conn_want_write(&c->io);
}

bool echo_mux_service(struct echo_mux *m, struct echo_mux_conn *c,
		      bool readable, bool writable)
{
	if (writable && !c->io.dead)
		echo_srv_conn_send(&c->io);
	if (readable && echo_mux_want_read(c))
		echo_srv_conn_recv(m->s, &c->io, m->rbuf);
	if (c->io.dead || (c->io.eof && !echo_mux_want_write(c))) {
		conn_close(m, c);
		return false;
	}
	return true;
}
