/* fraglab's Criterion helper for users' own suites: check a decoder for
 * chunk invariance under every split policy, and run an in-process
 * fragproxy in front of a server inside a test. Guide: docs/criterion.md. */
#ifndef FRAGLAB_CRITERION_H
#define FRAGLAB_CRITERION_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "fragproxy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Room for a failure message (policy, seed, what differed). */
#define FCR_MSG_MAX 512

/* The split policies checked by default, in libframing's schedule grammar.
 * random: entries carry no seed; fcr_check_invariance() runs each under
 * several seeds, the proxy helpers under fcr_seed(). */
extern const char *const fcr_policies[];
extern const size_t fcr_npolicies;

/* The same list as Criterion parameters: Criterion copies parameters into
 * the test's process by value, so each is a struct holding its text
 * (pointers to strings would not survive the copy). */
struct fcr_policy {
	char name[64];
};
extern const struct fcr_policy fcr_policy_params[]; /* fcr_npolicies */

/* The seed in force: FRAGLAB_SEED from the environment, or 1. */
uint64_t fcr_seed(void);

/* ---- Chunk invariance ------------------------------------------------ */

/* Where a decoder reports what it decoded; compared across policies. */
struct fcr_out;

/* Report one decoded frame (copied). Returns 0 or -ENOMEM. */
int fcr_frame(struct fcr_out *out, const void *data, size_t len);
/* Report an error the decoder found at a stream offset. Returns 0 or
 * -ENOMEM. */
int fcr_error(struct fcr_out *out, int code, uint64_t offset);

/* The user's decoder, as callbacks. Each run over the stream (one per
 * policy and seed) calls open, then feed once per chunk, then finish,
 * then close. feed and finish report through out and return 0, or a
 * nonzero value that ends the run early (a fatal error); that value is
 * part of what is compared. open may be NULL (state is arg), as may
 * finish and close. */
struct fcr_decoder {
	void *(*open)(void *arg);
	int (*feed)(void *state, const uint8_t *chunk, size_t len,
		    struct fcr_out *out);
	int (*finish)(void *state, struct fcr_out *out);
	void (*close)(void *state);
	void *arg;
};

struct fcr_opts {
	const char *const *policies; /* NULL: fcr_policies */
	size_t npolicies;
	uint64_t seed;	/* first seed of random: policies; 0: fcr_seed() */
	unsigned seeds; /* seeds per random: policy; 0: 8 */
	size_t two_way; /* every two-way cut of streams up to this; 0: 1024 */
};

/* Decode stream whole, then under every policy (and every two-way cut),
 * and compare frames, errors and early stops. Returns 0 when they all
 * agree, 1 when one differs (msg names the policy, the seed and the
 * difference), or a negative errno-style code (-EINVAL: a bad policy or a
 * decoder that could not open, -ENOMEM) with msg saying why. */
int fcr_check_invariance(const struct fcr_decoder *dec, const void *stream,
			 size_t len, const struct fcr_opts *opts, char *msg,
			 size_t msglen);

/* Fail the current test unless dec is chunk-invariant on stream; opts
 * may be NULL. The message names the failing policy and seed. */
#define fcr_assert_invariant(dec, stream, len, opts)                           \
	do {                                                                   \
		char fcr_msg_[FCR_MSG_MAX];                                    \
		int fcr_rc_ =                                                  \
		    fcr_check_invariance((dec), (stream), (len), (opts),       \
					 fcr_msg_, sizeof(fcr_msg_));          \
		cr_assert(fcr_rc_ == 0, "%s", fcr_msg_);                       \
	} while (0)

/* ---- An in-process fragproxy in front of a server --------------------- */

struct fcr_proxy;

/* Serves one accepted connection until the peer closes; the helper closes
 * fd afterwards. Runs in its own thread, one per connection. */
typedef void (*fcr_serve_fn)(int fd, void *arg);

/* Start a proxy on 127.0.0.1:0 in front of upstream ("HOST:PORT"),
 * cutting both directions with policy (seeded with fcr_seed() unless the
 * policy has seed=). Returns 0 or a negative errno-style code with msg
 * saying why. The proxy is stopped by fcr_proxy_stop or fcr_teardown. */
int fcr_proxy_start(const char *upstream, const char *policy,
		    struct fcr_proxy **out, char *msg, size_t msglen);
/* The same in front of serve: a server on 127.0.0.1:0 in this process
 * that calls serve(fd, arg) for each connection. */
int fcr_proxy_start_fn(fcr_serve_fn serve, void *arg, const char *policy,
		       struct fcr_proxy **out, char *msg, size_t msglen);
/* The proxy's port, and the port of the fcr_proxy_start_fn server (0
 * for fcr_proxy_start). */
int fcr_proxy_port(const struct fcr_proxy *p);
int fcr_proxy_server_port(const struct fcr_proxy *p);
/* The seed the proxy cuts random: policies with. */
uint64_t fcr_proxy_seed(const struct fcr_proxy *p);
/* The embedded fragproxy, for fp_get_stats() and the like. */
struct fp_proxy *fcr_proxy_fp(struct fcr_proxy *p);
/* A blocking TCP connection to the proxy: an fd, or -errno. */
int fcr_proxy_connect(struct fcr_proxy *p);
/* Stop the proxy (and its server), close what it accepted, free it. */
void fcr_proxy_stop(struct fcr_proxy *p);
/* Stop every proxy started in this process and not stopped yet: use it
 * as a Criterion .fini (Test(s, t, .fini = fcr_teardown)). */
void fcr_teardown(void);

/* In a test: start a proxy or fail the test with the reason. */
static inline struct fcr_proxy *fcr_fixture_proxy(const char *upstream,
						  const char *policy)
{
	struct fcr_proxy *p = NULL;
	char msg[FCR_MSG_MAX];
	int rc = fcr_proxy_start(upstream, policy, &p, msg, sizeof(msg));

	cr_assert(rc == 0, "fragproxy to %s, split '%s': %s", upstream, policy,
		  msg);
	return p;
}

static inline struct fcr_proxy *
fcr_fixture_proxy_fn(fcr_serve_fn serve, void *arg, const char *policy)
{
	struct fcr_proxy *p = NULL;
	char msg[FCR_MSG_MAX];
	int rc = fcr_proxy_start_fn(serve, arg, policy, &p, msg, sizeof(msg));

	cr_assert(rc == 0, "fragproxy, split '%s': %s", policy, msg);
	return p;
}

/* Connect through p or fail the test. */
static inline int fcr_fixture_connect(struct fcr_proxy *p)
{
	int fd = fcr_proxy_connect(p);

	cr_assert(fd >= 0, "connect to fragproxy on port %d: %s",
		  fcr_proxy_port(p), strerror(-fd));
	return fd;
}

/* The body of a ParameterizedTestParameters() over fcr_policies:
 *   ParameterizedTestParameters(suite, name) { FCR_POLICY_PARAMS(); }
 *   ParameterizedTest(struct fcr_policy *policy, suite, name,
 *                     .fini = fcr_teardown) { ... policy->name ... } */
#define FCR_POLICY_PARAMS()                                                    \
	return cr_make_param_array(struct fcr_policy, fcr_policy_params,       \
				   fcr_npolicies)

#ifdef __cplusplus
}
#endif
#endif
