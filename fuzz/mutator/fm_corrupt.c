/* The corrupt operation: exactly one length field byte, delimiter byte,
 * COBS code, SLIP escape or length digit of one frame changed (or one
 * codec byte put into one message of a message list). */
#include <errno.h>
#include <string.h>

#include "fm_int.h"

/* Message lists: one codec byte into one message (the encoder's turn). */
static int fm_corrupt_msg(struct fm_input *in, uint64_t *rng)
{
	static uint8_t pay[FM_PAY_MAX + 1];
	const struct fm_frame *f;
	size_t i, n;

	if (in->nfr == 0)
		return -EINVAL;
	f = &in->fr[fm_pick(rng, in->nfr)];
	n = f->len;
	if (n >= FM_PAY_MAX)
		return -EINVAL;
	i = fm_pick(rng, n + 1);
	memcpy(pay, f->pay, n);
	if (in->kind == FR_FIXED && n > 0) {
		pay[i % n] = fm_special(in, rng);
	} else {
		memmove(pay + i + 1, pay + i, n - i);
		pay[i] = fm_special(in, rng);
		n++;
	}
	return fm_put_frame(in, f->at, f->at + f->span, pay, n);
}

/* Where the structure of the frame at front[s..e) is: [*a, *b). */
static void fm_struct_range(const struct fm_input *in, size_t s, size_t e,
			    size_t *a, size_t *b)
{
	const uint8_t *p = in->front;
	size_t i;

	*a = s;
	*b = e;
	switch (in->kind) {
	case FR_LEN:
		*a = s + in->o.offset;
		if (in->o.width) {
			*b = *a + in->o.width;
			break;
		}
		for (i = *a; i < e && i < *a + 10 && (p[i] & 0x80); i++)
			;
		*b = i + 1;
		break;
	case FR_TLV:
		*a = s + 1;
		*b = s + 5;
		break;
	case FR_NETSTRING:
		for (i = s; i < e && p[i] != ':'; i++)
			;
		*b = i + 1;
		break;
	case FR_LINE:
	case FR_CRLF:
	case FR_DELIM:
		*a = e - (in->spec_ok ? in->spec.delim_len : 1);
		break;
	case FR_WS:
		*a = s + 1;
		*b = s + 2;
		break;
	default:
		break;
	}
	if (*b > e)
		*b = e;
	if (*a >= *b)
		*a = *b > s ? *b - 1 : s;
}

/* A COBS code byte of the frame at front[s..e). */
static size_t fm_cobs_code(const struct fm_input *in, size_t s, size_t e,
			   uint64_t *rng)
{
	size_t c = s, pick = s, seen = 0;

	while (c + 1 < e) { /* the last byte is the 00 */
		if (fm_pick(rng, ++seen) == 0)
			pick = c;
		c += in->front[c] ? in->front[c] : 1;
	}
	return pick;
}

/* A digit of the frame at front[s..e) (resp, http1 lengths), or e. */
static size_t fm_digit(const struct fm_input *in, size_t s, size_t e,
		       uint64_t *rng)
{
	size_t pick = e, seen = 0;

	for (size_t i = s; i < e; i++)
		if (in->front[i] >= '0' && in->front[i] <= '9' &&
		    fm_pick(rng, ++seen) == 0)
			pick = i;
	return pick;
}

/* Wire streams: exactly one structural byte changed, removed or (slip
 * escape) added. */
static int fm_corrupt_wire(struct fm_input *in, uint64_t *rng)
{
	size_t s, e, a, b, i;
	uint8_t v, esc = 0xdb;

	if (in->nfr == 0)
		return -EINVAL;
	i = fm_pick(rng, in->nfr);
	s = in->fr[i].at;
	e = s + in->fr[i].span;
	if (e <= s)
		return -EINVAL;
	fm_struct_range(in, s, e, &a, &b);
	i = a + fm_pick(rng, b - a);
	if (in->kind == FR_COBS)
		i = fm_cobs_code(in, s, e, rng);
	if (in->kind == FR_RESP || in->kind == FR_HTTP1) {
		i = fm_digit(in, s, e, rng);
		if (i == e)
			i = s + fm_pick(rng, e - s);
	}
	if (in->kind == FR_SLIP) {
		i = s + fm_pick(rng, e - s);
		if (in->front[i] != 0xdb)
			return fm_front_edit(in, i, i, &esc, 1);
		i += i + 1 < e ? 1 : 0;
	}
	v = in->front[i];
	switch (fm_pick(rng, 5)) {
	case 0:
		v++;
		break;
	case 1:
		v--;
		break;
	case 2:
		v ^= (uint8_t)(1u << fm_pick(rng, 8));
		break;
	case 3:
		if (in->kind != FR_FIXED && in->kind != FR_RAW)
			return fm_front_edit(in, i, i + 1, NULL, 0);
		v = fm_special(in, rng);
		break;
	default:
		v = fm_special(in, rng);
		break;
	}
	if (v == in->front[i])
		v ^= 1;
	return fm_front_edit(in, i, i + 1, &v, 1);
}

int fm_corrupt(struct fm_input *in, uint64_t *rng)
{
	return in->msgs ? fm_corrupt_msg(in, rng) : fm_corrupt_wire(in, rng);
}
