/* The glue of fraglab's split targets on the splitfuzz harness: configure
 * reads fuzz_input.h's choices (the parsed spec cached across runs), the
 * fast decoder wraps fr_decoder_* and checks its per-call contract (each
 * broken rule aborts from its own function), the reference wraps fuzz/ref.
 * A message is identified by its stream offset (8 bytes) and payload; raw
 * frames only count as their concatenation, one message at the end. */
#include <stdlib.h>
#include <string.h>

#include "cm_buf.h"
#include "framing/framing.h"
#include "fuzz_check.h"
#include "fuzz_contract.h"
#include "fuzz_die.h"
#include "fuzz_input.h"
#include "fuzz_sfz.h"
#include "ref.h"

struct fz_sfz_conf {
	struct fz_opts o;
	char spec_text[128];
	struct fr_spec spec;
	size_t bsz;
	bool ref;      /* ref_knows(spec) */
	unsigned made; /* decoders made this run: the first gets a buffer */
};

static struct fz_sfz_conf fz_conf;
static bool fz_conf_valid;

/* ---- configure ---- */

static uint32_t fz_sfz_range(void *ctx, uint32_t lo, uint32_t hi)
{
	return sfz_choose(ctx, lo, hi);
}

static void fz_sfz_sched(void *ctx, struct fz_opts *o)
{
	(void)o;
	sfz_read_schedule(ctx);
}

void *fz_sfz_configure(struct sfz_choices *c, int kind)
{
	struct fz_reader r = {fz_sfz_range, fz_sfz_sched, c};
	struct fz_opts o;

	fz_opts_read_from(&r, &o, kind);
	/* Most runs repeat the last options: keep the parsed spec. */
	if (!fz_conf_valid || memcmp(&o, &fz_conf.o, sizeof(o)) != 0) {
		fz_conf_valid = false;
		fz_conf.o = o;
		fz_spec_text(&o, fz_conf.spec_text, sizeof(fz_conf.spec_text));
		if (fz_spec(&fz_conf.spec, fz_conf.spec_text) != 0)
			return NULL;
		fz_conf.bsz = fr_decoder_bufsize(&fz_conf.spec);
		fz_conf.ref = ref_knows(&fz_conf.spec);
		fz_conf_valid = true;
	}
	fz_conf.made = 0;
	fz_ctx_spec = fz_conf.spec_text;
	fz_ctx_sched = NULL; /* the harness prints the chunk list */
	fz_ctx_more = NULL;
	return &fz_conf;
}

const char *fz_sfz_errname(long code)
{
	return fr_errname((int)code);
}

void fz_sfz_describe(void *conf, char *buf, size_t len)
{
	const struct fz_sfz_conf *c = conf;

	snprintf(buf, len, "spec=%s", c->spec_text);
}

/* ---- message identity: offset, then payload ---- */

struct fz_canon {
	uint8_t *p;
	size_t cap;
};

static const uint8_t *fz_canon(struct fz_canon *c, uint64_t off,
			       const uint8_t *data, size_t len)
{
	c->p = fz_must(cm_grow(c->p, &c->cap, len + 8, 1));
	for (int i = 0; i < 8; i++)
		c->p[i] = (uint8_t)(off >> (8 * i));
	if (len > 0)
		memcpy(c->p + 8, data, len);
	return c->p;
}

static void fz_msg(struct sfz_event *ev, struct fz_canon *c, uint64_t off,
		   const uint8_t *data, size_t len)
{
	ev->kind = SFZ_MSG;
	ev->data = fz_canon(c, off, data, len);
	ev->len = len + 8;
}

/* ---- the fast decoder ---- */

struct fz_sd {
	struct fr_decoder d;
	const struct fz_sfz_conf *c;
	void *cbuf; /* caller buffer (first decoder of a run, when small) */
	struct fz_canon canon;
	uint64_t fed, next_off;
	bool failed;
	struct cm_buf raw; /* raw: the frames' concatenation */
	int final;	   /* raw: finish result, once the bytes are out */
	uint64_t final_off;
	bool raw_out;
};

static void *fz_sd_create(void *conf)
{
	struct fz_sfz_conf *c = conf;
	struct fz_sd *s = fz_must(calloc(1, sizeof(*s)));

	s->c = c;
	s->cbuf = fz_contract_init(&s->d, &c->spec, c->bsz, c->made++ == 0);
	return s;
}

static void fz_sd_destroy(void *dec)
{
	struct fz_sd *s = dec;

	fr_decoder_free(&s->d);
	free(s->cbuf);
	free(s->canon.p);
	cm_buf_free(&s->raw);
	free(s);
}

static int fz_sd_feed(void *dec, const uint8_t *chunk, size_t len)
{
	struct fz_sd *s = dec;

	s->fed += len;
	return fr_decoder_feed(&s->d, chunk, len) == FR_OK ? 0 : -1;
}

/* The contract of a frame; true when it is to be reported (not raw). */
static bool fz_sd_frame(struct fz_sd *s, const struct fr_frame *f)
{
	if (fz_contract_frame(&s->c->spec, f, cm_buf_len(&s->raw),
			      &s->next_off))
		return true;
	if (cm_buf_append(&s->raw, f->data, f->len) != 0)
		abort();
	return false;
}

static void fz_sd_next(void *dec, struct sfz_event *ev)
{
	struct fz_sd *s = dec;
	struct fr_frame f;
	int r;

	/* raw frames are not reported one by one: bound them here */
	for (uint64_t n = 0;; n++) {
		fz_contract_progress(n, s->fed + 4);
		r = fr_decoder_next(&s->d, &f);
		if (r != FR_FRAME || fz_sd_frame(s, &f))
			break;
	}
	if (r == FR_NEED_MORE) {
		fz_contract_bound(&s->d, s->cbuf, s->c->bsz);
		ev->kind = SFZ_MORE;
		return;
	}
	if (r == FR_FRAME) {
		fz_msg(ev, &s->canon, f.offset, f.data, f.len);
		return;
	}
	ev->kind = SFZ_ERR;
	ev->code = r;
	ev->offset = f.offset;
	if (fz_contract_error(&s->d, &s->c->spec, r, &f)) {
		s->failed = true;
		ev->fatal = 1;
	}
}

static void fz_sd_result(struct sfz_event *ev, int r, uint64_t off)
{
	if (r == FR_DONE) {
		ev->kind = SFZ_MORE;
		return;
	}
	ev->kind = SFZ_ERR;
	ev->code = r;
	ev->offset = off;
}

static void fz_sd_finish(void *dec, struct sfz_event *ev)
{
	struct fz_sd *s = dec;
	struct fr_frame f;
	int r;

	if (s->raw_out) {
		fz_sd_result(ev, s->final, s->final_off);
		return;
	}
	if (!s->failed && fr_decoder_offset(&s->d) != s->fed)
		fz_fail_offset_total();
	for (uint64_t n = 0;; n++) {
		fz_contract_progress(n, s->fed + 4);
		r = fr_decoder_finish(&s->d, &f);
		if (r != FR_FRAME || fz_sd_frame(s, &f))
			break;
	}
	/* http1:resp: a body delimited by close ends here, once */
	if (r == FR_FRAME) {
		fz_msg(ev, &s->canon, f.offset, f.data, f.len);
		return;
	}
	fz_contract_finish(&s->d, r, &f);
	if (s->c->spec.kind == FR_RAW && cm_buf_len(&s->raw) > 0) {
		s->raw_out = true;
		s->final = r;
		s->final_off = r < 0 ? f.offset : 0;
		fz_msg(ev, &s->canon, 0, cm_buf_data(&s->raw),
		       cm_buf_len(&s->raw));
		return;
	}
	fz_sd_result(ev, r, r < 0 ? f.offset : 0);
}

const struct sfz_decoder fz_sfz_decoder = {
    .create = fz_sd_create,
    .destroy = fz_sd_destroy,
    .feed = fz_sd_feed,
    .next = fz_sd_next,
    .finish = fz_sd_finish,
};

/* ---- the reference decoder (fuzz/ref), fed the whole stream ---- */

struct fz_rd {
	const struct fz_sfz_conf *c;
	struct ref_result res;
	bool decoded, raw_out;
	size_t i;
	struct fz_canon canon;
};

static struct fz_rd fz_rd; /* one at a time; its buffers are reused */

static void *fz_rd_create(void *conf)
{
	const struct fz_sfz_conf *c = conf;

	if (!c->ref)
		return NULL; /* no reference for this spec */
	fz_rd.c = c;
	fz_rd.decoded = false;
	fz_rd.raw_out = false;
	fz_rd.i = 0;
	return &fz_rd;
}

static void fz_rd_destroy(void *dec)
{
	(void)dec; /* kept for the next run */
}

static void fz_rd_decode(struct fz_rd *r, const uint8_t *p, size_t len)
{
	if (ref_decode(&r->c->spec, p, len, &r->res) != 0)
		abort(); /* out of memory is not a finding */
	r->decoded = true;
	r->i = 0;
}

static int fz_rd_feed(void *dec, const uint8_t *chunk, size_t len)
{
	fz_rd_decode(dec, chunk, len);
	return 0;
}

static void fz_rd_next(void *dec, struct sfz_event *ev)
{
	struct fz_rd *r = dec;
	bool raw = r->c->spec.kind == FR_RAW;

	if (!r->decoded)
		fz_rd_decode(r, NULL, 0);
	while (r->i < r->res.n) {
		const struct ref_ev *e = &r->res.ev[r->i];

		if (e->kind == REF_FINISH)
			break;
		r->i++;
		if (e->kind == REF_FRAME && raw)
			continue;
		if (e->kind == REF_FRAME) {
			fz_msg(ev, &r->canon, e->off,
			       e->len ? r->res.bytes + e->at : NULL, e->len);
			return;
		}
		ev->kind = SFZ_ERR;
		ev->code = e->code;
		ev->offset = e->off;
		ev->fatal = e->fatal;
		return;
	}
	ev->kind = SFZ_MORE;
}

static void fz_rd_finish(void *dec, struct sfz_event *ev)
{
	struct fz_rd *r = dec;

	if (!r->decoded)
		fz_rd_decode(r, NULL, 0);
	if (r->c->spec.kind == FR_RAW && r->res.nb > 0 && !r->raw_out) {
		r->raw_out = true;
		fz_msg(ev, &r->canon, 0, r->res.bytes, r->res.nb);
		return;
	}
	for (size_t i = r->i; i < r->res.n; i++)
		if (r->res.ev[i].kind == REF_FINISH) {
			fz_sd_result(ev, r->res.ev[i].code,
				     r->res.ev[i].code < 0 ? r->res.ev[i].off
							   : 0);
			return;
		}
	ev->kind = SFZ_MORE;
}

const struct sfz_decoder fz_sfz_ref = {
    .create = fz_rd_create,
    .destroy = fz_rd_destroy,
    .feed = fz_rd_feed,
    .next = fz_rd_next,
    .finish = fz_rd_finish,
};
