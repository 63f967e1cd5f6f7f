/* Criterion suite for the http1 codec (framing/src/dec_http1.c): requests
 * and responses with every body rule of RFC 9112 section 6.3, the
 * smuggling cases as errors, hmax/max, close-delimited bodies at finish,
 * the encoder, and named past bugs (haproxy#2262, netty#3445). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_text.h"
#include "decode_util.h"
#include "framing/codec.h"

#define GET "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
#define POST "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
#define CHUNKED                                                                \
	"POST /u HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"               \
	"4;ext=1\r\nWiki\r\n5 ; a=\"b c\"\r\npedia\r\nE\r\n in\r\n\r\n"        \
	"chunks.\r\n0\r\nExpires: x\r\n\r\n"
#define OK2 "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"

static const struct ct_vec valid[] = {
    {"http1:req", GET, "27 done"},
    {"http1:req", POST, "53 done"},
    {"http1:req", GET POST GET, "27 53 27 done"},
    {"http1:req", CHUNKED, "119 done"},
    {"http1:req", CHUNKED GET, "119 27 done"},
    {"http1:req", "\r\n\r\n" GET, "31 done"}, /* 9112 2.2 */
    {"http1:req", "GET /a?b=c%20d HTTP/1.0\r\nX: \t v \t\r\n\r\n", "37 done"},
    {"http1:req", "OPTIONS * HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "41 done"},
    {"http1:req",
     "PUT /f HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
     "0\r\n\r\n",
     "58 done"},
    {"http1:req",
     "PUT /f HTTP/1.1\r\ntransfer-encoding: gzip\r\n"
     "TRANSFER-ENCODING: ,chunked;q=1\r\n\r\n0\r\n\r\n",
     "82 done"},
    {"http1:req", "GET / HTTP/1.1\r\nContent-Length: 007\r\n\r\n1234567",
     "46 done"},
    {"http1:resp", OK2 OK2, "40 40 done"},
    {"http1:resp", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", "35 done"},
    {"http1:resp", "HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n" OK2,
     "46 40 done"},
    {"http1:resp",
     "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: "
     "chunked\r\n\r\n" OK2,
     "57 40 done"},
    {"http1:resp", "HTTP/1.1 100 Continue\r\n\r\n" OK2, "25 40 done"},
    {"http1:resp",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
     "3\r\nabc\r\n0\r\n\r\n",
     "60 done"},
    /* no length: the body runs to the end of the stream (rule 8) */
    {"http1:resp", "HTTP/1.0 200 OK\r\n\r\nbody bytes", "29 done"},
    {"http1:resp", OK2 "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz",
     "40 46 done"},
    {"http1:resp", OK2 "HTTP/1.1 200 OK\r\n\r\n", "40 19 done"},
    /* head: every response answers HEAD */
    {"http1:resp,head",
     "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n"
     "HTTP/1.1 200 OK\r\n\r\n",
     "39 19 done"},
    /* limits met exactly */
    {"http1:req,hmax=27", GET GET, "27 27 done"},
    {"http1:req,max=53", POST, "53 done"},
    {"http1:req,hmax=48,max=53", POST, "53 done"},
};

Test(http1, valid_messages_under_every_split)
{
	char *why = CT_EXPECT_VECS(valid);

	cr_assert_null(why, "%s", why);
}

#define E(code) "e@0:" code " fin@0:" code

static const struct ct_vec bad[] = {
    /* Content-Length twice, a list, or not digits (9110 8.6, 9112 6.3) */
    {"http1:req",
     "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1"
     "\r\n\r\nx",
     E("EHTTPLEN")},
    {"http1:req", "POST / HTTP/1.1\r\nContent-Length: 1, 2\r\n\r\nx",
     E("EHTTPLEN")},
    {"http1:req", "POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\nxxxxx",
     E("EHTTPLEN")},
    {"http1:req", "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", E("EHTTPLEN")},
    /* Transfer-Encoding with Content-Length (9112 6.3 rule 3) */
    {"http1:req",
     "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding:"
     " chunked\r\n\r\n0\r\n\r\n",
     E("EHTTPLEN")},
    {"http1:resp",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
     "Content-Length: 3\r\n\r\n",
     E("EHTTPLEN")},
    /* request TE not ending in chunked (rule 4), chunked twice (9112 7) */
    {"http1:req", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
     E("EHTTPLEN")},
    {"http1:req",
     "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
     "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
     E("EHTTPLEN")},
    {"http1:req", "POST / HTTP/1.1\r\nTransfer-Encoding: \r\n\r\n",
     E("EHTTPLEN")},
    {"http1:req",
     "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
     "0\r\n\r\n",
     E("EHTTPLEN")},
    /* bare LF, bare CR (9112 2.2), obs-fold (5.2), space before ':' (5.1) */
    {"http1:req", "GET / HTTP/1.1\nHost: a\r\n\r\n", E("EHTTP")},
    {"http1:req", "GET / HTTP/1.1\r\nHost: a\n\r\n", E("EHTTP")},
    {"http1:req", "GET / HTTP/1.1\r\nHost: a\r\n\n", E("EHTTP")},
    {"http1:req", "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", E("EHTTP")},
    {"http1:req", "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", E("EHTTP")},
    {"http1:req", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", E("EHTTP")},
    {"http1:req", "GET / HTTP/1.1\r\n: a\r\n\r\n", E("EHTTP")},
    {"http1:req", "GET / HTTP/1.1\r\nX: a\001\r\n\r\n", E("EHTTP")},
    /* start lines */
    {"http1:req", "GET / HTTP/2.0\r\n\r\n", E("EHTTP")},
    {"http1:req", "GET /  HTTP/1.1\r\n\r\n", E("EHTTP")},
    {"http1:req", "GET\r\n\r\n", E("EHTTP")},
    {"http1:req", "G(T / HTTP/1.1\r\n\r\n", E("EHTTP")},
    {"http1:resp", "HTTP/1.1 20 OK\r\n\r\n", E("EHTTP")},
    {"http1:resp", "HTTP/1.1 700 OK\r\n\r\n", E("EHTTP")},
    {"http1:resp", "HTTP/1.1 200OK\r\n\r\n", E("EHTTP")},
    {"http1:resp", "\r\nHTTP/1.1 200 OK\r\n\r\n", E("EHTTP")},
    /* chunks */
    {"http1:req",
     "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
     "zz\r\n",
     E("EHTTP")},
    {"http1:req",
     "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
     "4\r\nWikiXX",
     E("EHTTP")},
    {"http1:req",
     "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
     "4 x\r\n",
     E("EHTTP")},
    {"http1:req",
     "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
     "00000000000000001\r\n",
     E("EHTTP")},
    {"http1:req",
     "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
     "0\r\nX : y\r\n\r\n",
     E("EHTTP")},
    /* limits */
    {"http1:req,hmax=26", GET, E("EOVERSIZE")},
    {"http1:req,max=52", POST, E("EOVERSIZE")},
    {"http1:req",
     "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999"
     "\r\n\r\n",
     E("EOVERSIZE")},
    {"http1:req,max=60",
     "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
     "\r\n10\r\n",
     E("EOVERSIZE")},
    {"http1:resp,max=25", "HTTP/1.0 200 OK\r\n\r\nbody bytes", E("EOVERSIZE")},
    /* truncated */
    {"http1:req", GET "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel",
     "27 fin@27:ETRUNCATED"},
    {"http1:req", "GET / HTTP/1.1\r\n", "fin@0:ETRUNCATED"},
    {"http1:req",
     CHUNKED "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	     "\r\n0\r\n",
     "119 fin@119:ETRUNCATED"},
};

Test(http1, bad_messages_fail_at_the_message_start)
{
	char *why = CT_EXPECT_VECS(bad);

	cr_assert_null(why, "%s", why);
}

/* haproxy#2262: chunked bodies fed one byte at a time (and at every
 * split) must frame exactly like the whole message. */
Test(http1, haproxy2262_chunked_split_at_every_byte)
{
	static const char w[] = CHUNKED CHUNKED;
	size_t n = sizeof(w) - 1;
	char *want = ct_want(w, n, "119 119 done");
	struct fr_spec s;
	struct du_events ev;

	du_spec(&s, "http1:req");
	size_t *ones = malloc(n * sizeof(*ones));
	for (size_t i = 0; i < n; i++)
		ones[i] = 1;
	du_decode(&s, w, n, ones, n, DU_GUARD_CHUNKS, &ev);
	char *got = du_events_str(&ev);
	cr_assert_str_eq(got, want);
	cr_assert_eq(ev.chunks, n);
	free(got);
	free(ones);
	du_events_free(&ev);
	char *why = du_expect_all_splits("http1:req", w, n, want);
	cr_assert_null(why, "%s", why);
	free(want);
}

/* netty#3445: header bytes counted twice across buffers gave a false "too
 * long". hmax equal to the header block must pass at every split. */
Test(http1, netty3445_header_bytes_counted_once)
{
	static const char w[] = "GET /x HTTP/1.1\r\nHost: example.org\r\n"
				"Accept: */*\r\nUser-Agent: t\r\n\r\n";
	size_t n = sizeof(w) - 1;
	char spec[64];
	char *want = ct_want(w, n, "66 done");

	cr_assert_eq(n, 66);
	snprintf(spec, sizeof(spec), "http1:req,hmax=%zu", n);
	char *why = du_expect_all_splits(spec, w, n, want);
	cr_assert_null(why, "%s", why);
	free(want);
	snprintf(spec, sizeof(spec), "http1:req,hmax=%zu", n - 1);
	want = ct_want(w, n, E("EOVERSIZE"));
	why = du_expect_all_splits(spec, w, n, want);
	cr_assert_null(why, "%s", why);
	free(want);
}

/* A body delimited by close ends at finish: finish gives the frame once,
 * then FR_DONE, and the frame holds every byte up to EOF. */
Test(http1, close_delimited_response_ends_at_finish)
{
	static const char w[] = OK2 "HTTP/1.1 200 OK\r\n\r\nto the end";
	struct fr_spec s;
	struct fr_decoder d;
	struct fr_frame f;

	du_spec(&s, "http1:resp");
	cr_assert_eq(fr_decoder_init(&d, &s, NULL, 0), FR_OK);
	cr_assert_eq(fr_decoder_feed(&d, w, sizeof(w) - 1), FR_OK);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_FRAME);
	cr_assert_eq(f.len, 40);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_NEED_MORE);
	cr_assert_eq(fr_decoder_finish(&d, &f), FR_FRAME);
	cr_assert_eq(f.offset, 40);
	cr_assert_eq(f.len, sizeof(w) - 1 - 40);
	cr_assert_eq(memcmp(f.data, w + 40, f.len), 0);
	cr_assert_eq(fr_decoder_finish(&d, &f), FR_DONE);
	cr_assert_eq(fr_decoder_finish(&d, &f), FR_DONE);
	fr_decoder_free(&d);
}

Test(http1, spec_arguments)
{
	struct fr_spec s;

	du_spec(&s, "http1:resp,head,hmax=100,max=200");
	cr_assert_eq(s.kind, FR_HTTP1);
	cr_assert(s.response);
	cr_assert(s.head);
	cr_assert_eq(s.hmax, 100);
	du_spec(&s, "http1:req");
	cr_assert_not(s.response);
	cr_assert_eq(s.hmax, 0);
}

Test(http1, encoder_takes_exactly_one_message)
{
	static const char *const ok_req[] = {GET, POST, CHUNKED};
	static const char *const bad_req[] = {
	    "",
	    GET GET,
	    POST "x",
	    "GET / HTTP/1.1\r\n",
	    "GET / HTTP/1.1\nHost: a\r\n\r\n",
	};
	struct fr_spec req, resp, head;
	char out[256];
	size_t olen;

	du_spec(&req, "http1:req");
	du_spec(&resp, "http1:resp");
	du_spec(&head, "http1:resp,head");
	for (size_t i = 0; i < sizeof(ok_req) / sizeof(ok_req[0]); i++) {
		size_t n = strlen(ok_req[i]);

		cr_expect_eq(
		    fr_encode(&req, ok_req[i], n, out, sizeof(out), &olen),
		    FR_OK, "%s", ok_req[i]);
		cr_expect_eq(olen, n);
		cr_expect_eq(memcmp(out, ok_req[i], n), 0);
	}
	for (size_t i = 0; i < sizeof(bad_req) / sizeof(bad_req[0]); i++)
		cr_expect_eq(fr_encode(&req, bad_req[i], strlen(bad_req[i]),
				       out, sizeof(out), &olen),
			     FR_EUNENCODABLE, "%s", bad_req[i]);
	cr_expect_eq(fr_encode(&resp, OK2, 40, out, sizeof(out), &olen), FR_OK);
	/* a body running to EOF would swallow whatever follows it */
	cr_expect_eq(fr_encode(&resp, "HTTP/1.0 200 OK\r\n\r\nab", 21, out,
			       sizeof(out), &olen),
		     FR_EUNENCODABLE);
	/* to HEAD, the body bytes are not part of the message */
	cr_expect_eq(fr_encode(&head, OK2, 40, out, sizeof(out), &olen),
		     FR_EUNENCODABLE);
	cr_expect_eq(fr_encode(&head, OK2, 38, out, sizeof(out), &olen), FR_OK);
}

/* The three protocol codecs in the shared tables: names, max=, --help,
 * error names, and fr_spec_equal on their options. */
Test(protocols, spec_help_errors_equal)
{
	static const char *const help[] = {
	    "resp",   "http1:req", "http1:resp", "ws",
	    "depth=", "hmax=",	   "head",	 "unmask",
	};
	static const char *const pairs[][2] = {
	    {"resp", "resp,depth=3"},
	    {"resp", "ws"},
	    {"http1:req", "http1:resp"},
	    {"http1:resp", "http1:resp,head"},
	    {"http1:req", "http1:req,hmax=9"},
	    {"ws", "ws,unmask"},
	};
	static const int codes[] = {FR_ERESP, FR_EDEPTH, FR_EHTTP, FR_EHTTPLEN,
				    FR_EWS};
	struct fr_spec a, b;

	for (size_t i = 0; i < sizeof(help) / sizeof(help[0]); i++)
		cr_expect_not_null(strstr(fr_spec_help, help[i]), "%s",
				   help[i]);
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		du_spec(&a, pairs[i][0]);
		du_spec(&b, pairs[i][1]);
		cr_expect_not(fr_spec_equal(&a, &b), "%s == %s", pairs[i][0],
			      pairs[i][1]);
		cr_expect(fr_spec_equal(&a, &a));
	}
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		cr_expect_str_eq(fr_errname(codes[i]), du_code_name(codes[i]));
		cr_expect_str_neq(fr_strerror(codes[i]), "unknown error");
		for (size_t j = 0; j < i; j++)
			cr_expect_str_neq(fr_strerror(codes[i]),
					  fr_strerror(codes[j]));
		cr_expect(fr_error_is_fatal(&a, codes[i]));
	}
	du_spec(&a, "resp,max=7");
	cr_expect_eq(a.kind, FR_RESP);
	cr_expect_eq(a.max, 7);
	cr_expect_eq(a.depth, FR_RESP_DEPTH_DEFAULT);
	du_spec(&a, "ws,max=7");
	cr_expect_eq(a.kind, FR_WS);
	cr_expect_str_eq(fr_kind_name(FR_HTTP1), "http1");
	cr_expect_str_eq(fr_kind_name(FR_WS), "ws");
}
