/* codec-ref-bench: the resp and http1 decoders against the readers people
 * use today, hiredis's redisReader and http_parser, on the same generated
 * streams fed in the same chunks, in the same run. Prints MB/s for both. */
#include <getopt.h>
#include <hiredis/read.h>
#include <http_parser.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "framing/codec.h"

static const char usage_text[] =
    "usage: codec-ref-bench [--size BYTES] [--chunk N] [--runs R]"
    " [--seed S] [--cpu]\n"
    "       codec-ref-bench --stuffing [--size BYTES] [--chunk N] [--runs R]"
    " [--seed S] [--cpu]\n"
    "\n"
    "Generates a Redis RESP2 stream (pipelined commands and replies) and an\n"
    "HTTP/1.1 request stream (GET, POST with Content-Length, chunked), then\n"
    "decodes each fed in N-byte chunks with fraglab (resp, http1:req) and\n"
    "with hiredis's redisReader (parse only: no reply objects) and\n"
    "http_parser. Best of R runs; MB = 10^6 bytes.\n"
    "--stuffing: cobs and slip streams instead (random payloads of 1 to\n"
    "512 bytes), each decoded in N-byte chunks beside memchr over the same\n"
    "stream (counting '\\n'), runs interleaved: the ratio to memchr.\n"
    "  --size BYTES   bytes per stream (default 64000000)\n"
    "  --chunk N      chunk size (default 16384)\n"
    "  --runs R       runs, best taken (default 5)\n"
    "  --seed S       generator seed (default 1)\n"
    "  --cpu          time each run by the thread's CPU time, not the\n"
    "                 wall clock: on a loaded machine, time spent\n"
    "                 preempted is not counted against either reader\n"
    "  -h, --help     this text\n";

struct gen {
	char *p;
	size_t len, cap;
	uint64_t rng;
};

static uint64_t gen_next(struct gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void gen_put(struct gen *g, const char *s, size_t n)
{
	if (g->len + n > g->cap) {
		g->cap = (g->len + n) * 2;
		g->p = realloc(g->p, g->cap);
		if (!g->p) {
			fprintf(stderr, "codec-ref-bench: out of memory\n");
			exit(1);
		}
	}
	memcpy(g->p + g->len, s, n);
	g->len += n;
}

static void gen_fmt(struct gen *g, const char *fmt, unsigned long long v)
{
	char b[64];
	int n = snprintf(b, sizeof(b), fmt, v);

	gen_put(g, b, (size_t)n);
}

/* A bulk string of n printable bytes. */
static void gen_bulk(struct gen *g, size_t n)
{
	gen_fmt(g, "$%llu\r\n", n);
	for (size_t i = 0; i < n; i++) {
		char c = (char)('a' + (gen_next(g) % 26));
		gen_put(g, &c, 1);
	}
	gen_put(g, "\r\n", 2);
}

static void gen_resp(struct gen *g, size_t size)
{
	while (g->len < size) {
		uint64_t r = gen_next(g) % 6;
		unsigned long long key = gen_next(g) % 100000;

		if (r == 0) { /* SET key value */
			gen_put(g, "*3\r\n$3\r\nSET\r\n", 13);
			gen_fmt(g, "$10\r\nkey:%06llu\r\n", key);
			gen_bulk(g, 10 + gen_next(g) % 200);
		} else if (r == 1) {
			gen_put(g, "+OK\r\n", 5);
		} else if (r == 2) { /* GET key */
			gen_put(g, "*2\r\n$3\r\nGET\r\n", 13);
			gen_fmt(g, "$10\r\nkey:%06llu\r\n", key);
		} else if (r == 3) {
			gen_bulk(g, 10 + gen_next(g) % 200);
		} else if (r == 4) {
			gen_fmt(g, ":%llu\r\n", gen_next(g) % 1000000);
		} else { /* LRANGE reply */
			unsigned n = 1 + (unsigned)(gen_next(g) % 16);
			gen_fmt(g, "*%llu\r\n", n);
			for (unsigned i = 0; i < n; i++)
				gen_bulk(g, 5 + gen_next(g) % 40);
		}
	}
}

static const char http_hdrs[] =
    "Host: www.example.org\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101"
    " Firefox/128.0\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;"
    "q=0.8\r\n"
    "Accept-Language: en-US,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Connection: keep-alive\r\n"
    "Cookie: session=0123456789abcdef0123456789abcdef\r\n";

static void gen_http(struct gen *g, size_t size)
{
	while (g->len < size) {
		uint64_t r = gen_next(g) % 8;
		size_t body = 50 + gen_next(g) % 1000;

		if (r < 5) {
			gen_fmt(g, "GET /page/%llu.html HTTP/1.1\r\n",
				gen_next(g) % 100000);
			gen_put(g, http_hdrs, sizeof(http_hdrs) - 1);
			gen_put(g, "\r\n", 2);
			continue;
		}
		gen_put(g, "POST /api/items HTTP/1.1\r\n", 26);
		gen_put(g, http_hdrs, sizeof(http_hdrs) - 1);
		if (r < 7) {
			gen_fmt(g, "Content-Length: %llu\r\n\r\n", body);
			for (size_t i = 0; i < body; i++)
				gen_put(g, "x", 1);
			continue;
		}
		gen_put(g, "Transfer-Encoding: chunked\r\n\r\n", 30);
		for (int c = 0; c < 3; c++) {
			gen_fmt(g, "%llx\r\n", body);
			for (size_t i = 0; i < body; i++)
				gen_put(g, "y", 1);
			gen_put(g, "\r\n", 2);
		}
		gen_put(g, "0\r\n\r\n", 5);
	}
}

static clockid_t bench_clock = CLOCK_MONOTONIC;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(bench_clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Frames decoded by fraglab, or -1 on an error. */
static long run_fraglab(const char *spec_text, const char *p, size_t len,
			size_t chunk)
{
	struct fr_spec spec;
	struct fr_decoder d;
	struct fr_frame f;
	long frames = 0;
	int r;

	if (fr_spec_parse(&spec, spec_text, NULL, 0) ||
	    fr_decoder_init(&d, &spec, NULL, 0))
		return -1;
	for (size_t pos = 0; pos < len; pos += chunk) {
		size_t n = len - pos < chunk ? len - pos : chunk;

		fr_decoder_feed(&d, p + pos, n);
		while ((r = fr_decoder_next(&d, &f)) == FR_FRAME)
			frames++;
		if (r != FR_NEED_MORE)
			frames = -1;
		if (frames < 0)
			break;
	}
	if (frames >= 0 && (r = fr_decoder_finish(&d, &f)) == FR_FRAME) {
		frames++; /* http1:resp: a body ended by the end of stream */
		r = fr_decoder_finish(&d, &f);
	}
	if (frames >= 0 && r != FR_DONE)
		frames = -1;
	fr_decoder_free(&d);
	return frames;
}

static long run_hiredis(const char *p, size_t len, size_t chunk)
{
	redisReader *rd = redisReaderCreateWithFunctions(NULL);
	long frames = 0;
	void *reply;

	for (size_t pos = 0; rd && pos < len; pos += chunk) {
		size_t n = len - pos < chunk ? len - pos : chunk;

		if (redisReaderFeed(rd, p + pos, n) != REDIS_OK)
			frames = -1;
		while (frames >= 0) {
			if (redisReaderGetReply(rd, &reply) != REDIS_OK)
				frames = -1;
			else if (reply == NULL)
				break;
			else
				frames++;
		}
		if (frames < 0)
			break;
	}
	if (rd)
		redisReaderFree(rd);
	return rd ? frames : -1;
}

static int on_complete(http_parser *hp)
{
	(*(long *)hp->data)++;
	return 0;
}

static long run_http_parser(const char *p, size_t len, size_t chunk)
{
	http_parser hp;
	http_parser_settings st;
	long frames = 0;

	memset(&st, 0, sizeof(st));
	st.on_message_complete = on_complete;
	http_parser_init(&hp, HTTP_REQUEST);
	hp.data = &frames;
	for (size_t pos = 0; pos < len; pos += chunk) {
		size_t n = len - pos < chunk ? len - pos : chunk;

		if (http_parser_execute(&hp, &st, p + pos, n) != n ||
		    HTTP_PARSER_ERRNO(&hp) != HPE_OK)
			return -1;
	}
	return frames;
}

/* A cobs or slip stream of frames with random payloads of 1..512 bytes. */
static void gen_stuffed(struct gen *g, const char *spec_text, size_t size)
{
	uint8_t msg[512], wire[1024];
	struct fr_spec spec;
	size_t wlen;

	if (fr_spec_parse(&spec, spec_text, NULL, 0) != FR_OK)
		exit(1);
	while (g->len < size) {
		size_t n = 1 + gen_next(g) % sizeof(msg);

		for (size_t i = 0; i < n; i++)
			msg[i] = (uint8_t)gen_next(g);
		if (fr_encode(&spec, msg, n, wire, sizeof(wire), &wlen) !=
		    FR_OK)
			exit(1);
		gen_put(g, (const char *)wire, wlen);
	}
}

/* The reference for the stuffing codecs: newlines counted by memchr. */
static long run_memchr(const char *p, size_t len)
{
	const char *e = p + len;
	long n = 0;

	for (const char *q = p; (q = memchr(q, '\n', (size_t)(e - q))); q++)
		n++;
	return n;
}

static int stuffing(size_t size, size_t chunk, unsigned long long runs,
		    unsigned long long seed)
{
	static const char *const specs[2] = {"cobs", "slip"};
	struct gen g[2] = {{0}, {0}};
	double best[4] = {1e30, 1e30, 1e30, 1e30};
	long got[4];

	for (int s = 0; s < 2; s++) {
		g[s].rng = seed;
		gen_stuffed(&g[s], specs[s], size);
	}
	for (unsigned long long r = 0; r < runs; r++) {
		for (int k = 0; k < 4; k++) {
			const struct gen *x = &g[k / 2];
			double t0 = now_s();
			got[k] = k % 2 ? run_memchr(x->p, x->len)
				       : run_fraglab(specs[k / 2], x->p, x->len,
						     chunk);
			double t = now_s() - t0;
			if (t < best[k])
				best[k] = t;
		}
	}
	printf("chunk %zu bytes, best of %llu runs, %s time\n", chunk, runs,
	       bench_clock == CLOCK_MONOTONIC ? "wall" : "thread CPU");
	for (int s = 0; s < 2; s++) {
		printf("fraglab %-14s %9.1f MB/s %10ld frames\n", specs[s],
		       (double)g[s].len / best[2 * s] / 1e6, got[2 * s]);
		printf("memchr, same stream    %9.1f MB/s %10ld newlines\n",
		       (double)g[s].len / best[2 * s + 1] / 1e6,
		       got[2 * s + 1]);
		printf("%s / memchr:         %.2f\n", specs[s],
		       best[2 * s + 1] / best[2 * s]);
	}
	free(g[0].p);
	free(g[1].p);
	return got[0] > 0 && got[2] > 0 ? 0 : 1;
}

enum { K_FRAGLAB_RESP, K_HIREDIS, K_FRAGLAB_HTTP, K_HTTP_PARSER, K_N };

static long run_one(int k, const struct gen *resp, const struct gen *http,
		    size_t chunk)
{
	switch (k) {
	case K_FRAGLAB_RESP:
		return run_fraglab("resp", resp->p, resp->len, chunk);
	case K_HIREDIS:
		return run_hiredis(resp->p, resp->len, chunk);
	case K_FRAGLAB_HTTP:
		return run_fraglab("http1:req", http->p, http->len, chunk);
	default:
		return run_http_parser(http->p, http->len, chunk);
	}
}

static bool parse_num(const char *s, unsigned long long *v)
{
	char *end;

	*v = strtoull(s, &end, 10);
	return *s >= '0' && *s <= '9' && *end == '\0' && *v > 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"size", required_argument, NULL, 's'},
	    {"chunk", required_argument, NULL, 'c'},
	    {"runs", required_argument, NULL, 'r'},
	    {"seed", required_argument, NULL, 'S'},
	    {"cpu", no_argument, NULL, 'C'},
	    {"stuffing", no_argument, NULL, 'T'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const char *const names[K_N] = {
	    "fraglab resp", "hiredis redisReader", "fraglab http1:req",
	    "http_parser"};
	unsigned long long size = 64000000, chunk = 16384, runs = 5, seed = 1;
	struct gen resp = {0}, http = {0};
	bool stuff = false;
	double best[K_N];
	long frames[K_N];
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		unsigned long long *v = c == 's'   ? &size
					: c == 'c' ? &chunk
					: c == 'r' ? &runs
						   : &seed;
		if (c == 'h') {
			fputs(usage_text, stdout);
			return 0;
		}
		if (c == 'C') {
			bench_clock = CLOCK_THREAD_CPUTIME_ID;
			continue;
		}
		if (c == 'T') {
			stuff = true;
			continue;
		}
		if (c == '?' || !parse_num(optarg, v)) {
			fprintf(stderr, "codec-ref-bench: bad option value\n%s",
				usage_text);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "codec-ref-bench: unexpected '%s'\n%s",
			argv[optind], usage_text);
		return 2;
	}
	if (stuff)
		return stuffing(size, chunk, runs, seed);
	resp.rng = http.rng = seed;
	gen_resp(&resp, size);
	gen_http(&http, size);
	for (int k = 0; k < K_N; k++)
		best[k] = 1e30;
	/* runs interleaved, so a load change on a shared machine hits every
	 * reader alike */
	for (unsigned long long r = 0; r < runs; r++) {
		for (int k = 0; k < K_N; k++) {
			double t0 = now_s();
			frames[k] = run_one(k, &resp, &http, chunk);
			double t = now_s() - t0;
			if (t < best[k])
				best[k] = t;
		}
	}
	for (int k = 0; k < K_N; k++) {
		if (frames[k] < 0) {
			fprintf(stderr,
				"codec-ref-bench: %s failed on the"
				" stream\n",
				names[k]);
			return 1;
		}
	}
	printf("chunk %llu bytes, best of %llu runs, %s time\n", chunk, runs,
	       bench_clock == CLOCK_MONOTONIC ? "wall" : "thread CPU");
	for (int k = 0; k < K_N; k++) {
		size_t len = k < K_FRAGLAB_HTTP ? resp.len : http.len;
		printf("%-22s %9.1f MB/s %10ld frames\n", names[k],
		       (double)len / best[k] / 1e6, frames[k]);
	}
	printf("resp / hiredis:        %.2fx\n",
	       best[K_HIREDIS] / best[K_FRAGLAB_RESP]);
	printf("http1 / http_parser:   %.2fx\n",
	       best[K_HTTP_PARSER] / best[K_FRAGLAB_HTTP]);
	free(resp.p);
	free(http.p);
	return frames[K_FRAGLAB_RESP] == frames[K_HIREDIS] &&
		       frames[K_FRAGLAB_HTTP] == frames[K_HTTP_PARSER]
		   ? 0
		   : 1;
}
