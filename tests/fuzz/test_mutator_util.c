/* Helpers of the mutator suites (test_mutator.c, test_mutator_ops.c):
 * inputs built from messages, each operation applied over many seeds. */
#include <criterion/criterion.h>
#include <string.h>

#include "test_mutator_util.h"

const char *const fmt_targets[] = {
    "split_fixed",     "split_line",	  "split_crlf",
    "split_delim",     "split_len",	  "split_cobs",
    "split_slip",      "split_netstring", "split_tlv",
    "split_raw",       "split_resp",	  "split_http1",
    "split_ws",	       "roundtrip_fixed", "roundtrip_line",
    "roundtrip_crlf",  "roundtrip_delim", "roundtrip_len",
    "roundtrip_cobs",  "roundtrip_slip",  "roundtrip_netstring",
    "roundtrip_tlv",   "roundtrip_raw",	  "roundtrip_resp",
    "roundtrip_http1", "roundtrip_ws",	  "server_echo"};
const size_t fmt_ntargets = sizeof(fmt_targets) / sizeof(fmt_targets[0]);

struct fm_target target(const char *name)
{
	struct fm_target t;

	cr_assert_eq(fm_target_parse(&t, name), 0, "bad target %s", name);
	return t;
}

/* Options: spec and a list:64 schedule, everything else at its lowest. */
struct fz_opts opts(int kind)
{
	struct fz_opts o;

	memset(&o, 0, sizeof(o));
	o.kind = kind;
	o.fixed = 4;
	o.width = 2;
	o.delim_len = 1;
	o.delim[0] = '|';
	o.list_len = 1;
	o.list[0] = 64;
	return o;
}

/* An input for t with frames msgs[0..n) encoded for the codec of o
 * (split: wire; roundtrip and server_echo: message list). */
size_t build(const struct fm_target *t, struct fz_opts *o,
	     const char *const *msgs, size_t n, uint8_t *out)
{
	struct fm_input in;
	uint8_t front[CAP];
	size_t flen = 0, len;
	char err[128];

	memset(&in, 0, sizeof(in));
	in.t = *t;
	in.kind = o->kind;
	in.o = *o;
	in.msgs = t->mode != FM_SPLIT;
	if (!in.msgs) {
		struct fz_setup s;
		uint8_t tmp[256];
		size_t k = fz_input_build(tmp, sizeof(tmp), NULL, 0, o);

		cr_assert_eq(fz_setup_read(&s, o->kind, tmp, k), 0);
		cr_assert_eq(
		    fr_spec_parse(&in.spec, s.spec_text, err, sizeof(err)),
		    FR_OK, "%s", err);
		fz_setup_free(&s);
		in.spec_ok = true;
	}
	for (size_t i = 0; i < n; i++) {
		len = fm_frame_bytes(&in, (const uint8_t *)msgs[i],
				     strlen(msgs[i]), front + flen,
				     sizeof(front) - flen);
		cr_assert_gt(len, 0, "cannot encode '%s'", msgs[i]);
		flen += len;
	}
	if (t->mode == FM_SERVER) {
		o->plain = true;
		front[flen++] = 0; /* mode: message list */
	}
	len = fz_input_build(out, CAP, front, flen, o);
	cr_assert_gt(len, 0);
	if (t->mode == FM_SERVER)
		out[len++] = (uint8_t)(o->kind - FR_FIXED);
	return len;
}

void read_ok(struct fm_input *in, const struct fm_target *t, const uint8_t *d,
	     size_t n)
{
	cr_assert_eq(fm_input_read(in, t, d, n), 0);
}

const char *const three[] = {"hello", "fraglab", "xy"};

/* Apply op to input d (n bytes) with seeds 1..tries; check() each
 * result that op produced; returns how many it produced. */
size_t each(const char *name, int op, const uint8_t *d, size_t n, int tries,
	    check_fn check)
{
	struct fm_target t = target(name);
	size_t made = 0;

	for (int s = 1; s <= tries; s++) {
		uint8_t buf[CAP];
		uint64_t rng = (uint64_t)s;
		size_t m;

		memcpy(buf, d, n);
		m = fm_mutate_op(&t, op, buf, n, sizeof(buf), &rng);
		if (m == 0) {
			cr_assert_arr_eq(buf, d, n, "a failed op changed data");
			continue;
		}
		made++;
		check(&t, d, n, buf, m);
	}
	return made;
}

size_t nframes(const struct fm_target *t, const uint8_t *d, size_t n)
{
	struct fm_input in;
	size_t k;

	read_ok(&in, t, d, n);
	k = in.nfr;
	cr_assert_eq(in.end, in.front_len, "bytes after the last frame");
	fm_input_free(&in);
	return k;
}

/* Setup of an input (spec, schedule, stream). */
void setup(const struct fm_target *t, const uint8_t *d, size_t n,
	   struct fz_setup *s)
{
	cr_assert_eq(t->mode, FM_SPLIT);
	cr_assert_eq(fz_setup_read(s, t->kind, d, n), 0);
}
