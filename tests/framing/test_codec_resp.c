/* Criterion suite for the resp codec (framing/src/dec_resp.c): RESP2 and
 * RESP3 vectors from the Redis protocol spec under every split, strict
 * lengths, depth and max, the encoder, and named past bugs of other
 * readers (hiredis#85, redis#673). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "codec_text.h"
#include "decode_util.h"
#include "framing/codec.h"

#define CMD_GET "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"
#define ATTR                                                                   \
	"|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n"     \
	",0.0012\r\n"

static const struct ct_vec valid[] = {
    {"resp", "+OK\r\n", "5 done"},
    {"resp", "-ERR unknown command 'foo'\r\n", "28 done"},
    {"resp", ":1000\r\n:-42\r\n:+7\r\n:0\r\n", "7 6 5 4 done"},
    {"resp", ":-9223372036854775808\r\n:9223372036854775807\r\n", "23 22 done"},
    {"resp", "$5\r\nhello\r\n$0\r\n\r\n$-1\r\n", "11 6 5 done"},
    {"resp", "$4\r\na\r\nb\r\n", "10 done"}, /* CRLF inside a bulk */
    {"resp", CMD_GET CMD_GET, "22 22 done"},
    {"resp", "*-1\r\n*0\r\n", "5 4 done"},
    {"resp", "*2\r\n*1\r\n:1\r\n*2\r\n+a\r\n+b\r\n", "24 done"},
    {"resp", "*3\r\n$3\r\nSET\r\n$-1\r\n*0\r\n+OK\r\n", "22 5 done"},
    /* RESP3 */
    {"resp", "_\r\n#t\r\n#f\r\n", "3 4 4 done"},
    {"resp", ",3.14\r\n,inf\r\n,-inf\r\n,nan\r\n,1e10\r\n,-1.5E-3\r\n",
     "7 6 7 6 7 10 done"},
    {"resp", "(3492890328409238509324850943850943825024385\r\n", "46 done"},
    {"resp", "!21\r\nSYNTAX invalid syntax\r\n", "28 done"},
    {"resp", "=15\r\ntxt:Some string\r\n", "22 done"},
    {"resp", "%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n", "29 done"},
    {"resp", "~3\r\n+a\r\n+b\r\n+c\r\n", "16 done"},
    {"resp", ">3\r\n+message\r\n+chan\r\n+hi\r\n", "26 done"},
    {"resp", "%0\r\n~0\r\n>0\r\n", "4 4 4 done"},
    /* an attribute annotates the value after it: one frame with it */
    {"resp", ATTR "*2\r\n:2039123\r\n:9543892\r\n+OK\r\n", "81 5 done"},
    {"resp", "*2\r\n" ATTR ":1\r\n:2\r\n", "69 done"},
    {"resp", "|0\r\n+x\r\n", "8 done"},
    /* inline commands (redis-server: LF or CRLF ends them) */
    {"resp", "PING\r\nSET a b\nGET a\r\n", "6 8 7 done"},
    {"resp", "\r\n\n", "2 1 done"},
    {"resp", "PING\r\n" CMD_GET "+OK\r\n", "6 22 5 done"},
    /* depth and max exactly at the limit */
    {"resp,depth=2", "*1\r\n*1\r\n:1\r\n", "12 done"},
    {"resp,depth=0", ":1\r\n*0\r\n*-1\r\n", "4 4 5 done"},
    {"resp,max=17", "$10\r\n0123456789\r\n", "17 done"},
    {"resp,max=5", "+OK\r\n+OK\r\n", "5 5 done"},
};

Test(resp, valid_values_under_every_split)
{
	char *why = CT_EXPECT_VECS(valid);

	cr_assert_null(why, "%s", why);
}

static const struct ct_vec bad[] = {
    {"resp", "*1\r\n?x\r\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", "*1\r\nPING\r\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", "+OK\r\n$-2\r\n", "5 e@5:ERESP fin@5:ERESP"},
    {"resp", "$+3\r\nabc\r\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", "$03\r\nabc\r\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", "$\r\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", "$3\r\nabcX\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", "$3\r\nabc\n\r", "e@0:ERESP fin@0:ERESP"},
    {"resp", "$99999999999999999999\r\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", "*12345678901234567890123456789012345", "e@0:ERESP fin@0:ERESP"},
    {"resp", "$?\r\n;4\r\nHell\r\n;0\r\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", ":12a\r\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", ":-\r\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", ":99999999999999999999\r\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", ":9223372036854775808\r\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", "+OK\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", "+O\rK\r\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", "#x\r\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", "_x\r\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", ",\r\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", ",1e\r\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", "(\r\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", "(12x\r\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", "=3\r\nabc\r\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", "=5\r\ntxtxy\r\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", "!-1\r\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", "%-1\r\n", "e@0:ERESP fin@0:ERESP"},
    {"resp", "*1\r\n:1\r\n*-2\r\n", "8 e@8:ERESP fin@8:ERESP"},
    /* limits */
    {"resp,depth=1", "*1\r\n*1\r\n:1\r\n", "e@0:EDEPTH fin@0:EDEPTH"},
    {"resp,depth=0", "%1\r\n", "e@0:EDEPTH fin@0:EDEPTH"},
    {"resp,max=16", "$10\r\n0123456789\r\n", "e@0:EOVERSIZE fin@0:EOVERSIZE"},
    {"resp,max=100", "*1000\r\n", "e@0:EOVERSIZE fin@0:EOVERSIZE"},
    {"resp,max=8", "+abcdefgh\r\n", "e@0:EOVERSIZE fin@0:EOVERSIZE"},
    {"resp,max=8", "PING PONG\r\n", "e@0:EOVERSIZE fin@0:EOVERSIZE"},
    {"resp", "$1099511627777\r\n", "e@0:EOVERSIZE fin@0:EOVERSIZE"},
    /* truncated */
    {"resp", ":", "fin@0:ETRUNCATED"},
    {"resp", "+OK\r\n*2\r\n:1\r\n", "5 fin@5:ETRUNCATED"},
    {"resp", "$5\r\nhel", "fin@0:ETRUNCATED"},
    {"resp", "$5\r\nhello\r", "fin@0:ETRUNCATED"},
    {"resp", "PING", "fin@0:ETRUNCATED"},
    {"resp", "|1\r\n+a\r\n+b\r\n", "fin@0:ETRUNCATED"},
};

Test(resp, bad_values_fail_at_the_frame_start)
{
	char *why = CT_EXPECT_VECS(bad);

	cr_assert_null(why, "%s", why);
}

/* hiredis#85: fed only ':' a reader consumed the type byte and then
 * misread the rest. Here the ':' stays part of the frame. */
Test(resp, hiredis85_lone_type_byte_is_kept)
{
	struct fr_spec s;
	struct fr_decoder d;
	struct fr_frame f;

	du_spec(&s, "resp");
	cr_assert_eq(fr_decoder_init(&d, &s, NULL, 0), FR_OK);
	cr_assert_eq(fr_decoder_feed(&d, ":", 1), FR_OK);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_NEED_MORE);
	cr_assert_eq(fr_decoder_feed(&d, "12\r\n", 4), FR_OK);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_FRAME);
	cr_assert_eq(f.offset, 0);
	cr_assert_eq(f.len, 5);
	cr_assert_eq(memcmp(f.data, ":12\r\n", 5), 0);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_NEED_MORE);
	cr_assert_eq(fr_decoder_finish(&d, &f), FR_DONE);
	fr_decoder_free(&d);
}

/* redis#673: a buffer ending just before '$' gave a false "too big bulk
 * count". With max equal to the frame, any double count would show. */
Test(resp, redis673_cut_before_dollar_is_not_oversize)
{
	static const char w[] = "*2\r\n$3\r\nfoo\r\n$3\r\nbar\r\n";
	size_t n = sizeof(w) - 1;
	char *want = ct_want(w, n, "22 done");
	struct fr_spec s;

	du_spec(&s, "resp,max=22");
	for (size_t cut = 1; cut < n; cut++) {
		size_t sizes[] = {cut, FR_CHUNK_REST};
		struct du_events ev;

		du_decode(&s, w, n, sizes, 2, 0, &ev);
		char *got = du_events_str(&ev);
		cr_expect_str_eq(got, want, "cut at %zu", cut);
		free(got);
		du_events_free(&ev);
	}
	/* and exactly before each '$' with the rest in 1-byte chunks */
	char *why = du_expect_all_splits("resp,max=22", w, n, want);
	cr_assert_null(why, "%s", why);
	free(want);
}

Test(resp, frames_are_zero_copy_when_whole_in_a_chunk)
{
	struct fr_spec s;
	struct du_events ev;
	static const char w[] = CMD_GET "+OK\r\n";

	du_spec(&s, "resp");
	du_decode(&s, w, sizeof(w) - 1, NULL, 0, 0, &ev);
	cr_assert_eq(ev.n, 3);
	cr_expect(ev.ev[0].zero_copy);
	cr_expect(ev.ev[1].zero_copy);
	du_events_free(&ev);
}

Test(resp, deep_nesting_stops_at_depth_without_recursion)
{
	struct du_buf b = {0};
	struct fr_spec s;
	struct du_events ev;

	for (int i = 0; i < 1000; i++)
		du_buf_put(&b, "*1\r\n", 4);
	du_buf_put(&b, ":1\r\n", 4);
	du_spec(&s, "resp,depth=32");
	du_decode(&s, b.p, b.len, NULL, 0, 0, &ev);
	char *got = du_events_str(&ev);
	cr_assert_str_eq(got, "e@0:EDEPTH fin@0:EDEPTH");
	free(got);
	du_events_free(&ev);
	/* 32 levels are fine */
	du_buf_free(&b);
	for (int i = 0; i < 32; i++)
		du_buf_put(&b, "*1\r\n", 4);
	du_buf_put(&b, ":1\r\n", 4);
	du_decode(&s, b.p, b.len, NULL, 0, DU_CALLER_BUF, &ev);
	cr_assert_eq(ev.n, 2);
	cr_assert_eq(ev.ev[0].code, FR_FRAME);
	cr_assert_eq(ev.ev[0].len, b.len);
	du_events_free(&ev);
	du_buf_free(&b);
}

static int enc(const char *spec, const char *msg, size_t n, char *out,
	       size_t cap, size_t *olen)
{
	struct fr_spec s;

	du_spec(&s, spec);
	return fr_encode(&s, msg, n, out, cap, olen);
}

Test(resp, encoder_takes_exactly_one_value)
{
	static const char *const ok[] = {
	    "+OK\r\n", CMD_GET,	      "PING\r\n",
	    "$-1\r\n", ATTR ":1\r\n", "%1\r\n+a\r\n~1\r\n_\r\n",
	};
	static const char *const refused[] = {
	    "",
	    "+OK",
	    "+OK\r\n+OK\r\n",
	    "$3\r\nab\r\n",
	    "*2\r\n:1\r\n",
	    "PING",
	    "+OK\r\nx",
	    "$3\r\nabc\r\n\r\n",
	    "*1\r\n?\r\n",
	};
	char out[256];
	size_t olen;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		size_t n = strlen(ok[i]);

		cr_expect_eq(enc("resp", ok[i], n, out, sizeof(out), &olen),
			     FR_OK, "%s", ok[i]);
		cr_expect_eq(olen, n);
		cr_expect_eq(memcmp(out, ok[i], n), 0);
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		olen = 99;
		cr_expect_eq(enc("resp", refused[i], strlen(refused[i]), out,
				 sizeof(out), &olen),
			     FR_EUNENCODABLE, "%s", refused[i]);
		cr_expect_eq(olen, 99, "%s: out_len written", refused[i]);
	}
	cr_expect_eq(enc("resp,max=4", "+OK\r\n", 5, out, 5, &olen),
		     FR_EOVERSIZE);
	cr_expect_eq(enc("resp", "+OK\r\n", 5, out, 4, &olen), FR_ENOSPC);
	cr_expect_eq(enc("resp,depth=1", "*1\r\n*0\r\n", 8, out, 8, &olen),
		     FR_OK);
	cr_expect_eq(
	    enc("resp,depth=1", "*1\r\n*1\r\n:1\r\n", 12, out, 12, &olen),
	    FR_EUNENCODABLE);
}
