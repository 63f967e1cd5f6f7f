/* The benchmarks, run as programs with tiny sizes: their plumbing (options,
 * spawning servers and proxies, connecting, the tables and JSON they print)
 * must keep working between hand-run measurements. Nothing here asserts a
 * speed; the figures only have to exist and be sane. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run_util.h"

static struct run_result run(char **argv)
{
	struct run_result r;

	cr_assert_eq(run_prog(argv, NULL, 0, &r), 0, "cannot run %s", argv[0]);
	return r;
}

/* The number in the column'th '|' cell of the table row starting with
 * "| name |", or -1 if there is no such row. */
static double cell(const char *out, const char *name, int column)
{
	char key[96];
	const char *p;

	snprintf(key, sizeof(key), "| %s |", name);
	for (p = out; (p = strstr(p, key)) && p != out && p[-1] != '\n'; p++)
		;
	if (!p)
		return -1;
	for (int i = 0; i < column; i++) {
		p = strchr(p + 1, '|');
		if (!p)
			return -1;
	}
	return strtod(p + 1, NULL);
}

Test(bench, frame_bench_decodes_what_it_generated)
{
	char path[] = "/tmp/fraglab_bench_XXXXXX";
	char *gen[] = {(char *)run_tool_path("frame-bench"),
		       "--gen",
		       "len:4be",
		       "--size",
		       "64K",
		       "--seed",
		       "7",
		       "--out",
		       path,
		       NULL};
	char *dec[] = {(char *)run_tool_path("frame-bench"),
		       "--spec",
		       "len:4be",
		       "--input",
		       path,
		       "--chunk",
		       "100",
		       "--runs",
		       "1",
		       "--json",
		       NULL};
	unsigned long frames = 0, got = 0;

	close(mkstemp(path));
	struct run_result r = run(gen);
	cr_assert_eq(r.status, 0, "gen: %s", r.err);
	const char *f = strstr(r.out, "bytes, ");
	cr_assert(f && sscanf(f, "bytes, %lu frames", &frames) == 1, "%s",
		  r.out);
	run_free(&r);
	r = run(dec);
	unlink(path);
	cr_assert_eq(r.status, 0, "decode: %s", r.err);
	const char *g = strstr(r.out, "\"frames\":");
	cr_assert(g && sscanf(g, "\"frames\":%lu", &got) == 1, "%s", r.out);
	cr_expect_eq(got, frames);
	cr_expect(strstr(r.out, "\"errors\":0,"), "%s", r.out);
	double mbps = -1, memcpy_mbps = -1;
	const char *d = strstr(r.out, "\"decode_mbps\":");
	const char *m = strstr(r.out, "\"memcpy_mbps\":");
	cr_assert(d && m, "%s", r.out);
	sscanf(d, "\"decode_mbps\":%lf", &mbps);
	sscanf(m, "\"memcpy_mbps\":%lf", &memcpy_mbps);
	cr_expect(mbps > 0 && memcpy_mbps > 0, "%s", r.out);
	run_free(&r);
}

Test(bench, frame_bench_counts_a_response_ended_by_the_close)
{
	/* two responses; the last has no length, so the end of the file
	 * ends it and fr_decoder_finish hands it over as a frame */
	static const char stream[] =
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
	    "HTTP/1.0 200 OK\r\n\r\nthe body runs to the end";
	char path[] = "/tmp/fraglab_bench_XXXXXX";
	char *dec[] = {(char *)run_tool_path("frame-bench"),
		       "--spec",
		       "http1:resp",
		       "--input",
		       path,
		       "--chunk",
		       "7",
		       "--runs",
		       "1",
		       "--json",
		       NULL};
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, stream, sizeof(stream) - 1),
		     (ssize_t)sizeof(stream) - 1);
	close(fd);
	struct run_result r = run(dec);
	unlink(path);
	cr_assert_eq(r.status, 0, "decode: %s", r.err);
	cr_expect(strstr(r.out, "\"frames\":2,"), "%s", r.out);
	cr_expect(strstr(r.out, "\"errors\":0,"), "%s", r.out);
	run_free(&r);
}

Test(bench, echo_load_measures_model_beside_raw)
{
	char *argv[] = {(char *)run_tool_path("echo-load"),
			"--echod",
			(char *)run_tool_path("echod"),
			"--models",
			"epoll",
			"--conns",
			"2",
			"--duration",
			"100",
			"--idle",
			"0",
			NULL};
	struct run_result r = run(argv);

	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	/* | model | conns | note | frames/s | ...: frames/s is column 3 */
	cr_expect_gt(cell(r.out, "raw      ", 3), 0, "%s", r.out);
	cr_expect_gt(cell(r.out, "epoll    ", 3), 0, "%s", r.out);
	run_free(&r);
}

Test(bench, proxy_bench_measures_every_path, .timeout = 240)
{
	char *argv[] = {(char *)run_tool_path("proxy_bench"),
			"--fragproxy",
			(char *)run_tool_path("fragproxy"),
			"--mib",
			"1",
			"--small-kib",
			"1",
			"--rounds",
			"40",
			NULL};
	static const char *const through[] = {
	    "direct",		"socat -b 8192",	"minimal forwarder",
	    "fragproxy whole",	"fragproxy fixed:1460", "socat -b 1",
	    "fragproxy fixed:1"};
	struct run_result r = run(argv);

	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_eq(r.err_len, 0, "a path lost bytes or failed: %s", r.err);
	for (size_t i = 0; i < sizeof(through) / sizeof(through[0]); i++)
		cr_expect_gt(cell(r.out, through[i], 2), 0, "%s MB/s\n%s",
			     through[i], r.out);
	/* the round trip table comes second: its rows have 4 numbers */
	const char *lat = strstr(r.out, "| p50 RTT");
	cr_assert(lat, "no latency table:\n%s", r.out);
	for (size_t i = 0; i < 5; i++)
		cr_expect_gt(cell(lat, through[i], 1), 0, "%s p50\n%s",
			     through[i], r.out);
	run_free(&r);
}

Test(bench, proxy_bench_refuses_bad_options)
{
	char *bad[][4] = {{"--mib", "lots", NULL},
			  {"--rounds", NULL},
			  {"--bogus", "1", NULL}};

	for (size_t i = 0; i < 3; i++) {
		char *argv[5] = {(char *)run_tool_path("proxy_bench")};
		memcpy(argv + 1, bad[i], sizeof(bad[i]));
		struct run_result r = run(argv);
		cr_expect_eq(r.status, 2, "%s: status %d", bad[i][0], r.status);
		cr_expect(strstr(r.err, bad[i][0]), "%s: %s", bad[i][0], r.err);
		run_free(&r);
	}
}

Test(bench, echo_load_refuses_bad_numbers)
{
	char *bad[][3] = {{"--duration", "100abc"}, {"--size", "300"},
			  {"--pipeline", "0"},	    {"--conns", "1,x"},
			  {"--conns", ","},	    {"--idle", "-1"}};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[4] = {(char *)run_tool_path("echo-load"), bad[i][0],
				 bad[i][1]};
		struct run_result r = run(argv);
		cr_expect_eq(r.status, 2, "%s %s: status %d", bad[i][0],
			     bad[i][1], r.status);
		cr_expect(strstr(r.err, bad[i][0]), "%s: %s", bad[i][0], r.err);
		run_free(&r);
	}
}

Test(bench, frame_bench_refuses_bad_numbers)
{
	char *bad[][3] = {{"--chunk", "0"},
			  {"--runs", "many"},
			  {"--size", "12Q"},
			  {"--max", "2G"}};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[4] = {(char *)run_tool_path("frame-bench"),
				 bad[i][0], bad[i][1]};
		struct run_result r = run(argv);

		cr_expect_eq(r.status, 2, "%s %s: status %d", bad[i][0],
			     bad[i][1], r.status);
		cr_expect(strstr(r.err, bad[i][0]) && strstr(r.err, bad[i][1]),
			  "%s %s: %s", bad[i][0], bad[i][1], r.err);
		run_free(&r);
	}
}
