/* Criterion suite for the reference decoders (fuzz/ref): they must give the
 * expected result of every framing test vector, agree with the fast
 * decoders on structured random streams, and catch the planted tlv bug. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec_text.h"
#include "decode_util.h"
#include "framing/codec.h"
#include "framing/sched.h"
#include "fuzz_input.h"
#include "ref.h"
#include "ref_vs_fast.h"
#include "run_util.h"

/* ---- the vectors of tests/framing, read from their sources ---- */

/* C string literals, #define'd ones (several literals, continued lines)
 * and one-parameter macros of literals (E("EWS")), one token at a time. */
#define TV_NAMES 16

struct tv_def {
	char name[32];
	char param[32]; /* "" for an object-like macro */
	char *body;	/* the macro's text after its name (and params) */
};

struct tv_lex {
	const char *p;
	struct tv_def defs[TV_NAMES];
	size_t nnames;
	const char *arg;   /* inside a macro body: the argument's source */
	const char *param; /* and the name it stands for */
};

static void skip_space(struct tv_lex *l)
{
	for (;;) {
		while (*l->p == ' ' || *l->p == '\t' || *l->p == '\n' ||
		       (l->p[0] == '\\' && l->p[1] == '\n'))
			l->p += *l->p == '\\' ? 2 : 1;
		if (l->p[0] == '/' && l->p[1] == '*') {
			const char *e = strstr(l->p + 2, "*/");

			l->p = e ? e + 2 : l->p + strlen(l->p);
		} else if (l->p[0] == '/' && l->p[1] == '/') {
			l->p += strcspn(l->p, "\n");
		} else {
			return;
		}
	}
}

/* One C string literal at l->p, escapes decoded, appended to out. */
static bool take_literal(struct tv_lex *l, struct du_buf *out)
{
	const char *q = l->p + 1;

	while (*q && *q != '"') {
		uint8_t c = (uint8_t)*q++;

		if (c == '\\' && *q) {
			char e = *q++;

			if (e == 'x') {
				c = 0;
				while (fr_hexval(*q) >= 0)
					c = (uint8_t)(c << 4 | fr_hexval(*q++));
			} else if (e >= '0' && e <= '7') {
				c = (uint8_t)(e - '0');
				for (int k = 0; k < 2 && *q >= '0' && *q <= '7';
				     k++)
					c = (uint8_t)(c << 3 | (*q++ - '0'));
			} else {
				c = e == 'r'   ? '\r'
				    : e == 'n' ? '\n'
				    : e == 't' ? '\t'
					       : (uint8_t)e;
			}
		}
		du_buf_put(out, &c, 1);
	}
	if (*q != '"')
		return false;
	l->p = q + 1;
	return true;
}

static bool take_field_until(struct tv_lex *l, struct du_buf *out);

/* Append one literal or macro to out; false if none is next. */
static bool take_str(struct tv_lex *l, struct du_buf *out)
{
	skip_space(l);
	if (*l->p == '"')
		return take_literal(l, out);
	if (l->arg && strncmp(l->p, l->param, strlen(l->param)) == 0) {
		struct tv_lex a = *l;

		a.p = l->arg;
		a.arg = NULL;
		l->p += strlen(l->param);
		return take_field_until(&a, out);
	}
	for (size_t i = 0; i < l->nnames; i++) {
		const struct tv_def *d = &l->defs[i];
		size_t n = strlen(d->name);
		struct tv_lex sub = *l;

		if (strncmp(l->p, d->name, n) != 0 || l->p[n] == '_' ||
		    (l->p[n] >= 'A' && l->p[n] <= 'Z') ||
		    (l->p[n] >= 'a' && l->p[n] <= 'z') ||
		    (d->param[0] != '\0') != (l->p[n] == '('))
			continue;
		sub.p = d->body;
		sub.arg = NULL;
		if (d->param[0]) { /* NAME(arg): the body with arg for code */
			const char *e = strchr(l->p + n, ')');

			if (!e)
				return false;
			sub.arg = l->p + n + 1;
			sub.param = d->param;
			l->p = e + 1;
		} else {
			l->p += n;
		}
		return take_field_until(&sub, out);
	}
	return false;
}

/* Literals and macros appended to out as long as they come. */
static bool take_field_until(struct tv_lex *l, struct du_buf *out)
{
	if (!take_str(l, out))
		return false;
	while (take_str(l, out))
		;
	return true;
}

/* One field: literals/macros until ',' or '}'; NUL-terminated in out
 * (out->len - 1 bytes, which may hold NULs of their own). */
static bool take_field(struct tv_lex *l, struct du_buf *out)
{
	out->len = 0;
	if (!take_field_until(l, out))
		return false;
	du_buf_put(out, "", 1);
	return true;
}

/* #define NAME body and #define NAME(param) body, body up to the end of
 * its logical line. */
static void read_defines(struct tv_lex *l, const char *text)
{
	const char *p = text;

	while ((p = strstr(p, "#define ")) != NULL && l->nnames < TV_NAMES) {
		struct tv_def *d = &l->defs[l->nnames];
		const char *name = p + 8, *q = name, *e;
		size_t n;

		while (*q == '_' || (*q >= 'A' && *q <= 'Z') ||
		       (*q >= '0' && *q <= '9'))
			q++;
		n = (size_t)(q - name);
		p = q;
		if (n == 0 || n >= sizeof(d->name))
			continue;
		memset(d, 0, sizeof(*d));
		memcpy(d->name, name, n);
		if (*q == '(') {
			const char *c = strchr(q, ')');

			if (!c || (size_t)(c - q - 1) >= sizeof(d->param))
				continue;
			memcpy(d->param, q + 1, (size_t)(c - q - 1));
			q = c + 1;
		}
		for (e = q; *e && !(e[0] == '\n' && e[-1] != '\\'); e++)
			;
		if (memchr(q, '"', (size_t)(e - q)) == NULL)
			continue; /* not a string macro */
		d->body = strndup(q, (size_t)(e - q));
		l->nnames++;
	}
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct du_buf b = {0};
	char tmp[4096];
	size_t n;

	cr_assert_not_null(f, "cannot open %s", path);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		du_buf_put(&b, tmp, n);
	fclose(f);
	du_buf_put(&b, "", 1);
	return (char *)b.p;
}

static bool is_hex(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && fr_hexval(*s) < 0)
			return false;
	return true;
}

static bool is_want(const char *s)
{
	if (strstr(s, "init:") || strstr(s, "feed:") || strstr(s, "runaway"))
		return false;
	return strncmp(s, "f@", 2) == 0 || strncmp(s, "e@", 2) == 0 ||
	       strncmp(s, "fin@", 4) == 0 || strncmp(s, "done", 4) == 0 ||
	       strncmp(s, "data:", 5) == 0;
}

/* Check the reference against every {spec, wire, want} in one file: the
 * wire in hex, or (text, the resp and http1 suites, codec_text.h) the
 * wire's own bytes with frames given by their lengths in want. Returns
 * how many vectors were checked. */
static size_t check_file(const char *name, bool text_vecs)
{
	char path[512], *text;
	struct tv_lex l = {0};
	struct du_buf f[3] = {{0}};
	struct ref_result r = {0};
	size_t checked = 0;

	snprintf(path, sizeof(path), "%s/tests/framing/%s",
		 getenv("FRAGLAB_SRC"), name);
	text = slurp(path);
	read_defines(&l, text);
	for (l.p = text; (l.p = strchr(l.p, '{')) != NULL;) {
		struct fr_spec spec;
		char err[128];
		uint8_t *wire;
		size_t len;
		char *got, *want;

		l.p++;
		if (!take_field(&l, &f[0]) || *l.p++ != ',' ||
		    !take_field(&l, &f[1]) || *l.p++ != ',' ||
		    !take_field(&l, &f[2]))
			continue;
		skip_space(&l);
		if (*l.p != '}' && *l.p != ',')
			continue;
		if (fr_spec_parse(&spec, (char *)f[0].p, err, sizeof(err)) !=
			FR_OK ||
		    !ref_knows(&spec) ||
		    (!text_vecs && !is_hex((char *)f[1].p)))
			continue;
		if (text_vecs) {
			len = f[1].len - 1;
			wire = malloc(len + 1);
			cr_assert_not_null(wire);
			memcpy(wire, f[1].p, len);
			want = ct_want((char *)wire, len, (char *)f[2].p);
		} else {
			wire = du_unhex((char *)f[1].p, &len);
			want = strdup((char *)f[2].p);
		}
		if (!is_want(want) ||
		    (spec.kind == FR_RAW && strncmp(want, "data:", 5))) {
			/* raw pieces are not split-invariant */
			free(wire);
			free(want);
			continue;
		}
		cr_assert_eq(ref_decode(&spec, wire, len, &r), 0);
		got = ref_result_str(&spec, &r);
		if (strcmp(got, want) != 0) {
			char *hex = du_hex(wire, len);

			cr_expect_fail("%s: vector %s %s:\n want %s\n  ref %s",
				       name, (char *)f[0].p, hex, want, got);
			free(hex);
		}
		free(got);
		free(want);
		free(wire);
		checked++;
	}
	for (int i = 0; i < 3; i++)
		du_buf_free(&f[i]);
	for (size_t i = 0; i < l.nnames; i++)
		free(l.defs[i].body);
	ref_result_free(&r);
	free(text);
	return checked;
}

Test(ref, gives_every_framing_vector)
{
	size_t n = check_file("test_codec_vectors.c", false);

	n += check_file("test_codec_errors.c", false);
	n += check_file("test_codec_boundaries.c", false);
	n += check_file("test_codec_memory.c", false);
	/* the files hold well over a hundred: a parse that finds few of
	 * them checks nothing */
	cr_assert_geq(n, 100, "only %zu vectors found", n);
}

/* The protocol codecs' own suites, written from the Redis protocol spec,
 * RFC 9112 and RFC 6455: every vector there is the reference's too. */
Test(ref, gives_every_protocol_codec_vector)
{
	size_t resp = check_file("test_codec_resp.c", true);
	size_t http1 = check_file("test_codec_http1.c", true);
	size_t ws = check_file("test_codec_ws.c", false);

	/* each file holds dozens; few found means the lexer lost them */
	cr_expect_geq(resp, 60, "only %zu resp vectors found", resp);
	cr_expect_geq(http1, 55, "only %zu http1 vectors found", http1);
	cr_expect_geq(ws, 30, "only %zu ws vectors found", ws);
}

/* ---- against the fast decoders on structured random streams ---- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	return (uint32_t)(fr_rng_next(&rng_state) % n);
}

/* Bytes every codec's structure is made of. */
static const uint8_t alphabet[] = {
    0x00, 0x01, 0x02, 0x03, 0x05, 0x0a, 0x0d, 0x7c, 0x61, 0xc0, 0xdb,
    0xdc, 0xdd, 0xff, 0x80, 0x81, '0',	'1',  '2',  '3',  ':',	','};

/* A stream of encoded messages, with random bytes in between. */
static size_t make_stream(const struct fr_spec *spec, uint8_t *out, size_t cap)
{
	size_t len = 0, parts = rnd(8);

	for (size_t i = 0; i < parts; i++) {
		uint8_t msg[24], wire[128];
		size_t mlen = rnd(sizeof(msg)), wlen = 0;

		if (spec->kind == FR_FIXED)
			mlen = spec->fixed;
		for (size_t k = 0; k < mlen; k++)
			msg[k] = rnd(3) ? alphabet[rnd(sizeof(alphabet))]
					: (uint8_t)rnd(256);
		if (rnd(4) &&
		    fr_encode(spec, msg, mlen, wire, sizeof(wire), &wlen) ==
			FR_OK &&
		    len + wlen <= cap) {
			memcpy(out + len, wire, wlen);
			len += wlen;
		}
		for (size_t k = rnd(4); k > 0 && len < cap; k--)
			out[len++] = rnd(4) ? alphabet[rnd(sizeof(alphabet))]
					    : (uint8_t)rnd(256);
		/* now and then, a corrupted byte inside what is there */
		if (len > 0 && rnd(6) == 0)
			out[rnd((uint32_t)len)] ^= (uint8_t)(1u << rnd(8));
	}
	return len;
}

static const char *const random_specs[] = {
    "fixed:1",
    "fixed:3",
    "line",
    "line,max=3",
    "crlf,max=4",
    "delim:0d0a0d0a,max=5",
    "delim:616161,max=2",
    "delim:7c,max=1",
    "len:1be",
    "len:2le,max=8",
    "len:3be,offset=2,strip=1,max=40",
    "len:8be,max=30",
    "len:varint,max=20",
    "len:varint,offset=1,adjust=-1,strip=0,max=9",
    "len:2be,offset=1,adjust=-3,strip=3,max=16",
    "len:1be,adjust=2,strip=0,max=10",
    "len:1le,adjust=-2,strip=4,max=6",
    "cobs",
    "cobs,max=4",
    "slip",
    "slip,max=3",
    "netstring",
    "netstring,max=12",
    "tlv",
    "tlv,max=6",
    "raw,max=5",
};

#define RANDOM_STREAMS 4000

Test(ref, agrees_with_fast_decoders_on_random_streams)
{
	struct ref_result r = {0};
	uint8_t stream[512];

	for (size_t s = 0; s < sizeof(random_specs) / sizeof(*random_specs);
	     s++) {
		struct fr_spec spec;

		du_spec(&spec, random_specs[s]);
		rng_state = 0x5eed0000u + s;
		for (int i = 0; i < RANDOM_STREAMS; i++) {
			size_t len = make_stream(&spec, stream, sizeof(stream));
			char *why = ref_vs_fast(&spec, random_specs[s], stream,
						len, &r);

			cr_assert_null(why, "%s", why);
		}
	}
	ref_result_free(&r);
}

/* ---- the planted tlv bug (fuzz/ref/CMakeLists.txt) ---- */

/* A split_tlv input: the stream, then choices for default max and
 * fixed:3 cuts (fuzz_input.h). */
static char *write_tlv_input(char *dir)
{
	static const uint8_t stream[] = {0x01, 0x01, 0x00, 0x00, 0x05,
					 0x61, 0x62, 0x63, 0x64, 0x65};
	struct fz_opts o = {.kind = FR_TLV, .sched_mode = 1, .sched_n = 3};
	uint8_t in[256];
	size_t n = fz_input_build(in, sizeof(in), stream, sizeof(stream), &o);
	static char path[600];
	FILE *f;

	cr_assert_gt(n, sizeof(stream));
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tlv-top-byte", dir);
	f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(in, 1, n, f), n);
	cr_assert_eq(fclose(f), 0);
	return path;
}

Test(ref, catches_planted_tlv_shift)
{
	char dir[] = "/tmp/fraglab-ref-XXXXXX";
	char *path = write_tlv_input(dir);
	char bin[512];
	struct run_result r;
	char *argv[] = {bin, path, NULL};

	/* the real decoder: EOVERSIZE at 0 in both, no finding */
	snprintf(bin, sizeof(bin), "%s", run_tool_path("split_tlv"));
	cr_assert_eq(run_prog(argv, NULL, 0, &r), 0);
	cr_expect_eq(r.status, 0, "split_tlv failed: %s", r.err);
	run_free(&r);
	/* << 16: every cut agrees with every other, the reference not */
	snprintf(bin, sizeof(bin), "%s", run_tool_path("planted_tlv_shift"));
	cr_assert_eq(run_prog(argv, NULL, 0, &r), 0);
	cr_expect_eq(r.status, 128 + 6, "planted bug not caught: %s", r.err);
	cr_expect_not_null(strstr(r.err, "differs from the reference"),
			   "not the reference oracle: %s", r.err);
	cr_expect_not_null(strstr(r.err, "EOVERSIZE@0"),
			   "the reference's EOVERSIZE@0 not named: %s", r.err);
	run_free(&r);
	unlink(path);
	rmdir(dir);
}
