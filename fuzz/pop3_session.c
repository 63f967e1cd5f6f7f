/* pop3_session: drives the sans-I/O POP3 core (servers/pop3_core.h) over a
 * fixed in-memory mailbox with a client stream fed whole, under the input's
 * split schedule and one line at a time, and checks that the three runs
 * agree and that every reply is what RFC 1939 says (pop3_oracle.c).
 * Layout: fuzz_input.h (pop3_session). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_buf.h"
#include "framing/framing.h"
#include "fuzz_check.h"
#include "fuzz_input.h"
#include "pop3_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FZ_FAIL(ps_fail_init, "pop3_init failed", "init")
FZ_FAIL_W(ps_fail_differs, "reply streams differ")
FZ_FAIL_W(ps_fail_eof, "wrong end of session at EOF")
FZ_FAIL(ps_fail_secret, "the password reached the log", "log")

/* ---- driving the core ---- */

struct ps_run {
	struct pop3_mem m;
	struct pop3_store st;
	struct pop3_session s;
	struct cm_buf out; /* every reply byte sent so far */
};

struct ps_unit {
	size_t at, len, end; /* line [at, at+len), fed [at, end) */
	enum ps_kind kind;
};

static struct ps_run ps_runs[3];
static struct ps_unit *ps_units;
static size_t ps_units_cap;

static void ps_log(void *arg, const char *msg)
{
	(void)arg;
	if (strstr(msg, PS_PASS) != NULL)
		ps_fail_secret();
}

/* The store's read, cut to ps_read_max bytes: a short read is within the
 * store contract, and it puts every line state (after CR, at the start
 * of a line, TOP's blank line) at a read boundary. */
static long (*ps_mem_read)(void *box, size_t i, uint64_t off, void *buf,
			   size_t cap);

static long ps_read(void *box, size_t i, uint64_t off, void *buf, size_t cap)
{
	if (ps_read_max != 0 && cap > ps_read_max)
		cap = ps_read_max;
	return ps_mem_read(box, i, off, buf, cap);
}

static void ps_open(struct ps_run *r, bool log)
{
	r->m = ps_box;
	if (ps_fault == PS_F_UNREADABLE)
		r->m.fail_read = 1;
	if (ps_fault == PS_F_MIDREPLY) {
		r->m.fail_read = 0;
		r->m.fail_off = 1;
	}
	if (ps_fault == PS_F_COMMIT)
		r->m.fail_commit = 1;
	r->m.locked = ps_fault == PS_F_LOCKED;
	r->st = pop3_mem_store(&r->m);
	ps_mem_read = r->st.read;
	r->st.read = ps_read;
	cm_buf_clear(&r->out);
	if (cm_buf_reserve(&r->out, 1) < 0) /* data never NULL */
		fz_must(NULL);
	if (pop3_init(&r->s, &r->st, log ? ps_log : NULL, NULL) != 0)
		ps_fail_init();
}

/* Collect up to max bytes of pending output, as one send() would. */
static void ps_send(struct ps_run *r, size_t max)
{
	size_t len;
	const uint8_t *p = pop3_output(&r->s, &len);

	if (len > max)
		len = max;
	if (len == 0)
		return;
	if (cm_buf_append(&r->out, p, len) < 0)
		fz_must(NULL);
	pop3_consume(&r->s, len);
}

static void ps_drain(struct ps_run *r)
{
	while (pop3_pending(&r->s) > 0)
		ps_send(r, SIZE_MAX);
}

/* Each chunk in its own buffer (sfz_chunk_dup), so a read past it or a
 * pointer kept into it shows. */
static void ps_feed(struct ps_run *r, const uint8_t *p, size_t n)
{
	uint8_t *c = sfz_chunk_dup(p, n);

	pop3_input(&r->s, c, n);
	sfz_chunk_free(c, n);
}

/* EOF (everything sent before: no more output), drain, free; the store
 * must be unlocked and as UPDATE left it. */
static void ps_close(struct ps_run *r, const struct ps_model *md)
{
	size_t before = cm_buf_len(&r->out);

	pop3_eof(&r->s);
	ps_drain(r);
	if (cm_buf_len(&r->out) != before)
		ps_fail_eof("output after EOF with every command run");
	if (pop3_state(&r->s) != POP3_CLOSED)
		ps_fail_eof("state");
	/* a failed session has let go of the mailbox before pop3_free */
	if (md->failed && r->m.locked)
		ps_fail_eof("failed session still holds the lock");
	pop3_free(&r->s);
	ps_check_box(&r->m, md);
}

/* Cut the stream where the core's crlf,max=253 decoder does: a line of
 * more than 253 octets before CRLF gets one "line too long"; so does a
 * last fragment without CRLF once it reaches 255 octets. */
static size_t ps_split_units(const uint8_t *d, size_t n)
{
	size_t nu = 0, pos = 0, j = 0;

	while (pos < n) {
		const uint8_t *lf = memchr(d + j, '\n', n - j);
		struct ps_unit *u;
		size_t k = lf ? (size_t)(lf - d) : n;

		if (lf != NULL && (k == pos || d[k - 1] != '\r')) {
			j = k + 1;
			continue;
		}
		ps_units = fz_must(cm_grow(ps_units, &ps_units_cap, nu + 1,
					   sizeof(*ps_units)));
		u = &ps_units[nu++];
		u->at = pos;
		u->len = lf ? k - 1 - pos : n - pos;
		u->end = lf ? k + 1 : n;
		if (lf != NULL)
			u->kind = u->len > POP3_CMD_MAX ? PS_TOOLONG : PS_LINE;
		else
			u->kind = u->len >= POP3_CMD_MAX + 2 ? PS_TOOLONG
							     : PS_PARTIAL;
		pos = j = u->end;
	}
	return nu;
}

/* One line at a time, drained after each: every reply is checked. */
static void ps_run_lines(const uint8_t *d, size_t n, struct ps_model *md)
{
	struct ps_run *r = &ps_runs[2];
	size_t nu = ps_split_units(d, n);

	ps_model_init(md);
	ps_lineno = 0;
	ps_open(r, true);
	ps_drain(r);
	ps_check_greeting(cm_buf_data(&r->out), cm_buf_len(&r->out));
	for (size_t i = 0; i < nu; i++) {
		const struct ps_unit *u = &ps_units[i];
		size_t at = cm_buf_len(&r->out);

		ps_lineno = i + 1;
		ps_feed(r, d + u->at, u->end - u->at);
		ps_drain(r);
		ps_check_unit(md, d + u->at, u->len, u->kind,
			      cm_buf_data(&r->out) + at,
			      cm_buf_len(&r->out) - at, pop3_state(&r->s));
	}
	ps_lineno = 0;
	ps_close(r, md);
}

static bool ps_same(const struct cm_buf *a, const struct cm_buf *b)
{
	return cm_buf_len(a) == cm_buf_len(b) &&
	       (cm_buf_len(a) == 0 ||
		memcmp(cm_buf_data(a), cm_buf_data(b), cm_buf_len(a)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct fz_producer p;
	struct fz_setup s;
	struct ps_model md;
	struct ps_run *whole = &ps_runs[0], *plan = &ps_runs[1];
	const struct cm_buf *lines = &ps_runs[2].out;

	if (!ready) {
		ps_box_build();
		ready = true;
	}
	fz_producer_init(&p, data, size);
	ps_fault = fz_range(&p, 0, PS_NFAULTS - 1);
	ps_read_max = fz_range(&p, 0, PS_READ_MAX);
	if (fz_setup_read(&s, FR_RAW, data, p.size) != 0)
		goto out;
	fz_ctx_spec = "pop3 commands";
	fz_ctx_sched = s.sched_text;
	fz_ctx_more = ps_ctx;
	ps_run_lines(s.stream, s.stream_len, &md);

	ps_open(whole, false);
	ps_feed(whole, s.stream, s.stream_len);
	ps_drain(whole);
	ps_close(whole, &md);
	if (!ps_same(&whole->out, lines))
		ps_fail_differs("whole vs one line at a time");

	/* The schedule's chunks, sending only as much as the next chunk
	 * size after each: output piles up and commands wait in the core. */
	ps_open(plan, false);
	for (size_t i = 0, pos = 0; i < s.nchunks; pos += s.chunks[i++]) {
		ps_feed(plan, s.stream + pos, s.chunks[i]);
		ps_send(plan, s.chunks[(i + 1) % s.nchunks]);
	}
	ps_drain(plan);
	ps_close(plan, &md);
	if (!ps_same(&plan->out, lines))
		ps_fail_differs("scheduled chunks vs one line at a time");
out:
	fz_ctx_sched = NULL;
	fz_setup_free(&s);
	return 0;
}
