/* The reference decoders' front door: dispatch on the codec, the result
 * builders shared by every ref_<codec>.c, and the result as one line of
 * text (the notation of the framing test vectors). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "framing/codec.h"
#include "framing/error.h"
#include "ref_int.h"

static int ref_reserve(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * elem);
	if (q == NULL)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

static struct ref_ev *ref_push(struct ref_result *r, enum ref_ev_kind kind)
{
	struct ref_ev *e;

	if (ref_reserve((void **)&r->ev, &r->cap, r->n + 1, sizeof(*r->ev)))
		return NULL;
	e = &r->ev[r->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	return e;
}

int ref_frame_begin(struct ref_result *r, uint64_t off)
{
	struct ref_ev *e = ref_push(r, REF_FRAME);

	if (e == NULL)
		return -ENOMEM;
	e->off = off;
	e->at = r->nb;
	return 0;
}

int ref_frame_byte(struct ref_result *r, uint8_t c)
{
	if (ref_reserve((void **)&r->bytes, &r->bcap, r->nb + 1, 1))
		return -ENOMEM;
	r->bytes[r->nb++] = c;
	r->ev[r->n - 1].len++;
	return 0;
}

void ref_frame_drop(struct ref_result *r)
{
	r->nb = r->ev[r->n - 1].at;
	r->n--;
}

int ref_frame(struct ref_result *r, uint64_t off, const uint8_t *p, size_t n)
{
	if (ref_frame_begin(r, off))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (ref_frame_byte(r, p[i]))
			return -ENOMEM;
	return 0;
}

int ref_error(struct ref_result *r, int code, uint64_t off, bool fatal)
{
	struct ref_ev *e = ref_push(r, REF_ERROR);

	if (e == NULL)
		return -ENOMEM;
	e->code = code;
	e->off = off;
	e->fatal = fatal;
	return 0;
}

int ref_finish(struct ref_result *r, int code, uint64_t off)
{
	struct ref_ev *e = ref_push(r, REF_FINISH);

	if (e == NULL)
		return -ENOMEM;
	e->code = code;
	e->off = code == FR_DONE ? 0 : off;
	return 0;
}

int ref_fatal(struct ref_result *r, int code, uint64_t off)
{
	if (ref_error(r, code, off, true))
		return -ENOMEM;
	return ref_finish(r, code, off);
}

bool ref_knows(const struct fr_spec *spec)
{
	return spec->kind >= FR_FIXED && spec->kind <= FR_WS &&
	       spec->trailer_len == 0 && spec->vmax == 0 && spec->pre.kind == 0;
}

int ref_decode(const struct fr_spec *spec, const uint8_t *stream, size_t len,
	       struct ref_result *out)
{
	out->n = 0;
	out->nb = 0;
	if (!ref_knows(spec))
		return -ENOTSUP;
	switch (spec->kind) {
	case FR_FIXED:
		return ref_fixed(spec, stream, len, out);
	case FR_LINE:
	case FR_CRLF:
	case FR_DELIM:
		return ref_delimited(spec, stream, len, out);
	case FR_LEN:
		return ref_len(spec, stream, len, out);
	case FR_COBS:
		return ref_cobs(spec, stream, len, out);
	case FR_SLIP:
		return ref_slip(spec, stream, len, out);
	case FR_NETSTRING:
		return ref_netstring(spec, stream, len, out);
	case FR_TLV:
		return ref_tlv(spec, stream, len, out);
	case FR_RAW:
		return ref_raw(spec, stream, len, out);
	case FR_RESP:
		return ref_resp(spec, stream, len, out);
	case FR_HTTP1:
		return ref_http1(spec, stream, len, out);
	case FR_WS:
		return ref_ws(spec, stream, len, out);
	default:
		return -ENOTSUP;
	}
}

void ref_result_free(struct ref_result *r)
{
	free(r->ev);
	free(r->bytes);
	memset(r, 0, sizeof(*r));
}

/* Appends to a malloc'ed string; returns -ENOMEM and frees it on failure. */
static int ref_puts(char **s, size_t *len, size_t *cap, const char *t)
{
	size_t n = strlen(t);

	if (ref_reserve((void **)s, cap, *len + n + 1, 1)) {
		free(*s);
		*s = NULL;
		return -ENOMEM;
	}
	memcpy(*s + *len, t, n + 1);
	*len += n;
	return 0;
}

static int ref_puthex(char **s, size_t *len, size_t *cap, const uint8_t *p,
		      size_t n)
{
	char h[3];

	for (size_t i = 0; i < n; i++) {
		snprintf(h, sizeof(h), "%02x", p[i]);
		if (ref_puts(s, len, cap, h))
			return -ENOMEM;
	}
	return 0;
}

char *ref_result_str(const struct fr_spec *spec, const struct ref_result *r)
{
	char *s = NULL, tmp[64];
	size_t len = 0, cap = 0;
	bool raw = spec->kind == FR_RAW, first = true;

	if (ref_puts(&s, &len, &cap, raw ? "data:" : ""))
		return NULL;
	if (raw && ref_puthex(&s, &len, &cap, r->bytes, r->nb))
		return NULL;
	for (size_t i = 0; i < r->n; i++) {
		const struct ref_ev *e = &r->ev[i];

		if (raw && e->kind == REF_FRAME)
			continue;
		if (!first || raw)
			if (ref_puts(&s, &len, &cap, " "))
				return NULL;
		first = false;
		if (e->kind == REF_FRAME)
			snprintf(tmp, sizeof(tmp),
				 "f@%llu:", (unsigned long long)e->off);
		else if (e->kind == REF_FINISH && e->code == FR_DONE)
			snprintf(tmp, sizeof(tmp), "done");
		else
			snprintf(tmp, sizeof(tmp), "%s@%llu:%s",
				 e->kind == REF_FINISH ? "fin" : "e",
				 (unsigned long long)e->off,
				 fr_errname(e->code));
		if (ref_puts(&s, &len, &cap, tmp))
			return NULL;
		if (e->kind == REF_FRAME &&
		    ref_puthex(&s, &len, &cap, r->bytes + e->at, e->len))
			return NULL;
	}
	return s;
}
