/* Helpers shared by the I/O suites: connected socket pairs (AF_UNIX and
 * loopback TCP on port 0), peer threads that write or drain, and a
 * handshake that waits until a thread is blocked in a syscall. */
#ifndef FRAGLAB_TESTS_IO_UTIL_H
#define FRAGLAB_TESTS_IO_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define IO_SMALLBUF 4096 /* socket buffers small enough to fill quickly */
#define IO_LONG_MS 60000 /* a deadline that means "never" on a loaded host */

enum pair_kind { PAIR_UNIX, PAIR_TCP };

/* Connected stream pair; bufsize > 0 shrinks SO_SNDBUF/SO_RCVBUF on both
 * ends (set before connect so TCP autotuning stays off). Returns 0 or -1. */
int io_pair(enum pair_kind kind, int sv[2], int bufsize);
const char *io_pair_name(enum pair_kind kind);
void io_set_nonblock(int fd, bool on);
/* Deterministic bytes that differ from one position to the next. */
void io_fill(uint8_t *buf, size_t n, uint32_t seed);

/* A thread writing data to fd in steps of step bytes (1: one byte per
 * send), then closing fd when close_fd. */
struct io_writer {
	pthread_t th;
	int fd;
	const uint8_t *data;
	size_t len, step;
	bool close_fd;
	int rc; /* FR_OK or the first send error */
};
void io_writer_start(struct io_writer *w);
int io_writer_join(struct io_writer *w);

/* A thread reading fd until EOF in reads of at most step bytes. */
struct io_reader {
	pthread_t th;
	int fd;
	size_t step;
	uint8_t *data; /* malloc'd, len bytes */
	size_t len, cap;
	int err; /* errno of a failed read, 0 if none */
};
void io_reader_start(struct io_reader *r, int fd, size_t step);
void io_reader_join(struct io_reader *r);

/* Linux thread id of the calling thread. */
pid_t io_gettid(void);
/* Wait (up to ~20 s) until thread tid sleeps in the kernel; true if so. */
bool io_wait_blocked(pid_t tid);

#endif
