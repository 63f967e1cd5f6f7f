/* Run a tool with piped stdin/stdout/stderr (run_util.h). */
#include "run_util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *run_tool_path(const char *name)
{
	static char paths[8][4096];
	static unsigned next;
	char *path = paths[next++ % 8];
	const char *bin = getenv("FRAGLAB_BIN");

	snprintf(path, sizeof(paths[0]), "%s/%s", bin ? bin : ".", name);
	return path;
}

struct sink {
	char *p;
	size_t len, cap;
};

/* Read what fd has; returns false at EOF or error. */
static int drain(int fd, struct sink *s)
{
	if (s->cap - s->len < 65536 + 1) {
		s->cap = s->cap * 2 + 65536 + 1;
		s->p = realloc(s->p, s->cap);
	}
	ssize_t n = read(fd, s->p + s->len, s->cap - s->len - 1);
	if (n < 0 && errno == EINTR)
		return 1;
	if (n <= 0)
		return 0;
	s->len += (size_t)n;
	return 1;
}

static void child(char *const argv[], int in, int out, int err)
{
	dup2(in, 0);
	dup2(out, 1);
	dup2(err, 2);
	signal(SIGPIPE, SIG_DFL);
	execv(argv[0], argv);
	_exit(127);
}

static void pump(int in, int out, int err, const char *src, size_t len,
		 struct sink *so, struct sink *se)
{
	size_t off = 0;
	struct pollfd p[3] = {
	    {in, POLLOUT, 0}, {out, POLLIN, 0}, {err, POLLIN, 0}};

	if (len == 0) {
		close(in);
		p[0].fd = -1;
	}
	while (p[1].fd >= 0 || p[2].fd >= 0) {
		if (poll(p, 3, -1) < 0)
			continue;
		if (p[0].fd >= 0 && p[0].revents) {
			ssize_t n = write(in, src + off, len - off);
			if (n > 0)
				off += (size_t)n;
			if ((n < 0 && errno != EINTR && errno != EAGAIN) ||
			    off == len) {
				close(in);
				p[0].fd = -1;
			}
		}
		if (p[1].fd >= 0 && p[1].revents && !drain(out, so))
			p[1].fd = -1;
		if (p[2].fd >= 0 && p[2].revents && !drain(err, se))
			p[2].fd = -1;
	}
	if (p[0].fd >= 0)
		close(in);
}

int run_prog(char *const argv[], const void *in, size_t in_len,
	     struct run_result *r)
{
	int pi[2], po[2], pe[2], st;
	struct sink so = {0}, se = {0};

	memset(r, 0, sizeof(*r));
	if (pipe2(pi, O_CLOEXEC) || pipe2(po, O_CLOEXEC) ||
	    pipe2(pe, O_CLOEXEC))
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		child(argv, pi[0], po[1], pe[1]);
	close(pi[0]);
	close(po[1]);
	close(pe[1]);
	signal(SIGPIPE, SIG_IGN);
	fcntl(pi[1], F_SETFL, O_NONBLOCK);
	pump(pi[1], po[0], pe[0], in, in_len, &so, &se);
	close(po[0]);
	close(pe[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	drain(-1, &so); /* make sure both buffers exist */
	drain(-1, &se);
	so.p[so.len] = '\0';
	se.p[se.len] = '\0';
	r->out = so.p;
	r->out_len = so.len;
	r->err = se.p;
	r->err_len = se.len;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

void run_free(struct run_result *r)
{
	free(r->out);
	free(r->err);
}
