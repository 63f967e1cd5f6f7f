/* The fuzz suites' comparison of the reference decoder (fuzz/ref) with
 * the fast one over one whole stream (ref_vs_fast.c). */
#ifndef FRAGLAB_REF_VS_FAST_H
#define FRAGLAB_REF_VS_FAST_H

#include <stddef.h>
#include <stdint.h>

#include "framing/codec.h"
#include "ref.h"

/* Decode stream with both (raw: the frames' bytes together): NULL when
 * they give the same events, else "NAME, stream HEX:\n fast ...\n  ref ..."
 * (malloc'd). r is the reference's result buffer, reused across calls. */
char *ref_vs_fast(const struct fr_spec *spec, const char *name,
		  const uint8_t *stream, size_t len, struct ref_result *r);

#endif
