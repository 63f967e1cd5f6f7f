/* A growable byte buffer with a consumed front (bytes appended at the tail,
 * taken from the head, compacted before growing), and the one array grower
 * for tables of any element type. Errors are -ENOMEM; nothing aborts. */
#ifndef FRAGLAB_COMMON_BUF_H
#define FRAGLAB_COMMON_BUF_H

#include <stddef.h>
#include <stdint.h>

struct cm_buf {
	uint8_t *p;  /* storage, cap bytes */
	size_t head; /* first unconsumed byte */
	size_t tail; /* one past the last byte */
	size_t cap;
};

/* Zeroed struct cm_buf is an empty buffer; cm_buf_free returns it there. */
void cm_buf_free(struct cm_buf *b);

/* Never NULL, even for a buffer that never held a byte, so callers may do
 * pointer arithmetic or hand it to memcmp/send with a length of 0. */
static inline const uint8_t *cm_buf_data(const struct cm_buf *b)
{
	static const uint8_t empty[1];

	return b->p != NULL ? b->p + b->head : empty;
}

static inline size_t cm_buf_len(const struct cm_buf *b)
{
	return b->tail - b->head;
}

/* Make room for n more bytes at the tail (moving the data to the front
 * first, doubling after). Returns 0 or -ENOMEM. */
int cm_buf_reserve(struct cm_buf *b, size_t n);

/* Pointer to the free tail room (at least what the last reserve asked for)
 * and the commit of n bytes written there. */
static inline uint8_t *cm_buf_tail(struct cm_buf *b)
{
	return b->p + b->tail;
}

static inline size_t cm_buf_room(const struct cm_buf *b)
{
	return b->cap - b->tail;
}

void cm_buf_commit(struct cm_buf *b, size_t n);

/* Reserve and copy. Returns 0 or -ENOMEM. */
int cm_buf_append(struct cm_buf *b, const void *data, size_t n);

/* Drop n bytes from the head (n <= cm_buf_len). */
void cm_buf_consume(struct cm_buf *b, size_t n);

/* Empty the buffer, keeping its storage. */
void cm_buf_clear(struct cm_buf *b);

/* Grow an array of elem-sized entries so that it holds at least need
 * entries: *cap doubles (from 16). Returns the (possibly moved) array, or
 * NULL with p untouched when out of memory or need * elem overflows. */
void *cm_grow(void *p, size_t *cap, size_t need, size_t elem);

#endif
