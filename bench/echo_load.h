/* echo-load internals: the raw baseline server thread (echo_rawd.c). */
#ifndef BENCH_ECHO_LOAD_H
#define BENCH_ECHO_LOAD_H

#include <pthread.h>

struct el_raw {
	int lfd, stopfd, port;
	pthread_t thread;
};

/* Listen on 127.0.0.1:0 and echo raw bytes in a thread. Returns 0/-1. */
int el_raw_start(struct el_raw *r);
void el_raw_stop(struct el_raw *r);

#endif
