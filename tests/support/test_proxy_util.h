/* Helpers for the fragproxy suites: in-test upstream servers (echo, and a
 * recorder that keeps what each connection received and how it ended),
 * blocking clients, a small FNV-1a hash, an embedded proxy starter and a
 * minimal HTTP client for the control API. */
#ifndef TEST_PROXY_UTIL_H
#define TEST_PROXY_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fragproxy.h"

#define TP_MAXCONN 64
#define TP_MAXREADS 4096

struct tp_conn_result {
	bool done;
	size_t total;
	uint64_t hash;
	int end_errno; /* 0: clean EOF, else errno of the failing recv */
	size_t nreads;
	size_t reads[TP_MAXREADS]; /* size of each recv (first TP_MAXREADS) */
	uint8_t head[8192];	   /* first bytes received */
};

enum tp_mode { TP_ECHO = 1, TP_RECORD };

struct tp_server {
	int lfd, port;
	enum tp_mode mode;
	size_t reply_len;  /* TP_RECORD: bytes sent after EOF is seen */
	size_t send_first; /* TP_RECORD: bytes sent right after accept */
	pthread_t thr;
	volatile int stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int nconn, nlive;
	struct tp_conn_result *res; /* TP_MAXCONN, later ones unrecorded */
};

void tp_server_start(struct tp_server *s, enum tp_mode mode);
void tp_server_stop(struct tp_server *s);
/* Wait until connection i finished; returns its result. */
struct tp_conn_result *tp_server_wait(struct tp_server *s, int i);

uint64_t tp_fnv(uint64_t h, const void *p, size_t n);
#define TP_FNV_INIT 0xcbf29ce484222325ULL
void tp_fill(uint8_t *buf, size_t n, uint64_t seed);

/* A bare loopback listener on an ephemeral port, for tests that drive the
 * upstream side by hand. */
int tp_listen(int *port);
int tp_connect(int port);
/* recv until EOF/error; returns bytes read, *err = errno or 0. */
size_t tp_read_all(int fd, uint8_t *buf, size_t cap, int *err);

/* Start an embedded proxy with options given as "--opt", "value" pairs,
 * NULL-terminated; upstream port filled in. Aborts the test on error. */
struct fp_proxy *tp_proxy(int up_port, ...);

/* One HTTP request to 127.0.0.1:port with Connection: close and a body of
 * blen bytes (body may be NULL). Returns the status, or 0 when no answer
 * came within 10 s; the response body (malloc'd) in *out when out. */
int tp_http(int port, const char *method, const char *path, const void *body,
	    size_t blen, char **out);

/* The number after "KEY": in GET /stats of the control API at port
 * (asserts that it answers). */
uint64_t tp_stat(int port, const char *key);

/* Raise RLIMIT_NOFILE's soft limit to the hard one (children started
 * afterwards inherit it); returns the soft limit now in force. */
long tp_raise_nofile(void);

int tp_count_fds(void);
/* Up-direction chunks of connections 0..n-1 in a --record file. */
void tp_count_chunks(const char *path, unsigned *per_conn, int n);
/* Poll fp_get_stats until active == 0 (or 20 s pass). */
void tp_wait_idle(struct fp_proxy *p);

#endif
