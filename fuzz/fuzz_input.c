/* Reads and writes the choice trailer described in fuzz_input.h: codec
 * options, max= and split schedule, turned into a spec string, a schedule
 * string and the list of chunk sizes. Shared by targets and tools. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "framing/framing.h"
#include "fuzz_die.h"
#include "fuzz_input.h"

const uint32_t fz_widths[FZ_NWIDTHS] = {1, 2, 3, 4, 8, 0};
const uint32_t fz_max_hi[FZ_NMAX_MODES] = {0, 8, 64, 300};

static uint32_t fz_rd(const struct fz_reader *r, uint32_t lo, uint32_t hi)
{
	return r->range(r->ctx, lo, hi);
}

static bool fz_rdb(const struct fz_reader *r)
{
	return r->range(r->ctx, 0, 1) == 1;
}

static void fz_codec_read(const struct fz_reader *p, struct fz_opts *o)
{
	switch (o->kind) {
	case FR_FIXED:
		o->fixed = fz_rd(p, 1, 16);
		break;
	case FR_DELIM:
		o->delim_len = fz_rd(p, 1, 6);
		for (uint32_t i = 0; i < o->delim_len; i++)
			o->delim[i] = (uint8_t)fz_rd(p, 0, 255);
		break;
	case FR_LEN:
		o->width = fz_widths[fz_rd(p, 0, 5)];
		o->little = fz_rdb(p);
		o->offset = fz_rd(p, 0, 3);
		o->adjust = (int32_t)fz_rd(p, 0, 16) - 8;
		o->strip_set = fz_rdb(p);
		o->strip = fz_rd(p, 0, 12);
		break;
	case FR_RESP:
		o->depth = fz_rd(p, 0, 16);
		break;
	case FR_HTTP1:
		o->response = fz_rdb(p);
		o->head = o->response && fz_rdb(p);
		o->hmax = fz_rd(p, 0, 300);
		break;
	case FR_WS:
		o->unmask = fz_rdb(p);
		break;
	default:
		break;
	}
}

static void fz_sched_read(const struct fz_reader *p, struct fz_opts *o)
{
	o->sched_mode = fz_rd(p, 0, 2);
	switch (o->sched_mode) {
	case 0:
		o->list_len = fz_rd(p, 1, 8);
		for (uint32_t i = 0; i < o->list_len; i++)
			o->list[i] = fz_rd(p, 1, 64);
		o->repeat = fz_rdb(p);
		break;
	case 1:
		o->sched_n = fz_rd(p, 1, 32);
		break;
	default:
		o->rmin = fz_rd(p, 1, 16);
		o->rspan = fz_rd(p, 0, 48);
		o->seed = fz_rd(p, 0, UINT32_MAX);
		break;
	}
}

static void fz_ext_read(const struct fz_reader *p, struct fz_opts *o)
{
	o->ext = fz_rd(p, 0, 7);
	if (o->ext & 1) {
		o->trailer_len = fz_rd(p, 1, 3);
		for (uint32_t i = 0; i < o->trailer_len; i++)
			o->trailer[i] = (uint8_t)fz_rd(p, 0, 255);
	}
	if ((o->ext & 2) && o->width == 0)
		o->vmax = fz_rd(p, 1, 10);
	if (o->ext & 4) {
		o->pre_kind = fz_rd(p, 0, 3);
		if (o->pre_kind == 0)
			o->pre_fixed = fz_rd(p, 1, 16);
		if (o->pre_kind == 3) {
			o->pre_width = fz_widths[fz_rd(p, 0, 5)];
			o->pre_little = fz_rdb(p);
			o->pre_strip_set = fz_rdb(p);
			o->pre_strip = fz_rd(p, 0, 12);
		}
	}
}

static void fz_ext_write(struct fz_trailer *t, const struct fz_opts *o)
{
	fz_put(t, 0, 7, o->ext);
	if (o->ext & 1) {
		fz_put(t, 1, 3, o->trailer_len);
		for (uint32_t i = 0; i < o->trailer_len; i++)
			fz_put(t, 0, 255, o->trailer[i]);
	}
	if ((o->ext & 2) && o->width == 0)
		fz_put(t, 1, 10, o->vmax);
	if (o->ext & 4) {
		fz_put(t, 0, 3, o->pre_kind);
		if (o->pre_kind == 0)
			fz_put(t, 1, 16, o->pre_fixed);
		if (o->pre_kind == 3) {
			for (uint32_t i = 0; i < 6; i++)
				if (fz_widths[i] == o->pre_width)
					fz_put(t, 0, 5, i);
			fz_put(t, 0, 1, o->pre_little);
			fz_put(t, 0, 1, o->pre_strip_set);
			fz_put(t, 0, 12, o->pre_strip);
		}
	}
}

void fz_opts_read_from(const struct fz_reader *r, struct fz_opts *o, int kind)
{
	memset(o, 0, sizeof(*o));
	o->kind = kind & ~FZ_KIND_PLAIN;
	o->plain = (kind & FZ_KIND_PLAIN) != 0;
	fz_codec_read(r, o);
	o->max_mode = fz_rd(r, 0, 3);
	if (o->max_mode != 0)
		o->max = fz_rd(r, 1, fz_max_hi[o->max_mode]);
	if (r->sched != NULL)
		r->sched(r->ctx, o);
	else
		fz_sched_read(r, o);
	if (o->kind == FR_LEN && !o->plain)
		fz_ext_read(r, o);
}

static uint32_t fz_producer_range(void *ctx, uint32_t lo, uint32_t hi)
{
	return fz_range(ctx, lo, hi);
}

static void fz_opts_read(struct fz_producer *p, struct fz_opts *o, int kind)
{
	struct fz_reader r = {fz_producer_range, NULL, p};

	fz_opts_read_from(&r, o, kind);
}

void fz_opts_write(struct fz_trailer *t, const struct fz_opts *o)
{
	t->len = 0;
	switch (o->kind) {
	case FR_FIXED:
		fz_put(t, 1, 16, o->fixed);
		break;
	case FR_DELIM:
		fz_put(t, 1, 6, o->delim_len);
		for (uint32_t i = 0; i < o->delim_len; i++)
			fz_put(t, 0, 255, o->delim[i]);
		break;
	case FR_LEN:
		for (uint32_t i = 0; i < 6; i++)
			if (fz_widths[i] == o->width)
				fz_put(t, 0, 5, i);
		fz_put(t, 0, 1, o->little);
		fz_put(t, 0, 3, o->offset);
		fz_put(t, 0, 16, (uint32_t)(o->adjust + 8));
		fz_put(t, 0, 1, o->strip_set);
		fz_put(t, 0, 12, o->strip);
		break;
	case FR_RESP:
		fz_put(t, 0, 16, o->depth);
		break;
	case FR_HTTP1:
		fz_put(t, 0, 1, o->response);
		if (o->response)
			fz_put(t, 0, 1, o->head);
		fz_put(t, 0, 300, o->hmax);
		break;
	case FR_WS:
		fz_put(t, 0, 1, o->unmask);
		break;
	default:
		break;
	}
	fz_put(t, 0, 3, o->max_mode);
	if (o->max_mode != 0)
		fz_put(t, 1, fz_max_hi[o->max_mode], o->max);
	fz_put(t, 0, 2, o->sched_mode);
	if (o->sched_mode == 0) {
		fz_put(t, 1, 8, o->list_len);
		for (uint32_t i = 0; i < o->list_len; i++)
			fz_put(t, 1, 64, o->list[i]);
		fz_put(t, 0, 1, o->repeat);
	} else if (o->sched_mode == 1) {
		fz_put(t, 1, 32, o->sched_n);
	} else {
		fz_put(t, 1, 16, o->rmin);
		fz_put(t, 0, 48, o->rspan);
		fz_put(t, 0, UINT32_MAX, o->seed);
	}
	if (o->kind == FR_LEN && !o->plain)
		fz_ext_write(t, o);
}

size_t fz_input_build(uint8_t *out, size_t cap, const uint8_t *front,
		      size_t front_len, const struct fz_opts *o)
{
	struct fz_trailer t;

	fz_opts_write(&t, o);
	if (front_len > cap || t.len > cap - front_len)
		return 0;
	if (front_len > 0)
		memcpy(out, front, front_len);
	for (size_t i = 0; i < t.len; i++)
		out[front_len + i] = t.buf[t.len - 1 - i];
	return front_len + t.len;
}

/* Append text at *pos, never past len. */
static void fz_str(char *buf, size_t len, size_t *pos, const char *text)
{
	int n;

	if (*pos >= len)
		return;
	n = snprintf(buf + *pos, len - *pos, "%s", text);
	if (n > 0)
		*pos += (size_t)n;
}

/* Append one formatted number at *pos, never past len. */
static void fz_cat(char *buf, size_t len, size_t *pos, const char *fmt,
		   unsigned long long v)
{
	int n;

	if (*pos >= len)
		return;
	n = snprintf(buf + *pos, len - *pos, fmt, v);
	if (n > 0)
		*pos += (size_t)n;
}

/* trailer=, vmax=, pre= of a len spec (choices 4.). */
static void fz_ext_text(const struct fz_opts *o, char *buf, size_t len,
			size_t *pos)
{
	static const char *const pre_names[] = {"fixed", "line", "crlf", "len"};

	if (o->ext & 1) {
		fz_str(buf, len, pos, ",trailer=");
		for (uint32_t i = 0; i < o->trailer_len; i++)
			fz_cat(buf, len, pos, "%02llx", o->trailer[i]);
	}
	if ((o->ext & 2) && o->width == 0)
		fz_cat(buf, len, pos, ",vmax=%llu", o->vmax);
	if (!(o->ext & 4))
		return;
	fz_str(buf, len, pos, ",pre=");
	fz_str(buf, len, pos, pre_names[o->pre_kind]);
	if (o->pre_kind == 0)
		fz_cat(buf, len, pos, ":%llu", o->pre_fixed);
	if (o->pre_kind != 3)
		return;
	if (o->pre_width == 0)
		fz_str(buf, len, pos, ":varint");
	else
		fz_cat(buf, len, pos, ":%llu", o->pre_width);
	if (o->pre_width != 0)
		fz_str(buf, len, pos, o->pre_little ? "le" : "be");
	if (o->pre_strip_set)
		fz_cat(buf, len, pos, "/strip=%llu", o->pre_strip);
}

void fz_spec_text(const struct fz_opts *o, char *buf, size_t len)
{
	size_t pos = 0;

	switch (o->kind) {
	case FR_FIXED:
		fz_cat(buf, len, &pos, "fixed:%llu", o->fixed);
		break;
	case FR_DELIM:
		fz_str(buf, len, &pos, "delim:");
		for (uint32_t i = 0; i < o->delim_len; i++)
			fz_cat(buf, len, &pos, "%02llx", o->delim[i]);
		break;
	case FR_LEN:
		if (o->width == 0)
			fz_str(buf, len, &pos, "len:varint");
		else
			fz_cat(buf, len, &pos, "len:%llu", o->width);
		if (o->width != 0)
			fz_str(buf, len, &pos, o->little ? "le" : "be");
		if (o->offset)
			fz_cat(buf, len, &pos, ",offset=%llu", o->offset);
		if (o->adjust < 0)
			fz_cat(buf, len, &pos, ",adjust=-%llu",
			       (unsigned long long)-(int64_t)o->adjust);
		else if (o->adjust > 0)
			fz_cat(buf, len, &pos, ",adjust=%llu",
			       (unsigned long long)o->adjust);
		if (o->strip_set)
			fz_cat(buf, len, &pos, ",strip=%llu", o->strip);
		fz_ext_text(o, buf, len, &pos);
		break;
	case FR_RESP:
		fz_cat(buf, len, &pos, "resp,depth=%llu", o->depth);
		break;
	case FR_HTTP1: {
		uint32_t hmax = o->hmax;

		if (o->max_mode != 0 && hmax > o->max)
			hmax = o->max; /* hmax= may not exceed max= */
		fz_str(buf, len, &pos,
		       o->response ? "http1:resp" : "http1:req");
		if (hmax)
			fz_cat(buf, len, &pos, ",hmax=%llu", hmax);
		if (o->head)
			fz_str(buf, len, &pos, ",head");
		break;
	}
	case FR_WS:
		fz_str(buf, len, &pos, o->unmask ? "ws,unmask" : "ws");
		break;
	default:
		fz_str(buf, len, &pos, fr_kind_name((enum fr_kind)o->kind));
		break;
	}
	if (o->max_mode != 0) {
		uint32_t max = o->max;

		if (o->kind == FR_FIXED)
			max += o->fixed - 1; /* fixed:N needs max >= N */
		fz_cat(buf, len, &pos, ",max=%llu", max);
	}
}

static void fz_sched_text(const struct fz_opts *o, char *buf, size_t len)
{
	size_t pos = 0;

	if (o->sched_mode == 0) {
		fz_cat(buf, len, &pos, "list:%llu", o->list[0]);
		for (uint32_t i = 1; i < o->list_len; i++)
			fz_cat(buf, len, &pos, ",%llu", o->list[i]);
		if (o->repeat)
			fz_str(buf, len, &pos, ",repeat");
	} else if (o->sched_mode == 1) {
		fz_cat(buf, len, &pos, "fixed:%llu", o->sched_n);
	} else {
		fz_cat(buf, len, &pos, "random:%llu", o->rmin);
		fz_cat(buf, len, &pos, "-%llu", o->rmin + o->rspan);
		fz_cat(buf, len, &pos, ",seed=%llu", o->seed);
	}
}

void fz_setup_free(struct fz_setup *s)
{
	free(s->chunks);
	s->chunks = NULL;
	s->nchunks = 0;
}

/* A schedule the parser produced must give chunks of at least 1 byte. */
FZ_FAIL(fz_fail_sched_zero, "schedule gave a 0-byte chunk", "schedule")

int fz_setup_chunks(struct fz_setup *s, size_t len)
{
	struct fr_sched sched;
	struct fr_sched_iter it;
	char err[128];
	size_t left = len;

	if (fr_sched_parse(&sched, s->sched_text, err, sizeof(err)) != FR_OK)
		return -1;
	fz_setup_free(s);
	s->chunks = malloc((len ? len : 1) * sizeof(*s->chunks));
	if (s->chunks == NULL) {
		fr_sched_free(&sched);
		return -1;
	}
	fr_sched_begin(&it, &sched, 0);
	while (left > 0) {
		size_t n = fr_sched_next(&it);

		if (n == 0)
			fz_fail_sched_zero();
		if (n > left)
			n = left;
		s->chunks[s->nchunks++] = n;
		left -= n;
	}
	fr_sched_free(&sched);
	return 0;
}

void fz_setup_read_opts(struct fz_setup *s, int kind, const uint8_t *data,
			size_t size)
{
	struct fz_producer p;

	memset(s, 0, sizeof(*s));
	fz_producer_init(&p, data, size);
	fz_opts_read(&p, &s->o, kind);
	s->stream = data;
	s->stream_len = p.size;
	fz_spec_text(&s->o, s->spec_text, sizeof(s->spec_text));
	fz_sched_text(&s->o, s->sched_text, sizeof(s->sched_text));
}

int fz_setup_read(struct fz_setup *s, int kind, const uint8_t *data,
		  size_t size)
{
	fz_setup_read_opts(s, kind, data, size);
	return fz_setup_chunks(s, s->stream_len);
}

const char *fz_kind_target(int kind)
{
	return fr_kind_name((enum fr_kind)kind);
}
