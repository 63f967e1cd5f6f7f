/* Operations on the choices: one cut of the schedule moved, max= set next
 * to a frame's size (or back to the default), one codec option changed
 * with the frames re-encoded for it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm_int.h"

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

int fm_cut(struct fm_input *in, uint64_t *rng)
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
			o->seed = (uint32_t)fr_rng_next(rng);
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

int fm_max(struct fm_input *in, uint64_t *rng)
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
	for (mode = 1; fz_max_hi[mode] < target; mode++)
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
	switch (o->kind) {
	case FR_FIXED:
		o->fixed = 1 + (uint32_t)fm_pick(rng, 16);
		break;
	case FR_DELIM:
		if (fm_pick(rng, 2)) {
			o->delim[fm_pick(rng, o->delim_len)] =
			    (uint8_t)fr_rng_next(rng);
			break;
		}
		for (uint32_t i = o->delim_len; i < 6; i++)
			o->delim[i] = (uint8_t)fr_rng_next(rng);
		o->delim_len = 1 + (uint32_t)fm_pick(rng, 6);
		break;
	case FR_LEN:
		switch (fm_pick(rng, 5)) {
		case 0:
			o->width = fz_widths[fm_pick(rng, FZ_NWIDTHS)];
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
int fm_opts(struct fm_input *in, uint64_t *rng)
{
	struct fr_spec sp;
	uint8_t *buf;
	size_t cap, len = 0;
	char was[128], now[128];
	int rc, parsed, tries = 0;

	fm_spec_of(&in->o, was, sizeof(was), NULL);
	do { /* until the spec says something else */
		if (++tries > 8 || fm_opt_change(&in->o, rng) != 0)
			return -EINVAL;
		parsed = fm_spec_of(&in->o, now, sizeof(now), &sp);
	} while (strcmp(was, now) == 0);
	in->dirty = true;
	if (in->msgs || in->nfr == 0 || parsed != 0)
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
