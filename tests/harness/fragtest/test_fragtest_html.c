/* fragtest --html in a real browser: Debian's headless chromium loads the
 * report with no script errors and shows the table and the timeline. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "test_fragtest_util.h"

static const char chromium_flags[] =
    "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update "
    "--disable-sync --enable-logging=stderr --v=0";

Test(fragtest_html, report_loads_in_headless_chromium, .timeout = 240)
{
	const char *dir = ftt_tmpdir();
	static struct ftt_out o, b;

	if (!ftt_have("chromium"))
		cr_skip_test("chromium is not installed "
			     "(ci/deps.d/fragtest.txt installs it)");
	ftt_sh(&o,
	       "%s matrix --server 'good=%s --framing {framing}' "
	       "--server 'flip=%s --framing {framing} --mode flip --frame 3' "
	       "--framing line --split bytes --expect-fail flip --clients 2 "
	       "--messages 20 --html %s/report.html",
	       run_tool_path("fragtest"), run_tool_path("ft_evil_echo"),
	       run_tool_path("ft_evil_echo"), dir);
	cr_assert_eq(o.status, 0, "%s %s", o.out, o.err);
	ftt_sh(&b,
	       "timeout 180 chromium %s --user-data-dir=%s/profile "
	       "--dump-dom file://%s/report.html",
	       chromium_flags, dir, dir);
	cr_assert_eq(b.status, 0, "chromium failed: %s", b.err);
	cr_assert(strstr(b.out, "<table id=\"matrix\">"), "%s", b.out);
	/* the inline script ran and counted both rows */
	cr_assert(strstr(b.out, "data-loaded=\"2\""), "%s", b.out);
	cr_assert(strstr(b.out, "flip/line/bytes"), "%s", b.out);
	cr_assert(strstr(b.out, "<svg"), "no timeline: %s", b.out);
	cr_assert(strstr(b.out, "echo frame 3 went wrong"), "%s", b.out);
	cr_assert_null(strstr(b.err, "Uncaught"), "%s", b.err);
	cr_assert_null(strstr(b.err, "CONSOLE"), "%s", b.err);
}
