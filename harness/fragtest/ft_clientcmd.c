/* fragtest client: runs a real client against a server directly twice
 * (baseline, which must agree with itself), then through fragproxy under
 * each cut policy; a run fails when the client's exit status or its
 * stdout (after --mask) differs from the baseline. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cm_clock.h"
#include "ft_diff.h"

#define FT_DIFF_LINES 6

static const char *const ft_client_usage[] = {
    "usage: fragtest client (--server-cmd CMD | --target HOST:PORT)\n"
    "                       --client-cmd 'CLIENT ... {port}' [options]\n"
    "\n"
    "Runs the client ({host} {port}: where to connect) directly twice (the\n"
    "baseline; the two must agree), then through fragproxy under each cut\n"
    "policy. A run fails when the client's exit status or stdout (after\n"
    "--mask) differs from the baseline; the difference is shown. Exit 0:\n"
    "no difference; 1: a policy changed the client's result; 2: bad usage,\n"
    "the baseline could not run, failed, or is not deterministic; 130:\n"
    "stopped by SIGINT, SIGTERM or SIGHUP.\n"
    "\n",
    ft_dhelp_server,
    "  -C, --client-cmd CMD   the client, run with /bin/sh in its own\n"
    "                         process group\n"
    "      --shim OPTS        run the server and the client under\n"
    "                         libfragshim with these options (fragshim\n"
    "                         next to fragtest), the baseline too; --seed\n"
    "                         S (default: --seed, else 1) is added when\n"
    "                         OPTS has none\n",
    ft_dhelp_fresh,
    "      --mask ERE         blank what ERE matches in stdout; repeatable\n"
    "      --timeout T        the client's time limit (default 10s)\n",
    ft_dhelp_policies,
    "\n"
    "Default policies as for 'fragtest diff' (bytes, random:1-16 per seed,\n"
    "coalesce:1024,ms=10, fixed:1448; each up and down). Every failure\n"
    "prints a 'reproduce:' line.\n",
    NULL,
};

static const struct option ft_client_longopts[] = {
    FT_DOPT_SERVER_LONGOPTS,
    FT_DOPT_POLICY_LONGOPTS,
    {"client-cmd", required_argument, NULL, 'C'},
    {NULL, 0, NULL, 0},
};

struct ft_crun {
	struct cm_buf out;   /* stdout, masked */
	int status;	     /* exit status, 128+signal, -1 timeout */
	char err[FT_MSGLEN]; /* tail of stderr */
};

static int ft_client_opt(void *ctx, int opt, const char *arg)
{
	struct ft_dopts *o = ctx;

	if (opt != 'C')
		return 1;
	o->client_cmd = arg;
	return 0;
}

static int ft_client_args(struct ft_dopts *o, int argc, char **argv)
{
	int rc = ft_dopts_parse(o, argc, argv, "+:s:t:C:vh", ft_client_longopts,
				ft_client_usage, ft_client_opt, o);

	if (rc != 0)
		return rc;
	if (!o->client_cmd) {
		ft_usage_err("client needs --client-cmd 'CLIENT ... {port}'");
		return -1;
	}
	return 0;
}

/* One run of the client. false (msg) when it could not be done. */
static bool ft_client_once(const struct ft_dopts *o, struct ft_env *e,
			   const struct ft_policy *p, bool first, bool last,
			   struct ft_crun *r, char *msg, size_t msglen)
{
	struct cm_buf raw = {0};
	char why[FT_MSGLEN];
	bool ok = true;

	memset(r, 0, sizeof(*r));
	if (ft_env_up(o, e, p, first, msg, msglen) < 0) {
		ft_env_down(o, e, true);
		return false;
	}
	const char *cmd = o->client_cmd;
	char shimmed[4096];

	if (o->shim) {
		if (ft_shim_cmd(o->shim, cmd, shimmed, sizeof(shimmed), why,
				sizeof(why)) < 0) {
			snprintf(msg, msglen, "--shim: %.400s", why);
			ft_env_down(o, e, true);
			return false;
		}
		cmd = shimmed;
	}
	if (ft_exec(cmd, e->host, e->port, o->timeout_ms, &raw, r->err,
		    sizeof(r->err), &r->status) < 0) {
		snprintf(msg, msglen, "client command: %.400s", r->err);
		ok = false;
	} else if (ft_mask(o, ft_bytes(&raw), cm_buf_len(&raw), &r->out) < 0) {
		snprintf(msg, msglen, "out of memory");
		ok = false;
	}
	if (ok && o->server_cmd && ft_child_dead(&e->srv, why, sizeof(why))) {
		snprintf(msg, msglen, "%.200s during the run", why);
		ok = false;
	}
	cm_buf_free(&raw);
	ft_env_down(o, e, last || !ok);
	return ok;
}

static void ft_status_text(int st, char *buf, size_t len)
{
	if (st < 0)
		snprintf(buf, len, "timed out");
	else if (st > 128)
		snprintf(buf, len, "killed by signal %d", st - 128);
	else
		snprintf(buf, len, "exit status %d", st);
}

/* Line number of the first difference; prints up to FT_DIFF_LINES lines
 * of each side from there. */
static void ft_show_lines(FILE *f, const struct cm_buf *a,
			  const struct cm_buf *b)
{
	const char *ap = (const char *)ft_bytes(a);
	const char *bp = (const char *)ft_bytes(b);
	size_t al = cm_buf_len(a), bl = cm_buf_len(b), i = 0, ls = 0;
	unsigned line = 1;

	while (i < al && i < bl && ap[i] == bp[i]) {
		if (ap[i] == '\n') {
			line++;
			ls = i + 1;
		}
		i++;
	}
	fprintf(f, "  stdout differs from line %u (byte %zu):\n", line, i);
	for (int side = 0; side < 2; side++) {
		const char *p = side ? bp : ap;
		size_t len = side ? bl : al, pos = ls;
		int k;

		for (k = 0; k < FT_DIFF_LINES && pos < len; k++) {
			size_t e = pos;

			while (e < len && p[e] != '\n')
				e++;
			fprintf(f, "  %c %.*s\n", side ? '+' : '-',
				(int)(e - pos > 200 ? 200 : e - pos), p + pos);
			pos = e + 1;
		}
		if (k < FT_DIFF_LINES && pos >= len)
			fprintf(f, "  %c (end of output)\n", side ? '+' : '-');
	}
	fputs("  (- baseline, + this run)\n", f);
}

static bool ft_csame(const struct ft_crun *a, const struct ft_crun *b)
{
	return a->status == b->status &&
	       cm_buf_len(&a->out) == cm_buf_len(&b->out) &&
	       memcmp(ft_bytes(&a->out), ft_bytes(&b->out),
		      cm_buf_len(&a->out)) == 0;
}

/* Why b is not a: one line (msg) and the detail on stderr. */
static void ft_cwhy(const struct ft_crun *a, const struct ft_crun *b, char *msg,
		    size_t len, bool print)
{
	char sa[64], sb[64];

	ft_status_text(a->status, sa, sizeof(sa));
	ft_status_text(b->status, sb, sizeof(sb));
	if (a->status != b->status)
		snprintf(msg, len, "client %s (baseline: %s)%s%.300s", sb, sa,
			 b->err[0] ? "; stderr: " : "", b->err);
	else
		snprintf(msg, len,
			 "client stdout differs (%zu bytes, baseline "
			 "%zu); both %s",
			 cm_buf_len(&b->out), cm_buf_len(&a->out), sa);
	if (print && (cm_buf_len(&a->out) != cm_buf_len(&b->out) ||
		      memcmp(ft_bytes(&a->out), ft_bytes(&b->out),
			     cm_buf_len(&a->out)) != 0))
		ft_show_lines(stderr, &a->out, &b->out);
}

static int ft_client_baseline(const struct ft_dopts *o, struct ft_env *e,
			      struct ft_crun *base)
{
	struct ft_policy direct = {
	    .up = "whole", .down = "whole", .direct = true, .name = "baseline"};
	struct ft_crun again;
	char msg[FT_MSGLEN], st[64];
	int rc = 0;

	if (!ft_client_once(o, e, &direct, true, false, base, msg,
			    sizeof(msg)) ||
	    ft_stop) {
		if (ft_stop)
			return -1; /* interrupted: no verdict */
		ft_err("baseline (direct) failed: %s", msg);
		return -1;
	}
	if (base->status != 0) {
		ft_status_text(base->status, st, sizeof(st));
		ft_err("the client fails even without cuts (%s)%s%s", st,
		       base->err[0] ? ": " : "", base->err);
		return -1;
	}
	if (!ft_client_once(o, e, &direct, false, false, &again, msg,
			    sizeof(msg)) ||
	    ft_stop) {
		if (!ft_stop)
			ft_err("baseline (direct) failed: %s", msg);
		cm_buf_free(&again.out);
		return -1;
	}
	if (!ft_csame(base, &again)) {
		ft_cwhy(base, &again, msg, sizeof(msg), false);
		ft_err("the baseline is not deterministic: two direct runs "
		       "differ: %s; blank the parts that vary (dates, ids) "
		       "with --mask ERE",
		       msg);
		ft_show_lines(stderr, &base->out, &again.out);
		rc = -1;
	}
	cm_buf_free(&again.out);
	return rc;
}

static bool ft_client_policy(const struct ft_dopts *o, struct ft_env *e,
			     const struct ft_crun *base,
			     const struct ft_policy *p, bool last,
			     struct ft_cell *cell)
{
	struct ft_crun r;
	char msg[FT_MSGLEN];
	int64_t t0 = cm_now_ms();
	bool ok;

	ft_dcell(cell, o, p, 1);
	ok = ft_client_once(o, e, p, false, last, &r, msg, sizeof(msg));
	if (!ok) {
		cell->res.setup_err = FT_SETUP_DIED;
		snprintf(cell->res.setup_msg, sizeof(cell->res.setup_msg), "%s",
			 msg);
		ft_err("FAIL %s: %s", p->name, msg);
	} else if (!ft_csame(base, &r)) {
		ft_cwhy(base, &r, msg, sizeof(msg), false);
		cell->res.v[0].status = FT_DIVERGE;
		snprintf(cell->res.v[0].msg, sizeof(cell->res.v[0].msg), "%s",
			 msg);
		ft_err("FAIL %s: %s", p->name, msg);
		ft_cwhy(base, &r, msg, sizeof(msg), true);
		ok = false;
	}
	cell->res.seconds = (double)(cm_now_ms() - t0) / 1000.0;
	if (!ok)
		fprintf(stderr, "reproduce: %s\n", cell->res.reproduce);
	else if (o->verbose)
		printf("pass %s (%.2f s)\n", p->name, cell->res.seconds);
	cm_buf_free(&r.out);
	return ok;
}

int ft_cmd_client(int argc, char **argv)
{
	struct ft_dopts o = {.cmd = "client",
			     .seeds = 10,
			     .quiet_ms = 300,
			     .timeout_ms = 10000,
			     .start_timeout_ms = 10000};
	struct ft_env env;
	struct ft_crun base = {0};
	struct ft_policy *pol = NULL;
	struct ft_cell *cells = NULL;
	int n, rc, failed = 0;
	int64_t t0 = cm_now_ms();

	rc = ft_client_args(&o, argc, argv);
	if (rc != 0 || ft_client_baseline(&o, &env, &base) < 0) {
		cm_buf_free(&base.out);
		ft_dopts_free(&o);
		return ft_stop	? FT_EXIT_INTR
		       : rc > 0 ? FT_EXIT_PASS
				: FT_EXIT_USAGE;
	}
	n = ft_policies(&o, &pol);
	cells = n > 0 ? calloc((size_t)n, sizeof(*cells)) : NULL;
	if (n <= 0 || !cells)
		abort();
	for (int i = 0; i < n && !ft_stop; i++)
		failed += !ft_client_policy(&o, &env, &base, &pol[i],
					    i + 1 == n, &cells[i]);
	if (ft_write_outputs(&o.out, cells, (size_t)n) < 0 && !failed)
		failed = 1;
	if (ft_stop)
		; /* interrupted: main says so with its exit status */
	else if (!failed)
		printf("pass: the client gave the baseline's result under %d "
		       "policies (%.1f s)\n",
		       n, (double)(cm_now_ms() - t0) / 1000.0);
	else
		printf("FAIL: %d of %d policies changed the client's result\n",
		       failed, n);
	for (int i = 0; i < n; i++)
		ft_result_free(&cells[i].res);
	free(cells);
	free(pol);
	cm_buf_free(&base.out);
	ft_dopts_free(&o);
	return failed ? FT_EXIT_FAIL : FT_EXIT_PASS;
}
