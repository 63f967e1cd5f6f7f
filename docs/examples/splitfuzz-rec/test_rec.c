/* test_rec: what the fuzzer found in rec_parse, kept as regression tests:
 * the stream and the chunk list of each finding, checked with sfz_check
 * (docs/fuzz-your-parser.md). Fails on the buggy build, passes fixed. */
#include <criterion/criterion.h>
#include <fraglab/splitfuzz.h>

extern const struct sfz_target rec_target;

/* splitfuzz: stream: 2 bytes: 8000
 * splitfuzz: chunks: 1,1 */
Test(rec, long_header_cut_after_its_first_byte)
{
	static const uint8_t stream[] = {0x80, 0x00};
	static const size_t chunks[] = {1, 1};
	char why[256];

	cr_assert_eq(sfz_check(&rec_target, NULL, stream, sizeof(stream),
			       chunks, 2, why, sizeof(why)),
		     0, "%s", why);
}

/* The same cut in the header of a real long record (3 bytes), with a
 * short record after it. */
Test(rec, long_record_cut_in_its_header)
{
	static const uint8_t stream[] = {0x80, 0x03, 'a', 'b', 'c', 0x01, 'z'};
	static const size_t chunks[] = {1, 6};
	char why[256];

	cr_assert_eq(sfz_check(&rec_target, NULL, stream, sizeof(stream),
			       chunks, 2, why, sizeof(why)),
		     0, "%s", why);
}
