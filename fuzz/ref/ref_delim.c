/* Reference decoder for line, crlf and delim:HEX: a frame is everything up
 * to the first delimiter; a payload over max is reported once (EOVERSIZE at
 * the frame's first byte) and skipped, and decoding goes on after it. */
#include <errno.h>
#include <string.h>

#include "framing/codec.h"
#include "ref_int.h"

/* Index of the first delimiter at or after pos, or n if there is none. */
static size_t ref_find(const struct fr_spec *s, const uint8_t *p, size_t n,
		       size_t pos)
{
	size_t d = s->delim_len;

	for (size_t i = pos; i + d <= n; i++)
		if (memcmp(p + i, s->delim, d) == 0)
			return i;
	return n;
}

int ref_delimited(const struct fr_spec *s, const uint8_t *p, size_t n,
		  struct ref_result *r)
{
	size_t pos = 0, d = s->delim_len;

	while (pos < n) {
		size_t end = ref_find(s, p, n, pos);

		if (end == n) {
			/* Cut off by EOF. The last d - 1 bytes might still
			 * have been the start of a delimiter, so only what
			 * lies before them is known to be payload; if that
			 * is already over max, the frame was reported as
			 * oversize and EOF ends the discarding cleanly. */
			if (n - pos > s->max + d - 1) {
				if (ref_error(r, FR_EOVERSIZE, pos, false))
					return -ENOMEM;
				return ref_finish(r, FR_DONE, 0);
			}
			return ref_finish(r, FR_ETRUNCATED, pos);
		}
		if (end - pos > s->max) {
			if (ref_error(r, FR_EOVERSIZE, pos, false))
				return -ENOMEM;
		} else if (ref_frame(r, pos, p + pos, end - pos)) {
			return -ENOMEM;
		}
		pos = end + d;
	}
	return ref_finish(r, FR_DONE, 0);
}
