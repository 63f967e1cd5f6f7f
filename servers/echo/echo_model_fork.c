/* fork model: a child process per connection. SIGCHLD wakes the accept
 * loop, which reaps with waitpid(WNOHANG) so no zombie stays; on SIGTERM
 * the children still running are terminated and waited for. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "echo_srv.h"
#include "net_sock.h"

struct kids {
	pid_t *pid;
	size_t n, cap;
};

static void reap(struct kids *k)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (size_t i = 0; i < k->n; i++) {
			if (k->pid[i] == pid) {
				k->pid[i] = k->pid[--k->n];
				break;
			}
		}
	}
}

/* Room for one more pid, so a forked child is always recorded. */
static int room(struct kids *k)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		pid_t *p = realloc(k->pid, cap * sizeof(*p));
		if (p == NULL)
			return -ENOMEM;
		k->pid = p;
		k->cap = cap;
	}
	return 0;
}

static void terminate_all(struct kids *k)
{
	for (size_t i = 0; i < k->n; i++)
		kill(k->pid[i], SIGTERM);
	for (size_t i = 0; i < k->n; i++)
		while (waitpid(k->pid[i], NULL, 0) < 0 && errno == EINTR)
			;
	free(k->pid);
}

struct forker {
	const struct echo_srv *s;
	struct kids k;
};

static void child(const struct echo_srv *s, int fd)
{
	net_signals_child();
	close(s->lfd);
	echo_srv_serve_conn(s, fd, -1);
	close(fd);
	_exit(0);
}

static void serve(void *arg, int fd)
{
	struct forker *f = arg;

	if ((f->s->max_conns && f->k.n >= f->s->max_conns) || room(&f->k)) {
		echo_log(f->s, "connection limit reached; dropping one");
		close(fd);
		return;
	}
	pid_t pid = fork();
	if (pid == 0)
		child(f->s, fd);
	close(fd);
	if (pid < 0)
		echo_log(f->s, "fork: %s", fr_strerror(-errno));
	else
		f->k.pid[f->k.n++] = pid;
}

/* After each wake-up: collect the children that ended. */
static void tick(void *arg)
{
	struct forker *f = arg;

	if (net_child) {
		net_child = 0;
		reap(&f->k);
	}
}

int echo_model_fork(const struct echo_srv *s)
{
	struct forker f = {.s = s};
	int rc = echo_srv_accept_loop(s, serve, tick, &f);

	terminate_all(&f.k);
	return rc;
}
