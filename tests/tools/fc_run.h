/* Shared by the framecat suites: run the built framecat with arguments and
 * stdin as a real process (run_util.h) and hand back what it did. */
#ifndef FC_RUN_H
#define FC_RUN_H

#include <stddef.h>
#include <string.h>

#include "run_util.h"

/* Run framecat with args (NULL-terminated, at most 14) and the given stdin;
 * fails the test if it cannot be run. */
struct run_result fc_argv(const void *in, size_t len, const char *const *args);

#define FCN(in, len, ...)                                                      \
	fc_argv((in), (len), (const char *[]){__VA_ARGS__, NULL})
#define FC(in, ...) FCN((in), strlen(in), __VA_ARGS__)

#endif
