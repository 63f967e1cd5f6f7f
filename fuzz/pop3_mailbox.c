/* The fixed mailbox of the pop3_session fuzz target, chosen for the
 * paths that break POP3 servers (dot lines, bare LF, lone CR, no final
 * newline, an empty message, a header without body), the reference wire
 * form of its messages, and what it must hold after the session. */
#include <stdio.h>
#include <string.h>

#include "pop3_oracle.h"

FZ_FAIL_W(ps_fail_mailbox, "mailbox after the session differs from UPDATE")
FZ_FAIL(ps_fail_lock, "mailbox lock wrong after pop3_free", "lock")

/* 1: CRLF, dot lines; 2: bare LF, no final newline; 3 is empty; 4: the
 * blank line is a lone CR before LF, a bare CR inside a line, a line that
 * is only CR, an empty body line, a CR at the very end; 5: no blank line
 * (TOP sends it all); 6: a 1000-octet body line (body lines are exempt
 * from the 512 limit), dot lines, a CR at the end; 7: the blank line
 * comes first; 8..16 are plain. With the input's short store reads
 * (ps_read_max) every one of these states also straddles a read. */
static const char ps_m1[] = "From: a@example.org\r\nSubject: crlf\r\n\r\n"
			    "body\r\n.dot\r\n.\r\n..\r\nend\r\n";
static const char ps_m2[] = "Subject: lf\nX: y\n\nbody 1\n.\nbody 2\n.x\nlast";
static const char ps_m4[] = "Subject: mixed\n\r\na\rb\n\r\r\n.\r\n\nx\r";
static const char ps_m5[] = "Subject: no body\r\nX: z";
static const char ps_m6_head[] = "Subject: long\r\n\r\n";
static const char ps_m6_tail[] = "\n.lead\n..\r\nline .x\r";
static const char ps_m7[] = "\r\n.\r\n..x\n";
static uint8_t ps_m6[PS_MSG_MAX];
struct pop3_mem ps_box;
uint64_t ps_octets[PS_NMSG];

static size_t ps_m6_build(void)
{
	size_t n = sizeof(ps_m6_head) - 1;

	memcpy(ps_m6, ps_m6_head, n);
	memset(ps_m6 + n, 'L', 1000);
	n += 1000;
	memcpy(ps_m6 + n, ps_m6_tail, sizeof(ps_m6_tail) - 1);
	return n + sizeof(ps_m6_tail) - 1;
}

/* What RETR (top false) or TOP sends of a stored message, up to the
 * terminator, written apart from the core's streaming code: a line ends
 * at LF (one CR before it is part of the line end) and goes out with
 * CRLF, a leading '.' is doubled, TOP keeps the header, the blank line
 * and `lines` body lines. */
void ps_ref_xfer(const uint8_t *p, size_t n, bool top, uint64_t lines,
		 uint8_t *out, struct ps_ref *r)
{
	bool body = false;
	size_t pos = 0;

	memset(r, 0, sizeof(*r));
	while (pos < n) {
		const uint8_t *lf = memchr(p + pos, '\n', n - pos);
		size_t end = lf ? (size_t)(lf - p) : n, clen = end - pos;

		if (lf && clen > 0 && p[end - 1] == '\r')
			clen--;
		if (clen > 0 && p[pos] == '.')
			out[r->len++] = '.';
		memcpy(out + r->len, p + pos, clen);
		r->len += clen;
		r->octets += clen + 2;
		if (lf == NULL) {
			r->open = true;
			return;
		}
		memcpy(out + r->len, "\r\n", 2);
		r->len += 2;
		pos = end + 1;
		if (!top)
			continue;
		if (body && lines > 0)
			lines--;
		if (clen == 0)
			body = true;
		if (body && lines == 0) {
			r->stopped = true;
			return;
		}
	}
}

/* A unique-id of POP3_UID_MAX octets of 0x21..0x7E, different for each
 * seed: the longest RFC 1939 allows, so LIST/UIDL replies are large and a
 * short input can pile the output up past POP3_OUT_LIMIT. */
static void ps_uid70(char *uid, size_t seed)
{
	for (size_t i = 0; i < POP3_UID_MAX; i++)
		uid[i] = (char)(0x21 + (i * 7 + seed * 13) % 94);
	uid[POP3_UID_MAX] = '\0';
}

void ps_box_build(void)
{
	static const char *const uids[7] = {
	    "crlf-1", "lf-2", "empty-3", "mixed-4", "nobody-5", NULL, "dots-7"};
	static char filler[PS_NMSG - 7][24];
	static uint8_t out[PS_EXP_MAX];
	char uid70[POP3_UID_MAX + 1];
	size_t m6 = ps_m6_build();
	struct ps_ref r;

	pop3_mem_init(&ps_box, PS_USER, PS_PASS);
	ps_uid70(uid70, 6);
	pop3_mem_add(&ps_box, uids[0], ps_m1, sizeof(ps_m1) - 1);
	pop3_mem_add(&ps_box, uids[1], ps_m2, sizeof(ps_m2) - 1);
	pop3_mem_add(&ps_box, uids[2], "", 0);
	pop3_mem_add(&ps_box, uids[3], ps_m4, sizeof(ps_m4) - 1);
	pop3_mem_add(&ps_box, uids[4], ps_m5, sizeof(ps_m5) - 1);
	pop3_mem_add(&ps_box, uid70, ps_m6, m6);
	pop3_mem_add(&ps_box, uids[6], ps_m7, sizeof(ps_m7) - 1);
	/* 8..PS_NMSG: plain small messages with long unique-ids */
	for (size_t i = 7; i < PS_NMSG; i++) {
		int n = snprintf(filler[i - 7], sizeof(filler[i - 7]),
				 "Subject: %zu\r\n\r\n.%zu\n", i + 1, i + 1);

		ps_uid70(uid70, i + 1);
		pop3_mem_add(&ps_box, uid70, filler[i - 7], (size_t)n);
	}
	for (size_t i = 0; i < PS_NMSG; i++) {
		ps_ref_xfer(ps_box.msg[i].data, ps_box.msg[i].len, false, 0,
			    out, &r);
		ps_octets[i] = r.octets;
	}
}

void ps_check_box(const struct pop3_mem *m, const struct ps_model *md)
{
	size_t k = 0;
	bool kept = false;

	if (m->locked != (ps_fault == PS_F_LOCKED))
		ps_fail_lock();
	for (size_t i = 0; i < PS_NMSG; i++) {
		bool gone = md->update != PS_U_NONE && md->del[i];

		if (gone && md->update == PS_U_FAILED && !kept) {
			kept = true;
			gone = false;
		}
		if (gone)
			continue;
		if (k >= m->n || m->msg[k].data != ps_box.msg[i].data)
			ps_fail_mailbox("a message kept or removed wrongly");
		k++;
	}
	if (k != m->n)
		ps_fail_mailbox("message count");
}
