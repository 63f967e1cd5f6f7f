/* The mutations: frames inserted, dropped, repeated or resized through the
 * codec's encoder; one length field, escape or delimiter corrupted; one
 * cut moved; max= set next to a frame's size; frames spliced from another
 * input; and a share of plain byte mutations. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm_int.h"

#define FM_PAY_MAX 1100	  /* largest payload built (message list: < 1024) */
#define FM_BYTES_SHARE 20 /* percent of plain byte mutations */
#define FM_STACK 3	  /* structural operations per call: 1..3 */
#define FM_GROW 8192	  /* most bytes one operation adds */

uint64_t fm_rand(uint64_t *rng)
{
	uint64_t z = (*rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static size_t fm_pick(uint64_t *rng, size_t n)
{
	return n ? (size_t)(fm_rand(rng) % n) : 0;
}

static const char *const fm_names[FM_NOPS] = {
    "insert", "drop", "dup",  "resize", "corrupt",
    "cut",    "max",  "opts", "splice", "bytes"};

const char *fm_op_name(int op)
{
	return op >= 0 && op < FM_NOPS ? fm_names[op] : "?";
}

int fm_target_parse(struct fm_target *t, const char *name)
{
	static const struct {
		const char *prefix;
		enum fm_mode mode;
	} pre[] = {{"split_", FM_SPLIT}, {"roundtrip_", FM_ROUNDTRIP}};

	if (name == NULL)
		return -EINVAL;
	if (strcmp(name, "server_echo") == 0) {
		t->kind = 0;
		t->mode = FM_SERVER;
		return 0;
	}
	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		size_t n = strlen(pre[i].prefix);

		if (strncmp(name, pre[i].prefix, n) != 0)
			continue;
		for (int k = FR_FIXED; k <= FR_KIND_LAST; k++) {
			if (strcmp(name + n, fr_kind_name((enum fr_kind)k)))
				continue;
			t->kind = k;
			t->mode = pre[i].mode;
			return 0;
		}
	}
	return -EINVAL;
}

/* A byte that means something to the codec. */
static uint8_t fm_special(const struct fm_input *in, uint64_t *rng)
{
	static const uint8_t slip[] = {0xc0, 0xdb, 0xdc, 0xdd};
	static const uint8_t text[] = {'\r', '\n', ':', ',', '$', '*', '0'};
	static const uint8_t ws[] = {0x7d, 0x7e, 0x7f, 0x80, 0x88, 0x00};

	switch (in->kind) {
	case FR_LINE:
		return '\n';
	case FR_CRLF:
		return fm_pick(rng, 2) ? '\r' : '\n';
	case FR_DELIM:
		return in->o.delim[fm_pick(rng, in->o.delim_len)];
	case FR_COBS:
		return 0;
	case FR_SLIP:
		return slip[fm_pick(rng, sizeof(slip))];
	case FR_NETSTRING:
	case FR_RESP:
	case FR_HTTP1:
		return text[fm_pick(rng, sizeof(text))];
	case FR_WS:
		return ws[fm_pick(rng, sizeof(ws))];
	default:
		return fm_pick(rng, 2) ? 0xff : 0x00;
	}
}

/* The frame bound in force (max=), or 0 when it is the large default. */
static size_t fm_small_max(const struct fm_input *in)
{
	return in->spec_ok && in->spec.max <= 512 ? in->spec.max : 0;
}

/* A whole message of a protocol codec (resp, http1, ws) around a body of
 * n letters, into buf (FM_PAY_MAX bytes); returns its length, or 0. */
static size_t fm_proto_msg(const struct fm_input *in, uint64_t *rng, size_t n,
			   uint8_t *buf)
{
	size_t h = 0;
	int k = 0;

	if (n > FM_PAY_MAX - 64)
		n = FM_PAY_MAX - 64;
	switch (in->kind) {
	case FR_RESP:
		if (fm_pick(rng, 3) == 0)
			k = snprintf((char *)buf, 64, "+");
		else
			k = snprintf(
			    (char *)buf, 64, "%s$%zu\r\n",
			    fm_pick(rng, 2) && in->o.depth > 0 ? "*1\r\n" : "",
			    n);
		break;
	case FR_HTTP1:
		k = snprintf((char *)buf, 64, "%sContent-Length: %zu\r\n\r\n",
			     in->o.response ? "HTTP/1.1 200 OK\r\n"
					    : "POST /f HTTP/1.1\r\n",
			     n);
		break;
	case FR_WS: {
		bool mask = fm_pick(rng, 4) != 0;

		buf[h++] = (uint8_t)(0x80 | (fm_pick(rng, 2) ? 1 : 2));
		buf[h++] = (uint8_t)((mask ? 0x80 : 0) | (n < 126 ? n : 126));
		if (n >= 126) {
			buf[h++] = (uint8_t)(n >> 8);
			buf[h++] = (uint8_t)n;
		}
		for (int i = 0; mask && i < 4; i++)
			buf[h++] = (uint8_t)fm_rand(rng);
		break;
	}
	default:
		return 0;
	}
	if (k < 0 || k >= 64)
		return 0;
	h += (size_t)k;
	for (size_t i = 0; i < n; i++)
		buf[h++] = (uint8_t)('a' + fm_pick(rng, 26));
	if (in->kind == FR_RESP) {
		buf[h++] = '\r';
		buf[h++] = '\n';
	}
	return h;
}

/* Payload for a new frame into buf; returns its length. */
static size_t fm_new_payload(const struct fm_input *in, uint64_t *rng,
			     uint8_t *buf)
{
	size_t n, max = fm_small_max(in);
	unsigned how = (unsigned)fm_pick(rng, 4);

	if (in->kind == FR_FIXED)
		n = in->o.fixed;
	else if (how == 0 && in->nfr > 0)
		n = in->fr[fm_pick(rng, in->nfr)].len;
	else if (how == 1 && max > 0)
		n = max + fm_pick(rng, 3) - 1;
	else
		n = fm_pick(rng, 17);
	if (n > FM_PAY_MAX)
		n = FM_PAY_MAX;
	if (how == 0 && in->nfr > 0) {
		const struct fm_frame *f = &in->fr[fm_pick(rng, in->nfr)];

		if ((in->kind == FR_RESP || in->kind == FR_HTTP1 ||
		     in->kind == FR_WS) &&
		    f->len <= FM_PAY_MAX) { /* a whole message: as it is */
			memcpy(buf, f->pay, f->len);
			return f->len;
		}

		for (size_t i = 0; i < n; i++)
			buf[i] = f->len ? f->pay[i % f->len] : (uint8_t)'a';
		return n;
	}
	if (in->kind == FR_RESP || in->kind == FR_HTTP1 || in->kind == FR_WS)
		return fm_proto_msg(in, rng, n, buf);
	for (size_t i = 0; i < n; i++)
		buf[i] = fm_pick(rng, 8) == 0
			     ? fm_special(in, rng)
			     : (uint8_t)('a' + fm_pick(rng, 26));
	return n;
}

/* Encode p[0..n) and put it in place of front[a..b). */
static int fm_put_frame(struct fm_input *in, size_t a, size_t b,
			const uint8_t *p, size_t n)
{
	static uint8_t wire[4 * FM_PAY_MAX + 64];
	size_t len = fm_frame_bytes(in, p, n, wire, sizeof(wire));

	if (len == 0)
		return -EINVAL;
	return fm_front_edit(in, a, b, wire, len);
}

static int fm_insert(struct fm_input *in, uint64_t *rng)
{
	static uint8_t pay[FM_PAY_MAX];
	size_t k = fm_pick(rng, in->nfr + 1);
	size_t at = k < in->nfr ? in->fr[k].at : in->end;
	size_t n = fm_new_payload(in, rng, pay);

	return fm_put_frame(in, at, at, pay, n);
}

static int fm_drop(struct fm_input *in, uint64_t *rng)
{
	const struct fm_frame *f;

	if (in->nfr == 0)
		return -EINVAL;
	f = &in->fr[fm_pick(rng, in->nfr)];
	return fm_front_edit(in, f->at, f->at + f->span, NULL, 0);
}

static int fm_dup(struct fm_input *in, uint64_t *rng)
{
	const struct fm_frame *f;

	if (in->nfr == 0)
		return -EINVAL;
	f = &in->fr[fm_pick(rng, in->nfr)];
	return fm_front_edit(in, f->at + f->span, f->at + f->span,
			     in->front + f->at, f->span);
}

static int fm_resize(struct fm_input *in, uint64_t *rng)
{
	static uint8_t pay[FM_PAY_MAX];
	const struct fm_frame *f;
	size_t n, max = fm_small_max(in);

	if (in->nfr == 0 || in->kind == FR_FIXED)
		return -EINVAL;
	f = &in->fr[fm_pick(rng, in->nfr)];
	switch (fm_pick(rng, 4)) {
	case 0:
		n = f->len + 1 + fm_pick(rng, 4);
		break;
	case 1:
		n = f->len > 0 ? f->len - 1 - fm_pick(rng, f->len) : 1;
		break;
	case 2:
		n = max ? max + fm_pick(rng, 3) - 1 : f->len * 2 + 1;
		break;
	default:
		n = f->len * 2 + 1;
		break;
	}
	if (n > FM_PAY_MAX || n == f->len)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		pay[i] = i < f->len ? f->pay[i]
			 : f->len   ? f->pay[i % f->len]
				    : (uint8_t)('a' + fm_pick(rng, 26));
	return fm_put_frame(in, f->at, f->at + f->span, pay, n);
}

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

/* A place worth a cut: a frame's start, a byte or two into it (inside a
 * header or an escape), or just before its end. */
static size_t fm_cut_point(const struct fm_input *in, uint64_t *rng)
{
	const struct fm_frame *f;

	if (in->nfr == 0)
		return 1 + fm_pick(rng, in->front_len ? in->front_len : 1);
	f = &in->fr[fm_pick(rng, in->nfr)];
	switch (fm_pick(rng, 3)) {
	case 0:
		return f->at + fm_pick(rng, 4);
	case 1:
		return f->at + f->span - fm_pick(rng, 3);
	default:
		return f->at + fm_pick(rng, f->span + 1);
	}
}

static uint32_t fm_clamp(int64_t v, uint32_t lo, uint32_t hi)
{
	return v < lo ? lo : v > hi ? hi : (uint32_t)v;
}

static int fm_cut(struct fm_input *in, uint64_t *rng)
{
	struct fz_opts *o = &in->o;
	size_t p = fm_cut_point(in, rng);
	int d = fm_pick(rng, 2) ? 1 : -1;

	in->dirty = true;
	if (o->sched_mode == 0 && fm_pick(rng, 2)) {
		uint32_t *c = &o->list[fm_pick(rng, o->list_len)];
		uint32_t old = *c;

		*c = fm_clamp((int64_t)*c + d, 1, 64);
		if (*c == old)
			*c = fm_clamp((int64_t)*c - d, 1, 64);
		return 0;
	}
	if (p == 0)
		p = 1;	  /* a cut before the first byte is no cut */
	if (p > 7 * 64) { /* too far for a list: nudge the rest */
		if (o->sched_mode == 1)
			o->sched_n = fm_clamp((int64_t)o->sched_n + d, 1, 32);
		else if (o->sched_mode == 2)
			o->seed = (uint32_t)fm_rand(rng);
		else
			return -EINVAL;
		return 0;
	}
	/* the first cuts land exactly at p, then small chunks */
	o->sched_mode = 0;
	o->list_len = 0;
	while (p > 64) {
		o->list[o->list_len++] = 64;
		p -= 64;
	}
	o->list[o->list_len++] = (uint32_t)p;
	o->list[o->list_len++] = 1 + (uint32_t)fm_pick(rng, 4);
	o->repeat = fm_pick(rng, 2);
	return 0;
}

static const uint32_t fm_max_hi[] = {0, 8, 64, 300};

static int fm_max(struct fm_input *in, uint64_t *rng)
{
	int64_t target;
	uint32_t mode;

	if (in->o.max_mode != 0 && fm_pick(rng, 4) == 0) {
		in->o.max_mode = 0; /* back to the default (1 MiB): length
				       fields far past any small max= */
		in->o.max = 0;
		in->dirty = true;
		return 0;
	}
	if (in->nfr == 0 || in->kind == FR_FIXED)
		return -EINVAL;
	target = (int64_t)in->fr[fm_pick(rng, in->nfr)].len +
		 (int64_t)fm_pick(rng, 3) - 1;
	if (target < 1 || target > 300)
		return -EINVAL;
	for (mode = 1; fm_max_hi[mode] < target; mode++)
		;
	in->o.max_mode = mode;
	in->o.max = (uint32_t)target;
	in->dirty = true;
	return 0;
}

/* The spec text options o stand for, and the spec as the target parses
 * it (sp may be NULL). Returns 0, or -EINVAL if it does not parse. */
static int fm_spec_of(const struct fz_opts *o, char *text, size_t len,
		      struct fr_spec *sp)
{
	uint8_t tmp[300];
	struct fz_setup s;
	struct fr_spec dummy;
	char err[128];
	size_t n = fz_input_build(tmp, sizeof(tmp), NULL, 0, o);
	int rc;

	if (n == 0)
		return -EINVAL;
	rc =
	    fz_setup_read(&s, o->kind | (o->plain ? FZ_KIND_PLAIN : 0), tmp, n);
	snprintf(text, len, "%s", s.spec_text);
	if (rc == 0 && fr_spec_parse(sp ? sp : &dummy, s.spec_text, err,
				     sizeof(err)) != FR_OK)
		rc = -1;
	fz_setup_free(&s);
	return rc == 0 ? 0 : -EINVAL;
}

/* One codec option of o changed. Returns 0 or -EINVAL (none to change). */
static int fm_opt_change(struct fz_opts *o, uint64_t *rng)
{
	static const uint32_t widths[] = {1, 2, 3, 4, 8, 0};

	switch (o->kind) {
	case FR_FIXED:
		o->fixed = 1 + (uint32_t)fm_pick(rng, 16);
		break;
	case FR_DELIM:
		if (fm_pick(rng, 2)) {
			o->delim[fm_pick(rng, o->delim_len)] =
			    (uint8_t)fm_rand(rng);
			break;
		}
		for (uint32_t i = o->delim_len; i < 6; i++)
			o->delim[i] = (uint8_t)fm_rand(rng);
		o->delim_len = 1 + (uint32_t)fm_pick(rng, 6);
		break;
	case FR_LEN:
		switch (fm_pick(rng, 5)) {
		case 0:
			o->width = widths[fm_pick(rng, 6)];
			break;
		case 1:
			o->little = !o->little;
			break;
		case 2:
			o->offset = (uint32_t)fm_pick(rng, 4);
			break;
		case 3:
			o->adjust = (int32_t)fm_pick(rng, 17) - 8;
			break;
		default:
			o->strip_set = fm_pick(rng, 2);
			o->strip = (uint32_t)fm_pick(rng, 13);
			break;
		}
		break;
	case FR_RESP:
		o->depth = (uint32_t)fm_pick(rng, 17);
		break;
	case FR_HTTP1:
		if (fm_pick(rng, 2)) {
			o->response = !o->response;
			o->head = o->response && fm_pick(rng, 2);
		} else {
			o->hmax = (uint32_t)fm_pick(rng, 301);
		}
		break;
	case FR_WS:
		o->unmask = !o->unmask;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/* One codec option changed (len width, offset, adjust...; a delimiter;
 * fixed:N; ...) and the frames re-encoded for it where they can be (the
 * others keep their bytes). */
static int fm_opts(struct fm_input *in, uint64_t *rng)
{
	struct fr_spec sp;
	uint8_t *buf;
	size_t cap, len = 0;
	char was[128], now[128];
	int rc, tries = 0;

	fm_spec_of(&in->o, was, sizeof(was), NULL);
	do { /* until the spec says something else */
		if (++tries > 8 || fm_opt_change(&in->o, rng) != 0)
			return -EINVAL;
		fm_spec_of(&in->o, now, sizeof(now), NULL);
	} while (strcmp(was, now) == 0);
	in->dirty = true;
	if (in->msgs || in->nfr == 0 ||
	    fm_spec_of(&in->o, now, sizeof(now), &sp) != 0)
		return 0;
	in->spec = sp;
	in->spec_ok = true;
	cap = 2 * in->front_len + 32 * in->nfr + 64;
	buf = malloc(cap);
	if (buf == NULL)
		return -ENOMEM;
	for (size_t k = 0; k < in->nfr; k++) {
		const struct fm_frame *f = &in->fr[k];
		size_t n =
		    fm_frame_bytes(in, f->pay, f->len, buf + len, cap - len);

		if (n == 0 && f->span <= cap - len) {
			memcpy(buf + len, in->front + f->at, f->span);
			n = f->span;
		}
		len += n;
	}
	if (in->front_len - in->end <= cap - len) {
		memcpy(buf + len, in->front + in->end, in->front_len - in->end);
		len += in->front_len - in->end;
	}
	rc = fm_front_edit(in, 0, in->front_len, buf, len);
	free(buf);
	return rc;
}

static int fm_apply(struct fm_input *in, int op, uint64_t *rng)
{
	switch (op) {
	case FM_OP_INSERT:
		return fm_insert(in, rng);
	case FM_OP_DROP:
		return fm_drop(in, rng);
	case FM_OP_DUP:
		return fm_dup(in, rng);
	case FM_OP_RESIZE:
		return fm_resize(in, rng);
	case FM_OP_CORRUPT:
		return in->msgs ? fm_corrupt_msg(in, rng)
				: fm_corrupt_wire(in, rng);
	case FM_OP_CUT:
		return fm_cut(in, rng);
	case FM_OP_MAX:
		return fm_max(in, rng);
	case FM_OP_OPTS:
		return fm_opts(in, rng);
	default:
		return -EINVAL;
	}
}

size_t fm_mutate_op(const struct fm_target *t, int op, uint8_t *data,
		    size_t size, size_t max, uint64_t *rng)
{
	struct fm_input in;
	uint8_t *out;
	size_t n = 0;

	if (max == 0 || fm_input_read(&in, t, data, size) != 0)
		return 0;
	if (size <= max && max - size > FM_GROW) /* AFL++ offers 1 MiB */
		max = size + FM_GROW;
	out = malloc(max);
	if (out != NULL && fm_apply(&in, op, rng) == 0)
		n = fm_input_write(&in, out, max);
	if (n > 0)
		memcpy(data, out, n);
	free(out);
	fm_input_free(&in);
	return n;
}

/* Built-in byte mutation when the engine gives none. */
static size_t fm_flip(uint8_t *data, size_t size, size_t max, uint64_t *rng)
{
	size_t i = fm_pick(rng, size);

	if (size == 0 || (size < max && fm_pick(rng, 3) == 0)) {
		memmove(data + i + 1, data + i, size - i);
		data[i] = (uint8_t)fm_rand(rng);
		return size + 1;
	}
	if (size > 1 && fm_pick(rng, 3) == 0) {
		memmove(data + i, data + i + 1, size - i - 1);
		return size - 1;
	}
	data[i] ^= (uint8_t)(1u << fm_pick(rng, 8));
	return size;
}

size_t fm_mutate(const struct fm_target *t, uint8_t *data, size_t size,
		 size_t max, uint64_t *rng, fm_bytes_fn bytes)
{
	size_t n, done = 0, want = 1 + fm_pick(rng, FM_STACK);

	if (max == 0)
		return 0;
	if (size > max)
		size = max;
	if (fm_pick(rng, 100) >= FM_BYTES_SHARE) {
		/* a few operations stacked, like havoc: one step from an
		 * input often cannot reach (a frame, and max= at its size) */
		for (int tries = 0; tries < 6 * FM_STACK && done < want;
		     tries++) {
			int op = (int)fm_pick(rng, FM_OP_OPTS + 1);

			n = fm_mutate_op(t, op, data, size, max, rng);
			if (n > 0) {
				size = n;
				done++;
			}
		}
		if (done > 0)
			return size;
	}
	n = bytes ? bytes(data, size, max) : fm_flip(data, size, max, rng);
	return n > 0 ? n : 1;
}

size_t fm_crossover(const struct fm_target *t, const uint8_t *a, size_t na,
		    const uint8_t *b, size_t nb, uint8_t *out, size_t max,
		    uint64_t *rng)
{
	static uint8_t wire[4 * FM_PAY_MAX + 64];
	struct fm_input ia, ib;
	size_t n = 0;

	if (fm_input_read(&ia, t, a, na) != 0)
		return 0;
	if (fm_input_read(&ib, t, b, nb) != 0) {
		fm_input_free(&ia);
		return 0;
	}
	if (ib.nfr > 0) {
		size_t k = fm_pick(rng, ia.nfr + 1), at, from, cnt, ok = 0;

		at = k < ia.nfr ? ia.fr[k].at : ia.end;
		from = fm_pick(rng, ib.nfr);
		cnt = 1 + fm_pick(rng, ib.nfr - from < 4 ? ib.nfr - from : 4);
		/* last first, each at the same place: they end up in order */
		for (size_t i = from + cnt; i > from; i--) {
			const struct fm_frame *f = &ib.fr[i - 1];
			size_t len = fm_frame_bytes(&ia, f->pay, f->len, wire,
						    sizeof(wire));

			if (len > 0 &&
			    fm_front_edit(&ia, at, at, wire, len) == 0)
				ok++;
		}
		if (ok > 0)
			n = fm_input_write(&ia, out, max);
	}
	fm_input_free(&ia);
	fm_input_free(&ib);
	return n;
}
