/* pop3d: a POP3 server (RFC 1939 + CAPA/UIDL/TOP) over a directory of
 * per-user mailboxes. Parses flags, loads the users file, checks the
 * maildir, listens, then serves (pop3_srv.c) until SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cm_addr.h"
#include "cm_opt.h"
#include "fraglab/version.h"
#include "net_sock.h"
#include "pop3_maildir.h"
#include "pop3_srv.h"

#define TIMEOUT_DEFAULT 600 /* RFC 1939: the autologout timer is >= 10 min */
#define TIMEOUT_MAX 86400
#define CONNS_MAX 1000000
#define LOGIN_DELAY_DEFAULT 250 /* ms after the first failed PASS */
#define LOGIN_DELAY_MAX 60000
#define LOGIN_FAILS_DEFAULT 5 /* failed PASS per connection, then close */
#define LOGIN_FAILS_MAX 1000

static const char *prog = "pop3d";

struct cfg {
	const char *listen_at, *users, *maildir;
	struct sockaddr_storage ss;
	socklen_t sl;
	uint64_t timeout_ms, max_conns, login_delay_ms, login_fails;
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: %s --listen HOST:PORT --users FILE --maildir DIR "
	    "[--timeout SECONDS]\n"
	    "             [--max-conns N]\n"
	    "POP3 server: RFC 1939 (USER/PASS, STAT, LIST, RETR, DELE, NOOP, "
	    "RSET, QUIT)\nwith CAPA, UIDL and TOP (RFC 2449), over a "
	    "directory of mailboxes.\n\n"
	    "  -l, --listen HOST:PORT  address; port 0 picks one; [::1]:0 "
	    "for IPv6\n"
	    "  -u, --users FILE        users and passwords (below)\n"
	    "  -d, --maildir DIR       one folder per user (below)\n"
	    "  -t, --timeout SECONDS   close a connection that has sent and "
	    "received nothing\n"
	    "                          for this long, without UPDATE "
	    "(1..%d, default %d)\n"
	    "  -n, --max-conns N       stop accepting at N open connections "
	    "(0..%d;\n"
	    "                          default 0: no limit of its own)\n"
	    "  -D, --login-delay MS    after a failed PASS, hold that "
	    "connection's reply this\n"
	    "                          long, doubling per failure up to %dx "
	    "(0..%d ms, default\n"
	    "                          %d; 0: no delay); other sessions are "
	    "served meanwhile\n"
	    "  -F, --login-failures N  close a connection at its N-th failed "
	    "PASS (0..%d,\n"
	    "                          default %d; 0: never)\n"
	    "  -h, --help              this text\n"
	    "      --version           print the name and version, exit\n\n",
	    prog, TIMEOUT_MAX, TIMEOUT_DEFAULT, CONNS_MAX, POP3_DELAY_CAP,
	    LOGIN_DELAY_MAX, LOGIN_DELAY_DEFAULT, LOGIN_FAILS_MAX,
	    LOGIN_FAILS_DEFAULT);
	fprintf(
	    f,
	    "Users file: one 'user:password' per line; blank lines and lines "
	    "starting\nwith '#' are ignored. A user name is 1..40 of A-Z a-z "
	    "0-9 . _ - and does not\nstart with '.' (it names a folder); a "
	    "password is 1..40 characters other\nthan CR, LF and NUL (it may "
	    "hold ':'). A bad line or a duplicate user stops\npop3d with "
	    "FILE:LINE and exit status 2, and so does a file without users.\n"
	    "Passwords are plain text: keep the file readable by pop3d "
	    "only.\n\n"
	    "Maildir: DIR/USER/ is USER's mailbox, one regular file per "
	    "message. Messages\nare numbered in byte (strcmp) order of their "
	    "file names, and a file name is\nthe message's unique-id (UIDL): "
	    "1..70 characters 0x21..0x7e; other names are\nskipped with a log "
	    "line. Names starting with '.' are ignored: write new mail\nas "
	    ".NAME and rename() it into place. Lines may end in LF or CRLF; "
	    "they are\nsent as CRLF, dot-stuffed.\n\n"
	    "A session holds flock(LOCK_EX) on DIR/USER from PASS to its end, "
	    "so a second\nlogin to that mailbox, from this or another pop3d, "
	    "gets -ERR. Messages\nmarked with DELE are removed (then the "
	    "folder is fsync'ed) only at QUIT; a\nconnection that drops, "
	    "idles out or is stopped removes nothing.\n\n"
	    "When ready it prints 'listening on HOST:PORT'. SIGTERM/SIGINT "
	    "stop it\n(exit 0). One log line per event on stderr; passwords "
	    "are never logged.\nExit status: 0 stopped by SIGTERM/SIGINT, 1 "
	    "runtime failure, 2 "
	    "bad usage or configuration.\n");
}

static void die_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (try --help)\n");
	exit(2);
}

static void parse_args(int argc, char **argv, struct cfg *cfg)
{
	static const struct option opts[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"users", required_argument, NULL, 'u'},
	    {"maildir", required_argument, NULL, 'd'},
	    {"timeout", required_argument, NULL, 't'},
	    {"max-conns", required_argument, NULL, 'n'},
	    {"login-delay", required_argument, NULL, 'D'},
	    {"login-failures", required_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0}};
	char err[256], opt[3] = "-?";
	int c;

	opterr = 0; /* our own one-line messages */
	while ((c = getopt_long(argc, argv, ":l:u:d:t:n:D:F:h", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'l':
			cfg->listen_at = optarg;
			break;
		case 'u':
			cfg->users = optarg;
			break;
		case 'd':
			cfg->maildir = optarg;
			break;
		case 't':
			if (cm_opt_ms("--timeout", optarg, 1000, 1000,
				      TIMEOUT_MAX * 1000, &cfg->timeout_ms, err,
				      sizeof(err)) != 0)
				die_usage("%s", err);
			break;
		case 'n':
			if (cm_opt_uint("--max-conns", optarg, 0, CONNS_MAX,
					&cfg->max_conns, err, sizeof(err)) != 0)
				die_usage("%s", err);
			break;
		case 'D':
			if (cm_opt_ms("--login-delay", optarg, 1, 0,
				      LOGIN_DELAY_MAX, &cfg->login_delay_ms,
				      err, sizeof(err)) != 0)
				die_usage("%s", err);
			break;
		case 'F':
			if (cm_opt_uint("--login-failures", optarg, 0,
					LOGIN_FAILS_MAX, &cfg->login_fails, err,
					sizeof(err)) != 0)
				die_usage("%s", err);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			die_usage("%s needs a value", argv[optind - 1]);
			break;
		default:
			opt[1] = (char)optopt;
			die_usage("unknown option '%s'",
				  optopt ? opt : argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (!cfg->listen_at || !cfg->users || !cfg->maildir)
		die_usage("%s", "--listen, --users and --maildir are required");
	if (cm_parse_addr(cfg->listen_at, &cfg->ss, &cfg->sl, err, sizeof(err)))
		die_usage("--listen: %s", err);
}

/* Configuration errors exit 2 before anything listens; runtime ones 1. */
static int serve(const struct cfg *cfg)
{
	struct pop3_srv pl = {.lfd = -1,
			      .idle_ms = (int64_t)cfg->timeout_ms,
			      .max_conns = (size_t)cfg->max_conns,
			      .login_delay_ms = (uint32_t)cfg->login_delay_ms,
			      .login_max = (unsigned)cfg->login_fails};
	struct pop3_md_store st;
	char err[512];
	int rc = 2;

	pop3_md_init(&st, pop3_srv_store_log, &pl);
	if (pop3_md_users_load(&st, cfg->users, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		goto out;
	}
	if (pop3_md_root_open(&st, cfg->maildir, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: --maildir %s\n", prog, err);
		goto out;
	}
	rc = 1;
	if (net_signals_init(false) != 0) {
		fprintf(stderr, "%s: signal setup failed\n", prog);
		goto out;
	}
	pl.lfd = net_listen(&cfg->ss, cfg->sl, SOCK_STREAM);
	if (pl.lfd < 0) {
		fprintf(stderr, "%s: listen on %s: %s\n", prog, cfg->listen_at,
			strerror(-pl.lfd));
		goto out;
	}
	net_set_nonblock(pl.lfd);
	pl.store = pop3_md_store_ops(&st);
	net_announce(pl.lfd);
	int r = pop3_srv_run(&pl);
	if (r < 0)
		pop3_srv_log("event loop: %s", strerror(-r));
	rc = r < 0 ? 1 : 0;
out:
	if (pl.lfd >= 0)
		close(pl.lfd);
	pop3_md_free(&st);
	return rc;
}

int main(int argc, char **argv)
{
	struct cfg cfg = {.timeout_ms = TIMEOUT_DEFAULT * 1000,
			  .login_delay_ms = LOGIN_DELAY_DEFAULT,
			  .login_fails = LOGIN_FAILS_DEFAULT};

	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("pop3d %s\n", FRAGLAB_VERSION);
		return 0;
	}

	parse_args(argc, argv, &cfg);
	return serve(&cfg);
}
