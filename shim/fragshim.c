/* fragshim: run a program with libfragshim.so preloaded, its options in
 * the one FRAGSHIM environment variable, after checking the loader can
 * reach it at all (not static, not setuid). */
#include <elf.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fraglab/version.h"
#include "fs_opts.h"

#define FS_PROG "fragshim"
#define FS_ENV_MAX 8192

static void fs_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: fragshim [options] -- CMD [ARGS...]\n"
	    "\n"
	    "Runs CMD with libfragshim.so preloaded: its read/recv and\n"
	    "write/send calls (and readv, writev, recvmsg, sendmsg, the\n"
	    "fortified __read_chk...) on the chosen descriptors return\n"
	    "short, or fail with EINTR or EAGAIN, as a correct program\n"
	    "must expect. Decisions depend only on the seed, so a run can\n"
	    "be replayed. The options travel to CMD (and its children) in\n"
	    "the environment variable FRAGSHIM; options already in FRAGSHIM\n"
	    "come first, so other tools can pass them on.\n"
	    "\n%s"
	    "  --print-env        print FRAGSHIM=... and LD_PRELOAD=... and\n"
	    "                     exit (no CMD needed)\n"
	    "  -h, --help         this help\n"
	    "      --version      print the name and version, exit\n"
	    "\n"
	    "FRAGSHIM_LIB=PATH overrides where libfragshim.so is looked\n"
	    "for (default: ../lib next to this program, then beside it).\n"
	    "Exit: CMD's status; 2 bad usage; 1 when CMD cannot be reached\n"
	    "(static or setuid binary, shim library missing); 127 when it\n"
	    "cannot be executed.\n",
	    fs_opts_help);
}

static void __attribute__((noreturn, format(printf, 2, 3)))
fs_die(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", FS_PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/* Append " --name[ value]" to env. */
static void fs_append(char *env, const char *name, const char *val)
{
	size_t len = strlen(env);
	int n;

	if (val && val[strcspn(val, " \t\n")] != '\0')
		fs_die(2,
		       "--%s: '%s' contains white space, which FRAGSHIM "
		       "cannot carry",
		       name, val);
	n = snprintf(env + len, FS_ENV_MAX - len, "%s--%s%s%s", len ? " " : "",
		     name, val ? " " : "", val ? val : "");
	if (n < 0 || (size_t)n >= FS_ENV_MAX - len)
		fs_die(2, "options too long for %s", FS_ENV);
}

static bool fs_exists(const char *path)
{
	return access(path, R_OK) == 0;
}

/* Where `cmake --install` puts libfragshim.so, relative to the prefix
 * (GNUInstallDirs' LIBDIR, e.g. lib or lib/x86_64-linux-gnu). */
#ifndef FS_LIBDIR
#define FS_LIBDIR "lib"
#endif
static const char *const fs_libdirs[] = {FS_LIBDIR, "lib"};

static void fs_find_lib(char *out, size_t cap)
{
	const char *env = getenv("FRAGSHIM_LIB");
	char self[PATH_MAX - 64];
	ssize_t n;
	char *slash;

	if (env && *env) {
		if (!fs_exists(env))
			fs_die(1, "FRAGSHIM_LIB=%s: %s", env, strerror(errno));
		snprintf(out, cap, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		fs_die(1, "cannot find my own path: %s", strerror(errno));
	self[n] = '\0';
	slash = strrchr(self, '/');
	*slash = '\0';
	/* installed (bin/../LIBDIR), the build tree (bin/../lib) */
	for (size_t i = 0; i < sizeof(fs_libdirs) / sizeof(fs_libdirs[0]);
	     i++) {
		snprintf(out, cap, "%s/../%s/libfragshim.so", self,
			 fs_libdirs[i]);
		if (fs_exists(out)) {
			if (realpath(out, self) != NULL)
				snprintf(out, cap, "%s", self);
			return;
		}
	}
	snprintf(out, cap, "%s/libfragshim.so", self);
	if (!fs_exists(out))
		fs_die(1,
		       "libfragshim.so is neither in %s/../" FS_LIBDIR
		       " nor in %s (set FRAGSHIM_LIB)",
		       self, self);
}

/* cmd as execvp would find it. */
static bool fs_which(const char *cmd, char *out, size_t cap)
{
	const char *path = getenv("PATH");
	const char *p;

	if (strchr(cmd, '/')) {
		snprintf(out, cap, "%s", cmd);
		return access(out, X_OK) == 0;
	}
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p;) {
		size_t n = strcspn(p, ":");

		snprintf(out, cap, "%.*s/%s", (int)n, n ? p : ".", cmd);
		if (access(out, X_OK) == 0)
			return true;
		p += n;
		if (*p == ':')
			p++;
	}
	return false;
}

/* 1: dynamically linked ELF (has a PT_INTERP), 0: static ELF,
 * -1: not ELF (a script: *interp gets its interpreter). */
static int fs_elf_dynamic(const char *path, char *interp, size_t cap)
{
	unsigned char buf[4096];
	FILE *f = fopen(path, "rb");
	size_t n, i, phoff, phnum, phsize;
	bool is64;

	if (f == NULL)
		fs_die(127, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	interp[0] = '\0';
	if (n >= 2 && buf[0] == '#' && buf[1] == '!') {
		size_t s = 2 + strspn((char *)buf + 2, " \t");
		size_t e = s;

		while (e < n && buf[e] != ' ' && buf[e] != '\t' &&
		       buf[e] != '\n' && e - s < cap - 1)
			e++;
		snprintf(interp, cap, "%.*s", (int)(e - s), buf + s);
		return -1;
	}
	if (n < sizeof(Elf32_Ehdr) || memcmp(buf, ELFMAG, SELFMAG) != 0)
		return -1;
	is64 = buf[EI_CLASS] == ELFCLASS64;
	if (is64 && n >= sizeof(Elf64_Ehdr)) {
		Elf64_Ehdr eh;

		memcpy(&eh, buf, sizeof(eh));
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phsize = sizeof(Elf64_Phdr);
	} else {
		Elf32_Ehdr eh;

		memcpy(&eh, buf, sizeof(eh));
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phsize = sizeof(Elf32_Phdr);
	}
	for (i = 0; i < phnum; i++) {
		size_t off = phoff + i * phsize;
		uint32_t type;

		if (off > n || phsize > n - off)
			return 1; /* headers beyond the first page: assume so */
		memcpy(&type, buf + off, sizeof(type));
		if (type == PT_INTERP)
			return 1;
	}
	return 0;
}

/* Refuse, with one line, a target the dynamic loader will not preload
 * into: the shim would silently do nothing. */
static void fs_check_target(const char *cmd, int depth)
{
	char path[PATH_MAX], interp[PATH_MAX];
	struct stat st;
	int kind;

	if (!fs_which(cmd, path, sizeof(path)))
		fs_die(127, "%s: not found or not executable", cmd);
	if (stat(path, &st) != 0)
		fs_die(127, "%s: %s", path, strerror(errno));
	if (st.st_mode & (S_ISUID | S_ISGID))
		fs_die(1,
		       "%s is set%cid: the loader ignores LD_PRELOAD for "
		       "it, so the shim cannot reach it",
		       path, (st.st_mode & S_ISUID) ? 'u' : 'g');
	kind = fs_elf_dynamic(path, interp, sizeof(interp));
	if (kind == 0)
		fs_die(1,
		       "%s is statically linked: LD_PRELOAD cannot reach "
		       "its calls, so the shim cannot work there",
		       path);
	if (kind < 0 && interp[0] && depth == 0)
		fs_check_target(interp, 1);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"split", required_argument, NULL, 0},
	    {"read", required_argument, NULL, 0},
	    {"write", required_argument, NULL, 0},
	    {"eintr", required_argument, NULL, 0},
	    {"eintr-any", no_argument, NULL, 0},
	    {"eagain", required_argument, NULL, 0},
	    {"seed", required_argument, NULL, 0},
	    {"fds", required_argument, NULL, 0},
	    {"log", required_argument, NULL, 0},
	    {"no-children", no_argument, NULL, 0},
	    {"print-env", no_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	static char env[FS_ENV_MAX];
	char lib[PATH_MAX], preload[PATH_MAX * 2], err[300], abs[PATH_MAX];
	const char *old = getenv(FS_ENV), *oldpre = getenv("LD_PRELOAD");
	struct fs_opts o;
	bool print_env = false;
	int c, idx;

	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("fragshim %s\n", FRAGLAB_VERSION);
		return 0;
	}

	fs_opts_init(&o);
	if (old && fs_opts_parse(&o, old, err, sizeof(err)) != 0)
		fs_die(2, "%s", err);
	if (old)
		snprintf(env, sizeof(env), "%s", old);
	opterr = 0; /* one line of our own per error */
	while ((c = getopt_long(argc, argv, "+:h", longopts, &idx)) != -1) {
		const char *name, *val = optarg;

		if (c == 'h') {
			fs_usage(stdout);
			return 0;
		}
		if (c == 'P') {
			print_env = true;
			continue;
		}
		if (c == ':')
			fs_die(2, "%s needs a value (see --help)",
			       argv[optind - 1]);
		if (c != 0)
			fs_die(2, "unknown option '%s' (see --help)",
			       argv[optind - 1]);
		name = longopts[idx].name;
		if (fs_opts_set(&o, name, val, err, sizeof(err)) != 0)
			fs_die(2, "%s", err);
		if (strcmp(name, "log") == 0 && val[0] != '/') {
			/* The program may chdir; keep the log in one place. */
			if (getcwd(abs, sizeof(abs) - 1 - strlen(val)) == NULL)
				fs_die(2, "--log %s: %s", val, strerror(errno));
			strcat(abs, "/");
			strcat(abs, val);
			val = abs;
		}
		fs_append(env, name, val);
	}
	fs_opts_free(&o);
	fs_find_lib(lib, sizeof(lib));
	snprintf(preload, sizeof(preload), "%s%s%s", lib,
		 oldpre && *oldpre ? ":" : "", oldpre ? oldpre : "");
	if (print_env) {
		printf("%s=%s\nLD_PRELOAD=%s\n", FS_ENV, env, preload);
		return 0;
	}
	if (optind >= argc)
		fs_die(2, "no command given (usage: fragshim [options] -- CMD "
			  "[ARGS...])");
	fs_check_target(argv[optind], 0);
	if (setenv(FS_ENV, env, 1) != 0 ||
	    setenv("LD_PRELOAD", preload, 1) != 0)
		fs_die(1, "setenv: %s", strerror(errno));
	unsetenv("FRAGSHIM_DEPTH");
	execvp(argv[optind], argv + optind);
	fs_die(127, "%s: %s", argv[optind], strerror(errno));
}
