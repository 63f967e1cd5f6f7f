/* The round-trip engine behind roundtrip_<codec>: encode the input's
 * messages with fr_encode (checking it refuses exactly what it must),
 * decode the wire under the input's schedule and byte by byte, and abort
 * unless the accepted messages come back unchanged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_buf.h"
#include "fuzz_check.h"
#include "fuzz_input.h"

FZ_FAIL(fz_fail_refused_valid, "encoder refused a message it must accept",
	"encode")
FZ_FAIL(fz_fail_accepted_invalid, "encoder accepted a message it must refuse",
	"encode")
FZ_FAIL(fz_fail_encode_code, "encoder returned an unexpected code", "encode")
FZ_FAIL(fz_fail_encode_bound, "encoded size above fr_encode_bound", "encode")
FZ_FAIL(fz_fail_encode_wrote, "encoder wrote output and then failed", "encode")
FZ_FAIL(fz_fail_rt_error, "decoding encoded messages gave an error",
	"roundtrip")
FZ_FAIL(fz_fail_rt_count, "decoded frame count differs from messages",
	"roundtrip")
FZ_FAIL(fz_fail_rt_frame, "decoded frame differs from its message", "roundtrip")
FZ_FAIL(fz_fail_rt_raw, "raw bytes differ from the messages", "roundtrip")

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

/* ws: must the encoder refuse m? RFC 6455 5.2 and 5.5 read afresh, not
 * through the decoder: m must be exactly one frame, minimal lengths, a
 * known opcode, control frames final and <= 125 bytes, and under unmask
 * not masked (it would come back unmasked). */
static int fz_ws_refuse(const struct fr_spec *sp, const uint8_t *m, size_t n)
{
	unsigned op, l7;
	size_t hl;
	uint64_t plen;

	if (n < 2)
		return 1;
	op = m[0] & 0x0f;
	l7 = m[1] & 0x7f;
	hl = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0) + (m[1] & 0x80 ? 4 : 0);
	plen = l7;
	if ((op > 2 && op < 8) || op > 10 || n < hl)
		return 1;
	if (l7 == 126) {
		plen = (uint64_t)m[2] << 8 | m[3];
		if (plen < 126)
			return 1;
	} else if (l7 == 127) {
		plen = 0;
		for (int i = 2; i < 10; i++)
			plen = plen << 8 | m[i];
		if (plen >> 63 || plen < 65536)
			return 1;
	}
	if (op >= 8 && (!(m[0] & 0x80) || plen > 125))
		return 1;
	if (plen != n - hl || (sp->unmask && (m[1] & 0x80)))
		return 1;
	return 0;
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
			return -1;  /* header bytes come from the message */
		if (sp->width == 0) /* vmax=: at most vmax 7-bit groups */
			return sp->vmax && sp->vmax < 10 &&
			       (uint64_t)n >> (7 * sp->vmax) != 0;
		if (sp->width == 8)
			return 0;
		return (uint64_t)n >> (8 * sp->width) != 0;
	case FR_WS:
		return fz_ws_refuse(sp, m, n);
	case FR_RESP:
	case FR_HTTP1:
		return -1; /* one whole wire unit or refused: the decode-back
			      check below is the judge */
	default:
		return 0;
	}
}

/* pre: frame m as the spec's preamble (fr_encode_preamble). */
static void fz_encode_one(const struct fr_spec *sp, bool pre, const uint8_t *m,
			  size_t n, size_t *wlen)
{
	size_t bound = fr_encode_bound(sp, n), out = 0;
	struct fr_spec ps;
	int judge, r;

	if (pre)
		fr_spec_preamble(sp, &ps);
	judge = fz_must_refuse(pre ? &ps : sp, m, n);
	fz_wire = fz_must(cm_grow(fz_wire, &fz_wire_cap, *wlen + bound + 1, 1));
	fz_wire[*wlen] = 0xa5; /* canary: nothing written on error */
	if (pre)
		r = fr_encode_preamble(sp, m, n, fz_wire + *wlen, bound, &out);
	else
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
	fz_sent.len = fz_must(cm_grow(fz_sent.len, &fz_sent.cap, fz_sent.n + 1,
				      sizeof(*fz_sent.len)));
	fz_sent.bytes = fz_must(
	    cm_grow(fz_sent.bytes, &fz_sent.bcap, fz_sent.nb + n + 1, 1));
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

		/* with pre=: the preamble until one message is taken */
		fz_encode_one(spec, spec->pre.kind && fz_sent.n == 0, front, n,
			      &wlen);
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
