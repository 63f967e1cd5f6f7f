/* Criterion suite for framing/src/sched.c: split schedules parse, format
 * back to themselves, yield the chunk sizes they promise, and bad ones
 * are rejected naming the bad part. Also the shared seeded PRNG. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode_util.h"
#include "framing/error.h"
#include "framing/sched.h"

static void parse_ok(struct fr_sched *s, const char *text)
{
	char err[256] = "";

	cr_assert_eq(fr_sched_parse(s, text, err, sizeof(err)), FR_OK,
		     "schedule \"%s\" does not parse: %s", text, err);
}

/* First n sizes of stream_id under s. */
static void sizes(const struct fr_sched *s, uint64_t stream_id, size_t *out,
		  size_t n)
{
	struct fr_sched_iter it;

	fr_sched_begin(&it, s, stream_id);
	for (size_t i = 0; i < n; i++)
		out[i] = fr_sched_next(&it);
}

/* Every size of a constant schedule, on a few stream ids, is want. */
static void expect_constant(const char *text, enum fr_sched_kind kind,
			    size_t want)
{
	struct fr_sched s;
	size_t z[50];

	parse_ok(&s, text);
	cr_assert_eq(s.kind, kind, "%s", text);
	for (uint64_t id = 0; id < 3; id++) {
		sizes(&s, id, z, 50);
		for (int i = 0; i < 50; i++)
			cr_assert_eq(z[i], want, "%s: chunk %d is %zu", text, i,
				     z[i]);
	}
	fr_sched_free(&s);
}

Test(sched, whole_fixed_bytes)
{
	struct fr_sched s;

	expect_constant("whole", FR_SCHED_WHOLE, FR_CHUNK_REST);
	expect_constant("fixed:7", FR_SCHED_FIXED, 7);
	expect_constant("fixed:1460", FR_SCHED_FIXED, 1460);
	expect_constant("bytes", FR_SCHED_BYTES, 1);
	parse_ok(&s, "fixed:7");
	cr_assert_eq(s.n, 7);
	fr_sched_free(&s);
}

Test(sched, random_in_range_and_reproducible)
{
	struct fr_sched s;
	size_t a[200], b[200], c[200];
	bool seen_min = false, seen_max = false;

	parse_ok(&s, "random:3-9,seed=42");
	cr_assert_eq(s.kind, FR_SCHED_RANDOM);
	cr_assert_eq(s.min, 3);
	cr_assert_eq(s.max, 9);
	cr_assert_eq(s.seed, 42);
	cr_assert(s.seed_set);
	sizes(&s, 5, a, 200);
	sizes(&s, 5, b, 200);
	sizes(&s, 6, c, 200);
	for (int i = 0; i < 200; i++) {
		cr_assert(a[i] >= 3 && a[i] <= 9, "size %zu out of 3-9", a[i]);
		cr_assert(c[i] >= 3 && c[i] <= 9, "size %zu out of 3-9", c[i]);
		seen_min |= a[i] == 3;
		seen_max |= a[i] == 9;
	}
	cr_assert(seen_min && seen_max, "range bounds never drawn");
	cr_assert_eq(memcmp(a, b, sizeof(a)), 0,
		     "same seed and stream gave different sizes");
	cr_assert_neq(memcmp(a, c, sizeof(a)), 0,
		      "different stream ids gave the same sizes");
	fr_sched_free(&s);
}

Test(sched, random_seed_changes_sizes)
{
	struct fr_sched s1, s2;
	size_t a[100], b[100];

	parse_ok(&s1, "random:1-1000,seed=1");
	parse_ok(&s2, "random:1-1000,seed=2");
	sizes(&s1, 0, a, 100);
	sizes(&s2, 0, b, 100);
	cr_assert_neq(memcmp(a, b, sizeof(a)), 0);
	fr_sched_free(&s1);
	fr_sched_free(&s2);
	parse_ok(&s1, "random:4-4,seed=9");
	sizes(&s1, 0, a, 100);
	for (int i = 0; i < 100; i++)
		cr_assert_eq(a[i], 4);
	fr_sched_free(&s1);
	parse_ok(&s1, "random:1-16");
	cr_assert_not(s1.seed_set);
	sizes(&s1, 0, a, 100);
	for (int i = 0; i < 100; i++)
		cr_assert(a[i] >= 1 && a[i] <= 16);
	fr_sched_free(&s1);
}

Test(sched, list_runs_out_to_rest)
{
	struct fr_sched s;
	size_t z[6];

	parse_ok(&s, "list:3,1,4");
	cr_assert_eq(s.kind, FR_SCHED_LIST);
	cr_assert_eq(s.list_len, 3);
	cr_assert_not(s.list_repeat);
	sizes(&s, 0, z, 6);
	cr_assert_eq(z[0], 3);
	cr_assert_eq(z[1], 1);
	cr_assert_eq(z[2], 4);
	cr_assert_eq(z[3], FR_CHUNK_REST);
	cr_assert_eq(z[4], FR_CHUNK_REST);
	fr_sched_free(&s);
}

Test(sched, list_repeat)
{
	struct fr_sched s;
	size_t z[8];

	parse_ok(&s, "list:3,1,4,repeat");
	cr_assert(s.list_repeat);
	cr_assert_eq(s.list_len, 3);
	static const size_t want[] = {3, 1, 4};

	sizes(&s, 0, z, 8);
	for (int i = 0; i < 8; i++)
		cr_assert_eq(z[i], want[i % 3], "z[%d]=%zu", i, z[i]);
	fr_sched_free(&s);
}

Test(sched, file_replays_a_list)
{
	char path[] = "/tmp/fraglab-sched-XXXXXX";
	char text[64], buf[FR_SCHED_STRLEN];
	int fd = mkstemp(path);
	struct fr_sched s, s2;
	size_t z[5];
	static const char body[] = "# recorded\n5, 2\n 9\t# tail\n1\n";

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, body, sizeof(body) - 1),
		     (ssize_t)sizeof(body) - 1);
	close(fd);
	snprintf(text, sizeof(text), "file:%s", path);
	parse_ok(&s, text);
	unlink(path);
	cr_assert_eq(s.kind, FR_SCHED_LIST);
	sizes(&s, 0, z, 5);
	cr_assert_eq(z[0], 5);
	cr_assert_eq(z[1], 2);
	cr_assert_eq(z[2], 9);
	cr_assert_eq(z[3], 1);
	cr_assert_eq(z[4], FR_CHUNK_REST);
	fr_sched_format(&s, buf, sizeof(buf));
	cr_assert_eq(strncmp(buf, "list:", 5), 0, "file: formats as %s", buf);
	parse_ok(&s2, buf);
	cr_assert_eq(s2.list_len, 4);
	cr_assert_eq(memcmp(s2.list, s.list, 4 * sizeof(size_t)), 0);
	fr_sched_free(&s);
	fr_sched_free(&s2);
}

Test(sched, coalesce)
{
	struct fr_sched s;

	parse_ok(&s, "coalesce:1024,ms=5");
	cr_assert_eq(s.kind, FR_SCHED_COALESCE);
	cr_assert_eq(s.n, 1024);
	cr_assert_eq(s.ms, 5);
	fr_sched_free(&s);
	parse_ok(&s, "coalesce:64");
	cr_assert_eq(s.n, 64);
	cr_assert_eq(s.ms, 0);
	{
		size_t z[20];

		sizes(&s, 0, z, 20);
		for (int i = 0; i < 20; i++)
			cr_assert_geq(z[i], 1, "coalesce gave a 0-byte chunk");
	}
	fr_sched_free(&s);
}

Test(sched, format_round_trips)
{
	static const char *const t[] = {
	    "whole",
	    "fixed:1",
	    "fixed:1460",
	    "bytes",
	    "random:1-16",
	    "random:1-16,seed=7",
	    "random:5-5,seed=18446744073709551615",
	    "list:1",
	    "list:3,1,4,1,5,9,2,6",
	    "list:2,7,repeat",
	    "coalesce:4096",
	    "coalesce:4096,ms=10",
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct fr_sched a, b;
		char buf[FR_SCHED_STRLEN], buf2[FR_SCHED_STRLEN];
		int n;

		parse_ok(&a, t[i]);
		n = fr_sched_format(&a, buf, sizeof(buf));
		cr_assert_eq((size_t)n, strlen(buf), "%s", t[i]);
		parse_ok(&b, buf);
		cr_assert(fr_sched_equal(&a, &b), "%s -> %s differs", t[i],
			  buf);
		fr_sched_format(&b, buf2, sizeof(buf2));
		cr_assert_str_eq(buf, buf2);
		fr_sched_free(&a);
		fr_sched_free(&b);
	}
}

Test(sched, copy_is_deep)
{
	struct fr_sched a, b;
	size_t z[3];

	parse_ok(&a, "list:8,6,4");
	cr_assert_eq(fr_sched_copy(&b, &a), FR_OK);
	cr_assert_neq(a.list, b.list, "list not duplicated");
	fr_sched_free(&a);
	sizes(&b, 0, z, 3);
	cr_assert_eq(z[0], 8);
	cr_assert_eq(z[2], 4);
	fr_sched_free(&b);
}

static const struct du_bad bad[] = {
    {"", {"", NULL, NULL}},
    {"bogus", {"bogus", NULL, NULL}},
    {"fixed:0", {"fixed", "0", NULL}},
    {"fixed:", {"fixed", NULL, NULL}},
    {"fixed:x", {"fixed", "x", NULL}},
    {"fixed:99999999999999999999999", {"fixed", "999", NULL}},
    {"bytes:3", {"bytes", NULL, NULL}},
    {"random:5-1", {"5-1", "random", NULL}},
    {"random:0-3", {"0", "random", NULL}},
    {"random:1-", {"random", "1-", NULL}},
    {"random:a-b", {"random", "a-b", NULL}},
    {"random:4", {"random", "4", NULL}},
    {"random:1-16,seed=abc", {"seed", "abc", NULL}},
    {"random:1-16,seed=", {"seed", NULL, NULL}},
    {"random:1-16,foo=1", {"foo", NULL, NULL}},
    {"list:", {"list", NULL, NULL}},
    {"list:1,0", {"0", "list", NULL}},
    {"list:1,x", {"x", "list", NULL}},
    {"file:/nonexistent/fraglab-sched",
     {"/nonexistent/fraglab-sched", NULL, NULL}},
    {"file:", {"file", NULL, NULL}},
    {"coalesce:0", {"coalesce", "0", NULL}},
    {"coalesce:x", {"coalesce", "x", NULL}},
    {"coalesce:64,ms=x", {"ms", "x", NULL}},
    {"coalesce:64,bogus=1", {"bogus", NULL, NULL}},
    {"whole:3", {"whole", NULL, NULL}},
};

Test(sched, bad_schedules_rejected_with_named_part)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fr_sched s;
		char err[256] = "";
		int r = fr_sched_parse(&s, bad[i].text, err, sizeof(err));

		if (!du_expect_rejected(&bad[i], r, FR_ESCHED, err))
			fr_sched_free(&s);
	}
}

Test(sched, help_mentions_every_policy)
{
	static const char *const names[] = {"whole",   "fixed:",   "bytes",
					    "random:", "seed=",	   "list:",
					    "file:",   "coalesce:"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_expect_not_null(strstr(fr_sched_help, names[i]),
				   "fr_sched_help lacks %s", names[i]);
}

/* Reference splitmix64, to pin the "same seed means the same in every
 * tool" promise to the published algorithm. */
static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

Test(rng, is_splitmix64)
{
	uint64_t a = 0, b = 0;

	cr_assert_eq(fr_rng_next(&a), 0xe220a8397b1dcdafULL);
	splitmix64(&b);
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(fr_rng_next(&a), splitmix64(&b));
}

Test(rng, range_and_seed)
{
	uint64_t st = fr_rng_seed(1, 2);
	int hits[5] = {0};

	for (int i = 0; i < 5000; i++) {
		uint64_t v = fr_rng_range(&st, 10, 14);

		cr_assert(v >= 10 && v <= 14, "%llu", (unsigned long long)v);
		hits[v - 10]++;
	}
	for (int i = 0; i < 5; i++)
		cr_assert_gt(hits[i], 700, "value %d drawn %d/5000", i + 10,
			     hits[i]);
	cr_assert_eq(fr_rng_range(&st, 7, 7), 7);
	(void)fr_rng_range(&st, 0, UINT64_MAX);
	cr_assert_neq(fr_rng_seed(1, 2), fr_rng_seed(1, 3));
	cr_assert_neq(fr_rng_seed(1, 2), fr_rng_seed(2, 2));
	cr_assert_eq(fr_rng_seed(9, 9), fr_rng_seed(9, 9));
}

Test(sched, equal_compares_what_the_text_says)
{
	static const char *const pairs[][2] = {
	    {"fixed:7", "fixed:8"},
	    {"random:1-16", "random:1-17"},
	    {"random:1-16,seed=1", "random:1-16,seed=2"},
	    {"random:1-16", "random:1-16,seed=2"},
	    {"list:1,2", "list:1,3"},
	    {"list:1,2", "list:1,2,repeat"},
	    {"coalesce:64", "coalesce:64,ms=5"},
	    {"whole", "bytes"},
	};
	struct fr_sched a, b;

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		parse_ok(&a, pairs[i][0]);
		parse_ok(&b, pairs[i][1]);
		cr_expect_not(fr_sched_equal(&a, &b), "%s == %s", pairs[i][0],
			      pairs[i][1]);
		cr_expect(fr_sched_equal(&a, &a), "%s", pairs[i][0]);
		fr_sched_free(&a);
		fr_sched_free(&b);
	}
	/* fields the kind does not use are ignored */
	parse_ok(&a, "fixed:9");
	parse_ok(&b, "fixed:9");
	b.min = 3;
	b.ms = 4;
	cr_expect(fr_sched_equal(&a, &b));
}
