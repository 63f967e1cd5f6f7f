/* The entry points: sfz_run (split), sfz_run_roundtrip and sfz_check.
 * Every feeding's log must equal the whole-stream one (and the reference's,
 * and for round trips the encoded messages); a finding is printed with its
 * spec-free reproduction and aborts from its invariant's own function. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfz_int.h"

static struct sfz_log sfz_lw, sfz_lp, sfz_lb, sfz_lr;

static SFZ_NOINLINE void sfz_no_decoder(const struct sfz_target *t)
{
	fprintf(stderr,
		"splitfuzz: %s: the target sets neither dec nor parse\n",
		t->name ? t->name : "target");
	abort();
}

/* 0 when the invariants hold, 1 when skipped, -1 with *f set. */
static int sfz_verify(const struct sfz_target *t, void *conf,
		      const uint8_t *stream, size_t len, const size_t *chunks,
		      size_t nchunks, struct sfz_finding *f)
{
	struct sfz_pa_arg pa = {t, conf, f};
	const struct sfz_decoder *d = t->dec ? t->dec : &sfz_parse_decoder;
	void *arg = t->dec ? conf : &pa;
	int rc;

	if (t->dec == NULL && t->parse == NULL)
		sfz_no_decoder(t);
	rc = sfz_feed_log(t, d, arg, stream, len, NULL, 0, SFZ_WHOLE, &sfz_lw,
			  f);
	if (rc != 0)
		return rc;
	if (sfz_feed_log(t, d, arg, stream, len, chunks, nchunks, SFZ_PLAN,
			 &sfz_lp, f) != 0 ||
	    sfz_log_compare(t, &sfz_lw, &sfz_lp, "whole vs schedule", false,
			    f) != 0)
		return -1;
	if (sfz_feed_log(t, d, arg, stream, len, NULL, 0, SFZ_BYTES, &sfz_lb,
			 f) != 0 ||
	    sfz_log_compare(t, &sfz_lw, &sfz_lb, "whole vs bytes", false, f) !=
		0)
		return -1;
	if (t->ref == NULL)
		return 0;
	rc = sfz_feed_log(t, t->ref, conf, stream, len, NULL, 0, SFZ_WHOLE,
			  &sfz_lr, f);
	if (rc < 0)
		return -1;
	if (rc == 0 && sfz_log_compare(t, &sfz_lw, &sfz_lr,
				       "whole vs reference", true, f) != 0)
		return -1;
	return 0;
}

/* ---- findings ---- */

bool sfz_describe(const struct sfz_target *t, void *conf, char *text,
		  size_t len)
{
	if (t->describe == NULL || conf == NULL)
		return false;
	text[0] = '\0';
	t->describe(conf, text, len);
	return true;
}

#define SFZ_SHOW_BYTES 4096
#define SFZ_SHOW_CHUNKS 4096

static void sfz_print(const struct sfz_target *t, void *conf,
		      const struct sfz_finding *f, const uint8_t *stream,
		      size_t len, const size_t *chunks, size_t nchunks)
{
	size_t show = len < SFZ_SHOW_BYTES ? len : SFZ_SHOW_BYTES;
	char text[256];

	fprintf(stderr, "splitfuzz: %s: %s\n", t->name ? t->name : "target",
		f->why);
	if (sfz_describe(t, conf, text, sizeof(text)))
		fprintf(stderr, "splitfuzz: conf: %s\n", text);
	fprintf(stderr, "splitfuzz: stream: %zu bytes: ", len);
	for (size_t i = 0; i < show; i++)
		fprintf(stderr, "%02x", stream[i]);
	fprintf(stderr, "%s\nsplitfuzz: chunks: ", show < len ? "..." : "");
	for (size_t i = 0; i < nchunks && i < SFZ_SHOW_CHUNKS; i++)
		fprintf(stderr, "%s%zu", i ? "," : "", chunks[i]);
	fprintf(stderr, "%s\n", nchunks > SFZ_SHOW_CHUNKS ? ",..." : "");
	fprintf(stderr,
		"splitfuzz: replay: sfz_check(&target, conf, stream, "
		"%zu, chunks, %zu, why, sizeof why)\n",
		len, nchunks);
	fflush(stderr);
}

/* One function per invariant, each with its own body (so that identical
 * code folding cannot merge them): distinct stacks, distinct buckets. */
#define SFZ_DIE(fn, inv)                                                       \
	static SFZ_NOINLINE __attribute__((noreturn)) void fn(void)            \
	{                                                                      \
		volatile int which = inv;                                      \
		(void)which;                                                   \
		abort();                                                       \
	}
SFZ_DIE(sfz_die_refused, SFZ_I_REFUSED)
SFZ_DIE(sfz_die_progress, SFZ_I_PROGRESS)
SFZ_DIE(sfz_die_badev, SFZ_I_BADEV)
SFZ_DIE(sfz_die_count, SFZ_I_COUNT)
SFZ_DIE(sfz_die_kind, SFZ_I_KIND)
SFZ_DIE(sfz_die_msg, SFZ_I_MSG)
SFZ_DIE(sfz_die_code, SFZ_I_CODE)
SFZ_DIE(sfz_die_offset, SFZ_I_OFFSET)
SFZ_DIE(sfz_die_fatal, SFZ_I_FATAL)
SFZ_DIE(sfz_die_finish, SFZ_I_FINISH)
SFZ_DIE(sfz_die_ref, SFZ_I_REF)
SFZ_DIE(sfz_die_roundtrip, SFZ_I_ROUNDTRIP)
SFZ_DIE(sfz_die_parse, SFZ_I_PARSE)

static __attribute__((noreturn)) void sfz_die(enum sfz_inv inv)
{
	switch (inv) {
	case SFZ_I_REFUSED:
		sfz_die_refused();
	case SFZ_I_PROGRESS:
		sfz_die_progress();
	case SFZ_I_BADEV:
		sfz_die_badev();
	case SFZ_I_COUNT:
		sfz_die_count();
	case SFZ_I_KIND:
		sfz_die_kind();
	case SFZ_I_MSG:
		sfz_die_msg();
	case SFZ_I_CODE:
		sfz_die_code();
	case SFZ_I_OFFSET:
		sfz_die_offset();
	case SFZ_I_FATAL:
		sfz_die_fatal();
	case SFZ_I_FINISH:
		sfz_die_finish();
	case SFZ_I_REF:
		sfz_die_ref();
	case SFZ_I_ROUNDTRIP:
		sfz_die_roundtrip();
	case SFZ_I_PARSE:
		sfz_die_parse();
	default:
		abort();
	}
}

/* ---- sfz_run ---- */

static size_t *sfz_chunkv;
static size_t sfz_chunkcap;

int sfz_begin(const struct sfz_target *t, struct sfz_choices *c,
	      const uint8_t *data, size_t size, bool record, void **conf)
{
	sfz_choices_init(c, data, size);
	c->record = record;
	*conf = NULL;
	if (t->configure != NULL) {
		*conf = t->configure(c);
		if (*conf == NULL)
			return -1;
	}
	sfz_read_schedule(c);
	return 0;
}

void sfz_end(const struct sfz_target *t, void *conf)
{
	if (t->release != NULL && conf != NULL)
		t->release(conf);
}

int sfz_run(const struct sfz_target *t, const uint8_t *data, size_t size)
{
	struct sfz_finding f = {0};
	struct sfz_choices c;
	void *conf;
	ptrdiff_t n;

	if (sfz_begin(t, &c, data, size, false, &conf) != 0)
		return 0;
	n = sfz_chunks(&c, c.size, &sfz_chunkv, &sfz_chunkcap);
	if (n < 0)
		abort(); /* out of memory is not a finding */
	if (sfz_verify(t, conf, data, c.size, sfz_chunkv, (size_t)n, &f) < 0) {
		sfz_print(t, conf, &f, data, c.size, sfz_chunkv, (size_t)n);
		sfz_die(f.inv);
	}
	sfz_end(t, conf);
	return 0;
}

int sfz_check(const struct sfz_target *t, void *conf, const uint8_t *stream,
	      size_t len, const size_t *chunks, size_t nchunks, char *why,
	      size_t whylen)
{
	struct sfz_finding f = {0};
	size_t sum = 0;

	for (size_t i = 0; i < nchunks; i++) {
		if (chunks[i] == 0 || chunks[i] > len - sum) {
			snprintf(why, whylen, "bad chunk list: chunk %zu", i);
			return -1;
		}
		sum += chunks[i];
	}
	if (sum != len) {
		snprintf(why, whylen, "bad chunk list: sum %zu, stream %zu",
			 sum, len);
		return -1;
	}
	if (sfz_verify(t, conf, stream, len, chunks, nchunks, &f) < 0) {
		snprintf(why, whylen, "%s", f.why);
		return 1;
	}
	if (whylen > 0)
		why[0] = '\0';
	return 0;
}

/* ---- round trips ---- */

struct sfz_out {
	uint8_t *p;
	size_t len, cap;
};

#define SFZ_OUT_MAX ((size_t)1 << 20)

int sfz_out_put(struct sfz_out *out, const void *data, size_t len)
{
	if (len > SFZ_OUT_MAX - out->len)
		return -1;
	if (len == 0)
		return 0;
	out->p = sfz_must(sfz_grow(out->p, &out->cap, out->len + len, 1));
	memcpy(out->p + out->len, data, len);
	out->len += len;
	return 0;
}

/* The next message of a list (fuzz/fuzz_input.h): a length byte L, then L
 * bytes; L = 255: the next two bytes (big-endian) mod 1024. */
static size_t sfz_next_msg(const uint8_t **p, size_t *left)
{
	size_t n = **p;

	(*p)++;
	(*left)--;
	if (n == 255 && *left >= 2) {
		n = (((size_t)(*p)[0] << 8) | (*p)[1]) % 1024;
		*p += 2;
		*left -= 2;
	}
	return n < *left ? n : *left;
}

static int sfz_rt_compare(const struct sfz_target *t, const uint8_t *front,
			  size_t flen, struct sfz_finding *f)
{
	const uint8_t *p = front;
	size_t left = flen, i = 0;
	char got[160];

	for (; left > 0; i++) {
		size_t n = sfz_next_msg(&p, &left);
		const struct sfz_rec *r = i < sfz_lw.n ? &sfz_lw.ev[i] : NULL;

		if (r == NULL || r->kind != SFZ_R_MSG || r->len != n ||
		    (n > 0 && memcmp(sfz_lw.bytes + r->at, p, n) != 0))
			goto differs;
		p += n;
		left -= n;
	}
	if (i + 1 == sfz_lw.n && sfz_lw.ev[i].kind == SFZ_R_END)
		return 0;
differs:
	sfz_rec_text(t, &sfz_lw, i, got, sizeof(got));
	f->inv = SFZ_I_ROUNDTRIP;
	snprintf(f->why, sizeof(f->why), "%s at message %zu: decoded %s",
		 sfz_inv_name[SFZ_I_ROUNDTRIP], i, got);
	return -1;
}

int sfz_run_roundtrip(const struct sfz_target *t, const uint8_t *data,
		      size_t size)
{
	static struct sfz_out out;
	struct sfz_finding f = {0};
	struct sfz_choices c;
	const uint8_t *p;
	size_t left;
	void *conf;
	ptrdiff_t n;
	int rc;

	if (t->encode == NULL ||
	    sfz_begin(t, &c, data, size, false, &conf) != 0)
		return 0;
	out.len = 0;
	for (p = data, left = c.size; left > 0;) {
		size_t m = sfz_next_msg(&p, &left);

		if (t->encode(conf, p, m, &out) != 0) {
			sfz_end(t, conf);
			return 0;
		}
		p += m;
		left -= m;
	}
	n = sfz_chunks(&c, out.len, &sfz_chunkv, &sfz_chunkcap);
	if (n < 0)
		abort();
	rc = sfz_verify(t, conf, out.p, out.len, sfz_chunkv, (size_t)n, &f);
	if (rc == 0)
		rc = sfz_rt_compare(t, data, c.size, &f);
	if (rc < 0) {
		sfz_print(t, conf, &f, out.p, out.len, sfz_chunkv, (size_t)n);
		sfz_die(f.inv);
	}
	sfz_end(t, conf);
	return 0;
}

int sfz_read_file(const char *path, unsigned char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;
	int rc;

	if (f == NULL)
		return -errno;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		goto fail;
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n)
		goto fail;
	fclose(f);
	*out = buf;
	*len = (size_t)n;
	return 0;
fail:
	rc = errno ? -errno : -EIO;
	free(buf);
	fclose(f);
	return rc;
}
