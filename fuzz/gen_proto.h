/* Seeds for the resp, http1 and ws fuzz targets (gen_proto.c), written by
 * gen_corpus through the two functions it provides below. */
#ifndef FRAGLAB_FUZZ_GEN_PROTO_H
#define FRAGLAB_FUZZ_GEN_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "fuzz_input.h"

/* Write every split_ and roundtrip_ seed of resp, http1 and ws. */
void gen_proto(void);

/* Provided by gen_corpus.c: write one seed (front part + choices of o)
 * as corpus/<target>/<name>, and set schedule variant v in o. */
void gen_corpus_emit(const char *target, const char *name,
		     const struct fz_opts *o, const uint8_t *front, size_t n);
void gen_corpus_sched(struct fz_opts *o, unsigned v);

#endif
