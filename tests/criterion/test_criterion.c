/* The Criterion helper (criterion/, fraglab/criterion.h): the invariance
 * check passes libframing's decoders, catches planted split bugs naming
 * the policy and seed, and the proxy fixtures carry bytes and tear down. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fraglab/criterion.h"
#include "framing/framing.h"

/* ---- decoders under test ---------------------------------------------- */

/* The user's decoder, done right: libframing's decoder for a spec. */
struct fr_dec {
	struct fr_spec spec;
	struct fr_decoder d;
};

static void *fr_open(void *arg)
{
	struct fr_dec *s = calloc(1, sizeof(*s));
	char err[128];

	if (!s || fr_spec_parse(&s->spec, arg, err, sizeof(err)) < 0 ||
	    fr_decoder_init(&s->d, &s->spec, NULL, 0) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

static int fr_drain(struct fr_dec *s, struct fcr_out *out)
{
	struct fr_frame f;
	int rc;

	while ((rc = fr_decoder_next(&s->d, &f)) != FR_NEED_MORE) {
		if (rc < 0) {
			fcr_error(out, rc, f.offset);
			if (fr_decoder_failed(&s->d))
				return rc;
			continue;
		}
		fcr_frame(out, f.data, f.len);
	}
	return 0;
}

static int fr_feed(void *st, const uint8_t *c, size_t n, struct fcr_out *out)
{
	struct fr_dec *s = st;

	fr_decoder_feed(&s->d, c, n);
	return fr_drain(s, out);
}

static int fr_finish(void *st, struct fcr_out *out)
{
	struct fr_dec *s = st;
	struct fr_frame f;
	int rc = fr_decoder_finish(&s->d, &f);

	if (rc == FR_FRAME) { /* http1:resp: a body ended by the close */
		fcr_frame(out, f.data, f.len);
		rc = fr_decoder_finish(&s->d, &f);
	}

	if (rc < 0 && !fr_decoder_failed(&s->d))
		fcr_error(out, rc, f.offset);
	return rc < 0 && fr_decoder_failed(&s->d) ? rc : 0;
}

static void fr_close(void *st)
{
	struct fr_dec *s = st;

	fr_decoder_free(&s->d);
	free(s);
}

#define FR_DEC(spec_text)                                                      \
	{                                                                      \
		fr_open, fr_feed, fr_finish, fr_close, (void *)(spec_text)     \
	}

/* A planted split bug: a line decoder that looks for '\n' in each chunk
 * only and forgets a partial line at the end of a chunk. */
static int lossy_feed(void *st, const uint8_t *c, size_t n, struct fcr_out *out)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		if (c[i] == '\n') {
			fcr_frame(out, c + start, i - start);
			start = i + 1;
		}
	}
	return 0;
}

/* A subtler one: a 1-byte length prefix whose header is read right only
 * when it arrives with at least one payload byte in the same chunk. */
struct len1 {
	size_t need, got;
	uint8_t buf[256];
	int have_hdr;
};

static void *len1_open(void *arg)
{
	return calloc(1, sizeof(struct len1));
}

static int len1_feed(void *st, const uint8_t *c, size_t n, struct fcr_out *out)
{
	struct len1 *s = st;

	for (size_t i = 0; i < n; i++) {
		if (!s->have_hdr) {
			/* bug: a header that ends the chunk is dropped */
			if (i + 1 == n)
				return 0;
			s->need = c[i];
			s->got = 0;
			s->have_hdr = 1;
		} else {
			s->buf[s->got++] = c[i];
		}
		if (s->have_hdr && s->got == s->need) {
			fcr_frame(out, s->buf, s->got);
			s->have_hdr = 0;
		}
	}
	return 0;
}

static const char lines[] = "hello\nworld, this is a line\n\nlast one\n";

/* ---- the invariance check --------------------------------------------- */

Test(criterion_invariance, libframing_decoders_pass)
{
	/* every codec: 4-byte messages suit fixed:4, tlv and the rest */
	static const char *const specs[] = {
	    "line",	 "crlf", "delim:0d0a", "len:2be", "len:varint",
	    "netstring", "cobs", "slip",       "tlv",	  "fixed:4"};
	static const char *const msgs[] = {"abcd", "\x01\x00\x7f\xc0", "wxyz"};
	uint8_t wire[512];

	for (size_t k = 0; k < sizeof(specs) / sizeof(specs[0]); k++) {
		struct fr_spec spec;
		struct fcr_decoder dec = FR_DEC(specs[k]);
		char err[128];
		size_t n = 0;

		cr_assert_eq(fr_spec_parse(&spec, specs[k], err, sizeof(err)),
			     0);
		for (size_t m = 0; m < 3; m++) {
			size_t w = 0;

			cr_assert_eq(fr_encode(&spec, msgs[m], 4, wire + n,
					       sizeof(wire) - n, &w),
				     0, "%s: encode", specs[k]);
			n += w;
		}
		fcr_assert_invariant(&dec, wire, n, NULL);
	}
}

Test(criterion_invariance, errors_and_truncation_are_compared)
{
	/* len:1: a frame over max=4 (fatal error at offset 3), then junk */
	static const uint8_t wire[] = {2, 'a', 'b', 9, 'x', 'y', 'z'};
	struct fcr_decoder dec = FR_DEC("len:1be,max=4");
	struct fcr_decoder trunc = FR_DEC("line");
	char msg[FCR_MSG_MAX];

	cr_assert_eq(fcr_check_invariance(&dec, wire, sizeof(wire), NULL, msg,
					  sizeof(msg)),
		     0, "%s", msg);
	cr_assert_eq(
	    fcr_check_invariance(&trunc, "ab\ncd", 5, NULL, msg, sizeof(msg)),
	    0, "%s", msg);
}

Test(criterion_invariance, catches_planted_split_bug)
{
	struct fcr_decoder dec = {.feed = lossy_feed};
	char msg[FCR_MSG_MAX];
	int rc = fcr_check_invariance(&dec, lines, sizeof(lines) - 1, NULL, msg,
				      sizeof(msg));

	cr_assert_eq(rc, 1, "the lossy decoder passed: %s", msg);
	cr_assert(strstr(msg, "split policy 'bytes'"), "%s", msg);
	cr_assert(strstr(msg, "seed "), "%s", msg);
}

Test(criterion_invariance, names_the_random_policy_and_its_seed)
{
	static const char *const only_random[] = {"random:1-16"};
	struct fcr_opts o = {
	    .policies = only_random, .npolicies = 1, .seed = 40, .two_way = 1};
	struct fcr_decoder dec = {
	    .open = len1_open, .feed = len1_feed, .close = free};
	uint8_t wire[300];
	size_t n = 0;
	char msg[FCR_MSG_MAX];
	int rc;

	for (int f = 0; f < 30; f++) {
		wire[n++] = 7;
		memset(wire + n, 'a' + f % 26, 7);
		n += 7;
	}
	/* whole, the header never ends a chunk: the bug cannot show */
	rc = fcr_check_invariance(&dec, wire, n, &o, msg, sizeof(msg));
	cr_assert_eq(rc, 1, "%s", msg);
	cr_assert(strstr(msg, "'random:1-16,seed=4"), "%s", msg);
	cr_assert(strstr(msg, "FRAGLAB_SEED=4"), "%s", msg);
}

Test(criterion_invariance, two_way_cuts_catch_what_fixed_policies_miss)
{
	static const char *const whole[] = {"whole"};
	struct fcr_opts o = {.policies = whole, .npolicies = 1};
	struct fcr_decoder dec = {.feed = lossy_feed};
	char msg[FCR_MSG_MAX];

	cr_assert_eq(fcr_check_invariance(&dec, lines, sizeof(lines) - 1, &o,
					  msg, sizeof(msg)),
		     1, "%s", msg);
	cr_assert(strstr(msg, "'list:"), "%s", msg);
}

static int stop_at_x(void *st, const uint8_t *c, size_t n, struct fcr_out *out)
{
	/* bug: only looks at the first byte of each chunk */
	return n && c[0] == 'x' ? -1 : 0;
}

Test(criterion_invariance, early_stop_is_compared)
{
	struct fcr_decoder dec = {.feed = stop_at_x};
	char msg[FCR_MSG_MAX];

	cr_assert_eq(
	    fcr_check_invariance(&dec, "abxd", 4, NULL, msg, sizeof(msg)), 1,
	    "%s", msg);
	cr_assert(strstr(msg, "returned -1 where the whole stream gave 0"),
		  "%s", msg);
}

Test(criterion_invariance, bad_policy_and_bad_decoder_are_errors)
{
	static const char *const bad[] = {"random:9-1"};
	struct fcr_opts o = {.policies = bad, .npolicies = 1};
	struct fcr_decoder dec = FR_DEC("line");
	struct fcr_decoder nodec = FR_DEC("no-such-codec");
	char msg[FCR_MSG_MAX];

	cr_assert_eq(fcr_check_invariance(&dec, "a\n", 2, &o, msg, sizeof(msg)),
		     -EINVAL);
	cr_assert(strstr(msg, "random:9-1"), "%s", msg);
	cr_assert_eq(
	    fcr_check_invariance(&nodec, "a\n", 2, NULL, msg, sizeof(msg)),
	    -EINVAL);
	cr_assert_eq(
	    fcr_check_invariance(NULL, "a\n", 2, NULL, msg, sizeof(msg)),
	    -EINVAL);
}

/* ---- the proxy fixtures ----------------------------------------------- */

static void echo_serve(int fd, void *arg)
{
	char buf[4096];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
			return;
}

/* Send len bytes through fd and read the echo back; 0 when equal. */
static void round_trip(int fd, size_t len)
{
	uint8_t *out = malloc(len), *in = malloc(len);
	size_t got = 0;

	cr_assert(out && in);
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(i * 7 + 3);
	cr_assert_eq(send(fd, out, len, MSG_NOSIGNAL), (ssize_t)len);
	shutdown(fd, SHUT_WR);
	while (got < len) {
		ssize_t n = recv(fd, in + got, len - got, 0);

		cr_assert_gt(n, 0, "echo ended after %zu of %zu bytes", got,
			     len);
		got += (size_t)n;
	}
	cr_assert_arr_eq(in, out, len);
	free(out);
	free(in);
}

ParameterizedTestParameters(criterion_proxy, echo_under_every_policy)
{
	FCR_POLICY_PARAMS();
}

ParameterizedTest(struct fcr_policy *policy, criterion_proxy,
		  echo_under_every_policy, .fini = fcr_teardown)
{
	struct fcr_proxy *p =
	    fcr_fixture_proxy_fn(echo_serve, NULL, policy->name);
	int fd = fcr_fixture_connect(p);
	struct fp_stats st;

	round_trip(fd, 3000);
	close(fd);
	fp_get_stats(fcr_proxy_fp(p), &st);
	cr_assert_eq(st.bytes[FP_UP], 3000, "%s", policy->name);
	if (strcmp(policy->name, "bytes") == 0)
		cr_assert_eq(st.chunks[FP_UP], 3000);
	/* a chunk never spans a cut (it may be sent in part when the rest
	 * has not arrived yet, so there may be more) */
	if (strcmp(policy->name, "fixed:7") == 0)
		cr_assert_geq(st.chunks[FP_UP], (3000 + 6) / 7);
}

Test(criterion_proxy, policy_params_match_the_policy_list)
{
	for (size_t i = 0; i < fcr_npolicies; i++)
		cr_assert_str_eq(fcr_policy_params[i].name, fcr_policies[i]);
}

Test(criterion_proxy, in_front_of_an_address, .fini = fcr_teardown)
{
	struct fcr_proxy *inner =
	    fcr_fixture_proxy_fn(echo_serve, NULL, "fixed:5");
	char up[32];
	struct fcr_proxy *outer;
	int fd;

	cr_assert_gt(fcr_proxy_server_port(inner), 0);
	snprintf(up, sizeof(up), "127.0.0.1:%d", fcr_proxy_port(inner));
	outer = fcr_fixture_proxy(up, "random:1-9");
	cr_assert_eq(fcr_proxy_server_port(outer), 0);
	cr_assert_eq(fcr_proxy_seed(outer), fcr_seed());
	fd = fcr_fixture_connect(outer);
	round_trip(fd, 10000);
	close(fd);
}

Test(criterion_proxy, teardown_stops_everything)
{
	struct fcr_proxy *a = fcr_fixture_proxy_fn(echo_serve, NULL, "bytes");
	struct fcr_proxy *b = fcr_fixture_proxy_fn(echo_serve, NULL, "whole");
	int pa = fcr_proxy_port(a), sa = fcr_proxy_server_port(a);
	int fd = fcr_fixture_connect(b), pb = fcr_proxy_port(b), c;

	/* a live connection through b does not keep teardown waiting */
	round_trip(fd, 100);
	fcr_proxy_stop(a); /* stopped by hand: teardown must skip it */
	fcr_teardown();
	fcr_teardown(); /* nothing left: a no-op */
	for (int i = 0; i < 3; i++) {
		int port = i == 0 ? pa : i == 1 ? sa : pb;
		struct sockaddr_in sin = {.sin_family = AF_INET};

		sin.sin_port = htons((uint16_t)port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		c = socket(AF_INET, SOCK_STREAM, 0);
		cr_assert_eq(connect(c, (struct sockaddr *)&sin, sizeof(sin)),
			     -1, "port %d still listening", port);
		cr_assert_eq(errno, ECONNREFUSED);
		close(c);
	}
	close(fd);
}

Test(criterion_proxy, bad_arguments_are_reported)
{
	struct fcr_proxy *p = NULL;
	char msg[FCR_MSG_MAX];

	cr_assert_eq(
	    fcr_proxy_start("nohostport", "bytes", &p, msg, sizeof(msg)),
	    -EINVAL);
	cr_assert(strstr(msg, "upstream"), "%s", msg);
	cr_assert_eq(fcr_proxy_start_fn(echo_serve, NULL, "fixed:0", &p, msg,
					sizeof(msg)),
		     -EINVAL);
	cr_assert(strstr(msg, "fixed:0"), "%s", msg);
	cr_assert_null(p);
}
