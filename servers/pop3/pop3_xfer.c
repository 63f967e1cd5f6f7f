/* A message on the wire: stored bytes become CRLF lines with dot-stuffing
 * as the output drains (RETR, TOP), and the wire size STAT/LIST report is
 * counted by the same rules. */
#include <stdio.h>
#include <string.h>

#include "pop3_int.h"

/* ---- streaming a message ---- */

/* Stored bytes to wire lines: LF ends a line and goes out as CRLF (a CR
 * before it was already sent), '.' at the start of a line is doubled,
 * TOP stops after the header and its body line count. */
static void xfer_bytes(struct pop3_session *s, const uint8_t *p, size_t n)
{
	struct pop3_xfer *x = &s->xfer;
	size_t i = 0;

	if (!pop3_out_room(s, 2 * n))
		return;
	uint8_t *o = cm_buf_tail(&s->out), *start = o;
	for (; i < n && x->active; i++) {
		uint8_t c = p[i];
		if (c == '\n') {
			bool empty = x->bol || x->cr_only;
			if (!x->cr)
				*o++ = '\r';
			*o++ = '\n';
			x->bol = true;
			x->cr = x->cr_only = false;
			if (!x->top)
				continue;
			if (x->body && x->lines > 0)
				x->lines--;
			if (empty)
				x->body = true;
			if (x->body && x->lines == 0)
				x->stop = true;
			if (x->stop)
				break;
			continue;
		}
		if (x->bol && c == '.')
			*o++ = '.';
		*o++ = c;
		x->cr_only = x->bol && c == '\r';
		x->cr = c == '\r';
		x->bol = false;
	}
	cm_buf_commit(&s->out, (size_t)(o - start));
}

static void xfer_end(struct pop3_session *s)
{
	if (!s->xfer.bol)
		pop3_out_put(s, "\r\n", 2);
	pop3_out_put(s, ".\r\n", 3);
	s->xfer.active = false;
}

/* Read and send more of the message while the output is short. */
void pop3_xfer_pump(struct pop3_session *s)
{
	uint8_t buf[POP3_CHUNK];

	while (s->xfer.active && !s->failed && pop3_pending(s) < POP3_REFILL) {
		if (s->xfer.stop) {
			xfer_end(s);
			break;
		}
		long n = s->store->read(s->box, s->xfer.msg, s->xfer.off, buf,
					sizeof(buf));
		if (n < 0) {
			char why[96];
			snprintf(why, sizeof(why),
				 "user '%s': message %zu unreadable mid-reply",
				 s->user, s->xfer.msg + 1);
			pop3_fail(s, why);
			break;
		}
		if (n == 0) {
			xfer_end(s);
			break;
		}
		s->xfer.off += (uint64_t)n;
		xfer_bytes(s, buf, (size_t)n);
	}
}

/* Start RETR/TOP: the first read decides between +OK and -ERR, so an
 * unreadable message gets -ERR rather than a reply cut short. */
bool pop3_xfer_start(struct pop3_session *s, size_t idx, bool top,
		     uint64_t lines, const char *okfmt)
{
	uint8_t buf[POP3_CHUNK];
	long n = s->store->read(s->box, idx, 0, buf, sizeof(buf));

	if (n < 0) {
		pop3_slog(s, "user '%s': message %zu unreadable", s->user,
			  idx + 1);
		pop3_reply(s, "-ERR [SYS/TEMP] message %zu unavailable",
			   idx + 1);
		return false;
	}
	pop3_reply(s, okfmt, (unsigned long long)pop3_msg_info(s, idx).size);
	s->xfer = (struct pop3_xfer){.active = true,
				     .msg = idx,
				     .off = (uint64_t)n,
				     .bol = true,
				     .top = top,
				     .lines = lines};
	if (n == 0)
		xfer_end(s);
	else
		xfer_bytes(s, buf, (size_t)n);
	return true;
}

void pop3_wsize_add(struct pop3_wsize *w, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		if (b[i] == '\n') {
			w->n += w->cr ? 1 : 2;
			w->cr = w->mid = false;
			continue;
		}
		w->n++;
		w->cr = b[i] == '\r';
		w->mid = true;
	}
}

uint64_t pop3_wsize_end(const struct pop3_wsize *w)
{
	return w->n + (w->mid ? 2 : 0);
}
