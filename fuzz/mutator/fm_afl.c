/* AFL++ custom mutator library (fraglab-mutator.so): the same mutations
 * for afl-fuzz. FRAGLAB_MUTATOR_TARGET names the target (split_len,
 * roundtrip_cobs, server_echo); AFL++ headers are not needed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fm_mutator.h"

struct fm_afl {
	struct fm_target t;
	uint64_t rng;
	uint8_t *buf;
	size_t cap;
};

/* The AFL++ custom mutator API (docs/custom_mutators.md), as used. */
void *afl_custom_init(void *afl, unsigned int seed);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size,
		       uint8_t **out_buf, uint8_t *add_buf, size_t add_buf_size,
		       size_t max_size);
void afl_custom_deinit(void *data);

void *afl_custom_init(void *afl, unsigned int seed)
{
	struct fm_afl *m;

	(void)afl;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	if (fm_target_parse(&m->t, getenv("FRAGLAB_MUTATOR_TARGET")) != 0) {
		free(m); /* afl-fuzz stops: the variable is wrong or unset */
		return NULL;
	}
	m->rng = seed;
	return m;
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size,
		       uint8_t **out_buf, uint8_t *add_buf, size_t add_buf_size,
		       size_t max_size)
{
	struct fm_afl *m = data;
	size_t n = 0;

	if (max_size == 0)
		max_size = 1;
	if (m->cap < max_size || m->cap < buf_size) {
		size_t cap = max_size > buf_size ? max_size : buf_size;
		uint8_t *p = realloc(m->buf, cap);

		if (p == NULL) {
			*out_buf = buf;
			return buf_size;
		}
		m->buf = p;
		m->cap = cap;
	}
	if (add_buf != NULL && fr_rng_next(&m->rng) % 8 == 0)
		n = fm_crossover(&m->t, buf, buf_size, add_buf, add_buf_size,
				 m->buf, max_size, &m->rng);
	if (n == 0) {
		n = buf_size < max_size ? buf_size : max_size;
		memcpy(m->buf, buf, n);
		n = fm_mutate(&m->t, m->buf, n, max_size, &m->rng, NULL);
	}
	*out_buf = m->buf;
	return n;
}

void afl_custom_deinit(void *data)
{
	struct fm_afl *m = data;

	if (m != NULL)
		free(m->buf);
	free(m);
}
