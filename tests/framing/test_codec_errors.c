/* Criterion suite: decoder errors and encoder refusals (docs/design.md,
 * the decoder contract): error offsets, sticky vs recoverable errors,
 * strict varints, checked length arithmetic, encoders that refuse what
 * the decoder could not read back. Memory bounds: test_codec_memory.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_util.h"
#include "framing/codec.h"

Test(errors, errors_carry_frame_offsets)
{
	static const struct du_vec v[] = {
	    {"line,max=3", "61620a 616263640a 78790a",
	     "f@0:6162 e@3:EOVERSIZE f@8:7879 done"},
	    {"len:1be,max=3", "026162 0461626364",
	     "f@0:6162 e@3:EOVERSIZE fin@3:EOVERSIZE"},
	    {"netstring", "313a612c 313a6262",
	     "f@0:61 e@4:ENETSTRING fin@4:ENETSTRING"},
	    {"slip", "41c0 42db00c0 43c0", "f@0:41 e@2:EESCAPE f@6:43 done"},
	    {"cobs", "024100 044100 024200", "f@0:41 e@3:ECOBS f@6:42 done"},
	    {"tlv,max=4", "0100000001 61 02000000ff",
	     "f@0:0161 e@6:EOVERSIZE fin@6:EOVERSIZE"},
	    {"fixed:2", "6162 63", "f@0:6162 fin@2:ETRUNCATED"},
	};
	char *why = DU_EXPECT_VECS(v);

	cr_assert_null(why, "%s", why);
}

Test(errors, strict_varints)
{
	static const struct du_vec v[] = {
	    /* 11 bytes: too long even though the value is 0 */
	    {"len:varint", "80808080808080808080 00 41",
	     "e@0:EVARINT fin@0:EVARINT"},
	    {"len:varint", "0141 80808080808080808080 00",
	     "f@0:41 e@2:EVARINT fin@2:EVARINT"},
	    /* 10 bytes overflowing 2^64 */
	    {"len:varint", "ffffffffffffffffff02 41",
	     "e@0:EVARINT fin@0:EVARINT"},
	    {"len:varint", "80808080808080808002 41",
	     "e@0:EVARINT fin@0:EVARINT"},
	    {"len:varint", "ffffffffffffffffff7f 41",
	     "e@0:EVARINT fin@0:EVARINT"},
	    /* 2^63: valid varint, oversize */
	    {"len:varint", "80808080808080808001 41",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    /* truncated inside the varint */
	    {"len:varint", "8080", "fin@0:ETRUNCATED"},
	    {"len:varint", "0161 80", "f@0:61 fin@2:ETRUNCATED"},
	    {"len:varint", "02 61", "fin@0:ETRUNCATED"},
	};
	char *why = DU_EXPECT_VECS(v);

	cr_assert_null(why, "%s", why);
}

Test(errors, checked_length_arithmetic)
{
	static const struct du_vec v[] = {
	    /* adjust makes the frame shorter than its header */
	    {"len:1be,adjust=-2", "0141", "e@0:EBADLEN fin@0:EBADLEN"},
	    {"len:1be,adjust=-5", "026162", "e@0:EBADLEN fin@0:EBADLEN"},
	    {"len:8be,adjust=-1099511627776", "0000000000000005 6162636465",
	     "e@0:EBADLEN fin@0:EBADLEN"},
	    /* strip beyond the frame */
	    {"len:1be,strip=5", "026162 00", "e@0:EBADLEN fin@0:EBADLEN"},
	    {"len:2be,offset=1,strip=4", "ca0000 41",
	     "e@0:EBADLEN fin@0:EBADLEN"},
	    /* sums that wrap in 64 bits */
	    {"len:8be,adjust=100", "ffffffffffffffff 41",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    {"len:8be", "fffffffffffffffc 41424344",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    {"len:8le", "ffffffffffffffff 41", "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    {"len:8be,adjust=1099511627776", "fffffffffffffff0 41",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    {"len:8be,max=1024", "7fffffffffffffff 41",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    /* negative adjust with a length near 2^64: header + rest
	     * wrapped to 0 once (found by the split_len fuzz target) */
	    {"len:8be,offset=1,adjust=-8,strip=0", "ff ffffffffffffffff",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    {"len:varint,offset=1,adjust=-8,strip=0", "ff ffffffffffffffffff01",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    {"len:4be,max=1024", "00000401 41",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    {"tlv", "01 ffffffff 41", "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    {"netstring", "3939393939393939393939393939393939393939393939393a",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	};
	char *why = DU_EXPECT_VECS(v);

	cr_assert_null(why, "%s", why);
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

Test(errors, fatal_errors_are_sticky)
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

Test(errors, delimited_errors_are_not_fatal)
{
	static const char *const specs[] = {"line", "crlf", "delim:00", "cobs",
					    "slip"};
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

Test(errors, reset_clears_a_fatal_error)
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

struct refusal {
	const char *spec, *msg;
	int code, alt;
};

Test(errors, encoders_refuse_what_decoders_cannot_read_back)
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

Test(errors, encoders_accept_the_edge)
{
	static const char *const ok[][2] = {
	    {"delim:0d0a0d0a", "0d"},
	    {"delim:0d0a0d0a", "0d0a0d"},
	    {"delim:616261", "62"},
	    {"line,max=4", "61626364"},
	    {"len:1be,max=10", "6162636465666768696a"},
	    {"fixed:4", "61626364"},
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
		cr_assert_eq(
		    du_encode_all(&s, &msg, &mlen, 1, &wire, &wl, &idx), FR_OK,
		    "%s \"%s\" refused", ok[i][0], ok[i][1]);
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

Test(errors, len1_field_limit)
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

Test(errors, encode_nospc_writes_nothing)
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

/* Netty arithmetic at its edges: strip beyond the header, strip equal to
 * the frame, positive adjust with the default strip, max on what is
 * delivered, errors at the frame's first byte even with a prefix. */
Test(errors, length_field_edges)
{
	static const struct du_vec v[] = {
	    {"len:1be,strip=2", "03616263", "f@0:6263 done"},
	    {"len:1be,strip=3", "026162 026364", "f@0: f@3: done"},
	    {"len:1be,strip=3", "026162 00", "f@0: e@3:EBADLEN fin@3:EBADLEN"},
	    {"len:1be,adjust=2", "01aabb61", "f@0:aabb61 done"},
	    {"len:1be,strip=0,max=3", "026162", "f@0:026162 done"},
	    {"len:1be,strip=0,max=3", "03616263",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    {"len:2be,offset=3,max=4", "aabbcc0005 6162636465",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    {"len:2be,offset=3,max=4", "aabbcc0001 61 ddeeff0009 61",
	     "f@0:61 e@6:EOVERSIZE fin@6:EOVERSIZE"},
	    {"len:2be,offset=3", "aabbcc00", "fin@0:ETRUNCATED"},
	};
	char *why = DU_EXPECT_VECS(v);

	cr_assert_null(why, "%s", why);
}

Test(errors, errpos_of_recoverable_errors)
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
