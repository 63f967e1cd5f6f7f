/* fragtest diff: replays request streams (a capture DIR or raw files, one
 * per connection) against a server directly twice (the baseline, which
 * must agree with itself) and then through fragproxy under each cut
 * policy; any change in the replies is a framing bug in the server. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cm_clock.h"
#include "ft_diff.h"

#define FT_DETAIL 2048

static const char *const ft_diff_usage[] = {
    "usage: fragtest diff (--server-cmd CMD | --target HOST:PORT)\n"
    "                     --requests DIR|FILE... [options]\n"
    "\n"
    "Sends each connection's request stream (a 'fragtest capture' DIR, or\n"
    "raw files, one per connection, replayed one connection after the\n"
    "other) and reads the replies until the server closes or nothing\n"
    "arrives for --quiet. First directly, twice (the baseline; the two must\n"
    "agree), then through fragproxy under each cut policy: every policy\n"
    "must get the baseline's replies. Exit 0: no difference; 1: a policy\n"
    "changed the replies or the server died under it; 2: bad usage, no\n"
    "usable requests, the baseline could not run or is not deterministic;\n"
    "130: stopped by SIGINT, SIGTERM or SIGHUP.\n"
    "\n",
    ft_dhelp_server,
    "  -r, --requests PATH    capture DIR or request file (repeatable)\n"
    "      --shim OPTS        run the server under libfragshim with these\n"
    "                         options (fragshim next to fragtest), the\n"
    "                         baseline too; --seed S (default: --seed,\n"
    "                         else 1) is added when OPTS has none\n",
    ft_dhelp_fresh,
    "      --up-framing SPEC  lock-step: send one request frame, wait for\n"
    "                         quiet, then the next (default: pipelined)\n"
    "      --down-framing SPEC  compare replies frame by frame\n"
    "      --half-close       shut down writing after the last request and\n"
    "                         read to EOF (the baseline does not)\n"
    "      --mask ERE         blank what ERE matches in replies before\n"
    "                         comparing (dates, ids); repeatable\n"
    "      --quiet MS         a reply is over after MS without a byte\n"
    "                         (default 300ms)\n"
    "      --timeout T        give up a wait after T without progress\n"
    "                         (default 5s)\n",
    ft_dhelp_policies,
    "\n"
    "Default policies (the recommended CI gate): bytes, random:1-16 (per\n"
    "seed), coalesce:1024,ms=10 and fixed:1448 (MSS-sized), each up and\n"
    "down. Every failure prints the first difference and a 'reproduce:'\n"
    "line.\n",
    NULL,
};

static const struct option ft_diff_longopts[] = {
    FT_DOPT_SERVER_LONGOPTS,
    FT_DOPT_POLICY_LONGOPTS,
    {"requests", required_argument, NULL, 'r'},
    {"up-framing", required_argument, NULL, FT_OPT_UP_FRAMING},
    {"down-framing", required_argument, NULL, FT_OPT_DOWN_FRAMING},
    {"half-close", no_argument, NULL, FT_OPT_HALF_CLOSE},
    {"quiet", required_argument, NULL, FT_OPT_QUIET_MS},
    {NULL, 0, NULL, 0},
};

struct ft_req {
	char *name;
	uint8_t *data;
	size_t len;
};

struct ft_diff {
	struct ft_dopts o;
	struct ft_req *req;
	size_t nreq, capreq;
	struct ft_dreply *base; /* per connection */
	struct ft_env env;	/* the server outlives a run when kept */
};

static int ft_read_file(const char *path, struct ft_req *r, char *err,
			size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct cm_buf b = {0};
	char tmp[65536];
	size_t n;

	if (!f) {
		snprintf(err, errlen, "cannot read '%s': %s", path,
			 strerror(errno));
		return -1;
	}
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		if (cm_buf_append(&b, tmp, n) < 0)
			break;
	if (ferror(f) || !feof(f)) {
		snprintf(err, errlen, "cannot read '%s': %s", path,
			 ferror(f) ? strerror(errno) : "out of memory");
		fclose(f);
		cm_buf_free(&b);
		return -1;
	}
	fclose(f);
	r->data = b.p ? b.p : malloc(1); /* head is 0: nothing consumed */
	r->len = cm_buf_len(&b);
	r->name = strdup(path);
	if (!r->name || !r->data) {
		free(r->name);
		free(r->data);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int ft_req_add(struct ft_diff *d, const char *path, char *err,
		      size_t errlen)
{
	struct ft_req *v = cm_grow(d->req, &d->capreq, d->nreq + 1, sizeof(*v));

	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	d->req = v;
	memset(&v[d->nreq], 0, sizeof(v[0]));
	if (ft_read_file(path, &v[d->nreq], err, errlen) < 0)
		return -1;
	d->nreq++;
	return 0;
}

/* A capture DIR: its index names one up file per connection. */
static int ft_load_dir(struct ft_diff *d, const char *dir, char *err,
		       size_t errlen)
{
	char path[4096], line[512], up[256], down[256];
	unsigned long long id;
	size_t before = d->nreq;
	FILE *f;

	snprintf(path, sizeof(path), "%s/index", dir);
	f = fopen(path, "r");
	if (!f || !fgets(line, sizeof(line), f) ||
	    strcmp(line, "# fragproxy capture v1\n") != 0) {
		snprintf(err, errlen,
			 "--requests %s: not a fragtest capture (%s; want "
			 "an index starting '# fragproxy capture v1')",
			 dir, f ? "index has another format" : "no index");
		if (f)
			fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%llu %255s %255s", &id, up, down) != 3 ||
		    strchr(up, '/') || strchr(down, '/')) {
			snprintf(err, errlen,
				 "--requests %s: bad index line '%.*s'", dir,
				 (int)strcspn(line, "\n"), line);
			fclose(f);
			return -1;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, up);
		if (ft_req_add(d, path, err, errlen) < 0) {
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	if (d->nreq == before) {
		snprintf(err, errlen,
			 "--requests %s: the capture has no "
			 "connections",
			 dir);
		return -1;
	}
	return 0;
}

static int ft_load(struct ft_diff *d)
{
	char err[FT_MSGLEN];

	for (unsigned i = 0; i < d->o.nrequests; i++) {
		const char *p = d->o.requests[i];
		struct stat st;
		int rc;

		if (stat(p, &st) < 0) {
			ft_err("--requests %s: %s", p, strerror(errno));
			return -1;
		}
		rc = S_ISDIR(st.st_mode) ? ft_load_dir(d, p, err, sizeof(err))
					 : ft_req_add(d, p, err, sizeof(err));
		if (rc < 0) {
			ft_err("%s", err);
			return -1;
		}
		/* a captured connection may send nothing (the server talks
		 * first); a request file given by hand may not */
		if (!S_ISDIR(st.st_mode) && d->req[d->nreq - 1].len == 0) {
			ft_err("--requests %s: the request file is empty", p);
			return -1;
		}
	}
	return 0;
}

static int ft_diff_opt(void *ctx, int opt, const char *arg)
{
	struct ft_dopts *o = ctx;
	const char **v;

	switch (opt) {
	case 'r':
		v = realloc(o->requests, (o->nrequests + 1) * sizeof(*v));
		if (!v) {
			ft_usage_err("out of memory");
			return -1;
		}
		o->requests = v;
		v[o->nrequests++] = arg;
		return 0;
	case FT_OPT_UP_FRAMING:
		o->up_framing = arg;
		return 0;
	case FT_OPT_DOWN_FRAMING:
		o->down_framing = arg;
		return 0;
	default:
		return 1;
	}
}

static int ft_diff_args(struct ft_diff *d, int argc, char **argv)
{
	struct ft_dopts *o = &d->o;
	int rc = ft_dopts_parse(o, argc, argv, "+:s:t:r:vh", ft_diff_longopts,
				ft_diff_usage, ft_diff_opt, o);

	if (rc != 0)
		return rc;
	if (!o->nrequests) {
		ft_usage_err("diff needs --requests DIR|FILE");
		return -1;
	}
	return 0;
}

/* Did the server die? A reply cut short or reset is often the first sign:
 * then give a dying process a moment to be seen. */
static bool ft_srv_died(struct ft_diff *d, struct ft_env *e,
			const struct ft_dreply *exp,
			const struct ft_dreply *out, char *why, size_t len)
{
	bool cut = false;

	for (size_t i = 0; exp && i < d->nreq; i++)
		cut = cut || out[i].end == FT_END_RESET ||
		      cm_buf_len(&out[i].bytes) < cm_buf_len(&exp[i].bytes);
	for (int t = 0; t <= (cut ? 50 : 0); t++) {
		if (ft_child_dead(&e->srv, why, len))
			return true;
		if (t < 50 && cut)
			poll(NULL, 0, 10);
	}
	return false;
}

/* Every connection in order. false (msg) when the run could not be done. */
static bool ft_diff_once(struct ft_diff *d, const struct ft_policy *p,
			 bool first, bool last, const struct ft_dreply *exp,
			 struct ft_dreply *out, char *msg, size_t msglen)
{
	struct ft_env *e = &d->env;
	char why[FT_MSGLEN];
	bool ok = true;

	if (ft_env_up(&d->o, e, p, first, msg, msglen) < 0) {
		ft_env_down(&d->o, e, true);
		return false;
	}
	for (size_t i = 0; i < d->nreq && ok; i++) {
		if (ft_dconn(&d->o, e->host, e->port, d->req[i].data,
			     d->req[i].len, d->o.half_close && !p->direct,
			     exp ? &exp[i] : NULL, &out[i]) < 0) {
			snprintf(msg, msglen, "connection %zu: %.400s", i,
				 out[i].err);
			ok = false;
		}
	}
	if (ok && d->o.server_cmd &&
	    ft_srv_died(d, e, exp, out, why, sizeof(why))) {
		snprintf(msg, msglen, "%.200s during the run", why);
		ok = false;
	}
	ft_env_down(&d->o, e, last || !ok);
	return ok;
}

static void ft_free_replies(struct ft_dreply *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++)
		ft_dreply_free(&r[i]);
	free(r);
}

/* Baseline, twice. 0 ok, -1 reported (exit 2). */
static int ft_baseline(struct ft_diff *d)
{
	struct ft_policy direct = {
	    .up = "whole", .down = "whole", .direct = true, .name = "baseline"};
	struct ft_dreply *again = calloc(d->nreq, sizeof(*again));
	char msg[FT_MSGLEN], detail[FT_DETAIL];
	int rc = 0;

	d->base = calloc(d->nreq, sizeof(*d->base));
	if (!d->base || !again)
		abort();
	if (!ft_diff_once(d, &direct, true, false, NULL, d->base, msg,
			  sizeof(msg)) ||
	    !ft_diff_once(d, &direct, false, false, d->base, again, msg,
			  sizeof(msg)) ||
	    ft_stop) {
		if (!ft_stop)
			ft_err("baseline (direct, whole writes) failed: %s",
			       msg);
		ft_free_replies(again, d->nreq);
		return -1;
	}
	for (size_t i = 0; i < d->nreq && rc == 0; i++) {
		if (ft_dcompare(&d->o, &d->base[i], &again[i], msg, sizeof(msg),
				detail, sizeof(detail)))
			continue;
		const struct cm_buf *b1 = &d->base[i].bytes,
				    *b2 = &again[i].bytes;
		/* the first run stopped at a pause the second sat out */
		bool early =
		    cm_buf_len(b1) < cm_buf_len(b2) &&
		    d->base[i].end == FT_END_QUIET &&
		    !memcmp(ft_bytes(b1), ft_bytes(b2), cm_buf_len(b1));

		ft_err("the baseline is not deterministic: two direct runs "
		       "differ, connection %zu: %s; %s",
		       i, msg,
		       early ? "the first stopped reading at a pause: raise "
			       "--quiet MS"
			     : "blank the parts that vary (dates, ids) with "
			       "--mask ERE");
		fputs(detail, stderr);
		rc = -1;
	}
	ft_free_replies(again, d->nreq);
	return rc;
}

static bool ft_diff_policy(struct ft_diff *d, const struct ft_policy *p,
			   bool last, struct ft_cell *cell)
{
	struct ft_dreply *r = calloc(d->nreq, sizeof(*r));
	char msg[FT_MSGLEN], detail[FT_DETAIL];
	int64_t t0 = cm_now_ms();
	bool ok;

	if (!r)
		abort();
	ft_dcell(cell, &d->o, p, (unsigned)d->nreq);
	ok = ft_diff_once(d, p, false, last, d->base, r, msg, sizeof(msg));
	if (!ok) {
		cell->res.setup_err = FT_SETUP_DIED;
		snprintf(cell->res.setup_msg, sizeof(cell->res.setup_msg), "%s",
			 msg);
		ft_err("FAIL %s: %s", p->name, msg);
	}
	for (size_t i = 0; i < d->nreq; i++) {
		if ((!ok && !r[i].bytes.p) ||
		    ft_dcompare(&d->o, &d->base[i], &r[i], msg, sizeof(msg),
				detail, sizeof(detail)))
			continue;
		cell->res.v[i].status = FT_DIVERGE;
		snprintf(cell->res.v[i].msg, sizeof(cell->res.v[i].msg), "%s",
			 msg);
		ft_err("FAIL %s: connection %zu (%s): %s", p->name, i,
		       d->req[i].name, msg);
		fputs(detail, stderr);
		ok = false;
	}
	cell->res.seconds = (double)(cm_now_ms() - t0) / 1000.0;
	if (!ok)
		fprintf(stderr, "reproduce: %s\n", cell->res.reproduce);
	else if (d->o.verbose)
		printf("pass %s (%.2f s)\n", p->name, cell->res.seconds);
	ft_free_replies(r, d->nreq);
	return ok;
}

static void ft_diff_free(struct ft_diff *d)
{
	for (size_t i = 0; i < d->nreq; i++) {
		free(d->req[i].name);
		free(d->req[i].data);
	}
	free(d->req);
	ft_free_replies(d->base, d->nreq);
	ft_dopts_free(&d->o);
}

int ft_cmd_diff(int argc, char **argv)
{
	struct ft_diff d = {.o = {.cmd = "diff",
				  .seeds = 10,
				  .quiet_ms = 300,
				  .timeout_ms = 5000,
				  .start_timeout_ms = 10000}};
	struct ft_policy *pol = NULL;
	struct ft_cell *cells = NULL;
	int n, rc, failed = 0;
	int64_t t0 = cm_now_ms();

	rc = ft_diff_args(&d, argc, argv);
	if (rc != 0 || ft_load(&d) < 0 || ft_baseline(&d) < 0) {
		ft_diff_free(&d);
		return ft_stop	? FT_EXIT_INTR
		       : rc > 0 ? FT_EXIT_PASS
				: FT_EXIT_USAGE;
	}
	n = ft_policies(&d.o, &pol);
	cells = n > 0 ? calloc((size_t)n, sizeof(*cells)) : NULL;
	if (n <= 0 || !cells)
		abort();
	for (int i = 0; i < n && !ft_stop; i++)
		failed += !ft_diff_policy(&d, &pol[i], i + 1 == n, &cells[i]);
	if (ft_write_outputs(&d.o.out, cells, (size_t)n) < 0 && !failed)
		failed = 1;
	if (ft_stop)
		; /* interrupted: main says so with its exit status */
	else if (!failed)
		printf("pass: %d policies x %zu connections got the baseline's "
		       "replies (%.1f s)\n",
		       n, d.nreq, (double)(cm_now_ms() - t0) / 1000.0);
	else
		printf("FAIL: %d of %d policies changed the replies\n", failed,
		       n);
	for (int i = 0; i < n; i++)
		ft_result_free(&cells[i].res);
	free(cells);
	free(pol);
	ft_diff_free(&d);
	return failed ? FT_EXIT_FAIL : FT_EXIT_PASS;
}
