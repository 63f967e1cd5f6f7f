/* schedule_parse: fr_sched_parse on arbitrary text must not crash, leak
 * or hit UB; an accepted schedule formats, parses back equal and gives
 * chunks of at least one byte. file: inputs are skipped (no file I/O). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "framing/framing.h"
#include "fuzz_die.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The schedule text is the context: the detail of every failure. */
static FZ_NOINLINE void fz_fail_sched(const char *what, const char *text)
{
	fz_die(what, text);
}

static void fz_check_accepted(const struct fr_sched *s, const char *text)
{
	struct fr_sched again;
	struct fr_sched_iter it;
	char small[8], err[128];
	char *canon;
	int n = fr_sched_format(s, small, sizeof(small));

	if (n < 0)
		fz_fail_sched("format failed", text);
	canon = malloc((size_t)n + 1);
	if (canon == NULL)
		return;
	if (fr_sched_format(s, canon, (size_t)n + 1) != n)
		fz_fail_sched("format length unstable", text);
	if (fr_sched_parse(&again, canon, err, sizeof(err)) != FR_OK)
		fz_fail_sched("canonical text does not parse", canon);
	if (!fr_sched_equal(s, &again))
		fz_fail_sched("canonical text parses to another schedule",
			      canon);
	fr_sched_free(&again);
	free(canon);
	fr_sched_begin(&it, s, 7);
	for (int i = 0; i < 64; i++)
		if (fr_sched_next(&it) == 0)
			fz_fail_sched("zero-byte chunk", text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	char err[64];
	struct fr_sched s;

	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (strcasestr(text, "file") != NULL) {
		free(text);
		return 0;
	}
	memset(err, 'x', sizeof(err));
	if (fr_sched_parse(&s, text, err, sizeof(err)) == FR_OK) {
		fz_check_accepted(&s, text);
		fr_sched_free(&s);
	} else if (memchr(err, '\0', sizeof(err)) == NULL) {
		fz_fail_sched("error message not NUL-terminated", text);
	}
	free(text);
	return 0;
}
