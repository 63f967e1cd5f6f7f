/* The split engine behind every split_<codec> target: decode the input's
 * stream whole, under the input's schedule and byte by byte, and abort
 * (fuzz_check.c) if the three event logs are not identical. */
#include "fuzz_check.h"
#include "fuzz_input.h"

static struct fz_log fz_whole, fz_plan, fz_bytes;

int fz_split_run(int kind, const uint8_t *data, size_t size)
{
	struct fz_setup s;
	struct fr_spec spec;

	if (fz_begin(&s, &spec, kind, data, size) != 0)
		return 0;
	fz_decode(&spec, s.stream, s.stream_len, NULL, 0, FZ_FEED_WHOLE,
		  &fz_whole);
	fz_decode(&spec, s.stream, s.stream_len, s.chunks, s.nchunks,
		  FZ_FEED_PLAN, &fz_plan);
	fz_compare(&spec, &fz_whole, &fz_plan, "whole vs schedule");
	fz_decode(&spec, s.stream, s.stream_len, NULL, 0, FZ_FEED_BYTES,
		  &fz_bytes);
	fz_compare(&spec, &fz_whole, &fz_bytes, "whole vs bytes");
	fz_check_reference(&spec, s.stream, s.stream_len, &fz_whole);
	fz_setup_free(&s);
	return 0;
}
