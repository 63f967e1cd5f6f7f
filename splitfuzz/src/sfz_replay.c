/* fraglab_splitfuzz_replay: the plain replay driver, main() for a fuzz
 * target outside libFuzzer (fraglab's own in normal builds, and users').
 * Runs LLVMFuzzerTestOneInput once per file named on the command line or
 * found (non-recursively) in a named directory, each input copied into an
 * exact-size heap buffer. A missing path is skipped with a note, so an
 * empty regressions/ folder is fine; a crash is a crash (exit by signal).
 * --show FILE prints what an input stands for in a splitfuzz target. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fraglab/splitfuzz.h"
#include "sfz_int.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
/* Defined by SFZ_FUZZ_TARGET; absent (NULL) in other targets. */
extern const struct sfz_target *const sfz_fuzz_target __attribute__((weak));

static const char *prog = "replay";
static int verbose;

/* The whole file in an exact-size heap buffer (*buf owned by the caller);
 * -1 after a one-line error. */
static int read_file(const char *path, unsigned char **buf, size_t *len)
{
	int rc = sfz_read_file(path, buf, len);

	if (rc != 0)
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(-rc));
	return rc != 0 ? -1 : 0;
}

static int replay_file(const char *path)
{
	unsigned char *buf;
	size_t len;

	if (read_file(path, &buf, &len) != 0)
		return -1;
	if (verbose)
		fprintf(stderr, "%s: running %s\n", prog, path);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int show_file(const char *path)
{
	unsigned char *buf;
	size_t len;
	int rc;

	if (&sfz_fuzz_target == NULL) {
		fprintf(stderr, "%s: --show: not a splitfuzz target\n", prog);
		return 2;
	}
	if (read_file(path, &buf, &len) != 0)
		return 1;
	rc = sfz_show(sfz_fuzz_target, buf, len, stdout);
	free(buf);
	return rc == 0 ? 0 : 1;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files of dir in name order, so a run is reproducible. */
static int replay_dir(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (d == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char **grown = sfz_grow(names, &cap, n + 1, sizeof(*names));

		if (grown == NULL) {
			rc = -1;
			break;
		}
		names = grown;
		if (asprintf(&names[n], "%s/%s", dir, e->d_name) < 0) {
			rc = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (rc == 0 && stat(names[i], &st) == 0 &&
		    S_ISREG(st.st_mode)) {
			rc = replay_file(names[i]);
			(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: %s [-v] FILE|DIR...\n"
	    "       %s --show FILE\n"
	    "Run this fuzz target once over every FILE and every file in\n"
	    "each DIR (not recursive). Missing paths are skipped with a\n"
	    "note. Exit 0 when every input ran; a finding aborts.\n"
	    "  -v           name each input before running it\n"
	    "  --show FILE  print what FILE stands for (the choices the\n"
	    "               target read, the split schedule, the stream\n"
	    "               length and its chunk list) without running it\n",
	    prog, prog);
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int rc = 0;

	prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--show") == 0) {
			if (argc != 3 || i != 1) {
				fprintf(stderr, "%s: --show takes one FILE\n",
					prog);
				return 2;
			}
			return show_file(argv[2]);
		}
		if (strcmp(argv[i], "-v") == 0)
			verbose = 1;
		if (argv[i][0] == '-')
			continue; /* libFuzzer-style flags are ignored */
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "%s: %s: not found, skipped\n", prog,
				argv[i]);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) != 0)
				rc = 1;
		} else if (replay_file(argv[i]) != 0) {
			rc = 1;
		} else {
			count++;
		}
	}
	printf("%s: replayed %zu inputs\n", prog, count);
	return rc;
}
