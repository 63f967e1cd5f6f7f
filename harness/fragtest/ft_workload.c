/* Seeded workload: random payloads that the framing's encoder accepts, and
 * burst sizes (frames per write). The same (seed, connection) always gives
 * the same payloads, so sender and verifier each run their own copy. */
#include <stdlib.h>
#include <string.h>

#include "ft.h"

/* Alphabets tried in turn when the encoder refuses random bytes (a
 * delimiter inside a line, say): attempt 0 keeps the raw bytes. */
static const char *const ft_alphabets[] = {
    NULL,
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "XYZ",
};
#define FT_NALPHA (sizeof(ft_alphabets) / sizeof(ft_alphabets[0]))

int ft_gen_init(struct ft_gen *g, const struct fr_spec *spec, uint64_t seed,
		unsigned conn, size_t min, size_t max)
{
	memset(g, 0, sizeof(*g));
	g->spec = spec;
	g->rng = fr_rng_seed(seed, (uint64_t)conn * 2);
	if (spec->kind == FR_FIXED)
		min = max = spec->fixed;
	if (max > spec->max)
		max = spec->max;
	if (min > max)
		min = max;
	g->min = min;
	g->max = max;
	g->msg = malloc(max ? max : 1);
	g->wire_cap = fr_encode_bound(spec, max);
	g->wire = malloc(g->wire_cap ? g->wire_cap : 1);
	if (!g->msg || !g->wire) {
		ft_gen_free(g);
		return FR_ENOMEM;
	}
	return FR_OK;
}

void ft_gen_free(struct ft_gen *g)
{
	free(g->msg);
	free(g->wire);
	g->msg = NULL;
	g->wire = NULL;
}

static int ft_try(struct ft_gen *g, const uint8_t *raw, size_t len,
		  const char *alpha)
{
	size_t an = alpha ? strlen(alpha) : 0;

	for (size_t i = 0; i < len; i++)
		g->msg[i] = alpha ? (uint8_t)alpha[raw[i] % an] : raw[i];
	g->len = len;
	return fr_encode(g->spec, g->msg, len, g->wire, g->wire_cap,
			 &g->wire_len);
}

int ft_gen_next(struct ft_gen *g)
{
	size_t len = (size_t)fr_rng_range(&g->rng, g->min, g->max);
	uint8_t tmp[256], *raw;
	int rc = FR_EUNENCODABLE;

	/* Random bytes first, kept aside since encoding overwrites wire. */
	raw = len <= sizeof(tmp) ? tmp : malloc(len);
	if (!raw)
		return FR_ENOMEM;
	for (size_t i = 0; i < len; i += 8) {
		uint64_t r = fr_rng_next(&g->rng);
		for (size_t k = 0; k < 8 && i + k < len; k++)
			raw[i + k] = (uint8_t)(r >> (8 * k));
	}
	for (size_t shrink = 0; shrink < 24 && rc != FR_OK; shrink++) {
		for (size_t a = 0; a < FT_NALPHA && rc != FR_OK; a++)
			rc = ft_try(g, raw, len, ft_alphabets[a]);
		if (rc == FR_OK)
			break;
		/* Empty messages (slip, tlv) and too-long ones (len:1be). */
		len = len == 0 ? 1 : len / 2;
	}
	if (raw != tmp)
		free(raw);
	return rc;
}

unsigned ft_burst_next(uint64_t *rng, unsigned left)
{
	uint64_t r = fr_rng_range(rng, 0, 7);
	unsigned n;

	if (r < 4)
		n = 1;
	else if (r < 6)
		n = (unsigned)fr_rng_range(rng, 2, 4);
	else
		n = (unsigned)fr_rng_range(rng, 5, 32);
	return n < left ? n : left;
}

int ft_gen_check(const struct fr_spec *spec, size_t min, size_t max, char *err,
		 size_t errlen)
{
	struct ft_gen g;
	int rc = ft_gen_init(&g, spec, 1, 0, min, max);

	for (int i = 0; i < 64 && rc == FR_OK; i++)
		rc = ft_gen_next(&g);
	ft_gen_free(&g);
	if (rc != FR_OK)
		snprintf(err, errlen,
			 "cannot generate payloads of %zu-%zu bytes that this "
			 "framing encodes: %s",
			 min, max, fr_strerror(rc));
	return rc;
}
