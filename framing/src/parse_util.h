/* Internal helpers shared by the spec and schedule parsers: strict number
 * parsing and one-line error messages. */
#ifndef FRAMING_PARSE_UTIL_H
#define FRAMING_PARSE_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Strict decimal: digits only (adjust may have a sign), no overflow, no
 * trailing junk. Return 0 on success, -1 otherwise. */
int fr_parse_u64(const char *s, uint64_t *out);
int fr_parse_i64(const char *s, int64_t *out);

/* Write a formatted message into err and return FR_ESPEC / FR_ESCHED. */
int fr_perr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int fr_serr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
