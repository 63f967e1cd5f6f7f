/* Run a built fraglab tool with bytes on stdin and capture its stdout,
 * stderr and exit status (poll loop, so big outputs never deadlock). */
#ifndef FRAGLAB_TESTS_RUN_UTIL_H
#define FRAGLAB_TESTS_RUN_UTIL_H

#include <stddef.h>

struct run_result {
	char *out, *err; /* NUL-terminated, malloc'd */
	size_t out_len, err_len;
	int status; /* exit code, or 128 + signal */
};

/* Path of a built tool: $FRAGLAB_BIN/name ("./name" without it). The
 * result is one of 8 static buffers used in turn, so a few paths can be
 * passed to one call. */
const char *run_tool_path(const char *name);

/* Run argv (argv[0] is a path) with in[0..in_len) on stdin. Returns 0, or
 * -1 if the program could not be started. */
int run_prog(char *const argv[], const void *in, size_t in_len,
	     struct run_result *r);
void run_free(struct run_result *r);

#endif
