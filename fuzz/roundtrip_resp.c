/* roundtrip_resp: messages from the input, encoded with fr_encode, decoded
 * under the input's split schedule, must come back unchanged. */
#include <stddef.h>
#include <stdint.h>

#include "framing/spec.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_roundtrip_run(FR_RESP, data, size);
}
