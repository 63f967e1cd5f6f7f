/* Helpers for the fragtest suites: run a shell command and capture its
 * output and status, check processes are gone. Built programs are found
 * with run_tool_path() (run_util.h). */
#ifndef TEST_FRAGTEST_UTIL_H
#define TEST_FRAGTEST_UTIL_H

#include <stdbool.h>
#include <sys/types.h>

#include "run_util.h"

struct ftt_out {
	int status; /* exit status, 128+N for signal N, -1 if it could not run
		     */
	char out[1 << 20]; /* big: a report's DOM; keep these static */
	char err[1 << 16];
};

/* A fresh directory under /tmp (the last 16 stay valid). */
const char *ftt_tmpdir(void);
/* Runs fmt... with /bin/sh -c; fills o. */
int ftt_sh(struct ftt_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Starts fmt... with /bin/sh -c in the background, output to files in
 * dir; returns its pid. ftt_wait collects it into o. */
pid_t ftt_spawn(const char *dir, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int ftt_wait(pid_t pid, const char *dir, struct ftt_out *o);
/* Waits (bounded) until path exists and holds at least n lines. */
bool ftt_wait_lines(const char *path, int n);
/* True when no pid listed in path (one per line) is alive. */
bool ftt_pids_gone(const char *path);
/* The text after "prefix" up to the end of that line, in a static buffer. */
const char *ftt_line_after(const char *text, const char *prefix);
/* True if the program is on PATH. */
bool ftt_have(const char *prog);

#endif
