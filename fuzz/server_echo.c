/* server_echo: drives the sans-I/O echo core (servers/echo_core.h) with
 * the input's chunks as successive recv() results and drains its output
 * in schedule-sized sends; the echo oracle: what comes back, decoded,
 * equals the frames that went in. Layout: fuzz_input.h (server_echo). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_buf.h"
#include "echo_core.h"
#include "fuzz_check.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fz_log fz_in, fz_out;
static struct cm_buf fz_echo; /* everything the core sent */

FZ_FAIL(fz_fail_init, "echo_init refused a parsed spec", "server_echo")
FZ_FAIL(fz_fail_error_result, "echo_error disagrees with the result",
	"server_echo")
FZ_FAIL(fz_fail_raw_differs, "raw echo differs from the input", "server_echo")
FZ_FAIL(fz_fail_unclean, "echoed stream does not decode cleanly", "server_echo")
FZ_FAIL(fz_fail_count, "echoed frame count differs", "server_echo")
FZ_FAIL(fz_fail_frame, "echoed frame differs", "server_echo")
FZ_FAIL(fz_fail_accepted, "core accepted a stream the decoder rejects",
	"server_echo")
FZ_FAIL(fz_fail_rejected, "core failed on a stream the decoder accepts",
	"server_echo")

/* Send (collect) up to max bytes of pending output. */
static void fz_send(struct echo_conn *c, size_t max)
{
	size_t len = 0;
	const uint8_t *p = echo_output(c, &len);

	if (len > max)
		len = max;
	if (len == 0)
		return;
	if (cm_buf_append(&fz_echo, p, len) < 0)
		fz_must(NULL);
	echo_consume(c, len);
}

static void fz_drain(struct echo_conn *c)
{
	while (echo_pending(c) > 0)
		fz_send(c, SIZE_MAX);
}

/* Feed wire to the core under the schedule, each chunk in its own
 * exact-size buffer under ASan (sfz_chunk_dup); true if the core
 * reported an error. */
static bool fz_serve(struct echo_conn *c, const struct fz_setup *s,
		     const uint8_t *wire)
{
	size_t pos = 0;
	int rc = FR_OK;

	for (size_t i = 0; i < s->nchunks && rc == FR_OK; i++) {
		size_t n = s->chunks[i];
		uint8_t *chunk = sfz_chunk_dup(wire + pos, n);

		rc = echo_input(c, chunk, n);
		sfz_chunk_free(chunk, n);
		pos += n;
		fz_send(c, s->chunks[(i + 1) % s->nchunks]);
		if (!echo_want_read(c))
			fz_drain(c);
	}
	if (rc == FR_OK)
		rc = echo_eof(c);
	fz_drain(c);
	if ((rc != FR_OK) != (echo_error(c) != NULL))
		fz_fail_error_result();
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

		out = fz_must(cm_grow(out, &cap, bound ? bound : 1, 1));
		if (fr_encode(spec, l->bytes + l->ev[i].at, l->ev[i].len, out,
			      bound, &olen) != FR_OK)
			return i;
	}
	return n;
}

static void fz_check_echo(const struct fr_spec *spec, bool failed)
{
	size_t want, got;

	fz_decode(spec, cm_buf_data(&fz_echo), cm_buf_len(&fz_echo), NULL, 0,
		  FZ_FEED_WHOLE, &fz_out);
	if (spec->kind == FR_RAW) {
		if (fz_out.nb != fz_in.nb ||
		    (fz_in.nb && memcmp(fz_out.bytes, fz_in.bytes, fz_in.nb)))
			fz_fail_raw_differs();
		return;
	}
	want = fz_frames_echoable(spec, &fz_in);
	got = fz_frames_before_error(&fz_out);
	if (got != fz_out.n - 1 || fz_out.ev[got].code != FR_DONE)
		fz_fail_unclean();
	if (got != want)
		fz_fail_count();
	for (size_t i = 0; i < want; i++) {
		const struct fz_ev *a = &fz_in.ev[i], *b = &fz_out.ev[i];

		if (a->len != b->len ||
		    (a->len > 0 &&
		     memcmp(fz_in.bytes + a->at, fz_out.bytes + b->at, a->len)))
			fz_fail_frame();
	}
	if (!failed && want != fz_in.n - 1)
		fz_fail_accepted();
	if (failed && want == fz_in.n - 1 && fz_in.ev[want].code == FR_DONE)
		fz_fail_rejected();
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
		fz_fail_init();
	cm_buf_clear(&fz_echo);
	if (cm_buf_reserve(&fz_echo, 1) < 0) /* data never NULL */
		fz_must(NULL);
	fz_check_echo(&spec, fz_serve(&c, &s, wire));
	echo_free(&c);
out:
	fz_setup_free(&s);
	return 0;
}
