/* Criterion suite for framing/src/spec.c and error.c: every spec name and
 * option parses, the canonical text round-trips, bad specs are rejected
 * with a message that names the bad part. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "decode_util.h"
#include "framing/error.h"
#include "framing/sched.h"
#include "framing/spec.h"

Test(spec, simple_names)
{
	static const struct {
		const char *text;
		enum fr_kind kind;
	} t[] = {
	    {"line", FR_LINE}, {"crlf", FR_CRLF},	    {"cobs", FR_COBS},
	    {"slip", FR_SLIP}, {"netstring", FR_NETSTRING}, {"tlv", FR_TLV},
	    {"raw", FR_RAW},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct fr_spec s;

		du_spec(&s, t[i].text);
		cr_expect_eq(s.kind, t[i].kind, "%s: kind %d", t[i].text,
			     (int)s.kind);
		cr_expect_eq(s.max, FR_DEFAULT_MAX, "%s: default max %zu",
			     t[i].text, s.max);
		cr_expect_str_eq(fr_kind_name(s.kind), t[i].text);
	}
}

Test(spec, line_crlf_delimiters)
{
	struct fr_spec s;

	du_spec(&s, "line");
	cr_assert_eq(s.delim_len, 1);
	cr_assert_eq(s.delim[0], '\n');
	du_spec(&s, "crlf");
	cr_assert_eq(s.delim_len, 2);
	cr_assert_eq(memcmp(s.delim, "\r\n", 2), 0);
}

Test(spec, fixed)
{
	struct fr_spec s;

	du_spec(&s, "fixed:1");
	cr_assert_eq(s.kind, FR_FIXED);
	cr_assert_eq(s.fixed, 1);
	du_spec(&s, "fixed:4096");
	cr_assert_eq(s.fixed, 4096);
	du_spec(&s, "fixed:16,max=16");
	cr_assert_eq(s.fixed, 16);
	cr_assert_eq(s.max, 16);
	cr_assert_str_eq(fr_kind_name(FR_FIXED), "fixed");
}

Test(spec, delim_hex)
{
	struct fr_spec s;

	du_spec(&s, "delim:0d0a");
	cr_assert_eq(s.kind, FR_DELIM);
	cr_assert_eq(s.delim_len, 2);
	cr_assert_eq(memcmp(s.delim, "\r\n", 2), 0);
	du_spec(&s, "delim:00");
	cr_assert_eq(s.delim_len, 1);
	cr_assert_eq(s.delim[0], 0);
	du_spec(&s, "delim:000102030405060708090a0b0c0d0eff");
	cr_assert_eq(s.delim_len, FR_DELIM_MAX);
	cr_assert_eq(s.delim[15], 0xff);
	cr_assert_eq(s.delim[9], 9);
	cr_assert_str_eq(fr_kind_name(FR_DELIM), "delim");
}

Test(spec, len_widths)
{
	static const unsigned widths[] = {1, 2, 3, 4, 8};

	for (size_t i = 0; i < 5; i++) {
		for (int le = 0; le < 2; le++) {
			char text[32];
			struct fr_spec s;

			snprintf(text, sizeof(text), "len:%u%s", widths[i],
				 le ? "le" : "be");
			du_spec(&s, text);
			cr_expect_eq(s.kind, FR_LEN, "%s", text);
			cr_expect_eq(s.width, widths[i], "%s", text);
			if (widths[i] > 1)
				cr_expect_eq(s.little, (bool)le, "%s", text);
			cr_expect_eq(s.offset, 0, "%s", text);
			cr_expect_eq(s.adjust, 0, "%s", text);
			cr_expect_not(s.strip_set, "%s: strip_set", text);
		}
	}
	cr_assert_str_eq(fr_kind_name(FR_LEN), "len");
}

Test(spec, len_varint_and_options)
{
	struct fr_spec s;

	du_spec(&s, "len:varint");
	cr_assert_eq(s.kind, FR_LEN);
	cr_assert_eq(s.width, 0);
	du_spec(&s, "len:2be,offset=1,adjust=-3,strip=3,max=4096");
	cr_assert_eq(s.width, 2);
	cr_assert_not(s.little);
	cr_assert_eq(s.offset, 1);
	cr_assert_eq(s.adjust, -3);
	cr_assert(s.strip_set);
	cr_assert_eq(s.strip, 3);
	cr_assert_eq(s.max, 4096);
	du_spec(&s, "len:4le,adjust=7");
	cr_assert(s.little);
	cr_assert_eq(s.adjust, 7);
	du_spec(&s, "len:2be,strip=0");
	cr_assert(s.strip_set);
	cr_assert_eq(s.strip, 0);
	du_spec(&s, "len:8be,adjust=-1099511627776");
	cr_assert_eq(s.adjust, -((int64_t)1 << 40));
	du_spec(&s, "len:8be,adjust=1099511627776");
	cr_assert_eq(s.adjust, (int64_t)1 << 40);
}

Test(spec, max_on_every_codec)
{
	static const char *const t[] = {
	    "fixed:3,max=3",  "line,max=7",    "crlf,max=7",
	    "delim:7c,max=7", "len:2be,max=7", "len:varint,max=7",
	    "cobs,max=7",     "slip,max=7",    "netstring,max=7",
	    "tlv,max=7",      "raw,max=7",
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct fr_spec s;

		du_spec(&s, t[i]);
		cr_expect_eq(s.max, i == 0 ? 3 : 7, "%s: max %zu", t[i], s.max);
	}
	{
		struct fr_spec s;
		char text[64];

		snprintf(text, sizeof(text), "line,max=%zu", FR_MAX_LIMIT);
		du_spec(&s, text);
		cr_assert_eq(s.max, FR_MAX_LIMIT);
	}
}

static const char *const roundtrip_specs[] = {
    "fixed:1",
    "fixed:100,max=100",
    "line",
    "line,max=1",
    "crlf",
    "crlf,max=65536",
    "delim:0d0a0d0a",
    "delim:00",
    "delim:ff00ff",
    "delim:000102030405060708090a0b0c0d0e0f",
    "len:1be",
    "len:1le",
    "len:2be",
    "len:2le",
    "len:3be",
    "len:3le",
    "len:4be",
    "len:4le",
    "len:8be",
    "len:8le",
    "len:varint",
    "len:varint,max=100",
    "len:2be,strip=0",
    "len:2be,strip=2",
    "len:2be,adjust=-2,strip=0",
    "len:3be,offset=2,strip=0",
    "len:3be,adjust=2,strip=0",
    "len:2be,offset=1,adjust=1,strip=3",
    "len:2be,offset=1,adjust=-3,strip=3,max=4096",
    "len:8le,adjust=-1099511627776",
    "len:4be,offset=7,max=1099511627776",
    "cobs",
    "cobs,max=254",
    "slip",
    "slip,max=1",
    "netstring",
    "netstring,max=99",
    "tlv",
    "tlv,max=6",
    "raw",
    "raw,max=4",
    "resp",
    "resp,depth=0",
    "resp,depth=32,max=100",
    "http1:req",
    "http1:resp",
    "http1:req,hmax=1024",
    "http1:resp,head",
    "http1:resp,hmax=7,head,max=7",
    "ws",
    "ws,unmask",
    "ws,unmask,max=125",
};

Test(spec, format_round_trips)
{
	for (size_t i = 0;
	     i < sizeof(roundtrip_specs) / sizeof(roundtrip_specs[0]); i++) {
		const char *text = roundtrip_specs[i];
		struct fr_spec a, b;
		char buf[FR_SPEC_STRLEN], buf2[FR_SPEC_STRLEN];
		int n;

		du_spec(&a, text);
		n = fr_spec_format(&a, buf, sizeof(buf));
		cr_assert_gt(n, 0, "%s: format returned %d", text, n);
		cr_assert_lt((size_t)n, sizeof(buf), "%s", text);
		cr_assert_eq((size_t)n, strlen(buf), "%s: %d vs \"%s\"", text,
			     n, buf);
		du_spec(&b, buf);
		cr_assert(fr_spec_equal(&a, &b),
			  "%s -> \"%s\" parses differently", text, buf);
		fr_spec_format(&b, buf2, sizeof(buf2));
		cr_assert_str_eq(buf, buf2, "%s: format not canonical", text);
	}
}

Test(spec, format_truncation_is_visible)
{
	struct fr_spec s;
	char full[FR_SPEC_STRLEN], small[6];
	int n, m;

	du_spec(&s, "len:2be,offset=1,adjust=-3,strip=3,max=4096");
	n = fr_spec_format(&s, full, sizeof(full));
	memset(small, 'x', sizeof(small));
	m = fr_spec_format(&s, small, sizeof(small));
	cr_assert_eq(m, n, "truncated format must return the full length");
	cr_assert_eq(small[5], '\0', "truncated output must be terminated");
	cr_assert_eq(memcmp(small, full, 5), 0);
}

/* Bad specs: each with up to 3 substrings, one of which must appear in
 * the message (the part that is wrong). */
static const struct du_bad bad[] = {
    {"", {"", NULL, NULL}},
    {"bogus", {"bogus", NULL, NULL}},
    {"bogus:3", {"bogus", NULL, NULL}},
    {"line:5", {"line", NULL, NULL}},
    {"fixed:0", {"fixed", NULL, NULL}},
    {"fixed:", {"fixed", NULL, NULL}},
    {"fixed", {"fixed", NULL, NULL}},
    {"fixed:abc", {"abc", "fixed", NULL}},
    {"fixed:-1", {"-1", "fixed", NULL}},
    {"fixed:12x", {"12x", "fixed", NULL}},
    {"fixed:99999999999999999999999", {"fixed", "9999", NULL}},
    {"fixed:8,max=4", {"fixed", "max", NULL}},
    {"delim:0", {"delim", NULL, NULL}},
    {"delim:abc", {"delim", "abc", NULL}},
    {"delim:", {"delim", NULL, NULL}},
    {"delim", {"delim", NULL, NULL}},
    {"delim:zz", {"delim", "zz", NULL}},
    {"delim:000102030405060708090a0b0c0d0e0f10", {"delim", NULL, NULL}},
    {"len:5be", {"5be", NULL, NULL}},
    {"len:2xx", {"2xx", NULL, NULL}},
    {"len:0be", {"0be", NULL, NULL}},
    {"len:16le", {"16le", NULL, NULL}},
    {"len:", {"len", NULL, NULL}},
    {"len", {"len", NULL, NULL}},
    {"len:varintx", {"varintx", NULL, NULL}},
    {"line,bogus=1", {"bogus", NULL, NULL}},
    {"line,max=0", {"max", NULL, NULL}},
    {"line,max=", {"max", NULL, NULL}},
    {"line,max=abc", {"max", "abc", NULL}},
    {"line,max=12x", {"max", "12x", NULL}},
    {"line,max=-1", {"max", "-1", NULL}},
    {"line,max=1099511627777", {"max", NULL, NULL}},
    {"raw,max=99999999999999999999999", {"max", NULL, NULL}},
    {"len:2be,adjust=abc", {"adjust", "abc", NULL}},
    {"len:2be,adjust=", {"adjust", NULL, NULL}},
    {"len:2be,adjust=99999999999999999999", {"adjust", NULL, NULL}},
    {"len:2be,adjust=-9223372036854775809", {"adjust", NULL, NULL}},
    {"len:2be,offset=abc", {"offset", "abc", NULL}},
    {"len:2be,offset=-1", {"offset", "-1", NULL}},
    {"len:2be,offset=99999999999999999999999", {"offset", NULL, NULL}},
    {"len:2be,strip=x", {"strip", "x", NULL}},
    {"len:2be,strip=99999999999999999999999", {"strip", NULL, NULL}},
    {"line,offset=1", {"offset", NULL, NULL}},
    {"crlf,adjust=1", {"adjust", NULL, NULL}},
    {"cobs,strip=0", {"strip", NULL, NULL}},
    {"netstring,offset=2", {"offset", NULL, NULL}},
    {"tlv,adjust=-1", {"adjust", NULL, NULL}},
    {"fixed:4,strip=1", {"strip", NULL, NULL}},
    {"raw,offset=0", {"offset", NULL, NULL}},
    {"slip,nomax", {"nomax", NULL, NULL}},
    {"resp:2", {"resp", NULL, NULL}},
    {"resp,depth=33", {"depth", NULL, NULL}},
    {"resp,depth=-1", {"depth", NULL, NULL}},
    {"resp,depth=", {"depth", NULL, NULL}},
    {"line,depth=2", {"depth", NULL, NULL}},
    {"http1", {"http1", NULL, NULL}},
    {"http1:", {"http1", NULL, NULL}},
    {"http1:request", {"request", NULL, NULL}},
    {"http1:req,head", {"head", NULL, NULL}},
    {"http1:req,hmax=0", {"hmax", NULL, NULL}},
    {"http1:req,hmax=x", {"hmax", "x", NULL}},
    {"http1:req,hmax=100,max=99", {"hmax", "max", NULL}},
    {"ws,hmax=10", {"hmax", NULL, NULL}},
    {"ws:1", {"ws", NULL, NULL}},
    {"resp,unmask", {"unmask", NULL, NULL}},
    {"ws,head", {"head", NULL, NULL}},
    {"ws,unmasked", {"unmasked", NULL, NULL}},
};

Test(spec, bad_specs_are_rejected_with_named_part)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fr_spec s;
		char err[256] = "";
		int r = fr_spec_parse(&s, bad[i].text, err, sizeof(err));

		du_expect_rejected(&bad[i], r, FR_ESPEC, err);
	}
}

Test(spec, error_buffer_is_optional_and_bounded)
{
	struct fr_spec s;
	char tiny[8];

	cr_assert_eq(fr_spec_parse(&s, "bogus-spec-name", NULL, 0), FR_ESPEC);
	cr_assert_eq(fr_spec_parse(&s, "bogus-spec-name", tiny, 1), FR_ESPEC);
	cr_assert_eq(tiny[0], '\0');
	memset(tiny, 'x', sizeof(tiny));
	cr_assert_eq(fr_spec_parse(&s, "len:2be,offset=zzzzzzzzzzzzz", tiny,
				   sizeof(tiny)),
		     FR_ESPEC);
	cr_assert_eq(tiny[7], '\0', "message not NUL-terminated in errlen");
}

/* Random recombinations of spec fragments never crash; whatever parses
 * formats back to itself, whatever does not gets a message. */
Test(spec, random_fragments_never_crash)
{
	static const char *const frag[] = {
	    "len",	 ":",
	    "2be",	 "varint",
	    "8le",	 ",",
	    "max=",	 "offset=",
	    "adjust=",	 "strip=",
	    "-",	 "0",
	    "1",	 "99999999999999999999",
	    "line",	 "delim",
	    "0d0a",	 "fixed",
	    "cobs",	 "=",
	    "tlv",	 "3",
	    "netstring", "slip",
	    "raw",	 "crlf",
	    "x",
	};
	uint64_t rng = fr_rng_seed(20261125, 1);

	for (int iter = 0; iter < 5000; iter++) {
		char text[200] = "", err[128];
		int parts = (int)fr_rng_range(&rng, 1, 8);
		struct fr_spec s, s2;

		for (int p = 0; p < parts; p++)
			strcat(
			    text,
			    frag[fr_rng_range(
				&rng, 0, sizeof(frag) / sizeof(frag[0]) - 1)]);
		err[0] = '\0';
		if (fr_spec_parse(&s, text, err, sizeof(err)) == FR_OK) {
			char buf[FR_SPEC_STRLEN];

			fr_spec_format(&s, buf, sizeof(buf));
			du_spec(&s2, buf);
			cr_assert(fr_spec_equal(&s, &s2), "\"%s\" -> \"%s\"",
				  text, buf);
		} else {
			cr_assert_gt(strlen(err), 0, "\"%s\": no message",
				     text);
		}
	}
}

Test(spec, help_mentions_every_name)
{
	static const char *const names[] = {
	    "fixed",  "line", "crlf",	 "delim",     "len",
	    "varint", "cobs", "slip",	 "netstring", "tlv",
	    "raw",    "max=", "offset=", "adjust=",   "strip=",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_expect_not_null(strstr(fr_spec_help, names[i]),
				   "fr_spec_help lacks %s", names[i]);
}

Test(error, every_code_has_names)
{
	static const int codes[] = {
	    FR_OK,	   FR_EINVAL,	    FR_ESPEC,	  FR_ESCHED,
	    FR_ENOMEM,	   FR_ENOSPC,	    FR_EOVERSIZE, FR_EBADLEN,
	    FR_EVARINT,	   FR_EESCAPE,	    FR_ECOBS,	  FR_ENETSTRING,
	    FR_ETRUNCATED, FR_EUNENCODABLE, FR_ECLOSED,	  FR_ETIMEDOUT,
	    FR_EAGAIN,	   FR_ETRAILER,
	};
	size_t n = sizeof(codes) / sizeof(codes[0]);

	for (size_t i = 0; i < n; i++) {
		const char *msg = fr_strerror(codes[i]);
		const char *name = fr_errname(codes[i]);

		cr_assert_not_null(msg);
		cr_assert_not_null(name);
		cr_expect_gt(strlen(msg), 0);
		for (size_t j = 0; j < i; j++) {
			cr_expect_str_neq(fr_strerror(codes[j]), msg,
					  "codes %d and %d share a message",
					  codes[i], codes[j]);
			cr_expect_str_neq(fr_errname(codes[j]), name);
		}
		if (codes[i] != FR_OK)
			cr_expect_str_eq(name, du_code_name(codes[i]),
					 "errname(%d)", codes[i]);
	}
	cr_expect_str_eq(fr_errname(FR_EOVERSIZE), "EOVERSIZE");
}

Test(error, errno_and_unknown_codes)
{
	cr_assert_not_null(fr_strerror(-ENOENT));
	cr_assert_not_null(fr_strerror(-EPIPE));
	cr_expect_str_neq(fr_strerror(-ENOENT), fr_strerror(-EPIPE));
	cr_assert_not_null(fr_strerror(-123456));
	cr_assert_not_null(fr_strerror(12345));
	cr_assert_not_null(fr_errname(-123456));
	cr_assert_not_null(fr_errname(-EPIPE));
}

Test(spec, equal_compares_what_the_text_says)
{
	static const char *const pairs[][2] = {
	    {"fixed:4", "fixed:5"},	     {"line", "crlf"},
	    {"delim:00", "delim:01"},	     {"delim:00", "delim:0000"},
	    {"len:2be", "len:2le"},	     {"len:2be", "len:4be"},
	    {"len:2be", "len:2be,offset=1"}, {"len:2be", "len:2be,adjust=-2"},
	    {"len:2be", "len:2be,strip=0"},  {"line", "line,max=10"},
	};
	struct fr_spec a, b;

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		cr_assert_eq(fr_spec_parse(&a, pairs[i][0], NULL, 0), FR_OK);
		cr_assert_eq(fr_spec_parse(&b, pairs[i][1], NULL, 0), FR_OK);
		cr_expect_not(fr_spec_equal(&a, &b), "%s == %s", pairs[i][0],
			      pairs[i][1]);
		cr_expect(fr_spec_equal(&a, &a), "%s", pairs[i][0]);
	}
	/* a one-byte length has no byte order */
	cr_assert_eq(fr_spec_parse(&a, "len:1be", NULL, 0), FR_OK);
	cr_assert_eq(fr_spec_parse(&b, "len:1le", NULL, 0), FR_OK);
	cr_expect(fr_spec_equal(&a, &b));
}
