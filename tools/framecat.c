/* framecat: encode messages into a framed stream, decode a stream into
 * frames, or transcode between framings, with any framing spec and split
 * schedule of libframing. This file: command line, help, shared output. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fraglab/version.h"
#include "framecat.h"

static const char usage_text[] =
    "usage: framecat encode SPEC [--in hex|lines|raw]\n"
    "       framecat decode SPEC [--out hex|lines|raw] [--split POLICY]\n"
    "       framecat transcode SPEC_IN SPEC_OUT [--split POLICY]\n"
    "       framecat protocols\n"
    "       framecat --help | --version\n";

static const char flags_text[] =
    "\n"
    "encode     reads messages from stdin and writes the framed stream.\n"
    "decode     reads a framed stream from stdin and writes its frames.\n"
    "transcode  decodes stdin with SPEC_IN and re-encodes every frame\n"
    "           with SPEC_OUT.\n"
    "protocols  lists the protocol names a SPEC may be (tls, postgres,\n"
    "           ...) and the spec each stands for (docs/protocols.md).\n"
    "           With pre=, encode frames the first message as the\n"
    "           preamble.\n"
    "\n"
    "flags:\n"
    "  --in hex     (encode, default) one message per line in hex; an\n"
    "               empty line is an empty message\n"
    "  --in lines   one message per plain text line (without its \\n)\n"
    "  --in raw     all of stdin is one message\n"
    "  --out hex    (decode, default) each frame as one lowercase hex line\n"
    "  --out lines  each frame followed by \\n\n"
    "  --out raw    frames concatenated\n"
    "  --split POLICY  feed the decoder in chunks cut by a split schedule\n"
    "               (default: whole reads). Output, errors and offsets\n"
    "               never depend on it.\n"
    "  -h, --help   this text\n"
    "  --version    print the name and version, exit\n"
    "\n"
    "Decode errors print 'framecat: error at offset N: REASON' on stderr\n"
    "after the frames before them; recoverable ones (oversize frame on a\n"
    "delimited codec) let decoding go on. An encoder refusal prints\n"
    "'framecat: message N: REASON'.\n"
    "exit status: 0 ok, 1 a data error was reported, 2 bad usage.\n";

static void help(void)
{
	fputs("framecat - frame, unframe and reframe byte streams\n\n", stdout);
	fputs(usage_text, stdout);
	fputs(flags_text, stdout);
	fputs("\nframing specs (SPEC):\n", stdout);
	fputs(fr_spec_help, stdout);
	fputs("\nsplit schedules (POLICY):\n", stdout);
	fputs(fr_sched_help, stdout);
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("framecat: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n", stderr);
	fputs(usage_text, stderr);
	return 2;
}

int fc_emit_encoded(const struct fr_spec *spec, const uint8_t *msg, size_t len,
		    uint64_t msgno, struct cm_buf *out)
{
	size_t bound = fr_encode_bound(spec, len), wire = 0;
	int rc;

	cm_buf_clear(out);
	if (cm_buf_reserve(out, bound ? bound : 1) != 0) /* never NULL */
		rc = FR_ENOMEM;
	else if (msgno == 1 && spec->pre.kind) /* pre=: first = preamble */
		rc = fr_encode_preamble(spec, msg, len, cm_buf_tail(out),
					cm_buf_room(out), &wire);
	else
		rc = fr_encode(spec, msg, len, cm_buf_tail(out),
			       cm_buf_room(out), &wire);
	if (rc != FR_OK) {
		fprintf(stderr, "framecat: message %llu: %s\n",
			(unsigned long long)msgno, fr_strerror(rc));
		return 1;
	}
	fwrite(cm_buf_tail(out), 1, wire, stdout);
	return 0;
}

int fc_check_stdout(void)
{
	static bool reported;

	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	if (!reported)
		fprintf(stderr, "framecat: stdout: %s\n", strerror(errno));
	reported = true;
	return 1;
}

static int parse_spec(struct fr_spec *spec, const char *text)
{
	char err[256];

	if (fr_spec_parse(spec, text, err, sizeof(err)) == FR_OK)
		return 0;
	fprintf(stderr, "framecat: bad spec '%s': %s\n", text, err);
	return 2;
}

/* hex|lines|raw as 1, 2, 3 (the order of enum fc_in and enum fc_out). */
static int parse_format(const char *flag, const char *v, int *out)
{
	static const char *const names[] = {"hex", "lines", "raw"};

	for (int i = 0; i < 3; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = i + 1;
			return 0;
		}
	}
	fprintf(stderr, "framecat: bad %s '%s' (hex, lines or raw)\n", flag, v);
	return 2;
}

static int parse_split(struct fc_opts *o, const char *v)
{
	char err[256];

	fr_sched_free(&o->sched);
	memset(&o->sched, 0, sizeof(o->sched));
	if (fr_sched_parse(&o->sched, v, err, sizeof(err)) == FR_OK)
		return 0;
	memset(&o->sched, 0, sizeof(o->sched));
	fprintf(stderr, "framecat: bad split '%s': %s\n", v, err);
	return 2;
}

static int parse_flags(struct fc_opts *o, int argc, char **argv, bool *help_p)
{
	static const struct option longopts[] = {
	    {"in", required_argument, NULL, 'i'},
	    {"out", required_argument, NULL, 'o'},
	    {"split", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool in_set = false, out_set = false;
	int c, rc = 0;

	opterr = 0;
	while (rc == 0 &&
	       (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		int fmt = 0;
		if (c == 'i') {
			rc = parse_format("--in", optarg, &fmt);
			o->in = (enum fc_in)fmt;
			in_set = true;
		} else if (c == 'o') {
			rc = parse_format("--out", optarg, &fmt);
			o->out = (enum fc_out)fmt;
			out_set = true;
		} else if (c == 's') {
			rc = parse_split(o, optarg);
		} else if (c == 'h') {
			*help_p = true;
		} else {
			rc = usage_error("unknown or incomplete option '%s'",
					 argv[optind - 1]);
		}
	}
	if (rc != 0 || *help_p)
		return rc;
	if (in_set && o->cmd != FC_ENCODE)
		return usage_error("%s", "--in applies to encode only");
	if (out_set && o->cmd != FC_DECODE)
		return usage_error("%s", "--out applies to decode only");
	if (o->sched.kind != 0 && o->cmd == FC_ENCODE)
		return usage_error("%s",
				   "--split applies to decode and transcode");
	return 0;
}

static enum fc_cmd cmd_of(const char *name)
{
	if (strcmp(name, "encode") == 0)
		return FC_ENCODE;
	if (strcmp(name, "decode") == 0)
		return FC_DECODE;
	if (strcmp(name, "transcode") == 0)
		return FC_TRANSCODE;
	return 0;
}

static int parse_cmd(struct fc_opts *o, const char *name)
{
	o->cmd = cmd_of(name);
	if (o->cmd == 0)
		return usage_error("unknown command '%s'", name);
	return 0;
}

/* Positional words after the flags: command, then one or two specs. */
static int parse_words(struct fc_opts *o, int n, char **w)
{
	if (n < 1)
		return usage_error("%s", "missing command");
	int rc = parse_cmd(o, w[0]);
	if (rc != 0)
		return rc;
	int want = o->cmd == FC_TRANSCODE ? 3 : 2;
	if (n != want)
		return usage_error("%s: wrong number of arguments", w[0]);
	rc = parse_spec(&o->spec, w[1]);
	if (rc == 0 && o->cmd == FC_TRANSCODE)
		rc = parse_spec(&o->out_spec, w[2]);
	return rc;
}

/* framecat protocols: the alias table, one row a line. */
static int list_protocols(int argc, char **argv)
{
	if (argc == 3 &&
	    (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
		fputs("usage: framecat protocols\n"
		      "Lists NAME SPEC DESCRIPTION for every protocol name;"
		      " a NAME is accepted\nwherever a SPEC is, options may"
		      " follow it (tls,max=100).\n",
		      stdout);
		return fc_check_stdout();
	}
	if (argc != 2)
		return usage_error("%s", "protocols takes no arguments");
	for (size_t i = 0; i < fr_protocol_count(); i++) {
		const struct fr_protocol *p = fr_protocol_at(i);
		printf("%-14s %-56s %s\n", p->name, p->spec, p->title);
	}
	return fc_check_stdout();
}

int main(int argc, char **argv)
{
	struct fc_opts o = {.in = FC_IN_HEX, .out = FC_OUT_HEX};
	bool want_help = false;
	int rc;

	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("framecat %s\n", FRAGLAB_VERSION);
		return 0;
	}

	signal(SIGPIPE, SIG_IGN);
	if (argc > 1 && strcmp(argv[1], "protocols") == 0)
		return list_protocols(argc, argv);
	/* the command comes first so flags can be checked against it */
	if (argc > 1)
		o.cmd = cmd_of(argv[1]);
	rc = parse_flags(&o, argc, argv, &want_help);
	if (want_help && rc == 0) {
		help();
		rc = fc_check_stdout();
		goto out;
	}
	if (rc == 0)
		rc = parse_words(&o, argc - optind, argv + optind);
	if (rc == 0)
		rc = o.cmd == FC_ENCODE ? fc_encode(&o) : fc_decode(&o);
	if (fc_check_stdout() && rc == 0)
		rc = 1;
out:
	fr_sched_free(&o.sched);
	return rc;
}
