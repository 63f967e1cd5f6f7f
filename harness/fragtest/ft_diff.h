/* fragtest for any server and any client: the shared parts of `capture`,
 * `diff` and `client` (options, the policy set, fresh servers, running a
 * command to completion, masks, comparing reply streams). */
#ifndef FRAGTEST_FT_DIFF_H
#define FRAGTEST_FT_DIFF_H

#include <getopt.h>
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>

#include "cm_buf.h"
#include "ft.h"
#include "ft_opts.h"

#define FT_MAX_MASKS 16
#define FT_POLNAME 128

/* One cut policy: a schedule per direction ("whole" when unset). */
struct ft_policy {
	char up[48], down[48];
	uint64_t seed;
	bool direct; /* the baseline: no proxy */
	char name[FT_POLNAME];
};

/* What diff and client share. */
struct ft_dopts {
	const char *cmd;	/* "diff" or "client" */
	const char *server_cmd; /* --server-cmd */
	const char *target;	/* --target HOST:PORT */
	const char *reset_cmd;	/* --reset-cmd: run before every run */
	const char *client_cmd; /* client: --client-cmd */
	const char *shim;	/* --shim: libfragshim options, seed included */
	bool no_fresh;		/* --no-fresh: one server for all runs */
	const char *split, *up, *down; /* narrow the policy set */
	uint64_t seeds;		       /* --seeds N or A-B: the last seed */
	uint64_t seed_first;	       /* A of --seeds A-B (0: 1) */
	uint64_t seed;		       /* --seed S: only S (0: unset) */
	const char *masks[FT_MAX_MASKS];
	regex_t re[FT_MAX_MASKS];
	unsigned nmask;
	uint64_t quiet_ms;	   /* --quiet */
	uint64_t timeout_ms;	   /* --timeout: no progress for this long */
	uint64_t start_timeout_ms; /* --start-timeout */
	bool half_close;	   /* --half-close */
	const char *up_framing;	   /* lock-step: one request frame at a time */
	const char *down_framing;  /* compare replies frame by frame */
	struct fr_spec up_spec, down_spec;
	const char *proxy_bin;
	const char **requests; /* diff: --requests paths */
	unsigned nrequests;
	int verbose;
	struct ft_outputs out;
};

/* The whole of a run's environment: the server (fresh or kept) and the
 * proxy of the current policy. */
struct ft_env {
	struct ft_child srv, px;
	bool srv_up;
	char host[FT_HOSTLEN]; /* where clients connect this run */
	int port;
	char srv_host[FT_HOSTLEN];
	int srv_port;
};

/* A buffer's bytes, never NULL (an empty cm_buf has no storage, and NULL
 * + 0 or memcmp(NULL, ..., 0) is undefined). */
static inline const uint8_t *ft_bytes(const struct cm_buf *b)
{
	return b->p ? cm_buf_data(b) : (const uint8_t *)"";
}

/* ---- ft_dopts.c, ft_exec.c ---- */
/* Policy set: the default one, or what --split/--up/--down name, over the
 * seeds. Returns the count (malloc'd array in *out), -1 out of memory. */
int ft_policies(const struct ft_dopts *o, struct ft_policy **out);
/* Parses an option shared by diff and client: 0 handled, 1 not shared,
 * -1 bad usage (reported). */
int ft_dopt(struct ft_dopts *o, int opt, const char *arg);
/* Checks the combination after parsing; -1 (reported) when bad. */
int ft_dopts_check(struct ft_dopts *o);
/* The getopt loop of diff, client and capture: shared options go to
 * ft_dopt, the command's own to own() (0 handled, -1 bad usage reported,
 * 1 not an option of this command), -h prints usage. Then no argument may
 * be left and ft_dopts_check must pass. usage: the help text in pieces,
 * NULL-terminated. Returns 0, 1 (help printed) or -1
 * (bad usage, reported). */
int ft_dopts_parse(struct ft_dopts *o, int argc, char **argv,
		   const char *shortopts, const struct option *longopts,
		   const char *const *usage,
		   int (*own)(void *ctx, int opt, const char *arg), void *ctx);

/* Long options diff and client share (the server and the policy set);
 * capture takes the server ones only. */
/* Help text diff, client and capture share (ft_dopts.c): the server
 * lines, the fresh-server lines and the policy set's lines. */
extern const char ft_dhelp_server[], ft_dhelp_fresh[], ft_dhelp_policies[];

/* clang-format off */
#define FT_DOPT_SERVER_LONGOPTS \
	{"server-cmd", required_argument, NULL, 's'}, \
	{"target", required_argument, NULL, 't'}, \
	{"start-timeout", required_argument, NULL, FT_OPT_START_TIMEOUT}, \
	{"proxy-bin", required_argument, NULL, FT_OPT_PROXY_BIN}, \
	{"timeout", required_argument, NULL, FT_OPT_TIMEOUT}, \
	{"help", no_argument, NULL, 'h'}
#define FT_DOPT_POLICY_LONGOPTS \
	{"no-fresh", no_argument, NULL, FT_OPT_NO_FRESH}, \
	{"shim", required_argument, NULL, FT_OPT_SHIM}, \
	{"reset-cmd", required_argument, NULL, FT_OPT_RESET_CMD}, \
	{"mask", required_argument, NULL, FT_OPT_MASK}, \
	{"split", required_argument, NULL, FT_OPT_SPLIT}, \
	{"up", required_argument, NULL, FT_OPT_UP}, \
	{"down", required_argument, NULL, FT_OPT_DOWN}, \
	{"seeds", required_argument, NULL, FT_OPT_SEEDS}, \
	{"seed", required_argument, NULL, FT_OPT_SEED}, \
	{"json", required_argument, NULL, FT_OPT_JSON}, \
	{"junit", required_argument, NULL, FT_OPT_JUNIT}, \
	{"html", required_argument, NULL, FT_OPT_HTML}, \
	{"verbose", no_argument, NULL, 'v'}
/* clang-format on */
void ft_dopts_free(struct ft_dopts *o);
/* Brings up the server (if needed) and the policy's proxy. -1 with a
 * one-line reason in err. */
int ft_env_up(const struct ft_dopts *o, struct ft_env *e,
	      const struct ft_policy *p, bool first, char *err, size_t errlen);
/* Stops the proxy, and the server unless it is kept across runs. */
void ft_env_down(const struct ft_dopts *o, struct ft_env *e, bool last);
/* Runs `/bin/sh -c cmd` in its own process group with {port}/{host}
 * replaced, collects stdout (if out) and the tail of stderr, kills the
 * whole group after timeout_ms. *status: exit code, 128+signal, or -1 on
 * timeout. Returns -1 (err filled) when it could not be started. */
int ft_exec(const char *cmd, const char *host, int port, uint64_t timeout_ms,
	    struct cm_buf *out, char *errtail, size_t errlen, int *status);
/* "fragtest CMD <server> ..." for one policy (mode flags included). */
void ft_dreproduce(const struct ft_dopts *o, const struct ft_policy *p,
		   char *buf, size_t len);
/* Blanks every --mask match ("<masked>") in data; result in out. */
int ft_mask(const struct ft_dopts *o, const uint8_t *data, size_t len,
	    struct cm_buf *out);
/* hex and text of data[from..from+n) into buf, clipped to len. */
void ft_context(const uint8_t *data, size_t len, size_t from, size_t n,
		char *buf, size_t buflen);
/* One cell (for --json/--junit/--html) per policy. */
void ft_dcell(struct ft_cell *cell, const struct ft_dopts *o,
	      const struct ft_policy *p, unsigned nconn);

/* ---- ft_dconn.c: one connection of a diff run ---- */
enum ft_dend { FT_END_QUIET = 0, FT_END_EOF, FT_END_RESET, FT_END_TIMEOUT };

struct ft_dreply {
	struct cm_buf bytes;
	uint64_t *marks;    /* lock-step: reply bytes before request frame j */
	uint64_t *req_ends; /* request stream end offset of frame j */
	size_t nframes;
	enum ft_dend end;
	char err[FT_MSGLEN]; /* connect failure etc. */
};

/* Sends req to host:port and collects the reply. exp: the baseline's
 * reply (wait for as much before trusting quiet), or NULL. */
int ft_dconn(const struct ft_dopts *o, const char *host, int port,
	     const uint8_t *req, size_t len, bool half_close,
	     const struct ft_dreply *exp, struct ft_dreply *r);
void ft_dreply_free(struct ft_dreply *r);
const char *ft_dend_name(enum ft_dend e);

/* ---- ft_dcmp.c ---- */
/* Compares run against base (after masks). Returns true when equal;
 * otherwise msg gets one line and detail the context lines. */
bool ft_dcompare(const struct ft_dopts *o, const struct ft_dreply *base,
		 const struct ft_dreply *run, char *msg, size_t msglen,
		 char *detail, size_t detlen);

/* ---- commands ---- */
int ft_cmd_capture(int argc, char **argv);
int ft_cmd_diff(int argc, char **argv);
int ft_cmd_client(int argc, char **argv);

#endif
