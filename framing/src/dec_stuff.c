/* Byte-stuffing codecs, cobs and slip: a fast path that copies and
 * unescapes whole runs 16 bytes at a time and resumes after a chunk end,
 * and the byte path it leaves bad frames to. Errors are recoverable:
 * reported once, frame discarded to its end. */
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "decoder_int.h"

/* ---- COBS: code byte n (1..255) then n-1 data bytes; a zero is implied
 * between blocks unless n == 255; 00 ends the frame. */

/* Append unescaped bytes; past max, report once and discard to the end
 * of the frame (cobs and slip). */
static int put_bounded(struct fr_decoder *d, const uint8_t *p, size_t n,
		       struct fr_frame *f)
{
	if (d->len + n > d->spec.max) {
		d->discarding = true;
		d->len = 0;
		return fr_dec_report(d, FR_EOVERSIZE, f);
	}
	int rc = fr_dec_append(d, p, n);
	return rc ? fr_dec_fail(d, rc, f) : FR_OK;
}

/* Results of the whole-frame fast paths besides FR_FRAME and errors. */
enum {
	FAST_SLOW = 1000,    /* not here: take the byte-at-a-time path */
	FAST_SKIPPED = 1001, /* an empty wire frame was skipped */
	FAST_TAKEN = 1002    /* the chunk's rest was taken into the frame */
};

/* A fast path's two endings. fast_emit: the frame ends after used more
 * raw bytes (its end byte included) and decoded to buf[0..len). */
static int fast_emit(struct fr_decoder *d, struct fr_frame *f, size_t used,
		     const uint8_t *buf, size_t len)
{
	uint64_t off = d->in_off + d->in_pos;

	if (d->in_frame) {
		off = d->frame_off;
		fr_dec_end(d);
	}
	d->in_pos += used;
	return fr_dec_emit(f, buf, len, off);
}

/* fast_take: the frame goes on past the used raw bytes (the chunk's
 * rest), decoded so far to d->buf[0..len); the codec keeps its own state. */
static void fast_take(struct fr_decoder *d, size_t used, size_t len)
{
	if (!d->in_frame)
		fr_dec_begin(d);
	d->in_pos += used;
	d->seen += used;
	d->len = len;
}

/* Copy p[0..n) to o up to the first byte equal to a or b; returns the
 * bytes copied (that byte's index, or n); o[result..n) may be written too.
 * One pass: 16 bytes compared and stored at a time where SSE2 is there
 * (x86-64 always), else bytewise. COBS uses it with a == b == 0: the
 * frame up to its 00 in one pass, measured faster than memchr then
 * memcpy, or than copying and checking block by block. (SLIP's loop in
 * slip_fast is the same with its escapes undone inside it.) */
static size_t copy_until(uint8_t *o, const uint8_t *p, size_t n, uint8_t a,
			 uint8_t b)
{
	size_t i = 0;

#if defined(__SSE2__)
	const __m128i va = _mm_set1_epi8((char)a), vb = _mm_set1_epi8((char)b);

	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(p + i));
		int m = _mm_movemask_epi8(
		    _mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)));
		/* all 16 stored, the bytes from the stop byte on too: o has
		 * room for n, and what lies past the result is no output */
		_mm_storeu_si128((__m128i *)(o + i), v);
		if (m)
			return i + (unsigned)__builtin_ctz((unsigned)m);
	}
#endif
	for (; i < n; i++) {
		if (p[i] == a || p[i] == b)
			return i;
		o[i] = p[i];
	}
	return n;
}

/* The fast path, at a frame start or where the chunk ended inside one
 * (not discarding). The rest of the chunk is copied to the buffer up to
 * the first 00 (the frame's end) in one pass; the copy holds no 00, so the
 * blocks need no test: the code bytes are hopped and the copy of each is
 * overwritten with the 00 owed before it (the block before was not 255)
 * or closed up. At the frame's 00 the hops must land on it and the frame
 * is emitted; at the chunk end the byte path's state there is kept and
 * the chunk taken (FAST_TAKEN). FAST_SLOW, nothing taken (only bytes past
 * d->len scribbled), for a block running past the 00, max or memory: the
 * byte path reports those, from where this call started. */
static int cobs_walk(struct fr_decoder *d, struct fr_frame *f)
{
	const uint8_t *p = d->in + d->in_pos;
	size_t avail = d->in_len - d->in_pos, olen = 0, at, cut = 0, n = 0;
	bool owe;

	if (d->in_frame) {
		olen = d->len;
		at = d->cobs_left;
		owe = d->cobs_zero;
	} else {
		if (*p == 0) { /* a lone 00 */
			d->in_pos++;
			return FAST_SKIPPED;
		}
		at = *p - 1u; /* the first code byte: no 00 owed before it */
		owe = *p++ != 0xff;
		avail--;
	}
	/* p[at] is the next code byte, p[0..n) copied to o */
	for (;;) {
		/* the raw bytes fit the buffer's bound (frames near max with
		 * 255 blocks, whose raw length passes max, go the byte path) */
		if (olen + n >= d->cap &&
		    fr_dec_reserve(d, olen + n + 1) != FR_OK)
			return FAST_SLOW;
		size_t room = d->cap - olen - n, want = avail - n;
		size_t k = want < room ? want : room;
		k = copy_until(d->buf + olen + n, p + n, k, 0, 0);
		n += k;
		if (n == avail || p[n] == 0)
			break;
	}
	/* p[at] is a code byte, its copy at o[at]; after cut closed-up code
	 * bytes, the data from o[prev] on belongs cut bytes lower (moved a
	 * block at a time, so each byte at most once). The 00 is written
	 * even where none is owed: the next block, or the next 00, or the
	 * frame's end then lands on it. */
	uint8_t *o = d->buf + olen;
	size_t prev = 0;
	while (at < n) {
		if (cut)
			memmove(o + prev - cut, o + prev, at - prev);
		o[at - cut] = 0;
		cut += !owe;
		prev = at + 1;
		owe = p[at] != 0xff;
		at += p[at];
	}
	if (cut)
		memmove(o + prev - cut, o + prev, n - prev);
	size_t len = olen + n - cut;
	if (len > d->spec.max)
		return FAST_SLOW;
	if (n < avail) { /* p[n] is the frame's 00 */
		if (at != n)
			return FAST_SLOW;
		return fast_emit(d, f,
				 (size_t)(p + n + 1 - (d->in + d->in_pos)),
				 d->buf, len);
	}
	fast_take(d, d->in_len - d->in_pos, len);
	d->cobs_left = (unsigned)(at - n);
	d->cobs_zero = owe;
	return FAST_TAKEN;
}

static int cobs_end(struct fr_decoder *d, struct fr_frame *f)
{
	uint64_t off = d->frame_off;
	bool empty = d->seen == 0, bad = d->cobs_left > 0;
	bool discarding = d->discarding;
	size_t len = d->len;

	d->in_pos++; /* the 00 */
	if (empty || discarding) {
		fr_dec_end(d);
		return FR_OK;
	}
	if (bad) {
		int rc = fr_dec_report(d, FR_ECOBS, f);
		fr_dec_end(d);
		return rc;
	}
	fr_dec_end(d);
	return fr_dec_emit(f, d->buf, len, off);
}

int fr_dec_cobs_next(struct fr_decoder *d, struct fr_frame *f)
{
	const uint8_t *in = d->in;
	/* after the fast path declined a frame, the byte path finishes it
	 * (so a bad frame is not copied again after each block) */
	bool slow = false;

	while (d->in_pos < d->in_len) {
		if (!d->in_frame)
			slow = false;
		if (!slow && !d->discarding) {
			int rc = cobs_walk(d, f);
			if (rc == FAST_SKIPPED || rc == FAST_TAKEN)
				continue;
			if (rc != FAST_SLOW)
				return rc;
			slow = true;
			if (!d->in_frame) /* the byte path, from the start */
				fr_dec_begin(d);
		}
		uint8_t b = in[d->in_pos];
		if (b == 0) {
			int rc = cobs_end(d, f);
			if (rc)
				return rc;
			continue;
		}
		if (d->discarding) {
			const uint8_t *z =
			    memchr(in + d->in_pos, 0, d->in_len - d->in_pos);
			size_t stop = z ? (size_t)(z - in) : d->in_len;
			d->seen += stop - d->in_pos;
			d->in_pos = stop;
			continue;
		}
		if (d->cobs_left == 0) { /* code byte */
			d->in_pos++;
			d->seen++;
			if (d->cobs_zero) {
				static const uint8_t zero = 0;
				int rc = put_bounded(d, &zero, 1, f);
				if (rc)
					return rc;
			}
			d->cobs_left = b - 1u;
			d->cobs_zero = b != 0xff;
			continue;
		}
		/* data run: up to cobs_left non-zero bytes */
		size_t avail = d->in_len - d->in_pos;
		size_t n = avail < d->cobs_left ? avail : d->cobs_left;
		const uint8_t *z = memchr(in + d->in_pos, 0, n);
		if (z)
			n = (size_t)(z - (in + d->in_pos));
		int rc = put_bounded(d, in + d->in_pos, n, f);
		d->in_pos += n;
		d->seen += n;
		d->cobs_left -= (unsigned)n;
		if (rc)
			return rc;
	}
	return FR_NEED_MORE;
}

/* ---- SLIP (RFC 1055): C0 ends a frame, DB DC -> C0, DB DD -> DB. */

enum {
	SLIP_END = 0xc0,
	SLIP_ESC = 0xdb,
	SLIP_ESC_END = 0xdc,
	SLIP_ESC_ESC = 0xdd
};

/* Length of the run of ordinary bytes at in[pos..len): two memchr scans
 * (the escape is only looked for before the next END). */
static size_t slip_run(const uint8_t *in, size_t pos, size_t len)
{
	const uint8_t *end = memchr(in + pos, SLIP_END, len - pos);
	size_t stop = end ? (size_t)(end - in) : len;
	const uint8_t *esc = memchr(in + pos, SLIP_ESC, stop - pos);

	return (esc ? (size_t)(esc - in) : stop) - pos;
}

static int slip_escaped(struct fr_decoder *d, uint8_t b, struct fr_frame *f)
{
	d->esc = false;
	if (b == SLIP_ESC_END || b == SLIP_ESC_ESC) {
		uint8_t v = b == SLIP_ESC_END ? SLIP_END : SLIP_ESC;
		d->in_pos++;
		d->seen++;
		return put_bounded(d, &v, 1, f);
	}
	/* Bad escape: report, discard the frame. A C0 here still ends it. */
	if (b != SLIP_END) {
		d->in_pos++;
		d->seen++;
		d->discarding = true;
		d->len = 0;
		return fr_dec_report(d, FR_EESCAPE, f);
	}
	int rc = fr_dec_report(d, FR_EESCAPE, f);
	d->in_pos++;
	fr_dec_end(d);
	return rc;
}

/* SLIP's fast path, at a frame start or mid-frame after a chunk end (not
 * inside an escape or a discard): one loop over the rest of the chunk,
 * 16 bytes stored and tested for C0 and DB at a time where SSE2 is there,
 * escapes undone in place without leaving it, appended to the frame so
 * far. At the C0 the frame is emitted; at the chunk end the byte path's
 * state there is kept (esc when the chunk's last byte is a DB) and the
 * chunk taken (FAST_TAKEN), so it is not read twice. A bad escape, max or
 * memory are left to the byte path (it reports them and discards to the
 * C0, wherever that is), with nothing taken. */
static int slip_fast(struct fr_decoder *d, struct fr_frame *f)
{
	const uint8_t *p = d->in + d->in_pos;
	size_t n = d->in_len - d->in_pos, i = 0, j = 0, lim;
	bool esc = false;
	uint8_t *o;

	if (d->in_frame) {
		if (d->seen == 0)
			return FAST_SLOW;
		j = d->len;
	} else if (*p == SLIP_END) { /* an empty frame */
		d->in_pos++;
		return FAST_SKIPPED;
	}
#if defined(__SSE2__)
	const __m128i va = _mm_set1_epi8((char)SLIP_END);
	const __m128i vb = _mm_set1_epi8((char)SLIP_ESC);
#endif
grow:
	/* the buffer grows with the frame (by doubling, never past its
	 * bound; past that, the byte path); a round reads no more raw bytes
	 * than there is room for, as they decode to at most as many */
	if (j + 2 > d->cap && fr_dec_reserve(d, j + 2) != FR_OK)
		return FAST_SLOW;
	lim = d->cap - j < n - i ? i + (d->cap - j) : n;
	o = d->buf;
	for (;;) {
		uint8_t b;
#if defined(__SSE2__)
		if (i + 16 <= lim) {
			__m128i v = _mm_loadu_si128((const __m128i *)(p + i));
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
			    _mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)));
			/* j grows no faster than i: o has room for all 16 */
			_mm_storeu_si128((__m128i *)(o + j), v);
			if (!m) {
				i += 16;
				j += 16;
				continue;
			}
			m = (unsigned)__builtin_ctz(m);
			i += m;
			j += m;
		} else
#endif
		{
			while (i < lim && p[i] != SLIP_END && p[i] != SLIP_ESC)
				o[j++] = p[i++];
			if (i == lim) {
				if (lim < n)
					goto grow;
				break;
			}
		}
		b = p[i];
		if (b == SLIP_END)
			break;
		if (i + 1 == lim) { /* a DB ends the chunk (or the room) */
			if (lim < n)
				goto grow;
			esc = true;
			i++;
			break;
		}
		b = p[i + 1];
		if (b != SLIP_ESC_END && b != SLIP_ESC_ESC)
			return FAST_SLOW;
		o[j++] = b == SLIP_ESC_END ? SLIP_END : SLIP_ESC;
		i += 2;
	}
	if (j > d->spec.max)
		return FAST_SLOW;
	if (i < n) /* p[i] is the frame's C0 */
		return fast_emit(d, f, i + 1, o, j);
	fast_take(d, i, j);
	d->esc = esc;
	return FAST_TAKEN;
}

int fr_dec_slip_next(struct fr_decoder *d, struct fr_frame *f)
{
	const uint8_t *in = d->in;
	bool slow = false; /* as in fr_dec_cobs_next */

	while (d->in_pos < d->in_len) {
		if (!d->in_frame)
			slow = false;
		if (!slow && !d->esc && !d->discarding) {
			int rc = slip_fast(d, f);
			if (rc == FAST_SKIPPED || rc == FAST_TAKEN)
				continue;
			if (rc != FAST_SLOW)
				return rc;
			slow = true;
			if (!d->in_frame)
				fr_dec_begin(d);
		}
		uint8_t b = in[d->in_pos];
		if (d->esc && !d->discarding) {
			int rc = slip_escaped(d, b, f);
			if (rc)
				return rc;
			continue;
		}
		if (b == SLIP_END) {
			uint64_t off = d->frame_off;
			bool emit = d->seen > 0 && !d->discarding;
			size_t len = d->len;
			d->in_pos++;
			fr_dec_end(d);
			if (emit)
				return fr_dec_emit(f, d->buf, len, off);
			continue;
		}
		d->seen++;
		d->in_pos++;
		if (d->discarding)
			continue;
		if (b == SLIP_ESC) {
			d->esc = true;
			continue;
		}
		size_t n = 1 + slip_run(in, d->in_pos, d->in_len);
		int rc = put_bounded(d, in + d->in_pos - 1, n, f);
		d->in_pos += n - 1;
		d->seen += n - 1;
		if (rc)
			return rc;
	}
	return FR_NEED_MORE;
}
