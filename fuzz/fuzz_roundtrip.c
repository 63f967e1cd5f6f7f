/* The round-trip engine behind roundtrip_<codec>: encode the input's
 * messages with fr_encode (checking it refuses exactly what it must),
 * decode the wire under the input's schedule and byte by byte, and abort
 * unless the accepted messages come back unchanged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "fuzz_input.h"

#define FZ_NOINLINE __attribute__((noinline))

static FZ_NOINLINE void fz_rt_die(const char *what)
{
	fprintf(stderr, "fuzz: %s spec=%s split=%s\n", what, fz_ctx_spec,
		fz_ctx_sched);
	fflush(stderr);
	abort();
}

static FZ_NOINLINE void fz_fail_refused_valid(void)
{
	fz_rt_die("encoder refused a message it must accept");
}
static FZ_NOINLINE void fz_fail_accepted_invalid(void)
{
	fz_rt_die("encoder accepted a message it must refuse");
}
static FZ_NOINLINE void fz_fail_encode_code(void)
{
	fz_rt_die("encoder returned an unexpected code");
}
static FZ_NOINLINE void fz_fail_encode_bound(void)
{
	fz_rt_die("encoded size above fr_encode_bound");
}
static FZ_NOINLINE void fz_fail_encode_wrote(void)
{
	fz_rt_die("encoder wrote output and then failed");
}
static FZ_NOINLINE void fz_fail_rt_error(void)
{
	fz_rt_die("decoding encoded messages gave an error");
}
static FZ_NOINLINE void fz_fail_rt_count(void)
{
	fz_rt_die("decoded frame count differs from messages");
}
static FZ_NOINLINE void fz_fail_rt_frame(void)
{
	fz_rt_die("decoded frame differs from its message");
}
static FZ_NOINLINE void fz_fail_rt_raw(void)
{
	fz_rt_die("raw bytes differ from the messages");
}

/* Messages, concatenated, with their lengths. */
struct fz_msgs {
	uint8_t *bytes;
	size_t nb, bcap;
	size_t *len;
	size_t n, cap;
};

static struct fz_msgs fz_sent;
static struct fz_log fz_plan, fz_bytes;
static uint8_t *fz_wire;
static size_t fz_wire_cap;

static void fz_reserve(void *pp, size_t *cap, size_t need, size_t elem)
{
	void **p = pp;
	size_t n = *cap ? *cap : 256;

	while (n < need)
		n *= 2;
	if (n == *cap)
		return;
	*p = realloc(*p, n * elem);
	if (*p == NULL)
		abort();
	*cap = n;
}

/* First match of the delimiter in msg || delim starts inside msg? */
static bool fz_delim_inside(const struct fr_spec *sp, const uint8_t *m,
			    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		while (k < sp->delim_len) {
			uint8_t c = i + k < n ? m[i + k] : sp->delim[i + k - n];

			if (c != sp->delim[k])
				break;
			k++;
		}
		if (k == sp->delim_len)
			return true;
	}
	return false;
}

/* 1: the encoder must refuse, 0: it must accept, -1: not judged here. */
static int fz_must_refuse(const struct fr_spec *sp, const uint8_t *m, size_t n)
{
	if (sp->kind == FR_RAW)
		return -1;
	if (n > sp->max)
		return 1;
	switch (sp->kind) {
	case FR_FIXED:
		return n != sp->fixed;
	case FR_LINE:
	case FR_CRLF:
	case FR_DELIM:
		return fz_delim_inside(sp, m, n);
	case FR_SLIP:
	case FR_TLV:
		return n == 0;
	case FR_LEN:
		if (sp->offset != 0 || sp->adjust != 0 ||
		    (sp->strip_set &&
		     (sp->width == 0 || sp->strip != sp->width)))
			return -1; /* header bytes come from the message */
		if (sp->width == 0 || sp->width == 8)
			return 0;
		return (uint64_t)n >> (8 * sp->width) != 0;
	default:
		return 0;
	}
}

static void fz_encode_one(const struct fr_spec *sp, const uint8_t *m, size_t n,
			  size_t *wlen)
{
	size_t bound = fr_encode_bound(sp, n), out = 0;
	int judge = fz_must_refuse(sp, m, n), r;

	fz_reserve(&fz_wire, &fz_wire_cap, *wlen + bound + 1, 1);
	fz_wire[*wlen] = 0xa5; /* canary: nothing written on error */
	r = fr_encode(sp, m, n, fz_wire + *wlen, bound, &out);
	if (r == FR_EOVERSIZE || r == FR_EUNENCODABLE) {
		if (judge == 0)
			fz_fail_refused_valid();
		if (bound > 0 && fz_wire[*wlen] != 0xa5)
			fz_fail_encode_wrote();
		return;
	}
	if (r != FR_OK)
		fz_fail_encode_code();
	if (judge == 1)
		fz_fail_accepted_invalid();
	if (out > bound)
		fz_fail_encode_bound();
	*wlen += out;
	fz_reserve(&fz_sent.len, &fz_sent.cap, fz_sent.n + 1, sizeof(size_t));
	fz_reserve(&fz_sent.bytes, &fz_sent.bcap, fz_sent.nb + n + 1, 1);
	fz_sent.len[fz_sent.n++] = n;
	if (n > 0)
		memcpy(fz_sent.bytes + fz_sent.nb, m, n);
	fz_sent.nb += n;
}

/* Next message from the front part (layout in fuzz_input.h). */
static size_t fz_next_msg(const struct fr_spec *sp, const uint8_t **p,
			  size_t *left)
{
	size_t n;

	if (sp->kind == FR_FIXED) {
		n = sp->fixed;
	} else {
		n = **p;
		(*p)++;
		(*left)--;
		if (n == 255 && *left >= 2) {
			n = (((size_t)(*p)[0] << 8) | (*p)[1]) % 1024;
			*p += 2;
			*left -= 2;
		}
	}
	return n < *left ? n : *left;
}

static void fz_check_frames(const struct fr_spec *sp, const struct fz_log *l)
{
	size_t at = 0, k = 0;

	if (sp->kind == FR_RAW) {
		if (l->nb != fz_sent.nb ||
		    (l->nb > 0 && memcmp(l->bytes, fz_sent.bytes, l->nb) != 0))
			fz_fail_rt_raw();
	}
	for (size_t i = 0; i < l->n; i++) {
		const struct fz_ev *e = &l->ev[i];

		if (e->kind == FZ_EV_ERROR ||
		    (e->kind == FZ_EV_FINISH && e->code != FR_DONE))
			fz_fail_rt_error();
		if (e->kind != FZ_EV_FRAME)
			continue;
		if (k >= fz_sent.n)
			fz_fail_rt_count();
		if (e->len != fz_sent.len[k] ||
		    (e->len > 0 &&
		     memcmp(l->bytes + e->at, fz_sent.bytes + at, e->len) != 0))
			fz_fail_rt_frame();
		at += fz_sent.len[k++];
	}
	if (sp->kind != FR_RAW && k != fz_sent.n)
		fz_fail_rt_count();
}

size_t fz_roundtrip_wire(const struct fr_spec *spec, const uint8_t *front,
			 size_t len, const uint8_t **wire)
{
	size_t wlen = 0;

	fz_sent.n = 0;
	fz_sent.nb = 0;
	while (len > 0) {
		size_t n = fz_next_msg(spec, &front, &len);

		fz_encode_one(spec, front, n, &wlen);
		front += n;
		len -= n;
	}
	*wire = fz_wire;
	return wlen;
}

int fz_roundtrip_run(int kind, const uint8_t *data, size_t size)
{
	struct fz_setup s;
	struct fr_spec spec;
	const uint8_t *wire;
	size_t wlen;

	if (fz_begin(&s, &spec, kind, data, size) != 0)
		return 0;
	wlen = fz_roundtrip_wire(&spec, s.stream, s.stream_len, &wire);
	if (fz_setup_chunks(&s, wlen) != 0)
		goto out;
	fz_decode(&spec, wire, wlen, s.chunks, s.nchunks, FZ_FEED_PLAN,
		  &fz_plan);
	fz_check_frames(&spec, &fz_plan);
	fz_check_reference(&spec, wire, wlen, &fz_plan);
	fz_decode(&spec, wire, wlen, NULL, 0, FZ_FEED_BYTES, &fz_bytes);
	fz_check_frames(&spec, &fz_bytes);
out:
	fz_setup_free(&s);
	return 0;
}
