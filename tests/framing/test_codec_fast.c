/* Criterion suite for the decoders' fast paths (issue 15): the edges where
 * an in-place scan hands over to the incremental path. Every vector runs
 * whole, byte by byte and at every split point, against guard pages.
 * resp and http1 here; cobs and slip in test_codec_fast_stuff.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_text.h"
#include "decode_util.h"
#include "framing/codec.h"
#include "test_codec_fast.h"

#define E(code) "e@0:" code " fin@0:" code

/* resp: lengths and counts of 1, 2 and 3 digits are read without a branch
 * on the digit count; 4 and more, signs and "-1" by the digit loop. */
static const struct ct_vec resp_ok[] = {
    {"resp", "$1\r\n7\r\n$2\r\n42\r\n$3\r\n123\r\n$4\r\n1234\r\n",
     "7 8 9 10 done"},
    {"resp", "$0\r\n\r\n$-1\r\n$5\r\n12\r\n3\r\n", "6 5 11 done"},
    {"resp", ":7\r\n:77\r\n:777\r\n:7777\r\n:0\r\n:-7\r\n", "4 5 6 7 4 5 done"},
    {"resp", "*1\r\n$3\r\n999\r\n*2\r\n:1\r\n$10\r\n0123456789\r\n",
     "13 25 done"},
    {"resp",
     "*10\r\n:0\r\n:1\r\n:2\r\n:3\r\n:4\r\n:5\r\n:6\r\n:7\r\n:8\r\n:9\r\n"
     "*0\r\n",
     "45 4 done"},
    /* a three-digit length whose body starts with digits */
    {"resp",
     "$100\r\n"
     "0123456789012345678901234567890123456789012345678901234567890123"
     "456789012345678901234567890123456789\r\n",
     "108 done"},
    /* the frame's last byte is max; then max exactly */
    {"resp,max=9", "$3\r\n123\r\n", "9 done"},
    {"resp,max=13", "*1\r\n$3\r\nabc\r\n", "13 done"},
};

static const struct ct_vec resp_bad[] = {
    {"resp", "$00\r\n\r\n", E("ERESP")},
    {"resp", "$012\r\n012345678901\r\n", E("ERESP")},
    {"resp", ":01\r\n", E("ERESP")},
    {"resp", "*01\r\n:1\r\n", E("ERESP")},
    {"resp", "$1x\r\na\r\n", E("ERESP")},
    {"resp", "$12\nabcdefghijkl\r\n", E("ERESP")},
    {"resp", "$1\r\r\na\r\n", E("ERESP")},
    {"resp", "$3\r\nabcd\r\n", E("ERESP")},
    {"resp", "*2\r\n$1\r\na\r\n$1\r\nbc\r\n", E("ERESP")},
    /* max one byte short of the frame */
    {"resp,max=8", "$3\r\n123\r\n", E("EOVERSIZE")},
    {"resp,max=12", "*1\r\n$3\r\nabc\r\n", E("EOVERSIZE")},
    {"resp,max=6", ":1234\r\n", E("EOVERSIZE")},
};

Test(fast, resp_number_lines_and_limits_under_every_split)
{
	char *why = CT_EXPECT_VECS(resp_ok);

	cr_assert_null(why, "%s", why);
	why = CT_EXPECT_VECS(resp_bad);
	cr_assert_null(why, "%s", why);
}

/* http1: field values are checked 16 bytes at a time, the rest by loads
 * that overlap (16 bytes, or two of 8 for values of 8 to 15), and lines
 * found 16 bytes at a time; put a byte of each kind at every place around
 * those steps and the byte loop for short values. */
#define REQ "GET / HTTP/1.1\r\n"

static char *http_with_value(const char *value, size_t n, size_t *len)
{
	static const char head[] = REQ "X-Field: ";
	static const char tail[] = "\r\nHost: a\r\n\r\n";
	char *w = malloc(sizeof(head) + n + sizeof(tail));

	cr_assert_not_null(w);
	memcpy(w, head, sizeof(head) - 1);
	memcpy(w + sizeof(head) - 1, value, n);
	memcpy(w + sizeof(head) - 1 + n, tail, sizeof(tail));
	*len = sizeof(head) - 1 + n + sizeof(tail) - 1;
	return w;
}

char *fast_splits(const char *spec, const char *w, size_t len, const char *want)
{
	struct fr_spec s;
	char *why = NULL;

	du_spec(&s, spec);
	for (size_t k = 0; !why && k <= len + 1; k++) {
		size_t two[2] = {k, FR_CHUNK_REST};
		unsigned flags = k > len ? DU_CALLER_BUF | DU_GUARD_CHUNKS : 0;
		struct du_events ev;

		du_decode(&s, w, len, k == 0 || k > len ? NULL : two,
			  k == 0 || k > len ? 0 : 2, flags, &ev);
		char *got = du_events_str(&ev);
		du_events_free(&ev);
		if (strcmp(got, want) != 0 &&
		    asprintf(&why, "%s, split at %zu%s:\n got  %s\n want %s",
			     spec, k, flags ? " (guarded)" : "", got, want) < 0)
			why = NULL;
		free(got);
	}
	return why;
}

/* Decode a request whose X-Field value is n bytes of 'v' with byte c at
 * index at; NULL when it gives want under fast_splits. */
static char *http_value_case(size_t n, size_t at, char c, bool ok)
{
	char value[64], want[64];

	memset(value, 'v', n);
	value[at] = c;
	size_t len;
	char *w = http_with_value(value, n, &len);
	if (ok)
		snprintf(want, sizeof(want), "%zu done", len);
	else
		snprintf(want, sizeof(want), "%s", E("EHTTP"));
	char *full = ct_want(w, len, want);
	char *why = fast_splits("http1:req", w, len, full);
	free(full);
	free(w);
	if (why) {
		char *msg;
		cr_assert_gt(asprintf(&msg, "value of %zu, 0x%02x at %zu: %s",
				      n, (unsigned)(uint8_t)c, at, why),
			     0);
		free(why);
		return msg;
	}
	return NULL;
}

Test(fast, http1_field_value_bytes_around_the_16_byte_steps)
{
	static const size_t sizes[] = {1, 7, 8, 9, 12, 15, 16, 17, 32, 33};
	static const size_t places[] = {0, 1, 4, 7, 8, 14, 15, 16, 17, 31, 32};
	static const struct {
		char c;
		bool ok;
	} bytes[] = {
	    {'\t', true},  {(char)0x80, true}, {(char)0xff, true},
	    {0x01, false}, {0x1f, false},      {0x7f, false},
	    {0x00, false}, {'\r', false},
	};

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = sizes[s];
		for (size_t b = 0; b < sizeof(bytes) / sizeof(bytes[0]); b++) {
			for (size_t k = 0;
			     k <= sizeof(places) / sizeof(places[0]); k++) {
				/* the listed places, then the value's last */
				size_t at =
				    k < sizeof(places) / sizeof(places[0])
					? places[k]
					: n - 1;
				/* OWS at either end is trimmed, not checked */
				if (at >= n || (bytes[b].c == '\t' &&
						(at == 0 || at == n - 1)))
					continue;
				char *why = http_value_case(n, at, bytes[b].c,
							    bytes[b].ok);
				cr_assert_null(why, "%s", why);
			}
		}
	}
}

static const struct ct_vec http_lines[] = {
    /* an LF at 15, 16, 17, 31 and 32 bytes into the line */
    {"http1:req", REQ "A: 01234567890\r\n\r\n", "34 done"},
    {"http1:req", REQ "A: 012345678901\r\n\r\n", "35 done"},
    {"http1:req", REQ "A: 0123456789012\r\n\r\n", "36 done"},
    {"http1:req", REQ "A: 012345678901234567890123456\r\n\r\n", "50 done"},
    {"http1:req", REQ "A: 0123456789012345678901234567\r\n\r\n", "51 done"},
    /* a bare LF there ends no line */
    {"http1:req", REQ "A: 012345678901\n\r\n", E("EHTTP")},
    {"http1:req", REQ "A: 0123456789012345678901234567\n\r\n", E("EHTTP")},
    /* hmax met exactly by a long line, and one byte short */
    {"http1:req,hmax=51", REQ "A: 0123456789012345678901234567\r\n\r\n",
     "51 done"},
    {"http1:req,hmax=50", REQ "A: 0123456789012345678901234567\r\n\r\n",
     E("EOVERSIZE")},
};

Test(fast, http1_line_ends_at_every_place)
{
	char *why = CT_EXPECT_VECS(http_lines);

	cr_assert_null(why, "%s", why);
}
