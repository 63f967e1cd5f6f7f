/* The input's choices, read from its end (the layout of fraglab's split
 * targets: fuzz/fuzz_input.h), the split schedule among them and the chunk
 * list it gives a stream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfz_int.h"

void sfz_choices_init(struct sfz_choices *c, const uint8_t *data, size_t size)
{
	memset(c, 0, offsetof(struct sfz_choices, rec));
	c->data = data;
	c->size = size;
}

uint32_t sfz_choose(struct sfz_choices *c, uint32_t lo, uint32_t hi)
{
	uint32_t v = sfz_choice_take(c->data, &c->size, lo, hi);

	if (hi < lo)
		hi = lo;
	if (c->record && c->nrec < SFZ_REC_MAX) {
		c->rec[c->nrec][0] = lo;
		c->rec[c->nrec][1] = hi;
		c->rec[c->nrec++][2] = v;
	}
	return v;
}

void sfz_read_schedule(struct sfz_choices *c)
{
	bool rec = c->record;

	if (c->sched_read)
		return;
	c->sched_read = true;
	c->record = false; /* --show prints the schedule on its own */
	c->mode = sfz_choose(c, 0, 2);
	switch (c->mode) {
	case 0:
		c->list_len = sfz_choose(c, 1, SFZ_LIST_MAX);
		for (uint32_t i = 0; i < c->list_len; i++)
			c->list[i] = sfz_choose(c, 1, 64);
		c->repeat = sfz_choose(c, 0, 1) == 1;
		break;
	case 1:
		c->n = sfz_choose(c, 1, 32);
		break;
	default:
		c->rmin = sfz_choose(c, 1, 16);
		c->rspan = sfz_choose(c, 0, 48);
		c->seed = sfz_choose(c, 0, UINT32_MAX);
		break;
	}
	c->record = rec;
}

void sfz_sched_text(const struct sfz_choices *c, char *buf, size_t len)
{
	size_t pos = 0;
	int k;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (c->mode == 0) {
		for (uint32_t i = 0; i < c->list_len && pos < len; i++) {
			k = snprintf(buf + pos, len - pos, "%s%u",
				     i ? "," : "list:", c->list[i]);
			pos += k > 0 ? (size_t)k : 0;
		}
		if (c->repeat && pos < len)
			snprintf(buf + pos, len - pos, ",repeat");
	} else if (c->mode == 1) {
		snprintf(buf, len, "fixed:%u", c->n);
	} else {
		snprintf(buf, len, "random:%u-%u,seed=%u", c->rmin,
			 c->rmin + c->rspan, c->seed);
	}
}

/* splitmix64, as fraglab's schedules use it (framing/sched.h), so a
 * random: schedule cuts where framecat --split and fragproxy cut. */
static uint64_t sfz_rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t sfz_rng_range(uint64_t *state, uint64_t lo, uint64_t hi)
{
	uint64_t span, limit, r;

	if (hi <= lo)
		return lo;
	span = hi - lo + 1;
	limit = UINT64_MAX - UINT64_MAX % span;
	do {
		r = sfz_rng_next(state);
	} while (r >= limit);
	return lo + r % span;
}

static uint64_t sfz_rng_seed(uint64_t seed, uint64_t stream)
{
	uint64_t s = seed ^ 0x6a09e667f3bcc909ULL;
	uint64_t t = stream + 0x3c6ef372fe94f82bULL;

	return sfz_rng_next(&s) ^ sfz_rng_next(&t);
}

ptrdiff_t sfz_chunks(const struct sfz_choices *c, size_t len, size_t **chunks,
		     size_t *cap)
{
	uint64_t rng = sfz_rng_seed(c->seed, 0);
	size_t left = len, k = 0, idx = 0;

	while (left > 0) {
		size_t n = left;

		if (c->mode == 1) {
			n = c->n;
		} else if (c->mode == 2) {
			n = (size_t)sfz_rng_range(&rng, c->rmin,
						  c->rmin + c->rspan);
		} else if (idx < c->list_len) {
			n = c->list[idx++];
			if (idx == c->list_len && c->repeat)
				idx = 0;
		}
		if (n > left)
			n = left;
		if (k == *cap) {
			size_t *g =
			    sfz_grow(*chunks, cap, k + 1, sizeof(**chunks));

			if (g == NULL)
				return -1;
			*chunks = g;
		}
		(*chunks)[k++] = n;
		left -= n;
	}
	return (ptrdiff_t)k;
}

int sfz_show(const struct sfz_target *t, const uint8_t *data, size_t size,
	     void *out)
{
	FILE *o = out;
	struct sfz_choices c;
	void *conf;
	size_t *chunks = NULL, cap = 0;
	ptrdiff_t n;
	char text[256];

	if (sfz_begin(t, &c, data, size, true, &conf) != 0) {
		fprintf(o,
			"target:   %s\nskipped:  configure refused "
			"the input's choices\n",
			t->name);
		return -1;
	}
	fprintf(o, "target:   %s\n", t->name);
	if (t->configure != NULL) {
		fprintf(o, "choices: ");
		for (size_t i = 0; i < c.nrec; i++)
			fprintf(o, " [%u..%u]=%u", c.rec[i][0], c.rec[i][1],
				c.rec[i][2]);
		fprintf(o, "%s\n", c.nrec == SFZ_REC_MAX ? " ..." : "");
	}
	if (sfz_describe(t, conf, text, sizeof(text)))
		fprintf(o, "conf:     %s\n", text);
	sfz_sched_text(&c, text, sizeof(text));
	fprintf(o, "schedule: %s\nstream:   %zu bytes\n", text, c.size);
	n = sfz_chunks(&c, c.size, &chunks, &cap);
	fprintf(o, "chunks:   ");
	for (ptrdiff_t i = 0; i < n; i++)
		fprintf(o, "%s%zu", i ? "," : "", chunks[i]);
	fprintf(o, "%s\n", n == 0 ? "(none: empty stream)" : "");
	free(chunks);
	sfz_end(t, conf);
	return 0;
}
