/* show-input: print what a fuzz input stands for (spec, schedule, chunk
 * list) so a finding can be replayed with framecat or through fragproxy;
 * -o writes the stream (split_*) or encoded wire (roundtrip_*) to a file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_buf.h"
#include "framing/framing.h"
#include "fuzz_check.h"
#include "fuzz_input.h"

static const char *prog = "show-input";

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: %s [-o STREAM_FILE] TARGET INPUT\n"
	    "Print the framing spec, the split schedule and the exact chunk\n"
	    "list (as list:...) that fuzz INPUT stands for in TARGET\n"
	    "(split_<codec> or roundtrip_<codec>), and the command that\n"
	    "replays it. -o writes the wire stream to STREAM_FILE.\n",
	    prog);
}

static int kind_of(const char *target, bool *roundtrip)
{
	const char *codec = target;

	*roundtrip = false;
	if (strncmp(target, "split_", 6) == 0) {
		codec = target + 6;
	} else if (strncmp(target, "roundtrip_", 10) == 0) {
		codec = target + 10;
		*roundtrip = true;
	}
	for (int k = FR_FIXED; k <= FR_KIND_LAST; k++)
		if (strcmp(codec, fr_kind_name((enum fr_kind)k)) == 0)
			return k;
	return -1;
}

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct cm_buf b = {0};
	size_t got = 1;

	if (f == NULL)
		return NULL;
	while (got > 0 && cm_buf_reserve(&b, 4096) == 0) {
		got = fread(cm_buf_tail(&b), 1, cm_buf_room(&b), f);
		cm_buf_commit(&b, got);
	}
	fclose(f);
	*len = cm_buf_len(&b);
	return b.p ? b.p : malloc(1); /* nothing consumed: data at b.p */
}

static void print_chunks(const struct fz_setup *s)
{
	printf("chunks:   %zu\nsplit:    list:", s->nchunks);
	for (size_t i = 0; i < s->nchunks; i++)
		printf("%s%zu", i ? "," : "", s->chunks[i]);
	if (s->nchunks == 0)
		printf("1");
	printf("\n");
}

static int show(int kind, bool roundtrip, const uint8_t *data, size_t size,
		const char *out)
{
	struct fz_setup s;
	struct fr_spec spec;
	const uint8_t *wire;
	size_t wlen;

	if (fz_setup_read(&s, kind, data, size) != 0 ||
	    fz_spec(&spec, s.spec_text) != 0) {
		fprintf(stderr,
			"%s: input makes no valid spec (%s); the target"
			" skips it\n",
			prog, s.spec_text);
		fz_setup_free(&s);
		return 1;
	}
	wire = s.stream;
	wlen = s.stream_len;
	if (roundtrip) {
		wlen = fz_roundtrip_wire(&spec, s.stream, s.stream_len, &wire);
		fz_setup_chunks(&s, wlen);
	}
	printf("spec:     %s\nschedule: %s\nstream:   %zu bytes%s\n",
	       s.spec_text, s.sched_text, wlen,
	       roundtrip ? " (encoded messages)" : "");
	print_chunks(&s);
	printf("replay:   %s -o STREAM %s INPUT && framecat decode '%s' "
	       "--split SPLIT < STREAM\n          (SPLIT: the list: above; "
	       "the same --split works for fragproxy)\n",
	       prog, roundtrip ? "roundtrip_..." : "split_...", s.spec_text);
	if (out != NULL) {
		FILE *f = fopen(out, "wb");

		if (f == NULL || fwrite(wire, 1, wlen, f) != wlen ||
		    fclose(f) != 0) {
			fprintf(stderr, "%s: cannot write %s\n", prog, out);
			fz_setup_free(&s);
			return 1;
		}
	}
	fz_setup_free(&s);
	return 0;
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	bool roundtrip;
	uint8_t *data;
	size_t size = 0;
	int kind, rc, i = 1;

	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc > 2 && strcmp(argv[1], "-o") == 0) {
		out = argv[2];
		i = 3;
	}
	if (argc - i != 2) {
		usage(stderr);
		return 2;
	}
	kind = kind_of(argv[i], &roundtrip);
	if (kind < 0) {
		fprintf(stderr,
			"%s: unknown target '%s' (split_<codec> or "
			"roundtrip_<codec>)\n",
			prog, argv[i]);
		return 2;
	}
	data = read_all(argv[i + 1], &size);
	if (data == NULL) {
		fprintf(stderr, "%s: cannot read %s\n", prog, argv[i + 1]);
		return 1;
	}
	rc = show(kind, roundtrip, data, size, out);
	free(data);
	return rc;
}
