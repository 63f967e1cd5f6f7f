/* Framing specs: the one grammar every tool, test and fuzz target uses to
 * name a framing ("len:2be,offset=1,adjust=-3,strip=3,max=4096").
 * Parsed once into struct fr_spec; see docs/specs.md for the grammar. */
#ifndef FRAMING_SPEC_H
#define FRAMING_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FR_DEFAULT_MAX ((size_t)1 << 20) /* 1 MiB */
#define FR_MAX_LIMIT ((size_t)1 << 40)	 /* largest max= accepted */
#define FR_DELIM_MAX 16			 /* longest delim:HEX, in bytes */
#define FR_SPEC_STRLEN 256		 /* enough for fr_spec_format */
#define FR_TRAILER_MAX 8		 /* longest len: trailer=HEX */

enum fr_kind {
	FR_FIXED = 1, /* fixed:N */
	FR_LINE,      /* line: payload "\n" */
	FR_CRLF,      /* crlf: payload "\r\n" */
	FR_DELIM,     /* delim:HEX */
	FR_LEN,	      /* len:Wbe / len:Wle / len:varint */
	FR_COBS,      /* cobs: COBS payload, then 00 */
	FR_SLIP,      /* slip: RFC 1055 */
	FR_NETSTRING, /* netstring: <len>:<payload>, */
	FR_TLV,	      /* tlv: type(1) length(4, BE) value */
	FR_RAW,	      /* raw: no framing */
	FR_RESP,      /* resp: one Redis RESP2/RESP3 value or inline command */
	FR_HTTP1,     /* http1:req / http1:resp: one HTTP/1.x message */
	FR_WS,	      /* ws: one RFC 6455 WebSocket frame */
};

#define FR_KIND_LAST FR_WS	    /* highest enum fr_kind value */
#define FR_RESP_DEPTH_DEFAULT 16    /* resp: depth= when not given */
#define FR_RESP_DEPTH_MAX 32	    /* resp: largest depth= accepted */
#define FR_HTTP1_HMAX_DEFAULT 65536 /* http1: hmax= when not given */

/* A preamble: the stream's first unit, framed by its own small spec
 * (pre=fixed:N, pre=line, pre=crlf or pre=len:...) before the main framing
 * takes over; e.g. the SSH identification line or PostgreSQL's startup
 * message. fr_spec_preamble() expands it into a full struct fr_spec. */
struct fr_preamble {
	enum fr_kind kind; /* 0: none; FR_FIXED, FR_LINE, FR_CRLF, FR_LEN */
	size_t max;	   /* 0: the spec's own max */
	size_t fixed;	   /* FR_FIXED */
	unsigned width;	   /* FR_LEN, as in struct fr_spec */
	bool little;
	size_t offset;
	int64_t adjust;
	size_t strip;
	bool strip_set;
};

struct fr_spec {
	enum fr_kind kind;
	size_t max;   /* bound on a frame as delivered (bytes) */
	size_t fixed; /* FR_FIXED: frame size, 1..max */
	/* FR_LINE, FR_CRLF, FR_DELIM: the delimiter */
	uint8_t delim[FR_DELIM_MAX];
	size_t delim_len;
	/* FR_LEN, Netty LengthFieldBasedFrameDecoder semantics */
	unsigned width; /* 1,2,3,4,8; 0 means LEB128 varint */
	bool little;	/* little-endian field (Wle) */
	size_t offset;	/* lengthFieldOffset */
	int64_t adjust; /* lengthAdjustment */
	size_t strip;	/* initialBytesToStrip (valid when strip_set) */
	bool strip_set; /* false: strip the whole header (offset + field) */
	/* FR_LEN: trailer=HEX, bytes that end every frame, checked and
	 * stripped (AMQP 0-9-1's frame-end CE) */
	uint8_t trailer[FR_TRAILER_MAX];
	size_t trailer_len;
	unsigned vmax; /* len:varint: most bytes in the field, 1..9; 0: 10 */
	struct fr_preamble pre; /* every codec: pre=, the first unit */
	/* FR_RESP, FR_HTTP1, FR_WS (docs/specs.md) */
	unsigned depth; /* FR_RESP: aggregates open at once, 0..32 */
	bool response;	/* FR_HTTP1: http1:resp (false: http1:req) */
	bool head;	/* FR_HTTP1: responses carry no body (to HEAD) */
	size_t hmax;	/* FR_HTTP1: start line + header block bound; 0:
			   min(FR_HTTP1_HMAX_DEFAULT, max) */
	bool unmask;	/* FR_WS: deliver frames unmasked */
};

/* Parse text into *spec. On failure returns FR_ESPEC and, when err is not
 * NULL, writes a one-line message naming the bad part into err (errlen
 * bytes, always NUL-terminated). Allocates nothing. */
int fr_spec_parse(struct fr_spec *spec, const char *text, char *err,
		  size_t errlen);

/* Canonical text of spec (parses back to the same spec). Returns the
 * length that snprintf would, so a truncation is visible. */
int fr_spec_format(const struct fr_spec *spec, char *buf, size_t len);

/* Same framing: a and b agree on every field that carries meaning for
 * their kind (what fr_spec_format writes). */
bool fr_spec_equal(const struct fr_spec *a, const struct fr_spec *b);

/* If spec has a preamble, write it as a full spec into *pre (its max is
 * the preamble's own or the spec's) and return true; else false. */
bool fr_spec_preamble(const struct fr_spec *spec, struct fr_spec *pre);

/* The part of a spec that names the codec, e.g. "len" for len:4be. */
const char *fr_kind_name(enum fr_kind kind);

/* Value of one hex digit (0-9, a-f, A-F), or -1: the digits of delim:HEX,
 * and of framecat's hex messages. */
int fr_hexval(int c);

/* One paragraph per spec name and option, for --help of every tool. */
extern const char fr_spec_help[];

#ifdef __cplusplus
}
#endif
#endif
