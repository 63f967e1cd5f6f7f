/* fragtest capture: records a real conversation for `fragtest diff`. The
 * server runs behind fragproxy (no cuts) with --capture DIR while a real
 * client talks to it; DIR then holds each connection's bytes both ways. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cm_addr.h"
#include "ft_diff.h"

static const char *const ft_capture_usage[] = {
    "usage: fragtest capture (--server-cmd CMD | --target HOST:PORT)\n"
    "                        --client-cmd 'CLIENT ... {port}' --out DIR\n"
    "\n"
    "Starts the server, puts fragproxy (whole writes, no cuts) in front of\n"
    "it with --capture DIR and runs the client against the proxy ({host}\n"
    "{port}). DIR gets index, conn-N.up (client to server) and conn-N.down\n"
    "for every connection; replay it with 'fragtest diff --requests DIR'.\n"
    "Exit 0: captured; 1: the client failed or made no connection, or the\n"
    "server could not be run; 2: bad usage; 130: stopped by SIGINT,\n"
    "SIGTERM or SIGHUP (the server and client are stopped too).\n"
    "\n",
    ft_dhelp_server,
    "  -C, --client-cmd CMD   the client, run with /bin/sh\n"
    "  -o, --out DIR          where the capture goes (created)\n"
    "      --timeout T        the client's time limit (default 30s)\n"
    "      --start-timeout T  for the server and fragproxy (default 10s)\n"
    "      --proxy-bin PATH   fragproxy to use (default: next to fragtest)\n"
    "  -h, --help             this help\n",
    NULL,
};

static const struct option ft_capture_longopts[] = {
    FT_DOPT_SERVER_LONGOPTS,
    {"client-cmd", required_argument, NULL, 'C'},
    {"out", required_argument, NULL, 'o'},
    {NULL, 0, NULL, 0},
};

struct ft_capture_args {
	struct ft_dopts *o;
	const char **out;
};

static int ft_capture_opt(void *ctx, int opt, const char *arg)
{
	struct ft_capture_args *a = ctx;

	if (opt == 'C')
		a->o->client_cmd = arg;
	else if (opt == 'o')
		*a->out = arg;
	else
		return 1;
	return 0;
}

static int ft_capture_args(struct ft_dopts *o, const char **out, int argc,
			   char **argv)
{
	struct ft_capture_args a = {o, out};
	int rc =
	    ft_dopts_parse(o, argc, argv, "+:s:t:C:o:h", ft_capture_longopts,
			   ft_capture_usage, ft_capture_opt, &a);

	if (rc != 0)
		return rc;
	if (!o->client_cmd || !*out) {
		ft_usage_err("capture needs --client-cmd 'CLIENT ... {port}' "
			     "and --out DIR");
		return -1;
	}
	return 0;
}

/* Connections and bytes listed in DIR/index. */
static int ft_capture_count(const char *dir, unsigned *conns,
			    unsigned long long bytes[2])
{
	char path[4096], line[512], name[2][256];
	unsigned long long id;
	FILE *f;

	*conns = 0;
	bytes[0] = bytes[1] = 0;
	snprintf(path, sizeof(path), "%s/index", dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		struct stat st;

		if (sscanf(line, "%llu %255s %255s", &id, name[0], name[1]) !=
		    3)
			continue;
		(*conns)++;
		for (int d = 0; d < 2; d++) {
			snprintf(path, sizeof(path), "%s/%s", dir, name[d]);
			if (stat(path, &st) == 0)
				bytes[d] += (unsigned long long)st.st_size;
		}
	}
	fclose(f);
	return 0;
}

int ft_cmd_capture(int argc, char **argv)
{
	struct ft_dopts o = {
	    .cmd = "capture", .timeout_ms = 30000, .start_timeout_ms = 10000};
	struct ft_child srv = {.out_fd = -1}, px = {.out_fd = -1};
	const char *out = NULL;
	char err[FT_MSGLEN], host[FT_HOSTLEN], ps[16], st_text[64];
	char tail[FT_MSGLEN];
	unsigned conns;
	unsigned long long bytes[2];
	int rc, port, st;
	struct ft_opts po;
	struct cm_buf cout = {0};

	rc = ft_capture_args(&o, &out, argc, argv);
	if (rc != 0) {
		ft_dopts_free(&o);
		return rc > 0 ? FT_EXIT_PASS : FT_EXIT_USAGE;
	}
	rc = FT_EXIT_FAIL;
	if (o.server_cmd) {
		if (ft_child_start(&srv, "server", o.server_cmd,
				   (double)o.start_timeout_ms / 1000.0, err,
				   sizeof(err)) < 0) {
			ft_err("server command failed: %s", err);
			goto done;
		}
		snprintf(host, sizeof(host), "%s", srv.host);
		port = srv.port;
	} else {
		cm_split_hostport(o.target, host, ps, err, sizeof(err));
		port = atoi(ps);
	}
	ft_opts_defaults(&po);
	po.capture = out;
	po.proxy_bin = o.proxy_bin;
	po.start_timeout = (double)o.start_timeout_ms / 1000.0;
	if (ft_start_proxy(&po, &px, host, port, err, sizeof(err)) < 0) {
		ft_err("fragproxy failed: %s", err);
		goto done;
	}
	if (ft_exec(o.client_cmd, px.host, px.port, o.timeout_ms, &cout, tail,
		    sizeof(tail), &st) < 0) {
		ft_err("client command: %s", tail);
		goto done;
	}
	ft_child_stop(&px); /* the capture is complete once it has read */
	if (ft_capture_count(out, &conns, bytes) < 0) {
		ft_err("--out %s: no index was written", out);
		goto done;
	}
	if (st != 0) {
		if (st < 0)
			snprintf(st_text, sizeof(st_text), "timed out");
		else
			snprintf(st_text, sizeof(st_text), "exited with %d",
				 st);
		ft_err("the client %s%s%s (capture in %s may be incomplete)",
		       st_text, tail[0] ? ": " : "", tail, out);
		goto done;
	}
	if (conns == 0) {
		ft_err("the client made no connection (nothing captured in "
		       "%s)",
		       out);
		goto done;
	}
	printf("captured %u connection%s in %s: %llu bytes to the server, "
	       "%llu back\n",
	       conns, conns == 1 ? "" : "s", out, bytes[0], bytes[1]);
	rc = FT_EXIT_PASS;
done:
	cm_buf_free(&cout);
	ft_child_stop(&px);
	ft_child_stop(&srv);
	ft_dopts_free(&o);
	return ft_stop ? FT_EXIT_INTR : rc;
}
