/* Helpers for the fragtest suites (see test_fragtest_util.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_fragtest_util.h"

static char ftt_dirs[16][64];
static unsigned ftt_ndirs;

/* Test processes end with exit(): remove the directories they made. */
static void ftt_rm_dirs_one(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static void ftt_rm_dirs(void)
{
	unsigned n = ftt_ndirs < 16 ? ftt_ndirs : 16;

	for (unsigned i = 0; i < n; i++)
		ftt_rm_dirs_one(ftt_dirs[i]);
}

const char *ftt_tmpdir(void)
{
	char *dir;

	if (ftt_ndirs >= 16) /* the oldest is reused: remove it first */
		ftt_rm_dirs_one(ftt_dirs[ftt_ndirs % 16]);
	else if (ftt_ndirs == 0)
		atexit(ftt_rm_dirs);
	dir = ftt_dirs[ftt_ndirs++ % 16];
	snprintf(dir, sizeof(ftt_dirs[0]), "/tmp/fragtest-test-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	return dir;
}

static void slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : 0;

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

static pid_t vspawn(const char *dir, const char *fmt, va_list ap)
{
	char cmd[8192], full[8400];
	pid_t pid;

	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	/* Output left by an earlier command in dir must not be read as this
	 * one's while the shell has yet to truncate it. */
	snprintf(full, sizeof(full), "%s/out", dir);
	unlink(full);
	snprintf(full, sizeof(full), "%s/err", dir);
	unlink(full);
	snprintf(full, sizeof(full), "exec >'%s/out' 2>'%s/err' </dev/null; %s",
		 dir, dir, cmd);
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", full, (char *)NULL);
		_exit(127);
	}
	return pid;
}

pid_t ftt_spawn(const char *dir, const char *fmt, ...)
{
	va_list ap;
	pid_t pid;

	va_start(ap, fmt);
	pid = vspawn(dir, fmt, ap);
	va_end(ap);
	return pid;
}

int ftt_wait(pid_t pid, const char *dir, struct ftt_out *o)
{
	char path[512];
	int st;

	o->status = -1;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st))
		o->status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		o->status = 128 + WTERMSIG(st);
	snprintf(path, sizeof(path), "%s/out", dir);
	slurp(path, o->out, sizeof(o->out));
	snprintf(path, sizeof(path), "%s/err", dir);
	slurp(path, o->err, sizeof(o->err));
	return o->status;
}

int ftt_sh(struct ftt_out *o, const char *fmt, ...)
{
	const char *dir = ftt_tmpdir();
	va_list ap;
	pid_t pid;

	va_start(ap, fmt);
	pid = vspawn(dir, fmt, ap);
	va_end(ap);
	return ftt_wait(pid, dir, o);
}

static int count_lines(const char *path)
{
	char buf[4096];
	int n = 0;

	slurp(path, buf, sizeof(buf));
	for (char *p = buf; *p; p++)
		n += *p == '\n';
	return n;
}

bool ftt_wait_lines(const char *path, int n)
{
	for (int i = 0; i < 3000; i++) { /* 30 s bound on a loaded machine */
		if (count_lines(path) >= n)
			return true;
		usleep(10000);
	}
	return false;
}

bool ftt_pids_gone(const char *path)
{
	char buf[4096], *p = buf;

	slurp(path, buf, sizeof(buf));
	while (*p) {
		pid_t pid = (pid_t)strtol(p, &p, 10);

		if (pid > 0 && !(kill(pid, 0) < 0 && errno == ESRCH)) {
			fprintf(stderr, "pid %d is still alive\n", (int)pid);
			return false;
		}
		while (*p == '\n' || *p == ' ')
			p++;
	}
	return true;
}

const char *ftt_line_after(const char *text, const char *prefix)
{
	static char line[4096];
	const char *p = strstr(text, prefix);
	size_t n;

	if (!p)
		return NULL;
	p += strlen(prefix);
	n = strcspn(p, "\n");
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, p, n);
	line[n] = '\0';
	return line;
}

bool ftt_have(const char *prog)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
	return system(cmd) == 0;
}
