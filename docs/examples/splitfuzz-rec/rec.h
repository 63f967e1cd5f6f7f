/* rec: the example project's own wire format and its buffer parser, the
 * code splitfuzz fuzzes. A record is a 1-byte length (0..127), or a 2-byte
 * big-endian length with the top bit set (0..32767), then that many bytes. */
#ifndef REC_H
#define REC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define REC_MAX 32767
#define REC_ETRUNC (-1) /* the stream ends inside a record */

/* Looks for one record at the front of buf[0..len): returns the bytes it
 * takes (header and payload) and sets *payload and *plen, 0 when more
 * bytes are needed, or REC_ETRUNC when at_eof and a record is cut off. */
ptrdiff_t rec_parse(const uint8_t *buf, size_t len, int at_eof,
		    const uint8_t **payload, size_t *plen);

#endif
