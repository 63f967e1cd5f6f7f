/* pop3d command line and configuration: bad users files (FILE:LINE),
 * a --maildir that is not a directory, bad flags and values (exit 2,
 * one line naming the flag), and --help naming every flag. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_pop3d_util.h"

TestSuite(pop3d_cli, .fini = pt_md_remove, .timeout = 120);

static int run(const char *const argv[], char *out, size_t outlen, char *err,
	       size_t errlen)
{
	return ts_run(argv, NULL, out, outlen, err, errlen);
}

static int run_users(const char *users, char *err, size_t errlen)
{
	const char *argv[] = {"pop3d",	  "--listen",  "127.0.0.1:0",
			      "--users",  pt_md.users, "--maildir",
			      pt_md.mail, NULL};
	char out[256];

	if (!pt_write_file(pt_md.users, users, strlen(users)))
		return -1;
	return run(argv, out, sizeof(out), err, errlen);
}

Test(pop3d_cli, bad_users_files_are_refused_with_file_and_line)
{
	static const struct {
		const char *text;
		int line;
	} cases[] = {
	    {"# users\n\nalice-no-colon\n", 3},
	    {"alice:pw\n../x:pw\n", 2},
	    {"alice:pw\nbob:pw\nalice:other\n", 3},
	    {".hidden:pw\n", 1},
	    {"alice:\n", 1},
	    {"alice:01234567890123456789012345678901234567890\n", 1},
	    {"a/b:pw\n", 1},
	};
	char err[1024], want[256];

	cr_assert(pt_md_make("alice:pw\n"));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = run_users(cases[i].text, err, sizeof(err));
		cr_assert_eq(rc, 2, "case %zu: exit %d: %s", i, rc, err);
		snprintf(want, sizeof(want), "pop3d: %s:%d: ", pt_md.users,
			 cases[i].line);
		cr_assert(strncmp(err, want, strlen(want)) == 0, "case %zu: %s",
			  i, err);
		cr_assert_eq(pt_count(err, "\n"), 1, "case %zu: %s", i, err);
	}
	cr_assert(strstr(err, "user name"), "%s", err);
	cr_assert_eq(run_users("# nobody yet\n", err, sizeof(err)), 2);
	cr_assert(strstr(err, "no user:password line"), "%s", err);
}

Test(pop3d_cli, bad_maildir_and_users_path_exit_2)
{
	const char *argv[] = {"pop3d",	   "--listen",	"127.0.0.1:0",
			      "--users",   pt_md.users, "--maildir",
			      pt_md.users, NULL};
	char out[256], err[512];

	cr_assert(pt_md_make("alice:pw\n"));
	cr_assert_eq(run(argv, out, sizeof(out), err, sizeof(err)), 2, "%s",
		     err);
	cr_assert(strstr(err, "--maildir") && strstr(err, "not a directory"),
		  "%s", err);
	argv[4] = "/nonexistent/users";
	argv[6] = pt_md.mail;
	cr_assert_eq(run(argv, out, sizeof(out), err, sizeof(err)), 2, "%s",
		     err);
	cr_assert(strstr(err, "/nonexistent/users"), "%s", err);
}

Test(pop3d_cli, help_names_every_flag)
{
	static const char *const flags[] = {
	    "--listen",	   "--users",	    "--maildir",	"--timeout",
	    "--max-conns", "--login-delay", "--login-failures", "--help"};
	const char *argv[] = {"pop3d", "--help", NULL};
	static char out[8192];
	char err[256];

	cr_assert_eq(run(argv, out, sizeof(out), err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		cr_assert(strstr(out, flags[i]), "--help lacks %s", flags[i]);
	cr_assert(strstr(out, "user:password") && strstr(out, "DIR/USER"),
		  "--help lacks the file formats");
}

Test(pop3d_cli, bad_flags_exit_2_naming_the_flag)
{
	static const char *const cases[][3] = {
	    {"--bogus", NULL, "--bogus"},
	    {"--timeout", "0", "--timeout"},
	    {"--timeout", "5x", "--timeout"},
	    {"--timeout", "86401", "--timeout"},
	    {"--timeout", "-1", "--timeout"},
	    {"--max-conns", "x", "--max-conns"},
	    {"--login-delay", "61s", "--login-delay"},
	    {"--login-delay", "x", "--login-delay"},
	    {"--login-failures", "1001", "--login-failures"},
	    {"--listen", "nope", "--listen"},
	};
	char out[256], err[512];

	cr_assert(pt_md_make("alice:pw\n"));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *argv[] = {"pop3d",	   "--users",  pt_md.users,
				      "--maildir", pt_md.mail, cases[i][0],
				      cases[i][1], NULL,       NULL};
		if (strcmp(cases[i][0], "--listen") != 0) {
			argv[cases[i][1] ? 7 : 6] = "--listen=127.0.0.1:0";
		}
		int rc = run(argv, out, sizeof(out), err, sizeof(err));
		cr_assert_eq(rc, 2, "%s %s: exit %d", cases[i][0],
			     cases[i][1] ? cases[i][1] : "", rc);
		cr_assert(strstr(err, cases[i][2]) &&
			      strstr(err, "(try --help)"),
			  "%s: %s", cases[i][0], err);
		cr_assert_eq(pt_count(err, "\n"), 1, "%s: %s", cases[i][0],
			     err);
	}
	const char *missing[] = {"pop3d", "--users", pt_md.users, NULL};
	cr_assert_eq(run(missing, out, sizeof(out), err, sizeof(err)), 2);
}

/* --timeout is a duration: seconds by default, or with a unit. */
Test(pop3d_cli, timeout_takes_a_unit)
{
	struct ts_proc p;

	cr_assert(pt_md_make("alice:pw\n"));
	cr_assert_eq(pt_start(&p, "2m"), 0, "--timeout 2m refused: %s",
		     p.pid > 0 ? ts_stderr(&p) : "");
	cr_assert_eq(ts_stop(&p), 0);
}

/* The users file is read whole and bounded: /dev/zero, a FIFO nobody
 * writes, a huge file or a huge line end pop3d at once with exit 2 and one
 * line, instead of growing without end or waiting forever. */
Test(pop3d_cli, users_file_is_bounded)
{
	char fifo[200], big[200], err[1024];
	static const struct {
		const char *path, *why;
	} cases[] = {
	    {"/dev/zero", "not a regular file"},
	    {NULL, "not a regular file"}, /* the FIFO */
	    {NULL, "larger than"},	  /* the big file */
	};
	char out[256];

	cr_assert(pt_md_make("alice:pw\n"));
	snprintf(fifo, sizeof(fifo), "%s/fifo", pt_md.root);
	snprintf(big, sizeof(big), "%s/big", pt_md.root);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	size_t bigsz = ((size_t)1 << 20) + 1;
	char *junk = malloc(bigsz);
	cr_assert_not_null(junk);
	memset(junk, '#', bigsz);
	cr_assert(pt_write_file(big, junk, bigsz));
	free(junk);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *path = cases[i].path ? cases[i].path
				   : i == 1	 ? fifo
						 : big;
		const char *argv[] = {"pop3d",	  "--listen", "127.0.0.1:0",
				      "--users",  path,	      "--maildir",
				      pt_md.mail, NULL};
		int rc = run(argv, out, sizeof(out), err, sizeof(err));
		cr_assert_eq(rc, 2, "%s: exit %d: %s", path, rc, err);
		cr_assert(strstr(err, path) && strstr(err, cases[i].why),
			  "%s: %s", path, err);
		cr_assert_eq(pt_count(err, "\n"), 1, "%s", err);
	}
	/* a line over 256 bytes, even a comment */
	char line[400];
	memset(line, 'x', sizeof(line));
	memcpy(line, "alice:pw\n#", 10);
	line[sizeof(line) - 1] = '\0';
	cr_assert_eq(run_users(line, err, sizeof(err)), 2, "%s", err);
	cr_assert(strstr(err, ":2: line too long"), "%s", err);
}

/* SIGTERM and SIGINT stop pop3d with exit 0, as its --help says. */
Test(pop3d_cli, signals_exit_0_as_help_says)
{
	static const int sigs[] = {SIGTERM, SIGINT};
	const char *argv[] = {"pop3d", "--help", NULL};
	static char out[8192];
	char err[256];

	cr_assert(pt_md_make("alice:pw\n"));
	cr_assert_eq(run(argv, out, sizeof(out), err, sizeof(err)), 0);
	cr_assert(strstr(out, "SIGTERM/SIGINT stop it\n(exit 0)") &&
		      strstr(out, "Exit status: 0 stopped by SIGTERM/SIGINT"),
		  "%s", out);
	for (int k = 0; k < 2; k++) {
		struct ts_proc p;
		int st;
		cr_assert_eq(pt_start(&p, NULL), 0);
		kill(p.pid, sigs[k]);
		cr_assert_eq(waitpid(p.pid, &st, 0), p.pid);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: %#x",
			  strsignal(sigs[k]), st);
		close(p.errfd);
	}
}
