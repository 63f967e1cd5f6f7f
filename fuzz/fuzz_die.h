/* How a fuzz target fails: one noinline function per broken invariant
 * (FZ_FAIL, FZ_FAIL_W define them), each calling fz_die, which names the
 * invariant and the input's context and aborts. Distinct functions keep
 * distinct stacks, so crashes of different invariants do not merge in
 * triage. Plain C without libframing: the planted target uses it too. */
#ifndef FRAGLAB_FUZZ_DIE_H
#define FRAGLAB_FUZZ_DIE_H

#include <stdio.h>

#define FZ_NOINLINE __attribute__((noinline))

/* The context every failure names: the spec and split text of the input
 * (fz_begin sets them; NULL: not printed) and, if set, a target's own
 * fields printed by fz_ctx_more (" key=value" each). */
extern const char *fz_ctx_spec, *fz_ctx_sched;
extern void (*fz_ctx_more)(FILE *f);

/* "fuzz: WHAT (DETAIL) spec=S split=P ..." on stderr, then abort(). */
FZ_NOINLINE __attribute__((noreturn)) void fz_die(const char *what,
						  const char *detail);

/* p, or abort() when it is NULL: running out of memory is not a finding
 * worth keeping. For cm_grow and other allocations of the targets. */
void *fz_must(void *p);

/* static void fn(void) failing with what (detail), and static void
 * fn(const char *w) failing with what (w). */
#define FZ_FAIL(fn, what, detail)                                              \
	static FZ_NOINLINE void fn(void)                                       \
	{                                                                      \
		fz_die(what, detail);                                          \
	}
#define FZ_FAIL_W(fn, what)                                                    \
	static FZ_NOINLINE void fn(const char *w)                              \
	{                                                                      \
		fz_die(what, w);                                               \
	}

#endif
