/* echo-load internals: options (echo_load_opts.c) and the raw baseline
 * server thread (echo_rawd.c). */
#ifndef BENCH_ECHO_LOAD_H
#define BENCH_ECHO_LOAD_H

#include <pthread.h>
#include <stddef.h>

#include "framing/spec.h"

#define EL_CONNS_MAX 16	       /* counts in --conns */
#define EL_COUNT_MAX (1 << 24) /* connections of one row */
#define EL_SIZE_MIN 16	       /* payload: the send time in hex, then padding */
#define EL_SIZE_MAX 200

struct el_opts {
	const char *echod, *models, *spec_text;
	int conns[EL_CONNS_MAX]; /* --conns, one table row each */
	size_t nconns;
	int duration_ms, pipeline, idle, idle_active;
	size_t size;
	struct fr_spec spec;
};

/* Parse argv into o (defaults already set); exits 2 on bad usage. */
void el_parse(struct el_opts *o, int argc, char **argv);

struct el_raw {
	int lfd, stopfd, port;
	pthread_t thread;
};

/* Listen on 127.0.0.1:0 and echo raw bytes in a thread. Returns 0/-1. */
int el_raw_start(struct el_raw *r);
void el_raw_stop(struct el_raw *r);

#endif
