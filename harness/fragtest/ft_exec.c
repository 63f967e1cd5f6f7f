/* Running things for fragtest capture, diff and client: a command to
 * completion in its own process group, the server and proxy of one run,
 * and the reproduce line of a policy. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cm_addr.h"
#include "cm_clock.h"
#include "ft_diff.h"

static int ft_subst(const char *cmd, const char *host, int port, char *buf,
		    size_t len)
{
	size_t o = 0;

	for (const char *p = cmd; *p;) {
		const char *rep = NULL;
		char num[16];

		if (!strncmp(p, "{port}", 6)) {
			snprintf(num, sizeof(num), "%d", port);
			rep = num;
			p += 6;
		} else if (!strncmp(p, "{host}", 6)) {
			rep = host;
			p += 6;
		}
		if (rep)
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0,
					      "%s", rep);
		else if (o + 1 < len)
			buf[o++] = *p++;
		else
			return -1;
		if (o >= len)
			return -1;
	}
	buf[o] = '\0';
	return 0;
}

static void ft_exec_child(const char *cmd, int outfd, int errfd)
{
	int null = open("/dev/null", O_RDWR);
	sigset_t none;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	dup2(null, STDIN_FILENO);
	dup2(outfd >= 0 ? outfd : null, STDOUT_FILENO);
	dup2(errfd, STDERR_FILENO);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/* Keeps the last errlen-1 bytes of stderr, one line. */
static void ft_tail_add(char *tail, size_t len, const char *p, size_t n)
{
	size_t have = strlen(tail);

	if (!len)
		return;
	if (n >= len - 1) {
		p += n - (len - 1);
		n = len - 1;
		have = 0;
	} else if (have + n >= len) {
		size_t drop = have + n - (len - 1);

		memmove(tail, tail + drop, have - drop);
		have -= drop;
	}
	memcpy(tail + have, p, n);
	tail[have + n] = '\0';
	for (char *q = tail; *q; q++)
		if (*q == '\n' || *q == '\r' || *q == '\t')
			*q = ' ';
}

static void ft_kill_group(pid_t pid)
{
	kill(-pid, SIGKILL);
	while (waitpid(-pid, NULL, 0) > 0 || errno == EINTR)
		;
}

int ft_exec(const char *cmd, const char *host, int port, uint64_t timeout_ms,
	    struct cm_buf *out, char *errtail, size_t errlen, int *status)
{
	char buf[8192], line[4096];
	int op[2] = {-1, -1}, ep[2];
	int64_t end = cm_now_ms() + (int64_t)timeout_ms;
	int st = 0;
	pid_t pid;

	errtail[0] = '\0';
	if (ft_subst(cmd, host, port, line, sizeof(line)) < 0) {
		snprintf(errtail, errlen, "command too long");
		return -1;
	}
	if ((out && pipe2(op, O_CLOEXEC) < 0) || pipe2(ep, O_CLOEXEC) < 0) {
		snprintf(errtail, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0)
		ft_exec_child(line, op[1], ep[1]);
	if (op[1] >= 0)
		close(op[1]);
	close(ep[1]);
	if (pid < 0) {
		snprintf(errtail, errlen, "fork: %s", strerror(errno));
		if (op[0] >= 0)
			close(op[0]);
		close(ep[0]);
		return -1;
	}
	setpgid(pid, pid);
	*status = -1;
	for (;;) {
		struct pollfd pf[2] = {{.fd = ep[0], .events = POLLIN},
				       {.fd = op[0], .events = POLLIN}};
		int64_t left = end - cm_now_ms();

		if (pf[0].fd < 0 && pf[1].fd < 0)
			break;
		if (left <= 0 || ft_stop)
			goto timeout;
		if (poll(pf, 2, (int)(left > 100 ? 100 : left)) <= 0)
			continue;
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			n = read(pf[i].fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(pf[i].fd);
				*(i ? &op[0] : &ep[0]) = -1;
			} else if (i == 0) {
				ft_tail_add(errtail, errlen, buf, (size_t)n);
			} else if (cm_buf_append(out, buf, (size_t)n) < 0) {
				goto timeout;
			}
		}
		if (op[0] < 0 && ep[0] < 0)
			break;
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	ft_kill_group(pid); /* whatever it left behind in its group */
	return 0;
timeout:
	ft_kill_group(pid);
	if (op[0] >= 0)
		close(op[0]);
	if (ep[0] >= 0)
		close(ep[0]);
	*status = -1;
	return 0;
}

static int ft_srv_up(const struct ft_dopts *o, struct ft_env *e, char *err,
		     size_t errlen)
{
	char why[FT_MSGLEN - 64], shimmed[4096];
	const char *cmd = o->server_cmd;

	if (o->shim) {
		if (ft_shim_cmd(o->shim, cmd, shimmed, sizeof(shimmed), why,
				sizeof(why)) < 0) {
			snprintf(err, errlen, "--shim: %s", why);
			return -1;
		}
		cmd = shimmed;
	}
	if (ft_child_start(&e->srv, "server", cmd,
			   (double)o->start_timeout_ms / 1000.0, why,
			   sizeof(why)) < 0) {
		snprintf(err, errlen, "server command failed: %s", why);
		return -1;
	}
	e->srv_up = true;
	snprintf(e->srv_host, sizeof(e->srv_host), "%s", e->srv.host);
	e->srv_port = e->srv.port;
	return 0;
}

int ft_env_up(const struct ft_dopts *o, struct ft_env *e,
	      const struct ft_policy *p, bool first, char *err, size_t errlen)
{
	char why[FT_MSGLEN - 64], ps[CM_PORTLEN];
	int st;

	if (first)
		memset(e, 0, sizeof(*e)), e->srv.out_fd = e->px.out_fd = -1;
	if (o->target && first) {
		cm_split_hostport(o->target, e->srv_host, ps, why, sizeof(why));
		e->srv_port = atoi(ps);
	}
	if (o->server_cmd && e->srv_up &&
	    ft_child_dead(&e->srv, why, sizeof(why))) {
		ft_child_stop(&e->srv); /* died in the last run: new one */
		e->srv_up = false;
	}
	if (o->server_cmd && !e->srv_up && ft_srv_up(o, e, err, errlen) < 0)
		return -1;
	if (o->reset_cmd) {
		if (ft_exec(o->reset_cmd, e->srv_host, e->srv_port,
			    o->timeout_ms, NULL, why, sizeof(why), &st) < 0 ||
		    st != 0) {
			snprintf(err, errlen, "--reset-cmd %s: %s",
				 st < 0 ? "timed out" : "failed", why);
			return -1;
		}
	}
	snprintf(e->host, sizeof(e->host), "%s", e->srv_host);
	e->port = e->srv_port;
	if (p->direct)
		return 0;
	struct ft_opts po;

	ft_opts_defaults(&po);
	po.up = p->up;
	po.down = p->down;
	po.seed = p->seed;
	po.proxy_bin = o->proxy_bin;
	po.start_timeout = (double)o->start_timeout_ms / 1000.0;
	if (ft_start_proxy(&po, &e->px, e->srv_host, e->srv_port, why,
			   sizeof(why)) < 0) {
		snprintf(err, errlen, "fragproxy failed: %s", why);
		return -1;
	}
	snprintf(e->host, sizeof(e->host), "%s", e->px.host);
	e->port = e->px.port;
	return 0;
}

void ft_env_down(const struct ft_dopts *o, struct ft_env *e, bool last)
{
	ft_child_stop(&e->px);
	if (last || !(o->no_fresh || o->reset_cmd)) {
		ft_child_stop(&e->srv);
		e->srv_up = false;
	}
}

void ft_dreproduce(const struct ft_dopts *o, const struct ft_policy *p,
		   char *buf, size_t len)
{
	char num[32];

	snprintf(buf, len, "fragtest %s", o->cmd);
	if (o->server_cmd)
		ft_cat_arg(buf, len, "--server-cmd", o->server_cmd);
	else
		ft_cat_arg(buf, len, "--target", o->target);
	if (o->client_cmd)
		ft_cat_arg(buf, len, "--client-cmd", o->client_cmd);
	if (o->shim)
		ft_cat_arg(buf, len, "--shim", o->shim);
	for (unsigned i = 0; i < o->nrequests; i++)
		ft_cat_arg(buf, len, "--requests", o->requests[i]);
	if (o->reset_cmd)
		ft_cat_arg(buf, len, "--reset-cmd", o->reset_cmd);
	if (o->no_fresh)
		strncat(buf, " --no-fresh", len - strlen(buf) - 1);
	if (o->half_close)
		strncat(buf, " --half-close", len - strlen(buf) - 1);
	if (o->up_framing)
		ft_cat_arg(buf, len, "--up-framing", o->up_framing);
	if (o->down_framing)
		ft_cat_arg(buf, len, "--down-framing", o->down_framing);
	for (unsigned i = 0; i < o->nmask; i++)
		ft_cat_arg(buf, len, "--mask", o->masks[i]);
	if (!strcmp(p->up, p->down)) {
		ft_cat_arg(buf, len, "--split", p->up);
	} else {
		ft_cat_arg(buf, len, "--up", p->up);
		ft_cat_arg(buf, len, "--down", p->down);
	}
	snprintf(num, sizeof(num), "%llu", (unsigned long long)p->seed);
	ft_cat_arg(buf, len, "--seed", num);
	if (!o->client_cmd) {
		snprintf(num, sizeof(num), "%llums",
			 (unsigned long long)o->quiet_ms);
		ft_cat_arg(buf, len, "--quiet", num);
	}
	snprintf(num, sizeof(num), "%llums", (unsigned long long)o->timeout_ms);
	ft_cat_arg(buf, len, "--timeout", num);
	if (o->proxy_bin)
		ft_cat_arg(buf, len, "--proxy-bin", o->proxy_bin);
}
