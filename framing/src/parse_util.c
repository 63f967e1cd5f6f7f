/* Strict number parsing and error formatting for the spec and schedule
 * parsers. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "framing/error.h"
#include "parse_util.h"

int fr_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int fr_parse_i64(const char *s, int64_t *out)
{
	uint64_t v;
	bool neg = false;

	if (!s)
		return -1;
	if (*s == '-' || *s == '+') {
		neg = *s == '-';
		s++;
	}
	if (fr_parse_u64(s, &v) || v > (uint64_t)INT64_MAX)
		return -1;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

static void fr_vfmt(char *err, size_t errlen, const char *fmt, va_list ap)
{
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
}

int fr_perr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fr_vfmt(err, errlen, fmt, ap);
	va_end(ap);
	return FR_ESPEC;
}

int fr_serr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fr_vfmt(err, errlen, fmt, ap);
	va_end(ap);
	return FR_ESCHED;
}
