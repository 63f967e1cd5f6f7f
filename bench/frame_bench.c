/* frame-bench: decoder throughput on a stream file fed in N-byte chunks,
 * beside memcpy and memchr over the same file in the same run as the
 * physical reference; --gen writes a seeded workload (frame_gen.c). */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_buf.h"
#include "cm_clock.h"
#include "cm_opt.h"
#include "frame_bench.h"
#include "framing/codec.h"
#include "framing/error.h"

static const char usage_text[] =
    "usage: frame-bench --gen SPEC --size BYTES --seed S --out FILE\n"
    "                   [--min N] [--max N]\n"
    "       frame-bench --spec SPEC --input FILE --chunk N [--runs R]"
    " [--json]\n"
    "\n"
    "  --gen SPEC     write a workload: frames of SPEC with payload sizes\n"
    "                 uniform in --min..--max (default 1..512), random\n"
    "                 bytes (printable, delimiter-free ones for line, crlf,\n"
    "                 delim), until the next frame would pass --size bytes\n"
    "                 (K, M, G suffixes: powers of 1024)\n"
    "  --spec SPEC    decode FILE (loaded into memory) fed in --chunk N\n"
    "                 byte pieces; best of --runs R (default 5). Prints\n"
    "                 decoder MB/s and frames/s, and memcpy MB/s (the file\n"
    "                 copied in N-byte pieces) and memchr MB/s (counting\n"
    "                 '\\n') in the same run. MB = 10^6 bytes.\n"
    "  --json         one JSON object instead of the table\n"
    "  -h, --help     this text\n";

struct opts {
	const char *gen, *spec, *input, *out;
	uint64_t size, seed, chunk, runs, min, max;
	bool json;
};

/* What a pass over the file computed: printed, so it can't be elided. */
struct tally {
	uint64_t frames, bytes, sum, errors;
	double secs;
};

/* Seconds since t0 (cm_now_ns). */
static double secs_since(int64_t t0)
{
	return (double)(cm_now_ns() - t0) / 1e9;
}

static int bad_usage(const char *what, const char *arg)
{
	fprintf(stderr, "frame-bench: %s '%s'\n%s", what, arg, usage_text);
	return 2;
}

static int load(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct cm_buf b = {0};
	size_t got = 1;

	while (f != NULL && got > 0) {
		if (cm_buf_reserve(&b, 1 << 20) < 0) {
			errno = ENOMEM;
			goto fail;
		}
		got = fread(cm_buf_tail(&b), 1, cm_buf_room(&b), f);
		cm_buf_commit(&b, got);
	}
	if (f == NULL || ferror(f))
		goto fail;
	fclose(f);
	*data = b.p; /* nothing consumed: the data starts at b.p */
	*len = cm_buf_len(&b);
	return 0;
fail:
	fprintf(stderr, "frame-bench: %s: %s\n", path, strerror(errno));
	if (f != NULL)
		fclose(f);
	cm_buf_free(&b);
	return 1;
}

static void drain(struct fr_decoder *d, struct tally *t)
{
	struct fr_frame f;
	for (;;) {
		int r = fr_decoder_next(d, &f);
		if (r == FR_NEED_MORE)
			return;
		if (r != FR_FRAME) {
			t->errors++;
			if (fr_decoder_failed(d))
				return;
			continue;
		}
		t->frames++;
		t->bytes += f.len;
		if (f.len > 0)
			t->sum += f.data[0]; /* the first byte: no extra miss */
	}
}

static struct tally decode_pass(struct fr_decoder *d, const uint8_t *p,
				size_t len, size_t chunk)
{
	struct tally t = {0};
	struct fr_frame f;
	int64_t t0 = cm_now_ns();

	fr_decoder_reset(d);
	for (size_t off = 0; off < len && !fr_decoder_failed(d); off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;
		fr_decoder_feed(d, p + off, n);
		drain(d, &t);
	}
	if (!fr_decoder_failed(d)) {
		int r = fr_decoder_finish(d, &f);
		if (r == FR_FRAME) { /* http1:resp: a body ended by the close */
			t.frames++;
			t.bytes += f.len;
			if (f.len > 0)
				t.sum += f.data[0];
			r = fr_decoder_finish(d, &f);
		}
		if (r != FR_DONE)
			t.errors++;
	}
	t.secs = secs_since(t0);
	return t;
}

static struct tally memcpy_pass(const uint8_t *p, size_t len, size_t chunk,
				uint8_t *dst)
{
	struct tally t = {0};
	int64_t t0 = cm_now_ns();

	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;
		memcpy(dst, p + off, n);
		t.sum += dst[n - 1];
		__asm__ volatile("" : : "r"(dst) : "memory");
	}
	t.bytes = len;
	t.secs = secs_since(t0);
	return t;
}

static struct tally memchr_pass(const uint8_t *p, size_t len)
{
	struct tally t = {0};
	const uint8_t *end = p + len;
	int64_t t0 = cm_now_ns();

	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break;
		t.sum++;
		p = nl + 1;
	}
	t.bytes = len;
	t.secs = secs_since(t0);
	return t;
}

static void keep_best(struct tally *best, struct tally t)
{
	if (best->secs == 0 || t.secs < best->secs)
		*best = t;
}

static double mbps(uint64_t bytes, double secs)
{
	return secs > 0 ? (double)bytes / secs / 1e6 : 0;
}

static void report(const struct opts *o, size_t len, const struct tally *d,
		   const struct tally *c, const struct tally *m)
{
	double fps = d->secs > 0 ? (double)d->frames / d->secs : 0;

	if (o->json) {
		printf("{\"spec\":\"%s\",\"input\":\"%s\",\"bytes\":%zu,"
		       "\"chunk\":%llu,\"runs\":%llu,\"frames\":%llu,"
		       "\"payload_bytes\":%llu,\"checksum\":%llu,"
		       "\"errors\":%llu,\"decode_mbps\":%.1f,"
		       "\"frames_per_s\":%.0f,\"memcpy_mbps\":%.1f,"
		       "\"memchr_mbps\":%.1f,\"newlines\":%llu}\n",
		       o->spec, o->input, len, (unsigned long long)o->chunk,
		       (unsigned long long)o->runs,
		       (unsigned long long)d->frames,
		       (unsigned long long)d->bytes, (unsigned long long)d->sum,
		       (unsigned long long)d->errors, mbps(len, d->secs), fps,
		       mbps(len, c->secs), mbps(len, m->secs),
		       (unsigned long long)m->sum);
		return;
	}
	printf("spec %s, input %s: %zu bytes, chunk %llu, best of %llu runs\n",
	       o->spec, o->input, len, (unsigned long long)o->chunk,
	       (unsigned long long)o->runs);
	printf("  decode  %10.1f MB/s  %12.0f frames/s  (frames %llu, payload "
	       "%llu B, sum %llu, errors %llu)\n",
	       mbps(len, d->secs), fps, (unsigned long long)d->frames,
	       (unsigned long long)d->bytes, (unsigned long long)d->sum,
	       (unsigned long long)d->errors);
	printf("  memcpy  %10.1f MB/s  (in %llu-byte pieces, sum %llu)\n",
	       mbps(len, c->secs), (unsigned long long)o->chunk,
	       (unsigned long long)c->sum);
	printf("  memchr  %10.1f MB/s  (newlines %llu)\n", mbps(len, m->secs),
	       (unsigned long long)m->sum);
}

static int bench(const struct opts *o, const struct fr_spec *spec)
{
	struct tally bd = {0}, bc = {0}, bm = {0};
	struct fr_decoder d;
	uint8_t *data = NULL, *dst = malloc(o->chunk);
	size_t len = 0;
	int status = 1;

	if (dst == NULL || load(o->input, &data, &len) != 0)
		goto out;
	if (fr_decoder_init(&d, spec, NULL, 0) != FR_OK) {
		fprintf(stderr, "frame-bench: cannot set up the decoder\n");
		goto out;
	}
	for (uint64_t i = 0; i < o->runs; i++) {
		keep_best(&bd, decode_pass(&d, data, len, o->chunk));
		keep_best(&bc, memcpy_pass(data, len, o->chunk, dst));
		keep_best(&bm, memchr_pass(data, len));
	}
	fr_decoder_free(&d);
	report(o, len, &bd, &bc, &bm);
	status = bd.errors ? 1 : 0;
	if (bd.errors)
		fprintf(stderr,
			"frame-bench: %llu decode errors: is %s the "
			"input's framing?\n",
			(unsigned long long)bd.errors, o->spec);
out:
	free(data);
	free(dst);
	return status;
}

/* The numeric options: the field each fills and what cm_opt_* accepts. */
static const struct {
	int c;
	const char *name;
	size_t field; /* offsetof(struct opts, ...) */
	bool size;    /* K, M, G suffixes */
	uint64_t min, max;
} fb_nums[] = {
    {'z', "--size", offsetof(struct opts, size), true, 1, UINT64_MAX},
    {'e', "--seed", offsetof(struct opts, seed), false, 0, UINT64_MAX},
    {'c', "--chunk", offsetof(struct opts, chunk), true, 1, FB_PAYLOAD_MAX},
    {'r', "--runs", offsetof(struct opts, runs), false, 1, FB_RUNS_MAX},
    {'m', "--min", offsetof(struct opts, min), true, 0, FB_PAYLOAD_MAX},
    {'M', "--max", offsetof(struct opts, max), true, 0, FB_PAYLOAD_MAX},
};

/* Parses arg when c is a numeric option. Returns 1 when it was one, 0
 * when c is another option, -1 after a one-line error naming the option. */
static int parse_number(struct opts *o, int c, const char *arg)
{
	char err[256];

	for (size_t i = 0; i < sizeof(fb_nums) / sizeof(fb_nums[0]); i++) {
		uint64_t *v = (uint64_t *)((char *)o + fb_nums[i].field);
		int rc;

		if (fb_nums[i].c != c)
			continue;
		if (fb_nums[i].size)
			rc = cm_opt_size(fb_nums[i].name, arg, fb_nums[i].min,
					 fb_nums[i].max, v, err, sizeof(err));
		else
			rc = cm_opt_uint(fb_nums[i].name, arg, fb_nums[i].min,
					 fb_nums[i].max, v, err, sizeof(err));
		if (rc == 0)
			return 1;
		fprintf(stderr, "frame-bench: %s\n%s", err, usage_text);
		return -1;
	}
	return 0;
}

static int parse_args(struct opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
	    {"gen", 1, NULL, 'g'},   {"spec", 1, NULL, 's'},
	    {"input", 1, NULL, 'i'}, {"out", 1, NULL, 'o'},
	    {"size", 1, NULL, 'z'},  {"seed", 1, NULL, 'e'},
	    {"chunk", 1, NULL, 'c'}, {"runs", 1, NULL, 'r'},
	    {"min", 1, NULL, 'm'},   {"max", 1, NULL, 'M'},
	    {"json", 0, NULL, 'j'},  {"help", 0, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		int rc = parse_number(o, c, optarg);

		if (rc < 0)
			return 2;
		if (rc > 0)
			continue;
		if (c == 'g')
			o->gen = optarg;
		else if (c == 's')
			o->spec = optarg;
		else if (c == 'i')
			o->input = optarg;
		else if (c == 'o')
			o->out = optarg;
		else if (c == 'j')
			o->json = true;
		else if (c == 'h')
			return -1;
		else
			return bad_usage("unknown or incomplete option",
					 argv[optind - 1]);
	}
	if (optind < argc)
		return bad_usage("unexpected argument", argv[optind]);
	return 0;
}

static int check_modes(const struct opts *o)
{
	if ((o->gen == NULL) == (o->spec == NULL))
		return bad_usage("give exactly one of --gen and --spec", "");
	if (o->gen && (o->out == NULL || o->size == 0))
		return bad_usage("--gen needs --out FILE and --size BYTES",
				 o->gen);
	if (o->gen && o->min > o->max)
		return bad_usage("--min is over --max for", o->gen);
	if (o->spec && (o->input == NULL || o->chunk == 0 || o->runs == 0))
		return bad_usage("--spec needs --input FILE, --chunk N > 0 and "
				 "--runs R > 0",
				 o->spec);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {.runs = 5, .min = 1, .max = 512, .seed = 1};
	struct fr_spec spec;
	char err[256];
	int rc = parse_args(&o, argc, argv);

	if (rc < 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (rc == 0)
		rc = check_modes(&o);
	if (rc != 0)
		return rc;
	const char *text = o.gen ? o.gen : o.spec;
	if (fr_spec_parse(&spec, text, err, sizeof(err)) != FR_OK) {
		fprintf(stderr, "frame-bench: bad spec '%s': %s\n", text, err);
		return 2;
	}
	if (o.spec)
		return bench(&o, &spec);
	struct fb_gen g = {.spec = spec,
			   .spec_text = o.gen,
			   .size = o.size,
			   .seed = o.seed,
			   .min = (size_t)o.min,
			   .max = (size_t)o.max,
			   .out = o.out};
	return fb_generate(&g);
}
