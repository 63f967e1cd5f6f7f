/* Split schedules: how a byte stream is cut into chunks. One type and one
 * textual form shared by decoder tests, fuzz targets, fragproxy (--split)
 * and fragtest. Chunk sizes depend only on (policy, seed, stream id) and
 * the position in the stream, never on how data happened to arrive. */
#ifndef FRAMING_SCHED_H
#define FRAMING_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FR_CHUNK_REST SIZE_MAX /* "everything that is left" */
#define FR_SCHED_STRLEN 256

enum fr_sched_kind {
	FR_SCHED_WHOLE = 1, /* whole / none: no re-cutting */
	FR_SCHED_FIXED,	    /* fixed:N */
	FR_SCHED_BYTES,	    /* bytes: 1 byte per chunk */
	FR_SCHED_RANDOM,    /* random:MIN-MAX[,seed=S] */
	FR_SCHED_LIST,	    /* list:A,B,C...  or  file:PATH (same meaning) */
	FR_SCHED_COALESCE,  /* coalesce:BYTES[,ms=T] */
};

struct fr_sched {
	enum fr_sched_kind kind;
	size_t n;	 /* fixed:N, coalesce:BYTES */
	size_t min, max; /* random */
	uint64_t seed;	 /* random */
	bool seed_set;	 /* seed= given in the text */
	unsigned ms;	 /* coalesce: flush after ms (0: bytes only) */
	size_t *list;	 /* list: sizes (owned, see fr_sched_free) */
	size_t list_len;
	bool list_repeat; /* list:...,repeat: start over when used up */
};

/* Parse text: whole | fixed:N | bytes | random:MIN-MAX[,seed=S] |
 * list:A,B,...[,repeat] | file:PATH | coalesce:BYTES[,ms=T].
 * A list file holds sizes separated by white space or commas, '#' starts
 * a comment. When a list runs out the rest of the stream is one chunk
 * (unless repeat). On failure returns FR_ESCHED with a one-line message
 * naming the bad part in err. */
int fr_sched_parse(struct fr_sched *s, const char *text, char *err,
		   size_t errlen);

/* Canonical text (file: schedules print as list:). Returns what snprintf
 * returns. */
int fr_sched_format(const struct fr_sched *s, char *buf, size_t len);

/* Same schedule: a and b agree on every field that carries meaning for
 * their kind (what fr_sched_format writes). */
bool fr_sched_equal(const struct fr_sched *a, const struct fr_sched *b);

/* Deep copy (the list is duplicated). Returns FR_OK or FR_ENOMEM. */
int fr_sched_copy(struct fr_sched *dst, const struct fr_sched *src);

void fr_sched_free(struct fr_sched *s);

/* Iterator over one stream's chunk sizes. stream_id separates the random
 * streams of e.g. (connection, direction) pairs under one seed. */
struct fr_sched_iter {
	const struct fr_sched *s;
	uint64_t rng;
	size_t idx;
};

void fr_sched_begin(struct fr_sched_iter *it, const struct fr_sched *s,
		    uint64_t stream_id);

/* Size of the next chunk: >= 1, or FR_CHUNK_REST. */
size_t fr_sched_next(struct fr_sched_iter *it);

/* Seeded PRNG (splitmix64) used across fraglab so that a seed printed by
 * one tool means the same in another. */
uint64_t fr_rng_next(uint64_t *state);
/* Uniform in [lo, hi] (inclusive). */
uint64_t fr_rng_range(uint64_t *state, uint64_t lo, uint64_t hi);
/* A state for (seed, stream): distinct, well-mixed streams. */
uint64_t fr_rng_seed(uint64_t seed, uint64_t stream);

extern const char fr_sched_help[];

#ifdef __cplusplus
}
#endif
#endif
