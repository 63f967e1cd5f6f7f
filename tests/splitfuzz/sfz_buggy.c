/* sfz_buggy: a tiny splitfuzz target for tests/splitfuzz, linked with the
 * replay driver. SFZ_BUGGY picks what it runs: split (the header-split
 * bug), roundtrip (empty messages dropped, seen only by the round trip),
 * keep (a pointer into a chunk used after it was handed back), past (a
 * read one past a chunk), parse_past (the same by a parse function through
 * the parse adapter), parse (that parse function, correct) or clean. Its
 * configure reads one choice: the longest payload. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "td_dec.h"

static struct td_conf conf;

static void *buggy_configure(struct sfz_choices *c)
{
	const char *m = getenv("SFZ_BUGGY");

	conf.max = sfz_choose(c, 1, 255);
	conf.bugs = 0;
	if (m != NULL && strcmp(m, "split") == 0)
		conf.bugs = TD_BUG_SPLIT_HDR;
	if (m != NULL && strcmp(m, "roundtrip") == 0)
		conf.bugs = TD_BUG_DROP_EMPTY;
	if (m != NULL && strcmp(m, "keep") == 0)
		conf.bugs = TD_BUG_KEEP_PTR;
	if (m != NULL && strcmp(m, "past") == 0)
		conf.bugs = TD_BUG_READ_PAST;
	if (m != NULL && strcmp(m, "parse_past") == 0)
		conf.bugs = TD_BUG_PARSE_PAST;
	return &conf;
}

static void buggy_describe(void *c, char *buf, size_t len)
{
	const struct td_conf *tc = c;

	snprintf(buf, len, "max=%u bugs=%u", tc->max, tc->bugs);
}

static const struct sfz_target buggy = {
    .name = "sfz_buggy",
    .dec = &td_decoder,
    .configure = buggy_configure,
    .encode = td_encode,
    .errname = td_errname,
    .describe = buggy_describe,
};

/* The same through the parse adapter (SFZ_BUGGY=parse...). */
static const struct sfz_target buggy_parse = {
    .name = "sfz_buggy_parse",
    .parse = td_parse,
    .configure = buggy_configure,
    .errname = td_errname,
    .describe = buggy_describe,
};

const struct sfz_target *const sfz_fuzz_target = &buggy;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *m = getenv("SFZ_BUGGY");

	if (m != NULL && strcmp(m, "roundtrip") == 0)
		return sfz_run_roundtrip(&buggy, data, size);
	if (m != NULL && strncmp(m, "parse", 5) == 0)
		return sfz_run(&buggy_parse, data, size);
	return sfz_run(&buggy, data, size);
}
