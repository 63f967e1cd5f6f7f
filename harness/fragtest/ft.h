/* fragtest internals shared across ft_*.c: run options, child processes,
 * workload generation, per-connection verdicts and reports. */
#ifndef FRAGTEST_FT_H
#define FRAGTEST_FT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "framing/framing.h"

#define FT_PROG "fragtest"
#define FT_EXIT_PASS 0
#define FT_EXIT_FAIL 1
#define FT_EXIT_USAGE 2
#define FT_EXIT_INTR 130
#define FT_HOSTLEN 256
#define FT_MSGLEN 512
#define FT_SIZE_MAX ((size_t)1 << 24) /* --size: largest payload */
#define FT_SECONDS_MIN 0.001	      /* --timeout, --start-timeout */
#define FT_SECONDS_MAX 86400.0

/* What one `fragtest run` does; also one cell of a matrix. */
struct ft_opts {
	const char *framing;	/* spec text as given */
	const char *server_cmd; /* --server-cmd, NULL with --target */
	const char *target;	/* --target HOST:PORT */
	const char *split;	/* --split (both directions) */
	const char *up, *down;	/* --up / --down */
	const char *delay;	/* --delay, passed to fragproxy */
	const char *pace;	/* --pace, passed to fragproxy */
	const char *proxy_bin;	/* --proxy-bin */
	const char *record;	/* fragproxy's chunk record file */
	bool record_kept;	/* --record given: the file outlives the run */
	bool direct;		/* --direct: no proxy */
	bool half_close;	/* --half-close: send all, shut down, read */
	const char *capture;	/* fragproxy --capture DIR */
	uint64_t seed;
	unsigned clients, messages;
	size_t size_min, size_max;
	double timeout;	      /* seconds without progress on a connection */
	double start_timeout; /* seconds for the server to get ready */
	int verbose;
	bool progress;	   /* progress line on stderr (a TTY) */
	const char *label; /* matrix: cell name for messages */
	const char *shim;  /* --shim: libfragshim options, seed included */
};

void ft_opts_defaults(struct ft_opts *o);

/* ---- child processes (ft_server.c) ---- */
struct ft_child {
	pid_t pid;	       /* also the process group id; 0 if none */
	const char *what;      /* "server" / "fragproxy", for messages */
	char host[FT_HOSTLEN]; /* where it listens, once ready */
	int port;
	int out_fd;	      /* its stdout (read by a drain thread) */
	char log[FT_HOSTLEN]; /* file holding its stderr */
	void *drain;	      /* private drain thread state */
};

/* Start `/bin/sh -c cmd` in its own process group; {port} is replaced by
 * a free port. Waits until it prints `listening on HOST:PORT` or, with
 * {port}, accepts connections. On failure writes a one-line reason to
 * err and leaves nothing running. */
int ft_child_start(struct ft_child *c, const char *what, const char *cmd,
		   double timeout, char *err, size_t errlen);
/* Start argv directly (no shell), same readiness rules. */
int ft_child_startv(struct ft_child *c, const char *what, char *const argv[],
		    double timeout, char *err, size_t errlen);
/* True (and a reason in err) if the child already exited. */
bool ft_child_dead(struct ft_child *c, char *err, size_t errlen);
/* SIGTERM the whole group, SIGKILL after a grace period, reap. Safe to
 * call twice. */
void ft_child_stop(struct ft_child *c);
/* Last lines of the child's stderr, for error messages. */
void ft_child_tail(const struct ft_child *c, char *buf, size_t len);
/* HOST:PORT (cm_split_hostport) with a port from 1 up; -EINVAL and a
 * reason quoting text in err. */
int ft_hostport(const char *text, char host[FT_HOSTLEN], int *port, char *err,
		size_t errlen);

/* Signals: SIGINT/SIGTERM set ft_stop; every started group is killed
 * from ft_cleanup_all() (also called at exit). */
extern volatile sig_atomic_t ft_stop;
void ft_signals_init(void);
void ft_cleanup_all(void);

/* ---- workload (ft_workload.c) ---- */
struct ft_gen {
	const struct fr_spec *spec;
	uint64_t rng;
	size_t min, max;
	uint8_t *msg; /* current payload (max bytes) */
	size_t len;
	uint8_t *wire; /* its encoding */
	size_t wire_len, wire_cap;
};

int ft_gen_init(struct ft_gen *g, const struct fr_spec *spec, uint64_t seed,
		unsigned conn, size_t min, size_t max);
/* Next payload into g->msg/g->len; the encoder accepts it. */
int ft_gen_next(struct ft_gen *g);
void ft_gen_free(struct ft_gen *g);
/* Frames in the next write burst (1, or several). */
unsigned ft_burst_next(uint64_t *rng, unsigned left);
/* Checks up front that payloads can be generated; message in err. */
int ft_gen_check(const struct fr_spec *spec, size_t min, size_t max, char *err,
		 size_t errlen);

/* ---- verdicts (ft_verify.c) ---- */
enum ft_status { FT_PASS = 0, FT_DIVERGE, FT_ERROR };

struct ft_verdict {
	enum ft_status status;
	unsigned conn;
	uint64_t frames_ok;  /* frames verified before the verdict */
	uint64_t frame;	     /* failing frame index */
	uint64_t byte;	     /* failing byte index inside it */
	uint64_t up_off;     /* wire offset of that frame, client->server */
	uint64_t down_off;   /* wire offset in the echo stream */
	char msg[FT_MSGLEN]; /* one line, no "fragtest:" prefix */
};

/* First difference between expected and received; fills v. */
bool ft_compare(const uint8_t *exp, size_t elen, const uint8_t *got,
		size_t glen, struct ft_verdict *v);
void ft_hex(const uint8_t *p, size_t len, size_t from, char *out,
	    size_t outlen);

/* ---- one run (ft_run.c) ---- */
struct ft_result {
	struct ft_verdict *v; /* one per client */
	unsigned n;
	uint64_t frames; /* verified in total */
	double seconds;
	int setup_err; /* FT_SETUP_ERROR: could not run at all;
			  FT_SETUP_DIED: a process died mid-run */
	char setup_msg[FT_MSGLEN];
	char reproduce[2048];
	char record[FT_HOSTLEN]; /* fragproxy record file, if kept */
	uint64_t **up_ends;	 /* per client: wire end offset of each frame */
};

#define FT_SETUP_ERROR 1
#define FT_SETUP_DIED 2

/* Runs o; returns FT_EXIT_PASS / FT_EXIT_FAIL (setup errors are FAIL
 * with r->setup_err set). r is filled; free with ft_result_free. */
int ft_run(const struct ft_opts *o, struct ft_result *r);
void ft_result_free(struct ft_result *r);
bool ft_result_ok(const struct ft_result *r);
void ft_reproduce(const struct ft_opts *o, char *buf, size_t len);
/* Appends " flag value" to buf, value shell-quoted when it needs it. */
void ft_cat_arg(char *buf, size_t len, const char *flag, const char *val);
/* Starts fragproxy in front of host:port with o's schedules, seed and
 * capture; -1 with a reason in err. */
int ft_start_proxy(const struct ft_opts *o, struct ft_child *px,
		   const char *host, int port, char *err, size_t errlen);
/* Where fragproxy / echod live: next to our own executable. */
int ft_sibling(const char *name, char *buf, size_t len);

/* ---- --shim (ft_shim.c) ---- */
/* The shim options fragtest uses and prints: opts, plus "--seed S" when
 * opts has none. -ENAMETOOLONG if buf is too small. */
int ft_shim_opts(const char *opts, uint64_t seed, char *buf, size_t len);
/* Check --shim against the other options and settle its text: *shim
 * becomes ft_shim_opts(*shim, seed) in a static buffer. Prints the usage
 * error and returns -1 when --shim has no --server-cmd or is too long. */
int ft_shim_check(const char **shim, const char *server_cmd, uint64_t seed);
/* cmd wrapped for /bin/sh: FRAGSHIM='opts' exec fragshim -- /bin/sh -c
 * 'cmd' ({port}, {host} stay in place). Negative errno and err on
 * failure (no fragshim next to fragtest, too long). */
int ft_shim_cmd(const char *opts, const char *cmd, char *buf, size_t len,
		char *err, size_t errlen);

/* ---- clients (ft_client.c) ---- */
/* Blocking connect, then non-blocking with TCP_NODELAY; -1 and err. */
int ft_connect(const char *host, int port, char *err, size_t errlen);
int ft_clients(const struct ft_opts *o, const struct fr_spec *spec,
	       const char *host, int port, struct ft_result *r);

/* ---- reports (ft_report.c, ft_html.c) ---- */
struct ft_cell {
	const char *server, *framing, *policy;
	struct ft_opts opts;
	struct ft_result res;
	bool expect_fail;
	bool ran;
};

int ft_write_html(const char *path, const struct ft_cell *cells, size_t n);
bool ft_cell_ok(const struct ft_cell *c);
/* Writes s escaped for XML/HTML text and attributes, or for JSON. */
void ft_escape(FILE *f, const char *s, bool xml);
const char *ft_cell_word(const struct ft_cell *c);

/* ---- commands ---- */
int ft_cmd_run(int argc, char **argv);
int ft_cmd_matrix(int argc, char **argv);

/* Shared option parsing helpers (ft_main.c). */
int ft_parse_common(struct ft_opts *o, int opt, const char *arg);
/* --size MIN-MAX or N (cm_opt_size each, at most FT_SIZE_MAX); -EINVAL
 * with a message naming flag in err. */
int ft_parse_size(const char *flag, const char *arg, size_t *lo, size_t *hi,
		  char *err, size_t errlen);
void ft_usage_err(const char *fmt, ...);
void ft_err(const char *fmt, ...);

#endif
