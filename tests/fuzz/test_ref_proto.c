/* Criterion suite: the reference decoders of the protocol codecs (resp,
 * http1:req/resp, ws; fuzz/ref) against the fast ones on structured
 * random streams: real messages, mutated, cut short and run together. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_util.h"
#include "framing/codec.h"
#include "framing/sched.h"
#include "ref.h"
#include "ref_vs_fast.h"

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	return (uint32_t)(fr_rng_next(&rng_state) % n);
}

#define S(x)                                                                   \
	{                                                                      \
		x, sizeof(x) - 1                                               \
	}

struct piece {
	const char *p;
	size_t n;
};

static const struct piece resp_pieces[] = {
    S("+OK\r\n"),
    S("-ERR no\r\n"),
    S(":12\r\n"),
    S(":-0\r\n"),
    S("$3\r\nabc\r\n"),
    S("$0\r\n\r\n"),
    S("$-1\r\n"),
    S("*2\r\n:1\r\n$1\r\na\r\n"),
    S("*-1\r\n"),
    S("*0\r\n"),
    S("%1\r\n+a\r\n:1\r\n"),
    S("|1\r\n+a\r\n+b\r\n:7\r\n"),
    S("*1\r\n|0\r\n+x\r\n"),
    S("_\r\n"),
    S("#t\r\n"),
    S(",1.5e3\r\n"),
    S(",-inf\r\n"),
    S("(123\r\n"),
    S("=5\r\ntxt:x\r\n"),
    S("!2\r\nno\r\n"),
    S("PING\r\n"),
    S("GET a\n"),
    S("\r\n"),
    S(">1\r\n+x\r\n"),
    S("~2\r\n#f\r\n_\r\n"),
    S("*1\r\n*1\r\n*1\r\n:1\r\n"),
    S("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nvv\r\n"),
};

static const struct piece req_pieces[] = {
    S("GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
    S("POST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"),
    S("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\n"),
    S("PUT / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
      "1\r\nz\r\n0\r\n\r\n"),
    S("GET /a?b HTTP/1.0\r\nA:\tb \r\n\r\n"),
    S("\r\n"),
    S("HEAD * HTTP/1.1\r\n\r\n"),
    S("Content-Length: 1\r\n"),
    S("Transfer-Encoding: chunked\r\n"),
};

static const struct piece resp1_pieces[] = {
    S("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"),
    S("HTTP/1.1 204 No Content\r\n\r\n"),
    S("HTTP/1.1 100 Continue\r\n\r\n"),
    S("HTTP/1.1 304\r\nContent-Length: 9\r\n\r\n"),
    S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "1\r\na\r\n0\r\n\r\n"),
    S("HTTP/1.1 404 \r\ncontent-length: 0\r\n\r\n"),
    S("HTTP/1.0 200 OK\r\n\r\nbody to the end"),
    S("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz"),
};

static const struct piece ws_pieces[] = {
    S("\x81\x05Hello"),
    S("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"),
    S("\x89\x00"),
    S("\x8a\x80\x01\x02\x03\x04"),
    S("\x88\x02\x03\xe8"),
    S("\x02\x03"
      "abc"),
    S("\x80\x00"),
    S("\x82\x7e\x00\x7e"),
    S("\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00"),
    S("\xc1\x01x"),
};

/* Bytes the codecs' structure is made of. */
static const uint8_t alphabet[] = {'\r', '\n', ':',  '$',  '*',	 '|',  '%',
				   '0',	 '9',  ' ',  '\t', ';',	 ',',  'a',
				   0x00, 0x7e, 0x7f, 0x80, 0xff, 0x81, 0x7d};

static size_t make_stream(const struct piece *pc, size_t npc, uint8_t *out,
			  size_t cap)
{
	size_t len = 0, parts = 1 + rnd(5);

	for (size_t i = 0; i < parts; i++) {
		const struct piece *p = &pc[rnd((uint32_t)npc)];

		if (len + p->n > cap)
			break;
		memcpy(out + len, p->p, p->n);
		len += p->n;
		if (rnd(8) == 0 && len + 130 <= cap) /* a 126-byte payload */
			for (int k = 0; k < 126; k++)
				out[len++] = 'p';
	}
	for (size_t m = rnd(3); m > 0 && len > 0; m--) {
		size_t at = rnd((uint32_t)len);
		uint8_t b = rnd(3) ? alphabet[rnd(sizeof(alphabet))]
				   : (uint8_t)rnd(256);

		switch (rnd(3)) {
		case 0:
			out[at] = b;
			break;
		case 1:
			if (len < cap) {
				memmove(out + at + 1, out + at, len - at);
				out[at] = b;
				len++;
			}
			break;
		default:
			memmove(out + at, out + at + 1, len - at - 1);
			len--;
		}
	}
	if (len > 0 && rnd(4) == 0)
		len -= rnd((uint32_t)len);
	return len;
}

/* streams random streams of spec_text decoded by both decoders: NULL when
 * they agree on every one, else the first disagreement (malloc'd). */
static char *disagreement(const char *spec_text, const struct piece *pc,
			  size_t npc, int streams)
{
	struct ref_result r = {0};
	struct fr_spec spec;
	uint8_t stream[1024];
	char *why = NULL;

	du_spec(&spec, spec_text);
	cr_assert(ref_knows(&spec), "%s", spec_text);
	rng_state = 0x5eed0000u ^ (uint64_t)strlen(spec_text) << 20 ^ npc;
	for (int i = 0; i < streams && why == NULL; i++) {
		size_t len = make_stream(pc, npc, stream, sizeof(stream));

		why = ref_vs_fast(&spec, spec_text, stream, len, &r);
	}
	ref_result_free(&r);
	return why;
}

#define N(a) (sizeof(a) / sizeof(a[0]))
#define STREAMS 2000

Test(ref_proto, resp_agrees_with_the_fast_decoder)
{
	static const char *const specs[] = {
	    "resp", "resp,max=12", "resp,max=30,depth=1", "resp,depth=0"};

	for (size_t i = 0; i < N(specs); i++) {
		char *why = disagreement(specs[i], resp_pieces, N(resp_pieces),
					 STREAMS);

		cr_assert_null(why, "%s", why);
	}
}

Test(ref_proto, http1_req_agrees_with_the_fast_decoder)
{
	static const char *const specs[] = {"http1:req", "http1:req,max=60",
					    "http1:req,max=200,hmax=30"};

	for (size_t i = 0; i < N(specs); i++) {
		char *why =
		    disagreement(specs[i], req_pieces, N(req_pieces), STREAMS);

		cr_assert_null(why, "%s", why);
	}
}

Test(ref_proto, http1_resp_agrees_with_the_fast_decoder)
{
	static const char *const specs[] = {"http1:resp", "http1:resp,head",
					    "http1:resp,max=40,hmax=25"};

	for (size_t i = 0; i < N(specs); i++) {
		char *why = disagreement(specs[i], resp1_pieces,
					 N(resp1_pieces), STREAMS);

		cr_assert_null(why, "%s", why);
	}
}

Test(ref_proto, ws_agrees_with_the_fast_decoder)
{
	static const char *const specs[] = {"ws", "ws,unmask", "ws,max=10",
					    "ws,unmask,max=8"};

	for (size_t i = 0; i < N(specs); i++) {
		char *why =
		    disagreement(specs[i], ws_pieces, N(ws_pieces), STREAMS);

		cr_assert_null(why, "%s", why);
	}
}

/* Edges a mutated stream rarely reaches: lengths at the top of their
 * range, where a sum can wrap. Reference and fast decoder must agree, and
 * on what the docs say. */
Test(ref_proto, lengths_at_the_top_of_their_range)
{
	static const struct {
		const char *spec, *wire, *want;
	} v[] = {
	    {"http1:req",
	     "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "FFFFFFFFFFFFFFFF\r\n",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    {"http1:req",
	     "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999"
	     "\r\n\r\n",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    {"resp", "$9223372036854775807\r\n",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    {"resp", "$9223372036854775808\r\n", "e@0:ERESP fin@0:ERESP"},
	    {"resp", "%4611686018427387904\r\n",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    {"ws", "\x82\x7f\x7f\xff\xff\xff\xff\xff\xff\xff",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	};
	struct ref_result r = {0};

	for (size_t i = 0; i < N(v); i++) {
		struct fr_spec spec;
		struct du_events ev;
		size_t len = strlen(v[i].wire);
		char *fast, *ref;

		du_spec(&spec, v[i].spec);
		du_decode(&spec, v[i].wire, len, NULL, 0, 0, &ev);
		fast = du_events_str(&ev);
		cr_assert_eq(
		    ref_decode(&spec, (const uint8_t *)v[i].wire, len, &r), 0);
		ref = ref_result_str(&spec, &r);
		cr_expect_str_eq(ref, v[i].want, "reference, vector %zu", i);
		cr_expect_str_eq(fast, v[i].want, "fast decoder, vector %zu",
				 i);
		free(fast);
		free(ref);
		du_events_free(&ev);
	}
	ref_result_free(&r);
}
