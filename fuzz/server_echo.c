/* server_echo: drives the sans-I/O echo core (servers/echo_core.h) with
 * the input's chunks as successive recv() results and drains its output
 * in schedule-sized sends; the echo oracle: what comes back, decoded,
 * equals the frames that went in. Layout: fuzz_input.h (server_echo). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo_core.h"
#include "fuzz_check.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fz_log fz_in, fz_out;
static uint8_t *fz_echo;
static size_t fz_echo_len, fz_echo_cap;

static __attribute__((noinline)) void fz_fail_echo(const char *what)
{
	fprintf(stderr, "fuzz: server_echo: %s spec=%s split=%s\n", what,
		fz_ctx_spec, fz_ctx_sched);
	abort();
}

/* Send (collect) up to max bytes of pending output. */
static void fz_send(struct echo_conn *c, size_t max)
{
	size_t len = 0;
	const uint8_t *p = echo_output(c, &len);

	if (len > max)
		len = max;
	if (len == 0)
		return;
	if (fz_echo_len + len > fz_echo_cap) {
		fz_echo_cap = 2 * (fz_echo_len + len);
		fz_echo = realloc(fz_echo, fz_echo_cap);
		if (fz_echo == NULL)
			abort();
	}
	memcpy(fz_echo + fz_echo_len, p, len);
	fz_echo_len += len;
	echo_consume(c, len);
}

static void fz_drain(struct echo_conn *c)
{
	while (echo_pending(c) > 0)
		fz_send(c, SIZE_MAX);
}

/* Feed wire to the core under the schedule; true if it reported an error. */
static bool fz_serve(struct echo_conn *c, const struct fz_setup *s,
		     const uint8_t *wire, size_t wlen)
{
	size_t pos = 0;
	int rc = FR_OK;

	for (size_t i = 0; i < s->nchunks && rc == FR_OK; i++) {
		size_t n = s->chunks[i];
		uint8_t *chunk = malloc(n);

		memcpy(chunk, wire + pos, n);
		rc = echo_input(c, chunk, n);
		free(chunk);
		pos += n;
		fz_send(c, s->chunks[(i + 1) % s->nchunks]);
		if (!echo_want_read(c))
			fz_drain(c);
	}
	if (rc == FR_OK)
		rc = echo_eof(c);
	fz_drain(c);
	if ((rc != FR_OK) != (echo_error(c) != NULL))
		fz_fail_echo("echo_error disagrees with the result");
	(void)wlen;
	return rc != FR_OK;
}

/* Frames of log up to its first error (the core closes there). */
static size_t fz_frames_before_error(const struct fz_log *l)
{
	size_t n = 0;

	while (n < l->n && l->ev[n].kind == FZ_EV_FRAME)
		n++;
	return n;
}

/* Of those, the frames before the first one fr_encode refuses (e.g. a
 * len:varint,strip=0 frame whose header is an overlong varint): the core
 * must close there too. */
static size_t fz_frames_echoable(const struct fr_spec *spec,
				 const struct fz_log *l)
{
	static uint8_t *out;
	static size_t cap;
	size_t n = fz_frames_before_error(l), olen;

	for (size_t i = 0; i < n; i++) {
		size_t bound = fr_encode_bound(spec, l->ev[i].len);

		if (bound > cap) {
			cap = bound;
			out = realloc(out, cap);
			if (out == NULL)
				abort();
		}
		if (fr_encode(spec, l->bytes + l->ev[i].at, l->ev[i].len, out,
			      bound, &olen) != FR_OK)
			return i;
	}
	return n;
}

static void fz_check_echo(const struct fr_spec *spec, bool failed)
{
	size_t want, got;

	fz_decode(spec, fz_echo, fz_echo_len, NULL, 0, FZ_FEED_WHOLE, &fz_out);
	if (spec->kind == FR_RAW) {
		if (fz_out.nb != fz_in.nb ||
		    (fz_in.nb && memcmp(fz_out.bytes, fz_in.bytes, fz_in.nb)))
			fz_fail_echo("raw echo differs from the input");
		return;
	}
	want = fz_frames_echoable(spec, &fz_in);
	got = fz_frames_before_error(&fz_out);
	if (got != fz_out.n - 1 || fz_out.ev[got].code != FR_DONE)
		fz_fail_echo("echoed stream does not decode cleanly");
	if (got != want)
		fz_fail_echo("echoed frame count differs");
	for (size_t i = 0; i < want; i++) {
		const struct fz_ev *a = &fz_in.ev[i], *b = &fz_out.ev[i];

		if (a->len != b->len ||
		    (a->len > 0 &&
		     memcmp(fz_in.bytes + a->at, fz_out.bytes + b->at, a->len)))
			fz_fail_echo("echoed frame differs");
	}
	if (!failed && want != fz_in.n - 1)
		fz_fail_echo("core accepted a stream the decoder rejects");
	if (failed && want == fz_in.n - 1 && fz_in.ev[want].code == FR_DONE)
		fz_fail_echo("core failed on a stream the decoder accepts");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_producer p;
	struct fz_setup s;
	struct fr_spec spec;
	struct echo_conn c;
	const uint8_t *wire;
	size_t wlen;
	int kind;
	bool as_wire;

	fz_producer_init(&p, data, size);
	kind = (int)fz_range(&p, FR_FIXED, FR_RAW);
	if (fz_begin(&s, &spec, kind | FZ_KIND_PLAIN, data, p.size) != 0)
		return 0;
	if (s.stream_len == 0)
		goto out;
	as_wire = s.stream[s.stream_len - 1] & 1;
	wire = s.stream;
	wlen = s.stream_len - 1;
	if (!as_wire)
		wlen = fz_roundtrip_wire(&spec, s.stream, wlen, &wire);
	if (fz_setup_chunks(&s, wlen) != 0)
		goto out;
	fz_decode(&spec, wire, wlen, NULL, 0, FZ_FEED_WHOLE, &fz_in);
	if (echo_init(&c, &spec) != FR_OK)
		fz_fail_echo("echo_init refused a parsed spec");
	fz_echo_len = 0;
	fz_check_echo(&spec, fz_serve(&c, &s, wire, wlen));
	echo_free(&c);
out:
	fz_setup_free(&s);
	return 0;
}
