/* fragproxy internals shared by the fp_*.c files: connection and direction
 * state, the proxy object, and the functions the files call on each other. */
#ifndef FP_INTERNAL_H
#define FP_INTERNAL_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "cm_clock.h"
#include "fragproxy.h"

enum fp_ep_kind { EP_LISTEN = 1, EP_EVENT, EP_TIMER, EP_CLIENT, EP_UPSTREAM };

struct fp_conn;

struct fp_ep {
	enum fp_ep_kind kind;
	struct fp_conn *c;
};

#define FP_STAMPS 16

/* One direction of one connection: src -> buffer -> dst. */
struct fp_dirst {
	int dir;
	struct fp_conn *c;
	uint8_t *buf;
	size_t head, tail, cap;
	uint64_t rd_off, wr_off, chunks, dropped;
	const struct fr_sched *sched;
	struct fp_policy *pol; /* reference held on the proxy's policy */
	struct fr_sched own;   /* live policy from the control API (owned) */
	struct fr_sched_iter it;
	size_t chunk_left; /* rest of the current scheduled chunk */
	bool chunk_rest;   /* current chunk: everything available */
	size_t sending;	   /* rest of the send() in progress */
	size_t cur_chunk;  /* size of that send */
	bool active;	   /* policy applies (toxicity) */
	bool src_rdy, dst_rdy, src_eof, shut_done, discard;
	bool src_hup;	 /* EOF/error announced by epoll */
	uint64_t rng;	 /* pacing randomness */
	int64_t gate_ns; /* next chunk not before */
	int64_t hold_ns; /* partial chunk waiting since (0: none) */
	int64_t stall_until;
	int jitter_us; /* chosen for the pending chunk */
	bool jitter_set;
	struct {
		uint64_t end;
		int64_t t;
	} stamp[FP_STAMPS];
	unsigned nstamp;
	uint32_t fault_pending; /* bit i: proxy fault i armed here */
	uint64_t pcap_seq;
};

enum fp_conn_state { FC_CONNECTING = 1, FC_OPEN, FC_DRAINING };

struct fp_conn {
	struct fp_proxy *p;
	uint64_t id;
	int cfd, ufd;
	enum fp_conn_state state;
	struct fp_ep ep_c, ep_u;
	struct fp_dirst d[2];
	int64_t wake_ns;
	size_t heap_idx; /* position + 1 in the timer heap, 0: none */
	int64_t t0;
	struct sockaddr_storage caddr, uaddr; /* for the capture */
	struct fp_conn *prev, *next;
	bool dead;		/* freed at the end of the event batch */
	bool want_reset;	/* a reset fault fired: abort after the pump */
	struct fp_capconn *cap; /* --capture files, NULL: none */
};

/* A direction's policy as the proxy had it when connections started: the
 * proxy holds one reference to each current one, every connection one to
 * each it uses; a policy replaced through the control API is freed when
 * its last connection ends. */
struct fp_policy {
	struct fr_sched s;
	unsigned refs; /* loop thread only */
};

struct fp_pcap;
struct fp_control;

struct fp_proxy {
	struct fp_config cfg; /* private copy */
	int epfd, lfd, evfd, tfd;
	struct fp_ep ep_l, ep_ev, ep_t;
	struct sockaddr_storage up_addr;
	socklen_t up_len;
	int port;
	uint64_t seed, next_id;
	struct fp_conn **heap;
	size_t nheap, capheap;
	int64_t armed_ns;
	struct fp_conn *conns;
	struct fp_conn *graveyard; /* closed, freed after the event batch */
	struct fp_stats st;
	volatile sig_atomic_t stop, dump;
	bool accept_paused;
	FILE *record;
	struct fp_pcap *pcap;
	int cap_index; /* --capture DIR/index, -1: none */
	struct fp_control *ctl;
	struct fp_policy *pol[2]; /* current policy per direction */
	int policy_dirfd;	  /* --policy-dir, or -1 */
	struct fp_replay *rp;
	pthread_t thread;
	bool threaded;
	pthread_mutex_t lock; /* control requests */
	int64_t t0;
};

#define FP_STAT_ADD(p, field, n)                                               \
	__atomic_fetch_add(&(p)->st.field, (n), __ATOMIC_RELAXED)

void fp_log(struct fp_proxy *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* fp_loop.c */
void fp_conn_wake(struct fp_conn *c, int64_t at_ns);
void fp_conn_free(struct fp_conn *c);
void fp_reap(struct fp_proxy *p);

/* fp_conn.c */
struct fp_conn *fp_conn_accept(struct fp_proxy *p, int cfd);
void fp_conn_event(struct fp_conn *c, bool upstream_side, uint32_t ev);
void fp_conn_timer(struct fp_conn *c);
void fp_conn_abort(struct fp_conn *c);
void fp_conn_close(struct fp_conn *c);
void fp_dir_setup(struct fp_dirst *d, const struct fr_sched *s);

/* fp_policy.c: text to schedule; file:PATH opened under dirfd, and when
 * confined (the control API) only a plain name there (-EPERM otherwise).
 * Returns 0 or a negative errno-style code with the reason in err. */
int fp_policy_parse(struct fr_sched *s, const char *text, int dirfd,
		    bool confined, char *err, size_t len);
/* A policy holding a copy of s with one reference, or NULL. */
struct fp_policy *fp_policy_new(struct fp_proxy *p, const struct fr_sched *s);
struct fp_policy *fp_policy_get(struct fp_policy *pol);
void fp_policy_put(struct fp_proxy *p, struct fp_policy *pol);

/* fp_pace.c */
bool fp_pace_ready(struct fp_dirst *d, size_t n, int64_t now, int64_t *wake);
void fp_pace_sent(struct fp_dirst *d, size_t n, int64_t now);
void fp_pace_stamp(struct fp_dirst *d, int64_t now);

/* fp_fault.c: returns true when the direction may go on sending. */
bool fp_fault_check(struct fp_dirst *d, int64_t now);
size_t fp_fault_limit(const struct fp_dirst *d, size_t want);
void fp_fault_arm(struct fp_conn *c);
bool fp_fault_refuse(struct fp_proxy *p, uint64_t id);
int fp_fault_fire(struct fp_conn *c, const struct fp_fault *f);

/* fp_record.c */
int fp_record_open(struct fp_proxy *p, char *msg, size_t len);
void fp_record_chunk(struct fp_dirst *d, size_t n, int64_t now);
int fp_replay_load(struct fp_proxy *p, char *msg, size_t len);
const struct fr_sched *fp_replay_sched(struct fp_proxy *p, uint64_t conn,
				       int dir);
void fp_record_close(struct fp_proxy *p);

/* fp_pcap.c */
int fp_pcap_open(struct fp_proxy *p, char *msg, size_t len);
void fp_pcap_open_conn(struct fp_conn *c);
void fp_pcap_data(struct fp_dirst *d, const uint8_t *data, size_t n);
void fp_pcap_fin(struct fp_dirst *d);
void fp_pcap_close(struct fp_proxy *p);

/* fp_capture.c */
int fp_capture_open(struct fp_proxy *p, char *msg, size_t len);
void fp_capture_conn(struct fp_conn *c);
void fp_capture_data(struct fp_dirst *d, const uint8_t *data, size_t n);
void fp_capture_conn_close(struct fp_conn *c);
void fp_capture_close(struct fp_proxy *p);

/* fp_control.c */
int fp_control_start(struct fp_proxy *p, char *msg, size_t len);
void fp_control_poll(struct fp_proxy *p);
void fp_control_stop(struct fp_proxy *p);

#endif
