/* Reference decoders for the byte-stuffing codecs, cobs and slip: a frame
 * ends at its terminator (00, C0); a bad frame is reported once, at its
 * first byte, with whichever fault comes first, and skipped. */
#include <errno.h>

#include "framing/codec.h"
#include "ref_int.h"

/* The frame's first fault (0 if none) and the offset it lies at. */
struct ref_fault {
	int code;
	size_t at;
};

static void ref_note(struct ref_fault *f, int code, size_t at)
{
	if (f->code == 0) {
		f->code = code;
		f->at = at;
	}
}

/* End the frame p[start..end): end < n means a terminator at end, else
 * EOF cut it off (the caller then finishes: a frame reported bad ends
 * cleanly, an unfinished good one is ETRUNCATED). */
static int ref_end(struct ref_result *r, struct ref_fault *f, size_t start,
		   size_t end, size_t n)
{
	if (f->code == 0 && end < n)
		return 0;
	ref_frame_drop(r);
	if (f->code != 0)
		return ref_error(r, f->code, start, false);
	return ref_finish(r, FR_ETRUNCATED, start);
}

/* The finish after the last frame: already written if EOF cut it off. */
static int ref_done(struct ref_result *r)
{
	if (r->n > 0 && r->ev[r->n - 1].kind == REF_FINISH)
		return 0;
	return ref_finish(r, FR_DONE, 0);
}

/* COBS: each block is a code byte c followed by c - 1 data bytes; every
 * block but the last and but one of code FF is followed by a zero. */
int ref_cobs(const struct fr_spec *s, const uint8_t *p, size_t n,
	     struct ref_result *r)
{
	size_t pos = 0;

	while (pos < n) {
		size_t end = pos, i = pos, count = 0;
		struct ref_fault f = {0, 0};
		bool owe = false;

		while (end < n && p[end] != 0)
			end++;
		if (end == pos) { /* a lone 00: an empty wire frame */
			pos++;
			continue;
		}
		if (ref_frame_begin(r, pos))
			return -ENOMEM;
		while (i < end) {
			unsigned c = p[i];

			/* the zero owed by the block before, if any */
			if (owe && ++count > s->max)
				ref_note(&f, FR_EOVERSIZE, i);
			else if (owe && ref_frame_byte(r, 0))
				return -ENOMEM;
			i++;
			for (unsigned k = 1; k < c; k++, i++) {
				if (i >= end) {
					if (end < n)
						ref_note(&f, FR_ECOBS, end);
					break;
				}
				if (++count > s->max)
					ref_note(&f, FR_EOVERSIZE, i);
				else if (ref_frame_byte(r, p[i]))
					return -ENOMEM;
			}
			owe = c != 0xff;
		}
		if (ref_end(r, &f, pos, end, n))
			return -ENOMEM;
		pos = end + 1;
	}
	return ref_done(r);
}

/* SLIP (RFC 1055): C0 ends a frame, DB DC stands for C0 and DB DD for DB;
 * DB before anything else is EESCAPE. Empty frames are skipped. */
int ref_slip(const struct fr_spec *s, const uint8_t *p, size_t n,
	     struct ref_result *r)
{
	size_t pos = 0;

	while (pos < n) {
		size_t end = pos, count = 0;
		struct ref_fault f = {0, 0};

		while (end < n && p[end] != 0xc0)
			end++;
		if (end == pos) {
			pos++;
			continue;
		}
		if (ref_frame_begin(r, pos))
			return -ENOMEM;
		for (size_t i = pos; i < end; i++) {
			uint8_t c = p[i];

			if (c == 0xdb) {
				if (i + 1 == end) {
					/* DB C0: the C0 is no escape */
					if (end < n)
						ref_note(&f, FR_EESCAPE, end);
					break;
				}
				c = p[++i];
				if (c != 0xdc && c != 0xdd) {
					ref_note(&f, FR_EESCAPE, i);
					continue;
				}
				c = c == 0xdc ? 0xc0 : 0xdb;
			}
			if (++count > s->max)
				ref_note(&f, FR_EOVERSIZE, i);
			else if (ref_frame_byte(r, c))
				return -ENOMEM;
		}
		if (ref_end(r, &f, pos, end, n))
			return -ENOMEM;
		pos = end + 1;
	}
	return ref_done(r);
}
