/* The reference decoder against the fast one on one whole stream, for
 * test_ref and test_ref_proto. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_util.h"
#include "ref_vs_fast.h"

char *ref_vs_fast(const struct fr_spec *spec, const char *name,
		  const uint8_t *stream, size_t len, struct ref_result *r)
{
	struct du_events ev;
	char *fast, *ref, *why = NULL;

	du_decode(spec, stream, len, NULL, 0, 0, &ev);
	fast = spec->kind == FR_RAW ? du_events_concat_str(&ev)
				    : du_events_str(&ev);
	cr_assert_eq(ref_decode(spec, stream, len, r), 0);
	ref = ref_result_str(spec, r);
	if (strcmp(fast, ref) != 0) {
		char *hex = du_hex(stream, len);

		cr_assert(asprintf(&why, "%s, stream %s:\n fast %s\n  ref %s",
				   name, hex, fast, ref) >= 0);
		free(hex);
	}
	free(fast);
	free(ref);
	du_events_free(&ev);
	return why;
}
