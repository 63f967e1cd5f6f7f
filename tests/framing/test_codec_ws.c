/* Criterion suite for the ws codec (framing/src/dec_ws.c): the RFC 6455
 * section 5.7 examples, 7/16/64-bit lengths, control-frame rules, unmask,
 * the encoder, and named past bugs (mosquitto#3721, libvncserver#297). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_util.h"
#include "framing/codec.h"

/* RFC 6455 5.7: "Hello" unmasked, and masked with key 37 fa 21 3d. */
#define HELLO "810548656c6c6f"
#define HELLO_M "818537fa213d7f9f4d5158"
#define E(code) "e@0:" code " fin@0:" code

static const struct du_vec vecs[] = {
    {"ws", HELLO, "f@0:" HELLO " done"},
    {"ws", HELLO_M, "f@0:" HELLO_M " done"},
    {"ws", HELLO HELLO_M, "f@0:" HELLO " f@7:" HELLO_M " done"},
    /* fragmented text message, then ping and masked pong */
    {"ws", "010348656c 80026c6f", "f@0:010348656c f@5:80026c6f done"},
    {"ws", "890548656c6c6f", "f@0:890548656c6c6f done"},
    {"ws", "8a8537fa213d7f9f4d5158", "f@0:8a8537fa213d7f9f4d5158 done"},
    {"ws", "8800 8180 01020304", "f@0:8800 f@2:818001020304 done"},
    /* unmask: same frame as an unmasked sender writes it */
    {"ws,unmask", HELLO_M, "f@0:" HELLO " done"},
    {"ws,unmask", HELLO HELLO_M, "f@0:" HELLO " f@7:" HELLO " done"},
    {"ws,unmask", "8180 01020304", "f@0:8100 done"},
    /* RSV bits (permessage-deflate sets RSV1) are an extension's matter */
    {"ws", "c10548656c6c6f", "f@0:c10548656c6c6f done"},
    /* max counts the delivered frame */
    {"ws,max=7", HELLO, "f@0:" HELLO " done"},
    {"ws,unmask,max=7", HELLO_M, "f@0:" HELLO " done"},
    /* errors: length encodings (5.2) */
    {"ws", "827e007d", E("EWS")},
    {"ws", "827f000000000000ffff", E("EWS")},
    {"ws", "827f8000000000000000", E("EWS")},
    {"ws", "827fffffffffffffffff", E("EWS")},
    /* control frames: FIN set, payload <= 125 (5.5); opcodes (5.2) */
    {"ws", "097e007e", E("EWS")},
    {"ws", "0900", E("EWS")},
    {"ws", "897e", E("EWS")},
    {"ws", "8300", E("EWS")},
    {"ws", "8b00", E("EWS")},
    {"ws", HELLO "8f00", "f@0:" HELLO " e@7:EWS fin@7:EWS"},
    {"ws,max=6", HELLO, E("EOVERSIZE")},
    {"ws,max=6", HELLO_M, E("EOVERSIZE")},
    {"ws,unmask,max=6", HELLO_M, E("EOVERSIZE")},
    {"ws", "827f0000010000000000", E("EOVERSIZE")},
    /* truncated */
    {"ws", "81", "fin@0:ETRUNCATED"},
    {"ws", "818537fa", "fin@0:ETRUNCATED"},
    {"ws", HELLO "827e01", "f@0:" HELLO " fin@7:ETRUNCATED"},
    {"ws", "810548656c6c", "fin@0:ETRUNCATED"},
};

Test(ws, vectors_under_every_split)
{
	char *why = DU_EXPECT_VECS(vecs);

	cr_assert_null(why, "%s", why);
}

/* A frame with a 16- or 64-bit length and a mask: header, key, payload. */
static size_t ws_frame(uint8_t *out, size_t plen, bool mask, bool big)
{
	static const uint8_t key[4] = {0xa1, 0xb2, 0xc3, 0xd4};
	size_t o = 0;

	out[o++] = 0x82;
	if (big) {
		out[o++] = (uint8_t)((mask ? 0x80 : 0) | 127);
		for (int i = 7; i >= 0; i--)
			out[o++] = (uint8_t)((uint64_t)plen >> (8 * i));
	} else {
		out[o++] = (uint8_t)((mask ? 0x80 : 0) | 126);
		out[o++] = (uint8_t)(plen >> 8);
		out[o++] = (uint8_t)plen;
	}
	if (mask) {
		memcpy(out + o, key, 4);
		o += 4;
	}
	for (size_t i = 0; i < plen; i++)
		out[o + i] = (uint8_t)(i * 7) ^ (mask ? key[i & 3] : 0);
	return o + plen;
}

/* mosquitto#3721: the extended length and the masking key split across
 * reads. Every split of a masked 16-bit frame and a 64-bit frame, both
 * delivered and unmasked, must give the same frames. */
Test(ws, mosquitto3721_split_length_and_key)
{
	uint8_t *w = malloc(2 * 65550);
	size_t a = ws_frame(w, 300, true, false);
	size_t n = a + ws_frame(w + a, 70000 - 65536 + 65536, true, true);
	char *h1 = du_hex(w, a), *h2 = du_hex(w + a, n - a);
	char *want = NULL;

	cr_assert(asprintf(&want, "f@0:%s f@%zu:%s done", h1, a, h2) > 0);
	/* every two-way split inside the headers (first 20 bytes of each),
	 * then the rest whole */
	struct fr_spec s;
	du_spec(&s, "ws");
	for (size_t cut = 1; cut < a + 20; cut++) {
		size_t sizes[] = {cut, 1, 1, 1, FR_CHUNK_REST};
		struct du_events ev;

		du_decode(&s, w, n, sizes, 5, DU_GUARD_CHUNKS, &ev);
		char *got = du_events_str(&ev);
		cr_expect_str_eq(got, want, "cut at %zu", cut);
		free(got);
		du_events_free(&ev);
	}
	free(want);
	free(h1);
	free(h2);
	/* unmasked delivery: payload back to i * 7 */
	du_spec(&s, "ws,unmask");
	struct du_events ev;
	size_t ones[64];
	for (size_t i = 0; i < 64; i++)
		ones[i] = 1;
	du_decode(&s, w, n, ones, 64, 0, &ev);
	cr_assert_eq(ev.n, 3, "%zu events", ev.n);
	cr_assert_eq(ev.ev[0].len, 4 + 300);
	cr_assert_eq(ev.ev[1].len, 10 + 70000);
	cr_assert_eq(ev.ev[1].data[1], 127);
	for (size_t i = 0; i < 300; i++)
		cr_assert_eq(ev.ev[0].data[4 + i], (uint8_t)(i * 7), "byte %zu",
			     i);
	for (size_t i = 0; i < 70000; i++)
		cr_assert_eq(ev.ev[1].data[10 + i], (uint8_t)(i * 7),
			     "byte %zu", i);
	du_events_free(&ev);
	free(w);
}

/* libvncserver#297: reading a header must not swallow the next frame
 * coalesced into the same read. */
Test(ws, libvncserver297_coalesced_frames_stay_apart)
{
	uint8_t w[1024];
	size_t a = ws_frame(w, 200, true, false);
	size_t n = a;

	memcpy(w + n, "\x81\x02hi\x89\x00\x88\x80\x01\x02\x03\x04", 12);
	n += 12;
	struct fr_spec s;
	struct du_events ev;
	du_spec(&s, "ws");
	du_decode(&s, w, n, NULL, 0, DU_GUARD_CHUNKS, &ev);
	char *got = du_events_str(&ev);
	char *h = du_hex(w, a);
	char *want = NULL;
	cr_assert(asprintf(&want,
			   "f@0:%s f@%zu:81026869 f@%zu:8900 f@%zu:888001020304"
			   " done",
			   h, a, a + 4, a + 6) > 0);
	cr_assert_str_eq(got, want);
	cr_expect(ev.ev[1].zero_copy && ev.ev[2].zero_copy);
	char *why = du_expect_all_splits("ws", w, n, want);
	cr_assert_null(why, "%s", why);
	free(got);
	free(h);
	free(want);
	du_events_free(&ev);
}

Test(ws, encoder_takes_exactly_one_frame)
{
	static const struct {
		const char *spec, *msg;
		int want;
	} t[] = {
	    {"ws", HELLO, FR_OK},
	    {"ws", HELLO_M, FR_OK},
	    {"ws", "8800", FR_OK},
	    {"ws,unmask", HELLO, FR_OK},
	    {"ws,unmask", HELLO_M, FR_EUNENCODABLE}, /* comes back unmasked */
	    {"ws", "", FR_EUNENCODABLE},
	    {"ws", HELLO HELLO, FR_EUNENCODABLE},
	    {"ws", "810548656c6c", FR_EUNENCODABLE},
	    {"ws", "827e007d", FR_EUNENCODABLE},
	    {"ws", "0900", FR_EUNENCODABLE},
	    {"ws,max=6", HELLO, FR_EOVERSIZE},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct fr_spec s;
		size_t n, olen = 0;
		uint8_t *m = du_unhex(t[i].msg, &n);
		uint8_t out[64];

		du_spec(&s, t[i].spec);
		int r = fr_encode(&s, m, n, out, sizeof(out), &olen);
		cr_expect_eq(r, t[i].want, "%s %s: %d", t[i].spec, t[i].msg, r);
		if (r == FR_OK) {
			cr_expect_eq(olen, n);
			cr_expect_eq(memcmp(out, m, n), 0);
			cr_expect_eq(fr_encode_bound(&s, n), n);
		}
		free(m);
	}
}
