/* rec_target: the splitfuzz glue for rec_parse, the whole of what the
 * project writes: the fuzzer (fuzz_rec.c) and the regression tests
 * (test_rec.c) both use rec_target. */
#include <fraglab/splitfuzz.h>

#include "rec.h"

static ptrdiff_t rec_glue(void *conf, const uint8_t *buf, size_t len,
			  int at_eof, struct sfz_event *ev)
{
	ptrdiff_t n = rec_parse(buf, len, at_eof, &ev->data, &ev->len);

	if (n == REC_ETRUNC)
		ev->offset = 0; /* the cut-off record starts at buf[0] */
	return n;
}

const struct sfz_target rec_target = {
    .name = "rec",
    .parse = rec_glue,
    .parse_max = 2 + REC_MAX,
};
