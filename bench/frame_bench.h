/* frame-bench internals: workload generation (frame_gen.c) and the
 * decoder throughput measurement (frame_bench.c). Prefix fb_. */
#ifndef FRAGLAB_BENCH_FRAME_BENCH_H
#define FRAGLAB_BENCH_FRAME_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "framing/spec.h"

#define FB_PAYLOAD_MAX ((uint64_t)1 << 30) /* --min, --max, --chunk */
#define FB_RUNS_MAX 1000000

struct fb_gen {
	struct fr_spec spec;
	const char *spec_text;
	uint64_t size; /* stop before the stream would exceed this */
	uint64_t seed;
	size_t min, max; /* payload sizes, inclusive */
	const char *out;
};

/* Write the workload file. Returns the exit status (0 or 1). */
int fb_generate(const struct fb_gen *g);

#endif
