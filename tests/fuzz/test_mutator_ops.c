/* Criterion suite for the mutator's corrupt and choice operations
 * (fuzz/mutator/fm_corrupt.c, fm_choices.c): exactly one structural
 * byte, the schedule only, max= next to a frame size, one option. */
#include <criterion/criterion.h>
#include <string.h>

#include "test_mutator_util.h"

/* Exactly one byte changed or removed, at a position inside [lo, hi) of
 * some frame (relative to its start, hi < 0: from its end). */
static int field_lo, field_hi;

static void one_structural(const struct fm_target *t, const uint8_t *b,
			   size_t nb, const uint8_t *a, size_t na)
{
	struct fm_input in;
	size_t i = 0;
	bool inside = false;

	while (i < nb && i < na && a[i] == b[i])
		i++;
	if (na == nb)
		cr_assert_arr_eq(a + i + 1, b + i + 1, nb - i - 1,
				 "more than one byte changed");
	else
		cr_assert(na + 1 == nb && memcmp(a + i, b + i + 1, na - i) == 0,
			  "not exactly one byte removed");
	read_ok(&in, t, b, nb);
	for (size_t k = 0; k < in.nfr; k++) {
		size_t s = in.fr[k].at, e = s + in.fr[k].span;
		size_t lo = field_lo >= 0 ? s + (size_t)field_lo
					  : e - (size_t)-field_lo;
		size_t hi =
		    field_hi > 0 ? s + (size_t)field_hi : e - (size_t)-field_hi;

		inside |= i >= lo && i < hi;
	}
	fm_input_free(&in);
	cr_assert(inside, "byte %zu is no length field or delimiter", i);
}

Test(mutator, corrupt_changes_one_length_field)
{
	struct fm_target t = target("split_len");
	struct fz_opts o = opts(FR_LEN);
	uint8_t d[CAP];
	size_t n;

	o.offset = 1; /* field at bytes 1..2 of each frame */
	n = build(&t, &o, three, 3, d);
	field_lo = 1;
	field_hi = 3;
	cr_assert_eq(
	    each("split_len", FM_OP_CORRUPT, d, n, 100, one_structural), 100);
}

Test(mutator, corrupt_changes_one_delimiter)
{
	struct fm_target t = target("split_crlf");
	struct fz_opts o = opts(FR_CRLF);
	uint8_t d[CAP];
	size_t n = build(&t, &o, three, 3, d);

	field_lo = -2;
	field_hi = 0; /* the CRLF: the last two bytes of a frame */
	cr_assert_eq(
	    each("split_crlf", FM_OP_CORRUPT, d, n, 100, one_structural), 100);
}

static void slip_escape(const struct fm_target *t, const uint8_t *b, size_t nb,
			const uint8_t *a, size_t na)
{
	size_t i = 0;

	(void)t;
	while (i < nb && a[i] == b[i])
		i++;
	cr_assert_eq(na, nb + 1, "no escape added");
	cr_assert_eq(a[i], 0xdb, "the added byte is no ESC");
	cr_assert_arr_eq(a + i + 1, b + i, nb - i);
}

Test(mutator, corrupt_adds_one_slip_escape)
{
	struct fm_target t = target("split_slip");
	struct fz_opts o = opts(FR_SLIP);
	uint8_t d[CAP];
	size_t n = build(&t, &o, three, 3, d); /* no escapes in it */

	cr_assert_eq(each("split_slip", FM_OP_CORRUPT, d, n, 50, slip_escape),
		     50);
}

static void cut_moved(const struct fm_target *t, const uint8_t *b, size_t nb,
		      const uint8_t *a, size_t na)
{
	struct fz_setup x, y;

	setup(t, b, nb, &x);
	setup(t, a, na, &y);
	cr_assert_str_eq(x.spec_text, y.spec_text);
	cr_assert_str_neq(x.sched_text, y.sched_text);
	cr_assert_eq(x.stream_len, y.stream_len);
	cr_assert_arr_eq(x.stream, y.stream, x.stream_len);
	fz_setup_free(&x);
	fz_setup_free(&y);
}

Test(mutator, cut_changes_only_the_schedule)
{
	struct fm_target t = target("split_len");
	struct fz_opts o = opts(FR_LEN);
	uint8_t d[CAP];
	size_t n = build(&t, &o, three, 3, d);

	cr_assert_eq(each("split_len", FM_OP_CUT, d, n, 100, cut_moved), 100);
}

static void max_next_to_size(const struct fm_target *t, const uint8_t *b,
			     size_t nb, const uint8_t *a, size_t na)
{
	struct fm_input x;
	struct fz_setup y;
	struct fr_spec sp;
	char err[128];
	bool near = false;

	read_ok(&x, t, b, nb);
	setup(t, a, na, &y);
	cr_assert_eq(fr_spec_parse(&sp, y.spec_text, err, sizeof(err)), FR_OK);
	cr_assert_eq(y.stream_len, x.front_len);
	for (size_t k = 0; k < x.nfr; k++)
		near |= sp.max + 1 >= x.fr[k].len && sp.max <= x.fr[k].len + 1;
	cr_assert(near, "max=%zu is no frame size +- 1 (%s)", sp.max,
		  y.spec_text);
	fm_input_free(&x);
	fz_setup_free(&y);
}

Test(mutator, max_set_next_to_a_frame_size)
{
	struct fm_target t = target("split_netstring");
	struct fz_opts o = opts(FR_NETSTRING);
	uint8_t d[CAP];
	size_t n = build(&t, &o, three, 3, d);

	cr_assert_eq(
	    each("split_netstring", FM_OP_MAX, d, n, 100, max_next_to_size),
	    100);
}

static size_t defaults;

static void max_near_or_default(const struct fm_target *t, const uint8_t *b,
				size_t nb, const uint8_t *a, size_t na)
{
	struct fz_setup y;

	setup(t, a, na, &y);
	if (strstr(y.spec_text, "max=") == NULL)
		defaults++;
	else
		max_next_to_size(t, b, nb, a, na);
	fz_setup_free(&y);
}

Test(mutator, max_may_go_back_to_the_default)
{
	struct fm_target t = target("split_tlv");
	struct fz_opts o = opts(FR_TLV);
	uint8_t d[CAP];
	size_t n;

	o.max_mode = 2;
	o.max = 40;
	n = build(&t, &o, three, 3, d);
	defaults = 0;
	cr_assert_eq(
	    each("split_tlv", FM_OP_MAX, d, n, 100, max_near_or_default), 100);
	cr_assert(defaults > 5 && defaults < 50,
		  "%zu of 100 went back to the default max", defaults);
}

static size_t kept;

static void opts_changed(const struct fm_target *t, const uint8_t *b, size_t nb,
			 const uint8_t *a, size_t na)
{
	struct fz_setup x, y;
	struct fm_input p, q;
	bool same;

	setup(t, b, nb, &x);
	setup(t, a, na, &y);
	cr_assert_str_neq(x.spec_text, y.spec_text, "no option changed");
	cr_assert_str_eq(x.sched_text, y.sched_text);
	fz_setup_free(&x);
	fz_setup_free(&y);
	read_ok(&p, t, b, nb);
	read_ok(&q, t, a, na);
	same = p.nfr == q.nfr;
	for (size_t k = 0; same && k < p.nfr; k++)
		same = p.fr[k].len == q.fr[k].len &&
		       memcmp(p.fr[k].pay, q.fr[k].pay, p.fr[k].len) == 0;
	kept += same;
	fm_input_free(&p);
	fm_input_free(&q);
}

Test(mutator, opts_change_one_option_and_reencode)
{
	struct fm_target t = target("split_len");
	struct fz_opts o = opts(FR_LEN);
	uint8_t d[CAP];
	size_t n = build(&t, &o, three, 3, d), made;

	kept = 0;
	made = each("split_len", FM_OP_OPTS, d, n, 100, opts_changed);
	cr_assert_geq(made, 60, "only %zu option changes", made);
	cr_assert_geq(kept, made / 2,
		      "frames survived re-encoding in only %zu of %zu", kept,
		      made);
}
