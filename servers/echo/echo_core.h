/* Sans-I/O echo core shared by every echod model (and the fuzz target):
 * bytes received go in, bytes to send come out, no sockets.
 * Every decoded frame is re-encoded with the same spec; `raw` echoes bytes
 * as they come. Any decode or encode error means "close this connection". */
#ifndef SERVERS_ECHO_CORE_H
#define SERVERS_ECHO_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cm_buf.h"
#include "framing/codec.h"

/* Pending output above which the loop should stop reading the connection
 * (echo_want_read() turns false) until the peer drains it. */
#define ECHO_OUT_LIMIT ((size_t)256 << 10)

/* Buffers kept allocated while idle; bigger ones are released once
 * drained (output) or once their frame is done (decoder), so thousands
 * of idle connections stay cheap. */
#define ECHO_KEEP_CAP ((size_t)16 << 10)

/* Why a connection must close: code is a libframing error (error.h), offset
 * the stream offset it was found at, reason a static string. */
struct echo_error {
	int code;
	uint64_t offset;
	const char *reason;
};

/* One connection's state. Fields are private; public for embedding. */
struct echo_conn {
	struct fr_decoder dec;
	bool raw;
	struct cm_buf out;     /* pending output */
	struct echo_error err; /* err.code != 0 once failed (sticky) */
	uint64_t frames;       /* frames echoed so far */
	uint64_t received;     /* bytes of input so far */
	struct fr_spec spec;   /* for a decoder started afresh */
	uint64_t base;	       /* stream offset where the decoder started */
	uint64_t frame_end;    /* decoder offset past the last whole frame */
	size_t dec_peak;       /* largest unfinished frame since it started */
};

/* Prepare c for spec (copied). Returns FR_OK or a libframing error. */
int echo_init(struct echo_conn *c, const struct fr_spec *spec);

/* Release everything; c may be echo_init'ed again. */
void echo_free(struct echo_conn *c);

/* Bytes received. Consumes all len bytes: frames they complete are encoded
 * into the output. Returns FR_OK, or a negative error (details in
 * echo_error()) after which the caller sends what is pending, if it likes,
 * and closes. Output already queued stays valid. Pending output grows by
 * at most a small multiple of len plus one encoded frame, so a loop that
 * reads in bounded chunks only while echo_want_read() keeps memory bounded. */
int echo_input(struct echo_conn *c, const void *data, size_t len);

/* Peer closed its side. Returns FR_OK if the stream ended on a frame
 * boundary, else the error (FR_ETRUNCATED for a partial frame). */
int echo_eof(struct echo_conn *c);

/* Pending output: *len bytes at the returned pointer (NULL, 0 if none).
 * Valid until the next call other than echo_pending/echo_want_read. */
const uint8_t *echo_output(const struct echo_conn *c, size_t *len);

/* n bytes of the pending output were sent. */
void echo_consume(struct echo_conn *c, size_t n);

/* Bytes of output pending. */
size_t echo_pending(const struct echo_conn *c);

/* False while the output is over ECHO_OUT_LIMIT or the connection failed. */
bool echo_want_read(const struct echo_conn *c);

/* Bytes of memory the connection may hold now: the decoder's buffer (an
 * unfinished frame, as the decoder allocates it: doubling, at most the
 * spec's max) and the output buffer. A decoder that held a frame over
 * ECHO_KEEP_CAP is started afresh at the next frame boundary, so a
 * connection idle between frames holds little. */
size_t echo_held(const struct echo_conn *c);

/* What echo_held could become if n more bytes arrived (an upper bound
 * used to refuse input before it is buffered). */
size_t echo_held_after(const struct echo_conn *c, size_t n);

/* Bytes of the unfinished frame so far (0 between frames, and for raw). */
size_t echo_partial(const struct echo_conn *c);

/* The error that failed the connection, or NULL. */
const struct echo_error *echo_error(const struct echo_conn *c);

#endif
