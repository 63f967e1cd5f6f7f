/* fr_strerror / fr_errname: names for libframing's codes and negated errno
 * values (libuv style). */
#include <string.h>

#include "framing/error.h"

struct fr_errdesc {
	int code;
	const char *name;
	const char *text;
};

static const struct fr_errdesc fr_errors[] = {
    {FR_OK, "OK", "success"},
    {FR_EINVAL, "EINVAL", "invalid argument"},
    {FR_ESPEC, "ESPEC", "bad framing spec"},
    {FR_ESCHED, "ESCHED", "bad split schedule"},
    {FR_ENOMEM, "ENOMEM", "out of memory"},
    {FR_ENOSPC, "ENOSPC", "output buffer too small"},
    {FR_EOVERSIZE, "EOVERSIZE", "frame larger than max"},
    {FR_EBADLEN, "EBADLEN", "invalid length field"},
    {FR_EVARINT, "EVARINT", "varint too long or overflows 64 bits"},
    {FR_EESCAPE, "EESCAPE", "bad SLIP escape sequence"},
    {FR_ECOBS, "ECOBS", "malformed COBS frame"},
    {FR_ENETSTRING, "ENETSTRING", "malformed netstring"},
    {FR_ETRUNCATED, "ETRUNCATED", "stream ended inside a frame"},
    {FR_ETRAILER, "ETRAILER", "frame does not end with its trailer bytes"},
    {FR_ERESP, "ERESP", "malformed RESP value"},
    {FR_EDEPTH, "EDEPTH", "RESP aggregates nested too deep"},
    {FR_EHTTP, "EHTTP", "malformed HTTP/1 message"},
    {FR_EHTTPLEN, "EHTTPLEN",
     "ambiguous HTTP/1 body length (Content-Length/Transfer-Encoding)"},
    {FR_EWS, "EWS", "invalid WebSocket frame"},
    {FR_EUNENCODABLE, "EUNENCODABLE",
     "message cannot be framed so that it decodes back"},
    {FR_ECLOSED, "ECLOSED", "peer closed the connection"},
    {FR_ETIMEDOUT, "ETIMEDOUT", "deadline passed"},
    {FR_EAGAIN, "EAGAIN", "operation would block"},
};

static const struct fr_errdesc *fr_find(int code)
{
	for (size_t i = 0; i < sizeof(fr_errors) / sizeof(fr_errors[0]); i++)
		if (fr_errors[i].code == code)
			return &fr_errors[i];
	return NULL;
}

const char *fr_strerror(int code)
{
	const struct fr_errdesc *e = fr_find(code);

	if (e)
		return e->text;
	if (code < 0 && code > -4096)
		return strerror(-code);
	return "unknown error";
}

const char *fr_errname(int code)
{
	const struct fr_errdesc *e = fr_find(code);

	if (e)
		return e->name;
	if (code < 0 && code > -4096) {
		const char *n = strerrorname_np(-code);
		return n ? n : "ESYS";
	}
	return "EUNKNOWN";
}
