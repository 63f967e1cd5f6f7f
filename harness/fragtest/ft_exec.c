/* The shared machinery of fragtest capture, diff and client: the cut
 * policy set, options both commands take, bringing the server and proxy up
 * for a run, running a command to completion, masks and report cells. */
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
#include "cm_opt.h"
#include "ft_diff.h"

#define FT_DEF_RANDOM "random:1-16"
#define FT_DEF_MSS "fixed:1448"
#define FT_DEF_COALESCE "coalesce:1024,ms=10"

static bool ft_seeded(const char *s)
{
	return s && strstr(s, "random") != NULL;
}

static int ft_pol_add(struct ft_policy **v, size_t *n, size_t *cap,
		      const char *up, const char *down, uint64_t seed)
{
	struct ft_policy *p = cm_grow(*v, cap, *n + 1, sizeof(**v));

	if (!p)
		return -1;
	*v = p;
	p = &p[(*n)++];
	memset(p, 0, sizeof(*p));
	snprintf(p->up, sizeof(p->up), "%s", up ? up : "whole");
	snprintf(p->down, sizeof(p->down), "%s", down ? down : "whole");
	p->seed = seed;
	if (up && down && !strcmp(up, down))
		snprintf(p->name, sizeof(p->name), "split=%s seed %llu", up,
			 (unsigned long long)seed);
	else if (up && down)
		snprintf(p->name, sizeof(p->name), "up=%s down=%s seed %llu",
			 up, down, (unsigned long long)seed);
	else
		snprintf(p->name, sizeof(p->name), "%s=%s seed %llu",
			 up ? "up" : "down", up ? up : down,
			 (unsigned long long)seed);
	return 0;
}

/* One schedule pair over the seeds it depends on. */
static int ft_pol_seeds(const struct ft_dopts *o, struct ft_policy **v,
			size_t *n, size_t *cap, const char *up,
			const char *down)
{
	uint64_t first = o->seed ? o->seed : 1;
	uint64_t last = o->seed ? o->seed : o->seeds;

	if (!ft_seeded(up) && !ft_seeded(down))
		last = first;
	for (uint64_t s = first; s <= last; s++)
		if (ft_pol_add(v, n, cap, up, down, s) < 0)
			return -1;
	return 0;
}

int ft_policies(const struct ft_dopts *o, struct ft_policy **out)
{
	static const char *const set[] = {"bytes", FT_DEF_RANDOM,
					  FT_DEF_COALESCE, FT_DEF_MSS};
	struct ft_policy *v = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (o->split)
		rc = ft_pol_seeds(o, &v, &n, &cap, o->split, o->split);
	else if (o->up || o->down)
		rc = ft_pol_seeds(o, &v, &n, &cap, o->up, o->down);
	else
		for (size_t i = 0; i < 4 && rc == 0; i++)
			for (int d = 0; d < 2 && rc == 0; d++)
				rc = ft_pol_seeds(o, &v, &n, &cap,
						  d ? NULL : set[i],
						  d ? set[i] : NULL);
	if (rc < 0) {
		free(v);
		return -1;
	}
	*out = v;
	return (int)n;
}

static int ft_dbad(const char *err)
{
	ft_usage_err("%s", err);
	return -1;
}

static int ft_spec(const char *flag, const char *text, struct fr_spec *spec)
{
	char err[256];

	if (fr_spec_parse(spec, text, err, sizeof(err)) == FR_OK)
		return 0;
	ft_usage_err("bad %s '%s': %s", flag, text, err);
	return -1;
}

static int ft_mask_add(struct ft_dopts *o, const char *ere)
{
	char err[256];
	int rc;

	if (o->nmask == FT_MAX_MASKS) {
		ft_usage_err("too many --mask (at most %d)", FT_MAX_MASKS);
		return -1;
	}
	rc = regcomp(&o->re[o->nmask], ere, REG_EXTENDED);
	if (rc != 0) {
		regerror(rc, &o->re[o->nmask], err, sizeof(err));
		regfree(&o->re[o->nmask]);
		ft_usage_err("bad --mask '%s': %s", ere, err);
		return -1;
	}
	o->masks[o->nmask++] = ere;
	return 0;
}

int ft_dopt(struct ft_dopts *o, int opt, const char *arg)
{
	char err[256];
	int rc = 0;

	switch (opt) {
	case 's':
		o->server_cmd = arg;
		return 0;
	case 't':
		o->target = arg;
		return 0;
	case FT_OPT_SPLIT:
		o->split = arg;
		return ft_check_sched("--split", arg);
	case FT_OPT_UP:
		o->up = arg;
		return ft_check_sched("--up", arg);
	case FT_OPT_DOWN:
		o->down = arg;
		return ft_check_sched("--down", arg);
	case FT_OPT_PROXY_BIN:
		o->proxy_bin = arg;
		return 0;
	case FT_OPT_SEED:
		rc = cm_opt_uint("--seed", arg, 1, UINT64_MAX, &o->seed, err,
				 sizeof(err));
		break;
	case FT_OPT_SEEDS:
		rc = cm_opt_uint("--seeds", arg, 1, 100000, &o->seeds, err,
				 sizeof(err));
		break;
	case FT_OPT_TIMEOUT:
		rc = cm_opt_ms("--timeout", arg, 1000, 1, 3600000,
			       &o->timeout_ms, err, sizeof(err));
		break;
	case FT_OPT_START_TIMEOUT:
		rc = cm_opt_ms("--start-timeout", arg, 1000, 1, 3600000,
			       &o->start_timeout_ms, err, sizeof(err));
		break;
	case FT_OPT_QUIET_MS:
		rc = cm_opt_ms("--quiet", arg, 1, 1, 600000, &o->quiet_ms, err,
			       sizeof(err));
		break;
	case FT_OPT_RESET_CMD:
		o->reset_cmd = arg;
		return 0;
	case FT_OPT_NO_FRESH:
		o->no_fresh = true;
		return 0;
	case FT_OPT_MASK:
		return ft_mask_add(o, arg);
	case FT_OPT_HALF_CLOSE:
		o->half_close = true;
		return 0;
	case FT_OPT_JSON:
		o->out.json = arg;
		return 0;
	case FT_OPT_JUNIT:
		o->out.junit = arg;
		return 0;
	case FT_OPT_HTML:
		o->out.html = arg;
		return 0;
	case 'v':
		o->verbose++;
		return 0;
	default:
		return 1;
	}
	return rc < 0 ? ft_dbad(err) : 0;
}

int ft_dopts_check(struct ft_dopts *o)
{
	if (!o->server_cmd == !o->target) {
		ft_usage_err("%s needs exactly one of --server-cmd CMD and "
			     "--target HOST:PORT",
			     o->cmd);
		return -1;
	}
	if (o->split && (o->up || o->down)) {
		ft_usage_err("--split and --up/--down exclude each other");
		return -1;
	}
	if (o->no_fresh && o->reset_cmd) {
		ft_usage_err("--no-fresh and --reset-cmd exclude each other");
		return -1;
	}
	if (o->target && (o->no_fresh)) {
		ft_usage_err("--no-fresh is for --server-cmd (a --target is "
			     "never restarted)");
		return -1;
	}
	if (o->target) {
		char h[CM_HOSTLEN], p[CM_PORTLEN], err[128];

		if (cm_split_hostport(o->target, h, p, err, sizeof(err)) < 0) {
			ft_usage_err("bad --target '%s': %s", o->target, err);
			return -1;
		}
	}
	if (o->up_framing &&
	    ft_spec("--up-framing", o->up_framing, &o->up_spec) < 0)
		return -1;
	if (o->down_framing &&
	    ft_spec("--down-framing", o->down_framing, &o->down_spec) < 0)
		return -1;
	return 0;
}

void ft_dopts_free(struct ft_dopts *o)
{
	for (unsigned i = 0; i < o->nmask; i++)
		regfree(&o->re[i]);
	o->nmask = 0;
	free(o->requests);
	o->requests = NULL;
}

/* cmd with {port} and {host} replaced. */
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
	char why[FT_MSGLEN - 64];

	if (ft_child_start(&e->srv, "server", o->server_cmd,
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

int ft_mask(const struct ft_dopts *o, const uint8_t *data, size_t len,
	    struct cm_buf *out)
{
	static const char mark[] = "<masked>";
	size_t pos = 0;

	cm_buf_clear(out);
	while (pos < len) {
		regmatch_t best = {.rm_so = -1};

		for (unsigned i = 0; i < o->nmask; i++) {
			regmatch_t m = {.rm_so = 0,
					.rm_eo = (regoff_t)(len - pos)};

			if (regexec(&o->re[i], (const char *)data + pos, 1, &m,
				    REG_STARTEND) == 0 &&
			    m.rm_eo > m.rm_so &&
			    (best.rm_so < 0 || m.rm_so < best.rm_so))
				best = m;
		}
		if (best.rm_so < 0)
			break;
		if (cm_buf_append(out, data + pos, (size_t)best.rm_so) < 0 ||
		    cm_buf_append(out, mark, sizeof(mark) - 1) < 0)
			return -ENOMEM;
		pos += (size_t)best.rm_eo;
	}
	return cm_buf_append(out, data + pos, len - pos);
}

void ft_context(const uint8_t *data, size_t len, size_t from, size_t n,
		char *buf, size_t buflen)
{
	size_t o = 0, end = from + n < len ? from + n : len;

	buf[0] = '\0';
	if (from >= len) {
		snprintf(buf, buflen, "(end of stream)");
		return;
	}
	for (size_t i = from; i < end && o < buflen; i++)
		o += (size_t)snprintf(buf + o, buflen - o, "%02x ", data[i]);
	if (o < buflen)
		o += (size_t)snprintf(buf + o, buflen - o, " \"");
	for (size_t i = from; i < end && o < buflen; i++) {
		unsigned char ch = data[i];

		if (ch == '\r' || ch == '\n' || ch == '\t' || ch == '\\')
			o += (size_t)snprintf(buf + o, buflen - o, "\\%c",
					      ch == '\r'   ? 'r'
					      : ch == '\n' ? 'n'
					      : ch == '\t' ? 't'
							   : '\\');
		else if (ch < 0x20 || ch >= 0x7f)
			o += (size_t)snprintf(buf + o, buflen - o, ".");
		else
			o += (size_t)snprintf(buf + o, buflen - o, "%c", ch);
	}
	if (o < buflen)
		snprintf(buf + o, buflen - o, "\"%s", end < len ? "..." : "");
}

void ft_dcell(struct ft_cell *cell, const struct ft_dopts *o,
	      const struct ft_policy *p, unsigned nconn)
{
	memset(cell, 0, sizeof(*cell));
	cell->server = o->server_cmd ? o->server_cmd : o->target;
	cell->framing = o->down_framing ? o->down_framing
			: o->client_cmd ? o->client_cmd
					: "bytes";
	cell->policy = p->name;
	ft_opts_defaults(&cell->opts);
	cell->opts.seed = p->seed;
	cell->opts.label = p->name;
	cell->res.n = nconn;
	cell->res.v = calloc(nconn ? nconn : 1, sizeof(*cell->res.v));
	if (!cell->res.v)
		abort();
	for (unsigned i = 0; i < nconn; i++)
		cell->res.v[i].conn = i;
	ft_dreproduce(o, p, cell->res.reproduce, sizeof(cell->res.reproduce));
	cell->ran = true;
}
