/* Reference decoders for the codecs without a header: fixed:N (exactly N
 * bytes a frame, a short tail is ETRUNCATED) and raw (no framing at all). */
#include <errno.h>

#include "framing/codec.h"
#include "ref_int.h"

int ref_fixed(const struct fr_spec *s, const uint8_t *p, size_t n,
	      struct ref_result *r)
{
	size_t pos = 0;

	for (; n - pos >= s->fixed; pos += s->fixed)
		if (ref_frame(r, pos, p + pos, s->fixed))
			return -ENOMEM;
	if (pos < n)
		return ref_finish(r, FR_ETRUNCATED, pos);
	return ref_finish(r, FR_DONE, 0);
}

int ref_raw(const struct fr_spec *s, const uint8_t *p, size_t n,
	    struct ref_result *r)
{
	for (size_t pos = 0; pos < n;) {
		size_t k = n - pos < s->max ? n - pos : s->max;

		if (ref_frame(r, pos, p + pos, k))
			return -ENOMEM;
		pos += k;
	}
	return ref_finish(r, FR_DONE, 0);
}
