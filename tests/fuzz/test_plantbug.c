/* The planted-bug set in CTest: plantbug_mut (one bug of
 * fuzz/planted/bugs.cmake, built with the structure-aware mutator) must
 * be found by libFuzzer from an empty corpus within a few seconds. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "run_util.h"

#define PB_RUNS 200000

Test(plantbug, mutator_finds_planted_bug_fast, .timeout = 120)
{
	char dir[] = "/tmp/fraglab-plantbug-XXXXXX";
	static char log[1 << 16];
	char cmd[8192];
	FILE *f;
	size_t n;
	int st;

	cr_assert_not_null(mkdtemp(dir), "mkdtemp failed");
	snprintf(cmd, sizeof(cmd),
		 "cd %s && mkdir corpus && %s -seed=1 -runs=%d "
		 "-max_total_time=60 -print_final_stats=1 "
		 "-artifact_prefix=%s/ corpus > out.txt 2>&1",
		 dir, run_tool_path("plantbug_mut"), PB_RUNS, dir);
	st = system(cmd);
	cr_assert(st != -1 && WIFEXITED(st), "could not run plantbug_mut");
	snprintf(cmd, sizeof(cmd), "%s/out.txt", dir);
	f = fopen(cmd, "r");
	cr_assert_not_null(f, "no output from plantbug_mut");
	n = fread(log, 1, sizeof(log) - 1, f);
	log[n] = '\0';
	fclose(f);
	cr_expect_neq(WEXITSTATUS(st), 0,
		      "the planted bug was not found in %d runs:\n%s", PB_RUNS,
		      log);
	/* split targets report through the splitfuzz harness, roundtrip
	 * and server targets through fuzz_die */
	cr_expect(strstr(log, "\nsplitfuzz: ") || strstr(log, "\nfuzz: "),
		  "the crash is not a fuzz invariant:\n%s", log);
	snprintf(cmd, sizeof(cmd), "ls %s/crash-* >/dev/null 2>&1", dir);
	cr_expect_eq(system(cmd), 0, "no crash-* file written");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}
