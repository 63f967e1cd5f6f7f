/* Child processes of fragtest (the server under test, fragproxy): each runs
 * in its own process group, is ready once it prints `listening on
 * HOST:PORT` (or accepts on a {port} we chose), and is always stopped as a
 * group: SIGTERM, then SIGKILL, then reaped. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cm_addr.h"
#include "cm_clock.h"
#include "ft.h"

#define FT_MAX_CHILDREN 64
#define FT_TERM_GRACE_MS 3000 /* SIGTERM to SIGKILL */
#define FT_KILL_WAIT_MS 5000  /* SIGKILL to giving up on the reap */

struct ft_drain {
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int fd;
	bool ready, eof, quit;
	char host[FT_HOSTLEN];
	int port;
};

volatile sig_atomic_t ft_stop;
static pid_t ft_groups[FT_MAX_CHILDREN];

static void ft_on_signal(int sig)
{
	(void)sig;
	ft_stop = 1;
}

void ft_signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ft_on_signal; /* no SA_RESTART: poll() wakes up */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Orphans of a server's group are re-parented to us, so we can reap
	 * every member and know when the group is really gone. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	atexit(ft_cleanup_all);
}

static void ft_track(pid_t pid, bool add)
{
	for (int i = 0; i < FT_MAX_CHILDREN; i++) {
		if (add && ft_groups[i] == 0) {
			ft_groups[i] = pid;
			return;
		}
		if (!add && ft_groups[i] == pid) {
			ft_groups[i] = 0;
			return;
		}
	}
}

static bool ft_group_gone(pid_t pgid)
{
	while (waitpid(-pgid, NULL, WNOHANG) > 0)
		;
	return kill(-pgid, 0) < 0 && errno == ESRCH;
}

static void ft_group_kill(pid_t pgid)
{
	int64_t end;

	kill(-pgid, SIGTERM);
	kill(-pgid, SIGCONT);
	end = cm_now_ms() + FT_TERM_GRACE_MS;
	while (!ft_group_gone(pgid) && cm_now_ms() < end)
		usleep(10000);
	if (ft_group_gone(pgid))
		return;
	kill(-pgid, SIGKILL);
	end = cm_now_ms() + FT_KILL_WAIT_MS;
	while (!ft_group_gone(pgid) && cm_now_ms() < end)
		usleep(10000);
}

void ft_cleanup_all(void)
{
	for (int i = 0; i < FT_MAX_CHILDREN; i++) {
		if (ft_groups[i] > 0)
			ft_group_kill(ft_groups[i]);
		ft_groups[i] = 0;
	}
}

/* A split host and port into host and a port from 1 up (text: for the
 * message). */
static int ft_take_addr(const char *text, const char *h, const char *p,
			char host[FT_HOSTLEN], int *port, char *err,
			size_t errlen)
{
	*port = atoi(p); /* digits only, at most 65535: checked */
	if (*port == 0) {
		snprintf(err, errlen, "'%.100s': port 0 cannot be reached",
			 text);
		return -EINVAL;
	}
	snprintf(host, FT_HOSTLEN, "%s", h);
	return 0;
}

int ft_hostport(const char *text, char host[FT_HOSTLEN], int *port, char *err,
		size_t errlen)
{
	char h[CM_HOSTLEN], p[CM_PORTLEN];
	int rc = cm_split_hostport(text, h, p, err, errlen);

	return rc < 0 ? rc : ft_take_addr(text, h, p, host, port, err, errlen);
}

/* "listening on HOST:PORT" (and maybe more words) -> host, port. */
static bool ft_parse_listening(const char *line, char *host, int *port)
{
	char h[CM_HOSTLEN], p[CM_PORTLEN], err[256];

	if (cm_parse_listening(line, h, p, err, sizeof(err)) < 0 ||
	    ft_take_addr(line, h, p, host, port, err, sizeof(err)) < 0)
		return false;
	if (!strcmp(host, "0.0.0.0") || !strcmp(host, "*"))
		strcpy(host, "127.0.0.1");
	else if (!strcmp(host, "::"))
		strcpy(host, "::1");
	return true;
}

/* Reads the child's stdout so it never blocks on a full pipe; notes the
 * listening line. */
static void *ft_drain_main(void *arg)
{
	struct ft_drain *d = arg;
	char buf[4096], line[1024];
	size_t ll = 0;

	for (;;) {
		struct pollfd p = {.fd = d->fd, .events = POLLIN};
		ssize_t n;

		pthread_mutex_lock(&d->mu);
		if (d->quit) {
			pthread_mutex_unlock(&d->mu);
			break;
		}
		pthread_mutex_unlock(&d->mu);
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(d->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n' && ll + 1 < sizeof(line)) {
				line[ll++] = buf[i];
				continue;
			}
			if (buf[i] != '\n')
				continue;
			line[ll] = '\0';
			ll = 0;
			pthread_mutex_lock(&d->mu);
			if (!d->ready &&
			    ft_parse_listening(line, d->host, &d->port)) {
				d->ready = true;
				pthread_cond_broadcast(&d->cv);
			}
			pthread_mutex_unlock(&d->mu);
		}
	}
	pthread_mutex_lock(&d->mu);
	d->eof = true;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

static int ft_free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd < 0)
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &al) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static bool ft_accepts(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static void ft_exec_child(char *const argv[], int outw, int logfd)
{
	sigset_t none;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	dup2(outw, STDOUT_FILENO);
	dup2(logfd, STDERR_FILENO);
	int devnull = open("/dev/null", O_RDONLY);
	if (devnull >= 0)
		dup2(devnull, STDIN_FILENO);
	execvp(argv[0], argv);
	dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static int ft_spawn(struct ft_child *c, char *const argv[], char *err,
		    size_t errlen)
{
	struct ft_drain *d;
	int pfd[2], logfd;
	sigset_t all, old;

	snprintf(c->log, sizeof(c->log), "/tmp/fragtest-%d-XXXXXX",
		 (int)getpid());
	logfd = mkstemp(c->log);
	if (logfd < 0 || pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "cannot start %s: %s", c->what,
			 strerror(errno));
		if (logfd >= 0) {
			close(logfd);
			unlink(c->log);
		}
		c->log[0] = '\0';
		return -1;
	}
	c->pid = fork();
	if (c->pid == 0)
		ft_exec_child(argv, pfd[1], logfd);
	close(pfd[1]);
	close(logfd);
	if (c->pid < 0) {
		snprintf(err, errlen, "cannot fork %s: %s", c->what,
			 strerror(errno));
		close(pfd[0]);
		c->pid = 0;
		return -1;
	}
	setpgid(c->pid, c->pid); /* both sides, whoever runs first */
	ft_track(c->pid, true);
	c->out_fd = pfd[0];
	d = calloc(1, sizeof(*d));
	if (!d)
		abort();
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	d->fd = c->out_fd;
	/* Signals go to the main thread, whose poll() they interrupt. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_create(&d->tid, NULL, ft_drain_main, d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	c->drain = d;
	return 0;
}

bool ft_child_dead(struct ft_child *c, char *err, size_t errlen)
{
	int st;
	pid_t r;

	if (c->pid <= 0)
		return true;
	r = waitpid(c->pid, &st, WNOHANG);
	if (r != c->pid)
		return false;
	if (WIFEXITED(st))
		snprintf(err, errlen, "%s exited with status %d", c->what,
			 WEXITSTATUS(st));
	else
		snprintf(err, errlen, "%s was killed by signal %d", c->what,
			 WTERMSIG(st));
	return true;
}

static int ft_wait_ready(struct ft_child *c, int port, double timeout,
			 char *err, size_t errlen)
{
	struct ft_drain *d = c->drain;
	int64_t end = cm_now_ms() + (int64_t)(timeout * 1000);
	char why[128];

	for (;;) {
		bool ready;

		pthread_mutex_lock(&d->mu);
		ready = d->ready;
		if (ready) {
			snprintf(c->host, sizeof(c->host), "%s", d->host);
			c->port = d->port;
		}
		pthread_mutex_unlock(&d->mu);
		if (ready)
			return 0;
		if (port > 0 && ft_accepts(port)) {
			snprintf(c->host, sizeof(c->host), "127.0.0.1");
			c->port = port;
			return 0;
		}
		if (ft_child_dead(c, why, sizeof(why))) {
			snprintf(err, errlen, "%s before it was ready", why);
			return -1;
		}
		if (ft_stop) {
			snprintf(err, errlen, "interrupted");
			return -1;
		}
		if (cm_now_ms() > end && port > 0) {
			snprintf(err, errlen,
				 "%s did not accept on port %d "
				 "within %.0f s",
				 c->what, port, timeout);
			return -1;
		}
		if (cm_now_ms() > end) {
			snprintf(err, errlen,
				 "%s printed no 'listening on "
				 "HOST:PORT' line within %.0f s",
				 c->what, timeout);
			return -1;
		}
		usleep(10000);
	}
}

static int ft_start_argv(struct ft_child *c, const char *what,
			 char *const argv[], int port, double timeout,
			 char *err, size_t errlen)
{
	char why[FT_MSGLEN], tail[256];

	memset(c, 0, sizeof(*c));
	c->what = what;
	c->out_fd = -1;
	if (ft_spawn(c, argv, err, errlen) < 0)
		return -1;
	if (ft_wait_ready(c, port, timeout, why, sizeof(why)) == 0)
		return 0;
	ft_child_tail(c, tail, sizeof(tail));
	snprintf(err, errlen, "%s%s%s", why, tail[0] ? ": " : "", tail);
	ft_child_stop(c);
	return -1;
}

int ft_child_startv(struct ft_child *c, const char *what, char *const argv[],
		    double timeout, char *err, size_t errlen)
{
	return ft_start_argv(c, what, argv, 0, timeout, err, errlen);
}

int ft_child_start(struct ft_child *c, const char *what, const char *cmd,
		   double timeout, char *err, size_t errlen)
{
	char buf[4096], num[16];
	const char *p = cmd, *hit;
	size_t o = 0;
	int port = 0;

	while ((hit = strstr(p, "{port}")) != NULL) {
		if (port == 0)
			port = ft_free_port();
		snprintf(num, sizeof(num), "%d", port);
		o += (size_t)snprintf(buf + o,
				      o < sizeof(buf) ? sizeof(buf) - o : 0,
				      "%.*s%s", (int)(hit - p), p, num);
		p = hit + strlen("{port}");
	}
	o += (size_t)snprintf(buf + o, o < sizeof(buf) ? sizeof(buf) - o : 0,
			      "%s", p);
	if (o >= sizeof(buf) || port < 0) {
		snprintf(err, errlen, "%s command too long or no free port",
			 what);
		return -1;
	}
	char *argv[] = {"/bin/sh", "-c", buf, NULL};
	return ft_start_argv(c, what, argv, port, timeout, err, errlen);
}

void ft_child_tail(const struct ft_child *c, char *buf, size_t len)
{
	char tmp[2048];
	ssize_t n;
	int fd;
	char *s, *nl;

	buf[0] = '\0';
	if (!c->log[0])
		return;
	fd = open(c->log, O_RDONLY);
	if (fd < 0)
		return;
	off_t sz = lseek(fd, 0, SEEK_END);
	lseek(fd, sz > (off_t)sizeof(tmp) - 1 ? sz - (off_t)sizeof(tmp) + 1 : 0,
	      SEEK_SET);
	n = read(fd, tmp, sizeof(tmp) - 1);
	close(fd);
	if (n <= 0)
		return;
	tmp[n] = '\0';
	while (n > 0 && (tmp[n - 1] == '\n' || tmp[n - 1] == '\r'))
		tmp[--n] = '\0';
	s = tmp;
	while ((nl = strchr(s, '\n')) != NULL && strlen(nl + 1) > 0 &&
	       strlen(s) > len / 2)
		s = nl + 1;
	for (char *q = s; *q; q++)
		if (*q == '\n' || *q == '\t')
			*q = ' ';
	snprintf(buf, len, "%s", s);
}

void ft_child_stop(struct ft_child *c)
{
	struct ft_drain *d = c->drain;

	if (c->pid > 0) {
		ft_group_kill(c->pid);
		waitpid(c->pid, NULL, WNOHANG);
		ft_track(c->pid, false);
		c->pid = 0;
	}
	if (d) {
		pthread_mutex_lock(&d->mu);
		d->quit = true;
		pthread_mutex_unlock(&d->mu);
		pthread_join(d->tid, NULL);
		pthread_mutex_destroy(&d->mu);
		pthread_cond_destroy(&d->cv);
		free(d);
		c->drain = NULL;
	}
	if (c->out_fd >= 0)
		close(c->out_fd);
	c->out_fd = -1;
	if (c->log[0])
		unlink(c->log);
	c->log[0] = '\0';
}
