/* fragproxy: a fragmenting, coalescing, fault-injecting TCP proxy.
 * Public embeddable API: one config struct shared by the CLI and by
 * programs that run a proxy in their own process (tests, fragtest). */
#ifndef FRAGPROXY_H
#define FRAGPROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "framing/error.h"
#include "framing/sched.h"

#ifdef __cplusplus
extern "C" {
#endif

enum fp_dir_id { FP_UP = 0, FP_DOWN = 1 }; /* up: client -> upstream */

enum fp_fault_kind {
	FP_FAULT_NONE = 0,
	FP_FAULT_CLOSE,	    /* FIN both ways, connection closed */
	FP_FAULT_RESET,	    /* RST both ways (SO_LINGER 0) */
	FP_FAULT_HALF,	    /* FIN towards this direction's receiver only */
	FP_FAULT_STALL,	    /* hold this direction arg ms (backpressure) */
	FP_FAULT_BLACKHOLE, /* read and drop this direction from here on */
	FP_FAULT_LIMIT,	    /* close after arg bytes (offset = arg) */
	FP_FAULT_REFUSE,    /* client's connection reset at accept */
};

enum fp_trigger { FP_AT_OFFSET = 0, FP_AT_CHUNKS };

struct fp_fault {
	enum fp_fault_kind kind;
	int dir;      /* FP_UP or FP_DOWN */
	uint64_t arg; /* stall: ms; limit: bytes */
	enum fp_trigger when;
	uint64_t at;  /* byte offset or chunk count */
	int64_t conn; /* connection index, -1: every connection */
};

#define FP_MAX_FAULTS 16

enum fp_pace_mode { FP_PACE_NONE = 0, FP_PACE_DRAIN };

/* Per-direction behaviour. */
struct fp_dirconf {
	struct fr_sched sched; /* chunk schedule (owned) */
	char *replay;	       /* replay:FILE (owned), overrides sched */
	unsigned delay_min_us, delay_max_us; /* gap between chunks */
	unsigned latency_us, jitter_us;	     /* added to every chunk */
	uint64_t rate; /* bytes per second, 0: unlimited */
	enum fp_pace_mode pace;
	double toxicity; /* fraction of connections affected, 0..1 */
};

struct fp_config {
	char listen_host[64];
	char listen_port[16];
	char up_host[64];
	char up_port[16];
	struct fp_dirconf dir[2];
	struct fp_fault faults[FP_MAX_FAULTS];
	size_t nfaults;
	uint64_t seed;
	bool seed_set;
	size_t bufsize;	  /* per direction buffer, bytes */
	unsigned hold_ms; /* how long a partial chunk waits for its rest */
	char *record;	  /* --record FILE (owned) */
	char *pcap;	  /* --pcap FILE (owned) */
	char *capture;	  /* --capture DIR (owned) */
	char *control;	  /* --control HOST:PORT (owned) */
	char *policy_dir; /* --policy-dir DIR: file: allowed there (owned) */
	unsigned control_timeout_s; /* idle control connection closed */
	unsigned control_max;	    /* control connections at once */
	int verbose;		    /* 0: errors only, 1: connection events */
	FILE *log;		    /* where messages go (default stderr) */
};

/* Defaults: listen 127.0.0.1:0, whole both ways, 64 KiB buffers, hold 0,
 * random seed (seed_set false). Returns 0. */
int fp_config_init(struct fp_config *c);
void fp_config_free(struct fp_config *c);

/* Parse command-line options into c (after fp_config_init). Returns 0,
 * 1 when --help was asked (help printed to out), or -EINVAL with a one-line
 * message naming the bad part in err. */
int fp_config_parse(struct fp_config *c, int argc, char **argv, FILE *out,
		    char *err, size_t errlen);

/* Set one option as the CLI would, e.g. ("--up", "fixed:10"). Returns 0
 * or -EINVAL with err filled. */
int fp_config_set(struct fp_config *c, const char *opt, const char *val,
		  char *err, size_t errlen);

/* Parse a fault "DIR:KIND[:ARG][@offset=N|@chunks=N][,conn=N]". Returns 0
 * or -EINVAL with a one-line reason in err. */
int fp_fault_parse(struct fp_fault *f, const char *text, char *err,
		   size_t errlen);

extern const char fp_usage[];

struct fp_proxy;

/* Control API: the largest request body (a larger one is answered 413 and
 * nothing of it is applied), and the largest file: policy file. */
#define FP_CONTROL_BODY_MAX 4096
#define FP_POLICY_FILE_MAX (1 << 20)

struct fp_stats {
	uint64_t accepted, active, refused, upstream_fail, closed;
	uint64_t bytes[2], chunks[2], dropped[2];
	uint64_t faults;
	uint64_t policies; /* split policies alive (current + still used) */
};

/* Bind and prepare (no thread). The config is copied. Returns 0 or a
 * negative errno-style code (-EINVAL: bad address or file contents);
 * msg (may be NULL) gets a one-line reason. */
int fp_open(const struct fp_config *c, struct fp_proxy **out, char *msg,
	    size_t msglen);
/* Run the event loop in the calling thread until fp_shutdown(). */
int fp_run(struct fp_proxy *p);
/* Ask the loop to stop; async-signal-safe. */
void fp_shutdown(struct fp_proxy *p);
/* Ask the loop to print stats to the log; async-signal-safe. */
void fp_request_stats(struct fp_proxy *p);
/* Free a proxy whose loop is not running. */
void fp_close(struct fp_proxy *p);

/* Embedded form: fp_open + a thread running fp_run. */
int fp_start(const struct fp_config *c, struct fp_proxy **out);
/* Listening port (host order) and the seed in force. */
int fp_port(const struct fp_proxy *p);
uint64_t fp_seed(const struct fp_proxy *p);
int fp_control_port(const struct fp_proxy *p);
/* Copy of the counters; thread-safe. */
void fp_get_stats(struct fp_proxy *p, struct fp_stats *st);
/* Print the counters as two or three 'fragproxy: stats:' lines. */
void fp_print_stats(struct fp_proxy *p, FILE *f);
/* Stop the thread started by fp_start and free everything. */
void fp_stop(struct fp_proxy *p);

#ifdef __cplusplus
}
#endif
#endif
