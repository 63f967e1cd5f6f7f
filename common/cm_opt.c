/* Option value parsing with the option named in the error (cm_opt.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cm_opt.h"

/* Leading decimal digits of text into *v; *end after them. -1 if there
 * are none or they overflow 64 bits. */
static int digits(const char *text, uint64_t *v, const char **end)
{
	const char *p = text;
	uint64_t x = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	*end = p;
	return 0;
}

static int bad(char *err, size_t errlen, const char *name, const char *text,
	       const char *what, uint64_t min, uint64_t max, const char *tail)
{
	snprintf(err, errlen,
		 "%s: '%s' is not %s from %" PRIu64 " to %" PRIu64 "%s", name,
		 text, what, min, max, tail);
	return -EINVAL;
}

int cm_opt_uint(const char *name, const char *text, uint64_t min, uint64_t max,
		uint64_t *out, char *err, size_t errlen)
{
	uint64_t v;
	const char *end;

	if (digits(text, &v, &end) != 0 || *end != '\0' || v < min || v > max)
		return bad(err, errlen, name, text, "a whole number", min, max,
			   "");
	*out = v;
	return 0;
}

/* Multiplier of a size suffix, 0 if it is not one. */
static uint64_t size_unit(const char *s)
{
	static const struct {
		const char *a, *b, *c;
		uint64_t mul;
	} units[] = {
	    {"", "b", "B", 1},
	    {"k", "kib", "kb", (uint64_t)1 << 10},
	    {"m", "mib", "mb", (uint64_t)1 << 20},
	    {"g", "gib", "gb", (uint64_t)1 << 30},
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcasecmp(s, units[i].a) == 0 ||
		    strcasecmp(s, units[i].b) == 0 ||
		    strcasecmp(s, units[i].c) == 0)
			return units[i].mul;
	return 0;
}

int cm_opt_size(const char *name, const char *text, uint64_t min, uint64_t max,
		uint64_t *out, char *err, size_t errlen)
{
	uint64_t v, mul;
	const char *end;

	if (digits(text, &v, &end) != 0 || (mul = size_unit(end)) == 0 ||
	    v > UINT64_MAX / mul || v * mul < min || v * mul > max)
		return bad(err, errlen, name, text, "a size", min, max,
			   " bytes (suffixes K, M, G)");
	*out = v * mul;
	return 0;
}

int cm_opt_ms(const char *name, const char *text, uint64_t unit_ms,
	      uint64_t min_ms, uint64_t max_ms, uint64_t *out, char *err,
	      size_t errlen)
{
	uint64_t v, mul = 0;
	const char *end;

	if (digits(text, &v, &end) == 0) {
		if (*end == '\0')
			mul = unit_ms;
		else if (strcmp(end, "ms") == 0)
			mul = 1;
		else if (strcmp(end, "s") == 0)
			mul = 1000;
		else if (strcmp(end, "m") == 0)
			mul = 60000;
	}
	if (mul == 0 || v > UINT64_MAX / mul || v * mul < min_ms ||
	    v * mul > max_ms)
		return bad(err, errlen, name, text, "a duration", min_ms,
			   max_ms, " ms (suffixes ms, s, m)");
	*out = v * mul;
	return 0;
}

int cm_opt_double(const char *name, const char *text, double min, double max,
		  double *out, char *err, size_t errlen)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (end == text || *end != '\0' || errno != 0 || !isfinite(v) ||
	    v < min || v > max || text[0] == ' ' || text[0] == '\t') {
		snprintf(err, errlen, "%s: '%s' is not a number from %g to %g",
			 name, text, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}
