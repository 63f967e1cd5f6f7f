/* `fragtest matrix`: servers x framings x split policies, from flags or a
 * small config file, one fragtest run per cell, a pass/fail table with
 * timings, and expected failures (the naive server) that keep exit 0. */
#include <ctype.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ft.h"
#include "ft_opts.h"

#define FT_MAX_LIST 64

struct ft_list {
	const char *v[FT_MAX_LIST];
	size_t n;
};

struct ft_matrix {
	struct ft_opts base;
	struct ft_outputs out;
	struct ft_list names, cmds, framings, splits, xfail;
	const char *models, *echod;
	char *owned[4 * FT_MAX_LIST]; /* strings from the config file */
	size_t nowned;
};

static const char ft_matrix_usage[] =
    "usage: fragtest matrix [options]\n"
    "\n"
    "Runs 'fragtest run' for every server x framing x split policy and\n"
    "prints a table. Without --server it tests every echod model:\n"
    "  iterative fork thread select poll epoll naive\n"
    "over --framing line, len:4be, cobs and --split bytes, random:1-16,\n"
    "coalesce:256,ms=2.\n"
    "\n"
    "  --server NAME=CMD     a server (repeatable); {port} and {framing}\n"
    "                        in CMD are substituted\n"
    "  --models LIST         echod models, comma separated\n"
    "  --echod PATH          echod to use (default: next to fragtest)\n"
    "  -f, --framing SPEC    a framing (repeatable)\n"
    "  --split POLICY        a split policy (repeatable)\n"
    "  --expect-fail PAT     cells expected to fail (repeatable): a glob on\n"
    "                        the server name, or on SERVER/FRAMING/SPLIT\n"
    "  --config FILE         lines: 'server NAME CMD', 'framing SPEC',\n"
    "                        'split POLICY', 'expect-fail PAT', 'clients N',\n"
    "                        'messages M', 'size MIN-MAX', 'seed S',\n"
    "                        'timeout T'; '#' starts a comment\n"
    "  --json FILE, --junit FILE, --html FILE   reports\n"
    "  and the run options --clients --messages --size --seed --timeout\n"
    "  --start-timeout --up --down --delay --pace --proxy-bin --direct -q\n"
    "  (defaults here: 3 clients, 100 messages, size 1-48, timeout 5)\n"
    "\n"
    "Exit 0 when every cell came out as expected (pass, or fail where\n"
    "--expect-fail says so), 1 otherwise, 2 for bad usage, 130 when\n"
    "stopped by SIGINT, SIGTERM or SIGHUP.\n";

static const char *const ft_models[] = {
    "iterative", "fork", "thread", "select", "poll", "epoll", "naive"};

static int ft_push(struct ft_list *l, const char *what, const char *v)
{
	if (l->n == FT_MAX_LIST) {
		ft_usage_err("too many %s (at most %d)", what, FT_MAX_LIST);
		return -1;
	}
	l->v[l->n++] = v;
	return 0;
}

static int ft_add_server(struct ft_matrix *m, const char *name, const char *cmd)
{
	if (!name[0] || !cmd[0] || strchr(name, '/')) {
		ft_usage_err("bad --server (want NAME=CMD, NAME without '/')");
		return -1;
	}
	if (ft_push(&m->names, "servers", name) < 0)
		return -1;
	return ft_push(&m->cmds, "servers", cmd);
}

static char *ft_own(struct ft_matrix *m, const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p || m->nowned == sizeof(m->owned) / sizeof(m->owned[0]))
		abort();
	m->owned[m->nowned++] = p;
	return p;
}

static int ft_server_flag(struct ft_matrix *m, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (!eq) {
		ft_usage_err("bad --server '%s' (want NAME=CMD)", arg);
		return -1;
	}
	return ft_add_server(m, ft_own(m, arg, (size_t)(eq - arg)), eq + 1);
}

static int ft_config_line(struct ft_matrix *m, char *line, const char *path,
			  unsigned ln);

static int ft_config(struct ft_matrix *m, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	unsigned ln = 0;
	int rc = 0;

	if (!f) {
		ft_usage_err("--config: cannot open %s", path);
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		ln++;
		line[strcspn(line, "\r\n")] = '\0';
		rc = ft_config_line(m, line, path, ln);
	}
	fclose(f);
	return rc;
}

static int ft_config_line(struct ft_matrix *m, char *line, const char *path,
			  unsigned ln)
{
	char *p = line, *key, *val;
	static const struct {
		const char *key;
		int opt;
	} common[] = {{"clients", 'c'},
		      {"messages", 'm'},
		      {"size", FT_OPT_SIZE},
		      {"seed", FT_OPT_SEED},
		      {"timeout", FT_OPT_TIMEOUT}};

	while (isspace((unsigned char)*p))
		p++;
	if (!*p || *p == '#')
		return 0;
	key = p;
	p += strcspn(p, " \t");
	if (*p)
		*p++ = '\0';
	while (isspace((unsigned char)*p))
		p++;
	val = ft_own(m, p, strlen(p));
	if (!strcmp(key, "server")) {
		size_t n = strcspn(val, " \t");
		const char *cmd = val + n + strspn(val + n, " \t");

		return ft_add_server(m, ft_own(m, val, n), cmd);
	}
	if (!strcmp(key, "framing"))
		return ft_check_framing(val) < 0
			   ? -1
			   : ft_push(&m->framings, "framings", val);
	if (!strcmp(key, "split"))
		return ft_push(&m->splits, "policies", val);
	if (!strcmp(key, "expect-fail"))
		return ft_push(&m->xfail, "patterns", val);
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		if (!strcmp(key, common[i].key))
			return ft_parse_common(&m->base, common[i].opt, val);
	ft_usage_err("%s:%u: unknown key '%s'", path, ln, key);
	return -1;
}

static int ft_matrix_opt(struct ft_matrix *m, int opt, const char *arg)
{
	switch (opt) {
	case 'f':
		if (ft_check_framing(arg) < 0)
			return -1;
		return ft_push(&m->framings, "framings", arg);
	case FT_OPT_SPLIT:
		return ft_push(&m->splits, "policies", arg);
	case FT_OPT_SERVER:
		return ft_server_flag(m, arg);
	case FT_OPT_MODELS:
		m->models = arg;
		return 0;
	case FT_OPT_ECHOD:
		m->echod = arg;
		return 0;
	case FT_OPT_EXPECT_FAIL:
		return ft_push(&m->xfail, "patterns", arg);
	case FT_OPT_CONFIG:
		return ft_config(m, arg);
	case FT_OPT_JSON:
		m->out.json = arg;
		return 0;
	case FT_OPT_JUNIT:
		m->out.junit = arg;
		return 0;
	case FT_OPT_HTML:
		m->out.html = arg;
		return 0;
	case 'h':
		fputs(ft_matrix_usage, stdout);
		exit(FT_EXIT_PASS);
	}
	ft_usage_err("--%s is for 'run', not 'matrix'", ft_optname(opt));
	return -1;
}

static int ft_matrix_args(struct ft_matrix *m, int argc, char **argv)
{
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:f:c:m:qh", ft_longopts,
				  NULL)) != -1) {
		if (opt == '?' || opt == ':') {
			ft_bad_opt(argv, opt);
			return -1;
		}
		int rc = ft_parse_common(&m->base, opt, optarg);

		if (rc > 0)
			rc = ft_matrix_opt(m, opt, optarg);
		if (rc < 0)
			return -1;
	}
	if (optind < argc) {
		ft_usage_err("unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return 0;
}

/* echod models as servers; validates the names. */
static int ft_default_servers(struct ft_matrix *m)
{
	char echod[4096];
	const char *list = m->models;
	size_t nm = sizeof(ft_models) / sizeof(ft_models[0]);

	if (m->names.n && !m->models)
		return 0;
	if (m->echod)
		snprintf(echod, sizeof(echod), "%s", m->echod);
	else if (ft_sibling("echod", echod, sizeof(echod)) < 0) {
		ft_err("echod not found next to fragtest (build it, or give "
		       "--echod PATH or --server NAME=CMD)");
		return -1;
	}
	for (size_t i = 0; list ? *list != '\0' : i < nm; i++) {
		size_t n = list ? strcspn(list, ",") : strlen(ft_models[i]);
		const char *name = ft_own(m, list ? list : ft_models[i], n);
		char cmd[4200];

		bool plain =
		    strspn(echod,
			   "abcdefghijklmnopqrstuvwxyz"
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+") ==
		    strlen(echod);

		snprintf(cmd, sizeof(cmd),
			 "%s%s%s --model %s --framing "
			 "{framing} --listen 127.0.0.1:0",
			 plain ? "" : "'", echod, plain ? "" : "'", name);
		if (ft_add_server(m, name, ft_own(m, cmd, strlen(cmd))) < 0)
			return -1;
		if (list)
			list += n + (list[n] == ',');
	}
	return 0;
}

static bool ft_expected_fail(const struct ft_matrix *m, const char *key,
			     const char *server)
{
	for (size_t i = 0; i < m->xfail.n; i++) {
		const char *pat = m->xfail.v[i];

		if (fnmatch(pat, strchr(pat, '/') ? key : server, 0) == 0)
			return true;
	}
	return false;
}

/* CMD with {framing} replaced by spec. */
static char *ft_subst(const char *cmd, const char *spec)
{
	size_t cap = strlen(cmd) + 1, o = 0;
	const char *p = cmd, *hit;
	char *out;

	for (hit = strstr(p, "{framing}"); hit;
	     hit = strstr(hit + 1, "{framing}"))
		cap += strlen(spec);
	out = malloc(cap);
	if (!out)
		abort();
	while ((hit = strstr(p, "{framing}")) != NULL) {
		memcpy(out + o, p, (size_t)(hit - p));
		o += (size_t)(hit - p);
		memcpy(out + o, spec, strlen(spec));
		o += strlen(spec);
		p = hit + strlen("{framing}");
	}
	strcpy(out + o, p);
	return out;
}

static void ft_table(struct ft_cell *cells, size_t n, FILE *f)
{
	int ws = 6, wf = 7, wp = 5;

	for (size_t i = 0; i < n; i++) {
		int a = (int)strlen(cells[i].server),
		    b = (int)strlen(cells[i].framing),
		    c = (int)strlen(cells[i].policy);
		ws = a > ws ? a : ws;
		wf = b > wf ? b : wf;
		wp = c > wp ? c : wp;
	}
	fprintf(f, "%-*s  %-*s  %-*s  %-7s  %-5s  %7s  %8s\n", ws, "SERVER", wf,
		"FRAMING", wp, "SPLIT", "RESULT", "CONNS", "FRAMES", "TIME");
	for (size_t i = 0; i < n; i++) {
		const struct ft_cell *c = &cells[i];
		unsigned ok = 0;

		for (unsigned k = 0; k < c->res.n; k++)
			ok += c->res.v[k].status == FT_PASS;
		fprintf(f, "%-*s  %-*s  %-*s  %-7s  %2u/%-2u  %7llu  %7.2fs\n",
			ws, c->server, wf, c->framing, wp, c->policy,
			ft_cell_word(c), ok, c->res.n,
			(unsigned long long)c->res.frames, c->res.seconds);
	}
}

static void ft_summary(struct ft_cell *cells, size_t n, double t, FILE *f)
{
	unsigned pass = 0, xfail = 0, bad = 0;

	for (size_t i = 0; i < n; i++) {
		if (!ft_cell_ok(&cells[i]))
			bad++;
		else if (cells[i].expect_fail)
			xfail++;
		else
			pass++;
	}
	fprintf(f,
		"\nmatrix: %zu cells: %u passed, %u failed as expected, "
		"%u unexpected (%.1f s)\n",
		n, pass, xfail, bad, t);
	fprintf(f, "%s\n",
		bad ? "result: UNEXPECTED outcomes (see above)"
		    : "result: every cell as expected");
}

static void ft_run_cells(struct ft_matrix *m, struct ft_cell *cells, size_t n)
{
	for (size_t i = 0; i < n && !ft_stop; i++) {
		struct ft_cell *c = &cells[i];

		if (m->base.progress)
			fprintf(stderr, "\r\033[K[%zu/%zu] %s", i + 1, n,
				c->opts.label);
		ft_run(&c->opts, &c->res);
		c->ran = true;
		if (!ft_result_ok(&c->res)) {
			if (m->base.progress)
				fputs("\r\033[K", stderr);
			ft_print_failures(c);
		}
	}
	if (m->base.progress)
		fputs("\r\033[K", stderr);
}

static struct ft_cell *ft_make_cells(struct ft_matrix *m, size_t *count)
{
	size_t n = m->names.n * m->framings.n * m->splits.n, k = 0;
	struct ft_cell *cells = calloc(n ? n : 1, sizeof(*cells));

	if (!cells)
		abort();
	for (size_t s = 0; s < m->names.n; s++)
		for (size_t f = 0; f < m->framings.n; f++)
			for (size_t p = 0; p < m->splits.n; p++) {
				struct ft_cell *c = &cells[k++];
				char label[512];

				c->server = m->names.v[s];
				c->framing = m->framings.v[f];
				c->policy = m->splits.v[p];
				c->opts = m->base;
				c->opts.framing = c->framing;
				c->opts.split = c->policy;
				c->opts.server_cmd =
				    ft_subst(m->cmds.v[s], c->framing);
				c->opts.progress = false;
				snprintf(label, sizeof(label), "%s/%s/%s",
					 c->server, c->framing, c->policy);
				c->opts.label = strdup(label);
				c->expect_fail =
				    ft_expected_fail(m, label, c->server);
				if (m->out.html && !c->opts.direct) {
					char rec[64];
					snprintf(rec, sizeof(rec),
						 "/tmp/fragtest-rec-%d-%zu",
						 (int)getpid(), k);
					c->opts.record = strdup(rec);
				}
			}
	*count = n;
	return cells;
}

static void ft_free_cells(struct ft_cell *cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (cells[i].opts.record) {
			unlink(cells[i].opts.record);
			free((char *)cells[i].opts.record);
		}
		free((char *)cells[i].opts.server_cmd);
		free((char *)cells[i].opts.label);
		ft_result_free(&cells[i].res);
	}
	free(cells);
}

static int ft_matrix_setup(struct ft_matrix *m, int argc, char **argv)
{
	static const char *const def_framings[] = {"line", "len:4be", "cobs"};
	static const char *const def_splits[] = {"bytes", "random:1-16",
						 "coalesce:256,ms=2"};

	ft_opts_defaults(&m->base);
	m->base.clients = 3;
	m->base.messages = 100;
	m->base.size_max = 48;
	m->base.timeout = 5;
	m->base.progress = isatty(STDERR_FILENO);
	if (ft_matrix_args(m, argc, argv) < 0)
		return FT_EXIT_USAGE;
	if (!m->framings.n)
		for (size_t i = 0; i < 3; i++)
			ft_push(&m->framings, "framings", def_framings[i]);
	if (!m->splits.n)
		for (size_t i = 0; i < 3; i++)
			ft_push(&m->splits, "policies", def_splits[i]);
	for (size_t i = 0; i < m->splits.n; i++)
		if (ft_check_sched("--split", m->splits.v[i]) < 0)
			return FT_EXIT_USAGE;
	if (ft_default_servers(m) < 0)
		return FT_EXIT_USAGE;
	return FT_EXIT_PASS;
}

int ft_cmd_matrix(int argc, char **argv)
{
	struct ft_matrix *m = calloc(1, sizeof(*m));
	struct ft_cell *cells = NULL;
	size_t n = 0;
	double t = 0;
	int rc;

	if (!m)
		abort();
	rc = ft_matrix_setup(m, argc, argv);
	if (rc != FT_EXIT_PASS)
		goto out;
	cells = ft_make_cells(m, &n);
	ft_run_cells(m, cells, n);
	rc = FT_EXIT_PASS;
	for (size_t i = 0; i < n; i++) {
		t += cells[i].res.seconds;
		if (!ft_cell_ok(&cells[i]))
			rc = FT_EXIT_FAIL;
	}
	ft_table(cells, n, stdout);
	ft_summary(cells, n, t, stdout);
	fflush(stdout);
	if (ft_write_outputs(&m->out, cells, n) < 0)
		rc = FT_EXIT_FAIL;
out:
	ft_free_cells(cells, n);
	for (size_t i = 0; i < m->nowned; i++)
		free(m->owned[i]);
	free(m);
	return rc;
}
