/* Drives one libframing decoder over a stream cut into chunks (each chunk
 * placed by splitfuzz's sfz_chunk_dup: its own exact-size heap buffer under
 * ASan, freed as soon as the decoder says it is used up) and records every
 * event; checks the per-call contract and the memory bound on the way. Failures
 * abort from their own function. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_buf.h"
#include "fuzz_check.h"
#include "fuzz_contract.h"
#include "fuzz_input.h"

static struct fz_ev *fz_push(struct fz_log *log, enum fz_ev_kind kind)
{
	struct fz_ev *e;

	log->ev =
	    fz_must(cm_grow(log->ev, &log->cap, log->n + 1, sizeof(*log->ev)));
	e = &log->ev[log->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	return e;
}

static void fz_log_frame(struct fz_log *log, const struct fr_spec *spec,
			 const struct fr_frame *f)
{
	struct fz_ev *e;
	bool own = fz_contract_frame(spec, f, log->nb, &log->next_off);

	if (f->len > 0) {
		log->bytes = fz_must(
		    cm_grow(log->bytes, &log->bcap, log->nb + f->len, 1));
		memcpy(log->bytes + log->nb, f->data, f->len);
	}
	if (!own) { /* raw: only the concatenation is invariant */
		log->nb += f->len;
		return;
	}
	e = fz_push(log, FZ_EV_FRAME);
	e->off = f->offset;
	e->len = f->len;
	e->at = log->nb;
	log->nb += f->len;
}

/* Pull events until NEED_MORE; true once the decoder is failed. */
static bool fz_drain(struct fr_decoder *d, const struct fr_spec *spec,
		     struct fz_log *log, size_t fed)
{
	size_t events = 0;

	for (;;) {
		struct fr_frame f;
		struct fz_ev *e;
		int r = fr_decoder_next(d, &f);

		fz_contract_progress(++events, 2 * fed + 4);
		if (r == FR_NEED_MORE)
			return false;
		if (r == FR_FRAME) {
			fz_log_frame(log, spec, &f);
			continue;
		}
		e = fz_push(log, FZ_EV_ERROR);
		e->code = r;
		e->off = f.offset;
		if (fz_contract_error(d, spec, r, &f))
			return true;
	}
}

static void fz_finish(struct fr_decoder *d, const struct fr_spec *spec,
		      struct fz_log *log)
{
	struct fr_frame f;
	struct fz_ev *e;
	int r = fr_decoder_finish(d, &f);

	/* http1:resp: a body delimited by close ends here, once */
	if (r == FR_FRAME) {
		fz_log_frame(log, spec, &f);
		r = fr_decoder_finish(d, &f);
	}
	fz_contract_finish(d, r, &f);
	e = fz_push(log, FZ_EV_FINISH);
	e->code = r;
	e->off = r < 0 ? f.offset : 0;
}

void fz_decode(const struct fr_spec *spec, const uint8_t *stream, size_t len,
	       const size_t *chunks, size_t nchunks, enum fz_feed feed,
	       struct fz_log *log)
{
	struct fr_decoder d;
	size_t bsz = fr_decoder_bufsize(spec), pos = 0, i = 0;
	void *cbuf;
	bool failed = false;

	log->n = 0;
	log->nb = 0;
	log->next_off = 0;
	cbuf = fz_contract_init(&d, spec, bsz, feed == FZ_FEED_WHOLE);
	while (pos < len && !failed) {
		size_t n = len - pos;
		uint8_t *chunk;

		if (feed == FZ_FEED_BYTES)
			n = 1;
		else if (feed == FZ_FEED_PLAN && i < nchunks)
			n = chunks[i++];
		chunk = sfz_chunk_dup(stream + pos, n);
		if (fr_decoder_feed(&d, chunk, n) != FR_OK)
			fz_fail_feed();
		failed = fz_drain(&d, spec, log, n);
		sfz_chunk_free(chunk, n);
		fz_contract_bound(&d, cbuf, bsz);
		pos += n;
	}
	if (!failed && fr_decoder_offset(&d) != len)
		fz_fail_offset_total();
	fz_finish(&d, spec, log);
	fr_decoder_free(&d);
	free(cbuf);
}

int fz_spec(struct fr_spec *spec, const char *text)
{
	char err[128];

	return fr_spec_parse(spec, text, err, sizeof(err)) == FR_OK ? 0 : -1;
}

int fz_begin(struct fz_setup *s, struct fr_spec *spec, int kind,
	     const uint8_t *data, size_t size)
{
	if (fz_setup_read(s, kind, data, size) != 0) {
		fz_setup_free(s);
		return -1;
	}
	if (fz_spec(spec, s->spec_text) != 0) {
		fz_setup_free(s);
		return -1;
	}
	fz_ctx_spec = s->spec_text;
	fz_ctx_sched = s->sched_text;
	fz_ctx_more = NULL;
	return 0;
}
