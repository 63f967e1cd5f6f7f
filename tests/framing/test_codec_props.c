/* Criterion suite: seeded property tests of chunk invariance
 * (docs/design.md):
 * for every codec, valid, garbage and mutated streams decode to the same
 * events under every split policy, and decode(encode(msgs)) == msgs under
 * random splits. FRAGLAB_SEED=N replays a run; failures print the seed. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_util.h"
#include "framing/codec.h"
#include "framing/sched.h"

static const char *const specs[] = {
    "fixed:1",
    "fixed:5",
    "line",
    "line,max=16",
    "crlf,max=8",
    "delim:0d0a0d0a,max=32",
    "delim:616161,max=8",
    "delim:00",
    "len:1be",
    "len:2le,max=40",
    "len:3be",
    "len:8le",
    "len:varint",
    "len:varint,max=100",
    "len:2be,offset=1,adjust=1,strip=3",
    "len:2be,offset=1,adjust=-3,strip=3",
    "len:2be,adjust=-2,strip=0",
    "len:3be,adjust=2,strip=0",
    "len:4le,offset=2,strip=0,max=64",
    "len:2be,offset=1,adjust=3,strip=1",
    "len:2be,strip=1",
    "len:varint,strip=0",
    "len:varint,offset=2",
    "cobs",
    "cobs,max=20",
    "slip",
    "slip,max=10",
    "netstring",
    "netstring,max=20",
    "tlv",
    "tlv,max=16",
    "raw",
    "raw,max=3",
};
#define NSPECS (sizeof(specs) / sizeof(specs[0]))
#define STREAMS_PER_SPEC 30
#define ROUNDTRIPS_PER_SPEC 40

/* Bytes that mean something to some codec. */
static const uint8_t pool[] = {0x00, 0x01, 0x02, 0x03, 0x05, 0x0a, 0x0d,
			       0x61, 0xc0, 0xdb, 0xdc, 0xdd, '0',  '1',
			       '3',  ':',  ',',	 0xff, 0x80, 0x7f};

static uint64_t base_seed(void)
{
	const char *env = getenv("FRAGLAB_SEED");

	return env ? strtoull(env, NULL, 0) : 0x5eed2026;
}

/* FRAGLAB_PROPS_SCALE=N runs N times as many streams (long soaks). */
static int scale(void)
{
	const char *env = getenv("FRAGLAB_PROPS_SCALE");
	int n = env ? atoi(env) : 1;

	return n > 0 ? n : 1;
}

static void log_seed(void)
{
	cr_log_info("props: FRAGLAB_SEED=%llu",
		    (unsigned long long)base_seed());
}

TestSuite(props, .init = log_seed);

static uint8_t rand_byte(uint64_t *rng, bool special)
{
	if (special)
		return pool[fr_rng_range(rng, 0, sizeof(pool) - 1)];
	return (uint8_t)fr_rng_next(rng);
}

/* A len spec whose strip keeps (part of) the header delivers it in the
 * message: write the length field bytes that fall inside the message so
 * the encoder can accept it. msg holds wire bytes [strip, strip + len). */
static bool fill_header(const struct fr_spec *s, uint8_t *msg, size_t len)
{
	size_t hdr = s->offset + s->width;
	int64_t v = (int64_t)(s->strip + len) - (int64_t)hdr - s->adjust;

	if (s->strip + len < hdr || v < 0 ||
	    (s->width < 8 && v >> (8 * s->width)))
		return false;
	for (unsigned i = 0; i < s->width; i++) {
		unsigned sh = s->little ? i : s->width - 1 - i;

		if (s->offset + i >= s->strip)
			msg[s->offset + i - s->strip] =
			    (uint8_t)((uint64_t)v >> (8 * sh));
	}
	return true;
}

/* len:varint,strip=0: the message is LEB128(n) followed by n bytes. */
static size_t varint_msg(uint64_t *rng, uint8_t *msg, bool special)
{
	size_t n = fr_rng_range(rng, 0, 200), k = 0;

	for (size_t v = n;; v >>= 7) {
		msg[k++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		if (v <= 0x7f)
			break;
	}
	for (size_t i = 0; i < n; i++)
		msg[k + i] = rand_byte(rng, special);
	return k + n;
}

/* A random message the spec's encoder should usually accept. */
static size_t rand_msg(const struct fr_spec *s, uint64_t *rng, uint8_t *msg,
		       size_t cap)
{
	bool special = fr_rng_range(rng, 0, 4) == 0;
	size_t hi = s->max < 40 ? s->max : 40;
	size_t len;

	if (s->max <= 300 && fr_rng_range(rng, 0, 5) == 0)
		hi = s->max + 1; /* near and over the edge */
	if (hi > cap)
		hi = cap;
	len = fr_rng_range(rng, 0, hi);
	if (s->kind == FR_FIXED)
		len = s->fixed;
	for (size_t i = 0; i < len; i++)
		msg[i] = rand_byte(rng, special);
	if (s->kind != FR_LEN || !s->strip_set)
		return len;
	if (!s->width && s->strip == 0 && s->offset == 0)
		return varint_msg(rng, msg, special);
	if (!s->width || s->strip >= s->offset + s->width)
		return len;
	len = s->offset + s->width - s->strip + fr_rng_range(rng, 0, 12);
	for (size_t i = 0; i < len; i++)
		msg[i] = rand_byte(rng, special);
	return fill_header(s, msg, len) ? len : 0;
}

/* Append the encodings of up to n random messages; returns how many the
 * encoder accepted. Accepted messages are also kept in *msgs when given. */
static size_t rand_valid(const struct fr_spec *s, uint64_t *rng, size_t n,
			 struct du_buf *out, struct du_buf *msgs,
			 struct du_buf *lens)
{
	uint8_t msg[512], wire[1100];
	size_t ok = 0;

	for (size_t i = 0; i < n; i++) {
		size_t len = rand_msg(s, rng, msg, sizeof(msg)), wl = 0;
		int r = fr_encode(s, msg, len, wire, sizeof(wire), &wl);

		if (r != FR_OK)
			continue;
		cr_assert_leq(wl, fr_encode_bound(s, len));
		du_buf_put(out, wire, wl);
		if (msgs) {
			du_buf_put(msgs, msg, len);
			du_buf_put(lens, &len, sizeof(len));
		}
		ok++;
	}
	return ok;
}

static void mutate(struct du_buf *b, uint64_t *rng)
{
	int n = (int)fr_rng_range(rng, 1, 3);

	for (int k = 0; k < n && b->len; k++) {
		size_t at = fr_rng_range(rng, 0, b->len - 1);

		switch (fr_rng_range(rng, 0, 3)) {
		case 0:
			b->p[at] ^= (uint8_t)(1u << fr_rng_range(rng, 0, 7));
			break;
		case 1:
			b->p[at] = rand_byte(rng, true);
			break;
		case 2:
			memmove(b->p + at, b->p + at + 1, b->len - at - 1);
			b->len--;
			break;
		default:
			b->len = at;
			break;
		}
	}
}

static void rand_stream(const struct fr_spec *s, uint64_t *rng,
			struct du_buf *b, int kind)
{
	if (kind == 0 || kind == 2)
		rand_valid(s, rng, fr_rng_range(rng, 0, 12), b, NULL, NULL);
	if (kind == 1) {
		size_t n = fr_rng_range(rng, 0, 200);
		bool special = fr_rng_range(rng, 0, 3) != 0;

		for (size_t i = 0; i < n; i++) {
			uint8_t c = rand_byte(rng, special);

			du_buf_put(b, &c, 1);
		}
	}
	if (kind == 2)
		mutate(b, rng);
}

static char *events_text(const struct fr_spec *s, const struct du_events *e)
{
	return s->kind == FR_RAW ? du_events_concat_str(e) : du_events_str(e);
}

static bool stopped_fatal(const struct fr_spec *s, const struct du_events *e)
{
	for (size_t i = 0; i < e->n; i++)
		if (!e->ev[i].fin && e->ev[i].code < 0 &&
		    fr_error_is_fatal(s, e->ev[i].code))
			return true;
	return false;
}

/* Schedules every stream is decoded under, besides one whole chunk. */
static void policies(uint64_t *rng, char out[][64], size_t *n)
{
	size_t k = 0;

	snprintf(out[k++], 64, "bytes");
	for (int f = 1; f <= 7; f++)
		snprintf(out[k++], 64, "fixed:%d", f);
	for (int i = 0; i < 3; i++)
		snprintf(out[k++], 64, "random:1-16,seed=%llu",
			 (unsigned long long)fr_rng_next(rng));
	snprintf(out[k++], 64, "list:%d,%d,%d,%d,%d",
		 (int)fr_rng_range(rng, 1, 9), (int)fr_rng_range(rng, 1, 9),
		 (int)fr_rng_range(rng, 1, 30), (int)fr_rng_range(rng, 1, 3),
		 (int)fr_rng_range(rng, 1, 40));
	snprintf(out[k++], 64, "list:3,1,2,repeat");
	*n = k;
}

static void check_invariance(size_t si, uint64_t seed)
{
	struct fr_spec s;
	uint64_t rng = fr_rng_seed(seed, si);
	char pol[16][64];
	size_t npol, frames = 0, errors = 0;

	du_spec(&s, specs[si]);
	for (int it = 0; it < STREAMS_PER_SPEC * scale(); it++) {
		struct du_buf b = {0};
		struct du_events ref, got;
		char *ref_s, *hex;

		rand_stream(&s, &rng, &b, it % 3);
		policies(&rng, pol, &npol);
		du_decode(&s, b.p, b.len, NULL, 0, 0, &ref);
		ref_s = events_text(&s, &ref);
		hex = du_hex(b.p, b.len < 400 ? b.len : 400);
		cr_assert_not(ref.runaway || ref.feed_err || ref.init_err,
			      "seed %llu %s stream %s: %s",
			      (unsigned long long)seed, specs[si], hex, ref_s);
		if (!stopped_fatal(&s, &ref))
			cr_assert_eq(ref.consumed, b.len,
				     "seed %llu %s: consumed",
				     (unsigned long long)seed, specs[si]);
		for (size_t e = 0; e < ref.n; e++) {
			frames += ref.ev[e].code == FR_FRAME;
			errors += ref.ev[e].code < 0;
		}
		for (size_t p = 0; p <= npol; p++) {
			char *got_s;

			if (p == npol)
				du_decode(&s, b.p, b.len, NULL, 0,
					  DU_CALLER_BUF, &got);
			else
				du_decode_sched(&s, b.p, b.len, pol[p], it, 0,
						&got);
			got_s = events_text(&s, &got);
			cr_assert_str_eq(
			    got_s, ref_s,
			    "chunk invariance broken: FRAGLAB_SEED="
			    "%llu spec %s split %s (stream id %d)"
			    "\nstream %s\n got  %s\n want %s",
			    (unsigned long long)seed, specs[si],
			    p == npol ? "whole+caller buffer" : pol[p], it, hex,
			    got_s, ref_s);
			free(got_s);
			du_events_free(&got);
		}
		free(hex);
		free(ref_s);
		du_events_free(&ref);
		du_buf_free(&b);
	}
	/* not vacuous: the streams made frames, and errors where possible */
	cr_assert_gt(frames, STREAMS_PER_SPEC / 2, "%s: only %zu frames",
		     specs[si], frames);
	if (s.kind != FR_RAW && !(s.kind == FR_FIXED && s.fixed == 1))
		cr_assert_gt(errors, 2, "%s: only %zu errors", specs[si],
			     errors);
}

/* " f@*:HEX" per frame (offsets aside), or bare hex for raw, whose
 * frames are only meaningful concatenated. */
static void put_frame(struct du_buf *b, bool raw, const uint8_t *p, size_t n)
{
	char *h = du_hex(p, n);

	if (!raw)
		du_buf_put(b, " f@*:", 5);
	du_buf_put(b, h, strlen(h));
	free(h);
}

/* decode(encode(msgs)) == msgs, under random splits and 1-byte chunks. */
static void check_round_trip(size_t si, uint64_t seed)
{
	struct fr_spec s;
	uint64_t rng = fr_rng_seed(seed, 1000 + si);
	size_t accepted = 0;

	du_spec(&s, specs[si]);
	for (int it = 0; it < ROUNDTRIPS_PER_SPEC * scale(); it++) {
		struct du_buf wire = {0}, msgs = {0}, lens = {0}, want = {0};
		size_t n = rand_valid(&s, &rng, fr_rng_range(&rng, 1, 10),
				      &wire, &msgs, &lens);
		const size_t *ln = (const size_t *)lens.p;
		size_t pos = 0;
		char sched[64];
		char *want_s;

		accepted += n;
		for (size_t i = 0; i < n; i++) {
			put_frame(&want, s.kind == FR_RAW,
				  msgs.p ? msgs.p + pos : NULL, ln[i]);
			pos += ln[i];
		}
		du_buf_put(&want, "", 1);
		want_s = (char *)want.p;
		for (int pass = 0; pass < 2; pass++) {
			struct du_events ev;
			struct du_buf got = {0};

			snprintf(sched, sizeof(sched),
				 pass ? "bytes" : "random:1-16,seed=%llu",
				 (unsigned long long)fr_rng_next(&rng));
			du_decode_sched(&s, wire.p, wire.len, sched, 0, 0, &ev);
			for (size_t i = 0; i < ev.n; i++)
				if (!ev.ev[i].fin && ev.ev[i].code == FR_FRAME)
					put_frame(&got, s.kind == FR_RAW,
						  ev.ev[i].data, ev.ev[i].len);
			du_buf_put(&got, "", 1);
			cr_assert(ev.n > 0 && ev.ev[ev.n - 1].fin &&
				      ev.ev[ev.n - 1].code == FR_DONE,
				  "FRAGLAB_SEED=%llu %s split %s: stream of "
				  "encoded messages does not end cleanly",
				  (unsigned long long)seed, specs[si], sched);
			cr_assert_str_eq((char *)got.p, want_s ? want_s : "",
					 "round trip broken: FRAGLAB_SEED=%llu "
					 "spec %s split %s",
					 (unsigned long long)seed, specs[si],
					 sched);
			du_buf_free(&got);
			du_events_free(&ev);
		}
		du_buf_free(&wire);
		du_buf_free(&msgs);
		du_buf_free(&lens);
		du_buf_free(&want);
	}
	cr_assert_geq(accepted, ROUNDTRIPS_PER_SPEC,
		      "%s: encoder accepted only %zu random messages",
		      specs[si], accepted);
}

static size_t spec_idx[NSPECS];

ParameterizedTestParameters(props, codec)
{
	for (size_t i = 0; i < NSPECS; i++)
		spec_idx[i] = i;
	return cr_make_param_array(size_t, spec_idx, NSPECS);
}

/* Per codec: chunk invariance, then the round trip. */
ParameterizedTest(size_t *si, props, codec, .timeout = 240)
{
	check_invariance(*si, base_seed());
	check_round_trip(*si, base_seed());
}

/* Small-scope exhaustive check: every stream up to a few bytes over an
 * alphabet that matters to the codec, with a tiny max, decodes the same
 * whole, byte by byte (caller buffer against a guard page) and at every
 * two-way split. */
struct small_scope {
	const char *spec;
	const char *alphabet; /* hex */
	size_t len;	      /* streams of exactly this many bytes */
};

static const struct small_scope scopes[] = {
    {"line,max=2", "610a", 9},
    {"crlf,max=2", "610d0a", 7},
    {"delim:0d0a0d0a,max=3", "0d0a61", 8},
    {"delim:616161,max=2", "6162", 10},
    {"delim:6162,max=2", "616263", 7},
    {"slip,max=2", "41c0dbdcdd", 5},
    {"cobs,max=2", "0001020341", 5},
    {"len:1be,max=2", "00010203", 5},
    {"len:varint,max=3", "0001807fff", 5},
    {"netstring,max=2", "3031323a2c61", 5},
    {"tlv,max=2", "000102", 7},
    {"len:2be,offset=1,adjust=-3,strip=3", "0001030405", 5},
    {"len:1be,strip=0,adjust=-1,max=2", "00010203", 5},
    {"fixed:3", "0001", 7},
};

static size_t scope_idx[sizeof(scopes) / sizeof(scopes[0])];

static void decode_text(const struct fr_spec *s, const uint8_t *w, size_t n,
			const size_t *sizes, size_t nsizes, unsigned flags,
			char **out)
{
	struct du_events ev;

	du_decode(s, w, n, sizes, nsizes, flags, &ev);
	*out = du_events_str(&ev);
	du_events_free(&ev);
}

ParameterizedTestParameters(props, small_scope_exhaustive)
{
	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
		scope_idx[i] = i;
	return cr_make_param_array(size_t, scope_idx,
				   sizeof(scopes) / sizeof(scopes[0]));
}

ParameterizedTest(size_t *si, props, small_scope_exhaustive, .timeout = 120)
{
	const struct small_scope *sc = &scopes[*si];
	static const size_t ones[16] = {1, 1, 1, 1, 1, 1, 1, 1,
					1, 1, 1, 1, 1, 1, 1, 1};
	struct fr_spec s;
	size_t na, total = 1;
	uint8_t *alpha = du_unhex(sc->alphabet, &na);
	uint8_t w[16];

	du_spec(&s, sc->spec);
	for (size_t i = 0; i < sc->len; i++)
		total *= na;
	for (size_t code = 0; code < total; code++) {
		char *ref, *got, *hex;
		size_t c = code;

		for (size_t i = 0; i < sc->len; i++, c /= na)
			w[i] = alpha[c % na];
		hex = du_hex(w, sc->len);
		decode_text(&s, w, sc->len, NULL, 0, 0, &ref);
		/* guard-page caller buffer on some: mmap is the slow part */
		decode_text(&s, w, sc->len, ones, sc->len,
			    code % 16 ? 0 : DU_CALLER_BUF, &got);
		cr_assert_str_eq(got, ref, "%s stream %s, 1-byte chunks",
				 sc->spec, hex);
		free(got);
		for (size_t k = 1; k < sc->len; k++) {
			size_t two[2] = {k, FR_CHUNK_REST};

			decode_text(&s, w, sc->len, two, 2, 0, &got);
			cr_assert_str_eq(got, ref, "%s stream %s, split at %zu",
					 sc->spec, hex, k);
			free(got);
		}
		free(ref);
		free(hex);
	}
	free(alpha);
}
