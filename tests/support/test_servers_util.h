/* Helpers for the servers suites: start a built program from FRAGLAB_BIN
 * on port 0 and read its `listening on` line, stop it with SIGTERM, run a
 * client program to completion, and loopback TCP/UDP sockets. */
#ifndef TEST_SERVERS_UTIL_H
#define TEST_SERVERS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#define TS_WAIT_MS 30000 /* generous: loaded 2-core box under ASan */

/* TS_ASAN is 1 in a build with AddressSanitizer: freed memory waits in a
 * quarantine instead of being reused there, so RSS after many frees says
 * nothing and the suites assert RSS bounds only when it is 0. */
#if defined(__SANITIZE_ADDRESS__)
#define TS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TS_ASAN 1
#endif
#endif
#ifndef TS_ASAN
#define TS_ASAN 0
#endif

struct ts_proc {
	pid_t pid;
	int port;
	int errfd;	/* the program's stderr (an unlinked file) */
	char addr[128]; /* from the listening line */
};

/* Start FRAGLAB_BIN/argv[0] with argv; stdout piped until the listening
 * line is read (port parsed into p->port). nofile > 0: RLIMIT_NOFILE of
 * the child. The child dies with the test process (PR_SET_PDEATHSIG).
 * Returns 0, or -1 (with p->pid reaped) if it never announced. */
int ts_start(struct ts_proc *p, const char *const argv[], long nofile);

/* SIGTERM, then wait up to TS_WAIT_MS (SIGKILL after). Returns the exit
 * status, or 128+signal, or -1 if it had to be killed. */
int ts_stop(struct ts_proc *p);

/* Read the stderr the program has written so far (static buffer). */
const char *ts_stderr(const struct ts_proc *p);

/* Run FRAGLAB_BIN/argv[0] to completion with run_prog (run_util.h), stdin
 * from `in` (may be NULL), stdout/stderr copied into out/err (NUL-
 * terminated, truncated). Returns the exit status, or -1 if it could not
 * start or died of a signal. */
int ts_run(const char *const argv[], const char *in, char *out, size_t outcap,
	   char *err, size_t errcap);

/* Loopback address (127.0.0.1 or ::1) with port into *ss; returns len. */
unsigned ts_loopback(struct sockaddr_storage *ss, int port, bool v6);

/* Blocking TCP connection to 127.0.0.1 or ::1 (v6) port; receive and send
 * time out after TS_WAIT_MS. Returns fd or -1. */
int ts_connect(int port, bool v6);

/* Send msgs framed with spec: `bytewise` one send() per byte, else all
 * in one write; then read as many frames back and compare byte for byte.
 * Returns NULL, or a static message saying what differed. */
const char *ts_echo_check(int fd, const char *spec, const char *const *msgs,
			  const size_t *lens, size_t n, bool bytewise);

/* Random message of len bytes for spec (no '\n' for line). */
void ts_random_msg(char *buf, size_t len, const char *spec, unsigned *seed);

/* CPU seconds pid has used (utime + stime), or -1. */
double ts_cpu_seconds(pid_t pid);

/* Number of child processes of pid, and how many are zombies. */
int ts_children(pid_t pid, int *zombies);

/* Descriptors pid has open (/proc/PID/fd), or -1. */
int ts_fd_count(pid_t pid);

/* A /proc/PID/status field in KiB ("VmRSS", "VmHWM"), or -1. */
long ts_mem_kb(pid_t pid, const char *field);

#endif
