/* fragtest: puts an echo server behind fragproxy and verifies every frame.
 * This file: the command line (run / matrix dispatch, shared options) and
 * `fragtest run`. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cm_addr.h"
#include "cm_opt.h"
#include "fraglab/version.h"
#include "ft.h"
#include "ft_diff.h"
#include "ft_opts.h"

static const char ft_run_usage[] =
    "usage: fragtest run --framing SPEC (--server-cmd CMD | --target "
    "HOST:PORT) [options]\n"
    "       fragtest matrix [options]   (see fragtest matrix --help)\n"
    "\n"
    "Starts the server (or reaches it), puts fragproxy in front of it,\n"
    "sends N connections x M seeded frames in mixed bursts and checks\n"
    "every echoed frame. Exit 0: all passed, 1: a connection failed or\n"
    "the server could not be run, 2: bad usage, 130: stopped by SIGINT,\n"
    "SIGTERM or SIGHUP (the servers it started are stopped too).\n"
    "\n"
    "  -f, --framing SPEC     framing of the echo (line, len:4be, cobs...)\n"
    "  -s, --server-cmd CMD   start CMD with /bin/sh in its own process\n"
    "                         group; {port} becomes a free port, otherwise\n"
    "                         CMD must print 'listening on HOST:PORT'\n"
    "  -t, --target HOST:PORT test a server that is already running\n"
    "      --split POLICY     fragproxy schedule, both directions\n"
    "                         (bytes, fixed:N, random:MIN-MAX, coalesce:N...)\n"
    "      --up P, --down P   schedule per direction\n"
    "      --delay D          passed to fragproxy --delay\n"
    "      --pace MODE        passed to fragproxy --pace (e.g. drain)\n"
    "      --direct           no proxy: connect to the server directly\n"
    "      --shim OPTS        run the server under libfragshim (fragshim\n"
    "                         next to fragtest) with these options, e.g.\n"
    "                         '--write bytes' or '--split random:1-9\n"
    "                         --eintr 0.1'; --seed S (default: the run's\n"
    "                         seed) is added when OPTS has none\n"
    "      --half-close       send every frame, shut down writing, then\n"
    "                         read all echoes (no request/response bursts)\n"
    "      --proxy-bin PATH   fragproxy to use (default: next to fragtest)\n"
    "      --record FILE      keep fragproxy's chunk record in FILE\n"
    "      --seed S           workload and schedule seed (default 1)\n"
    "  -c, --clients N        concurrent connections (default 4)\n"
    "  -m, --messages M       frames per connection (default 200)\n"
    "      --size MIN-MAX     payload sizes in bytes (default 1-64; K, M\n"
    "                         suffixes; at most 16M)\n"
    "      --timeout T        seconds without progress before a\n"
    "                         connection fails (default 10)\n"
    "      --start-timeout T  seconds for the server to get ready (10)\n"
    "      --json FILE        write results as JSON\n"
    "      --junit FILE       write results as JUnit XML\n"
    "      --html FILE        write a self-contained HTML report\n"
    "  -q, --quiet            no summary line when everything passes\n"
    "      --no-progress      no progress line even on a terminal\n"
    "  -h, --help             this help\n"
    "      --version          print the name and version, exit\n"
    "\n"
    "Every failure prints 'reproduce: fragtest run ...', the command that\n"
    "replays the same frames through the same schedule.\n";

static void ft_verr(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", FT_PROG);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void ft_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ft_verr(fmt, ap);
	va_end(ap);
}

void ft_usage_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ft_verr(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", FT_PROG);
}

const char *ft_optname(int opt)
{
	for (const struct option *o = ft_longopts; o->name; o++)
		if (o->val == opt)
			return o->name;
	return "?";
}

void ft_bad_opt(char **argv, int opt)
{
	const char *arg = argv[optind - 1];

	if (opt == ':')
		ft_usage_err("option '%s' needs an argument", arg);
	else if (arg[0] == '-' && arg[1] == '-')
		ft_usage_err("unknown option '%s'", arg);
	else
		ft_usage_err("unknown option '-%c'", optopt);
}

/* Reports a cm_opt_* failure (its message names the option). */
static int ft_opt_result(int rc, const char *err)
{
	if (rc == 0)
		return 0;
	ft_usage_err("%s", err);
	return -1;
}

static int ft_parse_uint(const char *flag, const char *arg, uint64_t lo,
			 uint64_t hi, uint64_t *out)
{
	char err[FT_MSGLEN];

	return ft_opt_result(
	    cm_opt_uint(flag, arg, lo, hi, out, err, sizeof(err)), err);
}

int ft_parse_size(const char *flag, const char *arg, size_t *lo, size_t *hi,
		  char *err, size_t errlen)
{
	char text[64];
	char *dash;
	uint64_t a, b;

	if (snprintf(text, sizeof(text), "%s", arg) >= (int)sizeof(text)) {
		snprintf(err, errlen, "%s: '%.32s...' is too long", flag, arg);
		return -EINVAL;
	}
	dash = strchr(text, '-');
	if (dash)
		*dash = '\0';
	if (cm_opt_size(flag, text, 0, FT_SIZE_MAX, &a, err, errlen) < 0)
		return -EINVAL;
	b = a;
	if (dash &&
	    cm_opt_size(flag, dash + 1, 0, FT_SIZE_MAX, &b, err, errlen) < 0)
		return -EINVAL;
	if (a > b) {
		snprintf(err, errlen, "%s: '%s' has MIN over MAX", flag, arg);
		return -EINVAL;
	}
	*lo = (size_t)a;
	*hi = (size_t)b;
	return 0;
}

static int ft_parse_seconds(const char *flag, const char *arg, double *out)
{
	char err[FT_MSGLEN];

	return ft_opt_result(cm_opt_double(flag, arg, FT_SECONDS_MIN,
					   FT_SECONDS_MAX, out, err,
					   sizeof(err)),
			     err);
}

int ft_check_sched(const char *flag, const char *text)
{
	struct fr_sched s;
	char err[256];

	if (!strncmp(text, "replay:", 7)) /* fragproxy's own: it checks it */
		return 0;
	if (fr_sched_parse(&s, text, err, sizeof(err)) != FR_OK) {
		ft_err("bad split '%s' (%s): %s", text, flag, err);
		return -1;
	}
	fr_sched_free(&s);
	return 0;
}

/* Options shared by run and matrix. Returns 0 when handled, 1 when opt is
 * not a common option, -1 on bad usage (already reported). */
int ft_parse_common(struct ft_opts *o, int opt, const char *arg)
{
	uint64_t v;

	switch (opt) {
	case FT_OPT_UP:
		o->up = arg;
		return ft_check_sched("--up", arg);
	case FT_OPT_DOWN:
		o->down = arg;
		return ft_check_sched("--down", arg);
	case FT_OPT_DELAY:
		o->delay = arg;
		return 0;
	case FT_OPT_PACE:
		o->pace = arg;
		return 0;
	case FT_OPT_DIRECT:
		o->direct = true;
		return 0;
	case FT_OPT_PROXY_BIN:
		o->proxy_bin = arg;
		return 0;
	case FT_OPT_SEED:
		return ft_parse_uint("--seed", arg, 0, UINT64_MAX, &o->seed);
	case 'c':
		if (ft_parse_uint("--clients", arg, 1, 1000, &v) < 0)
			return -1;
		o->clients = (unsigned)v;
		return 0;
	case 'm':
		if (ft_parse_uint("--messages", arg, 1, 10000000, &v) < 0)
			return -1;
		o->messages = (unsigned)v;
		return 0;
	case FT_OPT_SIZE: {
		char err[FT_MSGLEN];

		return ft_opt_result(ft_parse_size("--size", arg, &o->size_min,
						   &o->size_max, err,
						   sizeof(err)),
				     err);
	}
	case FT_OPT_TIMEOUT:
		return ft_parse_seconds("--timeout", arg, &o->timeout);
	case FT_OPT_START_TIMEOUT:
		return ft_parse_seconds("--start-timeout", arg,
					&o->start_timeout);
	case 'q':
		o->verbose = -1;
		return 0;
	case FT_OPT_NO_PROGRESS:
		o->progress = false;
		return 0;
	}
	return 1;
}

int ft_check_framing(const char *text)
{
	struct fr_spec spec;
	char err[256];

	if (fr_spec_parse(&spec, text, err, sizeof(err)) != FR_OK) {
		ft_err("bad spec '%s': %s", text,
		       err); /* as framecat says it */
		return -1;
	}
	return 0;
}

static int ft_run_args(int argc, char **argv, struct ft_opts *o,
		       struct ft_outputs *out)
{
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:f:s:t:c:m:qh", ft_longopts,
				  NULL)) != -1) {
		if (opt == '?' || opt == ':') {
			ft_bad_opt(argv, opt);
			return -1;
		}
		int rc = ft_parse_common(o, opt, optarg);

		if (rc <= 0) {
			if (rc < 0)
				return -1;
			continue;
		}
		switch (opt) {
		case 'f':
			o->framing = optarg;
			if (ft_check_framing(optarg) < 0)
				return -1;
			break;
		case 's':
			o->server_cmd = optarg;
			break;
		case 't': {
			char h[CM_HOSTLEN], pt[CM_PORTLEN], why[128];

			if (cm_split_hostport(optarg, h, pt, why, sizeof(why)) <
			    0) {
				ft_usage_err("--target: %s", why);
				return -1;
			}
			o->target = optarg;
			break;
		}
		case FT_OPT_SPLIT:
			o->split = optarg;
			if (ft_check_sched("--split", optarg) < 0)
				return -1;
			break;
		case FT_OPT_HALF_CLOSE:
			o->half_close = true;
			break;
		case FT_OPT_SHIM:
			o->shim = optarg;
			break;
		case FT_OPT_RECORD:
			o->record = optarg;
			o->record_kept = true;
			break;
		case FT_OPT_JSON:
			out->json = optarg;
			break;
		case FT_OPT_JUNIT:
			out->junit = optarg;
			break;
		case FT_OPT_HTML:
			out->html = optarg;
			break;
		case 'h':
			fputs(ft_run_usage, stdout);
			exit(FT_EXIT_PASS);
		default:
			ft_usage_err("--%s is for 'matrix', not 'run'",
				     ft_optname(opt));
			return -1;
		}
	}
	if (optind < argc) {
		ft_usage_err("unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (!o->framing) {
		ft_usage_err("run needs --framing SPEC");
		return -1;
	}
	if (!o->server_cmd == !o->target) {
		ft_usage_err("run needs exactly one of --server-cmd CMD and "
			     "--target HOST:PORT");
		return -1;
	}
	if (o->split && (o->up || o->down)) {
		ft_usage_err("--split and --up/--down exclude each other");
		return -1;
	}
	if (ft_shim_check(&o->shim, o->server_cmd, o->seed) < 0)
		return -1;
	return 0;
}

int ft_cmd_run(int argc, char **argv)
{
	struct ft_opts o;
	struct ft_outputs out = {0};
	struct ft_cell cell;
	char tmp[64] = "";
	int rc;

	ft_opts_defaults(&o);
	o.progress = isatty(STDERR_FILENO);
	if (ft_run_args(argc, argv, &o, &out) < 0)
		return FT_EXIT_USAGE;
	if (out.html && !o.record && !o.direct) {
		snprintf(tmp, sizeof(tmp), "/tmp/fragtest-rec-%d",
			 (int)getpid());
		o.record = tmp;
	}
	memset(&cell, 0, sizeof(cell));
	cell.server = o.server_cmd ? o.server_cmd : o.target;
	cell.framing = o.framing;
	cell.policy = o.split ? o.split : o.up || o.down ? "up/down" : "whole";
	cell.opts = o;
	ft_run(&o, &cell.res);
	cell.ran = true;
	ft_print_failures(&cell);
	rc = ft_cell_ok(&cell) ? FT_EXIT_PASS : FT_EXIT_FAIL;
	if (rc == FT_EXIT_PASS && o.verbose >= 0)
		printf("pass: %u connections, %llu frames verified (%s, split "
		       "%s, seed %llu) in %.2f s\n",
		       o.clients, (unsigned long long)cell.res.frames,
		       o.framing, cell.policy, (unsigned long long)o.seed,
		       cell.res.seconds);
	if (ft_write_outputs(&out, &cell, 1) < 0 && rc == FT_EXIT_PASS)
		rc = FT_EXIT_FAIL;
	if (tmp[0])
		unlink(tmp);
	ft_result_free(&cell.res);
	return rc;
}

static const char ft_top_usage[] =
    "usage: fragtest run --framing SPEC (--server-cmd CMD | --target "
    "HOST:PORT) [options]\n"
    "       fragtest matrix [options]\n"
    "       fragtest capture --server-cmd CMD --client-cmd CMD --out DIR\n"
    "       fragtest diff --server-cmd CMD --requests DIR|FILE... [options]\n"
    "       fragtest client --server-cmd CMD --client-cmd CMD [options]\n"
    "       fragtest --help | --version | COMMAND --help\n"
    "\n"
    "run/matrix test echo servers; capture, diff and client test any TCP\n"
    "server or client: the replies (or the client's output) must not change\n"
    "when fragproxy cuts the byte stream differently.\n";

const struct option ft_longopts[] = {
    {"framing", required_argument, NULL, 'f'},
    {"server-cmd", required_argument, NULL, 's'},
    {"target", required_argument, NULL, 't'},
    {"clients", required_argument, NULL, 'c'},
    {"messages", required_argument, NULL, 'm'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"split", required_argument, NULL, FT_OPT_SPLIT},
    {"up", required_argument, NULL, FT_OPT_UP},
    {"down", required_argument, NULL, FT_OPT_DOWN},
    {"delay", required_argument, NULL, FT_OPT_DELAY},
    {"pace", required_argument, NULL, FT_OPT_PACE},
    {"direct", no_argument, NULL, FT_OPT_DIRECT},
    {"proxy-bin", required_argument, NULL, FT_OPT_PROXY_BIN},
    {"record", required_argument, NULL, FT_OPT_RECORD},
    {"seed", required_argument, NULL, FT_OPT_SEED},
    {"size", required_argument, NULL, FT_OPT_SIZE},
    {"timeout", required_argument, NULL, FT_OPT_TIMEOUT},
    {"start-timeout", required_argument, NULL, FT_OPT_START_TIMEOUT},
    {"json", required_argument, NULL, FT_OPT_JSON},
    {"junit", required_argument, NULL, FT_OPT_JUNIT},
    {"html", required_argument, NULL, FT_OPT_HTML},
    {"no-progress", no_argument, NULL, FT_OPT_NO_PROGRESS},
    {"server", required_argument, NULL, FT_OPT_SERVER},
    {"models", required_argument, NULL, FT_OPT_MODELS},
    {"echod", required_argument, NULL, FT_OPT_ECHOD},
    {"expect-fail", required_argument, NULL, FT_OPT_EXPECT_FAIL},
    {"config", required_argument, NULL, FT_OPT_CONFIG},
    {"half-close", no_argument, NULL, FT_OPT_HALF_CLOSE},
    {"shim", required_argument, NULL, FT_OPT_SHIM},
    {NULL, 0, NULL, 0},
};

int main(int argc, char **argv)
{
	int rc;

	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("fragtest %s\n", FRAGLAB_VERSION);
		return 0;
	}

	if (argc < 2) {
		ft_usage_err("missing command (run, matrix, capture, diff "
			     "or client)");
		return FT_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(ft_top_usage, stdout);
		fputs("\nSee 'fragtest COMMAND --help'.\n", stdout);
		return FT_EXIT_PASS;
	}
	ft_signals_init();
	if (!strcmp(argv[1], "run"))
		rc = ft_cmd_run(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "matrix"))
		rc = ft_cmd_matrix(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "capture"))
		rc = ft_cmd_capture(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "diff"))
		rc = ft_cmd_diff(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "client"))
		rc = ft_cmd_client(argc - 1, argv + 1);
	else {
		ft_usage_err("unknown command '%s' (want run, matrix, "
			     "capture, diff or client)",
			     argv[1]);
		return FT_EXIT_USAGE;
	}
	ft_cleanup_all();
	if (ft_stop && rc != FT_EXIT_USAGE)
		return FT_EXIT_INTR;
	return rc;
}
