/* resp codec: one frame = one complete Redis RESP2/RESP3 value (nested
 * aggregates and attributes included) or one inline command line, as its
 * wire bytes. Values left per nesting level are kept in d->rem. */
#include <string.h>

#include "decoder_int.h"

enum { RS_LINE = 0, RS_BULK = 1 };

/* Results of one step besides errors. */
enum { RS_MORE = 0, RS_GO = 1, RS_VALUE = 2 };

#define RS_NUMLINE 32 /* longest line of a length, count or integer */

static bool resp_typed(uint8_t t)
{
	return t != 0 && strchr("+-:$*_#,(!=%~>|", t) != NULL;
}

/* Strict decimal in p[0..n): an optional sign when sign_ok, then 1 to 19
 * digits, no leading zero, at most INT64_MAX (INT64_MIN when negative).
 * Returns 0 and the value, or -1. */
static int resp_num(const uint8_t *p, size_t n, bool sign_ok, int64_t *out)
{
	bool neg = false;
	uint64_t v = 0;
	size_t i = 0;

	if (sign_ok && n > 0 && (p[0] == '-' || p[0] == '+')) {
		neg = p[0] == '-';
		i = 1;
	}
	if (i == n || n - i > 19 || (p[i] == '0' && n - i > 1))
		return -1;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (v > (uint64_t)INT64_MAX + neg)
		return -1;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

/* RESP3 double: [sign] digits [. digits] [e [sign] digits], inf, nan. */
static bool resp_double_ok(const uint8_t *p, size_t n)
{
	size_t i = 0, digits = 0;

	if (i < n && (p[i] == '-' || p[i] == '+'))
		i++;
	if (n - i == 3 &&
	    (memcmp(p + i, "inf", 3) == 0 || memcmp(p + i, "nan", 3) == 0))
		return true;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++)
		digits++;
	if (i < n && p[i] == '.')
		for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			digits++;
	if (digits == 0)
		return false;
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		size_t e = 0;

		i++;
		if (i < n && (p[i] == '-' || p[i] == '+'))
			i++;
		for (; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			e++;
		if (e == 0)
			return false;
	}
	return i == n;
}

/* An aggregate of n elements (2n for maps and attributes) opens. */
static int resp_open(struct fr_decoder *d, uint64_t n, bool attr)
{
	if (n == 0) /* an empty attribute annotates the value that follows */
		return attr ? RS_GO : RS_VALUE;
	if (d->level >= d->spec.depth)
		return FR_EDEPTH;
	if (n > (d->spec.max - d->seen) / 3) /* every value takes >= 3 bytes */
		return FR_EOVERSIZE;
	d->level++;
	d->rem[d->level] = n << 1 | (attr ? 1 : 0);
	return RS_GO;
}

/* One value at level *lvl is complete, whose count (values left << 1 |
 * attribute) is *cur, the outer levels' in rem: closes the levels it
 * completes. True when the frame is complete. Inlined, so the scan keeps
 * *lvl and *cur in registers. */
static inline __attribute__((always_inline)) bool
resp_pop(const uint64_t *rem, unsigned *lvl, uint64_t *cur)
{
	for (;;) {
		*cur -= 2;
		if (*cur >> 1)
			return false;
		if (*lvl == 0)
			return true;
		bool attr = *cur & 1;
		*cur = rem[--*lvl];
		if (attr) /* the annotated value is still to come */
			return false;
	}
}

/* resp_pop on the state in d. */
static bool resp_value_done(struct fr_decoder *d)
{
	unsigned lvl = d->level;
	uint64_t cur = d->rem[lvl];
	bool done = resp_pop(d->rem, &lvl, &cur);

	d->level = lvl;
	d->rem[lvl] = cur;
	return done;
}

/* A length line of $, ! or = read: the body and its CRLF follow. */
static int resp_bulk_head(struct fr_decoder *d, uint8_t t, const uint8_t *p,
			  size_t n)
{
	int64_t v;

	if (t == '$' && n == 2 && p[0] == '-' && p[1] == '1')
		return RS_VALUE; /* RESP2 null bulk string */
	if (resp_num(p, n, false, &v))
		return FR_ERESP;
	if ((uint64_t)v > d->spec.max - d->seen ||
	    d->spec.max - d->seen - (uint64_t)v < 2)
		return FR_EOVERSIZE;
	d->phase = RS_BULK;
	d->need = (uint64_t)v + 2;
	d->total = d->seen; /* where the body starts */
	d->value = t;
	return RS_GO;
}

/* The complete line base[tok..seen) of type t: content p[0..n). */
static int resp_typed_line(struct fr_decoder *d, uint8_t t, const uint8_t *p,
			   size_t n)
{
	int64_t v;

	switch (t) {
	case '+':
	case '-':
		return memchr(p, '\r', n) ? FR_ERESP : RS_VALUE;
	case ':':
		return resp_num(p, n, true, &v) ? FR_ERESP : RS_VALUE;
	case '(':
		if (n > 0 && (p[0] == '-' || p[0] == '+')) {
			p++;
			n--;
		}
		if (n == 0)
			return FR_ERESP;
		for (size_t i = 0; i < n; i++)
			if (p[i] < '0' || p[i] > '9')
				return FR_ERESP;
		return RS_VALUE;
	case ',':
		return resp_double_ok(p, n) ? RS_VALUE : FR_ERESP;
	case '#':
		return n == 1 && (p[0] == 't' || p[0] == 'f') ? RS_VALUE
							      : FR_ERESP;
	case '_':
		return n == 0 ? RS_VALUE : FR_ERESP;
	case '$':
	case '!':
	case '=':
		return resp_bulk_head(d, t, p, n);
	default: /* * % ~ > | */
		if (t == '*' && n == 2 && p[0] == '-' && p[1] == '1')
			return RS_VALUE; /* RESP2 null array */
		if (resp_num(p, n, false, &v))
			return FR_ERESP;
		return resp_open(
		    d, (uint64_t)v * (t == '%' || t == '|' ? 2 : 1), t == '|');
	}
}

static int resp_line(struct fr_decoder *d)
{
	uint8_t t =
	    d->seen > d->tok ? fr_dec_base(d)[d->tok] : d->in[d->in_pos];
	bool inl = !resp_typed(t);
	uint64_t room = d->spec.max - d->tok;
	uint64_t lim = room;

	if (inl && (d->level > 0 || d->tok > 0))
		return FR_ERESP; /* inline commands only stand alone */
	if (t != '+' && t != '-' && t != '(' && t != ',' && !inl &&
	    lim > RS_NUMLINE)
		lim = RS_NUMLINE;
	int rc = fr_dec_line(d, lim);
	if (rc == FR_ENOMEM)
		return rc;
	if (rc == 0)
		return RS_MORE;
	if (rc < 0)
		return lim == room ? FR_EOVERSIZE : FR_ERESP;
	const uint8_t *p = fr_dec_base(d) + d->tok;
	size_t n = (size_t)(d->seen - d->tok);
	if (inl)
		return RS_VALUE; /* LF or CRLF ends it, like redis-server */
	if (n < 3 || p[n - 2] != '\r')
		return FR_ERESP; /* a bare LF ends no RESP line */
	return resp_typed_line(d, t, p + 1, n - 3);
}

static int resp_bulk(struct fr_decoder *d)
{
	size_t avail = d->in_len - d->in_pos;
	size_t n = d->need < avail ? (size_t)d->need : avail;
	int rc = fr_dec_take(d, n);

	if (rc)
		return rc;
	d->need -= n;
	if (d->need > 0)
		return RS_MORE;
	const uint8_t *body = fr_dec_base(d) + d->total;
	size_t len = (size_t)(d->seen - d->total) - 2;
	if (body[len] != '\r' || body[len + 1] != '\n')
		return FR_ERESP;
	if (d->value == '=' && (len < 4 || body[3] != ':'))
		return FR_ERESP; /* verbatim: 3-byte format, ':', text */
	d->phase = RS_LINE;
	return RS_VALUE;
}

/* Fast path: the number line after the type byte at p[i..lim): digits as
 * resp_num takes them (a sign when sign_ok; "-1" when null_ok), then CR LF.
 * Returns 1 and the value, 0 for the null, -1 for anything else; *i moves
 * past the line. */
static inline __attribute__((always_inline)) int
resp_fast_num(const uint8_t *p, size_t *i, size_t lim, bool sign_ok,
	      bool null_ok, int64_t *v)
{
	size_t j = *i, d0;
	bool neg = false;
	uint64_t x = 0;

	if (lim - j >= 5) { /* 1 to 3 digits then CR LF, without a branch
			       on the digit count (most lengths and counts) */
		uint64_t c0 = p[j] - (uint64_t)'0',
			 c1 = p[j + 1] - (uint64_t)'0',
			 c2 = p[j + 2] - (uint64_t)'0';
		uint64_t m1 = 0 - (uint64_t)(c1 < 10);
		uint64_t m2 = m1 & (0 - (uint64_t)(c2 < 10));
		uint64_t nd = 1 + (m1 & 1) + (m2 & 1);
		uint64_t v1 = c0 * 10 + c1, v2 = v1 * 10 + c2;

		if (c0 < 10 && p[j + nd] == '\r' && p[j + nd + 1] == '\n') {
			if (c0 == 0 && nd > 1)
				return -1;
			*v =
			    (int64_t)((c0 & ~m1) | (v1 & m1 & ~m2) | (v2 & m2));
			*i = j + nd + 2;
			return 1;
		}
	}
	if (j < lim && (p[j] == '-' || (sign_ok && p[j] == '+'))) {
		neg = p[j] == '-';
		j++;
	}
	d0 = j;
	while (j < lim && j - d0 < 20 && p[j] >= '0' && p[j] <= '9')
		x = x * 10 + (uint64_t)(p[j++] - '0');
	if (lim - j < 2 || p[j] != '\r' || p[j + 1] != '\n' || j == d0 ||
	    j - d0 > 19 || (p[d0] == '0' && j - d0 > 1))
		return -1;
	*i = j + 2;
	if (neg && !sign_ok)
		return null_ok && x == 1 && j - d0 == 1 ? 0 : -1;
	if (x > (uint64_t)INT64_MAX + neg)
		return -1;
	*v = neg ? (int64_t)(0 - x) : (int64_t)x;
	return 1;
}

/* The scan's bulk string whose body runs past the chunk end: leave the
 * state resp_bulk_head would (the bulk phase, body at frame position
 * seen + body) and take the rest of the chunk, so the body is not read
 * twice. Returns n, the bytes the scan took. */
static size_t resp_cut_bulk(struct fr_decoder *d, size_t n, uint64_t seen,
			    size_t body, int64_t v)
{
	d->phase = RS_BULK;
	d->total = seen + body;
	d->need = (uint64_t)v + 2 - (n - body);
	d->value = '$';
	return n;
}

/* Fast path: whole lines and values of + - : $ * in p[0..n), taken in
 * place on top of the nesting state in d (a frame start, or any value
 * boundary of a frame that spans chunks; seen: the frame's bytes before p),
 * with no per-line bookkeeping: the count of the innermost level lives in
 * a register and goes back to d->rem only when a level opens or closes.
 * Returns the bytes of whole lines read (their state applied); *done when
 * the frame is complete. It stops before a line that is cut by the chunk
 * end or uses anything else (inline, RESP3 types, a limit, an error): the
 * incremental path reads that one. It must accept exactly what that path
 * would; the split fuzz targets compare the two (whole vs bytes). */
static inline __attribute__((always_inline)) size_t
resp_scan(struct fr_decoder *d, const uint8_t *p, size_t n, uint64_t seen,
	  bool *done)
{
	const struct fr_spec *s = &d->spec;
	uint64_t room = s->max - seen;
	size_t lim = n < room ? n : (size_t)room, i = 0, ok;
	unsigned lvl = d->level;
	uint64_t cur = d->rem[lvl];
	int64_t v = 0;
	int k;

	*done = false;
	for (;;) {
		ok = i;
		if (lim - i < 3)
			goto out;
		uint8_t t = p[i++];
		if (t == '$') { /* most values: tested before the jump table */
			k = resp_fast_num(p, &i, lim, false, true, &v);
			if (k < 0)
				goto out;
			if (k > 0) {
				if ((uint64_t)v > lim - i ||
				    lim - i - (uint64_t)v < 2) {
					if (lim == n && (uint64_t)v + 2 <=
							    s->max - seen - i)
						ok = resp_cut_bulk(d, n, seen,
								   i, v);
					goto out;
				}
				i += (size_t)v;
				if (p[i] != '\r' || p[i + 1] != '\n')
					goto out;
				i += 2;
			}
			goto value_done;
		}
		switch (t) {
		case '+':
		case '-': /* the first CR or LF must be a CR, then LF */
			while (i < lim && p[i] != '\r' && p[i] != '\n')
				i++;
			if (lim - i < 2 || p[i] != '\r' || p[i + 1] != '\n')
				goto out;
			i += 2;
			break;
		case ':':
			if (resp_fast_num(p, &i, lim, true, false, &v) < 0)
				goto out;
			break;
		case '*':
			k = resp_fast_num(p, &i, lim, false, true, &v);
			if (k < 0)
				goto out;
			if (k == 0 || v == 0)
				break;
			if (lvl >= s->depth ||
			    (uint64_t)v > (s->max - seen - i) / 3)
				goto out;
			d->rem[lvl++] = cur;
			cur = (uint64_t)v << 1;
			continue;
		default:
			goto out;
		}
	value_done:
		if (resp_pop(d->rem, &lvl, &cur)) {
			d->level = 0;
			d->rem[0] = cur;
			*done = true;
			return i;
		}
	}
out:
	d->level = lvl;
	d->rem[lvl] = cur;
	return ok;
}

int fr_dec_resp_next(struct fr_decoder *d, struct fr_frame *f)
{
	int rc;

	while (d->in_pos < d->in_len) {
		bool done;

		if (!d->in_frame) {
			/* A frame starts: most lie whole in the chunk, and are
			 * emitted in place without touching the frame state
			 * (fr_dec_end left it clear). */
			const uint8_t *p = d->in + d->in_pos;
			size_t k;

			d->rem[0] = 2; /* one value */
			k = resp_scan(d, p, d->in_len - d->in_pos, 0, &done);
			if (done) {
				uint64_t off = d->in_off + d->in_pos;

				d->in_pos += k;
				return fr_dec_emit(f, p, k, off);
			}
			fr_dec_begin(d);
			d->in_pos += k;
			d->seen = k;
			d->tok = k; /* a line starts here (unused in RS_BULK) */
			if (d->in_pos == d->in_len)
				break;
		} else if (d->phase == RS_LINE && d->seen == d->tok) {
			size_t k =
			    resp_scan(d, d->in + d->in_pos,
				      d->in_len - d->in_pos, d->seen, &done);

			rc = fr_dec_take(d, k);
			if (rc)
				return fr_dec_fail(d, rc, f);
			d->tok = d->seen; /* as above */
			if (done)
				return fr_dec_emit_wire(d, f);
			if (d->in_pos == d->in_len)
				break;
		}
		rc = d->phase == RS_BULK ? resp_bulk(d) : resp_line(d);
		if (rc < 0)
			return fr_dec_fail(d, rc, f);
		if (rc == RS_MORE)
			break;
		if (d->phase == RS_LINE)
			d->tok = d->seen;
		if (rc == RS_VALUE && resp_value_done(d))
			return fr_dec_emit_wire(d, f);
	}
	rc = fr_dec_keep(d);
	if (rc)
		return fr_dec_fail(d, rc, f);
	return FR_NEED_MORE;
}
