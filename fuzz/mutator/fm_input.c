/* The mutator's view of an input: the choices read with fuzz_input.c's
 * reader, the front part cut into frames (decoded with the codec, or read
 * as a message list), and the writer that puts an input back together. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm_int.h"

static void fm_add(struct fm_input *in, size_t at, size_t end, const uint8_t *p,
		   size_t n, size_t *used)
{
	uint8_t *dst = in->arena + *used;

	if (n > 0)
		memcpy(dst, p, n);
	*used += n;
	in->fr[in->nfr].at = at;
	in->fr[in->nfr].span = end - at;
	in->fr[in->nfr].pay = dst;
	in->fr[in->nfr].len = n;
	in->nfr++;
	in->end = end;
}

/* Wire stream: the frames the codec decodes, up to the first error. */
static void fm_frames_wire(struct fm_input *in)
{
	struct fr_decoder d;
	struct fr_frame f;
	size_t used = 0;

	if (fr_decoder_init(&d, &in->spec, NULL, 0) != FR_OK)
		return;
	if (in->front_len > 0 &&
	    fr_decoder_feed(&d, in->front, in->front_len) == FR_OK) {
		while (in->nfr < FM_MAX_FRAMES &&
		       fr_decoder_next(&d, &f) == FR_FRAME) {
			size_t end = (size_t)fr_decoder_offset(&d);

			if (f.len > in->front_len + 1 - used || end < in->end ||
			    end > in->front_len)
				break;
			fm_add(in, in->end, end, f.data, f.len, &used);
		}
	}
	fr_decoder_free(&d);
}

/* Message list (fuzz_input.h): length byte L, or 255 and two bytes. */
static void fm_frames_msgs(struct fm_input *in)
{
	const uint8_t *p = in->front;
	size_t left = in->front_len, used = 0;

	while (left > 0 && in->nfr < FM_MAX_FRAMES) {
		size_t at = (size_t)(p - in->front), n;

		if (in->kind == FR_FIXED) {
			n = in->o.fixed;
		} else {
			n = *p++;
			left--;
			if (n == 255 && left >= 2) {
				n = (((size_t)p[0] << 8) | p[1]) % 1024;
				p += 2;
				left -= 2;
			}
		}
		if (n > left)
			n = left;
		fm_add(in, at, at + (size_t)(p - in->front - at) + n, p, n,
		       &used);
		p += n;
		left -= n;
	}
}

/* fr_spec_parse of text, kept from the last call: a mutation run reads
 * input after input with the same few options. */
static bool fm_spec(struct fr_spec *spec, const char *text)
{
	static char last[sizeof(((struct fz_setup *)0)->spec_text)];
	static struct fr_spec last_spec;
	static bool last_ok, valid;
	char err[128];

	if (!valid || strcmp(text, last) != 0) {
		snprintf(last, sizeof(last), "%s", text);
		last_ok =
		    fr_spec_parse(&last_spec, text, err, sizeof(err)) == FR_OK;
		valid = true;
	}
	if (last_ok)
		*spec = last_spec;
	return last_ok;
}

int fm_input_read(struct fm_input *in, const struct fm_target *t,
		  const uint8_t *data, size_t size)
{
	struct fz_setup s;
	int kind = t->kind;

	memset(in, 0, sizeof(*in));
	in->t = *t;
	if (t->mode == FM_SERVER) {
		struct fz_producer p;

		fz_producer_init(&p, data, size);
		kind = (int)fz_range(&p, FR_FIXED, FR_RAW) | FZ_KIND_PLAIN;
		in->kind_raw = data + p.size;
		in->kind_len = size - p.size;
		size = p.size;
	}
	/* no chunk list: only the options and the stream are needed */
	fz_setup_read_opts(&s, kind, data, size);
	in->o = s.o;
	in->kind = s.o.kind;
	in->trailer = data + s.stream_len;
	in->trailer_len = size - s.stream_len;
	in->spec_ok = fm_spec(&in->spec, s.spec_text);
	in->front_len = s.stream_len;
	if (t->mode == FM_SERVER && in->front_len > 0) {
		in->has_mode = true;
		in->mode = data[--in->front_len];
	}
	in->msgs = t->mode == FM_ROUNDTRIP ||
		   (t->mode == FM_SERVER && !(in->mode & 1));
	in->front = malloc(in->front_len + 1);
	in->arena = malloc(in->front_len + 1);
	if (in->front == NULL || in->arena == NULL) {
		fm_input_free(in);
		return -ENOMEM;
	}
	if (in->front_len > 0)
		memcpy(in->front, data, in->front_len);
	if (in->msgs)
		fm_frames_msgs(in);
	else if (in->spec_ok)
		fm_frames_wire(in);
	return 0;
}

void fm_input_free(struct fm_input *in)
{
	free(in->front);
	free(in->arena);
	in->front = NULL;
	in->arena = NULL;
	in->nfr = 0;
}

int fm_front_edit(struct fm_input *in, size_t a, size_t b, const uint8_t *p,
		  size_t n)
{
	size_t len = in->front_len - (b - a) + n;
	uint8_t *nf = malloc(len + 1);

	if (nf == NULL)
		return -ENOMEM;
	memcpy(nf, in->front, a);
	if (n > 0)
		memcpy(nf + a, p, n);
	memcpy(nf + a + n, in->front + b, in->front_len - b);
	free(in->front);
	in->front = nf;
	in->front_len = len;
	return 0;
}

size_t fm_frame_bytes(const struct fm_input *in, const uint8_t *p, size_t n,
		      uint8_t *out, size_t cap)
{
	struct fr_spec enc;
	size_t len = 0;

	if (in->msgs) {
		size_t h = n < 255 ? 1 : 3;

		if (in->kind == FR_FIXED) {
			if (n != in->o.fixed || n > cap)
				return 0;
			memcpy(out, p, n);
			return n;
		}
		if (n >= 1024 || h + n > cap)
			return 0;
		out[0] = n < 255 ? (uint8_t)n : 255;
		if (h == 3) {
			out[1] = (uint8_t)(n >> 8);
			out[2] = (uint8_t)n;
		}
		if (n > 0)
			memcpy(out + h, p, n);
		return h + n;
	}
	if (!in->spec_ok)
		return 0;
	enc = in->spec; /* frames just over max= are wanted too */
	if (enc.max < ((size_t)1 << 20))
		enc.max = (size_t)1 << 20;
	if (fr_encode(&enc, p, n, out, cap, &len) != FR_OK)
		return 0;
	return len;
}

size_t fm_input_write(const struct fm_input *in, uint8_t *out, size_t cap)
{
	struct fz_trailer tr;
	bool mode = in->has_mode || (in->t.mode == FM_SERVER &&
				     (in->front_len > 0 || in->dirty));
	size_t pre = in->front_len + (mode ? 1 : 0), n = 0;
	size_t kind;
	bool canon;

	fz_opts_write(&tr, &in->o);
	/* raw choices shorter than written ones ran out of input: they
	 * may only stay where nothing comes before them */
	canon = in->dirty || (in->trailer_len < tr.len && pre > 0);
	/* server_echo: the codec choice, last; absent only when empty */
	kind = in->t.mode != FM_SERVER ? 0
	       : in->kind_len > 0      ? in->kind_len
	       : pre > 0 || canon      ? 1
				       : 0;
	if (pre + (canon ? tr.len : in->trailer_len) + kind > cap)
		return 0;
	memcpy(out, in->front, in->front_len);
	n = in->front_len;
	if (mode)
		out[n++] = in->has_mode ? in->mode : (in->msgs ? 0 : 1);
	if (canon) {
		for (size_t i = 0; i < tr.len; i++)
			out[n++] = tr.buf[tr.len - 1 - i];
	} else {
		memcpy(out + n, in->trailer, in->trailer_len);
		n += in->trailer_len;
	}
	if (in->kind_len > 0) {
		memcpy(out + n, in->kind_raw, in->kind_len);
		n += in->kind_len;
	} else if (kind > 0) {
		out[n++] = (uint8_t)(in->kind - FR_FIXED);
	}
	return n;
}
