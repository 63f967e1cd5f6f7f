/* Private to fraglab_criterion (not installed): write a message into the
 * caller's buffer and hand back a result code, in one expression. */
#ifndef FCR_SAY_H
#define FCR_SAY_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* printf fmt into msg (if msg and n) and return rc. */
__attribute__((format(printf, 4, 5))) static inline int
fcr_say(char *msg, size_t n, int rc, const char *fmt, ...)
{
	va_list ap;

	if (msg && n) {
		va_start(ap, fmt);
		vsnprintf(msg, n, fmt, ap);
		va_end(ap);
	}
	return rc;
}

#endif
