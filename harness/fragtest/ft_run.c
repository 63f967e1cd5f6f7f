/* One fragtest run: start (or reach) the server, put fragproxy in front of
 * it, drive the clients, stop everything, and build the reproduce line. */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cm_clock.h"
#include "ft.h"

void ft_opts_defaults(struct ft_opts *o)
{
	*o = (struct ft_opts){.seed = 1,
			      .clients = 4,
			      .messages = 200,
			      .size_min = 1,
			      .size_max = 64,
			      .timeout = 10,
			      .start_timeout = 10};
}

int ft_sibling(const char *name, char *buf, size_t len)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return -1;
	self[n] = '\0';
	if ((size_t)snprintf(buf, len, "%s/%s", dirname(self), name) >= len)
		return -1;
	return access(buf, X_OK) == 0 ? 0 : -1;
}

/* Appends ' quoted' (shell single quotes) when it needs quoting. */
void ft_cat_arg(char *buf, size_t len, const char *flag, const char *val)
{
	size_t o = strlen(buf);
	bool plain = val[0] != '\0';

	for (const char *p = val; *p; p++)
		if (!strchr(
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789-_.,:/=+@%",
			*p))
			plain = false;
	o += (size_t)snprintf(buf + o, o < len ? len - o : 0, " %s %s", flag,
			      plain ? "" : "'");
	for (const char *p = val; *p && o < len; p++)
		o += (size_t)snprintf(buf + o, len - o,
				      *p == '\'' ? "'\\''" : "%c", *p);
	if (!plain && o < len)
		snprintf(buf + o, len - o, "'");
}

void ft_reproduce(const struct ft_opts *o, char *buf, size_t len)
{
	char num[64];

	snprintf(buf, len, "fragtest run");
	ft_cat_arg(buf, len, "--framing", o->framing);
	if (o->server_cmd)
		ft_cat_arg(buf, len, "--server-cmd", o->server_cmd);
	else
		ft_cat_arg(buf, len, "--target", o->target);
	if (o->direct)
		strncat(buf, " --direct", len - strlen(buf) - 1);
	if (o->shim)
		ft_cat_arg(buf, len, "--shim", o->shim);
	if (o->half_close)
		strncat(buf, " --half-close", len - strlen(buf) - 1);
	if (o->split)
		ft_cat_arg(buf, len, "--split", o->split);
	if (o->up)
		ft_cat_arg(buf, len, "--up", o->up);
	if (o->down)
		ft_cat_arg(buf, len, "--down", o->down);
	if (o->delay)
		ft_cat_arg(buf, len, "--delay", o->delay);
	if (o->pace)
		ft_cat_arg(buf, len, "--pace", o->pace);
	if (o->proxy_bin)
		ft_cat_arg(buf, len, "--proxy-bin", o->proxy_bin);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)o->seed);
	ft_cat_arg(buf, len, "--seed", num);
	snprintf(num, sizeof(num), "%u", o->clients);
	ft_cat_arg(buf, len, "--clients", num);
	snprintf(num, sizeof(num), "%u", o->messages);
	ft_cat_arg(buf, len, "--messages", num);
	snprintf(num, sizeof(num), "%zu-%zu", o->size_min, o->size_max);
	ft_cat_arg(buf, len, "--size", num);
	snprintf(num, sizeof(num), "%g", o->timeout);
	ft_cat_arg(buf, len, "--timeout", num);
}

static bool ft_timed(const char *policy)
{
	return policy && strstr(policy, "coalesce") && strstr(policy, "ms=");
}

/* Cuts made by time (coalesce ms=, --delay) do not follow from the seed:
 * when the record was kept, the reproduce line replays it instead. */
static void ft_reproduce_replay(const struct ft_opts *o, struct ft_result *r)
{
	struct ft_opts rep = *o;
	char split[FT_HOSTLEN + 16];

	if (!o->record || !o->record_kept ||
	    !(ft_timed(o->split) || ft_timed(o->up) || ft_timed(o->down) ||
	      o->delay))
		return;
	snprintf(split, sizeof(split), "replay:%s", o->record);
	rep.split = split;
	rep.up = rep.down = rep.delay = NULL;
	ft_reproduce(&rep, r->reproduce, sizeof(r->reproduce));
}

int ft_start_proxy(const struct ft_opts *o, struct ft_child *px,
		   const char *host, int port, char *err, size_t errlen)
{
	char bin[4096], up[FT_HOSTLEN + 16], seed[32];
	char *argv[24];
	int n = 0;

	if (o->proxy_bin)
		snprintf(bin, sizeof(bin), "%s", o->proxy_bin);
	else if (ft_sibling("fragproxy", bin, sizeof(bin)) < 0) {
		snprintf(err, errlen,
			 "fragproxy not found next to fragtest "
			 "(build it, or give --proxy-bin PATH or --direct)");
		return -1;
	}
	snprintf(up, sizeof(up), strchr(host, ':') ? "[%s]:%d" : "%s:%d", host,
		 port);
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)o->seed);
	argv[n++] = bin;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--upstream";
	argv[n++] = up;
	argv[n++] = "--seed";
	argv[n++] = seed;
	const struct {
		const char *flag, *val;
	} pass[] = {{"--split", o->split},    {"--up", o->up},
		    {"--down", o->down},      {"--delay", o->delay},
		    {"--pace", o->pace},      {"--record", o->record},
		    {"--capture", o->capture}};
	for (size_t i = 0; i < sizeof(pass) / sizeof(pass[0]); i++) {
		if (!pass[i].val)
			continue;
		argv[n++] = (char *)pass[i].flag;
		argv[n++] = (char *)pass[i].val;
	}
	argv[n] = NULL;
	return ft_child_startv(px, "fragproxy", argv, o->start_timeout, err,
			       errlen);
}

/* A connection that was closed or reset is often the first sign that the
 * server crashed: give a dying process a moment to be seen, and say so. */
static void ft_note_death(struct ft_child *c, struct ft_result *r, int grace_ms)
{
	char why[128];
	bool broken = false;

	for (unsigned i = 0; i < r->n; i++)
		broken = broken || r->v[i].status == FT_ERROR;
	if (!c->pid || !broken)
		return;
	for (int i = 0; i <= grace_ms / 10; i++) {
		if (ft_child_dead(c, why, sizeof(why))) {
			r->setup_err = FT_SETUP_DIED;
			snprintf(r->setup_msg, sizeof(r->setup_msg),
				 "%s during the run", why);
			return;
		}
		usleep(10000);
	}
}

static int ft_run_inner(const struct ft_opts *o, const struct fr_spec *spec,
			struct ft_result *r, struct ft_child *srv,
			struct ft_child *px)
{
	char host[FT_HOSTLEN], err[FT_MSGLEN - 64];
	int port;

	if (o->server_cmd) {
		char shimmed[4096];
		const char *cmd = o->server_cmd;

		if (o->shim) {
			if (ft_shim_cmd(o->shim, cmd, shimmed, sizeof(shimmed),
					err, sizeof(err)) < 0) {
				snprintf(r->setup_msg, sizeof(r->setup_msg),
					 "--shim: %s", err);
				return -1;
			}
			cmd = shimmed;
		}
		if (ft_child_start(srv, "server", cmd, o->start_timeout, err,
				   sizeof(err)) < 0) {
			snprintf(r->setup_msg, sizeof(r->setup_msg),
				 "server command failed: %s", err);
			return -1;
		}
		snprintf(host, sizeof(host), "%s", srv->host);
		port = srv->port;
	} else if (ft_hostport(o->target, host, &port, err, sizeof(err)) < 0) {
		snprintf(r->setup_msg, sizeof(r->setup_msg), "--target: %s",
			 err);
		return -1;
	} else if (!o->direct) {
		/* behind the proxy a dead target would look like resets */
		int fd = ft_connect(host, port, err, sizeof(err));

		if (fd < 0) {
			snprintf(r->setup_msg, sizeof(r->setup_msg),
				 "--target: %s", err);
			return -1;
		}
		close(fd);
	}
	if (!o->direct) {
		if (ft_start_proxy(o, px, host, port, err, sizeof(err)) < 0) {
			snprintf(r->setup_msg, sizeof(r->setup_msg),
				 "fragproxy failed: %s", err);
			return -1;
		}
		snprintf(host, sizeof(host), "%s", px->host);
		port = px->port;
	}
	if (ft_clients(o, spec, host, port, r) < 0)
		return -1;
	ft_note_death(px, r, 0);
	if (!r->setup_err)
		ft_note_death(srv, r, 300);
	return 0;
}

int ft_run(const struct ft_opts *o, struct ft_result *r)
{
	struct ft_child srv = {.out_fd = -1}, px = {.out_fd = -1};
	struct fr_spec spec;
	int64_t t0 = cm_now_ns();

	memset(r, 0, sizeof(*r));
	r->n = o->clients;
	r->v = calloc(o->clients ? o->clients : 1, sizeof(*r->v));
	r->up_ends = calloc(o->clients ? o->clients : 1, sizeof(*r->up_ends));
	if (!r->v || !r->up_ends)
		abort();
	ft_reproduce(o, r->reproduce, sizeof(r->reproduce));
	if (o->record)
		snprintf(r->record, sizeof(r->record), "%s", o->record);
	if (fr_spec_parse(&spec, o->framing, r->setup_msg,
			  sizeof(r->setup_msg)) != FR_OK ||
	    ft_gen_check(&spec, o->size_min, o->size_max, r->setup_msg,
			 sizeof(r->setup_msg)) != FR_OK ||
	    ft_run_inner(o, &spec, r, &srv, &px) < 0)
		r->setup_err = FT_SETUP_ERROR;
	ft_child_stop(&px);
	ft_child_stop(&srv);
	if (ft_stop && !r->setup_err) {
		r->setup_err = FT_SETUP_ERROR;
		snprintf(r->setup_msg, sizeof(r->setup_msg), "interrupted");
	}
	r->seconds = (double)(cm_now_ns() - t0) / 1e9;
	if (!ft_result_ok(r) && !r->setup_err)
		ft_reproduce_replay(o, r);
	return ft_result_ok(r) ? FT_EXIT_PASS : FT_EXIT_FAIL;
}

bool ft_result_ok(const struct ft_result *r)
{
	if (r->setup_err)
		return false;
	for (unsigned i = 0; i < r->n; i++)
		if (r->v[i].status != FT_PASS)
			return false;
	return true;
}

void ft_result_free(struct ft_result *r)
{
	for (unsigned i = 0; r->up_ends && i < r->n; i++)
		free(r->up_ends[i]);
	free(r->up_ends);
	free(r->v);
	r->up_ends = NULL;
	r->v = NULL;
}
