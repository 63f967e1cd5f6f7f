/* Criterion suite for the structure-aware mutator (fuzz/mutator/): inputs
 * read and written back unchanged, each mutation kind making exactly its
 * structural change, sizes bounded, and the AFL++ library's entry points. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_mutator_util.h"

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

/* Read and written back: true when the same n bytes come out. */
static bool round_trips(const struct fm_target *t, const uint8_t *d, size_t n)
{
	static uint8_t out[1 << 16];
	struct fm_input in;
	size_t m;

	read_ok(&in, t, d, n);
	m = fm_input_write(&in, out, n > 0 ? n : 1);
	fm_input_free(&in);
	return m == n && (n == 0 || memcmp(out, d, n) == 0);
}

Test(mutator, corpus_reads_back_unchanged)
{
	static uint8_t buf[1 << 16];
	const char *src = getenv("FRAGLAB_SRC");
	size_t files = 0;

	cr_assert_not_null(src, "FRAGLAB_SRC not set");
	for (size_t i = 0; i < fmt_ntargets; i++) {
		struct fm_target t = target(fmt_targets[i]);
		char dir[512], path[1024];
		struct dirent *e;
		DIR *dp;

		snprintf(dir, sizeof(dir), "%s/corpus/%s", src, fmt_targets[i]);
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
			cr_assert(round_trips(&t, buf, n),
				  "%s: not written back as read", path);
			files++;
		}
		closedir(dp);
	}
	cr_assert_gt(files, 500, "only %zu corpus files", files);
}

Test(mutator, short_inputs_read_back_unchanged)
{
	uint64_t rng = 7;

	for (size_t i = 0; i < fmt_ntargets; i++) {
		struct fm_target t = target(fmt_targets[i]);

		for (size_t n = 0; n < 24; n++) {
			uint8_t d[24];

			for (size_t k = 0; k < n; k++)
				d[k] = (uint8_t)fr_rng_next(&rng);
			cr_assert(round_trips(&t, d, n),
				  "%s: %zu random bytes not written back as "
				  "read",
				  fmt_targets[i], n);
		}
	}
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
	for (size_t i = 0; i < fmt_ntargets; i++) {
		struct fm_target t = target(fmt_targets[i]);
		uint8_t d[200];
		size_t n = 0, max = 128 + i;
		uint64_t rng = i + 1;

		for (int k = 0; k < 400; k++) {
			n = fm_mutate(&t, d, n, max, &rng, NULL);
			cr_assert(n > 0 && n <= max, "%s: size %zu (max %zu)",
				  fmt_targets[i], n, max);
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
