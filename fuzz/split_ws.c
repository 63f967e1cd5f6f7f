/* split_ws: the ws codec fed whole, under the input's split schedule
 * and byte by byte must give the same frames and errors (fuzz_input.h). */
#include <stddef.h>
#include <stdint.h>

#include "framing/spec.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_split_run(FR_WS, data, size);
}
