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
Test(mutants, sendv_second_partial_write_in_one_entry)
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

/* Mutant: a delimited frame cut off by EOF counts as oversize only past
 * max + delimiter length bytes (seen > max + k for seen >= max + k). At
 * exactly max + k bytes without a delimiter, the first max + 1 are sure to
 * be payload: EOVERSIZE, then a clean finish; one byte less is ETRUNCATED. */
Test(mutants, delimited_eof_oversize_boundary)
{
	static const struct du_vec v[] = {
	    {"line,max=3", "61626364", "e@0:EOVERSIZE done"},
	    {"line,max=3", "616263", "fin@0:ETRUNCATED"},
	    {"line,max=3", "0a 61626364", "f@0: e@1:EOVERSIZE done"},
	    {"crlf,max=3", "6162636465", "e@0:EOVERSIZE done"},
	    {"crlf,max=3", "61626364", "fin@0:ETRUNCATED"},
	    {"delim:616263,max=2", "7878787878", "e@0:EOVERSIZE done"},
	    {"delim:616263,max=2", "78787878", "fin@0:ETRUNCATED"},
	};
	char *why = DU_EXPECT_VECS(v);

	cr_assert_null(why, "%s", why);
}

/* Mutant: fr_decoder_bufsize for len: as max + 1 instead of max + 10. With
 * strip=0 a varint header is kept in the frame and buffered byte by byte
 * before its value is known, up to 10 bytes even at max=1 (the spec check
 * counts a varint as one byte). Fed one byte at a time into a caller
 * buffer of exactly fr_decoder_bufsize bytes, a 10-byte varint of 2^63
 * must still give EOVERSIZE, not run out of buffer. */
Test(mutants, len_caller_buffer_holds_a_kept_varint)
{
	static const uint8_t wire[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
				       0x80, 0x80, 0x80, 0x01, 0x41};
	size_t ones[sizeof(wire)];
	struct fr_spec spec;
	struct du_events ev;
	char *got;

	for (size_t i = 0; i < sizeof(wire); i++)
		ones[i] = 1;
	du_spec(&spec, "len:varint,strip=0,max=1");
	du_decode(&spec, wire, sizeof(wire), ones, sizeof(wire), DU_CALLER_BUF,
		  &ev);
	got = du_events_str(&ev);
	cr_expect_str_eq(got, "e@0:EOVERSIZE fin@0:EOVERSIZE");
	free(got);
	du_events_free(&ev);
}
