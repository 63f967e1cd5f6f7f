/* echo-load's command line: --help text and option parsing into struct
 * opts (echo_load.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_opt.h"
#include "echo_load.h"
#include "framing/error.h"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: echo-load [--echod PATH] [--models LIST] [--conns LIST]\n"
	    "                 [--duration MS] [--pipeline N] [--size B] "
	    "[--framing SPEC]\n"
	    "                 [--idle N] [--idle-active N]\n"
	    "Load benchmark for echod over loopback: frames/s and p50/p99 "
	    "round trip per\nmodel, beside a raw epoll echo thread "
	    "(no framing) measured in the same run.\n\n"
	    "  --echod PATH      echod binary (default: next to echo-load)\n"
	    "  --models LIST     default iterative,fork,thread,select,poll,"
	    "epoll\n"
	    "  --conns LIST      connection counts, default 1,100,1000\n"
	    "  --duration MS     measured time per row (default 1000, "
	    "plus 20%% warm-up)\n"
	    "  --pipeline N      frames in flight per connection "
	    "(default 8)\n"
	    "  --size B          payload bytes, 16..200 (default 32)\n"
	    "  --framing SPEC    default len:4be\n"
	    "  --idle N          epoll row with N idle connections "
	    "(default 10000, 0: skip)\n"
	    "  --idle-active N   active connections beside them "
	    "(default 100)\n\n"
	    "RLIMIT_NOFILE is raised to its hard limit in echo-load; echod "
	    "inherits it.\n");
}

/* Exit 2 with cm_opt_*'s one-line message (it names the option). */
static void bad_value(int rc, const char *err)
{
	if (rc == 0)
		return;
	fprintf(stderr, "echo-load: %s\n", err);
	exit(2);
}

/* A whole decimal number in lo..hi, or exit 2 naming the option. */
static int num(const char *opt, const char *text, uint64_t lo, uint64_t hi)
{
	char err[256];
	uint64_t v = 0;

	bad_value(cm_opt_uint(opt, text, lo, hi, &v, err, sizeof(err)), err);
	return (int)v;
}

/* --conns 1,100,1000: each count checked like a number option. */
static void conns_list(struct el_opts *o, const char *text)
{
	char list[256], err[256];
	char *save = NULL;

	if (snprintf(list, sizeof(list), "%s", text) >= (int)sizeof(list))
		bad_value(-EINVAL, "--conns: list too long");
	o->nconns = 0;
	for (char *cs = strtok_r(list, ",", &save); cs;
	     cs = strtok_r(NULL, ",", &save)) {
		if (o->nconns == EL_CONNS_MAX) {
			snprintf(err, sizeof(err),
				 "--conns: more than %d counts", EL_CONNS_MAX);
			bad_value(-EINVAL, err);
		}
		o->conns[o->nconns++] = num("--conns", cs, 1, EL_COUNT_MAX);
	}
	if (o->nconns == 0)
		bad_value(-EINVAL, "--conns: no count given");
}

void el_parse(struct el_opts *o, int argc, char **argv)
{
	static const struct option lo[] = {{"echod", 1, NULL, 'e'},
					   {"models", 1, NULL, 'm'},
					   {"conns", 1, NULL, 'c'},
					   {"duration", 1, NULL, 'd'},
					   {"pipeline", 1, NULL, 'p'},
					   {"size", 1, NULL, 's'},
					   {"framing", 1, NULL, 'f'},
					   {"idle", 1, NULL, 'i'},
					   {"idle-active", 1, NULL, 'a'},
					   {"help", 0, NULL, 'h'},
					   {0, 0, 0, 0}};
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'e':
			o->echod = optarg;
			break;
		case 'm':
			o->models = optarg;
			break;
		case 'c':
			conns_list(o, optarg);
			break;
		case 'd': {
			char err[256];
			uint64_t ms = 0;

			bad_value(cm_opt_ms("--duration", optarg, 1, 10,
					    3600000, &ms, err, sizeof(err)),
				  err);
			o->duration_ms = (int)ms;
			break;
		}
		case 'p':
			o->pipeline = num("--pipeline", optarg, 1, 1 << 20);
			break;
		case 's':
			o->size = (size_t)num("--size", optarg, EL_SIZE_MIN,
					      EL_SIZE_MAX);
			break;
		case 'f':
			o->spec_text = optarg;
			break;
		case 'i':
			o->idle = num("--idle", optarg, 0, EL_COUNT_MAX);
			break;
		case 'a':
			o->idle_active =
			    num("--idle-active", optarg, 1, EL_COUNT_MAX);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	char err[256];
	if (fr_spec_parse(&o->spec, o->spec_text, err, sizeof(err)) != FR_OK) {
		fprintf(stderr, "echo-load: --framing: %s\n", err);
		exit(2);
	}
	if (optind < argc) {
		fprintf(stderr, "echo-load: unexpected argument '%s'\n",
			argv[optind]);
		exit(2);
	}
}
