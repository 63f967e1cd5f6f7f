/* framecat encode: read messages from stdin (hex lines, text lines or all
 * of stdin), frame each with fr_encode and write the stream to stdout.
 * Memory per message is bounded by the spec's max. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "framecat.h"

/* Buffered stdin reader that hands out lines. */
struct reader {
	uint8_t block[FC_READ_BLOCK];
	size_t pos, len;
	bool eof;
	int err; /* errno of a failed read */
};

static bool fill(struct reader *r)
{
	while (!r->eof && r->pos == r->len) {
		ssize_t n = read(STDIN_FILENO, r->block, sizeof(r->block));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r->err = n < 0 ? errno : 0;
			r->eof = true;
			break;
		}
		r->pos = 0;
		r->len = (size_t)n;
	}
	return r->pos < r->len;
}

/* Append up to n bytes to msg, keeping it within limit; bytes past the
 * limit are dropped and *over set. */
static bool append(struct cm_buf *msg, const uint8_t *p, size_t n, size_t limit,
		   bool *over)
{
	size_t room = limit - cm_buf_len(msg);

	if (n > room) {
		*over = true;
		n = room;
	}
	if (n == 0)
		return true;
	return cm_buf_append(msg, p, n) == 0;
}

/* Next record into msg: a line without its \n (until is '\n'), or all
 * that is left (until < 0). Returns 1 for a record, 0 at the end, -1 out
 * of memory. A last line without \n still counts; nothing after the last
 * \n does not. */
static int next_record(struct reader *r, struct cm_buf *msg, int until,
		       size_t limit, bool *over)
{
	bool any = false;

	cm_buf_clear(msg);
	*over = false;
	while (fill(r)) {
		const uint8_t *p = r->block + r->pos;
		size_t n = r->len - r->pos;
		const uint8_t *nl = until < 0 ? NULL : memchr(p, until, n);
		size_t take = nl ? (size_t)(nl - p) : n;
		any = true;
		if (!append(msg, p, take, limit, over))
			return -1;
		r->pos += take + (nl != NULL);
		if (nl)
			return 1;
	}
	return any || until < 0 ? 1 : 0;
}

/* Decode hex in place (the bytes shrink to half, from the head).
 * Returns the column (1-based) of the first bad character, or 0 when the
 * line was good. */
static size_t unhex(struct cm_buf *b)
{
	uint8_t *p = b->p + b->head;
	size_t n = cm_buf_len(b);

	if (n > 0 && p[n - 1] == '\r')
		n--;
	for (size_t i = 0; i < n; i += 2) {
		int hi = fr_hexval(p[i]);
		int lo = i + 1 < n ? fr_hexval(p[i + 1]) : -1;
		if (hi < 0)
			return i + 1;
		if (lo < 0)
			return i + 2;
		p[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	b->tail = b->head + n / 2;
	return 0;
}

/* Bytes of input a message of at most max bytes can take. */
static size_t input_limit(const struct fc_opts *o)
{
	size_t max = o->spec.max;

	if (o->in == FC_IN_HEX)
		return 2 * max + 1; /* a trailing \r is allowed */
	return max;
}

static int encode_one(const struct fc_opts *o, struct cm_buf *msg, bool over,
		      uint64_t no, struct cm_buf *out)
{
	if (over) {
		fprintf(stderr, "framecat: message %llu: %s\n",
			(unsigned long long)no, fr_strerror(FR_EOVERSIZE));
		return 1;
	}
	if (o->in == FC_IN_HEX) {
		size_t col = unhex(msg);
		if (col != 0) {
			fprintf(
			    stderr,
			    "framecat: message %llu: bad hex at column %zu\n",
			    (unsigned long long)no, col);
			return 1;
		}
	}
	return fc_emit_encoded(&o->spec, cm_buf_data(msg), cm_buf_len(msg), no,
			       out);
}

int fc_encode(const struct fc_opts *o)
{
	static struct reader r;
	struct cm_buf msg = {0}, out = {0};
	int until = o->in == FC_IN_RAW ? -1 : '\n';
	uint64_t no = 0;
	int status = 0;
	bool over;

	/* never hand the encoder a NULL message, even an empty one */
	if (cm_buf_reserve(&msg, 1) < 0) {
		fprintf(stderr, "framecat: out of memory\n");
		return 1;
	}
	for (;;) {
		int got = next_record(&r, &msg, until, input_limit(o), &over);
		if (got < 0) {
			fprintf(stderr, "framecat: out of memory\n");
			status = 1;
			break;
		}
		if (got == 0)
			break;
		no++;
		status |= encode_one(o, &msg, over, no, &out);
		if (ferror(stdout) || until < 0)
			break;
	}
	if (r.err != 0) {
		fprintf(stderr, "framecat: stdin: %s\n", strerror(r.err));
		status = 1;
	}
	cm_buf_free(&msg);
	cm_buf_free(&out);
	return status;
}
