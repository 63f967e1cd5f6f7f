/* split_planted: the split target shape (fuzz_input.h layout: stream in
 * front, chunk sizes read from the end) against the planted decoder; it
 * aborts when whole-stream and chunked decoding disagree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_die.h"
#include "fuzz_input.h"
#include "planted.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct pl_log {
	uint8_t bytes[8192];
	size_t nb, frames;
	int result;
};

static void pl_record(void *arg, const uint8_t *p, size_t n)
{
	struct pl_log *l = arg;

	if (n > sizeof(l->bytes) - l->nb)
		n = sizeof(l->bytes) - l->nb;
	memcpy(l->bytes + l->nb, p, n);
	l->nb += n;
	l->frames++;
}

static void pl_run(const uint8_t *s, size_t len, const uint32_t *sizes,
		   size_t nsizes, struct pl_log *l)
{
	static struct pl_dec d;
	size_t pos = 0, k = 0;

	memset(l, 0, sizeof(*l));
	pl_init(&d);
	while (pos < len && l->result == 0) {
		size_t n = nsizes ? sizes[k++ % nsizes] : len;
		uint8_t *chunk;

		if (n > len - pos)
			n = len - pos;
		chunk = malloc(n);
		memcpy(chunk, s + pos, n);
		l->result = pl_feed(&d, chunk, n, pl_record, l);
		free(chunk);
		pos += n;
	}
	if (l->result == 0 && !pl_finish(&d))
		l->result = 1;
}

FZ_FAIL(pl_fail_frames_differ, "frames differ between whole and split",
	"planted")

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pl_log whole, split;
	struct fz_producer p;
	uint32_t sizes[8];
	size_t n;

	fz_producer_init(&p, data, size);
	n = fz_range(&p, 1, 8);
	for (size_t i = 0; i < n; i++)
		sizes[i] = fz_range(&p, 1, 64);
	pl_run(data, p.size, NULL, 0, &whole);
	pl_run(data, p.size, sizes, n, &split);
	if (whole.result != split.result || whole.frames != split.frames ||
	    whole.nb != split.nb || memcmp(whole.bytes, split.bytes, whole.nb))
		pl_fail_frames_differ();
	return 0;
}
