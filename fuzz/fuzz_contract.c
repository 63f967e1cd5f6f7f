/* The per-call decoder contract every fuzz engine checks (fuzz_contract.h),
 * one abort function per broken rule, so crashes of different rules keep
 * distinct stacks in triage. */
#include <stdlib.h>

#include "fuzz_contract.h"
#include "fuzz_die.h"

#define FZ_FAIL_EXPORT(fn, what, detail)                                       \
	FZ_NOINLINE void fn(void)                                              \
	{                                                                      \
		fz_die(what, detail);                                          \
	}

FZ_FAIL_EXPORT(fz_fail_init, "decoder init refused a parsed spec", "init")
FZ_FAIL_EXPORT(fz_fail_feed, "feed refused a chunk after NEED_MORE", "feed")
FZ_FAIL_EXPORT(fz_fail_bound, "decoder buffer grew past fr_decoder_bufsize",
	       "bound")
FZ_FAIL_EXPORT(fz_fail_offset_total,
	       "consumed offset differs from stream length", "offset")
FZ_FAIL(fz_fail_frame_over_max, "frame longer than max", "frame")
FZ_FAIL(fz_fail_fixed_len, "fixed frame of the wrong size", "frame")
FZ_FAIL(fz_fail_frame_null, "frame with length but no data", "frame")
FZ_FAIL(fz_fail_frame_offset_order,
	"frame starts before the end of the previous one", "frame")
FZ_FAIL(fz_fail_raw_offset, "raw frame offset not contiguous", "raw")
FZ_FAIL(fz_fail_bad_result, "unexpected result from fr_decoder_next", "next")
FZ_FAIL(fz_fail_error_frame, "error result left data in the frame", "error")
FZ_FAIL(fz_fail_not_sticky, "fatal error not sticky", "error")
FZ_FAIL(fz_fail_fatal_not_failed, "fatal code but decoder not failed", "error")
FZ_FAIL(fz_fail_finish_result, "finish returned a non-finish result", "finish")
FZ_FAIL(fz_fail_finish_unstable, "second finish differs from the first",
	"finish")
FZ_FAIL(fz_fail_no_progress, "more events than input bytes", "next")

bool fz_contract_frame(const struct fr_spec *spec, const struct fr_frame *f,
		       uint64_t raw_len, uint64_t *next_off)
{
	if (f->len > spec->max)
		fz_fail_frame_over_max();
	if (spec->kind == FR_FIXED && f->len != spec->fixed)
		fz_fail_fixed_len();
	if (f->len > 0 && f->data == NULL)
		fz_fail_frame_null();
	if (spec->kind == FR_RAW) {
		if (f->offset != raw_len)
			fz_fail_raw_offset();
		return false;
	}
	if (f->offset < *next_off)
		fz_fail_frame_offset_order();
	*next_off = f->offset + 1;
	return true;
}

bool fz_contract_error(struct fr_decoder *d, const struct fr_spec *spec, int r,
		       const struct fr_frame *f)
{
	struct fr_frame again;

	if (r >= 0)
		fz_fail_bad_result();
	if (f->data != NULL || f->len != 0)
		fz_fail_error_frame();
	if (fr_decoder_failed(d)) {
		if (fr_decoder_next(d, &again) != r ||
		    again.offset != f->offset ||
		    fr_decoder_finish(d, &again) != r ||
		    again.offset != f->offset)
			fz_fail_not_sticky();
		return true;
	}
	if (fr_error_is_fatal(spec, r))
		fz_fail_fatal_not_failed();
	return false;
}

void fz_contract_finish(struct fr_decoder *d, int r, const struct fr_frame *f)
{
	struct fr_frame g;
	int r2;

	if (r != FR_DONE && r >= 0)
		fz_fail_finish_result();
	r2 = fr_decoder_finish(d, &g);
	if (r2 != r || (r < 0 && g.offset != f->offset))
		fz_fail_finish_unstable();
}

void fz_contract_progress(uint64_t events, uint64_t bound)
{
	if (events > bound)
		fz_fail_no_progress();
}

/* Largest caller buffer worth a malloc per run. */
#define FZ_CALLER_BUF_MAX 65536

void *fz_contract_init(struct fr_decoder *d, const struct fr_spec *spec,
		       size_t bsz, bool caller_buf)
{
	void *cbuf = NULL;

	if (caller_buf && bsz > 0 && bsz <= FZ_CALLER_BUF_MAX)
		cbuf = fz_must(malloc(bsz));
	if (fr_decoder_init(d, spec, cbuf, cbuf ? bsz : 0) != FR_OK)
		fz_fail_init();
	return cbuf;
}
