/* Criterion suite: every installed fraglab program answers --version with
 * one line "NAME VERSION" on stdout and exit 0, and lists it in --help. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "fraglab/version.h"
#include "run_util.h"

/* The programs cmake/FraglabInstall.cmake installs. */
static const char *const tools[] = {"framecat",	   "echod",	"udp-echod",
				    "echo-client", "fragproxy", "fragtest",
				    "pop3d",	   "fragshim"};
#define NTOOLS (sizeof(tools) / sizeof(tools[0]))

static struct run_result run1(const char *name, const char *arg)
{
	char *argv[] = {(char *)run_tool_path(name), (char *)arg, NULL};
	struct run_result r;

	cr_assert_eq(run_prog(argv, "", 0, &r), 0, "cannot run %s", argv[0]);
	cr_assert_neq(r.status, 127, "cannot exec %s", argv[0]);
	return r;
}

Test(version, every_tool_prints_name_and_version)
{
	for (size_t i = 0; i < NTOOLS; i++) {
		char want[128];
		struct run_result r = run1(tools[i], "--version");

		snprintf(want, sizeof(want), "%s %s\n", tools[i],
			 FRAGLAB_VERSION);
		cr_expect_eq(r.status, 0, "%s --version: exit %d", tools[i],
			     r.status);
		cr_expect_str_eq(r.out, want, "%s --version printed '%s'",
				 tools[i], r.out);
		cr_expect_eq(r.err_len, 0, "%s --version wrote to stderr: %s",
			     tools[i], r.err);
		run_free(&r);
	}
}

Test(version, every_help_lists_version)
{
	for (size_t i = 0; i < NTOOLS; i++) {
		struct run_result r = run1(tools[i], "--help");

		cr_expect_eq(r.status, 0, "%s --help: exit %d", tools[i],
			     r.status);
		cr_expect_neq(strstr(r.out, "--version"), NULL,
			      "%s --help does not list --version", tools[i]);
		run_free(&r);
	}
}

Test(version, version_is_dotted_numbers)
{
	unsigned a, b, c;
	char end;

	cr_assert_eq(sscanf(FRAGLAB_VERSION, "%u.%u.%u%c", &a, &b, &c, &end), 3,
		     "FRAGLAB_VERSION '%s' is not N.N.N", FRAGLAB_VERSION);
	cr_expect_eq(a, FRAGLAB_VERSION_MAJOR);
	cr_expect_eq(b, FRAGLAB_VERSION_MINOR);
	cr_expect_eq(c, FRAGLAB_VERSION_PATCH);
}
