/* fraglab/splitfuzz.h: split-stream fuzzing of your own stream parser.
 * Give it a decoder (or a buffer parser); it provides the fuzz target that
 * feeds each input's stream whole, under the input's split schedule and
 * byte by byte, and aborts when the three disagree. docs/fuzz-your-parser.md */
#ifndef FRAGLAB_SPLITFUZZ_H
#define FRAGLAB_SPLITFUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 2: adds sfz_chunk_dup/free and sfz_choice_width/take */
#define SFZ_API_VERSION 2

/* ---- events: what a decoder reports ---- */

enum sfz_kind {
	SFZ_MORE = 0, /* next: the fed chunk is used up (it may be freed now);
			 finish: the stream ended cleanly */
	SFZ_MSG = 1,  /* a complete message */
	SFZ_ERR = 2,  /* an error */
};

struct sfz_event {
	enum sfz_kind kind;
	/* SFZ_MSG: the bytes that identify the message (its wire bytes, its
	 * payload or a canonical form the decoder builds), valid until the
	 * next call on the decoder. Compared byte for byte across feedings. */
	const uint8_t *data;
	size_t len;
	/* SFZ_ERR: the decoder's own error code (any non-zero value) and the
	 * stream offset it is reported at; both compared across feedings. */
	long code;
	uint64_t offset;
	/* SFZ_ERR: non-zero if the decoder is finished with this stream (the
	 * harness then feeds nothing more and does not call finish). */
	int fatal;
};

/* An incremental decoder. conf is what the target's configure returned
 * (NULL without one). The harness creates one decoder per feeding. */
struct sfz_decoder {
	void *(*create)(void *conf); /* NULL: skip this input */
	void (*destroy)(void *dec);
	/* Hand over the next chunk: it stays valid until next() returns
	 * SFZ_MORE or a fatal SFZ_ERR, and is freed right after (a pointer
	 * kept into it is a use after free under ASan). Each chunk is
	 * placed by sfz_chunk_dup (below): its own exact-size allocation
	 * under ASan. 0, or non-zero if the decoder refuses the chunk
	 * (reported as a finding). */
	int (*feed)(void *dec, const uint8_t *chunk, size_t len);
	void (*next)(void *dec, struct sfz_event *ev);
	/* End of stream, after next() returned SFZ_MORE: SFZ_MORE (clean
	 * end), SFZ_MSG (a message the end of stream completes; finish is
	 * called again) or SFZ_ERR (e.g. truncated). */
	void (*finish)(void *dec, struct sfz_event *ev);
};

/* The common shape "a function that consumes a buffer": return n > 0 when
 * buf[0..n) holds one whole message (set ev->data/len to what identifies
 * it; left unset, the message is buf[0..n)), 0 when more bytes are needed,
 * or a negative error code (ev->offset, if set, is relative to buf[0];
 * the error is fatal). at_eof is non-zero when no more bytes will come
 * (len may then be 0; returning 0 then ends the stream cleanly, any
 * bytes left unread). buf holds the bytes not yet consumed and, under
 * ASan, ends where len does: everything after it is poisoned (or buf is
 * an exact-size copy), so a read past len shows; a pointer kept into buf
 * is caught once its bytes are consumed (src/sfz_parse.c). parse sees at
 * most parse_max + 1 bytes: a message longer than parse_max, or none found
 * in that many, is SFZ_EOVERFLOW at the message's first byte, wherever the
 * stream was cut. */
typedef ptrdiff_t (*sfz_parse_fn)(void *conf, const uint8_t *buf, size_t len,
				  int at_eof, struct sfz_event *ev);

/* Appends the wire form of msg to out (sfz_out_put); 0, or non-zero if msg
 * cannot be encoded (the input is skipped). For round trips, the decoded
 * messages must equal the encoded ones (the SFZ_MSG bytes == msg). */
struct sfz_out;
typedef int (*sfz_encode_fn)(void *conf, const uint8_t *msg, size_t len,
			     struct sfz_out *out);
int sfz_out_put(struct sfz_out *out, const void *data, size_t len);

/* The input's choices, read from its end (docs/fuzz-your-parser.md). */
struct sfz_choices;
/* A value in [lo, hi]; lo when the input has run out. */
uint32_t sfz_choose(struct sfz_choices *c, uint32_t lo, uint32_t hi);
/* Read the split schedule here rather than after configure returns (for
 * layouts that keep options after the schedule). At most once. */
void sfz_read_schedule(struct sfz_choices *c);

/* How a choice is read, for code that reads or lays out the same choices
 * without a struct sfz_choices (seed writers, other drivers; fraglab's own
 * fuzz targets): a choice in [lo, hi] takes sfz_choice_width(lo, hi)
 * bytes (0, 1, 2 or 4) from the end of the input, the last byte the most
 * significant; the value is lo + (those bytes mod (hi - lo + 1)). */
static inline unsigned sfz_choice_width(uint32_t lo, uint32_t hi)
{
	uint32_t span = hi > lo ? hi - lo : 0;

	if (span == 0)
		return 0;
	if (span < 0x100)
		return 1;
	if (span < 0x10000)
		return 2;
	return 4;
}

/* A value in [lo, hi] (hi < lo: lo) from the end of data[0..*size), *size
 * shrunk by the bytes taken; lo when none are left. sfz_choose is this. */
static inline uint32_t sfz_choice_take(const uint8_t *data, size_t *size,
				       uint32_t lo, uint32_t hi)
{
	unsigned n = sfz_choice_width(lo, hi);
	uint64_t v = 0;

	for (unsigned i = 0; i<n && * size> 0; i++)
		v = (v << 8) | data[--*size];
	if (hi <= lo)
		return lo;
	if (hi - lo == UINT32_MAX)
		return lo + (uint32_t)v;
	return lo + (uint32_t)(v % ((uint64_t)(hi - lo) + 1));
}

/* A target: name it, give dec or parse, and optionally the rest. */
struct sfz_target {
	const char *name;
	const struct sfz_decoder *dec; /* an incremental decoder, or */
	sfz_parse_fn parse;	       /* a buffer parser (set one) */
	size_t parse_max; /* parse: bytes held without a message before the
			     harness reports SFZ_EOVERFLOW; 0: 1 MiB */
	/* optional */
	void *(*configure)(struct sfz_choices *c); /* options from the input;
						      NULL: skip it */
	void (*release)(void *conf);
	const struct sfz_decoder *ref; /* a slow reference decoder, fed the
					  whole stream; must agree (its
					  create may return NULL: no
					  reference for this conf) */
	sfz_encode_fn encode;	       /* for sfz_run_roundtrip */
	/* optional, for findings and --show: the name of an error code
	 * (NULL: the number), and one line naming conf (e.g. its options) */
	const char *(*errname)(long code);
	void (*describe)(void *conf, char *buf, size_t len);
};

/* Error code of the parse adapter when parse_max is exceeded. */
#define SFZ_EOVERFLOW (-0x5F5F)

/* The fuzz entry points. Split: the input's front part is the stream.
 * Round trip: it is a message list (a length byte L, then L bytes; L = 255:
 * the next two bytes, big-endian, give the length mod 1024), encoded with
 * t->encode; the stream cut is the encoded one. Both abort
 * (one function per invariant) after printing the finding and its chunk
 * list to stderr. Return 0. */
int sfz_run(const struct sfz_target *t, const uint8_t *data, size_t size);
int sfz_run_roundtrip(const struct sfz_target *t, const uint8_t *data,
		      size_t size);

/* For regression tests (e.g. with Criterion): check stream under the
 * given chunk sizes (their sum must be len) with the same invariants,
 * without aborting. Returns 0 when they hold, else non-zero with a
 * one-line reason in why that names the invariant (e.g. "error offsets
 * differ (whole vs schedule) at event 2: ..."). Like sfz_run it keeps its
 * logs in static buffers: one call at a time (not thread-safe). */
int sfz_check(const struct sfz_target *t, void *conf, const uint8_t *stream,
	      size_t len, const size_t *chunks, size_t nchunks, char *why,
	      size_t whylen);

/* Chunks as the harness places them, for your own drivers too (e.g. a
 * target that feeds a server core): a copy of src[0..n) in its own
 * exact-size allocation when ASan is linked in (found at run time) or
 * SFZ_EXACT_CHUNKS=1 is set in the environment, so a read past its end
 * shows; else one reused buffer, so at most one chunk is out at a time.
 * Never NULL (out of memory aborts: it is not a finding). */
uint8_t *sfz_chunk_dup(const void *src, size_t n);
/* Hand back c (n bytes) once the code under test is done with it: freed
 * (a pointer kept into it is then a use after free under ASan), else
 * overwritten with 0xa5 (what is read through one then differs). */
void sfz_chunk_free(uint8_t *c, size_t n);

/* The target SFZ_FUZZ_TARGET defined, for the drivers' --show. */
extern const struct sfz_target *const sfz_fuzz_target;

/* What an input stands for under t: the choices configure read, the
 * schedule, the stream length and its chunk list, printed to out (a FILE
 * *, void here to keep stdio out of this header). 0, or -1 if the input is
 * skipped (configure returned NULL). */
int sfz_show(const struct sfz_target *t, const uint8_t *data, size_t size,
	     void *out);

/* Define the libFuzzer entry point for a target (in one source file). */
#define SFZ_FUZZ_TARGET(t)                                                     \
	const struct sfz_target *const sfz_fuzz_target = &(t);                 \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);          \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)           \
	{                                                                      \
		return sfz_run(&(t), data, size);                              \
	}

#ifdef __cplusplus
}
#endif

#endif
