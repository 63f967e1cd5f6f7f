/* fuzz_rec: the fuzz target, rec_target under every split (libFuzzer's
 * entry point; the replay and AFL++ builds link their own main()). */
#include <fraglab/splitfuzz.h>

extern const struct sfz_target rec_target;

SFZ_FUZZ_TARGET(rec_target)
