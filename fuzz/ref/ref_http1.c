/* Reference decoder for http1:req and http1:resp (docs/specs.md "http1",
 * RFC 9112): one frame per message, start line through body, read line by
 * line from the whole stream. Every error is fatal at the message start. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "framing/codec.h"
#include "ref_int.h"

#define HS_NEED 1	       /* the stream ends inside the message */
#define HS_CHUNK_LINE_MAX 4096 /* a chunk-size line, CR LF included */

struct hs {
	const struct fr_spec *s;
	const uint8_t *p;
	size_t n, start, pos, hmax;
};

/* One line from c->pos through its LF: content p[*lo .. *hi), without
 * the CR LF. Every byte must fit the message's max and the bound smax of
 * the section that began at sec (0: none); a byte other than LF means at
 * least one more must come, so it must leave room for that; a chunk-size line
 * is EHTTP once it has HS_CHUNK_LINE_MAX bytes and no LF. */
static int hs_line(struct hs *c, size_t sec, size_t smax, bool chunk,
		   size_t *lo, size_t *hi)
{
	size_t ls = c->pos;

	for (size_t j = ls;; j++) {
		if (j >= c->n)
			return HS_NEED;
		if (c->p[j] == '\n') {
			/* the LF itself must fit too */
			if (j - c->start + 1 > c->s->max ||
			    (smax && j - sec + 1 > smax))
				return FR_EOVERSIZE;
			if (j == ls || c->p[j - 1] != '\r')
				return FR_EHTTP; /* a bare LF */
			if (memchr(c->p + ls, '\r', j - 1 - ls))
				return FR_EHTTP; /* a bare CR */
			*lo = ls;
			*hi = j - 1;
			c->pos = j + 1;
			return 0;
		}
		if (j - c->start + 2 > c->s->max ||
		    (smax && j - sec + 2 > smax))
			return FR_EOVERSIZE;
		if (chunk && j - ls + 1 >= HS_CHUNK_LINE_MAX)
			return FR_EHTTP;
	}
}

static bool hs_tchar(uint8_t ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
	       (ch >= 'A' && ch <= 'Z') ||
	       (ch != 0 && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* VCHAR or obs-text (RFC 9110 5.5). */
static bool hs_vchar(uint8_t ch)
{
	return (ch >= 0x21 && ch <= 0x7e) || ch >= 0x80;
}

static bool hs_ows(uint8_t ch)
{
	return ch == ' ' || ch == '\t';
}

/* "HTTP/1." DIGIT at p (8 bytes); the minor digit into *minor. */
static bool hs_version(const uint8_t *p, size_t n, int *minor)
{
	if (n < 8 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9')
		return false;
	*minor = p[7] - '0';
	return true;
}

/* request-line = method SP request-target SP HTTP-version */
static bool hs_request_line(const uint8_t *p, size_t n, int *minor)
{
	size_t i = 0, t;

	while (i < n && hs_tchar(p[i]))
		i++;
	if (i == 0 || i >= n || p[i++] != ' ')
		return false;
	t = i;
	while (i < n && hs_vchar(p[i]))
		i++;
	if (i == t || i >= n || p[i++] != ' ')
		return false;
	return n - i == 8 && hs_version(p + i, 8, minor);
}

/* status-line = HTTP-version SP 3DIGIT [SP reason-phrase] */
static bool hs_status_line(const uint8_t *p, size_t n, int *minor, int *status)
{
	if (n < 12 || !hs_version(p, 8, minor) || p[8] != ' ')
		return false;
	for (int i = 9; i < 12; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	*status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if (*status < 100 || *status > 599)
		return false;
	if (n == 12)
		return true;
	if (p[12] != ' ')
		return false;
	for (size_t i = 13; i < n; i++)
		if (!hs_vchar(p[i]) && !hs_ows(p[i]))
			return false;
	return true;
}

/* field-line = field-name ":" OWS field-value OWS; *vlo, *vhi: the value
 * without the OWS around it. */
static bool hs_field(const uint8_t *p, size_t n, size_t *name_len, size_t *vlo,
		     size_t *vhi)
{
	size_t i = 0;

	while (i < n && hs_tchar(p[i]))
		i++;
	if (i == 0 || i >= n || p[i] != ':')
		return false;
	*name_len = i;
	for (size_t k = i + 1; k < n; k++)
		if (!hs_vchar(p[k]) && !hs_ows(p[k]))
			return false;
	*vlo = i + 1;
	*vhi = n;
	while (*vlo < *vhi && hs_ows(p[*vlo]))
		(*vlo)++;
	while (*vhi > *vlo && hs_ows(p[*vhi - 1]))
		(*vhi)--;
	return true;
}

static bool hs_name_is(const uint8_t *p, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp((const char *)p, name, n) == 0;
}

/* What the field lines said about the body. */
struct hs_fields {
	bool cl, te;
	uint64_t cl_value; /* UINT64_MAX: too large to matter */
	unsigned chunked;  /* transfer codings named chunked */
	bool last_chunked;
};

/* One Transfer-Encoding value: a list of codings (RFC 9110 section 5.6.1:
 * empty elements are skipped), each a token that may be followed by
 * parameters, which are not looked at. A value with no coding, a coding
 * that does not start with a token, and chunked named twice (RFC 9112
 * section 7) are EHTTPLEN right away. */
static int hs_codings(const uint8_t *p, size_t n, struct hs_fields *f)
{
	bool any = false;

	for (size_t i = 0; i <= n;) {
		size_t e = i, a = i, t;

		while (e < n && p[e] != ',')
			e++;
		while (a < e && hs_ows(p[a]))
			a++;
		if (a < e) {
			for (t = a; t < e && hs_tchar(p[t]);)
				t++;
			if (t == a)
				return FR_EHTTPLEN;
			f->last_chunked = hs_name_is(p + a, t - a, "chunked");
			f->chunked += f->last_chunked;
			if (f->chunked > 1)
				return FR_EHTTPLEN;
			any = true;
		}
		i = e + 1;
	}
	return any ? 0 : FR_EHTTPLEN;
}

/* Content-Length = 1*DIGIT; a second one, even equal, is refused. */
static int hs_content_length(const uint8_t *p, size_t n, struct hs_fields *f)
{
	if (f->cl || n == 0)
		return FR_EHTTPLEN;
	f->cl = true;
	f->cl_value = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return FR_EHTTPLEN;
		if (f->cl_value > (UINT64_MAX - 9) / 10)
			f->cl_value = UINT64_MAX;
		else
			f->cl_value = f->cl_value * 10 + (uint64_t)(p[i] - '0');
	}
	return 0;
}

/* Field lines up to the empty line. Framing fields count only in the
 * header section (framing), not in a trailer section. */
static int hs_fields(struct hs *c, size_t sec, bool framing,
		     struct hs_fields *f)
{
	size_t lo, hi, nl, vlo, vhi;
	int rc;

	for (;;) {
		if ((rc = hs_line(c, sec, c->hmax, false, &lo, &hi)) != 0)
			return rc;
		if (lo == hi)
			return 0;
		const uint8_t *l = c->p + lo;

		if (!hs_field(l, hi - lo, &nl, &vlo, &vhi))
			return FR_EHTTP;
		if (!framing)
			continue;
		if (hs_name_is(l, nl, "content-length")) {
			rc = hs_content_length(l + vlo, vhi - vlo, f);
			if (rc)
				return rc;
		} else if (hs_name_is(l, nl, "transfer-encoding")) {
			f->te = true;
			rc = hs_codings(l + vlo, vhi - vlo, f);
			if (rc)
				return rc;
		}
	}
}

/* Bytes that must follow c->pos: the message would pass max? */
static bool hs_over(const struct hs *c, uint64_t more)
{
	return more > c->s->max || c->pos - c->start + more > c->s->max;
}

static int hs_need(struct hs *c, uint64_t more)
{
	if (c->n - c->pos < more)
		return HS_NEED;
	c->pos += (size_t)more;
	return 0;
}

static int hs_chunked(struct hs *c)
{
	size_t lo, hi;
	struct hs_fields unused = {0};
	int rc;

	for (;;) {
		if ((rc = hs_line(c, 0, 0, true, &lo, &hi)) != 0)
			return rc;
		const uint8_t *l = c->p + lo;
		size_t n = hi - lo, i = 0;
		uint64_t size = 0;

		while (i < n && i < 17 && fr_hexval(l[i]) >= 0)
			size = size << 4 | (uint64_t)fr_hexval(l[i++]);
		if (i == 0 || i > 16)
			return FR_EHTTP;
		while (i < n && hs_ows(l[i]))
			i++;
		if (i < n && l[i] != ';')
			return FR_EHTTP;
		for (; i < n; i++)
			if (l[i] != '\t' && (l[i] < 0x20 || l[i] == 0x7f))
				return FR_EHTTP;
		if (size == 0)
			return hs_fields(c, c->pos, false, &unused);
		if (size > c->s->max || hs_over(c, size + 2))
			return FR_EOVERSIZE;
		if ((rc = hs_need(c, size + 2)) != 0)
			return rc;
		if (c->p[c->pos - 2] != '\r' || c->p[c->pos - 1] != '\n')
			return FR_EHTTP;
	}
}

#define HS_TO_EOF 2 /* a response whose body runs to the end */

static int hs_message(struct hs *c)
{
	struct hs_fields f = {0};
	size_t lo, hi;
	int minor = 1, status = 0, rc;
	bool resp = c->s->response;

	for (;;) { /* a request may follow empty lines (RFC 9112 2.2) */
		rc = hs_line(c, c->start, c->hmax, false, &lo, &hi);
		if (rc)
			return rc;
		if (lo < hi || resp)
			break;
	}
	if (resp ? !hs_status_line(c->p + lo, hi - lo, &minor, &status)
		 : !hs_request_line(c->p + lo, hi - lo, &minor))
		return FR_EHTTP;
	if ((rc = hs_fields(c, c->start, true, &f)) != 0)
		return rc;
	/* RFC 9112 6.3, in its order */
	if (resp &&
	    (c->s->head || status < 200 || status == 204 || status == 304))
		return 0;
	if (f.te && (f.cl || minor == 0))
		return FR_EHTTPLEN;
	if (f.te) {
		if (f.last_chunked)
			return hs_chunked(c);
		return resp ? HS_TO_EOF : FR_EHTTPLEN;
	}
	if (f.cl) {
		if (hs_over(c, f.cl_value))
			return FR_EOVERSIZE;
		return hs_need(c, f.cl_value);
	}
	return resp ? HS_TO_EOF : 0;
}

int ref_http1(const struct fr_spec *s, const uint8_t *p, size_t n,
	      struct ref_result *r)
{
	struct hs c = {.s = s, .p = p, .n = n};

	c.hmax = s->hmax
		     ? s->hmax
		     : (s->max < FR_HTTP1_HMAX_DEFAULT ? s->max
						       : FR_HTTP1_HMAX_DEFAULT);
	while (c.pos < n) {
		int rc;

		c.start = c.pos;
		rc = hs_message(&c);
		if (rc == HS_NEED)
			return ref_finish(r, FR_ETRUNCATED, c.start);
		if (rc < 0)
			return ref_fatal(r, rc, c.start);
		if (rc == HS_TO_EOF) {
			/* the end of the stream ends it: a frame at finish */
			if (n - c.start > s->max)
				return ref_fatal(r, FR_EOVERSIZE, c.start);
			if (ref_frame(r, c.start, p + c.start, n - c.start))
				return -ENOMEM;
			return ref_finish(r, FR_DONE, 0);
		}
		if (ref_frame(r, c.start, p + c.start, c.pos - c.start))
			return -ENOMEM;
	}
	return ref_finish(r, FR_DONE, 0);
}
