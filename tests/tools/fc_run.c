/* Shared by the framecat suites: run framecat as a process (fc_run.h). */
#include <criterion/criterion.h>

#include "fc_run.h"

struct run_result fc_argv(const void *in, size_t len, const char *const *args)
{
	char *argv[16] = {(char *)run_tool_path("framecat")};
	struct run_result r;

	for (int i = 0; args[i] != NULL && i < 14; i++)
		argv[i + 1] = (char *)args[i];
	cr_assert_eq(run_prog(argv, in, len, &r), 0, "cannot run %s", argv[0]);
	cr_assert_neq(r.status, 127, "cannot exec %s", argv[0]);
	return r;
}
