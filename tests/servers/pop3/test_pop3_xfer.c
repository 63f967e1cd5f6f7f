/* Criterion suite for a message on the wire (servers/pop3/pop3_xfer.c): the
 * octets RETR sends and STAT/LIST count, dot-stuffing and CRLF, TOP, store
 * reads that fail before or during a reply, and bounded output while a
 * large message streams behind pipelined commands. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_pop3_util.h"

Test(pop3_session, wire_size_matches_what_retr_sends)
{
	static const char *const bodies[] = {
	    "",		"a",	      "a\n", "a\r\n",	  "\n\n",
	    "x\ry\r\n", ".\n..\r\n.", "a\r", "\r\n\r\n.", "no newline at all"};

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct drv d;
		drv_setup(&d);
		pop3_mem_add(&d.m, NULL, bodies[i], strlen(bodies[i]));
		login(&d);
		const char *r = say(&d, "RETR 1\r\n");
		/* body = reply minus the +OK line and ".\r\n", unstuffed */
		const char *b = strstr(r, "\r\n") + 2;
		size_t blen = strlen(b) - 3, stuffed = 0;
		cr_assert_str_eq(b + blen, ".\r\n");
		for (size_t k = 0; k < blen; k++)
			if (b[k] == '.' && (k == 0 || b[k - 1] == '\n'))
				stuffed++;
		cr_assert_eq(blen - stuffed, d.m.msg[0].wire, "body %zu", i);
		char ok[64];
		snprintf(ok, sizeof(ok), "+OK %zu octets\r\n",
			 (size_t)d.m.msg[0].wire);
		cr_assert(strncmp(r, ok, strlen(ok)) == 0, "%s", r);
		/* every line ends in CRLF: no bare LF goes out */
		for (size_t k = 0; r[k] != '\0'; k++)
			if (r[k] == '\n')
				cr_assert(k > 0 && r[k - 1] == '\r');
		drv_free(&d);
	}
}

Test(pop3_session, top_sends_header_and_n_body_lines)
{
	static const char m[] = "H: 1\r\nH: 2\r\n\r\nb1\r\n\r\n.b3\r\nb4";
	static const char nohdr_end[] = "H: 1\nH: 2";
	struct drv d;

	drv_setup(&d);
	pop3_mem_add(&d.m, NULL, m, strlen(m));
	pop3_mem_add(&d.m, NULL, nohdr_end, strlen(nohdr_end));
	login(&d);
	cr_assert_str_eq(say(&d, "TOP 1 0\r\n"),
			 "+OK top of message follows\r\nH: 1\r\nH: 2\r\n\r\n"
			 ".\r\n");
	cr_assert_str_eq(say(&d, "TOP 1 3\r\n"),
			 "+OK top of message follows\r\nH: 1\r\nH: 2\r\n\r\n"
			 "b1\r\n\r\n..b3\r\n.\r\n");
	cr_assert_str_eq(say(&d, "TOP 1 99\r\n"),
			 "+OK top of message follows\r\nH: 1\r\nH: 2\r\n\r\n"
			 "b1\r\n\r\n..b3\r\nb4\r\n.\r\n");
	cr_assert_str_eq(say(&d, "TOP 2 0\r\n"),
			 "+OK top of message follows\r\nH: 1\r\nH: 2\r\n.\r\n");
	cr_assert_str_eq(say(&d, "TOP 1\r\n"), "-ERR missing argument\r\n");
	cr_assert_str_eq(say(&d, "TOP 1 x\r\n"), "-ERR invalid line count\r\n");
	drv_free(&d);
}

/* ---- store failures ---- */

Test(pop3_store, unreadable_message_gets_err_before_ok)
{
	struct drv d;

	drv_setup(&d);
	add_two(&d);
	d.m.fail_read = 0;
	login(&d);
	cr_assert_str_eq(say(&d, "RETR 1\r\n"),
			 "-ERR [SYS/TEMP] message 1 unavailable\r\n");
	cr_assert_str_eq(say(&d, "NOOP\r\n"), "+OK\r\n");
	drv_free(&d);
}

Test(pop3_store, read_failing_mid_reply_ends_the_session)
{
	static uint8_t big[100000];
	struct drv d;

	memset(big, 'x', sizeof(big));
	drv_setup(&d);
	pop3_mem_add(&d.m, NULL, big, sizeof(big));
	d.m.fail_read = 0;
	d.m.fail_off = 20000;
	login(&d);
	const char *r = say(&d, "RETR 1\r\nNOOP\r\n");
	cr_assert(strncmp(r, "+OK", 3) == 0);
	cr_assert(strstr(r, "\r\n.\r\n") == NULL, "no terminator: cut short");
	cr_assert(pop3_done(&d.s));
	cr_assert_eq(pop3_state(&d.s), POP3_CLOSED);
	cr_assert(!d.m.locked, "a failed session lets go of the mailbox");
	cr_assert(strstr(d.log, "unreadable mid-reply") != NULL);
	drv_free(&d);
	cr_assert_eq(d.m.commits, 0);
}

/* ---- back-pressure ---- */

Test(pop3_flow, large_message_streams_in_bounded_output)
{
	static uint8_t big[3 << 20];
	struct drv d;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (i % 100 == 99) ? '\n' : (uint8_t)('a' + i % 26);
	big[100] = '.';
	drv_setup(&d);
	pop3_mem_add(&d.m, NULL, big, sizeof(big));
	login(&d);
	static const char in[] = "RETR 1\r\nRETR 1\r\nNOOP\r\n";
	pop3_input(&d.s, in, strlen(in));
	/* nothing drained yet: the core must not have read the message */
	cr_assert_leq(pop3_pending(&d.s), POP3_OUT_LIMIT + 2 * (16 << 10));
	cr_assert(!pop3_want_read(&d.s));
	drain(&d);
	cr_assert_leq(d.max_pending, POP3_OUT_LIMIT + 2 * (16 << 10));
	cr_assert(pop3_want_read(&d.s));
	const char *end = d.out + d.out_len;
	cr_assert(d.out_len > 2 * sizeof(big));
	cr_assert_str_eq(end - 10, "\r\n.\r\n+OK\r\n");
	drv_free(&d);
}
