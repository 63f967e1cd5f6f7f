/* sfz-parse-bench: cost of splitfuzz's parse adapter on one long message
 * fed whole, as one chunk and byte by byte (sfz_check), at SIZE/4 and SIZE
 * bytes in the same run: time per byte (equal when linear) and peak RSS. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cm_clock.h"
#include "cm_opt.h"
#include "fraglab/splitfuzz.h"

static const char usage_text[] =
    "usage: sfz-parse-bench [--size BYTES] [--runs R]\n"
    "\n"
    "  --size BYTES  the message, header included (default 64K; K, M\n"
    "                suffixes); also run at a quarter of it\n"
    "  --runs R      best of R runs (default 3)\n"
    "  -h, --help    this text\n"
    "Prints, per size, the time of one sfz_check (three feedings, one of\n"
    "them byte by byte) and its nanoseconds per byte (the same at both\n"
    "sizes when the adapter is linear, four times more when quadratic),\n"
    "then the process's peak RSS.\n";

/* A 4-byte big-endian length, then that many bytes; O(1) per call. */
static ptrdiff_t bench_parse(void *conf, const uint8_t *buf, size_t len,
			     int at_eof, struct sfz_event *ev)
{
	size_t need;

	(void)conf;
	(void)ev;
	if (len < 4)
		return at_eof && len > 0 ? -1 : 0;
	need = 4 + ((size_t)buf[0] << 24 | (size_t)buf[1] << 16 |
		    (size_t)buf[2] << 8 | buf[3]);
	if (len < need)
		return at_eof ? -1 : 0;
	return (ptrdiff_t)need;
}

static const struct sfz_target bench_target = {.name = "bench",
					       .parse = bench_parse};

/* Best time in ns of sfz_check on an n-byte message; -1 on a finding. */
static int64_t bench_one(size_t n, unsigned runs)
{
	uint8_t *s = malloc(n);
	size_t chunk = n;
	int64_t best = -1;
	char why[512];

	if (s == NULL)
		return -1;
	for (size_t i = 4; i < n; i++)
		s[i] = (uint8_t)(i * 7);
	s[0] = (uint8_t)((n - 4) >> 24);
	s[1] = (uint8_t)((n - 4) >> 16);
	s[2] = (uint8_t)((n - 4) >> 8);
	s[3] = (uint8_t)(n - 4);
	for (unsigned r = 0; r < runs; r++) {
		int64_t t0 = cm_now_ns(), t;

		if (sfz_check(&bench_target, NULL, s, n, &chunk, 1, why,
			      sizeof(why)) != 0) {
			fprintf(stderr, "sfz-parse-bench: %s\n", why);
			best = -1;
			break;
		}
		t = cm_now_ns() - t0;
		if (best < 0 || t < best)
			best = t;
	}
	free(s);
	return best;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"size", required_argument, NULL, 's'},
	    {"runs", required_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	uint64_t size = 64 * 1024, runs = 3;
	struct rusage ru;
	char err[160];
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		int rc = 0;

		if (c == 'h') {
			fputs(usage_text, stdout);
			return 0;
		}
		if (c == 's')
			rc = cm_opt_size("--size", optarg, 16, 64 << 20, &size,
					 err, sizeof(err));
		else if (c == 'r')
			rc = cm_opt_uint("--runs", optarg, 1, 1000, &runs, err,
					 sizeof(err));
		else
			rc = -1, snprintf(err, sizeof(err), "bad usage");
		if (rc != 0) {
			fprintf(stderr, "sfz-parse-bench: %s\n%s", err,
				usage_text);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "sfz-parse-bench: unexpected '%s'\n%s",
			argv[optind], usage_text);
		return 2;
	}
	printf("%10s %12s %10s\n", "bytes", "ms", "ns/byte");
	for (int k = 0; k < 2; k++) {
		size_t n = k == 0 ? (size_t)size / 4 : (size_t)size;
		int64_t t = bench_one(n, (unsigned)runs);

		if (t < 0)
			return 1;
		printf("%10zu %12.2f %10.1f\n", n, (double)t / 1e6,
		       (double)t / (double)n);
	}
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		printf("peak RSS: %ld KiB\n", ru.ru_maxrss);
	return 0;
}
