/* Criterion suite for the framecat tool, run as a real process with
 * pipes: round trip of every codec, split invariance of the output,
 * error lines with offsets, recoverable errors, exit codes and --help. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_run.h"
#include "framing/error.h"

/* round trips use the first NSPLITS_RT, error cases all of them */
static const char *const splits[] = {"bytes", "fixed:3", "random:1-7,seed=9",
				     "list:1,2,5,repeat"};
#define NSPLITS (sizeof(splits) / sizeof(splits[0]))
#define NSPLITS_RT 3

/* The stream from encode, decoded under whole reads and every split,
 * must give back exactly the hex lines we put in. */
/* Encode msgs, decode them whole and under every split: returns how many
 * of those decodes did not give msgs back (details in the log). */
static int round_trip(const char *spec, const char *msgs)
{
	int bad = 0;
	struct run_result e = FC(msgs, "encode", spec);
	cr_assert_eq(e.status, 0, "encode %s: %s", spec, e.err);
	cr_assert_eq(e.err_len, 0, "encode %s: %s", spec, e.err);

	for (size_t i = 0; i <= NSPLITS_RT; i++) {
		const char *sp = i < NSPLITS_RT ? splits[i] : "whole";
		struct run_result d =
		    FCN(e.out, e.out_len, "decode", spec, "--split", sp);
		if (d.status != 0 || strcmp(d.out, msgs) != 0) {
			cr_log_error("%s --split %s: status %d, out %.200s, "
				     "err %s",
				     spec, sp, d.status, d.out, d.err);
			bad++;
		}
		run_free(&d);
	}
	run_free(&e);
	return bad;
}

static char bin_msgs[2100];
/* Same without the empty message (slip and tlv refuse it). */
static char bin_nonempty[2048];
/* Printable messages without CR, LF or the bytes of deadbeef. */
static const char txt_msgs[] = "\n68656c6c6f\n2021227e\n78\n\n";

static void make_msgs(void)
{
	char big[401];

	for (int i = 0; i < 200; i++)
		snprintf(big + 2 * i, 3, "%02x", (i * 151 + 7) & 0xff);
	snprintf(bin_nonempty, sizeof(bin_nonempty),
		 "00\nc0dbdcdd00c0\n0000\n68656c6c6f\n%s\n01\n", big);
	snprintf(bin_msgs, sizeof(bin_msgs), "\n%s", bin_nonempty);
}

Test(framecat, round_trip_binary_codecs, .init = make_msgs)
{
	static const char *const specs[] = {
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
	    "len:2be,offset=1,adjust=-3,strip=3",
	    "len:4le,adjust=-4",
	    "len:varint,max=300",
	    "cobs",
	    "netstring",
	};
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		cr_assert_eq(round_trip(specs[i], bin_msgs), 0, "%s", specs[i]);
	cr_assert_eq(round_trip("slip", bin_nonempty), 0, "slip");
	cr_assert_eq(round_trip("tlv", bin_nonempty), 0, "tlv");
}

Test(framecat, round_trip_text_and_fixed_codecs, .init = make_msgs)
{
	static const char *const specs[] = {"line", "crlf", "delim:0d0a",
					    "delim:deadbeef", "line,max=5"};
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		cr_assert_eq(round_trip(specs[i], txt_msgs), 0, "%s", specs[i]);
	cr_assert_eq(
	    round_trip("fixed:4", "00010203\ndeadbeef\n0a0a0a0a\nffffffff\n"),
	    0, "fixed:4");
}

/* raw has no frames: only the concatenation of the bytes survives. */
Test(framecat, raw_keeps_the_bytes)
{
	struct run_result e = FC("6162\n\n630a64\n", "encode", "raw");
	cr_assert_eq(e.status, 0);
	cr_assert_str_eq(e.out, "abc\nd");
	for (size_t i = 0; i < NSPLITS; i++) {
		struct run_result d = FC(e.out, "decode", "raw", "--out", "raw",
					 "--split", splits[i]);
		cr_assert_eq(d.status, 0);
		cr_assert_str_eq(d.out, "abc\nd");
		run_free(&d);
	}
	run_free(&e);
	/* raw hands chunks on as they come, so it shows --split is applied */
	struct run_result c =
	    FC("abcdefg", "decode", "raw", "--split", "fixed:3");
	cr_assert_eq(c.status, 0);
	cr_assert_str_eq(c.out, "616263\n646566\n67\n");
	run_free(&c);
}

Test(framecat, transcode_between_framings, .init = make_msgs)
{
	struct run_result e = FC(bin_nonempty, "encode", "len:4be");
	struct run_result t = FCN(e.out, e.out_len, "transcode", "len:4be",
				  "slip", "--split", "bytes");
	cr_assert_eq(t.status, 0, "%s", t.err);
	struct run_result d = FCN(t.out, t.out_len, "decode", "slip");
	cr_assert_eq(d.status, 0, "%s", d.err);
	cr_assert_str_eq(d.out, bin_nonempty);
	run_free(&e);
	run_free(&t);
	run_free(&d);

	struct run_result n =
	    FC("hi\nthere\n", "transcode", "line", "netstring");
	cr_assert_eq(n.status, 0);
	cr_assert_str_eq(n.out, "2:hi,5:there,");
	run_free(&n);
}

/* Decode in whole and under every split; returns how many runs did not
 * exit 1 with exactly want_out and the error line for (off, code). Output
 * and errors must not depend on the split. */
static int decode_all_splits(const void *in, size_t len, const char *spec,
			     const char *want_out, unsigned long off, int code)
{
	char want_err[256];
	int bad = 0;

	snprintf(want_err, sizeof(want_err),
		 "framecat: error at offset %lu: %s\n", off, fr_strerror(code));
	for (size_t i = 0; i <= NSPLITS; i++) {
		const char *sp = i < NSPLITS ? splits[i] : "whole";
		struct run_result r =
		    FCN(in, len, "decode", spec, "--split", sp);
		if (r.status != 1 || strcmp(r.out, want_out) != 0 ||
		    strcmp(r.err, want_err) != 0) {
			cr_log_error("%s split %s: status %d, out %s, err %s",
				     spec, sp, r.status, r.out, r.err);
			bad++;
		}
		run_free(&r);
	}
	return bad;
}

Test(framecat, truncated_stream_is_an_error)
{
	/* len:4be: "hello" whole, then a frame of 5 cut after 2 bytes */
	static const char wire[] = "\0\0\0\5hello\0\0\0\5wo";
	cr_assert_eq(decode_all_splits(wire, sizeof(wire) - 1, "len:4be",
				       "68656c6c6f\n", 9, FR_ETRUNCATED),
		     0);
	cr_assert_eq(
	    decode_all_splits("ab\ncd", 5, "line", "6162\n", 3, FR_ETRUNCATED),
	    0);
}

Test(framecat, recoverable_oversize_goes_on)
{
	static const char in[] = "ab\nabcdefgh\ncd\n";
	cr_assert_eq(decode_all_splits(in, sizeof(in) - 1, "line,max=4",
				       "6162\n6364\n", 3, FR_EOVERSIZE),
		     0);
	static const char crlf[] = "abcdefg\r\nxy\r\n";
	cr_assert_eq(decode_all_splits(crlf, sizeof(crlf) - 1, "crlf,max=4",
				       "7879\n", 0, FR_EOVERSIZE),
		     0);
}

Test(framecat, fatal_error_stops_after_earlier_frames)
{
	/* second header announces 100 bytes, over max=4: sticky */
	static const char wire[] = "\0\2hi\0\x64zzzz\0\1a";
	cr_assert_eq(decode_all_splits(wire, sizeof(wire) - 1, "len:2be,max=4",
				       "6869\n", 4, FR_EOVERSIZE),
		     0);
}

Test(framecat, bad_usage_exits_2)
{
	struct run_result r = FC("", "decode", "len:9be");
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "framecat: bad spec 'len:9be'") != NULL, "%s",
		  r.err);
	const char *why = strstr(r.err, "': ");
	cr_assert(why != NULL && strstr(why, "9be") != NULL,
		  "message does not name the bad part: %s", r.err);
	run_free(&r);

	static const char *const bad[][3] = {
	    {"decode", "nosuchcodec", NULL}, {"decode", "line", "--bogus"},
	    {"decode", "line", "--split"},   {"frobnicate", "line", NULL},
	    {"decode", NULL, NULL},	     {"encode", "line", "--out"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = FC("", bad[i][0], bad[i][1], bad[i][2]);
		cr_assert_eq(r.status, 2, "case %zu: %s", i, r.err);
		cr_assert(strncmp(r.err, "framecat: ", 10) == 0, "%s", r.err);
		run_free(&r);
	}
	r = FC("", "decode", "line", "--split", "random:9-1");
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "bad split 'random:9-1'") != NULL, "%s", r.err);
	run_free(&r);
	r = FC("", "encode", "line", "--in", "jpeg");
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "jpeg") != NULL, "%s", r.err);
	run_free(&r);
}

Test(framecat, help_names_every_spec_and_policy)
{
	static const char *const names[] = {
	    "fixed:", "line",	 "crlf",    "delim:",	 "len:",
	    "varint", "cobs",	 "slip",    "netstring", "tlv",
	    "raw",    "max=",	 "offset=", "adjust=",	 "strip=",
	    "bytes",  "random:", "list:",   "coalesce:", "--in",
	    "--out",  "--split", "encode",  "decode",	 "transcode",
	};
	struct run_result r = FC("", "--help");
	cr_assert_eq(r.status, 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_assert(strstr(r.out, names[i]) != NULL, "--help lacks %s",
			  names[i]);
	run_free(&r);
}

static void expect_message_error(const struct run_result *r, int no, int code)
{
	char want[256];

	snprintf(want, sizeof(want), "framecat: message %d: %s\n", no,
		 fr_strerror(code));
	cr_assert(strstr(r->err, want) != NULL, "want %s got %s", want, r->err);
	cr_assert_eq(r->status, 1);
}

Test(framecat, encoder_refusals_are_reported)
{
	/* message 2 holds the delimiter; 1 and 3 still get through */
	struct run_result r = FC("6162\n610a62\n6364\n", "encode", "line");
	expect_message_error(&r, 2, FR_EUNENCODABLE);
	cr_assert_str_eq(r.out, "ab\ncd\n");
	run_free(&r);
	r = FC("6162\n6162636465\n", "encode", "line,max=4");
	expect_message_error(&r, 2, FR_EOVERSIZE);
	run_free(&r);
	r = FC("abcdefg\n", "encode", "len:1be,max=4", "--in", "lines");
	expect_message_error(&r, 1, FR_EOVERSIZE);
	run_free(&r);
	r = FC("\n", "encode", "slip");
	expect_message_error(&r, 1, FR_EUNENCODABLE);
	run_free(&r);
	r = FC("61\n6g\n", "encode", "len:1be");
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "message 2: bad hex") != NULL, "%s", r.err);
	cr_assert_eq(r.out_len, 2);
	run_free(&r);
}

Test(framecat, input_and_output_modes)
{
	struct run_result r =
	    FC("hi\nthere\n", "encode", "netstring", "--in", "lines");
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out, "2:hi,5:there,");
	run_free(&r);
	r = FC("a\nb", "encode", "len:1be", "--in", "raw");
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out, "\3a\nb");
	run_free(&r);
	r = FC("2:hi,0:,5:there,", "decode", "netstring", "--out", "lines");
	cr_assert_str_eq(r.out, "hi\n\nthere\n");
	run_free(&r);
	r = FC("2:hi,0:,5:there,", "decode", "netstring", "--out", "raw");
	cr_assert_str_eq(r.out, "hithere");
	run_free(&r);
	r = FC("4142\r\n", "encode", "line");
	cr_assert_eq(r.status, 0, "CRLF hex lines accepted: %s", r.err);
	cr_assert_str_eq(r.out, "AB\n");
	run_free(&r);
}

/* http1:resp: a response without a length runs to EOF, and framecat
 * prints it as the last frame whatever the split. */
Test(framecat, close_delimited_response_is_the_last_frame)
{
	static const char in[] = "HTTP/1.1 204 No Content\r\n\r\n"
				 "HTTP/1.0 200 OK\r\n\r\nto the end";

	for (size_t i = 0; i <= NSPLITS; i++) {
		const char *sp = i < NSPLITS ? splits[i] : "whole";
		struct run_result r = FC(in, "decode", "http1:resp", "--out",
					 "lines", "--split", sp);

		cr_expect_eq(r.status, 0, "split %s: %s", sp, r.err);
		cr_expect_str_eq(r.out,
				 "HTTP/1.1 204 No Content\r\n\r\n\n"
				 "HTTP/1.0 200 OK\r\n\r\nto the end\n",
				 "split %s", sp);
		run_free(&r);
	}
}
