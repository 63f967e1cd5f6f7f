/* Shared by the shim suites: run a command under fragshim (or without it)
 * through /bin/sh, and read key=value results from its output. */
#ifndef SHIM_TEST_H
#define SHIM_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_fragtest_util.h"

/* The value after " key=" (or at the start) in text, or -1. */
static inline long sh_val(const char *text, const char *key)
{
	size_t n = strlen(key);
	const char *p = text;

	while ((p = strstr(p, key)) != NULL) {
		if ((p == text || p[-1] == ' ' || p[-1] == '\n') && p[n] == '=')
			return strtol(p + n + 1, NULL, 10);
		p += n;
	}
	return -1;
}

/* Number of lines of text that contain needle. */
static inline int sh_count(const char *text, const char *needle)
{
	int c = 0;

	while ((text = strstr(text, needle)) != NULL) {
		c++;
		text += strlen(needle);
	}
	return c;
}

#endif
