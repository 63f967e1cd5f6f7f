/* Internal to libfraglab_splitfuzz: the choices reader, the event logs a
 * feeding fills, chunk placement and the parse adapter. */
#ifndef FRAGLAB_SFZ_INT_H
#define FRAGLAB_SFZ_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fraglab/splitfuzz.h"

#define SFZ_NOINLINE __attribute__((noinline))
#define SFZ_LIST_MAX 8
#define SFZ_REC_MAX 64 /* choices remembered for --show */

struct sfz_choices {
	const uint8_t *data;
	size_t size; /* bytes not yet taken; choices shrink it from the end */
	bool sched_read;
	/* the schedule: 0 list, 1 fixed:N, 2 random:MIN-MAX,seed=S */
	uint32_t mode;
	uint32_t list_len, list[SFZ_LIST_MAX];
	bool repeat;
	uint32_t n;
	uint32_t rmin, rspan, seed;
	/* recorded choices (--show) */
	bool record;
	size_t nrec;
	uint32_t rec[SFZ_REC_MAX][3]; /* lo, hi, value */
};

void sfz_choices_init(struct sfz_choices *c, const uint8_t *data, size_t size);
/* The schedule as text ("list:3,1,repeat"). */
void sfz_sched_text(const struct sfz_choices *c, char *buf, size_t len);
/* Chunk sizes of a len-byte stream under c's schedule into *chunks
 * (grown, reused); returns their count. -1 when out of memory. */
ptrdiff_t sfz_chunks(const struct sfz_choices *c, size_t len, size_t **chunks,
		     size_t *cap);

/* What went wrong, for sfz_check's why and the findings. */
enum sfz_inv {
	SFZ_OK = 0,
	SFZ_I_REFUSED,	 /* feed refused a chunk */
	SFZ_I_PROGRESS,	 /* too many events for the bytes fed */
	SFZ_I_BADEV,	 /* an event the interface does not allow */
	SFZ_I_COUNT,	 /* event counts differ */
	SFZ_I_KIND,	 /* event kinds differ */
	SFZ_I_MSG,	 /* message bytes differ */
	SFZ_I_CODE,	 /* error codes differ */
	SFZ_I_OFFSET,	 /* error offsets differ */
	SFZ_I_FATAL,	 /* fatal flags differ */
	SFZ_I_FINISH,	 /* finish results differ */
	SFZ_I_REF,	 /* the reference decoder disagrees */
	SFZ_I_ROUNDTRIP, /* decoded messages are not the encoded ones */
	SFZ_I_PARSE,	 /* parse returned more than it was given */
	SFZ_NINV
};

extern const char *const sfz_inv_name[SFZ_NINV];

struct sfz_finding {
	enum sfz_inv inv;
	char why[512];
};

/* ---- event logs ---- */

enum sfz_rec_kind { SFZ_R_MSG = 1, SFZ_R_ERR, SFZ_R_END, SFZ_R_ENDERR };

struct sfz_rec {
	enum sfz_rec_kind kind;
	int fatal;
	long code;
	uint64_t off;
	size_t at, len; /* SFZ_R_MSG: bytes + at */
};

struct sfz_log {
	struct sfz_rec *ev;
	size_t n, cap;
	uint8_t *bytes;
	size_t nb, bcap;
};

/* How a feeding cuts the stream. */
enum sfz_feed { SFZ_WHOLE, SFZ_PLAN, SFZ_BYTES };

/* Feed stream to a decoder made by d->create(arg) and log its events.
 * Returns 1 when create returned NULL (skip), 0, or -1 with *f set. */
int sfz_feed_log(const struct sfz_target *t, const struct sfz_decoder *d,
		 void *arg, const uint8_t *stream, size_t len,
		 const size_t *chunks, size_t nchunks, enum sfz_feed feed,
		 struct sfz_log *log, struct sfz_finding *f);

/* Compare two logs; 0 or -1 with *f set (inv, or SFZ_I_REF when ref). */
int sfz_log_compare(const struct sfz_target *t, const struct sfz_log *a,
		    const struct sfz_log *b, const char *what, bool ref,
		    struct sfz_finding *f);

/* One event of a log as text ("error EOVERSIZE@0 fatal"). */
void sfz_rec_text(const struct sfz_target *t, const struct sfz_log *l, size_t i,
		  char *buf, size_t len);

/* ---- chunks (sfz_chunk_dup/free in the public header): exact-size
 * allocations when this is true (ASan, or SFZ_EXACT_CHUNKS=1) ---- */
bool sfz_exact(void);
/* p, or abort(): running out of memory is not a finding. */
void *sfz_must(void *p);
/* Grow *p to hold want elements of size sz (doubling); NULL on failure. */
void *sfz_grow(void *p, size_t *cap, size_t want, size_t sz);

/* Read a run's choices: configure (NULL conf without one), then the
 * schedule; the stream is what is left in c->data[0..c->size). record:
 * keep the choices (sfz_show). -1 when configure refused the input. */
int sfz_begin(const struct sfz_target *t, struct sfz_choices *c,
	      const uint8_t *data, size_t size, bool record, void **conf);
/* Release what sfz_begin configured. */
void sfz_end(const struct sfz_target *t, void *conf);
/* The target's description of conf into text, if it has one. */
bool sfz_describe(const struct sfz_target *t, void *conf, char *text,
		  size_t len);

/* The drivers' file reader: the whole of path into *out (an exact-size
 * malloc, 1 byte for an empty file), its size in *len. 0, or -errno. */
int sfz_read_file(const char *path, unsigned char **out, size_t *len);

/* ---- the parse adapter: a decoder over t->parse ---- */
struct sfz_pa_arg {
	const struct sfz_target *t;
	void *conf;
	struct sfz_finding *f; /* set by the adapter on SFZ_I_PARSE */
};
extern const struct sfz_decoder sfz_parse_decoder;

#endif
