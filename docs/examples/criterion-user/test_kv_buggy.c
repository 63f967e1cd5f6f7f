/* The example's deliberately buggy decoder: fraglab's helper must fail
 * this suite, naming the split policy and seed (see expect_caught.sh). */
#include "kv_fcr.h"

Test(kv_buggy, chunk_invariant)
{
	struct fcr_decoder dec = {
	    .open = kv_open, .feed = kv_fcr_feed_buggy, .close = free};
	uint8_t wire[8192];
	size_t n = kv_sample(wire, sizeof(wire), 12);

	fcr_assert_invariant(&dec, wire, n, NULL);
}
