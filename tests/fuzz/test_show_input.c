/* show-input (fuzz/show_input.c, the chunk list from fuzz_input.c and
 * libframing's schedule) and a split target's --show (splitfuzz's own
 * reader, which may not depend on libframing) must read every seed input
 * the same way: same stream length, same chunk list. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_util.h"
#include "test_servers_util.h" /* TS_ASAN */

/* Files compared per target: ASan starts each program slowly. */
#define PER_TARGET (TS_ASAN ? 5 : 20)

/* The text after "key" up to the end of its line, in out. */
static bool field(const char *text, const char *key, char *out, size_t len)
{
	const char *p = strstr(text, key);
	size_t n;

	if (p == NULL)
		return false;
	p += strlen(key);
	p += strspn(p, " ");
	n = strcspn(p, "\n");
	snprintf(out, len, "%.*s", (int)n, p);
	return true;
}

/* Both readings of the first PER_TARGET corpus files of target t; the
 * files compared. */
static int compare(const char *t)
{
	const char *src = getenv("FRAGLAB_SRC");
	char dir[4096], path[8192], show[512], tgt[512];
	char a[8192], b[8192];
	struct dirent *e;
	DIR *d;
	int n = 0;

	cr_assert_not_null(src, "FRAGLAB_SRC not set");
	snprintf(dir, sizeof(dir), "%s/corpus/%s", src, t);
	d = opendir(dir);
	cr_assert_not_null(d, "%s", dir);
	snprintf(show, sizeof(show), "%s", run_tool_path("show-input"));
	snprintf(tgt, sizeof(tgt), "%s", run_tool_path(t));
	while ((e = readdir(d)) != NULL && n < PER_TARGET) {
		struct run_result r1, r2;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		char *argv1[] = {show, (char *)t, path, NULL};
		char *argv2[] = {tgt, "--show", path, NULL};
		cr_assert_eq(run_prog(argv1, NULL, 0, &r1), 0);
		cr_assert_eq(run_prog(argv2, NULL, 0, &r2), 0);
		cr_assert_eq(r1.status, 0, "show-input %s: %s", path, r1.err);
		cr_assert_eq(r2.status, 0, "%s --show %s: %s", t, path, r2.err);
		cr_assert(field(r1.out, "stream:", a, sizeof(a)), "%s", r1.out);
		cr_assert(field(r2.out, "stream:", b, sizeof(b)), "%s", r2.out);
		cr_expect_str_eq(a, b, "%s: stream", path);
		/* "split: list:N,..." against "chunks: N,..." (an empty
		 * stream: no split line, "(none: empty stream)") */
		if (field(r1.out, "split:", a, sizeof(a))) {
			cr_assert(field(r2.out, "chunks:", b, sizeof(b)), "%s",
				  r2.out);
			cr_assert(strncmp(a, "list:", 5) == 0, "%s", a);
			cr_expect_str_eq(a + 5, b, "%s: chunks", path);
		} else {
			cr_expect(strstr(r2.out, "(none: empty stream)"),
				  "%s: show-input has no split: %s / %s", path,
				  r1.out, r2.out);
		}
		run_free(&r1);
		run_free(&r2);
		n++;
	}
	closedir(d);
	return n;
}

Test(show_input, reads_seed_inputs_as_the_split_targets_do, .timeout = 120)
{
	static const char *const targets[] = {
	    "split_fixed", "split_line", "split_crlf", "split_delim",
	    "split_len",   "split_cobs", "split_slip", "split_netstring",
	    "split_tlv",   "split_raw",	 "split_resp", "split_http1",
	    "split_ws"};

	for (size_t i = 0; i < sizeof(targets) / sizeof(*targets); i++)
		cr_expect_gt(compare(targets[i]), 0, "%s: no corpus file",
			     targets[i]);
}
