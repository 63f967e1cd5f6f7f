/* fragtest diff verdicts: a run's reply stream against the baseline's,
 * after --mask, frame by frame with --down-framing (first differing reply
 * frame, its offset and the request frame last sent before it) or byte by
 * byte, with hex and text context from both sides. */
#include <stdlib.h>
#include <string.h>

#include "ft_diff.h"

#define FT_CTX_BEFORE 16
#define FT_CTX_BYTES 48

struct ft_frames {
	uint64_t *off, *end; /* wire offsets in the reply stream */
	size_t n, cap;
	int err; /* decode error (FR_E*) after the frames, 0: none */
	uint64_t err_off;
};

static void ft_frames_free(struct ft_frames *f)
{
	free(f->off);
	free(f->end);
}

static int ft_frames_of(const struct fr_spec *spec, const uint8_t *p,
			size_t len, struct ft_frames *fs)
{
	struct fr_decoder dec;
	struct fr_frame f;
	int rc;

	memset(fs, 0, sizeof(*fs));
	if (fr_decoder_init(&dec, spec, NULL, 0) != FR_OK)
		return -1;
	fr_decoder_feed(&dec, p, len);
	/* finish may still give a frame (http1:resp ended by the close) */
	for (bool fin = false;;) {
		rc = fin ? fr_decoder_finish(&dec, &f)
			 : fr_decoder_next(&dec, &f);
		if (rc == FR_NEED_MORE && !fin) {
			fin = true;
			continue;
		}
		if (rc != FR_FRAME)
			break;
		size_t c1 = fs->cap, c2 = fs->cap;
		uint64_t *a = cm_grow(fs->off, &c1, fs->n + 1, sizeof(*a));

		if (a)
			fs->off = a;
		uint64_t *b =
		    a ? cm_grow(fs->end, &c2, fs->n + 1, sizeof(*b)) : NULL;
		if (!b) {
			fr_decoder_free(&dec);
			return -1;
		}
		fs->end = b;
		fs->cap = c1;
		fs->off[fs->n] = f.offset;
		fs->end[fs->n++] = fr_decoder_offset(&dec);
	}
	if (rc < 0) {
		fs->err = rc;
		fs->err_off = f.offset;
	}
	fr_decoder_free(&dec);
	return 0;
}

/* The request frame last sent before reply offset off, lock-step only. */
static void ft_req_before(const struct ft_dreply *r, uint64_t off, char *buf,
			  size_t len)
{
	size_t j = 0;

	buf[0] = '\0';
	if (!r->marks || !r->nframes)
		return;
	while (j + 1 < r->nframes && r->marks[j + 1] <= off)
		j++;
	snprintf(buf, len,
		 "; last request frame sent before it: %zu (request "
		 "offset %llu-%llu)",
		 j, (unsigned long long)(j ? r->req_ends[j - 1] : 0),
		 (unsigned long long)r->req_ends[j]);
}

static size_t ft_first_diff(const uint8_t *a, size_t al, const uint8_t *b,
			    size_t bl)
{
	size_t i = 0;

	while (i < al && i < bl && a[i] == b[i])
		i++;
	return i;
}

static void ft_two_sides(const uint8_t *a, size_t al, const uint8_t *b,
			 size_t bl, size_t at, const char *unit, char *detail,
			 size_t detlen)
{
	char ca[512], cb[512];
	size_t from = at > FT_CTX_BEFORE ? at - FT_CTX_BEFORE : 0;

	ft_context(a, al, from, FT_CTX_BYTES, ca, sizeof(ca));
	ft_context(b, bl, from, FT_CTX_BYTES, cb, sizeof(cb));
	snprintf(detail, detlen,
		 "  baseline (%zu bytes%s), from %s offset %zu: %s\n"
		 "  this run (%zu bytes%s), from %s offset %zu: %s\n",
		 al, unit, unit[0] ? "frame" : "stream", from, ca, bl, unit,
		 unit[0] ? "frame" : "stream", from, cb);
}

/* Byte-level verdict on the whole (masked) streams. */
static bool ft_cmp_bytes(const struct cm_buf *a, const struct cm_buf *b,
			 const struct ft_dreply *run, char *msg, size_t msglen,
			 char *detail, size_t detlen)
{
	size_t al = cm_buf_len(a), bl = cm_buf_len(b);
	size_t at = ft_first_diff(ft_bytes(a), al, ft_bytes(b), bl);
	char req[160];

	if (at == al && at == bl)
		return true;
	ft_req_before(run, at, req, sizeof(req));
	if (at == al || at == bl)
		snprintf(msg, msglen,
			 "reply stream %s at byte %zu: baseline %zu bytes, "
			 "this run %zu (%s)%s",
			 at == bl ? "ends early" : "has extra bytes", at, al,
			 bl, ft_dend_name(run->end), req);
	else
		snprintf(msg, msglen,
			 "reply stream differs at byte %zu (baseline %zu "
			 "bytes, this run %zu)%s",
			 at, al, bl, req);
	ft_two_sides(ft_bytes(a), al, ft_bytes(b), bl, at, "", detail, detlen);
	return false;
}

/* Frame-level verdict; masks apply to each frame's bytes. */
static bool ft_cmp_frames(const struct ft_dopts *o, const uint8_t *ap,
			  size_t al, const uint8_t *bp, size_t bl,
			  const struct ft_dreply *run, char *msg, size_t msglen,
			  char *detail, size_t detlen)
{
	struct ft_frames fa, fb;
	struct cm_buf ma = {0}, mb = {0};
	char req[160];
	bool same = true;
	size_t i;

	if (ft_frames_of(&o->down_spec, ap, al, &fa) < 0 ||
	    ft_frames_of(&o->down_spec, bp, bl, &fb) < 0) {
		snprintf(msg, msglen, "out of memory");
		return false;
	}
	for (i = 0; i < fa.n && i < fb.n; i++) {
		ft_mask(o, ap + fa.off[i], fa.end[i] - fa.off[i], &ma);
		ft_mask(o, bp + fb.off[i], fb.end[i] - fb.off[i], &mb);
		if (cm_buf_len(&ma) != cm_buf_len(&mb) ||
		    memcmp(ft_bytes(&ma), ft_bytes(&mb), cm_buf_len(&ma)) !=
			0) {
			same = false;
			break;
		}
	}
	if (same && fa.n == fb.n && !fa.err == !fb.err)
		goto out;
	same = false;
	if (i < fa.n && i < fb.n) {
		size_t at = ft_first_diff(ft_bytes(&ma), cm_buf_len(&ma),
					  ft_bytes(&mb), cm_buf_len(&mb));

		ft_req_before(run, fb.off[i], req, sizeof(req));
		snprintf(msg, msglen,
			 "reply frame %zu differs at byte %zu (stream offset "
			 "%llu; baseline frame at %llu)%s",
			 i, at, (unsigned long long)fb.off[i],
			 (unsigned long long)fa.off[i], req);
		ft_two_sides(ft_bytes(&ma), cm_buf_len(&ma), ft_bytes(&mb),
			     cm_buf_len(&mb), at, " in frame", detail, detlen);
		goto out;
	}
	uint64_t off = i < fb.n ? fb.off[i] : i < fa.n ? fa.off[i] : bl;

	ft_req_before(run, off, req, sizeof(req));
	snprintf(msg, msglen,
		 "reply frame %zu: baseline has %zu frames%s, this run %zu%s "
		 "(%s)%s",
		 i, fa.n, fa.err ? " then a decode error" : "", fb.n,
		 fb.err ? " then a decode error" : "", ft_dend_name(run->end),
		 req);
	{
		size_t from = i < fa.n ? fa.off[i] : al;
		size_t bfrom = i < fb.n ? fb.off[i] : bl;
		char ca[512], cb[512];

		if (fb.err && i >= fb.n)
			bfrom = fb.err_off;
		if (fa.err && i >= fa.n)
			from = fa.err_off;
		ft_context(ap, al, from, FT_CTX_BYTES, ca, sizeof(ca));
		ft_context(bp, bl, bfrom, FT_CTX_BYTES, cb, sizeof(cb));
		snprintf(detail, detlen,
			 "  baseline from stream offset %zu: %s\n"
			 "  this run from stream offset %zu: %s\n",
			 from, ca, bfrom, cb);
	}
out:
	cm_buf_free(&ma);
	cm_buf_free(&mb);
	ft_frames_free(&fa);
	ft_frames_free(&fb);
	return same;
}

bool ft_dcompare(const struct ft_dopts *o, const struct ft_dreply *base,
		 const struct ft_dreply *run, char *msg, size_t msglen,
		 char *detail, size_t detlen)
{
	struct cm_buf a = {0}, b = {0};
	bool same;

	msg[0] = detail[0] = '\0';
	if (o->down_framing) {
		same = ft_cmp_frames(
		    o, ft_bytes(&base->bytes), cm_buf_len(&base->bytes),
		    ft_bytes(&run->bytes), cm_buf_len(&run->bytes), run, msg,
		    msglen, detail, detlen);
	} else if (ft_mask(o, ft_bytes(&base->bytes), cm_buf_len(&base->bytes),
			   &a) < 0 ||
		   ft_mask(o, ft_bytes(&run->bytes), cm_buf_len(&run->bytes),
			   &b) < 0) {
		snprintf(msg, msglen, "out of memory");
		same = false;
	} else {
		same = ft_cmp_bytes(&a, &b, run, msg, msglen, detail, detlen);
	}
	if (same && (base->end == FT_END_RESET) != (run->end == FT_END_RESET)) {
		snprintf(msg, msglen,
			 "same reply bytes, but at the end %s (baseline: %s)",
			 ft_dend_name(run->end), ft_dend_name(base->end));
		same = false;
	}
	cm_buf_free(&a);
	cm_buf_free(&b);
	return same;
}
