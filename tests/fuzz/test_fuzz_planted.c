/* Proof that the split-target shape finds boundary bugs: libFuzzer, seeded,
 * must crash planted_len2be (a len:2be decoder that mis-assembles a length
 * field split across chunks) within a bounded number of runs, and must
 * not crash planted_len2be_fixed in the same runs. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run_util.h"

#define PLANTED_RUNS 50000

/* Run the fuzzer in a fresh temp dir; returns its exit status and leaves
 * its output in log (and any crash file in dir). */
static int run_planted(const char *name, char *dir, char *log, size_t len)
{
	char cmd[8192];
	FILE *f;
	size_t n;
	int st;

	cr_assert_not_null(mkdtemp(dir), "mkdtemp failed");
	snprintf(cmd, sizeof(cmd),
		 "cd %s && %s -runs=%d -seed=1 -max_len=256 "
		 "-artifact_prefix=%s/ > %s/out.txt 2>&1",
		 dir, run_tool_path(name), PLANTED_RUNS, dir, dir);
	st = system(cmd);
	cr_assert(st != -1 && WIFEXITED(st), "could not run %s", name);
	snprintf(cmd, sizeof(cmd), "%s/out.txt", dir);
	f = fopen(cmd, "r");
	cr_assert_not_null(f, "no output from %s", name);
	n = fread(log, 1, len - 1, f);
	log[n] = '\0';
	fclose(f);
	return WEXITSTATUS(st);
}

static void cleanup(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(fuzz_planted, libfuzzer_finds_split_length_bug, .timeout = 240)
{
	char dir[] = "/tmp/fraglab-planted-XXXXXX";
	static char log[1 << 16];
	char cmd[600];
	int rc = run_planted("planted_len2be", dir, log, sizeof(log));

	cr_expect_neq(rc, 0,
		      "libFuzzer did not find the planted bug in %d "
		      "runs:\n%s",
		      PLANTED_RUNS, log);
	cr_expect_not_null(
	    strstr(log, "frames differ between whole and split (planted)"),
	    "the crash is not the planted invariant:\n%s", log);
	snprintf(cmd, sizeof(cmd), "ls %s/crash-* >/dev/null 2>&1", dir);
	cr_expect_eq(system(cmd), 0, "no crash-* file written");
	cleanup(dir);
}

Test(fuzz_planted, fixed_decoder_survives_same_runs, .timeout = 240)
{
	char dir[] = "/tmp/fraglab-planted-XXXXXX";
	static char log[1 << 16];
	int rc = run_planted("planted_len2be_fixed", dir, log, sizeof(log));

	cr_expect_eq(rc, 0, "the fixed decoder crashed:\n%s", log);
	cr_expect_not_null(strstr(log, "Done"), "libFuzzer did not finish:\n%s",
			   log);
	cleanup(dir);
}
