/* fraglab Criterion helper: run a user's decoder over a stream whole and
 * under every split policy, and report the first policy whose frames,
 * errors or early stop differ from the whole-stream run. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcr_say.h"
#include "fraglab/criterion.h"
#include "framing/sched.h"

#define FCR_POLICY_LIST(X)                                                     \
	X("whole")                                                             \
	X("bytes")                                                             \
	X("fixed:2")                                                           \
	X("fixed:3")                                                           \
	X("fixed:7")                                                           \
	X("random:1-3")                                                        \
	X("random:1-16")                                                       \
	X("random:1-64")
#define FCR_AS_STR(s) s,
#define FCR_AS_PARAM(s) {s},

const char *const fcr_policies[] = {FCR_POLICY_LIST(FCR_AS_STR)};
const size_t fcr_npolicies = sizeof(fcr_policies) / sizeof(fcr_policies[0]);
const struct fcr_policy fcr_policy_params[] = {FCR_POLICY_LIST(FCR_AS_PARAM)};

enum { EV_FRAME, EV_ERROR };

struct fcr_event {
	int kind;
	int code;
	uint64_t off; /* error: stream offset; frame: start in out->bytes */
	size_t len;
};

struct fcr_out {
	struct fcr_event *ev;
	size_t nev, evcap;
	uint8_t *bytes;
	size_t nbytes, bcap;
	int stop; /* what feed or finish returned last */
	int oom;
};

uint64_t fcr_seed(void)
{
	const char *e = getenv("FRAGLAB_SEED");
	char *end;
	unsigned long long v;

	if (!e || !*e)
		return 1;
	errno = 0;
	v = strtoull(e, &end, 0);
	return errno || *end ? 1 : (uint64_t)v;
}

static struct fcr_event *push(struct fcr_out *o)
{
	if (o->nev == o->evcap) {
		size_t cap = o->evcap ? 2 * o->evcap : 16;
		struct fcr_event *p = realloc(o->ev, cap * sizeof(*p));

		if (!p) {
			o->oom = 1;
			return NULL;
		}
		o->ev = p;
		o->evcap = cap;
	}
	return &o->ev[o->nev++];
}

int fcr_frame(struct fcr_out *o, const void *data, size_t len)
{
	struct fcr_event *e;

	if (o->nbytes + len > o->bcap) {
		size_t cap = o->bcap ? o->bcap : 256;
		uint8_t *p;

		while (cap < o->nbytes + len)
			cap *= 2;
		p = realloc(o->bytes, cap);
		if (!p) {
			o->oom = 1;
			return -ENOMEM;
		}
		o->bytes = p;
		o->bcap = cap;
	}
	e = push(o);
	if (!e)
		return -ENOMEM;
	e->kind = EV_FRAME;
	e->code = 0;
	e->off = o->nbytes;
	e->len = len;
	if (len)
		memcpy(o->bytes + o->nbytes, data, len);
	o->nbytes += len;
	return 0;
}

int fcr_error(struct fcr_out *o, int code, uint64_t offset)
{
	struct fcr_event *e = push(o);

	if (!e)
		return -ENOMEM;
	e->kind = EV_ERROR;
	e->code = code;
	e->off = offset;
	e->len = 0;
	return 0;
}

static void out_clear(struct fcr_out *o)
{
	o->nev = 0;
	o->nbytes = 0;
	o->stop = 0;
	o->oom = 0;
}

/* One run: the stream cut by s (NULL: whole) into o. */
static int run(const struct fcr_decoder *dec, const uint8_t *stream, size_t len,
	       const struct fr_sched *s, struct fcr_out *o)
{
	struct fr_sched_iter it;
	void *st = dec->open ? dec->open(dec->arg) : dec->arg;
	size_t pos = 0;
	int rc = 0;

	if (dec->open && !st)
		return -EINVAL;
	out_clear(o);
	if (s)
		fr_sched_begin(&it, s, 0);
	while (pos < len && rc == 0) {
		size_t n = s ? fr_sched_next(&it) : len - pos;

		if (n > len - pos)
			n = len - pos;
		rc = dec->feed(st, stream + pos, n, o);
		pos += n;
	}
	if (rc == 0 && dec->finish)
		rc = dec->finish(st, o);
	o->stop = rc;
	if (dec->close)
		dec->close(st);
	return o->oom ? -ENOMEM : 0;
}

/* What event i of o is, in words. */
static void describe(const struct fcr_out *o, size_t i, char *buf, size_t n)
{
	const struct fcr_event *e = &o->ev[i];
	size_t k, w = 0;

	if (e->kind == EV_ERROR) {
		snprintf(buf, n, "error %d at offset %" PRIu64, e->code,
			 e->off);
		return;
	}
	w = (size_t)snprintf(buf, n, "frame of %zu bytes \"", e->len);
	for (k = 0; k < e->len && k < 16 && w + 5 < n; k++) {
		uint8_t c = o->bytes[e->off + k];

		w += (size_t)snprintf(
		    buf + w, n - w,
		    c >= 0x20 && c < 0x7f && c != '"' ? "%c" : "\\x%02x", c);
	}
	snprintf(buf + w, n > w ? n - w : 0, "%s\"", k < e->len ? "..." : "");
}

static bool same_event(const struct fcr_out *a, size_t i,
		       const struct fcr_out *b)
{
	const struct fcr_event *x = &a->ev[i], *y = &b->ev[i];

	if (x->kind != y->kind || x->len != y->len)
		return false;
	if (x->kind == EV_ERROR)
		return x->code == y->code && x->off == y->off;
	return memcmp(a->bytes + x->off, b->bytes + y->off, x->len) == 0;
}

/* 0 when got matches ref, else 1 with the difference in why. */
static int compare(const struct fcr_out *ref, const struct fcr_out *got,
		   char *why, size_t n)
{
	char a[128], b[128];
	size_t i;

	for (i = 0; i < ref->nev && i < got->nev; i++) {
		if (same_event(ref, i, got))
			continue;
		describe(got, i, a, sizeof(a));
		describe(ref, i, b, sizeof(b));
		snprintf(why, n,
			 "item %zu is a %s where the whole stream gave a %s", i,
			 a, b);
		return 1;
	}
	if (i < ref->nev) {
		describe(ref, i, b, sizeof(b));
		snprintf(why, n, "%zu items instead of %zu: missing a %s",
			 got->nev, ref->nev, b);
		return 1;
	}
	if (i < got->nev) {
		describe(got, i, a, sizeof(a));
		snprintf(why, n, "%zu items instead of %zu: an extra %s",
			 got->nev, ref->nev, a);
		return 1;
	}
	if (ref->stop != got->stop) {
		snprintf(why, n,
			 "the decoder returned %d where the whole "
			 "stream gave %d",
			 got->stop, ref->stop);
		return 1;
	}
	return 0;
}

/* Run one policy (already seeded); 0, 1 (broken, msg set) or -errno. */
static int check_one(const struct fcr_decoder *dec, const uint8_t *stream,
		     size_t len, struct fr_sched *s, uint64_t seed,
		     const struct fcr_out *ref, struct fcr_out *got, char *msg,
		     size_t msglen)
{
	char why[320], name[FR_SCHED_STRLEN];
	int rc = run(dec, stream, len, s, got);

	if (rc)
		return fcr_say(msg, msglen, rc, "decoder run failed: %s",
			       strerror(-rc));
	if (!compare(ref, got, why, sizeof(why)))
		return 0;
	fr_sched_format(s, name, sizeof(name));
	return fcr_say(msg, msglen, 1,
		       "chunk invariance broken under split policy '%s' (seed "
		       "%" PRIu64 "; FRAGLAB_SEED=%" PRIu64 " reproduces): %s",
		       name, seed, seed, why);
}

int fcr_check_invariance(const struct fcr_decoder *dec, const void *stream,
			 size_t len, const struct fcr_opts *opts, char *msg,
			 size_t msglen)
{
	static const struct fcr_opts none;
	const struct fcr_opts *o = opts ? opts : &none;
	const char *const *pol = o->policies ? o->policies : fcr_policies;
	size_t npol = o->policies ? o->npolicies : fcr_npolicies;
	uint64_t seed = o->seed ? o->seed : fcr_seed();
	unsigned nseeds = o->seeds ? o->seeds : 8;
	size_t two_way = o->two_way ? o->two_way : 1024;
	struct fcr_out ref = {0}, got = {0};
	char err[FR_SCHED_STRLEN];
	int rc;

	fcr_say(msg, msglen, 0, "chunk invariant");
	if (!dec || !dec->feed || (!stream && len))
		return fcr_say(msg, msglen, -EINVAL, "no decoder or no stream");
	rc = run(dec, stream, len, NULL, &ref);
	if (rc) {
		rc = fcr_say(msg, msglen, rc, "decoder run failed: %s",
			     strerror(-rc));
		goto out;
	}
	for (size_t i = 0; i < npol && rc == 0; i++) {
		struct fr_sched s;
		bool seeded;

		if (fr_sched_parse(&s, pol[i], err, sizeof(err)) < 0) {
			rc = fcr_say(msg, msglen, -EINVAL,
				     "bad split policy: %s", err);
			break;
		}
		seeded = s.kind == FR_SCHED_RANDOM && !s.seed_set;
		for (unsigned k = 0; k < (seeded ? nseeds : 1) && !rc; k++) {
			if (seeded) {
				s.seed = seed + k;
				s.seed_set = true;
			}
			rc = check_one(dec, stream, len, &s,
				       seeded ? s.seed : seed, &ref, &got, msg,
				       msglen);
		}
		fr_sched_free(&s);
	}
	for (size_t k = 1; k < len && len <= two_way && rc == 0; k++) {
		struct fr_sched s;
		char txt[32];

		snprintf(txt, sizeof(txt), "list:%zu", k);
		if (fr_sched_parse(&s, txt, err, sizeof(err)) < 0) {
			rc = fcr_say(msg, msglen, -EINVAL, "list:%zu: %s", k,
				     err);
			break;
		}
		rc = check_one(dec, stream, len, &s, seed, &ref, &got, msg,
			       msglen);
		fr_sched_free(&s);
	}
out:
	free(ref.ev);
	free(ref.bytes);
	free(got.ev);
	free(got.bytes);
	return rc;
}
