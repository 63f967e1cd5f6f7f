/* Seed material for the resp, http1 and ws fuzz targets: real-looking
 * wire units (redis-cli/redis-server, curl/python http.server, browser and
 * server WebSocket frames) and bad streams. Used by gen_corpus.c. */
#ifndef FRAGLAB_FUZZ_GEN_PROTO_H
#define FRAGLAB_FUZZ_GEN_PROTO_H

#include <stdbool.h>
#include <stddef.h>

struct gen_unit {
	const char *s;
	size_t n;
};

/* Valid wire units of kind (for http1, requests or responses); *n gets
 * their count. NULL for other kinds. */
const struct gen_unit *gen_proto_units(int kind, bool response, size_t *n);

/* Streams that reach error and edge states. */
const struct gen_unit *gen_proto_bad(int kind, bool response, size_t *n);

#endif
