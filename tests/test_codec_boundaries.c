/* Criterion suite: the decoder contract at its edges (DESIGN.md "Decoder
 * contract"): max and max+1, empty frames, split delimiters and headers,
 * error offsets, sticky vs recoverable errors, strict varints, checked
 * length arithmetic, bounded allocation, finish, zero-copy. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "framing/codec.h"
#include "support/decode_util.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(UNDER_ASAN)
#define UNDER_ASAN 1
#endif

/* Under ASan a huge malloc returns NULL instead of succeeding lazily, so a
 * decoder that reserves a declared length shows up as an error. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1:max_allocation_size_mb=1024";
}

/* Without ASan, cap the address space so the same mistake fails. */
static void limit_memory(void)
{
#ifndef UNDER_ASAN
	struct rlimit rl = {(rlim_t)1 << 31, (rlim_t)1 << 31};

	cr_assert_eq(setrlimit(RLIMIT_AS, &rl), 0);
#endif
}

struct vec {
	const char *spec, *wire, *want;
};

static void run_vecs(const struct vec *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len;
		uint8_t *wire = du_unhex(v[i].wire, &len);

		du_expect_all_splits(v[i].spec, wire, len, v[i].want);
		free(wire);
	}
}

#define RUN(v) run_vecs(v, sizeof(v) / sizeof(v[0]))

Test(boundaries, frame_at_max_passes_max_plus_one_fails)
{
	static const struct vec v[] = {
		{"line,max=5", "6162636465 0a", "f@0:6162636465 done"},
		{"line,max=5", "616263646566 0a 780a", "e@0:EOVERSIZE f@7:78 done"},
		{"crlf,max=5", "6162636465 0d0a", "f@0:6162636465 done"},
		{"crlf,max=5", "616263646566 0d0a 780d0a", "e@0:EOVERSIZE f@8:78 done"},
		{"crlf,max=5", "61626364650d 0d0a 780d0a", "e@0:EOVERSIZE f@8:78 done"},
		{"delim:0d0a0d0a,max=5", "6162636465 0d0a0d0a", "f@0:6162636465 done"},
		{"delim:0d0a0d0a,max=5", "61626364650d0a0d 0d0a0d0a 78 0d0a0d0a",
		 "e@0:EOVERSIZE f@12:78 done"},
		{"len:1be,max=5", "05 6162636465", "f@0:6162636465 done"},
		{"len:1be,max=5", "06 616263646566 0178", "e@0:EOVERSIZE fin@0:EOVERSIZE"},
		{"len:2be,strip=0,max=5", "0003616263", "f@0:0003616263 done"},
		{"len:2be,strip=0,max=5", "000461626364", "e@0:EOVERSIZE fin@0:EOVERSIZE"},
		{"len:varint,max=5", "05 6162636465", "f@0:6162636465 done"},
		{"len:varint,max=5", "06 616263646566", "e@0:EOVERSIZE fin@0:EOVERSIZE"},
		{"netstring,max=5", "353a61626364652c", "f@0:6162636465 done"},
		{"netstring,max=5", "363a6162636465662c", "e@0:EOVERSIZE fin@0:EOVERSIZE"},
		{"tlv,max=5", "010000000461626364", "f@0:0161626364 done"},
		{"tlv,max=5", "01000000056162636465", "e@0:EOVERSIZE fin@0:EOVERSIZE"},
		{"cobs,max=5", "06112233445500", "f@0:1122334455 done"},
		{"cobs,max=5", "0711223344556600 024100", "e@0:EOVERSIZE f@8:41 done"},
		{"cobs,max=5", "01010101010100", "f@0:0000000000 done"},
		{"cobs,max=5", "0101010101010100 024100", "e@0:EOVERSIZE f@8:41 done"},
		{"slip,max=5", "6162636465 c0", "f@0:6162636465 done"},
		{"slip,max=5", "616263646566 c0 41c0", "e@0:EOVERSIZE f@7:41 done"},
		{"slip,max=5", "dbdcdbdcdbdddbdcdbdc c0", "f@0:c0c0dbc0c0 done"},
		{"slip,max=5", "dbdcdbdcdbdddbdcdbdcdbdc c0 41c0",
		 "e@0:EOVERSIZE f@13:41 done"},
		{"fixed:5,max=5", "6162636465", "f@0:6162636465 done"},
	};
	RUN(v);
}

Test(boundaries, empty_frames)
{
	static const struct vec v[] = {
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
	RUN(v);
}

/* Split points: every two- and three-way split of these streams is run by
 * du_expect_all_splits, so each delimiter/header byte is a chunk edge. */
Test(boundaries, delimiters_and_headers_split_everywhere)
{
	static const struct vec v[] = {
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
		{"netstring", "31303a30313233343536373839 2c", "f@0:30313233343536373839 done"},
	};
	struct du_buf w = {0}, want = {0};
	char *zeros;

	RUN(v);
	/* a 2-byte varint (128) then a 1-byte one */
	du_buf_put(&w, "\x80\x01", 2);
	for (int i = 0; i < 128; i++)
		du_buf_put(&w, "\x00", 1);
	du_buf_put(&w, "\x01\x78", 2);
	zeros = du_hex(w.p + 2, 128);
	du_buf_put(&want, "f@0:", 4);
	du_buf_put(&want, zeros, strlen(zeros));
	du_buf_put(&want, " f@130:78 done", 15);
	du_expect_all_splits("len:varint", w.p, w.len, (char *)want.p);
	free(zeros);
	du_buf_free(&w);
	du_buf_free(&want);
}

Test(boundaries, errors_carry_frame_offsets)
{
	static const struct vec v[] = {
		{"line,max=3", "61620a 616263640a 78790a",
		 "f@0:6162 e@3:EOVERSIZE f@8:7879 done"},
		{"len:1be,max=3", "026162 0461626364", "f@0:6162 e@3:EOVERSIZE fin@3:EOVERSIZE"},
		{"netstring", "313a612c 313a6262", "f@0:61 e@4:ENETSTRING fin@4:ENETSTRING"},
		{"slip", "41c0 42db00c0 43c0", "f@0:41 e@2:EESCAPE f@6:43 done"},
		{"cobs", "024100 044100 024200", "f@0:41 e@3:ECOBS f@6:42 done"},
		{"tlv,max=4", "0100000001 61 02000000ff", "f@0:0161 e@6:EOVERSIZE fin@6:EOVERSIZE"},
		{"fixed:2", "6162 63", "f@0:6162 fin@2:ETRUNCATED"},
	};
	RUN(v);
}

/* Delimited codecs: one report, then everything up to the delimiter is
 * dropped, however the delimiter is cut. The frame is long so that the
 * error is found long before the delimiter arrives. */
Test(boundaries, oversize_reported_once_then_resync)
{
	static const char *const specs[] = {
		"line,max=4", "crlf,max=4", "delim:0d0a0d0a,max=4",
		"delim:616161,max=4", "cobs,max=4", "slip,max=4",
	};
	static const char *const ends[] = {"0a", "0d0a", "0d0a0d0a", "616161",
					   "00", "c0"};

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
		du_expect_all_splits(specs[i], b.p, b.len, want);
		du_buf_free(&b);
		free(end);
	}
}

Test(boundaries, strict_varints)
{
	static const struct vec v[] = {
		/* 11 bytes: too long even though the value is 0 */
		{"len:varint", "80808080808080808080 00 41", "e@0:EVARINT fin@0:EVARINT"},
		{"len:varint", "0141 80808080808080808080 00", "f@0:41 e@2:EVARINT fin@2:EVARINT"},
		/* 10 bytes overflowing 2^64 */
		{"len:varint", "ffffffffffffffffff02 41", "e@0:EVARINT fin@0:EVARINT"},
		{"len:varint", "80808080808080808002 41", "e@0:EVARINT fin@0:EVARINT"},
		{"len:varint", "ffffffffffffffffff7f 41", "e@0:EVARINT fin@0:EVARINT"},
		/* 2^63: valid varint, oversize */
		{"len:varint", "80808080808080808001 41", "e@0:EOVERSIZE fin@0:EOVERSIZE"},
		/* truncated inside the varint */
		{"len:varint", "8080", "fin@0:ETRUNCATED"},
		{"len:varint", "0161 80", "f@0:61 fin@2:ETRUNCATED"},
		{"len:varint", "02 61", "fin@0:ETRUNCATED"},
	};
	RUN(v);
}

Test(boundaries, checked_length_arithmetic)
{
	static const struct vec v[] = {
		/* adjust makes the frame shorter than its header */
		{"len:1be,adjust=-2", "0141", "e@0:EBADLEN fin@0:EBADLEN"},
		{"len:1be,adjust=-5", "026162", "e@0:EBADLEN fin@0:EBADLEN"},
		{"len:8be,adjust=-1099511627776", "0000000000000005 6162636465",
		 "e@0:EBADLEN fin@0:EBADLEN"},
		/* strip beyond the frame */
		{"len:1be,strip=5", "026162 00", "e@0:EBADLEN fin@0:EBADLEN"},
		{"len:2be,offset=1,strip=4", "ca0000 41", "e@0:EBADLEN fin@0:EBADLEN"},
		/* sums that wrap in 64 bits */
		{"len:8be,adjust=100", "ffffffffffffffff 41", "e@0:EOVERSIZE fin@0:EOVERSIZE"},
		{"len:8be", "fffffffffffffffc 41424344", "e@0:EOVERSIZE fin@0:EOVERSIZE"},
		{"len:8le", "ffffffffffffffff 41", "e@0:EOVERSIZE fin@0:EOVERSIZE"},
		{"len:8be,adjust=1099511627776", "fffffffffffffff0 41",
		 "e@0:EOVERSIZE fin@0:EOVERSIZE"},
		{"len:8be,max=1024", "7fffffffffffffff 41", "e@0:EOVERSIZE fin@0:EOVERSIZE"},
		{"len:4be,max=1024", "00000401 41", "e@0:EOVERSIZE fin@0:EOVERSIZE"},
		{"tlv", "01 ffffffff 41", "e@0:EOVERSIZE fin@0:EOVERSIZE"},
		{"netstring", "3939393939393939393939393939393939393939393939393a",
		 "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	};
	RUN(v);
}

/* A declared length within max must not be reserved up front: only what
 * arrives is stored (growth by doubling). */
Test(boundaries, declared_length_is_not_reserved)
{
	static const char *const specs[] = {
		"len:4be,max=1099511627776", "len:8be,max=1099511627776",
		"tlv,max=1099511627776", "netstring,max=1099511627776",
	};
	static const char *const wires[] = {
		"fffffff0 61626364", "0000010000000000 61626364",
		"01 fffffff0 61626364", "3130303030303030303030303a 61626364",
	};

	limit_memory();
	for (int i = 0; i < 4; i++) {
		char *got = du_run(specs[i], wires[i], NULL, 0, 0);

		cr_assert_str_eq(got, "fin@0:ETRUNCATED", "%s", specs[i]);
		free(got);
	}
}

/* Sticky fatal errors: next, feed, finish all keep the first error. */
static void expect_sticky(const char *spec, const char *hex, int code,
			  uint64_t off, size_t frames_before)
{
	struct fr_spec s;
	struct fr_decoder d;
	struct fr_frame f;
	size_t len;
	uint8_t *wire = du_unhex(hex, &len);
	int r;

	du_spec(&s, spec);
	cr_assert(fr_error_is_fatal(&s, code), "%s: %s not fatal", spec,
		  du_code_name(code));
	cr_assert_eq(fr_decoder_init(&d, &s, NULL, 0), FR_OK);
	cr_assert_eq(fr_decoder_feed(&d, wire, len), FR_OK);
	for (size_t i = 0; i < frames_before; i++)
		cr_assert_eq(fr_decoder_next(&d, &f), FR_FRAME, "%s", spec);
	for (int k = 0; k < 3; k++) {
		memset(&f, 0xaa, sizeof(f));
		r = fr_decoder_next(&d, &f);
		cr_assert_eq(r, code, "%s: call %d: %s", spec, k,
			     du_code_name(r));
		cr_assert_eq(f.offset, off, "%s: offset %llu", spec,
			     (unsigned long long)f.offset);
		cr_assert_null(f.data);
		cr_assert_eq(f.len, 0);
	}
	cr_assert(fr_decoder_failed(&d), "%s", spec);
	cr_assert_eq(fr_decoder_errpos(&d), off);
	/* feeding after a fatal error: refused or ignored, never decoded */
	r = fr_decoder_feed(&d, "\x00\x00\x00", 3);
	cr_assert(r == FR_OK || r < 0);
	r = fr_decoder_next(&d, &f);
	cr_assert_eq(r, code, "%s: after feed: %s", spec, du_code_name(r));
	cr_assert_eq(f.offset, off);
	for (int k = 0; k < 2; k++) {
		r = fr_decoder_finish(&d, &f);
		cr_assert_eq(r, code, "%s: finish: %s", spec, du_code_name(r));
		cr_assert_eq(f.offset, off);
	}
	fr_decoder_free(&d);
	free(wire);
}

Test(boundaries, fatal_errors_are_sticky)
{
	expect_sticky("len:1be,max=3", "026162 0461626364 0161", FR_EOVERSIZE,
		      3, 1);
	expect_sticky("len:1be,adjust=-2", "0141 0141", FR_EBADLEN, 0, 0);
	expect_sticky("len:varint", "0161 8080808080808080808000 0141",
		      FR_EVARINT, 2, 1);
	expect_sticky("netstring", "313a612c 30313a612c 313a612c",
		      FR_ENETSTRING, 4, 1);
	expect_sticky("netstring,max=2", "333a6162632c", FR_EOVERSIZE, 0, 0);
	expect_sticky("tlv,max=4", "0100000001 61 0200000009 616263",
		      FR_EOVERSIZE, 6, 1);
}

Test(boundaries, delimited_errors_are_not_fatal)
{
	static const char *const specs[] = {"line", "crlf", "delim:00",
					    "cobs", "slip"};
	struct fr_spec s;

	for (int i = 0; i < 5; i++) {
		du_spec(&s, specs[i]);
		cr_expect_not(fr_error_is_fatal(&s, FR_EOVERSIZE), "%s",
			      specs[i]);
	}
	du_spec(&s, "slip");
	cr_expect_not(fr_error_is_fatal(&s, FR_EESCAPE));
	du_spec(&s, "cobs");
	cr_expect_not(fr_error_is_fatal(&s, FR_ECOBS));
	du_spec(&s, "len:2be");
	cr_expect(fr_error_is_fatal(&s, FR_EOVERSIZE));
	cr_expect(fr_error_is_fatal(&s, FR_EBADLEN));
	du_spec(&s, "tlv");
	cr_expect(fr_error_is_fatal(&s, FR_EOVERSIZE));
	du_spec(&s, "netstring");
	cr_expect(fr_error_is_fatal(&s, FR_ENETSTRING));
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

Test(boundaries, reset_clears_a_fatal_error)
{
	struct fr_spec s;
	struct fr_decoder d;
	struct fr_frame f;

	du_spec(&s, "len:1be,max=2");
	cr_assert_eq(fr_decoder_init(&d, &s, NULL, 0), FR_OK);
	cr_assert_eq(fr_decoder_feed(&d, "\x09", 1), FR_OK);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_EOVERSIZE);
	fr_decoder_reset(&d);
	cr_assert_not(fr_decoder_failed(&d));
	cr_assert_eq(fr_decoder_feed(&d, "\x01z", 2), FR_OK);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_FRAME);
	cr_assert_eq(f.len, 1);
	cr_assert_eq(f.data[0], 'z');
	cr_assert_eq(fr_decoder_next(&d, &f), FR_NEED_MORE);
	cr_assert_eq(fr_decoder_finish(&d, &f), FR_DONE);
	fr_decoder_free(&d);
}

Test(boundaries, caller_buffer_size)
{
	static const char *const specs[] = {
		"line,max=5", "crlf,max=5", "delim:0d0a0d0a,max=5",
		"len:2be,max=5", "len:2be,strip=0,max=5", "cobs,max=5",
		"slip,max=5", "netstring,max=5", "tlv,max=5", "fixed:5,max=5",
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
		"fixed:3", "line", "crlf", "delim:7c7c", "len:2be",
		"len:2be,strip=0", "len:varint", "len:1be,offset=1", "netstring",
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
		cr_assert_eq(du_encode_all(&s, msgs, lens, 3, &wire, &len, &idx),
			     FR_OK, "%s", specs[i]);
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
			cr_expect_not(ev.ev[1].zero_copy, "%s: spanning frame "
				      "points into one chunk", specs[i]);
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
			cr_expect(ev.ev[k].zero_copy, "raw frame %zu copied", k);
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

struct refusal {
	const char *spec, *msg;
	int code, alt;
};

Test(boundaries, encoders_refuse_what_decoders_cannot_read_back)
{
	static const struct refusal t[] = {
		{"line", "610a62", FR_EUNENCODABLE, 0},
		{"line", "0a", FR_EUNENCODABLE, 0},
		{"crlf", "610d0a62", FR_EUNENCODABLE, 0},
		{"crlf", "0d0a", FR_EUNENCODABLE, 0},
		{"delim:616261", "6162", FR_EUNENCODABLE, 0},
		{"delim:0d0a0d0a", "0d0a", FR_EUNENCODABLE, 0},
		{"delim:0d0a0d0a", "610d0a", FR_EUNENCODABLE, 0},
		{"delim:0d0a0d0a", "610d0a0d0a62", FR_EUNENCODABLE, 0},
		{"cobs,max=3", "61626364", FR_EOVERSIZE, 0},
		{"slip,max=3", "61626364", FR_EOVERSIZE, 0},
		{"line,max=4", "6162636465", FR_EOVERSIZE, 0},
		{"netstring,max=3", "61626364", FR_EOVERSIZE, 0},
		{"tlv,max=3", "01616263", FR_EOVERSIZE, 0},
		{"len:1be,max=10", "6162636465666768696a6b", FR_EOVERSIZE, 0},
		{"len:2be,strip=0", "0005616263", FR_EUNENCODABLE, 0},
		{"len:2be,strip=0", "00", FR_EUNENCODABLE, 0},
		{"len:2be,adjust=-2,strip=0", "0003616263", FR_EUNENCODABLE, 0},
		{"slip", "", FR_EUNENCODABLE, 0},
		{"tlv", "", FR_EUNENCODABLE, 0},
		{"fixed:4", "616263", FR_EUNENCODABLE, 0},
		{"fixed:4", "6162636465", FR_EUNENCODABLE, FR_EOVERSIZE},
	};
	uint8_t out[64];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct fr_spec s;
		size_t mlen, wl = 12345;
		uint8_t *msg = du_unhex(t[i].msg, &mlen);
		int r;

		du_spec(&s, t[i].spec);
		memset(out, 0x5a, sizeof(out));
		r = fr_encode(&s, msg, mlen, out, sizeof(out), &wl);
		cr_expect(r == t[i].code || (t[i].alt && r == t[i].alt),
			  "%s: encode \"%s\" gave %s, want %s", t[i].spec,
			  t[i].msg, du_code_name(r), du_code_name(t[i].code));
		for (size_t k = 0; k < sizeof(out); k++)
			cr_assert_eq(out[k], 0x5a, "%s: wrote on error",
				     t[i].spec);
		free(msg);
	}
}

Test(boundaries, encoders_accept_the_edge)
{
	static const char *const ok[][2] = {
		{"delim:0d0a0d0a", "0d"}, {"delim:0d0a0d0a", "0d0a0d"},
		{"delim:616261", "62"}, {"line,max=4", "61626364"},
		{"len:1be,max=10", "6162636465666768696a"}, {"fixed:4", "61626364"},
		{"tlv,max=3", "016162"},
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct fr_spec s;
		size_t mlen, wl, idx;
		uint8_t *msg = du_unhex(ok[i][1], &mlen);
		uint8_t *wire;
		char *got, *hex;
		struct du_buf want = {0};

		du_spec(&s, ok[i][0]);
		cr_assert_eq(du_encode_all(&s, &msg, &mlen, 1, &wire, &wl, &idx),
			     FR_OK, "%s \"%s\" refused", ok[i][0], ok[i][1]);
		hex = du_hex(wire, wl);
		got = du_run(ok[i][0], hex, NULL, 0, 0);
		du_buf_put(&want, "f@0:", 4);
		du_buf_put(&want, ok[i][1], strlen(ok[i][1]));
		du_buf_put(&want, " done", 6);
		cr_assert_str_eq(got, (char *)want.p, "%s", ok[i][0]);
		du_buf_free(&want);
		free(got);
		free(hex);
		free(wire);
		free(msg);
	}
}

Test(boundaries, len1_field_limit)
{
	struct fr_spec s;
	uint8_t msg[256], out[300];
	size_t wl;
	int r;

	memset(msg, 'm', sizeof(msg));
	du_spec(&s, "len:1be");
	cr_assert_eq(fr_encode(&s, msg, 255, out, sizeof(out), &wl), FR_OK);
	cr_assert_eq(wl, 256);
	cr_assert_eq(out[0], 255);
	r = fr_encode(&s, msg, 256, out, sizeof(out), &wl);
	cr_assert(r == FR_EUNENCODABLE || r == FR_EOVERSIZE,
		  "len:1be took 256 bytes: %s", du_code_name(r));
	du_spec(&s, "len:2le,adjust=-2,strip=0");
	msg[0] = 0x04;
	msg[1] = 0x00;
	cr_assert_eq(fr_encode(&s, msg, 4, out, sizeof(out), &wl), FR_OK);
	cr_assert_eq(wl, 4);
}

Test(boundaries, encode_nospc_writes_nothing)
{
	struct fr_spec s;
	uint8_t out[8];
	size_t wl = 77;

	du_spec(&s, "line");
	memset(out, 0x5a, sizeof(out));
	cr_assert_eq(fr_encode(&s, "abc", 3, out, 3, &wl), FR_ENOSPC);
	for (int k = 0; k < 8; k++)
		cr_assert_eq(out[k], 0x5a);
	cr_assert_eq(fr_encode(&s, "abc", 3, out, 4, &wl), FR_OK);
	cr_assert_eq(wl, 4);
	du_spec(&s, "cobs");
	cr_assert_eq(fr_encode(&s, "\x00\x00", 2, out, 3, &wl), FR_ENOSPC);
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

/* Netty arithmetic at its edges: strip beyond the header, strip equal to
 * the frame, positive adjust with the default strip, max on what is
 * delivered, errors at the frame's first byte even with a prefix. */
Test(boundaries, length_field_edges)
{
	static const struct vec v[] = {
		{"len:1be,strip=2", "03616263", "f@0:6263 done"},
		{"len:1be,strip=3", "026162 026364", "f@0: f@3: done"},
		{"len:1be,strip=3", "026162 00", "f@0: e@3:EBADLEN fin@3:EBADLEN"},
		{"len:1be,adjust=2", "01aabb61", "f@0:aabb61 done"},
		{"len:1be,strip=0,max=3", "026162", "f@0:026162 done"},
		{"len:1be,strip=0,max=3", "03616263", "e@0:EOVERSIZE fin@0:EOVERSIZE"},
		{"len:2be,offset=3,max=4", "aabbcc0005 6162636465",
		 "e@0:EOVERSIZE fin@0:EOVERSIZE"},
		{"len:2be,offset=3,max=4", "aabbcc0001 61 ddeeff0009 61",
		 "f@0:61 e@6:EOVERSIZE fin@6:EOVERSIZE"},
		{"len:2be,offset=3", "aabbcc00", "fin@0:ETRUNCATED"},
	};
	RUN(v);
}

/* The biggest max: a length equal to it is legal (and must not be
 * reserved), one more is not. */
Test(boundaries, max_limit_lengths)
{
	static const struct vec v[] = {
		{"netstring,max=1099511627776", "313039393531313632373737373a",
		 "e@0:EOVERSIZE fin@0:EOVERSIZE"},
		{"netstring,max=1099511627776", "313039393531313632373737363a6162",
		 "fin@0:ETRUNCATED"},
		{"len:8be,max=1099511627776", "0000010000000001 61",
		 "e@0:EOVERSIZE fin@0:EOVERSIZE"},
		{"len:8le,max=1099511627776", "0000000000010000 61",
		 "fin@0:ETRUNCATED"},
	};
	static const size_t ones[64] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
					1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

	limit_memory();
	/* no caller buffer: bufsize is 1 TiB here */
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		for (int pass = 0; pass < 2; pass++) {
			char *got = du_run(v[i].spec, v[i].wire,
					   pass ? ones : NULL, pass ? 25 : 0, 0);

			cr_assert_str_eq(got, v[i].want, "%s (%s)", v[i].spec,
					 pass ? "1-byte chunks" : "one chunk");
			free(got);
		}
	}
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

			snprintf(tmp, sizeof(tmp), "f@%llu:",
				 (unsigned long long)f.offset);
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
	cr_assert_eq(fr_decoder_feed(&d, "\x02" "a", 2), FR_OK);
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

Test(boundaries, errpos_of_recoverable_errors)
{
	struct fr_spec s;
	struct fr_decoder d;
	struct fr_frame f;
	static const char wire[] = "ok\ntoolong\nfine\n";

	du_spec(&s, "line,max=4");
	cr_assert_eq(fr_decoder_init(&d, &s, NULL, 0), FR_OK);
	cr_assert_eq(fr_decoder_feed(&d, wire, sizeof(wire) - 1), FR_OK);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_FRAME);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_EOVERSIZE);
	cr_assert_eq(f.offset, 3);
	cr_assert_null(f.data);
	cr_assert_eq(fr_decoder_errpos(&d), 3);
	cr_assert_not(fr_decoder_failed(&d));
	cr_assert_eq(fr_decoder_next(&d, &f), FR_FRAME);
	cr_assert_eq(f.offset, 11);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_NEED_MORE);
	cr_assert_eq(fr_decoder_offset(&d), sizeof(wire) - 1);
	cr_assert_eq(fr_decoder_finish(&d, &f), FR_DONE);
	fr_decoder_free(&d);
}
