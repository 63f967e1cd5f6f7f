/* Criterion suite for the options added for real protocols: len: trailer=,
 * len:varint vmax= and pre= on every codec. Parse, format, equal; decode
 * whole, byte by byte and under every two-way split; encode round trips. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_util.h"
#include "framing/codec.h"
#include "framing/error.h"
#include "framing/spec.h"

static void expect_splits(const char *spec, const char *hex, const char *want)
{
	size_t n;
	uint8_t *wire = du_unhex(hex, &n);
	char *why = du_expect_all_splits(spec, wire, n, want);

	cr_expect_null(why, "%s on %s: %s", spec, hex, why ? why : "");
	free(why);
	free(wire);
}

/* ---- parsing, canonical text, equality */

Test(options, parse_and_canonical_text)
{
	static const struct {
		const char *in, *canon;
	} t[] = {
	    {"len:4be,offset=3,strip=0,trailer=ce",
	     "len:4be,offset=3,strip=0,trailer=ce"},
	    {"len:1be,trailer=0D0A", "len:1be,trailer=0d0a"},
	    {"len:varint,offset=1,vmax=4,strip=0",
	     "len:varint,offset=1,strip=0,vmax=4"},
	    {"len:varint,vmax=10", "len:varint"},
	    {"crlf,pre=fixed:8", "crlf,pre=fixed:8"},
	    {"len:4be,pre=line", "len:4be,pre=line"},
	    {"len:4be,strip=0,max=35000,pre=crlf/max=253",
	     "len:4be,strip=0,max=35000,pre=crlf/max=253"},
	    {"len:4be,pre=crlf/max=100,max=100", "len:4be,max=100,pre=crlf"},
	    {"len:4be,offset=1,adjust=-4,strip=0,pre=len:4be/adjust=-4/strip=0",
	     "len:4be,offset=1,adjust=-4,strip=0,pre=len:4be/adjust=-4/"
	     "strip=0"},
	    {"cobs,max=100,pre=len:2le/max=1048576",
	     "cobs,max=100,pre=len:2le/max=1048576"},
	    {"tls", "len:2be,offset=3,strip=0,max=18437"},
	    {"tls,max=100", "len:2be,offset=3,strip=0,max=100"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct fr_spec s, s2;
		char buf[FR_SPEC_STRLEN];

		du_spec(&s, t[i].in);
		fr_spec_format(&s, buf, sizeof(buf));
		cr_expect_str_eq(buf, t[i].canon, "%s", t[i].in);
		du_spec(&s2, buf);
		cr_expect(fr_spec_equal(&s, &s2), "%s: canonical differs",
			  t[i].in);
	}
}

Test(options, fields)
{
	struct fr_spec s, p;

	du_spec(&s, "len:4be,offset=3,strip=0,trailer=ce,pre=fixed:8");
	cr_assert_eq(s.trailer_len, 1);
	cr_assert_eq(s.trailer[0], 0xce);
	cr_assert(fr_spec_preamble(&s, &p));
	cr_assert_eq(p.kind, FR_FIXED);
	cr_assert_eq(p.fixed, 8);
	cr_assert_eq(p.max, s.max);
	du_spec(&s, "len:varint,vmax=4");
	cr_assert_eq(s.vmax, 4);
	cr_assert_not(fr_spec_preamble(&s, &p));
	du_spec(&s, "len:4be,max=4096,pre=crlf/max=253");
	cr_assert(fr_spec_preamble(&s, &p));
	cr_assert_eq(p.kind, FR_CRLF);
	cr_assert_eq(p.delim_len, 2);
	cr_assert_eq(p.max, 253);
	cr_assert_eq(fr_decoder_bufsize(&s), 4096 + 10);
	du_spec(&s, "len:1be,max=10,pre=line/max=5000");
	cr_assert_eq(fr_decoder_bufsize(&s), 5001);
}

Test(options, equal_sees_every_option)
{
	static const char *const pairs[][2] = {
	    {"len:4be,trailer=ce", "len:4be,trailer=cf"},
	    {"len:4be,trailer=ce", "len:4be"},
	    {"len:4be,trailer=ce", "len:4be,trailer=ce00"},
	    {"len:varint,vmax=4", "len:varint,vmax=5"},
	    {"len:varint,vmax=4", "len:varint"},
	    {"line,pre=fixed:8", "line"},
	    {"line,pre=fixed:8", "line,pre=fixed:9"},
	    {"line,pre=line", "line,pre=crlf"},
	    {"line,pre=line", "line,pre=line/max=10"},
	    {"cobs,pre=len:4be", "cobs,pre=len:4le"},
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		struct fr_spec a, b;

		du_spec(&a, pairs[i][0]);
		du_spec(&b, pairs[i][1]);
		cr_expect_not(fr_spec_equal(&a, &b), "%s == %s", pairs[i][0],
			      pairs[i][1]);
		cr_expect(fr_spec_equal(&a, &a), "%s", pairs[i][0]);
	}
}

Test(options, bad_options_named)
{
	static const struct du_bad bad[] = {
	    {"line,trailer=ce", {"trailer", "len:"}},
	    {"len:4be,trailer=", {"trailer"}},
	    {"len:4be,trailer=c", {"trailer", "hex"}},
	    {"len:4be,trailer=zz", {"zz", "hex"}},
	    {"len:4be,trailer=000102030405060708", {"trailer", "8"}},
	    {"len:4be,vmax=4", {"vmax", "varint"}},
	    {"len:varint,vmax=0", {"vmax"}},
	    {"len:varint,vmax=11", {"vmax"}},
	    {"len:varint,vmax=x", {"vmax"}},
	    {"line,pre=", {"pre", "empty"}},
	    {"line,pre=cobs", {"pre", "cobs"}},
	    {"line,pre=raw", {"pre", "raw"}},
	    {"line,pre=nope", {"pre", "nope"}},
	    {"line,pre=line/pre=line", {"pre"}},
	    {"line,pre=len:4be/trailer=ce", {"pre", "trailer"}},
	    {"line,pre=len:varint/vmax=3", {"pre", "vmax"}},
	    {"line,pre=fixed:20/max=10", {"fixed", "max"}},
	    {"line,pre=tls", {"pre", "tls"}},
	    {"line,pre=line//max=3", {"pre", "empty"}},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fr_spec s;
		char err[256];
		int r = fr_spec_parse(&s, bad[i].text, err, sizeof(err));

		du_expect_rejected(&bad[i], r, FR_ESPEC, err);
	}
}

/* ---- trailer= */

Test(options, trailer_decodes_under_every_split)
{
	/* AMQP 0-9-1 style: type, channel, size, payload, CE */
	expect_splits("len:4be,offset=3,strip=0,trailer=ce",
		      "01 0001 00000002 6869 ce  08 0000 00000000 ce",
		      "f@0:010001000000026869 f@10:08000000000000 done");
	expect_splits("len:1be,trailer=0d0a", "02 6869 0d0a 00 0d0a",
		      "f@0:6869 f@5: done");
	/* wrong trailer: fatal, at the frame's first byte */
	expect_splits("len:1be,trailer=ce", "01 61 ce 01 62 cf 01 63 ce",
		      "f@0:61 e@3:ETRAILER fin@3:ETRAILER");
	expect_splits("len:1be,trailer=0d0a", "01 61 0d0b",
		      "e@0:ETRAILER fin@0:ETRAILER");
	/* EOF inside the trailer is a truncated frame */
	expect_splits("len:1be,trailer=0d0a", "01 61 0d", "fin@0:ETRUNCATED");
	expect_splits("len:1be,trailer=ce", "01 61", "fin@0:ETRUNCATED");
}

Test(options, trailer_round_trips)
{
	struct fr_spec s;
	uint8_t out[64];
	size_t n;

	du_spec(&s, "len:4be,offset=3,strip=0,trailer=ce");
	static const uint8_t msg[] = {1, 0, 1, 0, 0, 0, 2, 'h', 'i'};
	cr_assert_eq(fr_encode(&s, msg, sizeof(msg), out, sizeof(out), &n),
		     FR_OK);
	cr_assert_eq(n, sizeof(msg) + 1);
	cr_assert_eq(memcmp(out, msg, sizeof(msg)), 0);
	cr_assert_eq(out[n - 1], 0xce);
	cr_assert_leq(n, fr_encode_bound(&s, sizeof(msg)));
	/* no room for the trailer: refused, nothing written */
	cr_assert_eq(fr_encode(&s, msg, sizeof(msg), out, sizeof(msg), &n),
		     FR_ENOSPC);
	du_spec(&s, "len:2le,trailer=aabb");
	cr_assert_eq(fr_encode(&s, "xyz", 3, out, sizeof(out), &n), FR_OK);
	cr_assert_eq(n, 7);
	cr_assert_eq(memcmp(out, "\x03\x00xyz\xaa\xbb", 7), 0);
}

/* ---- vmax= */

Test(options, vmax_limits_the_field)
{
	/* MQTT: 4 bytes at most; ff ff ff 7f is the largest */
	expect_splits("len:varint,vmax=4,max=300000000", "80 80 80 80 01",
		      "e@0:EVARINT fin@0:EVARINT");
	expect_splits("len:varint,vmax=1", "01 61 80 01",
		      "f@0:61 e@2:EVARINT fin@2:EVARINT");
	expect_splits("len:varint,vmax=2",
		      "8001 " /* 128 bytes follow */
		      "00000000000000000000000000000000"
		      "00000000000000000000000000000000"
		      "00000000000000000000000000000000"
		      "00000000000000000000000000000000"
		      "00000000000000000000000000000000"
		      "00000000000000000000000000000000"
		      "00000000000000000000000000000000"
		      "00000000000000000000000000000000",
		      "f@0:"
		      "00000000000000000000000000000000"
		      "00000000000000000000000000000000"
		      "00000000000000000000000000000000"
		      "00000000000000000000000000000000"
		      "00000000000000000000000000000000"
		      "00000000000000000000000000000000"
		      "00000000000000000000000000000000"
		      "00000000000000000000000000000000 done");
	/* the error comes at the byte past vmax, not at EOF */
	expect_splits("len:varint,vmax=3", "ff ff", "fin@0:ETRUNCATED");
	expect_splits("len:varint,vmax=3", "ff ff ff",
		      "e@0:EVARINT fin@0:EVARINT");
	expect_splits("len:varint,vmax=3", "80 80 01", "fin@0:ETRUNCATED");
}

Test(options, vmax_encoder_refuses_longer_fields)
{
	struct fr_spec s;
	size_t n, cap = 300;
	uint8_t *out = malloc(cap), *msg = calloc(1, 200);

	du_spec(&s, "len:varint,vmax=1");
	cr_assert_eq(fr_encode(&s, msg, 127, out, cap, &n), FR_OK);
	cr_assert_eq(n, 128);
	cr_assert_eq(fr_encode(&s, msg, 128, out, cap, &n), FR_EUNENCODABLE);
	du_spec(&s, "len:varint,vmax=2");
	cr_assert_eq(fr_encode(&s, msg, 128, out, cap, &n), FR_OK);
	cr_assert_eq(n, 130);
	cr_assert_eq(out[0], 0x80);
	cr_assert_eq(out[1], 0x01);
	free(out);
	free(msg);
}

/* netty/netty#17549: a varint prefix split after its third byte. A 4-byte
 * varint (2^21 + 5 = 80 80 80 01 + 5) must not be misread whatever the
 * split; the 2097157-byte payload is too big for a vector, so a smaller
 * max turns it into a clean EOVERSIZE at the same offset every time, and
 * a 3-byte varint (16384 = 80 80 01) split after byte 3 gives the frame. */
Test(options, varint_split_after_three_bytes)
{
	struct du_buf b = {0};
	static const uint8_t hdr3[] = {0x80, 0x80, 0x01};
	uint8_t *body = calloc(1, 16384);
	struct fr_spec s;
	struct du_events ev;
	size_t cuts[] = {3, FR_CHUNK_REST};

	body[0] = 'a';
	body[16383] = 'z';
	du_buf_put(&b, hdr3, 3);
	du_buf_put(&b, body, 16384);
	du_buf_put(&b, "\x01q", 2);
	du_spec(&s, "len:varint,vmax=4");
	for (size_t cut = 1; cut <= 4; cut++) {
		cuts[0] = cut;
		du_decode(&s, b.p, b.len, cuts, 2, 0, &ev);
		cr_assert_eq(ev.n, 3, "cut %zu: %zu events", cut, ev.n);
		cr_expect_eq(ev.ev[0].code, FR_FRAME);
		cr_expect_eq(ev.ev[0].len, 16384);
		cr_expect_eq(ev.ev[0].data[0], 'a');
		cr_expect_eq(ev.ev[0].data[16383], 'z');
		cr_expect_eq(ev.ev[1].off, 16387);
		cr_expect_eq(ev.ev[1].len, 1);
		cr_expect_eq(ev.ev[2].code, FR_DONE);
		du_events_free(&ev);
	}
	expect_splits("len:varint,vmax=4,max=1000", "80808001 00",
		      "e@0:EOVERSIZE fin@0:EOVERSIZE");
	expect_splits("len:varint,vmax=5,max=1000", "80808080 01",
		      "e@0:EOVERSIZE fin@0:EOVERSIZE");
	free(body);
	du_buf_free(&b);
}

/* mqttjs/mqtt-packet#95: a multi-byte MQTT remaining length split across
 * chunks. PUBLISH (30), remaining length 200 = c8 01, then 200 bytes;
 * PINGREQ c0 00 right after; every two-way split. */
Test(options, mqtt_split_multibyte_length)
{
	struct du_buf w = {0}, want = {0};
	uint8_t body[200];
	char *hex, *exp;

	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)i;
	du_buf_put(&w, "\x30\xc8\x01", 3);
	du_buf_put(&w, body, sizeof(body));
	du_buf_put(&w, "\xc0\x00", 2);
	hex = du_hex(w.p, 203);
	du_buf_put(&want, "f@0:", 4);
	du_buf_put(&want, hex, strlen(hex));
	du_buf_put(&want, " f@203:c000 done", 17);
	char *why = du_expect_all_splits("mqtt", w.p, w.len, (char *)want.p);
	cr_expect_null(why, "%s", why ? why : "");
	/* the same through the explicit spec */
	exp = du_expect_all_splits("len:varint,offset=1,vmax=4,strip=0", w.p,
				   w.len, (char *)want.p);
	cr_expect_null(exp, "%s", exp ? exp : "");
	free(why);
	free(exp);
	free(hex);
	du_buf_free(&w);
	du_buf_free(&want);
}

/* ---- pre= */

Test(options, preamble_decodes_under_every_split)
{
	/* SSH: identification line, then packets */
	expect_splits("len:4be,strip=0,pre=crlf",
		      "5353482d322e300d0a 00000001 aa 00000000",
		      "f@0:5353482d322e30 f@9:00000001aa f@14:00000000 done");
	/* HTTP/2 preface shape: fixed, then 9-byte frame headers */
	expect_splits("len:3be,adjust=6,strip=0,pre=fixed:3",
		      "505249 000001 04 00 00000000 ff",
		      "f@0:505249 f@3:000001040000000000ff done");
	/* PostgreSQL: startup length counts itself, no type byte */
	expect_splits("len:4be,offset=1,adjust=-4,strip=0,"
		      "pre=len:4be/adjust=-4/strip=0",
		      "00000008 00030000 51 00000005 78",
		      "f@0:0000000800030000 f@8:510000000578 done");
	/* a line codec with a fixed preamble that contains the delimiter */
	expect_splits("line,pre=fixed:2", "0a0a 610a", "f@0:0a0a f@2:61 done");
	/* only the first unit: a stream of nothing is clean */
	expect_splits("line,pre=fixed:2", "", "done");
	expect_splits("line,pre=fixed:2", "0a", "fin@0:ETRUNCATED");
}

Test(options, preamble_errors_are_fatal)
{
	/* line preamble too long: recoverable for line, fatal here */
	expect_splits("len:1be,pre=line/max=2", "616263640a 0161",
		      "e@0:EOVERSIZE fin@0:EOVERSIZE");
	/* and the main codec keeps its own rules afterwards */
	expect_splits("line,max=2,pre=fixed:1", "41 6162630a 610a",
		      "f@0:41 e@1:EOVERSIZE f@5:61 done");
	expect_splits("cobs,pre=len:1be", "0161 0000 02ff00",
		      "f@0:61 f@4:ff done");
	expect_splits("cobs,pre=len:1be/max=1", "0261",
		      "e@0:EOVERSIZE "
		      "fin@0:EOVERSIZE");
}

Test(options, preamble_reset_starts_over)
{
	struct fr_spec s;
	struct fr_decoder d;
	struct fr_frame f;

	du_spec(&s, "len:1be,pre=fixed:2");
	cr_assert_eq(fr_decoder_init(&d, &s, NULL, 0), FR_OK);
	for (int round = 0; round < 2; round++) {
		cr_assert_eq(fr_decoder_feed(&d, "ab\x01x", 4), FR_OK);
		cr_assert_eq(fr_decoder_next(&d, &f), FR_FRAME);
		cr_assert_eq(f.len, 2);
		cr_assert_eq(memcmp(f.data, "ab", 2), 0);
		cr_assert_eq(fr_decoder_next(&d, &f), FR_FRAME);
		cr_assert_eq(f.len, 1);
		cr_assert_eq(f.data[0], 'x');
		cr_assert_eq(fr_decoder_next(&d, &f), FR_NEED_MORE);
		fr_decoder_reset(&d);
	}
	fr_decoder_free(&d);
}

Test(options, preamble_encoding)
{
	struct fr_spec s;
	uint8_t out[64];
	size_t n;

	du_spec(&s, "len:4be,offset=1,adjust=-4,strip=0,"
		    "pre=len:4be/adjust=-4/strip=0");
	static const uint8_t startup[] = {0, 0, 0, 8, 0, 3, 0, 0};
	cr_assert_eq(fr_encode_preamble(&s, startup, 8, out, sizeof(out), &n),
		     FR_OK);
	cr_assert_eq(n, 8);
	cr_assert_eq(memcmp(out, startup, 8), 0);
	/* a startup message whose length bytes lie: refused */
	static const uint8_t liar[] = {0, 0, 0, 9, 0, 3, 0, 0};
	cr_assert_eq(fr_encode_preamble(&s, liar, 8, out, sizeof(out), &n),
		     FR_EUNENCODABLE);
	/* no preamble in the spec */
	du_spec(&s, "line");
	cr_assert_eq(fr_encode_preamble(&s, "x", 1, out, sizeof(out), &n),
		     FR_EINVAL);
	/* a fixed preamble takes exactly its size */
	du_spec(&s, "crlf,pre=fixed:8");
	cr_assert_eq(
	    fr_encode_preamble(&s, "AMQP\0\0\x09\x01", 8, out, sizeof(out), &n),
	    FR_OK);
	cr_assert_eq(n, 8);
	cr_assert_eq(fr_encode_preamble(&s, "AMQP", 4, out, sizeof(out), &n),
		     FR_EUNENCODABLE);
	cr_assert_geq(fr_encode_bound(&s, 8), 8);
	du_spec(&s, "fixed:1,pre=line");
	cr_assert_geq(fr_encode_bound(&s, 10), 11);
}

/* encode a first message as the preamble and the rest with fr_encode:
 * the decoder gives the same messages back under every split */
Test(options, preamble_round_trip)
{
	static const struct {
		const char *spec, *first, *main_hex;
	} t[] = {
	    {"len:4be,strip=0,pre=crlf", "SSH-2.0-x", "00000003616263"},
	    {"line,pre=fixed:5", "hello", "616263"},
	    {"cobs,pre=len:varint", "startup", "610062"},
	    {"len:4be,offset=3,strip=0,trailer=ce,pre=fixed:8",
	     "AMQP\x01\x02\x03\x04", "01000000000003616263"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct fr_spec s;
		struct du_buf w = {0}, want = {0};
		uint8_t out[128];
		size_t n, ml, fl = strlen(t[i].first);
		uint8_t *m = du_unhex(t[i].main_hex, &ml);
		char *hex, head[40];

		du_spec(&s, t[i].spec);
		cr_assert_eq(fr_encode_preamble(&s, t[i].first, fl, out,
						sizeof(out), &n),
			     FR_OK, "%s", t[i].spec);
		du_buf_put(&w, out, n);
		hex = du_hex(t[i].first, fl);
		du_buf_put(&want, "f@0:", 4);
		du_buf_put(&want, hex, strlen(hex));
		free(hex);
		snprintf(head, sizeof(head), " f@%zu:%s done", w.len,
			 t[i].main_hex);
		du_buf_put(&want, head, strlen(head) + 1);
		cr_assert_eq(fr_encode(&s, m, ml, out, sizeof(out), &n), FR_OK,
			     "%s", t[i].spec);
		du_buf_put(&w, out, n);
		char *why =
		    du_expect_all_splits(t[i].spec, w.p, w.len, (char *)want.p);
		cr_expect_null(why, "%s", why ? why : "");
		free(why);
		free(m);
		du_buf_free(&w);
		du_buf_free(&want);
	}
}
