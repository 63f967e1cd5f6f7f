/* Structure-aware mutator for the split_*, roundtrip_* and server_echo
 * targets: an input (fuzz_input.h layout) is read as codec options,
 * schedule and frames, mutated at that level and written back. */
#ifndef FRAGLAB_FM_MUTATOR_H
#define FRAGLAB_FM_MUTATOR_H

#include <stddef.h>
#include <stdint.h>

#include "framing/sched.h" /* fr_rng_next: the mutator's only randomness */

enum fm_mode {
	FM_SPLIT,     /* front = wire stream */
	FM_ROUNDTRIP, /* front = message list */
	FM_SERVER     /* codec choice first; front = messages or wire */
};

/* Which target the inputs are for. */
struct fm_target {
	int kind; /* enum fr_kind; 0 for server_echo (the input picks it) */
	enum fm_mode mode;
};

/* Mutation kinds (fm_mutate_op); FM_OP_BYTES is the plain byte share. */
enum fm_op {
	FM_OP_INSERT,  /* a new frame, encoded by the codec's encoder */
	FM_OP_DROP,    /* one frame removed */
	FM_OP_DUP,     /* one frame repeated */
	FM_OP_RESIZE,  /* one frame's payload grown or shrunk, re-encoded */
	FM_OP_CORRUPT, /* one length field, escape or delimiter changed */
	FM_OP_CUT,     /* one cut of the schedule moved */
	FM_OP_MAX,     /* max= set to a frame's size - 1, + 0 or + 1 */
	FM_OP_OPTS,    /* one codec option changed, frames re-encoded */
	FM_OP_SPLICE,  /* frames of a second input inserted (crossover) */
	FM_OP_BYTES,   /* plain byte mutation (caller's or built-in) */
	FM_NOPS
};

/* Plain byte mutator (libFuzzer's LLVMFuzzerMutate has this shape). */
typedef size_t (*fm_bytes_fn)(uint8_t *data, size_t size, size_t max);

/* "split_len", "roundtrip_cobs", "server_echo" -> *t. Returns 0 or
 * -EINVAL for any other name. */
int fm_target_parse(struct fm_target *t, const char *name);

/* Name of an operation ("insert", ...) for logs and tests. */
const char *fm_op_name(int op);

/* One mutation of data[0..size) in place, result at most max bytes;
 * returns the new size. Mostly structural operations, a share of plain
 * byte mutations (bytes, or a built-in flipper when NULL); never 0 unless
 * max is 0. */
size_t fm_mutate(const struct fm_target *t, uint8_t *data, size_t size,
		 size_t max, uint64_t *rng, fm_bytes_fn bytes);

/* Exactly operation op (not FM_OP_SPLICE). Returns the new size, or 0 if
 * op does not apply to this input or the result would not fit in max
 * (data is then unchanged). */
size_t fm_mutate_op(const struct fm_target *t, int op, uint8_t *data,
		    size_t size, size_t max, uint64_t *rng);

/* Crossover: a's options and frames with a run of b's frames inserted
 * (re-encoded for a's codec) into out (at most max bytes). Returns the
 * size, or 0 if nothing could be built. */
size_t fm_crossover(const struct fm_target *t, const uint8_t *a, size_t na,
		    const uint8_t *b, size_t nb, uint8_t *out, size_t max,
		    uint64_t *rng);

#endif
