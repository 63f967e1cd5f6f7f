/* The mutator's entry points and frame operations: frames inserted,
 * dropped, repeated or resized through the codec's encoder, frames spliced
 * from another input, a share of plain byte mutations (the corrupt and
 * choice operations: fm_corrupt.c, fm_choices.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm_int.h"

#define FM_BYTES_SHARE 20 /* percent of plain byte mutations */
#define FM_STACK 3	  /* structural operations per call: 1..3 */
#define FM_GROW 8192	  /* most bytes one operation adds */

size_t fm_pick(uint64_t *rng, size_t n)
{
	return n ? (size_t)(fr_rng_next(rng) % n) : 0;
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
uint8_t fm_special(const struct fm_input *in, uint64_t *rng)
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
			buf[h++] = (uint8_t)fr_rng_next(rng);
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
int fm_put_frame(struct fm_input *in, size_t a, size_t b, const uint8_t *p,
		 size_t n)
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
		return fm_corrupt(in, rng);
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
		data[i] = (uint8_t)fr_rng_next(rng);
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
