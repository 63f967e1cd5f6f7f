/* Reference decoder for resp (docs/specs.md "resp", the RESP2/RESP3 spec):
 * one frame per top-level value or inline command, parsed by recursion
 * over the whole stream; every error is fatal at the frame's first byte. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "framing/codec.h"
#include "ref_int.h"

#define RS_NEED 1	 /* the stream ends inside the frame */
#define RS_LINE_BOUND 32 /* a length, count or small-value line */
#define RS_DIGITS_MAX 19 /* digits of a length or count */
#define RS_MIN_VALUE 3	 /* the shortest value: ":0" CR LF, "_" CR LF */

struct rs {
	const struct fr_spec *s;
	const uint8_t *p;
	size_t n, start, pos;
};

static bool rs_is_type(uint8_t c)
{
	return c != 0 && strchr("+-:$*_#,(!=%~>|", c) != NULL;
}

/* Byte idx is needed to go on: RS_NEED past the end of the stream. */
static int rs_need(const struct rs *c, size_t idx)
{
	return idx >= c->n ? RS_NEED : 0;
}

/* A byte inside a line (not its LF) was read at idx: the line still needs
 * its LF, so once the frame holds max bytes it can only end up larger. */
static int rs_inside(const struct rs *c, size_t idx)
{
	return idx - c->start + 2 > c->s->max ? FR_EOVERSIZE : 0;
}

/* The line after the type byte at lstart, through its LF; its content is
 * p[c->pos .. *end). A typed line must end in CR LF; a bounded one must
 * have its LF within RS_LINE_BOUND bytes of lstart. */
static int rs_line(struct rs *c, size_t lstart, bool typed, bool bounded,
		   size_t *end)
{
	for (size_t j = c->pos;; j++) {
		int rc = rs_need(c, j);

		if (rc)
			return rc;
		if (c->p[j] == '\n') {
			bool cr = j > c->pos && c->p[j - 1] == '\r';

			if (typed && !cr)
				return FR_ERESP;
			*end = cr ? j - 1 : j;
			c->pos = j + 1;
			return 0;
		}
		if ((rc = rs_inside(c, j)) != 0)
			return rc;
		if (bounded && j + 1 - lstart >= RS_LINE_BOUND)
			return FR_ERESP;
	}
}

static bool rs_digits(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return n > 0;
}

/* A length or count: digits, no sign, no leading zero, at most 19 of
 * them and no more than 2^63 - 1 (a signed 64-bit length, as Redis reads
 * it); "-1" too when null_ok. *null is set for "-1". */
static int rs_count(const uint8_t *p, size_t n, bool null_ok, uint64_t *v,
		    bool *null)
{
	*v = 0;
	*null = false;
	if (null_ok && n == 2 && p[0] == '-' && p[1] == '1') {
		*null = true;
		return 0;
	}
	if (!rs_digits(p, n) || n > RS_DIGITS_MAX || (n > 1 && p[0] == '0'))
		return FR_ERESP;
	for (size_t i = 0; i < n; i++)
		*v = *v * 10 + (uint64_t)(p[i] - '0');
	return *v > (uint64_t)INT64_MAX ? FR_ERESP : 0;
}

/* ':' : optional sign, digits without a leading zero, within int64. */
static int rs_integer(const uint8_t *p, size_t n)
{
	static const char lim[] = "9223372036854775807";
	bool neg = n > 0 && p[0] == '-';

	if (n > 0 && (p[0] == '+' || p[0] == '-')) {
		p++;
		n--;
	}
	if (!rs_digits(p, n) || (n > 1 && p[0] == '0') || n > 19)
		return FR_ERESP;
	if (n == 19) {
		int cmp = memcmp(p, lim, 19);

		/* -9223372036854775808 is the one value past lim */
		if (cmp > 0 &&
		    !(neg && memcmp(p, "9223372036854775808", 19) == 0))
			return FR_ERESP;
	}
	return 0;
}

static size_t rs_span(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] >= '0' && p[i] <= '9')
		i++;
	return i;
}

/* ',' : [sign] (digits [. digits*] | . digits) [e|E [sign] digits], or
 * [sign] inf / nan. */
static int rs_double(const uint8_t *p, size_t n)
{
	size_t i = 0, a, b = 0;

	if (i < n && (p[i] == '+' || p[i] == '-'))
		i++;
	if ((n - i == 3 && memcmp(p + i, "inf", 3) == 0) ||
	    (n - i == 3 && memcmp(p + i, "nan", 3) == 0))
		return 0;
	a = rs_span(p + i, n - i);
	i += a;
	if (i < n && p[i] == '.') {
		i++;
		b = rs_span(p + i, n - i);
		i += b;
	}
	if (a + b == 0)
		return FR_ERESP;
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		a = rs_span(p + i, n - i);
		if (a == 0)
			return FR_ERESP;
		i += a;
	}
	return i == n ? 0 : FR_ERESP;
}

/* Is the frame, at the end of a header at c->pos, already over max when
 * `more` bytes must still follow? */
static bool rs_over(const struct rs *c, uint64_t more)
{
	return more > c->s->max || c->pos - c->start + more > c->s->max;
}

static int rs_value(struct rs *c, unsigned open, bool top);

/* $ ! = : len bytes, then CR LF (checked once both are there). */
static int rs_bulk(struct rs *c, uint8_t type, uint64_t len)
{
	size_t at = c->pos;
	int rc;

	if (rs_over(c, len + 2))
		return FR_EOVERSIZE;
	/* the last byte is there, so are all before it (len <= max here) */
	if ((rc = rs_need(c, at + len + 1)) != 0)
		return rc;
	if (c->p[at + len] != '\r' || c->p[at + len + 1] != '\n')
		return FR_ERESP;
	if (type == '=' && (len < 4 || c->p[at + 3] != ':'))
		return FR_ERESP;
	c->pos = at + len + 2;
	return 0;
}

/* * % ~ > | : n elements (2n for maps and attributes) one level deeper. */
static int rs_aggregate(struct rs *c, uint8_t type, uint64_t n, unsigned open)
{
	uint64_t k = (type == '%' || type == '|') ? 2 * n : n;
	int rc;

	if (n == 0)
		return 0;
	if (open + 1 > c->s->depth)
		return FR_EDEPTH;
	if (k > c->s->max || rs_over(c, RS_MIN_VALUE * k))
		return FR_EOVERSIZE;
	for (uint64_t i = 0; i < k; i++)
		if ((rc = rs_value(c, open + 1, false)) != 0)
			return rc;
	return 0;
}

static int rs_value(struct rs *c, unsigned open, bool top)
{
	size_t lstart = c->pos, end;
	int rc = rs_need(c, lstart);
	uint64_t v;
	bool null;
	uint8_t t;

	if (rc)
		return rc;
	t = c->p[lstart];
	if (!rs_is_type(t)) {
		if (!top)
			return FR_ERESP;
		return rs_line(c, lstart, false, false, &end); /* inline */
	}
	if ((rc = rs_inside(c, lstart)) != 0)
		return rc;
	c->pos++;
	bool bounded = strchr("+-,(", t) == NULL;
	if ((rc = rs_line(c, lstart, true, bounded, &end)) != 0)
		return rc;
	const uint8_t *q = c->p + lstart + 1;
	size_t qn = end - lstart - 1;

	switch (t) {
	case '+':
	case '-':
		return memchr(q, '\r', qn) ? FR_ERESP : 0;
	case ':':
		return rs_integer(q, qn);
	case '_':
		return qn == 0 ? 0 : FR_ERESP;
	case '#':
		return qn == 1 && (q[0] == 't' || q[0] == 'f') ? 0 : FR_ERESP;
	case ',':
		return rs_double(q, qn);
	case '(':
		if (qn > 0 && (q[0] == '+' || q[0] == '-')) {
			q++;
			qn--;
		}
		return rs_digits(q, qn) ? 0 : FR_ERESP;
	case '$':
	case '!':
	case '=':
		if ((rc = rs_count(q, qn, t == '$', &v, &null)) != 0)
			return rc;
		return null ? 0 : rs_bulk(c, t, v);
	default: /* * % ~ > | */
		if ((rc = rs_count(q, qn, t == '*', &v, &null)) != 0)
			return rc;
		if (null)
			return 0;
		if ((rc = rs_aggregate(c, t, v, open)) != 0)
			return rc;
		/* an attribute and the value it annotates are one frame */
		return t == '|' ? rs_value(c, open, false) : 0;
	}
}

int ref_resp(const struct fr_spec *s, const uint8_t *p, size_t n,
	     struct ref_result *r)
{
	struct rs c = {.s = s, .p = p, .n = n};

	while (c.pos < n) {
		int rc;

		c.start = c.pos;
		rc = rs_value(&c, 0, true);
		if (rc == RS_NEED)
			return ref_finish(r, FR_ETRUNCATED, c.start);
		if (rc < 0)
			return ref_fatal(r, rc, c.start);
		if (ref_frame(r, c.start, p + c.start, c.pos - c.start))
			return -ENOMEM;
	}
	return ref_finish(r, FR_DONE, 0);
}
