/* Criterion suite: one test per mutant of framing/src that survived the
 * other suites (fuzz/mutants.sh, fuzz/mutants.txt, docs/fuzzing.md). Each
 * test names the mutant it kills and fails when that mutant is applied. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "decode_util.h"
#include "framing/io.h"
#include "io_util.h"

/* Mutant: tlv length top byte read with << 16 instead of << 24. A length of
 * 0x01000005 is 16 MiB + 5, over the default max: EOVERSIZE at 0, however
 * the stream is cut (the mutant reads 0x10005 and waits for the value). */
Test(mutants, tlv_length_top_byte)
{
	static const uint8_t wire[] = {0x01, 0x01, 0x00, 0x00,
				       0x05, 0x61, 0x62, 0x63};
	char *why = du_expect_all_splits("tlv", wire, sizeof(wire),
					 "e@0:EOVERSIZE fin@0:EOVERSIZE");

	cr_assert_null(why, "%s", why);
	/* each of the four length bytes carries its own weight */
	static const struct du_vec v[] = {
	    {"tlv,max=65542", "07 00010005 6161616161", "fin@0:ETRUNCATED"},
	    {"tlv,max=65541", "07 00010004 61", "fin@0:ETRUNCATED"},
	    {"tlv,max=65541", "07 00010005 61",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    {"tlv,max=16777222", "07 01000005 61", "fin@0:ETRUNCATED"},
	    {"tlv,max=16777221", "07 01000005 61",
	     "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	    {"tlv,max=262", "07 00000105 61", "fin@0:ETRUNCATED"},
	    {"tlv,max=262", "07 00000106 61", "e@0:EOVERSIZE fin@0:EOVERSIZE"},
	};
	why = DU_EXPECT_VECS(v);
	cr_assert_null(why, "%s", why);
}

#define HALF (512 * 1024)

/* Mutant: fr_sendv_all advancing inside an iovec entry with off = n
 * instead of off += n. Two 512 KiB entries over a 4 KiB non-blocking
 * socket buffer take many partial writes inside the same entry; the bytes
 * read must be exactly the two entries, in order. */
Test(mutants, sendv_second_partial_write_in_one_entry, .timeout = 60)
{
	uint8_t *a = malloc(HALF), *b = malloc(HALF);
	struct iovec iov[2] = {{a, HALF}, {b, HALF}};
	struct io_reader r;
	size_t done = 0;
	int sv[2];

	cr_assert(a && b);
	io_fill(a, HALF, 1);
	io_fill(b, HALF, 2);
	cr_assert_eq(io_pair(PAIR_UNIX, sv, 4096), 0);
	io_set_nonblock(sv[0], true);
	io_reader_start(&r, sv[1], 1500);
	cr_assert_eq(fr_sendv_all(sv[0], iov, 2, 15000, &done), FR_OK);
	cr_assert_eq(done, 2 * (size_t)HALF);
	close(sv[0]);
	io_reader_join(&r);
	cr_assert_eq(r.err, 0);
	cr_assert_eq(r.len, 2 * (size_t)HALF, "read %zu bytes", r.len);
	cr_assert(memcmp(r.data, a, HALF) == 0, "first entry differs");
	cr_assert(memcmp(r.data + HALF, b, HALF) == 0, "second entry differs");
	free(r.data);
	close(sv[1]);
	free(a);
	free(b);
}
