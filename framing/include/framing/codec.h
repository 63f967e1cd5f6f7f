/* Incremental decoders and encoders for every framing spec (spec.h).
 * Pull API in the style of picohttpparser: feed a chunk, then call
 * fr_decoder_next() until it says FR_NEED_MORE; at EOF call
 * fr_decoder_finish(). Results never depend on how the stream was split. */
#ifndef FRAMING_CODEC_H
#define FRAMING_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "framing/error.h"
#include "framing/spec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Non-negative results of fr_decoder_next / fr_decoder_finish. Errors are
 * negative codes from error.h. */
enum fr_result {
	FR_NEED_MORE = 0, /* all fed input consumed; feed more (or finish) */
	FR_FRAME = 1,	  /* *frame holds a frame */
	FR_DONE = 2,	  /* finish: the stream ended cleanly */
};

/* A decoded frame. data is a view valid until the next call on the
 * decoder: it points into the fed chunk when the whole frame lay inside
 * it (zero-copy: fixed, line, crlf, delim, len, netstring, raw), else into
 * the decoder's buffer. cobs and slip (unescaping) and tlv (type and value
 * are not contiguous on the wire) always copy. An empty frame has a
 * non-NULL data pointer. offset is the stream offset of the frame's first wire
 * byte. After an error, data is NULL, len 0 and offset is the error's
 * stream offset (the first wire byte of the frame it was found in).
 * resp, http1 and ws deliver the frame's wire bytes, zero-copy like len
 * (ws,unmask: the frame rewritten unmasked, always a copy). */
struct fr_frame {
	const uint8_t *data;
	size_t len;
	uint64_t offset;
};

/* Decoder state. Treat every field as private and read what you need
 * through the fr_decoder_* accessors below; it is public only so a caller
 * can keep it on the stack or inside its own structs. */
struct fr_decoder {
	struct fr_spec spec;
	/* fed input not yet consumed */
	const uint8_t *in;
	size_t in_len, in_pos;
	uint64_t in_off; /* stream offset of in[0] */
	/* partial frame (delivered bytes) */
	uint8_t *buf;
	size_t cap, len, bound;
	bool own_buf;
	bool in_frame; /* some bytes of the current frame were seen */
	uint64_t
	    frame_off; /* stream offset of the current frame's first byte */
	uint64_t seen; /* wire bytes of the current frame seen so far */
	/* errors */
	int fatal; /* sticky error code, 0 if none */
	uint64_t err_off;
	bool discarding; /* delimited codecs: skipping to the delimiter */
	bool finished;
	/* codec state that survives chunk boundaries */
	unsigned phase;
	uint64_t need;	  /* bytes still expected in this phase */
	uint64_t value;	  /* length field / netstring digits being read */
	unsigned shift;	  /* varint: bits read so far */
	size_t hdr_len;	  /* len: wire header length (offset + field) */
	uint64_t total;	  /* len: wire length of the current frame */
	uint8_t field[8]; /* len: fixed-width field bytes read so far */
	size_t field_got;
	uint8_t tail[FR_DELIM_MAX]; /* delimited: last bytes of the frame */
	size_t tail_len;
	unsigned cobs_left; /* cobs: data bytes left in the current block */
	bool cobs_zero;	    /* cobs: a zero is owed before the next block */
	bool esc;	    /* slip: previous byte was ESC */
	/* pre=: while pre_active, spec is the preamble's and main_spec the
	 * stream's own framing, swapped in after the first frame */
	struct fr_spec main_spec;
	bool pre_active;
	/* resp, http1, ws (dec_resp.c, dec_http1.c, dec_ws.c) */
	uint64_t tok;	 /* frame position of the line being read */
	uint32_t pflags; /* http1: facts from the header lines */
	unsigned level;	 /* resp: aggregates open */
	uint64_t rem[FR_RESP_DEPTH_MAX + 1]; /* resp: values left per level,
						times 2, +1 for attributes */
};

/* Bytes a caller-supplied buffer must hold for spec (max plus the longest
 * delimiter the codec may hold back); 0 for raw, which needs none. */
size_t fr_decoder_bufsize(const struct fr_spec *spec);

/* Prepare d for spec. buf/cap: caller storage of at least
 * fr_decoder_bufsize(spec) bytes, or NULL to let the decoder allocate on
 * demand (growing by doubling, never past that size, never before a length
 * field has been checked against max). Returns FR_OK or FR_EINVAL. */
int fr_decoder_init(struct fr_decoder *d, const struct fr_spec *spec, void *buf,
		    size_t cap);

/* Release memory the decoder allocated itself. d may be reused after
 * fr_decoder_init. */
void fr_decoder_free(struct fr_decoder *d);

/* Back to the start of a new stream (offset 0), keeping the buffer. */
void fr_decoder_reset(struct fr_decoder *d);

/* Hand the decoder the next chunk. The previous chunk must have been used
 * up (fr_decoder_next returned FR_NEED_MORE or a fatal error); the chunk
 * must stay valid and unchanged until then. Returns FR_OK, or FR_EINVAL if
 * input is still pending or the stream was finished. */
int fr_decoder_feed(struct fr_decoder *d, const void *data, size_t len);

/* Next event: FR_FRAME (frame filled in), FR_NEED_MORE (the chunk is used
 * up; anything partial is now held in the decoder, so the chunk may be
 * reused), or a negative error with frame->offset set. Errors on
 * length-prefixed codecs (len, netstring, tlv), fixed and the protocol
 * codecs (resp, http1, ws) are fatal and sticky: every later call returns
 * the same code and offset. On delimited codecs (line, crlf, delim, cobs,
 * slip) an error is reported once, the bad frame is discarded up to its
 * delimiter and decoding goes on.
 * Details: a delimited frame already reported oversize and then cut off by
 * EOF finishes with FR_DONE (it was reported once); cobs skips a lone 00
 * (an empty wire frame), like slip skips empty frames; slip DB C0 reports
 * FR_EESCAPE and the C0 ends the discarded frame; varints must be at most
 * 10 bytes (vmax=) and below 2^64, non-minimal ones (80 00) are accepted.
 * With pre=, the first frame is the preamble, and any error in it is
 * fatal whatever the preamble's codec (nothing after it can be trusted);
 * fr_error_is_fatal() answers for the main framing. A len: trailer=
 * mismatch is FR_ETRAILER, fatal, at the frame's first byte. */
int fr_decoder_next(struct fr_decoder *d, struct fr_frame *frame);

/* End of stream. Call once all fed input is used up. Returns FR_DONE if
 * the stream ended on a frame boundary, FR_ETRUNCATED (offset = start of
 * the unfinished frame) if it ended inside one, or the sticky fatal error.
 * Calling it again returns the same result. One exception: on http1:resp
 * a response whose body is delimited by the connection closing ends here,
 * so finish returns FR_FRAME once (frame filled in) and then FR_DONE. */
int fr_decoder_finish(struct fr_decoder *d, struct fr_frame *frame);

/* True once a fatal (sticky) error occurred. */
bool fr_decoder_failed(const struct fr_decoder *d);

/* Stream offset of the last error reported. */
uint64_t fr_decoder_errpos(const struct fr_decoder *d);

/* Stream bytes consumed so far. */
uint64_t fr_decoder_offset(const struct fr_decoder *d);

/* The spec d decodes (d's own copy, valid while d is). */
const struct fr_spec *fr_decoder_spec(const struct fr_decoder *d);

/* Bytes of buffer d holds now: the caller's cap, or what d allocated so
 * far (0 before its first partial frame, never above fr_decoder_bufsize of
 * its spec). */
size_t fr_decoder_bufcap(const struct fr_decoder *d);

/* True when err is fatal for the codec of spec (see fr_decoder_next). */
bool fr_error_is_fatal(const struct fr_spec *spec, int err);

/* Upper bound on the wire size of one encoded message of msg_len bytes
 * (as the preamble or not). */
size_t fr_encode_bound(const struct fr_spec *spec, size_t msg_len);

/* Encode one message into out (cap bytes); *out_len gets the wire size.
 * Refuses what the decoder could not read back: FR_EOVERSIZE (message
 * over max), FR_EUNENCODABLE (delimiter inside the payload, length that
 * does not fit the field, empty slip or tlv message, wrong size for fixed,
 * a len header that the message's own bytes contradict), FR_ENOSPC (out
 * too small). Writes nothing on error. */
int fr_encode(const struct fr_spec *spec, const void *msg, size_t msg_len,
	      void *out, size_t cap, size_t *out_len);

/* A spec with pre= frames a stream's first message by the preamble's spec:
 * encode that message with fr_encode_preamble and every later one with
 * fr_encode (which always uses the main framing), and the decoder reads
 * the stream back as the same messages. Same results as fr_encode, and
 * FR_EINVAL if spec has no preamble. */
int fr_encode_preamble(const struct fr_spec *spec, const void *msg,
		       size_t msg_len, void *out, size_t cap, size_t *out_len);

#ifdef __cplusplus
}
#endif
#endif
