/* Criterion suite for framecat's protocol names: `framecat protocols`
 * lists the table of framing/protocols.h, names work as specs, and encode
 * frames the first message as the preamble of a pre= spec. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_run.h"
#include "framing/protocols.h"

Test(framecat_protocols, lists_every_name_with_its_spec)
{
	struct run_result r = FC("", "protocols");
	size_t lines = 0;

	cr_assert_eq(r.status, 0, "%s", r.err);
	for (const char *p = r.out; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	cr_expect_eq(lines, fr_protocol_count());
	for (size_t i = 0; i < fr_protocol_count(); i++) {
		const struct fr_protocol *p = fr_protocol_at(i);
		char want[256];

		/* name at the start of a line, its spec after it */
		snprintf(want, sizeof(want), "\n%s ", p->name);
		const char *at = i == 0 ? r.out : strstr(r.out, want);
		cr_assert_not_null(at, "%s not listed", p->name);
		const char *nl = strchr(at + 1, '\n');
		const char *sp = strstr(at, p->spec);
		cr_expect(sp != NULL && sp < nl, "%s: spec %s not on its line",
			  p->name, p->spec);
	}
	run_free(&r);
	r = FC("", "protocols", "--help");
	cr_expect_eq(r.status, 0);
	cr_expect(strstr(r.out, "usage: framecat protocols") != NULL);
	run_free(&r);
	r = FC("", "protocols", "tls");
	cr_expect_eq(r.status, 2);
	cr_expect(strstr(r.err, "protocols") != NULL, "%s", r.err);
	run_free(&r);
	r = FC("", "--help");
	cr_expect(strstr(r.out, "framecat protocols") != NULL);
	run_free(&r);
}

Test(framecat_protocols, names_are_specs)
{
	/* a TLS alert record, decoded by name, with an option after it */
	static const char rec[] = "\x15\x03\x03\x00\x02\x02\x28";
	struct run_result r = FCN(rec, sizeof(rec) - 1, "decode", "tls,max=100",
				  "--split", "bytes");

	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_str_eq(r.out, "15030300020228\n");
	run_free(&r);
	r = FC("", "decode", "nosuchprotocol");
	cr_expect_eq(r.status, 2);
	cr_expect(strstr(r.err, "nosuchprotocol") != NULL, "%s", r.err);
	run_free(&r);
}

Test(framecat_protocols, encode_frames_the_preamble_first)
{
	/* SSH: the identification line, then one packet */
	struct run_result e =
	    FC("5353482d322e302d78\n0000000161\n", "encode", "ssh");

	cr_assert_eq(e.status, 0, "%s", e.err);
	cr_assert_eq(e.out_len, 11 + 5);
	cr_expect_eq(memcmp(e.out, "SSH-2.0-x\r\n\0\0\0\1a", 16), 0);
	static const char *const splits[] = {"whole", "bytes",
					     "random:1-5,seed=3"};
	for (size_t i = 0; i < 3; i++) {
		struct run_result d = FCN(e.out, e.out_len, "decode", "ssh",
					  "--split", splits[i]);
		cr_expect_eq(d.status, 0, "%s", d.err);
		cr_expect_str_eq(d.out, "5353482d322e302d78\n0000000161\n",
				 "--split %s", splits[i]);
		run_free(&d);
	}
	run_free(&e);
	/* transcode into a preamble spec: the first frame becomes it */
	static const char lines[] = "SSH-2.0-y\n\0\0\0\1b\n";
	struct run_result t =
	    FCN(lines, sizeof(lines) - 1, "transcode", "line", "ssh");
	cr_expect_eq(t.status, 0, "%s", t.err);
	cr_expect_eq(t.out_len, 16);
	cr_expect_eq(memcmp(t.out, "SSH-2.0-y\r\n\0\0\0\1b", 16), 0);
	run_free(&t);
	/* a first message the preamble cannot frame is refused, named */
	e = FC("5353480d0a\n", "encode", "ssh");
	cr_expect_eq(e.status, 1);
	cr_expect(strstr(e.err, "message 1") != NULL, "%s", e.err);
	run_free(&e);
}
