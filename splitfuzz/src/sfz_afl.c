/* fraglab_splitfuzz_afl: the AFL++ persistent-mode driver, main() for a
 * fuzz target built with afl-cc (fraglab's own in the FRAGLAB_FUZZ=afl
 * build, and users' linking the installed, gcc-built copy); a plain
 * single run without AFL++'s runtime. Each test
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
/* Built by a plain compiler (the installed library is built by gcc):
 * persistent mode through AFL++'s runtime, which afl-cc links into the
 * user's program, found through weak symbols: __afl_persistent_loop and
 * __afl_manual_init, and the shared-memory test case (__afl_fuzz_ptr/len,
 * asked for by defining __afl_sharedmem_fuzzing). afl-fuzz recognises a
 * persistent, deferred program by the two signature strings in its file.
 * Without the runtime (a plain build), one run on stdin. */
int __afl_persistent_loop(unsigned int max) __attribute__((weak));
void __afl_manual_init(void) __attribute__((weak));
extern unsigned char *__afl_fuzz_ptr __attribute__((weak));
extern unsigned int *__afl_fuzz_len __attribute__((weak));
int __afl_sharedmem_fuzzing = 1;
__attribute__((used)) static const char *volatile sfz_afl_sigs[] = {
    "##SIG_AFL_PERSISTENT##", "##SIG_AFL_DEFER_FORKSRV##"};

static unsigned char afl_alt[1 << 20];
static int afl_loops;

static int sfz_afl_loop(unsigned int n)
{
	if (__afl_persistent_loop)
		return __afl_persistent_loop(n);
	return afl_loops++ == 0;
}

static const unsigned char *sfz_afl_case(size_t *len)
{
	ssize_t n;

	if (&__afl_fuzz_ptr && __afl_fuzz_ptr && &__afl_fuzz_len &&
	    __afl_fuzz_len) {
		*len = *__afl_fuzz_len;
		return __afl_fuzz_ptr;
	}
	n = read(0, afl_alt, sizeof(afl_alt));
	*len = n > 0 ? (size_t)n : 0;
	return afl_alt;
}
#define __AFL_INIT()                                                           \
	do {                                                                   \
		if (__afl_manual_init)                                         \
			__afl_manual_init();                                   \
	} while (0)
#define __AFL_LOOP(n) sfz_afl_loop(n)
#else
__AFL_FUZZ_INIT();

static const unsigned char *sfz_afl_case(size_t *len)
{
	*len = (size_t)__AFL_FUZZ_TESTCASE_LEN;
	return __AFL_FUZZ_TESTCASE_BUF;
}
#endif

static void run_one(const unsigned char *data, size_t len)
{
	unsigned char *copy = sfz_must(malloc(len ? len : 1));

	memcpy(copy, data, len);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
}

/* Each file whole, in its own exact-size buffer. */
static int run_files(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		unsigned char *buf;
		size_t n;
		int rc = sfz_read_file(argv[i], &buf, &n);

		if (rc != 0) {
			fprintf(stderr, "%s: %s: %s\n", argv[0], argv[i],
				strerror(-rc));
			return 1;
		}
		LLVMFuzzerTestOneInput(buf, n);
		free(buf);
	}
	return 0;
}

int main(int argc, char **argv)
{
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
	while (__AFL_LOOP(100000)) {
		size_t len;
		const unsigned char *buf = sfz_afl_case(&len);

		run_one(buf, len);
	}
	return 0;
}
