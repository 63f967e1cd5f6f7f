/* Framing spec parser and formatter: the only place that reads spec text
 * ("len:2be,offset=1,adjust=-3,strip=3,max=4096"). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "framing/error.h"
#include "framing/protocols.h"
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
    "  trailer=HEX    len: bytes that end every frame after its length"
    " (1-8 bytes),\n"
    "                 checked and stripped, e.g. trailer=ce (AMQP 0-9-1)\n"
    "  vmax=N         len:varint: at most N bytes in the length field"
    " (1-10;\n"
    "                 MQTT: 4)\n"
    "  pre=SPEC       any codec: the stream's first unit is framed by SPEC"
    " instead\n"
    "                 (fixed:N, line, crlf or len:..., options joined by"
    " '/'),\n"
    "                 e.g. pre=crlf (SSH), pre=len:4be/adjust=-4/strip=0"
    " (PostgreSQL)\n"
    "Protocol names (tls, dns-tcp, postgres, mqtt, ...; framecat protocols"
    " lists\n"
    "them) stand for their spec and take options too: tls,max=16389\n"
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

/* HEX bytes of delim: or trailer= (what names the option in errors). */
static int parse_hex(const char *what, const char *arg, uint8_t *out,
		     size_t *out_len, size_t most, char *err, size_t errlen)
{
	size_t n = strlen(arg);

	if (n == 0 || n % 2 != 0 || n / 2 > most)
		return fr_perr(err, errlen,
			       "%s'%s': need 1 to %zu bytes as an even"
			       " number of hex digits",
			       what, arg, most);
	for (size_t i = 0; i < n; i += 2) {
		int hi = fr_hexval(arg[i]), lo = fr_hexval(arg[i + 1]);

		if (hi < 0 || lo < 0)
			return fr_perr(err, errlen, "%s'%s': '%c%c' is not hex",
				       what, arg, arg[i], arg[i + 1]);
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*out_len = n / 2;
	return FR_OK;
}

static int parse_delim(struct fr_spec *s, const char *arg, char *err,
		       size_t errlen)
{
	return parse_hex("delim:", arg, s->delim, &s->delim_len, FR_DELIM_MAX,
			 err, errlen);
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

/* Where a spec is being parsed: the whole text, an alias's expansion, or
 * the value of pre= (no alias, no nested pre=). */
struct parse_ctx {
	bool allow_alias, allow_pre;
	bool max_set;
};

static int spec_parse(struct fr_spec *spec, const char *text,
		      struct parse_ctx *ctx, char *err, size_t errlen);

static int parse_pre(struct fr_spec *s, char *val, char *err, size_t errlen)
{
	struct parse_ctx inner = {false, false, false};
	struct fr_spec p;
	char msg[200];

	for (char *c = val; *c; c++)
		if (*c == '/')
			*c = ',';
	if (spec_parse(&p, val, &inner, msg, sizeof(msg)))
		return fr_perr(err, errlen, "pre=: %s", msg);
	if (p.kind != FR_FIXED && p.kind != FR_LINE && p.kind != FR_CRLF &&
	    p.kind != FR_LEN)
		return fr_perr(err, errlen,
			       "pre=%s: a preamble is fixed:N, line, crlf or"
			       " len:...",
			       fr_kind_name(p.kind));
	if (p.trailer_len || p.vmax)
		return fr_perr(err, errlen,
			       "pre=: trailer= and vmax= do not apply to a"
			       " preamble");
	s->pre = (struct fr_preamble){
	    .kind = p.kind,
	    .max = inner.max_set ? p.max : 0,
	    .fixed = p.fixed,
	    .width = p.width,
	    .little = p.little,
	    .offset = p.offset,
	    .adjust = p.adjust,
	    .strip = p.strip,
	    .strip_set = p.strip_set,
	};
	return FR_OK;
}

/* trailer= and vmax=, the options of len: added for real protocols. */
static int parse_len_extra(struct fr_spec *s, const char *opt, const char *val,
			   char *err, size_t errlen)
{
	uint64_t u;

	if (s->kind != FR_LEN)
		return fr_perr(err, errlen,
			       "option '%s=' applies only to len:", opt);
	if (opt[0] == 't')
		return parse_hex("trailer=", val, s->trailer, &s->trailer_len,
				 FR_TRAILER_MAX, err, errlen);
	if (s->width != 0)
		return fr_perr(err, errlen, "vmax= applies only to len:varint");
	if (fr_parse_u64(val, &u) || u < 1 || u > 10)
		return fr_perr(err, errlen,
			       "vmax='%s': need a byte count from 1 to 10",
			       val);
	s->vmax = u == 10 ? 0 : (unsigned)u; /* 10 is the default */
	return FR_OK;
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

static int parse_opt(struct fr_spec *s, char *opt, struct parse_ctx *ctx,
		     char *err, size_t errlen)
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
		ctx->max_set = true;
		return FR_OK;
	}
	if (strcmp(opt, "pre") == 0) {
		if (!ctx->allow_pre)
			return fr_perr(err, errlen,
				       "pre= cannot be used inside pre=");
		return parse_pre(s, val, err, errlen);
	}
	if (strcmp(opt, "trailer") == 0 || strcmp(opt, "vmax") == 0)
		return parse_len_extra(s, opt, val, err, errlen);
	if (strcmp(opt, "depth") == 0 || strcmp(opt, "hmax") == 0)
		return parse_proto_opt(s, opt, val, err, errlen);
	if (strcmp(opt, "offset") != 0 && strcmp(opt, "adjust") != 0 &&
	    strcmp(opt, "strip") != 0)
		return fr_perr(
		    err, errlen,
		    "unknown option '%s' (expected max=, pre=, for"
		    " len: offset=, adjust=, strip=, trailer=, vmax=,"
		    " for resp: depth=, for http1: hmax=, head, for"
		    " ws: unmask)",
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

bool fr_spec_preamble(const struct fr_spec *s, struct fr_spec *pre)
{
	const struct fr_preamble *p = &s->pre;

	if (p->kind == 0)
		return false;
	memset(pre, 0, sizeof(*pre));
	pre->kind = p->kind;
	pre->max = p->max ? p->max : s->max;
	pre->fixed = p->fixed;
	if (p->kind == FR_LINE) {
		pre->delim[0] = '\n';
		pre->delim_len = 1;
	} else if (p->kind == FR_CRLF) {
		memcpy(pre->delim, "\r\n", 2);
		pre->delim_len = 2;
	}
	pre->width = p->width;
	pre->little = p->little;
	pre->offset = p->offset;
	pre->adjust = p->adjust;
	pre->strip = p->strip;
	pre->strip_set = p->strip_set;
	return true;
}

/* Cross-field checks once every option is known. */
static int check_spec(struct fr_spec *s, char *err, size_t errlen)
{
	struct fr_spec pre;

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
	if (s->pre.max == s->max) /* one text for one framing */
		s->pre.max = 0;
	if (fr_spec_preamble(s, &pre)) {
		if (pre.kind == FR_FIXED && pre.fixed > pre.max)
			return fr_perr(err, errlen,
				       "pre=fixed:%zu is larger than its max"
				       " %zu",
				       pre.fixed, pre.max);
		return check_spec(&pre, err, errlen);
	}
	return FR_OK;
}

/* A protocol name (tls, postgres, ...) in front of the options stands for
 * its spec: "tls,max=100" parses as "len:2be,offset=3,strip=0,max=100". */
static int expand_alias(struct fr_spec *s, const char *text, char *err,
			size_t errlen)
{
	size_t n = strcspn(text, ",");
	char name[64], full[512];
	const struct fr_protocol *p;

	if (n >= sizeof(name))
		return 1;
	memcpy(name, text, n);
	name[n] = '\0';
	p = fr_protocol_lookup(name);
	if (!p)
		return 1;
	if ((size_t)snprintf(full, sizeof(full), "%s%s", p->spec, text + n) >=
	    sizeof(full))
		return fr_perr(err, errlen, "spec longer than %zu characters",
			       sizeof(full) - 1);
	struct parse_ctx ctx = {false, true, false};
	return spec_parse(s, full, &ctx, err, errlen);
}

static int spec_parse(struct fr_spec *spec, const char *text,
		      struct parse_ctx *ctx, char *err, size_t errlen)
{
	char buf[512];
	struct fr_spec s;
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
	if (ctx->allow_alias) {
		rc = expand_alias(spec, text, err, errlen);
		if (rc <= 0)
			return rc;
	}
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
		rc = parse_opt(&s, part, ctx, err, errlen);
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

int fr_spec_parse(struct fr_spec *spec, const char *text, char *err,
		  size_t errlen)
{
	struct parse_ctx ctx = {true, true, false};

	return spec_parse(spec, text, &ctx, err, errlen);
}

int fr_spec_format(const struct fr_spec *s, char *buf, size_t len)
{
	char head[64], opts[224] = "", pre[FR_SPEC_STRLEN] = "";
	size_t o = 0;
	struct fr_spec p;

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
		if (s->trailer_len) {
			o += (size_t)snprintf(opts + o, sizeof(opts) - o,
					      ",trailer=");
			for (size_t i = 0; i < s->trailer_len; i++)
				o +=
				    (size_t)snprintf(opts + o, sizeof(opts) - o,
						     "%02x", s->trailer[i]);
		}
		if (s->width == 0 && s->vmax)
			o += (size_t)snprintf(opts + o, sizeof(opts) - o,
					      ",vmax=%u", s->vmax);
	}
	o += fr_spec_format_proto(s, opts + o, sizeof(opts) - o);
	if (s->max != FR_DEFAULT_MAX && o < sizeof(opts))
		o += (size_t)snprintf(opts + o, sizeof(opts) - o, ",max=%zu",
				      s->max);
	if (fr_spec_preamble(s, &p)) {
		/* the preamble's own max is written only if it has one */
		p.max = FR_DEFAULT_MAX;
		memcpy(pre, ",pre=", 5);
		fr_spec_format(&p, pre + 5, sizeof(pre) - 5);
		if (s->pre.max) {
			size_t n = strlen(pre);
			snprintf(pre + n, sizeof(pre) - n, ",max=%zu",
				 s->pre.max);
		}
		for (char *c = pre + 5; *c; c++)
			if (*c == ',')
				*c = '/';
	}
	return snprintf(buf, len, "%s%s%s", head, opts, pre);
}

static bool pre_equal(const struct fr_spec *a, const struct fr_spec *b)
{
	struct fr_spec pa, pb;
	bool ha = fr_spec_preamble(a, &pa), hb = fr_spec_preamble(b, &pb);

	if (ha != hb)
		return false;
	return !ha || fr_spec_equal(&pa, &pb);
}

bool fr_spec_equal(const struct fr_spec *a, const struct fr_spec *b)
{
	if (a->kind != b->kind || a->max != b->max || !pre_equal(a, b))
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
		    a->adjust != b->adjust || a->strip_set != b->strip_set ||
		    a->trailer_len != b->trailer_len ||
		    memcmp(a->trailer, b->trailer, a->trailer_len) != 0)
			return false;
		if (a->strip_set && a->strip != b->strip)
			return false;
		if (a->width == 0 && a->vmax != b->vmax)
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
