/* gen_corpus: writes the seed corpora corpus/<target>/ for every fuzz
 * target in the layout of fuzz_input.h: valid streams made with fr_encode,
 * truncated ones, and hand-made bad ones (split delimiters and varints,
 * max edges, escapes), each under a few split schedules; POP3 sessions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "framing/framing.h"
#include "fuzz_check.h"
#include "fuzz_input.h"
#include "gen_proto.h"

#define GEN_MAX 8192

static const char *prog = "gen_corpus";
static const char *outdir;
static unsigned nfiles;

struct gen_buf {
	uint8_t b[GEN_MAX];
	size_t n;
};

static void gen_add(struct gen_buf *g, const void *p, size_t n)
{
	if (n > GEN_MAX - g->n)
		n = GEN_MAX - g->n;
	memcpy(g->b + g->n, p, n);
	g->n += n;
}

static int write_file(const char *target, const char *name, const uint8_t *d,
		      size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, target);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		goto fail;
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	f = fopen(path, "wb");
	if (f == NULL)
		goto fail;
	if (fwrite(d, 1, n, f) != n) {
		fclose(f);
		goto fail;
	}
	if (fclose(f) != 0)
		goto fail;
	nfiles++;
	return 0;
fail:
	fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
	exit(1);
}

static void emit(const char *target, const char *name, const struct fz_opts *o,
		 const uint8_t *front, size_t n)
{
	uint8_t in[GEN_MAX + 256];
	size_t len = fz_input_build(in, sizeof(in), front, n, o);

	write_file(target, name, in, len);
}

/* server_echo: the codec choice goes last, the mode byte ends the front. */
static void emit_server(const char *name, const struct fz_opts *o,
			const uint8_t *front, size_t n, uint8_t mode)
{
	uint8_t f[GEN_MAX + 1], in[GEN_MAX + 258];
	struct fz_opts po = *o;
	size_t len;

	po.plain = true; /* server_echo reads no len options */
	o = &po;
	memcpy(f, front, n);
	f[n] = mode;
	len = fz_input_build(in, sizeof(in) - 1, f, n + 1, o);
	if (len == 0)
		return;
	in[len++] = (uint8_t)(o->kind - FR_FIXED);
	write_file("server_echo", name, in, len);
}

/* Schedule variant v: split every few bytes, seeded random, fixed. */
static void gen_sched(struct fz_opts *o, unsigned v)
{
	static const uint32_t lists[][4] = {
	    {1, 2, 3, 0}, {5, 1, 0, 0}, {2, 0, 0, 0}};

	o->sched_mode = v % 3;
	o->list_len = 0;
	for (unsigned i = 0; i < 4 && lists[v % 3][i]; i++)
		o->list[o->list_len++] = lists[v % 3][i];
	o->repeat = true;
	o->sched_n = 3 + v % 5;
	o->rmin = 1;
	o->rspan = 7;
	o->seed = 42 + v;
}

/* The messages every codec's seeds are made of. */
static const char *const gen_msgs[] = {
    "hello",	  "",
    "a",	  "two\nlines",
    "cr\r\nlf",	  "\xc0\xdb\xdc\xdd end",
    "zero\0byte", "12:x,",
    "abab",	  "\x01\x00\x00\x00\x02hi",
};
static const size_t gen_msg_len[] = {5, 0, 1, 9, 6, 8, 9, 5, 4, 7};
#define GEN_NMSG (sizeof(gen_msg_len) / sizeof(gen_msg_len[0]))

static void gen_long(uint8_t *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		m[i] = (uint8_t)(i % 7 == 6 ? 0 : 'A' + i % 26);
}

/* Spec of o (via the same path a target takes); -1 if invalid. */
static int gen_spec(const struct fz_opts *o, struct fr_spec *spec)
{
	uint8_t in[256];
	size_t len = fz_input_build(in, sizeof(in), NULL, 0, o);
	struct fz_setup s;
	int rc;

	if (fz_setup_read(&s, o->kind, in, len) != 0)
		return -1;
	rc = fz_spec(spec, s.spec_text);
	fz_setup_free(&s);
	return rc;
}

/* Valid stream: every message the encoder takes, plus a long one. */
static void gen_encoded(const struct fr_spec *spec, struct gen_buf *g,
			struct gen_buf *front)
{
	uint8_t msg[600], out[2048];
	size_t outlen;
	bool pre = spec->pre.kind != 0; /* the first message taken */

	for (size_t i = 0; i <= GEN_NMSG; i++) {
		const uint8_t *m = (const uint8_t *)gen_msgs[i % GEN_NMSG];
		size_t n = i < GEN_NMSG ? gen_msg_len[i] : 300;

		if (i == GEN_NMSG) {
			gen_long(msg, n);
			m = msg;
		}
		if (spec->kind == FR_FIXED)
			n = spec->fixed < n ? spec->fixed : n;
		if (n < 255) {
			uint8_t l = (uint8_t)n;

			gen_add(front, &l, 1);
		} else {
			uint8_t l[3] = {255, (uint8_t)(n >> 8), (uint8_t)n};

			gen_add(front, l, 3);
		}
		gen_add(front, m, n);
		int rc = pre ? fr_encode_preamble(spec, m, n, out, sizeof(out),
						  &outlen)
			     : fr_encode(spec, m, n, out, sizeof(out), &outlen);
		if (rc == FR_OK) {
			gen_add(g, out, outlen);
			pre = false;
		}
	}
}

/* Hand-made streams that reach error and edge states, per codec. */
struct gen_bytes {
	const char *s;
	size_t n;
};
#define B(lit)                                                                 \
	{                                                                      \
		lit, sizeof(lit) - 1                                           \
	}

static const struct gen_bytes gen_bad[][7] = {
    [FR_FIXED] = {B("abc"), B("abcdefghijklmnopq"), {NULL, 0}},
    [FR_LINE] = {B("abcdefghijklmnop\nok\n"),
		 B("\n\n\n"),
		 B("no end"),
		 {NULL, 0}},
    [FR_CRLF] = {B("abc\r\rdef\r\n\r"),
		 B("\r\n\r\n"),
		 B("abcdefghij\r\nx\r\n"),
		 B("tail\r"),
		 {NULL, 0}},
    [FR_DELIM] = {B("xxabab\r\naab\x00"), B("\r\r\n\n"), B("aaab"), {NULL, 0}},
    [FR_LEN] = {B("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"),
		B("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01"),
		B("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02"),
		B("\x00\x05"
		  "ab"),
		B("\x03\x00\x00"
		  "abc"),
		{NULL, 0}},
    [FR_COBS] = {B("\x05\x11\x00"),
		 B("\x00\x00"),
		 B("\x02\x11\x22\x00"),
		 B("\x01"),
		 {NULL, 0}},
    [FR_SLIP] = {B("\xdb\x41\xc0ok\xc0"),
		 B("\xc0\xc0\xc0"),
		 B("ab\xdb"),
		 B("\xdb\xdc\xdb\xdd\xc0"),
		 {NULL, 0}},
    [FR_NETSTRING] = {B("05:hello,"),
		      B("3:abcX"),
		      B("99999999999999999999:x,"),
		      B(":"),
		      B("0:,3:ab"),
		      B("-1:,"),
		      {NULL, 0}},
    [FR_TLV] = {B("\x01\xff\xff\xff\xff"),
		B("\x01\x00\x00\x00\x02"
		  "ab\x02"),
		B("\x07\x00\x00\x00\x00"),
		{NULL, 0}},
    [FR_RAW] = {B("anything at all"), {NULL, 0}},
};

static void gen_case(const struct fz_opts *base, const char *tag)
{
	char split[64], rt[64], name[128];
	struct gen_buf g = {.n = 0}, front = {.n = 0};
	struct fr_spec spec;
	struct fz_opts o = *base;
	const char *codec = fz_kind_target(o.kind);
	unsigned v = 0;

	if (gen_spec(&o, &spec) != 0) {
		fprintf(stderr, "%s: skipping invalid case %s\n", prog, tag);
		return;
	}
	snprintf(split, sizeof(split), "split_%s", codec);
	snprintf(rt, sizeof(rt), "roundtrip_%s", codec);
	gen_encoded(&spec, &g, &front);
	for (v = 0; v < 3; v++) {
		gen_sched(&o, v);
		snprintf(name, sizeof(name), "%s-valid-s%u", tag, v);
		emit(split, name, &o, g.b, g.n);
		snprintf(name, sizeof(name), "%s-trunc-s%u", tag, v);
		emit(split, name, &o, g.b, g.n > 0 ? g.n - 1 : 0);
		snprintf(name, sizeof(name), "%s-msgs-s%u", tag, v);
		emit(rt, name, &o, front.b, front.n);
		if (o.ext) /* server_echo has no len options */
			continue;
		snprintf(name, sizeof(name), "%s-%s-msgs-s%u", codec, tag, v);
		emit_server(name, &o, front.b, front.n, 0);
		snprintf(name, sizeof(name), "%s-%s-wire-s%u", codec, tag, v);
		emit_server(name, &o, g.b, g.n, 1);
	}
	for (unsigned i = 0; gen_bad[o.kind][i].s != NULL; i++) {
		const struct gen_bytes *b = &gen_bad[o.kind][i];

		gen_sched(&o, i);
		snprintf(name, sizeof(name), "%s-bad%u", tag, i);
		emit(split, name, &o, (const uint8_t *)b->s, b->n);
	}
}

static void gen_codec(int kind)
{
	struct fz_opts o;
	char tag[64];

	for (unsigned m = 0; m < 3; m++) {
		memset(&o, 0, sizeof(o));
		o.kind = kind;
		o.fixed = m == 0 ? 4 : (m == 1 ? 1 : 16);
		o.max_mode = m;
		o.max = m == 1 ? 4 : 40;
		snprintf(tag, sizeof(tag), "max%u", m);
		if (kind == FR_DELIM) {
			static const char *const delims[] = {"\r\n", "aab",
							     "\x00", "abab"};
			const char *dl = delims[m];

			o.delim_len = m == 2 ? 1 : (uint32_t)strlen(dl);
			memcpy(o.delim, dl, o.delim_len);
		}
		if (kind == FR_LEN)
			continue;
		gen_case(&o, tag);
	}
}

/* A real protocol's stream for split_len (whole, truncated, under three
 * schedules) and its messages for roundtrip_len (length byte + bytes). */
static void emit_proto(const struct fz_opts *base, const char *tag,
		       const struct gen_bytes *wire,
		       const struct gen_bytes *msgs)
{
	struct fz_opts o = *base;
	struct gen_buf front = {.n = 0};
	char name[128];

	for (unsigned i = 0; msgs[i].s; i++) {
		uint8_t l = (uint8_t)msgs[i].n;

		gen_add(&front, &l, 1);
		gen_add(&front, msgs[i].s, msgs[i].n);
	}
	for (unsigned v = 0; v < 3; v++) {
		gen_sched(&o, v);
		for (unsigned i = 0; wire[i].s; i++) {
			snprintf(name, sizeof(name), "%s-wire%u-s%u", tag, i,
				 v);
			emit("split_len", name, &o, (const uint8_t *)wire[i].s,
			     wire[i].n);
		}
		snprintf(name, sizeof(name), "%s-proto-msgs-s%u", tag, v);
		emit("roundtrip_len", name, &o, front.b, front.n);
	}
}

/* The options for real protocols (choices 4. of fuzz_input.h): AMQP
 * (trailer, fixed preamble), MQTT (varint at offset 1, vmax=4, a length
 * split after any byte, netty#17549 / mqtt-packet#95), SSH (crlf
 * preamble), PostgreSQL (len preamble), everything at once. */
static void gen_len_protocols(void)
{
	static const struct gen_bytes amqp_w[] = {
	    B("AMQP\0\0\x09\x01\x01\0\0\0\0\0\x04"
	      "abcd\xce\x08\0\0\0\0\0\0\xce"),
	    B("AMQP\0\0\x09\x01\x08\0\0\0\0\0\0\xcf"),
	    B("AMQP\0\0\x09"),
	    {NULL, 0}};
	static const struct gen_bytes amqp_m[] = {B("AMQP\0\0\x09\x01"),
						  B("\x01\0\0\0\0\0\x04"
						    "abcd"),
						  B("\x08\0\0\0\0\0\0"),
						  {NULL, 0}};
	static const struct gen_bytes mqtt_w[] = {
	    B("\x10\x0c\0\x04MQTT\x04\x02\0\x3c\0\0\xc0\0\xe0\0"),
	    B("\x30\x80\x80\x80\x01"),
	    B("\x30\xff\xff\xff\x7f"),
	    B("\x30\x80\x80\x80\x80\x01"),
	    {NULL, 0}};
	static const struct gen_bytes mqtt_m[] = {
	    B("\x10\x02"
	      "ab"),
	    B("\xc0\0"),
	    B("\x30\x81\x01" /* 129 bytes of payload */
	      "0123456789012345678901234567890123456789"
	      "0123456789012345678901234567890123456789"
	      "0123456789012345678901234567890123456789"
	      "012345678"),
	    {NULL, 0}};
	static const struct gen_bytes ssh_w[] = {
	    B("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n\0\0\0\x05\x04"
	      "abcd\0\0\0\x01\x00"),
	    B("SSH-2.0-x\n\0\0\0\x01\x00"),
	    {NULL, 0}};
	static const struct gen_bytes ssh_m[] = {
	    B("SSH-2.0-x"), B("\0\0\0\x02hi"), {NULL, 0}};
	static const struct gen_bytes pg_w[] = {
	    B("\0\0\0\x04\0\x03\0\0Q\0\0\0\x06hiX\0\0\0\x04"),
	    B("\0\0\0\x04\0\x03\0\0Q\0\0\0\x03"),
	    {NULL, 0}};
	static const struct gen_bytes pg_m[] = {
	    B("\0\0\0\x04\0\x03\0\0"), B("Q\0\0\0\x06hi"), {NULL, 0}};
	static const struct gen_bytes all_w[] = {B("\x03"
						   "abc\x02hi\r\n\x80\x01\r\n"),
						 B("\x03"
						   "abc\x02hi\r\r"),
						 {NULL, 0}};
	static const struct gen_bytes all_m[] = {
	    B("abc"), B("\x02hi"), B("\x00"), {NULL, 0}};
	struct fz_opts o;

	memset(&o, 0, sizeof(o));
	o.kind = FR_LEN;
	o.width = 4;
	o.offset = 3;
	o.strip_set = true;
	o.ext = 1 | 4;
	o.trailer_len = 1;
	o.trailer[0] = 0xce;
	o.pre_kind = 0;
	o.pre_fixed = 8;
	emit_proto(&o, "amqp", amqp_w, amqp_m);
	memset(&o, 0, sizeof(o));
	o.kind = FR_LEN;
	o.width = 0;
	o.offset = 1;
	o.strip_set = true;
	o.ext = 2;
	o.vmax = 4;
	emit_proto(&o, "mqtt", mqtt_w, mqtt_m);
	memset(&o, 0, sizeof(o));
	o.kind = FR_LEN;
	o.width = 4;
	o.strip_set = true;
	o.ext = 4;
	o.pre_kind = 2;
	emit_proto(&o, "ssh", ssh_w, ssh_m);
	/* PostgreSQL's messages (its startup length counts itself, which a
	 * fuzzed preamble cannot say: pre=len:4be/strip=0 stands in) */
	o.offset = 1;
	o.adjust = -4;
	o.pre_kind = 3;
	o.pre_width = 4;
	o.pre_strip_set = true;
	o.pre_strip = 0;
	emit_proto(&o, "pg", pg_w, pg_m);
	memset(&o, 0, sizeof(o));
	o.kind = FR_LEN;
	o.width = 0;
	o.strip_set = true;
	o.ext = 1 | 2 | 4;
	o.vmax = 2;
	o.trailer_len = 2;
	o.trailer[0] = 0x0d;
	o.trailer[1] = 0x0a;
	o.pre_kind = 3;
	o.pre_width = 0;
	emit_proto(&o, "all", all_w, all_m);
}

static void gen_len(void)
{
	struct fz_opts o;
	char tag[64];

	for (unsigned i = 0; i < 12; i++) {
		memset(&o, 0, sizeof(o));
		o.kind = FR_LEN;
		o.width = fz_widths[i % FZ_NWIDTHS];
		o.little = i >= 6;
		o.max_mode = i % 3;
		o.max = o.max_mode == 1 ? 4 : 40;
		snprintf(tag, sizeof(tag), "w%u%s-max%u", o.width,
			 o.little ? "le" : "be", o.max_mode);
		gen_case(&o, tag);
	}
	/* Netty's example header: offset, negative adjust, partial strip. */
	memset(&o, 0, sizeof(o));
	o.kind = FR_LEN;
	o.width = 2;
	o.offset = 1;
	o.adjust = -3;
	o.strip_set = true;
	o.strip = 3;
	gen_case(&o, "netty");
	o.strip = 0;
	o.adjust = 4;
	gen_case(&o, "keephdr");
	gen_len_protocols();
}

/* For gen_proto.c: the seed writer and the schedule variants. */
void gen_corpus_emit(const char *target, const char *name,
		     const struct fz_opts *o, const uint8_t *front, size_t n)
{
	emit(target, name, o, front, n);
}

void gen_corpus_sched(struct fz_opts *o, unsigned v)
{
	gen_sched(o, v);
}

/* pop3_session: a client script in front, the split_raw choices, the
 * store read size and the store fault (fuzz_input.h); each script under
 * two schedules, one of them with 1-byte store reads. */
static void emit_pop3(const char *name, const uint8_t *script, size_t n,
		      unsigned fault)
{
	uint8_t in[GEN_MAX + 258];
	char file[128];
	struct fz_opts o;

	memset(&o, 0, sizeof(o));
	o.kind = FR_RAW;
	for (unsigned v = 0; v < 3; v += 2) {
		size_t len;

		gen_sched(&o, v);
		len = fz_input_build(in, sizeof(in) - 2, script, n, &o);
		if (len == 0)
			return;
		in[len++] = (uint8_t)(v ? 0 : 1); /* store read size */
		in[len++] = (uint8_t)fault;
		snprintf(file, sizeof(file), "%s-s%u", name, v);
		write_file("pop3_session", file, in, len);
	}
}

#define LOGIN "USER " PS_USER "\r\nPASS " PS_PASS "\r\n"
static const struct {
	const char *name, *script;
	enum ps_fault fault;
} gen_pop3_scripts[] = {
    {"basic", "CAPA\r\n" LOGIN "STAT\r\nLIST\r\nUIDL\r\nNOOP\r\nQUIT\r\n",
     PS_F_NONE},
    {"retr",
     LOGIN "RETR 1\r\nRETR 2\r\nRETR 3\r\nRETR 4\r\nRETR 5\r\n"
	   "RETR 7\r\nLIST 2\r\nUIDL 6\r\nQUIT\r\n",
     PS_F_NONE},
    {"top",
     LOGIN "TOP 1 0\r\nTOP 1 2\r\nTOP 2 1\r\nTOP 3 0\r\nTOP 4 0\r\n"
	   "TOP 4 3\r\nTOP 5 0\r\nTOP 7 0\r\nTOP 7 1\r\n",
     PS_F_NONE},
    {"long", LOGIN "TOP 6 0\r\nTOP 6 2\r\nRETR 6\r\nLIST 6\r\nQUIT\r\n",
     PS_F_NONE},
    {"dele",
     LOGIN "DELE 1\r\nDELE 3\r\nLIST\r\nRETR 1\r\nDELE 1\r\nSTAT\r\n"
	   "RSET\r\nDELE 2\r\nDELE 7\r\nUIDL\r\nQUIT\r\n",
     PS_F_NONE},
    {"dele-commit-fails", LOGIN "DELE 4\r\nDELE 5\r\nQUIT\r\nSTAT\r\n",
     PS_F_COMMIT},
    {"dele-no-quit", LOGIN "DELE 1\r\nDELE 2\r\nSTAT\r\n", PS_F_NONE},
    {"auth",
     "PASS x\r\nUSER\r\nUSER bob\r\nPASS " PS_PASS "\r\nUSER " PS_USER "\r\n"
     "PASS wrong\r\nSTAT\r\nUSER " PS_USER "\r\nPASS  " PS_PASS "\r\nCAPA\r\n"
     "USER " PS_USER "\r\nUSER " PS_USER
     "\r\nPASS\r\nUSER a b\r\nQUIT\r\nSTAT\r\n",
     PS_F_NONE},
    {"errors",
     LOGIN "RETR 0\r\nRETR 17\r\nRETR x\r\nRETR 1 2\r\nTOP 1\r\n"
	   "TOP 1 x\r\nLIST 1 2\r\nLIST 99999999999999999999\r\n"
	   "USER " PS_USER "\r\nPASS " PS_PASS "\r\nAPOP a b\r\nSTAT x\r\n"
	   "NOOP x\r\nCAPA x\r\nRSET x\r\nUIDL 1 2\r\nUIDL 17\r\n"
	   "\r\n \r\nQUIT now\r\n",
     PS_F_NONE},
    {"lowercase",
     "user " PS_USER "\r\npass " PS_PASS "\r\nretr 2\r\ntop 2 1\r\n"
     "uidl 1\r\nQuIt\r\n",
     PS_F_NONE},
    {"unreadable", LOGIN "RETR 2\r\nTOP 2 0\r\nRETR 1\r\nQUIT\r\n",
     PS_F_UNREADABLE},
    {"midreply-top", LOGIN "TOP 1 0\r\nTOP 1 1\r\nTOP 1 99\r\nSTAT\r\n",
     PS_F_MIDREPLY},
    {"midreply-retr", LOGIN "RETR 1\r\nQUIT\r\n", PS_F_MIDREPLY},
    {"locked", LOGIN "STAT\r\n" LOGIN "QUIT\r\n", PS_F_LOCKED},
    {"bytes",
     "USER " PS_USER "\nPASS " PS_PASS "\r\nUSER \x01\x80\r\nUSER " PS_USER "\r"
     "\r\nCAPA\r\r\n\r\n\n\r\nUSER " PS_USER "\r\nPASS " PS_PASS "\r\nNOOP",
     PS_F_NONE},
    {"pipelined", LOGIN "RETR 6\r\nRETR 6\r\nUIDL\r\nRETR 6\r\nLIST\r\n",
     PS_F_NONE},
};

static void gen_pop3(void)
{
	struct gen_buf g;
	char user[48];

	for (size_t i = 0;
	     i < sizeof(gen_pop3_scripts) / sizeof(gen_pop3_scripts[0]); i++)
		emit_pop3(gen_pop3_scripts[i].name,
			  (const uint8_t *)gen_pop3_scripts[i].script,
			  strlen(gen_pop3_scripts[i].script),
			  gen_pop3_scripts[i].fault);
	/* Command lines of 253 and 254 octets, a 41-octet user, and a last
	 * line that never ends but is too long anyway. */
	g.n = 0;
	memset(user, 'u', 41);
	memcpy(user + 41, "\r\n", 3);
	gen_add(&g, "USER ", 5);
	gen_add(&g, user, 43);
	for (size_t n = 253; n <= 254; n++) {
		uint8_t line[254];

		memset(line, 'A', n);
		memcpy(line, "NOOP ", 5);
		gen_add(&g, line, n);
		gen_add(&g, "\r\n", 2);
	}
	gen_add(&g, LOGIN "STAT\r\n", strlen(LOGIN) + 6);
	for (size_t n = 0; n < 255; n++)
		gen_add(&g, "Z", 1);
	emit_pop3("long-lines", g.b, g.n, 0);
	/* Enough UIDL replies to pile up past POP3_OUT_LIMIT when the
	 * schedule drains only a little at a time, and RETRs that start
	 * with more than POP3_REFILL pending. */
	g.n = 0;
	gen_add(&g, LOGIN, strlen(LOGIN));
	for (size_t n = 0; n < 100; n++)
		gen_add(&g, n % 25 == 24 ? "RETR 6\r\n" : "UIDL\r\n",
			n % 25 == 24 ? 8 : 6);
	gen_add(&g, "QUIT\r\n", 6);
	emit_pop3("backpressure", g.b, g.n, 0);
}

static void gen_text(const char *target, const char *const *texts)
{
	char name[32];

	for (unsigned i = 0; texts[i] != NULL; i++) {
		snprintf(name, sizeof(name), "seed%02u", i);
		write_file(target, name, (const uint8_t *)texts[i],
			   strlen(texts[i]));
	}
}

static const char *const gen_specs[] = {
    "fixed:4",
    "line",
    "crlf,max=80",
    "delim:0d0a",
    "delim:616162",
    "len:2be",
    "len:4le,max=4096",
    "len:varint",
    "len:8be",
    "len:2be,offset=1,adjust=-3,strip=3,max=4096",
    "len:3le,strip=0",
    "cobs",
    "slip,max=1500",
    "netstring",
    "tlv",
    "raw",
    "fixed:0",
    "len:5be",
    "delim:",
    "line,max=99999999999999999999",
    "len:4be,offset=3,strip=0,trailer=ce,pre=fixed:8",
    "len:varint,offset=1,strip=0,vmax=4",
    "len:4be,strip=0,max=35000,pre=crlf/max=253",
    "len:4be,offset=1,adjust=-4,strip=0,pre=len:4be/adjust=-4/strip=0",
    "tls,max=100",
    "postgres",
    "line,pre=line/pre=line",
    "resp,depth=4,max=65536",
    "http1:req,hmax=8192",
    "http1:resp,head,max=100000",
    "ws,unmask",
    NULL};

static const char *const gen_scheds[] = {"whole",
					 "fixed:7",
					 "bytes",
					 "random:1-64",
					 "random:1-8,seed=42",
					 "list:1,2,3",
					 "list:3,1,repeat",
					 "coalesce:64",
					 "coalesce:16,ms=5",
					 "fixed:0",
					 "random:9-1",
					 "list:",
					 NULL};

int main(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(argc == 2 && strcmp(argv[1], "--help") == 0 ? stdout
								    : stderr,
			"usage: %s OUTDIR\nWrite seed inputs for every fuzz "
			"target into OUTDIR/<target>/ (e.g. corpus/).\n",
			prog);
		return argc == 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "%s: %s: %s\n", prog, outdir, strerror(errno));
		return 1;
	}
	for (int k = FR_FIXED; k <= FR_RAW; k++)
		gen_codec(k);
	gen_len();
	gen_proto();
	gen_text("spec_parse", gen_specs);
	gen_text("schedule_parse", gen_scheds);
	gen_pop3();
	printf("%s: wrote %u inputs under %s\n", prog, nfiles, outdir);
	return 0;
}
