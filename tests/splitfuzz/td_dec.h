/* Test decoders for tests/splitfuzz: a len:2be message decoder (and its
 * parse-function and encoder forms) with bugs to switch on, one for each
 * invariant the harness must catch. */
#ifndef FRAGLAB_TD_DEC_H
#define FRAGLAB_TD_DEC_H

#include "fraglab/splitfuzz.h"

#define TD_ETOOLONG (-2) /* length field above conf max */
#define TD_ETRUNC (-3)	 /* the stream ends inside a message */

enum td_bug {
	TD_BUG_SPLIT_HDR = 1,	/* a header cut after byte 1: a 1-byte length */
	TD_BUG_ERR_OFF = 2,	/* error offsets relative to the chunk */
	TD_BUG_REFUSE = 4,	/* feed refuses 1-byte chunks */
	TD_BUG_DROP_EMPTY = 8,	/* empty messages are not reported */
	TD_BUG_PARSE_OVER = 16, /* parse claims one byte more than given */
	TD_BUG_KEEP_PTR = 32,	/* reads a header's first byte through a
				   pointer into its chunk, even after the
				   chunk was handed back */
	TD_BUG_READ_PAST = 64,	/* feed reads the byte after the chunk */
	TD_BUG_PARSE_PAST = 128, /* parse reads the byte after buf[len) */
};

struct td_conf {
	unsigned bugs;
	unsigned max; /* longest payload (<= 255) */
};

extern const struct sfz_decoder td_decoder;
ptrdiff_t td_parse(void *conf, const uint8_t *buf, size_t len, int at_eof,
		   struct sfz_event *ev);
int td_encode(void *conf, const uint8_t *msg, size_t len, struct sfz_out *out);
const char *td_errname(long code);

#endif
