/* rec: the parser of rec.h. Built without REC_FIXED it has the planted
 * split bug of docs/fuzz-your-parser.md: the long header's second byte is
 * assumed to have arrived with the first. */
#include "rec.h"

ptrdiff_t rec_parse(const uint8_t *buf, size_t len, int at_eof,
		    const uint8_t **payload, size_t *plen)
{
	size_t hdr = 1, n;

	if (len == 0)
		return 0;
	n = buf[0] & 0x7f;
	if (buf[0] & 0x80) {
#ifdef REC_FIXED
		if (len < 2)
			return at_eof ? REC_ETRUNC : 0;
		n = n << 8 | buf[1];
		hdr = 2;
#else
		/* The bug: guarded against reading past the buffer, but when
		 * only the first header byte is in, it is read as a short
		 * header: 0x80 alone becomes an empty record. */
		if (len >= 2) {
			n = n << 8 | buf[1];
			hdr = 2;
		}
#endif
	}
	if (len < hdr + n)
		return at_eof ? REC_ETRUNC : 0;
	*payload = buf + hdr;
	*plen = n;
	return (ptrdiff_t)(hdr + n);
}
