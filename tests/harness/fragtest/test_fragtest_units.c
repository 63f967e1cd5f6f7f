/* fragtest's workload generator and frame comparison, without sockets:
 * seeded payloads are reproducible and always encodable; a divergence is
 * described by frame, byte and short hex dumps. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "ft.h"

static struct fr_spec spec_of(const char *text)
{
	struct fr_spec s;
	char err[256];

	cr_assert_eq(fr_spec_parse(&s, text, err, sizeof(err)), FR_OK, "%s",
		     err);
	return s;
}

Test(ft_workload, same_seed_same_payloads_other_seed_differs)
{
	struct fr_spec s = spec_of("len:2be");
	struct ft_gen a, b, c;
	int differ = 0;

	cr_assert_eq(ft_gen_init(&a, &s, 7, 1, 1, 64), FR_OK);
	cr_assert_eq(ft_gen_init(&b, &s, 7, 1, 1, 64), FR_OK);
	cr_assert_eq(ft_gen_init(&c, &s, 8, 1, 1, 64), FR_OK);
	for (int i = 0; i < 200; i++) {
		cr_assert_eq(ft_gen_next(&a), FR_OK);
		cr_assert_eq(ft_gen_next(&b), FR_OK);
		cr_assert_eq(ft_gen_next(&c), FR_OK);
		cr_assert_eq(a.len, b.len);
		cr_assert_eq(memcmp(a.msg, b.msg, a.len), 0);
		cr_assert(a.len >= 1 && a.len <= 64);
		differ += a.len != c.len || memcmp(a.msg, c.msg, a.len) != 0;
	}
	cr_assert_gt(differ, 150);
	ft_gen_free(&a);
	ft_gen_free(&b);
	ft_gen_free(&c);
}

/* Every generated payload decodes back from its wire form: NULL, or what
 * went wrong with the first one that didn't. */
static const char *roundtrip_fails(const char *text, size_t min, size_t max)
{
	struct fr_spec s = spec_of(text);
	struct ft_gen g;
	struct fr_decoder d;
	struct fr_frame f;
	static char why[128];

	why[0] = 0;
	cr_assert_eq(ft_gen_init(&g, &s, 3, 0, min, max), FR_OK);
	cr_assert_eq(fr_decoder_init(&d, &s, NULL, 0), FR_OK);
	for (int i = 0; i < 300 && !why[0]; i++) {
		if (ft_gen_next(&g) != FR_OK)
			snprintf(why, sizeof(why), "%s: payload %d not made",
				 text, i);
		else if (fr_decoder_feed(&d, g.wire, g.wire_len) != FR_OK ||
			 fr_decoder_next(&d, &f) != FR_FRAME)
			snprintf(why, sizeof(why), "%s: payload %d no frame",
				 text, i);
		else if (f.len != g.len || memcmp(f.data, g.msg, g.len) != 0)
			snprintf(why, sizeof(why), "%s: payload %d differs",
				 text, i);
		else if (fr_decoder_next(&d, &f) != FR_NEED_MORE)
			snprintf(why, sizeof(why), "%s: payload %d left bytes",
				 text, i);
	}
	fr_decoder_free(&d);
	ft_gen_free(&g);
	return why[0] ? why : NULL;
}

Test(ft_workload, payloads_fit_every_framing)
{
	static const struct {
		const char *spec;
		size_t min, max;
	} cases[] = {
	    {"line", 0, 64},
	    {"crlf", 0, 64},
	    {"delim:6162", 1, 40},
	    {"cobs", 0, 300},
	    {"slip", 0, 64},
	    {"netstring", 0, 64},
	    {"tlv", 0, 64},
	    {"len:1be", 200, 400}, /* clamped to what a byte can say */
	    {"len:varint", 0, 64},
	    {"fixed:5", 1, 64},
	    {"line,max=10", 1, 64},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why =
		    roundtrip_fails(cases[i].spec, cases[i].min, cases[i].max);
		cr_expect_null(why, "%s", why);
	}
}

Test(ft_workload, impossible_payloads_are_refused_up_front)
{
	struct fr_spec s = spec_of("len:2be,strip=0");
	char err[256] = "";

	cr_assert_neq(ft_gen_check(&s, 1, 64, err, sizeof(err)), FR_OK);
	cr_assert(strstr(err, "cannot generate payloads"), "%s", err);
	s = spec_of("line");
	cr_assert_eq(ft_gen_check(&s, 1, 64, err, sizeof(err)), FR_OK);
}

Test(ft_workload, bursts_mix_single_and_many_frames)
{
	uint64_t rng = fr_rng_seed(1, 1);
	int single = 0, many = 0;

	for (int i = 0; i < 1000; i++) {
		unsigned n = ft_burst_next(&rng, 1000);

		cr_assert(n >= 1 && n <= 32);
		single += n == 1;
		many += n >= 5;
	}
	cr_assert_gt(single, 300);
	cr_assert_gt(many, 100);
	cr_assert_eq(ft_burst_next(&rng, 1), 1);
}

Test(ft_verify, first_differing_byte_with_hex)
{
	struct ft_verdict v = {.frame = 12};
	const uint8_t exp[] = {1, 2, 3, 4, 5}, got[] = {1, 2, 9, 4, 5};

	cr_assert(ft_compare(exp, 5, exp, 5, &v));
	cr_assert_not(ft_compare(exp, 5, got, 5, &v));
	cr_assert_eq(v.status, FT_DIVERGE);
	cr_assert_eq(v.byte, 2);
	cr_assert_str_eq(v.msg, "frame 12 byte 2: expected [03 04 05] "
				"received [09 04 05] (lengths 5/5)");
}

Test(ft_verify, length_difference)
{
	struct ft_verdict v = {.frame = 0};
	const uint8_t exp[] = {0xaa, 0xbb, 0xcc};

	cr_assert_not(ft_compare(exp, 3, exp, 2, &v));
	cr_assert_eq(v.byte, 2);
	cr_assert_str_eq(v.msg, "frame 0: received 2 bytes, expected 3 "
				"(equal up to byte 2): expected [cc] received "
				"[(end)]");
}

Test(ft_verify, hex_is_short)
{
	uint8_t p[40];
	char out[64];

	for (int i = 0; i < 40; i++)
		p[i] = (uint8_t)i;
	ft_hex(p, 40, 30, out, sizeof(out));
	cr_assert_str_eq(out, "1e 1f 20 21 22 23 24 25 ..");
}
