/* Option values for every tool, parsed one way: whole numbers, sizes with
 * a binary suffix, durations, and fractions. Each takes the option's name
 * as the user wrote it ("--buffer") and on a bad value fills err with one
 * line that names the option, quotes the value and says what was expected,
 * e.g. "--buffer: '12x' is not a size from 1 to 1G (suffixes K, M, G)".
 * Returns 0 or -EINVAL (out untouched). */
#ifndef FRAGLAB_COMMON_OPT_H
#define FRAGLAB_COMMON_OPT_H

#include <stddef.h>
#include <stdint.h>

/* Decimal digits only (no sign, no spaces, no junk), min <= v <= max. */
int cm_opt_uint(const char *name, const char *text, uint64_t min, uint64_t max,
		uint64_t *out, char *err, size_t errlen);

/* A whole number of bytes, optionally followed by K, M or G (KiB, MiB,
 * GiB; "k", "KiB" and "kb" mean the same), min <= v <= max. */
int cm_opt_size(const char *name, const char *text, uint64_t min, uint64_t max,
		uint64_t *out, char *err, size_t errlen);

/* A whole-number duration in milliseconds: "250ms", "2s", "1m", or a bare
 * number in units of unit_ms (1 for milliseconds, 1000 for seconds),
 * min_ms <= v <= max_ms. */
int cm_opt_ms(const char *name, const char *text, uint64_t unit_ms,
	      uint64_t min_ms, uint64_t max_ms, uint64_t *out, char *err,
	      size_t errlen);

/* A finite decimal number, min <= v <= max ("0.25", "1e-3"). */
int cm_opt_double(const char *name, const char *text, double min, double max,
		  double *out, char *err, size_t errlen);

#endif
