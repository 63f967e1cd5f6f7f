/* fraglab's split targets as splitfuzz targets: a configure reading the
 * choices of fuzz_input.h's layout, libframing's decoder and fuzz/ref's
 * reference decoder behind the harness's interface (fuzz_sfz.c). */
#ifndef FRAGLAB_FUZZ_SFZ_H
#define FRAGLAB_FUZZ_SFZ_H

#include "fraglab/splitfuzz.h"

/* The target of split_<codec> for kind (enum fr_kind). */
#define FZ_SPLIT_TARGET(kind_, name_)                                          \
	static void *fz_configure_##name_(struct sfz_choices *c)               \
	{                                                                      \
		return fz_sfz_configure(c, kind_);                             \
	}                                                                      \
	static const struct sfz_target fz_target_##name_ = {                   \
	    .name = "split_" #name_,                                           \
	    .dec = &fz_sfz_decoder,                                            \
	    .configure = fz_configure_##name_,                                 \
	    .ref = &fz_sfz_ref,                                                \
	    .errname = fz_sfz_errname,                                         \
	    .describe = fz_sfz_describe,                                       \
	};                                                                     \
	SFZ_FUZZ_TARGET(fz_target_##name_)

/* The choices of split_<kind> (codec options, max, the schedule through
 * sfz_read_schedule, the len-only extras); NULL when they make no valid
 * spec. The conf is the glue's own (one per process, no release). */
void *fz_sfz_configure(struct sfz_choices *c, int kind);
extern const struct sfz_decoder fz_sfz_decoder, fz_sfz_ref;
const char *fz_sfz_errname(long code);
void fz_sfz_describe(void *conf, char *buf, size_t len);

#endif
