/* Criterion suite for the cobs and slip fast paths (issue 15), part of
 * test_codec_fast: the edges where the 16-byte walks resume after a chunk
 * end, hand over to the byte path, or meet max= and errors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_util.h"
#include "framing/codec.h"
#include "test_codec_fast.h"

/* cobs: blocks are copied and checked for 00 in one pass (16 bytes at a
 * time, the rest by overlapping loads); slip: runs are copied 16 bytes at
 * a time, stores running past the stop byte. Messages of every length
 * around those steps, with the bytes that stop a run at the edges, are
 * encoded, decoded under fast_splits and must come back unchanged. */
static char *roundtrip(const char *spec, const uint8_t *msg, size_t n)
{
	struct fr_spec s;
	uint8_t wire[1024];
	size_t wlen;
	char *hex = du_hex(msg, n), *want, *why;

	du_spec(&s, spec);
	cr_assert_eq(fr_encode(&s, msg, n, wire, sizeof(wire), &wlen), FR_OK);
	cr_assert_gt(asprintf(&want, "f@0:%s done", hex), 0);
	why = fast_splits(spec, (const char *)wire, wlen, want);
	free(want);
	free(hex);
	return why;
}

Test(fast, cobs_and_slip_messages_around_the_16_byte_steps)
{
	static const size_t lens[] = {1,  2,  7,  8,   9,   15,	 16,  17, 31,
				      32, 33, 64, 253, 254, 255, 256, 300};
	static const char *const specs[] = {"cobs", "slip"};
	/* the bytes each codec must stop a run at */
	static const uint8_t stops[2][2] = {{0x00, 0x00}, {0xc0, 0xdb}};
	uint8_t msg[300];

	for (size_t c = 0; c < 2; c++) {
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			size_t n = lens[l];
			size_t at[] = {0, 7, 8, 15, 16, 17, n - 1, n};

			for (size_t a = 0; a < sizeof(at) / sizeof(at[0]);
			     a++) {
				for (size_t i = 0; i < n; i++)
					msg[i] = (uint8_t)(0x41 + i % 26);
				if (at[a] < n)
					msg[at[a]] = stops[c][a & 1];
				char *why = roundtrip(specs[c], msg, n);
				cr_assert_null(why,
					       "%s, %zu bytes, stop at %zu: %s",
					       specs[c], n, at[a], why);
			}
		}
	}
}

/* A 00 inside a COBS block (the block runs past it) is an error however
 * the walk meets it; the next frame starts after that 00. */
Test(fast, cobs_zero_inside_a_block_at_every_place)
{
	static const size_t lens[] = {3, 9, 16, 17, 33, 100};
	uint8_t wire[128];

	for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
		size_t n = lens[l]; /* data bytes the code byte announces */

		for (size_t k = 0; k + 1 < n; k++) {
			/* code, k bytes, 00, then 01 * (n - k - 1) and 00:
			 * the second frame decodes to n - k - 2 zeros */
			char want[512];
			size_t m = n - k - 1, w = 0;

			wire[w++] = (uint8_t)(n + 1);
			memset(wire + w, 0x41, k);
			w += k;
			wire[w++] = 0;
			memset(wire + w, 0x01, m);
			w += m;
			wire[w++] = 0;
			int o = snprintf(want, sizeof(want),
					 "e@0:ECOBS f@%zu:", k + 2);
			for (size_t z = 0; z + 1 < m; z++)
				o += snprintf(want + o,
					      sizeof(want) - (size_t)o, "00");
			snprintf(want + o, sizeof(want) - (size_t)o, " done");
			char *why =
			    fast_splits("cobs", (const char *)wire, w, want);
			cr_assert_null(why, "block of %zu, 00 at %zu: %s", n, k,
				       why);
		}
	}
}

/* A bad SLIP escape reached by the 16-byte copy at every place. */
Test(fast, slip_bad_escape_at_every_place)
{
	uint8_t wire[64];

	for (size_t k = 0; k < 40; k++) {
		size_t w = 0;

		memset(wire, 0x41, k);
		w = k;
		wire[w++] = 0xdb;
		wire[w++] = 0x42;
		memset(wire + w, 0x43, 20);
		w += 20;
		wire[w++] = 0xc0;
		char *why = fast_splits("slip", (const char *)wire, w,
					"e@0:EESCAPE done");
		cr_assert_null(why, "escape at %zu: %s", k, why);
	}
}

/* max met exactly and one byte over, with escapes on both sides of the
 * chunk end under every split: the fast path stops short of max and
 * resumes after a chunk end without counting a byte twice. */
Test(fast, cobs_and_slip_max_under_every_split)
{
	static const char *const specs[] = {"cobs,max=40", "slip,max=40"};
	uint8_t msg[41], wire[64];

	for (size_t c = 0; c < 2; c++) {
		struct fr_spec big; /* encodes past max */

		du_spec(&big, c ? "slip" : "cobs");
		for (size_t n = 39; n <= 41; n++) {
			size_t wlen;
			char *want, *hex;

			for (size_t i = 0; i < n; i++)
				msg[i] = (uint8_t)(0x41 + i % 26);
			msg[15] = c ? 0xc0 : 0x00;
			msg[31] = c ? 0xdb : 0x00;
			cr_assert_eq(
			    fr_encode(&big, msg, n, wire, sizeof(wire), &wlen),
			    FR_OK);
			hex = du_hex(msg, n);
			if (n <= 40)
				cr_assert_gt(
				    asprintf(&want, "f@0:%s done", hex), 0);
			else
				want = strdup("e@0:EOVERSIZE done");
			char *why = fast_splits(specs[c], (const char *)wire,
						wlen, want);
			cr_assert_null(why, "%s, %zu bytes: %s", specs[c], n,
				       why);
			free(want);
			free(hex);
		}
	}
}

/* want under fast_splits and under every periodic chunking of 1 to 64
 * bytes (many chunk ends inside one frame: the fast paths resume there);
 * NULL or a malloc'ed description of the first mismatch. */
static char *all_chunkings(const char *spec, const uint8_t *w, size_t len,
			   const char *want)
{
	char *why = fast_splits(spec, (const char *)w, len, want);
	size_t *sizes = malloc((len + 1) * sizeof(*sizes));
	struct fr_spec s;

	cr_assert_not_null(sizes);
	du_spec(&s, spec);
	for (size_t c = 1; !why && c <= 64; c++) {
		struct du_events ev;
		size_t n = 0;

		for (size_t at = 0; at < len; at += c)
			sizes[n++] = c;
		du_decode(&s, w, len, sizes, n, 0, &ev);
		char *got = du_events_str(&ev);
		du_events_free(&ev);
		if (strcmp(got, want) != 0 &&
		    asprintf(&why, "%s, chunks of %zu:\n got  %s\n want %s",
			     spec, c, got, want) < 0)
			why = NULL;
		free(got);
	}
	free(sizes);
	return why;
}

/* Encode msgs[0..n) (lens[i] bytes each) with spec back to back, a lone
 * terminator (an empty wire frame, skipped) after the first; decode under
 * all_chunkings with decode_spec: each frame at its offset, or, where
 * max_err is set, EOVERSIZE for frames longer than max_err. */
static char *stream_case(const char *spec, const char *decode_spec,
			 const uint8_t *const *msgs, const size_t *lens,
			 size_t n, size_t max_err)
{
	struct fr_spec s;
	uint8_t *w = malloc(8192);
	char *want = strdup(""), *why;
	size_t wl = 0;

	cr_assert(w && want);
	du_spec(&s, spec);
	for (size_t i = 0; i < n; i++) {
		size_t fl;
		char *item, *hex = du_hex(msgs[i], lens[i]);

		cr_assert_eq(
		    fr_encode(&s, msgs[i], lens[i], w + wl, 8192 - wl - 1, &fl),
		    FR_OK);
		if (max_err && lens[i] > max_err)
			cr_assert_gt(
			    asprintf(&item, "%se@%zu:EOVERSIZE ", want, wl), 0);
		else
			cr_assert_gt(
			    asprintf(&item, "%sf@%zu:%s ", want, wl, hex), 0);
		free(want);
		free(hex);
		want = item;
		wl += fl;
		if (i == 0) /* a lone terminator: an empty frame */
			w[wl] = w[wl - 1], wl++;
	}
	char *full;
	cr_assert_gt(asprintf(&full, "%sdone", want), 0);
	why = all_chunkings(decode_spec, w, wl, full);
	free(full);
	free(want);
	free(w);
	return why;
}

/* cobs: a block of 254 non-zero bytes has code 0xff and no 00 after it,
 * so the walk closes up its code byte's copy instead of writing a 00; runs
 * of such blocks, a 00 or the frame's end right after one, and the code
 * byte after one at a chunk end, each a frame among others under every
 * chunking; max= at the frame's length and one less. */
Test(fast, cobs_255_blocks_and_max_under_every_chunking)
{
	static const size_t runs[] = {253, 254, 255, 508, 509, 762};
	uint8_t m[4][800];
	const uint8_t *msgs[4] = {m[0], m[1], m[2], m[3]};
	size_t lens[4];

	for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
		size_t n = runs[r];

		for (size_t i = 0; i < n; i++)
			m[0][i] = (uint8_t)(1 + i % 255);
		lens[0] = n;
		/* the same run, then 00 and two bytes */
		memcpy(m[1], m[0], n);
		m[1][n] = 0;
		m[1][n + 1] = 0x41;
		m[1][n + 2] = 0x42;
		lens[1] = n + 3;
		/* a short frame, then 00s around the run */
		m[2][0] = 0x43;
		lens[2] = 1;
		m[3][0] = 0;
		memcpy(m[3] + 1, m[0], n);
		m[3][n + 1] = 0;
		m[3][n + 2] = 0;
		lens[3] = n + 3;
		char *why = stream_case("cobs", "cobs", msgs, lens, 4, 0);
		cr_assert_null(why, "run of %zu: %s", n, why);
		/* max= at the longest frame, and one less */
		char spec[32];
		snprintf(spec, sizeof(spec), "cobs,max=%zu", n + 3);
		why = stream_case("cobs", spec, msgs, lens, 4, 0);
		cr_assert_null(why, "run of %zu: %s", n, why);
		snprintf(spec, sizeof(spec), "cobs,max=%zu", n + 2);
		why = stream_case("cobs", spec, msgs, lens, 4, n + 2);
		cr_assert_null(why, "run of %zu: %s", n, why);
	}
}

/* slip: escapes at the 16-byte steps and at every chunk end of many
 * frames; a frame of nothing but escapes (its wire twice max=, decoded
 * exactly max=) and one byte over. */
Test(fast, slip_escapes_and_max_under_every_chunking)
{
	static const uint8_t esc[2] = {0xc0, 0xdb};
	uint8_t m[4][100];
	const uint8_t *msgs[4] = {m[0], m[1], m[2], m[3]};
	size_t lens[4] = {40, 33, 1, 17};

	for (size_t k = 0; k < 2; k++) {
		for (size_t f = 0; f < 4; f++)
			for (size_t i = 0; i < lens[f]; i++)
				m[f][i] = (uint8_t)(0x41 + (i + f) % 26);
		m[0][0] = m[0][15] = m[0][16] = m[0][39] = esc[k];
		m[1][14] = m[1][15] = m[1][31] = m[1][32] = esc[!k];
		m[2][0] = esc[k];
		m[3][16] = esc[k];
		char *why = stream_case("slip", "slip", msgs, lens, 4, 0);
		cr_assert_null(why, "escape %02x: %s", esc[k], why);
	}
	for (size_t n = 40; n <= 41; n++) {
		memset(m[0], 0xc0, n);
		memset(m[1], 0xdb, n);
		lens[0] = lens[1] = n;
		char *why =
		    stream_case("slip", "slip,max=40", msgs, lens, 2, 40);
		cr_assert_null(why, "%zu escapes: %s", n, why);
	}
}

/* Errors inside the fast region among good frames under every chunking:
 * a COBS block running past the frame's 00 (the 00 inside it), a SLIP
 * escape right before the C0 and one followed by a bad byte; the frames
 * around them are unharmed. */
static const struct {
	const char *spec, *hex, *want;
} fast_errors[] = {
    {"cobs", "034142000541424300024100", "f@0:4142 e@4:ECOBS f@9:41 done"},
    {"cobs", "ff" /* 254 bytes follow in the test */, NULL},
    {"slip", "4142c04344dbc04546c0", "f@0:4142 e@3:EESCAPE f@7:4546 done"},
    {"slip", "4142c04344db41c04546c0", "f@0:4142 e@3:EESCAPE f@8:4546 done"},
};

Test(fast, errors_inside_the_fast_region_under_every_chunking)
{
	for (size_t i = 0; i < sizeof(fast_errors) / sizeof(fast_errors[0]);
	     i++) {
		uint8_t w[600];
		size_t n = 0;
		const char *want = fast_errors[i].want;

		if (!want) { /* cobs: a 0xff block whose 254 bytes hold a
				00 at 201, then a good frame */
			w[n++] = 0xff;
			for (size_t k = 0; k < 254; k++)
				w[n++] = (uint8_t)(k == 200 ? 0 : 0x41);
			w[n++] = 0;
			w[n++] = 0x02;
			w[n++] = 0x42;
			w[n++] = 0;
			/* the bytes after that 00 start a frame whose
			 * block (code 0x41) runs past its 00 too */
			want = "e@0:ECOBS e@202:ECOBS f@256:42 done";
		} else {
			for (const char *h = fast_errors[i].hex; h[0] && h[1];
			     h += 2) {
				unsigned b;
				cr_assert_eq(sscanf(h, "%2x", &b), 1);
				w[n++] = (uint8_t)b;
			}
		}
		char *why = all_chunkings(fast_errors[i].spec, w, n, want);
		cr_assert_null(why, "case %zu: %s", i, why);
	}
}

/* With a preamble longer than max=, the decoder's buffer may hold more
 * than max= bytes, so the fast paths check max= themselves: a frame of
 * max= bytes and one of max= + 1 after a 100-byte preamble, under every
 * chunking. */
Test(fast, cobs_and_slip_max_below_a_longer_preamble)
{
	static const char *const specs[2][2] = {
	    {"cobs", "cobs,max=40,pre=fixed:100/max=100"},
	    {"slip", "slip,max=40,pre=fixed:100/max=100"}};

	for (size_t c = 0; c < 2; c++) {
		struct fr_spec s;
		uint8_t msg[41], w[400];
		size_t wl = 100, fl;
		char *want, *hex;

		du_spec(&s, specs[c][0]);
		memset(w, 'P', 100);
		memset(msg, c ? 0xc0 : 0x41, sizeof(msg));
		hex = du_hex(w, 100);
		for (size_t n = 40; n <= 41; n++) {
			cr_assert_eq(
			    fr_encode(&s, msg, n, w + wl, sizeof(w) - wl, &fl),
			    FR_OK);
			wl += fl;
		}
		char *h40 = du_hex(msg, 40);
		cr_assert_gt(asprintf(&want,
				      "f@0:%s f@100:%s e@%zu:EOVERSIZE done",
				      hex, h40, (size_t)(c ? 181 : 142)),
			     0);
		char *why = all_chunkings(specs[c][1], w, wl, want);
		cr_assert_null(why, "%s", why);
		free(h40);
		free(hex);
		free(want);
	}
}

/* A frame of 24 MiB of non-zero bytes (99,000-odd 0xff blocks) in one
 * chunk, max= above its wire length so the fast path takes it: each
 * closed-up code byte must not move the rest of the frame again (that
 * took 2.3 s of CPU at 8 MiB here, so some 20 s at 24 MiB; linear, under
 * 0.3 s of CPU, ASan too), so an 8 s limit has a margin either way. */
Test(fast, cobs_long_frame_of_255_blocks_in_linear_time, .timeout = 8)
{
	size_t n = 24u << 20, wl = 0;
	uint8_t *w = malloc(n + n / 254 + 2);
	struct fr_decoder d;
	struct fr_spec s;
	struct fr_frame f;

	cr_assert_not_null(w);
	for (size_t i = 0; i < n; i += 254) {
		size_t k = n - i < 254 ? n - i : 254;

		w[wl++] = (uint8_t)(k == 254 ? 0xff : k + 1);
		memset(w + wl, 0x41, k);
		wl += k;
	}
	w[wl++] = 0;
	du_spec(&s, "cobs,max=33554432");
	cr_assert_eq(fr_decoder_init(&d, &s, NULL, 0), FR_OK);
	cr_assert_eq(fr_decoder_feed(&d, w, wl), FR_OK);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_FRAME);
	cr_assert_eq(f.len, n);
	cr_assert_eq(f.data[0], 0x41);
	cr_assert_eq(f.data[n - 1], 0x41);
	cr_assert_null(memchr(f.data, 0, n));
	cr_assert_eq(fr_decoder_next(&d, &f), FR_NEED_MORE);
	fr_decoder_free(&d);
	free(w);
}

/* The fast paths grow the buffer with the frame, not with the chunk: a
 * big chunk of short frames leaves it small (an owned buffer grows "on
 * demand", codec.h says, whatever max= would allow). */
Test(fast, cobs_and_slip_buffers_follow_the_frame_not_the_chunk)
{
	static const char *const specs[2][2] = {{"cobs", "cobs,max=1048576"},
						{"slip", "slip,max=1048576"}};

	for (size_t c = 0; c < 2; c++) {
		struct fr_spec s;
		struct fr_decoder d;
		struct fr_frame f;
		uint8_t msg[10], *w = malloc(1 << 16);
		size_t wl = 0, fl, frames = 0;
		int rc;

		cr_assert_not_null(w);
		du_spec(&s, specs[c][0]);
		memset(msg, 0x41, sizeof(msg));
		msg[3] = c ? 0xc0 : 0x00;
		while (wl + 32 < (1 << 16)) {
			cr_assert_eq(fr_encode(&s, msg, sizeof(msg), w + wl,
					       (1 << 16) - wl, &fl),
				     FR_OK);
			wl += fl;
		}
		du_spec(&s, specs[c][1]);
		cr_assert_eq(fr_decoder_init(&d, &s, NULL, 0), FR_OK);
		cr_assert_eq(fr_decoder_feed(&d, w, wl), FR_OK);
		while ((rc = fr_decoder_next(&d, &f)) == FR_FRAME) {
			cr_assert_eq(f.len, sizeof(msg));
			frames++;
		}
		cr_assert_eq(rc, FR_NEED_MORE);
		cr_assert_gt(frames, 4000);
		cr_assert_leq(d.cap, 1024,
			      "%s: a %zu-byte chunk of 10-byte "
			      "frames grew the buffer to %zu",
			      specs[c][0], wl, d.cap);
		fr_decoder_free(&d);
		free(w);
	}
}
