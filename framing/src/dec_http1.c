/* http1 codec: one frame = one HTTP/1.x request or response (start line,
 * field lines, body by Content-Length, chunked or the no-body rules of
 * RFC 9112 section 6.3) as its wire bytes. Strict where smuggling lives. */
#include <strings.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "decoder_int.h"

enum {
	H_START = 0, /* start line (requests: empty lines before it too) */
	H_FIELD,     /* field lines up to the empty line */
	H_BODY,	     /* Content-Length body */
	H_CSIZE,     /* chunk-size [chunk-ext] CRLF */
	H_CDATA,     /* chunk data CRLF */
	H_TRAILER,   /* trailer field lines up to the empty line */
	H_EOF,	     /* response body delimited by close */
};

/* Header facts gathered in d->pflags. */
enum {
	HF_CL = 1,	     /* Content-Length seen (value in d->value) */
	HF_TE = 2,	     /* Transfer-Encoding seen */
	HF_CHUNKED_LAST = 4, /* its last coding so far is chunked */
	HF_CHUNKED = 8,	     /* chunked appeared at all */
	HF_HTTP10 = 16,	     /* HTTP/1.0 message */
	HF_NOBODY = 32,	     /* 1xx, 204, 304 or head: no body */
};

#define H_CHUNK_LINE 4096 /* longest chunk-size line with extensions */
#define H_GO                                                                   \
	3 /* a step is done, go on (beside FR_NEED_MORE,                       \
	     FR_FRAME and errors) */

/* tchar (RFC 9110 5.6.2): ALPHA, DIGIT and !#$%&'*+-.^_`|~; one table
 * load, no branch (a header's names are scanned byte by byte). */
static inline bool h_tchar(uint8_t c)
{
	static const uint8_t tchar[256] = {
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* CTLs */
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0, /* SP ! " # */
	    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, /* 0-9 : ; */
	    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* @ A-O */
	    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, /* P-Z [ \ ] */
	    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* ` a-o */
	    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, /* p-z { | } */
	}; /* 0x80-0xff: none */

	return tchar[c];
}

static bool h_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* Field-value and reason bytes: VCHAR, obs-text, SP, HTAB. */
static bool h_vchar(uint8_t c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

#if defined(__SSE2__)
/* Bytes of v that are no h_vchar: CTLs but HTAB, and DEL. */
static inline __m128i h_bad_bytes(__m128i v)
{
	const __m128i ctl = _mm_set1_epi8(0x1f), tab = _mm_set1_epi8('\t'),
		      del = _mm_set1_epi8(0x7f);
	__m128i c = _mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v); /* <= 0x1f */

	c = _mm_andnot_si128(_mm_cmpeq_epi8(v, tab), c);
	return _mm_or_si128(c, _mm_cmpeq_epi8(v, del));
}
#endif

/* All of p[0..n) are h_vchar bytes? Field values are most of a header's
 * bytes: with SSE2 (x86-64 always), 16 at a time and the rest by one more
 * 16- or two 8-byte loads that overlap bytes already checked (never past
 * p + n); else a loop with no early exit, so it vectorizes. */
static bool h_vchars(const uint8_t *p, size_t n)
{
	size_t i = 0;
	uint8_t bad = 0;

#if defined(__SSE2__)
	__m128i acc = _mm_setzero_si128();

	if (n >= 16) {
		for (; i + 16 <= n; i += 16)
			acc = _mm_or_si128(acc, h_bad_bytes(_mm_loadu_si128(
						    (const __m128i *)(p + i))));
		acc = _mm_or_si128(acc, h_bad_bytes(_mm_loadu_si128(
					    (const __m128i *)(p + n - 16))));
		i = n;
	} else if (n >= 8) {
		__m128i lo = _mm_loadl_epi64((const __m128i *)p);
		__m128i hi = _mm_loadl_epi64((const __m128i *)(p + n - 8));
		/* the upper halves are zero: CTLs, so look at the low 8 */
		acc = _mm_or_si128(h_bad_bytes(lo), h_bad_bytes(hi));
		acc = _mm_and_si128(acc, _mm_set_epi64x(0, -1));
		i = n;
	}
	if (_mm_movemask_epi8(acc))
		return false;
#endif
	for (; i < n; i++)
		bad |=
		    (uint8_t)((p[i] < 0x20 && p[i] != '\t') | (p[i] == 0x7f));
	return bad == 0;
}

static size_t h_token(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n && h_tchar(p[i]))
		i++;
	return i;
}

/* "HTTP/1.x" at p; sets HF_HTTP10 for 1.0. */
static bool h_version(struct fr_decoder *d, const uint8_t *p, size_t n)
{
	if (n != 8 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9')
		return false;
	if (p[7] == '0')
		d->pflags |= HF_HTTP10;
	return true;
}

/* request-line = method SP request-target SP HTTP-version (9112 3) */
static int h_request_line(struct fr_decoder *d, const uint8_t *p, size_t n)
{
	size_t m = h_token(p, n), t;

	if (m == 0 || m == n || p[m] != ' ')
		return FR_EHTTP;
	for (t = m + 1; t < n && p[t] > 0x20 && p[t] != 0x7f; t++)
		;
	if (t == m + 1 || t == n || p[t] != ' ')
		return FR_EHTTP;
	return h_version(d, p + t + 1, n - t - 1) ? FR_OK : FR_EHTTP;
}

/* status-line = HTTP-version SP 3DIGIT SP [reason] (9112 4); the SP
 * before an empty reason may be missing, as some servers send. */
static int h_status_line(struct fr_decoder *d, const uint8_t *p, size_t n)
{
	if (n < 12 || !h_version(d, p, 8) || p[8] != ' ')
		return FR_EHTTP;
	for (size_t i = 9; i < 12; i++)
		if (p[i] < '0' || p[i] > '9')
			return FR_EHTTP;
	if (p[9] < '1' || p[9] > '5' || (n > 12 && p[12] != ' '))
		return FR_EHTTP;
	for (size_t i = 13; i < n; i++)
		if (!h_vchar(p[i]))
			return FR_EHTTP;
	int code = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if (code < 200 || code == 204 || code == 304 || d->spec.head)
		d->pflags |= HF_NOBODY;
	return FR_OK;
}

static bool h_name_is(const uint8_t *p, size_t n, const char *name)
{
	return n == strlen(name) && strncasecmp((const char *)p, name, n) == 0;
}

/* Content-Length = 1*DIGIT (9110 8.6); a list or a second one: error. */
static int h_content_length(struct fr_decoder *d, const uint8_t *v, size_t n)
{
	uint64_t x = 0;

	if (d->pflags & HF_CL || n == 0)
		return FR_EHTTPLEN;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return FR_EHTTPLEN;
		x = x * 10 + (uint64_t)(v[i] - '0');
		if (x > FR_MAX_LIMIT)
			x = FR_MAX_LIMIT + 1; /* past any max, no overflow */
	}
	d->pflags |= HF_CL;
	d->value = x;
	return FR_OK;
}

/* Transfer-Encoding = #transfer-coding; chunked at most once (9112 7). */
static int h_transfer_encoding(struct fr_decoder *d, const uint8_t *v, size_t n)
{
	size_t i = 0;
	bool any = false;

	while (i < n) {
		while (i < n && (h_ows(v[i]) || v[i] == ','))
			i++;
		if (i == n)
			break;
		size_t t = h_token(v + i, n - i);
		if (t == 0)
			return FR_EHTTPLEN;
		bool chunked = h_name_is(v + i, t, "chunked");
		if (chunked && d->pflags & HF_CHUNKED)
			return FR_EHTTPLEN;
		d->pflags &= ~(uint32_t)HF_CHUNKED_LAST;
		if (chunked)
			d->pflags |= HF_CHUNKED | HF_CHUNKED_LAST;
		any = true;
		i += t;
		while (i < n && v[i] != ',') /* parameters: not framing */
			i++;
	}
	if (!any)
		return FR_EHTTPLEN;
	d->pflags |= HF_TE;
	return FR_OK;
}

/* field-line = field-name ":" OWS field-value OWS (9112 5). */
static int h_field_line(struct fr_decoder *d, const uint8_t *p, size_t n,
			bool trailer)
{
	size_t m = h_token(p, n);

	if (n > 0 && h_ows(p[0]))
		return FR_EHTTP; /* obs-fold (9112 5.2) */
	if (m == 0 || m == n || p[m] != ':')
		return FR_EHTTP; /* no space before ':' (9112 5.1) */
	size_t a = m + 1, b = n;
	while (a < b && h_ows(p[a]))
		a++;
	while (b > a && h_ows(p[b - 1]))
		b--;
	if (!h_vchars(p + a, b - a))
		return FR_EHTTP;
	if (trailer) /* framing fields in trailers are not obeyed */
		return FR_OK;
	if (h_name_is(p, m, "content-length"))
		return h_content_length(d, p + a, b - a);
	if (h_name_is(p, m, "transfer-encoding"))
		return h_transfer_encoding(d, p + a, b - a);
	return FR_OK;
}

/* The message's body length from its header (9112 6.3). Returns FR_FRAME
 * when the message ends with the header, FR_OK when a body follows. */
static int h_body_rules(struct fr_decoder *d)
{
	uint32_t fl = d->pflags;

	if (d->spec.response && fl & HF_NOBODY)
		return FR_FRAME; /* rule 1 */
	if (fl & HF_TE && fl & HF_CL)
		return FR_EHTTPLEN; /* rule 3: smuggling, an error */
	if (fl & HF_TE && fl & HF_HTTP10)
		return FR_EHTTPLEN; /* 9112 6.1: faulty framing */
	if (fl & HF_TE) {
		if (fl & HF_CHUNKED_LAST) {
			d->phase = H_CSIZE;
			return FR_OK;
		}
		if (!d->spec.response)
			return FR_EHTTPLEN; /* rule 4: request, 400 */
		d->phase = H_EOF;
		return FR_OK;
	}
	if (fl & HF_CL) { /* rule 6 */
		if (d->value > d->spec.max - d->seen)
			return FR_EOVERSIZE;
		if (d->value == 0)
			return FR_FRAME;
		d->phase = H_BODY;
		d->need = d->value;
		return FR_OK;
	}
	if (!d->spec.response)
		return FR_FRAME; /* rule 7 */
	d->phase = H_EOF;	 /* rule 8 */
	return FR_OK;
}

/* chunk = chunk-size [chunk-ext] CRLF (9112 7.1); p excludes CRLF. */
static int h_chunk_size(struct fr_decoder *d, const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i = 0;

	for (; i < n && fr_hexval(p[i]) >= 0; i++) {
		if (i == 16)
			return FR_EHTTP;
		v = v << 4 | (uint64_t)fr_hexval(p[i]);
	}
	if (i == 0)
		return FR_EHTTP;
	while (i < n && h_ows(p[i]))
		i++;
	if (i < n && p[i] != ';')
		return FR_EHTTP;
	for (; i < n; i++) /* chunk-ext: not interpreted, no CTLs */
		if (!h_vchar(p[i]))
			return FR_EHTTP;
	if (v == 0) {
		d->phase = H_TRAILER;
		d->total = d->seen; /* trailer section starts here */
		return FR_OK;
	}
	if (v > d->spec.max - d->seen || d->spec.max - d->seen - v < 2)
		return FR_EOVERSIZE;
	d->phase = H_CDATA;
	d->need = v + 2;
	return FR_OK;
}

static uint64_t h_hmax(const struct fr_spec *s)
{
	if (s->hmax)
		return s->hmax;
	return s->max < FR_HTTP1_HMAX_DEFAULT ? s->max : FR_HTTP1_HMAX_DEFAULT;
}

static int h_parse_line(struct fr_decoder *d, const uint8_t *p, size_t n)
{
	const struct fr_spec *s = &d->spec;
	int rc;

	switch (d->phase) {
	case H_START:
		if (n == 0 && !s->response)
			return FR_OK; /* empty lines before a request (2.2) */
		rc = s->response ? h_status_line(d, p, n)
				 : h_request_line(d, p, n);
		d->phase = H_FIELD;
		return rc;
	case H_FIELD:
		if (n == 0)
			return h_body_rules(d);
		return h_field_line(d, p, n, false);
	case H_CSIZE:
		return h_chunk_size(d, p, n);
	default: /* H_TRAILER */
		if (n == 0)
			return FR_FRAME;
		return h_field_line(d, p, n, true);
	}
}

/* One line of the header, chunk sizes or trailers: H_GO, FR_NEED_MORE,
 * FR_FRAME (message complete) or an error. */
static int h_line(struct fr_decoder *d)
{
	const struct fr_spec *s = &d->spec;
	uint64_t hmax = h_hmax(s), lim, room = s->max - d->tok;
	int rc;

	if (d->phase == H_CSIZE)
		lim = H_CHUNK_LINE;
	else if (d->phase == H_TRAILER)
		lim = hmax - (d->tok - d->total);
	else
		lim = hmax - d->tok;
	if (lim > room)
		lim = room;
	rc = fr_dec_line(d, lim);
	if (rc == FR_ENOMEM)
		return rc;
	if (rc == 0)
		return FR_NEED_MORE;
	if (rc < 0)
		return d->phase == H_CSIZE && lim < room ? FR_EHTTP
							 : FR_EOVERSIZE;
	const uint8_t *p = fr_dec_base(d) + d->tok;
	size_t n = (size_t)(d->seen - d->tok);
	/* A bare LF ends no line (9112 2.2). A bare CR inside one is caught
	 * by the parsers below: no part of any line admits a CR. */
	if (n < 2 || p[n - 2] != '\r')
		return FR_EHTTP;
	d->tok = d->seen;
	rc = h_parse_line(d, p, n - 2);
	return rc == FR_OK ? H_GO : rc;
}

/* Body bytes of a known length (H_BODY, H_CDATA) or up to EOF. */
static int h_body(struct fr_decoder *d)
{
	size_t avail = d->in_len - d->in_pos;
	size_t n;
	int rc;

	if (d->phase == H_EOF) {
		if (avail > d->spec.max - d->seen)
			return FR_EOVERSIZE;
		rc = fr_dec_take(d, avail);
		return rc ? rc : FR_NEED_MORE;
	}
	n = d->need < avail ? (size_t)d->need : avail;
	rc = fr_dec_take(d, n);
	if (rc)
		return rc;
	d->need -= n;
	if (d->need > 0)
		return FR_NEED_MORE;
	d->tok = d->seen;
	if (d->phase == H_BODY)
		return FR_FRAME;
	const uint8_t *end = fr_dec_base(d) + d->seen - 2;
	if (end[0] != '\r' || end[1] != '\n')
		return FR_EHTTP; /* chunk data must end with CRLF */
	d->phase = H_CSIZE;
	return H_GO;
}

int fr_dec_http1_next(struct fr_decoder *d, struct fr_frame *f)
{
	int rc = FR_OK;

	while (d->in_pos < d->in_len) {
		if (!d->in_frame) {
			fr_dec_begin(d);
			d->phase = H_START;
		}
		if (d->phase == H_BODY || d->phase == H_CDATA ||
		    d->phase == H_EOF)
			rc = h_body(d);
		else
			rc = h_line(d);
		if (rc == FR_FRAME)
			return fr_dec_emit_wire(d, f);
		if (rc < 0)
			return fr_dec_fail(d, rc, f);
		if (rc == FR_NEED_MORE)
			break;
	}
	rc = fr_dec_keep(d);
	if (rc)
		return fr_dec_fail(d, rc, f);
	return FR_NEED_MORE;
}

int fr_dec_http1_finish(struct fr_decoder *d, struct fr_frame *f)
{
	if (!d->in_frame || d->phase != H_EOF)
		return 0;
	/* the last next() kept the frame in the buffer (fr_dec_keep) */
	return fr_dec_emit_buf(d, f);
}
