/* The one description of fraglab's fuzz input layout, and the data
 * producer every target uses to read its choices (the C stand-in for
 * libFuzzer's FuzzedDataProvider, shaped like zstd's fuzz_data_producer).
 *
 * Layout of every input:
 *
 *     [ front: raw stream / message bytes ........ ][ choices (trailer) ]
 *                                                    ^ read backwards
 *
 * Choices are taken from the END of the input, one after another, each
 * consuming 1, 2 or 4 bytes (just enough for its range; the byte at the
 * very end is the most significant one of the first choice). What the
 * choices leave over at the front is the payload: for split_* targets it
 * is the raw wire stream, so any captured stream is a valid seed (its
 * last few bytes become choices). When the input runs out, every further
 * choice takes its lowest value, so short inputs still mean something.
 *
 * Order of choices, split_<codec> (see fz_opts_read in fuzz_input.c):
 *   1. codec options (only those the codec has):
 *        fixed      N 1..16
 *        delim      length 1..6, then that many delimiter bytes
 *        len        width {1,2,3,4,8,varint}, little-endian flag,
 *                   offset 0..3, adjust -8..8, strip-set flag, strip 0..12
 *        resp       depth 0..16
 *        http1      response flag, head flag (responses), hmax 0..300
 *                   (0: not given; clamped to max)
 *        ws         unmask flag
 *   2. max mode 0..3 (0: default 1 MiB, 1..3: max= 1..8/64/300)
 *   3. schedule mode 0..2 and its parameters:
 *        0 list:    count 1..8, then count sizes 1..64, repeat flag
 *        1 fixed:N  N 1..32
 *        2 random:MIN-MAX,seed=S   MIN 1..16, MAX-MIN 0..48, S (32 bits)
 *   4. len only (not for server_echo): options for real protocols,
 *        flags 0..7, then for each flag set, in this order:
 *        bit 0 trailer=   length 1..3, then that many bytes
 *        bit 1 vmax=      1..10 (written only for len:varint)
 *        bit 2 pre=       kind 0..3 (fixed, line, crlf, len), then
 *                         fixed: N 1..16; len: width {1,2,3,4,8,varint},
 *                         little-endian flag, strip-set flag, strip 0..12
 *      (at the end so that inputs from before keep their codec, max and
 *      schedule; flags 0 is the old meaning)
 *   the rest, at the front: the stream.
 *
 * roundtrip_<codec> reads the same choices; its front part is a message
 * list, each message a length byte L then L bytes (L = 255: the next two
 * bytes, big-endian, give the length mod 1024); for fixed:N every message
 * is simply the next N bytes. With pre=, messages are framed by the
 * preamble (fr_encode_preamble) until one is accepted.
 *
 * server_echo first reads the codec (a choice 1..10, enum fr_kind), then
 * the choices above without 4.; of the front part, the LAST byte is a mode (bit
 * 0 set: the rest is raw wire bytes; clear: a message list as above).
 *
 * pop3_session first reads the store fault (0..4: none, message 2
 * unreadable, UPDATE leaves one marked message, message 1 fails after its
 * first read, mailbox locked by another session), then the store's read
 * size (0..64, 0: as much as the core asks for), then the split_raw
 * choices above (the max mode is read and ignored; the schedule cuts the
 * stream); the front part is what the client sends, e.g. "USER alice\r\n
 * PASS s3cret pass\r\nRETR 1\r\n" (PS_USER, PS_PASS below;
 * fuzz/dict/pop3.dict).
 *
 * spec_parse and schedule_parse take the whole input as text.
 * fuzz/show-input prints the spec, the schedule and the chunk list that
 * an input stands for, as `framecat decode SPEC --split list:...`. */
#ifndef FRAGLAB_FUZZ_INPUT_H
#define FRAGLAB_FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fraglab/splitfuzz.h" /* sfz_choice_take: the one choice reader */

/* ---- pop3_session's fixed session: the mailbox's login, and the store
 * faults its input chooses (also written by gen_corpus) ---- */
#define PS_USER "alice"
#define PS_PASS "s3cret pass"

enum ps_fault {
	PS_F_NONE = 0,
	PS_F_UNREADABLE, /* message 2 unreadable: RETR/TOP 2 get -ERR */
	PS_F_COMMIT,	 /* UPDATE leaves the first marked message */
	PS_F_MIDREPLY,	 /* message 1 fails after its first read */
	PS_F_LOCKED,	 /* another session holds the mailbox: PASS fails */
	PS_NFAULTS
};

/* ---- the data producer (no libframing needed) ---- */

struct fz_producer {
	const uint8_t *data;
	size_t size; /* bytes not yet taken; choices shrink it from the end */
};

static inline void fz_producer_init(struct fz_producer *p, const uint8_t *data,
				    size_t size)
{
	p->data = data;
	p->size = size;
}

/* A value in [lo, hi], read from the end of the input (splitfuzz's
 * reader: the split targets' sfz_choose reads the same bytes). */
static inline uint32_t fz_range(struct fz_producer *p, uint32_t lo, uint32_t hi)
{
	return sfz_choice_take(p->data, &p->size, lo, hi);
}

/* ---- the writing side, for the seed generator ---- */

/* Choices recorded in order; fz_input_build lays them out at the end of
 * an input, last first, so that the producer reads them back in order. */
struct fz_trailer {
	uint8_t buf[256];
	size_t len;
};

static inline void fz_put(struct fz_trailer *t, uint32_t lo, uint32_t hi,
			  uint32_t value)
{
	uint32_t v = value - lo;
	unsigned n = sfz_choice_width(lo, hi);

	for (unsigned i = n; i > 0 && t->len < sizeof(t->buf); i--)
		t->buf[t->len++] = (uint8_t)(v >> (8 * (i - 1)));
}

/* ---- what a split/roundtrip input stands for (needs libframing) ---- */

struct fr_spec;

/* Codec options and schedule as chosen by the trailer. */
/* The len: widths a choice picks from (0 = varint), and the top of max=
 * for each max mode (mode 0: the codec's default max). */
#define FZ_NWIDTHS 6
#define FZ_NMAX_MODES 4
extern const uint32_t fz_widths[FZ_NWIDTHS];
extern const uint32_t fz_max_hi[FZ_NMAX_MODES];

struct fz_opts {
	int kind; /* enum fr_kind */
	uint32_t fixed;
	uint32_t delim_len;
	uint8_t delim[6];
	uint32_t width; /* 0 = varint */
	bool little;
	uint32_t offset;
	int32_t adjust;
	bool strip_set;
	uint32_t strip;
	uint32_t max_mode, max;
	uint32_t sched_mode;
	uint32_t list_len;
	uint32_t list[8];
	bool repeat;
	uint32_t sched_n; /* fixed:N */
	uint32_t rmin, rspan, seed;
	/* 4. len options for real protocols (not read when plain) */
	bool plain;
	uint32_t ext; /* bit 0 trailer, bit 1 vmax, bit 2 pre */
	uint32_t trailer_len;
	uint8_t trailer[3];
	uint32_t vmax;
	uint32_t pre_kind; /* 0 fixed, 1 line, 2 crlf, 3 len */
	uint32_t pre_fixed, pre_width;
	bool pre_little, pre_strip_set;
	uint32_t pre_strip;
	/* resp, http1, ws */
	uint32_t depth;
	bool response, head;
	uint32_t hmax;
	bool unmask;
};

/* OR'ed into a kind: read the choices without 4. (server_echo). */
#define FZ_KIND_PLAIN 0x100

#define FZ_MAX_CHUNKS_TEXT 4096

/* Everything a split input stands for. */
struct fz_setup {
	struct fz_opts o;
	char spec_text[128];
	char sched_text[128];
	const uint8_t *stream; /* the front part */
	size_t stream_len;
	size_t *chunks; /* chunk sizes under the schedule (owned) */
	size_t nchunks;
};

/* Read the choices for codec kind from the end of data and build the
 * spec text, the schedule text and the chunk list. Returns 0, or -1 when
 * the choices make no valid spec (the input is then skipped). */
int fz_setup_read(struct fz_setup *s, int kind, const uint8_t *data,
		  size_t size);
/* The same without the chunk list (s->chunks stays NULL, nothing to free):
 * the options, texts and stream only, for the mutator. */
void fz_setup_read_opts(struct fz_setup *s, int kind, const uint8_t *data,
			size_t size);
void fz_setup_free(struct fz_setup *s);

/* (Re)compute s->chunks for a stream of len bytes (roundtrip targets cut
 * the encoded stream, not the input). Returns 0 or -1. */
int fz_setup_chunks(struct fz_setup *s, size_t len);

/* Where fz_opts_read_from takes its choices: range gives a value in
 * [lo, hi]; sched, when not NULL, reads the schedule in its place (the
 * splitfuzz glue hands that part to sfz_read_schedule). */
struct fz_reader {
	uint32_t (*range)(void *ctx, uint32_t lo, uint32_t hi);
	void (*sched)(void *ctx, struct fz_opts *o);
	void *ctx;
};

/* The choices of codec kind in layout order (1. to 4. above). */
void fz_opts_read_from(const struct fz_reader *r, struct fz_opts *o, int kind);

/* The spec text o stands for ("len:2be,max=8"). */
void fz_spec_text(const struct fz_opts *o, char *buf, size_t len);

/* Write the choices of o into t (inverse of the reading side). */
void fz_opts_write(struct fz_trailer *t, const struct fz_opts *o);

/* Build the input data = front || trailer(o) into out (cap bytes).
 * Returns its length, or 0 if it does not fit. */
size_t fz_input_build(uint8_t *out, size_t cap, const uint8_t *front,
		      size_t front_len, const struct fz_opts *o);

/* Engine behind the roundtrip targets (fuzz_roundtrip.c); the split
 * targets are splitfuzz targets (fuzz_sfz.h). */
int fz_roundtrip_run(int kind, const uint8_t *data, size_t size);

/* Name of the codec kind as used in target names ("len", "cobs"). */
const char *fz_kind_target(int kind);

#endif
