/* fraglab_splitfuzz_afl: the AFL++ persistent-mode driver, main() for a
 * fuzz target built with afl-cc (fraglab's own in the FRAGLAB_FUZZ=afl
 * build, and users'); __AFL_LOOP there, a plain single run elsewhere. Each test
 * case is copied into an exact-size heap buffer so ASan builds see reads past
 * its end. Outside afl-fuzz it runs once on stdin (or on each FILE argument).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sfz_int.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#ifndef __AFL_FUZZ_TESTCASE_LEN
/* Plain compiler: read stdin once, so the file still builds. */
static unsigned char afl_fallback[1 << 20];
static ssize_t afl_fallback_len;
#define __AFL_FUZZ_INIT() extern int afl_no_shared_memory
#define __AFL_INIT()                                                           \
	(afl_fallback_len = read(0, afl_fallback, sizeof(afl_fallback)))
#define __AFL_FUZZ_TESTCASE_BUF afl_fallback
#define __AFL_FUZZ_TESTCASE_LEN (afl_fallback_len > 0 ? afl_fallback_len : 0)
static int afl_loops;
#define __AFL_LOOP(n) (afl_loops++ == 0)
#endif

__AFL_FUZZ_INIT();

static void run_one(const unsigned char *data, size_t len)
{
	unsigned char *copy = sfz_must(malloc(len ? len : 1));

	memcpy(copy, data, len);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
}

static int run_files(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		static unsigned char buf[1 << 20];
		size_t n;

		if (f == NULL) {
			perror(argv[i]);
			return 1;
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		run_one(buf, n);
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned char *buf;

	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		printf("usage: %s [FILE...]  (AFL++ persistent driver; "
		       "under afl-fuzz the input comes from shared memory,\n"
		       "else from each FILE or stdin)\n",
		       argv[0]);
		return 0;
	}
	if (argc > 1)
		return run_files(argc, argv);
	__AFL_INIT();
	buf = __AFL_FUZZ_TESTCASE_BUF;
	while (__AFL_LOOP(100000))
		run_one(buf, (size_t)__AFL_FUZZ_TESTCASE_LEN);
	return 0;
}
