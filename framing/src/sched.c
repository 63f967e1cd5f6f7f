/* Split schedules: parser, formatter and the chunk-size iterator shared by
 * tests, fuzzers, fragproxy and fragtest; plus the splitmix64 PRNG. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "framing/error.h"
#include "framing/sched.h"
#include "parse_util.h"

#define FR_LIST_MAX ((size_t)1 << 24) /* entries in a list schedule */

const char fr_sched_help[] =
    "Split schedules (how a stream is cut into chunks):\n"
    "  whole                 no re-cutting (alias: none)\n"
    "  fixed:N               chunks of N bytes\n"
    "  bytes                 one byte per chunk (same as fixed:1)\n"
    "  random:MIN-MAX[,seed=S]\n"
    "                        sizes uniform in MIN..MAX from seed S; the"
    " same seed\n"
    "                        gives the same cuts at the same stream"
    " offsets\n"
    "  list:A,B,C[,repeat]   exactly these sizes, then the rest in one"
    " chunk\n"
    "                        (or start over with repeat)\n"
    "  file:PATH             sizes read from PATH (white space or commas,"
    " # comments)\n"
    "  coalesce:BYTES[,ms=T] join data into chunks of BYTES (a proxy also"
    " flushes\n"
    "                        after T ms)\n";

uint64_t fr_rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t fr_rng_range(uint64_t *state, uint64_t lo, uint64_t hi)
{
	if (hi <= lo)
		return lo;
	uint64_t span = hi - lo + 1;
	if (span == 0) /* full 64-bit range */
		return fr_rng_next(state);
	/* rejection sampling: no modulo bias */
	uint64_t limit = UINT64_MAX - UINT64_MAX % span;
	uint64_t r;
	do {
		r = fr_rng_next(state);
	} while (r >= limit);
	return lo + r % span;
}

uint64_t fr_rng_seed(uint64_t seed, uint64_t stream)
{
	uint64_t s = seed ^ 0x6a09e667f3bcc909ULL;
	uint64_t t = stream + 0x3c6ef372fe94f82bULL;

	return fr_rng_next(&s) ^ fr_rng_next(&t);
}

static int list_push(struct fr_sched *s, size_t *cap, uint64_t v, char *err,
		     size_t errlen)
{
	if (v == 0 || v > SIZE_MAX / 2)
		return fr_serr(err, errlen,
			       "list: chunk size %" PRIu64 " out of range", v);
	if (s->list_len == FR_LIST_MAX)
		return fr_serr(err, errlen, "list: more than %zu sizes",
			       FR_LIST_MAX);
	if (s->list_len == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		size_t *n = realloc(s->list, ncap * sizeof(*n));
		if (!n)
			return fr_serr(err, errlen, "list: out of memory");
		s->list = n;
		*cap = ncap;
	}
	s->list[s->list_len++] = (size_t)v;
	return FR_OK;
}

/* Comma-separated sizes, optionally ending in "repeat". */
static int parse_list(struct fr_sched *s, char *arg, char *err, size_t errlen)
{
	size_t cap = 0;
	char *save = NULL;
	size_t n = strlen(arg);

	if (strstr(arg, ",,") || arg[0] == ',' || (n && arg[n - 1] == ','))
		return fr_serr(err, errlen, "list: empty entry in '%s'", arg);
	for (char *t = strtok_r(arg, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		uint64_t v;
		if (strcmp(t, "repeat") == 0 && !s->list_repeat) {
			s->list_repeat = true;
			continue;
		}
		if (s->list_repeat)
			return fr_serr(err, errlen,
				       "list: 'repeat' must come last");
		if (fr_parse_u64(t, &v))
			return fr_serr(err, errlen,
				       "list: '%s' is not a chunk size", t);
		int rc = list_push(s, &cap, v, err, errlen);
		if (rc)
			return rc;
	}
	if (s->list_len == 0)
		return fr_serr(err, errlen, "list: needs at least one size");
	return FR_OK;
}

static int parse_file(struct fr_sched *s, const char *path, char *err,
		      size_t errlen)
{
	FILE *f = fopen(path, "r");
	size_t cap = 0;
	char tok[32];
	size_t tl = 0;
	int c, rc = FR_OK;
	bool comment = false;

	if (!f)
		return fr_serr(err, errlen, "file:%s: %s", path,
			       strerror(errno));
	for (;;) {
		c = fgetc(f);
		if (c == '#')
			comment = true;
		bool sep = c == EOF || c == ',' || c == ' ' || c == '\t' ||
			   c == '\n' || c == '\r' || comment;
		if (!sep) {
			if (tl + 1 >= sizeof(tok)) {
				rc = fr_serr(err, errlen,
					     "file:%s: token too long", path);
				break;
			}
			tok[tl++] = (char)c;
			continue;
		}
		if (tl) {
			uint64_t v;
			tok[tl] = '\0';
			tl = 0;
			if (fr_parse_u64(tok, &v)) {
				rc =
				    fr_serr(err, errlen,
					    "file:%s: '%s' is not a chunk size",
					    path, tok);
				break;
			}
			rc = list_push(s, &cap, v, err, errlen);
			if (rc)
				break;
		}
		if (c == '\n')
			comment = false;
		if (c == EOF)
			break;
	}
	fclose(f);
	if (rc == FR_OK && s->list_len == 0)
		rc = fr_serr(err, errlen, "file:%s: no chunk sizes", path);
	return rc;
}

static int parse_size(const char *what, const char *t, size_t *out, char *err,
		      size_t errlen)
{
	uint64_t v;

	if (fr_parse_u64(t, &v) || v == 0 || v > SIZE_MAX / 2)
		return fr_serr(err, errlen,
			       "%s: '%s' is not a size from 1 to %zu", what, t,
			       SIZE_MAX / 2);
	*out = (size_t)v;
	return FR_OK;
}

static int parse_random(struct fr_sched *s, char *arg, char *err, size_t errlen)
{
	char *opts = strchr(arg, ',');
	char *dash;
	int rc;

	if (opts)
		*opts++ = '\0';
	dash = strchr(arg, '-');
	if (!dash)
		return fr_serr(err, errlen, "random:'%s': expected MIN-MAX",
			       arg);
	*dash = '\0';
	rc = parse_size("random MIN", arg, &s->min, err, errlen);
	if (rc == FR_OK)
		rc = parse_size("random MAX", dash + 1, &s->max, err, errlen);
	if (rc)
		return rc;
	if (s->min > s->max)
		return fr_serr(err, errlen, "random:%zu-%zu: MIN exceeds MAX",
			       s->min, s->max);
	if (!opts)
		return FR_OK;
	if (strncmp(opts, "seed=", 5) != 0 || fr_parse_u64(opts + 5, &s->seed))
		return fr_serr(err, errlen,
			       "random: option '%s' (expected seed=N)", opts);
	s->seed_set = true;
	return FR_OK;
}

static int parse_coalesce(struct fr_sched *s, char *arg, char *err,
			  size_t errlen)
{
	char *opts = strchr(arg, ',');
	uint64_t ms;
	int rc;

	if (opts)
		*opts++ = '\0';
	rc = parse_size("coalesce", arg, &s->n, err, errlen);
	if (rc || !opts)
		return rc;
	if (strncmp(opts, "ms=", 3) != 0 || fr_parse_u64(opts + 3, &ms) ||
	    ms > 3600000)
		return fr_serr(err, errlen,
			       "coalesce: option '%s' (expected ms=0..3600000)",
			       opts);
	s->ms = (unsigned)ms;
	return FR_OK;
}

static int parse_body(struct fr_sched *s, char *name, char *arg, char *err,
		      size_t errlen)
{
	bool noarg = strcmp(name, "whole") == 0 || strcmp(name, "none") == 0 ||
		     strcmp(name, "bytes") == 0;

	if (noarg) {
		if (arg)
			return fr_serr(err, errlen,
				       "'%s' takes no argument (got ':%s')",
				       name, arg);
		s->kind = name[0] == 'b' ? FR_SCHED_BYTES : FR_SCHED_WHOLE;
		s->n = 1;
		return FR_OK;
	}
	if (strcmp(name, "fixed") && strcmp(name, "random") &&
	    strcmp(name, "list") && strcmp(name, "file") &&
	    strcmp(name, "coalesce"))
		return fr_serr(err, errlen,
			       "unknown schedule '%s' (expected whole, fixed,"
			       " bytes, random, list, file or coalesce)",
			       name);
	if (!arg || !*arg)
		return fr_serr(err, errlen, "'%s' needs an argument: %s:...",
			       name, name);
	switch (name[0]) {
	case 'f':
		if (name[1] == 'i' && name[2] == 'x') {
			s->kind = FR_SCHED_FIXED;
			return parse_size("fixed", arg, &s->n, err, errlen);
		}
		s->kind = FR_SCHED_LIST;
		return parse_file(s, arg, err, errlen);
	case 'r':
		s->kind = FR_SCHED_RANDOM;
		return parse_random(s, arg, err, errlen);
	case 'l':
		s->kind = FR_SCHED_LIST;
		return parse_list(s, arg, err, errlen);
	default:
		s->kind = FR_SCHED_COALESCE;
		return parse_coalesce(s, arg, err, errlen);
	}
}

int fr_sched_parse(struct fr_sched *out, const char *text, char *err,
		   size_t errlen)
{
	struct fr_sched s;
	char *buf, *arg;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!out || !text || !*text)
		return fr_serr(err, errlen, "empty schedule");
	memset(&s, 0, sizeof(s));
	buf = strdup(text);
	if (!buf)
		return fr_serr(err, errlen, "out of memory");
	arg = strchr(buf, ':');
	if (arg)
		*arg++ = '\0';
	rc = parse_body(&s, buf, arg, err, errlen);
	free(buf);
	if (rc) {
		fr_sched_free(&s);
		return rc;
	}
	*out = s;
	return FR_OK;
}

int fr_sched_format(const struct fr_sched *s, char *buf, size_t len)
{
	size_t o;
	int n;

	switch (s->kind) {
	case FR_SCHED_WHOLE:
		return snprintf(buf, len, "whole");
	case FR_SCHED_FIXED:
		return snprintf(buf, len, "fixed:%zu", s->n);
	case FR_SCHED_BYTES:
		return snprintf(buf, len, "bytes");
	case FR_SCHED_RANDOM:
		if (!s->seed_set)
			return snprintf(buf, len, "random:%zu-%zu", s->min,
					s->max);
		return snprintf(buf, len, "random:%zu-%zu,seed=%" PRIu64,
				s->min, s->max, s->seed);
	case FR_SCHED_COALESCE:
		if (!s->ms)
			return snprintf(buf, len, "coalesce:%zu", s->n);
		return snprintf(buf, len, "coalesce:%zu,ms=%u", s->n, s->ms);
	case FR_SCHED_LIST:
		break;
	default:
		return snprintf(buf, len, "?");
	}
	n = snprintf(buf, len, "list:");
	o = (size_t)n;
	for (size_t i = 0; i < s->list_len; i++) {
		char *dst = o < len ? buf + o : NULL;
		n = snprintf(dst, dst ? len - o : 0, "%s%zu", i ? "," : "",
			     s->list[i]);
		o += (size_t)n;
	}
	if (s->list_repeat) {
		char *dst = o < len ? buf + o : NULL;
		o += (size_t)snprintf(dst, dst ? len - o : 0, ",repeat");
	}
	return (int)(o > INT32_MAX ? INT32_MAX : o);
}

int fr_sched_copy(struct fr_sched *dst, const struct fr_sched *src)
{
	*dst = *src;
	if (!src->list_len)
		return FR_OK;
	dst->list = malloc(src->list_len * sizeof(*dst->list));
	if (!dst->list) {
		dst->list_len = 0;
		return FR_ENOMEM;
	}
	memcpy(dst->list, src->list, src->list_len * sizeof(*dst->list));
	return FR_OK;
}

void fr_sched_free(struct fr_sched *s)
{
	free(s->list);
	s->list = NULL;
	s->list_len = 0;
}

void fr_sched_begin(struct fr_sched_iter *it, const struct fr_sched *s,
		    uint64_t stream_id)
{
	it->s = s;
	it->idx = 0;
	it->rng = fr_rng_seed(s->seed, stream_id);
}

size_t fr_sched_next(struct fr_sched_iter *it)
{
	const struct fr_sched *s = it->s;

	switch (s->kind) {
	case FR_SCHED_FIXED:
	case FR_SCHED_COALESCE:
		return s->n;
	case FR_SCHED_BYTES:
		return 1;
	case FR_SCHED_RANDOM:
		return (size_t)fr_rng_range(&it->rng, s->min, s->max);
	case FR_SCHED_LIST:
		if (it->idx == s->list_len) {
			if (!s->list_repeat)
				return FR_CHUNK_REST;
			it->idx = 0;
		}
		return s->list[it->idx++];
	default:
		return FR_CHUNK_REST;
	}
}

bool fr_sched_equal(const struct fr_sched *a, const struct fr_sched *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case FR_SCHED_FIXED:
		return a->n == b->n;
	case FR_SCHED_RANDOM:
		return a->min == b->min && a->max == b->max &&
		       a->seed_set == b->seed_set &&
		       (!a->seed_set || a->seed == b->seed);
	case FR_SCHED_LIST:
		return a->list_len == b->list_len &&
		       a->list_repeat == b->list_repeat &&
		       (a->list_len == 0 ||
			memcmp(a->list, b->list,
			       a->list_len * sizeof(size_t)) == 0);
	case FR_SCHED_COALESCE:
		return a->n == b->n && a->ms == b->ms;
	default:
		return true;
	}
}
