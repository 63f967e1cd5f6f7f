/* fz_die and fz_must (fuzz_die.h): the one way a fuzz target aborts. */
#include <stdlib.h>

#include "fuzz_die.h"

const char *fz_ctx_spec, *fz_ctx_sched;
void (*fz_ctx_more)(FILE *f);

void fz_die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz: %s (%s)", what, detail);
	if (fz_ctx_spec != NULL)
		fprintf(stderr, " spec=%s", fz_ctx_spec);
	if (fz_ctx_sched != NULL)
		fprintf(stderr, " split=%s", fz_ctx_sched);
	if (fz_ctx_more != NULL)
		fz_ctx_more(stderr);
	fputc('\n', stderr);
	fflush(stderr);
	abort();
}

void *fz_must(void *p)
{
	if (p == NULL)
		abort();
	return p;
}
