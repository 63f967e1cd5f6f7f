/* spec_parse: fr_spec_parse on arbitrary text must not crash, leak or hit
 * UB; a spec it accepts must format canonically and parse back equal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "framing/framing.h"
#include "fuzz_die.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The spec text is the context: the detail of every failure. */
static FZ_NOINLINE void fz_fail_spec(const char *what, const char *text)
{
	fz_die(what, text);
}

static void fz_check_accepted(const struct fr_spec *spec, const char *text)
{
	char canon[FR_SPEC_STRLEN], err[128];
	struct fr_spec again;
	int n = fr_spec_format(spec, canon, sizeof(canon));

	if (n < 0 || (size_t)n >= sizeof(canon))
		fz_fail_spec("canonical text longer than FR_SPEC_STRLEN", text);
	if (fr_spec_parse(&again, canon, err, sizeof(err)) != FR_OK)
		fz_fail_spec("canonical text does not parse", canon);
	if (!fr_spec_equal(spec, &again))
		fz_fail_spec("canonical text parses to another spec", canon);
	if (spec->max > FR_MAX_LIMIT)
		fz_fail_spec("max above FR_MAX_LIMIT", text);
	if (spec->kind == FR_FIXED &&
	    (spec->fixed == 0 || spec->fixed > spec->max))
		fz_fail_spec("fixed size outside 1..max", text);
	if (spec->delim_len > FR_DELIM_MAX)
		fz_fail_spec("delimiter longer than FR_DELIM_MAX", text);
	(void)fr_decoder_bufsize(spec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	char err[64];
	struct fr_spec spec;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(err, 'x', sizeof(err));
	if (fr_spec_parse(&spec, text, err, sizeof(err)) == FR_OK)
		fz_check_accepted(&spec, text);
	else if (memchr(err, '\0', sizeof(err)) == NULL)
		fz_fail_spec("error message not NUL-terminated", text);
	free(text);
	return 0;
}
