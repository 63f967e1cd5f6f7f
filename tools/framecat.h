/* framecat internals shared by its files: options, error reporting and
 * the encode/decode drivers. Prefix fc_. */
#ifndef FRAGLAB_TOOLS_FRAMECAT_H
#define FRAGLAB_TOOLS_FRAMECAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cm_buf.h"
#include "framing/framing.h"

#define FC_READ_BLOCK 65536 /* bytes of stdin per read */

enum fc_cmd { FC_ENCODE = 1, FC_DECODE, FC_TRANSCODE };
enum fc_in { FC_IN_HEX = 1, FC_IN_LINES, FC_IN_RAW };
enum fc_out { FC_OUT_HEX = 1, FC_OUT_LINES, FC_OUT_RAW };

struct fc_opts {
	enum fc_cmd cmd;
	struct fr_spec spec;	 /* encode/decode spec, transcode input */
	struct fr_spec out_spec; /* transcode output */
	enum fc_in in;
	enum fc_out out;
	struct fr_sched sched; /* kind 0: whole reads */
};

/* Encode msg with spec (through out, scratch space reused from call to
 * call) and write it to stdout; on refusal print "framecat: message N:
 * REASON". msg is never NULL. Returns 0, or 1 if an error was reported. */
int fc_emit_encoded(const struct fr_spec *spec, const uint8_t *msg, size_t len,
		    uint64_t msgno, struct cm_buf *out);

/* Report a stdout write failure once; returns 1 if stdout failed. */
int fc_check_stdout(void);

/* Drivers: return the exit status (0 or 1). */
int fc_encode(const struct fc_opts *o);
int fc_decode(const struct fc_opts *o);

#endif
