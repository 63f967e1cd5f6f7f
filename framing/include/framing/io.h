/* Socket I/O helpers that survive partial reads and writes: send_all,
 * recv_all, sendv_all, recv_frame. Part of libframing.
 *
 * Common rules:
 *  - timeout_ms < 0 (FR_NO_DEADLINE): no deadline, the syscalls are made
 *    directly. On a blocking fd they block; on a non-blocking fd EAGAIN
 *    returns FR_EAGAIN with the progress so far in *done.
 *  - timeout_ms >= 0: a deadline for the whole call, waited for with
 *    poll(); on expiry FR_ETIMEDOUT with the progress in *done. Works on
 *    blocking and non-blocking fds alike.
 *  - EINTR is retried; sends use MSG_NOSIGNAL (a closed peer gives
 *    -EPIPE, never SIGPIPE).
 *  - A peer that closes after k of n bytes gives FR_ECLOSED with *done = k.
 *  - Other failures return -errno. done may be NULL. */
#ifndef FRAMING_IO_H
#define FRAMING_IO_H

#include <stddef.h>
#include <sys/uio.h>

#include "framing/codec.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FR_NO_DEADLINE (-1)

/* Write all len bytes. */
int fr_send_all(int fd, const void *buf, size_t len, int timeout_ms,
		size_t *done);

/* Read exactly len bytes. */
int fr_recv_all(int fd, void *buf, size_t len, int timeout_ms, size_t *done);

/* Write every byte of iov[0..iovcnt) with sendmsg(), advancing over
 * partial writes. iov is not modified. */
int fr_sendv_all(int fd, const struct iovec *iov, int iovcnt, int timeout_ms,
		 size_t *done);

/* Read from fd into rbuf (rcap bytes, caller's read buffer) and feed dec
 * until it yields a frame. Returns FR_FRAME with *frame filled (valid until
 * the next call on dec or the next use of rbuf), FR_DONE when the peer
 * closed cleanly on a frame boundary, FR_ETRUNCATED when it closed inside a
 * frame, a decoder error (frame->offset set), or an I/O error as above.
 * Frames already buffered are returned before reading again, so call it
 * in a loop with the same dec and rbuf. */
int fr_recv_frame(int fd, struct fr_decoder *dec, void *rbuf, size_t rcap,
		  struct fr_frame *frame, int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif
