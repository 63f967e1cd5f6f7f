/* The splitfuzz harness: sfz_check passes a correct decoder (and parse
 * function) under every cut, names each broken invariant in its why, and
 * a target built on it aborts with the chunk list, replays and --shows. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run_util.h"
#include "td_dec.h"
#include "test_servers_util.h" /* TS_ASAN */

/* Messages "", "abc", 20 x 'x', "z": every header and payload shape. */
static const uint8_t good[] = {0,   0,	 0,   3,   'a', 'b', 'c', 0,
			       20,  'x', 'x', 'x', 'x', 'x', 'x', 'x',
			       'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',
			       'x', 'x', 'x', 'x', 'x', 0,   1,	  'z'};

static struct td_conf clean = {0, 100};

static const struct sfz_target dec_target = {
    .name = "td", .dec = &td_decoder, .errname = td_errname};
static const struct sfz_target parse_target = {
    .name = "td_parse", .parse = td_parse, .errname = td_errname};

/* sfz_check under every cut of s into up to three chunks; 0 if all hold. */
static int check_all_cuts(const struct sfz_target *t, void *conf,
			  const uint8_t *s, size_t len, char *why, size_t wl)
{
	for (size_t i = 1; i <= len; i++)
		for (size_t j = i; j <= len; j++) {
			size_t c[3], n = 0;

			c[n++] = i;
			if (j > i)
				c[n++] = j - i;
			if (len > j)
				c[n++] = len - j;
			if (sfz_check(t, conf, s, len, c, n, why, wl) != 0)
				return -1;
		}
	return 0;
}

Test(splitfuzz, correct_decoder_holds_under_every_cut)
{
	static const uint8_t bad[] = {0, 1, 'q', 1, 0, 'r'};
	char why[512] = "";

	cr_assert_eq(check_all_cuts(&dec_target, &clean, good, sizeof(good),
				    why, sizeof(why)),
		     0, "%s", why);
	/* a fatal error, and a truncated message at the end */
	cr_assert_eq(check_all_cuts(&dec_target, &clean, bad, sizeof(bad), why,
				    sizeof(why)),
		     0, "%s", why);
	cr_assert_eq(check_all_cuts(&dec_target, &clean, good, sizeof(good) - 1,
				    why, sizeof(why)),
		     0, "%s", why);
}

Test(splitfuzz, correct_parse_function_holds_under_every_cut)
{
	struct sfz_target t = parse_target;
	char why[512] = "";

	t.ref = &td_decoder; /* the adapter must match the decoder */
	cr_assert_eq(
	    check_all_cuts(&t, &clean, good, sizeof(good), why, sizeof(why)), 0,
	    "%s", why);
	cr_assert_eq(check_all_cuts(&t, &clean, good, sizeof(good) - 2, why,
				    sizeof(why)),
		     0, "%s", why);
}

Test(splitfuzz, bad_chunk_list_is_refused)
{
	size_t c[] = {3, 3};
	char why[128];

	cr_assert_neq(sfz_check(&dec_target, &clean, good, sizeof(good), c, 2,
				why, sizeof(why)),
		      0);
	cr_assert_not_null(strstr(why, "bad chunk list"), "%s", why);
}

Test(splitfuzz, message_that_differs_under_cuts)
{
	struct td_conf bug = {TD_BUG_SPLIT_HDR, 100};
	size_t c[] = {3, sizeof(good) - 3};
	char why[512];

	/* whole: fine; cut after "00 00 00": the next header is split */
	cr_assert_neq(sfz_check(&dec_target, &bug, good, sizeof(good), c, 2,
				why, sizeof(why)),
		      0);
	cr_assert_not_null(strstr(why, "(whole vs schedule)"), "%s", why);
	cr_assert_not_null(strstr(why, "differ"), "%s", why);
}

Test(splitfuzz, error_offset_wrong_only_when_split)
{
	static const uint8_t s[] = {0, 1, 'x', 1, 0};
	struct td_conf bug = {TD_BUG_ERR_OFF, 100};
	size_t whole[] = {sizeof(s)}, cut[] = {3, 2};
	char why[512];

	cr_assert_eq(sfz_check(&dec_target, &bug, s, sizeof(s), whole, 1, why,
			       sizeof(why)),
		     1, "a whole-stream chunk list still has the bytes pass");
	cr_assert_not_null(strstr(why, "error offsets differ"), "%s", why);
	cr_assert_not_null(strstr(why, "ETOOLONG@3"), "%s", why);
	cr_assert_neq(sfz_check(&dec_target, &bug, s, sizeof(s), cut, 2, why,
				sizeof(why)),
		      0);
	cr_assert_not_null(strstr(why, "error offsets differ (whole vs "
				       "schedule)"),
			   "%s", why);
}

Test(splitfuzz, refused_chunk)
{
	struct td_conf bug = {TD_BUG_REFUSE, 100};
	size_t c[] = {1, sizeof(good) - 1};
	char why[512];

	cr_assert_neq(sfz_check(&dec_target, &bug, good, sizeof(good), c, 2,
				why, sizeof(why)),
		      0);
	cr_assert_not_null(strstr(why, "feed refused a chunk (schedule"), "%s",
			   why);
}

/* A reference with its own conf: parse over clean, decoder over bugs. */
static struct td_conf *ref_conf;
static void *ref_create(void *conf)
{
	(void)conf;
	return td_decoder.create(ref_conf);
}

Test(splitfuzz, disagreement_with_a_correct_reference)
{
	struct td_conf bug = {TD_BUG_DROP_EMPTY, 100};
	struct sfz_decoder ref = td_decoder;
	struct sfz_target t = dec_target;
	size_t c[] = {sizeof(good)};
	char why[512];

	ref_conf = &clean;
	ref.create = ref_create;
	t.ref = &ref;
	cr_assert_eq(
	    sfz_check(&t, &bug, good, sizeof(good), c, 1, why, sizeof(why)), 1);
	cr_assert_not_null(strstr(why, "differs from the reference"), "%s",
			   why);
	cr_assert_not_null(strstr(why, "whole vs reference"), "%s", why);
}

/* Many messages of every size under uneven chunks: the adapter's held
 * bytes are consumed from an offset, compacted and grown many times, and
 * must still give what the decoder gives (with a window under parse_max
 * too: parse then sees a copy of at most parse_max + 1 bytes). */
Test(splitfuzz, parse_adapter_compacts_and_grows_under_many_messages)
{
	static uint8_t s[300 * 257];
	static size_t c[sizeof(s)];
	struct td_conf conf = {0, 255};
	struct sfz_target t = parse_target;
	size_t len = 0, n = 0, left;
	uint32_t x = 12345;
	char why[512] = "";

	for (int m = 0; m < 300; m++) {
		size_t k = (x = x * 1103515245 + 12345) >> 16 & 0xff;

		s[len++] = 0;
		s[len++] = (uint8_t)k;
		for (size_t i = 0; i < k; i++)
			s[len++] = (uint8_t)(m + i);
	}
	for (left = len; left > 0; left -= c[n++]) {
		x = x * 1103515245 + 12345;
		c[n] = (x >> 16) % 600 + 1;
		if (c[n] > left)
			c[n] = left;
	}
	t.ref = &td_decoder;
	cr_assert_eq(sfz_check(&t, &conf, s, len, c, n, why, sizeof(why)), 0,
		     "%s", why);
	t.parse_max = 300; /* less than some chunks hold: a window */
	cr_assert_eq(sfz_check(&t, &conf, s, len, c, n, why, sizeof(why)), 0,
		     "%s", why);
}

Test(splitfuzz, parse_over_limit_is_eoverflow_at_the_message)
{
	struct sfz_decoder ref = td_decoder;
	struct sfz_target t = parse_target;
	size_t c[] = {5, 7, sizeof(good) - 12};
	char why[512];

	t.parse_max = 8; /* "abc" fits, 20 x 'x' does not */
	cr_assert_eq(
	    check_all_cuts(&t, &clean, good, sizeof(good), why, sizeof(why)), 0,
	    "%s", why);
	ref_conf = &clean;
	ref.create = ref_create;
	t.ref = &ref;
	cr_assert_eq(
	    sfz_check(&t, &clean, good, sizeof(good), c, 3, why, sizeof(why)),
	    1);
	cr_assert_not_null(strstr(why, "differs from the reference"), "%s",
			   why);
	cr_assert_not_null(strstr(why, "error EOVERFLOW@7 fatal"), "%s", why);
}

Test(splitfuzz, parse_claiming_more_than_given)
{
	struct td_conf bug = {TD_BUG_PARSE_OVER, 100};
	size_t c[] = {sizeof(good)};
	char why[512];

	cr_assert_eq(sfz_check(&parse_target, &bug, good, sizeof(good), c, 1,
			       why, sizeof(why)),
		     1);
	cr_assert_not_null(strstr(why, "parse returned more bytes than it "
				       "was given"),
			   "%s", why);
}

/* The choice reader: widths, the byte order (the last byte is the most
 * significant) and what is left; sfz_choose reads the same. */
Test(splitfuzz, choice_take_reads_from_the_end)
{
	static const uint8_t in[] = {'s',  0x12, 0x34, 0x01,
				     0x02, 0x03, 0x04, 7};
	size_t size = sizeof(in);

	cr_assert_eq(sfz_choice_width(5, 5), 0);
	cr_assert_eq(sfz_choice_width(9, 5), 0);
	cr_assert_eq(sfz_choice_width(1, 256), 1);
	cr_assert_eq(sfz_choice_width(0, 256), 2);
	cr_assert_eq(sfz_choice_width(0, 0x10000), 4);
	cr_assert_eq(sfz_choice_take(in, &size, 3, 3), 3);
	cr_assert_eq(size, sizeof(in));
	cr_assert_eq(sfz_choice_take(in, &size, 10, 12), 10 + 7 % 3);
	cr_assert_eq(sfz_choice_take(in, &size, 0, UINT32_MAX), 0x04030201);
	cr_assert_eq(sfz_choice_take(in, &size, 100, 100 + 0xffff),
		     100 + 0x3412);
	cr_assert_eq(size, 1); /* the stream: "s" */
	cr_assert_eq(sfz_choice_take(in, &size, 0, 0xffff), 's');
	cr_assert_eq(sfz_choice_take(in, &size, 4, 9), 4, "input ran out");
}

/* The public chunk placement (what fuzz/ uses too): a copy, handed back
 * freed under ASan or overwritten with 0xa5 in the shared buffer. */
Test(splitfuzz, chunk_dup_copies_and_free_hands_back)
{
	static const uint8_t s[] = {'a', 'b', 'c', 'd', 'e', 'f'};
	const char *e = getenv("SFZ_EXACT_CHUNKS");
	uint8_t *c = sfz_chunk_dup(s, sizeof(s));

	cr_assert_neq(c, s);
	cr_assert_eq(memcmp(c, s, sizeof(s)), 0);
	sfz_chunk_free(c, sizeof(s));
#if !TS_ASAN
	if (e == NULL || e[0] != '1') /* the shared buffer: still readable */
		for (size_t i = 0; i < sizeof(s); i++)
			cr_assert_eq(c[i], 0xa5, "byte %zu: %#x", i, c[i]);
#endif
	(void)e;
	c = sfz_chunk_dup(NULL, 0);
	cr_assert_not_null(c);
	sfz_chunk_free(c, 0);
}

/* ---- sfz_buggy: findings, the replay driver and --show ---- */

/* input = front, then the choices read from the end: max=100, fixed:1 */
static char *write_input(char *dir, const uint8_t *front, size_t len)
{
	static char path[600];
	static const uint8_t trailer[] = {0x00, 0x01, 99};
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/input", dir);
	f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(front, 1, len, f), len);
	cr_assert_eq(fwrite(trailer, 1, sizeof(trailer), f), sizeof(trailer));
	cr_assert_eq(fclose(f), 0);
	return path;
}

static void run_buggy(const char *mode, const char *arg1, const char *arg2,
		      struct run_result *r)
{
	char bin[512];
	char *argv[] = {bin, (char *)arg1, (char *)arg2, NULL};

	snprintf(bin, sizeof(bin), "%s", run_tool_path("sfz_buggy"));
	cr_assert_eq(setenv("SFZ_BUGGY", mode, 1), 0);
	cr_assert_eq(run_prog(argv, NULL, 0, r), 0);
}

Test(splitfuzz_target, split_bug_aborts_with_the_chunk_list)
{
	static const uint8_t s[] = {0, 3, 'a', 'b', 'c'};
	char dir[] = "/tmp/fraglab-sfz-XXXXXX";
	char *path = write_input(dir, s, sizeof(s));
	struct run_result r;

	run_buggy("clean", path, NULL, &r);
	cr_expect_eq(r.status, 0, "clean run failed: %s", r.err);
	cr_expect_not_null(strstr(r.out, "replayed 1 inputs"), "%s", r.out);
	run_free(&r);
	run_buggy("split", path, NULL, &r);
	cr_expect_eq(r.status, 128 + 6, "no abort: %s", r.err);
	cr_expect_not_null(strstr(r.err, "splitfuzz: sfz_buggy: "), "%s",
			   r.err);
	cr_expect_not_null(strstr(r.err, "(whole vs schedule)"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "stream: 5 bytes: 0003616263\n"), "%s",
			   r.err);
	cr_expect_not_null(strstr(r.err, "chunks: 1,1,1,1,1\n"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "conf: max=100 bugs=1"), "%s", r.err);
	run_free(&r);
	unlink(path);
	rmdir(dir);
}

/* A chunk is gone once next() says SFZ_MORE: under ASan it is freed (a
 * use after free), else overwritten, so the bytes read through an old
 * pointer differ from the whole-stream run's. Either way a finding. */
Test(splitfuzz_target, pointer_kept_into_an_old_chunk_is_caught)
{
	static const uint8_t s[] = {1, 0, 'a'}; /* 256 > max: ETOOLONG */
	char dir[] = "/tmp/fraglab-sfz-XXXXXX";
	char *path = write_input(dir, s, sizeof(s));
	struct run_result r;

	run_buggy("keep", path, NULL, &r);
	cr_expect_neq(r.status, 0, "not caught: %s", r.err);
	cr_expect(strstr(r.err, "heap-use-after-free") != NULL ||
		      strstr(r.err, "(whole vs schedule)") != NULL,
		  "neither ASan nor the comparison saw it: %s", r.err);
	run_free(&r);
	unlink(path);
	rmdir(dir);
}

/* Under ASan every chunk is its own exact-size allocation, and what the
 * parse adapter hands parse ends where its len does: a read one past
 * either is a crash. Without ASan nothing sees such a read: skipped. */
Test(splitfuzz_target, read_one_past_a_chunk_is_caught_under_asan)
{
#if !TS_ASAN
	cr_skip_test("not an ASan build");
#else
	static const uint8_t s[] = {0, 3, 'a', 'b', 'c'};
	char dir[] = "/tmp/fraglab-sfz-XXXXXX";
	char *path = write_input(dir, s, sizeof(s));
	struct run_result r;

	run_buggy("past", path, NULL, &r);
	cr_expect_neq(r.status, 0, "decoder: not caught: %s", r.err);
	cr_expect_not_null(strstr(r.err, "heap-buffer-overflow"), "%s", r.err);
	run_free(&r);
	run_buggy("parse_past", path, NULL, &r);
	cr_expect_neq(r.status, 0, "parse: not caught: %s", r.err);
	cr_expect(strstr(r.err, "heap-buffer-overflow") != NULL ||
		      strstr(r.err, "use-after-poison") != NULL,
		  "%s", r.err);
	run_free(&r);
	run_buggy("parse", path, NULL, &r); /* the same parse, correct */
	cr_expect_eq(r.status, 0, "%s", r.err);
	run_free(&r);
	unlink(path);
	rmdir(dir);
#endif
}

Test(splitfuzz_target, round_trip_losing_a_message_aborts)
{
	static const uint8_t list[] = {0, 1, 'a'}; /* "", "a" */
	char dir[] = "/tmp/fraglab-sfz-XXXXXX";
	char *path = write_input(dir, list, sizeof(list));
	struct run_result r;

	run_buggy("roundtrip", path, NULL, &r);
	cr_expect_eq(r.status, 128 + 6, "no abort: %s", r.err);
	cr_expect_not_null(strstr(r.err, "round trip changed the messages "
					 "at message 0"),
			   "%s", r.err);
	/* the encoded wire 0000 000161, cut byte by byte */
	cr_expect_not_null(strstr(r.err, "stream: 5 bytes: 0000000161\n"), "%s",
			   r.err);
	cr_expect_not_null(strstr(r.err, "chunks: 1,1,1,1,1\n"), "%s", r.err);
	run_free(&r);
	run_buggy("clean", path, NULL, &r);
	cr_expect_eq(r.status, 0, "%s", r.err);
	run_free(&r);
	unlink(path);
	rmdir(dir);
}

Test(splitfuzz_target, show_prints_choices_schedule_and_chunks)
{
	static const uint8_t s[] = {0, 3, 'a', 'b', 'c'};
	char dir[] = "/tmp/fraglab-sfz-XXXXXX";
	char *path = write_input(dir, s, sizeof(s));
	struct run_result r;

	run_buggy("split", "--show", path, &r);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_not_null(strstr(r.out, "choices:  [1..255]=100\n"), "%s",
			   r.out);
	cr_expect_not_null(strstr(r.out, "schedule: fixed:1\n"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "stream:   5 bytes\n"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "chunks:   1,1,1,1,1\n"), "%s", r.out);
	run_free(&r);
	run_buggy("clean", "--show", NULL, &r);
	cr_expect_eq(r.status, 2, "--show without FILE: %s", r.err);
	run_free(&r);
	unlink(path);
	rmdir(dir);
}

/* ---- sfz_buggy_afl: the AFL++ driver as installed (a plain compiler) ---- */

/* The bytes of file path hold s. */
static bool file_holds(const char *path, const char *s)
{
	FILE *f = fopen(path, "rb");
	static char buf[1 << 22];
	size_t n;
	bool found = false;

	cr_assert_not_null(f, "%s", path);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	for (size_t i = 0; !found && i + strlen(s) <= n; i++)
		found = memcmp(buf + i, s, strlen(s)) == 0;
	return found;
}

/* afl-fuzz takes a program as persistent with a deferred fork server by
 * these strings in its file; AFL++'s runtime is then reached through
 * weak symbols. Without that runtime the driver runs once on stdin. */
Test(splitfuzz_target, afl_driver_is_persistent_and_runs_stdin_without_afl)
{
	static const uint8_t in[] = {0, 3, 'a', 'b', 'c', 0x00, 0x01, 99};
	char bin[512];
	char *argv[] = {bin, NULL};
	struct run_result r;

	snprintf(bin, sizeof(bin), "%s", run_tool_path("sfz_buggy_afl"));
	cr_expect(file_holds(bin, "##SIG_AFL_PERSISTENT##"));
	cr_expect(file_holds(bin, "##SIG_AFL_DEFER_FORKSRV##"));
	cr_assert_eq(setenv("SFZ_BUGGY", "clean", 1), 0);
	cr_assert_eq(run_prog(argv, in, sizeof(in), &r), 0);
	cr_expect_eq(r.status, 0, "clean: %s", r.err);
	run_free(&r);
	cr_assert_eq(setenv("SFZ_BUGGY", "split", 1), 0);
	cr_assert_eq(run_prog(argv, in, sizeof(in), &r), 0);
	cr_expect_eq(r.status, 128 + 6, "no abort: %s", r.err);
	cr_expect_not_null(strstr(r.err, "chunks: 1,1,1,1,1\n"), "%s", r.err);
	run_free(&r);
}

/* The driver's file mode hands each file over whole: a finding whose
 * trigger and choices sit past the first MiB must still be found (the
 * driver once read at most 1 MiB and dropped the rest unsaid). The front
 * is empty len:2be messages, which the header-split bug decodes right;
 * the last 3 bytes are the choices. */
Test(splitfuzz_target, afl_driver_reads_files_past_one_mib)
{
	static const uint8_t tail[] = {0, 3, 'a', 'b', 'c', 0x00, 0x01, 99};
	char bin[512], path[] = "/tmp/fraglab-sfz-big-XXXXXX";
	char *argv[] = {bin, path, NULL};
	size_t zeros = ((size_t)1 << 20) + 64;
	struct run_result r;
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;

	cr_assert_not_null(f, "%s", path);
	for (size_t i = 0; i < zeros; i++)
		fputc(0, f);
	fwrite(tail, 1, sizeof(tail), f);
	cr_assert_eq(fclose(f), 0);
	snprintf(bin, sizeof(bin), "%s", run_tool_path("sfz_buggy_afl"));
	cr_assert_eq(setenv("SFZ_BUGGY", "split", 1), 0);
	cr_assert_eq(run_prog(argv, NULL, 0, &r), 0);
	unlink(path);
	cr_expect_eq(r.status, 128 + 6, "no abort: status %d", r.status);
	/* the finding is the tail's message, in the whole stream */
	cr_expect_not_null(strstr(r.err, "message 3 bytes 616263 /"),
			   "the tail was not read: %.300s", r.err);
	cr_expect_not_null(strstr(r.err, "stream: 1048645 bytes"), "%.300s",
			   r.err);
	run_free(&r);
}
