/* Criterion suite: the decoder contract at its edges (docs/design.md):
 * max and max+1, empty frames, split delimiters and headers,
 * oversize resync, finish/feed/reset protocol, caller buffers, zero-copy,
 * long frames fed byte by byte. Errors live in test_codec_errors.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_util.h"
#include "framing/codec.h"

Test(boundaries, frame_at_max_passes_max_plus_one_fails)
{
	static const struct du_vec v[] = {
	    {"line,max=5", "6162636465 0a", "f@0:6162636465 done"},
	    {"line,max=5", "616263646566 0a 780a", "e@0:EOVERSIZE f@7:78 done"},
	    {"crlf,max=5", "6162636465 0d0a", "f@0:6162636465 done"},
	    {"crlf,max=5", "616263646566 0d0a 780d0a",
	     "e@0:EOVERSIZE f@8:78 done"},
	    {"crlf,max=5", "61626364650d 0d0a 780d0a",
	     "e@0:EOVERSIZE f@8:78 done"},
	    {"delim:0d0a0d0a,max=5", "6162636465 0d0a0d0a",
	     "f@0:6162636465 done"},
	    {"delim:0d0a0d0a,max=5", "61626364650d0a0d 0d0a0d0a 78 0d0a0d0a",
	     "e@0:EOVERSIZE f@12:78 done"},
	    {"len:1be,max=5", "05 6162636465", "f@0:6162636465 done"},
	    {"len:1be,max=5", "06 616263646566 0178",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    {"len:2be,strip=0,max=5", "0003616263", "f@0:0003616263 done"},
	    {"len:2be,strip=0,max=5", "000461626364",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    {"len:varint,max=5", "05 6162636465", "f@0:6162636465 done"},
	    {"len:varint,max=5", "06 616263646566",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    {"netstring,max=5", "353a61626364652c", "f@0:6162636465 done"},
	    {"netstring,max=5", "363a6162636465662c",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    {"tlv,max=5", "010000000461626364", "f@0:0161626364 done"},
	    {"tlv,max=5", "01000000056162636465",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    {"cobs,max=5", "06112233445500", "f@0:1122334455 done"},
	    {"cobs,max=5", "0711223344556600 024100",
	     "e@0:EOVERSIZE f@8:41 done"},
	    {"cobs,max=5", "01010101010100", "f@0:0000000000 done"},
	    {"cobs,max=5", "0101010101010100 024100",
	     "e@0:EOVERSIZE f@8:41 done"},
	    {"slip,max=5", "6162636465 c0", "f@0:6162636465 done"},
	    {"slip,max=5", "616263646566 c0 41c0", "e@0:EOVERSIZE f@7:41 done"},
	    {"slip,max=5", "dbdcdbdcdbdddbdcdbdc c0", "f@0:c0c0dbc0c0 done"},
	    {"slip,max=5", "dbdcdbdcdbdddbdcdbdcdbdc c0 41c0",
	     "e@0:EOVERSIZE f@13:41 done"},
	    {"fixed:5,max=5", "6162636465", "f@0:6162636465 done"},
	};
	char *why = DU_EXPECT_VECS(v);

	cr_assert_null(why, "%s", why);
}

Test(boundaries, empty_frames)
{
	static const struct du_vec v[] = {
	    {"line", "0a", "f@0: done"},
	    {"crlf", "0d0a0d0a", "f@0: f@2: done"},
	    {"delim:0d0a0d0a", "0d0a0d0a", "f@0: done"},
	    {"slip", "c0c0c0", "done"},
	    {"slip", "c0c0 41 c0c0", "f@2:41 done"},
	    {"netstring", "303a2c303a2c", "f@0: f@3: done"},
	    {"len:2be", "0000 0000", "f@0: f@2: done"},
	    {"len:1be,adjust=-2", "0202", "f@0: f@1: done"},
	    {"len:varint", "000000", "f@0: f@1: f@2: done"},
	    {"cobs", "0100 0100", "f@0: f@2: done"},
	    {"line", "", "done"},
	};
	char *why = DU_EXPECT_VECS(v);

	cr_assert_null(why, "%s", why);
}

/* Split points: every two- and three-way split of these streams is run by
 * du_expect_all_splits, so each delimiter/header byte is a chunk edge. */
Test(boundaries, delimiters_and_headers_split_everywhere)
{
	static const struct du_vec v[] = {
	    {"crlf", "610d 0a620d0a", "f@0:61 f@3:62 done"},
	    {"delim:01020304", "41010203 04 4201020301020304",
	     "f@0:41 f@5:42010203 done"},
	    {"len:8le", "0300000000000000616263 0100000000000000 78",
	     "f@0:616263 f@11:78 done"},
	    {"len:8be,offset=3,strip=0", "aabbcc 0000000000000001 7a",
	     "f@0:aabbcc00000000000000017a done"},
	    {"len:3le,adjust=2,strip=0", "010000 aabb 7a",
	     "f@0:010000aabb7a done"},
	    {"tlv", "09 00000002 6162 0a 00000000", "f@0:096162 f@7:0a done"},
	    {"netstring", "31303a30313233343536373839 2c",
	     "f@0:30313233343536373839 done"},
	};
	struct du_buf w = {0}, want = {0};
	char *zeros;

	char *why = DU_EXPECT_VECS(v);

	cr_assert_null(why, "%s", why);
	/* a 2-byte varint (128) then a 1-byte one */
	du_buf_put(&w, "\x80\x01", 2);
	for (int i = 0; i < 128; i++)
		du_buf_put(&w, "\x00", 1);
	du_buf_put(&w, "\x01\x78", 2);
	zeros = du_hex(w.p + 2, 128);
	du_buf_put(&want, "f@0:", 4);
	du_buf_put(&want, zeros, strlen(zeros));
	du_buf_put(&want, " f@130:78 done", 15);
	why = du_expect_all_splits("len:varint", w.p, w.len, (char *)want.p);
	cr_assert_null(why, "%s", why);
	free(zeros);
	du_buf_free(&w);
	du_buf_free(&want);
}

/* Delimited codecs: one report, then everything up to the delimiter is
 * dropped, however the delimiter is cut. The frame is long so that the
 * error is found long before the delimiter arrives. */
Test(boundaries, oversize_reported_once_then_resync)
{
	static const char *const specs[] = {
	    "line,max=4",	  "crlf,max=4", "delim:0d0a0d0a,max=4",
	    "delim:616161,max=4", "cobs,max=4", "slip,max=4",
	};
	static const char *const ends[] = {"0a",     "0d0a", "0d0a0d0a",
					   "616161", "00",   "c0"};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct du_buf b = {0};
		size_t elen;
		uint8_t *end = du_unhex(ends[i], &elen);
		char want[64];

		for (int k = 0; k < 40; k++)
			du_buf_put(&b, i == 4 ? "\x31" : "\x0d", 1);
		du_buf_put(&b, end, elen);
		if (i == 4)
			du_buf_put(&b, "\x02\x6f", 2);
		else
			du_buf_put(&b, "o", 1);
		du_buf_put(&b, end, elen);
		snprintf(want, sizeof(want), "e@0:EOVERSIZE f@%zu:6f done",
			 40 + elen);
		char *why = du_expect_all_splits(specs[i], b.p, b.len, want);

		cr_assert_null(why, "%s", why);
		du_buf_free(&b);
		free(end);
	}
}

Test(boundaries, finish_and_feed_protocol)
{
	struct fr_spec s;
	struct fr_decoder d;
	struct fr_frame f;

	du_spec(&s, "line");
	cr_assert_eq(fr_decoder_init(&d, &s, NULL, 0), FR_OK);
	cr_assert_eq(fr_decoder_feed(&d, "ab\ncd", 5), FR_OK);
	/* input still pending: a second feed is refused */
	cr_assert_eq(fr_decoder_feed(&d, "x", 1), FR_EINVAL);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_FRAME);
	cr_assert_eq(f.len, 2);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_NEED_MORE);
	cr_assert_eq(fr_decoder_offset(&d), 5);
	cr_assert_eq(fr_decoder_finish(&d, &f), FR_ETRUNCATED);
	cr_assert_eq(f.offset, 3);
	cr_assert_eq(fr_decoder_finish(&d, &f), FR_ETRUNCATED);
	cr_assert_eq(f.offset, 3);
	cr_assert_eq(fr_decoder_feed(&d, "\n", 1), FR_EINVAL,
		     "feed after finish must be refused");
	/* reset: a new stream from offset 0 */
	fr_decoder_reset(&d);
	cr_assert_eq(fr_decoder_offset(&d), 0);
	cr_assert_eq(fr_decoder_feed(&d, "xy\n", 3), FR_OK);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_FRAME);
	cr_assert_eq(f.offset, 0);
	cr_assert_eq(f.len, 2);
	cr_assert_eq(memcmp(f.data, "xy", 2), 0);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_NEED_MORE);
	cr_assert_eq(fr_decoder_finish(&d, &f), FR_DONE);
	fr_decoder_free(&d);
}

Test(boundaries, caller_buffer_size)
{
	static const char *const specs[] = {
	    "line,max=5",
	    "crlf,max=5",
	    "delim:0d0a0d0a,max=5",
	    "len:2be,max=5",
	    "len:2be,strip=0,max=5",
	    "cobs,max=5",
	    "slip,max=5",
	    "netstring,max=5",
	    "tlv,max=5",
	    "fixed:5,max=5",
	};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct fr_spec s;
		struct fr_decoder d;
		size_t n;
		uint8_t *buf;

		du_spec(&s, specs[i]);
		n = fr_decoder_bufsize(&s);
		cr_assert_geq(n, 5, "%s: bufsize %zu < max", specs[i], n);
		cr_assert_leq(n, 5 + FR_DELIM_MAX + 16, "%s: bufsize %zu",
			      specs[i], n);
		buf = du_guard_alloc(n);
		cr_assert_eq(fr_decoder_init(&d, &s, buf, n - 1), FR_EINVAL,
			     "%s: a buffer below bufsize accepted", specs[i]);
		cr_assert_eq(fr_decoder_init(&d, &s, buf, n), FR_OK);
		fr_decoder_free(&d);
		du_guard_free(buf, n);
	}
}

/* Zero-copy: a frame wholly inside the fed chunk points into it; a frame
 * that spans chunks can't. tlv is excluded: type and value are not
 * adjacent on the wire. */
Test(boundaries, zero_copy_views)
{
	static const char *const specs[] = {
	    "fixed:3",	  "line",
	    "crlf",	  "delim:7c7c",
	    "len:2be",	  "len:2be,strip=0",
	    "len:varint", "len:1be,offset=1",
	    "netstring",
	};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct fr_spec s;
		uint8_t *msgs[3] = {(uint8_t *)"abc", (uint8_t *)"def",
				    (uint8_t *)"ghi"};
		size_t lens[3] = {3, 3, 3}, len, idx;
		uint8_t *wire;
		struct du_events ev;

		du_spec(&s, specs[i]);
		if (i == 5) {
			msgs[0] = (uint8_t *)"\x00\x01z";
			msgs[1] = (uint8_t *)"\x00\x01y";
			msgs[2] = (uint8_t *)"\x00\x01x";
		}
		cr_assert_eq(
		    du_encode_all(&s, msgs, lens, 3, &wire, &len, &idx), FR_OK,
		    "%s", specs[i]);
		du_decode(&s, wire, len, NULL, 0, 0, &ev);
		cr_assert_eq(ev.n, 4, "%s", specs[i]);
		for (int k = 0; k < 3; k++)
			cr_expect(ev.ev[k].zero_copy, "%s: frame %d copied",
				  specs[i], k);
		du_events_free(&ev);
		/* cut inside the second frame */
		{
			size_t cut[2] = {len / 2, FR_CHUNK_REST};

			du_decode(&s, wire, len, cut, 2, 0, &ev);
			cr_assert_eq(ev.n, 4, "%s", specs[i]);
			cr_expect_not(ev.ev[1].zero_copy,
				      "%s: spanning frame "
				      "points into one chunk",
				      specs[i]);
			cr_expect(ev.ev[0].zero_copy && ev.ev[2].zero_copy,
				  "%s: whole frames copied", specs[i]);
			du_events_free(&ev);
		}
		free(wire);
	}
	{
		/* raw: each frame is a view of the chunk */
		struct fr_spec s;
		struct du_events ev;
		static const size_t cut[] = {2, 5, FR_CHUNK_REST};

		du_spec(&s, "raw");
		du_decode(&s, "abcdefghij", 10, cut, 3, 0, &ev);
		for (size_t k = 0; k + 1 < ev.n; k++)
			cr_expect(ev.ev[k].zero_copy, "raw frame %zu copied",
				  k);
		du_events_free(&ev);
	}
}

Test(boundaries, raw_respects_max)
{
	struct fr_spec s;
	struct du_events ev;
	size_t total = 0;

	du_spec(&s, "raw,max=4");
	du_decode(&s, "0123456789", 10, NULL, 0, 0, &ev);
	for (size_t k = 0; k < ev.n; k++) {
		if (ev.ev[k].fin)
			continue;
		cr_assert_eq(ev.ev[k].code, FR_FRAME);
		cr_assert_leq(ev.ev[k].len, 4, "raw frame of %zu > max",
			      ev.ev[k].len);
		total += ev.ev[k].len;
	}
	cr_assert_eq(total, 10);
	du_events_free(&ev);
}

/* Size tests: a quadratic rescan would not finish within the CTest
 * timeout. Fed as 1-byte views of one buffer to keep them cheap. */
static void feed_bytewise(const char *spec, const uint8_t *p, size_t len,
			  size_t step, size_t want_len)
{
	struct fr_spec s;
	struct fr_decoder d;
	struct fr_frame f;
	size_t frames = 0;

	du_spec(&s, spec);
	cr_assert_eq(fr_decoder_init(&d, &s, NULL, 0), FR_OK);
	for (size_t pos = 0; pos < len; pos += step) {
		size_t n = len - pos < step ? len - pos : step;
		int r;

		cr_assert_eq(fr_decoder_feed(&d, p + pos, n), FR_OK);
		while ((r = fr_decoder_next(&d, &f)) == FR_FRAME) {
			cr_assert_eq(f.len, want_len, "%s: frame of %zu", spec,
				     f.len);
			cr_assert_eq(f.offset, 0);
			frames++;
		}
		cr_assert_eq(r, FR_NEED_MORE, "%s at %zu: %s", spec, pos,
			     du_code_name(r));
	}
	cr_assert_eq(frames, 1, "%s: %zu frames", spec, frames);
	cr_assert_eq(fr_decoder_finish(&d, &f), FR_DONE);
	fr_decoder_free(&d);
}

Test(boundaries, long_frames_fed_bytewise, .timeout = 240)
{
	size_t n = (size_t)4 << 20;
	uint8_t *p = malloc(n + 8);

	cr_assert_not_null(p);
	memset(p, 'x', n);
	p[n] = '\n';
	feed_bytewise("line,max=8388608", p, n + 1, 1, n);
	memset(p, 'a', n);
	memcpy(p + n, "aaab", 4);
	feed_bytewise("delim:61616162,max=8388608", p, n + 4, 1, n);
	feed_bytewise("delim:61616162,max=8388608", p, n + 4, 3, n);
	memset(p, 0x0d, n);
	memcpy(p + n, "\x0d\x0a\x0d\x0a", 4);
	feed_bytewise("delim:0d0a0d0a,max=8388608", p, n + 4, 1, n);
	free(p);
}

/* Reset mid-frame (partial header, escape pending, discarding an
 * oversize frame...) must forget everything: the next stream decodes as
 * if the decoder were new, offsets from 0. */
Test(boundaries, reset_forgets_partial_state)
{
	static const struct {
		const char *spec, *partial, *stream, *want;
	} t[] = {
	    {"line,max=2", "616263", "78790a", "f@0:7879 done"},
	    {"line", "6162", "78790a", "f@0:7879 done"},
	    {"crlf", "61620d", "0a78790d0a", "f@0:0a7879 done"},
	    {"delim:0d0a0d0a", "0d0a0d", "0a0d0a0d0a", "f@0:0a done"},
	    {"len:2be", "00", "000178", "f@0:78 done"},
	    {"len:varint", "8080", "0178", "f@0:78 done"},
	    {"slip", "41db", "dcc0", "f@0:dc done"},
	    {"cobs", "05", "0278 00", "f@0:78 done"},
	    {"netstring", "3132", "313a782c", "f@0:78 done"},
	    {"tlv", "0100", "0700000000", "f@0:07 done"},
	    {"fixed:2", "61", "7879", "f@0:7879 done"},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct fr_spec s;
		struct fr_decoder d;
		struct fr_frame f;
		size_t plen, len;
		uint8_t *partial = du_unhex(t[i].partial, &plen);
		uint8_t *wire = du_unhex(t[i].stream, &len);
		struct du_buf got = {0};
		int r;

		du_spec(&s, t[i].spec);
		cr_assert_eq(fr_decoder_init(&d, &s, NULL, 0), FR_OK);
		cr_assert_eq(fr_decoder_feed(&d, partial, plen), FR_OK);
		while ((r = fr_decoder_next(&d, &f)) != FR_NEED_MORE &&
		       !fr_decoder_failed(&d))
			;
		fr_decoder_reset(&d);
		cr_assert_eq(fr_decoder_feed(&d, wire, len), FR_OK);
		while ((r = fr_decoder_next(&d, &f)) == FR_FRAME) {
			char *h = du_hex(f.data, f.len);
			char tmp[32];

			snprintf(tmp, sizeof(tmp),
				 "f@%llu:", (unsigned long long)f.offset);
			du_buf_put(&got, tmp, strlen(tmp));
			du_buf_put(&got, h, strlen(h));
			du_buf_put(&got, " ", 1);
			free(h);
		}
		cr_assert_eq(r, FR_NEED_MORE, "%s: %s", t[i].spec,
			     du_code_name(r));
		r = fr_decoder_finish(&d, &f);
		du_buf_put(&got, r == FR_DONE ? "done" : du_code_name(r),
			   strlen(r == FR_DONE ? "done" : du_code_name(r)) + 1);
		cr_expect_str_eq((char *)got.p, t[i].want, "%s after reset",
				 t[i].spec);
		du_buf_free(&got);
		fr_decoder_free(&d);
		free(partial);
		free(wire);
	}
}

Test(boundaries, empty_feeds_and_idle_calls)
{
	struct fr_spec s;
	struct fr_decoder d;
	struct fr_frame f;

	du_spec(&s, "len:1be");
	cr_assert_eq(fr_decoder_init(&d, &s, NULL, 0), FR_OK);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_NEED_MORE);
	cr_assert_eq(fr_decoder_feed(&d, "", 0), FR_OK);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_NEED_MORE);
	cr_assert_eq(fr_decoder_feed(&d,
				     "\x02"
				     "a",
				     2),
		     FR_OK);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_NEED_MORE);
	cr_assert_eq(fr_decoder_offset(&d), 2);
	cr_assert_eq(fr_decoder_feed(&d, "", 0), FR_OK);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_NEED_MORE);
	cr_assert_eq(fr_decoder_feed(&d, "b", 1), FR_OK);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_FRAME);
	cr_assert_eq(f.len, 2);
	cr_assert_eq(memcmp(f.data, "ab", 2), 0);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_NEED_MORE);
	cr_assert_eq(fr_decoder_finish(&d, &f), FR_DONE);
	cr_assert_eq(fr_decoder_finish(&d, &f), FR_DONE);
	fr_decoder_free(&d);
	/* a stream that never had a byte ends cleanly */
	cr_assert_eq(fr_decoder_init(&d, &s, NULL, 0), FR_OK);
	cr_assert_eq(fr_decoder_finish(&d, &f), FR_DONE);
	fr_decoder_free(&d);
}
