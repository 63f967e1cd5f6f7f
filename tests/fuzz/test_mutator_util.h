/* Helpers shared by the mutator suites (test_mutator_util.c). */
#ifndef FRAGLAB_TEST_MUTATOR_UTIL_H
#define FRAGLAB_TEST_MUTATOR_UTIL_H

#include "fm_int.h"

#define CAP 4096

extern const char *const fmt_targets[]; /* every target fm_ knows */
extern const size_t fmt_ntargets;
extern const char *const three[3]; /* "hello", "fraglab", "xy" */

typedef void (*check_fn)(const struct fm_target *t, const uint8_t *before,
			 size_t nb, const uint8_t *after, size_t na);

struct fm_target target(const char *name);
/* Options: spec and a list:64 schedule, everything else at its lowest. */
struct fz_opts opts(int kind);
/* An input for t with frames msgs[0..n) encoded for the codec of o
 * (split: wire; roundtrip and server_echo: message list) into out. */
size_t build(const struct fm_target *t, struct fz_opts *o,
	     const char *const *msgs, size_t n, uint8_t *out);
void read_ok(struct fm_input *in, const struct fm_target *t, const uint8_t *d,
	     size_t n);
size_t each(const char *name, int op, const uint8_t *d, size_t n, int tries,
	    check_fn check);
/* Frames of an input (asserting none is left over). */
size_t nframes(const struct fm_target *t, const uint8_t *d, size_t n);
/* Setup of a split input (spec, schedule, stream). */
void setup(const struct fm_target *t, const uint8_t *d, size_t n,
	   struct fz_setup *s);

#endif
