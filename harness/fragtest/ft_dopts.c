/* The parts of fragtest diff and client that are not I/O: the cut
 * policy set, the options both commands take, masks, context lines for
 * reports and the report cell of one policy. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_addr.h"
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
	uint64_t first = o->seed ? o->seed : o->seed_first ? o->seed_first : 1;
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

/* --seeds N (1..N) or A-B (A..B: one shard of a longer gate). */
static int ft_seeds(struct ft_dopts *o, const char *arg)
{
	const char *dash = strchr(arg, '-');
	char a[32], err[256];
	uint64_t lo = 1, hi;

	if (dash && (size_t)(dash - arg) < sizeof(a)) {
		memcpy(a, arg, (size_t)(dash - arg));
		a[dash - arg] = '\0';
		if (cm_opt_uint("--seeds", a, 1, 1000000, &lo, err,
				sizeof(err)) < 0)
			return ft_dbad(err);
		arg = dash + 1;
	}
	if (cm_opt_uint("--seeds", arg, lo, lo + 100000, &hi, err,
			sizeof(err)) < 0)
		return ft_dbad(err);
	o->seed_first = lo;
	o->seeds = hi;
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
	case FT_OPT_SHIM:
		o->shim = arg;
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
		return ft_seeds(o, arg);
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

const char ft_dhelp_server[] =
    "  -s, --server-cmd CMD   server to start ({port}: a free port, else it\n"
    "                         prints 'listening on HOST:PORT')\n"
    "  -t, --target HOST:PORT a server that is already running\n";

const char ft_dhelp_fresh[] =
    "      --no-fresh         one server for all runs (default: a fresh\n"
    "                         one for every run)\n"
    "      --reset-cmd CMD    run CMD ({host} {port}: the server) before\n"
    "                         every run instead of restarting the server\n";

const char ft_dhelp_policies[] =
    "      --start-timeout T  for the server and fragproxy (default 10s)\n"
    "      --split P          only policy P, both directions\n"
    "      --up P, --down P   only this pair (the other direction whole)\n"
    "      --seeds N|A-B      seeds 1..N (or A..B) for seeded policies\n"
    "                         (default 10)\n"
    "      --seed S           only seed S\n"
    "      --proxy-bin PATH   fragproxy to use (default: next to fragtest)\n"
    "      --json FILE, --junit FILE, --html FILE   reports, as for run\n"
    "  -v, --verbose          a line per policy\n"
    "  -h, --help             this help\n";

int ft_dopts_parse(struct ft_dopts *o, int argc, char **argv,
		   const char *shortopts, const struct option *longopts,
		   const char *const *usage,
		   int (*own)(void *ctx, int opt, const char *arg), void *ctx)
{
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) !=
	       -1) {
		int rc;

		if (opt == '?' || opt == ':') {
			ft_bad_opt(argv, opt);
			return -1;
		}
		if (opt == 'h') {
			while (*usage)
				fputs(*usage++, stdout);
			return 1;
		}
		rc = ft_dopt(o, opt, optarg);
		if (rc == 1)
			rc = own(ctx, opt, optarg);
		if (rc == 1)
			ft_usage_err("unexpected option for %s", o->cmd);
		if (rc != 0)
			return -1;
	}
	if (optind < argc) {
		ft_usage_err("unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return ft_dopts_check(o);
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
	if (ft_shim_check(&o->shim, o->server_cmd, o->seed ? o->seed : 1) < 0)
		return -1;
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
