/* The example's correct decoder passes fraglab's chunk-invariance check,
 * and its echo server returns every frame through fragproxy under every
 * split policy. */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kv_fcr.h"

Test(kv_good, chunk_invariant)
{
	struct fcr_decoder dec = {
	    .open = kv_open, .feed = kv_fcr_feed, .close = free};
	uint8_t wire[8192];
	size_t n = kv_sample(wire, sizeof(wire), 12);

	fcr_assert_invariant(&dec, wire, n, NULL);
}

/* The project's server: decodes kv frames and echoes each one back. */
static void kv_echo_frame(void *ctx, const uint8_t *frame, size_t len)
{
	uint8_t out[KV_MAX + 2];
	size_t n = kv_encode(frame, len, out);

	send(*(int *)ctx, out, n, MSG_NOSIGNAL);
}

static void kv_serve(int fd, void *arg)
{
	static __thread struct kv_dec d;
	uint8_t buf[4096];
	ssize_t n;

	(void)arg;
	kv_init(&d);
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		kv_feed(&d, buf, (size_t)n, kv_echo_frame, &fd);
}

struct collect {
	uint8_t got[8192];
	size_t len;
	int frames;
};

static void kv_collect(void *ctx, const uint8_t *frame, size_t len)
{
	struct collect *c = ctx;

	c->len += kv_encode(frame, len, c->got + c->len);
	c->frames++;
}

ParameterizedTestParameters(kv_server, echo_through_fragproxy)
{
	FCR_POLICY_PARAMS();
}

ParameterizedTest(struct fcr_policy *policy, kv_server, echo_through_fragproxy,
		  .fini = fcr_teardown)
{
	struct fcr_proxy *p =
	    fcr_fixture_proxy_fn(kv_serve, NULL, policy->name);
	int fd = fcr_fixture_connect(p);
	static struct kv_dec d;
	static struct collect c;
	uint8_t wire[4096], buf[512];
	size_t n = kv_sample(wire, sizeof(wire), 10);

	cr_assert_eq(send(fd, wire, n, MSG_NOSIGNAL), (ssize_t)n);
	kv_init(&d);
	while (c.frames < 10) {
		ssize_t k = recv(fd, buf, sizeof(buf), 0);

		cr_assert_gt(k, 0, "%s: echo ended after %d frames",
			     policy->name, c.frames);
		kv_feed(&d, buf, (size_t)k, kv_collect, &c);
	}
	cr_assert_eq(c.len, n, "%s", policy->name);
	cr_assert_arr_eq(c.got, wire, n, "%s", policy->name);
	close(fd);
}
