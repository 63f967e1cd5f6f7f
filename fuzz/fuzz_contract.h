/* Internal to fuzz/: the per-call decoder contract (docs/design.md) that
 * every engine checks on each fr_decoder_* call, the split glue on the
 * splitfuzz harness (fuzz_sfz.c) and fz_decode (fuzz_check.c) alike. Each
 * broken rule aborts from its own function (fuzz_die.h). */
#ifndef FRAGLAB_FUZZ_CONTRACT_H
#define FRAGLAB_FUZZ_CONTRACT_H

#include <stdbool.h>
#include <stdint.h>

#include "framing/framing.h"

/* A frame f of spec: at most max, fixed size, data with a length; raw
 * frames contiguous (raw_len: raw bytes delivered so far), others in
 * stream order (*next_off: where the next may start). True when f is
 * reported by itself; false for raw, whose bytes only count together. */
bool fz_contract_frame(const struct fr_spec *spec, const struct fr_frame *f,
		       uint64_t raw_len, uint64_t *next_off);

/* A result r of fr_decoder_next that is neither FR_FRAME nor FR_NEED_MORE,
 * with f: an error with no data; once the decoder is failed, next and
 * finish repeat it (sticky), else it must not be a fatal code. True when
 * the decoder is failed. */
bool fz_contract_error(struct fr_decoder *d, const struct fr_spec *spec, int r,
		       const struct fr_frame *f);

/* The result r of fr_decoder_finish (after any FR_FRAME it gave), with f:
 * FR_DONE or an error, and a second finish says the same. */
void fz_contract_finish(struct fr_decoder *d, int r, const struct fr_frame *f);

/* events calls on fed bytes: more than bound means no progress. */
void fz_contract_progress(uint64_t events, uint64_t bound);

/* Init d for spec, whose fr_decoder_bufsize is bsz: with a caller buffer
 * of exactly bsz bytes when caller_buf is set and bsz is small enough to
 * be worth a malloc per run (returned, for the caller to free after
 * fr_decoder_free), else with the decoder's own (NULL). Aborts
 * (fz_fail_init) if init refuses the spec. */
void *fz_contract_init(struct fr_decoder *d, const struct fr_spec *spec,
		       size_t bsz, bool caller_buf);

/* The rules the engines check themselves. */
void fz_fail_init(void);	 /* init refused a parsed spec */
void fz_fail_feed(void);	 /* feed refused a chunk after NEED_MORE */
void fz_fail_bound(void);	 /* buffer past fr_decoder_bufsize */
void fz_fail_offset_total(void); /* consumed != stream length */

/* After each call: a decoder with its own buffer (cbuf NULL) never holds
 * more than bsz, else fz_fail_bound. */
static inline void fz_contract_bound(const struct fr_decoder *d,
				     const void *cbuf, size_t bsz)
{
	if (cbuf == NULL && fr_decoder_bufcap(d) > bsz)
		fz_fail_bound();
}

#endif
