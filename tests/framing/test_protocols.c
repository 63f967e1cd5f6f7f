/* Criterion suite for the protocol alias table (framing/protocols.h): every
 * row parses, names are unique and never a codec name, an alias takes
 * options, and docs/protocols.md lists exactly the same names and specs. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_util.h"
#include "framing/codec.h"
#include "framing/protocols.h"
#include "framing/spec.h"

/* Rows whose codec comes with issue 15's new codecs (resp, http1, ws):
 * they are expected to parse once those codecs are merged. */
static bool new_codec_row(const struct fr_protocol *p)
{
	return strcmp(p->spec, "resp") == 0 ||
	       strncmp(p->spec, "http1:", 6) == 0 || strcmp(p->spec, "ws") == 0;
}

Test(protocols, every_row_with_an_existing_codec_parses)
{
	size_t n = fr_protocol_count();

	cr_assert_geq(n, 20);
	for (size_t i = 0; i < n; i++) {
		const struct fr_protocol *p = fr_protocol_at(i);
		struct fr_spec by_name, by_spec;
		char err[256], canon[FR_SPEC_STRLEN];

		cr_assert_not_null(p);
		cr_expect_gt(strlen(p->title), 0, "%s: no title", p->name);
		if (new_codec_row(p))
			continue;
		cr_expect_eq(fr_spec_parse(&by_spec, p->spec, err, sizeof(err)),
			     FR_OK, "%s: '%s': %s", p->name, p->spec, err);
		cr_expect_eq(fr_spec_parse(&by_name, p->name, err, sizeof(err)),
			     FR_OK, "%s: %s", p->name, err);
		cr_expect(fr_spec_equal(&by_name, &by_spec), "%s", p->name);
		/* the table holds canonical text */
		fr_spec_format(&by_spec, canon, sizeof(canon));
		cr_expect_str_eq(canon, p->spec, "%s", p->name);
	}
	cr_expect_null(fr_protocol_at(n));
}

/* Fails until the resp, http1 and ws codecs are merged (issue 15, H4). */
Test(protocols, rows_of_the_new_codecs_parse)
{
	for (size_t i = 0; i < fr_protocol_count(); i++) {
		const struct fr_protocol *p = fr_protocol_at(i);
		struct fr_spec s;
		char err[256];

		if (!new_codec_row(p))
			continue;
		cr_expect_eq(fr_spec_parse(&s, p->name, err, sizeof(err)),
			     FR_OK, "%s: %s", p->name, err);
	}
}

Test(protocols, names_unique_and_not_codec_names)
{
	static const char *const codecs[] = {
	    "fixed",	 "line", "crlf", "delim", "len",   "cobs", "slip",
	    "netstring", "tlv",	 "raw",	 "resp",  "http1", "ws",
	};
	size_t n = fr_protocol_count();

	for (size_t i = 0; i < n; i++) {
		const char *a = fr_protocol_at(i)->name;

		cr_expect_gt(strlen(a), 0);
		cr_expect_eq(strcspn(a, ",:=/ "), strlen(a),
			     "'%s' has a character of spec syntax", a);
		cr_expect_eq(fr_protocol_lookup(a), fr_protocol_at(i), "%s", a);
		for (size_t j = 0; j < i; j++)
			cr_expect_str_neq(fr_protocol_at(j)->name, a);
		for (size_t k = 0; k < sizeof(codecs) / sizeof(codecs[0]); k++)
			cr_expect_str_neq(codecs[k], a);
	}
	cr_expect_null(fr_protocol_lookup("nope"));
	cr_expect_null(fr_protocol_lookup(""));
	cr_expect_null(fr_protocol_lookup(NULL));
}

Test(protocols, alias_takes_options_and_is_not_recursive)
{
	struct fr_spec s, t;
	char err[256];

	du_spec(&s, "tls,max=100");
	du_spec(&t, "len:2be,offset=3,strip=0,max=100");
	cr_expect(fr_spec_equal(&s, &t));
	du_spec(&s, "postgres,max=5000");
	cr_expect_eq(s.max, 5000);
	cr_expect_eq(s.pre.kind, FR_LEN);
	cr_expect_eq(fr_spec_parse(&s, "tls:1", err, sizeof(err)), FR_ESPEC);
	cr_expect_eq(fr_spec_parse(&s, "tls,bogus=1", err, sizeof(err)),
		     FR_ESPEC);
	cr_expect(strstr(err, "bogus") != NULL, "%s", err);
	cr_expect_eq(fr_spec_parse(&s, "line,pre=tls", err, sizeof(err)),
		     FR_ESPEC);
}

/* A protocol row decodes what that protocol sends: one vector each for
 * the rows whose layout is least obvious. */
Test(protocols, rows_decode_known_wire)
{
	static const struct du_vec v[] = {
	    /* TLS: alert record, 2 bytes */
	    {"tls", "15 0303 0002 0228", "f@0:15030300020228 done"},
	    /* MySQL: COM_QUIT (seq 0, payload 01) */
	    {"mysql", "010000 00 01", "f@0:0100000001 done"},
	    /* memcached binary: NOOP request, no body */
	    {"memcached-bin",
	     "800a0000 00000000 00000000 00000000 0000000000000000",
	     "f@0:800a0000000000000000000000000000"
	     "0000000000000000 done"},
	    /* CQL v4 OPTIONS request */
	    {"cql", "04 00 0001 05 00000000", "f@0:040000010500000000 done"},
	    /* Bitcoin verack: empty payload, checksum 5df6e0e2 */
	    {"bitcoin", "f9beb4d9 76657261636b000000000000 00000000 5df6e0e2",
	     "f@0:f9beb4d976657261636b000000000000000000005df6e0e2 done"},
	    /* HTTP/2 SETTINGS ack from a server */
	    {"http2-server", "000000 04 01 00000000",
	     "f@0:000000040100000000 done"},
	    /* AMQP heartbeat, server to client */
	    {"amqp-server", "08 0000 00000000 ce", "f@0:08000000000000 done"},
	    /* DNS over TCP: 3-byte message */
	    {"dns-tcp", "0003 abcdef", "f@0:abcdef done"},
	    /* SMTP: a command line without its CR LF */
	    {"smtp", "48454c4f20780d0a", "f@0:48454c4f2078 done"},
	};
	char *why = DU_EXPECT_VECS(v);

	cr_expect_null(why, "%s", why ? why : "");
	free(why);
}

/* The cookbook's table: rows "| protocol | `name` | `spec` | ...". */
static char *read_doc(void)
{
	const char *src = getenv("FRAGLAB_SRC");
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	cr_assert_not_null(src, "FRAGLAB_SRC not set");
	snprintf(path, sizeof(path), "%s/docs/protocols.md", src);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* Cell i (0-based) of a table row, backticks removed, into out. */
static bool cell(const char *row, int i, char *out, size_t len)
{
	const char *p = row;

	for (int k = 0; k <= i; k++) {
		p = strchr(p, '|');
		if (!p)
			return false;
		p++;
	}
	const char *end = strchr(p, '|');
	if (!end)
		return false;
	while (p < end && (*p == ' ' || *p == '`'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '`'))
		end--;
	if ((size_t)(end - p) >= len)
		return false;
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
	return true;
}

Test(protocols, doc_lists_the_same_names_and_specs)
{
	char *doc = read_doc();
	char *start = strstr(doc, "\n| protocol | name | spec |");
	size_t n = fr_protocol_count(), rows = 0;
	bool *seen = calloc(n, sizeof(bool));

	cr_assert_not_null(start, "protocol table not found");
	char *line = strchr(start + 1, '\n') + 1; /* skip header */
	line = strchr(line, '\n') + 1;		  /* skip |---| */
	while (line && line[0] == '|') {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		char name[64], spec[256];
		cr_assert(cell(line, 1, name, sizeof(name)), "%s", line);
		cr_assert(cell(line, 2, spec, sizeof(spec)), "%s", line);
		if (strcmp(name, "—") != 0) {
			const struct fr_protocol *p = fr_protocol_lookup(name);
			cr_expect_not_null(p, "doc names '%s', the table not",
					   name);
			if (p) {
				cr_expect_str_eq(spec, p->spec, "%s", name);
				seen[p - fr_protocol_at(0)] = true;
			}
			rows++;
		}
		line = nl ? nl + 1 : NULL;
	}
	for (size_t i = 0; i < n; i++)
		cr_expect(seen[i], "table names '%s', the doc not",
			  fr_protocol_at(i)->name);
	cr_expect_eq(rows, n);
	free(seen);
	free(doc);
}
