/* split_line: the line codec fed whole, under the input's split schedule and
 * byte by byte must give the same frames and errors, and those of the
 * reference decoder (fuzz_input.h layout; fuzz_sfz.c glue). */
#include "framing/spec.h"
#include "fuzz_sfz.h"

FZ_SPLIT_TARGET(FR_LINE, line)
