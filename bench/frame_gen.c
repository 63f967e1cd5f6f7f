/* frame-bench --gen: a seeded workload for one framing spec. Payload
 * sizes are uniform in MIN..MAX; bytes are random for binary codecs and
 * printable without delimiter bytes for line/crlf/delim. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame_bench.h"
#include "framing/codec.h"
#include "framing/error.h"
#include "framing/sched.h"

/* Bytes a payload may use: all 256, or printable ones that are not part
 * of the delimiter. */
struct alphabet {
	uint8_t sym[256];
	unsigned n;
};

static void alphabet_init(struct alphabet *a, const struct fr_spec *s)
{
	bool text =
	    s->kind == FR_LINE || s->kind == FR_CRLF || s->kind == FR_DELIM;
	a->n = 0;
	for (unsigned c = 0; c < 256; c++) {
		if (text && (c < 0x20 || c > 0x7e ||
			     memchr(s->delim, (int)c, s->delim_len) != NULL))
			continue;
		a->sym[a->n++] = (uint8_t)c;
	}
}

static void fill_payload(uint8_t *p, size_t n, const struct alphabet *a,
			 uint64_t *rng)
{
	size_t i = 0;

	if (a->n == 256) {
		/* 8 random bytes per draw */
		for (; i + 8 <= n; i += 8) {
			uint64_t x = fr_rng_next(rng);
			memcpy(p + i, &x, 8);
		}
	}
	for (; i < n; i++)
		p[i] = a->sym[fr_rng_range(rng, 0, a->n - 1)];
}

static size_t payload_size(const struct fb_gen *g, uint64_t *rng)
{
	if (g->spec.kind == FR_FIXED)
		return g->spec.fixed;
	return (size_t)fr_rng_range(rng, g->min, g->max);
}

int fb_generate(const struct fb_gen *g)
{
	struct alphabet a;
	uint64_t rng = fr_rng_seed(g->seed, 0), total = 0, frames = 0;
	size_t pmax = g->spec.kind == FR_FIXED ? g->spec.fixed : g->max;
	size_t cap = fr_encode_bound(&g->spec, pmax);
	uint8_t *msg = malloc(pmax ? pmax : 1), *wire = malloc(cap);
	FILE *f = fopen(g->out, "wb");
	int status = 1;

	if (f == NULL) {
		fprintf(stderr, "frame-bench: %s: %s\n", g->out,
			strerror(errno));
		goto out;
	}
	if (msg == NULL || wire == NULL) {
		fprintf(stderr, "frame-bench: out of memory\n");
		goto out;
	}
	alphabet_init(&a, &g->spec);
	for (;;) {
		size_t n = payload_size(g, &rng), wlen = 0;
		fill_payload(msg, n, &a, &rng);
		int rc = fr_encode(&g->spec, msg, n, wire, cap, &wlen);
		if (rc != FR_OK) {
			fprintf(stderr,
				"frame-bench: %s refuses a %zu-byte "
				"payload: %s\n",
				g->spec_text, n, fr_strerror(rc));
			goto out;
		}
		if (total + wlen > g->size)
			break;
		fwrite(wire, 1, wlen, f);
		total += wlen;
		frames++;
	}
	if (fflush(f) != 0 || ferror(f)) {
		fprintf(stderr, "frame-bench: %s: %s\n", g->out,
			strerror(errno));
		goto out;
	}
	printf("wrote %s: %llu bytes, %llu frames of %s, payloads %zu..%zu, "
	       "seed %llu\n",
	       g->out, (unsigned long long)total, (unsigned long long)frames,
	       g->spec_text, g->spec.kind == FR_FIXED ? g->spec.fixed : g->min,
	       pmax, (unsigned long long)g->seed);
	status = 0;
out:
	if (f != NULL && fclose(f) != 0 && status == 0) {
		fprintf(stderr, "frame-bench: %s: %s\n", g->out,
			strerror(errno));
		status = 1;
	}
	free(msg);
	free(wire);
	return status;
}
