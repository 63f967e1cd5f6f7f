/* Framing spec parser and formatter: the only place that reads spec text
 * ("len:2be,offset=1,adjust=-3,strip=3,max=4096"). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "framing/error.h"
#include "framing/spec.h"
#include "parse_util.h"

const char fr_spec_help[] =
    "Framing specs (NAME[:ARG][,OPTION=VALUE...]):\n"
    "  fixed:N        every frame is exactly N bytes\n"
    "  line           payload then \\n\n"
    "  crlf           payload then \\r\\n\n"
    "  delim:HEX      payload then the delimiter bytes HEX (1-16 bytes),"
    " e.g. delim:0d0a\n"
    "  len:Wbe|Wle    W-byte length field (W = 1,2,3,4,8), big or little"
    " endian,\n"
    "                 then payload\n"
    "  len:varint     LEB128 length (at most 10 bytes), then payload\n"
    "  cobs           COBS-encoded payload then 00 (empty wire frames are"
    " skipped)\n"
    "  slip           RFC 1055: C0 ends a frame, DB DC / DB DD escape C0 /"
    " DB;\n"
    "                 empty frames are skipped\n"
    "  netstring      <decimal length>:<payload>, (no leading zeros)\n"
    "  tlv            type (1 byte), length (4 bytes BE), value; a frame is"
    " type+value\n"
    "  raw            no framing; bytes are passed on as they come\n"
    "  resp           one Redis RESP2/RESP3 value (nested aggregates"
    " included) or\n"
    "                 one inline command line; a frame is the value's wire"
    " bytes\n"
    "  http1:req|resp one HTTP/1.x request or response: start line,"
    " headers and\n"
    "                 body (Content-Length, chunked, none, or until EOF for"
    " a\n"
    "                 response); a frame is the message's wire bytes\n"
    "  ws             one RFC 6455 WebSocket frame; a frame is its wire"
    " bytes\n"
    "Options:\n"
    "  max=N          largest frame as delivered, in bytes (default"
    " 1048576)\n"
    "  offset=N       len: bytes before the length field"
    " (lengthFieldOffset)\n"
    "  adjust=N       len: added to the length value to get the bytes after"
    " the\n"
    "                 field (lengthAdjustment, may be negative)\n"
    "  strip=N        len: wire bytes removed from the front of a frame"
    " before it\n"
    "                 is delivered (initialBytesToStrip; default: the whole"
    " header)\n"
    "  depth=N        resp: aggregates open at once, 0 to 32 (default"
    " 16)\n"
    "  hmax=N         http1: bound on start line + headers, and on"
    " trailers\n"
    "                 (default 65536, at most max)\n"
    "  head           http1:resp: every response answers HEAD (no body)\n"
    "  unmask         ws: deliver the frame unmasked (MASK bit and key"
    " removed)\n"
    "Example: len:2be,offset=1,adjust=-3,strip=3,max=4096\n";

static const char *const fr_kind_names[] = {
    [FR_FIXED] = "fixed", [FR_LINE] = "line",
    [FR_CRLF] = "crlf",	  [FR_DELIM] = "delim",
    [FR_LEN] = "len",	  [FR_COBS] = "cobs",
    [FR_SLIP] = "slip",	  [FR_NETSTRING] = "netstring",
    [FR_TLV] = "tlv",	  [FR_RAW] = "raw",
    [FR_RESP] = "resp",	  [FR_HTTP1] = "http1",
    [FR_WS] = "ws",
};

const char *fr_kind_name(enum fr_kind kind)
{
	if (kind < FR_FIXED || kind > FR_KIND_LAST)
		return "?";
	return fr_kind_names[kind];
}

int fr_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_delim(struct fr_spec *s, const char *arg, char *err,
		       size_t errlen)
{
	size_t n = strlen(arg);

	if (n == 0 || n % 2 != 0 || n / 2 > FR_DELIM_MAX)
		return fr_perr(err, errlen,
			       "delim:'%s': need 1 to %d bytes as an even"
			       " number of hex digits",
			       arg, FR_DELIM_MAX);
	for (size_t i = 0; i < n; i += 2) {
		int hi = fr_hexval(arg[i]), lo = fr_hexval(arg[i + 1]);

		if (hi < 0 || lo < 0)
			return fr_perr(err, errlen,
				       "delim:'%s': '%c%c' is not hex", arg,
				       arg[i], arg[i + 1]);
		s->delim[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	s->delim_len = n / 2;
	return FR_OK;
}

static int parse_len(struct fr_spec *s, const char *arg, char *err,
		     size_t errlen)
{
	if (strcmp(arg, "varint") == 0) {
		s->width = 0;
		return FR_OK;
	}
	if (strlen(arg) == 3 && strchr("12348", arg[0]) &&
	    (strcmp(arg + 1, "be") == 0 || strcmp(arg + 1, "le") == 0)) {
		s->width = (unsigned)(arg[0] - '0');
		s->little = arg[1] == 'l';
		return FR_OK;
	}
	return fr_perr(err, errlen,
		       "len:'%s': expected Wbe or Wle with W in 1,2,3,4,8,"
		       " or varint",
		       arg);
}

static int parse_head(struct fr_spec *s, char *head, char *err, size_t errlen)
{
	char *arg = strchr(head, ':');

	if (arg)
		*arg++ = '\0';
	for (int k = FR_FIXED; k <= FR_KIND_LAST; k++) {
		if (strcmp(head, fr_kind_names[k]) != 0)
			continue;
		s->kind = (enum fr_kind)k;
		bool wants_arg = k == FR_FIXED || k == FR_DELIM ||
				 k == FR_LEN || k == FR_HTTP1;
		if (wants_arg && !arg)
			return fr_perr(err, errlen,
				       "'%s' needs an argument:"
				       " %s:...",
				       head, head);
		if (!wants_arg && arg)
			return fr_perr(err, errlen,
				       "'%s' takes no argument (got ':%s')",
				       head, arg);
		switch (k) {
		case FR_FIXED: {
			uint64_t n;
			if (fr_parse_u64(arg, &n) || n == 0 || n > FR_MAX_LIMIT)
				return fr_perr(err, errlen,
					       "fixed:'%s': need a size from 1"
					       " to %zu",
					       arg, (size_t)FR_MAX_LIMIT);
			s->fixed = (size_t)n;
			return FR_OK;
		}
		case FR_DELIM:
			return parse_delim(s, arg, err, errlen);
		case FR_LEN:
			return parse_len(s, arg, err, errlen);
		case FR_HTTP1:
			if (strcmp(arg, "req") != 0 && strcmp(arg, "resp") != 0)
				return fr_perr(err, errlen,
					       "http1:'%s': expected req or"
					       " resp",
					       arg);
			s->response = strcmp(arg, "resp") == 0;
			return FR_OK;
		case FR_LINE:
			s->delim[0] = '\n';
			s->delim_len = 1;
			return FR_OK;
		case FR_CRLF:
			s->delim[0] = '\r';
			s->delim[1] = '\n';
			s->delim_len = 2;
			return FR_OK;
		default:
			return FR_OK;
		}
	}
	return fr_perr(err, errlen,
		       "unknown framing '%s' (expected fixed, line, crlf,"
		       " delim, len, cobs, slip, netstring, tlv, raw, resp,"
		       " http1 or ws)",
		       head);
}

/* Bare flags: head (http1:resp), unmask (ws). */
static int parse_flag(struct fr_spec *s, const char *opt, char *err,
		      size_t errlen)
{
	if (opt[0] == 'h') {
		if (s->kind != FR_HTTP1 || !s->response)
			return fr_perr(err, errlen,
				       "option 'head' applies only to"
				       " http1:resp");
		s->head = true;
		return FR_OK;
	}
	if (s->kind != FR_WS)
		return fr_perr(err, errlen,
			       "option 'unmask' applies only to ws");
	s->unmask = true;
	return FR_OK;
}

/* depth= (resp) and hmax= (http1). */
static int parse_proto_opt(struct fr_spec *s, const char *opt, const char *val,
			   char *err, size_t errlen)
{
	uint64_t u;

	if (opt[0] == 'd') {
		if (s->kind != FR_RESP)
			return fr_perr(err, errlen,
				       "option 'depth=' applies only to resp");
		if (fr_parse_u64(val, &u) || u > FR_RESP_DEPTH_MAX)
			return fr_perr(err, errlen,
				       "depth='%s': need a nesting depth from"
				       " 0 to %d",
				       val, FR_RESP_DEPTH_MAX);
		s->depth = (unsigned)u;
		return FR_OK;
	}
	if (s->kind != FR_HTTP1)
		return fr_perr(err, errlen,
			       "option 'hmax=' applies only to http1");
	if (fr_parse_u64(val, &u) || u == 0 || u > FR_MAX_LIMIT)
		return fr_perr(err, errlen,
			       "hmax='%s': need a size from 1 to %zu", val,
			       (size_t)FR_MAX_LIMIT);
	s->hmax = (size_t)u;
	return FR_OK;
}

static int parse_opt(struct fr_spec *s, char *opt, bool *max_set, char *err,
		     size_t errlen)
{
	char *val = strchr(opt, '=');
	uint64_t u;
	int64_t i;

	if (!val && (strcmp(opt, "head") == 0 || strcmp(opt, "unmask") == 0))
		return parse_flag(s, opt, err, errlen);
	if (!val || val == opt)
		return fr_perr(err, errlen, "option '%s': expected NAME=VALUE",
			       opt);
	*val++ = '\0';
	if (strcmp(opt, "max") == 0) {
		if (fr_parse_u64(val, &u) || u == 0 || u > FR_MAX_LIMIT)
			return fr_perr(err, errlen,
				       "max='%s': need a size from 1 to %zu",
				       val, (size_t)FR_MAX_LIMIT);
		s->max = (size_t)u;
		*max_set = true;
		return FR_OK;
	}
	if (strcmp(opt, "depth") == 0 || strcmp(opt, "hmax") == 0)
		return parse_proto_opt(s, opt, val, err, errlen);
	if (strcmp(opt, "offset") != 0 && strcmp(opt, "adjust") != 0 &&
	    strcmp(opt, "strip") != 0)
		return fr_perr(err, errlen,
			       "unknown option '%s' (expected max=, for len:"
			       " offset=, adjust=, strip=, for resp: depth=,"
			       " for http1: hmax=, head, for ws: unmask)",
			       opt);
	if (s->kind != FR_LEN)
		return fr_perr(err, errlen,
			       "option '%s=' applies only to len:", opt);
	if (strcmp(opt, "adjust") == 0) {
		if (fr_parse_i64(val, &i) || i > (int64_t)FR_MAX_LIMIT ||
		    i < -(int64_t)FR_MAX_LIMIT)
			return fr_perr(err, errlen,
				       "adjust='%s': need an integer within"
				       " +-%zu",
				       val, (size_t)FR_MAX_LIMIT);
		s->adjust = i;
		return FR_OK;
	}
	if (fr_parse_u64(val, &u) || u > FR_MAX_LIMIT)
		return fr_perr(err, errlen,
			       "%s='%s': need a size from 0 to %zu", opt, val,
			       (size_t)FR_MAX_LIMIT);
	if (opt[0] == 'o') {
		s->offset = (size_t)u;
	} else {
		s->strip = (size_t)u;
		s->strip_set = true;
	}
	return FR_OK;
}

/* Cross-field checks once every option is known. */
static int check_spec(const struct fr_spec *s, char *err, size_t errlen)
{
	if (s->kind == FR_FIXED && s->fixed > s->max)
		return fr_perr(err, errlen, "fixed:%zu is larger than max=%zu",
			       s->fixed, s->max);
	if (s->kind == FR_HTTP1 && s->hmax > s->max)
		return fr_perr(err, errlen, "hmax=%zu is larger than max=%zu",
			       s->hmax, s->max);
	if (s->kind == FR_TLV && s->max < 1)
		return fr_perr(err, errlen, "tlv needs max >= 1");
	if (s->kind == FR_LEN && s->strip_set) {
		/* header bytes kept in the frame must fit max */
		size_t hdr = s->offset + (s->width ? s->width : 1);
		if (s->strip < hdr && hdr - s->strip > s->max)
			return fr_perr(err, errlen,
				       "strip=%zu keeps %zu header bytes, more"
				       " than max=%zu",
				       s->strip, hdr - s->strip, s->max);
	}
	return FR_OK;
}

int fr_spec_parse(struct fr_spec *spec, const char *text, char *err,
		  size_t errlen)
{
	char buf[512];
	struct fr_spec s;
	bool max_set = false;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!spec || !text)
		return fr_perr(err, errlen, "no spec given");
	if (strlen(text) >= sizeof(buf))
		return fr_perr(err, errlen, "spec longer than %zu characters",
			       sizeof(buf) - 1);
	if (text[0] == '\0')
		return fr_perr(err, errlen, "empty spec");
	memset(&s, 0, sizeof(s));
	s.max = FR_DEFAULT_MAX;
	s.depth = FR_RESP_DEPTH_DEFAULT;
	strcpy(buf, text);

	char *save = NULL;
	char *part = strtok_r(buf, ",", &save);
	if (!part || text[0] == ',')
		return fr_perr(err, errlen, "spec '%s' has no framing name",
			       text);
	rc = parse_head(&s, part, err, errlen);
	if (rc)
		return rc;
	while ((part = strtok_r(NULL, ",", &save)) != NULL) {
		rc = parse_opt(&s, part, &max_set, err, errlen);
		if (rc)
			return rc;
	}
	if (strstr(text, ",,") || text[strlen(text) - 1] == ',')
		return fr_perr(err, errlen, "spec '%s' has an empty option",
			       text);
	rc = check_spec(&s, err, errlen);
	if (rc)
		return rc;
	*spec = s;
	return FR_OK;
}

/* Options of resp, http1 and ws, as fr_spec_format writes them. */
static size_t fr_spec_format_proto(const struct fr_spec *s, char *buf,
				   size_t len)
{
	int n = 0;

	if (s->kind == FR_RESP && s->depth != FR_RESP_DEPTH_DEFAULT)
		n = snprintf(buf, len, ",depth=%u", s->depth);
	else if (s->kind == FR_HTTP1 && s->hmax)
		n = snprintf(buf, len, ",hmax=%zu%s", s->hmax,
			     s->head ? ",head" : "");
	else if (s->kind == FR_HTTP1 && s->head)
		n = snprintf(buf, len, ",head");
	else if (s->kind == FR_WS && s->unmask)
		n = snprintf(buf, len, ",unmask");
	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : len;
}

int fr_spec_format(const struct fr_spec *s, char *buf, size_t len)
{
	char head[64], opts[128] = "";
	size_t o = 0;

	switch (s->kind) {
	case FR_FIXED:
		snprintf(head, sizeof(head), "fixed:%zu", s->fixed);
		break;
	case FR_DELIM: {
		int n = snprintf(head, sizeof(head), "delim:");
		for (size_t i = 0; i < s->delim_len && n < 60; i++)
			n += snprintf(head + n, sizeof(head) - (size_t)n,
				      "%02x", s->delim[i]);
		break;
	}
	case FR_HTTP1:
		snprintf(head, sizeof(head), "http1:%s",
			 s->response ? "resp" : "req");
		break;
	case FR_LEN:
		if (s->width == 0)
			snprintf(head, sizeof(head), "len:varint");
		else
			snprintf(head, sizeof(head), "len:%u%s", s->width,
				 s->little ? "le" : "be");
		break;
	default:
		snprintf(head, sizeof(head), "%s", fr_kind_name(s->kind));
		break;
	}
	if (s->kind == FR_LEN) {
		if (s->offset)
			o += (size_t)snprintf(opts + o, sizeof(opts) - o,
					      ",offset=%zu", s->offset);
		if (s->adjust)
			o += (size_t)snprintf(opts + o, sizeof(opts) - o,
					      ",adjust=%" PRId64, s->adjust);
		if (s->strip_set)
			o += (size_t)snprintf(opts + o, sizeof(opts) - o,
					      ",strip=%zu", s->strip);
	}
	o += fr_spec_format_proto(s, opts + o, sizeof(opts) - o);
	if (s->max != FR_DEFAULT_MAX && o < sizeof(opts))
		snprintf(opts + o, sizeof(opts) - o, ",max=%zu", s->max);
	return snprintf(buf, len, "%s%s", head, opts);
}

bool fr_spec_equal(const struct fr_spec *a, const struct fr_spec *b)
{
	if (a->kind != b->kind || a->max != b->max)
		return false;
	switch (a->kind) {
	case FR_FIXED:
		return a->fixed == b->fixed;
	case FR_LINE:
	case FR_CRLF:
	case FR_DELIM:
		return a->delim_len == b->delim_len &&
		       memcmp(a->delim, b->delim, a->delim_len) == 0;
	case FR_LEN:
		if (a->width != b->width || a->offset != b->offset ||
		    a->adjust != b->adjust || a->strip_set != b->strip_set)
			return false;
		if (a->strip_set && a->strip != b->strip)
			return false;
		return a->width <= 1 || a->little == b->little;
	case FR_RESP:
		return a->depth == b->depth;
	case FR_HTTP1:
		return a->response == b->response && a->head == b->head &&
		       a->hmax == b->hmax;
	case FR_WS:
		return a->unmask == b->unmask;
	default:
		return true;
	}
}
