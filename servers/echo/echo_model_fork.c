/* fork model: a child process per connection. SIGCHLD wakes the accept
 * loop, which reaps with waitpid(WNOHANG) so no zombie stays; on SIGTERM
 * the children still running are terminated and waited for. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cm_buf.h"
#include "echo_srv.h"

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
	pid_t *p = cm_grow(k->pid, &k->cap, k->n + 1, sizeof(*p));

	if (p == NULL)
		return -ENOMEM;
	k->pid = p;
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
	echo_serve_blocking(s, fd, -1);
	close(fd);
	_exit(0);
}

static void serve(void *arg, int fd)
{
	struct forker *f = arg;

	if ((f->s->max_conns && f->k.n >= f->s->max_conns) || room(&f->k)) {
		net_log(f->s->prog, "connection limit reached; dropping one");
		close(fd);
		return;
	}
	pid_t pid = fork();
	if (pid == 0)
		child(f->s, fd);
	close(fd);
	if (pid < 0)
		net_log(f->s->prog, "fork: %s", strerror(errno));
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
	int rc = net_accept_loop(s->prog, s->lfd, serve, tick, &f);

	terminate_all(&f.k);
	return rc;
}
