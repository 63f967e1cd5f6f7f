/* Criterion suite for the structure-aware mutator (fuzz/mutator/): inputs
 * read and written back unchanged, each mutation kind making exactly its
 * structural change, sizes bounded, and the AFL++ library's entry points. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm_int.h"

#define CAP 4096

static const char *const targets[] = {
    "split_fixed",     "split_line",	  "split_crlf",
    "split_delim",     "split_len",	  "split_cobs",
    "split_slip",      "split_netstring", "split_tlv",
    "split_raw",       "split_resp",	  "split_http1",
    "split_ws",	       "roundtrip_fixed", "roundtrip_line",
    "roundtrip_crlf",  "roundtrip_delim", "roundtrip_len",
    "roundtrip_cobs",  "roundtrip_slip",  "roundtrip_netstring",
    "roundtrip_tlv",   "roundtrip_raw",	  "roundtrip_resp",
    "roundtrip_http1", "roundtrip_ws",	  "server_echo"};
#define NTARGETS (sizeof(targets) / sizeof(targets[0]))

static struct fm_target target(const char *name)
{
	struct fm_target t;

	cr_assert_eq(fm_target_parse(&t, name), 0, "bad target %s", name);
	return t;
}

/* Options: spec and a list:64 schedule, everything else at its lowest. */
static struct fz_opts opts(int kind)
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
static size_t build(const struct fm_target *t, struct fz_opts *o,
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

static void read_ok(struct fm_input *in, const struct fm_target *t,
		    const uint8_t *d, size_t n)
{
	cr_assert_eq(fm_input_read(in, t, d, n), 0);
}

static const char *const three[] = {"hello", "fraglab", "xy"};

Test(mutator, target_names)
{
	struct fm_target t;

	cr_assert_eq(fm_target_parse(&t, "split_len"), 0);
	cr_assert(t.kind == FR_LEN && t.mode == FM_SPLIT);
	cr_assert_eq(fm_target_parse(&t, "roundtrip_ws"), 0);
	cr_assert(t.kind == FR_WS && t.mode == FM_ROUNDTRIP);
	cr_assert_eq(fm_target_parse(&t, "server_echo"), 0);
	cr_assert_eq(t.mode, FM_SERVER);
	cr_assert_lt(fm_target_parse(&t, "split_nope"), 0);
	cr_assert_lt(fm_target_parse(&t, "pop3_session"), 0);
	cr_assert_lt(fm_target_parse(&t, NULL), 0);
}

/* Read and written back: the same bytes. */
static void same(const struct fm_target *t, const uint8_t *d, size_t n,
		 const char *what)
{
	static uint8_t out[1 << 16];
	struct fm_input in;
	size_t m;

	read_ok(&in, t, d, n);
	m = fm_input_write(&in, out, n > 0 ? n : 1);
	fm_input_free(&in);
	cr_assert_eq(m, n, "%s: %zu bytes written back, %zu read", what, m, n);
	cr_assert(n == 0 || memcmp(out, d, n) == 0, "%s: bytes differ", what);
}

Test(mutator, corpus_reads_back_unchanged)
{
	static uint8_t buf[1 << 16];
	const char *src = getenv("FRAGLAB_SRC");
	size_t files = 0;

	cr_assert_not_null(src, "FRAGLAB_SRC not set");
	for (size_t i = 0; i < NTARGETS; i++) {
		struct fm_target t = target(targets[i]);
		char dir[512], path[1024];
		struct dirent *e;
		DIR *dp;

		snprintf(dir, sizeof(dir), "%s/corpus/%s", src, targets[i]);
		dp = opendir(dir);
		cr_assert_not_null(dp, "no %s", dir);
		while ((e = readdir(dp)) != NULL) {
			FILE *f;
			size_t n;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			f = fopen(path, "rb");
			cr_assert_not_null(f, "cannot open %s", path);
			n = fread(buf, 1, sizeof(buf), f);
			fclose(f);
			same(&t, buf, n, path);
			files++;
		}
		closedir(dp);
	}
	cr_assert_gt(files, 500, "only %zu corpus files", files);
}

Test(mutator, short_inputs_read_back_unchanged)
{
	uint64_t rng = 7;

	for (size_t i = 0; i < NTARGETS; i++) {
		struct fm_target t = target(targets[i]);

		for (size_t n = 0; n < 24; n++) {
			uint8_t d[24];

			for (size_t k = 0; k < n; k++)
				d[k] = (uint8_t)fm_rand(&rng);
			same(&t, d, n, targets[i]);
		}
	}
}

/* Apply op to input d (n bytes) with seeds 1..tries; check() each result
 * that op produced; returns how many it produced. */
typedef void (*check_fn)(const struct fm_target *t, const uint8_t *before,
			 size_t nb, const uint8_t *after, size_t na);

static size_t each(const char *name, int op, const uint8_t *d, size_t n,
		   int tries, check_fn check)
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

static size_t nframes(const struct fm_target *t, const uint8_t *d, size_t n)
{
	struct fm_input in;
	size_t k;

	read_ok(&in, t, d, n);
	k = in.nfr;
	cr_assert_eq(in.end, in.front_len, "bytes after the last frame");
	fm_input_free(&in);
	return k;
}

static void plus_one(const struct fm_target *t, const uint8_t *b, size_t nb,
		     const uint8_t *a, size_t na)
{
	cr_assert_eq(nframes(t, a, na), nframes(t, b, nb) + 1);
}

static void minus_one(const struct fm_target *t, const uint8_t *b, size_t nb,
		      const uint8_t *a, size_t na)
{
	cr_assert_eq(nframes(t, a, na) + 1, nframes(t, b, nb));
}

static void dup_one(const struct fm_target *t, const uint8_t *b, size_t nb,
		    const uint8_t *a, size_t na)
{
	struct fm_input in;
	size_t twins = 0;

	plus_one(t, b, nb, a, na);
	read_ok(&in, t, a, na);
	for (size_t i = 0; i + 1 < in.nfr; i++)
		if (in.fr[i].len == in.fr[i + 1].len &&
		    memcmp(in.fr[i].pay, in.fr[i + 1].pay, in.fr[i].len) == 0)
			twins++;
	fm_input_free(&in);
	cr_assert_geq(twins, 1, "no frame followed by its copy");
}

static void one_resized(const struct fm_target *t, const uint8_t *b, size_t nb,
			const uint8_t *a, size_t na)
{
	struct fm_input x, y;
	size_t diff = 0;

	read_ok(&x, t, b, nb);
	read_ok(&y, t, a, na);
	cr_assert_eq(x.nfr, y.nfr, "resize changed the frame count");
	for (size_t i = 0; i < x.nfr; i++)
		if (x.fr[i].len != y.fr[i].len)
			diff++;
		else
			cr_assert_arr_eq(x.fr[i].pay, y.fr[i].pay, x.fr[i].len);
	cr_assert_eq(diff, 1, "%zu frames changed size", diff);
	fm_input_free(&x);
	fm_input_free(&y);
}

Test(mutator, insert_drop_dup_resize_split_len)
{
	struct fm_target t = target("split_len");
	struct fz_opts o = opts(FR_LEN);
	uint8_t d[CAP];
	size_t n = build(&t, &o, three, 3, d);

	cr_assert_eq(nframes(&t, d, n), 3);
	cr_assert_geq(each("split_len", FM_OP_INSERT, d, n, 100, plus_one), 90);
	cr_assert_eq(each("split_len", FM_OP_DROP, d, n, 50, minus_one), 50);
	cr_assert_eq(each("split_len", FM_OP_DUP, d, n, 50, dup_one), 50);
	cr_assert_geq(each("split_len", FM_OP_RESIZE, d, n, 100, one_resized),
		      80);
}

Test(mutator, insert_drop_dup_resize_other_codecs)
{
	static const char *const names[] = {
	    "split_cobs",     "split_slip",   "split_netstring",
	    "split_tlv",      "split_crlf",   "roundtrip_len",
	    "roundtrip_cobs", "roundtrip_ws", "server_echo"};
	static const int kinds[] = {FR_COBS, FR_SLIP, FR_NETSTRING,
				    FR_TLV,  FR_CRLF, FR_LEN,
				    FR_COBS, FR_WS,   FR_LINE};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct fm_target t = target(names[i]);
		struct fz_opts o = opts(kinds[i]);
		uint8_t d[CAP];
		size_t n = build(&t, &o, three, 3, d);

		cr_assert_eq(nframes(&t, d, n), 3, "%s", names[i]);
		cr_assert_geq(each(names[i], FM_OP_INSERT, d, n, 60, plus_one),
			      30, "%s insert", names[i]);
		cr_assert_eq(each(names[i], FM_OP_DROP, d, n, 20, minus_one),
			     20, "%s drop", names[i]);
		cr_assert_eq(each(names[i], FM_OP_DUP, d, n, 20, dup_one), 20,
			     "%s dup", names[i]);
		if (kinds[i] != FR_WS) /* ws messages are whole frames */
			cr_assert_geq(
			    each(names[i], FM_OP_RESIZE, d, n, 60, one_resized),
			    30, "%s resize", names[i]);
	}
}

Test(mutator, insert_makes_protocol_messages_from_nothing)
{
	static const char *const names[] = {"split_ws", "split_resp",
					    "split_http1", "roundtrip_ws"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint8_t none[1] = {0};

		cr_assert_geq(
		    each(names[i], FM_OP_INSERT, none, 0, 50, plus_one), 40,
		    "%s: too few messages made", names[i]);
	}
}

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

/* Setup of an input (spec, schedule, stream). */
static void setup(const struct fm_target *t, const uint8_t *d, size_t n,
		  struct fz_setup *s)
{
	cr_assert_eq(t->mode, FM_SPLIT);
	cr_assert_eq(fz_setup_read(s, t->kind, d, n), 0);
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

Test(mutator, crossover_splices_frames_of_the_other_input)
{
	static const char *const mb[] = {"xyz1", "xyz2", "xyz3"};
	static const char *const ma[] = {"aa", "bb"};
	struct fm_target t = target("split_len");
	struct fz_opts o = opts(FR_LEN);
	uint8_t a[CAP], b[CAP], out[CAP];
	size_t na = build(&t, &o, ma, 2, a), nb = build(&t, &o, mb, 3, b);

	for (uint64_t s = 1; s <= 50; s++) {
		uint64_t rng = s;
		size_t n =
		    fm_crossover(&t, a, na, b, nb, out, sizeof(out), &rng);
		struct fm_input in;
		size_t from_b = 0;

		cr_assert_gt(n, 0);
		read_ok(&in, &t, out, n);
		cr_assert_gt(in.nfr, 2);
		for (size_t k = 0; k < in.nfr; k++)
			from_b += in.fr[k].len == 4 &&
				  memcmp(in.fr[k].pay, "xyz", 3) == 0;
		cr_assert_eq(from_b, in.nfr - 2, "%zu of b's frames in %zu",
			     from_b, in.nfr);
		fm_input_free(&in);
	}
}

Test(mutator, mutations_stay_under_max_size)
{
	for (size_t i = 0; i < NTARGETS; i++) {
		struct fm_target t = target(targets[i]);
		uint8_t d[200];
		size_t n = 0, max = 128 + i;
		uint64_t rng = i + 1;

		for (int k = 0; k < 400; k++) {
			n = fm_mutate(&t, d, n, max, &rng, NULL);
			cr_assert(n > 0 && n <= max, "%s: size %zu (max %zu)",
				  targets[i], n, max);
		}
	}
}

typedef void *(*init_fn)(void *, unsigned int);
typedef size_t (*fuzz_fn)(void *, uint8_t *, size_t, uint8_t **, uint8_t *,
			  size_t, size_t);
typedef void (*deinit_fn)(void *);

Test(mutator, afl_library)
{
	const char *bin = getenv("FRAGLAB_BIN");
	char path[512];
	uint8_t buf[64] = "hello\n", add[] = "other\nframes\n";
	size_t n = 6;
	void *h, *m;
	init_fn init;
	fuzz_fn fuzz;
	deinit_fn deinit;

	cr_assert_not_null(bin, "FRAGLAB_BIN not set");
	snprintf(path, sizeof(path), "%s/fraglab-mutator.so", bin);
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	cr_assert_not_null(h, "dlopen: %s", dlerror());
	*(void **)&init = dlsym(h, "afl_custom_init");
	*(void **)&fuzz = dlsym(h, "afl_custom_fuzz");
	*(void **)&deinit = dlsym(h, "afl_custom_deinit");
	cr_assert(init && fuzz && deinit, "an afl_custom_* symbol is missing");
	unsetenv("FRAGLAB_MUTATOR_TARGET");
	cr_assert_null(init(NULL, 1), "init without a target must fail");
	setenv("FRAGLAB_MUTATOR_TARGET", "split_line", 1);
	m = init(NULL, 1);
	cr_assert_not_null(m);
	for (int i = 0; i < 500; i++) {
		uint8_t *out = NULL;
		size_t k = fuzz(m, buf, n, &out, i % 2 ? add : NULL,
				sizeof(add) - 1, sizeof(buf));

		cr_assert(k > 0 && k <= sizeof(buf) && out != NULL,
			  "bad result %zu", k);
		memcpy(buf, out, k);
		n = k;
	}
	deinit(m);
	dlclose(h);
}
