/* thread model: a detached thread per connection. Workers register their
 * socket; on SIGTERM the main thread shuts every socket down, which ends
 * each worker's loop, and waits until the last one has left. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "echo_srv.h"

struct worker {
	int fd;
	struct worker *prev, *next;
	struct pool *pool;
};

struct pool {
	const struct echo_srv *s;
	pthread_mutex_t mu;
	pthread_cond_t idle;
	struct worker *head;
	size_t n;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->pool;

	echo_serve_blocking(p->s, w->fd, -1);
	pthread_mutex_lock(&p->mu);
	if (w->prev)
		w->prev->next = w->next;
	else
		p->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	close(w->fd); /* under the lock: no shutdown() can hit a reused fd */
	if (--p->n == 0)
		pthread_cond_signal(&p->idle);
	pthread_mutex_unlock(&p->mu);
	free(w);
	return NULL;
}

/* Start a worker for fd; signals stay blocked in it so SIGTERM reaches
 * the accept loop. */
static int spawn(struct pool *p, int fd)
{
	struct worker *w = calloc(1, sizeof(*w));
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t t;
	int rc;

	if (w == NULL)
		return ENOMEM;
	w->fd = fd;
	w->pool = p;
	pthread_mutex_lock(&p->mu);
	w->next = p->head;
	if (p->head)
		p->head->prev = w;
	p->head = w;
	p->n++;
	pthread_mutex_unlock(&p->mu);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, work, w);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0)
		return 0;
	pthread_mutex_lock(&p->mu);
	p->head = w->next;
	if (w->next)
		w->next->prev = NULL;
	p->n--;
	pthread_mutex_unlock(&p->mu);
	free(w);
	return rc;
}

static void stop_all(struct pool *p)
{
	pthread_mutex_lock(&p->mu);
	for (struct worker *w = p->head; w; w = w->next)
		shutdown(w->fd, SHUT_RDWR);
	while (p->n > 0)
		pthread_cond_wait(&p->idle, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

static void serve(void *arg, int fd)
{
	struct pool *p = arg;

	pthread_mutex_lock(&p->mu);
	size_t n = p->n;
	pthread_mutex_unlock(&p->mu);
	int err =
	    p->s->max_conns && n >= p->s->max_conns ? EAGAIN : spawn(p, fd);
	if (err != 0) {
		net_log(p->s->prog, "no worker for a connection: %s",
			strerror(err));
		close(fd);
	}
}

int echo_model_thread(const struct echo_srv *s)
{
	struct pool p = {.s = s,
			 .mu = PTHREAD_MUTEX_INITIALIZER,
			 .idle = PTHREAD_COND_INITIALIZER};
	int rc = net_accept_loop(s->prog, s->lfd, serve, NULL, &p);

	stop_all(&p);
	return rc;
}
