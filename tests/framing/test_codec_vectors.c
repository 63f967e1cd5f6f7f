/* Criterion suite: known wire vectors for every codec, both directions
 * (decode under every split, fr_encode to the exact bytes). Includes the
 * published ones: RFC 1055 SLIP, COBS (Cheshire & Baker / Wikipedia),
 * djb's netstrings, LEB128, Netty LengthFieldBasedFrameDecoder javadoc. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_util.h"
#include "framing/codec.h"

/* "HELLO, WORLD" from the Netty javadoc. */
#define HW "48454c4c4f2c20574f524c44"

static const struct du_vec decode_vecs[] = {
    /* fixed */
    {"fixed:4", "61626364 65666768", "f@0:61626364 f@4:65666768 done"},
    {"fixed:1", "00ff", "f@0:00 f@1:ff done"},
    {"fixed:3", "616263 6465", "f@0:616263 fin@3:ETRUNCATED"},
    {"fixed:3", "", "done"},
    /* line / crlf */
    {"line", "68656c6c6f0a 776f726c640a", "f@0:68656c6c6f f@6:776f726c64 done"},
    {"line", "0a0a", "f@0: f@1: done"},
    {"line", "610d0a", "f@0:610d done"},
    {"line", "6162", "fin@0:ETRUNCATED"},
    {"line", "780a 6162", "f@0:78 fin@2:ETRUNCATED"},
    {"crlf", "68690d0a 0d0a 780a790d0a", "f@0:6869 f@4: f@6:780a79 done"},
    {"crlf", "610d620d0a", "f@0:610d62 done"},
    {"crlf", "610d0d0a", "f@0:610d done"},
    {"crlf", "61620d", "fin@0:ETRUNCATED"},
    /* delim */
    {"delim:0d0a0d0a", "4745540d0a0d0a 580d0a0d0a", "f@0:474554 f@7:58 done"},
    {"delim:0d0a0d0a", "610d0a620d0a0d0a", "f@0:610d0a62 done"},
    {"delim:7c", "617c627c7c", "f@0:61 f@2:62 f@4: done"},
    {"delim:616263", "7878616261626379616263", "f@0:78786162 f@7:79 done"},
    {"delim:616161", "616161616161", "f@0: f@3: done"},
    {"delim:616161", "6261616161616161", "f@0:62 f@4: fin@7:ETRUNCATED"},
    {"delim:00", "0100020300", "f@0:01 f@2:0203 done"},
    /* len, every width and endianness */
    {"len:1be", "03616263 00 01ff", "f@0:616263 f@4: f@5:ff done"},
    {"len:1le", "026869", "f@0:6869 done"},
    {"len:2be", "0003616263", "f@0:616263 done"},
    {"len:2le", "0300616263", "f@0:616263 done"},
    {"len:3be", "0000026869", "f@0:6869 done"},
    {"len:3le", "0200006869", "f@0:6869 done"},
    {"len:4be", "000000026869 0000000178", "f@0:6869 f@6:78 done"},
    {"len:4le", "020000006869", "f@0:6869 done"},
    {"len:8be", "00000000000000026869", "f@0:6869 done"},
    {"len:8le", "02000000000000006869", "f@0:6869 done"},
    {"len:2be", "00056162", "fin@0:ETRUNCATED"},
    {"len:2be", "0003616263 00", "f@0:616263 fin@5:ETRUNCATED"},
    {"len:varint", "03616263 00 0178", "f@0:616263 f@4: f@5:78 done"},
    /* Netty LengthFieldBasedFrameDecoder javadoc, in order */
    {"len:2be,strip=0", "000c" HW, "f@0:000c" HW " done"},
    {"len:2be,strip=2", "000c" HW, "f@0:" HW " done"},
    {"len:2be", "000c" HW, "f@0:" HW " done"},
    {"len:2be,adjust=-2,strip=0", "000e" HW, "f@0:000e" HW " done"},
    {"len:3be,offset=2,strip=0", "cafe00000c" HW, "f@0:cafe00000c" HW " done"},
    {"len:3be,adjust=2,strip=0", "00000ccafe" HW, "f@0:00000ccafe" HW " done"},
    {"len:2be,offset=1,adjust=1,strip=3", "ca000cfe" HW, "f@0:fe" HW " done"},
    {"len:2be,offset=1,adjust=-3,strip=3", "ca0010fe" HW, "f@0:fe" HW " done"},
    {"len:2be,offset=1,adjust=1,strip=3", "ca000cfe" HW "ca0001fe41",
     "f@0:fe" HW " f@16:fe41 done"},
    {"len:2be,offset=1", "ca0003616263", "f@0:616263 done"},
    {"len:1be,strip=1,adjust=1", "0261626364", "f@0:616263 fin@4:ETRUNCATED"},
    /* netstring (djb) */
    {"netstring", "31323a68656c6c6f20776f726c64212c",
     "f@0:68656c6c6f20776f726c6421 done"},
    {"netstring", "303a2c", "f@0: done"},
    {"netstring", "333a6162632c 303a2c 313a782c",
     "f@0:616263 f@6: f@9:78 done"},
    {"netstring", "3031323a68656c6c6f20776f726c64212c",
     "e@0:ENETSTRING fin@0:ENETSTRING"},
    {"netstring", "333a6162632c 30303a2c",
     "f@0:616263 e@6:ENETSTRING fin@6:ENETSTRING"},
    {"netstring", "333a61626358", "e@0:ENETSTRING fin@0:ENETSTRING"},
    {"netstring", "3a6162632c", "e@0:ENETSTRING fin@0:ENETSTRING"},
    {"netstring", "3378", "e@0:ENETSTRING fin@0:ENETSTRING"},
    {"netstring", "333a6162", "fin@0:ETRUNCATED"},
    {"netstring", "3132", "fin@0:ETRUNCATED"},
    /* SLIP, RFC 1055 */
    {"slip", "c0", "done"},
    {"slip", "4142c0", "f@0:4142 done"},
    {"slip", "dbdcdbdd41c0", "f@0:c0db41 done"},
    {"slip", "c0c041c0", "f@2:41 done"},
    {"slip", "c041c0c042c0", "f@1:41 f@4:42 done"},
    {"slip", "41db41c042c0", "e@0:EESCAPE f@4:42 done"},
    {"slip", "4142", "fin@0:ETRUNCATED"},
    {"slip", "c041", "fin@1:ETRUNCATED"},
    /* COBS (Wikipedia examples 1-6, empty) */
    {"cobs", "010100", "f@0:00 done"},
    {"cobs", "01010100", "f@0:0000 done"},
    {"cobs", "0102110100", "f@0:001100 done"},
    {"cobs", "031122023300", "f@0:11220033 done"},
    {"cobs", "051122334400", "f@0:11223344 done"},
    {"cobs", "021101010100", "f@0:11000000 done"},
    {"cobs", "0100", "f@0: done"},
    {"cobs", "031122023300 021100", "f@0:11220033 f@6:11 done"},
    {"cobs", "031100 024100", "e@0:ECOBS f@3:41 done"},
    {"cobs", "0211", "fin@0:ETRUNCATED"},
    /* TLV */
    {"tlv", "0100000003616263", "f@0:01616263 done"},
    {"tlv", "0700000000", "f@0:07 done"},
    {"tlv", "010000000161 02000000026263", "f@0:0161 f@6:026263 done"},
    {"tlv", "01000000", "fin@0:ETRUNCATED"},
    {"tlv", "010000000261", "fin@0:ETRUNCATED"},
    /* resp, http1, ws: whole wire units (more in test_codec_{resp,http1,
     * ws}.c); RFC 6455 5.7 "Hello", masked */
    {"resp", "2a310d0a24340d0a50494e470d0a",
     "f@0:2a310d0a24340d0a50494e470d0a done"},
    {"http1:req", "474554202f20485454502f312e310d0a0d0a",
     "f@0:474554202f20485454502f312e310d0a0d0a done"},
    {"ws", "818537fa213d7f9f4d5158", "f@0:818537fa213d7f9f4d5158 done"},
    {"ws,unmask", "818537fa213d7f9f4d5158", "f@0:810548656c6c6f done"},
};

Test(vectors, decode_under_every_split)
{
	char *why = DU_EXPECT_VECS(decode_vecs);

	cr_assert_null(why, "%s", why);
}

struct evec {
	const char *spec;
	const char *msg;  /* hex */
	const char *wire; /* hex */
};

static const struct evec encode_vecs[] = {
    {"fixed:4", "61626364", "61626364"},
    {"line", "68656c6c6f", "68656c6c6f0a"},
    {"line", "", "0a"},
    {"line", "610d", "610d0a"},
    {"crlf", "6869", "68690d0a"},
    {"crlf", "", "0d0a"},
    {"delim:0d0a0d0a", "474554", "4745540d0a0d0a"},
    {"delim:616261", "62", "62616261"},
    {"len:1be", "616263", "03616263"},
    {"len:1le", "", "00"},
    {"len:2be", "616263", "0003616263"},
    {"len:2le", "616263", "0300616263"},
    {"len:3be", "6869", "0000026869"},
    {"len:3le", "6869", "0200006869"},
    {"len:4be", "6869", "000000026869"},
    {"len:4le", "6869", "020000006869"},
    {"len:8be", "6869", "00000000000000026869"},
    {"len:8le", "6869", "02000000000000006869"},
    {"len:varint", "", "00"},
    {"len:varint", "616263", "03616263"},
    {"len:2be,strip=0", "000c" HW, "000c" HW},
    {"len:2be,strip=2", HW, "000c" HW},
    {"len:2be,adjust=-2,strip=0", "000e" HW, "000e" HW},
    {"len:3be,offset=2,strip=0", "cafe00000c" HW, "cafe00000c" HW},
    {"len:3be,adjust=2,strip=0", "00000ccafe" HW, "00000ccafe" HW},
    {"netstring", "68656c6c6f20776f726c6421",
     "31323a68656c6c6f20776f726c64212c"},
    {"netstring", "", "303a2c"},
    {"slip", "c0db41", "dbdcdbdd41c0"},
    {"slip", "41", "41c0"},
    {"slip", "dcdd", "dcddc0"},
    {"cobs", "", "0100"},
    {"cobs", "00", "010100"},
    {"cobs", "0000", "01010100"},
    {"cobs", "001100", "0102110100"},
    {"cobs", "11220033", "031122023300"},
    {"cobs", "11223344", "051122334400"},
    {"cobs", "11000000", "021101010100"},
    {"tlv", "01616263", "0100000003616263"},
    {"tlv", "07", "0700000000"},
    {"raw", "616263", "616263"},
    {"resp", "2b4f4b0d0a", "2b4f4b0d0a"},
    {"ws", "810548656c6c6f", "810548656c6c6f"},
};

/* Encode into a guard buffer of cap bytes; compare with the wire. */
/* NULL if encoding msg into cap bytes gives exactly want, else a
 * malloc'ed description of what went wrong. */
static char *encode_into(const struct fr_spec *s, const char *spec,
			 const uint8_t *msg, size_t mlen, const uint8_t *want,
			 size_t wlen, size_t cap)
{
	uint8_t *out = du_guard_alloc(cap);
	size_t got_len = 0;
	char *why = NULL;
	int r = fr_encode(s, msg, mlen, out, cap, &got_len);
	char *got_hex = du_hex(out, r == FR_OK ? got_len : 0);
	char *want_hex = du_hex(want, wlen);

	if (r != FR_OK || strcmp(got_hex, want_hex) != 0) {
		if (asprintf(&why,
			     "%s: encode of %zu bytes into %zu: %s\n"
			     " got  %.300s\n want %.300s",
			     spec, mlen, cap, du_code_name(r), got_hex,
			     want_hex) < 0)
			why = strdup(spec);
	}
	free(got_hex);
	free(want_hex);
	du_guard_free(out, cap);
	return why;
}

static bool exact_cap; /* also encode into exactly the wire size */
static char *cobs_long_vectors(void);

static char *expect_encode(const char *spec, const uint8_t *msg, size_t mlen,
			   const uint8_t *want, size_t wlen)
{
	struct fr_spec s;
	size_t bound;
	char *why;

	du_spec(&s, spec);
	bound = fr_encode_bound(&s, mlen);
	cr_assert_geq(bound, wlen, "%s: bound %zu < wire %zu", spec, bound,
		      wlen);
	why = encode_into(&s, spec, msg, mlen, want, wlen, bound);
	if (!why && exact_cap)
		why = encode_into(&s, spec, msg, mlen, want, wlen, wlen);
	return why;
}

/* Every encode vector; the first mismatch or NULL. */
static char *encode_all_vectors(void)
{
	char *why = NULL;

	for (size_t i = 0;
	     !why && i < sizeof(encode_vecs) / sizeof(encode_vecs[0]); i++) {
		size_t mlen, wlen;
		uint8_t *msg = du_unhex(encode_vecs[i].msg, &mlen);
		uint8_t *wire = du_unhex(encode_vecs[i].wire, &wlen);

		why = expect_encode(encode_vecs[i].spec, msg, mlen, wire, wlen);
		free(msg);
		free(wire);
	}
	return why;
}

Test(vectors, encode_exact_wire_bytes)
{
	char *why = encode_all_vectors();

	cr_assert_null(why, "%s", why);
}

/* "out too small" means smaller than the wire size, not than the bound. */
Test(vectors, encode_fits_exact_size_buffer)
{
	exact_cap = true;
	char *why = encode_all_vectors();

	cr_assert_null(why, "%s", why);
	why = cobs_long_vectors();
	cr_assert_null(why, "%s", why);
}

/* Netty examples 6 and 7: the encoder has to invent HDR1 and HDR2 is
 * part of the message; whatever it invents must decode back. */
Test(vectors, netty_strip3_encode_reads_back)
{
	static const char *const specs[] = {
	    "len:2be,offset=1,adjust=1,strip=3",
	    "len:2be,offset=1,adjust=-3,strip=3",
	};
	static const uint16_t field[] = {0x000c, 0x0010};

	for (int i = 0; i < 2; i++) {
		struct fr_spec s;
		size_t mlen, wl = 0;
		uint8_t *msg = du_unhex("fe" HW, &mlen);
		uint8_t out[64];
		char *hex, *want;
		int r;

		du_spec(&s, specs[i]);
		r = fr_encode(&s, msg, mlen, out, sizeof(out), &wl);
		cr_assert_eq(r, FR_OK, "%s: %s", specs[i], du_code_name(r));
		cr_assert_eq(wl, 16, "%s: wire %zu bytes", specs[i], wl);
		cr_assert_eq(out[1] << 8 | out[2], field[i],
			     "%s: length field %02x%02x", specs[i], out[1],
			     out[2]);
		cr_assert_eq(memcmp(out + 3, msg, mlen), 0);
		hex = du_hex(out, wl);
		want = du_run(specs[i], hex, NULL, 0, 0);
		cr_assert_str_eq(want, "f@0:fe" HW " done", "%s", specs[i]);
		free(hex);
		free(want);
		free(msg);
	}
}

/* "02..ff 00" -> bytes 02 03 ... ff 00 ("XX..YY" is an inclusive range). */
static size_t expand(const char *desc, uint8_t *out)
{
	size_t n = 0;
	unsigned lo, hi;
	int used;

	while (sscanf(desc, " %2x%n", &lo, &used) == 1) {
		desc += used;
		hi = lo;
		if (sscanf(desc, "..%2x%n", &hi, &used) == 1)
			desc += used;
		for (unsigned v = lo; v <= hi; v++)
			out[n++] = (uint8_t)v;
	}
	return n;
}

/* COBS: the 254/255-byte examples exercise the 0xff code byte. */
/* The first decode or encode mismatch, or NULL. */
static char *cobs_long_vectors(void)
{
	static const char *const t[][2] = {
	    {"01..fe", "ff 01..fe 00"},
	    {"00..fe", "01 ff 01..fe 00"},
	    {"01..ff", "ff 01..fe 02 ff 00"},
	    {"02..ff 00", "ff 02..ff 01 01 00"},
	    {"03..ff 00 01", "fe 03..ff 02 01 00"},
	};
	uint8_t msg[300], wire[300];
	char *why = NULL;

	for (size_t i = 0; !why && i < sizeof(t) / sizeof(t[0]); i++) {
		size_t mlen = expand(t[i][0], msg);
		size_t wlen = expand(t[i][1], wire);
		char *mhex = du_hex(msg, mlen);
		struct du_buf want = {0};

		cr_assert_eq(mlen, 254 + (i > 0), "%s", t[i][0]);
		du_buf_put(&want, "f@0:", 4);
		du_buf_put(&want, mhex, strlen(mhex));
		du_buf_put(&want, " done", 6);
		why = du_expect_all_splits("cobs", wire, wlen, (char *)want.p);
		if (!why)
			why = expect_encode("cobs", msg, mlen, wire, wlen);
		du_buf_free(&want);
		free(mhex);
	}
	return why;
}

Test(vectors, cobs_long_runs)
{
	char *why = cobs_long_vectors();

	cr_assert_null(why, "%s", why);
}

/* LEB128 length prefixes: decode a frame whose header is the published
 * encoding, and check the encoder writes exactly that header. */
/* Encode n bytes under len:varint, check the header is hdr_hex and that
 * it decodes back whole and with the header split; returns the wire size. */
static size_t leb_case(size_t n, const char *hdr_hex)
{
	size_t hlen, wl = 0;
	uint8_t *hdr = du_unhex(hdr_hex, &hlen);
	uint8_t *msg = malloc(n + 1);
	uint8_t *out = malloc(n + 16);
	struct fr_spec s;
	struct du_events ev;
	static const size_t head[] = {1, 1, 1, 1, FR_CHUNK_REST};
	char *got;
	int r;

	cr_assert(msg && out);
	for (size_t i = 0; i < n; i++)
		msg[i] = (uint8_t)(i * 7);
	du_spec(&s, "len:varint");
	r = fr_encode(&s, msg, n, out, n + 16, &wl);
	cr_assert_eq(r, FR_OK, "varint encode of %zu: %s", n, du_code_name(r));
	cr_assert_eq(wl, n + hlen, "varint %zu: wire %zu", n, wl);
	cr_assert_eq(memcmp(out, hdr, hlen), 0, "varint header of %zu", n);
	cr_assert_eq(memcmp(out + hlen, msg, n), 0);
	for (int pass = 0; pass < 2; pass++) {
		du_decode(&s, out, wl, pass ? head : NULL, pass ? 5 : 0, 0,
			  &ev);
		cr_assert_eq(ev.n, 2, "varint %zu: %zu events", n, ev.n);
		cr_assert_eq(ev.ev[0].code, FR_FRAME);
		cr_assert_eq(ev.ev[0].len, n);
		cr_assert_eq(memcmp(ev.ev[0].data, msg, n), 0);
		got = du_events_str(&ev);
		cr_assert(ev.ev[1].fin && ev.ev[1].code == FR_DONE, "%.200s",
			  got);
		free(got);
		du_events_free(&ev);
	}
	free(hdr);
	free(msg);
	free(out);
	return wl;
}

Test(vectors, leb128)
{
	cr_assert_eq(leb_case(0, "00"), 1);
	cr_assert_eq(leb_case(1, "01"), 2);
	cr_assert_eq(leb_case(127, "7f"), 128);
	cr_assert_eq(leb_case(128, "8001"), 130);
	cr_assert_eq(leb_case(300, "ac02"), 302);
	cr_assert_eq(leb_case(16383, "ff7f"), 16385);
	cr_assert_eq(leb_case(16384, "808001"), 16387);
	cr_assert_eq(leb_case(624485, "e58e26"), 624488);
}

/* 2^64-1 is ff*9 01: a valid varint, so the error is its size. */
Test(vectors, leb128_max_u64_is_oversize_not_bad_varint)
{
	char *got =
	    du_run("len:varint", "ffffffffffffffffff01 6162", NULL, 0, 0);

	cr_assert_str_eq(got, "e@0:EOVERSIZE fin@0:EOVERSIZE");
	free(got);
}

/* raw: only the concatenation is split invariant. */
Test(vectors, raw_passes_bytes_through)
{
	struct fr_spec s;
	struct du_events ev;
	static const uint8_t data[] = "any\n\x00\xc0 bytes";
	static const size_t splits[] = {1, 3, 2, 7};
	char *got;

	du_spec(&s, "raw");
	for (int pass = 0; pass < 2; pass++) {
		du_decode(&s, data, sizeof(data), pass ? splits : NULL,
			  pass ? 4 : 0, pass ? DU_CALLER_BUF : 0, &ev);
		got = du_events_concat_str(&ev);
		cr_assert_str_eq(got, "data:616e790a00c0206279746573"
				      "00 done");
		free(got);
		for (size_t i = 0; i < ev.n; i++)
			cr_assert(ev.ev[i].fin || ev.ev[i].len > 0,
				  "raw produced an empty frame");
		du_events_free(&ev);
	}
}

/* A message of exactly the default max, with the content that makes the
 * wire biggest, fits fr_encode_bound and decodes back whole under a
 * random split; one byte more is refused. */
static uint8_t worst_byte(enum fr_kind kind, size_t i)
{
	switch (kind) {
	case FR_SLIP:
		return i % 2 ? 0xc0 : 0xdb;
	case FR_COBS:
		return (uint8_t)(i % 255 + 1);
	default:
		return (uint8_t)('a' + i % 26);
	}
}

Test(vectors, worst_case_messages_at_default_max, .timeout = 240)
{
	static const char *const specs[] = {
	    "line",	  "crlf",    "delim:0d0a0d0a", "len:4be",
	    "len:varint", "len:8le", "cobs",	       "slip",
	    "netstring",  "tlv",     "fixed:1048576",
	};
	size_t n = FR_DEFAULT_MAX;
	uint8_t *msg = malloc(n + 1);

	cr_assert_not_null(msg);
	for (size_t k = 0; k < sizeof(specs) / sizeof(specs[0]); k++) {
		struct fr_spec s;
		struct du_events ev;
		size_t bound, wl = 0, junk;
		uint8_t *out;
		int r;

		du_spec(&s, specs[k]);
		for (size_t i = 0; i <= n; i++)
			msg[i] = worst_byte(s.kind, i);
		bound = fr_encode_bound(&s, n);
		out = malloc(bound);
		cr_assert_not_null(out);
		r = fr_encode(&s, msg, n, out, bound, &wl);
		cr_assert_eq(r, FR_OK, "%s: max-size message: %s", specs[k],
			     du_code_name(r));
		cr_assert_leq(wl, bound);
		du_decode_sched(&s, out, wl, "random:1000-70000,seed=3", k, 0,
				&ev);
		cr_assert_eq(ev.n, 2, "%s: %zu events", specs[k], ev.n);
		cr_assert_eq(ev.ev[0].code, FR_FRAME, "%s: %s", specs[k],
			     du_code_name(ev.ev[0].code));
		cr_assert_eq(ev.ev[0].len, n);
		cr_assert_eq(memcmp(ev.ev[0].data, msg, n), 0, "%s", specs[k]);
		cr_assert_eq(ev.ev[1].code, FR_DONE);
		du_events_free(&ev);
		free(out);
		out = malloc(fr_encode_bound(&s, n + 1));
		r = fr_encode(&s, msg, n + 1, out, fr_encode_bound(&s, n + 1),
			      &junk);
		cr_assert(r == FR_EOVERSIZE ||
			      (s.kind == FR_FIXED && r == FR_EUNENCODABLE),
			  "%s: max+1 gave %s", specs[k], du_code_name(r));
		free(out);
	}
	free(msg);
}
