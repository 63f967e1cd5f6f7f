/* libFuzzer hooks of the structure-aware mutator, linked into one target;
 * FM_TARGET_NAME (set per target by fuzz/mutator/CMakeLists.txt, e.g.
 * "split_len") says which input layout and codec it mutates. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fm_mutator.h"

#ifndef FM_TARGET_NAME
#error "FM_TARGET_NAME must name the fuzz target (split_len, ...)"
#endif

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max,
			       unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *a, size_t na, const uint8_t *b,
				 size_t nb, uint8_t *out, size_t max,
				 unsigned int seed);

/* The target, or NULL when FM_TARGET_NAME is not one (plain mutation). */
static const struct fm_target *fm_lf_target(void)
{
	static struct fm_target t;
	static int state; /* 0 unknown, 1 good, -1 bad */

	if (state == 0)
		state = fm_target_parse(&t, FM_TARGET_NAME) == 0 ? 1 : -1;
	return state > 0 ? &t : NULL;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max,
			       unsigned int seed)
{
	const struct fm_target *t = fm_lf_target();
	uint64_t rng = seed;

	if (t == NULL)
		return LLVMFuzzerMutate(data, size, max);
	return fm_mutate(t, data, size, max, &rng, LLVMFuzzerMutate);
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *a, size_t na, const uint8_t *b,
				 size_t nb, uint8_t *out, size_t max,
				 unsigned int seed)
{
	const struct fm_target *t = fm_lf_target();
	uint64_t rng = seed;
	size_t n = 0, ka, kb;

	if (t != NULL)
		n = fm_crossover(t, a, na, b, nb, out, max, &rng);
	if (n > 0)
		return n;
	/* a's head, b's tail (b's tail holds its choices) */
	ka = na ? (size_t)(fr_rng_next(&rng) % (na + 1)) : 0;
	kb = nb ? (size_t)(fr_rng_next(&rng) % (nb + 1)) : 0;
	if (ka > max)
		ka = max;
	if (nb - kb > max - ka)
		kb = nb - (max - ka);
	memcpy(out, a, ka);
	memcpy(out + ka, b + kb, nb - kb);
	return ka + nb - kb;
}
