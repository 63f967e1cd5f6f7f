/* framecat decode / transcode: read a framed stream from stdin, cut it
 * into chunks by a split schedule (default: as read), feed the decoder,
 * and print each frame (hex, lines, raw) or re-encode it with SPEC_OUT. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "framecat.h"

#define STAGE_MAX 65536 /* chunks up to this size are fed exactly */

struct dec_ctx {
	const struct fc_opts *o;
	struct fr_decoder d;
	struct cm_buf enc; /* transcode: encoded frame */
	uint64_t frames;
	int status;
	bool stop; /* fatal error: the decoder is done */
};

/* Re-cuts the stream read from stdin into the schedule's chunks. A chunk
 * up to STAGE_MAX bytes is collected across reads and fed whole; larger
 * ones (and "the rest") are fed as the reads deliver them. */
struct splitter {
	bool on;
	struct fr_sched_iter it;
	size_t want; /* bytes left in the current chunk, 0: next one */
	bool staging;
	size_t staged;
	uint8_t stage[STAGE_MAX];
};

static void put_hex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[4096];

	while (n > 0) {
		size_t k = n < sizeof(tmp) / 2 ? n : sizeof(tmp) / 2;
		for (size_t i = 0; i < k; i++) {
			tmp[2 * i] = digits[p[i] >> 4];
			tmp[2 * i + 1] = digits[p[i] & 15];
		}
		fwrite(tmp, 1, 2 * k, stdout);
		p += k;
		n -= k;
	}
	putchar('\n');
}

static void emit(struct dec_ctx *c, const struct fr_frame *f)
{
	c->frames++;
	if (c->o->cmd == FC_TRANSCODE) {
		c->status |= fc_emit_encoded(&c->o->out_spec, f->data, f->len,
					     c->frames, &c->enc);
		return;
	}
	if (c->o->out == FC_OUT_HEX) {
		put_hex(f->data, f->len);
		return;
	}
	if (f->len > 0)
		fwrite(f->data, 1, f->len, stdout);
	if (c->o->out == FC_OUT_LINES)
		putchar('\n');
}

static void report(struct dec_ctx *c, int code, uint64_t offset)
{
	fprintf(stderr, "framecat: error at offset %llu: %s\n",
		(unsigned long long)offset, fr_strerror(code));
	c->status = 1;
}

/* Feed one chunk and drain every event it yields. */
static void feed_chunk(struct dec_ctx *c, const uint8_t *p, size_t n)
{
	struct fr_frame f;

	if (c->stop || n == 0)
		return;
	int r = fr_decoder_feed(&c->d, p, n);
	if (r != FR_OK) {
		report(c, r, fr_decoder_offset(&c->d));
		c->stop = true;
		return;
	}
	for (;;) {
		r = fr_decoder_next(&c->d, &f);
		if (r == FR_NEED_MORE)
			return;
		if (r == FR_FRAME) {
			emit(c, &f);
			continue;
		}
		report(c, r, f.offset);
		if (fr_decoder_failed(&c->d) ||
		    fr_error_is_fatal(&c->o->spec, r)) {
			c->stop = true;
			return;
		}
	}
}

static void split_feed(struct dec_ctx *c, struct splitter *s, const uint8_t *p,
		       size_t n)
{
	if (!s->on) {
		feed_chunk(c, p, n);
		return;
	}
	while (n > 0 && !c->stop) {
		if (s->want == 0) {
			s->want = fr_sched_next(&s->it);
			s->staging = s->want <= STAGE_MAX;
		}
		size_t take = n < s->want ? n : s->want;
		if (s->staging) {
			memcpy(s->stage + s->staged, p, take);
			s->staged += take;
		} else {
			feed_chunk(c, p, take);
		}
		if (s->want != FR_CHUNK_REST)
			s->want -= take;
		if (s->staging && s->want == 0) {
			feed_chunk(c, s->stage, s->staged);
			s->staged = 0;
		}
		p += take;
		n -= take;
	}
}

static void finish(struct dec_ctx *c, struct splitter *s)
{
	struct fr_frame f;

	if (s->staged > 0)
		feed_chunk(c, s->stage, s->staged);
	if (c->stop)
		return;
	int r = fr_decoder_finish(&c->d, &f);
	if (r == FR_FRAME) { /* http1:resp body delimited by close */
		emit(c, &f);
		r = fr_decoder_finish(&c->d, &f);
	}
	if (r != FR_DONE)
		report(c, r, f.offset);
}

static int read_loop(struct dec_ctx *c, struct splitter *s)
{
	static uint8_t block[FC_READ_BLOCK];

	while (!c->stop) {
		ssize_t n = read(STDIN_FILENO, block, sizeof(block));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "framecat: stdin: %s\n",
				strerror(errno));
			return 1;
		}
		if (n == 0)
			break;
		split_feed(c, s, block, (size_t)n);
		if (ferror(stdout))
			return 1;
	}
	finish(c, s);
	return 0;
}

int fc_decode(const struct fc_opts *o)
{
	static struct splitter s;
	struct dec_ctx c = {.o = o};

	if (fr_decoder_init(&c.d, &o->spec, NULL, 0) != FR_OK) {
		fprintf(stderr, "framecat: cannot set up the decoder\n");
		return 1;
	}
	s.on = o->sched.kind != 0 && o->sched.kind != FR_SCHED_WHOLE;
	if (s.on)
		fr_sched_begin(&s.it, &o->sched, 0);
	if (read_loop(&c, &s) != 0)
		c.status = 1;
	fr_decoder_free(&c.d);
	cm_buf_free(&c.enc);
	return c.status;
}
