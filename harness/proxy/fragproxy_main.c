/* fragproxy command-line tool: parse options into struct fp_config, open
 * the proxy, print the listening line and run the loop until SIGINT/TERM. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "fraglab/version.h"
#include "fragproxy.h"

static struct fp_proxy *g_proxy;

static void on_signal(int sig)
{
	if (!g_proxy)
		return;
	if (sig == SIGUSR1)
		fp_request_stats(g_proxy);
	else
		fp_shutdown(g_proxy);
}

static void setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
}

int main(int argc, char **argv)
{
	struct fp_config cfg;
	char err[512];
	int r, status = 0;

	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("fragproxy %s\n", FRAGLAB_VERSION);
		return 0;
	}

	fp_config_init(&cfg);
	r = fp_config_parse(&cfg, argc, argv, stdout, err, sizeof(err));
	if (r != 0) {
		if (r < 0)
			fprintf(stderr, "fragproxy: %s (see --help)\n", err);
		fp_config_free(&cfg);
		return r < 0 ? 2 : 0;
	}
	setup_signals();
	r = fp_open(&cfg, &g_proxy, err, sizeof(err));
	if (r) {
		fprintf(stderr, "fragproxy: %s\n", err);
		fp_config_free(&cfg);
		return r == -EINVAL ? 2 : 1;
	}
	if (!cfg.seed_set)
		fprintf(stderr, "fragproxy: seed %" PRIu64 "\n",
			fp_seed(g_proxy));
	if (fp_control_port(g_proxy) > 0)
		fprintf(stderr, "fragproxy: control on port %d (%s)\n",
			fp_control_port(g_proxy), cfg.control);
	if (strchr(cfg.listen_host, ':'))
		printf("listening on [%s]:%d\n", cfg.listen_host,
		       fp_port(g_proxy));
	else
		printf("listening on %s:%d\n", cfg.listen_host,
		       fp_port(g_proxy));
	fflush(stdout);
	if (fp_run(g_proxy) < 0)
		status = 1;
	fp_print_stats(g_proxy, stderr);
	fp_close(g_proxy);
	g_proxy = NULL;
	fp_config_free(&cfg);
	return status;
}
