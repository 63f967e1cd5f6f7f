/* Seeds for the protocol codecs (gen_proto.h): what redis-cli and
 * redis-server, curl and python3 -m http.server, and WebSocket clients and
 * servers put on the wire, plus the smuggling and length edge cases. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "framing/spec.h"
#include "gen_proto.h"

struct gen_unit {
	const char *s;
	size_t n;
};

#define U(lit)                                                                 \
	{                                                                      \
		lit, sizeof(lit) - 1                                           \
	}
#define COUNT(a) (sizeof(a) / sizeof(a[0]))

static const struct gen_unit resp_units[] = {
    U("*1\r\n$4\r\nPING\r\n"),
    U("+PONG\r\n"),
    U("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"),
    U("+OK\r\n"),
    U("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"),
    U("$5\r\nvalue\r\n"),
    U("$-1\r\n"),
    U(":42\r\n"),
    U("-ERR unknown command 'FOO', with args beginning with: \r\n"),
    U("*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n"),
    U("%2\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n"),
    U(">3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$2\r\nhi\r\n"),
    U("|1\r\n+ttl\r\n:3600\r\n+OK\r\n"),
    U("_\r\n"),
    U("#t\r\n"),
    U(",3.14\r\n"),
    U("(12345678901234567890\r\n"),
    U("=15\r\ntxt:Some string\r\n"),
    U("!9\r\nERR oops!\r\n"),
    U("~2\r\n+a\r\n+b\r\n"),
    U("*-1\r\n"),
    U("PING\r\n"),
    U("*3\r\n*1\r\n:1\r\n*0\r\n$0\r\n\r\n"),
};

static const struct gen_unit resp_bad[] = {
    U(":"),
    U("*2\r\n$3\r\nfoo\r\n"),
    U("$-2\r\n"),
    U("$03\r\nabc\r\n"),
    U("$3\r\nabcX\n"),
    U("*1\r\n?x\r\n"),
    U("+OK\n"),
    U("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n"),
    U("$99999999999999999999\r\n"),
    U("=3\r\nabc\r\n"),
};

static const struct gen_unit req_units[] = {
    U("GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: curl/8.5.0"
      "\r\nAccept: */*\r\n\r\n"),
    U("POST /form HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-"
      "form-urlencoded\r\nContent-Length: 7\r\n\r\na=1&b=2"),
    U("PUT /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;x=y\r\nhello\r\n0\r\nDigest: abc\r\n\r\n"),
    U("GET /index.html HTTP/1.0\r\n\r\n"),
    U("\r\nHEAD / HTTP/1.1\r\nHost: a\r\n\r\n"),
};

static const struct gen_unit req_bad[] = {
    U("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked"
      "\r\n\r\n0\r\n\r\n"),
    U("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx"),
    U("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
    U("GET / HTTP/1.1\nHost: a\r\n\r\n"),
    U("GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n"),
    U("GET / HTTP/1.1\r\nHost : a\r\n\r\n"),
    U("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWikiXX"),
    U("GET / HTTP/1.1\r\nHost: a\r\n"),
};

static const struct gen_unit resp_http_units[] = {
    U("HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.2\r\nDate: "
      "Sun, 06 Dec 2026 01:00:00 GMT\r\nContent-type: text/html\r\n"
      "Content-Length: 5\r\nLast-Modified: Sun, 06 Dec 2026 00:00:00 GMT"
      "\r\n\r\nhello"),
    U("HTTP/1.1 100 Continue\r\n\r\n"),
    U("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "7\r\nMozilla\r\n11\r\nDeveloper Network\r\n0\r\n\r\n"),
    U("HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n"),
    U("HTTP/1.1 204 No Content\r\n\r\n"),
    U("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"),
};

static const struct gen_unit resp_http_bad[] = {
    U("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.0 200 OK\r\n\r\n"
      "body to the end"),
    U("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3"
      "\r\n\r\n"),
    U("HTTP/1.1 20 OK\r\n\r\n"),
    U("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzzzz"),
};

static const struct gen_unit ws_units[] = {
    U("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"), /* client "Hello" */
    U("\x81\x05Hello"),				       /* server "Hello" */
    U("\x89\x00"),
    U("\x8a\x80\x01\x02\x03\x04"),
    U("\x01\x03Hel"),
    U("\x80\x02lo"),
    U("\x88\x02\x03\xe8"),
    U("\x82\x7e\x00\x80"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
    U("\xc1\x83\x11\x22\x33\x44\xe3\x23\x33"),
};

static const struct gen_unit ws_bad[] = {
    U("\x82\x7e\x00\x05hello"),
    U("\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x00"),
    U("\x82\x7f\x00\x00\x00\x00\x00\x00\xff\xff"),
    U("\x09\x00"),
    U("\x89\x7e\x00\x7e"),
    U("\x83\x00"),
    U("\x81\x85\x37\xfa"),
};

static const struct gen_unit *gen_proto_units(int kind, bool response,
					      size_t *n)
{
	switch (kind) {
	case FR_RESP:
		*n = COUNT(resp_units);
		return resp_units;
	case FR_HTTP1:
		*n = response ? COUNT(resp_http_units) : COUNT(req_units);
		return response ? resp_http_units : req_units;
	case FR_WS:
		*n = COUNT(ws_units);
		return ws_units;
	default:
		*n = 0;
		return NULL;
	}
}

static const struct gen_unit *gen_proto_bad(int kind, bool response, size_t *n)
{
	switch (kind) {
	case FR_RESP:
		*n = COUNT(resp_bad);
		return resp_bad;
	case FR_HTTP1:
		*n = response ? COUNT(resp_http_bad) : COUNT(req_bad);
		return response ? resp_http_bad : req_bad;
	case FR_WS:
		*n = COUNT(ws_bad);
		return ws_bad;
	default:
		*n = 0;
		return NULL;
	}
}

#define GEN_PROTO_MAX 8192

struct gen_buf {
	uint8_t b[GEN_PROTO_MAX];
	size_t n;
};

static void gen_add(struct gen_buf *g, const void *p, size_t n)
{
	if (n > GEN_PROTO_MAX - g->n)
		n = GEN_PROTO_MAX - g->n;
	memcpy(g->b + g->n, p, n);
	g->n += n;
}

/* One message of a roundtrip front part (fuzz_input.h layout). */
static void gen_msg(struct gen_buf *front, const struct gen_unit *u)
{
	uint8_t l[3] = {255, (uint8_t)(u->n >> 8), (uint8_t)u->n};

	if (u->n < 255)
		gen_add(front, l + 2, 1);
	else
		gen_add(front, l, 3);
	gen_add(front, u->s, u->n);
}

/* resp, http1, ws: real-looking units back to back, truncated, as a
 * message list, and the bad streams of gen_proto.c. */
static void gen_proto_case(const struct fz_opts *base, const char *tag)
{
	struct gen_buf g = {.n = 0}, front = {.n = 0};
	struct fz_opts o = *base;
	const char *codec = fz_kind_target(o.kind);
	char split[64], rt[64], name[128];
	size_t n, nbad;
	const struct gen_unit *u = gen_proto_units(o.kind, o.response, &n);
	const struct gen_unit *bad = gen_proto_bad(o.kind, o.response, &nbad);

	snprintf(split, sizeof(split), "split_%s", codec);
	snprintf(rt, sizeof(rt), "roundtrip_%s", codec);
	for (size_t i = 0; i < n; i++) {
		gen_add(&g, u[i].s, u[i].n);
		gen_msg(&front, &u[i]);
	}
	for (unsigned v = 0; v < 3; v++) {
		gen_corpus_sched(&o, v);
		snprintf(name, sizeof(name), "%s-valid-s%u", tag, v);
		gen_corpus_emit(split, name, &o, g.b, g.n);
		snprintf(name, sizeof(name), "%s-trunc-s%u", tag, v);
		gen_corpus_emit(split, name, &o, g.b, g.n - 1);
		snprintf(name, sizeof(name), "%s-msgs-s%u", tag, v);
		gen_corpus_emit(rt, name, &o, front.b, front.n);
	}
	for (size_t i = 0; i < nbad; i++) {
		gen_corpus_sched(&o, (unsigned)i);
		snprintf(name, sizeof(name), "%s-bad%zu", tag, i);
		gen_corpus_emit(split, name, &o, (const uint8_t *)bad[i].s,
				bad[i].n);
	}
}

void gen_proto(void)
{
	struct fz_opts o;

	memset(&o, 0, sizeof(o));
	o.kind = FR_RESP;
	o.depth = 16;
	gen_proto_case(&o, "depth16");
	o.depth = 2;
	o.max_mode = 3;
	o.max = 64;
	gen_proto_case(&o, "depth2-max64");
	memset(&o, 0, sizeof(o));
	o.kind = FR_HTTP1;
	gen_proto_case(&o, "req");
	o.hmax = 120;
	gen_proto_case(&o, "req-hmax120");
	o.hmax = 0;
	o.response = true;
	gen_proto_case(&o, "resp");
	o.head = true;
	gen_proto_case(&o, "resp-head");
	memset(&o, 0, sizeof(o));
	o.kind = FR_WS;
	gen_proto_case(&o, "ws");
	o.unmask = true;
	gen_proto_case(&o, "unmask");
	o.max_mode = 2;
	o.max = 40;
	gen_proto_case(&o, "unmask-max40");
}
