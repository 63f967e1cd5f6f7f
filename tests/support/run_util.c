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

#include "cm_buf.h"

const char *run_tool_path(const char *name)
{
	static char paths[8][4096];
	static unsigned next;
	char *path = paths[next++ % 8];
	const char *bin = getenv("FRAGLAB_BIN");

	snprintf(path, sizeof(paths[0]), "%s/%s", bin ? bin : ".", name);
	return path;
}

#define RUN_READ 65536

/* Read what fd has (keeping room for a NUL); false at EOF or error. */
static int drain(int fd, struct cm_buf *s)
{
	if (cm_buf_reserve(s, RUN_READ + 1) < 0)
		return 0;
	ssize_t n = read(fd, cm_buf_tail(s), RUN_READ);
	if (n < 0 && errno == EINTR)
		return 1;
	if (n <= 0)
		return 0;
	cm_buf_commit(s, (size_t)n);
	return 1;
}

/* The bytes of s as a malloc'd NUL-terminated string (s is given up). */
static char *take_text(struct cm_buf *s, size_t *len)
{
	*len = cm_buf_len(s);
	s->p[s->tail] = '\0'; /* drain kept the room; nothing consumed */
	return (char *)s->p;
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
		 struct cm_buf *so, struct cm_buf *se)
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
	struct cm_buf so = {0}, se = {0};

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
	if (so.p == NULL || se.p == NULL) {
		cm_buf_free(&so);
		cm_buf_free(&se);
		return -1;
	}
	r->out = take_text(&so, &r->out_len);
	r->err = take_text(&se, &r->err_len);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

void run_free(struct run_result *r)
{
	free(r->out);
	free(r->err);
}
