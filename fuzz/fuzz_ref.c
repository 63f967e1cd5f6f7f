/* The second oracle's hook: decode the stream with the reference decoder
 * (fuzz/ref) and abort, from its own function and with the first event
 * that differs, unless the fast decoder's whole-stream log is the same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "ref.h"

#define FZ_NOINLINE __attribute__((noinline))

static struct ref_result fz_ref;

static FZ_NOINLINE void fz_fail_reference_mismatch(size_t i, const char *what,
						   const char *fast,
						   const char *ref)
{
	fprintf(stderr,
		"fuzz: fast decoder differs from the reference (%s at event "
		"%zu: fast %s, reference %s) spec=%s split=%s\n",
		what, i, fast, ref, fz_ctx_spec, fz_ctx_sched);
	fflush(stderr);
	abort();
}

static void fz_ev_text(char *buf, size_t len, int kind, int code, uint64_t off,
		       size_t flen)
{
	if (kind == FZ_EV_FRAME)
		snprintf(buf, len, "frame@%llu len %zu",
			 (unsigned long long)off, flen);
	else if (kind == FZ_EV_ERROR)
		snprintf(buf, len, "%s@%llu", fr_errname(code),
			 (unsigned long long)off);
	else if (kind == FZ_EV_FINISH)
		snprintf(buf, len, "finish %s@%llu",
			 code == FR_DONE ? "DONE" : fr_errname(code),
			 (unsigned long long)off);
	else
		snprintf(buf, len, "nothing");
}

static FZ_NOINLINE void fz_ref_differs(const struct fz_log *fast,
				       const struct ref_result *ref, size_t i,
				       const char *what)
{
	char a[96], b[96];

	if (i < fast->n)
		fz_ev_text(a, sizeof(a), (int)fast->ev[i].kind,
			   fast->ev[i].code, fast->ev[i].off, fast->ev[i].len);
	else
		fz_ev_text(a, sizeof(a), 0, 0, 0, 0);
	if (i < ref->n)
		fz_ev_text(b, sizeof(b), (int)ref->ev[i].kind, ref->ev[i].code,
			   ref->ev[i].off, ref->ev[i].len);
	else
		fz_ev_text(b, sizeof(b), 0, 0, 0, 0);
	fz_fail_reference_mismatch(i, what, a, b);
}

/* raw: only the concatenation of the frames, and the finish, count. */
static void fz_ref_raw(const struct fz_log *fast, const struct ref_result *ref)
{
	if (fast->nb != ref->nb ||
	    (ref->nb > 0 && memcmp(fast->bytes, ref->bytes, ref->nb) != 0))
		fz_ref_differs(fast, ref, 0, "raw bytes");
	if (fast->n != 1 || fast->ev[0].kind != FZ_EV_FINISH ||
	    fast->ev[0].code != ref->ev[ref->n - 1].code)
		fz_ref_differs(fast, ref, 0, "raw finish");
}

void fz_check_reference(const struct fr_spec *spec, const uint8_t *stream,
			size_t len, const struct fz_log *fast)
{
	size_t ri = 0;

	if (!ref_knows(spec))
		return;
	if (ref_decode(spec, stream, len, &fz_ref) != 0)
		abort(); /* out of memory is not a finding */
	if (spec->kind == FR_RAW) {
		fz_ref_raw(fast, &fz_ref);
		return;
	}
	for (size_t i = 0; i < fast->n || ri < fz_ref.n; i++, ri++) {
		const struct fz_ev *x = i < fast->n ? &fast->ev[i] : NULL;
		const struct ref_ev *y = ri < fz_ref.n ? &fz_ref.ev[ri] : NULL;

		if (x == NULL || y == NULL)
			fz_ref_differs(fast, &fz_ref, i, "event count");
		if ((int)x->kind != (int)y->kind)
			fz_ref_differs(fast, &fz_ref, i, "event kind");
		if (x->off != y->off)
			fz_ref_differs(fast, &fz_ref, i, "offset");
		if (x->kind != FZ_EV_FRAME && x->code != y->code)
			fz_ref_differs(fast, &fz_ref, i, "code");
		if (x->kind == FZ_EV_ERROR &&
		    fr_error_is_fatal(spec, x->code) != y->fatal)
			fz_ref_differs(fast, &fz_ref, i, "fatal or not");
		if (x->kind == FZ_EV_FRAME &&
		    (x->len != y->len ||
		     (x->len > 0 && memcmp(fast->bytes + x->at,
					   fz_ref.bytes + y->at, x->len) != 0)))
			fz_ref_differs(fast, &fz_ref, i, "frame bytes");
	}
}
