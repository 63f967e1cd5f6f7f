/* shim_bench: cost per wrapped call of libfragshim, in one run: the same
 * 1-byte write/read pairs on a socket pair with no shim, with the shim
 * loaded but idle, and with 1-byte cuts planned for every call; plus an
 * untouched pipe under the shim, 64-byte messages cut into bytes, and a
 * non-blocking recv on an empty socket (the cheapest planned call).
 * usage: shim_bench [--iters N] [--rounds N] [--lib PATH] */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cm_clock.h"
#include "cm_opt.h"

#ifndef FS_BENCH_LIB
#define FS_BENCH_LIB "libfragshim.so"
#endif

struct mode {
	const char *name;
	const char *fragshim; /* NULL: no preload */
};

static const struct mode modes[] = {
    {"no shim", NULL},
    {"shim idle", "--seed 1"},
    {"shim bytes", "--split bytes"},
};

/* In the measured process: ns per call for `what`. */
static double child_run(const char *what, unsigned long iters)
{
	char buf[64];
	int sv[2];
	uint64_t t0, t1;
	unsigned long calls = 0;

	if (strcmp(what, "pipe") == 0) {
		if (pipe(sv) != 0)
			return -1;
	} else if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
		return -1;
	}
	memset(buf, 'b', sizeof(buf));
	if (strcmp(what, "empty") == 0) {
		/* The cheapest system call the shim still plans: a
		 * non-blocking recv on an empty socket (EAGAIN). */
		t0 = cm_now_ns();
		for (unsigned long i = 0; i < iters; i++)
			if (recv(sv[0], buf, 1, MSG_DONTWAIT) >= 0)
				return -1;
		t1 = cm_now_ns();
		return (double)(t1 - t0) / (double)iters;
	}
	t0 = cm_now_ns();
	for (unsigned long i = 0; i < iters; i++) {
		size_t len = strcmp(what, "msg64") == 0 ? 64 : 1;
		size_t off = 0;

		while (off < len) {
			ssize_t w = write(sv[1], buf + off, len - off);

			calls++;
			if (w <= 0)
				return -1;
			off += (size_t)w;
		}
		while (off > 0) {
			ssize_t r = read(sv[0], buf, off);

			calls++;
			if (r <= 0)
				return -1;
			off -= (size_t)r;
		}
	}
	t1 = cm_now_ns();
	close(sv[0]);
	close(sv[1]);
	if (strcmp(what, "msg64") == 0)
		return (double)(t1 - t0) / (double)iters; /* per message */
	return (double)(t1 - t0) / (double)calls;
}

/* Run this program as a child in mode m; returns its figure or -1. */
static double measure(const char *self, const char *lib, const struct mode *m,
		      const char *what, unsigned long iters)
{
	char n[32], out[64] = "";
	int p[2], st;
	ssize_t got;
	pid_t pid;

	if (pipe(p) != 0)
		return -1;
	snprintf(n, sizeof(n), "%lu", iters);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(p[1], 1);
		if (m->fragshim) {
			setenv("LD_PRELOAD", lib, 1);
			setenv("FRAGSHIM", m->fragshim, 1);
		} else {
			unsetenv("LD_PRELOAD");
		}
		execl(self, self, "--child", what, n, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	got = read(p[0], out, sizeof(out) - 1);
	close(p[0]);
	waitpid(pid, &st, 0);
	if (got <= 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	out[got] = '\0';
	return strtod(out, NULL);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: shim_bench [--iters N] [--rounds N] [--lib PATH]\n"
		   "\n"
		   "Cost per wrapped call of libfragshim.so: the same calls "
		   "with no shim,\n"
		   "with the shim idle and with 1-byte cuts, measured in one "
		   "run (best of\n"
		   "the rounds, modes interleaved).\n"
		   "  --iters N    write/read pairs per measurement (200000)\n"
		   "  --rounds N   rounds; the best is kept (3)\n"
		   "  --lib PATH   libfragshim.so to preload\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"iters", 1, NULL, 'i'}, {"rounds", 1, NULL, 'r'},
	    {"lib", 1, NULL, 'l'},   {"child", 0, NULL, 'c'},
	    {"help", 0, NULL, 'h'},  {NULL, 0, NULL, 0}};
	static const char *const whats[] = {"pair", "pipe", "msg64", "empty"};
	uint64_t iters = 200000, rounds = 3;
	const char *lib = FS_BENCH_LIB;
	double best[4][3];
	char self[4096], err[200];
	ssize_t sl;
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (c == 'c') {
			if (optind + 2 > argc)
				return 2;
			printf("%.2f\n",
			       child_run(argv[optind],
					 strtoul(argv[optind + 1], NULL, 10)));
			return 0;
		}
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if ((c == 'i' && cm_opt_uint("--iters", optarg, 1, 100000000,
					     &iters, err, sizeof(err))) ||
		    (c == 'r' && cm_opt_uint("--rounds", optarg, 1, 100,
					     &rounds, err, sizeof(err)))) {
			fprintf(stderr, "shim_bench: %s\n", err);
			return 2;
		}
		if (c == 'l')
			lib = optarg;
		if (c == '?') {
			usage(stderr);
			return 2;
		}
	}
	if (access(lib, R_OK) != 0) {
		fprintf(stderr, "shim_bench: %s: %s\n", lib, strerror(errno));
		return 2;
	}
	sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (sl <= 0)
		return 1;
	self[sl] = '\0';
	for (int w = 0; w < 4; w++)
		for (int m = 0; m < 3; m++)
			best[w][m] = -1;
	for (uint64_t r = 0; r < rounds; r++)
		for (int w = 0; w < 4; w++)
			for (int m = 0; m < 3; m++) {
				double v = measure(self, lib, &modes[m],
						   whats[w], iters);

				if (v < 0) {
					fprintf(stderr,
						"shim_bench: %s/%s failed\n",
						whats[w], modes[m].name);
					return 1;
				}
				if (best[w][m] < 0 || v < best[w][m])
					best[w][m] = v;
			}
	printf("%-34s %10s %10s %10s\n", "calls (best of rounds)",
	       modes[0].name, modes[1].name, modes[2].name);
	printf("%-34s %10.1f %10.1f %10.1f\n", "ns/call, 1-byte pairs, socket",
	       best[0][0], best[0][1], best[0][2]);
	printf("%-34s %10.1f %10.1f %10.1f\n", "ns/call, 1-byte pairs, pipe",
	       best[1][0], best[1][1], best[1][2]);
	printf("%-34s %10.1f %10.1f %10.1f\n", "ns/64-byte message, socket",
	       best[2][0], best[2][1], best[2][2]);
	printf("%-34s %10.1f %10.1f %10.1f\n", "ns/call, recv on empty socket",
	       best[3][0], best[3][1], best[3][2]);
	printf("added per socket call: idle %+.1f ns, planned 1-byte cut "
	       "%+.1f ns (recv on empty socket: %+.1f, %+.1f)\n",
	       best[0][1] - best[0][0], best[0][2] - best[0][0],
	       best[3][1] - best[3][0], best[3][2] - best[3][0]);
	return 0;
}
