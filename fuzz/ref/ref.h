/* Reference decoders: a second, independent oracle for every codec, written
 * from docs/specs.md alone (not from framing/src). Whole-stream and slow on
 * purpose: the stream and the spec in, the frames, errors and finish out. */
#ifndef FRAGLAB_FUZZ_REF_H
#define FRAGLAB_FUZZ_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "framing/spec.h"

enum ref_ev_kind { REF_FRAME = 1, REF_ERROR, REF_FINISH };

struct ref_ev {
	enum ref_ev_kind kind;
	int code;     /* REF_ERROR: FR_E*; REF_FINISH: FR_DONE or FR_E* */
	bool fatal;   /* REF_ERROR: the decoder stops (sticky error) */
	uint64_t off; /* frame or error offset; 0 for a clean finish */
	size_t at;    /* REF_FRAME: payload starts at bytes + at */
	size_t len;   /* REF_FRAME: payload length */
};

/* What a stream decodes to: events in order, the last one REF_FINISH. raw
 * frames are pieces of at most max bytes; only their concatenation means
 * anything. Reusable: ref_decode empties it first. */
struct ref_result {
	struct ref_ev *ev;
	size_t n, cap;
	uint8_t *bytes; /* frame payloads, concatenated */
	size_t nb, bcap;
};

/* Whether the reference knows spec: every codec (the ten first ones,
 * resp, http1:req/resp and ws), without the len: options added for real
 * protocols (trailer=, vmax=) and without a preamble (pre=). */
bool ref_knows(const struct fr_spec *spec);

/* Decode the whole stream as spec says. Returns 0, -ENOMEM or -ENOTSUP
 * (a spec the reference does not know, see ref_knows). */
int ref_decode(const struct fr_spec *spec, const uint8_t *stream, size_t len,
	       struct ref_result *out);

void ref_result_free(struct ref_result *r);

/* One-line text of a result in the form of tests/support's du_events_str
 * ("f@0:6869 e@3:EOVERSIZE done"), or for raw "data:HEX done". malloc'ed;
 * NULL when out of memory. */
char *ref_result_str(const struct fr_spec *spec, const struct ref_result *r);

#endif
