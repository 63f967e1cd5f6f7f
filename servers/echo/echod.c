/* echod: TCP echo server in every classic model over one sans-I/O echo
 * core. Parses flags, opens the listener, prints `listening on`, then
 * hands over to the chosen model (echo_srv.h) until SIGTERM/SIGINT. */
#include <errno.h>
#include <getopt.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cm_opt.h"
#include "echo_srv.h"
#include "fraglab/version.h"
#include "framing/error.h"
#include "net_sock.h"

static const char *prog = "echod";

static const struct {
	const char *name;
	int (*run)(const struct echo_srv *s);
	const char *what;
} models[] = {
    {"iterative", echo_model_iterative, "one connection at a time"},
    {"fork", echo_model_fork, "a child process per connection"},
    {"thread", echo_model_thread, "a thread per connection"},
    {"select", echo_model_select, "one thread, select(), non-blocking"},
    {"poll", echo_model_poll, "one thread, poll(), non-blocking"},
    {"epoll", echo_model_epoll, "one thread, epoll, non-blocking"},
    {"naive", echo_model_naive,
     "WRONG ON PURPOSE: one recv() taken as one message"},
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s --model MODEL --framing SPEC --listen HOST:PORT "
		"[--quiet] [--max-conns N]\n"
		"Echo every decoded frame back, re-encoded with SPEC (raw: "
		"bytes as they come).\n\n"
		"  -m, --model MODEL      server model (below)\n"
		"  -f, --framing SPEC     framing spec, e.g. line, len:4be, "
		"cobs,max=4096\n"
		"  -l, --listen HOST:PORT address; port 0 picks one; "
		"[::1]:0 for IPv6\n"
		"  -q, --quiet            don't log peers that close "
		"mid-frame (decode errors\n"
		"                         are always logged)\n"
		"  -n, --max-conns N      stop accepting at N open "
		"connections (0: no limit)\n"
		"  -M, --max-memory SIZE  server-wide budget for unfinished "
		"frames and pending\n"
		"                         output (K, M, G; 64K..1T): input "
		"that would go over\n"
		"                         it closes its connection; frames "
		"over 64 KiB get 7/8\n"
		"                         of it, the rest is kept for small "
		"ones. fork: per child\n"
		"  -h, --help             this text\n"
		"      --version          print the name and version, "
		"exit\n\nmodels:\n",
		prog);
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		fprintf(f, "  %-10s %s\n", models[i].name, models[i].what);
	fprintf(
	    f,
	    "\nThe naive model is deliberately wrong: it answers whatever "
	    "one recv() returned\nand closes, decoding nothing, so it "
	    "breaks as soon as a frame arrives in\npieces. It exists to "
	    "show what fragmentation does to such code.\n\n"
	    "When ready it prints 'listening on HOST:PORT'. SIGTERM/SIGINT "
	    "stop it (exit 0).\nExit status: 0 stopped by SIGTERM/SIGINT, "
	    "1 runtime failure, 2 bad usage.\nThe descriptor limit is "
	    "inherited: raise "
	    "it with `ulimit -n` for many connections.\n\nframing specs:\n%s",
	    fr_spec_help);
}

static void die_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (try --help)\n");
	exit(2);
}

static int find_model(const char *name)
{
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		if (strcmp(models[i].name, name) == 0)
			return (int)i;
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"model", required_argument, NULL, 'm'},
	    {"framing", required_argument, NULL, 'f'},
	    {"listen", required_argument, NULL, 'l'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"max-conns", required_argument, NULL, 'n'},
	    {"max-memory", required_argument, NULL, 'M'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0}};
	static struct echo_budget budget;
	struct echo_srv s = {.prog = prog, .lfd = -1};
	const char *model = NULL, *spec = NULL, *listen_at = NULL;
	char err[256];
	uint64_t n;
	int c;

	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("echod %s\n", FRAGLAB_VERSION);
		return 0;
	}

	while ((c = getopt_long(argc, argv, "m:f:l:qn:M:h", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'm':
			model = optarg;
			break;
		case 'f':
			spec = optarg;
			break;
		case 'l':
			listen_at = optarg;
			break;
		case 'q':
			s.quiet = true;
			break;
		case 'n':
			if (cm_opt_uint("--max-conns", optarg, 0, SIZE_MAX, &n,
					err, sizeof(err)) != 0)
				die_usage("%s", err);
			s.max_conns = (size_t)n;
			break;
		case 'M':
			if (cm_opt_size("--max-memory", optarg,
					(uint64_t)64 << 10, (uint64_t)1 << 40,
					&n, err, sizeof(err)) != 0)
				die_usage("%s", err);
			budget.max = (size_t)n;
			s.budget = &budget;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			die_usage("%s", "bad option");
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (!model || !spec || !listen_at)
		die_usage("%s", "--model, --framing and --listen are required");
	int mi = find_model(model);
	if (mi < 0)
		die_usage("unknown model '%s'", model);
	if (fr_spec_parse(&s.spec, spec, err, sizeof(err)) != FR_OK)
		die_usage("--framing: %s", err);
	struct sockaddr_storage ss;
	socklen_t sl;
	if (cm_parse_addr(listen_at, &ss, &sl, err, sizeof(err)) != 0)
		die_usage("--listen: %s", err);
	if (net_signals_init(strcmp(model, "fork") == 0) != 0) {
		fprintf(stderr, "%s: signal setup failed\n", prog);
		return 1;
	}
	s.lfd = net_listen(&ss, sl, SOCK_STREAM);
	if (s.lfd < 0) {
		fprintf(stderr, "%s: listen on %s: %s\n", prog, listen_at,
			fr_strerror(s.lfd));
		return 1;
	}
	net_set_nonblock(s.lfd);
	net_announce(s.lfd);
	int rc = models[mi].run(&s);
	close(s.lfd);
	if (s.budget && atomic_load(&budget.refused))
		net_log(prog, "memory budget: %zu connections refused",
			(size_t)atomic_load(&budget.refused));
	if (rc < 0) {
		fprintf(stderr, "%s: %s model: %s\n", prog, model,
			fr_strerror(rc));
		return 1;
	}
	return 0;
}
