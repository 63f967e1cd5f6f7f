/* Suite for common/: HOST:PORT, option values, the growable buffer and the
 * array grower, the record-file reader and the monotonic clock. */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cm_addr.h"
#include "cm_buf.h"
#include "cm_clock.h"
#include "cm_opt.h"
#include "cm_record.h"

Test(common, hostport_splits_v4_v6_and_port_zero)
{
	char h[CM_HOSTLEN], p[CM_PORTLEN], err[128];

	cr_assert_eq(
	    cm_split_hostport("127.0.0.1:7000", h, p, err, sizeof(err)), 0);
	cr_assert_str_eq(h, "127.0.0.1");
	cr_assert_str_eq(p, "7000");
	cr_assert_eq(cm_split_hostport("[::1]:0", h, p, err, sizeof(err)), 0);
	cr_assert_str_eq(h, "::1");
	cr_assert_str_eq(p, "0");
}

Test(common, hostport_rejects_with_a_reason)
{
	static const char *bad[] = {"nope",	     "127.0.0.1:", ":80",
				    "1.2.3.4:99999", "1.2.3.4:8x", "::1:80",
				    "[]:80",	     "h:-1",	   "h:123456"};
	char h[CM_HOSTLEN], p[CM_PORTLEN], err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_assert_eq(cm_split_hostport(bad[i], h, p, err, sizeof(err)),
			     -EINVAL, "%s accepted", bad[i]);
		cr_assert(strstr(err, bad[i]) != NULL, "'%s' not in '%s'",
			  bad[i], err);
	}
}

Test(common, listening_line_gives_the_address)
{
	static const char *bad[] = {"listening 127.0.0.1:1", "listening on ",
				    "listening on 127.0.0.1", "ready"};
	char h[CM_HOSTLEN], p[CM_PORTLEN], err[128];

	cr_assert_eq(cm_parse_listening("listening on 127.0.0.1:7000\n", h, p,
					err, sizeof(err)),
		     0, "%s", err);
	cr_assert_str_eq(h, "127.0.0.1");
	cr_assert_str_eq(p, "7000");
	cr_assert_eq(cm_parse_listening("echod: listening on [::1]:9 (epoll)",
					h, p, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_str_eq(h, "::1");
	cr_assert_str_eq(p, "9");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_assert_eq(cm_parse_listening(bad[i], h, p, err, sizeof(err)),
			     -EINVAL, "'%s' accepted", bad[i]);
		cr_assert(err[0] != '\0', "'%s': no reason", bad[i]);
	}
}

Test(common, parse_addr_resolves_numeric_and_localhost_and_formats_back)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char err[128], out[CM_ADDRLEN];

	cr_assert_eq(
	    cm_parse_addr("127.0.0.1:65535", &ss, &len, err, sizeof(err)), 0,
	    "%s", err);
	cm_format_addr((struct sockaddr *)&ss, out, sizeof(out));
	cr_assert_str_eq(out, "127.0.0.1:65535");
	cr_assert_eq(cm_parse_addr("[::1]:9", &ss, &len, err, sizeof(err)), 0);
	cm_format_addr((struct sockaddr *)&ss, out, sizeof(out));
	cr_assert_str_eq(out, "[::1]:9");
	cr_assert_eq(cm_parse_addr("localhost:1", &ss, &len, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(
	    cm_parse_addr("example.invalid:1", &ss, &len, err, sizeof(err)),
	    -EINVAL);
	cr_assert(strstr(err, "example.invalid") != NULL);
}

Test(common, opt_uint_bounds_and_junk)
{
	uint64_t v = 7;
	char err[160];

	cr_assert_eq(cm_opt_uint("--n", "42", 1, 100, &v, err, sizeof(err)), 0);
	cr_assert_eq(v, 42);
	cr_assert_eq(cm_opt_uint("--n", "18446744073709551615", 0, UINT64_MAX,
				 &v, err, sizeof(err)),
		     0);
	cr_assert_eq(v, UINT64_MAX);
	static const char *bad[] = {"",	  "-1",	 "+1",
				    " 1", "1 ",	 "101",
				    "0",  "1e3", "18446744073709551616"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 7;
		cr_assert_eq(
		    cm_opt_uint("--n", bad[i], 1, 100, &v, err, sizeof(err)),
		    -EINVAL, "'%s' accepted", bad[i]);
		cr_assert_eq(v, 7);
		cr_assert(strncmp(err, "--n: '", 6) == 0, "%s", err);
	}
}

Test(common, opt_size_suffixes)
{
	uint64_t v;
	char err[160];

	cr_assert_eq(
	    cm_opt_size("--b", "4096", 1, UINT64_MAX, &v, err, sizeof(err)), 0);
	cr_assert_eq(v, 4096);
	cr_assert_eq(
	    cm_opt_size("--b", "64K", 1, UINT64_MAX, &v, err, sizeof(err)), 0);
	cr_assert_eq(v, 65536);
	cr_assert_eq(
	    cm_opt_size("--b", "2MiB", 1, UINT64_MAX, &v, err, sizeof(err)), 0);
	cr_assert_eq(v, 2u << 20);
	cr_assert_eq(
	    cm_opt_size("--b", "1g", 1, UINT64_MAX, &v, err, sizeof(err)), 0);
	cr_assert_eq(v, 1u << 30);
	cr_assert_eq(
	    cm_opt_size("--b", "2G", 1, 1u << 30, &v, err, sizeof(err)),
	    -EINVAL);
	cr_assert(strstr(err, "--b") && strstr(err, "'2G'"), "%s", err);
	cr_assert_eq(
	    cm_opt_size("--b", "3T", 1, UINT64_MAX, &v, err, sizeof(err)),
	    -EINVAL);
	cr_assert_eq(cm_opt_size("--b", "17179869184G", 1, UINT64_MAX, &v, err,
				 sizeof(err)),
		     -EINVAL, "overflow accepted");
}

Test(common, opt_ms_units)
{
	uint64_t v;
	char err[160];

	cr_assert_eq(
	    cm_opt_ms("--t", "250ms", 1000, 0, 600000, &v, err, sizeof(err)),
	    0);
	cr_assert_eq(v, 250);
	cr_assert_eq(
	    cm_opt_ms("--t", "3", 1000, 0, 600000, &v, err, sizeof(err)), 0);
	cr_assert_eq(v, 3000);
	cr_assert_eq(cm_opt_ms("--t", "3", 1, 0, 600000, &v, err, sizeof(err)),
		     0);
	cr_assert_eq(v, 3);
	cr_assert_eq(cm_opt_ms("--t", "2m", 1, 0, 600000, &v, err, sizeof(err)),
		     0);
	cr_assert_eq(v, 120000);
	cr_assert_eq(
	    cm_opt_ms("--t", "11m", 1, 0, 600000, &v, err, sizeof(err)),
	    -EINVAL);
	cr_assert_eq(
	    cm_opt_ms("--t", "5h", 1, 0, UINT64_MAX, &v, err, sizeof(err)),
	    -EINVAL);
	cr_assert(strstr(err, "--t: '5h'") != NULL, "%s", err);
}

Test(common, opt_double_range)
{
	double d = -1;
	char err[160];

	cr_assert_eq(cm_opt_double("--p", "0.25", 0, 1, &d, err, sizeof(err)),
		     0);
	cr_assert_float_eq(d, 0.25, 1e-12);
	cr_assert_eq(cm_opt_double("--p", "1.5", 0, 1, &d, err, sizeof(err)),
		     -EINVAL);
	cr_assert_eq(cm_opt_double("--p", "nan", 0, 1, &d, err, sizeof(err)),
		     -EINVAL);
	cr_assert_eq(cm_opt_double("--p", "0.5x", 0, 1, &d, err, sizeof(err)),
		     -EINVAL);
	cr_assert_float_eq(d, 0.25, 1e-12);
}

Test(common, buf_appends_consumes_compacts_and_keeps_order)
{
	struct cm_buf b = {0};
	uint8_t src[10000];
	size_t in = 0, out = 0;

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + 3);
	while (out < sizeof(src)) {
		size_t n = in < sizeof(src) ? (in % 97) + 1 : 0;
		if (n > sizeof(src) - in)
			n = sizeof(src) - in;
		cr_assert_eq(cm_buf_append(&b, src + in, n), 0);
		in += n;
		size_t take = cm_buf_len(&b) / 2 + (in == sizeof(src));
		if (take > cm_buf_len(&b))
			take = cm_buf_len(&b);
		cr_assert_eq(memcmp(cm_buf_data(&b), src + out, take), 0,
			     "at %zu", out);
		cm_buf_consume(&b, take);
		out += take;
	}
	cr_assert_eq(cm_buf_len(&b), 0);
	cr_assert(b.cap < 2 * sizeof(src), "grew to %zu", b.cap);
	cm_buf_free(&b);
	cr_assert_null(b.p);
}

Test(common, buf_reserve_refuses_overflow)
{
	struct cm_buf b = {0};

	cr_assert_eq(cm_buf_reserve(&b, SIZE_MAX - 8), -ENOMEM);
	cr_assert_eq(cm_buf_reserve(&b, 100), 0);
	cr_assert_geq(cm_buf_room(&b), 100);
	memcpy(cm_buf_tail(&b), "abc", 3);
	cm_buf_commit(&b, 3);
	cr_assert_eq(cm_buf_len(&b), 3);
	cm_buf_clear(&b);
	cr_assert_eq(cm_buf_len(&b), 0);
	cm_buf_free(&b);
}

Test(common, grow_doubles_and_refuses_overflow)
{
	size_t cap = 0;
	int *a = cm_grow(NULL, &cap, 3, sizeof(int));

	cr_assert_not_null(a);
	cr_assert_eq(cap, 16);
	a = cm_grow(a, &cap, 100, sizeof(int));
	cr_assert_eq(cap, 128);
	a[99] = 1;
	cr_assert_null(cm_grow(a, &cap, SIZE_MAX / 2, sizeof(int)));
	cr_assert_eq(cap, 128, "cap changed on failure");
	free(a);
}

static int collect(void *arg, const struct cm_record_row *r)
{
	uint64_t *sum = arg;

	sum[r->dir] += r->size;
	return r->conn == 9 ? 9 : 0;
}

Test(common, record_reader_rows_comments_errors)
{
	char path[] = "/tmp/cm_recordXXXXXX", err[256];
	int fd = mkstemp(path);
	uint64_t sum[2] = {0, 0};

	cr_assert_geq(fd, 0);
	FILE *f = fdopen(fd, "w");
	fputs("# fragproxy record v1 seed=1\n# conn dir offset size time_us\n"
	      "0 up 0 5 10\n\n0 down 0 3 12\n  1 up 0 7 20\n",
	      f);
	fclose(f);
	cr_assert_eq(cm_record_each(path, collect, sum, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(sum[0], 12);
	cr_assert_eq(sum[1], 3);

	f = fopen(path, "a");
	fputs("9 up 12 1 30\n2 sideways 0 1 1\n", f);
	fclose(f);
	cr_assert_eq(cm_record_each(path, collect, sum, err, sizeof(err)), 9,
		     "a non-zero callback result stops the walk");

	f = fopen(path, "w");
	fputs("0 up 0 5 10\n0 sideways 0 1 1\n", f);
	fclose(f);
	cr_assert_eq(cm_record_each(path, collect, sum, err, sizeof(err)),
		     -EINVAL);
	cr_assert(strstr(err, "line 2") != NULL, "%s", err);
	struct cm_record_row row;
	cr_assert_eq(cm_record_parse("0 up 0 0 1", &row), -EINVAL,
		     "a zero-size chunk is not a chunk");
	cr_assert_eq(cm_record_parse("0 up 0 5 1 junk", &row), -EINVAL);
	unlink(path);
	cr_assert_eq(cm_record_each(path, collect, sum, err, sizeof(err)),
		     -ENOENT);
}

Test(common, clock_is_monotonic_and_units_agree)
{
	int64_t a = cm_now_ns();
	usleep(2000);
	int64_t b = cm_now_ns();

	cr_assert_geq(b - a, 2000000);
	int64_t ms = cm_now_ms(), us = cm_now_us();
	cr_assert_leq(ms * 1000, us);
	cr_assert_lt(us - ms * 1000, 1000000);
}
