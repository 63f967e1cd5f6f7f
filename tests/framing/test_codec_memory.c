/* Criterion suite: bounded memory (docs/design.md, the decoder contract):
 * declared lengths are not reserved, partial frames are held in at most
 * max bytes, no allocation per frame, caller buffers mean no allocation. */
#include <criterion/criterion.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "decode_util.h"
#include "framing/codec.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(UNDER_ASAN)
#define UNDER_ASAN 1
#endif

/* Under ASan a huge malloc returns NULL instead of succeeding lazily, so a
 * decoder that reserves a declared length shows up as an error. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1:max_allocation_size_mb=1024";
}

/* Without ASan, cap the address space so the same mistake fails. */
static void limit_memory(void)
{
#ifndef UNDER_ASAN
	struct rlimit rl = {(rlim_t)1 << 31, (rlim_t)1 << 31};

	cr_assert_eq(setrlimit(RLIMIT_AS, &rl), 0);
#endif
}

static void skip_under_asan(void)
{
#ifdef UNDER_ASAN
	cr_skip_test("mallinfo2 does not see ASan's heap");
#endif
}

/* Heap in use (arena + mmapped chunks), from glibc; ASan's allocator
 * does not report it. */
static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

Test(memory, heap_probe_sees_allocations)
{
	size_t before = heap_in_use();
	void *small, *big;

	skip_under_asan();
	small = malloc(100);
	big = malloc((size_t)1 << 20);
	cr_assert(small && big);
	cr_assert_geq(heap_in_use() - before, ((size_t)1 << 20) + 100);
	free(small);
	free(big);
}

/* A declared length within max must not be reserved up front: only what
 * arrives is stored (growth by doubling). */
Test(memory, declared_length_is_not_reserved)
{
	static const char *const specs[] = {
	    "len:4be,max=1099511627776", "len:8be,max=1099511627776",
	    "tlv,max=1099511627776",	 "netstring,max=1099511627776",
	    "resp,max=1099511627776",	 "http1:req,max=1099511627776",
	    "ws,max=1099511627776",	 "http1:resp,max=1099511627776",
	};
	static const char *const wires[] = {
	    "fffffff0 61626364",
	    "0000010000000000 61626364",
	    "01 fffffff0 61626364",
	    "3130303030303030303030303a 61626364",
	    /* $5000000000, Content-Length: 5000000000, a 2^33-byte ws
	     * frame, a chunk of 0x140000000 */
	    "24353030303030303030300d0a"
	    " 61626364",
	    "504f5354202f20485454502f312e310d0a436f6e74656e742d4c656e"
	    "6774683a20353030303030303030300d0a0d0a"
	    " 61626364",
	    "827f0000000200000000 61626364",
	    "485454502f312e3120323030204f4b0d0a5472616e736665722d456e"
	    "636f64696e673a206368756e6b65640d0a0d0a313430303030303030"
	    "0d0a"
	    " 61626364",
	};

	limit_memory();
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		char *got = du_run(specs[i], wires[i], NULL, 0, 0);

		cr_assert_str_eq(got, "fin@0:ETRUNCATED", "%s", specs[i]);
		free(got);
	}
}

/* The biggest max: a length equal to it is legal (and must not be
 * reserved), one more is not. */
Test(memory, max_limit_lengths)
{
	static const struct du_vec v[] = {
	    {"netstring,max=1099511627776", "313039393531313632373737373a",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    {"netstring,max=1099511627776", "313039393531313632373737363a6162",
	     "fin@0:ETRUNCATED"},
	    {"len:8be,max=1099511627776", "0000010000000001 61",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    {"len:8le,max=1099511627776", "0000000000010000 61",
	     "fin@0:ETRUNCATED"},
	};
	static const size_t ones[64] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
					1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

	limit_memory();
	/* no caller buffer: bufsize is 1 TiB here */
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		for (int pass = 0; pass < 2; pass++) {
			char *got =
			    du_run(v[i].spec, v[i].wire, pass ? ones : NULL,
				   pass ? 25 : 0, 0);

			cr_assert_str_eq(got, v[i].want, "%s (%s)", v[i].spec,
					 pass ? "1-byte chunks" : "one chunk");
			free(got);
		}
	}
}

/* Decode n copies of one encoded frame from one buffer, in chunks of
 * step bytes, without copying anything on the test's side. */
static void decode_many(struct fr_decoder *d, const uint8_t *w, size_t len,
			size_t step)
{
	struct fr_frame f;

	for (size_t pos = 0; pos < len; pos += step) {
		size_t n = len - pos < step ? len - pos : step;
		int r;

		cr_assert_eq(fr_decoder_feed(d, w + pos, n), FR_OK);
		while ((r = fr_decoder_next(d, &f)) == FR_FRAME)
			;
		cr_assert_eq(r, FR_NEED_MORE, "%s", du_code_name(r));
	}
}

/* No allocation per frame: once warm, decoding more frames (spanning
 * chunks, so they go through the decoder's buffer) does not change the
 * heap; with a caller buffer the decoder allocates nothing at all. */
Test(memory, no_allocation_per_frame)
{
	static const char *const specs[] = {
	    "line", "crlf", "delim:0d0a0d0a", "len:2be", "len:varint",
	    "cobs", "slip", "netstring",      "tlv",	 "fixed:100",
	    "raw"};

	skip_under_asan();
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct fr_spec s;
		struct fr_decoder d;
		uint8_t msg[100], *wire, *one;
		size_t wl, ol, idx, before, n = sizeof(msg);
		uint8_t *msgs[1] = {msg};
		struct du_buf b = {0};
		size_t bs;
		void *buf;

		memset(msg, 'q', sizeof(msg));
		du_spec(&s, specs[i]);
		cr_assert_eq(du_encode_all(&s, msgs, &n, 1, &one, &ol, &idx),
			     FR_OK);
		for (int k = 0; k < 200; k++)
			du_buf_put(&b, one, ol);
		wire = b.p;
		wl = b.len;
		bs = fr_decoder_bufsize(&s);
		buf = malloc(bs ? bs : 1);
		before = heap_in_use();
		cr_assert_eq(fr_decoder_init(&d, &s, buf, bs), FR_OK);
		decode_many(&d, wire, wl, 37);
		fr_decoder_free(&d);
		cr_expect_eq(heap_in_use(), before,
			     "%s: caller-buffer decoder "
			     "allocated %zd bytes",
			     specs[i], (ssize_t)(heap_in_use() - before));
		cr_assert_eq(fr_decoder_init(&d, &s, NULL, 0), FR_OK);
		decode_many(&d, wire, wl / 2, 37);
		before = heap_in_use();
		decode_many(&d, wire + wl / 2, wl - wl / 2, 37);
		cr_expect_eq(heap_in_use(), before,
			     "%s: heap changed by %zd "
			     "while decoding frames",
			     specs[i], (ssize_t)(heap_in_use() - before));
		fr_decoder_free(&d);
		free(buf);
		free(one);
		du_buf_free(&b);
	}
}

/* Bounded memory: an endless oversize frame on a delimited codec, and a
 * large declared length with few bytes behind it, hold little. */
Test(memory, partial_frames_hold_bounded_memory)
{
	struct fr_spec s;
	struct fr_decoder d;
	struct fr_frame f;
	static uint8_t junk[4096];
	size_t before;
	int r;

	skip_under_asan();
	memset(junk, 'j', sizeof(junk));
	du_spec(&s, "line,max=64");
	cr_assert_eq(fr_decoder_init(&d, &s, NULL, 0), FR_OK);
	before = heap_in_use();
	for (int k = 0; k < 256; k++) {
		cr_assert_eq(fr_decoder_feed(&d, junk, sizeof(junk)), FR_OK);
		while ((r = fr_decoder_next(&d, &f)) != FR_NEED_MORE)
			cr_assert_eq(r, FR_EOVERSIZE);
	}
	cr_expect_lt(heap_in_use() - before, 4096,
		     "1 MiB oversize line held %zu bytes with max=64",
		     heap_in_use() - before);
	fr_decoder_free(&d);

	du_spec(&s, "len:4be");
	cr_assert_eq(fr_decoder_init(&d, &s, NULL, 0), FR_OK);
	before = heap_in_use();
	cr_assert_eq(fr_decoder_feed(&d,
				     "\x00\x0f\x42\x40"
				     "0123456789",
				     14),
		     FR_OK);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_NEED_MORE);
	cr_expect_lt(heap_in_use() - before, 65536,
		     "declared 1000000 bytes, 10 arrived, %zu held",
		     heap_in_use() - before);
	fr_decoder_free(&d);
}

/* The accessors show a live decoder's spec (its own copy) and the buffer
 * it holds: the caller's, or one that grows on demand within the bound. */
Test(memory, accessors_report_spec_and_buffer)
{
	struct fr_spec s;
	struct fr_decoder d;
	struct fr_frame f;
	static uint8_t part[600], buf[2048];
	size_t bound;

	du_spec(&s, "len:2be,max=1000");
	bound = fr_decoder_bufsize(&s);
	cr_assert_eq(fr_decoder_init(&d, &s, NULL, 0), FR_OK);
	s.max = 1;
	cr_expect_eq(fr_decoder_spec(&d)->kind, FR_LEN);
	cr_expect_eq(fr_decoder_spec(&d)->max, 1000);
	cr_expect_eq(fr_decoder_bufcap(&d), 0, "allocated before any frame");
	part[0] = 0x03;
	part[1] = 0xe8; /* declares 1000, 598 of them arrive */
	cr_assert_eq(fr_decoder_feed(&d, part, sizeof(part)), FR_OK);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_NEED_MORE);
	cr_expect_geq(fr_decoder_bufcap(&d), 598);
	cr_expect_leq(fr_decoder_bufcap(&d), bound);
	cr_assert_eq(fr_decoder_feed(&d, part, sizeof(part)), FR_OK);
	cr_assert_eq(fr_decoder_next(&d, &f), FR_FRAME);
	cr_expect_leq(fr_decoder_bufcap(&d), bound);
	fr_decoder_free(&d);
	cr_expect_eq(fr_decoder_bufcap(&d), 0);

	s.max = 1000;
	cr_assert_eq(fr_decoder_init(&d, &s, buf, sizeof(buf)), FR_OK);
	cr_expect_eq(fr_decoder_bufcap(&d), sizeof(buf));
	cr_expect_eq(fr_decoder_spec(&d)->max, 1000);
	fr_decoder_free(&d);
}

/* The same for resp, http1 and ws, whose frames are whole wire units. */
Test(memory, no_allocation_per_frame_protocols)
{
	static const struct {
		const char *spec, *head;
	} t[] = {
	    {"resp", "$100\r\n"},
	    {"http1:req", "PUT / HTTP/1.1\r\nContent-Length: 100\r\n\r\n"},
	    {"http1:resp", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"},
	    {"ws", "\x82\x64"},
	    {"ws,unmask", "\x82\xe4\x01\x02\x03\x04"},
	};

	skip_under_asan();
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct fr_spec s;
		struct fr_decoder d;
		struct du_buf one = {0}, b = {0};
		uint8_t body[100];
		size_t before, bs;
		void *buf;

		memset(body, 'q', sizeof(body));
		du_buf_put(&one, t[i].head, strlen(t[i].head));
		du_buf_put(&one, body, sizeof(body));
		if (t[i].spec[0] == 'r')
			du_buf_put(&one, "\r\n", 2);
		for (int k = 0; k < 200; k++)
			du_buf_put(&b, one.p, one.len);
		du_spec(&s, t[i].spec);
		bs = fr_decoder_bufsize(&s);
		buf = malloc(bs);
		before = heap_in_use();
		cr_assert_eq(fr_decoder_init(&d, &s, buf, bs), FR_OK);
		decode_many(&d, b.p, b.len, 37);
		fr_decoder_free(&d);
		cr_expect_eq(heap_in_use(), before,
			     "%s: caller-buffer decoder allocated", t[i].spec);
		cr_assert_eq(fr_decoder_init(&d, &s, NULL, 0), FR_OK);
		decode_many(&d, b.p, b.len / 2, 37);
		before = heap_in_use();
		decode_many(&d, b.p + b.len / 2, b.len - b.len / 2, 37);
		cr_expect_eq(heap_in_use(), before,
			     "%s: heap changed while decoding frames",
			     t[i].spec);
		fr_decoder_free(&d);
		free(buf);
		du_buf_free(&one);
		du_buf_free(&b);
	}
}
